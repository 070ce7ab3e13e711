/* SPDX-License-Identifier: MIT
 *
 * test_datamov.c — unit tests for datamov.c, stack.c and io.c: each handler is run on a hand-built
 * decoded instruction (struct insn) in the test machine of testutil.h, the way the interpreter runs it
 * (EIP already advanced, faults longjmp back and restore EIP/ESP).  Expected values come from the SDM
 * vol. 2 definitions of each instruction.
 */
#include <check.h>
#include <setjmp.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"

static struct machine *m;
static struct cpu *c;

static void setup(void)
{
	m = tm_new();
	c = &m->cpu;
	c->eip = TM_CODE;
	c->icount_limit = UINT64_MAX;
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

/* A decoded instruction for operation op (its handler taken from the catalog, as the decoder does). */
static struct insn mk(enum op_id op, unsigned osz)
{
	struct insn i = { .exec = op_table[op].exec, .op = (uint16_t)op, .len = 2, .osz = (uint8_t)osz,
			  .asz = 4, .seg = S_DS, .base = R_ZERO, .index = R_ZERO };
	return i;
}

static void reg(struct insn *i, int k, unsigned r, unsigned size)
{
	i->o[k] = (struct opnd){ .kind = OPK_REG, .size = (uint8_t)size, .reg = (uint8_t)r };
	if (k + 1 > i->nopnd)
		i->nopnd = (uint8_t)(k + 1);
}

static void mem(struct insn *i, int k, unsigned size, uint32_t addr)
{
	i->o[k] = (struct opnd){ .kind = OPK_MEM, .size = (uint8_t)size };
	i->disp = addr;
	if (k + 1 > i->nopnd)
		i->nopnd = (uint8_t)(k + 1);
}

static void imm(struct insn *i, int k, unsigned size, uint32_t v)
{
	i->o[k] = (struct opnd){ .kind = OPK_IMM, .size = (uint8_t)size };
	i->imm = v;
	if (k + 1 > i->nopnd)
		i->nopnd = (uint8_t)(k + 1);
}

static uint32_t rd(uint32_t a, unsigned size) { return phys_read(m, a, size); }
static void wr(uint32_t a, unsigned size, uint32_t v) { phys_write(m, a, size, v); }

/* Make DS a read-only data segment (type 0: read-only, accessed bit clear). */
static void ds_readonly(void)
{
	c->seg[S_DS].attr = 0xc091;
}

/* Put the CPU at CPL 3 with the given IOPL (flat user segments). */
static void user_mode(unsigned iopl)
{
	c->cpl = 3;
	c->seg[S_CS].sel = TM_UCODE32;
	c->seg[S_CS].attr = 0xc0fb;
	c->seg[S_SS].sel = TM_UDATA32;
	c->seg[S_SS].attr = 0xc0f3;
	c->seg[S_DS].sel = TM_UDATA32;
	c->seg[S_DS].attr = 0xc0f3;
	c->eflags = (c->eflags & ~FL_IOPL) | (iopl << FL_IOPL_SHIFT);
}

/* ---- MOV family ---------------------------------------------------------------------------------- */

START_TEST(test_mov)
{
	struct insn i = mk(OP_MOV, 4);

	reg(&i, 0, R_EBX, 4);
	imm(&i, 1, 4, 0x12345678);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x12345678);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);

	i = mk(OP_MOV, 1);
	reg(&i, 0, 7, 1);                /* BH */
	reg(&i, 1, 0, 1);                /* AL */
	c->r[R_EAX] = 0xab;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0x1234ab78);

	i = mk(OP_MOV, 2);
	mem(&i, 0, 2, 0x50000);
	reg(&i, 1, R_EBX, 2);
	wr(0x50000, 4, 0xffffffff);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(rd(0x50000, 4), 0xffffab78);
}
END_TEST

