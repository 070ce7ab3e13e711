/* SPDX-License-Identifier: MIT
 *
 * bcd.c — decimal (BCD) arithmetic adjustments: DAA DAS (packed BCD), AAA AAS AAM AAD (unpacked BCD)
 * (SDM vol. 2A, one page each; the "Operation" pseudocode there is followed line by line).
 *
 * These fix up AL (and AH) after an ordinary binary ADD/SUB/MUL, or before a DIV, so that the result is
 * again a valid BCD number.  They are rare in modern code but BIOSes use them (e.g. to print the RTC's
 * BCD time), so they must be right.  All operate on AL/AH implicitly; AAM/AAD take their base (10 in
 * the documented encodings D4 0A / D5 0A) from imm8.
 *
 * Undefined flags, revisor's choice:
 *   DAA, DAS:      OF = 0.
 *   AAA, AAS:      SF ZF PF from the final AL, OF = 0.
 *   AAM, AAD:      OF = AF = CF = 0.
 * AAM with a base of 0 raises #DE (it divides by the base).
 */
#include "flags.h"
#include "operand.h"

/* ZF, SF and PF of a byte. */
static inline uint32_t szp8(uint32_t v)
{
	v &= 0xff;
	return parity8(v) | (v == 0 ? FL_ZF : 0) | (v & 0x80 ? FL_SF : 0);
}

static inline uint32_t get_al(const struct cpu *c) { return c->r[R_EAX] & 0xff; }
static inline uint32_t get_ah(const struct cpu *c) { return (c->r[R_EAX] >> 8) & 0xff; }

/* DAA: after adding two packed BCD bytes, adjust each nibble that went past 9 (or carried). */
void op_daa(struct cpu *c, const struct insn *i)
{
	uint32_t f = flags_arith(c), old_al = get_al(c), al = old_al, nf = 0;

	if ((al & 0xf) > 9 || (f & FL_AF)) {
		al += 6;
		nf |= FL_AF;
	}
	if (old_al > 0x99 || (f & FL_CF)) {
		al += 0x60;
		nf |= FL_CF;
	}
	reg8_set(c, 0, al);
	flags_update(c, FL_ARITH, nf | szp8(al));
}

/* DAS: the same after a subtraction. */
void op_das(struct cpu *c, const struct insn *i)
{
	uint32_t f = flags_arith(c), old_al = get_al(c), al = old_al, nf = 0;

	if ((al & 0xf) > 9 || (f & FL_AF)) {
		/* CF <- old CF or the borrow of AL - 6. */
		if (al < 6 || (f & FL_CF))
			nf |= FL_CF;
		al -= 6;
		nf |= FL_AF;
	}
	if (old_al > 0x99 || (f & FL_CF)) {
		al -= 0x60;
		nf |= FL_CF;
	}
	reg8_set(c, 0, al);
	flags_update(c, FL_ARITH, nf | szp8(al));
}

/* AAA: after adding two unpacked BCD digits: AX += 0x106 when the low digit overflowed, then AL keeps
 * only its low nibble.  (The current SDM adds 106H to AX as a whole, so a carry out of AL also reaches
 * AH; the 8086 added to AL and AH separately.) */
void op_aaa(struct cpu *c, const struct insn *i)
{
	uint32_t f = flags_arith(c), ax = c->r[R_EAX] & 0xffff, nf = 0;

	if ((ax & 0xf) > 9 || (f & FL_AF)) {
		ax += 0x106;
		nf = FL_AF | FL_CF;
	}
	ax = (ax & 0xff00) | (ax & 0x0f);
	reg_set(c, R_EAX, 2, ax);
	flags_update(c, FL_ARITH, nf | szp8(ax));
}

/* AAS: after subtracting unpacked BCD digits: AX -= 6 and AH -= 1 when the low digit borrowed. */
void op_aas(struct cpu *c, const struct insn *i)
{
	uint32_t f = flags_arith(c), ax = c->r[R_EAX] & 0xffff, nf = 0;

	if ((ax & 0xf) > 9 || (f & FL_AF)) {
		ax = ax - 6 - 0x100;
		nf = FL_AF | FL_CF;
	}
	ax = (ax & 0xff00) | (ax & 0x0f);
	reg_set(c, R_EAX, 2, ax);
	flags_update(c, FL_ARITH, nf | szp8(ax));
}

/* AAM: split AL into two digits of base imm8: AH = AL / base, AL = AL mod base. */
void op_aam(struct cpu *c, const struct insn *i)
{
	uint32_t base = i->imm & 0xff, al = get_al(c);

	if (base == 0)
		cpu_fault_noerr(c, EXC_DE);
	reg_set(c, R_EAX, 2, ((al / base) << 8) | (al % base));
	flags_update(c, FL_ARITH, szp8(al % base));
}

/* AAD: join two digits of base imm8 before a DIV: AL = AL + AH * base, AH = 0. */
void op_aad(struct cpu *c, const struct insn *i)
{
	uint32_t al = (get_al(c) + get_ah(c) * (i->imm & 0xff)) & 0xff;

	reg_set(c, R_EAX, 2, al);
	flags_update(c, FL_ARITH, szp8(al));
}
