/* SPDX-License-Identifier: MIT
 *
 * machine.c — creating and destroying the machine object (machine.h): guest RAM, the per-page code
 * tracking arrays, empty I/O buses, no timers, and a CPU in its power-on state.  Devices and a backend are
 * attached afterwards by the platform (pc.c) and main.
 *
 * Also here: machine_code_written(), the one place where cached code of a guest-physical range is
 * declared stale.  It is called for CPU stores that hit a code page (memory.c) and for every other writer
 * (DMA, loaders, the debugger) through phys_write()/phys_write_buf().
 */
#include <stdlib.h>
#include "machine.h"
#include "cpu/mem.h"

struct machine *machine_new(uint32_t ram_bytes)
{
	struct machine *m = calloc(1, sizeof *m);
	uint32_t npages;

	if (!m)
		return NULL;
	/* Whole pages only: the TLB maps RAM a page at a time.  (4 GiB - 4 KiB is the largest size.) */
	if (ram_bytes > 0xfffff000u)
		ram_bytes = 0xfffff000u;
	ram_bytes = (ram_bytes + 0xfffu) & ~0xfffu;
	npages = ram_bytes >> 12;

	/* calloc: RAM starts zeroed (large blocks come straight from mmap, so untouched RAM costs nothing). */
	m->ram = calloc(ram_bytes ? ram_bytes : 1, 1);
	m->page_code = calloc(npages ? npages : 1, sizeof *m->page_code);
	m->page_gen = calloc(npages ? npages : 1, sizeof *m->page_gen);
	m->page_dirty = calloc(npages ? npages : 1, 1);
	if (!m->ram || !m->page_code || !m->page_gen || !m->page_dirty) {
		machine_free(m);
		return NULL;
	}
	m->ram_size = ram_bytes;
	m->dirty_track = DIRTY_EVER;   /* see machine.h: untouched RAM is known to be zero */
	m->timers = NULL;
	m->next_deadline = UINT64_MAX;
	m->stop = STOP_NONE;

	m->cpu.m = m;
	tlb_flush(&m->cpu);   /* a zeroed TLB entry would claim linear page 0 */
	cpu_reset(&m->cpu);
	return m;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	free(m->pio.r);
	free(m->mmio.r);
	free(m->page_gen);
	free(m->page_dirty);
	free(m->page_hash);
	free(m->page_code);
	free(m->ram);
	free(m);
}

/* Guest-physical [pa, pa+len) changed: every page in it that holds cached code gets a new generation
 * (so the interpreter's decodings of it no longer match) and stops being a code page (so the TLB may
 * hand out write tags for it again).  The backend hears about it only if some cached code was hit. */
void machine_code_written(struct machine *m, uint32_t pa, uint32_t len)
{
	uint64_t end = (uint64_t)pa + len;
	int hit = 0;

	if (len == 0 || pa >= m->ram_size)
		return;
	if (end > m->ram_size)
		end = m->ram_size;
	for (uint32_t p = pa >> 12; p <= (uint32_t)((end - 1) >> 12); p++) {
		m->page_dirty[p] = DIRTY_ALL;   /* a writer outside the store path: record/replay must see it */
		if (m->page_code[p]) {
			m->page_code[p] = 0;
			m->page_gen[p]++;
			m->cpu.attn = 1;   /* a trace of this page may be running */
			hit = 1;
		}
	}
	if (hit && m->backend && m->backend->code_written)
		m->backend->code_written(m, pa, len);
}
