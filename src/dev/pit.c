/* SPDX-License-Identifier: MIT
 *
 * pit.c — the 8254 interval timer, computed rather than stepped.  A real counter decrements on every
 * falling edge of its 1.193182 MHz clock; ticking an emulated counter a million times a second would
 * cost more than the guest.  Instead each channel remembers the input-clock tick at which it was loaded
 * (`start`) and the value it was loaded with (`start_count`): the count and the OUT level at any later
 * tick follow from the mode's definition in closed form (pit_state below).  Channel 0 arms one virtual
 * timer for the next tick at which its OUT changes, so IRQ0 edges land at exact instruction counts.
 *
 * Simplifications (all deterministic, documented for students):
 *  - a count is loaded at the input tick in progress when the write happens (the chip waits for the
 *    next falling clock edge, at most 838 ns later);
 *  - writing a new count in modes 2 and 3 restarts the period at once (the chip finishes the current
 *    period first);
 *  - in mode 3 with an odd count, the readback is that of count - 1; OUT is high for (N+1)/2 ticks and
 *    low for (N-1)/2, as on the chip.
 */
#include <stdlib.h>
#include <string.h>
#include "dev/pit.h"
#include "snapshot.h"
#include "dev/vclock.h"

#define PIT_MODULUS(ch) ((ch)->bcd ? 10000u : 65536u)

static uint64_t pit_now(struct pit *p)
{
	return vclock_ticks(p->m->cpu.icount, PIT_HZ);
}

/* Count, OUT level and the next tick at which OUT changes (UINT64_MAX: never), at input tick `now`. */
static void pit_state(const struct pit_channel *c, uint64_t now, uint32_t *count, int *out, uint64_t *next)
{
	uint32_t mod = PIT_MODULUS(c);
	*next = UINT64_MAX;
	if (!c->running) {
		*count = c->frozen % mod;
		*out = c->out_frozen;
		return;
	}
	uint64_t d = now - c->start, n0 = c->start_count;
	uint64_t p, n = n0 < 2 ? 2 : n0;   /* modes 2 and 3 need a count of at least 2 */
	switch (c->mode) {
	case 0:  /* interrupt on terminal count: OUT low until the count reaches 0, then high */
	case 1:  /* hardware-retriggerable one-shot: the same after the trigger */
		*count = (uint32_t)((n0 + mod - d % mod) % mod);
		*out = c->tc || d >= n0;
		if (!*out)
			*next = c->start + n0;
		break;
	case 4:  /* software-triggered strobe: OUT low for one tick when the count reaches 0 */
	case 5:  /* hardware-triggered strobe */
		*count = (uint32_t)((n0 + mod - d % mod) % mod);
		*out = c->tc || d != n0;
		if (!c->tc && d < n0)
			*next = c->start + n0;
		else if (!c->tc && d == n0)
			*next = c->start + n0 + 1;
		break;
	case 2:  /* rate generator: OUT low during the last tick of each period (count == 1) */
		p = d % n;
		*count = (uint32_t)(n - p);
		*out = p != n - 1;
		*next = c->start + d - p + (p < n - 1 ? n - 1 : n);
		break;
	default: /* 3, square wave: high for the first (N+1)/2 ticks, low for the rest; counts by two */
		p = d % n;
		uint64_t h = (n + 1) / 2;
		*count = (uint32_t)((n & ~1ull) - 2 * (p < h ? p : p - h));
		*out = p < h;
		*next = c->start + d - p + (p < h ? h : n);
		break;
	}
}

int pit_out(struct pit *p, int ch)
{
	uint32_t count;
	uint64_t next;
	int out;
	pit_state(&p->ch[ch], pit_now(p), &count, &out, &next);
	return out;
}

uint32_t pit_count(struct pit *p, int ch)
{
	uint32_t count;
	uint64_t next;
	int out;
	pit_state(&p->ch[ch], pit_now(p), &count, &out, &next);
	return count;
}

/* Channel 0: drive IRQ0 to the current OUT level and arm the timer for the next change. */
static void pit_update_irq(struct pit *p)
{
	struct pit_channel *c = &p->ch[0];
	uint32_t count;
	uint64_t next;
	int out;
	pit_state(c, pit_now(p), &count, &out, &next);
	if (out != c->out_level) {
		c->out_level = out;
		irq_set(&p->irq0, out);
	}
	if (next == UINT64_MAX)
		vtimer_disarm(p->m, &p->timer);
	else
		vtimer_arm(p->m, &p->timer, vclock_at(next, PIT_HZ));
}

static void pit_timer_fire(void *opaque)
{
	pit_update_irq(opaque);
}

