/* SPDX-License-Identifier: MIT
 *
 * interp.c — the reference backend: a Bochs-style interpreter.  This is the lecture's "interpreted
 * execution" loop — fetch, decode, dispatch — with the two speed-ups the lecture describes for Bochs:
 *
 *  - a decoded-instruction cache (the "trace cache" idea): decoding is done once per instruction address
 *    and the decoded record is reused until the guest writes to that code page.  Entries are keyed by
 *    guest-physical address and the code-size mode; each carries the page's generation number, and a
 *    store into a page holding cached code bumps the generation (memory.c), so stale decodings are never
 *    executed — self-modifying code works without any explicit invalidation pass;
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

#define ICACHE_BITS 16
#define ICACHE_SIZE (1u << ICACHE_BITS)

struct icache_entry {
	uint32_t pa;      /* physical address of the first byte */
	uint32_t gen;     /* m->page_gen[pa >> 12] when decoded */
	uint8_t mode;     /* 1 = 32-bit code, 0 = 16-bit; 0xff = empty */
	struct insn insn;
};

#define RECENT 16

struct interp {
	struct icache_entry cache[ICACHE_SIZE];
	uint64_t hits, misses;
	uint32_t recent[RECENT];   /* linear addresses of the last instructions started (for reports) */
	unsigned recent_pos;
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

/* Decode the instruction at CS:EIP without the cache (page-crossing instructions, MMIO code). */
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

/* Find (or make) the decoded form of the instruction at CS:EIP.  May raise #PF/#GP. */
static const struct insn *fetch_insn(struct cpu *c, struct interp *ip, struct insn *scratch)
{
	struct machine *m = c->m;
	uint32_t lin = c->seg[S_CS].base + c->eip;
	unsigned user = c->cpl == 3;
	struct tlb_entry *t = &c->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
	uint32_t pa;
	uint8_t mode = (uint8_t)cpu_code32(c);

	/* Near the CS limit or the end of a page, take the careful path: fetch_code checks the limit
	 * byte by byte and handles a second page. */
	if (c->eip > c->seg[S_CS].limit - 15 || (lin & 0xfff) > 0x1000 - 15) {
		decode_uncached(c, lin, scratch);
		return scratch;
	}
	if (t->tag_x == (lin & ~0xfffu))
		pa = t->phys | (lin & 0xfff);
	else
		pa = mmu_translate(c, lin, ACC_EXEC, user);
	if (pa >= m->ram_size - 16) {
		decode_uncached(c, lin, scratch);
		return scratch;
	}

	struct icache_entry *e = &ip->cache[(pa ^ (pa >> ICACHE_BITS)) & (ICACHE_SIZE - 1)];
	uint32_t gen = m->page_gen[pa >> 12];
	if (e->pa == pa && e->gen == gen && e->mode == mode) {
		ip->hits++;
		return &e->insn;
	}
	ip->misses++;
	/* The bytes are in RAM and do not cross a page: decode straight from guest memory. */
	decode(&e->insn, m->ram + pa, 15, mode);
	if (m->log_mask & LOG_IN_ASM)
		log_in_asm(m, lin, m->ram + pa, e->insn.len, mode);
	if (!m->page_code[pa >> 12])
		mem_mark_code_page(m, pa);
	e->pa = pa;
	e->gen = m->page_gen[pa >> 12];
	e->mode = mode;
	return &e->insn;
}

/* Deliver a pending external interrupt if the CPU can take one now.  Returns 1 if one was delivered. */
static int take_interrupt(struct machine *m, struct cpu *c)
{
	int vec;

	if (!(c->eflags & FL_IF) || c->inhibit_irq || !m->irq_ack)
		return 0;
	vec = m->irq_ack(m);
	if (vec < 0)
		return 0;
	c->halted = 0;
	c->prev_eip = c->eip;
	c->prev_esp = c->r[R_ESP];
	cpu_deliver(c, vec, EV_EXTERNAL, 0, 0);
	return 1;
}

/* Execute one instruction (the unit the replay engine and the translator's fallback use). */
void interp_step(struct machine *m)
{
	struct cpu *c = &m->cpu;
	struct insn scratch;
	const struct insn *i;
	uint32_t tf = c->eflags & FL_TF;
	uint8_t shadow = c->inhibit_irq;

	struct interp *ip = interp_of(m);

	c->prev_eip = c->eip;
	c->prev_esp = c->r[R_ESP];
	ip->recent[ip->recent_pos++ % RECENT] = c->seg[S_CS].base + c->eip;
	i = fetch_insn(c, ip, &scratch);
	c->inhibit_irq = 0;
	c->eip += i->len;
	if (!cpu_code32(c))
		c->eip &= 0xffff;
	i->exec(c, i);
	c->icount++;
	if (tf && !shadow) {
		/* Single-step trap after the instruction (SDM vol. 3A 17.3.1.4). */
		c->dr[6] |= 0x4000;
		c->prev_eip = c->eip;
		c->prev_esp = c->r[R_ESP];
		cpu_deliver(c, EXC_DB, EV_EXCEPTION, 0, 0);
	}
}

/* What the CPU does while halted: jump the clock to the next event, or stop if nothing can wake it. */
static void idle(struct machine *m, struct cpu *c)
{
	uint64_t until = c->icount_limit < m->next_deadline ? c->icount_limit : m->next_deadline;

	/* With IF clear only an NMI could wake the CPU, and no device of ours raises one on its own:
	 * timers firing would only move the clock forever.  That is the end of the run. */
	if (!(c->eflags & FL_IF) && !c->nmi_pending) {
		m->stop = STOP_DEAD_HALT;
		return;
	}
	if (until != UINT64_MAX) {
		c->icount = until > c->icount ? until : c->icount;
		return;
	}
	/* No timer armed and no budget: only host input could wake us (the platform's idle hook waits
	 * for it through the event layer).  With IF clear nothing can. */
	if ((c->eflags & FL_IF) && m->idle_wait && m->idle_wait(m) == 0)
		return;
	m->stop = STOP_DEAD_HALT;
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
		if (c->icount >= m->next_deadline) {
			vtimer_run_due(m);
			continue;
		}
		if (c->icount >= c->icount_limit) {
			m->stop = STOP_LIMIT;
			break;
		}
		if (c->nmi_pending && !c->inhibit_irq) {
			/* NMI (vector 2) ignores IF (SDM vol. 3A 6.7.1). */
			c->nmi_pending = 0;
			c->halted = 0;
			c->prev_eip = c->eip;
			c->prev_esp = c->r[R_ESP];
			cpu_deliver(c, EXC_NMI, EV_EXTERNAL, 0, 0);
			continue;
		}
		if (c->irq_pending && take_interrupt(m, c))
			continue;
		if (c->halted) {
			idle(m, c);
			continue;
		}
		/* The hot loop.  The deadline is re-read every instruction because an instruction can arm a
		 * timer (a LAPIC or PIT register write) due sooner than anything armed before it. */
		while (c->icount < c->icount_limit && c->icount < m->next_deadline && !c->halted && !m->stop &&
		       !c->nmi_pending && !(c->irq_pending && (c->eflags & FL_IF) && !c->inhibit_irq))
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
	for (unsigned k = 0; k < ICACHE_SIZE; k++)
		ip->cache[k].mode = 0xff;
	m->interp = ip;
	return 0;
}

static void interp_fini(struct machine *m)
{
	free(m->interp);
	m->interp = NULL;
}

void interp_stats(struct machine *m, uint64_t *hits, uint64_t *misses)
{
	struct interp *ip = interp_of(m);

	*hits = ip ? ip->hits : 0;
	*misses = ip ? ip->misses : 0;
}

void interp_report_recent(struct machine *m, FILE *out)
{
	struct interp *ip = interp_of(m);
	unsigned n = ip->recent_pos < RECENT ? ip->recent_pos : RECENT;

	if (!n)
		return;
	fprintf(out, "  last %u instructions (oldest first):\n", n);
	for (unsigned k = ip->recent_pos - n; k != ip->recent_pos; k++) {
		uint32_t lin = ip->recent[k % RECENT], pa;
		uint8_t buf[16];
		char text[96] = "?";
		unsigned len = 0;

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
