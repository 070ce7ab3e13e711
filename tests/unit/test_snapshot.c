/* SPDX-License-Identifier: MIT
 *
 * test_snapshot.c — machine snapshots, state hashes, dirty-page tracking and checkpoint seeking
 * (src/snapshot.c, replay/checkpoint.c) on the unit-test machine.  The guest is a loop that stores
 * into 64 pages and accumulates into one more, so RAM keeps changing and any page restored wrongly
 * shows up in the hash.  The properties tested are the ones record/replay rests on:
 *   - save, run on, restore: the state hash is the one at the save, and running on again gives the
 *     same hash as the first time (identical continued execution);
 *   - restoring the checkpoint at or before N and running to N gives the state of a straight run to N;
 *   - a store to a page after machine_dirty_clear() marks it dirty again, even through the fast path.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "testutil.h"
#include "snapshot.h"
#include "replay/checkpoint.h"

static const uint8_t loop_code[] = {
	0x31, 0xc9,                               /* xor ecx, ecx */
	0xbb, 0x00, 0x00, 0x20, 0x00,             /* mov ebx, 0x200000 */
	0x41,                                     /* L: inc ecx */
	0x81, 0xe1, 0xff, 0xff, 0x00, 0x00,       /* and ecx, 0xffff */
	0x89, 0x0c, 0x8b,                         /* mov [ebx+ecx*4], ecx */
	0x69, 0xc1, 0xb1, 0x79, 0x37, 0x9e,       /* imul eax, ecx, 0x9e3779b1 */
	0x01, 0x83, 0x00, 0x00, 0x04, 0x00,       /* add [ebx+0x40000], eax */
	0xeb, 0xe8,                               /* jmp L */
};

/* Start the loop and run exactly n instructions. */
static struct machine *start(uint64_t n)
{
	struct machine *m = tm_new();
	tm_run(m, loop_code, sizeof loop_code, n);
	return m;
}

static void run_to(struct machine *m, uint64_t icount)
{
	m->cpu.icount_limit = icount;
	m->backend->run(m);
	ck_assert_uint_eq(m->cpu.icount, icount);
}

START_TEST(test_hash_changes)
{
	struct machine *m = start(1000);
	uint64_t h1 = machine_state_hash(m), h1b = machine_state_hash(m);
	ck_assert_uint_eq(h1, h1b);   /* hashing does not change the state */
	run_to(m, 1001);
	ck_assert_uint_ne(machine_state_hash(m), h1);
	/* One byte of RAM far from the loop's pages changes the hash too. */
	uint64_t h2 = machine_state_hash(m);
	phys_write(m, 0x700000, 1, 0x5a);
	ck_assert_uint_ne(machine_state_hash(m), h2);
	tm_free(m);
}
END_TEST

START_TEST(test_round_trip)
{
	struct machine *m = start(50000);
	struct snap s;
	char err[256];

	snap_init_save(&s);
	ck_assert_int_eq(machine_save(m, &s, SNAP_RAM, err), 0);
	uint64_t at_save = machine_state_hash(m);
	run_to(m, 250000);
	uint64_t later = machine_state_hash(m);
	uint32_t eax = m->cpu.r[R_EAX];

	struct snap l;
	snap_init_load(&l, s.buf, s.len);
	ck_assert_int_eq(machine_load(m, &l, SNAP_RAM, err), 0);
	ck_assert_uint_eq(m->cpu.icount, 50000);
	ck_assert_uint_eq(machine_state_hash(m), at_save);
	run_to(m, 250000);
	ck_assert_uint_eq(m->cpu.r[R_EAX], eax);
	ck_assert_uint_eq(machine_state_hash(m), later);
	snap_release(&s);
	tm_free(m);
}
END_TEST

