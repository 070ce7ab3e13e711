/* SPDX-License-Identifier: MIT
 *
 * test_fastpath.c — the split handlers of fastpath.c must compute exactly what the generic handlers
 * compute, and the trace cache must not change what a program does: the same code run trace by trace
 * and one instruction at a time ends in the same state at the same instruction count.
 */
#include <check.h>
#include <string.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/fastpath.h"
#include "cpu/interp.h"

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	switch (rnd_state % 8) {   /* bias towards edge values */
	case 0: return 0;
	case 1: return 0x7fffffffu;
	case 2: return 0x80000000u;
	case 3: return 0xffffffffu;
	default: return rnd_state * 2654435761u;
	}
}

/* Decode `bytes`, run the generic and the specialized handler on two copies of one random state. */
static void compare_forms(struct machine *m, const uint8_t *bytes, unsigned len, int trials)
{
	struct insn gen, fast;
	struct cpu *c = &m->cpu;

	ck_assert_int_eq(decode(&gen, bytes, len, 1), (int)len);
	fast = gen;
	specialize(&fast);
	ck_assert_msg(fast.exec != gen.exec, "no split handler for %02x %02x", bytes[0], bytes[1]);
	for (int t = 0; t < trials; t++) {
		struct cpu a, b;
		for (int r = 0; r < 8; r++)
			c->r[r] = rnd();
		c->r[R_ESP] = 0x80000;
		c->r[R_EBP] = 0x20000 + (rnd() & 0xfffc);   /* memory operands point into RAM */
		lf_set(c, (enum lf_op)(1 + rnd() % 6), 4, rnd(), rnd(), rnd());
		c->eip = TM_CODE + len;
		a = *c;
		gen.exec(c, &gen);
		b = *c;
		*c = a;
		fast.exec(c, &fast);
		for (int r = 0; r < 8; r++)
			ck_assert_uint_eq(c->r[r], b.r[r]);
		ck_assert_uint_eq(cpu_get_eflags(c), cpu_get_eflags(&b));
		ck_assert_uint_eq(c->eip, b.eip);
		for (unsigned cc = 0; cc < 16; cc++)
			ck_assert_int_eq(cpu_cond(c, cc), cpu_cond(&b, cc));
	}
}

START_TEST(test_split_alu)
{
	static const uint8_t forms[][6] = {
		{ 0x01, 0xd8 },                   /* add eax, ebx */
		{ 0x81, 0xc1, 0x78, 0x56, 0x34, 0x12 }, /* add ecx, 0x12345678 */
		{ 0x83, 0xea, 0xff },             /* sub edx, -1 */
		{ 0x29, 0xce },                   /* sub esi, ecx */
		{ 0x39, 0xf9 },                   /* cmp ecx, edi */
		{ 0x83, 0xf8, 0x05 },             /* cmp eax, 5 */
		{ 0x21, 0xd0 }, { 0x83, 0xe0, 0xf0 }, /* and */
		{ 0x09, 0xd0 }, { 0x0d, 0x01, 0x00, 0x00, 0x80 }, /* or */
		{ 0x31, 0xc0 }, { 0x83, 0xf6, 0x7f }, /* xor */
		{ 0x85, 0xd2 }, { 0xa9, 0x00, 0x00, 0x00, 0x80 }, /* test */
		{ 0x89, 0xc8 }, { 0xb8, 0x44, 0x33, 0x22, 0x11 }, /* mov */
		{ 0x8b, 0x45, 0x08 }, { 0x89, 0x45, 0xfc },         /* mov eax,[ebp+8]; mov [ebp-4],eax */
		{ 0x8d, 0x44, 0x8b, 0x10 },       /* lea eax, [ebx+ecx*4+16] */
		{ 0x40 }, { 0x4f },               /* inc eax; dec edi */
	};
	static const uint8_t lens[] = { 2, 6, 3, 2, 2, 3, 2, 3, 2, 5, 2, 3, 2, 5, 2, 5, 3, 3, 4, 1, 1 };

	struct machine *m = tm_new();

	for (unsigned k = 0; k < sizeof lens; k++)
		compare_forms(m, forms[k], lens[k], 400);
	tm_free(m);
}
END_TEST

START_TEST(test_split_jcc)
{
	struct machine *m = tm_new();

	for (unsigned cc = 0; cc < 16; cc++) {
		uint8_t jcc[6] = { 0x0f, (uint8_t)(0x80 | cc), 0x10, 0x00, 0x00, 0x00 };
		compare_forms(m, jcc, 6, 200);
	}
	tm_free(m);
}
END_TEST

/* A loop with branches, memory, flags and a division: run with traces and without, compare. */
START_TEST(test_traces_equal_single_steps)
{
	static const uint8_t prog[] = {
		0xb9, 0x00, 0x00, 0x00, 0x00,   /* mov ecx, 0 */
		0xbb, 0x03, 0x00, 0x00, 0x00,   /* mov ebx, 3 */
		0x89, 0xc8,                     /* L: mov eax, ecx */
		0x99,                           /* cdq */
		0xf7, 0xfb,                     /* idiv ebx */
		0x85, 0xd2,                     /* test edx, edx */
		0x75, 0x06,                     /* jnz +6 (over the add) */
		0x01, 0x0d, 0x00, 0x00, 0x02, 0x00, /* add [0x20000], ecx */
		0x41,                           /* inc ecx */
		0x81, 0xf9, 0x10, 0x27, 0x00, 0x00, /* cmp ecx, 10000 */
		0x7c, 0xe8,                     /* jl L (-24) */
		0xf4,                           /* hlt */
	};
	struct machine *a = tm_new(), *b = tm_new();

	interp_set_traces(b, 0);
	uint64_t na = tm_run(a, prog, sizeof prog, 10000000);
	uint64_t nb = tm_run(b, prog, sizeof prog, 10000000);
	ck_assert_uint_eq(na, nb);
	ck_assert_uint_gt(na, 50000);
	for (int r = 0; r < 8; r++)
		ck_assert_uint_eq(a->cpu.r[r], b->cpu.r[r]);
	ck_assert_uint_eq(cpu_get_eflags(&a->cpu), cpu_get_eflags(&b->cpu));
	ck_assert_uint_eq(a->cpu.eip, b->cpu.eip);
	ck_assert_int_eq(memcmp(a->ram, b->ram, a->ram_size), 0);
	tm_free(a);
	tm_free(b);
}
END_TEST

Suite *suite_fastpath(void)
{
	Suite *s = suite_create("fastpath");
	TCase *t = tcase_create("fastpath");

	tcase_set_timeout(t, 60);

	tcase_add_test(t, test_split_alu);
	tcase_add_test(t, test_split_jcc);
	tcase_add_test(t, test_traces_equal_single_steps);
	suite_add_tcase(s, t);
	return s;
}
