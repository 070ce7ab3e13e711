/* SPDX-License-Identifier: MIT
 *
 * ioapic.h — an Intel 82093AA-style I/O APIC at 0xFEC00000 with 24 interrupt inputs.
 *
 * Inputs:  ioapic_irq_line(io, pin) — the board wires ISA IRQs to pins 0-15 (with the PIT's IRQ0 on
 *          pin 2, as the MP table's interrupt-source entries tell the guest), and ioapic_eoi(), which
 *          the local APIC's EOI broadcast calls for level-triggered vectors.
 * Output:  io->deliver(io->deliver_opaque, &msg) — an APIC bus message to the local APIC(s)
 *          (lapic_deliver in our one-processor PC).
 *
 * Reference: Intel 82093AA I/O APIC datasheet (order 290566), 3.0 "Register description".
 */
#ifndef REVISOR_DEV_IOAPIC_H
#define REVISOR_DEV_IOAPIC_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"

#define IOAPIC_BASE  0xfec00000u
#define IOAPIC_PINS  24

/* Redirection-table entry bits */
#define IOREDTBL_VECTOR   0x000000ffull
#define IOREDTBL_DM_SHIFT 8
#define IOREDTBL_LOGICAL  (1ull << 11)   /* destination mode */
#define IOREDTBL_PENDING  (1ull << 12)   /* delivery status (read-only) */
#define IOREDTBL_ACTLOW   (1ull << 13)   /* input pin polarity */
#define IOREDTBL_RIRR     (1ull << 14)   /* remote IRR (read-only) */
#define IOREDTBL_LEVEL    (1ull << 15)   /* trigger mode */
#define IOREDTBL_MASKED   (1ull << 16)
#define IOREDTBL_DEST_SHIFT 56

struct ioapic {
	struct machine *m;
	uint32_t id;                      /* ID register: APIC ID in bits 24-27 */
	uint8_t regsel;                   /* IOREGSEL */
	uint32_t lines;                   /* current input levels */
	uint64_t redir[IOAPIC_PINS];
	apic_deliver_fn deliver;
	void *deliver_opaque;
};

struct ioapic *ioapic_new(struct machine *m);   /* registers the MMIO window at IOAPIC_BASE */
void ioapic_reset(struct ioapic *io);
void ioapic_free(struct ioapic *io);

void ioapic_set_irq(struct ioapic *io, int pin, int level);
struct irq_line ioapic_irq_line(struct ioapic *io, int pin);
void ioapic_eoi(struct ioapic *io, uint8_t vector);   /* EOI broadcast from a local APIC */

/* Indirect register access (IOREGSEL index), for tests and the debugger. */
uint32_t ioapic_read_reg(struct ioapic *io, uint8_t index);
void ioapic_write_reg(struct ioapic *io, uint8_t index, uint32_t v);

#endif
