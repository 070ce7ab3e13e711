/* SPDX-License-Identifier: MIT
 *
 * test_bt_introspect.c — the binary translator's introspection API (src/bt/introspect.h), the CCF
 * listing (src/bt/listing.h) and the chaining graph (debugger/tcview.c), on a small loop translated
 * under backend_bt: which CCFs exist, their instructions and translation kinds, execution and callout
 * counts, which exits are chained to which CCF, the totals, and what invalidation does to them.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <graphviz/cgraph.h>
#include "testutil.h"
#include "bt/introspect.h"
#include "bt/listing.h"
#include "debugger/tcview.h"

/* The loop: 10 iterations of an IDENT add, a BSF callout (the SDM leaves its flags and, for 0, its result undefined), a
 * re-encoded DEC and a JCC back.  Expected CCFs: A = the whole first pass (6 insns, entered once),
 * B = the loop body from `loop` (4 insns, entered 9 times), C = the HLT. */
static const uint8_t prog[] = {
	0xb9, 0x0a, 0x00, 0x00, 0x00,             /* 0:  mov ecx, 10 */
	0x31, 0xc0,                               /* 5:  xor eax, eax */
	/* loop (7): */
	0x01, 0xc8,                               /* 7:  add eax, ecx */
	0x0f, 0xbc, 0xc0,                         /* 9:  bsf eax, eax */
	0x49,                                     /* 12: dec ecx */
	0x75, 0xf8,                               /* 13: jnz loop */
	0xf4,                                     /* 15: hlt */
};
#define LOOP (TM_CODE + 7)
#define HLT (TM_CODE + 15)

static struct machine *run_bt(void)
{
	struct machine *m = tm_new();

	m->backend->fini(m);
	m->backend = &backend_bt;
	ck_assert_int_eq(m->backend->init(m), 0);
	tm_run(m, prog, sizeof prog, 10000);
	ck_assert(m->cpu.halted);
	ck_assert_uint_eq(m->cpu.r[R_ECX], 0);
	return m;
}

static const struct ccf *starting_at(struct machine *m, uint32_t lin)
{
	const struct ccf *v[16];
	size_t n = bt_ccfs(m, v, 16, BT_ORDER_TRANSLATION, 0);

	for (size_t k = 0; k < n && k < 16; k++) {
		struct bt_ccf_info fi;
		bt_ccf_info(v[k], &fi);
		if (fi.lin == lin)
			return v[k];
	}
	return NULL;
}

static unsigned kind_of(const char *name)
{
	for (unsigned k = 0; k < bt_nkinds(); k++)
		if (!strcmp(bt_kind_str(k), name))
			return k;
	ck_abort_msg("no translation kind %s", name);
	return 0;
}

static void check_kinds(const struct ccf *f, const char *const *want, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct bt_insn_info ii;
		ck_assert_int_eq(bt_ccf_insn(f, k, &ii), 0);
		ck_assert_msg(ii.kind == kind_of(want[k]), "insn %u: kind %s, want %s", k, ii.kind_name, want[k]);
		ck_assert_str_eq(ii.kind_name, want[k]);
	}
}

