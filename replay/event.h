/* SPDX-License-Identifier: MIT
 *
 * event.h — the event layer: the one door through which anything nondeterministic enters the guest
 * (the determinism contract of docs/ARCHITECTURE.md).  Devices never read the host; they expose input
 * functions, and this layer calls them at instruction counts it chooses:
 *
 *   - serial bytes typed on the host console (or read from a pipe) → the UART's receiver
 *   - the RTC's starting date (the host clock, once, at boot) → the CMOS
 *
 * In a live run the layer polls the host every EVENT_POLL_INSNS retired instructions (1 ms of virtual
 * time) and whenever the CPU idles.
 *
 * Record/replay attach here (docs/replay.md).  Recording (ev->rec): every input is logged with the
 * instruction count at which it entered the guest — what the UART received and when, not when the host
 * typed it.  Replay (ev->play): the host is never read; the poll timer runs on exactly the schedule it
 * had while recording and hands the guest the logged bytes stamped with the current count, so inputs
 * land at the same instruction, in the same order relative to device timers due at the same count.
 * Both also arm the hash timer: every hash_interval instructions a state hash is logged (recording) or
 * checked against the log (replay).
 */
#ifndef REVISOR_EVENT_H
#define REVISOR_EVENT_H

#include <stdint.h>
#include "machine.h"

#define EVENT_POLL_INSNS 1000000ull

/* Where serial input goes: the platform connects the UART here. */
struct serial_sink {
	int (*room)(void *opaque);               /* how many bytes the receiver can take now */
	void (*put)(void *opaque, uint8_t byte);
	void *opaque;
};

struct events {
	struct machine *m;
	struct vtimer poll_timer;
	struct serial_sink serial;
	int serial_from_console;   /* -serial stdio: read the host console */
	int input_ended;           /* the console reached end of file */
	uint8_t pending[4096];     /* host bytes not yet accepted by the UART */
	unsigned npending;
	uint64_t serial_bytes;     /* statistics: bytes delivered */

	/* record/replay (replay/record.c, replay/replay.c); NULL/0 in a plain run */
	struct recorder *rec;
	struct player *play;
	uint64_t play_pos;         /* replay: index of the next logged event (saved in snapshots) */
	struct vtimer hash_timer;  /* state-hash points, every hash_interval instructions */
	uint64_t hash_interval;
};

void events_init(struct events *ev, struct machine *m, int serial_from_console);
void events_connect_serial(struct events *ev, struct serial_sink sink);
/* The RTC start date: the given value, or the host clock if base < 0 (an input event). */
int64_t events_rtc_base(struct events *ev, int64_t base);
/* The host's cycle counter, for `-tsc host` only (a measuring aid that recording refuses: this input is
 * not logged, so such a run cannot be replayed). */
uint64_t events_host_tsc(struct machine *m);
/* The machine's idle hook: the CPU is halted with nothing armed; wait for host input. */
int events_idle_wait(struct machine *m);
/* Start hash points at every multiple of interval instructions (record and replay). */
void events_start_hashing(struct events *ev, uint64_t interval);

#endif
