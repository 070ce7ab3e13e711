/* SPDX-License-Identifier: MIT
 *
 * bt.c — the binary-translation backend (-accel bt): the run loop and the world switch between the
 * VMM (this C code) and translated code in the translation cache (docs/bt.md, the lectures' VMware
 * translator).
 *
 * The run loop is the interpreter's (interp.c), decision for decision — deadlines, the instruction
 * limit, NMI, external interrupts, HLT, attention, the debugger, TF and interrupt shadows — so a run
 * under bt takes every interrupt at the same instruction count as under the interpreter.  Where the
 * interpreter would run a trace, bt looks up (or translates, on demand) the CCF for CS:EIP and enters
 * it if all of its instructions fit before the next deadline; otherwise, and for anything it cannot
 * translate (16-bit code, code outside RAM, an instruction that crosses a page), it executes one
 * instruction with interp_step().
 *
 * The world switch is three small stubs emitted at the start of the TC:
 *   t_enter    C -> TC: save the host's callee-saved registers, load guest registers and flags from
 *              struct cpu into host registers (bt.h), jump to a CCF's entry prologue.
 *   t_exit     TC -> C at a direct exit: store guest registers and flags back, return the exit record.
 *   t_callout  TC -> C -> TC: store guest state, call bt_callout() (which runs the interpreter's
 *              handler for one instruction), reload, return into the CCF — or, when the callout says
 *              the CCF must end, unwind to t_enter's caller with BT_RET_CALLOUT.
 * A fault inside a callout longjmps out of translated code to the run loop's setjmp, like the
 * interpreter's; guest state is already in struct cpu at every callout, so the fault is precise.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bt/bt.h"
#include "bt/emit.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/mem.h"
#include "cpu/interp.h"
#include "cpu/boundary.h"

/* Guest register number -> host register number while translated code runs. */
static const int g2h[8] = { H_RAX, H_RCX, H_RDX, H_RBX, H_R12, H_RBP, H_RSI, H_RDI };

#define OFF(f) ((int32_t)offsetof(struct cpu, f))
#define OFF_REG(g) ((int32_t)(offsetof(struct cpu, r) + 4 * (g)))

static const char *const ws_name[WS_N] = {
	[WS_CALLOUT] = "callout", [WS_TERM] = "terminating callout", [WS_INDIRECT] = "indirect/lookup",
	[WS_CHAIN_MISS] = "chain miss", [WS_EVENT] = "event/interrupt", [WS_EXCEPTION] = "exception",
	[WS_TC_FULL] = "TC full", [WS_BUDGET] = "budget",
};

typedef uint64_t (*enter_fn)(struct cpu *c, const uint8_t *code);

/* ---- the stubs --------------------------------------------------------------------------------- */
static void store_guest_regs(struct cbuf *b)
{
	for (int g = 0; g < 8; g++)
		emit_store32_r13(b, g2h[g], OFF_REG(g));
}

static void load_guest_regs(struct cbuf *b)
{
	for (int g = 0; g < 8; g++)
		emit_load32_r13(b, g2h[g], OFF_REG(g));
}

/* Load the guest's six status flags (eager in c->eflags) into the host RFLAGS.  Only those bits: the
 * host keeps TF, DF (the C ABI wants it clear), IF and the rest. */
static void load_guest_flags(struct cbuf *b)
{
	emit_load32_r13(b, H_R15, OFF(eflags));
	emit8(b, 0x41); emit8(b, 0x81); emit8(b, 0xe7); emit32(b, FL_ARITH);   /* and r15d, FL_ARITH */
	emit8(b, 0x41); emit8(b, 0x83); emit8(b, 0xcf); emit8(b, 0x02);        /* or r15d, 2 */
	emit8(b, 0x41); emit8(b, 0x57);                                        /* push r15 */
	emit8(b, 0x9d);                                                        /* popfq */
}

