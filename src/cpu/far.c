/* SPDX-License-Identifier: MIT
 *
 * far.c — far control transfers: JMP ptr16:16/32 and m16:16/32, CALL likewise, and RETF (with or without
 * an immediate).  In real mode they just load CS = selector << 4.  In protected mode they are where the
 * privilege rules of SDM vol. 3A 5.8 "Privilege level checking when transferring program control
 * between code segments" live:
 *
 *  - a direct jump or call may reach non-conforming code of the SAME privilege only, or conforming code
 *    of equal or greater privilege without changing the CPL (5.8.1-5.8.2);
 *  - a call gate (5.8.3-5.8.5) is the one way to call MORE privileged code: the CPU switches to the
 *    inner stack named by the TSS, copies the gate's parameter count of words/dwords from the caller's
 *    stack, and pushes the caller's SS:ESP and CS:EIP there;
 *  - RETF (5.8.6) may return to the same or a LESS privileged level, popping SS:ESP in the latter case
 *    and nulling data segment registers the outer level may not use.
 *
 * These are sensitive instructions in the lecture's sense: their outcome depends on the CPL, so a
 * deprivileged guest kernel behaves differently unless the VMM intervenes.
 *
 * Everything is checked, and the new stack frame written, before CS/EIP/SS/ESP change (see interrupt.c).
 * Not supported (documented): task gates and TSS descriptors as far-transfer targets raise #GP(sel).
 */
#include "system.h"
#include "mem.h"
#include "operand.h"

/* ---- checks ------------------------------------------------------------------------------------------ */

static int is_code(uint32_t hi)
{
	return (desc_attr(hi) & (DESC_S | DESC_CODE)) == (DESC_S | DESC_CODE);
}

static int is_conforming(uint32_t hi)
{
	return (desc_attr(hi) & DESC_C) != 0;
}

void ret_check_cs(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	uint32_t err = sel & ~SEL_RPL;
	unsigned rpl = sel & SEL_RPL, dpl;

	if (err == 0)
		cpu_gp0(c);
	if (desc_read(c, sel, lo, hi) || !is_code(*hi))
		cpu_fault(c, EXC_GP, err);
	dpl = desc_dpl(*hi);
	/* A return never goes to a more privileged level; conforming code may have DPL <= RPL,
	 * non-conforming code must have DPL == RPL. */
	if (rpl < c->cpl || (is_conforming(*hi) ? dpl > rpl : dpl != rpl))
		cpu_fault(c, EXC_GP, err);
	if (!(desc_attr(*hi) & DESC_P))
		cpu_fault(c, EXC_NP, err);
}

void ret_check_ss(struct cpu *c, uint16_t sel, unsigned rpl, uint32_t *lo, uint32_t *hi)
{
	uint32_t err = sel & ~SEL_RPL;

	if (err == 0)
		cpu_gp0(c);
	if (desc_read(c, sel, lo, hi))
		cpu_fault(c, EXC_GP, err);
	/* The outer stack must be writable data of exactly the privilege being returned to. */
	if ((sel & SEL_RPL) != rpl || desc_dpl(*hi) != rpl ||
	    (desc_attr(*hi) & (DESC_S | DESC_CODE | DESC_W)) != (DESC_S | DESC_W))
		cpu_fault(c, EXC_GP, err);
	if (!(desc_attr(*hi) & DESC_P))
		cpu_fault(c, EXC_SS, err);
}

/* A code segment reached directly (not through a gate) by JMP or CALL: conforming code needs
 * DPL <= CPL, non-conforming code needs DPL == CPL and RPL <= CPL.  The CPL does not change. */
static void check_direct_code(struct cpu *c, uint16_t sel, uint32_t hi)
{
	unsigned dpl = desc_dpl(hi);

	if (is_conforming(hi) ? dpl > c->cpl : (dpl != c->cpl || (sel & SEL_RPL) > c->cpl))
		cpu_fault(c, EXC_GP, sel & ~SEL_RPL);
	if (!(desc_attr(hi) & DESC_P))
		cpu_fault(c, EXC_NP, sel & ~SEL_RPL);
}

/* Load the new CS and EIP after checking EIP against the new limit: the last checks of every transfer. */
static void check_eip(struct cpu *c, uint32_t lo, uint32_t hi, uint32_t eip)
{
	struct seg s;

	desc_unpack(&s, 0, lo, hi);
	if (eip > s.limit)
		cpu_gp0(c);
}

