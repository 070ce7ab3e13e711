/* SPDX-License-Identifier: MIT
 *
 * history.c — where reverse execution gets its past from (struct target_history in target.h).  Two
 * providers, both built on the checkpoint store of replay/checkpoint.h:
 *
 *  - a recording being replayed (`revisor replay FILE -s`): the replay's own seek, rr_seek(), which
 *    restores a checkpoint and re-executes with the recorded inputs.  The end of the recording is the end
 *    of history (gdb is told `replaylog:end` there).  The past is fixed, so the history is read-only (gdb
 *    cannot write registers or memory), forward runs for gdb leave checkpoints behind them (rr_advanced),
 *    and the guest's console output is shown once: re-executions run muted (rr_seen, rr_mute).
 *  - a live session (`revisor run -s`) records itself: while gdb runs the guest forward, a checkpoint is
 *    taken every LIVE_RUN_NS of running (memory as dirty-page deltas), and seeking restores the
 *    nearest one and re-executes.  Going forward after going back simply runs again — the machine is
 *    deterministic — and past the furthest point reached it is running live again.  Limitation: input
 *    typed on the console (-serial stdio) is not recorded here, so a re-execution that crosses input
 *    would not see it; debug interactive sessions with `revisor record` + `revisor replay` instead.
 */
#include <stdlib.h>
#include "debugger/gdbstub_priv.h"
#include "debugger/target_priv.h"
#include "replay/checkpoint.h"
#include "replay/event.h"
#include "replay/replay.h"

/* A live checkpoint is taken after LIVE_RUN_NS of host time spent running forward, a bit more as they
 * accumulate (LIVE_RUN_NS * (1 + n / LIVE_GROWTH)), so a seek re-executes about that long, and the
 * count (about 40 KiB of device state each, plus the pages written) grows slower than the run. */
#define LIVE_RUN_NS 20000000ull
#define LIVE_GROWTH 512

/* ---- a replay's history ---------------------------------------------------------------------------------- */

static int player_seek(void *opaque, uint64_t n) { return rr_seek(opaque, n); }
static uint64_t player_begin(void *opaque) { (void)opaque; return 0; }
static uint64_t player_end(void *opaque) { return rr_end_icount(opaque); }
static void player_advance(void *opaque, uint64_t run_ns) { (void)run_ns; rr_advanced(opaque); }
static uint64_t player_seen(void *opaque) { return rr_seen(opaque); }
static void player_mute(void *opaque, int on) { rr_mute(opaque, on); }
static void player_keep(void *opaque) { rr_keep(opaque); }
static uint64_t player_base(void *opaque, uint64_t n) { return rr_base(opaque, n); }

static void player_describe(void *opaque, FILE *out)
{
	uint64_t at[16];
	size_t n = rr_checkpoints(opaque, at, 16);

	fprintf(out, "%zu checkpoints so far%s", n, n ? ":" : "\n");
	for (size_t k = 0; k < n && k < 16; k++)
		fprintf(out, " %llu%s", (unsigned long long)at[k], k + 1 == n || k == 15 ? (n > 16 ? " ...\n" : "\n") : "");
}

static void live_drop(struct target *t);

void gdbstub_use_player(struct machine *m, struct player *p)
{
	struct target_history h = { .opaque = p, .seek = player_seek, .begin = player_begin, .end = player_end,
				     .describe = player_describe, .advance = player_advance, .seen = player_seen,
				     .mute = player_mute, .keep = player_keep, .base = player_base, .read_only = 1 };
	struct target *t = m->debugger;

	if (!t)
		return;   /* no debugger attached */
	live_drop(t);
	target_set_history(t, &h);
}

/* ---- a live session's history ------------------------------------------------------------------------------ */

struct live {
	struct machine *m;
	struct ckpt_store *cs;
	uint64_t run_ns;     /* host time spent running since the last checkpoint */
	uint64_t high;       /* the furthest instruction count reached */
};