START_TEST(test_movzx_movsx)
{
	struct insn i = mk(OP_MOVZX, 4);

	reg(&i, 0, R_ECX, 4);
	mem(&i, 1, 1, 0x50000);
	wr(0x50000, 2, 0x8081);
	c->r[R_ECX] = 0xdeadbeef;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0x81);

	i.exec = op_table[OP_MOVSX].exec;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0xffffff81);

	i = mk(OP_MOVSX, 2);             /* movsx cx, word [..]: only CX changes */
	reg(&i, 0, R_ECX, 2);
	mem(&i, 1, 2, 0x50000);
	c->r[R_ECX] = 0x11112222;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0x11118081);

	i = mk(OP_MOVSX, 4);
	reg(&i, 0, R_EDX, 4);
	mem(&i, 1, 2, 0x50000);
	run(&i);
	ck_assert_uint_eq(c->r[R_EDX], 0xffff8081);
}
END_TEST

START_TEST(test_xchg)
{
	struct insn i = mk(OP_XCHG, 4);

	/* xchg [eax], eax: the address uses the old EAX, memory and EAX trade values. */
	mem(&i, 0, 4, 0);
	i.base = R_EAX;
	reg(&i, 1, R_EAX, 4);
	c->r[R_EAX] = 0x50000;
	wr(0x50000, 4, 0x1111);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0x1111);
	ck_assert_uint_eq(rd(0x50000, 4), 0x50000);

	/* xchg al, ah */
	i = mk(OP_XCHG, 1);
	reg(&i, 0, 0, 1);
	reg(&i, 1, 4, 1);
	c->r[R_EAX] = 0x1234;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0x3412);

	/* A write to a read-only segment faults and leaves the register alone. */
	i = mk(OP_XCHG, 4);
	mem(&i, 0, 4, 0x50000);
	reg(&i, 1, R_ECX, 4);
	c->r[R_ECX] = 7;
	ds_readonly();
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ECX], 7);
	ck_assert_uint_eq(c->eip, TM_CODE + 4);   /* back at the faulting instruction */
}
END_TEST

START_TEST(test_xadd)
{
	struct insn i = mk(OP_XADD, 1);

	mem(&i, 0, 1, 0x50000);
	reg(&i, 1, 3, 1);                /* BL */
	wr(0x50000, 1, 0xf0);
	c->r[R_EBX] = 0x20;
	run(&i);
	ck_assert_uint_eq(rd(0x50000, 1), 0x10);
	ck_assert_uint_eq(c->r[R_EBX], 0xf0);
	ck_assert(cpu_get_eflags(c) & FL_CF);
	ck_assert(!(cpu_get_eflags(c) & FL_ZF));

	/* xadd eax, eax: SRC = DEST is done first, so the sum wins. */
	i = mk(OP_XADD, 4);
	reg(&i, 0, R_EAX, 4);
	reg(&i, 1, R_EAX, 4);
	c->r[R_EAX] = 5;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 10);
}
END_TEST

START_TEST(test_cmpxchg)
{
	struct insn i = mk(OP_CMPXCHG, 4);

	mem(&i, 0, 4, 0x50000);
	reg(&i, 1, R_ECX, 4);
	wr(0x50000, 4, 100);
	c->r[R_EAX] = 100;
	c->r[R_ECX] = 200;
	run(&i);
	ck_assert_uint_eq(rd(0x50000, 4), 200);
	ck_assert(cpu_get_eflags(c) & FL_ZF);
	ck_assert_uint_eq(c->r[R_EAX], 100);

	/* Mismatch: EAX receives the memory value, flags as CMP EAX, m (5 - 200 borrows). */
	c->r[R_EAX] = 5;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 200);
	ck_assert_uint_eq(rd(0x50000, 4), 200);
	ck_assert(!(cpu_get_eflags(c) & FL_ZF));
	ck_assert(cpu_get_eflags(c) & FL_CF);

	/* The destination is written even on mismatch: a read-only destination faults, EAX unchanged. */
	c->r[R_EAX] = 5;
	ds_readonly();
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_EAX], 5);
}
END_TEST