void bt_emit_stubs(struct bt *bt)
{
	struct cbuf b = { bt->tc_free, bt->tc_end, 0 };
	static const uint8_t push_callee[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	static const uint8_t epilogue[] = {
		0x48, 0x83, 0xc4, 0x08,                     /* add rsp, 8 (alignment pad) */
		0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b,   /* pop r15..rbx */
		0xc3,                                       /* ret */
	};
	uint8_t *epi, *exit_field;

	/* t_enter(struct cpu *c = rdi, code = rsi) */
	bt->t_enter = b.p;
	emit_bytes(&b, push_callee, sizeof push_callee);
	emit8(&b, 0x48); emit8(&b, 0x83); emit8(&b, 0xec); emit8(&b, 0x08);    /* sub rsp, 8: align */
	emit8(&b, 0x49); emit8(&b, 0x89); emit8(&b, 0xfd);                     /* mov r13, rdi */
	emit8(&b, 0x49); emit8(&b, 0x89); emit8(&b, 0xf6);                     /* mov r14, rsi */
	emit_mov_imm64(&b, H_RAX, (uint64_t)(uintptr_t)&bt->r8);
	emit8(&b, 0x4c); emit8(&b, 0x8b); emit8(&b, 0x00);                     /* mov r8, [rax] */
	load_guest_flags(&b);
	load_guest_regs(&b);
	emit8(&b, 0x41); emit8(&b, 0xff); emit8(&b, 0xe6);                     /* jmp r14 */

	/* t_exit: r14 = exit record */
	bt->t_exit = b.p;
	emit8(&b, 0x9c); emit8(&b, 0x41); emit8(&b, 0x5f);                     /* pushfq; pop r15 */
	store_guest_regs(&b);
	emit_mov_imm64(&b, H_RAX, (uint64_t)(uintptr_t)&bt->hflags);
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0x38);                     /* mov [rax], r15 */
	emit_mov_imm64(&b, H_RAX, (uint64_t)(uintptr_t)&bt->r8);
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0x00);                     /* mov [rax], r8 */
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0xf0);                     /* mov rax, r14 */
	epi = b.p;
	emit_bytes(&b, epilogue, sizeof epilogue);

	/* t_callout: r14 = callout record; called from the CCF */
	bt->t_callout = b.p;
	emit8(&b, 0x9c); emit8(&b, 0x41); emit8(&b, 0x5f);                     /* pushfq; pop r15 */
	store_guest_regs(&b);
	emit_mov_imm64(&b, H_RAX, (uint64_t)(uintptr_t)&bt->r8);
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0x00);                     /* mov [rax], r8 */
	emit8(&b, 0x48); emit8(&b, 0x83); emit8(&b, 0xec); emit8(&b, 0x08);    /* sub rsp, 8 */
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0xef);                     /* mov rdi, r13 */
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0xf6);                     /* mov rsi, r14 */
	emit8(&b, 0x4c); emit8(&b, 0x89); emit8(&b, 0xfa);                     /* mov rdx, r15 */
	emit_mov_imm64(&b, H_RAX, (uint64_t)(uintptr_t)bt_callout);
	emit8(&b, 0xff); emit8(&b, 0xd0);                                      /* call rax */
	emit8(&b, 0x48); emit8(&b, 0x83); emit8(&b, 0xc4); emit8(&b, 0x08);    /* add rsp, 8 */
	emit8(&b, 0x48); emit8(&b, 0x85); emit8(&b, 0xc0);                     /* test rax, rax */
	exit_field = emit_jcc(&b, 0x5, NULL);                                  /* jnz .exit */
	emit_mov_imm64(&b, H_RAX, (uint64_t)(uintptr_t)&bt->r8);
	emit8(&b, 0x4c); emit8(&b, 0x8b); emit8(&b, 0x00);                     /* mov r8, [rax] */
	load_guest_flags(&b);
	load_guest_regs(&b);
	emit8(&b, 0xc3);                                                       /* ret into the CCF */
	patch_rel32(exit_field, b.p);                                          /* .exit: */
	emit8(&b, 0x48); emit8(&b, 0x83); emit8(&b, 0xc4); emit8(&b, 0x08);    /* drop the return address */
	emit_jmp(&b, epi);
	bt->tc_free = b.p;
}

/* ---- world switches ---------------------------------------------------------------------------- */
static void world_switch(struct machine *m, enum bt_ws why)
{
	struct bt *bt = bt_of(m);

	bt->ws[why]++;
	if (m->log && (m->log_mask & LOG_WORLDS))
		fprintf(m->log, "worlds: %-20s icount=%llu eip=%08x\n", ws_name[why],
			(unsigned long long)m->cpu.icount, m->cpu.eip);
}

