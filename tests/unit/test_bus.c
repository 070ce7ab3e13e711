/* SPDX-License-Identifier: MIT
 *
 * test_bus.c — the I/O buses (src/bus.c), the physical address space's MMIO side (src/memory.c) and
 * virtual timers (src/vtime.c): registration keeps ranges sorted and rejects overlaps, lookups find the
 * range holding an address, unclaimed reads float to all-ones, MMIO accesses reach their device with a
 * relative address, and timers fire in deadline order at the right instruction count.
 */
#include <check.h>
#include "machine.h"
#include "cpu/mem.h"

/* A fake device recording its last access; reads return 0x80 + addr in every byte. */
struct fake {
	uint32_t addr, data;
	unsigned len, calls;
	int is_write;
};

static void fake_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct fake *f = opaque;

	f->addr = addr;
	f->len = len;
	f->is_write = is_write;
	f->calls++;
	if (is_write)
		f->data = *data;
	else
		*data = 0x01010101u * (0x80 + (addr & 0x7f));
}

START_TEST(register_sorted_and_find)
{
	struct machine *m = machine_new(1u << 20);
	struct fake a = { 0 }, b = { 0 }, d = { 0 };

	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x3f8, 8, fake_io, &a, "uart"), 0);
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x20, 2, fake_io, &b, "pic"), 0);
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x60, 1, fake_io, &d, "kbd"), 0);
	ck_assert_int_eq(m->pio.n, 3);
	ck_assert_uint_eq(m->pio.r[0].base, 0x20);
	ck_assert_uint_eq(m->pio.r[1].base, 0x60);
	ck_assert_uint_eq(m->pio.r[2].base, 0x3f8);

	ck_assert_ptr_eq(bus_find(&m->pio, 0x21)->opaque, &b);
	ck_assert_ptr_null(bus_find(&m->pio, 0x22));
	ck_assert_ptr_null(bus_find(&m->pio, 0x1f));
	ck_assert_ptr_eq(bus_find(&m->pio, 0x3ff)->opaque, &a);
	ck_assert_ptr_null(bus_find(&m->pio, 0x400));
	ck_assert_ptr_eq(bus_find(&m->pio, 0x60)->opaque, &d);
	machine_free(m);
}
END_TEST

START_TEST(register_rejects_overlap_and_bad_ranges)
{
	struct machine *m = machine_new(1u << 20);
	struct fake a = { 0 };

	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x40, 4, fake_io, &a, "pit"), 0);
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x43, 1, fake_io, &a, "x"), -1);  /* inside */
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x3e, 4, fake_io, &a, "x"), -1);  /* reaches in below */
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x30, 0x20, fake_io, &a, "x"), -1);  /* covers it */
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x3c, 4, fake_io, &a, "ok"), 0);  /* adjacent */
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x44, 4, fake_io, &a, "ok"), 0);
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0x50, 0, fake_io, &a, "x"), -1);  /* empty */
	ck_assert_int_eq(bus_register(m, BUS_PIO, 0xfffe, 4, fake_io, &a, "x"), -1);  /* past 64 KiB */
	ck_assert_int_eq(bus_register(m, BUS_MMIO, 0xfffff000u, 0x2000, fake_io, &a, "x"), -1);
	ck_assert_int_eq(bus_register(m, BUS_MMIO, 0xfffff000u, 0x1000, fake_io, &a, "ok"), 0);
	ck_assert_int_eq(m->pio.n, 3);
	ck_assert_int_eq(m->mmio.n, 1);
	machine_free(m);
}
END_TEST