START_TEST(test_introspect_ccfs)
{
	struct machine *m = run_bt();
	struct bt_ccf_info a, b, c;
	const struct ccf *fa = starting_at(m, TM_CODE), *fb = starting_at(m, LOOP), *fc = starting_at(m, HLT);

	ck_assert(bt_active(m));
	ck_assert_uint_eq(bt_ccfs(m, NULL, 0, BT_ORDER_TRANSLATION, 0), 3);
	ck_assert_ptr_nonnull(fa);
	ck_assert_ptr_nonnull(fb);
	ck_assert_ptr_nonnull(fc);
	bt_ccf_info(fa, &a);
	bt_ccf_info(fb, &b);
	bt_ccf_info(fc, &c);

	/* A: the first pass. */
	static const char *const ka[] = { "IDENT", "IDENT", "IDENT", "CALLOUT", "REENC", "JCC" };
	ck_assert_uint_eq(a.n_insns, 6);
	ck_assert_uint_eq(a.guest_bytes, 15);
	ck_assert_uint_eq(a.lin_end, TM_CODE + 15);
	ck_assert_uint_eq(a.pa, TM_CODE);
	ck_assert(a.mode & BT_MODE_CODE32);
	ck_assert(a.valid);
	ck_assert_uint_eq(a.execs, 1);
	ck_assert_uint_eq(a.callouts, 1);
	check_kinds(fa, ka, 6);

	/* B: the loop, 9 more passes; its BSF called out each time. */
	static const char *const kb[] = { "IDENT", "CALLOUT", "REENC", "JCC" };
	static const unsigned lens[] = { 2, 3, 1, 2 };
	ck_assert_uint_eq(b.n_insns, 4);
	ck_assert_uint_eq(b.execs, 9);
	ck_assert_uint_eq(b.callouts, 9);
	check_kinds(fb, kb, 4);
	uint32_t at = LOOP, prev_end = 0;
	for (unsigned k = 0; k < 4; k++) {
		struct bt_insn_info ii;
		bt_ccf_insn(fb, k, &ii);
		ck_assert_uint_eq(ii.lin, at);
		ck_assert_uint_eq(ii.pa, at);
		ck_assert_uint_eq(ii.len, lens[k]);
		ck_assert_uint_eq(ii.has_callout, k == 1);
		ck_assert_uint_eq(ii.callouts, k == 1 ? 9 : 0);
		ck_assert_uint_gt(ii.hlen, 0);
		ck_assert_uint_ge(ii.hoff, k == 0 ? 1 : prev_end);   /* the prologue comes first */
		ck_assert_uint_le(ii.hoff + ii.hlen, b.host_bytes);
		prev_end = ii.hoff + ii.hlen;
		at += ii.len;
	}
	ck_assert_uint_eq(prev_end, b.host_bytes);
	struct bt_insn_info none;
	ck_assert_int_eq(bt_ccf_insn(fb, 4, &none), -1);

	/* Chain edges: A's taken exit and B's are chained to B, B's fall-through to C; A's fall-through
	 * was never taken. */
	unsigned seen = 0;
	for (unsigned k = 0; k < a.n_exits; k++) {
		struct bt_exit_info e;
		ck_assert_int_eq(bt_ccf_exit(fa, k, &e), 0);
		if (e.target_lin == LOOP) {
			ck_assert_ptr_eq(e.to, fb);
			ck_assert_uint_eq(e.to_lin, LOOP);
			ck_assert_uint_eq(e.n_done, 6);
			seen |= 1;
		} else {
			ck_assert_uint_eq(e.target_lin, HLT);
			ck_assert_ptr_null(e.to);
			seen |= 2;
		}
	}
	for (unsigned k = 0; k < b.n_exits; k++) {
		struct bt_exit_info e;
		ck_assert_int_eq(bt_ccf_exit(fb, k, &e), 0);
		ck_assert_ptr_eq(e.to, e.target_lin == LOOP ? fb : fc);
		seen |= e.target_lin == LOOP ? 4 : 8;
	}
	ck_assert_uint_eq(seen, 15);
	ck_assert_uint_eq(b.n_incoming, 2);        /* from A and from itself */
	ck_assert_uint_eq(c.n_incoming, 1);
	struct bt_exit_info nx;
	ck_assert_int_eq(bt_ccf_exit(fb, b.n_exits, &nx), -1);

	/* Lookup by address: the CCF starting there, else the hottest one containing it. */
	ck_assert_ptr_eq(bt_ccf_find(m, LOOP), fb);
	ck_assert_ptr_eq(bt_ccf_find(m, TM_CODE + 9), fb);
	ck_assert_ptr_eq(bt_ccf_find(m, TM_CODE + 5), fa);
	ck_assert_ptr_null(bt_ccf_find(m, TM_CODE + 0x100));

	/* Orders. */
	const struct ccf *v[3];
	ck_assert_uint_eq(bt_ccfs(m, v, 3, BT_ORDER_HOTTEST, 0), 3);
	ck_assert_ptr_eq(v[0], fb);
	ck_assert_uint_eq(bt_ccfs(m, v, 3, BT_ORDER_ADDRESS, 0), 3);
	ck_assert_ptr_eq(v[0], fa);
	ck_assert_ptr_eq(v[1], fb);
	ck_assert_ptr_eq(v[2], fc);

	/* Totals. */
	struct bt_totals t;
	bt_get_totals(m, &t);
	ck_assert_uint_eq(t.ccfs_live, 3);
	ck_assert_uint_eq(t.ccfs_dead, 0);
	ck_assert_uint_eq(t.ccfs_translated, 3);
	ck_assert_uint_eq(t.guest_insns, 6 + 4 + c.n_insns);
	ck_assert_uint_eq(t.kinds[kind_of("REENC")], 2);
	ck_assert_uint_eq(t.kinds[kind_of("JCC")], 2);
	ck_assert_uint_eq(t.edges_chained, 3);
	ck_assert_uint_eq(t.edges_chained + t.edges_unchained, a.n_exits + b.n_exits + c.n_exits);
	ck_assert_uint_eq(t.chain_patches, 3);
	ck_assert_uint_eq(t.execs, 1 + 9 + c.execs);
	ck_assert_uint_ge(t.callouts, 10);
	ck_assert_uint_gt(t.tc_used, 0);

	/* A write into the code page invalidates all three: gone from the list, still counted as dead. */
	m->backend->code_written(m, TM_CODE, 1);
	ck_assert_uint_eq(bt_ccfs(m, NULL, 0, BT_ORDER_TRANSLATION, 0), 0);
	ck_assert_uint_eq(bt_ccfs(m, NULL, 0, BT_ORDER_TRANSLATION, 1), 3);
	bt_get_totals(m, &t);
	ck_assert_uint_eq(t.ccfs_live, 0);
	ck_assert_uint_eq(t.ccfs_dead, 3);
	ck_assert_ptr_null(bt_ccf_find(m, LOOP));
	bt_ccf_info(fb, &b);
	ck_assert(!b.valid);
	ck_assert_uint_eq(b.n_incoming, 0);        /* unchained */
	tm_free(m);
}
END_TEST

