/* SPDX-License-Identifier: MIT
 *
 * test_string.c — unit tests for string.c: MOVS/CMPS/STOS/LODS/SCAS/INS/OUTS alone and under
 * REP/REPE/REPNE, both directions, both address sizes, and the virtual-time contract (each iteration
 * retires as one instruction; the handler hands control back to the run loop at the budget, at a
 * pending interrupt, and on a fault with the registers of the last completed iteration).
 * Handlers run on hand-built decoded instructions in the test machine of testutil.h.
 */
#include <check.h>
#include <setjmp.h>
#include <string.h>
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
	c->icount = 1000;
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

/* A string instruction: opcode byte opc (even = byte form), element size osz, prefixes pfx. */
static struct insn mk(enum op_id op, uint8_t opc, unsigned osz, uint8_t pfx)
{
	struct insn i = { .exec = op_table[op].exec, .op = (uint16_t)op, .len = pfx ? 2 : 1, .osz = (uint8_t)osz,
			  .asz = 4, .seg = S_DS, .base = R_ZERO, .index = R_ZERO, .pfx = pfx, .opc = opc,
			  .map = 1 };
	return i;
}

static void put(uint32_t a, const char *s)
{
	tm_load(m, a, s, strlen(s));
}

START_TEST(test_movs_single)
{
	struct insn i = mk(OP_MOVS, 0xa5, 4, 0);

	phys_write(m, 0x50000, 4, 0xcafebabe);
	c->r[R_ESI] = 0x50000;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 9;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x60000, 4), 0xcafebabe);
	ck_assert_uint_eq(c->r[R_ESI], 0x50004);
	ck_assert_uint_eq(c->r[R_EDI], 0x60004);
	ck_assert_uint_eq(c->r[R_ECX], 9);            /* no REP: ECX untouched */
	ck_assert_uint_eq(c->eip, TM_CODE + 1);

	/* DF = 1 counts down; the source segment may be overridden, the destination is always ES. */
	c->eflags |= FL_DF;
	c->seg[S_FS].base = 0x1000;
	i = mk(OP_MOVS, 0xa4, 1, 0);
	i.seg = S_FS;
	phys_write(m, 0x51000, 1, 0x77);
	c->r[R_ESI] = 0x50000;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x60004, 1), 0x77);
	ck_assert_uint_eq(c->r[R_ESI], 0x4ffff);
	ck_assert_uint_eq(c->r[R_EDI], 0x60003);
}
END_TEST

START_TEST(test_rep_movs)
{
	struct insn i = mk(OP_MOVS, 0xa4, 1, PFX_REP);

	put(0x50000, "hello, world");
	c->r[R_ESI] = 0x50000;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 12;
	run(&i);
	ck_assert_mem_eq(m->ram + 0x60000, "hello, world", 12);
	ck_assert_uint_eq(c->r[R_ECX], 0);
	ck_assert_uint_eq(c->r[R_ESI], 0x5000c);
	ck_assert_uint_eq(c->r[R_EDI], 0x6000c);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);       /* completed */
	ck_assert_uint_eq(c->icount, 1000 + 12);      /* one retired instruction per iteration */
}
END_TEST

START_TEST(test_rep_ecx_zero)
{
	struct insn i = mk(OP_STOS, 0xab, 4, PFX_REP);

	phys_write(m, 0x60000, 4, 0x11111111);
	c->r[R_EAX] = 0xffffffff;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 0;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x60000, 4), 0x11111111);
	ck_assert_uint_eq(c->r[R_EDI], 0x60000);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
	ck_assert_uint_eq(c->icount, 1001);

	/* 16-bit address size: CX = 0 even though ECX is not. */
	i.asz = 2;
	c->r[R_ECX] = 0x50000;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x60000, 4), 0x11111111);
	ck_assert_uint_eq(c->r[R_ECX], 0x50000);
}
END_TEST

START_TEST(test_rep_stos_df)
{
	struct insn i = mk(OP_STOS, 0xab, 2, PFX_REP);

	c->eflags |= FL_DF;
	c->r[R_EAX] = 0xabcd;
	c->r[R_EDI] = 0x60006;
	c->r[R_ECX] = 3;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x60002, 4), 0xabcdabcd);
	ck_assert_uint_eq(phys_read(m, 0x60006, 2), 0xabcd);
	ck_assert_uint_eq(phys_read(m, 0x60000, 2), 0);
	ck_assert_uint_eq(c->r[R_EDI], 0x60000);
}
END_TEST