START_TEST(many_ranges_binary_search)
{
	struct machine *m = machine_new(1u << 20);
	static struct fake f[40];

	/* Registered in a scrambled order; every 16-port block from 0x100 is a device of 8 ports. */
	for (unsigned k = 0; k < 40; k++) {
		unsigned j = (k * 17) % 40;
		ck_assert_int_eq(bus_register(m, BUS_PIO, 0x100 + 16 * j, 8, fake_io, &f[j], "dev"), 0);
	}
	for (unsigned j = 0; j < 40; j++) {
		ck_assert_ptr_eq(bus_find(&m->pio, 0x100 + 16 * j)->opaque, &f[j]);
		ck_assert_ptr_eq(bus_find(&m->pio, 0x100 + 16 * j + 7)->opaque, &f[j]);
		ck_assert_ptr_null(bus_find(&m->pio, 0x100 + 16 * j + 8));
	}
	machine_free(m);
}
END_TEST

START_TEST(pio_dispatch_and_unclaimed)
{
	struct machine *m = machine_new(1u << 20);
	struct fake a = { 0 };

	bus_register(m, BUS_PIO, 0x70, 2, fake_io, &a, "rtc");
	ck_assert_uint_eq(pio_read(m, 0x80, 1), 0xff);
	ck_assert_uint_eq(pio_read(m, 0x80, 2), 0xffff);
	ck_assert_uint_eq(pio_read(m, 0x80, 4), 0xffffffff);
	ck_assert_uint_eq(pio_read(m, 0x71, 1), 0x81);      /* addr relative to the base */
	ck_assert_uint_eq(a.addr, 1);
	ck_assert_uint_eq(pio_read(m, 0x70, 2), 0x8080);
	ck_assert_uint_eq(a.len, 2);
	pio_write(m, 0x70, 1, 0x1234);                      /* the value is cut to the size */
	ck_assert_int_eq(a.is_write, 1);
	ck_assert_uint_eq(a.data, 0x34);
	a.calls = 0;
	pio_write(m, 0x72, 1, 0);                           /* unclaimed: ignored */
	ck_assert_uint_eq(a.calls, 0);
	/* An access goes to the device holding its first byte. */
	pio_read(m, 0x71, 4);
	ck_assert_uint_eq(a.calls, 1);
	ck_assert_uint_eq(a.addr, 1);
	ck_assert_uint_eq(a.len, 4);
	machine_free(m);
}
END_TEST

START_TEST(mmio_dispatch_and_unclaimed)
{
	struct machine *m = machine_new(1u << 20);
	struct fake a = { 0 };
	uint8_t buf[4];

	bus_register(m, BUS_MMIO, 0xfee00000u, 0x1000, fake_io, &a, "lapic");
	ck_assert_uint_eq(phys_read(m, 0xfee00020u, 4), 0xa0a0a0a0);
	ck_assert_uint_eq(a.addr, 0x20);
	ck_assert_uint_eq(a.len, 4);
	phys_write(m, 0xfee000b0u, 4, 0xdeadbeef);
	ck_assert_uint_eq(a.data, 0xdeadbeef);
	ck_assert_uint_eq(a.addr, 0xb0);
	/* Unclaimed addresses above RAM: reads float high, writes vanish. */
	ck_assert_uint_eq(phys_read(m, 0x00100000u, 4), 0xffffffff);
	ck_assert_uint_eq(phys_read(m, 0xc0000000u, 2), 0xffff);
	phys_write(m, 0x00200000u, 4, 1);
	ck_assert_ptr_null(phys_host_page(m, 0x00100000u));
	ck_assert_ptr_eq(phys_host_page(m, 0x000fffffu), m->ram + 0xff000);
	/* A buffer straddling the end of RAM: the RAM byte, then all-ones. */
	m->ram[0xffffe] = 0x12;
	m->ram[0xfffff] = 0x34;
	phys_read_buf(m, 0xffffe, buf, 4);
	ck_assert_uint_eq(buf[0], 0x12);
	ck_assert_uint_eq(buf[1], 0x34);
	ck_assert_uint_eq(buf[2], 0xff);
	ck_assert_uint_eq(phys_read(m, 0xffffe, 4), 0xffff3412);
	machine_free(m);
}
END_TEST

/* ---- virtual timers ------------------------------------------------------------------------------ */

static char fired[16];
static int nfired;
static struct machine *tm;

