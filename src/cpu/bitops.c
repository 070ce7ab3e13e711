/* SPDX-License-Identifier: MIT
 *
 * bitops.c — single-bit instructions BT BTS BTR BTC, bit scans BSF BSR, and BSWAP
 * (SDM vol. 2A, "BT", "BTC", "BTR", "BTS", "BSF", "BSR", "BSWAP").
 *
 * Bit tests: o[0] is the bit base (register or memory), o[1] the bit offset (register or imm8).
 *   - With an immediate offset, or a register base, the offset is taken modulo the operand width.
 *   - With a REGISTER offset and a MEMORY base the offset is a signed 16/32-bit number that can reach
 *     far outside the operand: the SDM's "bit string" addressing (vol. 2A 3.1.1.9 "Bit(BitBase,
 *     BitOffset)").  We access the operand-size word that holds the bit:
 *         address = EA + size * floor(offset / (8 * size)),   bit = offset mod (8 * size)
 *     so bit -1 is the top bit of the word just below EA.
 * CF receives the selected bit's old value; ZF is unaffected; OF SF AF PF are undefined and revisor
 * leaves them unchanged.
 *
 * BSF/BSR: o[0] = destination register, o[1] = source.  A zero source sets ZF and leaves the destination
 * unchanged (the SDM says "undefined"; this is what AMD documents and what Intel cores do).  Otherwise ZF
 * is cleared and the index of the lowest / highest set bit is written.  CF OF SF AF PF are undefined:
 * revisor leaves them unchanged.
 *
 * BSWAP with a 16-bit operand is undefined; revisor clears the 16-bit register, as real processors do.
 */
#include "flags.h"
#include "operand.h"

/* Where the selected bit lives: either operand o[0] itself (mem == 0) or the word at seg:ea. */
struct bitref {
	int mem;
	uint32_t ea;
	unsigned bit;
};

static inline void bit_locate(struct cpu *c, const struct insn *i, struct bitref *b)
{
	unsigned size = i->o[0].size;
	uint32_t off = opnd_read(c, i, 1);

	b->mem = i->o[0].kind == OPK_MEM && i->o[1].kind == OPK_REG;
	b->bit = off & (size * 8 - 1);
	if (b->mem) {
		/* Signed offset; >> on a negative int rounds toward minus infinity (floor), as needed. */
		int32_t s = size == 2 ? (int16_t)off : (int32_t)off;
		int32_t words = s >> (size == 2 ? 4 : 5);

		b->ea = insn_ea(c, i) + (uint32_t)words * size;
		if (i->asz == 2)
			b->ea &= 0xffff;
	}
}

static inline uint32_t bit_read(struct cpu *c, const struct insn *i, const struct bitref *b)
{
	return b->mem ? seg_read(c, i->seg, b->ea, i->o[0].size) : opnd_read(c, i, 0);
}

static inline void bit_write(struct cpu *c, const struct insn *i, const struct bitref *b, uint32_t v)
{
	if (b->mem)
		seg_write(c, i->seg, b->ea, i->o[0].size, v);
	else
		opnd_write(c, i, 0, v);
}

void op_bt(struct cpu *c, const struct insn *i)
{
	struct bitref b;

	bit_locate(c, i, &b);
	flags_update(c, FL_CF, (bit_read(c, i, &b) >> b.bit) & 1);
}

/* BTS/BTR/BTC: the write can fault, so it happens before CF is committed. */
void op_bts(struct cpu *c, const struct insn *i)
{
	struct bitref b;
	uint32_t v;

	bit_locate(c, i, &b);
	v = bit_read(c, i, &b);
	bit_write(c, i, &b, v | (1u << b.bit));
	flags_update(c, FL_CF, (v >> b.bit) & 1);
}

void op_btr(struct cpu *c, const struct insn *i)
{
	struct bitref b;
	uint32_t v;

	bit_locate(c, i, &b);
	v = bit_read(c, i, &b);
	bit_write(c, i, &b, v & ~(1u << b.bit));
	flags_update(c, FL_CF, (v >> b.bit) & 1);
}

void op_btc(struct cpu *c, const struct insn *i)
{
	struct bitref b;
	uint32_t v;

	bit_locate(c, i, &b);
	v = bit_read(c, i, &b);
	bit_write(c, i, &b, v ^ (1u << b.bit));
	flags_update(c, FL_CF, (v >> b.bit) & 1);
}

void op_bsf(struct cpu *c, const struct insn *i)
{
	uint32_t src = opnd_read(c, i, 1);

	if (src == 0) {
		flags_update(c, FL_ZF, FL_ZF);
		return;
	}
	opnd_write(c, i, 0, (uint32_t)__builtin_ctz(src));
	flags_update(c, FL_ZF, 0);
}

void op_bsr(struct cpu *c, const struct insn *i)
{
	uint32_t src = opnd_read(c, i, 1);

	if (src == 0) {
		flags_update(c, FL_ZF, FL_ZF);
		return;
	}
	opnd_write(c, i, 0, 31 - (uint32_t)__builtin_clz(src));
	flags_update(c, FL_ZF, 0);
}

/* BSWAP: reverse the byte order of a 32-bit register (the little/big-endian converter of the 486). */
void op_bswap(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, i->o[0].size == 4 ? __builtin_bswap32(opnd_read(c, i, 0)) : 0);
}
