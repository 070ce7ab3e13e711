/* SPDX-License-Identifier: MIT
 *
 * operand.h — reading and writing a decoded instruction's operands.  Handlers are written once against
 * these accessors, whatever the operand form (register, memory, immediate), so "add r/m32, r32",
 * "add r32, r/m32" and "add r/m32, imm8" share op_add.
 *
 * The effective address is branch-free: a missing base or index names R_ZERO, whose value is always 0
 * (the lecture's "resolve memory references without misprediction").  16-bit addressing is the same sum
 * truncated to 16 bits (SDM vol. 2A, table 2-1).
 */
#ifndef REVISOR_OPERAND_H
#define REVISOR_OPERAND_H

#include "cpu.h"
#include "insn.h"
#include "mem.h"

static inline uint32_t insn_ea(const struct cpu *c, const struct insn *i)
{
	uint32_t ea = c->r[i->base] + (c->r[i->index] << i->scale) + i->disp;
	return i->asz == 2 ? (ea & 0xffff) : ea;
}

/* The target of a relative branch: next EIP plus the displacement, truncated to the operand size. */
static inline uint32_t insn_rel_target(const struct cpu *c, const struct insn *i)
{
	uint32_t t = c->eip + i->imm;
	return i->osz == 2 ? (t & 0xffff) : t;
}

static inline uint32_t opnd_read(struct cpu *c, const struct insn *i, int k)
{
	const struct opnd *o = &i->o[k];

	switch (o->kind) {
	case OPK_REG:
		return reg_get(c, o->reg, o->size);
	case OPK_MEM:
		return seg_read(c, i->seg, insn_ea(c, i), o->size);
	case OPK_IMM:
		return i->imm & size_mask(o->size);
	case OPK_SREG:
		return c->seg[o->reg].sel;
	default:
		return 0;
	}
}

static inline void opnd_write(struct cpu *c, const struct insn *i, int k, uint32_t v)
{
	const struct opnd *o = &i->o[k];

	if (o->kind == OPK_REG)
		reg_set(c, o->reg, o->size, v);
	else if (o->kind == OPK_MEM)
		seg_write(c, i->seg, insn_ea(c, i), o->size, v);
}

/* For read-modify-write instructions: make sure the destination can be written before anything is
 * committed (a no-op for registers). */
static inline void opnd_probe_write(struct cpu *c, const struct insn *i, int k)
{
	if (i->o[k].kind == OPK_MEM)
		seg_probe_write(c, i->seg, insn_ea(c, i), i->o[k].size);
}

#endif