START_TEST(test_cmpxchg8b)
{
	struct insn i = mk(OP_CMPXCHG8B, 4);

	mem(&i, 0, 8, 0x50000);
	wr(0x50000, 4, 0x11111111);
	wr(0x50004, 4, 0x22222222);
	c->r[R_EAX] = 0x11111111;
	c->r[R_EDX] = 0x22222222;
	c->r[R_EBX] = 0xaaaa;
	c->r[R_ECX] = 0xbbbb;
	lf_set(c, LF_ADD, 4, 0xffffffff, 1, 0);  /* CF = 1, ZF = 1 before */
	run(&i);
	ck_assert_uint_eq(rd(0x50000, 4), 0xaaaa);
	ck_assert_uint_eq(rd(0x50004, 4), 0xbbbb);
	ck_assert(cpu_get_eflags(c) & FL_ZF);
	ck_assert(cpu_get_eflags(c) & FL_CF);    /* only ZF is affected */

	run(&i);                                 /* now different */
	ck_assert_uint_eq(c->r[R_EAX], 0xaaaa);
	ck_assert_uint_eq(c->r[R_EDX], 0xbbbb);
	ck_assert(!(cpu_get_eflags(c) & FL_ZF));
	ck_assert(cpu_get_eflags(c) & FL_CF);

	i.o[0].kind = OPK_REG;                   /* register form: #UD */
	ck_assert_int_eq(run(&i), EXC_UD);
}
END_TEST

START_TEST(test_cmov_setcc)
{
	struct insn i = mk(OP_CMOV, 4);

	reg(&i, 0, R_EAX, 4);
	mem(&i, 1, 4, 0x50000);
	wr(0x50000, 4, 77);
	i.cc = 4;                                /* CMOVE */
	c->r[R_EAX] = 1;
	flags_update(c, FL_ZF, 0);
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 1);
	flags_update(c, FL_ZF, FL_ZF);
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 77);

	/* The source is read even if the condition is false: beyond the DS limit -> #GP. */
	flags_update(c, FL_ZF, 0);
	c->seg[S_DS].limit = 0xfff;
	ck_assert_int_eq(run(&i), EXC_GP);

	i = mk(OP_SETCC, 1);
	reg(&i, 0, 1, 1);                        /* CL */
	i.cc = 0xc;                              /* SETL: SF != OF */
	c->r[R_ECX] = 0xffff;
	lf_set(c, LF_SUB, 4, 1, 2, 1 - 2);       /* 1 < 2 signed */
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0xff01);
	i.cc = 0xd;                              /* SETGE */
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0xff00);
}
END_TEST

START_TEST(test_lea)
{
	struct insn i = mk(OP_LEA, 4);

	reg(&i, 0, R_EAX, 4);
	i.base = R_EBX;
	i.index = R_ESI;
	i.scale = 2;
	i.disp = 0x10;
	c->r[R_EBX] = 0x1000;
	c->r[R_ESI] = 3;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0x1000 + 12 + 0x10);

	/* 16-bit address size wraps at 64 KiB and is zero-extended into a 32-bit register. */
	i.asz = 2;
	i.scale = 0;
	c->r[R_EBX] = 0xfff0;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0x3);

	/* 16-bit operand size keeps EAX's top half. */
	i.asz = 4;
	i.o[0].size = 2;
	c->r[R_EAX] = 0xaaaa0000;
	c->r[R_EBX] = 0x12340000;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0xaaaa0013);
}
END_TEST

START_TEST(test_cbw_cwd)
{
	struct insn i = mk(OP_CBW, 2);

	c->r[R_EAX] = 0x12345680;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0x1234ff80);
	i.osz = 4;                               /* CWDE */
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0xffffff80);

	i = mk(OP_CWD, 2);
	c->r[R_EAX] = 0x8000;
	c->r[R_EDX] = 0x12340000;
	run(&i);
	ck_assert_uint_eq(c->r[R_EDX], 0x1234ffff);
	i.osz = 4;                               /* CDQ */
	run(&i);
	ck_assert_uint_eq(c->r[R_EDX], 0);
}
END_TEST

START_TEST(test_lahf_sahf)
{
	struct insn i = mk(OP_LAHF, 4);

	lf_set(c, LF_SUB, 1, 0, 1, 0xff);        /* CF SF AF PF set, ZF clear; OF clear */
	c->r[R_EAX] = 0;
	run(&i);
	ck_assert_uint_eq((c->r[R_EAX] >> 8) & 0xff, FL_SF | FL_AF | FL_PF | FL_1 | FL_CF);

	i = mk(OP_SAHF, 4);
	flags_update(c, FL_OF, FL_OF);
	c->r[R_EAX] = FL_ZF << 8;                /* AH = ZF only: CF SF AF PF cleared, OF untouched */
	run(&i);
	ck_assert_uint_eq(cpu_get_eflags(c) & FL_ARITH, FL_ZF | FL_OF);
}
END_TEST

