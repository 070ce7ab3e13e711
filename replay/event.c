/* SPDX-License-Identifier: MIT
 *
 * event.c — the live side of the event layer (see event.h).  A periodic virtual timer polls the host
 * console without blocking and hands bytes to the UART as fast as its receiver accepts them; when the CPU
 * is halted with nothing else to wake it, events_idle_wait() blocks on the console instead.
 *
 * Recording and replay hook in at the three places an input crosses into the guest: feed_serial() (the
 * bytes the UART accepted, at this instruction count), read_host() seeing the end of the input, and
 * events_rtc_base().  In replay the same places take their input from the log instead of the host.
 */
#include <string.h>
#include <time.h>
#include "console.h"
#include "replay/event.h"
#include "replay/record.h"
#include "replay/replay.h"
#include "snapshot.h"

/* Offer buffered host bytes to the serial receiver. */
static void feed_serial(struct events *ev)
{
	unsigned used = 0;

	if (!ev->serial.put)
		return;
	while (used < ev->npending && ev->serial.room(ev->serial.opaque) > 0) {
		ev->serial.put(ev->serial.opaque, ev->pending[used++]);
		ev->serial_bytes++;
	}
	if (used && ev->rec)   /* what the guest received, and at which instruction */
		rec_serial(ev->rec, ev->m->cpu.icount, ev->pending, used);
	memmove(ev->pending, ev->pending + used, ev->npending - used);
	ev->npending -= used;
}

/* Read whatever the host has, waiting at most timeout_ms.  Returns 1 if anything happened. */
static int read_host(struct events *ev, int timeout_ms)
{
	int n;

	if (!ev->serial_from_console || ev->input_ended || ev->npending == sizeof ev->pending)
		return 0;
	n = console_read(ev->pending + ev->npending, (int)(sizeof ev->pending - ev->npending), timeout_ms);
	if (n == CONSOLE_QUIT) {
		ev->m->stop = STOP_USER;
		return 1;
	}
	if (n == CONSOLE_EOF) {
		ev->input_ended = 1;
		if (ev->rec)   /* the poll timer's schedule depends on it: replay must know when */
			rec_eof(ev->rec, ev->m->cpu.icount);
		return 0;
	}
	ev->npending += (unsigned)n;
	return n > 0;
}

/* Replay: deliver the logged inputs stamped with this instruction count, in logged order. */
static void replay_inputs(struct events *ev)
{
	const struct log_event *e;
	uint64_t now = ev->m->cpu.icount;

	while ((e = play_take(ev->play, ev, LOG_EV_SERIAL, now)) != NULL) {
		for (unsigned k = 0; k < e->len; k++) {
			if (ev->serial.room(ev->serial.opaque) <= 0)
				play_mismatch(ev->play, ev, "the UART has no room for a logged input byte");
			ev->serial.put(ev->serial.opaque, e->payload[k]);
			ev->serial_bytes++;
		}
	}
	if (play_take(ev->play, ev, LOG_EV_EOF, now))
		ev->input_ended = 1;
}

static void poll_fire(void *opaque)
{
	struct events *ev = opaque;
	int more;

	if (ev->play) {
		replay_inputs(ev);
		more = !ev->input_ended || play_inputs_left(ev->play, ev);
	} else {
		read_host(ev, 0);
		feed_serial(ev);
		more = !ev->input_ended || ev->npending;
	}
	/* Keep polling while the host may still send something or bytes wait for room in the UART. */
	if (more)
		vtimer_arm(ev->m, &ev->poll_timer, ev->m->cpu.icount + EVENT_POLL_INSNS);
}

/* A hash point (record/replay).  The timer re-arms itself for the next multiple of the interval —
 * unless the CPU is halted and nothing else is armed: then it would be the only thing keeping a dead
 * machine's clock running, and the run loop must be allowed to see the dead halt. */
static void hash_fire(void *opaque)
{
	struct events *ev = opaque;
	struct machine *m = ev->m;

	if (!(m->cpu.halted && !m->timers))
		vtimer_arm(m, &ev->hash_timer, m->cpu.icount + ev->hash_interval);
	if (ev->rec)
		rec_hash_point(ev->rec, m);
	if (ev->play)
		play_hash_point(ev->play, ev);
}

void events_start_hashing(struct events *ev, uint64_t interval)
{
	ev->hash_interval = interval;
	vtimer_arm(ev->m, &ev->hash_timer, (ev->m->cpu.icount / interval + 1) * interval);
}

/* Save or restore the event layer (snapshot.h): pending host bytes, end of input, the replay position.
 * The hooks and timer links are wiring. */
void events_snapshot(struct events *ev, struct snap *s)
{
	snap_bytes(s, &ev->input_ended, sizeof ev->input_ended);
	snap_bytes(s, &ev->npending, sizeof ev->npending);
	snap_bytes(s, ev->pending, ev->npending <= sizeof ev->pending ? ev->npending : 0);
	snap_bytes(s, &ev->serial_bytes, sizeof ev->serial_bytes);
	snap_bytes(s, &ev->play_pos, sizeof ev->play_pos);
}

void events_init(struct events *ev, struct machine *m, int serial_from_console)
{
	memset(ev, 0, sizeof *ev);
	ev->m = m;
	ev->serial_from_console = serial_from_console;
	ev->poll_timer.fire = poll_fire;
	ev->poll_timer.opaque = ev;
	ev->poll_timer.deadline = UINT64_MAX;
	ev->hash_timer.fire = hash_fire;
	ev->hash_timer.opaque = ev;
	ev->hash_timer.deadline = UINT64_MAX;
}

void events_connect_serial(struct events *ev, struct serial_sink sink)
{
	ev->serial = sink;
	if (ev->serial_from_console)
		vtimer_arm(ev->m, &ev->poll_timer, ev->m->cpu.icount + EVENT_POLL_INSNS);
}

int64_t events_rtc_base(struct events *ev, int64_t base)
{
	if (ev->play)
		return play_rtc_base(ev->play, ev);
	if (base < 0)
		base = (int64_t)time(NULL);
	if (ev->rec)
		rec_rtc_base(ev->rec, base);
	return base;
}

uint64_t events_host_tsc(struct machine *m)
{
	(void)m;
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
#endif
}

int events_idle_wait(struct machine *m)
{
	struct events *ev = m->events;

	if (!ev || !ev->serial_from_console || ev->play)   /* replay: the host has nothing to say */
		return -1;
	while (!m->stop) {
		if (ev->npending) {
			feed_serial(ev);
			return 0;
		}
		if (ev->input_ended)
			return -1;
		if (read_host(ev, -1) && !m->stop) {
			feed_serial(ev);
			return 0;
		}
	}
	return 0;
}