struct tt {
	struct vtimer t;
	char name;
	uint64_t rearm;   /* if nonzero: re-arm this far ahead, once */
};

static void tt_fire(void *opaque)
{
	struct tt *x = opaque;

	fired[nfired++] = x->name;
	if (x->rearm) {
		uint64_t d = tm->cpu.icount + x->rearm;
		x->rearm = 0;
		vtimer_arm(tm, &x->t, d);
	}
}

static void tt_init(struct tt *x, char name)
{
	*x = (struct tt){ .t = { .deadline = UINT64_MAX, .fire = tt_fire, .opaque = x }, .name = name };
}

START_TEST(vtimer_order)
{
	struct machine *m = tm = machine_new(1u << 20);
	struct tt a, b, c, d;

	nfired = 0;
	tt_init(&a, 'a');
	tt_init(&b, 'b');
	tt_init(&c, 'c');
	tt_init(&d, 'd');
	ck_assert(m->next_deadline == UINT64_MAX);
	vtimer_arm(m, &a.t, 300);
	vtimer_arm(m, &b.t, 100);
	vtimer_arm(m, &c.t, 200);
	vtimer_arm(m, &d.t, 100);   /* same deadline as b: fires after it */
	ck_assert(m->next_deadline == 100);

	m->cpu.icount = 99;
	vtimer_run_due(m);
	ck_assert_int_eq(nfired, 0);
	m->cpu.icount = 250;
	vtimer_run_due(m);
	ck_assert_int_eq(nfired, 3);
	ck_assert(fired[0] == 'b' && fired[1] == 'd' && fired[2] == 'c');
	ck_assert(m->next_deadline == 300);
	ck_assert(b.t.deadline == UINT64_MAX);

	/* Re-arming replaces the old deadline (the timer is in the list once). */
	vtimer_arm(m, &a.t, 1000);
	vtimer_arm(m, &a.t, 400);
	ck_assert(m->next_deadline == 400);
	vtimer_arm(m, &b.t, 500);
	vtimer_disarm(m, &a.t);
	ck_assert(m->next_deadline == 500);
	vtimer_disarm(m, &b.t);
	ck_assert(m->next_deadline == UINT64_MAX);
	ck_assert_ptr_null(m->timers);
	vtimer_disarm(m, &b.t);     /* disarming a disarmed timer is harmless */
	machine_free(m);
}
END_TEST

START_TEST(vtimer_fire_may_rearm)
{
	struct machine *m = tm = machine_new(1u << 20);
	struct tt a, b;

	nfired = 0;
	tt_init(&a, 'a');
	tt_init(&b, 'b');
	a.rearm = 50;               /* a fires at 10 and re-arms itself for icount + 50 = 70 */
	vtimer_arm(m, &a.t, 10);
	vtimer_arm(m, &b.t, 60);
	m->cpu.icount = 20;
	vtimer_run_due(m);
	ck_assert_int_eq(nfired, 1);
	ck_assert(m->next_deadline == 60);
	m->cpu.icount = 100;
	vtimer_run_due(m);
	ck_assert_int_eq(nfired, 3);
	ck_assert(fired[1] == 'b' && fired[2] == 'a');
	ck_assert(m->next_deadline == UINT64_MAX);
	machine_free(m);
}
END_TEST

Suite *suite_bus(void)
{
	Suite *s = suite_create("bus");
	TCase *t = tcase_create("io");
	TCase *v = tcase_create("vtime");

	tcase_add_test(t, register_sorted_and_find);
	tcase_add_test(t, register_rejects_overlap_and_bad_ranges);
	tcase_add_test(t, many_ranges_binary_search);
	tcase_add_test(t, pio_dispatch_and_unclaimed);
	tcase_add_test(t, mmio_dispatch_and_unclaimed);
	tcase_add_test(v, vtimer_order);
	tcase_add_test(v, vtimer_fire_may_rearm);
	suite_add_tcase(s, t);
	suite_add_tcase(s, v);
	return s;
}
