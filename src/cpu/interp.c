/* SPDX-License-Identifier: MIT
 *
 * interp.c — the reference backend: a Bochs-style interpreter.  This is the lecture's "interpreted
 * execution" loop — fetch, decode, dispatch — with the two speed-ups the lecture describes for Bochs:
 *
 *  - a trace cache (Bochs 2.3.6, after the Pentium 4's): a *trace* is up to TRACE_MAX instructions that
 *    follow each other in one code page, decoded once and kept until the guest writes to that page.
 *    Traces are keyed by guest-physical address and code-size mode; each carries the page's generation
 *    number, and a store into a page holding cached code bumps the generation (memory.c), so stale
 *    decodings are never executed — self-modifying code works without any explicit invalidation pass.
 *    Executing a trace is a tight loop: per instruction only the EIP update, the handler call and a few
 *    compares, which leave the trace early when EIP does not go on in a straight line (a taken branch,
 *    an exception, a REP instruction resuming), when an event becomes due, or when the page is written;
 *  - handlers chosen at decode time ("split handlers"): the decoder stores the function to call in the
 *    record, so dispatch is one indirect call with no opcode switch.
 *
 * Virtual time: c->icount counts retired instructions and is the machine's clock (docs/ARCHITECTURE.md).
 * The loop never runs past the earliest timer deadline, so device events land at exact counts.  While
 * the CPU is halted the clock jumps straight to the next deadline (idle time is virtual too).
 */
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mem.h"
#include "cpu/interp.h"
#include "cpu/disasm.h"
#include "cpu/fastpath.h"
#include "cpu/boundary.h"

#define TRACE_BITS 12
#define TRACE_COUNT (1u << TRACE_BITS)
#define TRACE_MAX 16
#define RECENT 16

/* A run of instructions decoded from consecutive bytes of one page. */
struct trace {
	uint32_t pa;          /* physical address of the first instruction */
	uint32_t gen;         /* m->page_gen[pa >> 12] when decoded */
	uint32_t bytes;       /* total length of the instructions */
	uint8_t mode;         /* 1 = 32-bit code, 0 = 16-bit; 0xff = empty */
	uint8_t n;            /* number of instructions */
	struct insn insn[TRACE_MAX];
};

struct interp {
	struct trace traces[TRACE_COUNT];
	uint64_t hits, misses;
	uint32_t recent[RECENT];   /* linear addresses of recent instructions, by icount % RECENT */
	/* Another backend's share of that history (interp_note_recent, interp_note_translated): the
	 * instruction counts that ran as translated code, by icount % RECENT, and of those the ones whose
	 * address a callout put into recent[]. */
	uint64_t translated[RECENT], noted[RECENT];
	int no_traces;             /* execute one instruction at a time (for comparisons and debugging) */
};

static struct interp *interp_of(struct machine *m) { return m->interp; }

/* -d in_asm: each instruction as it is decoded (QEMU prints translation blocks; the interpreter's unit is
 * the instruction). */
static void log_in_asm(struct machine *m, uint32_t lin, const uint8_t *bytes, unsigned len, int code32)
{
	char text[96];

	if (disasm(bytes, len, lin, code32, text, sizeof text) < 0)
		snprintf(text, sizeof text, "(bad)");
	fprintf(m->log, "in_asm: %08x  %s\n", lin, text);
}

/* Decode the instruction at CS:EIP without the cache (page-crossing instructions, code near the CS
 * limit, code outside RAM). */
static void decode_uncached(struct cpu *c, uint32_t lin, struct insn *out)
{
	uint8_t buf[16];
	unsigned n = fetch_code(c, lin, buf, 15);
	int r = decode(out, buf, n, cpu_code32(c));

	if (r != DEC_SHORT && (c->m->log_mask & LOG_IN_ASM))
		log_in_asm(c->m, lin, buf, out->len, cpu_code32(c));
	if (r == DEC_SHORT) {
		/* The instruction continues on a page fetch_code could not read: fetching its first byte
		 * raises the #PF (or #GP for the CS limit) for that page, as the hardware would. */
		fetch_code(c, lin + n, buf + n, 1);
		cpu_gp0(c); /* not reached unless fetch_code succeeded: the bytes changed under us */
	}
}

/* Build the trace starting at physical address pa (linear lin): decode instructions while they lie
 * wholly inside the page and the CS limit. */
