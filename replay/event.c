/* SPDX-License-Identifier: MIT
 *
 * event.c — the live side of the event layer (see event.h).  A periodic virtual timer polls the host
 * console without blocking and hands bytes to the UART as fast as its receiver accepts them; when the CPU
 * is halted with nothing else to wake it, events_idle_wait() blocks on the console instead.
 */
#include <string.h>
#include <time.h>
#include "console.h"
#include "replay/event.h"

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
		return 0;
	}
	ev->npending += (unsigned)n;
	return n > 0;
}

static void poll_fire(void *opaque)
{
	struct events *ev = opaque;

	read_host(ev, 0);
	feed_serial(ev);
	/* Keep polling while the host may still send something or bytes wait for room in the UART. */
	if (!ev->input_ended || ev->npending)
		vtimer_arm(ev->m, &ev->poll_timer, ev->m->cpu.icount + EVENT_POLL_INSNS);
}

void events_init(struct events *ev, struct machine *m, int serial_from_console)
{
	memset(ev, 0, sizeof *ev);
	ev->m = m;
	ev->serial_from_console = serial_from_console;
	ev->poll_timer.fire = poll_fire;
	ev->poll_timer.opaque = ev;
	ev->poll_timer.deadline = UINT64_MAX;
}

void events_connect_serial(struct events *ev, struct serial_sink sink)
{
	ev->serial = sink;
	if (ev->serial_from_console)
		vtimer_arm(ev->m, &ev->poll_timer, ev->m->cpu.icount + EVENT_POLL_INSNS);
}

int64_t events_rtc_base(struct events *ev, int64_t base)
{
	(void)ev;
	return base >= 0 ? base : (int64_t)time(NULL);
}

int events_idle_wait(struct machine *m)
{
	struct events *ev = m->events;

	if (!ev || !ev->serial_from_console)
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
