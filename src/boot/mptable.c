/* SPDX-License-Identifier: MIT
 *
 * mptable.c — builds the MP floating pointer and configuration table (mptable.h) describing revisor's
 * PC: one P6 processor with its local APIC at 0xFEE00000, one ISA bus, one I/O APIC at 0xFEC00000, and
 * how interrupts reach the APICs:
 *
 *   ISA IRQ 0      -> I/O APIC INTIN2   (the PIT; on PC boards and in QEMU the 8259 cascade input takes
 *                                        pin 0, so the timer is rerouted: ACPI calls it an "override")
 *   ISA IRQ 1,3-15 -> I/O APIC INTIN1,3-15 (identity)
 *   ISA IRQ 2      -    (the cascade from the slave 8259: no device raises it)
 *   ExtINT         -> LINT0 of every local APIC (the 8259's INTR in virtual-wire mode)
 *   NMI            -> LINT1 of every local APIC
 *
 * The table is assembled in a host buffer and then copied to guest RAM with phys_write_buf, which also
 * tells the backend that those bytes changed.
 */
#include <stddef.h>
#include <string.h>
#include "boot/mptable.h"
#include "machine.h"
#include "cpu/mem.h"

/* CPUID leaf 1 as src/cpu/system.c answers it: family 6, model 3, stepping 3; FPU DE PSE TSC MSR CX8
 * APIC SEP PGE CMOV.  Kept equal by hand (the MP table just reports what CPUID says). */
#define CPU_SIGNATURE 0x00000633u
#define CPU_FEATURES  0x0000AB3Du

#define BDA_EBDA_SEG  0x40Eu         /* BIOS data area: EBDA segment */
#define BDA_BASE_KIB  0x413u         /* BIOS data area: base memory size in KiB */
#define EBDA_SEG      0x9FC0u
#define BASE_KIB      639u

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t k = 0; k < len; k++)
		sum = (uint8_t)(sum + b[k]);
	return (uint8_t)-sum;            /* the byte that makes the total zero */
}

static uint8_t *put_intr(uint8_t *p, uint8_t type, uint8_t irq_type, uint8_t src_irq, uint8_t dst_apic,
			 uint8_t dst_pin)
{
	struct mp_intr e = { .type = type, .irq_type = irq_type, .flags = 0, .src_bus = 0,
			     .src_irq = src_irq, .dst_apic = dst_apic, .dst_pin = dst_pin };
	memcpy(p, &e, sizeof e);
	return p + sizeof e;
}

int mptable_write(struct machine *m)
{
	uint8_t table[512];   /* header + 1*20 + 2*8 + 15*8 + 2*8 = 216 bytes */
	uint8_t *p = table + sizeof(struct mp_conf);
	struct mp_conf conf;
	struct mp_fp fp;
	uint16_t entries = 0;

	if (m->ram_size < 0x100000u)
		return -1;

	struct mp_proc cpu = { .type = MP_PROC, .apic_id = 0, .apic_ver = MP_LAPIC_VER,
			       .flags = 0x03 /* enabled, bootstrap processor */,
			       .signature = CPU_SIGNATURE, .features = CPU_FEATURES };
	memcpy(p, &cpu, sizeof cpu);
	p += sizeof cpu;
	entries++;

	struct mp_bus bus = { .type = MP_BUS, .bus_id = 0 };
	memcpy(bus.bus_type, "ISA   ", 6);
	memcpy(p, &bus, sizeof bus);
	p += sizeof bus;
	entries++;

	struct mp_ioapic io = { .type = MP_IOAPIC, .apic_id = MP_IOAPIC_ID, .apic_ver = MP_IOAPIC_VER,
				.flags = 0x01 /* enabled */, .addr = MP_IOAPIC_ADDR };
	memcpy(p, &io, sizeof io);
	p += sizeof io;
	entries++;

	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;                /* the cascade */
		p = put_intr(p, MP_IOINTR, MP_INT, irq, MP_IOAPIC_ID, irq == 0 ? 2 : irq);
		entries++;
	}
	p = put_intr(p, MP_LINTR, MP_EXTINT, 0, 0xFF, 0);
	p = put_intr(p, MP_LINTR, MP_NMI, 0, 0xFF, 1);
	entries += 2;

	memset(&conf, 0, sizeof conf);
	memcpy(conf.signature, "PCMP", 4);
	conf.length = (uint16_t)(p - table);
	conf.spec_rev = 4;
	memcpy(conf.oem_id, "REVISOR ", 8);
	memcpy(conf.product_id, "TEACHING PC ", 12);
	conf.entry_count = entries;
	conf.lapic_addr = MP_LAPIC_ADDR;
	memcpy(table, &conf, sizeof conf);
	table[offsetof(struct mp_conf, checksum)] = checksum(table, conf.length);

	memset(&fp, 0, sizeof fp);
	memcpy(fp.signature, "_MP_", 4);
	fp.physaddr = MPTABLE_ADDR + sizeof fp;
	fp.length = 1;
	fp.spec_rev = 4;
	fp.checksum = checksum(&fp, sizeof fp);

	phys_write_buf(m, MPTABLE_ADDR, &fp, sizeof fp);
	phys_write_buf(m, MPTABLE_ADDR + sizeof fp, table, conf.length);

	/* The BIOS data area words a scan reads before the ROM area (see mptable.h). */
	if (phys_read(m, BDA_EBDA_SEG, 2) == 0)
		phys_write(m, BDA_EBDA_SEG, 2, EBDA_SEG);
	if (phys_read(m, BDA_BASE_KIB, 2) == 0)
		phys_write(m, BDA_BASE_KIB, 2, BASE_KIB);
	return 0;
}
