/* SPDX-License-Identifier: MIT
 *
 * i8042.c — keyboard controller, keyboard and port 0x92.
 *
 * The controller has one output buffer.  Bytes for the CPU come from two sources: replies to controller
 * commands (self test, command byte, output port...) and bytes from the keyboard (scan codes and the
 * keyboard's replies to its own commands).  Each source has a small queue; whenever the CPU empties the
 * buffer by reading port 0x60, the next byte moves in — a controller reply first — and IRQ1 follows
 * "output buffer full" while command-byte bit 0 enables it.  Because the line drops on each read and
 * rises when the next byte moves in, every byte is a fresh edge for the PIC.
 *
 * Writes to port 0x60 go to the controller when a command is waiting for its data byte (0x60 "write
 * command byte", 0xD1 "write output port", 0xD2 "write keyboard buffer"), and to the keyboard otherwise.
 * The input buffer empties instantly, so status bit 1 (IBF) always reads 0 and polling loops end at once.
 */
#include <stdlib.h>
#include <string.h>
#include "dev/i8042.h"
#include "snapshot.h"

#define ST_OBF   0x01   /* output buffer full */
#define ST_SYS   0x04   /* system flag: POST passed */
#define ST_A2    0x08   /* last write was to the command port */
#define ST_INH   0x10   /* keyboard not inhibited (the keylock switch) */
#define CB_KBDINT 0x01  /* command byte: IRQ1 on keyboard output */
#define CB_SYS    0x04
#define CB_KBDDIS 0x10  /* keyboard clock disabled */
#define CB_XLATE  0x40  /* translate to set 1 */
#define OP_RESET  0x01  /* output port: system reset, active low */
#define OP_A20    0x02
#define OP_IRQ1   0x10  /* output port mirrors of the interrupt lines */

static void ctl_reply(struct i8042 *k, uint8_t v)
{
	if (k->ctl_count < sizeof k->ctl)
		k->ctl[k->ctl_count++] = v;
}

static void kbd_push(struct i8042 *k, uint8_t v)
{
	if (k->kbd_count < I8042_QUEUE) {
		k->kbd[(k->kbd_head + k->kbd_count) % I8042_QUEUE] = v;
		k->kbd_count++;
	}
	/* A full queue drops the byte, as the keyboard's own 16-byte buffer overflows. */
}

static void i8042_set_irq1(struct i8042 *k)
{
	int irq = k->obf && (k->cmd_byte & CB_KBDINT);
	k->outport = (uint8_t)((k->outport & ~OP_IRQ1) | (irq ? OP_IRQ1 : 0));
	if (irq != k->irq1_level) {
		k->irq1_level = (uint8_t)irq;
		irq_set(&k->irq1, irq);
	}
}

/* Refill the output buffer if it is empty, then recompute IRQ1 and the A20 line. */
static void i8042_update(struct i8042 *k)
{
	if (!k->obf) {
		/* IRQ1 drops with OBF before the next byte moves in, so each byte is an edge. */
		i8042_set_irq1(k);
		if (k->ctl_count) {
			k->out = k->ctl[0];
			for (int n = 1; n < k->ctl_count; n++)
				k->ctl[n - 1] = k->ctl[n];
			k->ctl_count--;
			k->obf = 1;
		} else if (k->kbd_count && !(k->cmd_byte & CB_KBDDIS)) {
			k->out = k->kbd[k->kbd_head];
			k->kbd_head = (k->kbd_head + 1) % I8042_QUEUE;
			k->kbd_count--;
			k->obf = 1;
		}
	}
	i8042_set_irq1(k);
	int a20 = i8042_a20(k);
	if (a20 != k->a20_level) {
		k->a20_level = (uint8_t)a20;
		irq_set(&k->a20, a20);
	}
}

int i8042_a20(const struct i8042 *k)
{
	/* The chipset ORs the two gates (either one enables the line). */
	return ((k->outport | k->port92) & OP_A20) != 0;
}

