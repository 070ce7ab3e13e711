/* SPDX-License-Identifier: MIT
 *
 * test_alu.c — unit tests for the integer instruction families: alu.c, muldiv.c, shift.c, bitops.c and
 * bcd.c.  Each case runs one handler on a hand-built decoded instruction in the test machine
 * (testutil.h) and checks the result and flags against the SDM vol. 2 definition of the instruction,
 * worked out by hand (the comments show the arithmetic).  Where the SDM leaves a flag undefined, the
 * test checks revisor's documented choice (see each source file's header), so a change of that choice
 * is deliberate.  test_alu_host.c complements these with random cases checked against the host CPU;
 * this file covers what the host cannot run: memory operands, BCD (invalid in 64-bit mode), faults.
 */
#include <check.h>
#include <setjmp.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"

static struct machine *m;
static struct cpu *c;

#define OSZAPC FL_ARITH
#define DATA 0x20000u   /* scratch memory for memory operands */

static void setup(void)
{
	m = tm_new();
	c = &m->cpu;
	c->eip = TM_CODE;
}

static void teardown(void)
{
	tm_free(m);
}

/* One instruction as the run loop executes it (testutil.h). */
static int run(const struct insn *i)
{
	return tm_exec(m, i);
}

static struct insn mk(enum op_id op, unsigned size)
{
	struct insn i = { .exec = op_table[op].exec, .cls = op_table[op].cls, .op = (uint16_t)op, .len = 2,
			  .osz = (uint8_t)size, .asz = 4, .seg = S_DS, .base = R_ZERO, .index = R_ZERO };
	return i;
}

static void reg(struct insn *i, int k, unsigned r, unsigned size)
{
	i->o[k] = (struct opnd){ .kind = OPK_REG, .size = (uint8_t)size, .reg = (uint8_t)r };
	i->nopnd = (uint8_t)(k + 1 > i->nopnd ? k + 1 : i->nopnd);
}

static void imm(struct insn *i, int k, uint32_t v, unsigned size)
{
	i->o[k] = (struct opnd){ .kind = OPK_IMM, .size = (uint8_t)size };
	i->imm = v;
	i->nopnd = (uint8_t)(k + 1 > i->nopnd ? k + 1 : i->nopnd);
}

/* Memory operand [base + disp]. */
static void mem(struct insn *i, int k, unsigned base, uint32_t disp, unsigned size)
{
	i->o[k] = (struct opnd){ .kind = OPK_MEM, .size = (uint8_t)size };
	i->base = (uint8_t)base;
	i->disp = disp;
	i->nopnd = (uint8_t)(k + 1 > i->nopnd ? k + 1 : i->nopnd);
}

static uint32_t flags(void) { return cpu_get_eflags(c) & OSZAPC; }

/* Binary operation "op dst(reg d), src(reg s)" with the given input flags; returns the new dst. */
static uint32_t binop(enum op_id op, unsigned size, uint32_t a, uint32_t b, uint32_t fin)
{
	struct insn i = mk(op, size);

	reg(&i, 0, R_EBX, size);
	reg(&i, 1, R_ECX, size);
	c->r[R_EBX] = 0x5a5a5a5a;
	reg_set(c, R_EBX, size, a);
	reg_set(c, R_ECX, size, b);
	cpu_set_eflags(c, fin | FL_1);
	ck_assert_int_eq(run(&i), -1);
	/* bits above the operand size are never touched */
	ck_assert_uint_eq(c->r[R_EBX] & ~size_mask(size), 0x5a5a5a5a & ~size_mask(size));
	return reg_get(c, R_EBX, size);
}

/* Shift/rotate EBX (or BL/BX) by an immediate count. */
static uint32_t shift(enum op_id op, unsigned size, uint32_t a, unsigned count, uint32_t fin)
{
	struct insn i = mk(op, size);

	reg(&i, 0, R_EBX, size);
	imm(&i, 1, count, 1);
	reg_set(c, R_EBX, size, a);
	cpu_set_eflags(c, fin | FL_1);
	ck_assert_int_eq(run(&i), -1);
	return reg_get(c, R_EBX, size);
}

/* ---- alu.c -------------------------------------------------------------------------------------- */

