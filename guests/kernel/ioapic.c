/* SPDX-License-Identifier: MIT
 *
 * ioapic.c — the I/O APIC: where device interrupt lines enter the APIC system (Intel 82093AA I/O APIC
 * datasheet).  It has 24 input pins; a redirection-table entry per pin says which vector to send to
 * which local APIC, edge or level, and whether the pin is masked.  Software reaches its registers
 * indirectly: write a register number to IOREGSEL (offset 0x00), then read or write IOWIN (offset 0x10).
 * We mask every pin at start and unmask only the ones a driver asks for (COM1's, in main.c).
 * Which pin an ISA IRQ arrives on comes from the MP table (mp.c).
 */
#include "defs.h"

#define IOREGSEL   0x00
#define IOWIN      0x10
#define REG_ID     0x00
#define REG_VER    0x01
#define REG_TABLE  0x10          /* entry n: low word 0x10 + 2n, high word 0x11 + 2n */
#define INT_MASKED 0x10000       /* bit 16: masked; vector in bits 0-7; 0 elsewhere = fixed, edge,
                                    active high, physical destination */

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write(ioapic_addr + IOREGSEL, reg);
	return mmio_read(ioapic_addr + IOWIN);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write(ioapic_addr + IOREGSEL, reg);
	mmio_write(ioapic_addr + IOWIN, v);
}

void ioapic_init(void)
{
	int npins = ((ioapic_read(REG_VER) >> 16) & 0xFF) + 1;

	for (int pin = 0; pin < npins; pin++) {
		ioapic_write(REG_TABLE + 2 * pin, INT_MASKED);
		ioapic_write(REG_TABLE + 2 * pin + 1, 0);
	}
	printf("  I/O APIC: id %d, %d pins, all masked\n", (ioapic_read(REG_ID) >> 24) & 0xF, npins);
}

/* Deliver ISA interrupt `irq` as `vector` to this CPU's local APIC. */
void ioapic_route(int irq, int vector)
{
	int pin = isa_irq_pin[irq];

	ioapic_write(REG_TABLE + 2 * pin + 1, lapic_id() << 24);   /* destination: our APIC id */
	ioapic_write(REG_TABLE + 2 * pin, (uint32_t)vector);       /* unmasked, edge, active high */
	printf("  I/O APIC: ISA IRQ %d -> pin %d -> vector 0x%x\n", irq, pin, vector);
}
