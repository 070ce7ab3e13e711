/* SPDX-License-Identifier: MIT
 *
 * target_priv.h — the debugger target's internal state, shared by target.c (registers, memory,
 * breakpoints, forward run control) and reverse.c (reverse execution).  Nothing else includes it.
 */
#ifndef REVISOR_TARGET_PRIV_H
#define REVISOR_TARGET_PRIV_H

#include "debugger/target.h"

#define MAX_BP 64
#define WATCH_BITMAP_BYTES (1u << 17)      /* one bit per 4 KiB linear page: 2^20 pages */
#define SLICE_INSNS 1000000ull              /* run this much between two looks at the gdb connection */

struct bp {
	uint32_t addr, len;
	enum bp_kind kind;
	int refs;
};

/* A place in the execution, see target.h: k = -1 before any hook call at icount. */
struct pos {
	uint64_t icount;
	int k;
};
static inline int pos_cmp(struct pos a, struct pos b)
{
	if (a.icount != b.icount)
		return a.icount < b.icount ? -1 : 1;
	return a.k < b.k ? -1 : a.k > b.k;
}

enum run_mode {
	MODE_CONT,   /* run, stop at breakpoints */
	MODE_STEP,   /* stop at the second hook call (or when leaving the range) */
	MODE_SCAN,   /* reverse.c: run forward over a window, remembering the last candidate stop */
	MODE_GOTO,   /* reverse.c: run forward to a position and stop there */
};

struct target {
	struct machine *m;
	struct target_history hist;
	uint64_t limit;            /* the user's -icount-limit, or UINT64_MAX */
	int phys;                  /* memory packets use physical addresses */

	struct bp bp[MAX_BP];
	int nbp, nbreak, nwatch;   /* all entries; how many are breakpoints; any watchpoints? */
	uint32_t bpaddr[MAX_BP];   /* the breakpoints' linear addresses (m->debug_bps) */
	uint8_t *watch_pages;      /* bitmap handed to m->watch_pages while watchpoints exist */
	int quiet;                 /* ignore watch hits (a history seek re-executes old accesses) */

	/* run state */
	enum run_mode mode;
	struct pos pos;            /* the last hook call, or (icount, -1) after a stop outside the hook */
	uint64_t calls;            /* hook calls since the run began */
	int stopped_at_hook, resumed_at_hook;
	int step_pending;          /* a step ran out of its slice before finishing */
	uint32_t range_start, range_end;
	struct tstop stop;         /* why the hook or a watchpoint stopped the run */

	/* reverse.c */
	int scan_steps;            /* scan for every instruction boundary (reverse step) */
	struct pos bound;          /* scan: stop before this position (where reverse execution began) */
	int have_best;
	struct pos best;           /* scan: the last candidate found so far */
	struct tstop best_stop;
	struct pos goal;           /* goto: the position to stop at, with this stop reply */
	struct tstop goal_stop;
};

void target_begin_run(struct target *t, enum run_mode mode);
enum stop_reason target_run_to(struct target *t, uint64_t limit);
int target_break_at(const struct target *t, uint32_t lin);
void target_watch_hit(struct machine *m, uint32_t lin, uint32_t len, int is_write);
void target_cancel_step(struct target *t);
void target_clear(struct target *t);

/* reverse.c */
int scan_hook(struct target *t, uint32_t lin);
void scan_candidate(struct target *t, const struct tstop *s);

#endif
