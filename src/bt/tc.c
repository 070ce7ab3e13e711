/* SPDX-License-Identifier: MIT
 *
 * tc.c — the translation cache (TC): an RWX host buffer that holds the compiled code fragments (CCFs),
 * and the index that finds a CCF by the guest-physical address of its first instruction plus the mode
 * bits that change translation (32-bit code, CPL 3) and the CS base and limit the EIPs baked into it
 * were computed with.
 *
 * Protection of the cache (lecture: "challenges of binary translation"): the TC lives in host memory
 * that the guest cannot name.  Guest memory accesses leave translated code only through callouts (phase
 * 1) or, in phase 2, through a TLB whose entries point into guest RAM only, so no guest store can land
 * in the TC or in the VMM.
 *
 * Invalidation uses the interpreter's page-generation mechanism (machine.h): translating a page marks
 * it as a code page (mem_mark_code_page), so the first guest store to it takes the slow path, which
 * bumps m->page_gen[page].  A CCF remembers the generation it was built from; lookups and the chained
 * entry prologue compare it, and the backend's code_written hook unchains and drops the page's CCFs.
 * When the TC is full everything is flushed at once (VMware and QEMU do the same): simple and rare.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "bt/bt.h"
#include "bt/emit.h"

int tc_init(struct bt *bt)
{
	void *p = mmap(NULL, BT_TC_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	bt->jtab = calloc(1u << JTAB_BITS, sizeof *bt->jtab);
	if (!bt->jtab) {
		munmap(p, BT_TC_SIZE);
		return -1;
	}
	bt->tc = p;
	bt->tc_end = bt->tc + BT_TC_SIZE;
	bt->tc_free = bt->tc;
	bt_emit_stubs(bt);      /* enter/exit/callout stubs stay for the TC's lifetime */
	bt->tc_code = bt->tc_free;
	return 0;
}

static void free_ccfs(struct bt *bt)
{
	for (uint32_t k = 0; k < bt->nall; k++) {
		bt->execs_flushed += bt->all[k]->execs;
		free(bt->all[k]);
	}
	bt->nall = 0;
}

void tc_fini(struct bt *bt)
{
	free_ccfs(bt);
	free(bt->all);
	free(bt->jtab);
	free(bt->xpage);
	if (bt->tc)
		munmap(bt->tc, BT_TC_SIZE);
}

static unsigned hash_of(uint32_t pa) { return (pa ^ (pa >> BT_HASH_BITS)) & ((1u << BT_HASH_BITS) - 1); }
static unsigned page_slot(uint32_t pa) { return (pa >> 12) & (BT_PAGE_HASH - 1); }

struct ccf *tc_lookup(struct machine *m, uint32_t pa, uint32_t eip, uint8_t mode)
{
	struct bt *bt = bt_of(m);
	const struct cpu *c = &m->cpu;

	for (struct ccf *f = bt->hash[hash_of(pa)]; f; f = f->hnext)
		if (f->pa == pa && f->eip == eip && f->mode == mode && f->cs_base == c->seg[S_CS].base &&
		    f->cs_limit == c->seg[S_CS].limit) {
			if (f->gen == m->page_gen[pa >> 12])
				return f;
			tc_invalidate_page(m, pa >> 12);   /* stale: the page was written */
			return NULL;
		}
	return NULL;
}

struct ccf *tc_new_ccf(struct bt *bt)
{
	struct ccf *f = calloc(1, sizeof *f);

	if (!f)
		abort();
	if (bt->nall == bt->capall) {
		bt->capall = bt->capall ? 2 * bt->capall : 1024;
		bt->all = realloc(bt->all, bt->capall * sizeof *bt->all);
		if (!bt->all)
			abort();
	}
	bt->all[bt->nall++] = f;
	return f;
}

void tc_insert(struct bt *bt, struct ccf *f)
{
	unsigned h = hash_of(f->pa), p = page_slot(f->pa);

	f->hnext = bt->hash[h];
	bt->hash[h] = f;
	f->pnext = bt->pages[p];
	bt->pages[p] = f;
	f->valid = 1;
}

static void unlink_from(struct ccf **head, struct ccf *f, int page_list)
{
	for (struct ccf **pp = head; *pp; pp = page_list ? &(*pp)->pnext : &(*pp)->hnext)
		if (*pp == f) {
			*pp = page_list ? f->pnext : f->hnext;
			return;
		}
}

/* Drop every CCF translated from physical page `page`: unchain the exits that jump into them and the
 * exits they own, and take them out of the index.  Their host code stays in the TC (possibly still
 * running: this can be called from a callout inside one of them) until the next full flush. */
void tc_invalidate_page(struct machine *m, uint32_t page)
{
	struct bt *bt = bt_of(m);
	struct ccf **pp = &bt->pages[page_slot(page << 12)];

	while (*pp) {
		struct ccf *f = *pp;
		if ((f->pa >> 12) != page) {
			pp = &f->pnext;
			continue;
		}
		*pp = f->pnext;
		unlink_from(&bt->hash[hash_of(f->pa)], f, 0);
		chain_unlink_all(f);
		tc_jtab_drop(bt, f);
		f->valid = 0;
		if (bt->pending && bt->pending->from == f)
			bt->pending = NULL;
	}
}

/* Throw the whole TC away (it is full, or the user asked). */
void tc_flush(struct machine *m)
{
	struct bt *bt = bt_of(m);

	free_ccfs(bt);
	memset(bt->hash, 0, sizeof bt->hash);
	memset(bt->pages, 0, sizeof bt->pages);
	memset(bt->jtab, 0, (sizeof *bt->jtab) << JTAB_BITS);
	bt->nxpage = 0;
	bt->tc_free = bt->tc_code;
	bt->pending = NULL;
	bt->pending_ind = 0;
	bt->retrans = NULL;
	bt->flushes++;
}

/* f leaves the index: its slot in the in-TC lookup table must not lead to it any more. */
void tc_jtab_drop(struct bt *bt, struct ccf *f)
{
	struct bt_jent *j = &bt->jtab[f->eip & ((1u << JTAB_BITS) - 1)];

	if (j->entry == f->entry) {
		j->key = 0;
		j->entry = NULL;
	}
}

/* Adaptive retranslation: nu (already in the index) replaces old.  Exits chained to old now jump to nu,
 * the lookup table follows, and old's entry becomes a forwarding jump to nu (the lecture: "the old CCF
 * is patched with a forwarding jump"), for anything still holding its address. */
void tc_replace(struct machine *m, struct ccf *old, struct ccf *nu)
{
	struct bt *bt = bt_of(m);
	struct bt_jent *j = &bt->jtab[old->eip & ((1u << JTAB_BITS) - 1)];

	unlink_from(&bt->hash[hash_of(old->pa)], old, 0);
	unlink_from(&bt->pages[page_slot(old->pa)], old, 1);
	chain_move_incoming(bt, old, nu);
	chain_unlink_all(old);
	if (j->entry == old->entry)
		j->entry = nu->entry;
	old->entry[0] = 0xe9;                     /* jmp rel32 */
	patch_rel32(old->entry + 1, nu->entry);
	old->valid = 0;
	old->replaced_by = nu;
	if (bt->pending && bt->pending->from == old)
		bt->pending = NULL;
}
