/* SPDX-License-Identifier: MIT
 *
 * pic.c — the 8259A pair.  The model follows the datasheet's block diagram: input edges (or levels) set
 * bits in IRR; the priority resolver compares the highest-priority unmasked IRR bit with the highest ISR
 * bit and drives INT; INTA moves the winning request from IRR to ISR and returns ICW2's base plus the
 * input number; an EOI command clears an ISR bit.
 *
 * Priorities rotate: input (lowest + 1) mod 8 has the highest priority, `lowest` the lowest.  After
 * initialisation lowest = 7, so IR0 is highest (the PC's "fully nested mode").  The slave's INT drives
 * the master's IR2, so the slave's inputs all share the priority of IR2 on the master.
 *
 * Edge-triggered inputs set IRR on a rising edge and the bit stays set until acknowledged, even if the
 * line drops before INTA (a simplification: the real chip also needs the line to stay high until the
 * first INTA, otherwise it answers with the spurious IR7 vector).  Level-triggered inputs (ICW1.LTIM or
 * ELCR) make IRR follow the line.  Spurious interrupts are still visible: if an interrupt is masked
 * after INT was raised and the CPU acknowledges anyway, pic_ack() returns the IR7 vector without
 * setting ISR, which is what a guest's spurious-IRQ7 handler tests for.
 */
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "dev/pic.h"
#include "snapshot.h"

#define ICW1_IC4   0x01   /* ICW4 will follow */
#define ICW1_SNGL  0x02   /* single 8259, no ICW3 */
#define ICW1_LTIM  0x08   /* level-triggered mode */
#define ICW1_INIT  0x10   /* distinguishes ICW1 from OCW2/OCW3 on the even port */
#define OCW3_SEL   0x08   /* OCW3 (bit 4 clear, bit 3 set) rather than OCW2 */
#define ICW4_AEOI  0x02
#define ICW4_SFNM  0x10

/* Highest-priority bit set in `bits`, honouring the rotation; -1 if none. */
static int pic_highest(const struct pic_chip *c, uint8_t bits)
{
	for (int k = 1; k <= 8; k++) {
		int ir = (c->lowest + k) & 7;
		if (bits & (1u << ir))
			return ir;
	}
	return -1;
}

/* The request the chip would deliver now, or -1.  A request wins if it has a higher priority than every
 * interrupt in service (datasheet: "priority resolver").  In special mask mode, masked ISR bits do not
 * block lower priorities; in special fully nested mode (master only), the cascade input may interrupt
 * its own in-service routine so that a higher-priority slave input gets through. */
static int pic_pending(const struct pic_chip *c, int is_master)
{
	int req = pic_highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	uint8_t isr = c->isr;
	if (c->special_mask)
		isr &= ~c->imr;
	if (is_master && c->sfnm && !c->single)
		isr &= ~c->icw3;
	int cur = pic_highest(c, isr);
	if (cur < 0)
		return req;
	/* Compare in rotated order: distance from the highest-priority position. */
	int rank_req = (req - c->lowest - 1) & 7, rank_cur = (cur - c->lowest - 1) & 7;
	return rank_req < rank_cur ? req : -1;
}

static int pic_is_level(const struct pic_chip *c, int ir)
{
	return c->level_mode || (c->elcr & (1u << ir));
}

/* Record a new input level on one chip. */
static void chip_input(struct pic_chip *c, int ir, int level)
{
	uint8_t bit = 1u << ir;
	if (pic_is_level(c, ir)) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;   /* rising edge */
	}
	c->lines = level ? (c->lines | bit) : (c->lines & ~bit);
}

/* Re-evaluate both INT pins: the slave's feeds the master's IR2, the master's goes out. */
static void pic_update(struct pic *p)
{
	struct pic_chip *ms = &p->chip[0], *sl = &p->chip[1];
	if (!ms->single) {
		/* The cascade input follows the slave's INT as a level: if the slave still has a request
		 * after one INTA (AEOI mode, or a second request), the master must see it again without
		 * waiting for an edge that would never come. */
		sl->int_out = pic_pending(sl, 0) >= 0;
		if (sl->int_out)
			ms->irr |= 0x04;
		else
			ms->irr &= ~0x04;
	}
	int out = pic_pending(ms, 1) >= 0;
	if (out != ms->int_out) {
		ms->int_out = (uint8_t)out;
		irq_set(&p->out, out);
	}
}

