/* SPDX-License-Identifier: MIT
 *
 * test_lapic.c — the local APIC through its MMIO page (SDM vol. 3A, chapter 10): version and reset
 * state, the timer in one-shot and periodic mode with several divide values and current-count readback
 * at exact instruction counts, IRR/ISR/EOI with TPR/PPR priority classes, ESR, self IPIs, INIT, logical
 * destinations, ExtINT pass-through of the PIC (virtual wire mode), and the EOI broadcast for
 * level-triggered vectors.
 */
#include <check.h>
#include "machine.h"
#include "cpu/mem.h"
#include "dev/lapic.h"

#define R(off) phys_read(m, LAPIC_BASE + (off), 4)
#define W(off, v) phys_write(m, LAPIC_BASE + (off), 4, (v))

static struct machine *m;
static struct lapic *l;
static int intr, nmis, eoi_vec, extint_acks;

static void intr_cb(void *opaque, int n, int level) { intr = level; }
static void nmi_cb(void *opaque, int n, int level) { nmis += level; }
static void eoi_cb(void *opaque, uint8_t v) { eoi_vec = v; }
static int extint_cb(void *opaque) { extint_acks++; return 0x30; }

static void setup(void)
{
	m = machine_new(1 << 20);
	l = lapic_new(m);
	l->out = irq_line_make(intr_cb, NULL, 0);
	l->nmi = irq_line_make(nmi_cb, NULL, 0);
	l->eoi_broadcast = eoi_cb;
	l->extint_ack = extint_cb;
	intr = nmis = extint_acks = 0;
	eoi_vec = -1;
}

static void teardown(void)
{
	lapic_free(l);
	machine_free(m);
}

static void at(uint64_t icount)
{
	m->cpu.icount = icount;
	vtimer_run_due(m);
}

static void enable(void)
{
	W(0xf0, 0x1ff);   /* software enable, spurious vector 0xFF */
}

START_TEST(reset_state)
{
	ck_assert_uint_eq(R(0x30), 0x00050014);
	ck_assert_uint_eq(R(0x20), 0);
	ck_assert_uint_eq(R(0xf0), 0xff);            /* software-disabled */
	ck_assert_uint_eq(R(0xe0), 0xffffffff);      /* flat model */
	ck_assert_uint_eq(R(0x320), 0x10000);        /* timer masked */
	ck_assert_uint_eq(R(0x350), 0x700);          /* LINT0: ExtINT (virtual wire) */
	ck_assert_uint_eq(R(0x360), 0x400);          /* LINT1: NMI */
	W(0x320, 0x40);                              /* while disabled, LVT writes stay masked */
	ck_assert_uint_eq(R(0x320), 0x10040);
	W(0x20, 0x05000000);
	ck_assert_uint_eq(R(0x20), 0x05000000);
}
END_TEST

START_TEST(timer_one_shot)
{
	enable();
	W(0x3e0, 0x0b);                              /* divide by 1 */
	W(0x320, 0x40);                              /* one-shot, vector 0x40 */
	at(100);
	W(0x380, 1000);                              /* starts at instruction 100 */
	at(350);
	ck_assert_uint_eq(R(0x390), 750);
	at(1099);
	ck_assert_int_eq(intr, 0);
	ck_assert_uint_eq(R(0x390), 1);
	at(1100);
	ck_assert_int_eq(intr, 1);
	ck_assert_uint_eq(R(0x390), 0);
	ck_assert_uint_eq(R(0x200 + 0x20), 1u << 0);  /* IRR bit 0x40: word 2, bit 0 */
	ck_assert_int_eq(lapic_ack(l), 0x40);
	ck_assert_int_eq(intr, 0);
	ck_assert_uint_eq(R(0x100 + 0x20), 1u << 0);  /* now in service */
	at(5000);
	ck_assert_int_eq(intr, 0);                   /* one-shot: no second expiry */
	ck_assert_uint_eq(R(0x390), 0);
}
END_TEST

