/* SPDX-License-Identifier: MIT
 *
 * pic.c — put the legacy 8259A interrupt controllers out of the way.  The kernel takes its interrupts
 * from the APICs, but the two 8259s are still there, and after reset they deliver IRQ 0-7 on vectors
 * 0x08-0x0F — the CPU's exception vectors (#DF is 8!).  So we first re-initialize them (the four ICWs,
 * Intel 8259A datasheet) to deliver on 0x20-0x2F instead, then mask every line.  Even masked, a PIC can
 * raise a spurious IRQ 7 or 15; with the remap those land on 0x27/0x2F, which trap.c ignores.
 */
#include "defs.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

void pic_disable(void)
{
	outb(PIC1_CMD, 0x11);               /* ICW1: initialize, edge-triggered, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_PIC);           /* ICW2: master's vectors start at 0x20 ... */
	outb(PIC2_DATA, VEC_PIC + 8);       /* ... the slave's at 0x28 */
	outb(PIC1_DATA, 1 << 2);            /* ICW3: the slave hangs off the master's IRQ 2 */
	outb(PIC2_DATA, 2);                 /* ICW3: slave's cascade identity */
	outb(PIC1_DATA, 0x01);              /* ICW4: 8086 mode, normal EOI */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xFF);              /* OCW1: mask all sixteen lines */
	outb(PIC2_DATA, 0xFF);
}
