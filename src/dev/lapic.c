/* SPDX-License-Identifier: MIT
 *
 * lapic.c — the local APIC (SDM vol. 3A, chapter 10).  Three pieces:
 *
 *  1. The register file (10.4.1, table 10-1), one 32-bit register every 16 bytes of the page.
 *  2. Interrupt acceptance and priority (10.8): an accepted fixed interrupt sets its bit in IRR (and
 *     in TMR if it was level-triggered).  The processor priority PPR is the larger of TPR and the
 *     priority class of the highest in-service vector (10.8.3.1); the highest IRR vector is delivered
 *     only if its class (vector / 16) is above PPR's class.  Delivering moves it from IRR to ISR; a
 *     write to EOI retires the highest ISR bit (10.8.5) and, for a level-triggered vector, tells the
 *     I/O APIC (EOI broadcast) so it can clear its remote-IRR bit.
 *  3. The timer (10.5.4): counts down from the initial count once every `divide` bus clocks; at zero it
 *     raises the LVT timer vector and, in periodic mode, reloads.  Our bus clock is the 1 GHz virtual
 *     clock, so expiry instants are exact instruction counts and the current count is computed, never
 *     stepped.  TSC-deadline mode is not implemented (we do not advertise it in CPUID); it behaves
 *     as one-shot.
 *
 * Reset state: as a BIOS leaves a uniprocessor PC in "virtual wire mode" (MP spec 3.6.2.2, and what
 * QEMU does): APIC software-disabled (SVR = 0xFF), LINT0 unmasked with delivery mode ExtINT so the PIC's
 * INT reaches the CPU, LINT1 as NMI, the other LVT entries masked.  A kernel that ignores the APIC thus
 * gets PIC interrupts; one that uses it programs it from there.  While the APIC is software-disabled,
 * every LVT entry's mask bit is forced on when written (10.4.7.2), and IRR vectors are held.
 */
#include <stdlib.h>
#include <string.h>
#include "dev/lapic.h"
#include "snapshot.h"

#define APIC_VERSION  0x00050014u   /* version 0x14 (integrated APIC), max LVT entry 5 (6 entries) */
#define SVR_ENABLE    0x100u
#define LVT_MASKED    0x10000u
#define LVT_LEVEL     0x8000u
#define LVT_DM(v)     (((v) >> 8) & 7)
#define TIMER_PERIODIC 0x20000u
#define ICR_DEST_LOGICAL 0x800u
#define ICR_LEVEL_ASSERT 0x4000u
#define ICR_TRIGGER_LEVEL 0x8000u
#define ESR_SEND_ILLEGAL 0x20u
#define ESR_RECV_ILLEGAL 0x40u
#define ESR_ILLEGAL_REG  0x80u
#define APIC_BASE_ENABLE 0x800u

/* Writable bits of each LVT entry (10.5.1, figure 10-8). */
static const uint32_t lvt_wmask[LVT_COUNT] = {
	[LVT_TIMER]   = 0x000700ff,   /* vector, mask, timer mode */
	[LVT_THERMAL] = 0x000107ff,   /* vector, delivery mode, mask */
	[LVT_PERF]    = 0x000107ff,
	[LVT_LINT0]   = 0x0001a7ff,   /* vector, delivery mode, polarity, trigger mode, mask */
	[LVT_LINT1]   = 0x0001a7ff,
	[LVT_ERROR]   = 0x000100ff,   /* vector, mask */
};

/* ---- 256-bit registers -------------------------------------------------------------------------------- */
static int vec_test(const uint32_t *r, int v) { return (r[v >> 5] >> (v & 31)) & 1; }
static void vec_set(uint32_t *r, int v) { r[v >> 5] |= 1u << (v & 31); }
static void vec_clear(uint32_t *r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }

static int vec_highest(const uint32_t *r)
{
	for (int w = 7; w >= 0; w--)
		if (r[w])
			return w * 32 + 31 - __builtin_clz(r[w]);
	return -1;
}

/* ---- state queries -------------------------------------------------------------------------------------- */
static int hw_enabled(const struct lapic *l)
{
	return (l->m->cpu.apic_base & APIC_BASE_ENABLE) != 0;
}