/* Adaptive retranslation ("innocent until proven guilty"): a callout that has run BT_HOT times from
 * one place is worth a better translation when one exists — an inline memory access whose fast path
 * keeps missing (MMIO, a page holding code, a watched page) becomes a direct callout, skipping a probe
 * that always fails; RDTSC becomes in-TC emulation from the instruction count. */
#define BT_HOT 64
/* The hint that gives a hot callout a better translation (0: none). */
static uint8_t better_hint(const struct ccf *f, const struct bt_callout *co)
{
	if (co->insn.op == OP_RDTSC)
		return HINT_EMUL;
	return f->kind[co->idx] == K_MEM ? HINT_CALLOUT : 0;
}

static int hot_has_better_form(const struct bt_callout *co)
{
	uint8_t h = better_hint(co->ccf, co);

	return h && !(co->ccf->hint[co->idx] & h);
}

/* Run one guest instruction through the interpreter's handler on behalf of a CCF.  Called from
 * t_callout with the guest registers already stored and the guest's status flags in hflags.  Returns 0
 * to go on in the CCF, BT_RET_CALLOUT to leave it (state in struct cpu is then complete). */
uint64_t bt_callout(struct cpu *c, struct bt_callout *co, uint64_t hflags)
{
	struct machine *m = c->m;
	struct bt *bt = bt_of(m);
	enum bt_ws why;

	c->eflags = (c->eflags & ~FL_ARITH) | ((uint32_t)hflags & FL_ARITH);
	c->lf.op = LF_NONE;
	uint64_t start = bt->stop_at + (uint64_t)bt->r8;   /* the CCF's first instruction */
	c->icount = start + co->idx;              /* the clock as the interpreter would have it */
	c->prev_eip = co->eip;
	c->prev_esp = c->r[R_ESP];
	c->eip = co->eip + co->insn.len;
	interp_note_recent(m, c->icount, c->seg[S_CS].base + co->eip);   /* crash reports' history */
	if (++co->count == BT_HOT && !bt->retrans && co->ccf->valid && hot_has_better_form(co))
		bt->retrans = co->ccf;               /* adaptive: retranslate at the next world switch */
	bt->ws[WS_CALLOUT]++;
	co->insn.exec(c, &co->insn);              /* may fault: longjmp to bt_run */
	c->icount++;
	c->eflags = cpu_get_eflags(c);            /* flags back to the eager form t_callout reloads */
	c->lf.op = LF_NONE;
	unsigned cf = co->insn.cls & CF_MASK;
	if (cf == CF_RET || cf == CF_JMP_IND || cf == CF_CALL_IND) {
		why = WS_INDIRECT;                    /* the run loop fills the in-TC lookup table */
		bt->pending_ind = 1;
	} else if (co->ends)
		why = WS_TERM;
	else if (c->eip != co->expect)
		why = WS_INDIRECT;
	else if (c->icount != start + co->idx + 1u)
		why = WS_TERM;                        /* the handler retired more (REP iterations): the CCF's
		                                         budget no longer holds */
	else if (c->attn || m->stop)
		why = WS_EVENT;
	else {
		c->icount = start;                    /* the TC keeps counting in r8 */
		return 0;
	}
	world_switch(m, why);
	return BT_RET_CALLOUT;
}

/* The CCF for CS:EIP (translating it on demand), or NULL: execute one instruction in the interpreter. */
static struct ccf *find_ccf(struct machine *m, struct cpu *c, uint8_t mode)
{
	struct bt *bt = bt_of(m);
	uint32_t lin = c->seg[S_CS].base + c->eip, pa;
	struct ccf *f;

