/* SPDX-License-Identifier: MIT
 *
 * test_uart.c — the 16550A through its ports: transmit to the callback, DLAB and the divisor latch,
 * loopback (TX looped into RX, MCR outputs into MSR), the 16-byte receive FIFO with its trigger levels
 * and overrun, the IIR priority order, THRE and receive interrupts, and the character timeout measured
 * in virtual time (PC16550D datasheet, table 4).
 */
#include <check.h>
#include "machine.h"
#include "dev/uart.h"

#define COM1 0x3f8

static struct machine *m;
static struct uart *u;
static uint8_t sent[64];
static int nsent, irq;

static void tx(void *opaque, uint8_t b)
{
	if (nsent < 64)
		sent[nsent++] = b;
}

static void irq_set_cb(void *opaque, int n, int level)
{
	irq = level;
}

static void setup(void)
{
	m = machine_new(1 << 20);
	u = uart_new(m, COM1, tx, NULL);
	u->irq = irq_line_make(irq_set_cb, NULL, 4);
	nsent = irq = 0;
}

static void teardown(void)
{
	uart_free(u);
	machine_free(m);
}

START_TEST(transmit_and_lsr)
{
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x61, 0x60);  /* THRE, TEMT; no data */
	pio_write(m, COM1, 1, 'h');
	pio_write(m, COM1, 1, 'i');
	ck_assert_int_eq(nsent, 2);
	ck_assert_int_eq(sent[0], 'h');
	ck_assert_int_eq(sent[1], 'i');
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x60, 0x60);  /* instantly empty again */
}
END_TEST

START_TEST(divisor_latch)
{
	pio_write(m, COM1 + 3, 1, 0x80);     /* DLAB */
	pio_write(m, COM1 + 0, 1, 0x01);     /* 115200 baud */
	pio_write(m, COM1 + 1, 1, 0x00);
	ck_assert_int_eq(pio_read(m, COM1 + 0, 1), 0x01);
	ck_assert_int_eq(u->divisor, 1);
	pio_write(m, COM1 + 3, 1, 0x03);     /* 8N1, DLAB off */
	ck_assert_int_eq(nsent, 0);          /* the divisor writes were not data */
	ck_assert_int_eq(pio_read(m, COM1 + 1, 1), 0);   /* IER, not DLM */
	pio_write(m, COM1 + 7, 1, 0x5a);
	ck_assert_int_eq(pio_read(m, COM1 + 7, 1), 0x5a);
}
END_TEST

START_TEST(loopback)
{
	pio_write(m, COM1 + 4, 1, 0x10);
	pio_write(m, COM1, 1, 'A');
	pio_write(m, COM1, 1, 'B');            /* non-FIFO mode: 'B' overruns 'A' */
	ck_assert_int_eq(nsent, 0);          /* nothing left the chip */
	uint8_t lsr = (uint8_t)pio_read(m, COM1 + 5, 1);
	ck_assert_int_eq(lsr & 0x03, 0x03);  /* DR and OE */
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x02, 0);   /* OE cleared by the read */
	ck_assert_int_eq(pio_read(m, COM1, 1), 'B');
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x01, 0);
	/* MCR outputs appear on MSR inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD */
	pio_read(m, COM1 + 6, 1);
	pio_write(m, COM1 + 4, 1, 0x1f);
	ck_assert_int_eq(pio_read(m, COM1 + 6, 1), 0xfb);  /* all four high; deltas except TERI */
	ck_assert_int_eq(pio_read(m, COM1 + 6, 1), 0xf0);  /* deltas cleared by reading */
	/* The receiver ignores the outside world in loopback */
	uart_receive(u, 'x');
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x01, 0);
}
END_TEST

