/* SPDX-License-Identifier: MIT
 *
 * introspect.c — the translator's introspection API (introspect.h): copies what struct ccf and struct bt
 * (bt.h) know about the translation cache into plain structs for the debugger's views (`monitor tc`,
 * `monitor chains`) and the tests.  It is the "everything the translator does can be inspected" half
 * of the lectures' translator: the isPrime / isPrime' listing (listing.c) and the chaining picture
 * (debugger/tcview.c) are both drawn from it.  Read-only: nothing here changes the TC.
 */
#include <stdlib.h>
#include <string.h>
#include "bt/bt.h"
#include "bt/introspect.h"

_Static_assert(K_NKINDS <= BT_MAX_KINDS, "raise BT_MAX_KINDS in introspect.h");

int bt_active(struct machine *m)
{
	return m && bt_of(m) != NULL;
}

unsigned bt_nkinds(void)
{
	return K_NKINDS;
}

const char *bt_kind_str(unsigned kind)
{
	return kind < K_NKINDS && bt_kind_name[kind] ? bt_kind_name[kind] : "?";
}

static uint64_t ccf_callouts(const struct ccf *f)
{
	uint64_t n = 0;

	for (unsigned j = 0; j < f->nco; j++)
		n += f->co[j].count;
	return n;
}

void bt_ccf_info(const struct ccf *f, struct bt_ccf_info *o)
{
	unsigned in = 0;

	for (const struct bt_exit *e = f->incoming; e; e = e->next_in)
		in++;
	*o = (struct bt_ccf_info){
		.ccf = f,
		.lin = f->cs_base + f->eip,
		.lin_end = f->cs_base + f->eip + f->guest_bytes,
		.pa = f->pa,
		.eip = f->eip,
		.cs_base = f->cs_base,
		.cs_limit = f->cs_limit,
		.mode = f->mode,
		.valid = f->valid,
		.n_insns = f->n,
		.n_exits = f->n_exits,
		.n_incoming = in,
		.guest_bytes = f->guest_bytes,
		.host_bytes = f->host_bytes,
		.host = f->entry,
		.execs = f->execs,
		.callouts = ccf_callouts(f),
	};
}

int bt_ccf_insn(const struct ccf *f, unsigned k, struct bt_insn_info *o)
{
	if (k >= f->n)
		return -1;
	uint32_t off = f->ieip[k] - f->eip;
	uint32_t end = k + 1 < f->n ? f->ieip[k + 1] - f->eip : f->guest_bytes;
	uint32_t hend = k + 1 < f->n ? f->hoff[k + 1] : f->host_bytes;

	*o = (struct bt_insn_info){
		.eip = f->ieip[k],
		.lin = f->cs_base + f->ieip[k],
		.pa = f->pa + off,
		.len = end - off,
		.kind = f->kind[k],
		.kind_name = bt_kind_str(f->kind[k]),
		.hoff = f->hoff[k],
		.hlen = hend - f->hoff[k],
	};
	for (unsigned j = 0; j < f->nco; j++)
		if (f->co[j].idx == k) {
			o->has_callout = 1;
			o->callouts += f->co[j].count;
		}
	return 0;
}

int bt_ccf_exit(const struct ccf *f, unsigned k, struct bt_exit_info *o)
{
	if (k >= f->n_exits)
		return -1;
	const struct bt_exit *e = &f->exits[k];
	*o = (struct bt_exit_info){
		.target = e->target,
		.target_lin = f->cs_base + e->target,
		.n_done = e->n_done,
		.to = e->to,
		.to_lin = e->to ? e->to->cs_base + e->to->eip : 0,
	};
	return 0;
}

static int hotter(const void *a, const void *b)
{
	const struct ccf *x = *(const struct ccf *const *)a, *y = *(const struct ccf *const *)b;

	if (x->execs != y->execs)
		return x->execs < y->execs ? 1 : -1;
	return (x->cs_base + x->eip > y->cs_base + y->eip) - (x->cs_base + x->eip < y->cs_base + y->eip);
}

static int lower(const void *a, const void *b)
{
	const struct ccf *x = *(const struct ccf *const *)a, *y = *(const struct ccf *const *)b;
	uint32_t lx = x->cs_base + x->eip, ly = y->cs_base + y->eip;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return (x->mode > y->mode) - (x->mode < y->mode);
}

size_t bt_ccfs(struct machine *m, const struct ccf **out, size_t max, enum bt_order order, int all)
{
	struct bt *bt = bt_of(m);
	size_t n = 0;

	if (!bt)
		return 0;
	for (uint32_t k = 0; k < bt->nall; k++)
		n += all || bt->all[k]->valid;
	if (!max || !out)
		return n;
	const struct ccf **v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return 0;
	size_t i = 0;
	for (uint32_t k = 0; k < bt->nall; k++)
		if (all || bt->all[k]->valid)
			v[i++] = bt->all[k];
	if (order == BT_ORDER_HOTTEST)
		qsort(v, n, sizeof *v, hotter);
	else if (order == BT_ORDER_ADDRESS)
		qsort(v, n, sizeof *v, lower);
	memcpy(out, v, (n < max ? n : max) * sizeof *v);
	free(v);
	return n;
}

const struct ccf *bt_ccf_find(struct machine *m, uint32_t lin)
{
	struct bt *bt = bt_of(m);
	const struct ccf *best = NULL;
	int best_starts = 0;

	if (!bt)
		return NULL;
	for (uint32_t k = 0; k < bt->nall; k++) {
		const struct ccf *f = bt->all[k];
		uint32_t start = f->cs_base + f->eip;
		if (!f->valid || lin - start >= f->guest_bytes)
			continue;
		int starts = start == lin;
		if (!best || starts > best_starts || (starts == best_starts && f->execs > best->execs)) {
			best = f;
			best_starts = starts;
		}
	}
	return best;
}

void bt_get_totals(struct machine *m, struct bt_totals *t)
{
	struct bt *bt = bt_of(m);

	memset(t, 0, sizeof *t);
	if (!bt)
		return;
	for (uint32_t k = 0; k < bt->nall; k++) {
		const struct ccf *f = bt->all[k];
		if (!f->valid) {
			t->ccfs_dead++;
			continue;
		}
		t->ccfs_live++;
		t->execs += f->execs;
		for (unsigned j = 0; j < f->n_exits; j++)
			if (f->exits[j].to)
				t->edges_chained++;
			else
				t->edges_unchained++;
	}
	t->ccfs_translated = bt->ccfs;
	t->flushes = bt->flushes;
	t->guest_insns = bt->guest_insns;
	t->n_kinds = K_NKINDS;
	for (unsigned k = 0; k < K_NKINDS; k++)
		t->kinds[k] = bt->kinds[k];
	t->tc_used = (uint64_t)(bt->tc_free - bt->tc);
	t->tc_size = (uint64_t)(bt->tc_end - bt->tc);
	t->chain_patches = bt->chained;
	t->chain_misses = bt->ws[WS_CHAIN_MISS];
	t->callouts = bt->ws[WS_CALLOUT];
	for (unsigned k = 0; k < WS_N; k++)
		t->world_switches += bt->ws[k];
	t->tc_insns = bt->tc_insns;
	t->interp_steps = bt->interp_steps;
	t->translate_ns = bt->translate_ns;
}