	if (bt->disabled || !(mode & MODE_CODE32) || c->eip > c->seg[S_CS].limit)
		return NULL;
	pa = code_pa(c, lin);                     /* may raise #PF, as the fetch would */
	if (pa >= m->ram_size)
		return NULL;
	f = tc_lookup(m, pa, c->eip, mode);
	if (!f) {
		/* Host time is read for the statistics only (-d exit, make bench); nothing the guest sees
		 * depends on it, so determinism is untouched. */
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		f = bt_translate(m, pa, mode, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		bt->translate_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	}
	return f;
}

/* Adaptive retranslation of f: translate its TU again with what its callout counters taught, then
 * make the old CCF forward to the new one (its entry becomes a jmp) and move its incoming chains. */
static void retranslate(struct machine *m, struct ccf *old)
{
	struct bt *bt = bt_of(m);
	struct cpu *c = &m->cpu;
	uint8_t hints[TU_MAX];
	uint32_t eip = c->eip;
	struct ccf *nu;

	if (!old->valid || old->gen != m->page_gen[old->pa >> 12] || bt->tc_end - bt->tc_free < 65536)
		return;   /* (near a TC flush: not worth it, and the flush would free old under us) */
	memcpy(hints, old->hint, sizeof hints);
	for (unsigned k = 0; k < old->nco; k++) {
		const struct bt_callout *co = &old->co[k];
		if (co->count >= BT_HOT)
			hints[co->idx] |= better_hint(old, co);
	}
	/* bt_translate reads CS:EIP and the CS cache from the CPU: the CCF's own. */
	if (c->seg[S_CS].base != old->cs_base || c->seg[S_CS].limit != old->cs_limit)
		return;
	c->eip = old->eip;
	nu = bt_translate(m, old->pa, old->mode, hints);
	c->eip = eip;
	if (!nu)
		return;       /* (the room checked above means translating could not flush the TC) */
	tc_replace(m, old, nu);
	bt->retranslations++;
	if (m->log && (m->log_mask & LOG_WORLDS))
		fprintf(m->log, "worlds: adaptive retranslation of CCF %08x\n", old->cs_base + old->eip);
}

/* After an exit through t_exit: note why, and remember a direct exit so the next CCF can be chained to
 * it.  icount: r8 already includes the instructions retired before the exit. */
static void direct_exit(struct machine *m, struct cpu *c, struct bt_exit *e)
{
	struct bt *bt = bt_of(m);

	c->eflags = (c->eflags & ~FL_ARITH) | ((uint32_t)bt->hflags & FL_ARITH);
	c->lf.op = LF_NONE;
	c->icount = bt->stop_at + (uint64_t)bt->r8;
	if (e->indirect) {
		bt->pending_ind = 1;                  /* cpu.eip was stored by the lookup's miss path */
		world_switch(m, WS_INDIRECT);
		return;
	}
	c->eip = e->target;
	if (!e->self) {
		bt->pending = e;
		world_switch(m, WS_CHAIN_MISS);
	} else {
		world_switch(m, WS_BUDGET);
	}
}

/* The context part of the in-TC lookup key (bt.h): mode bits and the TLB epoch; never 0. */
static uint64_t lookup_ctx(const struct machine *m, uint8_t mode)
{
	return (uint64_t)(0x80000000u | ((m->tlb_epoch & 0x7ffffffu) << 4) | (mode & 0xfu)) << 32;
}

/* ---- the run loop ------------------------------------------------------------------------------ */

/* One instruction in the interpreter — through the debugger's hook when one is installed, so that the
 * hook sees every instruction that does not run translated. */
static void step_one(struct machine *m)
{
	if (m->debug_check && m->debug_check(m))
		return;                               /* the debugger stopped the machine before it */
	interp_step(m);
}

int bt_breakpoint_at(const struct machine *m, uint32_t lin)
{
	for (unsigned k = 0; k < m->debug_nbps; k++)
		if (m->debug_bps[k] == lin)
			return 1;
	return 0;
}

static enum stop_reason bt_run(struct machine *m)
{
	struct cpu *c = &m->cpu;
	struct bt *bt = bt_of(m);
	enter_fn enter = (enter_fn)(uintptr_t)bt->t_enter;
	volatile int in_tc = 0;
	volatile uint64_t tc_start = 0;   /* crash reports' history */
	volatile int first = 1;           /* a debugger hook sees the first instruction of every run */
	jmp_buf jb;

