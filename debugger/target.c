/* SPDX-License-Identifier: MIT
 *
 * target.c — the debugger's hands on the machine (contract in target.h): registers in gdb's order,
 * guest memory through the page tables without side effects, breakpoint and watchpoint tables, and run
 * control.  Reverse execution lives in reverse.c; it uses the hook and the positions defined here.
 *
 * Breakpoints never modify guest memory.  Instead of writing an INT3 into the guest's code (what a
 * debugger does on real hardware, and what a guest could then see or overwrite), the interpreter asks
 * debug_check() before every instruction whether its linear address is a breakpoint.  Software (Z0) and
 * "hardware" (Z1) breakpoints therefore work the same way; only the stop reply names them differently.
 * The check is installed only while breakpoints exist or a step is under way: a run without them goes
 * through the interpreter's trace loop at full speed.
 *
 * Watchpoints are data breakpoints, as the debug registers DR0-DR3 provide (SDM vol. 3B 17.2): a linear
 * range and an access kind, reported after the accessing instruction completes (x86 data breakpoints are
 * traps).  The pages they touch are marked in m->watch_pages, so the TLB gives them no read/write tags
 * (mmu.c), every access to them takes the slow path (segmem.c), and the slow path calls watch_hit().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "debugger/target.h"
#include "debugger/target_priv.h"
#include "cpu/mem.h"
#include "cpu/system.h"
#include "cpu/fpu.h"

/* ---- registers -------------------------------------------------------------------------------------- */

unsigned target_reg_size(unsigned regno)
{
	if (regno >= GREG_COUNT)
		return 0;
	return regno >= GREG_ST0 && regno < GREG_ST0 + 8 ? 10 : 4;
}

/* gdb's segment register order (cs, ss, ds, es, fs, gs) in our numbering. */
static const unsigned gdb_seg[6] = { S_CS, S_SS, S_DS, S_ES, S_FS, S_GS };

static void put32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }   /* little-endian host (mem.h) */
static uint32_t get32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }

int target_read_reg(struct target *t, unsigned regno, uint8_t *buf)
{
	struct cpu *c = &t->m->cpu;
	struct fpu *f = &c->fpu;
	uint32_t v;

	if (regno >= GREG_COUNT)
		return -1;
	if (regno >= GREG_ST0 && regno < GREG_ST0 + 8) {
		/* The host's long double is the x87's 80-bit extended format (x86 hosts): its first ten bytes
		 * are the significand and the sign/exponent word, the layout gdb's i387_ext type expects. */
		memcpy(buf, &f->st[fpu_phys(f, regno - GREG_ST0)], 10);
		return 10;
	}
	switch (regno) {
	case GREG_EIP: v = c->eip; break;
	case GREG_EFLAGS: v = cpu_get_eflags(c); break;
	case GREG_CS: case GREG_SS: case GREG_DS: case GREG_ES: case GREG_FS: case GREG_GS:
		v = c->seg[gdb_seg[regno - GREG_CS]].sel;
		break;
	case GREG_FCTRL: v = f->cw; break;
	case GREG_FSTAT: v = fpu_status_word(f); break;
	case GREG_FTAG: v = f->tw; break;
	case GREG_FISEG: v = f->fcs; break;
	case GREG_FIOFF: v = f->fip; break;
	case GREG_FOSEG: v = f->fds; break;
	case GREG_FOOFF: v = f->fdp; break;
	case GREG_FOP: v = f->fop; break;
	case GREG_CR0: v = c->cr0; break;
	case GREG_CR2: v = c->cr2; break;
	case GREG_CR3: v = c->cr3; break;
	case GREG_CR4: v = c->cr4; break;
	case GREG_GDTR_BASE: v = c->gdtr.base; break;
	case GREG_GDTR_LIMIT: v = c->gdtr.limit; break;
	case GREG_IDTR_BASE: v = c->idtr.base; break;
	case GREG_IDTR_LIMIT: v = c->idtr.limit; break;
	case GREG_LDTR: v = c->seg[S_LDTR].sel; break;
	case GREG_TR: v = c->seg[S_TR].sel; break;
	default: v = c->r[regno]; break;   /* eax..edi */
	}
	put32(buf, v);
	return 4;
}

