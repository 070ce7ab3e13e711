/* SPDX-License-Identifier: MIT
 *
 * test_segmem.c — segmentation checks on data accesses and the stack helpers (src/cpu/segmem.c and the
 * inline fast path in mem.h), from SDM vol. 3A 3.4.5.1 (expand-up/expand-down limits), 5.3 (limit
 * checking), 5.5-5.6 (type checks), the #SS-versus-#GP rule, and vol. 1 6.2.3 (stack-address size).
 * Paging is off: the machine is built by hand in flat 32-bit protected mode at CPL 0.
 */
#include <check.h>
#include <setjmp.h>
#include "machine.h"
#include "cpu/mem.h"
#include "testutil.h"

static void setseg(struct cpu *c, unsigned s, uint32_t base, uint32_t limit, uint16_t attr)
{
	c->seg[s] = (struct seg){ .sel = 0x10, .attr = attr, .base = base, .limit = limit };
}

static struct machine *mk(void)
{
	struct machine *m = machine_new(16u << 20);
	struct cpu *c = &m->cpu;

	ck_assert_ptr_nonnull(m);
	for (unsigned s = 0; s < 6; s++)
		setseg(c, s, 0, 0xffffffffu, 0xc093);
	setseg(c, S_CS, 0, 0xffffffffu, 0xc09b);
	c->cpl = 0;
	c->cr0 = CR0_PE | CR0_ET;
	c->cr4 = 0;
	tlb_flush(c);
	return m;
}


START_TEST(expand_up_limit)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	setseg(c, S_DS, 0x20000, 0xfff, 0x4093);
	phys_write(m, 0x20ffc, 4, 0x01020304);
	NO_FAULT(c, v = seg_read(c, S_DS, 0xffc, 4));   /* last byte == limit: allowed */
	ck_assert_uint_eq(v, 0x01020304);
	EXPECT_FAULT(c, seg_read(c, S_DS, 0xffd, 4), EXC_GP, 0);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x1000, 1, 0), EXC_GP, 0);
	EXPECT_FAULT(c, seg_read(c, S_DS, 0xffffffff, 1), EXC_GP, 0);
	/* A flat segment: an access that would wrap past 4 GiB is outside the limit too. */
	EXPECT_FAULT(c, seg_read(c, S_ES, 0xfffffffe, 4), EXC_GP, 0);
	machine_free(m);
}
END_TEST

START_TEST(expand_down_limit)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	/* 16-bit expand-down (B = 0): valid offsets are limit+1 .. 0xffff. */
	setseg(c, S_DS, 0x30000, 0x0fff, 0x0097);
	NO_FAULT(c, seg_write(c, S_DS, 0x1000, 4, 0xa5a5a5a5));
	ck_assert_uint_eq(phys_read(m, 0x31000, 4), 0xa5a5a5a5);
	NO_FAULT(c, v = seg_read(c, S_DS, 0xfffe, 2));
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x0fff, 1), EXC_GP, 0);    /* at the limit: outside */
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x0000, 1), EXC_GP, 0);
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x0ffe, 4), EXC_GP, 0);    /* straddles the limit */
	EXPECT_FAULT(c, seg_read(c, S_DS, 0xffff, 2), EXC_GP, 0);    /* past 0xffff */
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x10000, 1), EXC_GP, 0);
	/* 32-bit expand-down (B = 1): the upper bound is 0xffffffff. */
	setseg(c, S_DS, 0, 0x0fffffff, 0x4097);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x10000000, 4));
	NO_FAULT(c, v = seg_read(c, S_DS, 0xfffffffc, 4));
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x0ffffffc, 4), EXC_GP, 0);
	(void)v;
	machine_free(m);
}
END_TEST

START_TEST(stack_segment_raises_ss)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;

	/* The same violations through SS raise #SS(0) (SDM 6.15, interrupt 12). */
	setseg(c, S_SS, 0x30000, 0x0fff, 0x0097);
	EXPECT_FAULT(c, seg_read(c, S_SS, 0x0fff, 1), EXC_SS, 0);
	setseg(c, S_SS, 0x30000, 0x0fff, 0x0093);
	EXPECT_FAULT(c, seg_write(c, S_SS, 0x1000, 2, 0), EXC_SS, 0);
	c->r[R_ESP] = 0x1002;
	EXPECT_FAULT(c, cpu_pop(c, 4), EXC_SS, 0);
	ck_assert_uint_eq(c->r[R_ESP], 0x1002);
	/* ...but the same access through DS raises #GP(0). */
	setseg(c, S_DS, 0x30000, 0x0fff, 0x0093);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x1000, 2, 0), EXC_GP, 0);
	machine_free(m);
}
END_TEST

START_TEST(type_checks)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	/* Null selector loaded: the cache is not present. */
	setseg(c, S_ES, 0, 0, 0);
	EXPECT_FAULT(c, seg_read(c, S_ES, 0, 1), EXC_GP, 0);
	EXPECT_FAULT(c, seg_write(c, S_ES, 0, 1, 0), EXC_GP, 0);
	/* Read-only data. */
	setseg(c, S_FS, 0, 0xffffffffu, 0xc091);
	NO_FAULT(c, v = seg_read(c, S_FS, 0x100, 4));
	EXPECT_FAULT(c, seg_write(c, S_FS, 0x100, 4, 0), EXC_GP, 0);
	EXPECT_FAULT(c, seg_probe_write(c, S_FS, 0x100, 4), EXC_GP, 0);
	/* Readable code: read yes, write never. */
	setseg(c, S_GS, 0, 0xffffffffu, 0xc09b);
	NO_FAULT(c, v = seg_read(c, S_GS, 0x100, 4));
	EXPECT_FAULT(c, seg_write(c, S_GS, 0x100, 4, 0), EXC_GP, 0);
	/* Execute-only code: not even read. */
	setseg(c, S_GS, 0, 0xffffffffu, 0xc099);
	EXPECT_FAULT(c, seg_read(c, S_GS, 0x100, 4), EXC_GP, 0);
	(void)v;
	machine_free(m);
}
END_TEST