static char *capture_listing(struct machine *m, const struct ccf *f, unsigned what)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(out);
	bt_list_ccf(m, f, out, what);
	fclose(out);
	return text;
}

START_TEST(test_introspect_listing)
{
	struct machine *m = run_bt();
	const struct ccf *fb = starting_at(m, LOOP);
	char *both = capture_listing(m, fb, BT_LIST_GUEST | BT_LIST_HOST | BT_LIST_TAGS);
	char *guest = capture_listing(m, fb, BT_LIST_GUEST);

	/* guest lines: address, disassembly, kind, callout count */
	ck_assert_msg(strstr(both, "in_asm: 00010009  bsf eax, eax") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "; CALLOUT (callout ran 9 times)") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "in_asm: 0001000c  dec ecx") != NULL, "%s", both);
	/* host lines: disassembled x86-64 (DEC r32 re-encoded as FF /1), annotated */
	ck_assert_msg(strstr(both, "out_asm: ") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "ff c9") != NULL && strstr(both, "dec ecx") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "callout record: bsf eax, eax") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "t_callout") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "chained to CCF 00010007") != NULL, "%s", both);
	ck_assert_msg(strstr(both, "self exit") != NULL, "%s", both);
	/* guest only: no host code, no tags */
	ck_assert_msg(strstr(guest, "out_asm") == NULL && strstr(guest, "t_callout") == NULL, "%s", guest);
	ck_assert_msg(strstr(guest, "\n00010007  add eax, ecx") != NULL, "%s", guest);
	free(both);
	free(guest);
	tm_free(m);
}
END_TEST

START_TEST(test_introspect_dot)
{
	struct machine *m = run_bt();
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	unsigned exits = 0, bold = 0;
	const struct ccf *v[3];

	tcview_dot(m, out);
	fclose(out);
	bt_ccfs(m, v, 3, BT_ORDER_TRANSLATION, 0);
	for (int k = 0; k < 3; k++) {
		struct bt_ccf_info fi;
		bt_ccf_info(v[k], &fi);
		exits += fi.n_exits;
	}
	for (const char *p = text; (p = strstr(p, "style=bold")); p++)
		bold++;
	ck_assert_uint_eq(bold, 3);                       /* the chained edges */
	ck_assert_msg(strstr(text, "label=\"00010007\\n4 insns\\n9 execs\"") != NULL, "%s", text);

	/* It is a graph Graphviz reads: one node per CCF (plus untranslated targets), one edge per exit. */
	Agraph_t *g = agmemread(text);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_ge(agnnodes(g), 3);
	ck_assert_int_eq(agnedges(g), (int)exits);
	agclose(g);
	free(text);
	tm_free(m);
}
END_TEST

START_TEST(test_introspect_interp)
{
	struct machine *m = tm_new();   /* the interpreter: no translator to look into */
	struct bt_totals t;

	tm_run(m, prog, sizeof prog, 10000);
	ck_assert(!bt_active(m));
	ck_assert_uint_eq(bt_ccfs(m, NULL, 0, BT_ORDER_TRANSLATION, 1), 0);
	ck_assert_ptr_null(bt_ccf_find(m, LOOP));
	bt_get_totals(m, &t);
	ck_assert_uint_eq(t.ccfs_live + t.ccfs_translated, 0);
	tm_free(m);
}
END_TEST

Suite *suite_bt_introspect(void)
{
	Suite *s = suite_create("bt_introspect");
	TCase *t = tcase_create("bt_introspect");

	tcase_add_test(t, test_introspect_ccfs);
	tcase_add_test(t, test_introspect_listing);
	tcase_add_test(t, test_introspect_dot);
	tcase_add_test(t, test_introspect_interp);
	suite_add_tcase(s, t);
	return s;
}
