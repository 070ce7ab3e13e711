/* SPDX-License-Identifier: MIT
 *
 * pit.h — the Intel 8254 programmable interval timer at ports 0x40-0x43, and the PC's port 0x61
 * ("system control port B") through which software drives channel 2's gate and reads its output.
 *
 * Wiring on a PC: every channel is clocked at 1 193 182 Hz (PIT_HZ in vclock.h, virtual: tick k of the
 * input clock happens at instruction count vclock_at(k, PIT_HZ)).  Channel 0's gate is tied high and its
 * OUT drives IRQ0 (p->irq0, wired by the glue); channel 1 (once DRAM refresh) has no output; channel 2's
 * gate is port 0x61 bit 0 and its OUT is readable as port 0x61 bit 5 (it fed the speaker).
 *
 * Modes 0-5 are implemented, binary and BCD counting, counter latch, lobyte/hibyte access and the
 * read-back command.  Reference: Intel 82C54 datasheet (order 231244), "Modes" and "Read operations".
 */
#ifndef REVISOR_DEV_PIT_H
#define REVISOR_DEV_PIT_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"

struct pit_channel {
	uint8_t mode;          /* 0..5 */
	uint8_t access;        /* control word RW bits: 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
	uint8_t bcd;           /* count in BCD (decades) rather than binary */
	uint8_t gate;          /* GATE input level */
	uint8_t write_hi;      /* access 3: the next write is the high byte */
	uint8_t read_hi;       /* access 3: the next read is the high byte */
	uint8_t write_lo;      /* access 3: the low byte written so far */
	uint8_t null_count;    /* a count was written but not yet loaded into the counter */
	uint8_t running;       /* the counting element is counting (loaded, and triggered for 1/5) */
	uint8_t latched;       /* bytes of latched count still to be read (0, 1 or 2) */
	uint8_t status_latched;
	uint8_t status;
	uint16_t latch;        /* latched count */
	uint8_t out_frozen;    /* OUT while not running */
	uint8_t tc;            /* modes 0/1/4/5: terminal count already passed before the current start */
	uint32_t reload;       /* count register, 1..65536 (BCD: 1..10000), in binary */
	uint32_t frozen;       /* counter value while paused by GATE (modes 0 and 4) */
	uint64_t start;        /* input-clock tick at which the counter was loaded with `reload`/`frozen` */
	uint32_t start_count;  /* the value it was loaded with */
	int out_level;         /* last level sent on the output line (channel 0) */
};

struct pit {
	struct machine *m;
	struct pit_channel ch[3];
	uint8_t port61;        /* bits 0-3 as last written (gate 2, speaker enable, parity/IOCHK enables) */
	struct irq_line irq0;  /* channel 0's OUT (set by the glue) */
	struct vtimer timer;   /* next transition of channel 0's OUT */
};

struct pit *pit_new(struct machine *m);   /* registers 0x40-0x43 and 0x61 */
void pit_reset(struct pit *p);
void pit_free(struct pit *p);

/* Current OUT level and count of a channel (for tests and the debugger). */
int pit_out(struct pit *p, int ch);
uint32_t pit_count(struct pit *p, int ch);

#endif
