/* SPDX-License-Identifier: MIT
 *
 * pic.h — the PC's pair of Intel 8259A programmable interrupt controllers: the master at ports
 * 0x20/0x21 (IRQ0-7) and the slave at 0xA0/0xA1 (IRQ8-15) cascaded into the master's IR2, plus the
 * edge/level control registers (ELCR) at 0x4D0/0x4D1 of PCI-era chipsets.
 *
 * Inputs:  pic_irq_line(p, n) gives the irq_line for IRQn; devices raise/lower it.
 * Output:  p->out carries the master's INT pin.  The glue wires it to the local APIC's LINT0 (virtual
 *          wire mode) or straight to the CPU, and acknowledges with pic_ack(), which plays the two INTA
 *          cycles: it returns the vector and moves the request from IRR to ISR.
 *
 * Reference: Intel 8259A datasheet (order 231468), "Interrupt sequence", "Programming the 8259A".
 */
#ifndef REVISOR_DEV_PIC_H
#define REVISOR_DEV_PIC_H

#include <stdint.h>
#include "dev/irq.h"

struct machine;

/* One 8259A. */
struct pic_chip {
	uint8_t irr;          /* interrupt request register: inputs waiting for service */
	uint8_t isr;          /* in-service register: acknowledged, waiting for EOI */
	uint8_t imr;          /* interrupt mask register (OCW1) */
	uint8_t lines;        /* current input levels, for edge detection */
	uint8_t vector_base;  /* ICW2 with the low three bits clear */
	uint8_t init_step;    /* 0: operational; 1, 2, 3: expecting ICW2, ICW3, ICW4 */
	uint8_t need_icw4;    /* ICW1.IC4 */
	uint8_t single;       /* ICW1.SNGL: no cascade */
	uint8_t icw3;         /* master: which IRs have slaves; slave: its ID */
	uint8_t level_mode;   /* ICW1.LTIM: all inputs level triggered */
	uint8_t elcr;         /* per-input level triggering (ELCR), ORed with level_mode */
	uint8_t elcr_mask;    /* ELCR bits that exist on this chip */
	uint8_t auto_eoi;     /* ICW4.AEOI */
	uint8_t rotate_aeoi;  /* OCW2 "rotate in automatic EOI mode" */
	uint8_t sfnm;         /* ICW4.SFNM: special fully nested mode */
	uint8_t special_mask; /* OCW3 special mask mode */
	uint8_t read_isr;     /* OCW3: port reads return ISR instead of IRR */
	uint8_t poll;         /* OCW3 poll command issued: next read is a poll */
	uint8_t lowest;       /* input with the lowest priority (7 after init; rotation changes it) */
	uint8_t int_out;      /* current level of the INT pin */
};

struct pic {
	struct machine *m;
	struct pic_chip chip[2];   /* [0] master, [1] slave */
	struct irq_line out;       /* the master's INT pin (set by the glue) */
};

struct pic *pic_new(struct machine *m);   /* registers 0x20-0x21, 0xA0-0xA1, 0x4D0-0x4D1 */
void pic_reset(struct pic *p);
void pic_free(struct pic *p);

void pic_set_irq(struct pic *p, int irq, int level);     /* irq 0..15 */
struct irq_line pic_irq_line(struct pic *p, int irq);
int pic_output(const struct pic *p);                      /* the INT pin */
/* INTA: the vector to deliver.  Like the chip, it always answers: if no unmasked request is left (the
 * request went away between INT and INTA) it returns the spurious vector of IR7 without setting ISR,
 * or, via the cascade, the slave's spurious IR7 (IRQ15) with the master's ISR bit 2 set. */
int pic_ack(struct pic *p);

#endif
