/* SPDX-License-Identifier: MIT
 *
 * bt.h — the binary translator's private data structures (docs/bt.md): compiled code fragments (CCFs)
 * in the translation cache (TC), their exits and callout records, and the per-machine translator state.
 * Shared by bt.c (backend, run loop, world switch), tc.c (the cache), translate.c (TU -> CCF) and
 * chain.c (patching exits).
 *
 * Register convention while a CCF runs (the "world" of translated code):
 *   guest EAX ECX EDX EBX . EBP ESI EDI  in host eax ecx edx ebx . ebp esi edi (same numbers)
 *   guest ESP                            in host r12d
 *   r13 = &cpu;  r14, r15 = scratch for the translator's own code;  rsp = the host stack
 *   guest CF PF AF ZF SF OF              in the host RFLAGS
 */
#ifndef REVISOR_BT_H
#define REVISOR_BT_H

#include <stdint.h>
#include "machine.h"
#include "cpu/insn.h"

#define TU_MAX 12                 /* the lecture's TU: at most 12 guest instructions */
#define BT_TC_SIZE (16u << 20)    /* bytes of translation cache */
#define BT_TC_RESERVE 8192        /* bt_translate flushes the TC when less than this is free */
#define BT_HASH_BITS 12
#define BT_PAGE_HASH 1024

/* Translation kinds, one per guest instruction (the lecture's IDENT / non-IDENT). */
enum bt_kind {
	K_IDENT,      /* copied byte for byte */
	K_REENC,      /* IDENT semantics, re-encoded for 64-bit mode (ESP -> r12, INC/DEC r32 -> FF /0 /1) */
	K_MEM,        /* memory operand: guest linear address -> software TLB -> host address, inline */
	K_STACK,      /* PUSH/POP through the same inline TLB path, ESP in r12 */
	K_DIV,        /* DIV/IDIV r32 in the TC, behind a guard that sends #DE cases to the interpreter */
	K_EMUL,       /* emulated in the TC after adaptive retranslation (RDTSC from the instruction count) */
	K_JCC,        /* direct conditional branch: host Jcc to two exits */
	K_JMP,        /* direct jump: an exit */
	K_CALL,       /* direct call: inline push of the return address, then an exit to the target */
	K_IND,        /* RET / indirect JMP / CALL: target looked up in the in-TC table, not in the VMM */
	K_CALLOUT,    /* everything else: a call to the interpreter's handler */
	K_NKINDS
};
extern const char *const bt_kind_name[K_NKINDS];

/* Why control left the TC for the VMM (counted, printed by -d worlds and -d exit). */
enum bt_ws {
	WS_CALLOUT,     /* a callout that returned into the TC (VMM code ran, no exit) */
	WS_TERM,        /* a terminating / sensitive callout ended the CCF */
	WS_INDIRECT,    /* EIP changed under a callout (RET, indirect jump, taken LOOP...): lookup */
	WS_CHAIN_MISS,  /* a direct exit that is not (yet) chained */
	WS_EVENT,       /* attention (interrupt line, timer, code write) seen at a callout or CCF entry */
	WS_EXCEPTION,   /* a callout faulted: longjmp to the run loop */
	WS_TC_FULL,     /* translation cache flushed */
	WS_BUDGET,      /* the CCF did not fit in the instruction budget before the next deadline */
	WS_N
};

struct ccf;

/* A direct exit: where it goes and how many of the CCF's instructions have retired when it is taken. */
struct bt_exit {
	struct ccf *from;
	uint32_t target;          /* guest EIP */
	uint16_t n_done;
	uint8_t self;             /* the CCF's own "could not enter" exit (budget) */
	uint8_t indirect;         /* an in-TC lookup missed: the target EIP is already in cpu.eip */
	uint8_t xpage;            /* chained across a guest page: valid only while the mapping is */
	uint8_t *jmp_field;       /* rel32 of the patchable jmp (NULL for self exits) */
	uint8_t *unchained;       /* where that jmp points while unchained */
	struct ccf *to;           /* chained target, or NULL */
	struct bt_exit *next_in;  /* next exit chained to the same target */
};

/* A callout: everything the C side needs to run one guest instruction through its handler. */
struct bt_callout {
	struct insn insn;
	uint32_t eip, expect;     /* the instruction's EIP; the EIP that lets the CCF go on */
	uint8_t idx;              /* position in the CCF: icount at the callout = CCF start + idx */
	uint8_t ends;             /* always return to the run loop afterwards (terminating/sensitive) */
	uint64_t count;           /* how often it ran: adaptive retranslation reads it */
	struct ccf *ccf;          /* the CCF it belongs to */
};

/* Per-instruction hints for (re)translation: what adaptive retranslation learned about it. */
#define HINT_CALLOUT 1u   /* its inline fast path keeps missing (MMIO, code page...): call out directly */
#define HINT_EMUL    2u   /* its callout is hot: emulate it in the TC (RDTSC) */