static void build_trace(struct cpu *c, struct trace *t, uint32_t pa, uint32_t lin, uint8_t mode)
{
	struct machine *m = c->m;
	uint32_t page_end = (pa | 0xfff) + 1, off = 0;
	uint32_t room_cs = c->seg[S_CS].limit - c->eip;   /* bytes allowed after EIP, minus one */

	t->n = 0;
	while (t->n < TRACE_MAX) {
		struct insn *i = &t->insn[t->n];
		uint32_t at = pa + off;
		unsigned avail = page_end - at;
		if (avail > 15)
			avail = 15;
		if (decode(i, m->ram + at, avail, mode) == DEC_SHORT || off + i->len - 1 > room_cs)
			break;
		specialize(i);
		if (m->log_mask & LOG_IN_ASM)
			log_in_asm(m, lin + off, m->ram + at, i->len, mode);
		off += i->len;
		t->n++;
		/* Control flow, mode changes and segment loads (MOV/POP SS open an interrupt shadow) end a
		 * trace; so does everything that can change IF, TF or HLT (all C_TERM or CF_INT).  A
		 * conditional branch does not: when taken, EIP leaves the straight line and run_trace stops;
		 * when not taken, the trace goes on with the fall-through path. */
		if (((i->cls & CF_MASK) && (i->cls & CF_MASK) != CF_JCC) || (i->cls & (C_TERM | C_SEGLOAD)) ||
		    at + i->len >= page_end)
			break;
	}
	t->pa = pa;
	t->bytes = off;
	t->mode = mode;
	if (!m->page_code[pa >> 12])
		mem_mark_code_page(m, pa);
	t->gen = m->page_gen[pa >> 12];
}

/* Find (or build) the trace starting at CS:EIP, or NULL when the instruction there must be decoded
 * without the cache.  May raise #PF/#GP. */
static struct trace *fetch_trace(struct cpu *c, struct interp *ip)
{
	struct machine *m = c->m;
	uint32_t lin = c->seg[S_CS].base + c->eip;
	uint8_t mode = (uint8_t)cpu_code32(c);
	uint32_t pa;

	if (c->eip > c->seg[S_CS].limit)
		return NULL;   /* beyond the limit: decode_uncached raises #GP */
	pa = code_pa(c, lin);
	if (pa >= m->ram_size)
		return NULL;

	struct trace *t = &ip->traces[(pa ^ (pa >> TRACE_BITS)) & (TRACE_COUNT - 1)];
	if (t->pa == pa && t->mode == mode && t->gen == m->page_gen[pa >> 12] &&
	    c->eip + (t->bytes - 1) <= c->seg[S_CS].limit) {
		ip->hits++;
		return t;
	}
	ip->misses++;
	build_trace(c, t, pa, lin, mode);
	if (t->n == 0) {
		t->mode = 0xff;
		return NULL;   /* the first instruction crosses the page or the CS limit */
	}
	return t;
}

/* Execute one decoded instruction: the unit of retirement. */
static inline void exec_one(struct cpu *c, struct interp *ip, const struct insn *i, uint32_t next)
{
	c->prev_eip = c->eip;
	c->prev_esp = c->r[R_ESP];
	ip->recent[c->icount % RECENT] = c->seg[S_CS].base + c->eip;
	c->eip = next;
	i->exec(c, i);
	c->icount++;
}

/* Single-step trap after an instruction that ran with TF set (SDM vol. 3A 17.3.1.4). */
static void single_step_trap(struct cpu *c)
{
	c->dr[6] |= 0x4000;
	c->prev_eip = c->eip;
	c->prev_esp = c->r[R_ESP];
	cpu_deliver(c, EXC_DB, EV_EXCEPTION, 0, 0);
}


/* Execute exactly one instruction (the unit the replay engine, the debugger and, later, the translator
 * near deadlines use). */
void interp_step(struct machine *m)
{
	struct cpu *c = &m->cpu;
	struct interp *ip = interp_of(m);
	uint32_t tf = c->eflags & FL_TF, mask = cpu_code32(c) ? 0xffffffffu : 0xffffu;
	uint8_t shadow = c->inhibit_irq;
	struct trace *t = fetch_trace(c, ip);
	struct insn scratch;
	const struct insn *i = t ? &t->insn[0] : &scratch;

	if (!t)
		decode_uncached(c, c->seg[S_CS].base + c->eip, &scratch);
	c->inhibit_irq = 0;
	exec_one(c, ip, i, (c->eip + i->len) & mask);
	if (tf && !shadow)
		single_step_trap(c);
}

/* Run one trace from its start until it ends, EIP leaves its straight line, the instruction budget
 * `stop_at` is used up, or something raises c->attn / m->stop.  Everything else that could matter
 * between two instructions (IF, TF, HLT, interrupt shadows) can only change through instructions that
 * end a trace (build_trace). */
static void run_trace(struct machine *m, struct cpu *c, struct interp *ip, const struct trace *t,
		      uint64_t stop_at)
{
	const struct insn *i = t->insn, *end = t->insn + t->n;
	uint32_t mask = t->mode ? 0xffffffffu : 0xffffu;

	c->inhibit_irq = 0;
	for (;;) {
		uint32_t next = (c->eip + i->len) & mask;
		exec_one(c, ip, i, next);
		if (++i == end || c->eip != next || c->icount >= stop_at || c->attn || m->stop)
			return;
	}
}


static enum stop_reason interp_run(struct machine *m)
{
	struct cpu *c = &m->cpu;
	jmp_buf jb;

