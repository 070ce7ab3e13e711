/* SPDX-License-Identifier: MIT
 *
 * test_branch.c — unit tests for branch.c (near JMP/Jcc/CALL/RET, indirect forms, LOOPcc, JCXZ): each
 * handler runs on a hand-built decoded instruction in the test machine of testutil.h, as interp_step()
 * runs it (EIP already at the next instruction; a fault restores EIP and ESP).  Expected values follow
 * the SDM vol. 2 entries; the CS-limit checks follow "JMP"/"CALL"/"RET" (#GP(0) before any change).
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

/* A relative branch (or any operand-less instruction) of length 2 with displacement rel. */
static struct insn mk(enum op_id op, unsigned osz, uint32_t rel)
{
	struct insn i = { .exec = op_table[op].exec, .op = (uint16_t)op, .len = 2, .osz = (uint8_t)osz,
			  .asz = 4, .seg = S_DS, .base = R_ZERO, .index = R_ZERO, .imm = rel };
	return i;
}

/* Switch to 16-bit code with a 64 KiB CS (as a 16-bit protected-mode or real-mode segment). */
static void code16(void)
{
	c->seg[S_CS].sel = TM_CODE16;
	c->seg[S_CS].limit = 0xffff;
	c->seg[S_CS].attr = 0x009b;
}

START_TEST(test_jmp)
{
	struct insn i = mk(OP_JMP, 4, 0x100);

	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->eip, TM_CODE + 2 + 0x100);
	i.imm = (uint32_t)-0x104;                    /* back to TM_CODE */
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE);

	/* 16-bit operand size: the target wraps within 64 KiB. */
	code16();
	c->eip = 0xfff0;
	i = mk(OP_JMP, 2, 0x20);
	run(&i);
	ck_assert_uint_eq(c->eip, 0x0012);
}
END_TEST

/* A target beyond the CS limit raises #GP(0) at the branch, before anything changes. */
START_TEST(test_branch_beyond_limit)
{
	struct insn i;

	code16();
	c->eip = 0x100;
	c->seg[S_CS].limit = 0x1ff;
	i = mk(OP_JMP, 2, 0x100);                    /* -> 0x202 */
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->fault_err, 0);
	ck_assert_uint_eq(c->eip, 0x100);

	i = mk(OP_JMP, 2, 0xfd);                     /* -> 0x1ff, the last byte: allowed */
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->eip, 0x1ff);

	/* CALL: nothing is pushed when the target is bad. */
	c->eip = 0x100;
	c->r[R_ESP] = 0x80000;
	phys_write(m, 0x80000 - 4, 4, 0x5a5a5a5a);
	i = mk(OP_CALL, 4, 0x1000);
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);
	ck_assert_uint_eq(phys_read(m, 0x80000 - 4, 4), 0x5a5a5a5a);

	/* Jcc taken to a bad target faults; not taken it does not look at the target. */
	i = mk(OP_JCC, 4, 0x1000);
	i.cc = 4;                                    /* JE */
	flags_update(c, FL_ZF, 0);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->eip, 0x102);
	flags_update(c, FL_ZF, FL_ZF);
	ck_assert_int_eq(run(&i), EXC_GP);

	/* RET to a bad address: #GP, ESP unchanged. */
	c->eip = 0x100;
	cpu_push(c, 4, 0x300);
	i = mk(OP_RET, 4, 0);
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 4);
	ck_assert_uint_eq(c->eip, 0x100);

	/* LOOP to a bad target: #GP and ECX not decremented. */
	c->r[R_ECX] = 5;
	i = mk(OP_LOOP, 4, 0x1000);
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ECX], 5);

	/* Real mode applies the limit too. */
	tm_real_mode(m);
	c->eip = 0xfff0;
	i = mk(OP_JMP, 4, 0x100);                    /* 32-bit operand size: 0x100f2 > 0xffff */
	ck_assert_int_eq(run(&i), EXC_GP);
}
END_TEST

START_TEST(test_jcc)
{
	struct insn i = mk(OP_JCC, 4, 0x10);

	lf_set(c, LF_SUB, 4, 3, 5, 3 - 5);          /* 3 < 5: below, less, not equal */
	i.cc = 2;                                    /* JB */
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE + 0x12);
	c->eip = TM_CODE;
	i.cc = 0xf;                                  /* JG: not taken */
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
}
END_TEST

