/* SPDX-License-Identifier: MIT
 *
 * branch.c — near control flow inside the current code segment: JMP, Jcc, CALL, indirect JMP/CALL,
 * RET [imm16], LOOP/LOOPE/LOOPNE and JCXZ/JECXZ (SDM vol. 2, one entry each).  Far transfers, which
 * change CS, are in far.c.
 *
 * Every taken branch checks its target against the CS limit and raises #GP(0) BEFORE anything changes
 * (no push, no ECX decrement): the fault is reported at the branch itself, not at the target.  The
 * check applies in real mode too, where the limit is normally 0xffff.  With a 16-bit operand size the
 * target is truncated to 16 bits (insn_rel_target does it for relative branches).
 *
 * These are the instructions that end a basic block; the translator reads their class (CF_*) from the
 * catalog and calls these handlers for the blocks it does not translate itself.
 */
#include "cpu.h"
#include "flags.h"
#include "insn.h"
#include "mem.h"
#include "operand.h"

/* Validate a near branch target; returns it for convenience. */
static uint32_t check_target(struct cpu *c, uint32_t t)
{
	if (t > c->seg[S_CS].limit)
		cpu_gp0(c);
	return t;
}

/* The register counting LOOP/JCXZ iterations: CX or ECX by ADDRESS size (not operand size). */
static uint32_t count_get(const struct cpu *c, const struct insn *i)
{
	return i->asz == 4 ? c->r[R_ECX] : (c->r[R_ECX] & 0xffff);
}

static void count_set(struct cpu *c, const struct insn *i, uint32_t v)
{
	reg_set(c, R_ECX, i->asz == 4 ? 4 : 2, v);
}

void op_jmp(struct cpu *c, const struct insn *i)
{
	c->eip = check_target(c, insn_rel_target(c, i));
}

void op_jcc(struct cpu *c, const struct insn *i)
{
	if (cpu_cond(c, i->cc))
		c->eip = check_target(c, insn_rel_target(c, i));
}

/* CALL rel: check the target, push the return address (the next instruction), jump. */
void op_call(struct cpu *c, const struct insn *i)
{
	uint32_t t = check_target(c, insn_rel_target(c, i));

	cpu_push(c, i->osz, c->eip);
	c->eip = t;
}

/* JMP r/m: the operand is an absolute offset of the operand size (zero-extended when 16-bit). */
void op_jmp_ind(struct cpu *c, const struct insn *i)
{
	c->eip = check_target(c, opnd_read(c, i, 0) & size_mask(i->osz));
}

/* CALL r/m: the operand is read before the push, so "call [esp]" and "call esp" use the old ESP. */
void op_call_ind(struct cpu *c, const struct insn *i)
{
	uint32_t t = check_target(c, opnd_read(c, i, 0) & size_mask(i->osz));

	cpu_push(c, i->osz, c->eip);
	c->eip = t;
}

/* RET [imm16]: pop the return address (operand size), check it, then release imm16 bytes of
 * parameters with the stack-address size.  A #GP on the target leaves ESP to the run loop. */
void op_ret(struct cpu *c, const struct insn *i)
{
	uint32_t t = cpu_pop(c, i->osz) & size_mask(i->osz);
	uint32_t release = i->imm & 0xffff;

	check_target(c, t);
	if (release) {
		if (cpu_stack32(c))
			c->r[R_ESP] += release;
		else
			c->r[R_ESP] = (c->r[R_ESP] & 0xffff0000u) | ((c->r[R_ESP] + release) & 0xffff);
	}
	c->eip = t;
}

/* LOOP, LOOPE, LOOPNE: decrement the count (no flags change), branch if it is not zero and, for the
 * conditional forms, if ZF matches.  The SDM decrements before testing the target, but a fault must
 * leave the registers as before the instruction, so the new count is committed after the check. */
static void loop_common(struct cpu *c, const struct insn *i, int zf_needed)
{
	uint32_t n = (count_get(c, i) - 1) & size_mask(i->asz);
	int taken = n != 0;

	if (taken && zf_needed >= 0)
		taken = cpu_cond(c, 4) == zf_needed;   /* condition 4 = E: ZF set */
	if (taken)
		c->eip = check_target(c, insn_rel_target(c, i));
	count_set(c, i, n);
}

void op_loop(struct cpu *c, const struct insn *i)
{
	loop_common(c, i, -1);
}

void op_loope(struct cpu *c, const struct insn *i)
{
	loop_common(c, i, 1);
}

void op_loopne(struct cpu *c, const struct insn *i)
{
	loop_common(c, i, 0);
}

/* JCXZ / JECXZ (by address size): branch if the count register is zero; it is not changed. */
void op_jcxz(struct cpu *c, const struct insn *i)
{
	if (count_get(c, i) == 0)
		c->eip = check_target(c, insn_rel_target(c, i));
}
