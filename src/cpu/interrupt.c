/* SPDX-License-Identifier: MIT
 *
 * interrupt.c — exceptions and interrupts: raising a fault from inside an instruction, delivering an
 * event through the real-mode IVT or the protected-mode IDT, escalating to a double and a triple fault,
 * and the instructions INT n, INT3, INTO, IRET, SYSENTER and SYSEXIT.
 *
 * This is the lecture's "trap" path: a guest that executes something it may not is stopped precisely at
 * that instruction, and the CPU (here: this file) transfers control to the guest kernel's handler with a
 * frame that lets it resume.  The SDM chapters followed are vol. 3A ch. 6 "Interrupt and exception
 * handling" (6.4.2 software interrupts, 6.12 "Exception and interrupt handling" with its stack-switch
 * rules, 6.13 error codes, 6.15 table 6-5 for double faults) and the INT n / IRET pseudocode of vol. 2A.
 *
 * Precision: faults longjmp to the run loop, which calls cpu_handle_fault() to restore EIP/ESP from
 * prev_eip/prev_esp.  Delivery reads the IDT, the target descriptor and the TSS, then WRITES THE WHOLE
 * FRAME TO MEMORY before touching a single register, so a fault during delivery (a bad gate, a missing
 * stack page) leaves the interrupted state exactly as it was and the next exception sees it.
 *
 * Not supported (documented limitations):
 *  - task gates in the IDT raise #GP(vector*8+2 | EXT), and IRET with NT=1 (return from a nested task)
 *    raises #GP(0): hardware task switching is not implemented;
 *  - virtual-8086 mode: IRET to an EFLAGS image with VM=1 raises #GP(0);
 *  - the pushed EFLAGS image of a fault does not get RF set (no instruction breakpoints exist to need it).
 */
#include <stdio.h>
#include <stdlib.h>
#include "system.h"
#include "mem.h"
#include "flags.h"
#include "operand.h"
#include "machine.h"

/* ---- raising -------------------------------------------------------------------------------------- */

int exc_has_errcode(int vec)
{
	switch (vec) {
	case EXC_DF: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: case EXC_PF: case EXC_AC:
		return 1;
	default:
		return 0;
	}
}

/* Whether an error code is pushed is the architecture's business (table 6-1), not the caller's. */
static _Noreturn void raise_exc(struct cpu *c, int vec, uint32_t err)
{
	c->fault_vec = vec;
	c->fault_err = err;
	c->fault_has_err = exc_has_errcode(vec);
	if (!c->fault_jmp) {
		fprintf(stderr, "revisor: exception %d raised outside the run loop\n", vec);
		abort();
	}
	longjmp(*c->fault_jmp, 1);
}

_Noreturn void cpu_fault(struct cpu *c, int vec, uint32_t err)
{
	raise_exc(c, vec, err);
}

_Noreturn void cpu_fault_noerr(struct cpu *c, int vec)
{
	raise_exc(c, vec, 0);
}

/* Table 6-4: the classes that decide whether a second fault is handled serially or becomes #DF. */
static int contributory(int vec)
{
	return vec == EXC_DE || vec == EXC_TS || vec == EXC_NP || vec == EXC_SS || vec == EXC_GP;
}

void cpu_handle_fault(struct cpu *c)
{
	int vec = c->fault_vec;
	uint32_t err = c->fault_err;

	/* Faults are restartable: the saved CS:EIP names the faulting instruction, ESP is as before it. */
	c->eip = c->prev_eip;
	c->r[R_ESP] = c->prev_esp;

	if (c->exc_depth >= 2) {
		/* A fault while delivering #DF: shutdown (SDM 6.15, interrupt 8). */
		c->exc_depth = 0;
		c->m->stop = STOP_TRIPLE_FAULT;
		return;
	}
	if (c->exc_depth == 1) {
		/* A fault while delivering exception exc_vec (table 6-5).  Benign first events, and benign
		 * second ones, are simply handled one after the other. */
		int first = c->exc_vec;
		int pf_then_bad = first == EXC_PF && (vec == EXC_PF || contributory(vec));
		if (pf_then_bad || (contributory(first) && contributory(vec))) {
			c->exc_depth = 2;
			cpu_deliver(c, EXC_DF, EV_EXCEPTION, 1, 0);
			return;
		}
	}
	cpu_deliver(c, vec, EV_EXCEPTION, exc_has_errcode(vec), err);
}

