/* SPDX-License-Identifier: MIT
 *
 * system.h — protected-mode machinery shared by several instruction families: loading segment registers
 * with their checks (segment.c, SDM vol. 3A 3.4-3.5 and 5.5-5.10), reading descriptors, and the I/O
 * permission check (io.c, SDM vol. 1 18.5 "Protected-mode I/O").
 */
#ifndef REVISOR_SYSTEM_H
#define REVISOR_SYSTEM_H

#include <stdint.h>
#include "cpu.h"

/* Load data/stack segment register s (S_ES, S_SS, S_DS, S_FS, S_GS) with selector sel, performing every
 * check of MOV/POP/LxS (null selector rules, type, DPL/RPL/CPL, present), setting the accessed bit and
 * raising #GP(sel)/#SS(sel)/#NP(sel) as the SDM specifies.  In real mode: base = sel << 4, other cached
 * fields unchanged.  Loading SS also sets c->inhibit_irq. */
void seg_load(struct cpu *c, unsigned s, uint16_t sel);

/* Read the 8-byte descriptor for sel from the GDT or LDT (supervisor access).  Returns 0, or -1 if the
 * selector's index is beyond the table limit (the caller chooses the exception). */
int desc_read(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* Unpack a code/data descriptor into the hidden part of a segment register. */
void desc_unpack(struct seg *s, uint16_t sel, uint32_t lo, uint32_t hi);

/* Set CS from a code descriptor during a far transfer / interrupt / iret; also updates c->cpl. */
void seg_load_cs_raw(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl);

/* Raise #GP(0) unless CPL <= IOPL or the TSS I/O bitmap allows every port in [port, port+size). */
void io_permission(struct cpu *c, uint16_t port, unsigned size);

/* Recompute anything cached from CR0/CR4/CPL/EFLAGS mode bits (TLB flush when paging bits change). */
void cpu_mode_changed(struct cpu *c);

#endif
