/* SPDX-License-Identifier: MIT
 *
 * test_bt_random.c — lockstep differential testing of the binary translator against the interpreter
 * on random programs (docs/bt.md, "Lockstep testing"): the fixed-seed set that runs with every `make
 * check` (`make bt-fuzz` runs the same checks on fresh seeds for longer).  Programs come from
 * bt_randprog.h (memory in every addressing form, flags-heavy and fault-raising code, self-modifying
 * code, paging, CPL 3, injected interrupts), the harness is bt_lockstep.h (state compared after every
 * instruction count from the start, at random stops of a resumed run, and at the end).  The harness
 * is also checked against itself: a difference planted in the translator's machine must be reported,
 * and the program set must really raise the exceptions and reach the MMIO device it is meant to.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "bt_lockstep.h"
#include "bt_randprog.h"
#include "cpu/x86.h"

#define SEED0 20240601u
#define NPROG 120

START_TEST(test_bt_random_programs)
{
	struct lockstep ls;
	struct randprog *p = malloc(sizeof *p);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ls_init(&ls), 0);
	for (unsigned k = 0; k < NPROG; k++) {
		unsigned how = LS_FULL | LS_SLICES | (k % 4 == 0 ? LS_PREFIX : 0);
		rp_generate(p, SEED0 + k, NULL);
		if (ls_check(&ls, p, 100000, how, SEED0 + k, stderr) != 0)
			ck_abort_msg("bt diverges from the interpreter on random program %u (seed %u): see the "
				     "listing above; reproduce with make bt-fuzz SEED=%u COUNT=1", k, SEED0 + k, SEED0 + k);
	}
	/* The set is what it claims to be: faults of every kind, traps, interrupts, NMIs, MMIO, and most
	 * instructions run as translated code. */
	static const int want[] = { EXC_DE, EXC_DB, EXC_NMI, EXC_BP, EXC_BR, EXC_UD, EXC_GP, EXC_PF, 0x40, RP_IRQ_VEC };
	for (unsigned k = 0; k < sizeof want / sizeof want[0]; k++)
		ck_assert_msg(ls.vec_seen[want[k]] > 0, "no program took vector %#x", want[k]);
	ck_assert_uint_gt(ls.mmio_accesses, 0);
	/* ... and its programs keep their invariants: they end by halting, not wildly */
	ck_assert_uint_eq(ls.ends[STOP_TRIPLE_FAULT], 0);
	ck_assert_uint_eq(ls.ends_in_catcher, 0);
	ck_assert_uint_le(ls.ends[STOP_LIMIT], NPROG / 20);
	ck_assert_uint_ge(ls.ends[STOP_DEAD_HALT], NPROG * 9 / 10);
	ck_assert_uint_gt(ls.compares, 10000);
	ck_assert_msg(ls.tc_insns * 2 > ls.insns, "only %llu of %llu instructions ran translated",
		      (unsigned long long)ls.tc_insns, (unsigned long long)ls.insns);
	ls_fini(&ls);
	free(p);
}
END_TEST

/* Programs are a function of the seed; they stay inside their image and end. */
START_TEST(test_bt_randprog_deterministic)
{
	struct randprog *a = malloc(sizeof *a), *b = malloc(sizeof *b);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	for (uint64_t s = 1; s < 200; s++) {
		rp_generate(a, s, NULL);
		rp_generate(b, s, NULL);
		ck_assert_uint_eq(a->len, b->len);
		ck_assert_int_eq(memcmp(a->code, b->code, a->len), 0);
		ck_assert_uint_le(a->len, RP_CODE_MAX);
		ck_assert_uint_ge(a->entry, RP_CODE);
		ck_assert_uint_lt(a->entry, RP_CODE + a->len);
	}
	free(a);
	free(b);
}
END_TEST

/* The comparison is not vacuous: every kind of planted difference is reported. */
START_TEST(test_bt_lockstep_detects)
{
	struct lockstep ls;
	struct randprog *p = malloc(sizeof *p);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ls_init(&ls), 0);
	rp_generate(p, 7, NULL);
	ls_load(&ls, p);
	ck_assert_int_eq(ls_step(&ls, 50), 0);
	struct cpu *c = &ls.m[1]->cpu;
	static const char *const what[] = { "ebx", "eflags", "cr2", "mem 0001f123", "icount", "fs.base",
					    "dirty bit", "MMIO accesses" };
	for (unsigned k = 0; k < sizeof what / sizeof what[0]; k++) {
		ls_reset(&ls);
		ck_assert_int_eq(ls_step(&ls, 20), 0);
		switch (k) {
		case 0: c->r[R_EBX] ^= 0x100; break;
		case 1: cpu_set_eflags(c, cpu_get_eflags(c) ^ FL_OF); break;
		case 2: c->cr2 ^= 1; break;
		case 3: ls.m[1]->ram[0x1f123] ^= 0x40; break;
		case 4: c->icount++; break;
		case 5: c->seg[S_FS].base ^= 0x1000; break;
		case 6: ls.m[1]->page_dirty[0x1f] ^= DIRTY_CKPT; break;
		default: ls.mmio[1].count++; break;
		}
		ck_assert_int_eq(ls_compare(&ls), -1);
		ck_assert_msg(strstr(ls.diff, what[k]) != NULL, "planted %s, reported: %s", what[k], ls.diff);
	}
	ls_fini(&ls);
	free(p);
}
END_TEST

Suite *suite_bt_random(void)
{
	Suite *s = suite_create("bt_random");
	TCase *t = tcase_create("bt_random");

	/* a few seconds normally; AddressSanitizer makes it several times slower */
	tcase_set_timeout(t, 600);
	tcase_add_test(t, test_bt_randprog_deterministic);
	tcase_add_test(t, test_bt_lockstep_detects);
	tcase_add_test(t, test_bt_random_programs);
	suite_add_tcase(s, t);
	return s;
}