START_TEST(test_xlat_salc_flags)
{
	struct insn i = mk(OP_XLAT, 4);

	i.asz = 2;
	c->r[R_EBX] = 0x7ffff0;                  /* only BX counts with a 16-bit address size */
	c->r[R_EAX] = 0x20;
	wr(0x10010, 1, 0x99);                    /* BX + AL = 0x10010 without the wrap... */
	wr(0x00010, 1, 0x42);                    /* ...but (BX + AL) & 0xffff = 0x0010 */
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0x42);

	i = mk(OP_SALC, 4);
	flags_update(c, FL_CF, FL_CF);
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX] & 0xff, 0xff);

	i = mk(OP_CMC, 4);
	run(&i);
	ck_assert(!flag_cf(c));
	i.exec = op_table[OP_STC].exec;
	run(&i);
	ck_assert(flag_cf(c));
	i.exec = op_table[OP_CLC].exec;
	run(&i);
	ck_assert(!flag_cf(c));
	i.exec = op_table[OP_STD].exec;
	run(&i);
	ck_assert(c->eflags & FL_DF);
	i.exec = op_table[OP_CLD].exec;
	run(&i);
	ck_assert(!(c->eflags & FL_DF));
}
END_TEST

START_TEST(test_bound)
{
	struct insn i = mk(OP_BOUND, 4);

	reg(&i, 0, R_EAX, 4);
	mem(&i, 1, 4, 0x50000);
	wr(0x50000, 4, (uint32_t)-5);
	wr(0x50004, 4, 10);
	c->r[R_EAX] = (uint32_t)-5;              /* signed comparison: -5 is in [-5, 10] */
	ck_assert_int_eq(run(&i), -1);
	c->r[R_EAX] = 10;
	ck_assert_int_eq(run(&i), -1);
	c->r[R_EAX] = 11;
	ck_assert_int_eq(run(&i), EXC_BR);
	ck_assert_uint_eq(c->eip, TM_CODE + 4);  /* a fault: EIP at BOUND */

	i = mk(OP_BOUND, 2);                     /* 16-bit: words at ea and ea+2 */
	reg(&i, 0, R_EAX, 2);
	mem(&i, 1, 2, 0x50000);
	wr(0x50000, 2, 0xfff0);                  /* -16 */
	wr(0x50002, 2, 0x0010);
	c->r[R_EAX] = 0x7ffff0;                  /* AX = -16 */
	ck_assert_int_eq(run(&i), -1);
	c->r[R_EAX] = 0xffef;                    /* -17 */
	ck_assert_int_eq(run(&i), EXC_BR);
}
END_TEST

/* ---- stack --------------------------------------------------------------------------------------- */

START_TEST(test_push_pop)
{
	struct insn i = mk(OP_PUSH, 4);

	imm(&i, 0, 4, 0xfffffff0);               /* push imm8 sign-extended by the decoder */
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 4);
	ck_assert_uint_eq(rd(0x80000 - 4, 4), 0xfffffff0);

	/* push esp pushes the value before the push */
	i = mk(OP_PUSH, 4);
	reg(&i, 0, R_ESP, 4);
	run(&i);
	ck_assert_uint_eq(rd(0x80000 - 8, 4), 0x80000 - 4);

	/* 16-bit push moves ESP by 2 */
	i = mk(OP_PUSH, 2);
	reg(&i, 0, R_EAX, 2);
	c->r[R_EAX] = 0xabcd1234;
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 10);
	ck_assert_uint_eq(rd(0x80000 - 10, 2), 0x1234);

	/* pop [esp]: the address is computed with the incremented ESP */
	i = mk(OP_POP, 2);
	mem(&i, 0, 2, 0);
	i.base = R_ESP;
	i.seg = S_SS;
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 8);
	ck_assert_uint_eq(rd(0x80000 - 8, 2), 0x1234);

	/* pop esp: ESP receives the popped value */
	i = mk(OP_POP, 4);
	reg(&i, 0, R_ESP, 4);
	wr(0x80000 - 8, 4, 0x60000);
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x60000);

	/* pop to a read-only location faults and ESP is unchanged */
	i = mk(OP_POP, 4);
	mem(&i, 0, 4, 0x50000);
	ds_readonly();
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ESP], 0x60000);
}
END_TEST