START_TEST(test_repe_cmps)
{
	struct insn i = mk(OP_CMPS, 0xa6, 1, PFX_REP);  /* F3 A6: REPE CMPSB */

	put(0x50000, "abcXef");
	put(0x60000, "abcYef");
	c->r[R_ESI] = 0x50000;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 10;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 6);             /* stopped after the 4th comparison */
	ck_assert_uint_eq(c->r[R_ESI], 0x50004);
	ck_assert(!(cpu_get_eflags(c) & FL_ZF));
	ck_assert(cpu_get_eflags(c) & FL_CF);          /* 'X' - 'Y' borrows */
	ck_assert_uint_eq(c->eip, TM_CODE + 2);        /* the instruction completed */
	ck_assert_uint_eq(c->icount, 1004);

	/* Equal all the way: stops when the count runs out, ZF = 1. */
	c->r[R_ESI] = 0x50000;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 3;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 0);
	ck_assert(cpu_get_eflags(c) & FL_ZF);
}
END_TEST

START_TEST(test_repne_scas)
{
	struct insn i = mk(OP_SCAS, 0xae, 1, PFX_REPNE);  /* F2 AE: REPNE SCASB, a strlen */

	put(0x60000, "revisor");
	phys_write(m, 0x60007, 1, 0);
	c->r[R_EAX] = 0;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 0xffffffff;
	run(&i);
	ck_assert_uint_eq(c->r[R_EDI], 0x60008);
	ck_assert_uint_eq(~c->r[R_ECX] - 1, 7);          /* the classic strlen idiom */
	ck_assert(cpu_get_eflags(c) & FL_ZF);

	/* SCASW: AX - [ES:DI] */
	i = mk(OP_SCAS, 0xaf, 2, 0);
	phys_write(m, 0x60000, 2, 0x0001);
	c->r[R_EAX] = 0x0000;
	c->r[R_EDI] = 0x60000;
	run(&i);
	ck_assert(cpu_get_eflags(c) & FL_CF);
	ck_assert(!(cpu_get_eflags(c) & FL_ZF));
}
END_TEST

START_TEST(test_lods_addr16)
{
	struct insn i = mk(OP_LODS, 0xad, 2, 0);

	/* 16-bit address size: SI wraps from 0xffff to 0x0001, ESI's upper half unchanged. */
	i.asz = 2;
	phys_write(m, 0xffff, 2, 0x4321);
	c->r[R_ESI] = 0x7000ffff;
	c->r[R_EAX] = 0xaaaa0000;
	run(&i);
	ck_assert_uint_eq(c->r[R_EAX], 0xaaaa4321);
	ck_assert_uint_eq(c->r[R_ESI], 0x70000001);
}
END_TEST

/* The budget ends inside a REP: the iterations done so far have retired, EIP points back at the
 * instruction, and running it again continues where it stopped. */
START_TEST(test_rep_budget)
{
	struct insn i = mk(OP_STOS, 0xaa, 1, PFX_REP);

	c->r[R_EAX] = 0x5a;
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 10;
	c->icount_limit = 1003;
	run(&i);
	ck_assert_uint_eq(c->icount, 1003);
	ck_assert_uint_eq(c->r[R_ECX], 7);
	ck_assert_uint_eq(c->r[R_EDI], 0x60003);
	ck_assert_uint_eq(c->eip, TM_CODE);            /* to be resumed */
	ck_assert_uint_eq(phys_read(m, 0x60003, 1), 0);

	c->icount_limit = UINT64_MAX;
	run(&i);
	ck_assert_uint_eq(c->icount, 1010);
	ck_assert_uint_eq(c->r[R_ECX], 0);
	ck_assert_uint_eq(phys_read(m, 0x60009, 1), 0x5a);
	ck_assert_uint_eq(phys_read(m, 0x6000a, 1), 0);
	ck_assert_uint_eq(c->eip, TM_CODE + 2);
}
END_TEST

/* An interrupt that can be taken stops a REP at the next iteration boundary. */
START_TEST(test_rep_irq)
{
	struct insn i = mk(OP_STOS, 0xaa, 1, PFX_REP);

	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 10;
	c->irq_pending = 1;
	run(&i);                                       /* IF = 0: the interrupt cannot be taken */
	ck_assert_uint_eq(c->r[R_ECX], 0);

	c->r[R_ECX] = 10;
	c->eflags |= FL_IF;
	c->eip = TM_CODE;
	run(&i);
	ck_assert_uint_eq(c->r[R_ECX], 9);
	ck_assert_uint_eq(c->eip, TM_CODE);            /* back at the REP, for after the interrupt */
	c->irq_pending = 0;
}
END_TEST

