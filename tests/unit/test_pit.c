/* SPDX-License-Identifier: MIT
 *
 * test_pit.c — the 8254 against virtual time.  The input clock runs at 1 193 182 Hz and one instruction
 * is one virtual nanosecond, so input tick k happens at instruction ceil(k * 10^9 / 1193182); IRQ0
 * edges must land exactly there.  The expected instruction counts below were computed by hand from
 * that formula (e.g. tick 1193 -> 999848).  Also: latch and read-back commands, BCD counting, and
 * channel 2 through port 0x61 (82C54 datasheet, "Modes", "Read operations").
 */
#include <check.h>
#include "machine.h"
#include "dev/pit.h"

static struct machine *m;
static struct pit *pit;
static int level, rises, falls;
static uint64_t rise_at[8], fall_at[8];

static void irq0_set(void *opaque, int n, int lv)
{
	if (lv && !level && rises < 8)
		rise_at[rises++] = m->cpu.icount;
	if (!lv && level && falls < 8)
		fall_at[falls++] = m->cpu.icount;
	level = lv;
}

static void setup(void)
{
	m = machine_new(1 << 20);
	m->cpu.icount = 0;
	pit = pit_new(m);
	pit->irq0 = irq_line_make(irq0_set, NULL, 0);
	rises = falls = 0;
	level = pit_out(pit, 0);
	ck_assert_int_eq(level, 1);   /* as the BIOS leaves it: mode 3, high during the first half */
}

static void teardown(void)
{
	pit_free(pit);
	machine_free(m);
}

/* Advance virtual time to `until`, stopping at every timer deadline on the way (as the run loop does). */
static void run_until(uint64_t until)
{
	while (m->next_deadline <= until) {
		m->cpu.icount = m->next_deadline;
		vtimer_run_due(m);
	}
	m->cpu.icount = until;
	vtimer_run_due(m);
}

static void program(int ch, int mode, uint16_t count)
{
	pio_write(m, 0x43, 1, (uint32_t)(ch << 6 | 3 << 4 | mode << 1));
	pio_write(m, 0x40 + ch, 1, count & 0xff);
	pio_write(m, 0x40 + ch, 1, count >> 8);
}

START_TEST(mode2_rate_generator)
{
	program(0, 2, 1193);                 /* ~1 kHz, as many kernels program it */
	ck_assert_int_eq(level, 1);          /* OUT goes high when the mode is set */
	run_until(999847);
	ck_assert_int_eq(rises, 0);
	ck_assert_int_eq(falls, 1);
	ck_assert_uint_eq(fall_at[0], 999010);   /* low during the last tick of the period (count 1) */
	run_until(999848);
	ck_assert_int_eq(rises, 1);
	ck_assert_uint_eq(rise_at[0], 999848);
	run_until(3000000);
	ck_assert_int_eq(rises, 3);
	ck_assert_uint_eq(rise_at[1], 1999695);
	ck_assert_uint_eq(rise_at[2], 2999543);  /* no drift: tick 3579, not 3 x a rounded period */
}
END_TEST

START_TEST(mode3_square_wave)
{
	program(0, 3, 100);
	run_until(200000);
	ck_assert_int_eq(falls, 2);
	ck_assert_int_eq(rises, 2);
	ck_assert_uint_eq(fall_at[0], 41905);    /* tick 50: half the period high */
	ck_assert_uint_eq(rise_at[0], 83810);    /* tick 100 */
	ck_assert_uint_eq(fall_at[1], 125715);   /* tick 150 */
	ck_assert_uint_eq(rise_at[1], 167620);   /* tick 200 */
}
END_TEST

START_TEST(mode0_one_shot)
{
	program(0, 0, 1000);
	ck_assert_int_eq(level, 0);              /* mode 0: OUT low until terminal count */
	run_until(838095);
	ck_assert_int_eq(level, 0);
	run_until(838096);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(rise_at[0], 838096);
	run_until(10000000);
	ck_assert_int_eq(rises, 1);              /* once only */
	ck_assert_int_eq(level, 1);
}
END_TEST

