/* SPDX-License-Identifier: MIT
 *
 * tcview.c — the debugger's views of the binary translator (docs/bt.md, "Looking inside"; the lectures'
 * translation cache and chaining pictures, drawn from the running VMM):
 *
 *   monitor tc          the TC's totals (CCFs, translation kinds, chained vs unchained exits, world
 *                       switches) and the CCFs, hottest first: guest range, one letter per instruction
 *                       for its translation kind, executions, callouts, and where the exits go.
 *   monitor tc ADDR     the CCF covering ADDR as in -d in_asm,out_asm: guest code, kinds, host code —
 *                       with the counts so far — then its exits and the exits chained into it.
 *   monitor chains F    the chaining graph: one node per CCF (guest address, instruction count,
 *                       executions), one edge per direct exit, solid when chained (a patched host jump),
 *                       dashed when the exit still goes through the VMM.  F.dot gets the dot text
 *                       written here; F.svg (or any format Graphviz knows) is laid out and rendered with
 *                       libgvc.
 *
 * Everything comes from the introspection API (src/bt/introspect.h) and the listing (src/bt/listing.h),
 * never from the translator's structures, so these views survive changes to code generation.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <graphviz/gvc.h>
#include "bt/introspect.h"
#include "bt/listing.h"
#include "debugger/tcview.h"

/* One letter per translation kind for the CCF list: the kind name's initial, lower case when an
 * earlier kind already took it (IDENT I, REENC R, JCC J, JMP j, CALL C, CALLOUT c). */
static char kind_letter(unsigned kind)
{
	const char *name = bt_kind_str(kind);
	char c = name[0];

	for (unsigned k = 0; k < kind && k < bt_nkinds(); k++)
		if (bt_kind_str(k)[0] == c)
			return (char)(c | 0x20);
	return c;
}

static const struct ccf **all_ccfs(struct machine *m, enum bt_order order, size_t *n)
{
	size_t want = bt_ccfs(m, NULL, 0, order, 0);
	const struct ccf **v = malloc((want ? want : 1) * sizeof *v);

	*n = 0;
	if (v) {
		bt_ccfs(m, v, want, order, 0);
		*n = want;
	}
	return v;
}

