/* SPDX-License-Identifier: MIT
 *
 * mp.c — find the interrupt controllers through the Intel MultiProcessor Specification 1.4 tables.
 *
 * The firmware (here revisor or QEMU's BIOS) leaves an "MP floating pointer structure" — 16 bytes
 * starting with the signature "_MP_" — in the first KiB of the EBDA, the last KiB of base memory or the
 * BIOS ROM area 0xF0000-0xFFFFF (MP spec 4.1).  It points to the configuration table ("PCMP") whose
 * header holds the local APIC's address and whose entries list the processors, buses, I/O APICs and
 * how each ISA IRQ is wired to an I/O APIC input pin (MP spec 4.3).  On revisor's board the wiring is
 * not the identity for IRQ 0 (it arrives on pin 2), which is exactly why a kernel should read the table.
 * If there is no table we fall back to the standard addresses and identity wiring.
 */
#include "defs.h"

uint32_t lapic_addr = 0xFEE00000;       /* the architectural default */
uint32_t ioapic_addr = 0xFEC00000;
int isa_irq_pin[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

struct mp_fp {                          /* MP spec 4.1, floating pointer structure */
	char sig[4];                        /* "_MP_" */
	uint32_t config;                    /* physical address of the configuration table */
	uint8_t length, rev, checksum, type;
	uint8_t features2;                  /* bit 7: IMCR present (PIC mode) */
	uint8_t reserved[3];
};

struct mp_config {                      /* MP spec 4.2, configuration table header */
	char sig[4];                        /* "PCMP" */
	uint16_t length;
	uint8_t rev, checksum;
	char oem[8], product[12];
	uint32_t oem_table;
	uint16_t oem_size, count;           /* number of entries that follow */
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
};

#define MP_PROC     0                   /* entry types and their sizes */
#define MP_BUS      1
#define MP_IOAPIC   2
#define MP_IOINTR   3
#define MP_LINTR    4

static int sum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s += *b++;
	return s;
}

static struct mp_fp *search(uint32_t start, uint32_t len)
{
	for (uint32_t a = start; a + sizeof(struct mp_fp) <= start + len; a += 16) {
		struct mp_fp *fp = (struct mp_fp *)a;
		if (!strncmp(fp->sig, "_MP_", 4) && sum(fp, sizeof *fp) == 0)
			return fp;
	}
	return 0;
}

/* A 16-bit word of the BIOS data area.  (The empty asm hides the constant address from gcc, which
 * otherwise "knows" that no object lives at address 0x40E and warns.) */
static uint16_t bda_word(uint32_t addr)
{
	__asm__("" : "+r"(addr));
	return *(volatile uint16_t *)addr;
}

static struct mp_fp *find_fp(void)
{
	struct mp_fp *fp;
	uint32_t ebda = bda_word(0x40E) << 4;               /* BIOS data area: EBDA segment */
	uint32_t basemem = bda_word(0x413) * 1024;          /* BIOS data area: base memory in KiB */

	if (ebda && (fp = search(ebda, 1024)))
		return fp;
	if (basemem >= 1024 && (fp = search(basemem - 1024, 1024)))
		return fp;
	return search(0xF0000, 0x10000);
}

void mp_init(void)
{
	struct mp_fp *fp = find_fp();
	struct mp_config *conf;
	int ncpu = 0, nbus = 0, isa_bus = -1;

	if (!fp || !fp->config || (conf = (struct mp_config *)fp->config, strncmp(conf->sig, "PCMP", 4)) ||
	    sum(conf, conf->length) != 0) {
		printf("  MP table: not found, assuming LAPIC %p, I/O APIC %p\n", lapic_addr, ioapic_addr);
		return;
	}
	lapic_addr = conf->lapic_addr;
	uint8_t *e = (uint8_t *)(conf + 1);
	for (int i = 0; i < conf->count; i++) {
		switch (*e) {
		case MP_PROC:
			ncpu++;
			e += 20;
			break;
		case MP_BUS:                                     /* id, then a 6-character type name */
			if (!strncmp((char *)e + 2, "ISA", 3))
				isa_bus = e[1];
			nbus++;
			e += 8;
			break;
		case MP_IOAPIC:
			ioapic_addr = *(uint32_t *)(e + 4);
			e += 8;
			break;
		case MP_IOINTR:        /* type, interrupt type, flags (2 bytes), bus, bus IRQ, I/O APIC id, pin */
			if (e[1] == 0 && e[4] == isa_bus && e[5] < 16)   /* INT (not NMI/SMI/ExtINT) entries */
				isa_irq_pin[e[5]] = e[7];
			e += 8;
			break;
		default:                                         /* MP_LINTR and anything else: 8 bytes */
			e += 8;
			break;
		}
	}
	printf("  MP table: at %p, %d CPU, %d bus, LAPIC %p, I/O APIC %p, ISA IRQ 0 -> pin %d, IRQ 4 -> pin %d\n",
	       (uint32_t)fp, ncpu, nbus, lapic_addr, ioapic_addr, isa_irq_pin[0], isa_irq_pin[4]);
	if (fp->features2 & 0x80) {
		/* PIC mode: the IMCR (ports 0x22/0x23) still routes interrupts around the APIC; switch it. */
		outb(0x22, 0x70);
		outb(0x23, inb(0x23) | 1);
	}
}