START_TEST(test_add_flags)
{
	/* 0x7f + 1 = 0x80: signed overflow, carry out of bit 3, one bit set (odd parity) */
	ck_assert_uint_eq(binop(OP_ADD, 1, 0x7f, 1, 0), 0x80);
	ck_assert_uint_eq(flags(), FL_OF | FL_SF | FL_AF);
	/* 0xffff + 1 = 0 with carry */
	ck_assert_uint_eq(binop(OP_ADD, 2, 0xffff, 1, 0), 0);
	ck_assert_uint_eq(flags(), FL_CF | FL_ZF | FL_AF | FL_PF);
	/* 0x80000000 + 0x80000000 = 0, CF and OF */
	ck_assert_uint_eq(binop(OP_ADD, 4, 0x80000000u, 0x80000000u, 0), 0);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF | FL_ZF | FL_PF);
	/* ADC: 0xff + 0 + CF(1) = 0 with carry; SBB: 0 - 0 - CF(1) = 0xffffffff with borrow */
	ck_assert_uint_eq(binop(OP_ADC, 1, 0xff, 0, FL_CF), 0);
	ck_assert_uint_eq(flags(), FL_CF | FL_ZF | FL_AF | FL_PF);
	ck_assert_uint_eq(binop(OP_ADC, 4, 0x7fffffffu, 0, FL_CF), 0x80000000u);
	ck_assert_uint_eq(flags() & (FL_OF | FL_CF | FL_SF), FL_OF | FL_SF);
	ck_assert_uint_eq(binop(OP_SBB, 4, 0, 0, FL_CF), 0xffffffffu);
	ck_assert_uint_eq(flags(), FL_CF | FL_SF | FL_AF | FL_PF);
	ck_assert_uint_eq(binop(OP_SBB, 2, 5, 5, FL_CF), 0xffff);
	ck_assert(flags() & FL_CF);
	ck_assert_uint_eq(binop(OP_SBB, 2, 5, 4, FL_CF), 0);
	ck_assert_uint_eq(flags() & (FL_CF | FL_ZF), FL_ZF);
}
END_TEST

START_TEST(test_sub_cmp)
{
	/* 0x80 - 1 = 0x7f: signed overflow (most negative minus one), borrow from bit 4 */
	ck_assert_uint_eq(binop(OP_SUB, 1, 0x80, 1, 0), 0x7f);
	ck_assert_uint_eq(flags(), FL_OF | FL_AF);
	/* 1 - 2 borrows */
	ck_assert_uint_eq(binop(OP_SUB, 4, 1, 2, 0), 0xffffffffu);
	ck_assert_uint_eq(flags(), FL_CF | FL_SF | FL_AF | FL_PF);
	/* CMP sets the same flags but leaves the destination alone */
	ck_assert_uint_eq(binop(OP_CMP, 4, 1, 2, 0), 1);
	ck_assert_uint_eq(flags(), FL_CF | FL_SF | FL_AF | FL_PF);
	ck_assert_uint_eq(binop(OP_CMP, 2, 0x1234, 0x1234, 0), 0x1234);
	ck_assert_uint_eq(flags(), FL_ZF | FL_PF);
	ck_assert(cpu_cond(c, 4));      /* E */
	ck_assert(!cpu_cond(c, 2));     /* B */
}
END_TEST

START_TEST(test_logic)
{
	/* CF and OF are cleared, AF cleared (revisor's choice), SF/ZF/PF from the result */
	ck_assert_uint_eq(binop(OP_AND, 1, 0xf0, 0x3c, OSZAPC), 0x30);
	ck_assert_uint_eq(flags(), FL_PF);
	ck_assert_uint_eq(binop(OP_OR, 2, 0x8000, 0x0001, FL_CF | FL_OF | FL_AF), 0x8001);
	ck_assert_uint_eq(flags(), FL_SF);
	ck_assert_uint_eq(binop(OP_XOR, 4, 0xdeadbeefu, 0xdeadbeefu, FL_CF), 0);
	ck_assert_uint_eq(flags(), FL_ZF | FL_PF);
	ck_assert_uint_eq(binop(OP_TEST, 4, 0x80000000u, 0xffffffffu, FL_CF), 0x80000000u);
	ck_assert_uint_eq(flags(), FL_SF | FL_PF);
}
END_TEST

START_TEST(test_inc_dec_neg_not)
{
	struct insn i = mk(OP_INC, 2);

	/* INC preserves CF; 0x7fff + 1 overflows */
	reg(&i, 0, R_EDX, 2);
	c->r[R_EDX] = 0x12347fff;
	cpu_set_eflags(c, FL_1 | FL_CF);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 0x12348000);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF | FL_SF | FL_AF | FL_PF);

	/* DEC of the most negative number overflows; CF (clear) preserved */
	i = mk(OP_DEC, 4);
	reg(&i, 0, R_EDX, 4);
	c->r[R_EDX] = 0x80000000u;
	cpu_set_eflags(c, FL_1);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 0x7fffffffu);
	ck_assert_uint_eq(flags(), FL_OF | FL_AF | FL_PF);

	/* NEG: CF = (operand != 0); NEG 0x80 = 0x80 with OF */
	i = mk(OP_NEG, 1);
	reg(&i, 0, 4, 1);                      /* AH */
	c->r[R_EAX] = 0x8000;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x8000);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF | FL_SF);
	c->r[R_EAX] = 0;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(flags(), FL_ZF | FL_PF);

	/* NOT changes no flag */
	i = mk(OP_NOT, 4);
	reg(&i, 0, R_ESI, 4);
	c->r[R_ESI] = 0x0f0f0f0f;
	cpu_set_eflags(c, FL_1 | FL_CF | FL_ZF | FL_OF);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_ESI], 0xf0f0f0f0u);
	ck_assert_uint_eq(flags(), FL_CF | FL_ZF | FL_OF);
}
END_TEST