START_TEST(test_file_round_trip)
{
	char path[] = "/tmp/revisor-snapXXXXXX";
	int fd = mkstemp(path);
	char err[256];
	ck_assert_int_ge(fd, 0);
	close(fd);

	struct machine *m = start(30000);
	uint64_t h = machine_state_hash(m);
	ck_assert_int_eq(snapshot_save_file(m, path, err), 0);
	run_to(m, 60000);
	ck_assert_int_eq(snapshot_load_file(m, path, err), 0);
	ck_assert_uint_eq(machine_state_hash(m), h);

	/* Flip one byte in the middle: the checksum refuses the file. */
	FILE *f = fopen(path, "r+b");
	fseek(f, 5000, SEEK_SET);
	int c = fgetc(f);
	fseek(f, 5000, SEEK_SET);
	fputc(c ^ 1, f);
	fclose(f);
	ck_assert_int_eq(snapshot_load_file(m, path, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "checksum"));
	remove(path);
	tm_free(m);
}
END_TEST

START_TEST(test_dirty_tracking)
{
	struct machine *m = start(1000);
	uint32_t page = 0x200000 >> 12;

	machine_dirty_clear(m, DIRTY_CKPT);
	ck_assert_int_eq(m->page_dirty[page] & DIRTY_CKPT, 0);
	/* The loop stores to 0x200000 + 4 * ecx: within 2000 instructions it revisits its first page. */
	run_to(m, 1000 + 6 * 1100);
	ck_assert_int_ne(m->page_dirty[page] & DIRTY_CKPT, 0);
	ck_assert_int_ne(m->page_dirty[0x240000 >> 12] & DIRTY_CKPT, 0);
	ck_assert_int_eq(m->page_dirty[0x600000 >> 12] & DIRTY_CKPT, 0);   /* never written */
	tm_free(m);
}
END_TEST

/* Seeking: hashes of a straight run at random counts, then the same counts reached through checkpoints
 * in random order (backwards and forwards). */
START_TEST(test_seek_equals_straight_run)
{
	enum { N = 12, END = 600000 };
	uint64_t at[N], want[N];
	uint64_t x = 88172645463325252ull;

	for (int k = 0; k < N; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		at[k] = 20 + x % (END - 20);
	}
	for (int k = 0; k < N; k++) {   /* straight runs (each from the start) */
		struct machine *m = start(at[k]);
		want[k] = machine_state_hash(m);
		tm_free(m);
	}
	struct machine *m = start(10);
	struct ckpt_store *cs = ckpt_new(m);
	ck_assert_int_eq(ckpt_take(cs), 0);
	for (uint64_t t = 50000; t <= END; t += 50000) {
		run_to(m, t);
		ck_assert_int_eq(ckpt_take(cs), 0);
	}
	ck_assert_int_eq(ckpt_take(cs), -1);   /* not after the last one */
	ck_assert_uint_eq(ckpt_count(cs), 13);
	for (int k = 0; k < N; k++) {
		ck_assert_int_ge(ckpt_restore(cs, at[k]), 0);
		ck_assert_uint_le(m->cpu.icount, at[k]);
		run_to(m, at[k]);
		ck_assert_uint_eq(machine_state_hash(m), want[k]);
	}
	/* Memory: deltas, not 13 copies of 16 MiB. */
	ck_assert_uint_lt(ckpt_bytes(cs), 16u << 20);
	ckpt_free(cs);
	tm_free(m);
}
END_TEST

START_TEST(test_hash_function)
{
	uint8_t a[100] = { 0 }, b[100] = { 0 };
	ck_assert_uint_eq(rv_hash(a, sizeof a, 0), rv_hash(b, sizeof b, 0));
	b[77] = 1;
	ck_assert_uint_ne(rv_hash(a, sizeof a, 0), rv_hash(b, sizeof b, 0));
	ck_assert_uint_ne(rv_hash(a, sizeof a, 0), rv_hash(a, sizeof a, 1));
	ck_assert_uint_ne(rv_hash(a, 99, 0), rv_hash(a, 100, 0));
}
END_TEST

Suite *suite_snapshot(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hash_changes);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_file_round_trip);
	tcase_add_test(tc, test_dirty_tracking);
	tcase_add_test(tc, test_seek_equals_straight_run);
	tcase_add_test(tc, test_hash_function);
	suite_add_tcase(s, tc);
	return s;
}