void pic_set_irq(struct pic *p, int irq, int level)
{
	if (irq < 0 || irq > 15)
		return;
	chip_input(&p->chip[irq >> 3], irq & 7, level);
	pic_update(p);
}

static void pic_line_set(void *opaque, int n, int level)
{
	pic_set_irq(opaque, n, level);
}

struct irq_line pic_irq_line(struct pic *p, int irq)
{
	return irq_line_make(pic_line_set, p, irq);
}

int pic_output(const struct pic *p)
{
	return p->chip[0].int_out;
}

/* The chip's part of INTA for input ir: clear an edge request, mark it in service unless in AEOI. */
static void chip_ack(struct pic_chip *c, int ir)
{
	if (!pic_is_level(c, ir))
		c->irr &= ~(1u << ir);
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)ir;
	} else {
		c->isr |= 1u << ir;
	}
}

int pic_ack(struct pic *p)
{
	struct pic_chip *ms = &p->chip[0], *sl = &p->chip[1];
	int vec;
	int ir = pic_pending(ms, 1);
	if (ir < 0) {
		vec = ms->vector_base | 7;           /* spurious: nothing set in ISR */
	} else if (ir == 2 && !ms->single) {
		chip_ack(ms, 2);
		int sir = pic_pending(sl, 0);
		if (sir < 0) {
			vec = sl->vector_base | 7;   /* spurious IRQ15: master's ISR2 stays set */
		} else {
			chip_ack(sl, sir);
			vec = sl->vector_base | sir;
		}
	} else {
		chip_ack(ms, ir);
		vec = ms->vector_base | ir;
	}
	pic_update(p);
	return vec;
}

/* OCW2: end of interrupt and priority rotation. */
static void chip_ocw2(struct pic_chip *c, uint8_t v)
{
	int level = v & 7, ir;
	switch (v >> 5) {
	case 1:  /* non-specific EOI: the highest-priority in-service input */
	case 5:  /* ... and rotate: it becomes the lowest priority */
		ir = pic_highest(c, c->isr);
		if (ir >= 0) {
			c->isr &= ~(1u << ir);
			if (v >> 5 == 5)
				c->lowest = (uint8_t)ir;
		}
		break;
	case 3:  /* specific EOI */
		c->isr &= ~(1u << level);
		break;
	case 7:  /* rotate on specific EOI */
		c->isr &= ~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	case 6:  /* set priority */
		c->lowest = (uint8_t)level;
		break;
	case 4:  /* set rotate in AEOI mode */
		c->rotate_aeoi = 1;
		break;
	case 0:  /* clear rotate in AEOI mode */
		c->rotate_aeoi = 0;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void chip_write(struct pic_chip *c, int port, uint8_t v, int is_master)
{
	if (port == 0) {
		if (v & ICW1_INIT) {
			/* ICW1 starts the initialisation sequence: IMR cleared, IR7 lowest priority,
			 * special mask mode off, reads return IRR (datasheet "Initialization command words"). */
			c->init_step = 1;
			c->need_icw4 = v & ICW1_IC4;
			c->single = (v & ICW1_SNGL) != 0;
			c->level_mode = (v & ICW1_LTIM) != 0;
			c->imr = 0;
			c->isr = 0;
			c->irr = 0;
			c->lowest = 7;
			c->special_mask = 0;
			c->read_isr = 0;
			c->poll = 0;
			c->auto_eoi = 0;
			c->rotate_aeoi = 0;
			c->sfnm = 0;
			/* Edges are detected afresh: a line already high is not a new request. */
		} else if (v & OCW3_SEL) {
			if (v & 0x02)
				c->read_isr = v & 0x01;
			if (v & 0x04)
				c->poll = 1;
			if (v & 0x40)
				c->special_mask = (v >> 5) & 1;
		} else {
			chip_ocw2(c, v);
		}
		return;
	}
	switch (c->init_step) {
	case 1:  /* ICW2: vector base (8086 mode: the low three bits come from the input number) */
		c->vector_base = v & 0xf8;
		c->init_step = c->single ? (c->need_icw4 ? 3 : 0) : 2;
		break;
	case 2:  /* ICW3: master: bitmap of inputs with slaves; slave: its cascade ID */
		c->icw3 = is_master ? v : (v & 7);
		c->init_step = c->need_icw4 ? 3 : 0;
		break;
	case 3:  /* ICW4: we only support 8086 mode (uPM = 1); AEOI and SFNM are honoured */
		c->auto_eoi = (v & ICW4_AEOI) != 0;
		c->sfnm = (v & ICW4_SFNM) != 0;
		c->init_step = 0;
		break;
	default: /* OCW1: the mask */
		c->imr = v;
		break;
	}
}

static uint8_t chip_read(struct pic *p, int which, int port)
{
	struct pic_chip *c = &p->chip[which];
	if (port == 1)
		return c->imr;
	if (c->poll) {
		/* Poll command: the read acts as an INTA and returns 0x80 | level, or 0 if nothing. */
		c->poll = 0;
		int ir = pic_pending(c, which == 0);
		if (ir < 0)
			return 0;
		chip_ack(c, ir);
		pic_update(p);
		return (uint8_t)(0x80 | ir);
	}
	return c->read_isr ? c->isr : c->irr;
}

/* Ports 0x20-0x21 (opaque = master) and 0xA0-0xA1 are both handled here; we tell them apart by which
 * chip the opaque points at. */
static void pic_io(struct pic *p, int which, uint32_t addr, uint32_t *data, int is_write)
{
	if (is_write) {
		chip_write(&p->chip[which], addr & 1, (uint8_t)*data, which == 0);
		pic_update(p);
	} else {
		*data = chip_read(p, which, addr & 1);
	}
}

static void pic_master_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	pic_io(opaque, 0, addr, data, is_write);
}

static void pic_slave_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	pic_io(opaque, 1, addr, data, is_write);
}