static int sw_enabled(const struct lapic *l)
{
	return (l->svr & SVR_ENABLE) != 0;
}

uint32_t lapic_ppr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	return (l->tpr & 0xf0) >= isr_class ? (l->tpr & 0xff) : isr_class;
}

/* The vector lapic_ack would deliver from IRR, or -1. */
static int lapic_deliverable(const struct lapic *l)
{
	if (!hw_enabled(l) || !sw_enabled(l))
		return -1;
	int v = vec_highest(l->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

/* LINT0 passes the PIC's INT straight through when programmed as ExtINT (or when the APIC is globally
 * disabled, which on real hardware is the 82489DX-era bypass; with the APIC off the pin is INTR). */
static int extint_pending(const struct lapic *l)
{
	if (!l->lint_level[0])
		return 0;
	if (!hw_enabled(l))
		return 1;
	uint32_t lvt = l->lvt[LVT_LINT0];
	return !(lvt & LVT_MASKED) && LVT_DM(lvt) == APIC_DM_EXTINT;
}

int lapic_output(const struct lapic *l)
{
	return l->out_level;
}

static void lapic_update(struct lapic *l)
{
	int level = lapic_deliverable(l) >= 0 || extint_pending(l);
	if (level != l->out_level) {
		l->out_level = (uint8_t)level;
		irq_set(&l->out, level);
	}
}

/* ---- acceptance ------------------------------------------------------------------------------------------ */
static void lapic_error(struct lapic *l, uint32_t bits);

/* A fixed interrupt arrives (from an LVT entry, an IPI, or the I/O APIC). */
static void lapic_accept(struct lapic *l, int vector, int level_trig)
{
	if (vector < 16) {
		/* Vectors 0-15 are reserved for exceptions: the APIC refuses them (10.5.3). */
		lapic_error(l, ESR_RECV_ILLEGAL);
		return;
	}
	vec_set(l->irr, vector);
	if (level_trig)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	lapic_update(l);
}

/* Raise an interrupt through a local vector table entry, unless it is masked. */
static void lapic_lvt_fire(struct lapic *l, int entry)
{
	uint32_t lvt = l->lvt[entry];
	if (lvt & LVT_MASKED)
		return;
	lapic_accept(l, lvt & 0xff, 0);
}

/* Record an error; a new error raises the error LVT's interrupt (10.5.3). */
static void lapic_error(struct lapic *l, uint32_t bits)
{
	uint32_t fresh = bits & ~l->esr_pending;
	l->esr_pending |= bits;
	if (fresh && !(l->lvt[LVT_ERROR] & LVT_MASKED) && (l->lvt[LVT_ERROR] & 0xff) >= 16)
		lapic_lvt_fire(l, LVT_ERROR);
}

static void pulse_nmi(struct lapic *l)
{
	irq_pulse(&l->nmi);
}

void lapic_set_lint(struct lapic *l, int pin, int level)
{
	level = !!level;
	int rising = level && !l->lint_level[pin];
	l->lint_level[pin] = (uint8_t)level;
	uint32_t lvt = l->lvt[pin ? LVT_LINT1 : LVT_LINT0];
	if (rising && hw_enabled(l) && !(lvt & LVT_MASKED)) {
		if (LVT_DM(lvt) == APIC_DM_NMI)
			pulse_nmi(l);
		else if (LVT_DM(lvt) == APIC_DM_FIXED)
			lapic_accept(l, lvt & 0xff, 0);
	}
	lapic_update(l);   /* ExtINT follows the level */
}

static void lint_line_set(void *opaque, int n, int level)
{
	lapic_set_lint(opaque, n, level);
}

struct irq_line lapic_lint_line(struct lapic *l, int pin)
{
	return irq_line_make(lint_line_set, l, pin);
}

/* Does a destination (physical APIC ID or logical bitmap) name this APIC?  (10.6.2) */
static int lapic_match(const struct lapic *l, uint8_t dest, int logical)
{
	if (dest == 0xff)
		return 1;   /* broadcast in both modes */
	if (!logical)
		return dest == (l->id >> 24);
	uint8_t ldr = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf)                  /* flat model: a bitmap of 8 APICs */
		return (ldr & dest) != 0;
	/* cluster model: high nibble the cluster, low nibble a bitmap within it */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0x0f) != 0;
}

