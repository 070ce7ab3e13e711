/* SPDX-License-Identifier: MIT
 *
 * test_disk.c — the disk image backend (src/dev/disk.c): reads and write-through against a temporary
 * image file, the -snapshot overlay leaving the file byte-identical, padding of a partial last sector,
 * range and read-only errors naming the file, and the content hash.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dev/disk.h"

/* A temporary image of `bytes` bytes where byte k is (k * 7 + k / 512) & 0xff. */
static char *mk_image(size_t bytes)
{
	static char path[64];
	int fd;
	uint8_t *b = malloc(bytes);

	strcpy(path, "/tmp/revisor-disk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (size_t k = 0; k < bytes; k++)
		b[k] = (uint8_t)(k * 7 + k / 512);
	ck_assert_int_eq(write(fd, b, bytes), (ssize_t)bytes);
	close(fd);
	free(b);
	return path;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	b = malloc(*len + 1);
	ck_assert_uint_eq(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

START_TEST(open_missing_file_names_it)
{
	char err[DISK_ERRLEN] = "";
	struct disk *d = disk_open("/tmp/revisor-no-such-image.img", DISK_READONLY, err);

	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(err, "/tmp/revisor-no-such-image.img"));
}
END_TEST

START_TEST(read_returns_file_bytes)
{
	char *path = mk_image(8 * 512), err[DISK_ERRLEN];
	struct disk *d = disk_open(path, DISK_READONLY, err);
	uint8_t buf[3 * 512];

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(disk_sectors(d), 8);
	ck_assert_int_eq(disk_read(d, 2, 3, buf, err), 0);
	for (size_t k = 0; k < sizeof buf; k++)
		ck_assert_uint_eq(buf[k], (uint8_t)((k + 1024) * 7 + (k + 1024) / 512));
	disk_close(d);
	unlink(path);
}
END_TEST

START_TEST(partial_last_sector_is_zero_padded)
{
	char *path = mk_image(2 * 512 + 100), err[DISK_ERRLEN];
	struct disk *d = disk_open(path, DISK_READONLY, err);
	uint8_t buf[512];

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(disk_sectors(d), 3);
	memset(buf, 0xcc, sizeof buf);
	ck_assert_int_eq(disk_read(d, 2, 1, buf, err), 0);
	ck_assert_uint_eq(buf[0], (uint8_t)(1024 * 7 + 2));
	ck_assert_uint_eq(buf[99], (uint8_t)((1024 + 99) * 7 + 2));
	for (int k = 100; k < 512; k++)
		ck_assert_uint_eq(buf[k], 0);
	disk_close(d);
	unlink(path);
}
END_TEST

START_TEST(out_of_range_is_an_error)
{
	char *path = mk_image(4 * 512), err[DISK_ERRLEN] = "";
	struct disk *d = disk_open(path, DISK_WRITABLE, err);
	uint8_t buf[2 * 512] = { 0 };

	ck_assert_int_eq(disk_read(d, 3, 2, buf, err), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_int_eq(disk_write(d, 4, 1, buf, err), -1);
	ck_assert_int_eq(disk_read(d, 3, 1, buf, err), 0);
	disk_close(d);
	unlink(path);
}
END_TEST

START_TEST(readonly_refuses_writes)
{
	char *path = mk_image(4 * 512), err[DISK_ERRLEN] = "";
	struct disk *d = disk_open(path, DISK_READONLY, err);
	uint8_t buf[512] = { 1 };

	ck_assert_int_eq(disk_write(d, 0, 1, buf, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "read-only"));
	disk_close(d);
	unlink(path);
}
END_TEST

START_TEST(write_through_reaches_the_file)
{
	char *path = mk_image(4 * 512), err[DISK_ERRLEN];
	struct disk *d = disk_open(path, DISK_WRITABLE, err);
	uint8_t buf[2 * 512], *file;
	size_t len;

	for (size_t k = 0; k < sizeof buf; k++)
		buf[k] = (uint8_t)(0xa0 ^ k);
	ck_assert_int_eq(disk_write(d, 1, 2, buf, err), 0);
	ck_assert_int_eq(disk_flush(d, err), 0);
	disk_close(d);
	file = slurp(path, &len);
	ck_assert_uint_eq(len, 4 * 512);
	ck_assert_mem_eq(file + 512, buf, sizeof buf);
	ck_assert_uint_eq(file[0], 0);
	ck_assert_uint_eq(file[3 * 512], (uint8_t)(3 * 512 * 7 + 3));
	free(file);
	unlink(path);
}
END_TEST

START_TEST(snapshot_keeps_file_identical)
{
	char *path = mk_image(6 * 512 + 17), err[DISK_ERRLEN];
	size_t len0, len1;
	uint8_t *before = slurp(path, &len0), *after;
	struct disk *d = disk_open(path, DISK_SNAPSHOT, err);
	uint8_t w[2 * 512], r[7 * 512];

	ck_assert_ptr_nonnull(d);
	memset(w, 0x5a, sizeof w);
	ck_assert_int_eq(disk_write(d, 5, 2, w, err), 0);      /* includes the padded last sector */
	memset(w, 0x33, 512);
	ck_assert_int_eq(disk_write(d, 1, 1, w, err), 0);
	ck_assert_uint_eq(disk_overlay_count(d), 3);
	ck_assert_uint_eq(disk_overlay_at(d, 0)->lba, 1);      /* sorted by LBA */
	ck_assert_uint_eq(disk_overlay_at(d, 2)->lba, 6);

	/* Reads merge overlay and file. */
	ck_assert_int_eq(disk_read(d, 0, 7, r, err), 0);
	ck_assert_mem_eq(r, before, 512);
	ck_assert_uint_eq(r[512], 0x33);
	ck_assert_mem_eq(r + 1024, before + 1024, 3 * 512);
	ck_assert_uint_eq(r[5 * 512], 0x5a);
	ck_assert_uint_eq(r[7 * 512 - 1], 0x5a);
	ck_assert_int_eq(disk_flush(d, err), 0);
	disk_close(d);

	after = slurp(path, &len1);
	ck_assert_uint_eq(len0, len1);
	ck_assert_mem_eq(before, after, len0);
	free(before);
	free(after);
	unlink(path);
}
END_TEST

START_TEST(overlay_rewrite_replaces_sector)
{
	char *path = mk_image(4 * 512), err[DISK_ERRLEN];
	struct disk *d = disk_open(path, DISK_SNAPSHOT, err);
	uint8_t w[512], r[512];

	memset(w, 1, sizeof w);
	disk_write(d, 2, 1, w, err);
	memset(w, 2, sizeof w);
	disk_write(d, 2, 1, w, err);
	ck_assert_uint_eq(disk_overlay_count(d), 1);
	disk_read(d, 2, 1, r, err);
	ck_assert_uint_eq(r[0], 2);
	disk_overlay_clear(d);
	disk_read(d, 2, 1, r, err);
	ck_assert_uint_eq(r[0], (uint8_t)(1024 * 7 + 2));
	disk_close(d);
	unlink(path);
}
END_TEST

START_TEST(hash_follows_contents)
{
	char *path = mk_image(4 * 512), err[DISK_ERRLEN];
	struct disk *a = disk_open(path, DISK_SNAPSHOT, err), *b = disk_open(path, DISK_READONLY, err);
	uint64_t ha, hb, hc;
	uint8_t w[512] = { 9 };

	ck_assert_int_eq(disk_hash(a, &ha, err), 0);
	ck_assert_int_eq(disk_hash(b, &hb, err), 0);
	ck_assert_uint_eq(ha, hb);
	disk_write(a, 3, 1, w, err);
	ck_assert_int_eq(disk_hash(a, &hc, err), 0);
	ck_assert_uint_ne(ha, hc);
	disk_close(a);
	disk_close(b);
	unlink(path);
}
END_TEST

Suite *suite_disk(void)
{
	Suite *s = suite_create("disk");
	TCase *t = tcase_create("disk");

	tcase_add_test(t, open_missing_file_names_it);
	tcase_add_test(t, read_returns_file_bytes);
	tcase_add_test(t, partial_last_sector_is_zero_padded);
	tcase_add_test(t, out_of_range_is_an_error);
	tcase_add_test(t, readonly_refuses_writes);
	tcase_add_test(t, write_through_reaches_the_file);
	tcase_add_test(t, snapshot_keeps_file_identical);
	tcase_add_test(t, overlay_rewrite_replaces_sector);
	tcase_add_test(t, hash_follows_contents);
	suite_add_tcase(s, t);
	return s;
}
