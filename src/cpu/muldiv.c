/* SPDX-License-Identifier: MIT
 *
 * muldiv.c — integer multiply and divide: MUL, IMUL (one, two and three operands), DIV, IDIV
 * (SDM vol. 2A/2B, the pages of the same names).
 *
 * The one-operand forms use the accumulator implicitly (table "Operands and results" on each page):
 *     size 1:  AX      = AL  * r/m8        AL = AX / r/m8,       AH  = remainder
 *     size 2:  DX:AX   = AX  * r/m16       AX = DX:AX / r/m16,   DX  = remainder
 *     size 4:  EDX:EAX = EAX * r/m32       EAX = EDX:EAX / r/m32, EDX = remainder
 * o[0] is the r/m operand.  The two/three-operand IMUL is o[0] = o[1] * o[2], truncated.
 *
 * Flags.  The SDM defines only CF = OF = "the high half is significant" for multiplies and nothing for
 * divides.  revisor's deterministic choice for the undefined ones (recorded so that replay and the
 * translator agree with the interpreter):
 *   - MUL/IMUL: SF, ZF, PF from the low half of the result (the value written to AL/AX/EAX or the
 *     destination), AF = 0.
 *   - DIV/IDIV: all status flags unchanged.
 *
 * Divide errors: a zero divisor, or a quotient that does not fit the destination, raises #DE (vector 0)
 * before any register changes (SDM vol. 3A, 6.15 "Interrupt 0").  Remainders take the sign of the
 * dividend (truncating division), which is also what C's / and % do.
 */
#include "flags.h"
#include "operand.h"

/* Sign-extend the low `size` bytes of v. */
static inline int32_t sext(uint32_t v, unsigned size)
{
	return size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
}

/* Flags of a multiply: CF = OF = ovf; SF/ZF/PF from the low half lo; AF = 0 (our choice, see above). */
static void mul_flags(struct cpu *c, unsigned size, uint32_t lo, int ovf)
{
	uint32_t f = parity8(lo);

	lo &= size_mask(size);
	if (lo == 0)
		f |= FL_ZF;
	if (lo & sign_bit(size))
		f |= FL_SF;
	if (ovf)
		f |= FL_CF | FL_OF;
	flags_update(c, FL_ARITH, f);
}

/* ---- multiply ----------------------------------------------------------------------------------- */

/* MUL: unsigned; CF = OF = 1 when the upper half (AH, DX, EDX) is non-zero. */
void op_mul(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t src = opnd_read(c, i, 0);
	uint64_t p;

	switch (size) {
	case 1:
		p = (c->r[R_EAX] & 0xff) * src;
		reg_set(c, R_EAX, 2, (uint32_t)p);
		mul_flags(c, 1, (uint32_t)p, p > 0xff);
		break;
	case 2:
		p = (c->r[R_EAX] & 0xffff) * src;
		reg_set(c, R_EAX, 2, (uint32_t)p);
		reg_set(c, R_EDX, 2, (uint32_t)(p >> 16));
		mul_flags(c, 2, (uint32_t)p, p > 0xffff);
		break;
	default:
		p = (uint64_t)c->r[R_EAX] * src;
		c->r[R_EAX] = (uint32_t)p;
		c->r[R_EDX] = (uint32_t)(p >> 32);
		mul_flags(c, 4, (uint32_t)p, p > 0xffffffffu);
		break;
	}
}

/* IMUL, one operand: signed; CF = OF = 1 when the product does not equal the sign extension of its
 * low half, i.e. the upper half carries information. */
void op_imul1(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	int64_t p = (int64_t)sext(c->r[R_EAX], size) * sext(opnd_read(c, i, 0), size);

	switch (size) {
	case 1:
		reg_set(c, R_EAX, 2, (uint32_t)p);
		break;
	case 2:
		reg_set(c, R_EAX, 2, (uint32_t)p);
		reg_set(c, R_EDX, 2, (uint32_t)(p >> 16));
		break;
	default:
		c->r[R_EAX] = (uint32_t)p;
		c->r[R_EDX] = (uint32_t)((uint64_t)p >> 32);
		break;
	}
	mul_flags(c, size, (uint32_t)p, p != sext((uint32_t)p, size));
}

/* IMUL, two or three operands: o[0] = o[1] * o[2] truncated to the operand size (2 or 4); CF = OF = 1
 * when the truncation lost significant bits. */
void op_imul(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	int64_t p = (int64_t)sext(opnd_read(c, i, 1), size) * sext(opnd_read(c, i, 2), size);

	opnd_write(c, i, 0, (uint32_t)p);
	mul_flags(c, size, (uint32_t)p, p != sext((uint32_t)p, size));
}

/* ---- divide ------------------------------------------------------------------------------------- */

/* DIV: unsigned.  Everything is checked before the first register write. */
void op_div(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t d = opnd_read(c, i, 0);
	uint64_t n, q;

	if (d == 0)
		cpu_fault_noerr(c, EXC_DE);
	switch (size) {
	case 1:
		n = c->r[R_EAX] & 0xffff;
		break;
	case 2:
		n = ((c->r[R_EDX] & 0xffff) << 16) | (c->r[R_EAX] & 0xffff);
		break;
	default:
		n = ((uint64_t)c->r[R_EDX] << 32) | c->r[R_EAX];
		break;
	}
	q = n / d;
	if (q > size_mask(size))
		cpu_fault_noerr(c, EXC_DE);
	if (size == 1) {
		reg_set(c, R_EAX, 2, (uint32_t)((n % d) << 8 | q));
	} else {
		reg_set(c, R_EAX, size, (uint32_t)q);
		reg_set(c, R_EDX, size, (uint32_t)(n % d));
	}
}

/* IDIV: signed, quotient truncated toward zero.  The quotient must lie in [-2^(n-1), 2^(n-1) - 1]; the
 * classic overflow is the most negative dividend divided by -1. */
void op_idiv(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	int64_t d = sext(opnd_read(c, i, 0), size), n, q, r;
	int64_t qmax = (int64_t)(sign_bit(size) - 1), qmin = -qmax - 1;

	if (d == 0)
		cpu_fault_noerr(c, EXC_DE);
	switch (size) {
	case 1:
		n = (int16_t)c->r[R_EAX];
		break;
	case 2:
		n = (int32_t)(((c->r[R_EDX] & 0xffff) << 16) | (c->r[R_EAX] & 0xffff));
		break;
	default:
		n = (int64_t)(((uint64_t)c->r[R_EDX] << 32) | c->r[R_EAX]);
		break;
	}
	/* INT64_MIN / -1 would overflow in C itself; its true quotient 2^63 is out of range anyway. */
	if (d == -1 && n == INT64_MIN)
		cpu_fault_noerr(c, EXC_DE);
	q = n / d;
	r = n % d;
	if (q > qmax || q < qmin)
		cpu_fault_noerr(c, EXC_DE);
	if (size == 1) {
		reg_set(c, R_EAX, 2, (((uint32_t)r & 0xff) << 8) | ((uint32_t)q & 0xff));
	} else {
		reg_set(c, R_EAX, size, (uint32_t)q);
		reg_set(c, R_EDX, size, (uint32_t)r);
	}
}
