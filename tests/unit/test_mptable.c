/* SPDX-License-Identifier: MIT
 *
 * test_mptable.c — the MP tables (src/boot/mptable.c) read back the way a kernel finds them (MP spec
 * 1.4, 4.1): scan the BIOS area on 16-byte boundaries for "_MP_", check both checksums, and walk the
 * configuration table's entries: one enabled BSP, the ISA bus, the I/O APIC, ISA IRQs 0-15 (IRQ0 on
 * INTIN2, no IRQ2) and the two local interrupt entries.
 */
#include <check.h>
#include <string.h>
#include "machine.h"
#include "cpu/mem.h"
#include "boot/mptable.h"

static uint8_t sum(struct machine *m, uint32_t pa, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t k = 0; k < len; k++)
		s = (uint8_t)(s + m->ram[pa + k]);
	return s;
}

/* The kernel's search (xv6's mpsearch1 over the ROM area). */
static uint32_t find_fp(struct machine *m)
{
	for (uint32_t a = 0xF0000; a < 0x100000; a += 16)
		if (memcmp(m->ram + a, "_MP_", 4) == 0 && sum(m, a, 16) == 0)
			return a;
	return 0;
}

START_TEST(floating_pointer_found_and_valid)
{
	struct machine *m = machine_new(2u << 20);
	struct mp_fp fp;
	uint32_t a;

	ck_assert_int_eq(mptable_write(m), 0);
	a = find_fp(m);
	ck_assert_uint_ne(a, 0);
	memcpy(&fp, m->ram + a, sizeof fp);
	ck_assert_uint_eq(fp.length, 1);
	ck_assert_uint_eq(fp.spec_rev, 4);
	ck_assert_uint_eq(fp.feature[0], 0);                   /* a configuration table is present */
	ck_assert_uint_ge(fp.physaddr, 0xF0000);
	ck_assert_uint_lt(fp.physaddr, 0x100000);
	/* BIOS data area: EBDA segment and base memory size for the earlier search steps. */
	ck_assert_uint_eq(phys_read(m, 0x40E, 2), 0x9FC0);
	ck_assert_uint_eq(phys_read(m, 0x413, 2), 639);
	machine_free(m);
}
END_TEST

START_TEST(config_table_entries)
{
	struct machine *m = machine_new(2u << 20);
	struct mp_fp fp;
	struct mp_conf conf;
	int procs = 0, buses = 0, ioapics = 0, lints = 0, pin_of[16];
	uint32_t p, end;

	for (int k = 0; k < 16; k++)
		pin_of[k] = -1;
	ck_assert_int_eq(mptable_write(m), 0);
	memcpy(&fp, m->ram + find_fp(m), sizeof fp);
	memcpy(&conf, m->ram + fp.physaddr, sizeof conf);
	ck_assert_mem_eq(conf.signature, "PCMP", 4);
	ck_assert_uint_eq(conf.spec_rev, 4);
	ck_assert_uint_eq(sum(m, fp.physaddr, conf.length), 0);
	ck_assert_uint_eq(conf.lapic_addr, 0xFEE00000u);
	ck_assert_uint_eq(conf.entry_count, 1 + 1 + 1 + 15 + 2);
	ck_assert_uint_eq(conf.ext_length, 0);

	p = fp.physaddr + sizeof conf;
	end = fp.physaddr + conf.length;
	for (int n = 0; n < conf.entry_count; n++) {
		uint8_t type = m->ram[p];
		ck_assert_uint_lt(p, end);
		if (type == MP_PROC) {
			struct mp_proc e;
			memcpy(&e, m->ram + p, sizeof e);
			ck_assert_uint_eq(e.apic_id, 0);
			ck_assert_uint_eq(e.apic_ver, 0x14);
			ck_assert_uint_eq(e.flags & 3, 3);               /* enabled, BSP */
			ck_assert_uint_eq((e.signature >> 8) & 0xf, 6);  /* P6 family */
			ck_assert_uint_ne(e.features & (1u << 9), 0);    /* APIC on chip */
			procs++;
			p += 20;
		} else if (type == MP_BUS) {
			struct mp_bus e;
			memcpy(&e, m->ram + p, sizeof e);
			ck_assert_uint_eq(e.bus_id, 0);
			ck_assert_mem_eq(e.bus_type, "ISA   ", 6);
			buses++;
			p += 8;
		} else if (type == MP_IOAPIC) {
			struct mp_ioapic e;
			memcpy(&e, m->ram + p, sizeof e);
			ck_assert_uint_eq(e.apic_id, 1);
			ck_assert_uint_eq(e.apic_ver, 0x11);
			ck_assert_uint_eq(e.flags & 1, 1);
			ck_assert_uint_eq(e.addr, 0xFEC00000u);
			ioapics++;
			p += 8;
		} else if (type == MP_IOINTR) {
			struct mp_intr e;
			memcpy(&e, m->ram + p, sizeof e);
			ck_assert_uint_eq(e.irq_type, MP_INT);
			ck_assert_uint_eq(e.src_bus, 0);
			ck_assert_uint_eq(e.dst_apic, 1);
			ck_assert_uint_lt(e.src_irq, 16);
			ck_assert_int_eq(pin_of[e.src_irq], -1);          /* each IRQ once */
			pin_of[e.src_irq] = e.dst_pin;
			p += 8;
		} else if (type == MP_LINTR) {
			struct mp_intr e;
			memcpy(&e, m->ram + p, sizeof e);
			if (e.irq_type == MP_EXTINT)
				ck_assert_uint_eq(e.dst_pin, 0);
			else {
				ck_assert_uint_eq(e.irq_type, MP_NMI);
				ck_assert_uint_eq(e.dst_pin, 1);
			}
			ck_assert_uint_eq(e.dst_apic, 0xFF);
			lints++;
			p += 8;
		} else {
			ck_abort_msg("unknown entry type %u", type);
		}
	}
	ck_assert_uint_eq(p, end);
	ck_assert_int_eq(procs, 1);
	ck_assert_int_eq(buses, 1);
	ck_assert_int_eq(ioapics, 1);
	ck_assert_int_eq(lints, 2);
	ck_assert_int_eq(pin_of[0], 2);                            /* the timer is rerouted */
	ck_assert_int_eq(pin_of[2], -1);                           /* the cascade has no entry */
	for (int k = 1; k < 16; k++)
		if (k != 2)
			ck_assert_int_eq(pin_of[k], k);
	machine_free(m);
}
END_TEST

START_TEST(bda_words_already_set_are_kept)
{
	struct machine *m = machine_new(2u << 20);

	phys_write(m, 0x413, 2, 512);
	ck_assert_int_eq(mptable_write(m), 0);
	ck_assert_uint_eq(phys_read(m, 0x413, 2), 512);
	machine_free(m);
}
END_TEST

START_TEST(small_ram_is_refused)
{
	struct machine *m = machine_new(512u << 10);

	ck_assert_int_eq(mptable_write(m), -1);
	machine_free(m);
}
END_TEST

Suite *suite_mptable(void)
{
	Suite *s = suite_create("mptable");
	TCase *t = tcase_create("mptable");

	tcase_add_test(t, floating_pointer_found_and_valid);
	tcase_add_test(t, config_table_entries);
	tcase_add_test(t, bda_words_already_set_are_kept);
	tcase_add_test(t, small_ram_is_refused);
	suite_add_tcase(s, t);
	return s;
}
