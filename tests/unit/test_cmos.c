/* SPDX-License-Identifier: MIT
 *
 * test_cmos.c — the MC146818 clock driven by virtual time: BCD and binary, 24- and 12-hour formats,
 * the clock crossing a leap day as instructions retire, UIP in the last 244 us of each second, setting
 * the clock under B.SET, the memory-size bytes, the shutdown byte and the NMI mask bit, and the
 * periodic/update interrupts on IRQ8 (MC146818A datasheet, registers A-D).
 */
#include <check.h>
#include "machine.h"
#include "dev/cmos.h"

#define T0 1709251198   /* 2024-02-29 23:59:58 UTC, a Thursday */
#define SEC 1000000000ull

static struct machine *m;
static struct cmos *c;
static int irq;

static void irq_cb(void *opaque, int n, int level)
{
	irq = level;
}

static void setup(void)
{
	m = machine_new(1 << 20);
	c = cmos_new(m, T0, 64u << 20);
	c->irq = irq_line_make(irq_cb, NULL, 8);
	irq = 0;
}

static void teardown(void)
{
	cmos_free(c);
	machine_free(m);
}

static uint8_t rd(uint8_t reg)
{
	pio_write(m, 0x70, 1, reg);
	return (uint8_t)pio_read(m, 0x71, 1);
}

static void wr(uint8_t reg, uint8_t v)
{
	pio_write(m, 0x70, 1, reg);
	pio_write(m, 0x71, 1, v);
}

static void advance(uint64_t to)
{
	while (m->next_deadline <= to) {
		m->cpu.icount = m->next_deadline;
		vtimer_run_due(m);
	}
	m->cpu.icount = to;
}

START_TEST(bcd_time)
{
	ck_assert_int_eq(rd(0x00), 0x58);
	ck_assert_int_eq(rd(0x02), 0x59);
	ck_assert_int_eq(rd(0x04), 0x23);
	ck_assert_int_eq(rd(0x06), 5);       /* Thursday (1 = Sunday) */
	ck_assert_int_eq(rd(0x07), 0x29);
	ck_assert_int_eq(rd(0x08), 0x02);
	ck_assert_int_eq(rd(0x09), 0x24);
	ck_assert_int_eq(rd(0x32), 0x20);
	ck_assert_int_eq(rd(0x0d), 0x80);    /* valid RAM and time */
}
END_TEST

START_TEST(time_advances_with_instructions)
{
	advance(2 * SEC - 1);
	ck_assert_int_eq(rd(0x00), 0x59);
	ck_assert_int_eq(rd(0x07), 0x29);
	advance(2 * SEC);                    /* 2024-03-01 00:00:00, a Friday */
	ck_assert_int_eq(rd(0x00), 0x00);
	ck_assert_int_eq(rd(0x02), 0x00);
	ck_assert_int_eq(rd(0x04), 0x00);
	ck_assert_int_eq(rd(0x07), 0x01);
	ck_assert_int_eq(rd(0x08), 0x03);
	ck_assert_int_eq(rd(0x06), 6);
	ck_assert_int_eq(cmos_time(c), T0 + 2);
}
END_TEST

START_TEST(binary_and_12h)
{
	wr(0x0b, 0x06);                      /* binary, 24 h */
	ck_assert_int_eq(rd(0x00), 58);
	ck_assert_int_eq(rd(0x04), 23);
	ck_assert_int_eq(rd(0x09), 24);
	wr(0x0b, 0x00);                      /* BCD, 12 h: 23:59 is 11 PM */
	ck_assert_int_eq(rd(0x04), 0x91);
	wr(0x0b, 0x04);                      /* binary, 12 h */
	ck_assert_int_eq(rd(0x04), 0x8b);
	advance(2 * SEC);                    /* midnight is 12 AM */
	ck_assert_int_eq(rd(0x04), 12);
}
END_TEST

START_TEST(uip_window)
{
	advance(SEC - 244001);
	ck_assert_int_eq(rd(0x0a) & 0x80, 0);
	advance(SEC - 244000);
	ck_assert_int_eq(rd(0x0a), 0xa6);    /* UIP, divider 010, rate 0110 */
	advance(SEC);
	ck_assert_int_eq(rd(0x0a) & 0x80, 0);
}
END_TEST