START_TEST(timer_divide)
{
	enable();
	W(0x3e0, 0x03);                              /* divide by 16 */
	W(0x320, 0x41);
	W(0x380, 100);
	at(160);
	ck_assert_uint_eq(R(0x390), 90);
	at(175);
	ck_assert_uint_eq(R(0x390), 90);             /* counts once per 16 instructions */
	at(176);
	ck_assert_uint_eq(R(0x390), 89);
	at(1599);
	ck_assert_int_eq(intr, 0);
	at(1600);
	ck_assert_int_eq(intr, 1);
	/* divide by 128 (0b1010) and by 2 (0b0000) */
	W(0x3e0, 0x0a);
	W(0x380, 10);
	at(1600 + 1279);
	ck_assert_uint_eq(R(0x390), 1);
	W(0x3e0, 0x00);
	ck_assert_uint_eq(R(0x390), 1);              /* the count survives a divide change */
	at(1600 + 1279 + 1);
	ck_assert_uint_eq(R(0x390), 1);
	at(1600 + 1279 + 2);
	ck_assert_uint_eq(R(0x390), 0);
}
END_TEST

START_TEST(timer_periodic)
{
	enable();
	W(0x3e0, 0x00);                              /* divide by 2 */
	W(0x320, 0x20042);                           /* periodic, vector 0x42 */
	W(0x380, 500);                               /* period 1000 instructions */
	for (int k = 1; k <= 3; k++) {
		at(1000ull * k - 1);
		ck_assert_int_eq(intr, 0);
		at(1000ull * k);
		ck_assert_int_eq(intr, 1);
		ck_assert_uint_eq(R(0x390), 500);    /* reloaded */
		ck_assert_int_eq(lapic_ack(l), 0x42);
		W(0xb0, 0);
	}
	at(3500);
	ck_assert_uint_eq(R(0x390), 250);
	W(0x320, 0x30042);                           /* masked: the count runs, no interrupt */
	at(4000);
	ck_assert_int_eq(intr, 0);
	W(0x380, 0);                                 /* initial count 0 stops the timer */
	ck_assert_uint_eq(R(0x390), 0);
}
END_TEST

static void self_ipi(uint8_t vector)
{
	W(0x300, 0x00040000u | vector);              /* shorthand "self", fixed */
}

START_TEST(priority_tpr_ppr)
{
	enable();
	W(0x80, 0x60);
	self_ipi(0x50);
	ck_assert_int_eq(intr, 0);                   /* class 5 <= TPR class 6 */
	ck_assert_int_eq(lapic_ack(l), -1);
	ck_assert_uint_eq(R(0xa0), 0x60);
	W(0x80, 0x40);
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(lapic_ack(l), 0x50);
	ck_assert_uint_eq(R(0xa0), 0x50);            /* PPR: the in-service class */
	self_ipi(0x55);
	ck_assert_int_eq(intr, 0);                   /* same class as in service: waits */
	self_ipi(0x61);
	ck_assert_int_eq(intr, 1);                   /* higher class: nests */
	ck_assert_int_eq(lapic_ack(l), 0x61);
	W(0xb0, 0);                                  /* EOI retires 0x61 (the highest) */
	ck_assert_uint_eq(R(0x100 + 0x30), 0);
	ck_assert_uint_eq(R(0x100 + 0x20), 1u << 16);
	ck_assert_int_eq(intr, 0);
	W(0xb0, 0);
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(lapic_ack(l), 0x55);
	ck_assert_int_eq(eoi_vec, -1);               /* edge vectors are not broadcast */
}
END_TEST

START_TEST(disabled_holds_irr)
{
	self_ipi(0x70);
	ck_assert_int_eq(intr, 0);                   /* software-disabled: held in IRR */
	ck_assert_uint_eq(R(0x200 + 0x30), 1u << 16);
	enable();
	ck_assert_int_eq(intr, 1);
	m->cpu.apic_base &= ~0x800u;                 /* globally disabled through the MSR */
	W(0x80, 0);
	ck_assert_int_eq(lapic_ack(l), -1);
}
END_TEST

START_TEST(esr)
{
	enable();
	W(0x370, 0xfe);                              /* error LVT, vector 0xFE */
	self_ipi(0x05);                              /* vectors below 16 are illegal */
	ck_assert_uint_eq(R(0x280), 0);              /* not visible until ESR is written */
	W(0x280, 0);
	ck_assert_uint_eq(R(0x280), 0x20);           /* send illegal vector */
	ck_assert_int_eq(lapic_ack(l), 0xfe);        /* the error interrupt */
	W(0x280, 0);
	ck_assert_uint_eq(R(0x280), 0);
	struct apic_msg msg = { .vector = 3, .mode = APIC_DM_FIXED };
	lapic_deliver(l, &msg);
	W(0x280, 0);
	ck_assert_uint_eq(R(0x280), 0x40);           /* receive illegal vector */
}
END_TEST

