/* SPDX-License-Identifier: MIT
 *
 * flags.c — materializing lazy flags (see flags.h for the idea and the formulas) and evaluating the
 * sixteen condition codes of Jcc/SETcc/CMOVcc (SDM vol. 1, appendix B "EFLAGS condition codes").
 */
#include "flags.h"

uint32_t flags_arith(const struct cpu *c)
{
	const struct lazyflags *lf = &c->lf;
	uint32_t a = lf->dst, b = lf->src, r = lf->res, top, f = 0;

	if (lf->op == LF_NONE)
		return c->eflags & FL_ARITH;
	top = sign_bit(lf->size);
	switch (lf->op) {
	case LF_NONE:
		break;
	case LF_ADD:
		if (((a & b) | ((a | b) & ~r)) & top)
			f |= FL_CF;
		if ((a ^ r) & (b ^ r) & top)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case LF_SUB:
	case LF_SBB:
		if (((~a & b) | ((~a | b) & r)) & top)
			f |= FL_CF;
		if ((a ^ b) & (a ^ r) & top)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case LF_LOGIC:
		break;
	case LF_INC:
		f |= b & FL_CF;
		if (r == top)
			f |= FL_OF;
		f |= (a ^ 1 ^ r) & FL_AF;
		break;
	case LF_DEC:
		f |= b & FL_CF;
		if (a == top)
			f |= FL_OF;
		f |= (a ^ 1 ^ r) & FL_AF;
		break;
	}
	if (r == 0)
		f |= FL_ZF;
	if (r & top)
		f |= FL_SF;
	f |= parity8(r);
	return f;
}

uint32_t flag_cf(const struct cpu *c)
{
	const struct lazyflags *lf = &c->lf;
	uint32_t a = lf->dst, b = lf->src, r = lf->res, top;

	if (lf->op == LF_NONE)
		return c->eflags & FL_CF;
	top = sign_bit(lf->size);
	switch (lf->op) {
	case LF_ADD:
		return (((a & b) | ((a | b) & ~r)) & top) ? 1 : 0;
	case LF_SUB:
	case LF_SBB:
		return (((~a & b) | ((~a | b) & r)) & top) ? 1 : 0;
	case LF_LOGIC:
		return 0;
	case LF_INC:
	case LF_DEC:
		return b & FL_CF;
	default:
		return c->eflags & FL_CF;
	}
}

void flags_update(struct cpu *c, uint32_t mask, uint32_t val)
{
	uint32_t f = flags_arith(c);

	c->eflags = (c->eflags & ~FL_ARITH) | (((f & ~mask) | (val & mask)) & FL_ARITH);
	c->lf.op = LF_NONE;
}

uint32_t cpu_get_eflags(struct cpu *c)
{
	return (c->eflags & ~FL_ARITH) | flags_arith(c) | FL_1;
}

void cpu_set_eflags(struct cpu *c, uint32_t v)
{
	c->eflags = v | FL_1;
	c->lf.op = LF_NONE;
}

int cpu_cond_slow(const struct cpu *c, unsigned cc)
{
	uint32_t f;
	int r;

	/* Fast paths that need no full materialization.  After CMP/SUB (a - b) every condition is a plain
	 * comparison of the operands (SDM vol. 1, table B-1 "Condition codes" read as comparisons); after
	 * a logical operation CF = OF = 0. */
	if (c->lf.op == LF_SUB) {
		uint32_t a = c->lf.dst, b = c->lf.src;
		int32_t sa = (int32_t)a, sb = (int32_t)b;
		if (c->lf.size != 4) {   /* compare the operand-size values, sign-extended for L/LE */
			unsigned sh = 32 - 8 * c->lf.size;
			a &= size_mask(c->lf.size);
			b &= size_mask(c->lf.size);
			sa = (int32_t)(a << sh);
			sb = (int32_t)(b << sh);
		}
		switch (cc >> 1) {
		case 1: return (a < b) ^ (int)(cc & 1);                     /* B: unsigned below */
		case 2: return (c->lf.res == 0) ^ (int)(cc & 1);            /* E */
		case 3: return (a <= b) ^ (int)(cc & 1);                    /* BE */
		case 6: return (sa < sb) ^ (int)(cc & 1);                   /* L: signed less */
		case 7: return (sa <= sb) ^ (int)(cc & 1);                  /* LE */
		default: break;
		}
	} else if (c->lf.op == LF_LOGIC) {
		int zf = c->lf.res == 0, sf = (c->lf.res & sign_bit(c->lf.size)) != 0;
		switch (cc >> 1) {
		case 0: return (int)(cc & 1);                               /* O: never */
		case 1: return (int)(cc & 1);                               /* B: never */
		case 2: return zf ^ (int)(cc & 1);
		case 3: return zf ^ (int)(cc & 1);                          /* BE = ZF when CF = 0 */
		case 4: return sf ^ (int)(cc & 1);
		case 6: return sf ^ (int)(cc & 1);                          /* L = SF != OF = SF */
		case 7: return (zf | sf) ^ (int)(cc & 1);
		default: break;
		}
	} else if (c->lf.op != LF_NONE) {
		switch (cc >> 1) {
		case 1: /* B / AE */
			return (int)flag_cf(c) ^ (int)(cc & 1);
		case 2: /* E / NE */
			return (c->lf.res == 0) ^ (int)(cc & 1);
		case 4: /* S / NS */
			return ((c->lf.res & sign_bit(c->lf.size)) != 0) ^ (int)(cc & 1);
		default:
			break;
		}
	}
	f = flags_arith(c);
	switch (cc >> 1) {
	case 0: r = (f & FL_OF) != 0; break;                              /* O */
	case 1: r = (f & FL_CF) != 0; break;                              /* B */
	case 2: r = (f & FL_ZF) != 0; break;                              /* E */
	case 3: r = (f & (FL_CF | FL_ZF)) != 0; break;                    /* BE */
	case 4: r = (f & FL_SF) != 0; break;                              /* S */
	case 5: r = (f & FL_PF) != 0; break;                              /* P */
	case 6: r = !(f & FL_SF) != !(f & FL_OF); break;                  /* L */
	default: r = (f & FL_ZF) || (!(f & FL_SF) != !(f & FL_OF)); break; /* LE */
	}
	return r ^ (int)(cc & 1);
}