	c->fault_jmp = &jb;
	m->stop = STOP_NONE;
	if (setjmp(jb)) {
		if (in_tc) {
			/* A callout faulted inside translated code: that was a world switch too. */
			in_tc = 0;
			interp_note_translated(m, tc_start, c->icount);   /* crash reports' history */
			world_switch(m, WS_EXCEPTION);
			/* The debugger counts hook calls per instruction count: the faulting instruction got
			 * none in translated code, but would have in the interpreter. */
			if (m->debug_check && m->debug_note)
				m->debug_note(m);
		}
		bt->pending = NULL;
		bt->pending_ind = 0;
		cpu_handle_fault(c);
	}
	while (!m->stop) {
		if (insn_boundary(m))
			continue;
		if (m->debug_bp_gen != bt->bp_gen) {
			/* gdb set or removed a breakpoint: TUs are cut at breakpoint addresses (translate.c) */
			tc_flush(m);
			bt->bp_gen = m->debug_bp_gen;
		}
		if (m->debug_check) {
			/* The debugger must see every instruction, or (continuing to breakpoints) only those at
			 * breakpoint addresses and the first: everything else may run translated. */
			if (!m->debug_cont || first || bt_breakpoint_at(m, c->seg[S_CS].base + c->eip)) {
				first = 0;
				step_one(m);
				continue;
			}
		}
		first = 0;
		if (bt->retrans) {
			struct ccf *r = bt->retrans;
			bt->retrans = NULL;
			retranslate(m, r);
		}
		if (m->tlb_epoch != bt->epoch_seen) {
			/* CR3, INVLPG, paging mode: cross-page chains followed the old mappings. */
			chain_unlink_xpage(bt);
			if ((m->tlb_epoch ^ bt->epoch_seen) & ~0x7ffffffu)   /* the key's 27 epoch bits wrapped */
				memset(bt->jtab, 0, (sizeof *bt->jtab) << JTAB_BITS);
			bt->epoch_seen = m->tlb_epoch;
		}
		uint64_t limit = c->icount_limit < m->next_deadline ? c->icount_limit : m->next_deadline;
		if (c->eflags & FL_TF || (c->inhibit_irq && (c->irq_pending || c->nmi_pending))) {
			bt->pending = NULL;
			bt->pending_ind = 0;
			bt->interp_steps++;
			step_one(m);
			continue;
		}
		struct bt_exit *pending = bt->pending;
		int pending_ind = bt->pending_ind;
		bt->pending = NULL;
		bt->pending_ind = 0;
		uint8_t mode = bt_mode(c);
		uint64_t flushes = bt->flushes;
		struct ccf *f = find_ccf(m, c, mode);
		if (bt->flushes != flushes)
			pending = NULL;               /* translating flushed the TC: its CCF is gone */
		if (!f || c->icount + f->n > limit || f->bp_stop) {
			bt->interp_steps++;
			step_one(m);
			continue;
		}
		bt->ctx64 = lookup_ctx(m, mode);
		if (pending && pending->target == c->eip)
			chain_link(bt, pending, f);
		if (pending_ind && (mode & MODE_CSFLAT)) {
			struct bt_jent *j = &bt->jtab[c->eip & ((1u << JTAB_BITS) - 1)];
			j->key = bt->ctx64 | c->eip;
			j->entry = f->entry;
			bt->jtab_fills++;
		}
		/* World switch into the TC. */
		/* r8 counts up to 0 at stop_at; keep it a small negative number even for "no limit". */
		bt->stop_at = limit - c->icount > (1ull << 62) ? c->icount + (1ull << 62) : limit;
		bt->r8 = (int64_t)(c->icount - bt->stop_at);
		c->inhibit_irq = 0;
		c->eflags = cpu_get_eflags(c);
		c->lf.op = LF_NONE;
		uint64_t start = c->icount;
		tc_start = start;
		in_tc = 1;
		bt->tc_entries++;
		uint64_t r = enter(c, f->entry);
		in_tc = 0;
		if (r != BT_RET_CALLOUT)
			direct_exit(m, c, (struct bt_exit *)(uintptr_t)r);
		interp_note_translated(m, start, c->icount);   /* crash reports' history */
		bt->tc_insns += c->icount - start;
	}
	c->fault_jmp = NULL;
	return m->stop;
}

/* ---- statistics -------------------------------------------------------------------------------- */
void bt_report(struct machine *m, FILE *out)
{
	struct bt *bt = bt_of(m);
	uint64_t total = 0, tr = 0;

	if (!bt)
		return;
	for (int k = 0; k < K_NKINDS; k++)
		tr += bt->kinds[k];
	fprintf(out, "bt: %llu CCFs (%llu guest insns, %lu TC bytes in use), %llu flushes\n",
		(unsigned long long)bt->ccfs, (unsigned long long)bt->guest_insns,
		(unsigned long)(bt->tc_free - bt->tc_code), (unsigned long long)bt->flushes);
	fprintf(out, "bt: translation time %.3f ms (%.0f ns per guest instruction translated)\n",
		(double)bt->translate_ns / 1e6,
		bt->guest_insns ? (double)bt->translate_ns / (double)bt->guest_insns : 0.0);
	fprintf(out, "bt: translation kinds:");
	for (int k = 0; k < K_NKINDS; k++)
		fprintf(out, " %s %llu", bt_kind_name[k], (unsigned long long)bt->kinds[k]);
	fprintf(out, " (IDENT ratio %.1f%%)\n",
		tr ? 100.0 * (double)(bt->kinds[K_IDENT] + bt->kinds[K_REENC]) / (double)tr : 0.0);
	fprintf(out, "bt: instructions: %llu in the TC, %llu single-stepped by the interpreter\n",
		(unsigned long long)bt->tc_insns, (unsigned long long)bt->interp_steps);
	fprintf(out, "bt: exits chained %llu (patched; %llu across pages, %llu unchained by mapping changes), chain misses %llu\n",
		(unsigned long long)bt->chained, (unsigned long long)bt->xpage_chained,
		(unsigned long long)bt->xpage_unchained, (unsigned long long)bt->ws[WS_CHAIN_MISS]);
	uint64_t execs = bt->execs_flushed;
	for (uint32_t k = 0; k < bt->nall; k++)
		execs += bt->all[k]->execs;
	uint64_t inside = execs > bt->tc_entries ? execs - bt->tc_entries : 0;
	fprintf(out, "bt: CCF executions %llu: entered from the VMM %llu, through chained jumps or the in-TC lookup %llu (chained ratio %.1f%%)\n",
		(unsigned long long)execs, (unsigned long long)bt->tc_entries, (unsigned long long)inside,
		execs ? 100.0 * (double)inside / (double)execs : 0.0);
	fprintf(out, "bt: in-TC lookup table fills %llu; adaptive retranslations %llu\n",
		(unsigned long long)bt->jtab_fills, (unsigned long long)bt->retranslations);
	fprintf(out, "bt: world switches:");
	for (int k = 0; k < WS_N; k++) {
		fprintf(out, " %s %llu;", ws_name[k], (unsigned long long)bt->ws[k]);
		total += bt->ws[k];
	}
	fprintf(out, " total %llu\n", (unsigned long long)total);
}

/* ---- the backend ------------------------------------------------------------------------------- */
static int bt_init(struct machine *m)
{
	struct bt *bt;

	/* The interpreter is bt's fallback for single instructions: it needs its own state too. */
	if (backend_interp.init(m) != 0)
		return -1;
	bt = calloc(1, sizeof *bt);
	if (!bt) {
		backend_interp.fini(m);
		return -1;
	}
	m->bt = bt;
	if (tc_init(bt) != 0) {
		fprintf(stderr, "revisor: bt: cannot map an executable translation cache (is RWX memory forbidden here?)\n");
		free(bt);
		m->bt = NULL;
		backend_interp.fini(m);
		return -1;
	}
	bt->disabled = getenv("REVISOR_BT_OFF") != NULL;
	return 0;
}

static void bt_fini(struct machine *m)
{
	struct bt *bt = bt_of(m);

	if (bt) {
		if (m->log && (m->log_mask & LOG_EXIT))
			bt_report(m, m->log);
		tc_fini(bt);
		free(bt);
		m->bt = NULL;
	}
	backend_interp.fini(m);
}

/* Guest-physical bytes changed behind the CPU's back (or a store hit a code page): drop their CCFs. */
static void bt_code_written(struct machine *m, uint32_t pa, uint32_t len)
{
	uint64_t end = (uint64_t)pa + len;

	if (!bt_of(m) || len == 0)
		return;
	for (uint64_t p = pa >> 12; p <= (end - 1) >> 12; p++)
		tc_invalidate_page(m, (uint32_t)p);
}

const struct backend backend_bt = {
	.name = "bt",
	.init = bt_init,
	.run = bt_run,
	.code_written = bt_code_written,
	.fini = bt_fini,
};