/* 8-bit registers 4..7 are AH CH DH BH (ModRM numbering). */
START_TEST(test_byte_registers)
{
	struct insn i = mk(OP_ADD, 1);

	reg(&i, 0, 4, 1);                      /* AH */
	reg(&i, 1, 3, 1);                      /* BL */
	c->r[R_EAX] = 0x11223344;
	c->r[R_EBX] = 0x55667788;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x1122bb44);    /* 0x33 + 0x88 */
	ck_assert_uint_eq(c->r[R_EBX], 0x55667788);
}
END_TEST

/* Read-modify-write on memory: ADD [ebx+4], eax */
START_TEST(test_memory_rmw)
{
	struct insn i = mk(OP_ADD, 4);

	mem(&i, 0, R_EBX, 4, 4);
	reg(&i, 1, R_EAX, 4);
	c->r[R_EBX] = DATA;
	c->r[R_EAX] = 1;
	phys_write(m, DATA + 4, 4, 0xffffffffu);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(phys_read(m, DATA + 4, 4), 0);
	ck_assert_uint_eq(flags() & (FL_CF | FL_ZF), FL_CF | FL_ZF);
}
END_TEST

/* A faulting destination write commits nothing: memory and flags keep their old values.  ES is made a
 * read-only data segment, so SUB reads [es:0x10] fine and then faults on the write-back (#GP(0), SDM
 * vol. 3A 5.5 "Privilege levels" / 3.4.5.1 type checks). */
START_TEST(test_fault_precise)
{
	struct insn i = mk(OP_SUB, 4);

	c->seg[S_ES] = (struct seg){ .sel = TM_DATA32, .attr = 0x4091, .base = DATA, .limit = 0xfff };
	i.seg = S_ES;
	mem(&i, 0, R_ZERO, 0x10, 4);
	imm(&i, 1, 1, 4);
	phys_write(m, DATA + 0x10, 4, 5);
	cpu_set_eflags(c, FL_1 | FL_ZF);
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(flags(), FL_ZF);
	ck_assert_uint_eq(phys_read(m, DATA + 0x10, 4), 5);
	ck_assert_uint_eq(c->eip, TM_CODE);
}
END_TEST

/* ---- muldiv.c ----------------------------------------------------------------------------------- */

START_TEST(test_mul)
{
	struct insn i = mk(OP_MUL, 1);

	/* AL * r/m8 -> AX: 0x80 * 2 = 0x100, AH != 0 so CF = OF = 1 */
	reg(&i, 0, R_ECX, 1);
	c->r[R_EAX] = 0xabcd0080;
	c->r[R_ECX] = 2;
	c->r[R_EDX] = 0x77777777;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xabcd0100);
	ck_assert_uint_eq(c->r[R_EDX], 0x77777777);     /* 8-bit MUL leaves DX alone */
	ck_assert_uint_eq(flags() & (FL_CF | FL_OF), FL_CF | FL_OF);

	/* EAX * r/m32 -> EDX:EAX: 0xffffffff^2 = 0xfffffffe_00000001 */
	i = mk(OP_MUL, 4);
	reg(&i, 0, R_ECX, 4);
	c->r[R_EAX] = c->r[R_ECX] = 0xffffffffu;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 0xfffffffeu);
	ck_assert_uint_eq(c->r[R_EAX], 1);
	/* revisor's choice for the undefined flags: SF ZF PF from the low half, AF = 0 */
	ck_assert_uint_eq(flags(), FL_CF | FL_OF);

	/* 16 bits: 3 * 5 fits in AX: CF = OF = 0, DX = 0 */
	i = mk(OP_MUL, 2);
	reg(&i, 0, R_EBX, 2);
	c->r[R_EAX] = 3;
	c->r[R_EBX] = 5;
	c->r[R_EDX] = 0xffffffffu;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 15);
	ck_assert_uint_eq(c->r[R_EDX], 0xffff0000u);
	ck_assert_uint_eq(flags(), FL_PF);
}
END_TEST