/* ---- delivery -------------------------------------------------------------------------------------- */

/* Real mode (SDM 20.1.4): the IVT holds 4-byte CS:IP vectors; push FLAGS, CS, IP. */
static void deliver_real(struct cpu *c, int vec)
{
	uint32_t a = c->idtr.base + 4u * (unsigned)vec, fl = cpu_get_eflags(c);
	uint16_t ip, cs;
	struct stk k;

	if (4u * (unsigned)vec + 3 > c->idtr.limit)
		cpu_fault(c, EXC_GP, 0);
	ip = (uint16_t)lin_read(c, a, 2, LIN_SYS);
	cs = (uint16_t)lin_read(c, a + 2, 2, LIN_SYS);
	stk_current(c, &k);
	stk_push(c, &k, 2, fl);
	stk_push(c, &k, 2, c->seg[S_CS].sel);
	stk_push(c, &k, 2, c->eip);

	stk_commit(c, &k, 0);
	seg_load_real(c, S_CS, cs);
	c->eip = ip;
	cpu_set_eflags(c, fl & ~(FL_IF | FL_TF | FL_AC));
}

/* Protected mode (SDM 6.12.1): through an interrupt or trap gate, to the same or a more privileged
 * level.  ext is ERR_EXT unless the event is a software interrupt (6.13). */
static void deliver_prot(struct cpu *c, int vec, enum event_kind kind, int has_err, uint32_t err)
{
	uint32_t ext = kind == EV_SOFTINT ? 0 : ERR_EXT;
	uint32_t idterr = 8u * (unsigned)vec + ERR_IDT + ext;
	uint32_t glo, ghi, lo, hi, off, selerr, fl = cpu_get_eflags(c);
	unsigned type, w, dpl, new_cpl;
	uint16_t sel, attr;
	struct seg cs;
	struct stk k;
	int switch_stack;

	if (8u * (unsigned)vec + 7 > c->idtr.limit)
		cpu_fault(c, EXC_GP, idterr);
	glo = lin_read(c, c->idtr.base + 8u * (unsigned)vec, 4, LIN_SYS);
	ghi = lin_read(c, c->idtr.base + 8u * (unsigned)vec + 4, 4, LIN_SYS);
	type = (ghi >> 8) & 0x1f;   /* the S bit and the type: S must be 0 for a gate */
	switch (type) {
	case SYS_INTGATE16: case SYS_TRAPGATE16: case SYS_INTGATE32: case SYS_TRAPGATE32:
		break;
	case SYS_TASKGATE:   /* task switching is not implemented */
	default:
		cpu_fault(c, EXC_GP, idterr);
	}
	/* INT n may only use gates the program is allowed to call: the kernel's way to keep user code
	 * from invoking, say, the page-fault handler directly (6.12.1.1). */
	if (kind == EV_SOFTINT && desc_dpl(ghi) < c->cpl)
		cpu_fault(c, EXC_GP, idterr);
	if (!(ghi & (DESC_P << 8)))
		cpu_fault(c, EXC_NP, idterr);

	w = (type & 8) ? 4 : 2;
	sel = (uint16_t)(glo >> 16);
	off = (glo & 0xffff) | (w == 4 ? (ghi & 0xffff0000u) : 0);
	selerr = (sel & ~SEL_RPL) | ext;

	/* The handler's code segment. */
	if ((sel & ~SEL_RPL) == 0)
		cpu_fault(c, EXC_GP, ext);
	if (desc_read(c, sel, &lo, &hi))
		cpu_fault(c, EXC_GP, selerr);
	attr = desc_attr(hi);
	dpl = desc_dpl(hi);
	if ((attr & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE) || dpl > c->cpl)
		cpu_fault(c, EXC_GP, selerr);
	if (!(attr & DESC_P))
		cpu_fault(c, EXC_NP, selerr);
	/* Non-conforming code at a more privileged level: switch to it (and to its stack).  Conforming code
	 * runs at the interrupted CPL. */
	new_cpl = (!(attr & DESC_C) && dpl < c->cpl) ? dpl : c->cpl;
	switch_stack = new_cpl < c->cpl;
	desc_unpack(&cs, sel, lo, hi);
	if (off > cs.limit)
		cpu_fault(c, EXC_GP, ext);

	/* Build the frame (figure 6-4): [SS, ESP,] EFLAGS, CS, EIP [, error code]. */
	if (switch_stack) {
		tss_inner_stack(c, new_cpl, ext, &k);
		stk_push(c, &k, w, c->seg[S_SS].sel);
		stk_push(c, &k, w, c->r[R_ESP]);
	} else {
		stk_current(c, &k);
		k.err = ext;
	}
	stk_push(c, &k, w, fl);
	stk_push(c, &k, w, c->seg[S_CS].sel);
	stk_push(c, &k, w, c->eip);
	if (has_err)
		stk_push(c, &k, w, err);
	desc_set_accessed(c, sel, &hi);

	/* Commit: nothing below can fault. */
	stk_commit(c, &k, switch_stack);
	seg_load_cs_raw(c, sel, lo, hi, new_cpl);
	c->eip = off;
	/* Both gate kinds clear TF (no single-stepping into the handler), NT, RF and VM; an interrupt gate
	 * also clears IF, so the handler starts with interrupts masked (6.12.1.3). */
	fl &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!(type & 1))
		fl &= ~FL_IF;
	cpu_set_eflags(c, fl);
}