START_TEST(test_pusha_popa)
{
	struct insn i = mk(OP_PUSHA, 4);

	for (unsigned r = 0; r < 8; r++)
		c->r[r] = 0x100 + r;
	c->r[R_ESP] = 0x80000;
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 32);
	ck_assert_uint_eq(rd(0x80000 - 4, 4), 0x100);       /* EAX first */
	ck_assert_uint_eq(rd(0x80000 - 20, 4), 0x80000);    /* original ESP */
	ck_assert_uint_eq(rd(0x80000 - 32, 4), 0x107);      /* EDI last */

	for (unsigned r = 0; r < 8; r++)
		if (r != R_ESP)
			c->r[r] = 0;
	wr(0x80000 - 20, 4, 0x12345678);                   /* the saved ESP is ignored */
	i.exec = op_table[OP_POPA].exec;
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);
	for (unsigned r = 0; r < 8; r++)
		if (r != R_ESP)
			ck_assert_uint_eq(c->r[r], 0x100 + r);

	/* 16-bit POPA only loads the low halves */
	i = mk(OP_POPA, 2);
	c->r[R_ESP] = 0x70000;
	for (unsigned k = 0; k < 8; k++)
		wr(0x70000 + 2 * k, 2, 0x7770 + k);              /* DI SI BP (SP) BX DX CX AX */
	run(&i);
	ck_assert_uint_eq(c->r[R_EDI], 0x7770);
	ck_assert_uint_eq(c->r[R_EAX], 0x7777);
	ck_assert_uint_eq(c->r[R_EBX], 0x7774);
	ck_assert_uint_eq(c->r[R_ESP], 0x70010);
}
END_TEST

START_TEST(test_enter_leave)
{
	struct insn i = mk(OP_ENTER, 4);

	c->r[R_ESP] = 0x80000;
	c->r[R_EBP] = 0x90000;
	i.imm = 0x20;
	i.imm2 = 0;
	run(&i);
	ck_assert_uint_eq(rd(0x80000 - 4, 4), 0x90000);
	ck_assert_uint_eq(c->r[R_EBP], 0x80000 - 4);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 4 - 0x20);

	i = mk(OP_LEAVE, 4);
	run(&i);
	ck_assert_uint_eq(c->r[R_EBP], 0x90000);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);

	/* Level 3: two enclosing frame pointers copied from [EBP-4], [EBP-8], then the new frame pointer. */
	wr(0x90000 - 4, 4, 0xaaaa);
	wr(0x90000 - 8, 4, 0xbbbb);
	i = mk(OP_ENTER, 4);
	i.imm = 8;
	i.imm2 = 3;
	run(&i);
	ck_assert_uint_eq(rd(0x80000 - 8, 4), 0xaaaa);
	ck_assert_uint_eq(rd(0x80000 - 12, 4), 0xbbbb);
	ck_assert_uint_eq(rd(0x80000 - 16, 4), 0x80000 - 4);
	ck_assert_uint_eq(c->r[R_EBP], 0x80000 - 4);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 16 - 8);
}
END_TEST

START_TEST(test_pushf_popf_cpl0)
{
	struct insn i = mk(OP_PUSHF, 4);

	cpu_set_eflags(c, FL_IF | FL_RF | FL_DF);
	lf_set(c, LF_SUB, 4, 0, 1, (uint32_t)-1);  /* CF=1 SF=1 */
	run(&i);
	ck_assert_uint_eq(rd(c->r[R_ESP], 4), FL_1 | FL_IF | FL_DF | FL_CF | FL_SF | FL_PF | FL_AF);

	/* At CPL 0 POPF may change IF and IOPL; RF is cleared, VM never set. */
	i = mk(OP_POPF, 4);
	cpu_push(c, 4, FL_IOPL | FL_VM | FL_RF | FL_ZF);
	run(&i);
	ck_assert_uint_eq(cpu_get_eflags(c), FL_1 | FL_IOPL | FL_ZF);

	/* A 16-bit POPF leaves bits 16..31 alone. */
	cpu_set_eflags(c, FL_AC | FL_IF);
	i = mk(OP_POPF, 2);
	cpu_push(c, 2, FL_CF);
	run(&i);
	ck_assert_uint_eq(cpu_get_eflags(c), FL_1 | FL_AC | FL_CF);
}
END_TEST