START_TEST(test_imul)
{
	struct insn i = mk(OP_IMUL1, 1);

	/* -1 * -1 = 1: the high half is the sign extension, CF = OF = 0 */
	reg(&i, 0, R_EBX, 1);
	c->r[R_EAX] = 0xff;
	c->r[R_EBX] = 0xff;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX] & 0xffff, 1);
	ck_assert_uint_eq(flags() & (FL_CF | FL_OF), 0);
	/* -128 * -1 = 128 = 0x0080: AH = 0 is not the sign extension of AL = 0x80 */
	c->r[R_EAX] = 0x80;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX] & 0xffff, 0x0080);
	ck_assert_uint_eq(flags() & (FL_CF | FL_OF), FL_CF | FL_OF);

	/* three operands: ESI = EDI * -2, 32 bits */
	i = mk(OP_IMUL, 4);
	reg(&i, 0, R_ESI, 4);
	reg(&i, 1, R_EDI, 4);
	imm(&i, 2, (uint32_t)-2, 4);
	c->r[R_EDI] = 0x40000000;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_ESI], 0x80000000u);     /* -2^31 fits exactly */
	ck_assert_uint_eq(flags() & (FL_CF | FL_OF), 0);
	c->r[R_EDI] = 0x40000001;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_ESI], 0x7ffffffeu);     /* truncated */
	ck_assert_uint_eq(flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
}
END_TEST

START_TEST(test_div)
{
	struct insn i = mk(OP_DIV, 2);

	/* DX:AX = 0x0001_0000 / 3 = 0x5555 rem 1; flags unchanged (revisor's choice) */
	reg(&i, 0, R_EBX, 2);
	c->r[R_EDX] = 0xaaaa0001;
	c->r[R_EAX] = 0xbbbb0000;
	c->r[R_EBX] = 3;
	cpu_set_eflags(c, FL_1 | FL_ZF | FL_OF);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xbbbb5555);
	ck_assert_uint_eq(c->r[R_EDX], 0xaaaa0001);
	ck_assert_uint_eq(flags(), FL_ZF | FL_OF);

	/* 8 bits: AX = 1000 / 7 = 142 rem 6 -> AL = 142, AH = 6 */
	i = mk(OP_DIV, 1);
	reg(&i, 0, R_EBX, 1);
	c->r[R_EAX] = 1000;
	c->r[R_EBX] = 7;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], (6u << 8) | 142);

	/* quotient overflow: AX = 0x1000 / 2 = 0x800 > 0xff -> #DE, nothing changed, EIP at the DIV */
	c->r[R_EAX] = 0x1000;
	c->r[R_EBX] = 2;
	c->eip = TM_CODE;
	ck_assert_int_eq(run(&i), EXC_DE);
	ck_assert_uint_eq(c->r[R_EAX], 0x1000);
	ck_assert_uint_eq(c->eip, TM_CODE);

	/* divide by zero */
	i = mk(OP_DIV, 4);
	reg(&i, 0, R_ECX, 4);
	c->r[R_EAX] = 7;
	c->r[R_EDX] = 0;
	c->r[R_ECX] = 0;
	ck_assert_int_eq(run(&i), EXC_DE);
	ck_assert_uint_eq(c->r[R_EAX], 7);
}
END_TEST

START_TEST(test_idiv)
{
	struct insn i = mk(OP_IDIV, 1);

	/* -7 / 2 = -3 rem -1: truncation toward zero, remainder has the dividend's sign */
	reg(&i, 0, R_EBX, 1);
	c->r[R_EAX] = (uint16_t)-7;
	c->r[R_EBX] = 2;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX] & 0xffff, 0xfffd);   /* AH = -1, AL = -3 */
	/* -256 / 2 = -128: the most negative quotient is allowed */
	c->r[R_EAX] = (uint16_t)-256;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX] & 0xffff, 0x0080);
	/* 256 / 2 = 128 does not fit */
	c->r[R_EAX] = 256;
	ck_assert_int_eq(run(&i), EXC_DE);
	/* 32 bits: 0x80000000_00000000 / -1 overflows (and must not crash the VMM) */
	i = mk(OP_IDIV, 4);
	reg(&i, 0, R_EBX, 4);
	c->r[R_EDX] = 0x80000000u;
	c->r[R_EAX] = 0;
	c->r[R_EBX] = 0xffffffffu;
	ck_assert_int_eq(run(&i), EXC_DE);
	ck_assert_uint_eq(c->r[R_EDX], 0x80000000u);
	/* -2^31 / -1 in 32 bits overflows too */
	c->r[R_EDX] = 0xffffffffu;
	c->r[R_EAX] = 0x80000000u;
	ck_assert_int_eq(run(&i), EXC_DE);
}
END_TEST

