/* SPDX-License-Identifier: MIT
 *
 * debugport.c — the Bochs console port (0xE9) and QEMU's debug-exit port (0xF4); see debugport.h.
 * Neither has any state worth saving: the console byte goes straight to the callback (the event layer,
 * which logs it like any other output), and the exit request only sets the machine's stop reason, which
 * the run loop checks after the instruction that wrote the port.
 */
#include <stdlib.h>
#include "dev/debugport.h"

static void e9_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct debugport *d = opaque;
	if (!is_write) {
		*data = 0xe9;
		return;
	}
	if (d->console)
		d->console(d->opaque, (uint8_t)*data);
}

static void exit_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct debugport *d = opaque;
	if (!is_write)
		return;   /* reads float: the bus returns all ones */
	/* *data holds only `len` bytes (the bus masks it).  The shift is done in 32 bits, so a 4-byte
	 * write loses its top bit, which no process exit status could carry anyway. */
	d->m->exit_status = (int)((*data << 1) | 1);
	d->m->stop = STOP_EXIT;
}

struct debugport *debugport_new(struct machine *m, void (*console)(void *opaque, uint8_t byte), void *opaque)
{
	struct debugport *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->m = m;
	d->console = console;
	d->opaque = opaque;
	bus_register(m, BUS_PIO, 0xe9, 1, e9_io, d, "debugcon");
	bus_register(m, BUS_PIO, 0xf4, 1, exit_io, d, "debug-exit");
	return d;
}

void debugport_free(struct debugport *d)
{
	free(d);
}