/* Stop the counter where it is (GATE low, or a new control word). */
static void pit_freeze(struct pit *p, struct pit_channel *c, int out)
{
	uint32_t count;
	uint64_t next;
	int cur;
	pit_state(c, pit_now(p), &count, &cur, &next);
	c->frozen = count;
	c->out_frozen = (uint8_t)(out < 0 ? cur : out);
	c->running = 0;
}

/* Load the counting element with `value` now and count from there. */
static void pit_start(struct pit *p, struct pit_channel *c, uint32_t value, int tc)
{
	c->start = pit_now(p);
	c->start_count = value;
	c->tc = (uint8_t)tc;
	c->running = 1;
	c->null_count = 0;
}

static uint32_t from_bcd(uint32_t v)
{
	return (v & 0xf) + 10 * ((v >> 4) & 0xf) + 100 * ((v >> 8) & 0xf) + 1000 * ((v >> 12) & 0xf);
}

static uint32_t to_bcd(uint32_t v)
{
	return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12);
}

/* A complete count has been written to the count register. */
static void pit_count_written(struct pit *p, struct pit_channel *c, uint32_t raw)
{
	uint32_t v = c->bcd ? from_bcd(raw) : raw;
	if (v == 0)
		v = PIT_MODULUS(c);   /* 0 means the maximum count */
	c->reload = v;
	c->null_count = 1;
	switch (c->mode) {
	case 1:
	case 5:
		break;        /* waits for a rising edge on GATE */
	default:
		if (c->gate)
			pit_start(p, c, v, 0);
		else {
			c->frozen = v;
			c->out_frozen = c->mode != 0;
		}
		break;
	}
}

static void pit_control(struct pit *p, uint8_t v)
{
	int sel = v >> 6;
	if (sel == 3) {
		/* Read-back: bit 5 clear = latch count, bit 4 clear = latch status, bits 1-3 select. */
		for (int k = 0; k < 3; k++) {
			struct pit_channel *c = &p->ch[k];
			if (!(v & (2 << k)))
				continue;
			if (!(v & 0x10) && !c->status_latched) {
				c->status = (uint8_t)(pit_out(p, k) << 7 | c->null_count << 6 | c->access << 4 |
						      c->mode << 1 | c->bcd);
				c->status_latched = 1;
			}
			if (!(v & 0x20) && !c->latched) {
				uint32_t n = pit_count(p, k);
				c->latch = (uint16_t)(c->bcd ? to_bcd(n) : n);
				c->latched = c->access == 3 ? 2 : 1;
			}
		}
		return;
	}
	struct pit_channel *c = &p->ch[sel];
	int access = (v >> 4) & 3;
	if (access == 0) {   /* counter latch command: freeze the count for reading, once */
		if (!c->latched) {
			uint32_t n = pit_count(p, sel);
			c->latch = (uint16_t)(c->bcd ? to_bcd(n) : n);
			c->latched = c->access == 3 ? 2 : 1;
		}
		return;
	}
	/* A control word stops the channel; OUT goes low in mode 0, high in the others. */
	int mode = (v >> 1) & 7;
	if (mode > 5)
		mode -= 4;    /* 6 and 7 are aliases of 2 and 3 */
	c->mode = (uint8_t)mode;
	c->access = (uint8_t)access;
	c->bcd = v & 1;
	c->write_hi = c->read_hi = 0;
	c->latched = c->status_latched = 0;
	c->null_count = 1;
	c->running = 0;
	c->frozen = 0;
	c->out_frozen = mode != 0;
}

static void pit_data_write(struct pit *p, struct pit_channel *c, uint8_t v)
{
	switch (c->access) {
	case 1:
		pit_count_written(p, c, v);
		break;
	case 2:
		pit_count_written(p, c, (uint32_t)v << 8);
		break;
	default:
		if (!c->write_hi) {
			c->write_lo = v;
			c->write_hi = 1;
			if (c->mode == 0)     /* mode 0: writing the first byte stops the count */
				pit_freeze(p, c, 0);
		} else {
			c->write_hi = 0;
			pit_count_written(p, c, c->write_lo | (uint32_t)v << 8);
		}
		break;
	}
}

static uint8_t pit_data_read(struct pit *p, int k)
{
	struct pit_channel *c = &p->ch[k];
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	uint16_t v;
	if (c->latched) {
		v = c->latch;
		if (c->access == 3 && c->latched == 2) {
			c->latched = 1;
			return v & 0xff;
		}
		c->latched = 0;
		return (uint8_t)(c->access == 2 || c->access == 3 ? v >> 8 : v);
	}
	uint32_t n = pit_count(p, k);
	v = (uint16_t)(c->bcd ? to_bcd(n) : n);
	switch (c->access) {
	case 1:
		return v & 0xff;
	case 2:
		return v >> 8;
	default:
		c->read_hi ^= 1;
		return c->read_hi ? (v & 0xff) : (v >> 8);
	}
}