/* DIV through the whole machine: the decoder, the run loop and exception delivery put the faulting
 * instruction's address on the stack (a fault, not a trap). */
START_TEST(test_div_delivery)
{
	static const uint8_t code[] = {
		0xb8, 0x07, 0x00, 0x00, 0x00,   /* mov $7, %eax */
		0x31, 0xd2,                     /* xor %edx, %edx */
		0x31, 0xc9,                     /* xor %ecx, %ecx */
		0xf7, 0xf1,                     /* div %ecx        <- faults here */
		0xf4,                           /* hlt */
	};

	tm_run(m, code, sizeof code, 100);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_DE);
	ck_assert_uint_eq(phys_read(m, c->r[R_ESP], 4), TM_CODE + 9);
	ck_assert_uint_eq(c->r[R_EAX], 7);
}
END_TEST

/* ---- shift.c ------------------------------------------------------------------------------------ */

START_TEST(test_shift_basic)
{
	/* SHL 0x81 by 1: CF = old bit 7 = 1, OF = MSB(result) ^ CF = 1; AF = 0 (revisor's choice) */
	ck_assert_uint_eq(shift(OP_SHL, 1, 0x81, 1, FL_AF), 0x02);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF);
	/* SHR 0x81 by 1: CF = old bit 0, OF = old MSB */
	ck_assert_uint_eq(shift(OP_SHR, 1, 0x81, 1, 0), 0x40);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF);
	/* SAR 0x81 by 1: sign fills, OF = 0 */
	ck_assert_uint_eq(shift(OP_SAR, 1, 0x81, 1, FL_OF), 0xc0);
	ck_assert_uint_eq(flags(), FL_CF | FL_SF | FL_PF);
	/* SAR 16 bits by 20 (beyond the width): all sign bits, CF = sign */
	ck_assert_uint_eq(shift(OP_SAR, 2, 0x8000, 20, 0), 0xffff);
	ck_assert_uint_eq(flags() & (FL_CF | FL_ZF | FL_SF), FL_CF | FL_SF);
	/* SHL 32 bits by 31 */
	ck_assert_uint_eq(shift(OP_SHL, 4, 3, 31, 0), 0x80000000u);
	ck_assert_uint_eq(flags() & (FL_CF | FL_SF), FL_CF | FL_SF);
	/* SHR 8 bits by 8: result 0, CF = old bit 7 */
	ck_assert_uint_eq(shift(OP_SHR, 1, 0x80, 8, 0), 0);
	ck_assert_uint_eq(flags() & (FL_CF | FL_ZF), FL_CF | FL_ZF);
}
END_TEST

START_TEST(test_shift_count_mask)
{
	/* The count is masked to 5 bits: 33 means 1, 32 means 0 (no change at all, not even flags) */
	ck_assert_uint_eq(shift(OP_SHL, 4, 1, 33, 0), 2);
	ck_assert_uint_eq(shift(OP_SHL, 4, 1, 32, FL_CF | FL_ZF | FL_AF), 1);
	ck_assert_uint_eq(flags(), FL_CF | FL_ZF | FL_AF);
	/* count 0 also keeps lazily-held flags: leave a pending ADD record (0xffffffff + 1: CF ZF AF PF)
	 * and rotate by 0 */
	ck_assert_uint_eq(binop(OP_ADD, 4, 0xffffffffu, 1, 0), 0);
	{
		struct insn i = mk(OP_ROL, 4);
		reg(&i, 0, R_EBX, 4);
		imm(&i, 1, 0, 1);
		ck_assert_int_eq(run(&i), -1);
	}
	ck_assert_uint_eq(flags(), FL_CF | FL_ZF | FL_AF | FL_PF);
}
END_TEST