void cpu_deliver(struct cpu *c, int vec, enum event_kind kind, int has_err, uint32_t err)
{
	/* Remember what is being delivered, so that a fault during delivery can be classified.  A second
	 * exception handled serially (cpu_handle_fault) replaces the first: it is now the one in flight. */
	if (kind == EV_EXCEPTION) {
		if (c->exc_depth == 0)
			c->exc_depth = 1;
		c->exc_vec = (uint8_t)vec;
	}
	if (c->m && (c->m->log_mask & LOG_INT))
		fprintf(c->m->log, "int: vector 0x%02x (%s)%s%08x at %04x:%08x icount %llu\n", vec,
			kind == EV_EXCEPTION ? "exception" : kind == EV_SOFTINT ? "software" : "external",
			has_err ? " error code " : "", has_err ? err : 0, c->seg[S_CS].sel, c->prev_eip,
			(unsigned long long)c->icount);
	if (cpu_pmode(c))
		deliver_prot(c, vec, kind, has_err, err);
	else
		deliver_real(c, vec);   /* real mode pushes no error code */
	c->exc_depth = 0;
	c->halted = 0;
}

/* ---- INT n, INT3, INTO ----------------------------------------------------------------------------- */

/* The saved EIP is the next instruction (c->eip already points there): software interrupts are traps. */
void op_int(struct cpu *c, const struct insn *i)
{
	cpu_deliver(c, (int)(i->imm & 0xff), EV_SOFTINT, 0, 0);
}

void op_int3(struct cpu *c, const struct insn *i)
{
	cpu_deliver(c, EXC_BP, EV_SOFTINT, 0, 0);
}

void op_into(struct cpu *c, const struct insn *i)
{
	if (flags_arith(c) & FL_OF)
		cpu_deliver(c, EXC_OF, EV_SOFTINT, 0, 0);
}

/* ---- IRET ------------------------------------------------------------------------------------------ */

/* Which EFLAGS bits a return may change, by the CPL before the return (IRET pseudocode; the same rules as
 * POPF): IOPL only at CPL 0, IF only when CPL <= IOPL.  VM/VIF/VIP are never restored (no V86). */
static uint32_t iret_flags(const struct cpu *c, uint32_t cur, uint32_t img, unsigned osz)
{
	uint32_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT;

	if (osz == 4)
		mask |= FL_RF | FL_AC | FL_ID;
	if (c->cpl <= cpu_iopl(c))
		mask |= FL_IF;
	if (c->cpl == 0)
		mask |= FL_IOPL;
	return (cur & ~mask) | (img & mask);
}

static void iret_real(struct cpu *c, unsigned osz)
{
	struct stk k;
	uint32_t eip, fl;
	uint16_t cs;

	stk_current(c, &k);
	eip = stk_peek(c, &k, 0, osz);
	cs = (uint16_t)stk_peek(c, &k, osz, osz);
	fl = stk_peek(c, &k, 2 * osz, osz);
	if (eip > c->seg[S_CS].limit)
		cpu_gp0(c);
	k.esp += 3 * osz;
	stk_commit(c, &k, 0);
	seg_load_real(c, S_CS, cs);
	c->eip = eip;
	cpu_set_eflags(c, iret_flags(c, cpu_get_eflags(c), fl, osz));
}

