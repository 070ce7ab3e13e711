/* SPDX-License-Identifier: MIT
 *
 * vclock.h — the virtual clock every device time base derives from.
 *
 * Determinism contract: a device never reads host time.  Time is the CPU's retired-instruction count
 * (m->cpu.icount), and the CPU is defined to run at a fixed virtual rate of REVISOR_VIRT_HZ instructions per
 * second: one retired instruction is one virtual nanosecond.  A device clock of `hz` ticks per second
 * has therefore ticked exactly floor(icount * hz / REVISOR_VIRT_HZ) times at instruction count icount;
 * counting ticks from instruction 0 (an absolute grid) rather than adding rounded periods means device
 * clocks never drift, whatever the phase at which a guest programs them.
 *
 * Virtual frequencies used by the PC devices:
 *   CPU / TSC / LAPIC bus clock  1 000 000 000 Hz  (LAPIC timer = bus clock / divide configuration)
 *   8254 PIT input clock             1 193 182 Hz  (the PC's 14.31818 MHz crystal / 12)
 *   MC146818 RTC                             1 Hz  time of day; 32 768 Hz base for periodic interrupts
 *
 * Products are computed in 128-bit arithmetic so they are exact for any 64-bit instruction count.
 */
#ifndef REVISOR_DEV_VCLOCK_H
#define REVISOR_DEV_VCLOCK_H

#include <stdint.h>

#define REVISOR_VIRT_HZ  1000000000ull   /* retired instructions per virtual second */
#define PIT_HZ           1193182ull      /* 8254 input clock */
#define RTC_BASE_HZ      32768ull        /* MC146818 time base (divider setting 010) */

/* Ticks of a `hz` clock completed by instruction count icount. */
static inline uint64_t vclock_ticks(uint64_t icount, uint64_t hz)
{
	return (uint64_t)(((unsigned __int128)icount * hz) / REVISOR_VIRT_HZ);
}

/* The first instruction count at which `ticks` ticks of a `hz` clock have completed
 * (the inverse of vclock_ticks: vclock_ticks(vclock_at(t, hz), hz) >= t, and one instruction earlier
 * it is < t). */
static inline uint64_t vclock_at(uint64_t ticks, uint64_t hz)
{
	unsigned __int128 p = (unsigned __int128)ticks * REVISOR_VIRT_HZ;
	return (uint64_t)((p + hz - 1) / hz);
}

#endif
