/* SPDX-License-Identifier: MIT
 *
 * debugport.h — two "ports that real PCs don't have" that emulators agreed on, so a test kernel can
 * talk to its host without a driver:
 *   0xE9  Bochs's console port: every byte written appears on the host's console (reads return 0xE9,
 *         which is how guests detect the port);
 *   0xF4  QEMU's isa-debug-exit: a write of any size ends the run with m->stop = STOP_EXIT and
 *         m->exit_status = (value << 1) | 1 — always odd, so a guest can never fake a clean exit 0.
 */
#ifndef REVISOR_DEV_DEBUGPORT_H
#define REVISOR_DEV_DEBUGPORT_H

#include <stdint.h>
#include "machine.h"

struct debugport {
	struct machine *m;
	void (*console)(void *opaque, uint8_t byte);
	void *opaque;
};

struct debugport *debugport_new(struct machine *m, void (*console)(void *opaque, uint8_t byte), void *opaque);
void debugport_free(struct debugport *d);

#endif