static void pit_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct pit *p = opaque;
	if (is_write) {
		if (addr == 3)
			pit_control(p, (uint8_t)*data);
		else
			pit_data_write(p, &p->ch[addr], (uint8_t)*data);
		pit_update_irq(p);
	} else {
		*data = addr == 3 ? 0xff : pit_data_read(p, addr);   /* the control port is write-only */
	}
}

/* GATE input of channel k changed. */
static void pit_set_gate(struct pit *p, int k, int level)
{
	struct pit_channel *c = &p->ch[k];
	if (!!level == c->gate)
		return;
	c->gate = (uint8_t)!!level;
	switch (c->mode) {
	case 0:
	case 4:  /* GATE disables counting; re-enabling resumes where it stopped */
		if (!level) {
			if (c->running) {
				uint32_t count;
				uint64_t next;
				int out;
				pit_state(c, pit_now(p), &count, &out, &next);
				c->tc = c->tc || (c->mode == 0 ? out : (pit_now(p) - c->start) > c->start_count);
				pit_freeze(p, c, -1);
			}
		} else if (!c->null_count || c->reload) {
			pit_start(p, c, c->frozen ? c->frozen : c->reload, c->tc);
		}
		break;
	case 2:
	case 3:  /* GATE low forces OUT high and stops; a rising edge reloads and restarts */
		if (!level)
			pit_freeze(p, c, 1);
		else if (c->reload)
			pit_start(p, c, c->reload, 0);
		break;
	default: /* 1, 5: a rising edge (re)triggers */
		if (level && c->reload)
			pit_start(p, c, c->reload, 0);
		break;
	}
}

/* Port 0x61: bit 0 channel 2 gate, bit 1 speaker data enable, bits 2-3 parity/IOCHK check enables;
 * reads add bit 4, which toggles with every DRAM refresh request (channel 1's OUT, every 18 input ticks
 * = 15.09 us, the delay loop some BIOS-era code spins on), and bit 5, channel 2's OUT. */
static void pit_port61(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct pit *p = opaque;
	if (is_write) {
		p->port61 = *data & 0x0f;
		pit_set_gate(p, 2, *data & 1);
	} else {
		uint32_t refresh = (uint32_t)(pit_now(p) / 18) & 1;
		*data = p->port61 | refresh << 4 | (uint32_t)pit_out(p, 2) << 5;
	}
}

/* Reset leaves the PIT as a PC BIOS programs it during POST, since revisor boots without one: channel
 * 0 in mode 3 with count 65536 (IRQ0 at 18.2 Hz, the BIOS tick), counting from the reset instant; the
 * other channels unprogrammed.  A kernel that unmasks IRQ0 without touching the PIT gets the ticks it
 * would get on a PC or under QEMU. */
void pit_reset(struct pit *p)
{
	vtimer_disarm(p->m, &p->timer);
	for (int k = 0; k < 3; k++) {
		struct pit_channel *c = &p->ch[k];
		*c = (struct pit_channel){ .gate = k != 2, .access = 3, .out_frozen = 0, .null_count = 1 };
	}
	p->port61 = 0;
	struct pit_channel *c0 = &p->ch[0];
	c0->mode = 3;
	c0->reload = 65536;
	pit_start(p, c0, 65536, 0);
	c0->out_level = 1;
	irq_set(&p->irq0, 1);
	pit_update_irq(p);
}

struct pit *pit_new(struct machine *m)
{
	struct pit *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->m = m;
	p->timer = (struct vtimer){ .deadline = UINT64_MAX, .fire = pit_timer_fire, .opaque = p };
	pit_reset(p);
	bus_register(m, BUS_PIO, 0x40, 4, pit_io, p, "pit");
	bus_register(m, BUS_PIO, 0x61, 1, pit_port61, p, "port61");
	return p;
}

void pit_free(struct pit *p)
{
	if (p)
		vtimer_disarm(p->m, &p->timer);
	free(p);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the PIT (snapshot.h).  Every device does it the same way: copy the struct, blank its
 * wiring (the machine pointer, interrupt lines, callbacks, a timer's links and callback) in the copy,
 * save the copy; on load, read the copy and put the live wiring back before installing it.  Wiring
 * is host plumbing, not guest state, and blanking it keeps host addresses out of state hashes.  A
 * timer's arming is restored by the machine snapshot, which keeps the timer list in order. */
void pit_snapshot(struct pit *p, struct snap *s)
{
	struct pit st;

	memcpy(&st, p, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.irq0, 0, sizeof st.irq0);
	snap_unwire_timer(&st.timer);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = p->m;
	st.irq0 = p->irq0;
	st.timer = p->timer;
	memcpy(p, &st, sizeof st);
}