/* A segment register written from gdb: load the hidden part the way the CPU would (real mode: base =
 * selector * 16; protected mode: the descriptor from the GDT/LDT, read without side effects). */
static int write_seg(struct target *t, unsigned s, uint16_t sel)
{
	struct cpu *c = &t->m->cpu;
	uint8_t d[8];
	uint32_t table = c->gdtr.base, limit = c->gdtr.limit;

	if (!cpu_pmode(c)) {
		seg_load_real(c, s, sel);
		return 0;
	}
	if (sel == c->seg[s].sel)
		return 0;
	if ((sel & ~3u) == 0 && s != S_CS && s != S_SS) {   /* a null selector: an unusable register */
		c->seg[s].sel = sel;
		c->seg[s].attr = 0;
		return 0;
	}
	if (sel & 4) {
		table = c->seg[S_LDTR].base;
		limit = c->seg[S_LDTR].limit;
	}
	if ((sel & ~7u) + 7 > limit || target_read_mem(t, table + (sel & ~7u), d, 8) != 8)
		return -1;
	desc_unpack(&c->seg[s], sel, get32(d), get32(d + 4));
	if (s == S_CS)
		c->cpl = sel & 3;
	return 0;
}

int target_write_reg(struct target *t, unsigned regno, const uint8_t *buf)
{
	struct cpu *c = &t->m->cpu;
	struct fpu *f = &c->fpu;
	uint32_t v;

	if (regno >= GREG_COUNT || t->hist.read_only)
		return -1;
	if (regno >= GREG_ST0 && regno < GREG_ST0 + 8) {
		long double x = 0;
		memcpy(&x, buf, 10);
		f->st[fpu_phys(f, regno - GREG_ST0)] = x;
		return 0;
	}
	v = get32(buf);
	switch (regno) {
	case GREG_EIP: c->eip = v; break;
	case GREG_EFLAGS: cpu_set_eflags(c, v); break;
	case GREG_CS: case GREG_SS: case GREG_DS: case GREG_ES: case GREG_FS: case GREG_GS:
		return write_seg(t, gdb_seg[regno - GREG_CS], (uint16_t)v);
	case GREG_FCTRL: f->cw = (uint16_t)v; break;
	case GREG_FSTAT: f->sw = (uint16_t)(v & ~FSW_TOP); f->top = (v & FSW_TOP) >> FSW_TOP_SHIFT; break;
	case GREG_FTAG: f->tw = (uint16_t)v; break;
	case GREG_FISEG: f->fcs = (uint16_t)v; break;
	case GREG_FIOFF: f->fip = v; break;
	case GREG_FOSEG: f->fds = (uint16_t)v; break;
	case GREG_FOOFF: f->fdp = v; break;
	case GREG_FOP: f->fop = (uint16_t)v; break;
	/* Control registers: change them the way MOV CRn does, then drop what was cached from the old
	 * values (the TLB, the mode). */
	case GREG_CR0: c->cr0 = v | CR0_ET; cpu_mode_changed(c); tlb_flush(c); break;
	case GREG_CR2: c->cr2 = v; break;
	case GREG_CR3: c->cr3 = v & ~0xfffu; tlb_flush(c); break;
	case GREG_CR4: c->cr4 = v; cpu_mode_changed(c); tlb_flush(c); break;
	case GREG_GDTR_BASE: c->gdtr.base = v; break;
	case GREG_GDTR_LIMIT: c->gdtr.limit = (uint16_t)v; break;
	case GREG_IDTR_BASE: c->idtr.base = v; break;
	case GREG_IDTR_LIMIT: c->idtr.limit = (uint16_t)v; break;
	case GREG_LDTR: case GREG_TR:
		if (v != c->seg[regno == GREG_LDTR ? S_LDTR : S_TR].sel)
			return -1;   /* reloading a system segment from gdb is not supported */
		break;
	default: c->r[regno] = v; break;
	}
	return 0;
}