/* ---- the transfers ------------------------------------------------------------------------------------ */

static void far_real(struct cpu *c, uint16_t sel, uint32_t off, unsigned osz, int call)
{
	struct stk k;

	if (osz == 2)
		off &= 0xffff;
	if (off > c->seg[S_CS].limit)
		cpu_gp0(c);
	if (call) {
		stk_current(c, &k);
		stk_push(c, &k, osz, c->seg[S_CS].sel);
		stk_push(c, &k, osz, c->eip);
		stk_commit(c, &k, 0);
	}
	seg_load_real(c, S_CS, sel);
	c->eip = off;
}

/* Through a call gate (SDM 5.8.3-5.8.5): glo/ghi is the gate, gsel its selector. */
static void far_gate(struct cpu *c, uint16_t gsel, uint32_t glo, uint32_t ghi, int call)
{
	unsigned gw = (ghi & (8u << 8)) ? 4 : 2;   /* 32- or 16-bit gate: size of everything pushed */
	uint16_t sel = (uint16_t)(glo >> 16);
	uint32_t off = (glo & 0xffff) | (gw == 4 ? (ghi & 0xffff0000u) : 0);
	uint32_t lo, hi, serr = sel & ~SEL_RPL;
	unsigned dpl, new_cpl;
	struct stk k;

	/* The gate itself must be accessible from here: DPL >= CPL and DPL >= RPL. */
	if (desc_dpl(ghi) < c->cpl || desc_dpl(ghi) < (gsel & SEL_RPL))
		cpu_fault(c, EXC_GP, gsel & ~SEL_RPL);
	if (!(ghi & (DESC_P << 8)))
		cpu_fault(c, EXC_NP, gsel & ~SEL_RPL);
	if (serr == 0)
		cpu_gp0(c);
	if (desc_read(c, sel, &lo, &hi) || !is_code(hi))
		cpu_fault(c, EXC_GP, serr);
	dpl = desc_dpl(hi);
	/* The target must be at least as privileged; a JMP may not change the CPL at all. */
	if (dpl > c->cpl || (!call && !is_conforming(hi) && dpl != c->cpl))
		cpu_fault(c, EXC_GP, serr);
	if (!(desc_attr(hi) & DESC_P))
		cpu_fault(c, EXC_NP, serr);
	new_cpl = (!is_conforming(hi) && dpl < c->cpl) ? dpl : c->cpl;
	check_eip(c, lo, hi, off);

	if (!call) {
		desc_set_accessed(c, sel, &hi);
		seg_load_cs_raw(c, sel, lo, hi, new_cpl);
		c->eip = off;
		return;
	}
	if (new_cpl < c->cpl) {
		/* More privileged: new stack from the TSS, then the caller's SS:ESP, the parameters (copied
		 * so that they keep their order relative to the stack top) and CS:EIP. */
		struct stk old;
		unsigned params = ghi & 0x1f;

		stk_current(c, &old);
		tss_inner_stack(c, new_cpl, 0, &k);
		stk_push(c, &k, gw, c->seg[S_SS].sel);
		stk_push(c, &k, gw, c->r[R_ESP]);
		for (unsigned n = params; n-- > 0;)
			stk_push(c, &k, gw, stk_peek(c, &old, n * gw, gw));
	} else {
		stk_current(c, &k);
	}
	stk_push(c, &k, gw, c->seg[S_CS].sel);
	stk_push(c, &k, gw, c->eip);
	desc_set_accessed(c, sel, &hi);

	stk_commit(c, &k, new_cpl < c->cpl);
	seg_load_cs_raw(c, sel, lo, hi, new_cpl);
	c->eip = off;
}

