/* SPDX-License-Identifier: MIT
 *
 * introspect.h — looking inside the binary translator (docs/bt.md, "Looking inside"): a plain C API
 * over the translation cache for the debugger's views and for tests.  It answers the questions the
 * lecture's pictures raise about a running translator: which compiled code fragments (CCFs) exist, what
 * guest code each one covers, how each guest instruction was translated (IDENT or one of the non-IDENT
 * kinds) and where its host code is, how often a CCF ran and how often its callouts went to the VMM,
 * and which exits are chained to which CCF.
 *
 * Everything is copied out into the small structs below, so callers never depend on the layout of
 * struct ccf (bt.h), which changes with code generation.  A `const struct ccf *` is only a handle: it
 * stays valid until the translator runs again (a flush frees CCFs).  Nothing here changes the
 * translator's state.
 */
#ifndef REVISOR_BT_INTROSPECT_H
#define REVISOR_BT_INTROSPECT_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct ccf;

#define BT_MODE_CODE32 0x1u      /* struct bt_ccf_info.mode: translated as 32-bit code */
#define BT_MODE_CPL3   0x2u      /* ... at CPL 3 */
#define BT_MAX_KINDS   16        /* upper bound of bt_nkinds() */

struct bt_ccf_info {
	const struct ccf *ccf;       /* handle for the functions below */
	uint32_t lin, lin_end;       /* guest linear range [lin, lin_end) = CS.base + EIP ... */
	uint32_t pa;                 /* guest-physical address of the first instruction (the TC's key) */
	uint32_t eip, cs_base, cs_limit;
	unsigned mode;               /* BT_MODE_* */
	int valid;                   /* 0: invalidated (its page was written), host code not yet reclaimed */
	unsigned n_insns, n_exits, n_incoming;   /* guest instructions, direct exits, exits chained to it */
	uint32_t guest_bytes, host_bytes;
	const uint8_t *host;         /* its host code: the entry prologue, then instruction 0's code, ... */
	uint64_t execs;              /* times entered (counted by the prologue) */
	uint64_t callouts;           /* callouts run from it (sum over its instructions) */
};

struct bt_insn_info {
	uint32_t eip, lin, pa;       /* where the guest instruction is */
	unsigned len;                /* its length in bytes */
	unsigned kind;               /* translation kind (bt_kind_str) */
	const char *kind_name;
	uint32_t hoff, hlen;         /* its host code: host + hoff, hlen bytes.  The last instruction's code
	                              * runs to the end of the CCF (its exits and the self exit) */
	int has_callout;             /* the translation calls into the VMM for it */
	uint64_t callouts;           /* how often that callout ran */
};

struct bt_exit_info {
	uint32_t target, target_lin; /* guest EIP the exit goes to, and its linear address */
	unsigned n_done;             /* instructions of the CCF retired when the exit is taken */
	const struct ccf *to;        /* the CCF it is chained to (a direct host jump), or NULL */
	uint32_t to_lin;             /* to's linear address */
};

struct bt_totals {
	uint64_t ccfs_live;          /* valid CCFs in the TC now */
	uint64_t ccfs_dead;          /* invalidated ones whose host code is still in the TC */
	uint64_t ccfs_translated;    /* CCFs built since the start (over every flush) */
	uint64_t flushes;
	uint64_t guest_insns;        /* guest instructions translated since the start */
	unsigned n_kinds;
	uint64_t kinds[BT_MAX_KINDS];   /* of those, per translation kind */
	uint64_t tc_used, tc_size;   /* bytes of translation cache in use, and its size */
	uint64_t edges_chained;      /* exits of live CCFs that are chained now */
	uint64_t edges_unchained;    /* ... and that are not */
	uint64_t chain_patches;      /* exits chained since the start */
	uint64_t chain_misses;       /* direct exits that left the TC because they were not chained */
	uint64_t callouts;           /* callouts that returned into the TC */
	uint64_t world_switches;     /* every TC -> VMM transition, all reasons */
	uint64_t tc_insns;           /* guest instructions executed in the TC */
	uint64_t interp_steps;       /* ... and single-stepped by the interpreter instead */
	uint64_t execs;              /* sum of execs over the live CCFs */
	uint64_t translate_ns;       /* host time spent translating */
};

/* Is this machine running the binary translator? (Everything below needs it.) */
int bt_active(struct machine *m);

/* The CCFs in the TC: valid ones only, or also invalidated ones (all != 0).  Stores up to max handles
 * in out (out may be NULL with max 0) in the given order and returns how many there are in all. */
enum bt_order { BT_ORDER_TRANSLATION, BT_ORDER_HOTTEST, BT_ORDER_ADDRESS };
size_t bt_ccfs(struct machine *m, const struct ccf **out, size_t max, enum bt_order order, int all);

void bt_ccf_info(const struct ccf *f, struct bt_ccf_info *out);
/* Instruction k / direct exit k of a CCF; -1 when there is no such one. */
int bt_ccf_insn(const struct ccf *f, unsigned k, struct bt_insn_info *out);
int bt_ccf_exit(const struct ccf *f, unsigned k, struct bt_exit_info *out);
/* The valid CCF that covers guest linear address lin: one starting there if any, else the hottest one
 * containing it; NULL if none. */
const struct ccf *bt_ccf_find(struct machine *m, uint32_t lin);

void bt_get_totals(struct machine *m, struct bt_totals *t);

unsigned bt_nkinds(void);
const char *bt_kind_str(unsigned kind);    /* "IDENT", "CALLOUT", ...; "?" when out of range */

#endif