/* ---- memory ------------------------------------------------------------------------------------------ */

/* The RAM bytes behind address a (linear, or physical with phys on), at most to the end of its page:
 * a host pointer and how many bytes follow, or NULL when a is unmapped or not RAM. */
static uint8_t *mem_at(struct target *t, uint32_t a, uint32_t *room)
{
	struct machine *m = t->m;
	uint32_t pa = a;

	if (!t->phys && mmu_probe(&m->cpu, a, &pa) < 0)
		return NULL;
	if (pa >= m->ram_size)
		return NULL;
	*room = 0x1000u - (pa & 0xfffu);
	return m->ram + pa;
}

uint32_t target_read_mem(struct target *t, uint32_t addr, uint8_t *buf, uint32_t len)
{
	uint32_t done = 0, room;

	while (done < len) {
		uint8_t *p = mem_at(t, addr + done, &room);
		if (!p)
			break;
		uint32_t n = len - done < room ? len - done : room;
		memcpy(buf + done, p, n);
		done += n;
	}
	return done;
}

uint32_t target_write_mem(struct target *t, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	struct machine *m = t->m;
	uint32_t done = 0, room;

	if (t->hist.read_only)
		return 0;
	while (done < len) {
		uint8_t *p = mem_at(t, addr + done, &room);
		if (!p)
			break;
		uint32_t n = len - done < room ? len - done : room;
		memcpy(p, buf + done, n);
		/* Code may live there: let the interpreter forget decodings of these bytes. */
		machine_code_written(m, (uint32_t)(p - m->ram), n);
		done += n;
	}
	return done;
}

void target_set_phys(struct target *t, int on) { t->phys = on; }
int target_phys(const struct target *t) { return t->phys; }

/* ---- breakpoints and watchpoints ------------------------------------------------------------------- */

static int is_watch(enum bp_kind k) { return k >= WP_WRITE; }

/* Rebuild the watched-page bitmap from the table, and make the TLB forget tags it gave those pages. */
static void update_watch_pages(struct target *t)
{
	struct machine *m = t->m;
	int any = 0;

	memset(t->watch_pages, 0, WATCH_BITMAP_BYTES);
	for (int k = 0; k < t->nbp; k++) {
		if (!is_watch(t->bp[k].kind))
			continue;
		any = 1;
		for (uint64_t a = t->bp[k].addr & ~0xfffu; a < (uint64_t)t->bp[k].addr + t->bp[k].len; a += 0x1000)
			t->watch_pages[a >> 15] |= (uint8_t)(1u << ((a >> 12) & 7));
	}
	t->nwatch = any;
	m->watch_pages = any ? t->watch_pages : NULL;
	m->watch_hit = any ? target_watch_hit : NULL;
	tlb_flush(&m->cpu);
}

/* The breakpoint addresses, for a translating backend (machine.h: debug_bps). */
static void update_bp_list(struct target *t)
{
	unsigned n = 0;

	for (int k = 0; k < t->nbp; k++)
		if (!is_watch(t->bp[k].kind))
			t->bpaddr[n++] = t->bp[k].addr;
	t->m->debug_bps = t->bpaddr;
	t->m->debug_nbps = n;
	t->m->debug_bp_gen++;
}

int target_insert(struct target *t, enum bp_kind kind, uint32_t addr, uint32_t len)
{
	if ((unsigned)kind > WP_ACCESS || t->nbp == MAX_BP)
		return -1;
	if (is_watch(kind) && (len == 0 || len > 0x10000 || (uint64_t)addr + len > 0x100000000ull))
		return -1;
	for (int k = 0; k < t->nbp; k++)
		if (t->bp[k].kind == kind && t->bp[k].addr == addr && t->bp[k].len == len) {
			t->bp[k].refs++;   /* gdb may insert the same one twice (two breakpoints, one address) */
			return 0;
		}
	t->bp[t->nbp++] = (struct bp){ addr, len, kind, 1 };
	if (is_watch(kind))
		update_watch_pages(t);
	else {
		t->nbreak++;
		update_bp_list(t);
	}
	return 0;
}