/* A fault in iteration k leaves the registers as after iteration k-1; only completed iterations retire. */
START_TEST(test_rep_fault)
{
	struct insn i = mk(OP_MOVS, 0xa4, 1, PFX_REP);

	/* ES: base 0x20000, limit 0xfff */
	c->seg[S_ES].base = 0x20000;
	c->seg[S_ES].limit = 0xfff;
	c->r[R_ESI] = 0x50000;
	c->r[R_EDI] = 0xffd;
	c->r[R_ECX] = 5;
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->r[R_ECX], 2);
	ck_assert_uint_eq(c->r[R_EDI], 0x1000);
	ck_assert_uint_eq(c->r[R_ESI], 0x50003);
	ck_assert_uint_eq(c->eip, TM_CODE);
	ck_assert_uint_eq(c->icount, 1003);
}
END_TEST

static uint8_t port_log[16];
static unsigned port_n;
static void test_port(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	if (is_write) {
		if (port_n < sizeof port_log)
			port_log[port_n++] = (uint8_t)*data;
	} else {
		*data = 0x40 + port_n++;
	}
}

START_TEST(test_ins_outs)
{
	struct insn i = mk(OP_OUTS, 0x6e, 1, PFX_REP);

	bus_register(m, BUS_PIO, 0xe9, 1, test_port, NULL, "test");
	put(0x50000, "xyz");
	c->r[R_EDX] = 0xe9;
	c->r[R_ESI] = 0x50000;
	c->r[R_ECX] = 3;
	port_n = 0;
	run(&i);
	ck_assert_uint_eq(port_n, 3);
	ck_assert_mem_eq(port_log, "xyz", 3);
	ck_assert_uint_eq(c->r[R_ESI], 0x50003);

	i = mk(OP_INS, 0x6c, 1, PFX_REP);
	c->r[R_EDI] = 0x60000;
	c->r[R_ECX] = 2;
	port_n = 0;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x60000, 2), 0x4140);

	/* At CPL 3 with IOPL 0 and no I/O bitmap: #GP(0) before any transfer. */
	c->cpl = 3;
	c->seg[S_CS].attr = 0xc0fb;
	c->seg[S_DS].attr = 0xc0f3;
	c->seg[S_ES].attr = 0xc0f3;
	c->seg[S_SS].attr = 0xc0f3;
	c->r[R_ECX] = 2;
	port_n = 0;
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(port_n, 0);
	ck_assert_uint_eq(c->r[R_ECX], 2);

	/* INS into an unwritable destination does not read the port. */
	c->cpl = 0;
	c->seg[S_ES].attr = 0xc091;                    /* read-only data */
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(port_n, 0);
}
END_TEST

/* The same contract through the real interpreter loop: a budget that ends inside REP MOVSB stops the
 * machine at exactly that instruction count, and the next run resumes the copy. */
START_TEST(test_rep_in_run_loop)
{
	static const uint8_t code[] = {
		0xb9, 100, 0, 0, 0,            /* mov ecx, 100 */
		0xbe, 0, 0, 5, 0,              /* mov esi, 0x50000 */
		0xbf, 0, 0, 6, 0,              /* mov edi, 0x60000 */
		0xf3, 0xa4,                    /* rep movsb */
		0xf4,                          /* hlt */
	};
	uint64_t start = c->icount;

	for (unsigned k = 0; k < 100; k++)
		phys_write(m, 0x50000 + k, 1, k + 1);
	ck_assert_uint_eq(tm_run(m, code, sizeof code, 50), 50);
	ck_assert_uint_eq(c->r[R_ECX], 100 - 47);      /* 3 MOVs, then 47 iterations */
	ck_assert_uint_eq(c->eip, TM_CODE + 15);        /* at the REP MOVSB */
	ck_assert_uint_eq(phys_read(m, 0x6002e, 1), 47);
	ck_assert_uint_eq(phys_read(m, 0x6002f, 1), 0);

	c->icount_limit = UINT64_MAX;
	m->backend->run(m);
	ck_assert(c->halted);
	ck_assert_uint_eq(c->icount - start, 3 + 100 + 1);
	ck_assert_uint_eq(c->r[R_ECX], 0);
	ck_assert_uint_eq(phys_read(m, 0x60063, 1), 100);
}
END_TEST

