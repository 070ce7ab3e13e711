/* SPDX-License-Identifier: MIT
 *
 * ioapic.c — the I/O APIC.  Software sees two registers: IOREGSEL (offset 0x00) selects an internal
 * register and IOWIN (offset 0x10) reads or writes it.  Internal registers: 0x00 ID, 0x01 version
 * (maximum redirection entry 23, version 0x11), 0x02 arbitration ID, and 0x10 + 2n / 0x11 + 2n the low
 * and high halves of redirection entry n.
 *
 * Each entry turns its pin into an APIC message (vector, delivery mode, destination):
 *  - edge-triggered: a rising edge on an unmasked pin sends one message (an edge on a masked pin is
 *    lost, as on the chip);
 *  - level-triggered: while the pin is asserted and the entry unmasked, one message is sent and the
 *    entry's remote IRR bit is set; it stays set until the local APIC broadcasts an EOI for that
 *    vector (ioapic_eoi), after which a pin still asserted sends again.  Unmasking an entry whose
 *    level-triggered pin is asserted sends at once.
 *
 * The polarity bit is stored but not applied: our wires carry "asserted" as level 1 (the glue's job,
 * as the board's), and the MP table tells the guest that ISA interrupts are active high.
 */
#include <stdlib.h>
#include <string.h>
#include "dev/ioapic.h"
#include "snapshot.h"

#define IOAPIC_VERSION 0x00170011u   /* max redirection entry 23 in bits 16-23, version 0x11 */

static void ioapic_send(struct ioapic *io, int pin)
{
	uint64_t e = io->redir[pin];
	struct apic_msg msg = {
		.vector = (uint8_t)(e & IOREDTBL_VECTOR),
		.mode = (uint8_t)((e >> IOREDTBL_DM_SHIFT) & 7),
		.dest = (uint8_t)(e >> IOREDTBL_DEST_SHIFT),
		.logical = (e & IOREDTBL_LOGICAL) != 0,
		.level_trig = (e & IOREDTBL_LEVEL) != 0,
	};
	if (msg.mode == APIC_DM_EXTINT || msg.mode == APIC_DM_INIT || msg.mode == APIC_DM_STARTUP)
		return;   /* not supported through the I/O APIC here (ExtINT would need a PIC behind it) */
	int accepted = io->deliver && io->deliver(io->deliver_opaque, &msg);
	/* Remote IRR records that a local APIC took a level-triggered interrupt and owes an EOI. */
	if (accepted && msg.level_trig && (msg.mode == APIC_DM_FIXED || msg.mode == APIC_DM_LOWEST))
		io->redir[pin] |= IOREDTBL_RIRR;
}

/* A level-triggered pin that is asserted, unmasked and not waiting for an EOI delivers. */
static void ioapic_service_level(struct ioapic *io, int pin)
{
	uint64_t e = io->redir[pin];
	if ((e & IOREDTBL_LEVEL) && !(e & (IOREDTBL_MASKED | IOREDTBL_RIRR)) && (io->lines >> pin & 1))
		ioapic_send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, int pin, int level)
{
	if (pin < 0 || pin >= IOAPIC_PINS)
		return;
	uint32_t bit = 1u << pin;
	int rising = level && !(io->lines & bit);
	io->lines = level ? (io->lines | bit) : (io->lines & ~bit);
	uint64_t e = io->redir[pin];
	if (e & IOREDTBL_LEVEL)
		ioapic_service_level(io, pin);
	else if (rising && !(e & IOREDTBL_MASKED))
		ioapic_send(io, pin);
}

static void ioapic_line_set(void *opaque, int n, int level)
{
	ioapic_set_irq(opaque, n, level);
}

struct irq_line ioapic_irq_line(struct ioapic *io, int pin)
{
	return irq_line_make(ioapic_line_set, io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (int pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if ((e & IOREDTBL_LEVEL) && (e & IOREDTBL_VECTOR) == vector && (e & IOREDTBL_RIRR)) {
			io->redir[pin] &= ~IOREDTBL_RIRR;
			ioapic_service_level(io, pin);
		}
	}
}

uint32_t ioapic_read_reg(struct ioapic *io, uint8_t index)
{
	switch (index) {
	case 0x00: return io->id;
	case 0x01: return IOAPIC_VERSION;
	case 0x02: return io->id;   /* arbitration ID: loaded from the APIC ID */
	default:
		if (index >= 0x10 && index < 0x10 + 2 * IOAPIC_PINS) {
			uint64_t e = io->redir[(index - 0x10) / 2];
			return (index & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
		}
		return 0;
	}
}

void ioapic_write_reg(struct ioapic *io, uint8_t index, uint32_t v)
{
	if (index == 0x00) {
		io->id = v & 0x0f000000u;
		return;
	}
	if (index < 0x10 || index >= 0x10 + 2 * IOAPIC_PINS)
		return;   /* version and arbitration ID are read-only */
	int pin = (index - 0x10) / 2;
	uint64_t e = io->redir[pin];
	if (index & 1) {
		e = (e & 0x00000000ffffffffull) | ((uint64_t)(v & 0xff000000u) << 32);
	} else {
		/* Delivery status and remote IRR are read-only. */
		uint64_t ro = IOREDTBL_PENDING | IOREDTBL_RIRR;
		e = (e & ~0xffffffffull) | (e & ro) | ((uint64_t)v & ~ro & 0x1ffffull);
		if (!(e & IOREDTBL_LEVEL))
			e &= ~IOREDTBL_RIRR;   /* remote IRR is undefined for edge entries: keep it clear */
	}
	io->redir[pin] = e;
	ioapic_service_level(io, pin);  /* unmasking an asserted level-triggered pin delivers now */
}

static void ioapic_mmio(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct ioapic *io = opaque;
	switch (addr) {
	case 0x00:
		if (is_write)
			io->regsel = (uint8_t)*data;
		else
			*data = io->regsel;
		break;
	case 0x10:
		if (is_write)
			ioapic_write_reg(io, io->regsel, *data);
		else
			*data = ioapic_read_reg(io, io->regsel);
		break;
	default:
		if (!is_write)
			*data = 0;
		break;
	}
}

void ioapic_reset(struct ioapic *io)
{
	io->id = 1u << 24;   /* APIC ID 1: the local APIC is 0 (the MP table must agree) */
	io->regsel = 0;
	/* Every entry starts masked (datasheet: "mask bit ... set after reset"). */
	for (int k = 0; k < IOAPIC_PINS; k++)
		io->redir[k] = IOREDTBL_MASKED;
}

struct ioapic *ioapic_new(struct machine *m)
{
	struct ioapic *io = calloc(1, sizeof *io);
	if (!io)
		return NULL;
	io->m = m;
	ioapic_reset(io);
	bus_register(m, BUS_MMIO, IOAPIC_BASE, 0x1000, ioapic_mmio, io, "ioapic");
	return io;
}

void ioapic_free(struct ioapic *io)
{
	free(io);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the I/O APIC (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void ioapic_snapshot(struct ioapic *io, struct snap *s)
{
	struct ioapic st;

	memcpy(&st, io, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.deliver, 0, sizeof st.deliver);
	memset(&st.deliver_opaque, 0, sizeof st.deliver_opaque);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = io->m;
	st.deliver = io->deliver;
	st.deliver_opaque = io->deliver_opaque;
	memcpy(io, &st, sizeof st);
}
