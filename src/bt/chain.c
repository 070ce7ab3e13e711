/* SPDX-License-Identifier: MIT
 *
 * chain.c — chaining of compiled code fragments (the lecture's "if the destination code is already in
 * the TC, then directly jump to it").  Every direct exit of a CCF is emitted as
 *
 *     mov  r15d, n_done          ; instructions of this CCF retired when the exit is taken
 *     jmp  rel32                 ; <- the patch point: first to the next line, later to the target CCF
 *     mov  r14, &exit_record     ; unchained: leave the TC with this exit's record
 *     jmp  t_exit
 *
 * Chaining rewrites the rel32 of the patch point to the target CCF's entry prologue, which adds r15 to
 * the instruction count and checks the budget, attention and its page generation before running (so a
 * chained jump is exactly as safe as going through the VMM).  Unchaining writes the original rel32 back.
 * Each CCF keeps the list of exits chained to it, so invalidating it can unchain them all.
 *
 * Phase 1 chains only exits whose target lies in the same guest page as the CCF they leave: then the
 * guest-linear -> physical mapping used to find the target is the one the source was found through, so
 * no page-table change can make the chain jump to the wrong code without a CR3/INVLPG (both terminate
 * a CCF and both go through the VMM).
 */
#include "bt/bt.h"
#include "bt/emit.h"

void chain_link(struct bt *bt, struct bt_exit *e, struct ccf *to)
{
	if (e->self || e->to || !e->jmp_field || !e->from->valid || !to->valid)
		return;
	if ((e->from->pa >> 12) != (to->pa >> 12) || e->from->mode != to->mode ||
	    ((e->from->cs_base + e->from->eip) >> 12) != ((to->cs_base + to->eip) >> 12) ||   /* and linear page */
	    e->from->cs_base != to->cs_base || e->from->cs_limit != to->cs_limit)
		return;
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
	for (unsigned k = 0; k < f->n_exits; k++) {
		struct bt_exit *x = &f->exits[k];
		if (!x->to)
			continue;
		for (struct bt_exit **pp = &x->to->incoming; *pp; pp = &(*pp)->next_in)
			if (*pp == x) {
				*pp = x->next_in;
				break;
			}
		unchain(x);
	}
}
