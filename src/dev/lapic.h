/* SPDX-License-Identifier: MIT
 *
 * lapic.h — the local APIC of our one processor, memory-mapped at 0xFEE00000 (SDM vol. 3A, chapter 10).
 *
 * Inputs:  APIC bus messages (lapic_deliver, given to the I/O APIC as its apic_deliver_fn), the LINT0
 *          and LINT1 pins (lapic_lint_line: the PIC's INT is wired to LINT0), its own timer, and ICR
 *          writes for IPIs to itself.
 * Outputs: l->out, the CPU's INTR (the glue sets cpu.irq_pending from it); l->nmi, pulsed for NMI
 *          deliveries; the EOI broadcast (l->eoi_broadcast, to the I/O APIC) for level-triggered
 *          vectors; and, for ExtINT, l->extint_ack, which asks the PIC for its vector.
 * INTA:    lapic_ack() returns the vector to deliver: the highest-priority vector in IRR whose priority
 *          class beats the PPR (moving it to ISR), else the PIC's vector when LINT0 passes an ExtINT
 *          request through, else -1.
 *
 * Timer: the bus clock is the virtual CPU clock (1 GHz, vclock.h), so the timer counts down once every
 * `divide` retired instructions; the current count is computed from icount when read.
 *
 * Single processor: IPIs whose destination includes this APIC (shorthand self / all-including-self,
 * or a matching physical/logical destination) are accepted; everything else has no receiver and is
 * dropped with the delivery-status bit already idle.  An INIT that reaches this APIC resets the machine
 * (m->stop = STOP_RESET); a STARTUP IPI reaching it is ignored (the BSP is never waiting for one).
 * The APIC-base MSR's global enable bit (cpu.apic_base bit 11) is honoured; relocating the APIC
 * through that MSR is not (the registers stay at 0xFEE00000).
 */
#ifndef REVISOR_DEV_LAPIC_H
#define REVISOR_DEV_LAPIC_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"

#define LAPIC_BASE 0xfee00000u

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

struct lapic {
	struct machine *m;
	uint32_t id;              /* ID register (APIC ID in bits 24-31) */
	uint32_t tpr;             /* task priority */
	uint32_t ldr, dfr;        /* logical destination, destination format */
	uint32_t svr;             /* spurious-interrupt vector register: vector, bit 8 software enable */
	uint32_t esr;             /* error status as last latched by a write */
	uint32_t esr_pending;     /* errors seen since that write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];   /* 256-bit registers, vector v is bit v % 32 of word v / 32 */
	uint32_t timer_initial;   /* initial count */
	uint32_t timer_dcr;       /* divide configuration register */
	uint64_t timer_start;     /* icount at which the current count equalled timer_initial */
	uint64_t timer_deadline;  /* next expiry (icount), UINT64_MAX if none */
	uint8_t lint_level[2];
	uint8_t out_level;
	struct vtimer timer;

	struct irq_line out;      /* INTR to the CPU */
	struct irq_line nmi;      /* NMI to the CPU (pulsed) */
	int (*extint_ack)(void *opaque);                     /* the PIC's INTA, for ExtINT */
	void *extint_opaque;
	void (*eoi_broadcast)(void *opaque, uint8_t vector); /* EOI of a level-triggered vector */
	void *eoi_opaque;
};

struct lapic *lapic_new(struct machine *m);   /* registers the MMIO page at LAPIC_BASE */
void lapic_reset(struct lapic *l);
void lapic_free(struct lapic *l);

int lapic_deliver(void *lapic, const struct apic_msg *msg);   /* an apic_deliver_fn */
void lapic_set_lint(struct lapic *l, int pin, int level);      /* pin 0 or 1 */
struct irq_line lapic_lint_line(struct lapic *l, int pin);
int lapic_ack(struct lapic *l);
int lapic_output(const struct lapic *l);

/* Register access by offset (the MMIO handler uses these; tests and the debugger may too). */
uint32_t lapic_read(struct lapic *l, uint32_t off);
void lapic_write(struct lapic *l, uint32_t off, uint32_t v);
uint32_t lapic_ppr(const struct lapic *l);
uint32_t lapic_timer_current(const struct lapic *l);

#endif