static int live_seek(void *opaque, uint64_t n)
{
	struct live *l = opaque;
	struct machine *m = l->m;
	uint64_t saved = m->cpu.icount_limit;
	struct events *ev = m->events;
	int console = ev ? ev->serial_from_console : 0;

	if (n > l->high)
		return -1;
	if ((n < m->cpu.icount || ckpt_count(l->cs) == 0 || m->cpu.icount < ckpt_icount(l->cs, 0)) &&
	    ckpt_restore(l->cs, n) < 0)
		return -1;
	/* Re-execute up to n (the backend directly: no debugger hook is installed during a seek).  The
	 * host console is not read meanwhile: new input belongs to the present, not to the past. */
	if (ev)
		ev->serial_from_console = 0;
	while (m->cpu.icount < n) {
		m->cpu.icount_limit = n;
		if (m->backend->run(m) != STOP_LIMIT)
			break;
	}
	if (ev)
		ev->serial_from_console = console;
	m->cpu.icount_limit = saved;
	return m->cpu.icount == n ? 0 : -1;
}

static uint64_t live_begin(void *opaque)
{
	struct live *l = opaque;

	return ckpt_count(l->cs) ? ckpt_icount(l->cs, 0) : l->m->cpu.icount;
}

static uint64_t live_end(void *opaque) { (void)opaque; return UINT64_MAX; }

static void live_keep(void *opaque)
{
	struct live *l = opaque;

	ckpt_keep(l->cs);
}

static uint64_t live_base(void *opaque, uint64_t n)
{
	struct live *l = opaque;
	size_t k = ckpt_count(l->cs);

	while (k > 0 && ckpt_icount(l->cs, k - 1) > n)
		k--;
	return k ? ckpt_icount(l->cs, k - 1) : n;
}

static void live_describe(void *opaque, FILE *out)
{
	struct live *l = opaque;
	size_t n = ckpt_count(l->cs);

	fprintf(out, "live history: %zu checkpoints, %.1f MiB; furthest point %llu\n", n,
		ckpt_bytes(l->cs) / 1048576.0, (unsigned long long)l->high);
	if (n)
		fprintf(out, "first at %llu, last at %llu\n", (unsigned long long)ckpt_icount(l->cs, 0),
			(unsigned long long)ckpt_icount(l->cs, n - 1));
}

/* After every forward run for gdb: note how far we got and take a checkpoint when one is due. */
static void live_advance(void *opaque, uint64_t run_ns)
{
	struct live *l = opaque;
	uint64_t now = l->m->cpu.icount;
	size_t n = ckpt_count(l->cs);

	if (now > l->high)
		l->high = now;
	l->run_ns += run_ns;
	/* Checkpoints go in increasing counts: after going back, the next one waits for new ground. */
	if (l->run_ns >= LIVE_RUN_NS * (1 + n / LIVE_GROWTH) && ckpt_take(l->cs) == 0)
		l->run_ns = 0;
}

static struct live *live_of(struct target *t)
{
	return t->hist.advance == live_advance ? t->hist.opaque : NULL;
}

static void live_drop(struct target *t)
{
	struct live *l = live_of(t);

	if (l) {
		ckpt_free(l->cs);
		free(l);
		target_set_history(t, NULL);
	}
}

int gdbstub_live_history(struct gdbstub *g, int on)
{
	if (!on) {
		live_drop(g->t);
		return 0;
	}
	if (live_of(g->t))
		return 0;
	struct live *l = calloc(1, sizeof *l);
	if (!l)
		return -1;
	l->m = g->m;
	l->cs = ckpt_new(g->m);
	if (!l->cs) {
		free(l);
		return -1;
	}
	l->high = g->m->cpu.icount;
	struct target_history h = { .opaque = l, .seek = live_seek, .begin = live_begin, .end = live_end,
				     .describe = live_describe, .advance = live_advance, .keep = live_keep,
				     .base = live_base };
	ckpt_take(l->cs);   /* history starts here */
	target_set_history(g->t, &h);
	return 0;
}
