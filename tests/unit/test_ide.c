/* SPDX-License-Identifier: MIT
 *
 * test_ide.c — the primary ATA channel (src/dev/ide.c) driven through its ports as a driver would:
 * IDENTIFY contents, PIO read and write round trips (single, multi-sector, READ/WRITE MULTIPLE, 32-bit
 * data accesses, CHS), -snapshot leaving the image file unchanged, IDNF for sectors past the end, ABRT
 * for unknown commands, an absent slave reading status 0, INTRQ raised per block and cleared by a status
 * read but not by the alternate status, nIEN masking, and SRST.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "machine.h"
#include "dev/ide.h"

#define NSECT 64

static struct machine *m;
static struct ide *ide;
static char path[64];
static int irq_level, irq_edges;

static void irq_recv(void *opaque, int n, int level)
{
	if (level && !irq_level)
		irq_edges++;
	irq_level = level;
}

/* Byte k of the image: sector number in the first byte of each word pair, a pattern elsewhere. */
static uint8_t pattern(size_t k)
{
	return (uint8_t)(k % 512 == 0 ? k / 512 : (k * 13) ^ (k >> 9));
}

static void setup_mode(enum disk_mode mode, int with_slave)
{
	char err[DISK_ERRLEN];
	uint8_t *b = malloc(NSECT * 512);
	int fd;

	strcpy(path, "/tmp/revisor-ide-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (size_t k = 0; k < NSECT * 512; k++)
		b[k] = pattern(k);
	ck_assert_int_eq(write(fd, b, NSECT * 512), NSECT * 512);
	close(fd);
	free(b);

	m = machine_new(1u << 20);
	ck_assert_ptr_nonnull(m);
	struct disk *d0 = disk_open(path, mode, err);
	struct disk *d1 = with_slave ? disk_open(path, DISK_SNAPSHOT, err) : NULL;
	ck_assert_ptr_nonnull(d0);
	ide = ide_new(m, d0, d1);
	ck_assert_ptr_nonnull(ide);
	irq_level = irq_edges = 0;
	ide->irq = irq_line_make(irq_recv, NULL, 14);
}

static void setup(void) { setup_mode(DISK_WRITABLE, 0); }

static void teardown(void)
{
	ide_free(ide);
	machine_free(m);
	unlink(path);
}

static uint8_t inb(uint16_t port) { return (uint8_t)pio_read(m, port, 1); }
static void outb(uint16_t port, uint8_t v) { pio_write(m, port, 1, v); }

/* Program an LBA28 transfer and issue the command. */
static void lba_cmd(int dev, uint32_t lba, uint8_t count, uint8_t cmd)
{
	outb(0x1F6, (uint8_t)(0xE0 | dev << 4 | (lba >> 24 & 0x0f)));
	outb(0x1F2, count);
	outb(0x1F3, (uint8_t)lba);
	outb(0x1F4, (uint8_t)(lba >> 8));
	outb(0x1F5, (uint8_t)(lba >> 16));
	outb(0x1F7, cmd);
}

static void read_words(uint8_t *buf, unsigned bytes)
{
	for (unsigned k = 0; k < bytes; k += 2) {
		uint16_t w = (uint16_t)pio_read(m, 0x1F0, 2);
		buf[k] = (uint8_t)w;
		buf[k + 1] = (uint8_t)(w >> 8);
	}
}

static void write_words(const uint8_t *buf, unsigned bytes)
{
	for (unsigned k = 0; k < bytes; k += 2)
		pio_write(m, 0x1F0, 2, (uint32_t)(buf[k] | buf[k + 1] << 8));
}

/* ---- IDENTIFY --------------------------------------------------------------------------------------- */

START_TEST(identify_block)
{
	uint16_t id[256];
	uint8_t raw[512], sum = 0;
	char model[41];

	outb(0x1F6, 0xA0);
	outb(0x1F7, ATA_CMD_IDENTIFY);
	ck_assert_uint_eq(inb(0x3F6) & (ATA_SR_BSY | ATA_SR_DRDY | ATA_SR_DRQ | ATA_SR_ERR), ATA_SR_DRDY | ATA_SR_DRQ);
	ck_assert_int_eq(irq_level, 1);
	read_words(raw, 512);
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_DRQ | ATA_SR_ERR | ATA_SR_BSY), 0);
	for (int k = 0; k < 256; k++)
		id[k] = (uint16_t)(raw[2 * k] | raw[2 * k + 1] << 8);

	/* Model: two characters per word, high byte first, space padded. */
	for (int k = 0; k < 20; k++) {
		model[2 * k] = (char)(id[27 + k] >> 8);
		model[2 * k + 1] = (char)id[27 + k];
	}
	model[40] = 0;
	ck_assert_str_eq(model, "REVISOR HARDDISK                        ");
	ck_assert_uint_eq(id[0] & 0x8000, 0);                   /* ATA device */
	ck_assert_uint_ne(id[49] & 0x0200, 0);                  /* LBA supported */
	ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, NSECT);   /* LBA28 capacity */
	ck_assert_uint_eq(id[3], 16);
	ck_assert_uint_eq(id[6], 63);
	ck_assert_uint_eq(id[1], 1);                            /* 64 sectors: less than a cylinder */
	ck_assert_uint_eq(id[47] & 0xff, IDE_MAX_MULT);
	ck_assert_uint_ne(id[53] & 0x0002, 0);                  /* words 64-70 valid */
	ck_assert_uint_eq(id[64] & 0x0003, 0x0003);             /* PIO 3 and 4 */
	ck_assert_uint_ne(id[10], 0);                           /* a serial number */
	ck_assert_uint_ne(id[23], 0);                           /* a firmware revision */
	/* Integrity word: A5h signature, all 512 bytes sum to zero. */
	ck_assert_uint_eq(id[255] & 0xff, 0xA5);
	for (int k = 0; k < 512; k++)
		sum = (uint8_t)(sum + raw[k]);
	ck_assert_uint_eq(sum, 0);
}
END_TEST

