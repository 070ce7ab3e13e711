/* SPDX-License-Identifier: MIT
 *
 * bt_lockstep.h — the lockstep harness of the translator's differential tests (docs/bt.md, "Lockstep
 * testing"): two unit-test machines (testutil.h) built from the same image, one run by the interpreter
 * (the reference) and one by the binary translator, are run to the same instruction-count limits and
 * compared at every stop: general registers, EIP, EFLAGS, the instruction count, control registers,
 * segment caches, descriptor-table registers, interrupt state, and all of guest memory the programs
 * can reach.  Random programs come from bt_randprog.h; the harness also injects external interrupts
 * and NMIs at fixed instruction counts (virtual timers) into programs that run with IF set.
 *
 * Where the comparisons happen.  The translator has no hook between CCFs (chained CCFs jump to each
 * other without leaving the translation cache), so the harness makes the translator stop at chosen
 * instruction counts instead, which it must do exactly (the CCF prologue's budget check and the
 * single-instruction fallback near a deadline):
 *   - ls_check() "prefix" runs restart from the initial state and run to L = 1, 2, 3 ... D: the state
 *     after every instruction of the run is compared, which includes every CCF boundary (up to L the
 *     translator's run is the unlimited run: it enters every CCF that still fits whole);
 *   - "sliced" runs go on from the previous stop by a random 1..~3 TUs' worth of instructions, so
 *     stops fall inside and between CCFs and CCFs are entered at every possible EIP;
 *   - one unlimited run compares the end state.
 * A divergence is narrowed to the first instruction count at which a prefix run differs.
 */
#ifndef REVISOR_BT_LOCKSTEP_H
#define REVISOR_BT_LOCKSTEP_H

#include <stdint.h>
#include <stdio.h>
#include "machine.h"
#include "bt_randprog.h"

#define LS_MAX_IRQ 12

struct ls_irqstate {
	struct machine *m;
	struct vtimer t;
	const struct lockstep *ls;
	unsigned next;            /* index of the next scheduled interrupt */
	uint64_t acked;
};

/* The harness's MMIO device at RP_MMIO (two pages): reads return a function of how many accesses came
 * before, writes are folded into a digest, so the order, size and address of every MMIO access is
 * compared. */
struct ls_mmio {
	uint64_t digest;
	uint32_t count;
};

struct lockstep {
	struct machine *m[2];     /* [0] interpreter (reference), [1] binary translator */
	uint8_t *base;            /* low memory of a fresh tm_new() machine */
	struct cpu base_cpu;
	uint8_t *image;           /* the current program's start state */
	struct cpu cpu0;
	struct { uint64_t at; uint8_t nmi; } irq[LS_MAX_IRQ];
	unsigned nirq;
	struct ls_irqstate is[2];
	struct ls_mmio mmio[2];
	enum stop_reason stop[2];
	char diff[4096];          /* what differed at the last failed comparison */
	uint64_t end_icount;      /* the unlimited run's instruction count and stop reason */
	enum stop_reason end_stop;
	/* statistics */
	uint64_t compares, runs, insns, tc_insns, mmio_accesses, vec_seen[256];
	uint64_t ends[STOP_ERROR + 1];    /* how the unlimited runs ended */
	uint64_t ends_in_catcher;         /* ... at one of testutil's HLT catchers (a #DF: a wild program) */
};

int ls_init(struct lockstep *ls);          /* 0, or -1 if a backend failed to start */
void ls_fini(struct lockstep *ls);
void ls_load(struct lockstep *ls, const struct randprog *p);   /* the start state (and irq schedule) */
void ls_reset(struct lockstep *ls);        /* both machines back to the start state */
/* Run both machines until icount reaches `limit` (absolute) or they stop otherwise.  Returns 0 when
 * the states are identical, -1 with ls->diff describing the differences.  ls->stop[] say why each
 * machine stopped. */
int ls_step(struct lockstep *ls, uint64_t limit);
int ls_compare(struct lockstep *ls);

enum {
	LS_PREFIX = 1,            /* restart and run to every L = 1..D (O(D^2)) */
	LS_SLICES = 2,            /* one resumed run, stopping every few instructions */
	LS_FULL = 4,              /* one unlimited run */
};
/* Check one program with the chosen strategies, up to `budget` instructions per run.  Returns 0, or
 * -1 after printing the program, the first differing instruction count and the differences to
 * `report` (if not NULL).  rng seeds the slice lengths. */
int ls_check(struct lockstep *ls, const struct randprog *p, uint64_t budget, unsigned how, uint64_t rng,
	     FILE *report);

#endif