START_TEST(set_clock)
{
	advance(SEC / 2);
	wr(0x0b, 0x82);                      /* SET: updates stop, registers can be written */
	wr(0x04, 0x10);
	wr(0x02, 0x30);
	wr(0x00, 0x00);
	advance(5 * SEC);
	ck_assert_int_eq(rd(0x04), 0x10);    /* frozen while SET */
	ck_assert_int_eq(rd(0x00), 0x00);
	wr(0x0b, 0x02);
	ck_assert_int_eq(rd(0x04), 0x10);
	ck_assert_int_eq(rd(0x02), 0x30);
	ck_assert_int_eq(rd(0x07), 0x29);
	advance(6 * SEC - 1);                /* the phase of the second is kept: the next update is at 6 s */
	ck_assert_int_eq(rd(0x00), 0x00);
	advance(6 * SEC);
	ck_assert_int_eq(rd(0x00), 0x01);
	/* Writing a time register without SET also sets the clock. */
	wr(0x09, 0x99);
	wr(0x32, 0x19);
	ck_assert_int_eq(rd(0x09), 0x99);
	ck_assert_int_eq(rd(0x32), 0x19);
}
END_TEST

START_TEST(memory_bytes_and_ram)
{
	ck_assert_int_eq(rd(0x15) | rd(0x16) << 8, 640);
	ck_assert_int_eq(rd(0x17) | rd(0x18) << 8, 64 * 1024 - 1024);
	ck_assert_int_eq(rd(0x30) | rd(0x31) << 8, 64 * 1024 - 1024);
	ck_assert_int_eq(rd(0x34) | rd(0x35) << 8, (64 - 16) * 16);   /* 64 KiB blocks above 16 MiB */
	wr(0x0f, 0x0a);                      /* shutdown byte: "jump via 40:67" */
	ck_assert_int_eq(rd(0x0f), 0x0a);
	wr(0x0c, 0xff);                      /* C and D are read-only */
	wr(0x0d, 0x00);
	ck_assert_int_eq(rd(0x0d), 0x80);
	pio_write(m, 0x70, 1, 0x80 | 0x0f);  /* NMI masked, index 0x0F */
	ck_assert_int_eq(c->nmi_masked, 1);
	ck_assert_int_eq(pio_read(m, 0x71, 1), 0x0a);
	/* A large machine caps the extended-memory word at 65535 KiB. */
	struct machine *m2 = machine_new(4096);
	struct cmos *big = cmos_new(m2, T0, 512u << 20);
	ck_assert_int_eq(big->ram[0x17] | big->ram[0x18] << 8, 0xffff);
	ck_assert_int_eq(big->ram[0x34] | big->ram[0x35] << 8, (512 - 16) * 16);
	cmos_free(big);
	machine_free(m2);
}
END_TEST

START_TEST(periodic_interrupt)
{
	wr(0x0b, 0x42);                      /* PIE, at the default 1024 Hz */
	advance(976562);
	ck_assert_int_eq(irq, 0);
	advance(976563);                     /* 32 ticks of 32768 Hz: 976562.5 ns, rounded up */
	ck_assert_int_eq(irq, 1);
	ck_assert_int_eq(rd(0x0c), 0xc0);    /* IRQF | PF */
	ck_assert_int_eq(irq, 0);            /* reading C released the line */
	ck_assert_int_eq(rd(0x0c), 0x00);
	advance(2 * 976563);                 /* tick 64 lands at exactly 1953125 */
	ck_assert_int_eq(irq, 1);
	rd(0x0c);
	wr(0x0b, 0x02);
	advance(SEC / 2);
	ck_assert_int_eq(irq, 0);
}
END_TEST

START_TEST(update_and_alarm_interrupts)
{
	wr(0x01, 0x59);                      /* alarm at xx:59:59 (hours "don't care") */
	wr(0x03, 0x59);
	wr(0x05, 0xc0);
	wr(0x0b, 0x32);                      /* UIE, AIE */
	advance(SEC - 1);
	ck_assert_int_eq(irq, 0);
	advance(SEC);                        /* 23:59:59: update and alarm */
	ck_assert_int_eq(irq, 1);
	ck_assert_int_eq(rd(0x0c), 0xb0);
	advance(2 * SEC);                    /* 00:00:00: update only */
	ck_assert_int_eq(rd(0x0c), 0x90);
}
END_TEST

Suite *suite_cmos(void)
{
	Suite *s = suite_create("cmos");
	TCase *tc = tcase_create("mc146818");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bcd_time);
	tcase_add_test(tc, time_advances_with_instructions);
	tcase_add_test(tc, binary_and_12h);
	tcase_add_test(tc, uip_window);
	tcase_add_test(tc, set_clock);
	tcase_add_test(tc, memory_bytes_and_ram);
	tcase_add_test(tc, periodic_interrupt);
	tcase_add_test(tc, update_and_alarm_interrupts);
	suite_add_tcase(s, tc);
	return s;
}
