/* SPDX-License-Identifier: MIT
 *
 * cmos.c — MC146818 RTC and CMOS RAM.  The clock is not a counter that something increments: the
 * current time is computed when the guest reads it, as base_time + whole virtual seconds elapsed since
 * base_icount.  Registers 0x00-0x09 (and the century byte) are refreshed from that value on every read
 * and converted to BCD or binary, 12- or 24-hour format, as status register B asks.  A guest that sets
 * the clock (writing the time registers, usually with B.SET held) moves base_time; the phase of the
 * second is kept, so update-ended interrupts stay one virtual second apart.
 *
 * Status register A's UIP bit is set during the last 244 us before each update (datasheet: "UIP ...
 * set 244 us before the update cycle begins"), so guests that wait for UIP to fall see the same
 * sequence on every run.  Update-ended (UF), alarm (AF) and periodic (PF) flags are set by virtual
 * timers; IRQ8 is asserted while an enabled flag is set and drops when register C is read.
 */
#include <stdlib.h>
#include <string.h>
#include "dev/cmos.h"
#include "snapshot.h"
#include "dev/vclock.h"

#define UIP_WINDOW 244000ull    /* 244 us in virtual nanoseconds (= instructions) */

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ------------------------------ */
/* The year is split into 400-year eras of 146097 days; months are counted from March so that the leap
 * day is the last day of the (shifted) year and month lengths follow the 153/5 pattern. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- register encoding ------------------------------------------------------------------------------ */
static int binary_mode(const struct cmos *c)
{
	return c->ram[CMOS_B] & CMOS_B_DM;
}

