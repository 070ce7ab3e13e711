/* SPDX-License-Identifier: MIT
 *
 * shift.c — shifts and rotates: ROL ROR RCL RCR SHL(SAL) SHR SAR, and the double shifts SHLD SHRD
 * (SDM vol. 2B, "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
 *
 * Operands: o[0] is the value shifted, o[1] the count (CL, the constant 1, or imm8); for SHLD/SHRD o[0]
 * is the destination, o[1] the register whose bits are shifted in, o[2] the count.
 *
 * The count is masked to 5 bits (the 80286 introduced the mask to bound the instruction's time).  A
 * masked count of 0 is a true no-op: no write, no flag changes.  Rotates then reduce the count modulo
 * the width of what rotates: 8/16/32 bits for ROL/ROR, 9/17/33 bits (the operand plus CF) for RCL/RCR.
 *
 * Flags the SDM defines (for a non-zero masked count):
 *   SHL/SHR/SAR: CF = last bit shifted out; SF ZF PF from the result; OF only for a count of 1
 *                (SHL: MSB(result) ^ CF; SHR: MSB(original); SAR: 0).  For SHL/SHR with a count >= the
 *                operand width CF is undefined.
 *   ROL/ROR/RCL/RCR: only CF and OF; OF only for a count of 1 (ROL/RCL: MSB(result) ^ CF;
 *                ROR/RCR: the XOR of the two most significant result bits).  SF ZF PF AF unchanged.
 *   SHLD/SHRD:   CF = last bit shifted out of the destination; SF ZF PF from the result; OF for a
 *                count of 1 = the sign changed.  A count greater than the operand size leaves result
 *                and flags undefined (possible only for 16-bit operands).
 * revisor's deterministic choices for the undefined cases:
 *   - OF for counts > 1 uses the count-1 formula (SHL: MSB(r)^CF, SHR: MSB(orig), SAR: 0, rotates:
 *     as above, SHLD/SHRD: sign changed).
 *   - AF = 0 after every shift with a non-zero count (rotates leave AF alone, as the SDM says).
 *   - CF for SHL/SHR by >= the width is computed as if the operand were 64 bits wide, so it is the bit
 *     that the count names, or 0 beyond it.
 *   - 16-bit SHLD/SHRD by 17..31 shift the 48-bit value dest:src:dest.  Real processors disagree here
 *     (an AMD EPYC repeats the source instead: dest:src:src), so the host test does not compare them.
 */
#include "flags.h"
#include "operand.h"

/* ZF, SF and PF of a result of the given size. */
static inline uint32_t szp(uint32_t r, unsigned size)
{
	uint32_t f = parity8(r);

	r &= size_mask(size);
	if (r == 0)
		f |= FL_ZF;
	if (r & sign_bit(size))
		f |= FL_SF;
	return f;
}

/* Store all six status flags at once (no need to materialize the lazy ones first). */
static inline void set_status(struct cpu *c, uint32_t f)
{
	c->eflags = (c->eflags & ~FL_ARITH) | f;
	c->lf.op = LF_NONE;
}

/* ---- shifts --------------------------------------------------------------------------------------- */

void op_shl(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, n = opnd_read(c, i, 1) & 31;
	uint32_t a, r, cf;
	uint64_t w;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	w = (uint64_t)a << n;                  /* 64 bits wide: the last bit out sits just above the top */
	r = (uint32_t)w & size_mask(size);
	cf = (uint32_t)(w >> (size * 8)) & 1;
	opnd_write(c, i, 0, r);
	set_status(c, szp(r, size) | cf | ((!!(r & sign_bit(size)) ^ cf) ? FL_OF : 0));
}

void op_shr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, n = opnd_read(c, i, 1) & 31;
	uint32_t a, r, cf;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	r = a >> n;
	cf = (a >> (n - 1)) & 1;
	opnd_write(c, i, 0, r);
	set_status(c, szp(r, size) | cf | ((a & sign_bit(size)) ? FL_OF : 0));
}

void op_sar(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, n = opnd_read(c, i, 1) & 31;
	uint32_t a, r, cf;
	int32_t s;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	s = size == 1 ? (int8_t)a : size == 2 ? (int16_t)a : (int32_t)a;
	/* Arithmetic right shift of a negative value: GCC defines >> on signed types as sign-filling. */
	r = (uint32_t)(s >> n) & size_mask(size);
	cf = (uint32_t)(s >> (n - 1)) & 1;
	opnd_write(c, i, 0, r);
	set_status(c, szp(r, size) | cf);
}

