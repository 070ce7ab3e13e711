/* SPDX-License-Identifier: MIT
 *
 * flags.h — lazy evaluation of the arithmetic status flags (CF PF AF ZF SF OF).
 *
 * Most instructions that write flags have their flags overwritten by the next one before anything reads
 * them, so the interpreter records *how* the flags were produced (operation, operands, result) and
 * computes a flag only when an instruction reads it: Jcc, SETcc, CMOVcc, ADC/SBB, PUSHF, LAHF...
 * This is the technique Bochs and QEMU use; it removes most flag arithmetic from the hot path.
 *
 * Derivations (SDM vol. 1, 3.4.3.1 and appendix A "EFLAGS cross-reference"), with t = the top bit:
 *   addition a + b (+ carry) = r:    CF = t of (a & b) | ((a | b) & ~r)      OF = t of (a ^ r) & (b ^ r)
 *   subtraction a - b (- borrow) = r: CF = t of (~a & b) | ((~a | b) & r)    OF = t of (a ^ b) & (a ^ r)
 *   both: AF = bit 4 of a ^ b ^ r.   These hold whatever the carry-in, so ADC and SBB share ADD and SUB.
 * Instructions whose flags are irregular (shifts, rotates, multiply, BCD, bit tests) compute them eagerly
 * and store them with flags_update().
 */
#ifndef REVISOR_FLAGS_H
#define REVISOR_FLAGS_H

#include "cpu.h"

enum lf_op {
	LF_NONE,   /* status flags are in c->eflags */
	LF_ADD,    /* ADD, ADC, XADD */
	LF_SUB,    /* SUB, CMP, NEG (a = 0), CMPXCHG, string compare/scan: always exactly r = a - b */
	LF_SBB,    /* SBB: r = a - b - CF; same flag formulas as LF_SUB, but r is not a - b */
	LF_LOGIC,  /* AND, OR, XOR, TEST: CF = OF = 0, AF = 0 */
	LF_INC,    /* src holds the preserved CF */
	LF_DEC,    /* src holds the preserved CF */
};

/* Record a flag-producing operation.  res is masked to size here. */
static inline void lf_set(struct cpu *c, enum lf_op op, unsigned size, uint32_t a, uint32_t b, uint32_t res)
{
	c->lf.op = (uint8_t)op;
	c->lf.size = (uint8_t)size;
	c->lf.dst = a;
	c->lf.src = b;
	c->lf.res = res & size_mask(size);
}

/* The six status flags as EFLAGS bits (flags.c). */
uint32_t flags_arith(const struct cpu *c);

/* Set the status flags in mask to the bits of val (others keep their current value), eagerly. */
void flags_update(struct cpu *c, uint32_t mask, uint32_t val);

/* Carry flag, the one read most often (ADC, SBB, RCL, RCR, INC/DEC preserve it). */
uint32_t flag_cf(const struct cpu *c);

/* Evaluate condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc: O NO B AE E NE BE A S NS P NP
 * L GE LE G).  Returns 0 or 1.  The inline part answers the commonest cases — a branch after a 32-bit
 * CMP/SUB compares the recorded operands, one after TEST/AND/OR/XOR looks at the result — and
 * cpu_cond_slow (flags.c) everything else. */
int cpu_cond_slow(const struct cpu *c, unsigned cc);

static inline int cpu_cond(const struct cpu *c, unsigned cc)
{
	int inv = (int)(cc & 1);

	if (c->lf.op == LF_SUB && c->lf.size == 4) {
		uint32_t a = c->lf.dst, b = c->lf.src;
		switch (cc >> 1) {
		case 1: return (a < b) ^ inv;                             /* B */
		case 2: return (a == b) ^ inv;                            /* E */
		case 3: return (a <= b) ^ inv;                            /* BE */
		case 6: return ((int32_t)a < (int32_t)b) ^ inv;           /* L */
		case 7: return ((int32_t)a <= (int32_t)b) ^ inv;          /* LE */
		default: break;
		}
	} else if (c->lf.op == LF_LOGIC && c->lf.size == 4) {
		uint32_t r = c->lf.res;
		switch (cc >> 1) {
		case 2: case 3: return (r == 0) ^ inv;                    /* E, BE (CF = 0) */
		case 4: case 6: return (r >> 31) ^ (uint32_t)inv;         /* S, L (OF = 0) */
		case 7: return (r == 0 || (r >> 31)) ^ inv;               /* LE */
		default: break;
		}
	}
	return cpu_cond_slow(c, cc);
}

/* Parity flag of a byte: set when the number of 1 bits is even. */
static inline uint32_t parity8(uint32_t v)
{
	return (uint32_t)((0x9669u >> ((v ^ (v >> 4)) & 0xf)) & 1) * FL_PF;
}

#endif