int target_remove(struct target *t, enum bp_kind kind, uint32_t addr, uint32_t len)
{
	for (int k = 0; k < t->nbp; k++) {
		struct bp *b = &t->bp[k];
		if (b->kind != kind || b->addr != addr || (is_watch(kind) && b->len != len))
			continue;
		if (--b->refs > 0)
			return 0;
		t->bp[k] = t->bp[--t->nbp];
		if (is_watch(kind))
			update_watch_pages(t);
		else {
			t->nbreak--;
			update_bp_list(t);
		}
		return 0;
	}
	return -1;
}

/* The breakpoint at linear address lin, if any: BP_SW or BP_HW, else -1. */
int target_break_at(const struct target *t, uint32_t lin)
{
	for (int k = 0; k < t->nbp; k++)
		if (!is_watch(t->bp[k].kind) && t->bp[k].addr == lin)
			return (int)t->bp[k].kind;
	return -1;
}

/* Called by the slow memory path (segmem.c) after a data access at [lin, lin+len) succeeded. */
void target_watch_hit(struct machine *m, uint32_t lin, uint32_t len, int is_write)
{
	struct target *t = m->debugger;

	if (!t || t->quiet)
		return;
	for (int k = 0; k < t->nbp; k++) {
		const struct bp *b = &t->bp[k];
		if (!is_watch(b->kind) || lin >= b->addr + b->len || lin + len <= b->addr)
			continue;
		if ((b->kind == WP_WRITE && !is_write) || (b->kind == WP_READ && is_write))
			continue;
		struct tstop s = { TS_WATCH, b->kind, lin > b->addr ? lin : b->addr, STOP_NONE };
		if (t->mode == MODE_SCAN) {
			/* Going backward, a watchpoint stops before the access: at this instruction's position. */
			scan_candidate(t, &s);
		} else if (t->mode != MODE_GOTO) {
			/* Going forward it stops after the instruction: let the instruction finish, then the run
			 * loop sees m->stop. */
			t->stop = s;
			m->stop = STOP_BREAKPOINT;
			m->cpu.attn = 1;
		}
		return;
	}
}

/* ---- the per-instruction hook ------------------------------------------------------------------------ */

static int stop_here(struct target *t, struct tstop s)
{
	t->stop = s;
	t->stopped_at_hook = 1;
	t->m->stop = STOP_BREAKPOINT;
	return 1;
}

/* Where are we: the k-th hook call at this instruction count. */
static void count_call(struct target *t, const struct cpu *c)
{
	if (c->icount == t->pos.icount)
		t->pos.k++;
	else
		t->pos = (struct pos){ c->icount, 0 };
	t->calls++;
}

/* debug_note: an instruction ran without a hook call and faulted (translated code, continuing): count
 * the call the interpreter would have made, so positions (icount, k) stay those of a hooked run. */
static void note(struct machine *m)
{
	count_call(m->debugger, &m->cpu);
}

/* debug_check: called by the interpreter before each instruction while installed. */
static int hook(struct machine *m)
{
	struct target *t = m->debugger;
	struct cpu *c = &m->cpu;
	uint32_t lin = c->seg[S_CS].base + c->eip;

	count_call(t, c);

	switch (t->mode) {
	case MODE_SCAN:
		return scan_hook(t, lin);
	case MODE_GOTO:
		if (pos_cmp(t->pos, t->goal) >= 0)
			return stop_here(t, t->goal_stop);
		return 0;
	case MODE_STEP:
		/* The first call is the instruction we step; the next one is where the step ends, unless a
		 * range step is still inside its range. */
		if (t->calls < 2)
			return 0;
		if (lin >= t->range_start && lin < t->range_end) {
			int bk = target_break_at(t, lin);
			if (bk >= 0)
				return stop_here(t, (struct tstop){ .kind = bk == BP_HW ? TS_HWBREAK : TS_SWBREAK });
			return 0;
		}
		return stop_here(t, (struct tstop){ .kind = TS_STEP });
	case MODE_CONT:
		/* Resuming from a breakpoint must not stop at it again before moving. */
		if (t->calls == 1 && t->resumed_at_hook)
			return 0;
		int bk = target_break_at(t, lin);
		if (bk >= 0)
			return stop_here(t, (struct tstop){ .kind = bk == BP_HW ? TS_HWBREAK : TS_SWBREAK });
		return 0;
	}
	return 0;
}