static void system_reset(struct i8042 *k)
{
	k->m->stop = STOP_RESET;
}

void i8042_key(struct i8042 *k, uint8_t scancode)
{
	if (!k->kbd_scanning)
		return;   /* the keyboard was told to stop scanning (0xF5) */
	kbd_push(k, scancode);
	i8042_update(k);
}

/* A byte for the keyboard itself (port 0x60 with no controller command pending).  Every accepted
 * command is acknowledged with 0xFA; the replies arrive through the keyboard queue. */
static void kbd_write(struct i8042 *k, uint8_t v)
{
	if (k->kbd_cmd) {
		uint8_t cmd = k->kbd_cmd;
		k->kbd_cmd = 0;
		kbd_push(k, 0xfa);
		if (cmd == 0xf0 && v == 0)   /* "get scan code set": set 2, translated it reads as 0x41 */
			kbd_push(k, k->cmd_byte & CB_XLATE ? 0x41 : 0x02);
		return;
	}
	switch (v) {
	case 0xed:   /* set LEDs */
	case 0xf0:   /* get/set scan code set */
	case 0xf3:   /* set typematic rate */
		k->kbd_cmd = v;
		kbd_push(k, 0xfa);
		break;
	case 0xee:   /* echo */
		kbd_push(k, 0xee);
		break;
	case 0xf2:   /* identify: an MF2 keyboard (0xAB 0x83; with translation 0xAB 0x41) */
		kbd_push(k, 0xfa);
		kbd_push(k, 0xab);
		kbd_push(k, k->cmd_byte & CB_XLATE ? 0x41 : 0x83);
		break;
	case 0xf4:   /* enable scanning */
		k->kbd_scanning = 1;
		kbd_push(k, 0xfa);
		break;
	case 0xf5:   /* disable scanning (and restore defaults) */
		k->kbd_scanning = 0;
		kbd_push(k, 0xfa);
		break;
	case 0xf6:   /* set defaults */
		kbd_push(k, 0xfa);
		break;
	case 0xff:   /* reset: ACK, then the basic assurance test passed */
		k->kbd_head = k->kbd_count = 0;
		k->kbd_scanning = 1;
		kbd_push(k, 0xfa);
		kbd_push(k, 0xaa);
		break;
	default:     /* anything else: resend */
		kbd_push(k, 0xfe);
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_cmd;
	k->pending_cmd = 0;
	switch (cmd) {
	case 0x60:   /* write command byte */
		k->cmd_byte = v;
		k->status = (uint8_t)((k->status & ~ST_SYS) | (v & CB_SYS ? ST_SYS : 0));
		break;
	case 0xd1:   /* write output port: A20 and, active low, reset */
		k->outport = v;
		if (!(v & OP_RESET))
			system_reset(k);
		break;
	case 0xd2:   /* write keyboard output buffer: as if the keyboard had sent it */
		kbd_push(k, v);
		break;
	case 0xd3:   /* write auxiliary output buffer: no mouse, drop */
	case 0xd4:   /* write to auxiliary device: no mouse, drop */
		break;
	default:
		kbd_write(k, v);
		break;
	}
}

static void command_write(struct i8042 *k, uint8_t v)
{
	k->pending_cmd = 0;
	switch (v) {
	case 0x20:   /* read command byte */
		ctl_reply(k, k->cmd_byte);
		break;
	case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
		k->pending_cmd = v;   /* the data byte follows on port 0x60 */
		break;
	case 0xa7:   /* disable / enable the auxiliary (mouse) port: command-byte bit 5 */
		k->cmd_byte |= 0x20;
		break;
	case 0xa8:
		k->cmd_byte &= ~0x20;
		break;
	case 0xa9:   /* test auxiliary port: 0 = OK */
	case 0xab:   /* test keyboard port: 0 = OK */
		ctl_reply(k, 0x00);
		break;
	case 0xaa:   /* controller self test: 0x55 = passed; sets the system flag */
		k->status |= ST_SYS;
		k->cmd_byte |= CB_SYS;
		ctl_reply(k, 0x55);
		break;
	case 0xad:   /* disable keyboard */
		k->cmd_byte |= CB_KBDDIS;
		break;
	case 0xae:   /* enable keyboard */
		k->cmd_byte &= ~CB_KBDDIS;
		break;
	case 0xc0:   /* read input port: keylock open, 256K+ motherboard RAM, colour display */
		ctl_reply(k, 0xb0);
		break;
	case 0xd0:   /* read output port */
		ctl_reply(k, k->outport);
		break;
	case 0xdd:   /* A20 off / on (shortcuts of some controllers) */
		k->outport &= ~OP_A20;
		break;
	case 0xdf:
		k->outport |= OP_A20;
		break;
	default:
		/* 0xF0-0xFF: pulse output-port bits 0-3 low for 6 us; a clear bit 0 in the command
		 * pulses the reset line (0xFE is the usual "reboot"). */
		if (v >= 0xf0 && !(v & 0x01))
			system_reset(k);
		break;
	}
}

/* Port 0x60: data. */
static void i8042_data_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct i8042 *k = opaque;
	if (is_write) {
		k->status &= ~ST_A2;
		data_write(k, (uint8_t)*data);
	} else {
		*data = k->out;     /* reading an empty buffer returns the last byte again */
		k->obf = 0;
	}
	i8042_update(k);
}