static uint8_t enc(const struct cmos *c, int v)
{
	return binary_mode(c) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int dec(const struct cmos *c, uint8_t v)
{
	return binary_mode(c) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t enc_hour(const struct cmos *c, int h)
{
	if (c->ram[CMOS_B] & CMOS_B_24H)
		return enc(c, h);
	int h12 = h % 12 ? h % 12 : 12;      /* 0 -> 12 AM, 12 -> 12 PM */
	return enc(c, h12) | (h >= 12 ? 0x80 : 0);
}

static int dec_hour(const struct cmos *c, uint8_t v)
{
	if (c->ram[CMOS_B] & CMOS_B_24H)
		return dec(c, v);
	return dec(c, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

int64_t cmos_time(struct cmos *c)
{
	uint64_t elapsed = c->m->cpu.icount - c->base_icount;
	return c->base_time + (int64_t)(elapsed / REVISOR_VIRT_HZ);
}

/* Write the clock's current time into the time registers. */
static void cmos_store_time(struct cmos *c, int64_t t)
{
	int64_t days = floor_div(t, 86400), secs = t - days * 86400, year;
	int mon, mday;
	civil_from_days(days, &year, &mon, &mday);
	c->ram[CMOS_SEC] = enc(c, (int)(secs % 60));
	c->ram[CMOS_MIN] = enc(c, (int)(secs / 60 % 60));
	c->ram[CMOS_HOUR] = enc_hour(c, (int)(secs / 3600));
	c->ram[CMOS_WDAY] = enc(c, (int)((days % 7 + 11) % 7) + 1);   /* 1970-01-01 was a Thursday (5) */
	c->ram[CMOS_MDAY] = enc(c, mday);
	c->ram[CMOS_MONTH] = enc(c, mon);
	c->ram[CMOS_YEAR] = enc(c, (int)(year % 100));
	c->ram[CMOS_CENTURY] = enc(c, (int)(year / 100));
}

/* The time the registers describe (after a guest wrote them). */
static int64_t cmos_load_time(struct cmos *c)
{
	int64_t year = dec(c, c->ram[CMOS_CENTURY]) * 100 + dec(c, c->ram[CMOS_YEAR]);
	int64_t days = days_from_civil(year, dec(c, c->ram[CMOS_MONTH]), dec(c, c->ram[CMOS_MDAY]));
	return days * 86400 + dec_hour(c, c->ram[CMOS_HOUR]) * 3600 + dec(c, c->ram[CMOS_MIN]) * 60 +
	       dec(c, c->ram[CMOS_SEC]);
}

static int is_time_reg(unsigned r)
{
	return r == CMOS_SEC || r == CMOS_MIN || r == CMOS_HOUR || (r >= CMOS_WDAY && r <= CMOS_YEAR) ||
	       r == CMOS_CENTURY;
}

/* Restart the clock at `t`, keeping the phase of the current second. */
static void cmos_set_clock(struct cmos *c, int64_t t)
{
	uint64_t now = c->m->cpu.icount;
	uint64_t phase = (now - c->base_icount) % REVISOR_VIRT_HZ;
	c->base_icount = now - phase;
	c->base_time = t;
}

/* ---- interrupts ------------------------------------------------------------------------------------- */
static void cmos_update_irq(struct cmos *c)
{
	uint8_t b = c->ram[CMOS_B], f = c->ram[CMOS_C];
	int level = ((f & 0x40) && (b & CMOS_B_PIE)) || ((f & 0x20) && (b & CMOS_B_AIE)) ||
		    ((f & 0x10) && (b & CMOS_B_UIE));
	if (level)
		c->ram[CMOS_C] |= 0x80;   /* IRQF */
	if (level != c->irq_level) {
		c->irq_level = (uint8_t)level;
		irq_set(&c->irq, level);
	}
}

/* An alarm byte with its two top bits set is "don't care" (datasheet, "Alarm"). */
static int alarm_match(uint8_t alarm, uint8_t now)
{
	return (alarm & 0xc0) == 0xc0 || alarm == now;
}

/* End of an update cycle, once per virtual second while SET is clear. */
static void cmos_update_fire(void *opaque)
{
	struct cmos *c = opaque;
	c->next_update += REVISOR_VIRT_HZ;
	vtimer_arm(c->m, &c->update_timer, c->next_update);
	if (c->ram[CMOS_B] & CMOS_B_SET)
		return;
	cmos_store_time(c, cmos_time(c));
	c->ram[CMOS_C] |= 0x10;   /* UF */
	if (alarm_match(c->ram[CMOS_SEC_ALARM], c->ram[CMOS_SEC]) &&
	    alarm_match(c->ram[CMOS_MIN_ALARM], c->ram[CMOS_MIN]) &&
	    alarm_match(c->ram[CMOS_HOUR_ALARM], c->ram[CMOS_HOUR]))
		c->ram[CMOS_C] |= 0x20;   /* AF */
	cmos_update_irq(c);
}

/* Periodic interrupt period in 32 768 Hz ticks; 0 = off.  Rate selects 1 and 2 are the datasheet's odd
 * 3.90625 ms and 7.8125 ms; 3..15 give 32768 >> (rate - 1) Hz. */
static uint64_t periodic_ticks(const struct cmos *c)
{
	unsigned rate = c->ram[CMOS_A] & 0x0f;
	if (rate == 0)
		return 0;
	if (rate < 3)
		return 1ull << (rate + 6);
	return 1ull << (rate - 1);
}

static void cmos_arm_periodic(struct cmos *c)
{
	uint64_t per = periodic_ticks(c);
	if (!per || !(c->ram[CMOS_B] & CMOS_B_PIE)) {
		vtimer_disarm(c->m, &c->periodic_timer);
		return;
	}
	vtimer_arm(c->m, &c->periodic_timer, vclock_at(c->periodic_k * per, RTC_BASE_HZ));
}

static void cmos_periodic_fire(void *opaque)
{
	struct cmos *c = opaque;
	c->ram[CMOS_C] |= 0x40;   /* PF */
	c->periodic_k++;
	cmos_arm_periodic(c);
	cmos_update_irq(c);
}

/* (Re)start the periodic grid at the next period boundary of the absolute 32 768 Hz clock. */
static void cmos_restart_periodic(struct cmos *c)
{
	uint64_t per = periodic_ticks(c);
	if (per)
		c->periodic_k = vclock_ticks(c->m->cpu.icount, RTC_BASE_HZ) / per + 1;
	cmos_arm_periodic(c);
}

/* ---- ports -------------------------------------------------------------------------------------------- */
static uint8_t cmos_read(struct cmos *c, unsigned r)
{
	uint8_t v;
	if (is_time_reg(r) && !(c->ram[CMOS_B] & CMOS_B_SET))
		cmos_store_time(c, cmos_time(c));
	switch (r) {
	case CMOS_A:
		v = c->ram[CMOS_A] & 0x7f;
		if (!(c->ram[CMOS_B] & CMOS_B_SET) &&
		    (c->m->cpu.icount - c->base_icount) % REVISOR_VIRT_HZ >= REVISOR_VIRT_HZ - UIP_WINDOW)
			v |= CMOS_A_UIP;
		return v;
	case CMOS_C:
		v = c->ram[CMOS_C];
		c->ram[CMOS_C] = 0;      /* reading C clears every flag and releases IRQ8 */
		cmos_update_irq(c);
		return v;
	default:
		return c->ram[r];
	}
}

static void cmos_write(struct cmos *c, unsigned r, uint8_t v)
{
	uint8_t old_b = c->ram[CMOS_B];
	switch (r) {
	case CMOS_A:
		c->ram[CMOS_A] = v & 0x7f;   /* UIP is read-only */
		cmos_restart_periodic(c);
		break;
	case CMOS_B:
		if (v & CMOS_B_SET)
			v &= ~CMOS_B_UIE;        /* SET clears UIE (datasheet, register B bit 7) */
		if ((old_b & CMOS_B_SET) && !(v & CMOS_B_SET)) {
			c->ram[CMOS_B] = v;
			cmos_set_clock(c, cmos_load_time(c));   /* the clock resumes from what was written */
		} else if (!(old_b & CMOS_B_SET) && (v & CMOS_B_SET)) {
			cmos_store_time(c, cmos_time(c));      /* freeze the registers at the current time */
		}
		if ((old_b ^ v) & (CMOS_B_DM | CMOS_B_24H)) {
			/* The format changed: the stored bytes are rewritten in the new one (the chip
			 * would not, but the next update would show the clock in the new format). */
			int64_t t = (old_b & CMOS_B_SET) ? cmos_load_time(c) : cmos_time(c);
			c->ram[CMOS_B] = v;
			cmos_store_time(c, t);
		}
		c->ram[CMOS_B] = v;
		if ((old_b ^ v) & CMOS_B_PIE)
			cmos_restart_periodic(c);
		cmos_update_irq(c);
		break;
	case CMOS_C:
	case CMOS_D:
		break;                       /* read-only */
	default:
		if (is_time_reg(r) && !(c->ram[CMOS_B] & CMOS_B_SET)) {
			cmos_store_time(c, cmos_time(c));
			c->ram[r] = v;
			cmos_set_clock(c, cmos_load_time(c));
		} else {
			c->ram[r] = v;
		}
		break;
	}
}

static void cmos_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct cmos *c = opaque;
	if (addr == 0) {
		if (is_write) {
			c->index = *data & 0x7f;
			c->nmi_masked = (*data >> 7) & 1;
		} else {
			*data = 0xff;            /* the index port is write-only */
		}
	} else if (is_write) {
		cmos_write(c, c->index, (uint8_t)*data);
	} else {
		*data = cmos_read(c, c->index);
	}
}

/* The RESET pin: clears the interrupt enables and flags, leaves the clock and RAM alone. */
void cmos_reset(struct cmos *c)
{
	c->ram[CMOS_B] &= ~(CMOS_B_PIE | CMOS_B_AIE | CMOS_B_UIE | 0x08 /* SQWE */);
	c->ram[CMOS_C] = 0;
	c->index = 0;
	c->nmi_masked = 0;
	vtimer_disarm(c->m, &c->periodic_timer);
	c->irq_level = 0;
	irq_set(&c->irq, 0);
}

static void cmos_set16(struct cmos *c, unsigned r, uint32_t v)
{
	c->ram[r] = v & 0xff;
	c->ram[r + 1] = (v >> 8) & 0xff;
}

struct cmos *cmos_new(struct machine *m, int64_t start_time, uint32_t ram_bytes)
{
	struct cmos *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->m = m;
	c->update_timer = (struct vtimer){ .deadline = UINT64_MAX, .fire = cmos_update_fire, .opaque = c };
	c->periodic_timer = (struct vtimer){ .deadline = UINT64_MAX, .fire = cmos_periodic_fire, .opaque = c };
	/* The clock reads start_time at instruction 0 (the machine's creation, before the first
	 * instruction); if the device is created later, the elapsed virtual time is already counted. */
	c->base_time = start_time;
	c->base_icount = 0;
	c->ram[CMOS_A] = 0x26;            /* 32.768 kHz time base, 1024 Hz periodic rate (BIOS default) */
	c->ram[CMOS_B] = CMOS_B_24H;      /* 24-hour, BCD */
	c->ram[CMOS_D] = 0x80;            /* VRT: the battery is fine */
	c->ram[0x14] = 0x02;              /* equipment byte: math coprocessor present, VGA/EGA display */
	uint32_t kib = ram_bytes / 1024;
	cmos_set16(c, CMOS_BASEMEM_LO, 640);
	uint32_t ext = kib > 1024 ? kib - 1024 : 0;
	cmos_set16(c, CMOS_EXTMEM_LO, ext > 0xffff ? 0xffff : ext);
	cmos_set16(c, CMOS_EXTMEM2_LO, ext > 0xffff ? 0xffff : ext);
	uint32_t hi = ram_bytes > (16u << 20) ? (ram_bytes - (16u << 20)) >> 16 : 0;
	cmos_set16(c, CMOS_HIMEM_LO, hi > 0xffff ? 0xffff : hi);
	cmos_store_time(c, cmos_time(c));
	c->next_update = c->base_icount +
		((m->cpu.icount - c->base_icount) / REVISOR_VIRT_HZ + 1) * REVISOR_VIRT_HZ;
	vtimer_arm(m, &c->update_timer, c->next_update);
	cmos_reset(c);
	bus_register(m, BUS_PIO, 0x70, 2, cmos_io, c, "cmos");
	return c;
}

void cmos_free(struct cmos *c)
{
	if (c) {
		vtimer_disarm(c->m, &c->update_timer);
		vtimer_disarm(c->m, &c->periodic_timer);
	}
	free(c);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the RTC and CMOS RAM (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void cmos_snapshot(struct cmos *c, struct snap *s)
{
	struct cmos st;

	memcpy(&st, c, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.irq, 0, sizeof st.irq);
	snap_unwire_timer(&st.update_timer);
	snap_unwire_timer(&st.periodic_timer);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = c->m;
	st.irq = c->irq;
	st.update_timer = c->update_timer;
	st.periodic_timer = c->periodic_timer;
	memcpy(c, &st, sizeof st);
}