START_TEST(test_rotate)
{
	/* ROL 8 bits by 1: 0x81 -> 0x03, CF = new bit 0 = 1, OF = MSB ^ CF = 1 */
	ck_assert_uint_eq(shift(OP_ROL, 1, 0x81, 1, 0), 0x03);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF);
	/* ROR 16 bits by 4 */
	ck_assert_uint_eq(shift(OP_ROR, 2, 0x1234, 4, 0), 0x4123);
	ck_assert_uint_eq(flags() & FL_CF, 0);
	/* ROL 8 bits by 8: value unchanged, but CF = bit 0 of the result is still written */
	ck_assert_uint_eq(shift(OP_ROL, 1, 0x01, 8, 0), 0x01);
	ck_assert_uint_eq(flags() & FL_CF, FL_CF);
	/* rotates leave SF ZF PF AF alone */
	ck_assert_uint_eq(shift(OP_ROR, 4, 1, 1, FL_ZF | FL_PF | FL_AF), 0x80000000u);
	ck_assert_uint_eq(flags(), FL_ZF | FL_PF | FL_AF | FL_CF | FL_OF);
	/* RCL 8 bits by 1 through CF = 1: 0x80 -> 0x01, CF = 1 (old bit 7), OF = 0 ^ 1 */
	ck_assert_uint_eq(shift(OP_RCL, 1, 0x80, 1, FL_CF), 0x01);
	ck_assert_uint_eq(flags(), FL_CF | FL_OF);
	/* RCL 8 bits by 9 = a full turn of the 9-bit CF:value ring: nothing changes */
	ck_assert_uint_eq(shift(OP_RCL, 1, 0x5a, 9, FL_CF), 0x5a);
	ck_assert_uint_eq(flags() & FL_CF, FL_CF);
	/* RCR 16 bits by 17 is also a full turn; by 1 with CF = 0: 0x0001 -> 0x0000, CF = 1 */
	ck_assert_uint_eq(shift(OP_RCR, 2, 0xbeef, 17, 0), 0xbeef);
	ck_assert_uint_eq(shift(OP_RCR, 2, 0x0001, 1, 0), 0);
	ck_assert_uint_eq(flags(), FL_CF);
	/* RCR 32 bits by 31 with CF = 1: the 33-bit ring CF:value (bits 32 and 30) rotated right by 31 = left
	 * by 2 gives bits 34 -> 1 and 32: value 2, CF = 1 */
	ck_assert_uint_eq(shift(OP_RCR, 4, 0x40000000u, 31, FL_CF), 0x00000002u);
	ck_assert_uint_eq(flags() & FL_CF, FL_CF);
}
END_TEST

START_TEST(test_shld_shrd)
{
	struct insn i = mk(OP_SHLD, 4);

	/* SHLD EBX, ECX, 4: EBX = 0x12345678 << 4 | top nibble of ECX = 0x2345678a; CF = old bit 28 = 1 */
	reg(&i, 0, R_EBX, 4);
	reg(&i, 1, R_ECX, 4);
	imm(&i, 2, 4, 1);
	c->r[R_EBX] = 0x12345678;
	c->r[R_ECX] = 0xabcdef01;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x2345678a);
	ck_assert_uint_eq(c->r[R_ECX], 0xabcdef01);
	ck_assert_uint_eq(flags() & (FL_CF | FL_SF | FL_ZF), FL_CF);

	/* SHRD BX, CX, CL=8 (16 bits): BX = 0x5678 >> 8 | low byte of CX << 8 = 0x0856; CF = bit 7 = 0 */
	i = mk(OP_SHRD, 2);
	reg(&i, 0, R_EBX, 2);
	reg(&i, 1, R_ECX, 2);
	reg(&i, 2, R_ECX, 1);                  /* CL */
	c->r[R_EBX] = 0x12345678;
	c->r[R_ECX] = 0xabcd0108;              /* CL = 8, CX = 0x0108 */
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x12340856);
	ck_assert_uint_eq(flags() & FL_CF, 0);

	/* count 0: nothing at all */
	c->r[R_ECX] = 0x100;
	cpu_set_eflags(c, FL_1 | FL_OF);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x12340856);
	ck_assert_uint_eq(flags(), FL_OF);
}
END_TEST

/* ---- bitops.c ----------------------------------------------------------------------------------- */

START_TEST(test_bt_register)
{
	struct insn i = mk(OP_BTS, 4);

	/* register base: the offset is taken modulo 32, so 33 selects bit 1 */
	reg(&i, 0, R_EBX, 4);
	reg(&i, 1, R_ECX, 4);
	c->r[R_EBX] = 0;
	c->r[R_ECX] = 33;
	cpu_set_eflags(c, FL_1 | FL_ZF | FL_CF);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 2);
	ck_assert_uint_eq(flags(), FL_ZF);             /* CF = old bit (0); ZF unaffected */
	/* BTC with imm8 (modulo 16 for a 16-bit operand): 17 -> bit 1, which is now set */
	i = mk(OP_BTC, 2);
	reg(&i, 0, R_EBX, 2);
	imm(&i, 1, 17, 1);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0);
	ck_assert_uint_eq(flags(), FL_ZF | FL_CF);
	/* BTR / BT */
	i = mk(OP_BTR, 4);
	reg(&i, 0, R_EBX, 4);
	imm(&i, 1, 31, 1);
	c->r[R_EBX] = 0xffffffffu;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x7fffffffu);
	ck_assert(flags() & FL_CF);
	i.exec = op_table[OP_BT].exec;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x7fffffffu);
	ck_assert(!(flags() & FL_CF));
}
END_TEST