/* The lectures' example of why IA-32 is not classically virtualizable: POPF is SENSITIVE (it may change
 * IF, which controls interrupt delivery) but NOT PRIVILEGED — at CPL 3 with IOPL 0 it does not trap; it
 * silently ignores the new IF.  A deprivileged guest kernel's "popf" to re-enable interrupts would go
 * unnoticed by a trap-and-emulate VMM.  PUSHF likewise reveals the real IF/IOPL at any CPL. */
START_TEST(test_popf_sensitive_not_privileged)
{
	struct insn i = mk(OP_POPF, 4);

	cpu_set_eflags(c, FL_1);
	user_mode(0);
	cpu_push(c, 4, FL_IF | FL_IOPL | FL_CF);
	ck_assert_int_eq(run(&i), -1);                /* no #GP: unprivileged */
	ck_assert(!(c->eflags & FL_IF));               /* ...and IF silently unchanged */
	ck_assert_uint_eq(cpu_iopl(c), 0);
	ck_assert(flag_cf(c));                         /* ordinary flags did change */

	/* 0 < CPL <= IOPL: IF changes, IOPL still does not. */
	c->eflags = (c->eflags & ~FL_IOPL) | (3u << FL_IOPL_SHIFT);
	cpu_push(c, 4, FL_IF);
	run(&i);
	ck_assert(c->eflags & FL_IF);
	ck_assert_uint_eq(cpu_iopl(c), 3);

	/* PUSHF at CPL 3 reveals IF and IOPL: no trap either. */
	i = mk(OP_PUSHF, 4);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(rd(c->r[R_ESP], 4) & (FL_IF | FL_IOPL), FL_IF | FL_IOPL);
}
END_TEST

START_TEST(test_push_pop_seg)
{
	struct insn i = mk(OP_PUSH_SEG, 4);

	/* 32-bit push of a segment register: ESP -= 4, only the low word is written (modern Intel). */
	i.o[0] = (struct opnd){ .kind = OPK_SREG, .size = 2, .reg = S_DS };
	wr(0x80000 - 4, 4, 0xdeadbeef);
	run(&i);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 4);
	ck_assert_uint_eq(rd(0x80000 - 4, 4), 0xdead0000 | TM_DATA32);

	/* pop es with the 16-bit data selector */
	i = mk(OP_POP_SEG, 4);
	i.o[0] = (struct opnd){ .kind = OPK_SREG, .size = 2, .reg = S_ES };
	wr(0x80000 - 4, 4, TM_DATA16);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->seg[S_ES].sel, TM_DATA16);
	ck_assert_uint_eq(c->seg[S_ES].limit, 0xffff);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);

	/* pop ss with a code selector: #GP, ESP and SS unchanged */
	i.o[0].reg = S_SS;
	cpu_push(c, 4, TM_CODE32);
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 4);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA32);

	i.o[0].reg = S_CS;                             /* pop cs does not exist */
	ck_assert_int_eq(run(&i), EXC_UD);
}
END_TEST

/* ---- I/O and the interrupt flag ----------------------------------------------------------------- */

static uint32_t last_port, last_val, last_len;
static void test_port(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	last_port = addr;
	last_len = len;
	if (is_write)
		last_val = *data;
	else
		*data = 0x76543210u & (len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1);
}