START_TEST(test_call_ret)
{
	struct insn i = mk(OP_CALL, 4, 0x40);

	c->r[R_ESP] = 0x80000;
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE + 0x42);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 4);
	ck_assert_uint_eq(phys_read(m, 0x80000 - 4, 4), TM_CODE + 2);

	/* RET 8: pops the return address, then releases 8 bytes of parameters. */
	i = mk(OP_RET, 4, 8);
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 + 8);

	/* 16-bit call/ret on a 16-bit stack: 2-byte slot, SP wraps inside 64 KiB, ESP's top half kept. */
	code16();
	c->seg[S_SS].attr = 0x0093;
	c->seg[S_SS].limit = 0xffff;
	c->r[R_ESP] = 0x12340002;
	c->eip = 0x1000;
	i = mk(OP_CALL, 2, (uint32_t)-0x800);
	run(&i);
	ck_assert_uint_eq(c->eip, 0x802);
	ck_assert_uint_eq(c->r[R_ESP], 0x12340000);
	ck_assert_uint_eq(phys_read(m, 0, 2), 0x1002);
	i = mk(OP_RET, 2, 4);
	run(&i);
	ck_assert_uint_eq(c->eip, 0x1002);
	ck_assert_uint_eq(c->r[R_ESP], 0x12340006);
}
END_TEST

START_TEST(test_indirect)
{
	struct insn i = mk(OP_CALL_IND, 4, 0);

	/* call [esp]: the operand is read with the ESP from before the push. */
	c->r[R_ESP] = 0x80000;
	phys_write(m, 0x80000, 4, 0x12345);
	i.o[0] = (struct opnd){ .kind = OPK_MEM, .size = 4 };
	i.base = R_ESP;
	i.seg = S_SS;
	i.nopnd = 1;
	run(&i);
	ck_assert_uint_eq(c->eip, 0x12345);
	ck_assert_uint_eq(phys_read(m, 0x80000 - 4, 4), TM_CODE + 2);

	/* jmp ax: 16-bit operand size zero-extends the target. */
	i = mk(OP_JMP_IND, 2, 0);
	i.o[0] = (struct opnd){ .kind = OPK_REG, .size = 2, .reg = R_EAX };
	i.nopnd = 1;
	c->r[R_EAX] = 0xffff1234;
	run(&i);
	ck_assert_uint_eq(c->eip, 0x1234);

	/* jmp eax beyond the limit */
	c->seg[S_CS].limit = 0xfffff;
	i = mk(OP_JMP_IND, 4, 0);
	i.o[0] = (struct opnd){ .kind = OPK_REG, .size = 4, .reg = R_EAX };
	i.nopnd = 1;
	ck_assert_int_eq(run(&i), EXC_GP);
}
END_TEST

START_TEST(test_loop)
{
	struct insn i = mk(OP_LOOP, 4, (uint32_t)-2);   /* a loop onto itself */

	c->r[R_ECX] = 3;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 2);
	ck_assert_uint_eq(c->eip, TM_CODE);
	run(&i);
	run(&i);                                     /* ECX 1 -> 0: falls through */
	ck_assert_uint_eq(c->r[R_ECX], 0);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);

	/* 16-bit address size: only CX counts (CX = 0 -> 0xffff, taken; ECX's top half kept). */
	c->eip = TM_CODE;
	i.asz = 2;
	c->r[R_ECX] = 0x10000;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0x1ffff);
	ck_assert_uint_eq(c->eip, TM_CODE);

	/* LOOPE runs while ZF = 1, LOOPNE while ZF = 0; no flag is changed. */
	i = mk(OP_LOOPE, 4, (uint32_t)-2);
	c->r[R_ECX] = 10;
	flags_update(c, FL_ZF, 0);
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 9);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
	c->eip = TM_CODE;
	flags_update(c, FL_ZF, FL_ZF);
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE);
	ck_assert(cpu_get_eflags(c) & FL_ZF);
	i = mk(OP_LOOPNE, 4, (uint32_t)-2);
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 7);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
}
END_TEST

START_TEST(test_jcxz)
{
	struct insn i = mk(OP_JCXZ, 4, 0x10);

	c->r[R_ECX] = 0x10000;                       /* JECXZ: ECX != 0, not taken */
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
	c->eip = TM_CODE;
	i.asz = 2;                                   /* JCXZ: CX == 0, taken */
	run(&i);
	ck_assert_uint_eq(c->eip, TM_CODE + 0x12);
	ck_assert_uint_eq(c->r[R_ECX], 0x10000);
}
END_TEST

Suite *suite_branch(void)
{
	Suite *s = suite_create("branch");
	TCase *t = tcase_create("branch");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_jmp);
	tcase_add_test(t, test_branch_beyond_limit);
	tcase_add_test(t, test_jcc);
	tcase_add_test(t, test_call_ret);
	tcase_add_test(t, test_indirect);
	tcase_add_test(t, test_loop);
	tcase_add_test(t, test_jcxz);
	suite_add_tcase(s, t);
	return s;
}