/* Memory base with a register offset: the offset is a signed bit index relative to EA, so it can reach
 * far before or after the operand (SDM vol. 2A 3.1.1.9). */
START_TEST(test_bt_bitstring)
{
	struct insn i = mk(OP_BTS, 4);

	mem(&i, 0, R_EBX, 0x10, 4);
	reg(&i, 1, R_ECX, 4);
	c->r[R_EBX] = DATA;
	/* bit 100 of the string at DATA+0x10 = bit 4 of byte DATA+0x10+12 (dword DATA+0x1c, bit 4) */
	c->r[R_ECX] = 100;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(phys_read(m, DATA + 0x1c, 4), 0x10);
	ck_assert(!(flags() & FL_CF));
	ck_assert_int_eq(run(&i), -1);
	ck_assert(flags() & FL_CF);
	/* bit -1 = the top bit of the byte just below the string (dword DATA+0xc, bit 31) */
	c->r[R_ECX] = 0xffffffffu;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(phys_read(m, DATA + 0xc, 4), 0x80000000u);
	ck_assert_uint_eq(phys_read(m, DATA + 0x10, 4), 0);
	/* 16-bit operand: offset is a signed 16-bit number; 0xfff0 = -16 -> word DATA+0xe, bit 0 */
	i = mk(OP_BTC, 2);
	mem(&i, 0, R_EBX, 0x10, 2);
	reg(&i, 1, R_ECX, 2);
	c->r[R_ECX] = 0x1234fff0;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(phys_read(m, DATA + 0xe, 2), 0x8001);
	/* an immediate offset stays within the operand (modulo 16) */
	i = mk(OP_BT, 2);
	mem(&i, 0, R_EBX, 0xe, 2);
	imm(&i, 1, 0x1f, 1);                   /* bit 15 */
	ck_assert_int_eq(run(&i), -1);
	ck_assert(flags() & FL_CF);
}
END_TEST

START_TEST(test_bsf_bsr_bswap)
{
	struct insn i = mk(OP_BSF, 4);

	reg(&i, 0, R_EDX, 4);
	reg(&i, 1, R_ECX, 4);
	c->r[R_ECX] = 0x00010100;
	cpu_set_eflags(c, FL_1 | FL_ZF | FL_CF);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 8);
	ck_assert_uint_eq(flags(), FL_CF);              /* ZF = 0; others unchanged (revisor's choice) */
	i.exec = op_table[OP_BSR].exec;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 16);
	/* zero source: ZF = 1 and the destination keeps its value */
	c->r[R_ECX] = 0;
	c->r[R_EDX] = 0xdeadbeefu;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 0xdeadbeefu);
	ck_assert(flags() & FL_ZF);
	/* 16-bit BSR writes only DX */
	i = mk(OP_BSR, 2);
	reg(&i, 0, R_EDX, 2);
	reg(&i, 1, R_ECX, 2);
	c->r[R_ECX] = 0xffff0003;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDX], 0xdead0001);

	i = mk(OP_BSWAP, 4);
	reg(&i, 0, R_EDI, 4);
	c->r[R_EDI] = 0x11223344;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDI], 0x44332211);
	/* 16-bit BSWAP is undefined: revisor clears the 16-bit register, as processors do */
	i = mk(OP_BSWAP, 2);
	reg(&i, 0, R_EDI, 2);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EDI], 0x44330000);
}
END_TEST

/* ---- bcd.c -------------------------------------------------------------------------------------- */

/* Run a BCD instruction on EAX with the given input flags (imm for AAM/AAD). */
static int bcd(enum op_id op, uint32_t eax, uint32_t fin, uint32_t base)
{
	struct insn i = mk(op, 1);

	i.imm = base;
	c->r[R_EAX] = eax;
	cpu_set_eflags(c, FL_1 | fin);
	return run(&i);
}