START_TEST(init_and_destinations)
{
	enable();
	W(0x310, 0x01000000);
	W(0x300, 0x00000051);                        /* physical destination 1: nobody */
	ck_assert_int_eq(intr, 0);
	W(0x310, 0x00000000);
	W(0x300, 0x00000051);                        /* physical destination 0: us */
	ck_assert_int_eq(lapic_ack(l), 0x51);
	W(0x300, 0x000c0052);                        /* all excluding self */
	ck_assert_uint_eq(R(0x200 + 0x20), 0);
	ck_assert_uint_eq(R(0x300) & 0x1000, 0);     /* delivery status idle */
	/* logical, flat model: LDR bit 0 */
	W(0xd0, 0x01000000);
	struct apic_msg msg = { .vector = 0x60, .mode = APIC_DM_FIXED, .logical = 1, .dest = 0x02 };
	ck_assert_int_eq(lapic_deliver(l, &msg), 0);
	msg.dest = 0x03;
	ck_assert_int_eq(lapic_deliver(l, &msg), 1);
	/* cluster model: cluster 1, member bit 0 */
	W(0xe0, 0x0fffffff);
	W(0xd0, 0x11000000);
	msg.dest = 0x21;
	ck_assert_int_eq(lapic_deliver(l, &msg), 0);
	msg.dest = 0x13;
	ck_assert_int_eq(lapic_deliver(l, &msg), 1);
	/* NMI IPI to self */
	W(0x300, 0x00040400);
	ck_assert_int_eq(nmis, 1);
	/* INIT level de-assert does nothing; INIT to self resets the machine */
	W(0x300, 0x00088500);
	ck_assert_int_eq(m->stop, STOP_NONE);
	W(0x300, 0x00084500);
	ck_assert_int_eq(m->stop, STOP_RESET);
}
END_TEST

START_TEST(extint_virtual_wire)
{
	lapic_set_lint(l, 0, 1);                     /* the PIC raises INT */
	ck_assert_int_eq(intr, 1);                   /* passes through even while software-disabled */
	ck_assert_int_eq(lapic_ack(l), 0x30);        /* the PIC supplied the vector */
	ck_assert_int_eq(extint_acks, 1);
	ck_assert_uint_eq(R(0x100 + 0x20), 0);       /* ExtINT never enters ISR */
	enable();
	self_ipi(0x80);
	ck_assert_int_eq(lapic_ack(l), 0x80);        /* APIC vectors are answered first */
	W(0x350, 0x10700);                           /* mask LINT0: the PIC is cut off */
	ck_assert_int_eq(intr, 0);
	lapic_set_lint(l, 0, 0);
	/* LINT1 as NMI: a rising edge pulses NMI */
	lapic_set_lint(l, 1, 1);
	ck_assert_int_eq(nmis, 1);
}
END_TEST

START_TEST(level_eoi_broadcast)
{
	enable();
	struct apic_msg msg = { .vector = 0x39, .mode = APIC_DM_FIXED, .level_trig = 1 };
	ck_assert_int_eq(lapic_deliver(l, &msg), 1);
	ck_assert_uint_eq(R(0x180 + 0x10), 1u << 25);   /* TMR bit 0x39 */
	ck_assert_int_eq(lapic_ack(l), 0x39);
	W(0xb0, 0);
	ck_assert_int_eq(eoi_vec, 0x39);
}
END_TEST

Suite *suite_lapic(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("lapic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, timer_one_shot);
	tcase_add_test(tc, timer_divide);
	tcase_add_test(tc, timer_periodic);
	tcase_add_test(tc, priority_tpr_ppr);
	tcase_add_test(tc, disabled_holds_irr);
	tcase_add_test(tc, esr);
	tcase_add_test(tc, init_and_destinations);
	tcase_add_test(tc, extint_virtual_wire);
	tcase_add_test(tc, level_eoi_broadcast);
	suite_add_tcase(s, tc);
	return s;
}