/* Prepare a resumption: where the hook's position counting starts and whether it is needed. */
void target_begin_run(struct target *t, enum run_mode mode)
{
	struct machine *m = t->m;

	t->mode = mode;
	t->calls = 0;
	t->resumed_at_hook = t->stopped_at_hook;
	/* The next hook call: the same position again if we stopped at a hook call, else (icount, 0). */
	if (t->stopped_at_hook)
		t->pos.k--;
	else
		t->pos = (struct pos){ m->cpu.icount, -1 };
	t->stopped_at_hook = 0;
	t->stop = (struct tstop){ .kind = TS_NONE };
	m->debug_check = (mode != MODE_CONT || t->nbreak) ? hook : NULL;
	m->debug_cont = mode == MODE_CONT;
	m->debug_note = note;
}

/* Run the backend until the hook or a watchpoint stops it, or the count reaches limit.  Returns the
 * backend's stop reason. */
enum stop_reason target_run_to(struct target *t, uint64_t limit)
{
	struct machine *m = t->m;
	struct timespec t0, t1;
	enum stop_reason r;

	if (limit > t->limit)
		limit = t->limit;
	/* A replay shows the guest's console output once.  Below the furthest count already shown, running
	 * is re-executing the past: mute it.  A forward run for gdb pauses at that count to turn the output
	 * back on (for the session that is just the end of a slice); a reverse scan or a goto never goes
	 * beyond the point where reverse execution began, which was shown already. */
	uint64_t seen = t->hist.seen ? t->hist.seen(t->hist.opaque) : 0;
	int muted = m->cpu.icount < seen;
	if (muted && (t->mode == MODE_CONT || t->mode == MODE_STEP) && limit > seen)
		limit = seen;
	if (muted)
		t->hist.mute(t->hist.opaque, 1);
	m->cpu.icount_limit = limit;
	m->cpu.attn = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = m->backend->run(m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (muted)
		t->hist.mute(t->hist.opaque, 0);
	m->cpu.icount_limit = t->limit;
	m->debug_check = NULL;
	if ((t->mode == MODE_CONT || t->mode == MODE_STEP) && t->hist.advance) {
		/* A live history takes its checkpoints by the host time spent running: what a seek
		 * costs is re-executing, and idle stretches (the clock jumping) cost next to nothing. */
		int64_t ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
		t->hist.advance(t->hist.opaque, ns > 0 ? (uint64_t)ns : 0);
	}
	if (r != STOP_BREAKPOINT || !t->stopped_at_hook) {
		/* Stopped between instructions, outside the hook. */
		t->stopped_at_hook = 0;
		t->pos = (struct pos){ m->cpu.icount, -1 };
	}
	return r;
}

/* The end of a replay's recorded history, or UINT64_MAX (a live run: the future is open). */
static uint64_t history_end(const struct target *t)
{
	return t->hist.end ? t->hist.end(t->hist.opaque) : UINT64_MAX;
}

/* Turn the backend's stop reason into the debugger's. */
static void classify(struct target *t, enum stop_reason r, struct tstop *why)
{
	struct machine *m = t->m;

	if (r == STOP_BREAKPOINT) {
		*why = t->stop;
		return;
	}
	/* The end of a recording is the end of history, whatever ended the recorded run there (the
	 * instruction limit, the user, the guest's own exit): gdb gets `replaylog:end` and can still go
	 * back.  A divergence (STOP_ERROR) is not hidden that way. */
	if (r != STOP_ERROR && m->cpu.icount >= history_end(t)) {
		*why = (struct tstop){ .kind = TS_HISTORY_END };
		return;
	}
	if (r == STOP_LIMIT && m->cpu.icount < t->limit) {
		*why = (struct tstop){ .kind = TS_NONE };   /* just the end of a slice */
		return;
	}
	*why = (struct tstop){ TS_MACHINE, 0, 0, r };
}

/* At the end of a replay's history there is nothing to run forward: say so at once. */
static int at_history_end(struct target *t, struct tstop *why)
{
	if (t->m->cpu.icount < history_end(t))
		return 0;
	t->step_pending = 0;
	*why = (struct tstop){ .kind = TS_HISTORY_END };
	return 1;
}

/* The end of recorded history bounds forward runs in a replay. */
static uint64_t run_limit(struct target *t, uint64_t max_insns)
{
	uint64_t icount = t->m->cpu.icount, lim = max_insns > UINT64_MAX - icount ? UINT64_MAX : icount + max_insns;

	if (t->hist.end) {
		uint64_t end = t->hist.end(t->hist.opaque);
		if (end != UINT64_MAX && end > icount && end < lim)
			lim = end;
	}
	return lim;
}

void target_step(struct target *t, uint32_t range_start, uint32_t range_end, struct tstop *why)
{
	if (at_history_end(t, why))
		return;
	if (!t->step_pending) {
		target_begin_run(t, MODE_STEP);
		t->range_start = range_start;
		t->range_end = range_end;
	} else {
		t->m->debug_check = hook;   /* a step continued over several slices (a halted CPU) */
		t->m->debug_cont = 0;
		t->mode = MODE_STEP;
	}
	enum stop_reason r = target_run_to(t, run_limit(t, SLICE_INSNS));
	classify(t, r, why);
	t->step_pending = why->kind == TS_NONE;
	if (t->step_pending)
		t->calls = t->calls ? 1 : 0;
}

void target_continue(struct target *t, uint64_t max_insns, struct tstop *why)
{
	t->step_pending = 0;
	if (at_history_end(t, why))
		return;
	target_begin_run(t, MODE_CONT);
	classify(t, target_run_to(t, run_limit(t, max_insns)), why);
}

void target_cancel_step(struct target *t) { t->step_pending = 0; }

void target_set_limit(struct target *t, uint64_t limit)
{
	t->limit = limit ? limit : UINT64_MAX;
	t->m->cpu.icount_limit = t->limit;
}

/* ---- life cycle ---------------------------------------------------------------------------------------- */

struct target *target_new(struct machine *m)
{
	struct target *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->watch_pages = calloc(1, WATCH_BITMAP_BYTES);
	if (!t->watch_pages) {
		free(t);
		return NULL;
	}
	t->m = m;
	t->limit = m->cpu.icount_limit ? m->cpu.icount_limit : UINT64_MAX;
	t->pos = (struct pos){ m->cpu.icount, -1 };
	m->debugger = t;
	return t;
}

void target_free(struct target *t)
{
	if (!t)
		return;
	t->m->debugger = NULL;
	t->m->debug_check = NULL;
	t->m->debug_note = NULL;
	t->m->debug_bps = NULL;
	t->m->debug_nbps = 0;
	t->m->debug_bp_gen++;
	t->m->watch_hit = NULL;
	t->m->watch_pages = NULL;
	tlb_flush(&t->m->cpu);
	free(t->watch_pages);
	free(t);
}

void target_set_history(struct target *t, const struct target_history *h)
{
	if (h)
		t->hist = *h;
	else
		memset(&t->hist, 0, sizeof t->hist);
}

int target_has_history(const struct target *t) { return t->hist.seek != NULL; }
int target_read_only(const struct target *t) { return t->hist.read_only; }

/* Remove every breakpoint and watchpoint (detach). */
void target_clear(struct target *t)
{
	t->nbp = 0;
	t->nbreak = 0;
	update_watch_pages(t);
	update_bp_list(t);
	t->m->debug_check = NULL;
}
