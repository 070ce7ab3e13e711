/* SPDX-License-Identifier: MIT
 *
 * test_pic.c — the 8259A pair through its ports: the initialisation sequence a PC kernel uses
 * (ICW1-ICW4 remapping IRQ0-15 to vectors 0x20-0x2F), masking, EOI, fixed and rotating priority,
 * cascade through IR2, AEOI, polling, level triggering through the ELCR, and the spurious IR7 vector
 * (8259A datasheet, "Interrupt sequence" and "Programming the 8259A").
 */
#include <check.h>
#include "machine.h"
#include "dev/pic.h"

static struct machine *m;
static struct pic *pic;
static int out_level, out_rises;

static void out_set(void *opaque, int n, int level)
{
	if (level && !out_level)
		out_rises++;
	out_level = level;
}

static void setup(void)
{
	m = machine_new(1 << 20);
	pic = pic_new(m);
	pic->out = irq_line_make(out_set, NULL, 0);
	out_level = out_rises = 0;
	/* The classic remap: master at 0x20, slave at 0x28, slave on IR2, 8086 mode. */
	pio_write(m, 0x20, 1, 0x11);
	pio_write(m, 0xa0, 1, 0x11);
	pio_write(m, 0x21, 1, 0x20);
	pio_write(m, 0xa1, 1, 0x28);
	pio_write(m, 0x21, 1, 0x04);
	pio_write(m, 0xa1, 1, 0x02);
	pio_write(m, 0x21, 1, 0x01);
	pio_write(m, 0xa1, 1, 0x01);
}

static void teardown(void)
{
	pic_free(pic);
	machine_free(m);
}

static uint8_t read_isr(uint16_t base)
{
	pio_write(m, base, 1, 0x0b);   /* OCW3: read ISR */
	uint8_t v = (uint8_t)pio_read(m, base, 1);
	pio_write(m, base, 1, 0x0a);   /* back to IRR */
	return v;
}

static void pulse(int irq)
{
	pic_set_irq(pic, irq, 1);
	pic_set_irq(pic, irq, 0);
}

START_TEST(bios_reset_state)
{
	struct machine *m2 = machine_new(1 << 20);
	struct pic *p2 = pic_new(m2);
	ck_assert_int_eq(pio_read(m2, 0x21, 1), 0xfb);   /* all masked but the cascade */
	ck_assert_int_eq(pio_read(m2, 0xa1, 1), 0xff);
	pic_set_irq(p2, 0, 1);
	ck_assert_int_eq(pic_output(p2), 0);
	pio_write(m2, 0x21, 1, 0xfa);
	ck_assert_int_eq(pic_output(p2), 1);
	ck_assert_int_eq(pic_ack(p2), 0x08);              /* the BIOS's vector base */
	pic_set_irq(p2, 8, 1);
	pio_write(m2, 0xa1, 1, 0xfe);
	pio_write(m2, 0x20, 1, 0x20);
	ck_assert_int_eq(pic_ack(p2), 0x70);
	pic_free(p2);
	machine_free(m2);
}
END_TEST

START_TEST(init_and_ack)
{
	ck_assert_int_eq(pio_read(m, 0x21, 1), 0);      /* ICW1 cleared the mask */
	pulse(1);
	ck_assert_int_eq(out_level, 1);
	ck_assert_int_eq(pio_read(m, 0x20, 1), 0x02);   /* IRR */
	ck_assert_int_eq(pic_ack(pic), 0x21);
	ck_assert_int_eq(out_level, 0);
	ck_assert_int_eq(pio_read(m, 0x20, 1), 0x00);   /* IRR cleared by INTA */
	ck_assert_int_eq(read_isr(0x20), 0x02);
	pio_write(m, 0x20, 1, 0x20);                    /* non-specific EOI */
	ck_assert_int_eq(read_isr(0x20), 0x00);
}
END_TEST

START_TEST(masking)
{
	pio_write(m, 0x21, 1, 0x02);
	ck_assert_int_eq(pio_read(m, 0x21, 1), 0x02);
	pulse(1);
	ck_assert_int_eq(out_level, 0);                 /* masked: INT stays low */
	ck_assert_int_eq(pio_read(m, 0x20, 1), 0x02);   /* but IRR latched the edge */
	pio_write(m, 0x21, 1, 0x00);
	ck_assert_int_eq(out_level, 1);
	ck_assert_int_eq(pic_ack(pic), 0x21);
}
END_TEST

START_TEST(priority_and_nesting)
{
	pulse(3);
	pulse(1);
	ck_assert_int_eq(pic_ack(pic), 0x21);           /* IR1 beats IR3 */
	ck_assert_int_eq(out_level, 0);                 /* IR3 is lower than the in-service IR1 */
	pulse(0);
	ck_assert_int_eq(out_level, 1);                 /* IR0 is higher: it may nest */
	ck_assert_int_eq(pic_ack(pic), 0x20);
	ck_assert_int_eq(read_isr(0x20), 0x03);
	pio_write(m, 0x20, 1, 0x20);                    /* EOI retires the highest: IR0 */
	ck_assert_int_eq(read_isr(0x20), 0x02);
	ck_assert_int_eq(out_level, 0);
	pio_write(m, 0x20, 1, 0x61);                    /* specific EOI for IR1 */
	ck_assert_int_eq(read_isr(0x20), 0x00);
	ck_assert_int_eq(out_level, 1);
	ck_assert_int_eq(pic_ack(pic), 0x23);
}
END_TEST

