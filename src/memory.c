/* SPDX-License-Identifier: MIT
 *
 * memory.c — the guest-physical address space: RAM from 0 to m->ram_size, and everything above it sent to
 * the MMIO bus (bus.c).  An address no device claims reads as all-ones and ignores writes, as an
 * unterminated bus does on a PC.  (There is no legacy "hole" at 640 KiB–1 MiB: the platform decides what
 * lives there by what it loads into RAM.)
 *
 * This is also where stores into RAM meet the decoded-code cache.  A page whose bytes have been decoded
 * by the interpreter has m->page_code[page] set (mem_mark_code_page(), mmu.c) and no TLB write tag, so
 * every store to it comes through phys_write()/phys_write_buf().  The first such store calls
 * machine_code_written(), which bumps the page's generation (stale decodings notice the mismatch) and
 * clears page_code so later stores go fast again until the page is decoded anew.  Device DMA and loaders
 * use the same functions, so they invalidate cached code too.
 */
#include "machine.h"
#include "cpu/mem.h"

uint8_t *phys_host_page(struct machine *m, uint32_t pa)
{
	return pa < m->ram_size ? m->ram + (pa & ~0xfffu) : NULL;
}

/* Is all of [pa, pa+len) in RAM?  (64-bit sum: pa + len may pass 4 GiB.) */
static int in_ram(const struct machine *m, uint32_t pa, uint32_t len)
{
	return (uint64_t)pa + len <= m->ram_size;
}

/* After a store to RAM [pa, pa+len): mark the pages dirty for record/replay (see machine.h), and if the
 * first or last page holds cached code (a store of at most a page touches no other), let
 * machine_code_written() invalidate it.  Longer stores check every page. */
static void ram_stored(struct machine *m, uint32_t pa, uint32_t len)
{
	uint32_t first = pa >> 12, last = (pa + len - 1) >> 12;

	for (uint32_t p = first; p <= last; p++)
		m->page_dirty[p] = DIRTY_ALL;
	if (len > 0x1000) {
		for (uint32_t p = first; p <= last; p++)
			if (m->page_code[p]) {
				machine_code_written(m, pa, len);
				return;
			}
	} else if (m->page_code[first] | m->page_code[last]) {
		machine_code_written(m, pa, len);
	}
}

/* One MMIO access of 1, 2 or 4 bytes, to the device whose range holds its first byte. */
static uint32_t mmio_access(struct machine *m, uint32_t pa, unsigned len, int is_write, uint32_t v)
{
	const struct io_range *r = bus_find(&m->mmio, pa);
	uint32_t data = is_write ? v & size_mask(len) : 0xffffffffu;

	if (r)
		r->fn(r->opaque, pa - r->base, &data, len, is_write);
	return data & size_mask(len);
}

uint32_t phys_read(struct machine *m, uint32_t pa, unsigned size)
{
	uint8_t b[4] = { 0 };

	if (in_ram(m, pa, size))
		return host_load(m->ram + pa, size);
	if (pa >= m->ram_size)
		return mmio_access(m, pa, size, 0, 0);
	phys_read_buf(m, pa, b, size);   /* straddles the end of RAM */
	return host_load(b, size);
}

void phys_write(struct machine *m, uint32_t pa, unsigned size, uint32_t v)
{
	uint8_t b[4];

	if (in_ram(m, pa, size)) {
		host_store(m->ram + pa, size, v);
		ram_stored(m, pa, size);
	} else if (pa >= m->ram_size) {
		mmio_access(m, pa, size, 1, v);
	} else {
		host_store(b, size, v);
		phys_write_buf(m, pa, b, size);
	}
}

/* Buffers: the RAM part is one memcpy; the MMIO part goes to the devices a byte at a time (buffers that
 * reach MMIO are rare: a page-crossing access, a debugger dump), so no device sees an access that spans
 * two of its registers or two devices. */
void phys_read_buf(struct machine *m, uint32_t pa, void *buf, uint32_t len)
{
	uint8_t *p = buf;
	uint32_t n = pa < m->ram_size ? m->ram_size - pa : 0;

	if (n > len)
		n = len;
	if (n)
		memcpy(p, m->ram + pa, n);
	for (uint32_t k = n; k < len; k++)
		p[k] = (uint8_t)mmio_access(m, pa + k, 1, 0, 0);
}

void phys_write_buf(struct machine *m, uint32_t pa, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t n = pa < m->ram_size ? m->ram_size - pa : 0;

	if (n > len)
		n = len;
	if (n) {
		memcpy(m->ram + pa, p, n);
		ram_stored(m, pa, n);
	}
	for (uint32_t k = n; k < len; k++)
		mmio_access(m, pa + k, 1, 1, p[k]);
}

/* A dirty-page consumer starts a new interval: forget which pages it has seen written, and take every
 * write tag out of the TLB.  A page gets its tag back only once a store through the slow path has
 * marked it again (mmu.c, tlb_fill), so no store can slip past unseen. */
void machine_dirty_clear(struct machine *m, uint8_t bits)
{
	uint32_t npages = m->ram_size >> 12;

	m->dirty_track |= bits;
	for (uint32_t p = 0; p < npages; p++)
		m->page_dirty[p] &= (uint8_t)~bits;
	for (int u = 0; u < 2; u++)
		for (int k = 0; k < TLB_SIZE; k++)
			m->cpu.tlb[u][k].tag_w = TLB_INVALID;
}
