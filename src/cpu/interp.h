/* SPDX-License-Identifier: MIT
 *
 * interp.h — the interpreter backend's entry points beyond struct backend: single-stepping one
 * instruction (used by the replay engine and, later, by the translator near instruction-count
 * deadlines) and its decoded-instruction cache statistics.
 */
#ifndef REVISOR_INTERP_H
#define REVISOR_INTERP_H

#include <stdint.h>
#include <stdio.h>

struct machine;

/* Execute exactly one instruction at CS:EIP.  Must be called with m->cpu.fault_jmp set up (the run
 * loop does this); faults raised inside longjmp there. */
void interp_step(struct machine *m);
/* Print the last instructions executed, disassembled (for end-of-run reports). */
void interp_report_recent(struct machine *m, FILE *out);
/* For that report, from a backend that runs instructions elsewhere (bt): the instructions counted
 * from..to-1 ran as translated code; the one at `icount` (a callout) was at linear address lin. */
void interp_note_translated(struct machine *m, uint64_t from, uint64_t to);
void interp_note_recent(struct machine *m, uint64_t icount, uint32_t lin);
/* Turn the trace cache's multi-instruction execution off (1 instruction per dispatch) or on. */
void interp_set_traces(struct machine *m, int on);
void interp_stats(struct machine *m, uint64_t *hits, uint64_t *misses);

#endif