/* ---- reads and writes ------------------------------------------------------------------------------- */

START_TEST(read_multi_sector_with_irq_per_sector)
{
	uint8_t buf[3 * 512];

	lba_cmd(0, 5, 3, ATA_CMD_READ);
	for (int s = 0; s < 3; s++) {
		ck_assert_int_eq(irq_edges, s + 1);                 /* one interrupt per DRQ block */
		ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_DRQ | ATA_SR_ERR), ATA_SR_DRQ);   /* clears INTRQ */
		ck_assert_int_eq(irq_level, 0);
		read_words(buf + 512 * s, 512);
	}
	ck_assert_int_eq(irq_edges, 3);                             /* none after the last data-in block */
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_DRQ | ATA_SR_ERR | ATA_SR_BSY), 0);
	for (size_t k = 0; k < sizeof buf; k++)
		ck_assert_uint_eq(buf[k], pattern(5 * 512 + k));
	ck_assert_uint_eq(inb(0x1F2), 0);                           /* count ran down */
	ck_assert_uint_eq(inb(0x1F3), 7);                           /* last sector transferred */
}
END_TEST

START_TEST(write_then_read_back)
{
	uint8_t w[2 * 512], r[2 * 512];

	for (size_t k = 0; k < sizeof w; k++)
		w[k] = (uint8_t)(k * 5 + 1);
	lba_cmd(0, 10, 2, ATA_CMD_WRITE);
	ck_assert_uint_eq(inb(0x3F6) & ATA_SR_DRQ, ATA_SR_DRQ);     /* DRQ at once ... */
	ck_assert_int_eq(irq_edges, 0);                             /* ... without an interrupt */
	write_words(w, 512);
	ck_assert_int_eq(irq_edges, 1);                             /* block stored, next one wanted */
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_DRQ, ATA_SR_DRQ);
	write_words(w + 512, 512);
	ck_assert_int_eq(irq_edges, 2);                             /* command complete */
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_DRQ | ATA_SR_ERR), 0);

	lba_cmd(0, 10, 2, ATA_CMD_READ);
	inb(0x1F7);
	read_words(r, 512);
	inb(0x1F7);
	read_words(r + 512, 512);
	ck_assert_mem_eq(w, r, sizeof w);

	/* Write-through: the image file holds the data. */
	FILE *f = fopen(path, "rb");
	uint8_t file[512];
	fseek(f, 11 * 512, SEEK_SET);
	ck_assert_uint_eq(fread(file, 1, 512, f), 512);
	fclose(f);
	ck_assert_mem_eq(file, w + 512, 512);
}
END_TEST

