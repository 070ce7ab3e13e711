/* SPDX-License-Identifier: MIT
 *
 * target.h — how the GDB stub drives the machine: registers in gdb's i386 order, guest memory by linear
 * (or physical) address without ever faulting the guest, breakpoints and watchpoints, and run control
 * (step, continue in slices, range step) plus reverse execution on top of a history provider.
 *
 * The debugger attaches to the interpreter through three hooks in struct machine (machine.h):
 *   debug_check  called before each instruction while the debugger needs to see every one (breakpoints,
 *                stepping, a reverse scan); NULL otherwise, so an undebugged run pays nothing;
 *   watch_hit    told of each data access that went through the slow path (segmem.c) while watchpoints
 *                exist; watch_pages marks the linear pages that must take that path (no TLB tags).
 *
 * Positions.  A stop happens either at a "hook call" — the moment before an instruction runs, with any
 * interrupt already delivered — or right after an instruction (a watchpoint, a slice end).  Counting hook
 * calls per instruction count gives every stop a position (icount, k) that replays to the same state:
 * k = -1 is "before any hook call at icount", k >= 0 the k-th hook call there (k > 0 only when an
 * instruction faulted and the handler's first instruction was reached at the same count).
 */
#ifndef REVISOR_TARGET_H
#define REVISOR_TARGET_H

#include <stdint.h>
#include <stdio.h>
#include "machine.h"

/* gdb's register numbers for i386 (the order of the target description, debugger/tdesc.c). */
enum {
	GREG_EAX, GREG_ECX, GREG_EDX, GREG_EBX, GREG_ESP, GREG_EBP, GREG_ESI, GREG_EDI,
	GREG_EIP, GREG_EFLAGS, GREG_CS, GREG_SS, GREG_DS, GREG_ES, GREG_FS, GREG_GS,
	GREG_ST0, GREG_FCTRL = GREG_ST0 + 8, GREG_FSTAT, GREG_FTAG, GREG_FISEG, GREG_FIOFF, GREG_FOSEG,
	GREG_FOOFF, GREG_FOP,
	GREG_CR0, GREG_CR2, GREG_CR3, GREG_CR4, GREG_GDTR_BASE, GREG_GDTR_LIMIT, GREG_IDTR_BASE,
	GREG_IDTR_LIMIT, GREG_LDTR, GREG_TR,
	GREG_COUNT
};
unsigned target_reg_size(unsigned regno);          /* bytes: 4, or 10 for st0..st7; 0 if no such register */

/* Breakpoint and watchpoint kinds: the numbers of gdb's Z packets. */
enum bp_kind { BP_SW = 0, BP_HW = 1, WP_WRITE = 2, WP_READ = 3, WP_ACCESS = 4 };

/* Why the target stopped (becomes a stop reply, gdbstub.c). */
enum tstop_kind {
	TS_NONE,          /* still running (a slice ended) */
	TS_STEP,          /* a step or range step finished */
	TS_SWBREAK, TS_HWBREAK,
	TS_WATCH,         /* with wp_kind and addr */
	TS_INTERRUPT,     /* Ctrl-C */
	TS_HISTORY_BEGIN, /* reverse execution reached the start of history */
	TS_HISTORY_END,   /* forward execution reached the end of a replay */
	TS_MACHINE,       /* the machine stopped on its own: machine_reason says why */
};
struct tstop {
	enum tstop_kind kind;
	enum bp_kind wp_kind;
	uint32_t addr;
	enum stop_reason machine_reason;
};

/* Reverse execution needs a way back: restore the machine to exactly instruction count n (the nearest
 * checkpoint, then deterministic re-execution).  The record/replay engine provides it (replay/); a
 * target without one answers reverse requests with an error. */
struct target_history {
	void *opaque;
	int (*seek)(void *opaque, uint64_t icount);      /* 0, or -1 if n is outside the history */
	uint64_t (*begin)(void *opaque);                 /* the earliest count seek() can reach */
	uint64_t (*end)(void *opaque);                   /* the end of recorded history (UINT64_MAX: live) */
	void (*describe)(void *opaque, FILE *out);       /* monitor checkpoints */
	/* After each forward run for gdb, with the host time it took (a live history takes checkpoints). */
	void (*advance)(void *opaque, uint64_t run_ns);
	/* A replay (optional, both or neither): the furthest count whose console output the user has seen.
	 * Runs below it re-execute the past, so the target runs them with mute(opaque, 1): the guest's
	 * output appears once, however often gdb goes back and forth. */
	uint64_t (*seen)(void *opaque);
	void (*mute)(void *opaque, int on);
	/* Optional, both or neither: keep(opaque) takes a temporary checkpoint where the machine is (just
	 * after a seek), and base(opaque, n) is the count a seek to n would re-execute from.  Reverse
	 * continue uses them to leave checkpoints near the current point, so that going back a short way
	 * costs about that short way. */
	void (*keep)(void *opaque);
	uint64_t (*base)(void *opaque, uint64_t icount);
	/* A replay's past is fixed: gdb may not change registers or memory (the rest of the recording
	 * would no longer apply to the machine).  target_write_reg/target_write_mem refuse. */
	int read_only;
};

struct target;
struct target *target_new(struct machine *m);
void target_free(struct target *t);
void target_set_history(struct target *t, const struct target_history *h);
int target_has_history(const struct target *t);
int target_read_only(const struct target *t);      /* the history forbids changing the machine */

/* Registers (values in guest byte order, as gdb's g packet carries them).  Writes fail (-1, 0 bytes) when
 * target_read_only(). */
int target_read_reg(struct target *t, unsigned regno, uint8_t *buf);        /* returns the size, or -1 */
int target_write_reg(struct target *t, unsigned regno, const uint8_t *buf); /* 0 or -1 */

/* Memory by linear address (through the current page tables, never faulting the guest and never setting
 * accessed/dirty bits), or by physical address when phys addressing is on.  Only RAM is reachable: device
 * registers are not read behind the guest's back.  Return the number of bytes done (may be short). */
uint32_t target_read_mem(struct target *t, uint32_t addr, uint8_t *buf, uint32_t len);
uint32_t target_write_mem(struct target *t, uint32_t addr, const uint8_t *buf, uint32_t len);
void target_set_phys(struct target *t, int on);
int target_phys(const struct target *t);

/* Breakpoints and watchpoints: 0, or -1 (no room, bad length). */
int target_insert(struct target *t, enum bp_kind kind, uint32_t addr, uint32_t len);
int target_remove(struct target *t, enum bp_kind kind, uint32_t addr, uint32_t len);

/* Run control.  target_step() runs one instruction (or, with range_end > range_start, until EIP leaves
 * [range_start, range_end)).  target_continue() runs at most max_insns instructions and returns with
 * kind TS_NONE if nothing stopped it, so the caller can poll for Ctrl-C between slices. */
void target_step(struct target *t, uint32_t range_start, uint32_t range_end, struct tstop *why);
void target_continue(struct target *t, uint64_t max_insns, struct tstop *why);
/* Reverse: step back one instruction / run back to the last breakpoint or watchpoint hit.  Return -1
 * (and leave the machine as it was) without a history. */
int target_reverse_step(struct target *t, struct tstop *why);
int target_reverse_continue(struct target *t, struct tstop *why);
/* Move to instruction count n (monitor seek). */
int target_seek(struct target *t, uint64_t n);
void target_describe_history(struct target *t, FILE *out);

/* The instruction count limit the user gave (-icount-limit); slices never run past it. */
void target_set_limit(struct target *t, uint64_t limit);

#endif