static void lapic_receive(struct lapic *l, const struct apic_msg *msg)
{
	switch (msg->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:   /* with one processor, the lowest-priority one is this one */
		lapic_accept(l, msg->vector, msg->level_trig);
		break;
	case APIC_DM_NMI:
		pulse_nmi(l);
		break;
	case APIC_DM_INIT:
		/* INIT resets the processor (10.6.1); with one CPU that is a machine reset. */
		l->m->stop = STOP_RESET;
		break;
	default:           /* STARTUP (not waiting for one), SMI (no SMM), ExtINT messages: ignored */
		break;
	}
}

int lapic_deliver(void *opaque, const struct apic_msg *msg)
{
	struct lapic *l = opaque;
	if (!hw_enabled(l) || !lapic_match(l, msg->dest, msg->logical))
		return 0;
	lapic_receive(l, msg);
	return 1;
}

/* An ICR low write sends the IPI (10.6.1). */
static void lapic_send_ipi(struct lapic *l)
{
	uint32_t lo = l->icr_lo;
	struct apic_msg msg = {
		.vector = lo & 0xff,
		.mode = LVT_DM(lo),
		.dest = l->icr_hi >> 24,
		.logical = (lo & ICR_DEST_LOGICAL) != 0,
		.level_trig = 0,   /* IPIs are edge-triggered except INIT level de-assert */
	};
	int self;
	switch ((lo >> 18) & 3) {
	case 0: self = lapic_match(l, msg.dest, msg.logical); break;   /* destination field */
	case 1: self = 1; break;                                        /* self */
	case 2: self = 1; break;                                        /* all including self */
	default: self = 0; break;                                       /* all excluding self */
	}
	if ((msg.mode == APIC_DM_FIXED || msg.mode == APIC_DM_LOWEST) && msg.vector < 16) {
		lapic_error(l, ESR_SEND_ILLEGAL);
		return;
	}
	/* INIT "level de-assert" (trigger level, level 0) only synchronises arbitration IDs: no effect. */
	if (msg.mode == APIC_DM_INIT && (lo & ICR_TRIGGER_LEVEL) && !(lo & ICR_LEVEL_ASSERT))
		return;
	if (self)
		lapic_receive(l, &msg);
}

/* ---- timer -------------------------------------------------------------------------------------------------- */
/* Divide configuration (10.5.4, figure 10-10): bits 0, 1 and 3 encode 2, 4, ... 128, and 0b111 = 1. */
static uint64_t timer_divide(const struct lapic *l)
{
	unsigned code = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);
	return code == 7 ? 1 : 2ull << code;
}

static int timer_periodic(const struct lapic *l)
{
	return (l->lvt[LVT_TIMER] & TIMER_PERIODIC) != 0;   /* mode 01 (10 = TSC deadline: one-shot) */
}

uint32_t lapic_timer_current(const struct lapic *l)
{
	if (!l->timer_initial)
		return 0;
	uint64_t ticks = (l->m->cpu.icount - l->timer_start) / timer_divide(l);
	if (timer_periodic(l))
		return l->timer_initial - (uint32_t)(ticks % l->timer_initial);
	return ticks >= l->timer_initial ? 0 : l->timer_initial - (uint32_t)ticks;
}

/* Arm the vtimer for the next expiry after now, if any. */
static void timer_schedule(struct lapic *l)
{
	uint64_t now = l->m->cpu.icount, period = (uint64_t)l->timer_initial * timer_divide(l);
	uint64_t first = l->timer_start + period;
	l->timer_deadline = UINT64_MAX;
	if (period) {
		if (first > now)
			l->timer_deadline = first;
		else if (timer_periodic(l))
			l->timer_deadline = l->timer_start + ((now - l->timer_start) / period + 1) * period;
	}
	if (l->timer_deadline == UINT64_MAX)
		vtimer_disarm(l->m, &l->timer);
	else
		vtimer_arm(l->m, &l->timer, l->timer_deadline);
}