START_TEST(spurious_irq7)
{
	pulse(3);
	ck_assert_int_eq(out_level, 1);
	pio_write(m, 0x21, 1, 0x08);                    /* masked after INT was raised */
	ck_assert_int_eq(pic_ack(pic), 0x27);           /* the CPU acknowledges anyway */
	ck_assert_int_eq(read_isr(0x20), 0x00);         /* spurious: ISR bit 7 is NOT set */
	/* A real IR7 does set ISR. */
	pio_write(m, 0x21, 1, 0x00);
	ck_assert_int_eq(pic_ack(pic), 0x23);
	pio_write(m, 0x20, 1, 0x20);
	pulse(7);
	ck_assert_int_eq(pic_ack(pic), 0x27);
	ck_assert_int_eq(read_isr(0x20), 0x80);
}
END_TEST

START_TEST(cascade)
{
	pulse(12);
	ck_assert_int_eq(out_level, 1);
	ck_assert_int_eq(pic_ack(pic), 0x2c);
	ck_assert_int_eq(read_isr(0x20), 0x04);         /* master: IR2 in service */
	ck_assert_int_eq(read_isr(0xa0), 0x10);         /* slave: IR4 */
	pulse(14);
	ck_assert_int_eq(out_level, 0);                 /* IR2 in service blocks the whole slave */
	pio_write(m, 0xa0, 1, 0x20);
	pio_write(m, 0x20, 1, 0x20);
	ck_assert_int_eq(out_level, 1);
	ck_assert_int_eq(pic_ack(pic), 0x2e);
	/* Masking IR2 on the master masks every slave input. */
	pio_write(m, 0xa0, 1, 0x20);
	pio_write(m, 0x20, 1, 0x20);
	pio_write(m, 0x21, 1, 0x04);
	pulse(9);
	ck_assert_int_eq(out_level, 0);
	pio_write(m, 0x21, 1, 0x00);
	ck_assert_int_eq(pic_ack(pic), 0x29);
}
END_TEST

START_TEST(auto_eoi)
{
	pio_write(m, 0x20, 1, 0x11);
	pio_write(m, 0x21, 1, 0x40);
	pio_write(m, 0x21, 1, 0x04);
	pio_write(m, 0x21, 1, 0x03);                    /* ICW4: AEOI, 8086 */
	pulse(5);
	ck_assert_int_eq(pic_ack(pic), 0x45);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	pulse(6);
	ck_assert_int_eq(out_level, 1);                 /* no EOI needed: lower priority gets through */
}
END_TEST

START_TEST(rotation)
{
	pulse(0);
	ck_assert_int_eq(pic_ack(pic), 0x20);
	pio_write(m, 0x20, 1, 0xa0);                    /* rotate on non-specific EOI: IR0 now lowest */
	pulse(0);
	pulse(5);
	ck_assert_int_eq(pic_ack(pic), 0x25);
	pio_write(m, 0x20, 1, 0xc4);                    /* set priority: IR4 lowest, so IR5 highest */
	pio_write(m, 0x20, 1, 0x20);
	pulse(5);
	ck_assert_int_eq(pic_ack(pic), 0x25);
	pio_write(m, 0x20, 1, 0x20);
	ck_assert_int_eq(pic_ack(pic), 0x20);
}
END_TEST

START_TEST(poll_command)
{
	pulse(6);
	pio_write(m, 0x20, 1, 0x0c);                    /* OCW3 with P set */
	ck_assert_int_eq(pio_read(m, 0x20, 1), 0x86);
	ck_assert_int_eq(read_isr(0x20), 0x40);         /* the poll acknowledged it */
	pio_write(m, 0x20, 1, 0x0c);
	ck_assert_int_eq(pio_read(m, 0x20, 1), 0x00);   /* nothing left */
}
END_TEST

START_TEST(elcr_level)
{
	pio_write(m, 0x4d0, 1, 0x20);                   /* IRQ5 level triggered */
	ck_assert_int_eq(pio_read(m, 0x4d0, 1), 0x20);
	pio_write(m, 0x4d0, 1, 0x07);                   /* IRQ0-2 cannot be level triggered */
	ck_assert_int_eq(pio_read(m, 0x4d0, 1), 0x00);
	pio_write(m, 0x4d0, 1, 0x20);
	pic_set_irq(pic, 5, 1);
	ck_assert_int_eq(pic_ack(pic), 0x25);
	pio_write(m, 0x20, 1, 0x20);
	ck_assert_int_eq(out_level, 1);                 /* the line is still high: requested again */
	pic_set_irq(pic, 5, 0);
	ck_assert_int_eq(out_level, 0);                 /* and withdrawn when it drops */
	ck_assert_int_eq(pio_read(m, 0x20, 1), 0x00);
}
END_TEST

START_TEST(edge_needs_new_edge)
{
	pic_set_irq(pic, 4, 1);
	ck_assert_int_eq(pic_ack(pic), 0x24);
	pio_write(m, 0x20, 1, 0x20);
	ck_assert_int_eq(out_level, 0);                 /* line still high, but no new edge */
	pic_set_irq(pic, 4, 0);
	pic_set_irq(pic, 4, 1);
	ck_assert_int_eq(out_level, 1);
	ck_assert_int_eq(out_rises, 2);
}
END_TEST

Suite *suite_pic(void)
{
	Suite *s = suite_create("pic");
	TCase *tc = tcase_create("8259a");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bios_reset_state);
	tcase_add_test(tc, init_and_ack);
	tcase_add_test(tc, masking);
	tcase_add_test(tc, priority_and_nesting);
	tcase_add_test(tc, spurious_irq7);
	tcase_add_test(tc, cascade);
	tcase_add_test(tc, auto_eoi);
	tcase_add_test(tc, rotation);
	tcase_add_test(tc, poll_command);
	tcase_add_test(tc, elcr_level);
	tcase_add_test(tc, edge_needs_new_edge);
	suite_add_tcase(s, tc);
	return s;
}