/* ---- rotates -------------------------------------------------------------------------------------- */

/* Update only CF and OF, keeping SF ZF PF AF (which may still be lazy). */
static inline void set_cf_of(struct cpu *c, uint32_t cf, uint32_t of)
{
	flags_update(c, FL_CF | FL_OF, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}

void op_rol(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, bits = size * 8, n = opnd_read(c, i, 1) & 31, k;
	uint32_t a, r;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	k = n & (bits - 1);
	r = k ? ((a << k) | (a >> (bits - k))) & size_mask(size) : a;
	opnd_write(c, i, 0, r);
	/* CF is the bit that wrapped around into bit 0, even when k == 0 (e.g. an 8-bit rotate by 8). */
	set_cf_of(c, r & 1, !!(r & sign_bit(size)) ^ (r & 1));
}

void op_ror(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, bits = size * 8, n = opnd_read(c, i, 1) & 31, k;
	uint32_t a, r, top = sign_bit(size);

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	k = n & (bits - 1);
	r = k ? ((a >> k) | (a << (bits - k))) & size_mask(size) : a;
	opnd_write(c, i, 0, r);
	set_cf_of(c, r & top, !!(r & top) ^ !!(r & (top >> 1)));
}

/* RCL/RCR rotate the (bits + 1)-bit value CF:operand.  Done in 64 bits, with w = bits + 1 <= 33. */
void op_rcl(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, bits = size * 8, w = bits + 1, n = opnd_read(c, i, 1) & 31, k;
	uint32_t a, r, cf;
	uint64_t v;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	k = n % w;                             /* mod 9 / 17; for 32 bits n < 33 already */
	cf = flag_cf(c);
	v = ((uint64_t)cf << bits) | a;
	if (k)
		v = ((v << k) | (v >> (w - k))) & ((1ull << w) - 1);
	r = (uint32_t)v & size_mask(size);
	cf = (uint32_t)(v >> bits) & 1;
	opnd_write(c, i, 0, r);
	set_cf_of(c, cf, !!(r & sign_bit(size)) ^ cf);
}

void op_rcr(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, bits = size * 8, w = bits + 1, n = opnd_read(c, i, 1) & 31, k;
	uint32_t a, r, cf, top = sign_bit(size);
	uint64_t v;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	k = n % w;
	cf = flag_cf(c);
	v = ((uint64_t)cf << bits) | a;
	if (k)
		v = ((v >> k) | (v << (w - k))) & ((1ull << w) - 1);
	r = (uint32_t)v & size_mask(size);
	cf = (uint32_t)(v >> bits) & 1;
	opnd_write(c, i, 0, r);
	set_cf_of(c, cf, !!(r & top) ^ !!(r & (top >> 1)));
}

/* ---- double shifts -------------------------------------------------------------------------------- */

/* The bits being shifted, as one 64-bit value: for 32 bits dest:src (SHLD) or src:dest (SHRD); for 16
 * bits dest:src:dest in both cases, so that counts 17..31 have a deterministic outcome. */

void op_shld(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, n = opnd_read(c, i, 2) & 31, width;
	uint32_t a, b, r, cf;
	uint64_t v;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	b = opnd_read(c, i, 1);
	if (size == 4) {
		v = ((uint64_t)a << 32) | b;
		width = 64;
	} else {
		v = ((uint64_t)a << 32) | (b << 16) | a;
		width = 48;
	}
	/* The result is the operand-size field at bit 32 after shifting left; the last bit out of the
	 * destination is the one that crossed the top of the value. */
	r = (uint32_t)((v << n) >> 32) & size_mask(size);
	cf = (uint32_t)(v >> (width - n)) & 1;
	opnd_write(c, i, 0, r);
	set_status(c, szp(r, size) | cf | (((r ^ a) & sign_bit(size)) ? FL_OF : 0));
}

void op_shrd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size, n = opnd_read(c, i, 2) & 31;
	uint32_t a, b, r, cf;
	uint64_t v;

	if (n == 0)
		return;
	a = opnd_read(c, i, 0);
	b = opnd_read(c, i, 1);
	if (size == 4)
		v = ((uint64_t)b << 32) | a;
	else
		v = ((uint64_t)a << 32) | (b << 16) | a;
	r = (uint32_t)(v >> n) & size_mask(size);
	cf = (uint32_t)(v >> (n - 1)) & 1;
	opnd_write(c, i, 0, r);
	set_status(c, szp(r, size) | cf | (((r ^ a) & sign_bit(size)) ? FL_OF : 0));
}