START_TEST(multiple_mode_and_32bit_data)
{
	uint8_t buf[6 * 512];

	lba_cmd(0, 0, 4, ATA_CMD_READ_MULT);                        /* multiple mode is off after reset */
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, ATA_SR_ERR);
	ck_assert_uint_eq(inb(0x1F1), ATA_ER_ABRT);

	outb(0x1F2, 3);
	outb(0x1F7, ATA_CMD_SET_MULT);                              /* not a power of two */
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, ATA_SR_ERR);
	outb(0x1F2, 4);
	outb(0x1F7, ATA_CMD_SET_MULT);
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, 0);

	irq_edges = 0;
	lba_cmd(0, 20, 6, ATA_CMD_READ_MULT);                       /* blocks of 4 then 2 sectors */
	inb(0x1F7);
	for (unsigned k = 0; k < 4 * 512; k += 4) {
		uint32_t v = pio_read(m, 0x1F0, 4);
		memcpy(buf + k, &v, 4);
	}
	ck_assert_int_eq(irq_edges, 2);
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_DRQ, ATA_SR_DRQ);
	for (unsigned k = 4 * 512; k < 6 * 512; k += 4) {
		uint32_t v = pio_read(m, 0x1F0, 4);
		memcpy(buf + k, &v, 4);
	}
	ck_assert_int_eq(irq_edges, 2);
	for (size_t k = 0; k < sizeof buf; k++)
		ck_assert_uint_eq(buf[k], pattern(20 * 512 + k));

	/* WRITE MULTIPLE: one interrupt per 4-sector block. */
	irq_edges = 0;
	memset(buf, 0x77, sizeof buf);
	lba_cmd(0, 30, 6, ATA_CMD_WRITE_MULT);
	for (unsigned k = 0; k < 4 * 512; k += 4)
		pio_write(m, 0x1F0, 4, 0x77777777u);
	ck_assert_int_eq(irq_edges, 1);
	inb(0x1F7);
	write_words(buf, 2 * 512);
	ck_assert_int_eq(irq_edges, 2);
	lba_cmd(0, 35, 1, ATA_CMD_READ);
	ck_assert_uint_eq(pio_read(m, 0x1F0, 2), 0x7777);
}
END_TEST

START_TEST(chs_addressing)
{
	uint8_t buf[512];

	/* Default translation 16 heads x 63 sectors: C0 H0 S10 is LBA 9. */
	outb(0x1F6, 0xA0);
	outb(0x1F2, 1);
	outb(0x1F3, 10);
	outb(0x1F4, 0);
	outb(0x1F5, 0);
	outb(0x1F7, ATA_CMD_READ);
	read_words(buf, 512);
	ck_assert_uint_eq(buf[0], 9);

	/* INITIALIZE DEVICE PARAMETERS: 4 heads, 8 sectors per track; then C1 H2 S3 = (1*4+2)*8+2 = 50. */
	outb(0x1F6, 0xA0 | 3);
	outb(0x1F2, 8);
	outb(0x1F7, ATA_CMD_INIT_PARAMS);
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, 0);
	outb(0x1F6, 0xA0 | 2);
	outb(0x1F2, 1);
	outb(0x1F3, 3);
	outb(0x1F4, 1);
	outb(0x1F5, 0);
	outb(0x1F7, ATA_CMD_READ);
	read_words(buf, 512);
	ck_assert_uint_eq(buf[0], 50);

	/* Sector 0 does not exist in CHS. */
	outb(0x1F3, 0);
	outb(0x1F7, ATA_CMD_READ);
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, ATA_SR_ERR);
	ck_assert_uint_eq(inb(0x1F1), ATA_ER_IDNF);
}
END_TEST

