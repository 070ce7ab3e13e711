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
 * Reverse continue starts with a small window (FIRST_WINDOW) so a stop close behind costs little, and
 * what makes that pay is checkpoints near the current point: the replay keeps permanent ones only every
 * ~1/256 of the recording, so every seek would re-execute millions of instructions.  So windows start at
 * multiples of their size, and the first seek of a scan, which re-executes from far anyway, stops at the
 * starts of the next windows on its way and leaves a temporary checkpoint at each (history.keep, an LRU
 * of them in replay/checkpoint.c).  The later windows, the final seek to the stop found, and the next
 * reverse command issued nearby (whose aligned windows start at the same counts) then re-execute only
 * about the span being searched.
 *
 * Reverse step is the same scan with "every instruction boundary" as the candidate and a first window of
 * one instruction; a wider window is needed only when the CPU sat halted (the clock jumped) just before.
 * Positions (target.h) make "seek there" exact even when two stops share an instruction count (a
 * faulting instruction and the first instruction of its exception handler).
 *
 * With only watchpoints to look for (no breakpoints, not a step) a window runs without the hook, at the
 * speed of a forward `continue`: watched accesses are reported by the slow memory path anyway, so the
 * scan learns the count of the last one, and a hooked scan of a few instructions before it finds its
 * exact position (fast_scan).
 *
 * Watchpoints going backward stop BEFORE the accessing instruction (its position is the hook call that
 * started it), so after `watch x; reverse-continue` the PC is at the instruction that wrote x and x still
 * holds its old value, as gdb's own process record shows it.
 */
#include "debugger/target.h"
#include "debugger/target_priv.h"

#define FIRST_WINDOW (1ull << 12)      /* reverse continue: instructions scanned in the first window */
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
	if (!t->m->debug_check) {
		/* A fast scan (no hook, see fast_scan): only the instruction count is known.  The access is
		 * made while an instruction executes, before the interpreter counts it, so c->icount is the
		 * count at which that instruction started (or, for an interrupt delivered between two
		 * instructions, the count of the one about to start).  fast_scan() makes it a position. */
		t->best = (struct pos){ t->m->cpu.icount, -1 };
		t->best_stop = *s;
		t->have_best = 1;
		return;
	}
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

/* How many later windows' starts a seek prepares (keep() leaves a checkpoint at each). */
#define PLAN 12

/* The start of the window of (at most) w instructions before bound: a multiple of w, so windows (and
 * the checkpoints kept at their starts) are the same for reverse commands issued from nearby points —
 * the second of two reverse-continues finds its windows' starts checkpointed by the first. */
static uint64_t window_start(uint64_t bound, uint64_t w, uint64_t begin)
{
	if (bound <= begin)
		return begin;
	uint64_t s = (bound - 1) & ~(w - 1);
	return s > begin ? s : begin;
}

static uint64_t next_w(uint64_t w) { return w < MAX_WINDOW ? 2 * w : w; }

/* Seek to the start of a reverse-continue window.  With a history that keeps temporary checkpoints,
 * the seek re-executes from the nearest checkpoint anyway, so on the way it stops at the starts of the
 * next PLAN windows (those after that checkpoint) and keeps a checkpoint at each, and one at start:
 * then every later window, and the final seek to the stop found, re-executes only a short way. */
static int seek_window(struct target *t, uint64_t start, uint64_t w, uint64_t begin)
{
	uint64_t plan[PLAN];
	int n = 0;

	if (!t->hist.keep)
		return seek_quiet(t, start);
	uint64_t base = t->hist.base(t->hist.opaque, start), s = start;
	while (n < PLAN && s > begin) {
		s = window_start(s, w = next_w(w), begin);
		if (s <= base)
			break;
		plan[n++] = s;
	}
	while (n-- > 0) {   /* farthest first: each seek after the first only runs forward */
		if (seek_quiet(t, plan[n]) < 0)
			return -1;
		t->hist.keep(t->hist.opaque);
	}
	if (seek_quiet(t, start) < 0)
		return -1;
	t->hist.keep(t->hist.opaque);
	return 0;
}

/* Run the window from the current count up to bound exactly as scan_back does: with the per-instruction
 * hook, remembering the last candidate (t->have_best, t->best, t->best_stop).  Returns the backend's stop
 * reason. */
