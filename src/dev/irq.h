/* SPDX-License-Identifier: MIT
 *
 * irq.h — interrupt lines as small objects (TinyEMU's idea).  A device that raises an interrupt holds a
 * `struct irq_line` and calls irq_set(); it never knows whether the wire ends at the 8259 PIC, the I/O
 * APIC, or both.  The platform glue (pc.c) decides where each wire goes when it builds the machine, which
 * is exactly what the board's traces do on a real PC.
 *
 * A line carries a *level* (0 or 1).  Edge-triggered receivers (the PIC in its usual mode, the I/O APIC's
 * edge entries) detect a 0 -> 1 transition themselves, so a device that wants to signal an "edge" drops
 * and raises its line (irq_pulse).  Level-triggered receivers look at the level.
 *
 * The same header defines the message the APICs exchange on the (virtual) APIC bus: an I/O APIC
 * redirection entry or an ICR write turns into a `struct apic_msg` (SDM vol. 3A, 10.6 "Issuing
 * interprocessor interrupts" and the 82093AA I/O APIC datasheet, 3.2.4).
 */
#ifndef REVISOR_DEV_IRQ_H
#define REVISOR_DEV_IRQ_H

#include <stdint.h>

struct irq_line {
	void (*set)(void *opaque, int n, int level);  /* NULL: an unconnected wire */
	void *opaque;                                  /* the receiving controller */
	int n;                                         /* which of its inputs */
};

static inline struct irq_line irq_line_make(void (*set)(void *, int, int), void *opaque, int n)
{
	struct irq_line l = { set, opaque, n };
	return l;
}

static inline void irq_set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->opaque, l->n, level != 0);
}

/* An edge for an edge-triggered receiver: low, then high, then low again (the ISA "pulse"). */
static inline void irq_pulse(const struct irq_line *l)
{
	irq_set(l, 0);
	irq_set(l, 1);
	irq_set(l, 0);
}

/* ---- APIC bus messages --------------------------------------------------------------------------- */
/* Delivery modes, as encoded in ICR bits 8..10 and redirection-entry bits 8..10. */
enum apic_delivery {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_STARTUP = 6,
	APIC_DM_EXTINT = 7,
};

struct apic_msg {
	uint8_t vector;
	uint8_t mode;       /* enum apic_delivery */
	uint8_t dest;       /* APIC ID (physical) or logical bitmap */
	uint8_t logical;    /* destination mode: 1 = logical */
	uint8_t level_trig; /* trigger mode: 1 = level (the receiver sets its TMR bit, EOI is broadcast) */
};

/* Something that accepts APIC messages (the local APIC); returns 1 if some APIC accepted it. */
typedef int (*apic_deliver_fn)(void *opaque, const struct apic_msg *msg);

#endif