/* ELCR (0x4D0 master, 0x4D1 slave): one bit per input, 1 = level triggered.  IRQ0, 1, 2, 8 and 13 are
 * always edge triggered on a PC, so those bits are read-only zero. */
static void pic_elcr_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct pic *p = opaque;
	for (unsigned k = 0; k < len && addr + k < 2; k++) {
		struct pic_chip *c = &p->chip[addr + k];
		if (is_write)
			c->elcr = (uint8_t)(*data >> (8 * k)) & c->elcr_mask;
		else
			*data = (k ? *data : 0) | (uint32_t)c->elcr << (8 * k);
	}
	if (is_write)
		pic_update(p);
}

/* The datasheet leaves the power-up state undefined, and revisor boots without a BIOS, so reset leaves
 * the pair as a PC BIOS does after POST: master at vectors 0x08-0x0F, slave at 0x70-0x77 on IR2, 8086
 * mode, and every input masked except the cascade.  A kernel that enables interrupts before
 * programming the PIC therefore gets nothing rather than IRQ0 on vector 0. */
void pic_reset(struct pic *p)
{
	struct irq_line out = p->out;
	struct machine *m = p->m;
	for (int k = 0; k < 2; k++) {
		struct pic_chip *c = &p->chip[k];
		*c = (struct pic_chip){ .lowest = 7 };
	}
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
	p->chip[0].vector_base = 0x08;
	p->chip[0].icw3 = 0x04;
	p->chip[0].imr = 0xfb;
	p->chip[1].vector_base = 0x70;
	p->chip[1].icw3 = 0x02;
	p->chip[1].imr = 0xff;
	p->m = m;
	p->out = out;
	irq_set(&p->out, 0);
}

struct pic *pic_new(struct machine *m)
{
	struct pic *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->m = m;
	pic_reset(p);
	bus_register(m, BUS_PIO, 0x20, 2, pic_master_io, p, "pic-master");
	bus_register(m, BUS_PIO, 0xa0, 2, pic_slave_io, p, "pic-slave");
	bus_register(m, BUS_PIO, 0x4d0, 2, pic_elcr_io, p, "elcr");
	return p;
}

void pic_free(struct pic *p)
{
	free(p);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the 8259A pair (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void pic_snapshot(struct pic *p, struct snap *s)
{
	struct pic st;

	memcpy(&st, p, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.out, 0, sizeof st.out);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = p->m;
	st.out = p->out;
	memcpy(p, &st, sizeof st);
}
