/* SPDX-License-Identifier: MIT
 *
 * bus.c — the port-I/O and MMIO buses devices register on (kvmtool's idea: one registration call and one
 * handler type for both).  A bus is an array of address ranges kept sorted by base and non-overlapping, so
 * finding the device for an address is a binary search.
 *
 * Routing rule: an access goes to the device whose range contains its FIRST byte, with addr relative to
 * that range's base; the device sees the access size and deals with it.  Nothing on a real PC depends on
 * a multi-byte access being split across two devices, so that case is not modelled.  An address no
 * device claims reads as all-ones (the floating data bus) and ignores writes.
 */
#include <stdlib.h>
#include "machine.h"

static struct bus *bus_of(struct machine *m, enum bus_kind kind)
{
	return kind == BUS_PIO ? &m->pio : &m->mmio;
}

/* Register [base, base+len) on a bus.  Returns 0, or -1 (with a message) for an empty range, a range
 * past the end of the address space (64 KiB of ports, 4 GiB of MMIO), or one that overlaps another. */
int bus_register(struct machine *m, enum bus_kind kind, uint32_t base, uint32_t len, io_fn fn,
		 void *opaque, const char *name)
{
	struct bus *b = bus_of(m, kind);
	const struct io_range *clash = NULL;
	uint64_t end = (uint64_t)base + len, top = kind == BUS_PIO ? 0x10000u : 0x100000000ull;
	int k = 0;

	if (len == 0 || end > top || !fn) {
		fprintf(stderr, "revisor: %s: bad %s range %#x+%#x\n", name ? name : "?",
			kind == BUS_PIO ? "port" : "MMIO", base, len);
		return -1;
	}
	/* Insertion point: the first range whose base is above ours. */
	while (k < b->n && b->r[k].base < base)
		k++;
	if (k > 0 && (uint64_t)b->r[k - 1].base + b->r[k - 1].len > base)
		clash = &b->r[k - 1];        /* the range below reaches into ours */
	else if (k < b->n && b->r[k].base < end)
		clash = &b->r[k];            /* ours reaches into the range above */
	if (clash) {
		fprintf(stderr, "revisor: %s: %s range %#x+%#x overlaps %s\n", name ? name : "?",
			kind == BUS_PIO ? "port" : "MMIO", base, len, clash->name ? clash->name : "?");
		return -1;
	}
	if (b->n == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;
		struct io_range *r = realloc(b->r, (size_t)cap * sizeof *r);
		if (!r) {
			fprintf(stderr, "revisor: out of memory registering %s\n", name ? name : "?");
			return -1;
		}
		b->r = r;
		b->cap = cap;
	}
	for (int j = b->n; j > k; j--)
		b->r[j] = b->r[j - 1];
	b->r[k] = (struct io_range){ .base = base, .len = len, .fn = fn, .opaque = opaque, .name = name };
	b->n++;
	return 0;
}

/* The range containing addr, or NULL.  Binary search for the last range with base <= addr. */
const struct io_range *bus_find(const struct bus *b, uint32_t addr)
{
	int lo = 0, hi = b->n - 1, found = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (b->r[mid].base <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (found < 0 || addr - b->r[found].base >= b->r[found].len)
		return NULL;
	return &b->r[found];
}

uint32_t pio_read(struct machine *m, uint16_t port, unsigned len)
{
	const struct io_range *r = bus_find(&m->pio, port);
	uint32_t data = 0xffffffffu;   /* what a handler that leaves *data alone returns, too */

	if (r)
		r->fn(r->opaque, port - r->base, &data, len, 0);
	return data & size_mask(len);
}

void pio_write(struct machine *m, uint16_t port, unsigned len, uint32_t v)
{
	const struct io_range *r = bus_find(&m->pio, port);
	uint32_t data = v & size_mask(len);

	if (r)
		r->fn(r->opaque, port - r->base, &data, len, 1);
}