void tcview_summary(struct machine *m, FILE *out, int all)
{
	struct bt_totals t;
	uint64_t tr = 0, ident = 0;
	size_t n;

	bt_get_totals(m, &t);
	fprintf(out, "translation cache: %" PRIu64 " CCFs (%" PRIu64 " invalidated, awaiting a flush); %" PRIu64
		" translated in all, %" PRIu64 " flushes; %" PRIu64 " KiB of %" PRIu64 " KiB in use\n",
		t.ccfs_live, t.ccfs_dead, t.ccfs_translated, t.flushes, t.tc_used >> 10, t.tc_size >> 10);
	fprintf(out, "translated %" PRIu64 " guest instructions:", t.guest_insns);
	for (unsigned k = 0; k < t.n_kinds; k++) {
		fprintf(out, " %s %" PRIu64, bt_kind_str(k), t.kinds[k]);
		tr += t.kinds[k];
		if (!strcmp(bt_kind_str(k), "IDENT") || !strcmp(bt_kind_str(k), "REENC"))
			ident += t.kinds[k];
	}
	fprintf(out, " (IDENT ratio %.1f%%) in %.3f ms\n", tr ? 100.0 * (double)ident / (double)tr : 0.0,
		(double)t.translate_ns / 1e6);
	fprintf(out, "executed %" PRIu64 " instructions in the TC, %" PRIu64 " in the interpreter; %" PRIu64
		" world switches, %" PRIu64 " callouts\n", t.tc_insns, t.interp_steps, t.world_switches, t.callouts);
	fprintf(out, "exits: %" PRIu64 " chained, %" PRIu64 " unchained now; %" PRIu64 " chained since the start, %"
		PRIu64 " chain misses\n", t.edges_chained, t.edges_unchained, t.chain_patches, t.chain_misses);

	const struct ccf **v = all_ccfs(m, BT_ORDER_HOTTEST, &n);
	if (!v || !n) {
		free(v);
		return;
	}
	fprintf(out, "kinds:");
	for (unsigned k = 0; k < bt_nkinds(); k++)
		fprintf(out, " %c=%s", kind_letter(k), bt_kind_str(k));
	fprintf(out, "; exits: => chained, -> through the VMM\n");
	fprintf(out, "%-17s  %-8s  %-12s  %10s  %10s  %s\n", "guest", "pa", "kinds", "execs", "callouts", "exits");
	size_t rows = all || n <= 30 ? n : 30;
	for (size_t r = 0; r < rows; r++) {
		struct bt_ccf_info fi;
		char kinds[64];
		unsigned nk = 0;
		bt_ccf_info(v[r], &fi);
		for (unsigned k = 0; k < fi.n_insns && nk + 1 < sizeof kinds; k++) {
			struct bt_insn_info ii;
			if (bt_ccf_insn(v[r], k, &ii) == 0)
				kinds[nk++] = kind_letter(ii.kind);
		}
		kinds[nk] = 0;
		fprintf(out, "%08x-%08x  %08x  %-12s  %10" PRIu64 "  %10" PRIu64 " ", fi.lin, fi.lin_end - 1, fi.pa,
			kinds, fi.execs, fi.callouts);
		for (unsigned k = 0; k < fi.n_exits; k++) {
			struct bt_exit_info e;
			if (bt_ccf_exit(v[r], k, &e) == 0)
				fprintf(out, " %s%08x", e.to ? "=>" : "->", e.target_lin);
		}
		fputc('\n', out);
	}
	if (rows < n)
		fprintf(out, "(%zu more; `monitor tc all` lists them all)\n", n - rows);
	free(v);
}

void tcview_ccf(struct machine *m, uint32_t lin, FILE *out)
{
	const struct ccf *f = bt_ccf_find(m, lin);
	struct bt_ccf_info fi;
	size_t n;

	if (!f) {
		fprintf(out, "no CCF covers %08x (not translated yet, or invalidated)\n", lin);
		return;
	}
	bt_ccf_info(f, &fi);
	bt_list_ccf(m, f, out, BT_LIST_GUEST | BT_LIST_HOST);
	for (unsigned k = 0; k < fi.n_exits; k++) {
		struct bt_exit_info e;
		if (bt_ccf_exit(f, k, &e) == 0)
			fprintf(out, "exit %u -> %08x after %u insns: %s\n", k, e.target_lin, e.n_done,
				e.to ? "chained (a direct host jump)" : "not chained (through the VMM)");
	}
	/* Exits chained into this CCF, and other CCFs that cover the same address. */
	const struct ccf **v = all_ccfs(m, BT_ORDER_ADDRESS, &n);
	for (size_t r = 0; v && r < n; r++) {
		struct bt_ccf_info gi;
		bt_ccf_info(v[r], &gi);
		for (unsigned k = 0; k < gi.n_exits; k++) {
			struct bt_exit_info e;
			if (bt_ccf_exit(v[r], k, &e) == 0 && e.to == f)
				fprintf(out, "chained into it: exit %u of CCF %08x\n", k, gi.lin);
		}
		if (v[r] != f && lin - gi.lin < gi.guest_bytes)
			fprintf(out, "also covering %08x: CCF %08x-%08x\n", lin, gi.lin, gi.lin_end - 1);
	}
	free(v);
}

static int by_lin(const void *key, const void *elem)
{
	uint32_t lin = *(const uint32_t *)key;
	struct bt_ccf_info fi;

	bt_ccf_info(*(const struct ccf *const *)elem, &fi);
	return (lin > fi.lin) - (lin < fi.lin);
}