	c->fault_jmp = &jb;
	m->stop = STOP_NONE;
	if (setjmp(jb)) {
		/* An instruction (or an event delivery) faulted: deliver the exception. */
		cpu_handle_fault(c);
	}
	while (!m->stop) {
		if (insn_boundary(m))
			continue;
		if (m->debug_check) {
			/* A debugger wants to see every instruction before it runs (breakpoints, stepping,
			 * reverse scans: debugger/target.c).  It returns nonzero after setting m->stop. */
			if (!m->debug_check(m))
				interp_step(m);
			continue;
		}
		uint64_t limit = c->icount_limit < m->next_deadline ? c->icount_limit : m->next_deadline;
		/* The hot path: whole traces.  Single-stepping (TF) and code the trace cache cannot hold go
		 * one instruction at a time. */
		if (c->eflags & FL_TF || (c->inhibit_irq && (c->irq_pending || c->nmi_pending))) {
			/* Single-stepping, or an interrupt waits behind an STI / MOV SS shadow: it must be
			 * taken right after the next instruction, exactly as a one-by-one run would. */
			interp_step(m);
			continue;
		}
		struct trace *t = interp_of(m)->no_traces ? NULL : fetch_trace(c, interp_of(m));
		if (t)
			run_trace(m, c, interp_of(m), t, limit);
		else
			interp_step(m);
	}
	c->fault_jmp = NULL;
	return m->stop;
}

static int interp_init(struct machine *m)
{
	struct interp *ip = calloc(1, sizeof *ip);

	if (!ip)
		return -1;
	for (unsigned k = 0; k < TRACE_COUNT; k++)
		ip->traces[k].mode = 0xff;
	m->interp = ip;
	return 0;
}

static void interp_fini(struct machine *m)
{
	free(m->interp);
	m->interp = NULL;
}

void interp_set_traces(struct machine *m, int on)
{
	interp_of(m)->no_traces = !on;
}

void interp_stats(struct machine *m, uint64_t *hits, uint64_t *misses)
{
	struct interp *ip = interp_of(m);

	*hits = ip ? ip->hits : 0;
	*misses = ip ? ip->misses : 0;
}

void interp_note_recent(struct machine *m, uint64_t icount, uint32_t lin)
{
	struct interp *ip = interp_of(m);

	ip->recent[icount % RECENT] = lin;
	ip->noted[icount % RECENT] = icount;
}

void interp_note_translated(struct machine *m, uint64_t from, uint64_t to)
{
	struct interp *ip = interp_of(m);

	for (uint64_t k = to - from > RECENT ? to - RECENT : from; k < to; k++)
		ip->translated[k % RECENT] = k;
}

/* The linear address of the instruction that started at `icount`, or 0 if it ran as translated code
 * and no callout recorded it.  (A slot the interpreter wrote is the newest for its count: it runs
 * every instruction it does not leave to another backend.) */
static int recent_at(const struct interp *ip, uint64_t icount, uint32_t *lin)
{
	*lin = ip->recent[icount % RECENT];
	return ip->translated[icount % RECENT] != icount || ip->noted[icount % RECENT] == icount;
}

void interp_report_recent(struct machine *m, FILE *out)
{
	struct interp *ip = interp_of(m);
	struct cpu *c = &m->cpu;
	uint32_t lin;
	/* The ring is indexed by the icount at which each instruction started; include the instruction
	 * that started at the current count if it is the one that faulted (it did not retire). */
	uint64_t end = c->icount + (recent_at(ip, c->icount, &lin) && lin == c->seg[S_CS].base + c->prev_eip);
	uint64_t n = end < RECENT ? end : RECENT, gap = 0;

	if (!n)
		return;
	fprintf(out, "  last %u instructions (oldest first):\n", (unsigned)n);
	for (uint64_t k = end - n; k != end; k++) {
		uint8_t buf[16] = { 0 };
		char text[96] = "?";
		unsigned len = 0;
		uint32_t pa;

		/* Instructions that ran as translated code (-accel bt) are not recorded one by one. */
		int known = recent_at(ip, k, &lin);
		if (!known) {
			gap++;
			if (k + 1 != end)
				continue;
		}
		if (gap) {
			fprintf(out, "    ........  (%llu ran as translated code: not recorded)\n", (unsigned long long)gap);
			gap = 0;
			if (!known)
				continue;
		}
		if (mmu_probe(&m->cpu, lin, &pa) == 0 && pa < m->ram_size - 16) {
			memcpy(buf, m->ram + pa, sizeof buf);
			int l = disasm(buf, sizeof buf, lin, cpu_code32(&m->cpu), text, sizeof text);
			len = l > 0 ? (unsigned)l : 0;
		}
		fprintf(out, "    %08x  ", lin);
		for (unsigned b = 0; b < 8; b++)
			fprintf(out, b < len ? "%02x" : "  ", buf[b]);
		fprintf(out, "  %s\n", text);
	}
}

const struct backend backend_interp = {
	.name = "interp",
	.init = interp_init,
	.run = interp_run,
	.code_written = NULL,   /* page generations already make stale decodings unreachable */
	.fini = interp_fini,
};