START_TEST(test_in_out)
{
	struct insn i = mk(OP_OUT, 1);

	bus_register(m, BUS_PIO, 0x80, 8, test_port, NULL, "test");
	imm(&i, 0, 1, 0x81);
	reg(&i, 1, R_EAX, 1);
	c->r[R_EAX] = 0x1234;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(last_port, 1);
	ck_assert_uint_eq(last_val, 0x34);
	ck_assert_uint_eq(last_len, 1);

	i = mk(OP_IN, 2);                              /* in ax, dx */
	reg(&i, 0, R_EAX, 2);
	reg(&i, 1, R_EDX, 2);
	c->r[R_EDX] = 0x84;
	c->r[R_EAX] = 0xffff0000;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0xffff3210);
}
END_TEST

START_TEST(test_io_permission)
{
	struct insn i = mk(OP_IN, 1);

	reg(&i, 0, R_EAX, 1);
	imm(&i, 1, 1, 0x80);
	user_mode(0);
	/* The test TSS has no bitmap (base 0x68 > limit 0x67): CPL 3 > IOPL 0 -> #GP(0). */
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->fault_err, 0);

	/* Give it a bitmap covering ports 0..0xff with only port 0x81 denied. */
	for (uint32_t a = 0x3068; a < 0x3088; a++)
		wr(a, 1, 0);
	wr(0x3068 + 0x10, 1, 0x02);
	c->seg[S_TR].limit = 0x87;
	ck_assert_int_eq(run(&i), -1);                 /* in al, 0x80 */
	i.o[0].size = 2;
	ck_assert_int_eq(run(&i), EXC_GP);             /* in ax, 0x80 touches 0x81 */
	i.imm = 0x82;
	i.o[0].size = 4;
	ck_assert_int_eq(run(&i), -1);                 /* 0x82..0x85 allowed */
	i.imm = 0xfe;
	ck_assert_int_eq(run(&i), EXC_GP);             /* 0x100 lies beyond the TSS limit */

	/* IOPL 3: no bitmap needed. */
	c->eflags |= FL_IOPL;
	i.imm = 0x81;
	ck_assert_int_eq(run(&i), -1);
}
END_TEST

START_TEST(test_cli_sti)
{
	struct insn i = mk(OP_STI, 4);

	cpu_set_eflags(c, FL_1);
	run(&i);
	ck_assert(c->eflags & FL_IF);
	ck_assert_int_eq(c->inhibit_irq, 1);           /* the STI shadow */
	c->inhibit_irq = 0;
	run(&i);
	ck_assert_int_eq(c->inhibit_irq, 0);           /* IF already set: no shadow */

	i.exec = op_table[OP_CLI].exec;
	run(&i);
	ck_assert(!(c->eflags & FL_IF));

	/* CLI/STI at CPL > IOPL fault (unlike POPF). */
	user_mode(0);
	c->eflags |= FL_IF;
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert(c->eflags & FL_IF);
	i.exec = op_table[OP_STI].exec;
	ck_assert_int_eq(run(&i), EXC_GP);
	user_mode(3);
	i.exec = op_table[OP_CLI].exec;
	ck_assert_int_eq(run(&i), -1);
	ck_assert(!(c->eflags & FL_IF));
}
END_TEST

Suite *suite_datamov(void)
{
	Suite *s = suite_create("datamov");
	TCase *t = tcase_create("datamov");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_mov);
	tcase_add_test(t, test_movzx_movsx);
	tcase_add_test(t, test_xchg);
	tcase_add_test(t, test_xadd);
	tcase_add_test(t, test_cmpxchg);
	tcase_add_test(t, test_cmpxchg8b);
	tcase_add_test(t, test_cmov_setcc);
	tcase_add_test(t, test_lea);
	tcase_add_test(t, test_cbw_cwd);
	tcase_add_test(t, test_lahf_sahf);
	tcase_add_test(t, test_xlat_salc_flags);
	tcase_add_test(t, test_bound);
	tcase_add_test(t, test_push_pop);
	tcase_add_test(t, test_pusha_popa);
	tcase_add_test(t, test_enter_leave);
	tcase_add_test(t, test_pushf_popf_cpl0);
	tcase_add_test(t, test_popf_sensitive_not_privileged);
	tcase_add_test(t, test_push_pop_seg);
	tcase_add_test(t, test_in_out);
	tcase_add_test(t, test_io_permission);
	tcase_add_test(t, test_cli_sti);
	suite_add_tcase(s, t);
	return s;
}