/* Large REP STOS/MOVS (the block fast path) must give exactly the element-by-element results,
 * including across pages, at a budget that ends inside a block, and with overlapping operands. */
START_TEST(test_rep_blocks)
{
	struct insn i = mk(OP_STOS, 0xab, 4, PFX_REP);

	c->r[R_EAX] = 0xa5a5a5a5;
	c->r[R_EDI] = 0x60ff0;                         /* crosses 0x61000, 0x62000, 0x63000 */
	c->r[R_ECX] = 0x1000;
	c->icount_limit = 1000 + 0x900;
	run(&i);
	ck_assert_uint_eq(c->icount, 1000 + 0x900);
	ck_assert_uint_eq(c->r[R_ECX], 0x700);
	ck_assert_uint_eq(c->r[R_EDI], 0x60ff0 + 4 * 0x900);
	ck_assert_uint_eq(c->eip, TM_CODE);
	ck_assert_uint_eq(phys_read(m, 0x60ff0 + 4 * 0x8ff, 4), 0xa5a5a5a5);
	ck_assert_uint_eq(phys_read(m, 0x60ff0 + 4 * 0x900, 4), 0);
	ck_assert_uint_eq(phys_read(m, 0x60fec, 4), 0);
	c->icount_limit = UINT64_MAX;
	run(&i);
	ck_assert_uint_eq(c->icount, 1000 + 0x1000);          /* one per iteration, in total */
	ck_assert_uint_eq(c->r[R_ECX], 0);
	ck_assert_uint_eq(phys_read(m, 0x60ff0 + 4 * 0xfff, 4), 0xa5a5a5a5);
	ck_assert_uint_eq(phys_read(m, 0x60ff0 + 4 * 0x1000, 4), 0);

	/* Destination one byte ahead of the source: each byte copies the one just stored (a fill). */
	i = mk(OP_MOVS, 0xa4, 1, PFX_REP);
	put(0x50000, "Abcdefgh");
	c->r[R_ESI] = 0x50000;
	c->r[R_EDI] = 0x50001;
	c->r[R_ECX] = 7;
	run(&i);
	ck_assert_mem_eq(m->ram + 0x50000, "AAAAAAAA", 8);

	/* Destination behind the source (memmove forwards), words. */
	i = mk(OP_MOVS, 0xa5, 2, PFX_REP);
	put(0x50000, "0123456789");
	c->r[R_ESI] = 0x50002;
	c->r[R_EDI] = 0x50001;
	c->r[R_ECX] = 4;
	run(&i);
	ck_assert_mem_eq(m->ram + 0x50000, "0234567899", 10);

	/* 16-bit addresses wrap inside the segment: DI = 0xfffe, four bytes. */
	i = mk(OP_STOS, 0xaa, 1, PFX_REP);
	i.asz = 2;
	c->seg[S_ES].base = 0x70000;
	c->r[R_EAX] = 0x33;
	c->r[R_EDI] = 0xfffe;
	c->r[R_ECX] = 4;
	run(&i);
	ck_assert_uint_eq(phys_read(m, 0x7fffe, 2), 0x3333);
	ck_assert_uint_eq(phys_read(m, 0x70000, 2), 0x3333);
	ck_assert_uint_eq(phys_read(m, 0x80000, 1), 0);
	ck_assert_uint_eq(c->r[R_EDI], 2);
}
END_TEST

Suite *suite_string(void)
{
	Suite *s = suite_create("string");
	TCase *t = tcase_create("string");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_movs_single);
	tcase_add_test(t, test_rep_movs);
	tcase_add_test(t, test_rep_ecx_zero);
	tcase_add_test(t, test_rep_stos_df);
	tcase_add_test(t, test_repe_cmps);
	tcase_add_test(t, test_repne_scas);
	tcase_add_test(t, test_lods_addr16);
	tcase_add_test(t, test_rep_budget);
	tcase_add_test(t, test_rep_irq);
	tcase_add_test(t, test_rep_fault);
	tcase_add_test(t, test_ins_outs);
	tcase_add_test(t, test_rep_in_run_loop);
	tcase_add_test(t, test_rep_blocks);
	suite_add_tcase(s, t);
	return s;
}