START_TEST(real_mode_limit_only)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	c->cr0 = CR0_ET;
	tlb_flush(c);
	/* In real mode the type is not checked: a write through a code-typed cache is allowed... */
	setseg(c, S_DS, 0x12340, 0xffff, 0x009b);
	NO_FAULT(c, seg_write(c, S_DS, 0x10, 2, 0xbeef));
	ck_assert_uint_eq(phys_read(m, 0x12350, 2), 0xbeef);
	/* ...even with a cache whose P bit is clear; but the limit is. */
	setseg(c, S_ES, 0x10000, 0xffff, 0);
	NO_FAULT(c, v = seg_read(c, S_ES, 0xfffe, 2));
	EXPECT_FAULT(c, seg_read(c, S_ES, 0xffff, 2), EXC_GP, 0);
	setseg(c, S_SS, 0x10000, 0xffff, 0x0093);
	EXPECT_FAULT(c, seg_write(c, S_SS, 0xffff, 2, 0), EXC_SS, 0);
	(void)v;
	machine_free(m);
}
END_TEST

START_TEST(push_pop_32)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	c->r[R_ESP] = 0x8000;
	NO_FAULT(c, cpu_push(c, 4, 0x11223344));
	ck_assert_uint_eq(c->r[R_ESP], 0x7ffc);
	NO_FAULT(c, cpu_push(c, 2, 0x5566));
	ck_assert_uint_eq(c->r[R_ESP], 0x7ffa);
	ck_assert_uint_eq(phys_read(m, 0x7ffa, 2), 0x5566);
	NO_FAULT(c, v = cpu_stack_peek(c, 2, 4));
	ck_assert_uint_eq(v, 0x11223344);
	NO_FAULT(c, v = cpu_pop(c, 2));
	ck_assert_uint_eq(v, 0x5566);
	NO_FAULT(c, v = cpu_pop(c, 4));
	ck_assert_uint_eq(v, 0x11223344);
	ck_assert_uint_eq(c->r[R_ESP], 0x8000);
	/* A push that faults leaves ESP alone. */
	setseg(c, S_SS, 0, 0x0fff, 0x4093);
	c->r[R_ESP] = 2;
	EXPECT_FAULT(c, cpu_push(c, 4, 0), EXC_SS, 0);
	ck_assert_uint_eq(c->r[R_ESP], 2);
	machine_free(m);
}
END_TEST

START_TEST(push_pop_16_wraps_sp)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	/* 16-bit stack (B = 0): SP wraps within 64 KiB and ESP's upper half is untouched. */
	setseg(c, S_SS, 0x40000, 0xffff, 0x0093);
	c->r[R_ESP] = 0xabcd0000;
	NO_FAULT(c, cpu_push(c, 2, 0x1234));
	ck_assert_uint_eq(c->r[R_ESP], 0xabcdfffe);
	ck_assert_uint_eq(phys_read(m, 0x4fffe, 2), 0x1234);
	NO_FAULT(c, v = cpu_stack_peek(c, 0, 2));
	ck_assert_uint_eq(v, 0x1234);
	NO_FAULT(c, v = cpu_pop(c, 2));
	ck_assert_uint_eq(v, 0x1234);
	ck_assert_uint_eq(c->r[R_ESP], 0xabcd0000);
	machine_free(m);
}
END_TEST

START_TEST(buffers_and_64bit)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint8_t out[6] = { 0 };
	uint64_t q = 0;

	setseg(c, S_DS, 0x50000, 0xffff, 0x4093);
	NO_FAULT(c, seg_write64(c, S_DS, 0x0ffc, 0x0102030405060708ull));   /* crosses a page */
	ck_assert_uint_eq(phys_read(m, 0x50ffc, 4), 0x05060708);
	ck_assert_uint_eq(phys_read(m, 0x51000, 4), 0x01020304);
	NO_FAULT(c, q = seg_read64(c, S_DS, 0x0ffc));
	ck_assert(q == 0x0102030405060708ull);
	NO_FAULT(c, seg_read_buf(c, S_DS, 0x0ffe, out, 6));
	ck_assert_uint_eq(out[0], 0x06);
	ck_assert_uint_eq(out[5], 0x01);
	/* The whole buffer must be inside the limit. */
	EXPECT_FAULT(c, seg_write_buf(c, S_DS, 0xfffc, out, 6), EXC_GP, 0);
	ck_assert_uint_eq(seg_linear(c, S_DS, 0x10, 4, 1), 0x50010);
	machine_free(m);
}
END_TEST

Suite *suite_segmem(void)
{
	Suite *s = suite_create("segmem");
	TCase *t = tcase_create("segmentation");

	tcase_add_test(t, expand_up_limit);
	tcase_add_test(t, expand_down_limit);
	tcase_add_test(t, stack_segment_raises_ss);
	tcase_add_test(t, type_checks);
	tcase_add_test(t, real_mode_limit_only);
	tcase_add_test(t, push_pop_32);
	tcase_add_test(t, push_pop_16_wraps_sp);
	tcase_add_test(t, buffers_and_64bit);
	suite_add_tcase(s, t);
	return s;
}
