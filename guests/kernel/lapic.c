/* SPDX-License-Identifier: MIT
 *
 * lapic.c — the local APIC: this CPU's interrupt controller and its timer (Intel SDM vol. 3A, ch. 10).
 *
 * The registers are memory-mapped, one 32-bit register every 16 bytes from lapic_addr (table 10-1).
 * We enable the APIC through the spurious-interrupt vector register (10.9), mask the LINT0/LINT1
 * inputs (we don't use the 8259 "virtual wire"), and program the timer (10.5.4) in periodic mode:
 * it counts down from the initial-count register once every `divide` bus clocks, raises VEC_TIMER at
 * zero and reloads.  Every timer interrupt is a chance for the scheduler to preempt the running process.
 *
 * The bus clock rate is not architectural, so we measure it against the 8254 PIT, whose input clock
 * is always 1 193 182 Hz: let both count for ~2 ms and compare.  On revisor the bus clock is defined as
 * one tick per retired instruction (1 GHz virtual), so the timer period is an exact instruction count
 * and preemption points are the same on every run — the property record/replay builds on.
 */
#include "defs.h"

#define LAPIC_ID       0x020
#define LAPIC_VER      0x030
#define LAPIC_TPR      0x080   /* task priority: 0 accepts every vector */
#define LAPIC_EOI      0x0B0
#define LAPIC_SVR      0x0F0   /* spurious vector; bit 8 = APIC software enable */
#define LAPIC_ESR      0x280   /* error status */
#define LAPIC_LVT_TMR  0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERR  0x370
#define LAPIC_TMR_INIT 0x380   /* initial count */
#define LAPIC_TMR_CUR  0x390   /* current count */
#define LAPIC_TMR_DIV  0x3E0   /* divide configuration */

#define SVR_ENABLE     0x100
#define LVT_MASKED     0x10000
#define LVT_PERIODIC   0x20000
#define DIV_BY_1       0xB     /* divide configuration encoding for "divide by 1" (figure 10-10) */

#define PIT_HZ         1193182
#define PIT_CAL_TICKS  2386    /* 2 ms of PIT input clock */

uint32_t timer_hz;             /* the rate we actually got */
static uint32_t bus_hz;

static uint32_t lapic_read(uint32_t reg) { return mmio_read(lapic_addr + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write(lapic_addr + reg, v); }

/* PIT channel 0's current count: latch it (control word 0x00), then read low and high bytes. */
static uint16_t pit_count(void)
{
	outb(0x43, 0x00);
	uint8_t lo = inb(0x40);
	return (uint16_t)(lo | inb(0x40) << 8);
}

/* How many APIC bus clocks happen per second, measured against the PIT. */
static uint32_t measure_bus_hz(void)
{
	outb(0x43, 0x34);                   /* channel 0, low then high byte, mode 2 (rate generator) */
	outb(0x40, 0);                      /* count 65536: it wraps every 55 ms, we poll far faster */
	outb(0x40, 0);

	lapic_write(LAPIC_TMR_DIV, DIV_BY_1);
	lapic_write(LAPIC_LVT_TMR, LVT_MASKED);          /* one-shot, no interrupt: just a counter */
	uint16_t prev = pit_count();
	lapic_write(LAPIC_TMR_INIT, 0xFFFFFFFF);
	uint32_t elapsed = 0;
	while (elapsed < PIT_CAL_TICKS) {
		uint16_t now = pit_count();
		elapsed += (uint16_t)(prev - now);   /* the PIT counts down, modulo 65536 */
		prev = now;
	}
	uint32_t used = 0xFFFFFFFF - lapic_read(LAPIC_TMR_CUR);
	lapic_write(LAPIC_TMR_INIT, 0);                  /* stop the APIC timer ... */
	outb(0x43, 0x30);                                /* ... and the PIT (mode 0, no count: it waits) */
	return (uint32_t)((uint64_t)used * PIT_HZ / elapsed);
}

void lapic_init(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERR, VEC_ERROR);
	lapic_write(LAPIC_ESR, 0);                       /* the ESR is updated by a write (10.5.3) */
	lapic_write(LAPIC_ESR, 0);

	bus_hz = measure_bus_hz();
	uint32_t count = bus_hz / TIMER_HZ;
	if (count == 0)
		count = 1;
	timer_hz = bus_hz / count;
	lapic_write(LAPIC_TMR_DIV, DIV_BY_1);
	lapic_write(LAPIC_LVT_TMR, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TMR_INIT, count);

	lapic_write(LAPIC_EOI, 0);                       /* retire anything still in service */
	lapic_write(LAPIC_TPR, 0);
	printf("  local APIC: id %d, version 0x%x, bus clock %u kHz, timer periodic at %u Hz"
	       " (every %u bus clocks) on vector 0x%x\n", lapic_read(LAPIC_ID) >> 24, lapic_read(LAPIC_VER) & 0xFF,
	       bus_hz / 1000, timer_hz, count, VEC_TIMER);
}

/* Signal end of interrupt, so the APIC will deliver the next one of equal or lower priority. */
void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}