static void far_transfer(struct cpu *c, uint16_t sel, uint32_t off, unsigned osz, int call)
{
	uint32_t lo, hi, err = sel & ~SEL_RPL;
	struct stk k;

	if (!cpu_pmode(c)) {
		far_real(c, sel, off, osz, call);
		return;
	}
	if (osz == 2)
		off &= 0xffff;
	if (err == 0)
		cpu_gp0(c);
	if (desc_read(c, sel, &lo, &hi))
		cpu_fault(c, EXC_GP, err);
	if (!(desc_attr(hi) & DESC_S)) {
		unsigned type = desc_attr(hi) & DESC_TYPE;
		if (type == SYS_CALLGATE16 || type == SYS_CALLGATE32) {
			far_gate(c, sel, lo, hi, call);
			return;
		}
		/* Task gates and TSS descriptors would switch tasks: not implemented. */
		cpu_fault(c, EXC_GP, err);
	}
	if (!is_code(hi))
		cpu_fault(c, EXC_GP, err);
	check_direct_code(c, sel, hi);
	check_eip(c, lo, hi, off);
	if (call) {
		stk_current(c, &k);
		stk_push(c, &k, osz, c->seg[S_CS].sel);
		stk_push(c, &k, osz, c->eip);
	}
	desc_set_accessed(c, sel, &hi);

	if (call)
		stk_commit(c, &k, 0);
	seg_load_cs_raw(c, sel, lo, hi, c->cpl);
	c->eip = off;
}

/* The m16:16/32 operand of the indirect forms: offset (operand size) then selector. */
static void read_far_ptr(struct cpu *c, const struct insn *i, uint16_t *sel, uint32_t *off)
{
	uint32_t ea;

	if (i->o[0].kind != OPK_MEM)
		cpu_ud(c);
	ea = insn_ea(c, i);
	*off = seg_read(c, i->seg, ea, i->osz);
	ea += i->osz;
	if (i->asz == 2)
		ea &= 0xffff;
	*sel = (uint16_t)seg_read(c, i->seg, ea, 2);
}

void op_jmp_far(struct cpu *c, const struct insn *i)
{
	far_transfer(c, (uint16_t)i->imm2, i->imm, i->osz, 0);
}

void op_call_far(struct cpu *c, const struct insn *i)
{
	far_transfer(c, (uint16_t)i->imm2, i->imm, i->osz, 1);
}

void op_jmp_far_ind(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint32_t off;

	read_far_ptr(c, i, &sel, &off);
	far_transfer(c, sel, off, i->osz, 0);
}

void op_call_far_ind(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint32_t off;

	read_far_ptr(c, i, &sel, &off);
	far_transfer(c, sel, off, i->osz, 1);
}

/* RETF [imm16]: pop EIP and CS; imm bytes of parameters are released from the stack returned FROM and,
 * on a return to an outer level, also from the stack returned TO (SDM vol. 2B "RET"). */
void op_retf(struct cpu *c, const struct insn *i)
{
	unsigned osz = i->osz;
	uint32_t imm = i->imm & 0xffff, eip, lo, hi, slo, shi, esp;
	uint16_t cs, ss;
	unsigned rpl;
	struct stk k, nk;

	stk_current(c, &k);
	eip = stk_peek(c, &k, 0, osz);
	cs = (uint16_t)stk_peek(c, &k, osz, osz);
	if (!cpu_pmode(c)) {
		if (eip > c->seg[S_CS].limit)
			cpu_gp0(c);
		k.esp += 2 * osz + imm;
		stk_commit(c, &k, 0);
		seg_load_real(c, S_CS, cs);
		c->eip = eip;
		return;
	}
	ret_check_cs(c, cs, &lo, &hi);
	rpl = cs & SEL_RPL;
	if (rpl == c->cpl) {
		check_eip(c, lo, hi, eip);
		desc_set_accessed(c, cs, &hi);
		k.esp += 2 * osz + imm;
		stk_commit(c, &k, 0);
		seg_load_cs_raw(c, cs, lo, hi, rpl);
		c->eip = eip;
		return;
	}
	/* Outer level: the caller's SS:ESP sit above the parameters. */
	esp = stk_peek(c, &k, 2 * osz + imm, osz);
	ss = (uint16_t)stk_peek(c, &k, 3 * osz + imm, osz);
	ret_check_ss(c, ss, rpl, &slo, &shi);
	check_eip(c, lo, hi, eip);
	desc_set_accessed(c, cs, &hi);
	desc_set_accessed(c, ss, &shi);

	desc_unpack(&nk.ss, ss, slo, shi);
	nk.esp = (osz == 2 ? (esp & 0xffff) : esp) + imm;
	seg_load_cs_raw(c, cs, lo, hi, rpl);
	stk_commit(c, &nk, 1);
	seg_null_outer(c);
	c->eip = eip;
}