START_TEST(test_daa_das)
{
	/* SDM DAA example: 0x79 + 0x35 = 0xae (AF = 0, CF = 0); DAA -> 0x14 with CF = AF = 1 (79 + 35 = 114) */
	ck_assert_uint_eq(binop(OP_ADD, 1, 0x79, 0x35, 0), 0xae);
	c->r[R_EAX] = 0xae;
	{
		struct insn i = mk(OP_DAA, 1);
		ck_assert_int_eq(run(&i), -1);           /* flags come from the lazy ADD record */
	}
	ck_assert_uint_eq(c->r[R_EAX], 0x14);
	ck_assert_uint_eq(flags(), FL_CF | FL_AF | FL_PF);
	/* 0x09 + 0x09 = 0x12 with AF: DAA -> 0x18 (9 + 9 = 18) */
	ck_assert_int_eq(bcd(OP_DAA, 0x12, FL_AF, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x18);
	ck_assert_uint_eq(flags(), FL_AF | FL_PF);
	/* SDM DAS example: 0x35 - 0x47 = 0xee with AF, CF; DAS -> 0x88 (35 - 47 = -12 -> 88, borrow) */
	ck_assert_int_eq(bcd(OP_DAS, 0xee, FL_AF | FL_CF, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x88);
	ck_assert_uint_eq(flags(), FL_SF | FL_AF | FL_PF | FL_CF);
	/* nothing to adjust */
	ck_assert_int_eq(bcd(OP_DAS, 0x42, 0, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x42);
	ck_assert_uint_eq(flags(), FL_PF);
}
END_TEST

START_TEST(test_aaa_aas)
{
	/* 9 + 6 = 0x0f in AL, AH = 0: AAA -> AH = 1, AL = 5 (15), CF = AF = 1 */
	ck_assert_int_eq(bcd(OP_AAA, 0xffff000f, 0, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xffff0105);
	ck_assert_uint_eq(flags() & (FL_CF | FL_AF), FL_CF | FL_AF);
	/* AL = 0xfa: AX + 0x106 carries out of AL into AH as well (current SDM): 0x00fa -> 0x0200 | 0 */
	ck_assert_int_eq(bcd(OP_AAA, 0x00fa, 0, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x0200);
	/* no adjustment: AH kept, AL masked, CF = AF = 0 */
	ck_assert_int_eq(bcd(OP_AAA, 0x0335, FL_CF, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x0305);
	ck_assert_uint_eq(flags() & (FL_CF | FL_AF), 0);
	/* 28 - 9: AX = 0x0208, SUB AL, 9 -> AL = 0xff with AF; AAS -> AH = 1, AL = 9 (19) */
	ck_assert_int_eq(bcd(OP_AAS, 0x02ff, FL_AF, 0), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x0109);
	ck_assert_uint_eq(flags() & (FL_CF | FL_AF), FL_CF | FL_AF);
}
END_TEST

START_TEST(test_aam_aad)
{
	/* AAM 10: 63 -> AH = 6, AL = 3; AAM 16: 0x3f -> 3, 0xf */
	ck_assert_int_eq(bcd(OP_AAM, 0x123400 | 63, 0, 10), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x120603);
	ck_assert_uint_eq(flags(), FL_PF);              /* 3 = two bits: even parity */
	ck_assert_int_eq(bcd(OP_AAM, 0x3f, 0, 16), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x030f);
	/* AAM 0 divides by zero: #DE, nothing changed */
	ck_assert_int_eq(bcd(OP_AAM, 0x3f, FL_CF, 0), EXC_DE);
	ck_assert_uint_eq(c->r[R_EAX], 0x3f);
	ck_assert_uint_eq(flags(), FL_CF);
	/* AAD 10: AH = 6, AL = 3 -> AL = 63, AH = 0 */
	ck_assert_int_eq(bcd(OP_AAD, 0x0603, 0, 10), -1);
	ck_assert_uint_eq(c->r[R_EAX], 63);
	ck_assert_uint_eq(flags(), FL_PF);              /* 0x3f: six bits */
	/* AAD 16 with wrap-around: 0xff * 16 + 0xff = 0x10ef -> AL = 0xef */
	ck_assert_int_eq(bcd(OP_AAD, 0xffff, 0, 16), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xef);
	ck_assert_uint_eq(flags() & FL_SF, FL_SF);
}
END_TEST

Suite *suite_alu(void)
{
	Suite *s = suite_create("alu");
	TCase *tc = tcase_create("alu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_flags);
	tcase_add_test(tc, test_sub_cmp);
	tcase_add_test(tc, test_logic);
	tcase_add_test(tc, test_inc_dec_neg_not);
	tcase_add_test(tc, test_byte_registers);
	tcase_add_test(tc, test_memory_rmw);
	tcase_add_test(tc, test_fault_precise);
	tcase_add_test(tc, test_mul);
	tcase_add_test(tc, test_imul);
	tcase_add_test(tc, test_div);
	tcase_add_test(tc, test_idiv);
	tcase_add_test(tc, test_div_delivery);
	tcase_add_test(tc, test_shift_basic);
	tcase_add_test(tc, test_shift_count_mask);
	tcase_add_test(tc, test_rotate);
	tcase_add_test(tc, test_shld_shrd);
	tcase_add_test(tc, test_bt_register);
	tcase_add_test(tc, test_bt_bitstring);
	tcase_add_test(tc, test_bsf_bsr_bswap);
	tcase_add_test(tc, test_daa_das);
	tcase_add_test(tc, test_aaa_aas);
	tcase_add_test(tc, test_aam_aad);
	suite_add_tcase(s, tc);
	return s;
}
