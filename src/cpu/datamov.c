/* SPDX-License-Identifier: MIT
 *
 * datamov.c — data movement and the small flag instructions: MOV, MOVZX/MOVSX, XCHG, XADD, CMPXCHG,
 * CMPXCHG8B, CMOVcc, SETcc, LEA, CBW/CWDE, CWD/CDQ, LAHF/SAHF, XLAT, NOP, SALC, CLC/STC/CMC, CLD/STD and
 * BOUND (SDM vol. 2, one entry each).
 *
 * Contract (cpu.h): everything that can fault happens before any register or flag is committed, and
 * memory writes come last.  The instructions here that write both a register and memory (XCHG, XADD,
 * CMPXCHG) therefore write memory FIRST: the store is their only faulting step, and it is computed with
 * the effective address of the unmodified registers (XCHG [EAX], EAX must not see the new EAX).
 * Operand conventions are the decoder's (insn.h): o[0] is the destination.
 */
#include "cpu.h"
#include "flags.h"
#include "insn.h"
#include "mem.h"
#include "operand.h"

void op_mov(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, opnd_read(c, i, 1));
}

/* MOVZX Gv, Eb/Ew: opnd_read already returns the source zero-extended. */
void op_movzx(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, opnd_read(c, i, 1));
}

void op_movsx(struct cpu *c, const struct insn *i)
{
	uint32_t v = opnd_read(c, i, 1);

	v = i->o[1].size == 1 ? (uint32_t)(int32_t)(int8_t)v : (uint32_t)(int32_t)(int16_t)v;
	opnd_write(c, i, 0, v);
}

/* Write the pair of results of an instruction with a register and a possibly-memory operand: memory
 * first (it may fault; nothing is committed yet), then the register.  With two registers the order is
 * the SDM's: o[1] first, then o[0], so "xadd eax, eax" leaves the sum in EAX. */
static void write_pair(struct cpu *c, const struct insn *i, uint32_t v0, uint32_t v1)
{
	if (i->o[0].kind == OPK_MEM) {
		opnd_write(c, i, 0, v0);
		opnd_write(c, i, 1, v1);
	} else {
		opnd_write(c, i, 1, v1);
		opnd_write(c, i, 0, v0);
	}
}

/* XCHG: with a memory operand the processor asserts LOCK implicitly; a single CPU needs nothing for that. */
void op_xchg(struct cpu *c, const struct insn *i)
{
	uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1);

	write_pair(c, i, b, a);
}

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP; flags as ADD. */
void op_xadd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t dst = opnd_read(c, i, 0), src = opnd_read(c, i, 1), sum = dst + src;

	write_pair(c, i, sum, dst);
	lf_set(c, LF_ADD, size, dst, src, sum);
}

/* CMPXCHG E, G: compare the accumulator with DEST (flags as CMP accumulator, DEST).  Equal: DEST = SRC.
 * Different: accumulator = DEST.  The processor writes DEST in both cases (with its old value on
 * failure, so a locked bus cycle always ends in a write; SDM vol. 2A "CMPXCHG"), which means a
 * read-only destination faults even when the comparison fails. */
void op_cmpxchg(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint32_t acc = reg_get(c, R_EAX, size);
	uint32_t dst = opnd_read(c, i, 0), src = opnd_read(c, i, 1);

	if (acc == dst) {
		opnd_write(c, i, 0, src);
	} else {
		opnd_write(c, i, 0, dst);          /* the faulting step, before the accumulator changes */
		reg_set(c, R_EAX, size, dst);
	}
	lf_set(c, LF_SUB, size, acc, dst, acc - dst);
}

/* CMPXCHG8B m64: compare EDX:EAX with m64; equal: m64 = ECX:EBX, ZF = 1; else EDX:EAX = m64, ZF = 0.
 * Only ZF changes.  The register form is #UD. */
void op_cmpxchg8b(struct cpu *c, const struct insn *i)
{
	uint32_t ea;
	uint64_t m, edx_eax;

	if (i->o[0].kind != OPK_MEM)
		cpu_ud(c);
	ea = insn_ea(c, i);
	m = seg_read64(c, i->seg, ea);
	edx_eax = ((uint64_t)c->r[R_EDX] << 32) | c->r[R_EAX];
	if (m == edx_eax) {
		seg_write64(c, i->seg, ea, ((uint64_t)c->r[R_ECX] << 32) | c->r[R_EBX]);
		flags_update(c, FL_ZF, FL_ZF);
	} else {
		seg_write64(c, i->seg, ea, m);
		c->r[R_EAX] = (uint32_t)m;
		c->r[R_EDX] = (uint32_t)(m >> 32);
		flags_update(c, FL_ZF, 0);
	}
}

/* CMOVcc: the source is read whatever the condition (a memory source faults even when no move happens;
 * SDM vol. 2A "CMOVcc").  On IA-32 a false condition leaves the destination entirely unchanged. */
