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
	int temp;              /* ckpt_keep()'s: dropped when no longer among the recently used */
	uint64_t used;         /* a temporary one: when it was last taken or restored (cs->clock) */
};

struct ckpt_store {
	struct machine *m;
	struct ckpt *c;
	size_t n, cap;
	size_t cur;            /* the checkpoint the DIRTY_CKPT bits are relative to */
	uint64_t bytes;
	uint8_t *need;         /* scratch, one byte per page */
	uint64_t clock;        /* counts ckpt_keep/ckpt_restore calls, for least-recently-used */
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

/* Where a checkpoint at icount goes: the index of the first one after it. */
static size_t slot_for(const struct ckpt_store *cs, uint64_t icount)
{
	size_t k = cs->n;

	while (k > 0 && cs->c[k - 1].icount > icount)
		k--;
	return k;
}

/* Take a checkpoint here and insert it in order.  Its delta is the pages written since `cur`, the
 * checkpoint the machine last left, which is at or before the latest checkpoint before this one (the
 * machine only ran forward since `cur`): so the delta holds at least what was written since that
 * predecessor, and the successor's delta (written since some checkpoint before us) already holds
 * everything written between us and it.  The invariant of the file header holds after an insertion. */
static int take(struct ckpt_store *cs, int temp)
{
	struct machine *m = cs->m;
	uint32_t npages = m->ram_size >> 12, n = 0;
	struct snap s;
	char err[256];
	struct ckpt c = { .icount = m->cpu.icount, .temp = temp, .used = ++cs->clock };
	int first = cs->n == 0;
	size_t at = slot_for(cs, c.icount);

	if (!first && ((at > 0 && cs->c[at - 1].icount == c.icount) || cs->c[cs->cur].icount > c.icount))
		return -1;   /* one exists here already, or the machine did not run forward from `cur` */
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
	memmove(&cs->c[at + 1], &cs->c[at], (cs->n - at) * sizeof *cs->c);
	cs->c[at] = c;
	cs->n++;
	cs->cur = at;
	machine_dirty_clear(m, DIRTY_CKPT);   /* the next delta starts now */
	return 0;
}

int ckpt_take(struct ckpt_store *cs)
{
	size_t n = cs->n;

	/* Permanent checkpoints are appended: only temporary ones may follow the point taken. */
	for (size_t k = n; k-- > 0;) {
		if (!cs->c[k].temp) {
			if (cs->c[k].icount >= cs->m->cpu.icount)
				return -1;
			break;
		}
		if (cs->c[k].icount == cs->m->cpu.icount) {
			cs->c[k].temp = 0;   /* a temporary one is here already: keep it for good */
			return 0;
		}
	}
	return take(cs, 0);
}

/* Drop temporary checkpoint k (not `cur`: the dirty bits are relative to it).  Its successor must then
 * hold what k's delta held, to keep "each delta holds at least what was written since the previous
 * checkpoint": the pages of k it lacks are added, with k's copies, which are still right at the
 * successor (the successor's delta holds every page written in between). */
static void drop(struct ckpt_store *cs, size_t k)
{
	struct ckpt *c = &cs->c[k];

	if (k + 1 < cs->n) {
		struct ckpt *s = &cs->c[k + 1];
		uint32_t add = 0;
		for (uint32_t i = 0; i < s->npages; i++)
			cs->need[s->pages[i]] = 1;
		for (uint32_t i = 0; i < c->npages; i++)
			add += !cs->need[c->pages[i]];
		uint32_t *np = realloc(s->pages, ((size_t)s->npages + add + 1) * sizeof *np);
		if (np)
			s->pages = np;
		uint8_t *nd = np ? realloc(s->data, ((size_t)s->npages + add + 1) << 12) : NULL;
		if (!nd) {   /* out of memory: keep k rather than lose pages */
			for (uint32_t i = 0; i < s->npages; i++)
				cs->need[s->pages[i]] = 0;
			c->temp = 0;
			return;
		}
		s->data = nd;
		for (uint32_t i = 0; i < c->npages; i++) {
			uint32_t p = c->pages[i];
			if (cs->need[p])
				continue;
			s->pages[s->npages] = p;
			memcpy(s->data + ((size_t)s->npages << 12), c->data + ((size_t)i << 12), 4096);
			s->npages++;
			cs->bytes += 4096 + sizeof *s->pages;
		}
		for (uint32_t i = 0; i < s->npages; i++)
			cs->need[s->pages[i]] = 0;
	}
	cs->bytes -= c->state_len + ((size_t)c->npages << 12) + c->npages * sizeof *c->pages;
	free(c->state);
	free(c->pages);
	free(c->data);
	memmove(&cs->c[k], &cs->c[k + 1], (cs->n - k - 1) * sizeof *cs->c);
	cs->n--;
	if (cs->cur > k)
		cs->cur--;
}

int ckpt_keep(struct ckpt_store *cs)
{
	size_t at = slot_for(cs, cs->m->cpu.icount), ntemp = 0;

	if (at > 0 && cs->c[at - 1].icount == cs->m->cpu.icount) {
		cs->c[at - 1].used = ++cs->clock;   /* one is here already */
		return 0;
	}
	if (take(cs, 1) < 0)
		return -1;
	for (size_t k = 0; k < cs->n; k++)
		ntemp += cs->c[k].temp;
	while (ntemp-- > CKPT_KEEP) {   /* the least recently used temporary one goes (never `cur`) */
		size_t old = cs->n;
		for (size_t k = 0; k < cs->n; k++)
			if (cs->c[k].temp && k != cs->cur && (old == cs->n || cs->c[k].used < cs->c[old].used))
				old = k;
		if (old == cs->n)
			break;
		drop(cs, old);
	}
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
	cs->c[j].used = ++cs->clock;
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
			uint8_t *dst = m->ram + ((size_t)p << 12);
			const uint8_t *src = c->data + ((size_t)i << 12);
			if (m->page_code[p] && memcmp(dst, src, 4096) != 0)
				machine_code_written(m, p << 12, 4096);   /* its cached code is stale */
			memcpy(dst, src, 4096);
			cs->need[p] = 0;
			m->page_dirty[p] |= DIRTY_HASH;   /* the hash cache must look again */
			left--;
		}
	}
	for (uint32_t p = 0; left && p < npages; p++) {   /* held by no checkpoint: zero at j */
		if (!cs->need[p])
			continue;
		if (m->page_code[p])
			machine_code_written(m, p << 12, 4096);
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
int ckpt_is_temp(const struct ckpt_store *cs, size_t k) { return cs->c[k].temp; }