START_TEST(out_of_range_is_idnf)
{
	lba_cmd(0, NSECT - 1, 2, ATA_CMD_READ);                    /* the second sector does not exist */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_ERR | ATA_SR_DRQ | ATA_SR_DRDY), ATA_SR_ERR | ATA_SR_DRDY);
	ck_assert_uint_eq(inb(0x1F1), ATA_ER_IDNF);
	ck_assert_uint_eq(inb(0x1F3), NSECT);                       /* the first bad sector */
	ck_assert_uint_eq(pio_read(m, 0x1F0, 2), 0);                /* no data phase */

	lba_cmd(0, 1000, 1, ATA_CMD_WRITE);
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_ERR | ATA_SR_DRQ), ATA_SR_ERR);
	ck_assert_uint_eq(inb(0x1F1), ATA_ER_IDNF);
}
END_TEST

START_TEST(unknown_command_aborts)
{
	outb(0x1F6, 0xE0);
	outb(0x1F7, 0x25);                                          /* READ DMA EXT: not supported */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_ERR | ATA_SR_DRDY | ATA_SR_BSY), ATA_SR_ERR | ATA_SR_DRDY);
	ck_assert_uint_eq(inb(0x1F1), ATA_ER_ABRT);
	outb(0x1F7, ATA_CMD_FLUSH);                                  /* a good command clears the error */
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, 0);
	ck_assert_uint_eq(inb(0x1F1), 0);
}
END_TEST

/* ---- interrupts ------------------------------------------------------------------------------------- */

START_TEST(alt_status_keeps_irq_status_clears)
{
	outb(0x1F6, 0xE0);
	outb(0x1F7, ATA_CMD_FLUSH);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(inb(0x3F6) & ATA_SR_DRDY, ATA_SR_DRDY);
	ck_assert_int_eq(irq_level, 1);
	inb(0x1F7);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(nien_masks_intrq)
{
	outb(0x3F6, ATA_DC_NIEN);
	outb(0x1F6, 0xE0);
	outb(0x1F7, ATA_CMD_FLUSH);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_int_eq(irq_edges, 0);
	outb(0x3F6, 0);                                             /* still pending: the wire rises now */
	ck_assert_int_eq(irq_level, 1);
	inb(0x1F7);
	ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(srst_resets_and_signs)
{
	lba_cmd(0, 0, 2, ATA_CMD_READ);                             /* a transfer in progress */
	outb(0x3F6, ATA_DC_SRST);
	ck_assert_uint_eq(inb(0x3F6), ATA_SR_BSY);
	ck_assert_int_eq(irq_level, 0);
	outb(0x3F6, 0);
	ck_assert_uint_eq(inb(0x3F6) & (ATA_SR_BSY | ATA_SR_DRQ | ATA_SR_DRDY), ATA_SR_DRDY);
	ck_assert_uint_eq(inb(0x1F1), 0x01);                        /* diagnostic code: passed */
	ck_assert_uint_eq(inb(0x1F2), 1);                           /* the ATA signature */
	ck_assert_uint_eq(inb(0x1F3), 1);
	ck_assert_uint_eq(inb(0x1F4), 0);
	ck_assert_uint_eq(inb(0x1F5), 0);
	ck_assert_int_eq(irq_edges, 1);                             /* only the READ's; none after SRST */

	outb(0x1F7, ATA_CMD_DIAGNOSTIC);
	ck_assert_int_eq(irq_edges, 2);
	ck_assert_uint_eq(inb(0x1F1), 0x01);
}
END_TEST

/* ---- the slave -------------------------------------------------------------------------------------- */

START_TEST(absent_slave_reads_zero)
{
	outb(0x1F6, 0xB0);                                          /* select device 1 */
	ck_assert_uint_eq(inb(0x1F7), 0);
	ck_assert_uint_eq(inb(0x3F6), 0);
	outb(0x1F7, ATA_CMD_IDENTIFY);                              /* nobody answers */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(inb(0x1F7), 0);
	ck_assert_uint_eq(pio_read(m, 0x1F0, 2), 0);
	outb(0x1F6, 0xA0);                                          /* the master is still there */
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_DRDY, ATA_SR_DRDY);
}
END_TEST

START_TEST(slave_present_and_separate)
{
	uint8_t w[512], r[512];

	teardown();
	setup_mode(DISK_WRITABLE, 1);
	memset(w, 0xee, sizeof w);
	lba_cmd(1, 3, 1, ATA_CMD_WRITE);                           /* the slave's image is a snapshot */
	write_words(w, 512);
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_ERR | ATA_SR_DRQ | ATA_SR_DRDY), ATA_SR_DRDY);
	lba_cmd(1, 3, 1, ATA_CMD_READ);
	read_words(r, 512);
	ck_assert_mem_eq(r, w, 512);
	lba_cmd(0, 3, 1, ATA_CMD_READ);                            /* the master reads the file */
	read_words(r, 512);
	ck_assert_uint_eq(r[0], 3);
}
END_TEST

