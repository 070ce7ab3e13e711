/* SPDX-License-Identifier: MIT
 *
 * chain.c — chaining of compiled code fragments (the lecture's "if the destination code is already in
 * the TC, then directly jump to it").  Every direct exit of a CCF is emitted as
 *
 *     lea  r8, [r8 + n_done]     ; retire this CCF's instructions (r8 is the clock, relative to stop_at)
 *     jmp  rel32                 ; <- the patch point: first to the next line, later to the target CCF
 *     mov  r14, &exit_record     ; unchained: leave the TC with this exit's record
 *     jmp  t_exit
 *
 * Chaining rewrites the rel32 of the patch point to the target CCF's entry prologue, which checks that
 * the whole target fits before the next deadline (so a chained jump is exactly as safe as going through
 * the VMM).  Unchaining writes the original rel32 back.  Each CCF keeps the list of exits chained to
 * it, so invalidating it (a write into its page) can unchain them all at once.
 *
 * A chain inside one guest page (same linear and same physical page) stays valid whatever the page
 * tables do: the source CCF was reached through that page's mapping.  A chain to another page follows
 * the mapping the target was found through, so it is recorded in bt->xpage and undone when the TLB is
 * flushed (CR3 write, INVLPG, paging mode: m->tlb_epoch), before translated code runs again.
 */
#include "bt/bt.h"
#include <stdlib.h>
#include "bt/emit.h"

void chain_link(struct bt *bt, struct bt_exit *e, struct ccf *to)
{
	if (e->self || e->to || !e->jmp_field || !e->from->valid || !to->valid)
		return;
	if (e->from->mode != to->mode || e->from->cs_base != to->cs_base || e->from->cs_limit != to->cs_limit)
		return;
	if ((e->from->pa >> 12) != (to->pa >> 12) ||
	    ((e->from->cs_base + e->from->eip) >> 12) != ((to->cs_base + to->eip) >> 12)) {
		/* Across pages (physical or linear: two linear pages may alias one physical page): valid
		 * while the linear -> physical mapping the target was found through stays; the run loop
		 * drops these chains when the TLB epoch changes (CR3, INVLPG...). */
		if (bt->nxpage == bt->capxpage) {
			uint32_t cap = bt->capxpage ? 2 * bt->capxpage : 256;
			struct bt_exit **p = realloc(bt->xpage, cap * sizeof *p);
			if (!p)
				return;
			bt->xpage = p;
			bt->capxpage = cap;
		}
		bt->xpage[bt->nxpage++] = e;
		e->xpage = 1;
		bt->xpage_chained++;
	}
	patch_rel32(e->jmp_field, to->entry);
	e->to = to;
	e->next_in = to->incoming;
	to->incoming = e;
	bt->chained++;
}

static void unchain(struct bt_exit *e)
{
	patch_rel32(e->jmp_field, e->unchained);
	e->to = NULL;
	e->next_in = NULL;
	e->xpage = 0;
}

/* Unchain one exit, taking it out of its target's incoming list. */
static void unchain_one(struct bt_exit *e)
{
	if (!e->to)
		return;
	for (struct bt_exit **pp = &e->to->incoming; *pp; pp = &(*pp)->next_in)
		if (*pp == e) {
			*pp = e->next_in;
			break;
		}
	unchain(e);
}

void chain_unlink_xpage(struct bt *bt)
{
	for (uint32_t k = 0; k < bt->nxpage; k++) {
		struct bt_exit *e = bt->xpage[k];
		if (e->xpage && e->to) {
			unchain_one(e);
			bt->xpage_unchained++;
		}
	}
	bt->nxpage = 0;
}

/* Adaptive retranslation: every exit chained to `from` jumps to `to` instead. */
void chain_move_incoming(struct bt *bt, struct ccf *from, struct ccf *to)
{
	struct bt_exit *e = from->incoming;

	(void)bt;
	while (e) {
		struct bt_exit *next = e->next_in;
		patch_rel32(e->jmp_field, to->entry);
		e->to = to;
		e->next_in = to->incoming;
		to->incoming = e;
		e = next;
	}
	from->incoming = NULL;
}

/* f is being invalidated: nothing may jump into it, and its own exits leave the incoming lists of
 * their targets (which may outlive it). */
void chain_unlink_all(struct ccf *f)
{
	struct bt_exit *e = f->incoming;

	while (e) {
		struct bt_exit *next = e->next_in;
		unchain(e);
		e = next;
	}
	f->incoming = NULL;
	for (unsigned k = 0; k < f->n_exits; k++)
		unchain_one(&f->exits[k]);
}