static void lapic_timer_fire(void *opaque)
{
	struct lapic *l = opaque;
	uint64_t period = (uint64_t)l->timer_initial * timer_divide(l);
	l->timer_deadline = UINT64_MAX;
	lapic_lvt_fire(l, LVT_TIMER);
	if (timer_periodic(l) && period) {
		/* Next period counted from this expiry, not from "now": no drift. */
		uint64_t next = l->timer_start + ((l->m->cpu.icount - l->timer_start) / period + 1) * period;
		l->timer_deadline = next;
		vtimer_arm(l->m, &l->timer, next);
	}
}

/* ---- register file -------------------------------------------------------------------------------------------- */
static void lapic_eoi(struct lapic *l)
{
	int v = vec_highest(l->isr);
	if (v < 0)
		return;
	vec_clear(l->isr, v);
	if (vec_test(l->tmr, v) && l->eoi_broadcast)
		l->eoi_broadcast(l->eoi_opaque, (uint8_t)v);
	lapic_update(l);
}

uint32_t lapic_read(struct lapic *l, uint32_t off)
{
	unsigned reg = off >> 4;
	switch (reg) {
	case 0x02: return l->id;
	case 0x03: return APIC_VERSION;
	case 0x08: return l->tpr;
	case 0x09: return 0;                 /* APR: arbitration is meaningless with one APIC */
	case 0x0a: return lapic_ppr(l);
	case 0x0b: return 0;                 /* EOI is write-only */
	case 0x0c: return 0;                 /* remote read: not supported (never on 0x14 APICs) */
	case 0x0d: return l->ldr;
	case 0x0e: return l->dfr;
	case 0x0f: return l->svr;
	case 0x28: return l->esr;
	case 0x30: return l->icr_lo;         /* delivery status (bit 12) always idle */
	case 0x31: return l->icr_hi;
	case 0x38: return l->timer_initial;
	case 0x39: return lapic_timer_current(l);
	case 0x3e: return l->timer_dcr;
	default:
		if (reg >= 0x10 && reg < 0x18) return l->isr[reg - 0x10];
		if (reg >= 0x18 && reg < 0x20) return l->tmr[reg - 0x18];
		if (reg >= 0x20 && reg < 0x28) return l->irr[reg - 0x20];
		if (reg >= 0x32 && reg < 0x32 + LVT_COUNT) return l->lvt[reg - 0x32];
		lapic_error(l, ESR_ILLEGAL_REG);
		return 0;
	}
}

static void lapic_write_lvt(struct lapic *l, int entry, uint32_t v)
{
	uint32_t old = l->lvt[entry];
	/* Read-only bits (delivery status, remote IRR) are kept; software-disabled forces the mask. */
	l->lvt[entry] = (v & lvt_wmask[entry]) | (old & ~lvt_wmask[entry]);
	if (!sw_enabled(l))
		l->lvt[entry] |= LVT_MASKED;
	if (entry == LVT_TIMER && ((old ^ l->lvt[entry]) & 0x60000))
		timer_schedule(l);   /* one-shot <-> periodic changes when the next expiry is */
}

void lapic_write(struct lapic *l, uint32_t off, uint32_t v)
{
	unsigned reg = off >> 4;
	switch (reg) {
	case 0x02:
		l->id = v & 0xff000000u;
		break;
	case 0x08:
		l->tpr = v & 0xff;
		break;
	case 0x0b:
		lapic_eoi(l);
		break;
	case 0x0d:
		l->ldr = v & 0xff000000u;
		break;
	case 0x0e:
		l->dfr = v | 0x0fffffffu;        /* only the model bits 28-31 are writable */
		break;
	case 0x0f:
		l->svr = v & 0x3ff;              /* vector, software enable, focus checking */
		if (!sw_enabled(l))
			for (int k = 0; k < LVT_COUNT; k++)
				l->lvt[k] |= LVT_MASKED;
		break;
	case 0x28:   /* a write latches the errors seen since the previous write (10.5.3) */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case 0x30:
		l->icr_lo = v & 0x000ccfffu;     /* bit 12 (delivery status) stays 0: delivery is instant */
		lapic_send_ipi(l);
		break;
	case 0x31:
		l->icr_hi = v & 0xff000000u;
		break;
	case 0x38:   /* writing the initial count (re)starts the timer; 0 stops it */
		l->timer_initial = v;
		l->timer_start = l->m->cpu.icount;
		timer_schedule(l);
		break;
	case 0x3e: {
		/* Keep the current count, continue at the new rate from now. */
		uint32_t cur = lapic_timer_current(l);
		l->timer_dcr = v & 0xb;
		if (l->timer_initial && cur) {
			uint64_t done = (uint64_t)(l->timer_initial - cur) * timer_divide(l);
			uint64_t now = l->m->cpu.icount;
			l->timer_start = done <= now ? now - done : 0;
			timer_schedule(l);
		}
		break;
	}
	default:
		if (reg >= 0x32 && reg < 0x32 + LVT_COUNT)
			lapic_write_lvt(l, (int)(reg - 0x32), v);
		else if (reg != 0x03 && reg != 0x09 && reg != 0x0a && reg != 0x0c && reg != 0x39 &&
			 !(reg >= 0x10 && reg < 0x28))
			lapic_error(l, ESR_ILLEGAL_REG);   /* read-only registers ignore writes */
		break;
	}
	lapic_update(l);
}