void tcview_dot(struct machine *m, FILE *out)
{
	size_t n;
	const struct ccf **v = all_ccfs(m, BT_ORDER_ADDRESS, &n);

	fprintf(out, "digraph tc {\n"
		"  /* revisor: CCFs in the translation cache and their direct exits.\n"
		"     solid edge: chained (patched host jump); dashed: leaves through the VMM */\n"
		"  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
		"  edge [fontname=\"monospace\", fontsize=9];\n");
	for (size_t r = 0; v && r < n; r++) {
		struct bt_ccf_info fi;
		bt_ccf_info(v[r], &fi);
		fprintf(out, "  c%zu [label=\"%08x\\n%u insns\\n%" PRIu64 " execs\"];\n", r, fi.lin, fi.n_insns,
			fi.execs);
	}
	for (size_t r = 0; v && r < n; r++) {
		struct bt_ccf_info fi;
		bt_ccf_info(v[r], &fi);
		for (unsigned k = 0; k < fi.n_exits; k++) {
			struct bt_exit_info e;
			if (bt_ccf_exit(v[r], k, &e) != 0)
				continue;
			if (e.to) {
				const struct ccf **p = bsearch(&e.to_lin, v, n, sizeof *v, by_lin);
				/* the exact CCF (several may start at one address, in different modes) */
				while (p && p > v && by_lin(&e.to_lin, p - 1) == 0)
					p--;
				while (p && p < v + n && *p != e.to && by_lin(&e.to_lin, p) == 0)
					p++;
				if (p && p < v + n && *p == e.to) {
					fprintf(out, "  c%zu -> c%zu [style=bold];\n", r, (size_t)(p - v));
					continue;
				}
			}
			const struct ccf **p = bsearch(&e.target_lin, v, n, sizeof *v, by_lin);
			if (p)
				fprintf(out, "  c%zu -> c%zu [style=dashed, color=gray40];\n", r, (size_t)(p - v));
			else
				fprintf(out, "  c%zu -> t%08x [style=dashed, color=gray40];\n  t%08x [shape=plaintext, "
					"label=\"%08x\\n(not translated)\"];\n", r, e.target_lin, e.target_lin, e.target_lin);
		}
	}
	fprintf(out, "}\n");
	free(v);
}

int tcview_chains(struct machine *m, const char *path, FILE *msg)
{
	const char *dot = strrchr(path, '.');
	const char *fmt = dot && dot[1] && !strchr(dot, '/') ? dot + 1 : "dot";
	int rc = -1;

	if (!strcmp(fmt, "dot") || !strcmp(fmt, "gv")) {
		FILE *f = fopen(path, "w");
		if (!f) {
			fprintf(msg, "cannot write %s\n", path);
			return -1;
		}
		tcview_dot(m, f);
		if (fclose(f) != 0) {
			fprintf(msg, "cannot write %s\n", path);
			return -1;
		}
		fprintf(msg, "chaining graph written to %s\n", path);
		return 0;
	}

	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	if (!mem)
		return -1;
	tcview_dot(m, mem);
	fclose(mem);
	/* One Graphviz context for the process: creating one loads the plugin configuration (and libgvc
	 * 2.42 never frees the buffer it reads it into). */
	static GVC_t *gvc;
	if (!gvc)
		gvc = gvContext();
	Agraph_t *g = gvc ? agmemread(text) : NULL;
	if (g && gvLayout(gvc, g, "dot") == 0) {
		rc = gvRenderFilename(gvc, g, fmt, path);
		gvFreeLayout(gvc, g);
	}
	if (g)
		agclose(g);
	free(text);
	if (rc == 0)
		fprintf(msg, "chaining graph rendered by Graphviz to %s (%s)\n", path, fmt);
	else
		fprintf(msg, "Graphviz could not render %s as '%s' (write a .dot file instead)\n", path, fmt);
	return rc == 0 ? 0 : -1;
}