void op_cmov(struct cpu *c, const struct insn *i)
{
	uint32_t v = opnd_read(c, i, 1);

	if (cpu_cond(c, i->cc))
		opnd_write(c, i, 0, v);
}

void op_setcc(struct cpu *c, const struct insn *i)
{
	opnd_write(c, i, 0, (uint32_t)cpu_cond(c, i->cc));
}

/* LEA: the effective address itself.  insn_ea() truncates it to the address size and reg_set() to the
 * operand size, which gives the SDM's four osz/asz combinations (vol. 2A "LEA", table 3-54).
 * A register "source" (mod = 11) has no address: #UD. */
void op_lea(struct cpu *c, const struct insn *i)
{
	if (i->has_modrm && (i->modrm & 0xc0) == 0xc0)
		cpu_ud(c);
	opnd_write(c, i, 0, insn_ea(c, i));
}

/* CBW (AX = sign-extended AL) or CWDE (EAX = sign-extended AX), by operand size. */
void op_cbw(struct cpu *c, const struct insn *i)
{
	if (i->osz == 4)
		c->r[R_EAX] = (uint32_t)(int32_t)(int16_t)c->r[R_EAX];
	else
		reg_set(c, R_EAX, 2, (uint32_t)(int32_t)(int8_t)c->r[R_EAX]);
}

/* CWD (DX:AX = sign-extended AX) or CDQ (EDX:EAX = sign-extended EAX). */
void op_cwd(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz == 4 ? 4 : 2;

	reg_set(c, R_EDX, size, (c->r[R_EAX] & sign_bit(size)) ? 0xffffffffu : 0);
}

/* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF, the low byte of EFLAGS (bits 3 and 5 read as 0, bit 1 as 1). */
#define LAHF_MASK (FL_SF | FL_ZF | FL_AF | FL_PF | FL_1 | FL_CF)
void op_lahf(struct cpu *c, const struct insn *i)
{
	reg8_set(c, 4, (cpu_get_eflags(c) & LAHF_MASK) | FL_1);
}

/* SAHF: SF ZF AF PF CF from AH; OF is not touched. */
void op_sahf(struct cpu *c, const struct insn *i)
{
	flags_update(c, FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF, reg8_get(c, 4));
}

/* XLAT: AL = [seg:(E)BX + AL], with the address size choosing BX or EBX; the segment may be overridden. */
void op_xlat(struct cpu *c, const struct insn *i)
{
	uint32_t off = c->r[R_EBX] + (c->r[R_EAX] & 0xff);

	if (i->asz == 2)
		off &= 0xffff;
	reg8_set(c, 0, seg_read(c, i->seg, off, 1));
}

void op_nop(struct cpu *c, const struct insn *i)
{
}

/* SALC (undocumented opcode D6, present on every Intel IA-32 processor): AL = CF ? 0xff : 0. */
void op_salc(struct cpu *c, const struct insn *i)
{
	reg8_set(c, 0, flag_cf(c) ? 0xff : 0);
}

void op_clc(struct cpu *c, const struct insn *i)
{
	flags_update(c, FL_CF, 0);
}

void op_stc(struct cpu *c, const struct insn *i)
{
	flags_update(c, FL_CF, FL_CF);
}

void op_cmc(struct cpu *c, const struct insn *i)
{
	flags_update(c, FL_CF, flag_cf(c) ? 0 : FL_CF);
}

/* DF is not a status flag: it lives directly in c->eflags (the lazy-flags record never holds it). */
void op_cld(struct cpu *c, const struct insn *i)
{
	c->eflags &= ~FL_DF;
}

void op_std(struct cpu *c, const struct insn *i)
{
	c->eflags |= FL_DF;
}

/* BOUND Gv, Ma: the memory operand holds a signed lower bound then a signed upper bound, each of the
 * operand size.  An index outside [lower, upper] raises #BR (vector 5, a fault: EIP points at BOUND).
 * The register form is #UD. */
void op_bound(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz == 4 ? 4 : 2;
	uint32_t ea, lo, hi;
	int32_t idx, lower, upper;

	if (i->o[1].kind != OPK_MEM)
		cpu_ud(c);
	ea = insn_ea(c, i);
	lo = seg_read(c, i->seg, ea, size);
	hi = seg_read(c, i->seg, i->asz == 2 ? ((ea + size) & 0xffff) : ea + size, size);
	if (size == 2) {
		idx = (int16_t)c->r[i->o[0].reg];
		lower = (int16_t)lo;
		upper = (int16_t)hi;
	} else {
		idx = (int32_t)c->r[i->o[0].reg];
		lower = (int32_t)lo;
		upper = (int32_t)hi;
	}
	if (idx < lower || idx > upper)
		cpu_fault_noerr(c, EXC_BR);
}
