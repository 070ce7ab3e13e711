/* SPDX-License-Identifier: MIT
 *
 * mptable.h — the Intel MultiProcessor Specification 1.4 tables that tell a kernel what interrupt
 * hardware the board has (chapter 4, "MP Configuration Table"): where the local APIC and the I/O APIC
 * live and which I/O APIC pin each ISA IRQ arrives on.  Kernels written for QEMU's PC (xv6 among them)
 * find their APICs this way, before ACPI.
 *
 * Two structures, written into guest RAM by mptable_write():
 *  - the MP floating pointer ("_MP_", 16 bytes, 16-byte aligned), which a kernel finds by scanning for
 *    its signature in (1) the first KiB of the EBDA, (2) the last KiB of base memory, (3) the BIOS ROM
 *    at 0xF0000-0xFFFFF (spec 4.1).  It is placed in (3), at MPTABLE_ADDR;
 *  - the configuration table ("PCMP") right after it: a header and variable-length entries.
 *
 * revisor has no BIOS, so mptable_write also fills the two BIOS data area words such a scan reads
 * first, if they are still zero: 0x40E (EBDA segment, 0x9FC0) and 0x413 (base memory in KiB, 639),
 * the values QEMU's BIOS leaves.  Without them xv6's scan would compute an address below 0 for (2).
 *
 * Every structure sums to zero modulo 256 over its length (the checksum byte makes it so).
 */
#ifndef REVISOR_BOOT_MPTABLE_H
#define REVISOR_BOOT_MPTABLE_H

#include <stdint.h>

struct machine;

#define MPTABLE_ADDR     0xF0000u    /* floating pointer; the configuration table follows it */
#define MP_LAPIC_ADDR    0xFEE00000u
#define MP_IOAPIC_ADDR   0xFEC00000u
#define MP_IOAPIC_ID     1
#define MP_IOAPIC_VER    0x11        /* 82093AA */
#define MP_LAPIC_VER     0x14        /* integrated local APIC (P6 family) */

/* Floating pointer structure (spec 4.1, table 4-1) */
struct mp_fp {
	char signature[4];           /* "_MP_" */
	uint32_t physaddr;           /* of the configuration table */
	uint8_t length;              /* in 16-byte units: 1 */
	uint8_t spec_rev;            /* 4 = version 1.4 */
	uint8_t checksum;
	uint8_t feature[5];          /* [0] = 0: a configuration table exists; [1] bit 7 IMCR present = 0 */
} __attribute__((packed));

/* Configuration table header (4.2, table 4-2) */
struct mp_conf {
	char signature[4];           /* "PCMP" */
	uint16_t length;             /* base table length, header included */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

enum mp_entry_type { MP_PROC = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINTR = 3, MP_LINTR = 4 };

struct mp_proc {                     /* 4.3.1, 20 bytes */
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_ver;
	uint8_t flags;                   /* bit 0 enabled, bit 1 bootstrap processor */
	uint32_t signature;              /* CPUID.1:EAX stepping/model/family */
	uint32_t features;               /* CPUID.1:EDX */
	uint32_t reserved[2];
} __attribute__((packed));

struct mp_bus {                      /* 4.3.2, 8 bytes */
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6];                /* "ISA   " */
} __attribute__((packed));

struct mp_ioapic {                   /* 4.3.3, 8 bytes */
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_ver;
	uint8_t flags;                   /* bit 0 enabled */
	uint32_t addr;
} __attribute__((packed));

struct mp_intr {                     /* 4.3.4 I/O and 4.3.5 local interrupt assignment, 8 bytes */
	uint8_t type;
	uint8_t irq_type;                /* 0 INT (vectored), 1 NMI, 2 SMI, 3 ExtINT */
	uint16_t flags;                  /* polarity bits 0-1, trigger bits 2-3; 0 = as the bus says */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;                /* APIC ID; 0xFF = every local APIC */
	uint8_t dst_pin;                 /* INTIN# or LINTIN# */
} __attribute__((packed));

#define MP_INT    0
#define MP_NMI    1
#define MP_EXTINT 3

_Static_assert(sizeof(struct mp_fp) == 16, "MP floating pointer is 16 bytes");
_Static_assert(sizeof(struct mp_conf) == 44, "MP configuration header is 44 bytes");
_Static_assert(sizeof(struct mp_proc) == 20, "processor entry is 20 bytes");
_Static_assert(sizeof(struct mp_bus) == 8 && sizeof(struct mp_ioapic) == 8 && sizeof(struct mp_intr) == 8,
	       "bus, I/O APIC and interrupt entries are 8 bytes");

/* Write both structures (and the BIOS data area words) into guest RAM.  0, or -1 if RAM does not reach
 * the BIOS area (less than 1 MiB). */
int mptable_write(struct machine *m);

#endif
