/* SPDX-License-Identifier: MIT
 *
 * fuzz_rsp.c — a libFuzzer target for the GDB stub's input side: the framing layer (debugger/rsp.c) and
 * the packet commands (debugger/gdbstub.c, monitor.c, target.c) in loopback mode, where packets are
 * answered but the machine never runs.  `make fuzz-rsp` builds and runs it (mk/gdb.mk, docs/gdb.md).
 *
 * Each input is used twice:
 *   1. fed to a framing receiver byte for byte, as it arrives from the network (any bytes at all);
 *   2. split at newlines into payloads that are framed with a correct checksum and fed to the stub, so
 *      the fuzzer reaches the command parsers without having to guess checksums.
 * The machine's CPU and RAM are reset before every input, so a crash reproduces from its input alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "debugger/rsp.h"
#include "debugger/gdbstub.h"

#define RAM (1u << 20)

static struct machine *m;
static struct cpu cpu0;

static int discard(void *opaque, const void *buf, size_t len)
{
	(void)opaque;
	(void)buf;
	(void)len;
	return 0;
}

static void init_once(void)
{
	m = machine_new(RAM);
	if (!m || backend_interp.init(m) != 0)
		abort();
	m->backend = &backend_interp;
	cpu_reset(&m->cpu);
	cpu0 = m->cpu;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rsp r;
	static char frame[2 * RSP_MAX_PAYLOAD + 8];

	if (!m)
		init_once();
	m->cpu = cpu0;
	memset(m->ram, 0, RAM);
	tlb_flush(&m->cpu);

	/* 1. Raw bytes into the framing layer. */
	rsp_init(&r, discard, NULL);
	for (size_t k = 0; k < size; k++)
		rsp_feed(&r, data[k]);
	rsp_fini(&r);

	/* 2. Correctly framed packets into the command layer. */
	struct gdbstub *g = gdbstub_new_loopback(m, discard, NULL);
	if (!g)
		abort();
	size_t start = 0;
	for (size_t k = 0; k <= size; k++) {
		if (k < size && data[k] != '\n')
			continue;
		size_t n = k - start;
		if (n <= sizeof frame - 4) {
			uint8_t sum = 0;
			frame[0] = '$';
			memcpy(frame + 1, data + start, n);
			for (size_t j = 0; j < n; j++)
				sum = (uint8_t)(sum + data[start + j]);
			snprintf(frame + 1 + n, 4, "#%02x", sum);
			gdbstub_feed(g, (const uint8_t *)frame, n + 4);
		}
		start = k + 1;
	}
	gdbstub_free(g);
	return 0;
}