/* The MMIO window.  Registers are 32 bits wide on 16-byte boundaries; the SDM leaves other accesses
 * undefined (10.4.1): narrower reads return the addressed bytes, narrower writes are ignored. */
static void lapic_mmio(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct lapic *l = opaque;
	if (is_write) {
		if (len == 4 && (addr & 0xf) == 0)
			lapic_write(l, addr, *data);
	} else {
		uint32_t v = (addr & 0xf) < 4 ? lapic_read(l, addr & ~0xfu) : 0;
		*data = v >> ((addr & 3) * 8);
	}
}

/* ---- the INTA cycle ------------------------------------------------------------------------------------- */
int lapic_ack(struct lapic *l)
{
	int v = lapic_deliverable(l);
	if (v >= 0) {
		vec_clear(l->irr, v);
		vec_set(l->isr, v);
		lapic_update(l);
		return v;
	}
	if (extint_pending(l) && l->extint_ack) {
		/* ExtINT: the PIC supplies the vector; nothing is recorded in IRR or ISR (10.5.1). */
		v = l->extint_ack(l->extint_opaque);
		lapic_update(l);
		return v;
	}
	return -1;
}

void lapic_reset(struct lapic *l)
{
	vtimer_disarm(l->m, &l->timer);
	l->id = 0;                        /* the bootstrap processor is APIC 0 */
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	for (int k = 0; k < 8; k++)
		l->irr[k] = l->isr[k] = l->tmr[k] = 0;
	for (int k = 0; k < LVT_COUNT; k++)
		l->lvt[k] = LVT_MASKED;
	l->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;   /* virtual wire mode */
	l->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
	l->timer_initial = 0;
	l->timer_dcr = 0;
	l->timer_start = 0;
	l->timer_deadline = UINT64_MAX;
	lapic_update(l);
}

struct lapic *lapic_new(struct machine *m)
{
	struct lapic *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->m = m;
	l->timer = (struct vtimer){ .deadline = UINT64_MAX, .fire = lapic_timer_fire, .opaque = l };
	lapic_reset(l);
	bus_register(m, BUS_MMIO, LAPIC_BASE, 0x1000, lapic_mmio, l, "lapic");
	return l;
}

void lapic_free(struct lapic *l)
{
	if (l)
		vtimer_disarm(l->m, &l->timer);
	free(l);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the local APIC (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void lapic_snapshot(struct lapic *l, struct snap *s)
{
	struct lapic st;

	memcpy(&st, l, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.extint_ack, 0, sizeof st.extint_ack);
	memset(&st.extint_opaque, 0, sizeof st.extint_opaque);
	memset(&st.eoi_broadcast, 0, sizeof st.eoi_broadcast);
	memset(&st.eoi_opaque, 0, sizeof st.eoi_opaque);
	memset(&st.out, 0, sizeof st.out);
	memset(&st.nmi, 0, sizeof st.nmi);
	snap_unwire_timer(&st.timer);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = l->m;
	st.extint_ack = l->extint_ack;
	st.extint_opaque = l->extint_opaque;
	st.eoi_broadcast = l->eoi_broadcast;
	st.eoi_opaque = l->eoi_opaque;
	st.out = l->out;
	st.nmi = l->nmi;
	st.timer = l->timer;
	memcpy(l, &st, sizeof st);
}
