/* SPDX-License-Identifier: MIT
 *
 * reverse.c — reverse execution for the GDB stub (the `bs` and `bc` packets, gdb's reverse-stepi,
 * reverse-step, reverse-next, reverse-finish and reverse-continue, which gdb builds out of those two).
 *
 * A CPU cannot run backward, but a deterministic machine can be re-run: given seek(n) — restore the
 * nearest checkpoint before instruction count n and re-execute up to exactly n (the record/replay
 * engine, replay/) — "where was the last breakpoint hit before now?" becomes a forward question:
 *
 *     window = [now - W, now)
 *     loop:  seek(window start); run forward to now with the per-instruction hook, remembering the
 *            LAST candidate stop (a breakpoint address reached, a watched access made) in the window;
 *            if there was one: seek there and stop;
 *            if the window starts at the beginning of history: stop there (replaylog:begin);
 *            otherwise move the window back (and double W: a long quiet stretch is crossed quickly).
 *
 * Reverse step is the same scan with "every instruction boundary" as the candidate and a first window of
 * one instruction; a wider window is needed only when the CPU sat halted (the clock jumped) just before.
 * Positions (target.h) make "seek there" exact even when two stops share an instruction count (a
 * faulting instruction and the first instruction of its exception handler).
 *
 * Watchpoints going backward stop BEFORE the accessing instruction (its position is the hook call that
 * started it), so after `watch x; reverse-continue` the PC is at the instruction that wrote x and x still
 * holds its old value, as gdb's own process record shows it.
 */
#include "debugger/target.h"
#include "debugger/target_priv.h"

#define FIRST_WINDOW (1ull << 20)      /* reverse continue: instructions scanned in the first window */
#define MAX_WINDOW   (1ull << 30)

/* MODE_SCAN part of the hook: t->pos is the position of the instruction about to run. */
int scan_hook(struct target *t, uint32_t lin)
{
	if (pos_cmp(t->pos, t->bound) >= 0) {
		/* Reached the point where reverse execution began: the window is done. */
		t->stop = (struct tstop){ .kind = TS_NONE };
		t->stopped_at_hook = 1;
		t->m->stop = STOP_BREAKPOINT;
		return 1;
	}
	if (t->scan_steps) {
		t->best = t->pos;
		t->best_stop = (struct tstop){ .kind = TS_STEP };
		t->have_best = 1;
		return 0;
	}
	int bk = target_break_at(t, lin);
	if (bk >= 0) {
		t->best = t->pos;
		t->best_stop = (struct tstop){ .kind = bk == BP_HW ? TS_HWBREAK : TS_SWBREAK };
		t->have_best = 1;
	}
	return 0;
}

/* A watched access during a scan, made by the instruction at t->pos. */
void scan_candidate(struct target *t, const struct tstop *s)
{
	if (t->scan_steps || pos_cmp(t->pos, t->bound) >= 0)
		return;
	t->best = t->pos;
	t->best_stop = *s;
	t->have_best = 1;
}

/* Seek without the debugger looking: re-executed accesses must not trigger watchpoints. */
static int seek_quiet(struct target *t, uint64_t n)
{
	struct machine *m = t->m;
	int r;

	m->debug_check = NULL;
	t->quiet = 1;
	r = t->hist.seek(t->hist.opaque, n);
	t->quiet = 0;
	m->cpu.icount_limit = t->limit;
	t->stopped_at_hook = 0;
	t->pos = (struct pos){ m->cpu.icount, -1 };
	return r;
}

/* Put the machine at position p and make s the reason it stopped there. */
static int go_to(struct target *t, struct pos p, struct tstop s)
{
	if (seek_quiet(t, p.icount) < 0)
		return -1;
	t->stop = s;
	if (p.k < 0)
		return 0;
	target_begin_run(t, MODE_GOTO);
	t->goal = p;
	t->goal_stop = s;
	if (target_run_to(t, p.icount + 1) != STOP_BREAKPOINT)
		return -1;   /* re-execution did not reach the same place: the history is not deterministic */
	return 0;
}

static int scan_back(struct target *t, int steps, struct tstop *why)
{
	struct machine *m = t->m;
	struct pos bound = t->stopped_at_hook ? t->pos : (struct pos){ m->cpu.icount, -1 };
	uint64_t begin = t->hist.begin ? t->hist.begin(t->hist.opaque) : 0;
	uint64_t w = steps ? 1 : FIRST_WINDOW;

	if (!t->hist.seek)
		return -1;
	target_cancel_step(t);
	if (bound.icount < begin)
		bound = (struct pos){ begin, -1 };
	for (;;) {
		uint64_t start = bound.icount - begin > w ? bound.icount - w : begin;

		if (seek_quiet(t, start) < 0)
			return -1;
		target_begin_run(t, MODE_SCAN);
		t->scan_steps = steps;
		t->bound = bound;
		t->have_best = 0;
		enum stop_reason r = target_run_to(t, bound.k < 0 ? bound.icount : bound.icount + 1);
		/* The machine may stop by itself only where reverse execution began: at the end of a replay
		 * whose recorded run ended there (the guest's exit).  Inside the window it cannot, in a
		 * faithful history. */
		if (r != STOP_BREAKPOINT && r != STOP_LIMIT && m->cpu.icount < bound.icount)
			return -1;
		if (t->have_best) {
			*why = t->best_stop;
			return go_to(t, t->best, t->best_stop);
		}
		if (start == begin) {
			*why = (struct tstop){ .kind = TS_HISTORY_BEGIN };
			return go_to(t, (struct pos){ begin, -1 }, *why);
		}
		bound = (struct pos){ start, -1 };
		if (w < MAX_WINDOW)
			w *= 2;
	}
}

int target_reverse_step(struct target *t, struct tstop *why)
{
	return scan_back(t, 1, why);
}

int target_reverse_continue(struct target *t, struct tstop *why)
{
	return scan_back(t, 0, why);
}

int target_seek(struct target *t, uint64_t n)
{
	if (!t->hist.seek)
		return -1;
	target_cancel_step(t);
	return seek_quiet(t, n);
}

void target_describe_history(struct target *t, FILE *out)
{
	if (!t->hist.seek) {
		fprintf(out, "no execution history: reverse execution and seek need a recording (revisor replay) "
			"or a live run with history\n");
		return;
	}
	fprintf(out, "history: instructions %llu .. ", (unsigned long long)t->hist.begin(t->hist.opaque));
	uint64_t end = t->hist.end ? t->hist.end(t->hist.opaque) : UINT64_MAX;
	if (end == UINT64_MAX)
		fprintf(out, "now (live)\n");
	else
		fprintf(out, "%llu\n", (unsigned long long)end);
	if (t->hist.describe)
		t->hist.describe(t->hist.opaque, out);
}