static void iret_prot(struct cpu *c, unsigned osz)
{
	uint32_t cur = cpu_get_eflags(c), eip, fl, lo, hi, slo = 0, shi = 0, esp = 0;
	uint16_t cs, ss = 0;
	unsigned rpl;
	struct seg ncs;
	struct stk k;

	if (cur & FL_NT)
		cpu_gp0(c);   /* return to a nested task: task switching is not implemented */
	stk_current(c, &k);
	eip = stk_peek(c, &k, 0, osz);
	cs = (uint16_t)stk_peek(c, &k, osz, osz);
	fl = stk_peek(c, &k, 2 * osz, osz);
	if (osz == 2)
		fl = (cur & 0xffff0000u) | fl;
	else if ((fl & FL_VM) && c->cpl == 0)
		cpu_gp0(c);   /* return to virtual-8086 mode: not implemented */
	ret_check_cs(c, cs, &lo, &hi);
	rpl = cs & SEL_RPL;
	if (rpl > c->cpl) {
		/* Return to an outer level: the frame also holds the interrupted stack. */
		esp = stk_peek(c, &k, 3 * osz, osz);
		ss = (uint16_t)stk_peek(c, &k, 4 * osz, osz);
		ret_check_ss(c, ss, rpl, &slo, &shi);
	}
	desc_unpack(&ncs, cs, lo, hi);
	if (eip > ncs.limit)
		cpu_gp0(c);
	desc_set_accessed(c, cs, &hi);
	if (rpl > c->cpl)
		desc_set_accessed(c, ss, &shi);

	/* Commit.  The flags are filtered with the CPL the IRET executed at. */
	cpu_set_eflags(c, iret_flags(c, cur, fl, osz));
	if (rpl > c->cpl) {
		struct stk nk = { .esp = osz == 2 ? (esp & 0xffff) : esp };
		desc_unpack(&nk.ss, ss, slo, shi);
		seg_load_cs_raw(c, cs, lo, hi, rpl);
		stk_commit(c, &nk, 1);
		seg_null_outer(c);
	} else {
		k.esp += 3 * osz;
		stk_commit(c, &k, 0);
		seg_load_cs_raw(c, cs, lo, hi, rpl);
	}
	c->eip = eip;
}

void op_iret(struct cpu *c, const struct insn *i)
{
	if (cpu_pmode(c))
		iret_prot(c, i->osz);
	else
		iret_real(c, i->osz);
}

/* ---- SYSENTER / SYSEXIT (SDM vol. 2B): fast system calls with flat segments derived from
 * IA32_SYSENTER_CS: CS = that, SS = +8 for the kernel; CS = +16, SS = +24 (RPL 3) for the user. ---- */

static void load_flat(struct seg *s, uint16_t sel, int code, unsigned dpl)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffffu;
	s->attr = (uint16_t)(DESC_G | DESC_DB | DESC_P | DESC_S | (dpl << DESC_DPL_SHIFT) | DESC_A |
			     (code ? DESC_CODE | DESC_R : DESC_W));
}

void op_sysenter(struct cpu *c, const struct insn *i)
{
	uint16_t cs = (uint16_t)(c->sysenter_cs & 0xfffc);

	if (!cpu_pmode(c) || cs == 0)
		cpu_gp0(c);
	cpu_set_eflags(c, cpu_get_eflags(c) & ~(FL_VM | FL_IF | FL_RF));
	load_flat(&c->seg[S_CS], cs, 1, 0);
	load_flat(&c->seg[S_SS], (uint16_t)(cs + 8), 0, 0);
	c->cpl = 0;
	c->r[R_ESP] = c->sysenter_esp;
	c->eip = c->sysenter_eip;
}

void op_sysexit(struct cpu *c, const struct insn *i)
{
	uint16_t cs = (uint16_t)(c->sysenter_cs & 0xfffc);

	if (!cpu_pmode(c) || cs == 0 || c->cpl != 0)
		cpu_gp0(c);
	load_flat(&c->seg[S_CS], (uint16_t)((cs + 16) | 3), 1, 3);
	load_flat(&c->seg[S_SS], (uint16_t)((cs + 24) | 3), 0, 3);
	c->cpl = 3;
	c->r[R_ESP] = c->r[R_ECX];
	c->eip = c->r[R_EDX];
}
