/* SPDX-License-Identifier: MIT
 *
 * fastpath.c — split handlers (the lecture's Bochs optimization "decide the handler at decode time"):
 * specialized versions of the hottest operations for their commonest operand forms.  Each one computes
 * exactly what the generic handler in alu.c / datamov.c / branch.c computes — the generic handler stays
 * the definition, and tests/unit/test_fastpath.c runs both on the same inputs and compares — but
 * reads its operands directly instead of through opnd_read()'s switch on the operand kind.
 * Memory forms and 8/16-bit forms keep the generic handlers.
 */
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/operand.h"
#include "cpu/fastpath.h"

#define R0 (i->o[0].reg)
#define R1 (i->o[1].reg)

/* reg32 op= reg32 / imm32 */
static void add_rr(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], b = c->r[R1]; c->r[R0] = a + b; lf_set(c, LF_ADD, 4, a, b, a + b); }
static void add_ri(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], b = i->imm; c->r[R0] = a + b; lf_set(c, LF_ADD, 4, a, b, a + b); }
static void sub_rr(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], b = c->r[R1]; c->r[R0] = a - b; lf_set(c, LF_SUB, 4, a, b, a - b); }
static void sub_ri(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], b = i->imm; c->r[R0] = a - b; lf_set(c, LF_SUB, 4, a, b, a - b); }
static void cmp_rr(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], b = c->r[R1]; lf_set(c, LF_SUB, 4, a, b, a - b); }
static void cmp_ri(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], b = i->imm; lf_set(c, LF_SUB, 4, a, b, a - b); }
static void and_rr(struct cpu *c, const struct insn *i) { uint32_t r = c->r[R0] & c->r[R1]; c->r[R0] = r; lf_set(c, LF_LOGIC, 4, 0, 0, r); }
static void and_ri(struct cpu *c, const struct insn *i) { uint32_t r = c->r[R0] & i->imm; c->r[R0] = r; lf_set(c, LF_LOGIC, 4, 0, 0, r); }
static void or_rr(struct cpu *c, const struct insn *i) { uint32_t r = c->r[R0] | c->r[R1]; c->r[R0] = r; lf_set(c, LF_LOGIC, 4, 0, 0, r); }
static void or_ri(struct cpu *c, const struct insn *i) { uint32_t r = c->r[R0] | i->imm; c->r[R0] = r; lf_set(c, LF_LOGIC, 4, 0, 0, r); }
static void xor_rr(struct cpu *c, const struct insn *i) { uint32_t r = c->r[R0] ^ c->r[R1]; c->r[R0] = r; lf_set(c, LF_LOGIC, 4, 0, 0, r); }
static void xor_ri(struct cpu *c, const struct insn *i) { uint32_t r = c->r[R0] ^ i->imm; c->r[R0] = r; lf_set(c, LF_LOGIC, 4, 0, 0, r); }
static void test_rr(struct cpu *c, const struct insn *i) { lf_set(c, LF_LOGIC, 4, 0, 0, c->r[R0] & c->r[R1]); }
static void test_ri(struct cpu *c, const struct insn *i) { lf_set(c, LF_LOGIC, 4, 0, 0, c->r[R0] & i->imm); }
static void mov_rr(struct cpu *c, const struct insn *i) { c->r[R0] = c->r[R1]; }
static void mov_ri(struct cpu *c, const struct insn *i) { c->r[R0] = i->imm; }
static void mov_rm(struct cpu *c, const struct insn *i) { c->r[R0] = seg_read(c, i->seg, insn_ea(c, i), 4); }
static void mov_mr(struct cpu *c, const struct insn *i) { seg_write(c, i->seg, insn_ea(c, i), 4, c->r[R1]); }
static void lea_r(struct cpu *c, const struct insn *i) { c->r[R0] = insn_ea(c, i); }
/* INC/DEC keep CF: record it as the lazy "src" (flags.h). */
static void inc_r(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], cf = flag_cf(c); c->r[R0] = a + 1; lf_set(c, LF_INC, 4, a, cf, a + 1); }
static void dec_r(struct cpu *c, const struct insn *i) { uint32_t a = c->r[R0], cf = flag_cf(c); c->r[R0] = a - 1; lf_set(c, LF_DEC, 4, a, cf, a - 1); }
/* Jcc rel32 in 32-bit code: the CS limit is checked like the generic handler does. */
static void jcc32(struct cpu *c, const struct insn *i)
{
	if (cpu_cond(c, i->cc)) {
		uint32_t t = c->eip + i->imm;
		if (t > c->seg[S_CS].limit)
			cpu_gp0(c);
		c->eip = t;
	}
}

static int reg32(const struct opnd *o) { return o->kind == OPK_REG && o->size == 4; }
static int imm32(const struct opnd *o) { return o->kind == OPK_IMM && o->size == 4; }
static int mem32(const struct opnd *o) { return o->kind == OPK_MEM && o->size == 4; }

void specialize(struct insn *i)
{
	static const struct { uint16_t op; exec_fn rr, ri; } alu[] = {
		{ OP_ADD, add_rr, add_ri }, { OP_SUB, sub_rr, sub_ri }, { OP_CMP, cmp_rr, cmp_ri },
		{ OP_AND, and_rr, and_ri }, { OP_OR, or_rr, or_ri },     { OP_XOR, xor_rr, xor_ri },
		{ OP_TEST, test_rr, test_ri }, { OP_MOV, mov_rr, mov_ri },
	};

	if (i->exec != op_table[i->op].exec || (i->pfx & PFX_LOCK))
		return;   /* invalid forms keep their #UD handler */
	for (unsigned k = 0; k < sizeof alu / sizeof alu[0]; k++) {
		if (i->op != alu[k].op || !reg32(&i->o[0]))
			continue;
		if (reg32(&i->o[1])) {
			i->exec = alu[k].rr;
			return;
		}
		if (imm32(&i->o[1])) {
			i->exec = alu[k].ri;
			return;
		}
		break;   /* a memory form: MOV has its own below */
	}
	switch (i->op) {
	case OP_MOV:
		if (reg32(&i->o[0]) && mem32(&i->o[1]))
			i->exec = mov_rm;
		else if (mem32(&i->o[0]) && reg32(&i->o[1]))
			i->exec = mov_mr;
		break;
	case OP_LEA:
		if (reg32(&i->o[0]) && i->asz == 4)
			i->exec = lea_r;
		break;
	case OP_INC:
		if (reg32(&i->o[0]))
			i->exec = inc_r;
		break;
	case OP_DEC:
		if (reg32(&i->o[0]))
			i->exec = dec_r;
		break;
	case OP_JCC:
		if (i->osz == 4)
			i->exec = jcc32;
		break;
	}
}