/* Port 0x64: status (read), command (write). */
static void i8042_cmd_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct i8042 *k = opaque;
	if (is_write) {
		k->status |= ST_A2;
		command_write(k, (uint8_t)*data);
	} else {
		*data = k->status | (k->obf ? ST_OBF : 0);
	}
	i8042_update(k);
}

/* Port 0x92: bit 0 = fast reset (a 0 -> 1 transition resets the CPU), bit 1 = fast A20. */
static void port92_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct i8042 *k = opaque;
	if (!is_write) {
		*data = k->port92;
		return;
	}
	uint8_t v = (uint8_t)*data & 0x03;
	int reset = (v & 1) && !(k->port92 & 1);
	k->port92 = v & ~0x01;   /* the reset bit does not stick: the CPU restarts */
	i8042_update(k);
	if (reset)
		system_reset(k);
}

void i8042_reset(struct i8042 *k)
{
	k->status = ST_SYS | ST_INH;
	k->cmd_byte = CB_KBDINT | CB_SYS | CB_XLATE | 0x20;   /* as left by a BIOS; no mouse */
	k->outport = OP_RESET | OP_A20;   /* A20 enabled, as QEMU's and most BIOSes leave it */
	k->port92 = 0;
	k->pending_cmd = k->kbd_cmd = 0;
	k->kbd_scanning = 1;
	k->obf = 0;
	k->out = 0;
	k->ctl_count = 0;
	k->kbd_head = k->kbd_count = 0;
	k->irq1_level = 0;
	irq_set(&k->irq1, 0);
	k->a20_level = 1;
	irq_set(&k->a20, 1);
}

struct i8042 *i8042_new(struct machine *m)
{
	struct i8042 *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->m = m;
	i8042_reset(k);
	bus_register(m, BUS_PIO, 0x60, 1, i8042_data_io, k, "i8042-data");
	bus_register(m, BUS_PIO, 0x64, 1, i8042_cmd_io, k, "i8042-cmd");
	bus_register(m, BUS_PIO, 0x92, 1, port92_io, k, "port92");
	return k;
}

void i8042_free(struct i8042 *k)
{
	free(k);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the keyboard controller (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void i8042_snapshot(struct i8042 *k, struct snap *s)
{
	struct i8042 st;

	memcpy(&st, k, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.irq1, 0, sizeof st.irq1);
	memset(&st.a20, 0, sizeof st.a20);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = k->m;
	st.irq1 = k->irq1;
	st.a20 = k->a20;
	memcpy(k, &st, sizeof st);
}
