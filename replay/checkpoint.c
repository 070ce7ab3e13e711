/* SPDX-License-Identifier: MIT
 *
 * checkpoint.c — a store of machine checkpoints with RAM kept as dirty-page deltas (checkpoint.h).
 *
 * Why the deltas are enough.  Let D(a, b) be the set of pages written between instruction counts a and
 * b.  Checkpoint k keeps the pages of D(base, k) with their contents at k, where `base` is the checkpoint
 * the machine had last been at (taken or restored) — replay is deterministic, so D grows with b, and a
 * delta taken from an earlier base is a superset of the one from the previous checkpoint, which is just
 * as good.  The content of page p at checkpoint j is then the copy in the latest checkpoint <= j that
 * holds p (zero if none does: RAM starts zeroed, and the first checkpoint holds every non-zero page).
 */
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "snapshot.h"
#include "replay/checkpoint.h"

struct ckpt {
	uint64_t icount;
	uint8_t *state;        /* machine_save() without RAM */
	size_t state_len;
	uint32_t npages;
	uint32_t *pages;       /* page numbers, ascending */
	uint8_t *data;         /* npages * 4 KiB */
};

struct ckpt_store {
	struct machine *m;
	struct ckpt *c;
	size_t n, cap;
	size_t cur;            /* the checkpoint the DIRTY_CKPT bits are relative to */
	uint64_t bytes;
	uint8_t *need;         /* scratch, one byte per page */
};

struct ckpt_store *ckpt_new(struct machine *m)
{
	struct ckpt_store *cs = calloc(1, sizeof *cs);

	if (!cs)
		return NULL;
	cs->m = m;
	cs->need = calloc((m->ram_size >> 12) + 1, 1);
	if (!cs->need) {
		free(cs);
		return NULL;
	}
	return cs;
}

void ckpt_free(struct ckpt_store *cs)
{
	if (!cs)
		return;
	for (size_t k = 0; k < cs->n; k++) {
		free(cs->c[k].state);
		free(cs->c[k].pages);
		free(cs->c[k].data);
	}
	free(cs->c);
	free(cs->need);
	free(cs);
}

/* For the first checkpoint: a page written at some time and not zero now (never-written pages are). */
static int page_nonzero(const struct machine *m, uint32_t p)
{
	static const uint8_t zero[4096];
	return (m->page_dirty[p] & DIRTY_EVER) && memcmp(m->ram + ((size_t)p << 12), zero, 4096) != 0;
}

int ckpt_take(struct ckpt_store *cs)
{
	struct machine *m = cs->m;
	uint32_t npages = m->ram_size >> 12, n = 0;
	struct snap s;
	char err[256];
	struct ckpt c = { .icount = m->cpu.icount };
	int first = cs->n == 0;

	if (!first && c.icount <= cs->c[cs->n - 1].icount)
		return -1;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 64;
		struct ckpt *nc = realloc(cs->c, cap * sizeof *nc);
		if (!nc)
			return -1;
		cs->c = nc;
		cs->cap = cap;
	}
	/* Which pages: all non-zero ones the first time, the dirty ones after. */
	for (uint32_t p = 0; p < npages; p++)
		n += first ? page_nonzero(m, p) : (m->page_dirty[p] & DIRTY_CKPT) != 0;
	c.pages = malloc((n ? n : 1) * sizeof *c.pages);
	c.data = malloc(n ? (size_t)n << 12 : 1);
	snap_init_save(&s);
	if (!c.pages || !c.data || machine_save(m, &s, 0, err)) {
		free(c.pages);
		free(c.data);
		snap_release(&s);
		return -1;
	}
	for (uint32_t p = 0; p < npages; p++) {
		const uint8_t *src = m->ram + ((size_t)p << 12);
		if (first ? !page_nonzero(m, p) : !(m->page_dirty[p] & DIRTY_CKPT))
			continue;
		c.pages[c.npages] = p;
		memcpy(c.data + ((size_t)c.npages << 12), src, 4096);
		c.npages++;
	}
	c.state = s.buf;        /* the buffer now belongs to the checkpoint */
	c.state_len = s.len;
	cs->bytes += c.state_len + ((size_t)c.npages << 12) + c.npages * sizeof *c.pages;
	cs->c[cs->n] = c;
	cs->cur = cs->n++;
	machine_dirty_clear(m, DIRTY_CKPT);   /* the next delta starts now */
	return 0;
}

int ckpt_restore(struct ckpt_store *cs, uint64_t icount)
{
	struct machine *m = cs->m;
	uint32_t npages = m->ram_size >> 12, left = 0;
	size_t j, lo, hi;
	struct snap s;
	char err[256];

	if (!cs->n || cs->c[0].icount > icount)
		return -1;
	for (j = cs->n - 1; cs->c[j].icount > icount; j--)
		;
	/* The pages that may differ from checkpoint j: written since `cur`, or in a delta between. */
	for (uint32_t p = 0; p < npages; p++)
		if ((cs->need[p] = (m->page_dirty[p] & DIRTY_CKPT) != 0))
			left++;
	lo = (j < cs->cur ? j : cs->cur) + 1;
	hi = j < cs->cur ? cs->cur : j;
	for (size_t k = lo; k <= hi && k < cs->n; k++)
		for (uint32_t i = 0; i < cs->c[k].npages; i++)
			if (!cs->need[cs->c[k].pages[i]]) {
				cs->need[cs->c[k].pages[i]] = 1;
				left++;
			}
	/* Fill each from the latest checkpoint <= j holding it, newest first. */
	for (size_t k = j + 1; k-- > 0 && left;) {
		const struct ckpt *c = &cs->c[k];
		for (uint32_t i = 0; i < c->npages; i++) {
			uint32_t p = c->pages[i];
			if (!cs->need[p])
				continue;
			memcpy(m->ram + ((size_t)p << 12), c->data + ((size_t)i << 12), 4096);
			cs->need[p] = 0;
			m->page_dirty[p] |= DIRTY_HASH;   /* the hash cache must look again */
			left--;
		}
	}
	for (uint32_t p = 0; left && p < npages; p++) {   /* held by no checkpoint: zero at j */
		if (!cs->need[p])
			continue;
		memset(m->ram + ((size_t)p << 12), 0, 4096);
		cs->need[p] = 0;
		m->page_dirty[p] |= DIRTY_HASH;
		left--;
	}
	snap_init_load(&s, cs->c[j].state, cs->c[j].state_len);
	if (machine_load(m, &s, 0, err))
		return -1;
	machine_dirty_clear(m, DIRTY_CKPT);
	cs->cur = j;
	return (int)j;
}

size_t ckpt_count(const struct ckpt_store *cs) { return cs ? cs->n : 0; }
uint64_t ckpt_icount(const struct ckpt_store *cs, size_t k) { return cs->c[k].icount; }
uint64_t ckpt_bytes(const struct ckpt_store *cs) { return cs ? cs->bytes : 0; }