struct ccf {
	/* key: guest-physical address and the mode bits that change translation */
	uint32_t pa, eip, cs_base, cs_limit;
	uint8_t mode;             /* bit 0: 32-bit code; bit 1: CPL 3 */
	uint8_t valid;
	uint8_t n;                /* guest instructions */
	uint8_t n_exits;
	uint32_t gen;             /* m->page_gen[pa >> 12] when translated */
	uint32_t guest_bytes;
	uint8_t *entry;           /* host code: the prologue (budget/attention/generation checks) */
	uint8_t *body;
	uint32_t host_bytes;
	uint64_t execs;           /* incremented by the prologue */
	uint8_t kind[TU_MAX];
	uint32_t ieip[TU_MAX];
	uint16_t hoff[TU_MAX];    /* host code of instruction k starts at entry + hoff[k] */
	uint8_t hint[TU_MAX];     /* HINT_* it was translated with */
	uint8_t bp_stop;          /* starts at a debugger breakpoint: never entered (its prologue exits) */
	struct bt_exit exits[2];
	struct bt_exit self_exit;
	struct bt_exit ind_exit;  /* an in-TC indirect lookup missed */
	struct ccf *replaced_by;  /* adaptive retranslation: the old CCF's entry jumps to this one */
	struct bt_exit *incoming; /* exits chained to this CCF */
	struct bt_callout co[TU_MAX];
	uint8_t nco;
	struct ccf *hnext;        /* hash chain */
	struct ccf *pnext;        /* page list */
};

struct bt {
	uint8_t *tc, *tc_free, *tc_end;   /* the translation cache (RWX) */
	uint8_t *t_enter, *t_exit, *t_callout;   /* shared stubs at the start of the TC */
	uint8_t *tc_code;                 /* first byte after the stubs */
	struct ccf *hash[1u << BT_HASH_BITS];
	struct ccf *pages[BT_PAGE_HASH];
	struct ccf **all;                 /* every CCF since the last flush (freed at flush) */
	uint32_t nall, capall;

	uint64_t stop_at;                 /* min(icount_limit, next deadline) while the TC runs */
	int64_t r8;                       /* host r8 across world switches: icount - stop_at at the current
	                                     CCF's start (the prologue enters if r8 + n <= 0) */
	uint64_t ctx64;                   /* in-TC lookup key of the current context, << 32 (see jtab) */
	struct bt_jent { uint64_t key; uint8_t *entry; } *jtab;   /* in-TC indirect lookup: EIP -> CCF */
	uint32_t epoch_seen;              /* m->tlb_epoch when cross-page chains were made */
	struct bt_exit **xpage;           /* exits chained across pages (unchained when mappings change) */
	uint32_t nxpage, capxpage;
	struct ccf *retrans;              /* adaptive retranslation requested for this CCF */
	uint32_t bp_gen;                  /* m->debug_bp_gen the TC was translated with */
	uint64_t hflags;                  /* host RFLAGS saved by the exit stub */
	struct bt_exit *pending;          /* last unchained exit taken: chain it to the next CCF */
	int pending_ind;                  /* last exit was an indirect jump: enter the target in jtab */
	int disabled;                     /* translate nothing (debugging aid) */

	/* statistics */
	uint64_t ws[WS_N];
	uint64_t ccfs, flushes, chained, unchained_patches, guest_insns, kinds[K_NKINDS];
	uint64_t interp_steps, tc_insns;
	uint64_t retranslations, jtab_fills, xpage_chained, xpage_unchained;
	uint64_t tc_entries, execs_flushed;   /* entries from the VMM; CCF executions of flushed CCFs */
	uint64_t translate_ns;            /* host time spent translating (statistics only: never seen by the guest) */
};

static inline struct bt *bt_of(struct machine *m) { return m->bt; }

/* tc.c */
int tc_init(struct bt *bt);
void tc_fini(struct bt *bt);
struct ccf *tc_lookup(struct machine *m, uint32_t pa, uint32_t eip, uint8_t mode);
struct ccf *tc_new_ccf(struct bt *bt);
void tc_insert(struct bt *bt, struct ccf *f);
void tc_flush(struct machine *m);
void tc_invalidate_page(struct machine *m, uint32_t page);
void tc_replace(struct machine *m, struct ccf *old, struct ccf *nu);   /* adaptive retranslation */
void tc_jtab_drop(struct bt *bt, struct ccf *f);

/* translate.c: build the CCF for the TU at (pa, CS:EIP); NULL if nothing can be translated there. */
struct ccf *bt_translate(struct machine *m, uint32_t pa, uint8_t mode, const uint8_t *hints);
uint8_t bt_mode(const struct cpu *c);   /* the CCF key's mode bits for the current CPU state */
#define MODE_CODE32 1u
#define MODE_USER   2u
#define MODE_FLAT   4u   /* DS, ES, SS: base 0, limit 4 GiB, writable data; SS 32-bit: inline memory ok */
#define MODE_CSFLAT 8u   /* CS base 0, limit 4 GiB: in-TC indirect lookups ok */
#define JTAB_BITS 16
enum bt_kind bt_classify(const struct insn *i);

/* chain.c */
void chain_link(struct bt *bt, struct bt_exit *e, struct ccf *to);
void chain_unlink_all(struct ccf *f);
void chain_move_incoming(struct bt *bt, struct ccf *from, struct ccf *to);
void chain_unlink_xpage(struct bt *bt);   /* the guest's mappings changed: drop cross-page chains */

/* bt.c: the shared stubs and the callout entry point */
void bt_emit_stubs(struct bt *bt);
uint64_t bt_callout(struct cpu *c, struct bt_callout *co, uint64_t hflags);
int bt_breakpoint_at(const struct machine *m, uint32_t lin);   /* a debugger breakpoint at lin? */
#define BT_RET_CALLOUT 1u   /* the CCF left through a callout: struct cpu is already up to date */
void bt_report(struct machine *m, FILE *out);   /* statistics (-d exit) */

#endif