static enum stop_reason exact_scan(struct target *t, struct pos bound, int steps)
{
	t->scan_steps = steps;
	t->bound = bound;
	t->have_best = 0;
	target_begin_run(t, MODE_SCAN);
	return target_run_to(t, bound.k < 0 ? bound.icount : bound.icount + 1);
}

/* How far before a fast scan's last hit refine() starts its exact scan. */
#define REFINE_BACK 64

/*
 * Reverse continue with only watchpoints to look for.  A watchpoint needs no per-instruction hook: the
 * watched pages have no TLB tags, so every access to them takes the slow path, which calls watch_hit
 * (target.c) — forward `continue` runs at full speed that way, and so can the scan of a window.  It
 * finds the count n of the last watched access in the window (scan_candidate); the exact position of
 * that stop, as the hooked scan would give it (which hook call the access belongs to: the instruction
 * at n, a faulting one and its handler at the same n, or the instruction before an interrupt delivered
 * at n), is then found by a hooked scan of just [n - REFINE_BACK, n].  No watched access comes after
 * n in the window, so that short scan's last candidate is the whole window's.
 *
 * Returns 1 with t->best / t->best_stop set if the window has a stop, 0 if it has none, -1 on error.
 * When the short scan cannot vouch for its answer (its candidate came before its first hook call, as
 * when the CPU sat halted: the hooked scan would name an earlier instruction) the whole window is
 * scanned the slow way.
 */
static int fast_scan(struct target *t, uint64_t start, struct pos bound)
{
	struct machine *m = t->m;
	uint64_t end = bound.k < 0 ? bound.icount : bound.icount + 1;

	t->scan_steps = 0;
	t->bound = bound;
	t->have_best = 0;
	target_begin_run(t, MODE_SCAN);
	m->debug_check = NULL;   /* the fast scan: scan_candidate records counts */
	enum stop_reason r = target_run_to(t, end);
	if (r != STOP_LIMIT && m->cpu.icount < bound.icount)
		return -1;
	if (!t->have_best)
		return 0;

	uint64_t n = t->best.icount;
	uint64_t from = n - start > REFINE_BACK ? n - REFINE_BACK : start;
	struct pos to = { n + 1, -1 };
	if (pos_cmp(bound, to) < 0)
		to = bound;
	if (seek_quiet(t, from) < 0)
		return -1;
	if (t->hist.keep)
		t->hist.keep(t->hist.opaque);   /* go_to() will seek close to here */
	r = exact_scan(t, to, 0);
	if (r != STOP_BREAKPOINT && r != STOP_LIMIT && m->cpu.icount < to.icount)
		return -1;
	if (t->have_best && (t->best.k >= 0 || from == start))
		return 1;
	/* Not sure: the slow way over the whole window. */
	if (seek_quiet(t, start) < 0)
		return -1;
	r = exact_scan(t, bound, 0);
	if (r != STOP_BREAKPOINT && r != STOP_LIMIT && m->cpu.icount < bound.icount)
		return -1;
	return t->have_best;
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
		uint64_t start;

		if (steps) {
			start = bound.icount - begin > w ? bound.icount - w : begin;
			if (seek_quiet(t, start) < 0)
				return -1;
		} else {
			/* bound.icount + 1: a bound inside an instruction (k >= 0) includes its count. */
			start = window_start(bound.k < 0 ? bound.icount : bound.icount + 1, w, begin);
			if (seek_window(t, start, w, begin) < 0)
				return -1;
		}
		if (!steps && !t->nbreak) {
			/* Only watchpoints (or nothing) to stop at: no per-instruction hook needed. */
			if (fast_scan(t, start, bound) < 0)
				return -1;
		} else {
			enum stop_reason r = exact_scan(t, bound, steps);
			/* The machine may stop by itself only where reverse execution began: at the end of
			 * a replay whose recorded run ended there (the guest's exit).  Inside the window it
			 * cannot, in a faithful history. */
			if (r != STOP_BREAKPOINT && r != STOP_LIMIT && m->cpu.icount < bound.icount)
				return -1;
		}
		if (t->have_best) {
			*why = t->best_stop;
			return go_to(t, t->best, t->best_stop);
		}
		if (start == begin) {
			*why = (struct tstop){ .kind = TS_HISTORY_BEGIN };
			return go_to(t, (struct pos){ begin, -1 }, *why);
		}
		bound = (struct pos){ start, -1 };
		w = next_w(w);
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