START_TEST(latch_and_readback)
{
	program(0, 0, 1000);
	run_until(100000);                       /* tick 119 */
	pio_write(m, 0x43, 1, 0x00);             /* counter latch, channel 0 */
	run_until(200000);
	ck_assert_int_eq(pio_read(m, 0x40, 1), (1000 - 119) & 0xff);
	ck_assert_int_eq(pio_read(m, 0x40, 1), (1000 - 119) >> 8);
	/* Unlatched reads follow the counter: tick 238 at instruction 200000 */
	ck_assert_int_eq(pio_read(m, 0x40, 1) | pio_read(m, 0x40, 1) << 8, 1000 - 238);
	/* Read-back: status of channel 0 (count not latched): OUT 0, RW 3, mode 0, binary. */
	pio_write(m, 0x43, 1, 0xe2);
	ck_assert_int_eq(pio_read(m, 0x40, 1), 0x30);
	/* Read-back of status and count together: status first, then the count. */
	pio_write(m, 0x43, 1, 0xc2);
	ck_assert_int_eq(pio_read(m, 0x40, 1), 0x30);
	ck_assert_int_eq(pio_read(m, 0x40, 1) | pio_read(m, 0x40, 1) << 8, 1000 - 238);
}
END_TEST

START_TEST(lobyte_only_and_bcd)
{
	/* lobyte-only access, mode 2, BCD: count 0x50 = 50 decimal */
	pio_write(m, 0x43, 1, 0x15);
	pio_write(m, 0x40, 1, 0x50);
	run_until(10000);                        /* tick 11: count 50 - 11 = 39 -> BCD 0x39 */
	ck_assert_int_eq(pio_read(m, 0x40, 1), 0x39);
	run_until(41905);                        /* tick 50: the first period ends */
	ck_assert_int_eq(rises, 1);
	ck_assert_uint_eq(rise_at[0], 41905);
}
END_TEST

START_TEST(channel2_port61)
{
	ck_assert_int_eq(pio_read(m, 0x61, 1) & 0x01, 0);   /* gate 2 low after reset */
	program(2, 0, 100);
	ck_assert_int_eq(pio_read(m, 0x61, 1) & 0x20, 0);
	run_until(200000);
	ck_assert_int_eq(pio_read(m, 0x61, 1) & 0x20, 0);   /* gate low: not counting */
	pio_write(m, 0x61, 1, 0x01);                         /* gate high at tick 238 */
	ck_assert_int_eq(pio_read(m, 0x61, 1) & 0x21, 0x01);
	run_until(200000 + 83810);
	ck_assert_int_eq(pio_read(m, 0x61, 1) & 0x20, 0x20);  /* terminal count reached */
	ck_assert_int_eq(rises, 0);                          /* channel 2 is not IRQ0 */
	/* Bit 4 (refresh) toggles every 18 input ticks. */
	uint32_t a = pio_read(m, 0x61, 1) & 0x10;
	run_until(m->cpu.icount + 15086);
	ck_assert_uint_ne(pio_read(m, 0x61, 1) & 0x10, a);
}
END_TEST

START_TEST(bios_default_18hz)
{
	/* Mode 3 with count 65536: IRQ0 every 65536 ticks = 54925.4 us (18.2 Hz). */
	run_until(60000000);
	ck_assert_int_eq(rises, 1);
	ck_assert_uint_eq(rise_at[0], 54925402);   /* ceil(65536e9 / 1193182) */
	ck_assert_int_eq(pio_read(m, 0x61, 1) & 0x20, 0);   /* channel 2 untouched */
}
END_TEST

START_TEST(reprogram_stops_old_period)
{
	program(0, 2, 1193);
	run_until(500000);
	program(0, 0, 0);                        /* count 0 = 65536 in mode 0 */
	run_until(999848);
	ck_assert_int_eq(rises, 0);
	ck_assert_int_eq(level, 0);
}
END_TEST

Suite *suite_pit(void)
{
	Suite *s = suite_create("pit");
	TCase *tc = tcase_create("8254");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mode2_rate_generator);
	tcase_add_test(tc, mode3_square_wave);
	tcase_add_test(tc, mode0_one_shot);
	tcase_add_test(tc, latch_and_readback);
	tcase_add_test(tc, lobyte_only_and_bcd);
	tcase_add_test(tc, channel2_port61);
	tcase_add_test(tc, reprogram_stops_old_period);
	tcase_add_test(tc, bios_default_18hz);
	suite_add_tcase(s, tc);
	return s;
}
