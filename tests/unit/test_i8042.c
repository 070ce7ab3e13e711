/* SPDX-License-Identifier: MIT
 *
 * test_i8042.c — the keyboard controller as a kernel uses it: self test, the command byte, the A20 gate
 * through the output port (0xD1) and through port 0x92, reset through 0xFE and port 0x92, scan codes on
 * IRQ1 with one edge per byte, keyboard commands and their ACKs.
 */
#include <check.h>
#include "machine.h"
#include "dev/i8042.h"

static struct machine *m;
static struct i8042 *k;
static int irq1, irq1_rises, a20;

static void irq1_cb(void *opaque, int n, int level)
{
	if (level && !irq1)
		irq1_rises++;
	irq1 = level;
}

static void a20_cb(void *opaque, int n, int level)
{
	a20 = level;
}

static void setup(void)
{
	m = machine_new(1 << 20);
	k = i8042_new(m);
	k->irq1 = irq_line_make(irq1_cb, NULL, 1);
	k->a20 = irq_line_make(a20_cb, NULL, 0);
	irq1 = irq1_rises = 0;
	a20 = i8042_a20(k);
}

static void teardown(void)
{
	i8042_free(k);
	machine_free(m);
}

START_TEST(self_test)
{
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 0x03, 0);   /* nothing to read, input buffer empty */
	pio_write(m, 0x64, 1, 0xaa);
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 0x0d, 0x0d); /* OBF, SYS, last write was a command */
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x55);
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 0x01, 0);
	pio_write(m, 0x64, 1, 0xab);                          /* keyboard interface test */
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x00);
}
END_TEST

START_TEST(command_byte)
{
	pio_write(m, 0x64, 1, 0x20);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x65);        /* IRQ1, SYS, mouse off, translate */
	pio_write(m, 0x64, 1, 0x60);
	pio_write(m, 0x60, 1, 0x44);                          /* no keyboard interrupt */
	pio_write(m, 0x64, 1, 0x20);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x44);
	i8042_key(k, 0x1e);
	ck_assert_int_eq(irq1, 0);                           /* polled mode: OBF but no IRQ */
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 1, 1);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x1e);
}
END_TEST

START_TEST(a20_output_port)
{
	ck_assert_int_eq(a20, 1);                            /* enabled after reset */
	pio_write(m, 0x64, 1, 0xd1);
	pio_write(m, 0x60, 1, 0xdd);                          /* bit 1 clear: A20 off, bit 0 set: no reset */
	ck_assert_int_eq(a20, 0);
	ck_assert_int_eq(i8042_a20(k), 0);
	ck_assert_int_eq(m->stop, STOP_NONE);
	pio_write(m, 0x64, 1, 0xd0);
	ck_assert_int_eq(pio_read(m, 0x60, 1) & 0x03, 0x01);
	pio_write(m, 0x64, 1, 0xd1);
	pio_write(m, 0x60, 1, 0xdf);
	ck_assert_int_eq(a20, 1);
}
END_TEST

START_TEST(a20_port92)
{
	pio_write(m, 0x64, 1, 0xd1);
	pio_write(m, 0x60, 1, 0xdd);
	ck_assert_int_eq(a20, 0);
	pio_write(m, 0x92, 1, 0x02);                          /* fast A20 */
	ck_assert_int_eq(a20, 1);
	ck_assert_int_eq(pio_read(m, 0x92, 1) & 0x03, 0x02);
	ck_assert_int_eq(m->stop, STOP_NONE);
	pio_write(m, 0x92, 1, 0x00);
	ck_assert_int_eq(a20, 0);
}
END_TEST

START_TEST(reset_0xfe)
{
	pio_write(m, 0x64, 1, 0xfe);
	ck_assert_int_eq(m->stop, STOP_RESET);
}
END_TEST

START_TEST(reset_port92)
{
	pio_write(m, 0x92, 1, 0x02);
	ck_assert_int_eq(m->stop, STOP_NONE);
	pio_write(m, 0x92, 1, 0x03);
	ck_assert_int_eq(m->stop, STOP_RESET);
}
END_TEST

START_TEST(reset_output_port)
{
	pio_write(m, 0x64, 1, 0xd1);
	pio_write(m, 0x60, 1, 0x02);                          /* bit 0 clear: reset asserted */
	ck_assert_int_eq(m->stop, STOP_RESET);
}
END_TEST

START_TEST(scancodes_on_irq1)
{
	i8042_key(k, 0x1e);                                   /* 'a' make */
	i8042_key(k, 0x9e);                                   /* 'a' break */
	ck_assert_int_eq(irq1, 1);
	ck_assert_int_eq(irq1_rises, 1);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x1e);
	ck_assert_int_eq(irq1_rises, 2);                     /* the next byte is a new edge */
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x9e);
	ck_assert_int_eq(irq1, 0);
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 1, 0);
}
END_TEST

START_TEST(keyboard_commands)
{
	pio_write(m, 0x60, 1, 0xff);                          /* reset the keyboard */
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0xfa);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0xaa);
	pio_write(m, 0x60, 1, 0xed);                          /* LEDs, then their argument */
	pio_write(m, 0x60, 1, 0x07);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0xfa);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0xfa);
	pio_write(m, 0x60, 1, 0xf5);                          /* disable scanning: keys are dropped */
	pio_read(m, 0x60, 1);
	i8042_key(k, 0x10);
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 1, 0);
	pio_write(m, 0x60, 1, 0xf4);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0xfa);
	/* Keyboard disabled by the controller (0xAD): bytes wait until 0xAE */
	pio_write(m, 0x64, 1, 0xad);
	i8042_key(k, 0x10);
	ck_assert_int_eq(pio_read(m, 0x64, 1) & 1, 0);
	pio_write(m, 0x64, 1, 0xae);
	ck_assert_int_eq(pio_read(m, 0x60, 1), 0x10);
}
END_TEST

Suite *suite_i8042(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("kbc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, self_test);
	tcase_add_test(tc, command_byte);
	tcase_add_test(tc, a20_output_port);
	tcase_add_test(tc, a20_port92);
	tcase_add_test(tc, reset_0xfe);
	tcase_add_test(tc, reset_port92);
	tcase_add_test(tc, reset_output_port);
	tcase_add_test(tc, scancodes_on_irq1);
	tcase_add_test(tc, keyboard_commands);
	suite_add_tcase(s, tc);
	return s;
}