START_TEST(fifo_trigger_and_overrun)
{
	pio_write(m, COM1 + 2, 1, 0xc7);     /* FIFO on, clear both, trigger 14 */
	pio_write(m, COM1 + 1, 1, 0x01);     /* receive interrupt */
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0xc1);  /* FIFOs enabled, nothing pending */
	for (int k = 0; k < 13; k++)
		uart_receive(u, (uint8_t)('a' + k));
	ck_assert_int_eq(irq, 0);
	uart_receive(u, 'n');
	ck_assert_int_eq(irq, 1);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0xc4);  /* received data available */
	uart_receive(u, 'o');
	uart_receive(u, 'p');
	ck_assert(!uart_can_receive(u));
	uart_receive(u, 'q');                /* the 17th byte is lost */
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x83, 0x83);  /* DR, OE, error in FIFO */
	for (int k = 0; k < 16; k++)
		ck_assert_int_eq(pio_read(m, COM1, 1), 'a' + k);
	ck_assert_int_eq(pio_read(m, COM1 + 5, 1) & 0x01, 0);
	ck_assert_int_eq(irq, 0);
	ck_assert(uart_can_receive(u));
}
END_TEST

START_TEST(character_timeout)
{
	pio_write(m, COM1 + 3, 1, 0x80);
	pio_write(m, COM1, 1, 1);            /* 115200 baud: a character is 86805 ns */
	pio_write(m, COM1 + 3, 1, 0x03);
	pio_write(m, COM1 + 2, 1, 0x81);     /* FIFO, trigger 8 */
	pio_write(m, COM1 + 1, 1, 0x01);
	m->cpu.icount = 1000;
	uart_receive(u, 'z');
	ck_assert_int_eq(irq, 0);            /* below the trigger level */
	m->cpu.icount = 1000 + 4 * 86805 - 1;
	vtimer_run_due(m);
	ck_assert_int_eq(irq, 0);
	m->cpu.icount = 1000 + 4 * 86805;
	vtimer_run_due(m);
	ck_assert_int_eq(irq, 1);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0xcc);  /* character timeout */
	ck_assert_int_eq(pio_read(m, COM1, 1), 'z');
	ck_assert_int_eq(irq, 0);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0xc1);
}
END_TEST

START_TEST(thre_interrupt)
{
	pio_write(m, COM1 + 1, 1, 0x02);     /* enabling THRE with THR empty interrupts at once */
	ck_assert_int_eq(irq, 1);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x02);
	ck_assert_int_eq(irq, 0);            /* reading IIR cleared it */
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x01);
	pio_write(m, COM1, 1, '!');
	ck_assert_int_eq(irq, 1);            /* the byte left: THR empty again */
	pio_write(m, COM1 + 1, 1, 0x00);
	ck_assert_int_eq(irq, 0);            /* disabled: the line drops */
}
END_TEST

START_TEST(iir_priority)
{
	pio_write(m, COM1 + 1, 1, 0x07);     /* RLS, RDA and THRE */
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1) & 0x0f, 0x02);
	pio_write(m, COM1 + 1, 1, 0x00);
	pio_write(m, COM1 + 1, 1, 0x07);     /* THRE pending again */
	uart_receive(u, '1');
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x04);   /* RDA outranks THRE */
	uart_receive(u, '2');                /* overrun in non-FIFO mode */
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x06);   /* line status outranks both */
	pio_read(m, COM1 + 5, 1);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x04);
	pio_read(m, COM1, 1);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x02);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x01);
}
END_TEST

START_TEST(modem_status_interrupt)
{
	pio_write(m, COM1 + 4, 1, 0x10);     /* loopback: CTS, DSR, DCD fall (the idle line had them) */
	ck_assert_int_eq(pio_read(m, COM1 + 6, 1), 0x0b);
	pio_write(m, COM1 + 1, 1, 0x08);
	ck_assert_int_eq(irq, 0);
	pio_write(m, COM1 + 4, 1, 0x12);     /* loopback with RTS: CTS rises */
	ck_assert_int_eq(irq, 1);
	ck_assert_int_eq(pio_read(m, COM1 + 2, 1), 0x00);
	ck_assert_int_eq(pio_read(m, COM1 + 6, 1) & 0x11, 0x11);
	ck_assert_int_eq(irq, 0);
}
END_TEST

Suite *suite_uart(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("16550a");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, transmit_and_lsr);
	tcase_add_test(tc, divisor_latch);
	tcase_add_test(tc, loopback);
	tcase_add_test(tc, fifo_trigger_and_overrun);
	tcase_add_test(tc, character_timeout);
	tcase_add_test(tc, thre_interrupt);
	tcase_add_test(tc, iir_priority);
	tcase_add_test(tc, modem_status_interrupt);
	suite_add_tcase(s, tc);
	return s;
}