START_TEST(no_drives_float_high)
{
	struct machine *m2 = machine_new(1u << 20);
	struct ide *i2 = ide_new(m2, NULL, NULL);

	ck_assert_uint_eq(pio_read(m2, 0x1F7, 1), 0xff);
	ck_assert_uint_eq(pio_read(m2, 0x3F6, 1), 0xff);
	ide_free(i2);
	machine_free(m2);
}
END_TEST

/* ---- -snapshot -------------------------------------------------------------------------------------- */

START_TEST(snapshot_leaves_file_identical)
{
	uint8_t w[512], r[512], before[NSECT * 512], after[NSECT * 512];
	FILE *f;

	teardown();
	setup_mode(DISK_SNAPSHOT, 0);
	f = fopen(path, "rb");
	ck_assert_uint_eq(fread(before, 1, sizeof before, f), sizeof before);
	fclose(f);

	memset(w, 0x42, sizeof w);
	lba_cmd(0, 0, 1, ATA_CMD_WRITE);
	write_words(w, 512);
	ck_assert_uint_eq(inb(0x1F7) & ATA_SR_ERR, 0);
	outb(0x1F7, ATA_CMD_FLUSH);
	lba_cmd(0, 0, 1, ATA_CMD_READ);
	read_words(r, 512);
	ck_assert_mem_eq(r, w, 512);                                /* the guest sees its write */

	f = fopen(path, "rb");
	ck_assert_uint_eq(fread(after, 1, sizeof after, f), sizeof after);
	fclose(f);
	ck_assert_mem_eq(before, after, sizeof before);             /* the file does not */
}
END_TEST

START_TEST(readonly_disk_aborts_writes)
{
	teardown();
	setup_mode(DISK_READONLY, 0);
	lba_cmd(0, 0, 1, ATA_CMD_WRITE);
	ck_assert_uint_eq(inb(0x1F7) & (ATA_SR_ERR | ATA_SR_DRQ), ATA_SR_ERR);
	ck_assert_uint_eq(inb(0x1F1), ATA_ER_ABRT);
}
END_TEST

Suite *suite_ide(void)
{
	Suite *s = suite_create("ide");
	TCase *t = tcase_create("ide");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, identify_block);
	tcase_add_test(t, read_multi_sector_with_irq_per_sector);
	tcase_add_test(t, write_then_read_back);
	tcase_add_test(t, multiple_mode_and_32bit_data);
	tcase_add_test(t, chs_addressing);
	tcase_add_test(t, out_of_range_is_idnf);
	tcase_add_test(t, unknown_command_aborts);
	tcase_add_test(t, alt_status_keeps_irq_status_clears);
	tcase_add_test(t, nien_masks_intrq);
	tcase_add_test(t, srst_resets_and_signs);
	tcase_add_test(t, absent_slave_reads_zero);
	tcase_add_test(t, slave_present_and_separate);
	tcase_add_test(t, no_drives_float_high);
	tcase_add_test(t, snapshot_leaves_file_identical);
	tcase_add_test(t, readonly_disk_aborts_writes);
	suite_add_tcase(s, t);
	return s;
}
