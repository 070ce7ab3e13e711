/* SPDX-License-Identifier: MIT
 *
 * i8042.h — the PC/AT keyboard controller (an Intel 8042 microcontroller) at ports 0x60 (data) and
 * 0x64 (status / command), the keyboard behind it, and the chipset's "system control port A" at 0x92.
 *
 * What a kernel uses it for, besides the keyboard:
 *  - the A20 gate: bit 1 of the controller's output port (command 0xD1, then the new value), or bit 1
 *    of port 0x92 ("fast A20").  The gate's state leaves through k->a20 (an irq_line carrying 1 =
 *    enabled), which the glue connects to whatever masks address bit 20; i8042_a20() reads it;
 *  - reset: command 0xFE (pulse output-port bit 0), or bit 0 of port 0x92: the machine stops with
 *    m->stop = STOP_RESET and the run loop decides what a reset means (reboot, or end with -no-reboot).
 *
 * The keyboard speaks scan code set 1 (what the controller delivers with translation on): the event
 * layer calls i8042_key() for every byte of a make/break code, and the controller raises IRQ1 (k->irq1).
 * No PS/2 mouse is attached.
 *
 * Reference: IBM PC/AT Technical Reference, "Keyboard controller"; the 8042 command set as documented
 * in the OSDev wiki's "8042 PS/2 Controller" page.
 */
#ifndef REVISOR_DEV_I8042_H
#define REVISOR_DEV_I8042_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"

#define I8042_QUEUE 16

struct i8042 {
	struct machine *m;
	uint8_t status;           /* status register bits other than OBF (SYS, A2, INH) */
	uint8_t cmd_byte;         /* controller RAM byte 0, the "command byte" */
	uint8_t outport;          /* output port: bit 0 reset (active low), bit 1 A20 */
	uint8_t port92;           /* system control port A bits (bit 1 A20) */
	uint8_t pending_cmd;      /* controller command waiting for its data byte (0x60, 0xD1, ...) */
	uint8_t kbd_cmd;          /* keyboard command waiting for its argument (0xED, 0xF0, 0xF3) */
	uint8_t kbd_scanning;     /* keyboard enabled (0xF4) rather than disabled (0xF5) */
	uint8_t obf;              /* output buffer full: `out` holds a byte for the CPU */
	uint8_t out;
	uint8_t ctl[4];           /* replies from the controller itself, delivered first */
	uint8_t ctl_count;
	uint8_t kbd[I8042_QUEUE]; /* bytes from the keyboard (scan codes, ACKs) */
	uint8_t kbd_head, kbd_count;
	uint8_t irq1_level, a20_level;
	struct irq_line irq1;     /* IRQ1 */
	struct irq_line a20;      /* A20 gate: 1 = address line 20 passes through */
};

struct i8042 *i8042_new(struct machine *m);   /* registers 0x60, 0x64 and 0x92 */
void i8042_reset(struct i8042 *k);
void i8042_free(struct i8042 *k);

void i8042_key(struct i8042 *k, uint8_t scancode);   /* one byte of scan code set 1 from the keyboard */
int i8042_a20(const struct i8042 *k);                /* the A20 gate: 1 = enabled */

#endif
