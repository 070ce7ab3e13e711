/* SPDX-License-Identifier: MIT
 *
 * gdbstub.h — the GDB remote stub: lets a stock gdb attach to the guest (`target remote :1234`), read
 * and write registers and memory, set breakpoints and watchpoints, step, continue, interrupt with Ctrl-C
 * and, when the machine has an execution history, run backward.  docs/gdb.md is the user's guide.
 *
 * The platform (pc.c) hands its run loop over to the stub: gdbstub_run() replaces backend->run() and
 * returns the same kind of stop reason when the machine's run is over (the guest exited, a triple fault
 * the user chose to continue past, gdb's kill), or STOP_RESET when the guest asked for a reset (the
 * platform reboots and calls gdbstub_run() again; the gdb session goes on).
 */
#ifndef REVISOR_GDBSTUB_H
#define REVISOR_GDBSTUB_H

#include "machine.h"
#include "debugger/target.h"

struct gdbstub;

/* spec: "tcp:HOST:PORT", "tcp::PORT" or ":PORT" (HOST defaults to 127.0.0.1), or "stdio".  With
 * wait_for_gdb (-S) the guest does not run until gdb says so.  NULL + err on failure. */
struct gdbstub *gdbstub_new(struct machine *m, const char *spec, int wait_for_gdb, char err[512]);
void gdbstub_free(struct gdbstub *g);
/* Reverse execution and seek become available with a history provider (replay/). */
void gdbstub_set_history(struct gdbstub *g, const struct target_history *h);
/* The user's instruction limit (-icount-limit), 0 = none. */
void gdbstub_set_limit(struct gdbstub *g, uint64_t limit);

/* Reverse execution in a live run: the session keeps checkpoints of itself in memory (history.c).
 * gdbstub_new() turns it on; 0 or -1. */
int gdbstub_live_history(struct gdbstub *g, int on);
/* Reverse execution in `revisor replay`: the machine's stub (if -s/-gdb attached one) uses the
 * recording's checkpoints and seek (replay/checkpoint.h) instead of a live history. */
struct player;
void gdbstub_use_player(struct machine *m, struct player *p);

enum stop_reason gdbstub_run(struct gdbstub *g);
/* The run is over with this exit status: tell gdb (a W packet) if it is still connected. */
void gdbstub_exited(struct gdbstub *g, int status);

/* The packet interpreter on its own, for tests and the fuzzer: feed raw bytes as if they came from gdb;
 * replies go to out (may be NULL).  Returns the number of packets handled. */
struct gdbstub *gdbstub_new_loopback(struct machine *m, int (*out)(void *, const void *, size_t), void *opaque);
int gdbstub_feed(struct gdbstub *g, const uint8_t *data, size_t len);

#endif
