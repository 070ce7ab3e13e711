/* SPDX-License-Identifier: MIT
 *
 * alu.c — the integer ALU instructions: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT
 * (SDM vol. 2, one page each; flag definitions in vol. 1, appendix A "EFLAGS cross-reference").
 *
 * Every one of these is "read the operands, compute, write the destination, record the flags".  None of
 * them computes a flag: they record (operation, operands, result) in c->lf and let flags.c derive CF, OF,
 * AF... only if a later instruction reads them.  That is the lecture's lazy-flags idea, and it is why
 * ADC and SBB can share LF_ADD / LF_SUB with ADD and SUB (the formulas in flags.h hold whatever the
 * carry-in was).
 *
 * Operand conventions (insn.h): o[0] is the destination, o[1] the source; the operand size is o[0].size.
 * Ordering for precise faults (cpu.h): operand reads first, then the destination write (the only step
 * that can still fault for a memory destination: a read-only page, a segment limit), and only then the
 * flags, so a faulting instruction leaves no trace.  With LOCK these are ordinary read-modify-writes: the
 * machine has a single CPU, so nothing can observe the gap between the read and the write.
 *
 * Flags the SDM leaves undefined: AND/OR/XOR/TEST leave AF undefined; we clear it (LF_LOGIC), as
 * current Intel and AMD cores do.
 */
#include "flags.h"
#include "operand.h"

/* ---- two-operand arithmetic ---------------------------------------------------------------------- */

void op_add(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1), r = a + b;

	opnd_write(c, i, 0, r);
	lf_set(c, LF_ADD, size, a, b, r);
}

/* ADC: a + b + CF.  The carry-in is read before anything is written (lazy flags may depend on it). */
void op_adc(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1), r = a + b + flag_cf(c);

	opnd_write(c, i, 0, r);
	lf_set(c, LF_ADD, size, a, b, r);
}

void op_sub(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1), r = a - b;

	opnd_write(c, i, 0, r);
	lf_set(c, LF_SUB, size, a, b, r);
}

/* SBB: a - (b + CF). */
void op_sbb(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1), r = a - b - flag_cf(c);

	opnd_write(c, i, 0, r);
	lf_set(c, LF_SBB, size, a, b, r);
}

/* CMP is SUB without the write-back. */
void op_cmp(struct cpu *c, const struct insn *i)
{
	uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1);

	lf_set(c, LF_SUB, i->o[0].size, a, b, a - b);
}

/* ---- logic: CF = OF = 0, SF/ZF/PF from the result, AF cleared (undefined in the SDM) ------------ */

void op_and(struct cpu *c, const struct insn *i)
{
	uint32_t r = opnd_read(c, i, 0) & opnd_read(c, i, 1);

	opnd_write(c, i, 0, r);
	lf_set(c, LF_LOGIC, i->o[0].size, 0, 0, r);
}

void op_or(struct cpu *c, const struct insn *i)
{
	uint32_t r = opnd_read(c, i, 0) | opnd_read(c, i, 1);

	opnd_write(c, i, 0, r);
	lf_set(c, LF_LOGIC, i->o[0].size, 0, 0, r);
}

void op_xor(struct cpu *c, const struct insn *i)
{
	uint32_t r = opnd_read(c, i, 0) ^ opnd_read(c, i, 1);

	opnd_write(c, i, 0, r);
	lf_set(c, LF_LOGIC, i->o[0].size, 0, 0, r);
}

/* TEST is AND without the write-back. */
void op_test(struct cpu *c, const struct insn *i)
{
	lf_set(c, LF_LOGIC, i->o[0].size, 0, 0, opnd_read(c, i, 0) & opnd_read(c, i, 1));
}

/* ---- one-operand arithmetic ---------------------------------------------------------------------- */

/* INC and DEC set every status flag except CF, which they preserve: a loop counter can be stepped
 * between an ADD and the ADC that consumes its carry.  The lazy record keeps the old CF in lf.src. */
void op_inc(struct cpu *c, const struct insn *i)
{
	uint32_t a = opnd_read(c, i, 0), cf = flag_cf(c), r = a + 1;

	opnd_write(c, i, 0, r);
	lf_set(c, LF_INC, i->o[0].size, a, cf, r);
}

void op_dec(struct cpu *c, const struct insn *i)
{
	uint32_t a = opnd_read(c, i, 0), cf = flag_cf(c), r = a - 1;

	opnd_write(c, i, 0, r);
	lf_set(c, LF_DEC, i->o[0].size, a, cf, r);
}

/* NEG computes 0 - a, with exactly SUB's flags (CF = (a != 0), OF when a is the most negative value). */
void op_neg(struct cpu *c, const struct insn *i)
{
	uint32_t a = opnd_read(c, i, 0), r = 0u - a;

	opnd_write(c, i, 0, r);
	lf_set(c, LF_SUB, i->o[0].size, 0, a, r);
}

/* NOT affects no flags at all. */
void op_not(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, ~opnd_read(c, i, 0));
}
