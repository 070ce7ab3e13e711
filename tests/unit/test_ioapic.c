/* SPDX-License-Identifier: MIT
 *
 * test_ioapic.c — the I/O APIC through IOREGSEL/IOWIN: ID and version, masked-at-reset entries, edge
 * and level routing to a real local APIC, remote IRR and the EOI broadcast, unmasking an asserted
 * level pin, read-only bits, and the destination field (82093AA datasheet, 3.2).
 */
#include <check.h>
#include "machine.h"
#include "cpu/mem.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"

static struct machine *m;
static struct ioapic *io;
static struct lapic *l;
static struct apic_msg last;
static int sent;

static int record(void *opaque, const struct apic_msg *msg)
{
	last = *msg;
	sent++;
	return lapic_deliver(opaque, msg);
}

static void eoi(void *opaque, uint8_t v)
{
	ioapic_eoi(opaque, v);
}

static void setup(void)
{
	m = machine_new(1 << 20);
	io = ioapic_new(m);
	l = lapic_new(m);
	io->deliver = record;
	io->deliver_opaque = l;
	l->eoi_broadcast = eoi;
	l->eoi_opaque = io;
	phys_write(m, LAPIC_BASE + 0xf0, 4, 0x1ff);
	sent = 0;
}

static void teardown(void)
{
	lapic_free(l);
	ioapic_free(io);
	machine_free(m);
}

static uint32_t rd(uint8_t reg)
{
	phys_write(m, IOAPIC_BASE, 4, reg);
	return phys_read(m, IOAPIC_BASE + 0x10, 4);
}

static void wr(uint8_t reg, uint32_t v)
{
	phys_write(m, IOAPIC_BASE, 4, reg);
	phys_write(m, IOAPIC_BASE + 0x10, 4, v);
}

START_TEST(id_version)
{
	ck_assert_uint_eq(rd(0x01), 0x00170011);    /* 24 entries, version 0x11 */
	ck_assert_uint_eq(rd(0x00), 0x01000000);
	wr(0x00, 0x02000000);
	ck_assert_uint_eq(rd(0x00), 0x02000000);
	wr(0x01, 0);
	ck_assert_uint_eq(rd(0x01), 0x00170011);    /* read-only */
	for (int pin = 0; pin < 24; pin++)
		ck_assert_uint_eq(rd((uint8_t)(0x10 + 2 * pin)) & 0x10000, 0x10000);   /* masked */
	ck_assert_uint_eq(phys_read(m, IOAPIC_BASE, 4), 0x10 + 2 * 23);   /* IOREGSEL reads back */
}
END_TEST

START_TEST(edge_routing_and_mask)
{
	ioapic_set_irq(io, 4, 1);
	ioapic_set_irq(io, 4, 0);
	ck_assert_int_eq(sent, 0);                   /* masked: the edge is lost */
	wr(0x10 + 8, 0x34);                          /* pin 4: vector 0x34, fixed, edge, unmasked */
	wr(0x11 + 8, 0x00000000);                    /* destination APIC 0 */
	ck_assert_int_eq(sent, 0);                   /* nothing was remembered */
	ioapic_set_irq(io, 4, 1);
	ck_assert_int_eq(sent, 1);
	ck_assert_int_eq(last.vector, 0x34);
	ck_assert_int_eq(last.level_trig, 0);
	ck_assert_int_eq(lapic_output(l), 1);
	ck_assert_int_eq(lapic_ack(l), 0x34);
	ioapic_set_irq(io, 4, 1);                    /* no new edge: nothing */
	ck_assert_int_eq(sent, 1);
	ioapic_set_irq(io, 4, 0);
	ioapic_set_irq(io, 4, 1);
	ck_assert_int_eq(sent, 2);
	/* a destination that is not our APIC: sent, not accepted */
	wr(0x11 + 8, 0x05000000);
	ck_assert_uint_eq(rd(0x11 + 8), 0x05000000);
	ioapic_set_irq(io, 4, 0);
	ioapic_set_irq(io, 4, 1);
	ck_assert_int_eq(sent, 3);
	ck_assert_int_eq(last.dest, 5);
	phys_write(m, LAPIC_BASE + 0xb0, 4, 0);
	ck_assert_int_eq(lapic_ack(l), 0x34);        /* only the second one reached IRR */
	ck_assert_int_eq(lapic_ack(l), -1);
}
END_TEST

START_TEST(level_remote_irr)
{
	wr(0x10 + 18, 0x8039);                       /* pin 9: vector 0x39, level triggered */
	ioapic_set_irq(io, 9, 1);
	ck_assert_int_eq(sent, 1);
	ck_assert_int_eq(last.level_trig, 1);
	ck_assert_uint_eq(rd(0x10 + 18) & 0x4000, 0x4000);   /* remote IRR */
	ioapic_set_irq(io, 9, 1);
	ck_assert_int_eq(sent, 1);                   /* waits for the EOI */
	ck_assert_int_eq(lapic_ack(l), 0x39);
	phys_write(m, LAPIC_BASE + 0xb0, 4, 0);      /* EOI: broadcast, the pin is still high */
	ck_assert_int_eq(sent, 2);
	ck_assert_int_eq(lapic_ack(l), 0x39);
	ioapic_set_irq(io, 9, 0);                    /* the device is serviced */
	phys_write(m, LAPIC_BASE + 0xb0, 4, 0);
	ck_assert_int_eq(sent, 2);
	ck_assert_uint_eq(rd(0x10 + 18) & 0x4000, 0);
	wr(0x10 + 18, 0x8039 | 0x4000 | 0x1000);     /* remote IRR and delivery status are read-only */
	ck_assert_uint_eq(rd(0x10 + 18), 0x8039);
}
END_TEST

START_TEST(unmask_asserted_level)
{
	wr(0x10 + 22, 0x18045);                      /* pin 11: level, masked */
	ioapic_set_irq(io, 11, 1);
	ck_assert_int_eq(sent, 0);
	wr(0x10 + 22, 0x08045);                      /* unmask while asserted: delivered now */
	ck_assert_int_eq(sent, 1);
	ck_assert_int_eq(lapic_ack(l), 0x45);
}
END_TEST

START_TEST(lowest_priority_and_logical)
{
	phys_write(m, LAPIC_BASE + 0xd0, 4, 0x01000000);   /* our logical ID: bit 0 */
	wr(0x10 + 2, 0x00000950);                    /* pin 1: vector 0x50, lowest priority, logical */
	wr(0x11 + 2, 0xff000000);
	ioapic_set_irq(io, 1, 1);
	ck_assert_int_eq(last.mode, APIC_DM_LOWEST);
	ck_assert_int_eq(last.logical, 1);
	ck_assert_int_eq(lapic_ack(l), 0x50);
}
END_TEST

Suite *suite_ioapic(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("ioapic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, id_version);
	tcase_add_test(tc, edge_routing_and_mask);
	tcase_add_test(tc, level_remote_irr);
	tcase_add_test(tc, unmask_asserted_level);
	tcase_add_test(tc, lowest_priority_and_logical);
	suite_add_tcase(s, tc);
	return s;
}
