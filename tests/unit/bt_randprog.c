/* SPDX-License-Identifier: MIT
 *
 * bt_randprog.c — the random program generator for the translator's lockstep tests (bt_randprog.h
 * says what the programs contain; docs/bt.md "Lockstep testing").  It is a small structured code
 * generator: a program is a list of *items*; an item is one instruction (with the few instructions
 * that set up its operands, e.g. the base and index registers of a memory operand) or a compound
 * (a loop, a forward branch over a block, if/else, a push ... pop group, a call...) that contains a
 * nested block.  Blocks keep three invariants that make every program terminate and stay inside its
 * memory image whatever the data: the stack is balanced at the end of every block (so a branch over
 * a block, a loop back-edge and RET find the stack they expect), loops count down a counter the body
 * cannot write (a memory word in RP_FIXED, or ECX taken out of the body's writable registers), and
 * every memory operand's address is computed from registers the generator set up just before (known
 * values, or a register masked to a small range), so data-dependent addresses stay inside a window.
 *
 * Faults may happen almost anywhere on purpose: the program's exception handlers log the exception
 * and resume at the next instruction (a fault restores the state before the instruction, so the
 * invariants still hold).  Only the instructions that keep the structure — the stack group's push and
 * pop, loop counters, calls and returns — use addresses that cannot fault.
 */
#include <stdlib.h>
#include <string.h>
#include "bt_randprog.h"
#include "cpu/disasm.h"
#include "cpu/x86.h"
#include "testutil.h"

/* ---- generator state ---------------------------------------------------------------------------- */
#define MAX_FUNC 6
#define ROOM 1536u               /* code bytes kept free for closing the open compounds */

struct gen {
	struct randprog *p;
	uint64_t rs;
	uint32_t wmask;              /* registers the current block may write (bit per register) */
	int depth;                   /* dwords above ESP the current block owns (its pushes) */
	int no_stack_wr;             /* no ESP-relative stores (a PUSHF slot is live) */
	int frame, locals, nargs;    /* in a function with an EBP frame */
	int arg_off;                 /* the first argument is at [ebp + arg_off] */
	int simple;                  /* > 0: only simple items (inside a short jump) */
	uint32_t next_slot;          /* next free RP_TAB slot */
	int loops;                   /* loop nesting (counter slot) */
	int nest;                    /* compound nesting */
	int fault_pct;               /* chance that a memory operand aims at a faulting address */
	int sys_ok;                  /* CPL 0: system instructions may appear */
	int in_loop_patch;           /* offset of a patchable imm32 in the current loop body, or -1 */
	int nfunc;
	uint32_t func[MAX_FUNC];     /* code offsets */
	uint8_t fargs[MAX_FUNC], fret_pops[MAX_FUNC];
	int cur_fn;                  /* function being generated (calls only go to lower numbers), or -1 */
	int mmio_pct;                /* chance that a memory operand hits the MMIO page */
	uint32_t cur;                /* start of the instruction being emitted */
	int noresume;
};

static uint64_t rnext(struct gen *g)
{
	g->rs ^= g->rs >> 12;
	g->rs ^= g->rs << 25;
	g->rs ^= g->rs >> 27;
	return g->rs * 0x2545f4914f6cdd1dull;
}
static uint32_t rnd(struct gen *g, uint32_t n) { return n ? (uint32_t)((rnext(g) >> 32) % n) : 0; }
static int chance(struct gen *g, unsigned pct) { return rnd(g, 100) < pct; }
static uint32_t r32(struct gen *g) { return (uint32_t)(rnext(g) >> 32); }

/* Values that make arithmetic interesting: edges around signs, carries and the operand sizes. */
static uint32_t rvalue(struct gen *g)
{
	static const uint32_t edge[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
					 0x7fffffff, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu };
	switch (rnd(g, 4)) {
	case 0: return edge[rnd(g, sizeof edge / sizeof edge[0])];
	case 1: return rnd(g, 64) - 32;
	default: return r32(g);
	}
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ---- emitting ------------------------------------------------------------------------------------ */
static void b1(struct gen *g, uint32_t v)
{
	if (g->p->len >= RP_CODE_MAX) {
		fprintf(stderr, "bt_randprog: code overflow (seed %llu)\n", (unsigned long long)g->p->seed);
		abort();
	}
	g->p->code[g->p->len++] = (uint8_t)v;
}
static void b2(struct gen *g, uint32_t v) { b1(g, v); b1(g, v >> 8); }
static void b4(struct gen *g, uint32_t v) { b2(g, v); b2(g, v >> 16); }
static uint32_t here(struct gen *g) { return g->p->len; }
static uint32_t lin(uint32_t off) { return RP_CODE + off; }

static void ibegin(struct gen *g) { g->cur = g->p->len; }
static void iend(struct gen *g)
{
	struct randprog *p = g->p;

	if (p->ninsn >= RP_MAX_INSNS) {
		fprintf(stderr, "bt_randprog: too many instructions\n");
		abort();
	}
	p->at[p->ninsn] = (uint16_t)g->cur;
	p->ilen[p->ninsn] = (uint8_t)(p->len - g->cur);
	p->noresume[p->ninsn] = (uint8_t)g->noresume;
	p->ninsn++;
}

/* One instruction from raw bytes. */
static void raw(struct gen *g, unsigned n, const uint8_t *bytes)
{
	ibegin(g);
	for (unsigned k = 0; k < n; k++)
		b1(g, bytes[k]);
	iend(g);
}
#define RAW(g, ...) do { static const uint8_t b_[] = { __VA_ARGS__ }; raw((g), sizeof b_, b_); } while (0)

static void patch8(struct gen *g, uint32_t field, uint32_t target)
{
	int32_t d = (int32_t)(target - (field + 1));

	if (d < -128 || d > 127) {
		fprintf(stderr, "bt_randprog: rel8 out of range (seed %llu)\n", (unsigned long long)g->p->seed);
		abort();
	}
	g->p->code[field] = (uint8_t)d;
}
static void patch32(struct gen *g, uint32_t field, uint32_t target)
{
	uint32_t d = target - (field + 4);
	memcpy(g->p->code + field, &d, 4);
}

static void add_init(struct gen *g, uint32_t addr, uint32_t val)
{
	struct randprog *p = g->p;

	if (p->ninit < RP_MAX_INIT) {
		p->init[p->ninit].addr = addr;
		p->init[p->ninit].val = val;
		p->ninit++;
	}
}

/* ---- operands ------------------------------------------------------------------------------------ */
struct opnd {
	int8_t reg;            /* >= 0: a register (mod = 3) */
	int8_t base, index;    /* -1: none */
	uint8_t scale;         /* 0..3 */
	uint8_t dsz;           /* displacement bytes: 0, 1, 4 (16-bit addressing: 0, 1, 2) */
	uint8_t seg;           /* segment-override prefix byte, or 0 */
	uint8_t a16, rm16;     /* 16-bit addressing and its r/m field */
	uint8_t sib_nobase;    /* [disp32] through a SIB byte */
	int32_t disp;
};

static struct opnd R(int r) { struct opnd o = { .reg = (int8_t)r, .base = -1, .index = -1 }; return o; }

static void emit_modrm(struct gen *g, unsigned regf, const struct opnd *o)
{
	regf &= 7;
	if (o->reg >= 0) {
		b1(g, 0xc0 | regf << 3 | (unsigned)o->reg);
		return;
	}
	if (o->a16) {
		unsigned mod = o->dsz == 0 ? 0 : o->dsz == 1 ? 1 : 2;
		if (o->rm16 == 6 && o->dsz == 2 && o->base < 0)
			mod = 0;                                   /* [disp16] */
		b1(g, mod << 6 | regf << 3 | o->rm16);
		if (o->dsz == 1)
			b1(g, (uint32_t)o->disp);
		else if (o->dsz == 2)
			b2(g, (uint32_t)o->disp);
		return;
	}
	if (o->base < 0 && o->index < 0) {
		if (o->sib_nobase) {
			b1(g, 0x04 | regf << 3);
			b1(g, (uint32_t)(o->scale << 6) | 4 << 3 | 5);   /* no index: the scale is ignored */
		} else {
			b1(g, 0x05 | regf << 3);
		}
		b4(g, (uint32_t)o->disp);
		return;
	}
	if (o->base < 0) {
		b1(g, 0x04 | regf << 3);
		b1(g, (uint32_t)(o->scale << 6) | (unsigned)o->index << 3 | 5);
		b4(g, (uint32_t)o->disp);
		return;
	}
	unsigned mod = o->dsz == 0 ? 0 : o->dsz == 1 ? 1 : 2;
	if (o->index >= 0 || o->base == R_ESP) {
		b1(g, mod << 6 | regf << 3 | 4);
		b1(g, (uint32_t)(o->scale << 6) | (unsigned)(o->index >= 0 ? o->index : 4) << 3 | (unsigned)o->base);
	} else {
		b1(g, mod << 6 | regf << 3 | (unsigned)o->base);
	}
	if (o->dsz == 1)
		b1(g, (uint32_t)o->disp);
	else if (o->dsz == 4)
		b4(g, (uint32_t)o->disp);
}

/* An instruction with a ModRM operand: [lock] [seg] [67] [66] opcode modrm... imm. */
static void emit_rm(struct gen *g, unsigned osz, int lock, const uint8_t *op, unsigned nop, unsigned regf,
		    const struct opnd *o, unsigned immsz, uint32_t imm)
{
	ibegin(g);
	uint8_t pfx[4];
	unsigned np = 0;
	if (lock)
		pfx[np++] = 0xf0;
	if (o->reg < 0 && o->seg)
		pfx[np++] = o->seg;
	if (o->reg < 0 && o->a16)
		pfx[np++] = 0x67;
	if (osz == 2)
		pfx[np++] = 0x66;
	if (np > 1 && chance(g, 30)) {                        /* prefixes come in any order */
		unsigned a = rnd(g, np), b = rnd(g, np);
		uint8_t t = pfx[a]; pfx[a] = pfx[b]; pfx[b] = t;
	}
	for (unsigned k = 0; k < np; k++)
		b1(g, pfx[k]);
	for (unsigned k = 0; k < nop; k++)
		b1(g, op[k]);
	emit_modrm(g, regf, o);
	if (immsz == 1)
		b1(g, imm);
	else if (immsz == 2)
		b2(g, imm);
	else if (immsz == 4)
		b4(g, imm);
	iend(g);
}
static void op1(struct gen *g, unsigned osz, int lock, uint8_t op, unsigned regf, const struct opnd *o,
		unsigned immsz, uint32_t imm)
{
	emit_rm(g, osz, lock, &op, 1, regf, o, immsz, imm);
}
static void op2(struct gen *g, unsigned osz, int lock, uint8_t op, unsigned regf, const struct opnd *o,
		unsigned immsz, uint32_t imm)
{
	const uint8_t b[2] = { 0x0f, op };
	emit_rm(g, osz, lock, b, 2, regf, o, immsz, imm);
}

/* ---- registers ----------------------------------------------------------------------------------- */
static unsigned rsize(struct gen *g)
{
	unsigned r = rnd(g, 10);
	return r < 3 ? 1 : r < 5 ? 2 : 4;
}
static int wr_ok(const struct gen *g, int r, unsigned size)
{
	return size == 1 ? (g->wmask >> (r & 3)) & 1 : (g->wmask >> r) & 1;
}
static int pick_w(struct gen *g, unsigned size)
{
	for (;;) {
		int r = (int)rnd(g, 8);
		if (wr_ok(g, r, size))
			return r;
	}
}
static int pick_w_not(struct gen *g, int a, int b)
{
	for (;;) {
		int r = (int)rnd(g, 8);
		if (wr_ok(g, r, 4) && r != a && r != b)
			return r;
	}
}
static int pick_any(struct gen *g) { return (int)rnd(g, 8); }

static void mov_ri(struct gen *g, int r, uint32_t v)     /* mov r32, imm32 */
{
	ibegin(g);
	b1(g, 0xb8 + (unsigned)r);
	b4(g, v);
	iend(g);
}
static void mov_ri16(struct gen *g, int r, uint32_t v)
{
	ibegin(g);
	b1(g, 0x66);
	b1(g, 0xb8 + (unsigned)r);
	b2(g, v);
	iend(g);
}

/* ---- memory operands ----------------------------------------------------------------------------- */
enum { M_SAFE = 1, M_NOFS = 2, M_NOSTACK = 4, M_NOA16 = 8 };

/* A segment override that changes nothing (flat segments); CS only for reads. */
static uint8_t harmless_seg(struct gen *g, int write)
{
	static const uint8_t s[] = { 0x3e, 0x26, 0x36, 0x65, 0x2e };
	return chance(g, 80) ? 0 : s[rnd(g, write ? 4 : 5)];
}

static uint32_t new_slot(struct gen *g)
{
	return RP_TAB + 4 * (g->next_slot++ & 0x3ff);
}

/* A memory operand whose access covers [EA + adj, EA + adj + size) with EA = its effective address
 * inside [lo, hi) of segment `seg` (known window; 0 = DS).  Emits the instructions that set up the
 * registers it uses. */
static struct opnd address(struct gen *g, uint32_t lo, uint32_t hi, uint32_t target, int exact, unsigned size,
			   int32_t adj, unsigned flags, uint8_t seg)
{
	struct opnd o = { .reg = -1, .base = -1, .index = -1, .seg = seg };
	uint32_t ea = target - (uint32_t)adj;
	unsigned form = rnd(g, exact ? 5 : 8);

	if (form == 4 && (!seg || seg != 0x64 || (flags & M_NOA16) || hi > 0x10000))
		form = 1;
	switch (form) {
	case 0:                                                     /* [disp32] */
		o.disp = (int32_t)ea;
		o.sib_nobase = chance(g, 20);
		o.scale = (uint8_t)rnd(g, 4);
		break;
	case 1: {                                                   /* [base + disp] */
		int b = pick_w(g, 4);
		o.base = (int8_t)b;
		o.dsz = (uint8_t)(b == R_EBP ? 1 + 3 * rnd(g, 2) : rnd(g, 3) == 0 ? 0 : rnd(g, 2) ? 1 : 4);
		o.disp = o.dsz == 0 ? 0 : o.dsz == 1 ? (int8_t)rnd(g, 256) : (int32_t)r32(g);
		mov_ri(g, b, ea - (uint32_t)o.disp);
		break;
	}
	case 2: {                                                   /* [base + index*scale + disp] */
		int b = pick_w(g, 4), i = pick_w_not(g, b, R_ESP);
		uint32_t iv = chance(g, 50) ? rnd(g, 33) - 16 : r32(g);
		o.base = (int8_t)b;
		o.index = (int8_t)i;
		o.scale = (uint8_t)rnd(g, 4);
		o.dsz = (uint8_t)(b == R_EBP ? 1 + 3 * rnd(g, 2) : rnd(g, 3) == 0 ? 0 : rnd(g, 2) ? 1 : 4);
		o.disp = o.dsz == 0 ? 0 : o.dsz == 1 ? (int8_t)rnd(g, 256) : (int32_t)r32(g);
		mov_ri(g, i, iv);                                   /* the sum wraps around 4 GiB */
		mov_ri(g, b, ea - (uint32_t)o.disp - (iv << o.scale));
		break;
	}
	case 3: {                                                   /* [index*scale + disp32] */
		int i = pick_w_not(g, R_ESP, R_ESP);
		uint32_t iv = chance(g, 50) ? rnd(g, 64) : r32(g);
		o.index = (int8_t)i;
		o.scale = (uint8_t)rnd(g, 4);
		o.disp = (int32_t)(ea - (iv << o.scale));
		mov_ri(g, i, iv);
		break;
	}
	case 4: {                                                   /* 16-bit addressing (FS offsets) */
		static const int8_t rb[8] = { R_EBX, R_EBX, R_EBP, R_EBP, -1, -1, R_EBP, R_EBX };
		static const int8_t ri[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, -1, -1 };
		unsigned rm = rnd(g, 8);
		int b = rb[rm], i = ri[rm];
		if ((b >= 0 && !wr_ok(g, b, 2)) || (i >= 0 && !wr_ok(g, i, 2)))
			rm = 7, b = R_EBX, i = -1;
		o.a16 = 1;
		o.rm16 = (uint8_t)rm;
		o.dsz = (uint8_t)rnd(g, 3);
		if (rm == 6 && o.dsz == 0) {
			o.dsz = 2;                                  /* mod 00, r/m 110: [disp16], no register */
			b = -1;
		}
		if (rm == 6 && b < 0) {
			o.disp = (int32_t)(ea & 0xffff);
			break;
		}
		o.base = (int8_t)b;                                 /* (remembered only to pick mod) */
		o.disp = o.dsz == 0 ? 0 : o.dsz == 1 ? (int8_t)rnd(g, 256) : (int32_t)rnd(g, 0x10000);
		uint32_t rest = ea - (uint32_t)o.disp, iv = rnd(g, 0x10000);
		if (b >= 0 && i >= 0) {
			mov_ri16(g, i, iv);
			mov_ri16(g, b, rest - iv);
		} else {
			mov_ri16(g, b >= 0 ? b : i, rest);
		}
		break;
	}
	default: {                                                  /* data-dependent: a masked register */
		unsigned span = hi - lo;
		if (span < size + 1) {
			o.disp = (int32_t)ea;
			break;
		}
		unsigned sc = rnd(g, 4);
		uint32_t mask = (1u << rnd(g, 9)) - 1;
		while (mask && (mask << sc) + size + (uint32_t)(adj < 0 ? -adj : adj) >= span)
			mask >>= 1;
		uint32_t room = span - (mask << sc) - size - (uint32_t)(adj < 0 ? -adj : adj);
		uint32_t start = lo + rnd(g, room + 1) + (uint32_t)(adj < 0 ? -adj : 0);   /* EA range start */
		int i = pick_w_not(g, R_ESP, R_ESP);
		if (form == 5 || form == 7) {
			/* [base + index*scale + disp] with the index masked: and i, mask */
			int b = pick_w_not(g, i, R_ESP);
			o.base = (int8_t)b;
			o.index = (int8_t)i;
			o.scale = (uint8_t)sc;
			o.dsz = (uint8_t)(b == R_EBP || chance(g, 50) ? 1 : 0);
			o.disp = o.dsz ? (int8_t)rnd(g, 256) : 0;
			op1(g, 4, 0, 0x81, 4, &(struct opnd){ .reg = (int8_t)i }, 4, mask);   /* and i, mask */
			mov_ri(g, b, start - (uint32_t)o.disp);
		} else {
			/* [index*scale + disp32] with movzx index, byte or and-mask */
			o.index = (int8_t)i;
			o.scale = (uint8_t)sc;
			if (mask == 0xff && chance(g, 50)) {
				struct opnd src = R(pick_any(g));
				op2(g, 4, 0, 0xb6, (unsigned)i, &src, 0, 0);                  /* movzx i, r8 */
			} else {
				op1(g, 4, 0, 0x81, 4, &(struct opnd){ .reg = (int8_t)i }, 4, mask);
			}
			o.disp = (int32_t)start;
		}
		break;
	}
	}
	return o;
}

/* Choose what a memory access of `size` bytes at EA + adj hits, and build the operand. */
static struct opnd mem_at(struct gen *g, unsigned size, int write, unsigned flags, int32_t adj)
{
	unsigned roll = rnd(g, 100);
	int can_fault = !(flags & M_SAFE);

	/* The harness's MMIO device, sometimes straddling into the page after it. */
	if (!(flags & M_SAFE) && chance(g, (unsigned)g->mmio_pct)) {
		uint32_t t = chance(g, 20) ? RP_MMIO + 0x1000 - 1 - rnd(g, size) : RP_MMIO + rnd(g, 0x1000 - size);
		return address(g, t - 64, t + 64, t, 1, size, adj, flags, harmless_seg(g, write));
	}
	/* Faulting targets (with paging: not present, read-only, supervisor-only, straddling into one of
	 * those; any mode: FS beyond its limit, a store through CS). */
	if (can_fault && chance(g, (unsigned)g->fault_pct)) {
		uint32_t t;
		switch (rnd(g, 7)) {
		case 0: t = RP_NP + rnd(g, 0x1000 - size); break;
		case 1: t = RP_NP - 1 - rnd(g, size > 1 ? size - 1 : 1); break;       /* RW -> NP */
		case 2: t = RP_RO + rnd(g, 0x1000 - size); break;
		case 3: t = RP_DATA - 1 - rnd(g, size > 1 ? size - 1 : 1); break;     /* RO -> RW */
		case 4: t = RP_SUP + rnd(g, 0x1000 - size); break;
		case 5:
			if (!(flags & M_NOFS)) {
				uint32_t off = RP_FS_LIMIT + 1 - size + rnd(g, size + 8);     /* beyond the limit */
				return address(g, 0, 0x2000, off, 1, size, adj, flags, 0x64);
			}
			t = RP_NP + 8;
			break;
		default:
			if (write)
				return address(g, RP_DATA, RP_DATA_END, RP_DATA + rnd(g, 0x1000), 1, size, adj,
					       flags, 0x2e);                              /* cs: store: #GP */
			t = RP_NP + rnd(g, 64);
			break;
		}
		return address(g, t - 64, t + 64, t, 1, size, adj, flags, harmless_seg(g, write));
	}
	/* The stack: below ESP (scratch) and the dwords this block pushed. */
	if (roll < 12 && !(flags & M_NOSTACK)) {
		/* (with a live PUSHF/PUSHA slot above ESP, stores go below ESP only) */
		int lo = -64, hi = !write ? 4 * g->depth + 12 : g->no_stack_wr ? -(int)size : 4 * g->depth - (int)size;
		if (hi >= lo) {
			struct opnd o = { .reg = -1, .base = R_ESP, .index = -1 };
			int off = lo + (int)rnd(g, (uint32_t)(hi - lo + 1)) - adj;
			o.scale = (uint8_t)rnd(g, 4);                  /* ignored without an index */
			if (chance(g, 30)) {
				int i = pick_w_not(g, R_ESP, R_ESP);
				int32_t iv = (int32_t)rnd(g, 9) - 4;
				o.index = (int8_t)i;
				mov_ri(g, i, (uint32_t)iv);
				off -= (int)((uint32_t)iv << o.scale);
			}
			o.disp = off;
			o.dsz = off == 0 && chance(g, 50) ? 0 : (off >= -128 && off < 128 && chance(g, 70)) ? 1 : 4;
			return o;
		}
	}
	/* The frame: locals below EBP, the arguments above the return address. */
	if (roll < 20 && g->frame && !(flags & M_NOSTACK)) {
		struct opnd o = { .reg = -1, .base = R_EBP, .index = -1 };
		int off;
		if (g->nargs && 4 * g->nargs >= (int)size && chance(g, 40))
			off = g->arg_off + (int)rnd(g, (uint32_t)(4 * g->nargs - (int)size + 1));
		else if (4 * g->locals >= (int)size)
			off = -4 * g->locals + (int)rnd(g, (uint32_t)(4 * g->locals - (int)size + 1));
		else if (!write)
			off = (int)rnd(g, 8 - size + 1);                /* saved EBP, return address */
		else
			goto data;
		o.disp = off - adj;
		o.dsz = o.disp >= -128 && o.disp < 128 && chance(g, 80) ? 1 : 4;
		return o;
	}
	/* FS: a segment with base RP_FS_BASE and a 4 KiB limit. */
	if (roll < 30 && !(flags & M_NOFS)) {
		uint32_t off = rnd(g, RP_FS_LIMIT + 2 - size);
		int exact = chance(g, 50);
		return address(g, 0, RP_FS_LIMIT + 1, off, exact, size, adj, flags, 0x64);
	}
data:
	/* The data pages, often right at the page boundary between them. */
	{
		uint32_t t = chance(g, 25) ? 0x20000u - size + 1 + rnd(g, size + 2) :
					      RP_DATA + rnd(g, RP_DATA_END - RP_DATA - size + 1);
		if (t + size > RP_DATA_END)
			t = RP_DATA_END - size;
		return address(g, RP_DATA, RP_DATA_END, t, chance(g, 50), size, adj, flags, harmless_seg(g, write));
	}
}

static struct opnd mem(struct gen *g, unsigned size, int write, unsigned flags)
{
	return mem_at(g, size, write, flags, 0);
}

/* A register or a memory operand (60 / 40). */
static struct opnd rm_dst(struct gen *g, unsigned size, int write)
{
	return chance(g, 55) ? R(write ? pick_w(g, size) : pick_any(g)) : mem(g, size, write, 0);
}

/* ---- simple items: one instruction (plus operand setup) ------------------------------------------ */
static unsigned imm_for(unsigned size) { return size == 1 ? 1 : size == 2 ? 2 : 4; }

static void i_alu_rr(struct gen *g)
{
	unsigned size = rsize(g), op = rnd(g, 8), dir = rnd(g, 2);
	int d = op == 7 ? pick_any(g) : pick_w(g, size), s = pick_any(g);
	uint8_t opc = (uint8_t)(8 * op + (size == 1 ? 0 : 1) + 2 * dir);
	struct opnd rmo = R(dir ? s : d);

	op1(g, size, 0, opc, (unsigned)(dir ? d : s), &rmo, 0, 0);
}

static void i_alu_ri(struct gen *g)
{
	unsigned size = rsize(g), op = rnd(g, 8);
	int d = op == 7 ? pick_any(g) : pick_w(g, size);
	uint32_t v = rvalue(g);

	if (d == 0 && chance(g, 30)) {                              /* op al/ax/eax, imm */
		ibegin(g);
		if (size == 2)
			b1(g, 0x66);
		b1(g, 8 * op + (size == 1 ? 4 : 5));
		if (size == 1) b1(g, v); else if (size == 2) b2(g, v); else b4(g, v);
		iend(g);
		return;
	}
	struct opnd o = R(d);
	if (size == 1)
		op1(g, 1, 0, 0x80, op, &o, 1, v);
	else if (chance(g, 50))
		op1(g, size, 0, 0x83, op, &o, 1, v);
	else
		op1(g, size, 0, 0x81, op, &o, imm_for(size), v);
}

static void i_alu_mem(struct gen *g)
{
	unsigned size = rsize(g), op = rnd(g, 8), form = rnd(g, 3);
	int write = form != 1 && op != 7;
	int lock = write && chance(g, 15);

	if (form == 1) {                                            /* op r, [m] */
		int d = op == 7 ? pick_any(g) : pick_w(g, size);
		struct opnd m = mem(g, size, 0, 0);
		op1(g, size, 0, (uint8_t)(8 * op + (size == 1 ? 2 : 3)), (unsigned)d, &m, 0, 0);
	} else if (form == 0) {                                     /* op [m], r */
		int s = pick_any(g);
		struct opnd m = mem(g, size, write, 0);
		op1(g, size, lock, (uint8_t)(8 * op + (size == 1 ? 0 : 1)), (unsigned)s, &m, 0, 0);
	} else {                                                    /* op [m], imm */
		struct opnd m = mem(g, size, write, 0);
		uint32_t v = rvalue(g);
		if (size == 1)
			op1(g, 1, lock, 0x80, op, &m, 1, v);
		else if (chance(g, 50))
			op1(g, size, lock, 0x83, op, &m, 1, v);
		else
			op1(g, size, lock, 0x81, op, &m, imm_for(size), v);
	}
}

static void i_mov(struct gen *g)
{
	unsigned size = rsize(g);

	switch (rnd(g, 7)) {
	case 0: {                                                   /* mov [m], r */
		struct opnd m = mem(g, size, 1, 0);
		op1(g, size, 0, size == 1 ? 0x88 : 0x89, (unsigned)pick_any(g), &m, 0, 0);
		break;
	}
	case 1: {                                                   /* mov r, [m] */
		int d = pick_w(g, size);
		struct opnd m = mem(g, size, 0, 0);
		op1(g, size, 0, size == 1 ? 0x8a : 0x8b, (unsigned)d, &m, 0, 0);
		break;
	}
	case 2: {                                                   /* mov [m], imm */
		struct opnd m = mem(g, size, 1, 0);
		op1(g, size, 0, size == 1 ? 0xc6 : 0xc7, 0, &m, imm_for(size), rvalue(g));
		break;
	}
	case 3: {                                                   /* mov al/ax/eax, moffs and back */
		uint32_t t = RP_DATA + rnd(g, RP_DATA_END - RP_DATA - size);
		int store = (int)rnd(g, 2);
		ibegin(g);
		if (chance(g, 20))
			b1(g, chance(g, 50) ? 0x3e : 0x26);
		if (size == 2)
			b1(g, 0x66);
		b1(g, (uint32_t)(0xa0 + (size == 1 ? 0 : 1) + 2 * store));
		b4(g, t);
		iend(g);
		break;
	}
	case 4: {                                                   /* mov r, imm */
		int d = pick_w(g, size);
		ibegin(g);
		if (size == 2)
			b1(g, 0x66);
		b1(g, (uint32_t)((size == 1 ? 0xb0 : 0xb8) + d));
		if (size == 4 && g->cur_fn >= 0 && g->p->nfimm < 64)
			g->p->fimm[g->p->nfimm++] = (uint16_t)here(g);   /* main may rewrite it between calls */
		if (size == 1) b1(g, rvalue(g)); else if (size == 2) b2(g, rvalue(g)); else b4(g, rvalue(g));
		iend(g);
		break;
	}
	default: {                                                  /* mov r, r (either encoding) */
		int d = pick_w(g, size), s = pick_any(g);
		struct opnd o;
		if (chance(g, 50)) {
			o = R(d);
			op1(g, size, 0, size == 1 ? 0x88 : 0x89, (unsigned)s, &o, 0, 0);
		} else {
			o = R(s);
			op1(g, size, 0, size == 1 ? 0x8a : 0x8b, (unsigned)d, &o, 0, 0);
		}
		break;
	}
	}
}

static void i_unary(struct gen *g)                                 /* inc dec neg not */
{
	unsigned size = rsize(g), kind = rnd(g, 4);
	struct opnd o = rm_dst(g, size, 1);
	int lock = o.reg < 0 && chance(g, 15);

	if (kind < 2 && size != 1 && o.reg >= 0 && chance(g, 50)) {
		ibegin(g);                                              /* 40+r / 48+r */
		if (size == 2)
			b1(g, 0x66);
		b1(g, (uint32_t)(0x40 + 8 * kind + (unsigned)o.reg));
		iend(g);
		return;
	}
	if (kind < 2)
		op1(g, size, lock, size == 1 ? 0xfe : 0xff, kind, &o, 0, 0);
	else
		op1(g, size, lock, size == 1 ? 0xf6 : 0xf7, kind == 2 ? 3 : 2, &o, 0, 0);
}

static void i_test(struct gen *g)
{
	unsigned size = rsize(g);
	struct opnd o = rm_dst(g, size, 0);

	switch (rnd(g, 3)) {
	case 0: op1(g, size, 0, size == 1 ? 0x84 : 0x85, (unsigned)pick_any(g), &o, 0, 0); break;
	case 1: op1(g, size, 0, size == 1 ? 0xf6 : 0xf7, rnd(g, 2) ? 0 : 1, &o, imm_for(size), rvalue(g)); break;
	default:
		ibegin(g);
		if (size == 2)
			b1(g, 0x66);
		b1(g, size == 1 ? 0xa8 : 0xa9);
		if (size == 1) b1(g, rvalue(g)); else if (size == 2) b2(g, rvalue(g)); else b4(g, rvalue(g));
		iend(g);
		break;
	}
}

static void i_xchg(struct gen *g)
{
	unsigned size = rsize(g);
	int r = pick_w(g, size);

	switch (rnd(g, 5)) {
	case 0:
		if (size != 1 && r != 0) {                              /* xchg eax, r */
			ibegin(g);
			if (size == 2)
				b1(g, 0x66);
			b1(g, 0x90 + (unsigned)r);
			iend(g);
			break;
		}
		/* fall through */
	case 1: {
		struct opnd o = rm_dst(g, size, 1);
		op1(g, size, o.reg < 0 && chance(g, 20), size == 1 ? 0x86 : 0x87, (unsigned)r, &o, 0, 0);
		break;
	}
	case 2: {                                                   /* xadd */
		struct opnd o = rm_dst(g, size, 1);
		op2(g, size, o.reg < 0 && chance(g, 20), size == 1 ? 0xc0 : 0xc1, (unsigned)r, &o, 0, 0);
		break;
	}
	case 3: {                                                   /* cmpxchg */
		struct opnd o = rm_dst(g, size, 1);
		op2(g, size, o.reg < 0 && chance(g, 20), size == 1 ? 0xb0 : 0xb1, (unsigned)pick_any(g), &o, 0, 0);
		break;
	}
	default: {                                                  /* cmpxchg8b */
		struct opnd m = mem(g, 8, 1, 0);
		op2(g, 4, chance(g, 20), 0xc7, 1, &m, 0, 0);
		break;
	}
	}
}

static void i_movx(struct gen *g)
{
	unsigned dsz = chance(g, 70) ? 4 : 2, ssz = dsz == 2 || chance(g, 50) ? 1 : 2;
	int d = pick_w(g, dsz);
	struct opnd s = chance(g, 50) ? R(pick_any(g)) : mem(g, ssz, 0, 0);
	uint8_t op = (uint8_t)((chance(g, 50) ? 0xb6 : 0xbe) + (ssz == 2));

	op2(g, dsz, 0, op, (unsigned)d, &s, 0, 0);
}

/* A random address expression for LEA: any registers, any displacement (no access is made). */
static void i_lea(struct gen *g)
{
	unsigned dsz = chance(g, 85) ? 4 : 2;
	int d = pick_w(g, dsz);
	struct opnd o = { .reg = -1, .base = -1, .index = -1 };

	if (chance(g, 8)) {                                         /* 16-bit addressing */
		o.a16 = 1;
		o.rm16 = (uint8_t)rnd(g, 8);
		o.dsz = (uint8_t)rnd(g, 3);
		o.base = o.rm16 == 6 && o.dsz == 0 ? -1 : 0;
		if (o.rm16 == 6 && o.dsz == 0)
			o.dsz = 2;
		o.disp = o.dsz == 1 ? (int8_t)rnd(g, 256) : (int32_t)rnd(g, 0x10000);
	} else {
		switch (rnd(g, 4)) {
		case 0: break;
		case 1: o.base = (int8_t)pick_any(g); break;
		case 2:
			o.index = (int8_t)rnd(g, 7);
			if (o.index >= R_ESP)
				o.index++;
			break;
		default:
			o.base = (int8_t)pick_any(g);
			o.index = (int8_t)rnd(g, 7);
			if (o.index >= R_ESP)
				o.index++;
			break;
		}
		o.scale = (uint8_t)rnd(g, 4);
		o.sib_nobase = chance(g, 20);
		if (o.base < 0)
			o.dsz = 4;
		else
			o.dsz = (uint8_t)(o.base == R_EBP ? 1 + 3 * rnd(g, 2) : rnd(g, 3) == 0 ? 0 : rnd(g, 2) ? 1 : 4);
		o.disp = o.dsz == 0 ? 0 : o.dsz == 1 ? (int8_t)rnd(g, 256) : (int32_t)rvalue(g);
	}
	op1(g, dsz, 0, 0x8d, (unsigned)d, &o, 0, 0);
}

static void i_mul(struct gen *g)
{
	unsigned size = rsize(g);

	switch (rnd(g, 4)) {
	case 0: {                                                   /* mul / imul r/m (EDX:EAX) */
		struct opnd o = rm_dst(g, size, 0);
		op1(g, size, 0, size == 1 ? 0xf6 : 0xf7, rnd(g, 2) ? 4 : 5, &o, 0, 0);
		break;
	}
	case 1: {                                                   /* imul r, r/m */
		if (size == 1)
			size = 4;
		int d = pick_w(g, size);
		struct opnd o = rm_dst(g, size, 0);
		op2(g, size, 0, 0xaf, (unsigned)d, &o, 0, 0);
		break;
	}
	default: {                                                  /* imul r, r/m, imm */
		if (size == 1)
			size = 2;
		int d = pick_w(g, size);
		struct opnd o = rm_dst(g, size, 0);
		if (chance(g, 50))
			op1(g, size, 0, 0x6b, (unsigned)d, &o, 1, rvalue(g));
		else
			op1(g, size, 0, 0x69, (unsigned)d, &o, imm_for(size), rvalue(g));
		break;
	}
	}
}

static void i_div(struct gen *g)
{
	unsigned size = rsize(g), sign = rnd(g, 2);
	int d = pick_w_not(g, R_EAX, R_EDX);

	/* Set up the dividend: mostly so the quotient fits, sometimes not (#DE). */
	switch (rnd(g, 5)) {
	case 0: break;                                              /* whatever EDX:EAX holds */
	case 1:
		if (size == 1) RAW(g, 0x66, 0x98);                  /* cbw */
		else if (size == 2) RAW(g, 0x66, 0x99);             /* cwd */
		else RAW(g, 0x99);                                  /* cdq */
		break;
	case 2:
		if (sign && size == 4) {
			mov_ri(g, R_EAX, 0x80000000u);                  /* INT_MIN / -1: #DE */
			RAW(g, 0x99);
			mov_ri(g, d, 0xffffffffu);
			op1(g, 4, 0, 0xf7, 7, &(struct opnd){ .reg = (int8_t)d, .base = -1, .index = -1 }, 0, 0);
			return;
		}
		/* fall through */
	default:
		if (size == 1) RAW(g, 0x0f, 0xb6, 0xc0);            /* movzx eax, al */
		else if (size == 2) RAW(g, 0x66, 0x31, 0xd2);       /* xor dx, dx */
		else RAW(g, 0x31, 0xd2);                            /* xor edx, edx */
		break;
	}
	struct opnd o, ro = R(d);
	if (chance(g, 40)) {
		o = mem(g, size, 0, 0);
	} else {
		if (chance(g, 10))
			op1(g, 4, 0, 0x31, (unsigned)d, &ro, 0, 0);        /* xor d, d: #DE */
		else if (chance(g, 60))
			op1(g, 4, 0, 0x83, 1, &ro, 1, 1 + rnd(g, 100));    /* or d, k */
		o = R(size == 1 && chance(g, 30) ? pick_any(g) : d);
	}
	op1(g, size, 0, size == 1 ? 0xf6 : 0xf7, 6 + sign, &o, 0, 0);
}

static uint32_t shift_count(struct gen *g)
{
	static const uint8_t c[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40 };
	return chance(g, 50) ? c[rnd(g, sizeof c)] : rnd(g, 41);
}

static void i_shift(struct gen *g)
{
	unsigned size = rsize(g), op = rnd(g, 8);
	struct opnd o = rm_dst(g, size, 1);

	switch (rnd(g, 3)) {
	case 0: op1(g, size, 0, size == 1 ? 0xc0 : 0xc1, op, &o, 1, shift_count(g)); break;
	case 1: op1(g, size, 0, size == 1 ? 0xd0 : 0xd1, op, &o, 0, 0); break;
	default:
		if (wr_ok(g, R_ECX, 4) && chance(g, 60) && !(o.reg >= 0 && (o.reg & 3) == R_ECX)) {
			ibegin(g);                                      /* mov cl, count */
			b1(g, 0xb1);
			b1(g, shift_count(g));
			iend(g);
		}
		op1(g, size, 0, size == 1 ? 0xd2 : 0xd3, op, &o, 0, 0);
		break;
	}
}

static void i_shxd(struct gen *g)
{
	unsigned size = chance(g, 70) ? 4 : 2, right = rnd(g, 2);
	struct opnd o = rm_dst(g, size, 1);
	int s = pick_any(g);

	if (chance(g, 50))
		op2(g, size, 0, right ? 0xac : 0xa4, (unsigned)s, &o, 1, shift_count(g));
	else
		op2(g, size, 0, right ? 0xad : 0xa5, (unsigned)s, &o, 0, 0);
}

static void i_bit(struct gen *g)
{
	unsigned size = chance(g, 70) ? 4 : 2, op = rnd(g, 4);    /* bt bts btr btc */
	int write = op != 0;

	switch (rnd(g, 3)) {
	case 0: {                                                   /* bt r/m, imm8 */
		struct opnd o = rm_dst(g, size, write);
		op2(g, size, o.reg < 0 && write && chance(g, 15), 0xba, 4 + op, &o, 1, rnd(g, 256));
		break;
	}
	case 1: {                                                   /* bt r, r */
		struct opnd o = R(write ? pick_w(g, size) : pick_any(g));
		op2(g, size, 0, (uint8_t)(0xa3 + 8 * op), (unsigned)pick_any(g), &o, 0, 0);
		break;
	}
	default: {                                                  /* bt [m], r: the bit offset picks the word */
		int r = pick_w(g, 4);
		int32_t off = (int32_t)rnd(g, 400) - 100;
		unsigned bits = size * 8;
		int32_t word = off >= 0 ? off / (int32_t)bits : -((-off + (int32_t)bits - 1) / (int32_t)bits);
		mov_ri(g, r, (uint32_t)off);
		if (size == 2 && chance(g, 50))
			mov_ri16(g, r, (uint32_t)off);                  /* 16-bit offsets are signed too */
		struct opnd o = mem_at(g, size, write, M_NOA16, word * (int32_t)size);
		if (o.base == r || o.index == r || (o.a16 && o.reg < 0)) {
			/* the register was reused for the address: set the offset again */
			mov_ri(g, r, (uint32_t)off);
			o = (struct opnd){ .reg = -1, .base = -1, .index = -1,
					   .disp = (int32_t)(RP_DATA + 0x800 - (uint32_t)(word * (int32_t)size)) };
		}
		op2(g, size, write && chance(g, 15), (uint8_t)(0xa3 + 8 * op), (unsigned)r, &o, 0, 0);
		break;
	}
	}
}

static void i_bscan(struct gen *g)
{
	unsigned size = chance(g, 70) ? 4 : 2;
	int d = pick_w(g, size);
	struct opnd o = rm_dst(g, size, 0);

	op2(g, size, 0, chance(g, 50) ? 0xbc : 0xbd, (unsigned)d, &o, 0, 0);
}

static void i_setcmov(struct gen *g)
{
	unsigned cc = rnd(g, 16);

	if (chance(g, 50)) {
		struct opnd o = rm_dst(g, 1, 1);
		op2(g, 1, 0, (uint8_t)(0x90 + cc), 0, &o, 0, 0);
	} else {
		unsigned size = chance(g, 70) ? 4 : 2;
		int d = pick_w(g, size);
		struct opnd o = rm_dst(g, size, 0);                   /* reads memory even when not moving */
		op2(g, size, 0, (uint8_t)(0x40 + cc), (unsigned)d, &o, 0, 0);
	}
}

static void i_misc(struct gen *g)
{
	switch (rnd(g, 17)) {
	case 14: {                                                  /* daa das aaa aas */
		static const uint8_t bcd[] = { 0x27, 0x2f, 0x37, 0x3f };
		raw(g, 1, &bcd[rnd(g, 4)]);
		break;
	}
	case 15: {                                                  /* aam / aad imm (aam 0: #DE) */
		uint8_t b[2] = { (uint8_t)(chance(g, 50) ? 0xd4 : 0xd5),
				 (uint8_t)(chance(g, 10) ? 0 : chance(g, 50) ? 10 : rnd(g, 256)) };
		raw(g, 2, b);
		break;
	}
	case 16: {                                                  /* call next; pop r: the PIC idiom */
		int r = pick_w(g, 4);
		RAW(g, 0xe8, 0x00, 0x00, 0x00, 0x00);
		ibegin(g); b1(g, 0x58 + (unsigned)r); iend(g);
		break;
	}
	case 0: RAW(g, 0x98); break;                                /* cwde */
	case 1: RAW(g, 0x66, 0x98); break;                          /* cbw */
	case 2: RAW(g, 0x99); break;                                /* cdq */
	case 3: RAW(g, 0x66, 0x99); break;                          /* cwd */
	case 4: RAW(g, 0xf8); break;                                /* clc */
	case 5: RAW(g, 0xf9); break;                                /* stc */
	case 6: RAW(g, 0xf5); break;                                /* cmc */
	case 7: RAW(g, 0x9f); break;                                /* lahf */
	case 8: RAW(g, 0x9e); break;                                /* sahf */
	case 9: RAW(g, 0xd6); break;                                /* salc */
	case 10: {                                                  /* bswap */
		int r = pick_w(g, 4);
		ibegin(g);
		b1(g, 0x0f);
		b1(g, 0xc8 + (unsigned)r);
		iend(g);
		break;
	}
	case 11: {                                                  /* xlat: ebx points into the data */
		if (!wr_ok(g, R_EBX, 4))
			break;
		mov_ri(g, R_EBX, RP_DATA + rnd(g, RP_DATA_END - RP_DATA - 256));
		RAW(g, 0xd7);
		break;
	}
	case 12: RAW(g, 0x90); break;
	default: {                                                  /* multi-byte nop with a memory form */
		struct opnd o = { .reg = -1, .base = (int8_t)pick_any(g), .index = -1, .dsz = 4, .disp = (int32_t)r32(g) };
		op2(g, chance(g, 30) ? 2 : 4, 0, 0x1f, 0, &o, 0, 0);
		break;
	}
	}
}

static void i_rdtsc(struct gen *g)
{
	if (wr_ok(g, R_ECX, 4) && chance(g, 30)) {
		mov_ri(g, R_EAX, rnd(g, 2));
		RAW(g, 0x0f, 0xa2);                                 /* cpuid */
	} else {
		RAW(g, 0x0f, 0x31);                                 /* rdtsc: the exact instruction count */
	}
}

/* String instructions with small counts, in both directions, sometimes running into a fault. */
static void i_string(struct gen *g)
{
	static const uint8_t ops[] = { 0xa4, 0xaa, 0xac, 0xa6, 0xae };   /* movs stos lods cmps scas */
	unsigned k = rnd(g, 5), size = rsize(g), n = rnd(g, 5) == 0 ? 0 : 1 + rnd(g, 20);
	int rep = chance(g, 75), dir = (int)rnd(g, 3);            /* 0: cld, 1: std, 2: unknown */
	uint32_t bytes = n * size;

	if (!wr_ok(g, R_ECX, 4) || !wr_ok(g, R_ESI, 4) || !wr_ok(g, R_EDI, 4))
		return;
	uint32_t s = RP_DATA + 0x400 + rnd(g, 0x2000 - 0x800 - bytes);
	uint32_t d = RP_DATA + 0x400 + rnd(g, 0x2000 - 0x800 - bytes);
	if (dir == 0 && chance(g, g->fault_pct * 3))
		d = RP_NP - rnd(g, bytes + 1);                      /* runs into the page that is not present */
	else if (dir == 1 && chance(g, g->fault_pct * 3))
		d = RP_DATA + rnd(g, bytes + 1);                     /* runs down into the read-only page */
	if (dir == 0)
		RAW(g, 0xfc);
	else if (dir == 1)
		RAW(g, 0xfd);
	mov_ri(g, R_ESI, s);
	mov_ri(g, R_EDI, d);
	mov_ri(g, R_ECX, n);
	ibegin(g);
	if (rep)
		b1(g, (k == 3 || k == 4) && chance(g, 50) ? 0xf2 : 0xf3);
	if (size == 2)
		b1(g, 0x66);
	b1(g, ops[k] + (size != 1));
	iend(g);
	if (dir == 1 && chance(g, 70))
		RAW(g, 0xfc);
}

/* Exceptions on purpose: #UD #BP #OF #BR, software interrupts, privileged instructions at CPL 3. */
static void i_fault(struct gen *g)
{
	switch (rnd(g, 10)) {
	case 0: RAW(g, 0x0f, 0x0b); break;                          /* ud2 */
	case 1: RAW(g, 0xcc); break;                                /* int3 */
	case 2: RAW(g, 0xce); break;                                /* into */
	case 3: RAW(g, 0xcd, 0x40); break;                          /* int 0x40 (DPL 3 gate) */
	case 4: RAW(g, 0xcd, 0x41); break;                          /* int 0x41: #GP at CPL 3 */
	case 5: {                                                   /* bound r, m32&32 */
		int r = pick_w(g, 4);
		mov_ri(g, r, rvalue(g) & 0x8000003f);
		struct opnd m = mem(g, 8, 0, M_NOA16);            /* (may reuse r: any bound is fine) */
		op1(g, 4, 0, 0x62, (unsigned)r, &m, 0, 0);
		break;
	}
	case 6: RAW(g, 0xf0, 0x01, 0xc0); break;                    /* lock add eax, eax: #UD */
	case 7:
		if (g->p->user)
			RAW(g, 0xfa);                               /* cli at CPL 3: #GP */
		else
			RAW(g, 0x8d, 0xc0);                         /* lea eax, eax: #UD */
		break;
	case 8:
		if (g->p->user)
			RAW(g, 0x0f, 0x20, 0xc0);                   /* mov eax, cr0 at CPL 3: #GP */
		else
			RAW(g, 0xe4, 0x80);                         /* in al, 0x80 */
		break;
	default: {                                                  /* a null GS, then a GS access: #GP */
		RAW(g, 0x6a, 0x00);                                 /* push 0 */
		RAW(g, 0x0f, 0xa9);                                 /* pop gs */
		struct opnd m = { .reg = -1, .base = -1, .index = -1, .seg = 0x65 };
		m.disp = (int32_t)(RP_DATA + rnd(g, 0x1000));
		op1(g, 4, 0, 0x8b, (unsigned)pick_w(g, 4), &m, 0, 0);
		RAW(g, 0x1e);                                       /* push ds */
		RAW(g, 0x0f, 0xa9);                                 /* pop gs */
		break;
	}
	}
}

/* CPL 0 only: TLB flushes, INVLPG, page-table edits (with and without INVLPG), CR reads, segment loads. */
static void i_system(struct gen *g)
{
	struct randprog *p = g->p;

	if (chance(g, 30)) {
		RAW(g, 0x16);                                       /* push ss */
		RAW(g, 0x17);                                       /* pop ss: no interrupt before the next one */
		return;
	}
	if (chance(g, 20)) {                                        /* reload FS (the limited segment) */
		mov_ri16(g, R_EAX, RP_FS_SEL | (p->user ? 3 : 0));
		RAW(g, 0x8e, 0xe0);                                 /* mov fs, ax */
		return;
	}
	if (!g->sys_ok) {
		/* at CPL 3: segment register traffic that is allowed */
		int r = pick_w(g, 4);
		ibegin(g);
		b1(g, 0x8c);
		b1(g, 0xc0 | 3 << 3 | (unsigned)r);                 /* mov r, ds */
		iend(g);
		RAW(g, 0x1e);                                       /* push ds */
		RAW(g, 0x07);                                       /* pop es */
		return;
	}
	switch (rnd(g, 8)) {
	case 0:
		RAW(g, 0x0f, 0x20, 0xd8);                           /* mov eax, cr3 */
		RAW(g, 0x0f, 0x22, 0xd8);                           /* mov cr3, eax: flush the TLB */
		break;
	case 1: {
		struct opnd m = mem(g, 1, 0, M_NOFS | M_NOSTACK);
		op2(g, 4, 0, 0x01, 7, &m, 0, 0);                    /* invlpg [m] */
		break;
	}
	case 2:
	case 3:
		if (p->paging) {
			/* Toggle the read-only page's W bit or the missing page's P bit. */
			uint32_t page = chance(g, 50) ? RP_RO : RP_NP, bit = page == RP_RO ? PTE_W : PTE_P;
			struct opnd m = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)(RP_PT + (page >> 12) * 4) };
			op1(g, 4, 0, 0x81, 6, &m, 4, bit);              /* xor dword [pte], bit */
			if (chance(g, 70)) {
				struct opnd t = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)(page + rnd(g, 0x1000)) };
				op2(g, 4, 0, 0x01, 7, &t, 0, 0);            /* invlpg */
			}
		}
		break;
	case 4:
		RAW(g, 0x0f, 0x20, 0xd0);                           /* mov eax, cr2 */
		break;
	case 5:
		if (p->paging && chance(g, 50)) {
			RAW(g, 0x0f, 0x20, 0xc0);                       /* mov eax, cr0 */
			RAW(g, 0x35, 0x00, 0x00, 0x01, 0x00);           /* xor eax, CR0.WP */
			RAW(g, 0x0f, 0x22, 0xc0);                       /* mov cr0, eax */
		} else {
			RAW(g, 0x8c, 0xd8);                             /* mov eax, ds */
			RAW(g, 0x8e, 0xe8);                             /* mov gs, eax */
		}
		break;
	case 6:
		if (p->paging && chance(g, 70)) {
			/* point the alias mapping at the other copy of the code, then flush */
			unsigned first = rnd(g, RP_CODE_MAX >> 12), n = 1 + rnd(g, 2);
			for (unsigned k = first; k < first + n && k < RP_CODE_MAX >> 12; k++) {
				struct opnd m = { .reg = -1, .base = -1, .index = -1,
						  .disp = (int32_t)(RP_PT + 4 * ((RP_ALIAS >> 12) + k)) };
				op1(g, 4, 0, 0x81, 6, &m, 4, RP_CODE ^ RP_COPY);   /* xor dword [pte], CODE^COPY */
				if (chance(g, 50)) {
					struct opnd t = { .reg = -1, .base = -1, .index = -1,
							  .disp = (int32_t)(RP_ALIAS + (k << 12) + rnd(g, 0x1000)) };
					op2(g, 4, 0, 0x01, 7, &t, 0, 0);            /* invlpg */
				} else {
					RAW(g, 0x0f, 0x20, 0xd8);                   /* mov eax, cr3 */
					RAW(g, 0x0f, 0x22, 0xd8);                   /* mov cr3, eax */
				}
			}
		} else {
			RAW(g, 0x0f, 0x06);                             /* clts */
		}
		break;
	default:
		RAW(g, 0x1e);                                       /* push ds */
		RAW(g, 0x0f, 0xa9);                                 /* pop gs */
		break;
	}
}

/* Self-modifying code: a store into the immediate (or the ALU opcode) of an instruction a little
 * further on (maybe the very next one, in the same TU), directly or through the alias mapping. */
static void i_smc(struct gen *g)
{
	struct randprog *p = g->p;
	int r = pick_w(g, 4);
	unsigned how = rnd(g, 5), between = rnd(g, 3);
	uint32_t field;

	if (p->nfimm && chance(g, 35)) {
		/* rewrite an immediate in a function that has run before and will run again: its CCFs (and
		 * any return or indirect-call lookup that leads into them) must go */
		uint32_t imm = p->fimm[rnd(g, p->nfimm)];
		uint32_t at = p->paging && chance(g, 30) ? RP_ALIAS + imm : RP_CODE + imm;
		struct opnd t = { .reg = -1, .base = -1, .index = -1 };
		if (chance(g, 50)) {
			t.disp = (int32_t)at;
			op1(g, 4, 0, 0xc7, 0, &t, 4, rvalue(g));            /* mov dword [imm], v */
		} else {
			t.disp = (int32_t)(at + rnd(g, 4));
			op1(g, 1, 0, 0xfe, 0, &t, 0, 0);                    /* inc byte [imm + k] */
		}
		return;
	}

	ibegin(g);
	switch (how) {
	case 0: b1(g, 0xc7); b1(g, 0x05); field = here(g); b4(g, 0); b4(g, rvalue(g)); break;   /* mov dword [t], imm */
	case 1: b1(g, 0xc6); b1(g, 0x05); field = here(g); b4(g, 0); b1(g, rvalue(g)); break;   /* mov byte [t], imm */
	case 2: b1(g, 0xfe); b1(g, 0x05); field = here(g); b4(g, 0); break;                    /* inc byte [t] */
	case 3: b1(g, 0x81); b1(g, 0x35); field = here(g); b4(g, 0); b4(g, rvalue(g)); break;  /* xor dword [t], imm */
	default: b1(g, 0xc6); b1(g, 0x05); field = here(g); b4(g, 0);                         /* opcode swap */
		b1(g, (uint32_t)(8 * rnd(g, 7) + 1)); break;        /* add or adc sbb and sub xor */
	}
	iend(g);
	while (between--) {
		int s = pick_any(g);
		struct opnd o = R(pick_w(g, 4));
		op1(g, 4, 0, 0x01, (unsigned)s, &o, 0, 0);          /* add r, s */
	}
	uint32_t tgt;
	if (how == 4) {
		struct opnd o = R(r);
		tgt = here(g);                                      /* the opcode byte of "add r, s" */
		op1(g, 4, 0, 0x01, (unsigned)pick_any(g), &o, 0, 0);
	} else {
		mov_ri(g, r, rvalue(g));
		tgt = g->cur + 1 + rnd(g, 4);                       /* a byte of the immediate */
		if (how == 0 || how == 3)
			tgt = g->cur + 1;                               /* dword stores: all of it */
	}
	uint32_t addr = p->paging && chance(g, 30) ? RP_ALIAS + tgt : RP_CODE + tgt;
	memcpy(p->code + field, &addr, 4);
	if (how != 4 && g->in_loop_patch < 0)
		g->in_loop_patch = (int)(g->cur + 1);
}

/* ---- compound items ------------------------------------------------------------------------------ */
static void gen_block(struct gen *g, unsigned items);

static void emit_jcc32(struct gen *g, unsigned cc, uint32_t *field)
{
	ibegin(g);
	b1(g, 0x0f);
	b1(g, 0x80 + cc);
	*field = here(g);
	b4(g, 0);
	iend(g);
}
static void emit_jmp32(struct gen *g, uint32_t *field)
{
	ibegin(g);
	b1(g, 0xe9);
	*field = here(g);
	b4(g, 0);
	iend(g);
}
/* Never-executed bytes after an unconditional transfer. */
static void junk(struct gen *g)
{
	unsigned n = rnd(g, 6);
	while (n--)
		b1(g, r32(g));
}

/* jcc over a block (rel8 with a short block, rel32 with a longer one), or jecxz / jmp over junk. */
static void c_skip(struct gen *g)
{
	uint32_t field;
	unsigned kind = rnd(g, 6);

	if (kind == 0) {                                            /* jmp over never-executed bytes */
		ibegin(g);
		b1(g, 0xeb);
		field = here(g);
		b1(g, 0);
		iend(g);
		junk(g);
		patch8(g, field, here(g));
		return;
	}
	if (kind == 1) {                                            /* jecxz / short jcc over 1-2 items */
		ibegin(g);
		b1(g, chance(g, 30) ? 0xe3 : 0x70 + rnd(g, 16));
		field = here(g);
		b1(g, 0);
		iend(g);
		g->simple++;
		gen_block(g, 1);
		g->simple--;
		if (here(g) - (field + 1) > 127) {
			fprintf(stderr, "bt_randprog: short skip too long\n");
			abort();
		}
		patch8(g, field, here(g));
		return;
	}
	emit_jcc32(g, rnd(g, 16), &field);
	gen_block(g, 1 + rnd(g, 4));
	patch32(g, field, here(g));
}

static void c_ifelse(struct gen *g)
{
	uint32_t f1, f2;

	emit_jcc32(g, rnd(g, 16), &f1);
	gen_block(g, 1 + rnd(g, 3));
	emit_jmp32(g, &f2);
	junk(g);
	patch32(g, f1, here(g));
	gen_block(g, 1 + rnd(g, 3));
	patch32(g, f2, here(g));
}

/* Bounded loops: a memory counter, ECX with LOOP/DEC+JNZ, or a count up with CMP. */
static void c_loop(struct gen *g)
{
	unsigned n = 1 + rnd(g, 4), kind = rnd(g, 3);
	uint32_t cnt = RP_CNT + 16u * (unsigned)(g->cur_fn + 1) + 4u * (unsigned)g->loops, top, field;
	uint32_t saved_mask = g->wmask;
	int saved_patch = g->in_loop_patch;

	if (g->loops >= 3)
		return;
	if (kind == 1 && !wr_ok(g, R_ECX, 4))
		kind = 0;
	if (kind == 0) {
		struct opnd c = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)cnt };
		op1(g, 4, 0, 0xc7, 0, &c, 4, n);                     /* mov dword [cnt], n */
	} else if (kind == 1) {
		mov_ri(g, R_ECX, n);
		g->wmask &= ~(1u << R_ECX);
	} else {
		struct opnd c = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)cnt };
		op1(g, 4, 0, 0xc7, 0, &c, 4, 0);
	}
	top = here(g);
	g->loops++;
	g->in_loop_patch = -1;
	gen_block(g, 1 + rnd(g, 5));
	if (g->in_loop_patch >= 0 && chance(g, 50)) {
		/* change an instruction of this body that runs again on the next iteration */
		struct opnd t = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)(RP_CODE + (uint32_t)g->in_loop_patch) };
		op1(g, 1, 0, 0xfe, 0, &t, 0, 0);                    /* inc byte [imm] */
	}
	g->loops--;
	g->in_loop_patch = saved_patch;
	struct opnd c = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)cnt };
	if (kind == 0) {
		op1(g, 4, 0, 0xff, 1, &c, 0, 0);                    /* dec dword [cnt] */
		emit_jcc32(g, 5, &field);                           /* jnz top */
		patch32(g, field, top);
	} else if (kind == 1) {
		g->wmask = saved_mask;
		int32_t d = (int32_t)(top - (here(g) + 2));
		unsigned how = rnd(g, 3);
		if (how == 0 && d >= -128) {
			ibegin(g);
			b1(g, 0xe2);                                    /* loop top */
			b1(g, (uint32_t)d);
			iend(g);
		} else {
			if (how == 2)
				op1(g, 4, 0, 0x83, 5, &(struct opnd){ .reg = R_ECX, .base = -1, .index = -1 }, 1, 1);   /* sub ecx, 1 */
			else
				RAW(g, 0x49);                               /* dec ecx */
			emit_jcc32(g, 5, &field);
			patch32(g, field, top);
		}
	} else {
		op1(g, 4, 0, 0xff, 0, &c, 0, 0);                    /* inc dword [cnt] */
		op1(g, 4, 0, 0x83, 7, &c, 1, n);                    /* cmp dword [cnt], n */
		emit_jcc32(g, chance(g, 50) ? 2 : 12, &field);      /* jb / jl top */
		patch32(g, field, top);
	}
}

/* push ... block ... pop, and the other stack groups. */
static void c_stack(struct gen *g)
{
	unsigned kind = rnd(g, 10);

	if (kind <= 4) {
		/* push src */
		switch (rnd(g, 5)) {
		case 0: { ibegin(g); b1(g, 0x50 + (unsigned)pick_any(g)); iend(g); break; }      /* push r (ESP too) */
		case 1: { ibegin(g); b1(g, 0x6a); b1(g, rvalue(g)); iend(g); break; }
		case 2: { ibegin(g); b1(g, 0x68); b4(g, rvalue(g)); iend(g); break; }
		case 3: { struct opnd m = mem(g, 4, 0, M_SAFE); op1(g, 4, 0, 0xff, 6, &m, 0, 0); break; }
		default: { struct opnd o = R(pick_any(g)); op1(g, 4, 0, 0xff, 6, &o, 0, 0); break; }
		}
		g->depth++;
		gen_block(g, rnd(g, 4));
		g->depth--;
		switch (rnd(g, 5)) {
		case 0: { struct opnd m = mem(g, 4, 1, M_SAFE | M_NOSTACK); op1(g, 4, 0, 0x8f, 0, &m, 0, 0); break; }
		case 1: {                                           /* pop [esp + d]: EA after the pop */
			struct opnd m = { .reg = -1, .base = R_ESP, .index = -1, .dsz = 1, .disp = -4 - 4 * (int32_t)rnd(g, 8) };
			if (g->no_stack_wr)
				m.disp = -64;
			op1(g, 4, 0, 0x8f, 0, &m, 0, 0);
			break;
		}
		case 2: { struct opnd o = R(R_ESP); op1(g, 4, 0, 0x83, 0, &o, 1, 4); break; }    /* add esp, 4 */
		default: { ibegin(g); b1(g, 0x58 + (unsigned)pick_w(g, 4)); iend(g); break; }
		}
	} else if (kind <= 6) {
		/* sub esp, 4k ... add esp, 4k (IDENT arithmetic on ESP) */
		unsigned k = 1 + rnd(g, 4);
		struct opnd esp = R(R_ESP);
		if (chance(g, 50))
			op1(g, 4, 0, 0x83, 5, &esp, 1, 4 * k);          /* sub esp, 4k */
		else {
			struct opnd o = { .reg = -1, .base = R_ESP, .index = -1, .dsz = 1, .disp = -(int32_t)(4 * k) };
			op1(g, 4, 0, 0x8d, R_ESP, &o, 0, 0);            /* lea esp, [esp - 4k] */
		}
		g->depth += (int)k;
		gen_block(g, rnd(g, 4));
		g->depth -= (int)k;
		if (chance(g, 50))
			op1(g, 4, 0, 0x81, 0, &esp, 4, 4 * k);          /* add esp, 4k */
		else {
			struct opnd o = { .reg = -1, .base = R_ESP, .index = -1, .dsz = 4, .disp = (int32_t)(4 * k) };
			op1(g, 4, 0, 0x8d, R_ESP, &o, 0, 0);            /* lea esp, [esp + 4k] */
		}
	} else if (kind == 7) {
		/* pusha ... popa: the block may even write ECX */
		uint32_t saved = g->wmask;
		RAW(g, 0x60);
		g->depth += 8;
		g->no_stack_wr++;                                   /* the saved registers must survive */
		if (!g->frame)
			g->wmask |= 1u << R_ECX;
		gen_block(g, rnd(g, 4));
		g->wmask = saved;
		g->no_stack_wr--;
		g->depth -= 8;
		RAW(g, 0x61);
	} else if (kind == 8) {
		/* pushf ... popf around a block (the saved flags must survive: no stack stores) */
		RAW(g, 0x9c);
		g->no_stack_wr++;
		g->depth++;
		gen_block(g, rnd(g, 3));
		g->depth--;
		g->no_stack_wr--;
		RAW(g, 0x9d);
	} else {
		/* flags through a register: pushf; pop r; change arithmetic flags, DF, AC, ID; push r; popf */
		int r = pick_w(g, 4);
		uint32_t m = (FL_ARITH | FL_DF | FL_AC | FL_ID) & r32(g);
		RAW(g, 0x9c);
		ibegin(g); b1(g, 0x58 + (unsigned)r); iend(g);
		struct opnd o = R(r);
		op1(g, 4, 0, 0x81, rnd(g, 2) ? 6 : 1, &o, 4, m);        /* xor/or r, m */
		if (chance(g, 30))
			op1(g, 4, 0, 0x81, 4, &o, 4, ~(FL_DF | FL_AC));    /* and r, ~(DF|AC) */
		ibegin(g); b1(g, 0x50 + (unsigned)r); iend(g);
		RAW(g, 0x9d);
	}
}

/* DS or ES loaded with the small data segment for a few accesses relative to it (some beyond its
 * limit: #GP), then restored. */
static void c_segload(struct gen *g)
{
	int es = (int)rnd(g, 2);
	uint8_t seg = es ? 0x26 : 0x3e;                             /* explicit: EBP bases would mean SS */

	raw(g, 1, (const uint8_t[]){ es ? 0x06 : 0x1e });           /* push es / push ds */
	mov_ri16(g, R_EAX, RP_FS_SEL | (g->p->user ? 3 : 0));
	raw(g, 2, (const uint8_t[]){ 0x8e, es ? 0xc0 : 0xd8 });     /* mov es/ds, ax */
	for (unsigned n = 1 + rnd(g, 4); n--;) {
		unsigned size = rsize(g), kind = rnd(g, 5);
		uint32_t off = chance(g, 10) ? RP_FS_LIMIT + 1 - size + rnd(g, size + 4) : rnd(g, RP_FS_LIMIT + 2 - size);
		if (kind == 4 && es && wr_ok(g, R_EDI, 4) && wr_ok(g, R_ECX, 4)) {
			/* rep stos into ES, maybe across its limit */
			uint32_t cnt = rnd(g, 16);
			RAW(g, 0xfc);
			mov_ri(g, R_EDI, RP_FS_LIMIT + 1 - rnd(g, 24));
			mov_ri(g, R_ECX, cnt);
			RAW(g, 0xf3, 0xaa);
			continue;
		}
		struct opnd m = address(g, 0, RP_FS_LIMIT + 1, off, chance(g, 50), size, 0, M_NOA16, seg);
		switch (kind) {
		case 0: op1(g, size, 0, size == 1 ? 0x8a : 0x8b, (unsigned)pick_w(g, size), &m, 0, 0); break;
		case 1: op1(g, size, 0, size == 1 ? 0x88 : 0x89, (unsigned)pick_any(g), &m, 0, 0); break;
		case 2: op1(g, size, chance(g, 20), size == 1 ? 0x00 : 0x01, (unsigned)pick_any(g), &m, 0, 0); break;
		default: op1(g, size, 0, size == 1 ? 0xf6 : 0xf7, 0, &m, imm_for(size), rvalue(g)); break;
		}
	}
	raw(g, 1, (const uint8_t[]){ es ? 0x07 : 0x1f });           /* pop es / pop ds */
}

/* A few instructions with TF set: a #DB trap after each. */
static void c_trace(struct gen *g)
{
	RAW(g, 0x9c);                                               /* pushf */
	RAW(g, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00);          /* or dword [esp], TF */
	RAW(g, 0x9d);                                               /* popf */
	gen_block(g, 1 + rnd(g, 2));
	RAW(g, 0x9c);
	RAW(g, 0x81, 0x24, 0x24, 0xff, 0xfe, 0xff, 0xff);          /* and dword [esp], ~TF */
	RAW(g, 0x9d);
}

/* cli ... sti around a block (interrupts wait; STI's shadow), CPL 0 only. */
static void c_cli(struct gen *g)
{
	if (!g->sys_ok)
		return;
	RAW(g, 0xfa);
	gen_block(g, 1 + rnd(g, 3));
	RAW(g, 0xfb);
}

static void call_to(struct gen *g, int f)
{
	struct randprog *p = g->p;
	uint32_t target = lin(g->func[f]);
	unsigned form = rnd(g, 6);

	/* Through the alias mapping only with absolute targets, or from main (relative targets from a
	 * function that itself runs through the alias would land outside the code). */
	if (p->paging && chance(g, 20) && (form <= 1 || g->cur_fn < 0))
		target = target - RP_CODE + RP_ALIAS;
	switch (form) {
	case 0: {                                                   /* call r */
		int r = pick_w(g, 4);
		mov_ri(g, r, target);
		struct opnd o = R(r);
		op1(g, 4, 0, 0xff, 2, &o, 0, 0);
		break;
	}
	case 1: {                                                   /* call [table + 4k] */
		uint32_t slot = new_slot(g);
		add_init(g, slot, target);
		if (chance(g, 50)) {
			struct opnd o = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)slot };
			op1(g, 4, 0, 0xff, 2, &o, 0, 0);
		} else {
			int r = pick_w(g, 4);
			mov_ri(g, r, (slot - RP_TAB) / 4);
			struct opnd o = { .reg = -1, .base = -1, .index = (int8_t)r, .scale = 2, .disp = (int32_t)RP_TAB };
			op1(g, 4, 0, 0xff, 2, &o, 0, 0);
		}
		break;
	}
	case 2: {                                                   /* push return address; jmp f */
		uint32_t f1, f2;
		ibegin(g); b1(g, 0x68); f1 = here(g); b4(g, 0); iend(g);
		emit_jmp32(g, &f2);
		patch32(g, f2, target - RP_CODE);
		uint32_t ret = lin(here(g));
		memcpy(g->p->code + f1, &ret, 4);
		break;
	}
	default: {                                                  /* call rel32 */
		uint32_t field;
		ibegin(g); b1(g, 0xe8); field = here(g); b4(g, 0); iend(g);
		uint32_t d = target - (RP_CODE + field + 4);
		memcpy(g->p->code + field, &d, 4);
		break;
	}
	}
}

static void c_call(struct gen *g)
{
	int lim = g->cur_fn < 0 ? g->nfunc : g->cur_fn;

	if (lim <= 0)
		return;
	int f = (int)rnd(g, (uint32_t)lim);
	for (unsigned a = 0; a < g->fargs[f]; a++) {
		if (chance(g, 50)) {
			ibegin(g); b1(g, 0x6a); b1(g, rvalue(g)); iend(g);
		} else {
			ibegin(g); b1(g, 0x50 + (unsigned)pick_any(g)); iend(g);
		}
	}
	call_to(g, f);
	if (g->fargs[f] && !g->fret_pops[f])
		op1(g, 4, 0, 0x83, 0, &(struct opnd){ .reg = R_ESP, .base = -1, .index = -1 }, 1, 4u * g->fargs[f]);
}

/* Indirect jumps forward: jmp r, jmp [m], push + ret, over never-executed bytes. */
static void c_indirect(struct gen *g)
{
	uint32_t f1 = 0, slot = 0;
	unsigned kind = rnd(g, 5);
	int r = pick_w(g, 4);

	if (kind == 3) {                                            /* iretd to the next instruction */
		RAW(g, 0x9c);                                       /* pushf */
		RAW(g, 0x0e);                                       /* push cs */
		ibegin(g); b1(g, 0x68); f1 = here(g); b4(g, 0); iend(g);
		RAW(g, 0xcf);
		junk(g);
		uint32_t target = lin(here(g));
		memcpy(g->p->code + f1, &target, 4);
		return;
	}
	if (kind == 4) {                                            /* jmp far cs:next */
		ibegin(g); b1(g, 0xea); f1 = here(g); b4(g, 0); b2(g, g->p->user ? TM_UCODE32 : TM_CODE32); iend(g);
		junk(g);
		uint32_t target = lin(here(g));
		memcpy(g->p->code + f1, &target, 4);
		return;
	}

	if (kind == 0) {
		ibegin(g); b1(g, 0xb8 + (unsigned)r); f1 = here(g); b4(g, 0); iend(g);
		struct opnd o = R(r);
		op1(g, 4, 0, 0xff, 4, &o, 0, 0);                    /* jmp r */
	} else if (kind == 1) {
		slot = new_slot(g);
		struct opnd o = { .reg = -1, .base = -1, .index = -1, .disp = (int32_t)slot };
		op1(g, 4, 0, 0xff, 4, &o, 0, 0);                    /* jmp [slot] */
	} else {
		ibegin(g); b1(g, 0x68); f1 = here(g); b4(g, 0); iend(g);
		RAW(g, 0xc3);                                       /* ret to it */
	}
	junk(g);
	uint32_t target = lin(here(g));
	if (kind == 1)
		add_init(g, slot, target);
	else
		memcpy(g->p->code + f1, &target, 4);
}

/* ---- blocks ------------------------------------------------------------------------------------- */
typedef void (*item_fn)(struct gen *g);
static const struct { item_fn fn; unsigned weight; int compound; } items[] = {
	{ i_alu_rr, 14, 0 }, { i_alu_ri, 8, 0 }, { i_alu_mem, 14, 0 }, { i_mov, 10, 0 },
	{ i_unary, 5, 0 }, { i_test, 3, 0 }, { i_xchg, 4, 0 }, { i_movx, 3, 0 }, { i_lea, 4, 0 },
	{ i_mul, 4, 0 }, { i_div, 3, 0 }, { i_shift, 7, 0 }, { i_shxd, 2, 0 }, { i_bit, 3, 0 },
	{ i_bscan, 1, 0 }, { i_setcmov, 5, 0 }, { i_misc, 4, 0 }, { i_rdtsc, 1, 0 }, { i_string, 2, 0 },
	{ i_fault, 1, 0 }, { i_system, 1, 0 }, { i_smc, 1, 0 },
	{ c_skip, 4, 1 }, { c_ifelse, 2, 1 }, { c_loop, 3, 1 }, { c_stack, 5, 1 }, { c_call, 3, 1 },
	{ c_indirect, 1, 1 }, { c_trace, 1, 1 }, { c_cli, 1, 1 }, { c_segload, 1, 1 },
};

static void gen_item(struct gen *g, int simple_only)
{
	unsigned total = 0, n = sizeof items / sizeof items[0];

	for (unsigned k = 0; k < n; k++)
		if (!simple_only || !items[k].compound)
			total += items[k].weight;
	unsigned pick = rnd(g, total);
	for (unsigned k = 0; k < n; k++) {
		if (simple_only && items[k].compound)
			continue;
		if (pick < items[k].weight) {
			g->p->items++;
			items[k].fn(g);
			return;
		}
		pick -= items[k].weight;
	}
}

static void gen_block(struct gen *g, unsigned nitems)
{
	g->nest++;
	for (unsigned k = 0; k < nitems; k++) {
		if (g->p->len + ROOM >= RP_CODE_MAX)
			break;
		/* Deep nesting and short skips (rel8) take simple items only. */
		gen_item(g, g->simple > 0 || g->nest > 3 || (g->nest > 1 && rnd(g, 3) == 0));
	}
	g->nest--;
}

/* A function: optional frame, optional saving of ECX/EBP (otherwise it leaves them alone), a block,
 * RET or RET n. */
static void gen_function(struct gen *g, int f)
{
	uint32_t saved_mask = g->wmask;
	int save = chance(g, 50), frame = chance(g, 50), pusha = !save && chance(g, 15);

	g->func[f] = here(g);
	g->fargs[f] = (uint8_t)(frame ? rnd(g, 3) : 0);
	g->fret_pops[f] = (uint8_t)(g->fargs[f] && chance(g, 60));
	g->cur_fn = f;
	g->depth = 0;
	g->wmask = 0xffu & ~(1u << R_ESP);
	if (pusha) {
		RAW(g, 0x60);
	} else if (save) {
		RAW(g, 0x51);                                       /* push ecx */
		RAW(g, 0x55);                                       /* push ebp */
	} else {
		g->wmask &= ~(1u << R_ECX | 1u << R_EBP);
	}
	if (frame) {
		g->locals = (int)rnd(g, 6);
		if (chance(g, 50)) {
			RAW(g, 0x55);                                   /* push ebp */
			RAW(g, 0x89, 0xe5);                             /* mov ebp, esp */
			if (g->locals)
				op1(g, 4, 0, 0x83, 5, &(struct opnd){ .reg = R_ESP, .base = -1, .index = -1 }, 1, 4u * (unsigned)g->locals);
		} else {
			ibegin(g);                                      /* enter 4*locals, 0 or 1 */
			b1(g, 0xc8);
			b2(g, 4u * (unsigned)g->locals);
			b1(g, rnd(g, 2));                               /* (level 1 pushes the frame pointer) */
			iend(g);
		}
		g->frame = 1;
		g->nargs = g->fargs[f];
		g->arg_off = 8 + (save ? 8 : pusha ? 32 : 0);       /* above the saved registers */
		g->wmask &= ~(1u << R_EBP);
	}
	gen_block(g, 2 + rnd(g, 6));
	if (frame) {
		if (chance(g, 50)) {
			RAW(g, 0xc9);                                   /* leave */
		} else {
			RAW(g, 0x89, 0xec);                             /* mov esp, ebp */
			RAW(g, 0x5d);                                   /* pop ebp */
		}
		g->frame = 0;
		g->nargs = 0;
		g->locals = 0;
	}
	if (pusha) {
		RAW(g, 0x61);
	} else if (save) {
		RAW(g, 0x5d);
		RAW(g, 0x59);
	}
	if (g->fret_pops[f]) {
		ibegin(g);
		b1(g, 0xc2);
		b2(g, 4u * g->fargs[f]);
		iend(g);
	} else {
		RAW(g, 0xc3);
	}
	g->wmask = saved_mask;
	g->cur_fn = -1;
}

/* ---- exception handlers -------------------------------------------------------------------------- */
static int has_err(unsigned v) { return v == 8 || (v >= 10 && v <= 14) || v == 17; }

/* The common handler (its data accesses go through SS, which is always flat: DS may be the small
 * segment when an exception comes): log the exception, then resume after the faulting instruction (faults) or at
 * the pushed EIP (traps, software and external interrupts).  Stops (HLT with IF clear) when there is
 * no resume address or after RP_LOG_MAX exceptions.  Frame on entry: [esp] vector, [esp+4] error
 * code, [esp+8] EIP, CS, EFLAGS (and ESP, SS from CPL 3). */
static uint32_t gen_handler_common(struct gen *g)
{
	uint32_t start = here(g), stop_fields[4], nstop = 0, trap_fields[8], ntrap = 0, f_lookup, f_set;

	RAW(g, 0x50);                                               /* push eax */
	RAW(g, 0x53);                                               /* push ebx */
	ibegin(g); b1(g, 0x36); b1(g, 0x8b); b1(g, 0x1d); b4(g, RP_LOGN); iend(g);   /* mov ebx, ss:[LOGN] */
	ibegin(g); b1(g, 0x81); b1(g, 0xfb); b4(g, RP_LOG_MAX); iend(g);            /* cmp ebx, MAX */
	emit_jcc32(g, 3, &stop_fields[nstop++]);                    /* jae stop */
	RAW(g, 0xc1, 0xe3, 0x05);                                   /* shl ebx, 5 */
	static const uint8_t from[6] = { 8, 12, 16, 24, 0, 20 };    /* vector err eip eflags (cr2) cs */
	for (unsigned k = 0; k < 6; k++) {
		if (k == 4)
			RAW(g, 0x0f, 0x20, 0xd0);                       /* mov eax, cr2 */
		else {
			ibegin(g); b1(g, 0x8b); b1(g, 0x44); b1(g, 0x24); b1(g, from[k]); iend(g);   /* mov eax, [esp+n] */
		}
		/* mov ss:[ebx+LOG+4k], eax */
		ibegin(g); b1(g, 0x36); b1(g, 0x89); b1(g, 0x83); b4(g, RP_LOG + 4 * k); iend(g);
	}
	ibegin(g); b1(g, 0x36); b1(g, 0xff); b1(g, 0x05); b4(g, RP_LOGN); iend(g);   /* inc dword ss:[LOGN] */
	RAW(g, 0x8b, 0x44, 0x24, 0x08);                             /* mov eax, [esp+8]: vector */
	static const uint8_t traps[] = { 1, 2, 3, 4 };
	for (unsigned k = 0; k < sizeof traps; k++) {
		ibegin(g); b1(g, 0x83); b1(g, 0xf8); b1(g, traps[k]); iend(g);          /* cmp eax, v */
		emit_jcc32(g, 4, &trap_fields[ntrap++]);            /* je trap */
	}
	ibegin(g); b1(g, 0x83); b1(g, 0xf8); b1(g, 0x20); iend(g);                  /* cmp eax, 0x20 */
	emit_jcc32(g, 3, &trap_fields[ntrap++]);                    /* jae trap: INT n, IRQs */
	RAW(g, 0x8b, 0x44, 0x24, 0x10);                             /* mov eax, [esp+16]: EIP */
	ibegin(g); b1(g, 0x2d); b4(g, RP_CODE); iend(g);                             /* sub eax, CODE */
	ibegin(g); b1(g, 0x3d); b4(g, RP_CODE_MAX); iend(g);                         /* cmp eax, MAX */
	emit_jcc32(g, 2, &f_lookup);                                /* jb lookup */
	ibegin(g); b1(g, 0x2d); b4(g, RP_ALIAS - RP_CODE); iend(g);                  /* sub eax, ALIAS-CODE */
	ibegin(g); b1(g, 0x3d); b4(g, RP_CODE_MAX); iend(g);
	emit_jcc32(g, 3, &stop_fields[nstop++]);                    /* jae stop */
	/* mov eax, ss:[eax*4+RESUME] */
	ibegin(g); b1(g, 0x36); b1(g, 0x8b); b1(g, 0x04); b1(g, 0x85); b4(g, RP_RESUME); iend(g);
	RAW(g, 0x85, 0xc0);                                         /* test eax, eax */
	emit_jcc32(g, 4, &stop_fields[nstop++]);                    /* jz stop */
	ibegin(g); b1(g, 0x05); b4(g, RP_ALIAS - RP_CODE); iend(g);                  /* add eax, ALIAS-CODE */
	emit_jmp32(g, &f_set);
	patch32(g, f_lookup, here(g));
	ibegin(g); b1(g, 0x36); b1(g, 0x8b); b1(g, 0x04); b1(g, 0x85); b4(g, RP_RESUME); iend(g);
	RAW(g, 0x85, 0xc0);
	emit_jcc32(g, 4, &stop_fields[nstop++]);
	patch32(g, f_set, here(g));
	RAW(g, 0x89, 0x44, 0x24, 0x10);                             /* mov [esp+16], eax */
	for (unsigned k = 0; k < ntrap; k++)
		patch32(g, trap_fields[k], here(g));
	RAW(g, 0x5b);                                               /* pop ebx */
	RAW(g, 0x58);                                               /* pop eax */
	RAW(g, 0x83, 0xc4, 0x08);                                   /* add esp, 8 */
	RAW(g, 0xcf);                                               /* iretd */
	for (unsigned k = 0; k < nstop; k++)
		patch32(g, stop_fields[k], here(g));
	RAW(g, 0xf4);                                               /* stop: hlt */
	RAW(g, 0xeb, 0xfd);                                         /* jmp stop */
	return start;
}

/* Handler entry points per vector (p->vec). */
static void gen_handlers(struct gen *g)
{
	uint32_t common = gen_handler_common(g);

	for (unsigned v = 0; v < 256; v++) {
		if (!(v < 32 || v == 0x40 || v == 0x41 || v == RP_IRQ_VEC) || v == 8)
			continue;
		uint32_t field;
		g->p->vec[v] = (uint16_t)here(g);
		if (!has_err(v))
			RAW(g, 0x6a, 0x00);                             /* push 0: no error code */
		ibegin(g); b1(g, 0x68); b4(g, v); iend(g);          /* push v */
		emit_jmp32(g, &field);
		patch32(g, field, common);
	}
}

/* ---- the program --------------------------------------------------------------------------------- */
void rp_generate(struct randprog *p, uint64_t seed, const struct rp_opts *o)
{
	struct gen g = { .p = p };
	unsigned min_items = o ? o->min_items : 20, max_items = o ? o->max_items : 120;

	memset(p, 0, sizeof *p);
	p->seed = seed;
	g.rs = splitmix(seed) | 1;
	g.cur_fn = -1;
	g.in_loop_patch = -1;

	p->paging = chance(&g, 70);
	p->wp = p->paging && chance(&g, 80);
	p->user = chance(&g, 25);
	p->irqs = chance(&g, 30);
	g.sys_ok = !p->user;
	g.fault_pct = (int)rnd(&g, 4) * 4;                          /* 0, 4, 8, 12 % of memory operands */
	g.mmio_pct = (int)rnd(&g, 3) * 3;                           /* 0, 3, 6 % */

	g.noresume = 1;
	gen_handlers(&g);
	g.noresume = 0;
	p->handlers_end = here(&g);

	g.nfunc = (int)rnd(&g, MAX_FUNC + 1);
	for (int f = 0; f < g.nfunc; f++)
		gen_function(&g, f);

	/* main: sometimes starting just before a page boundary so that its code crosses it */
	uint32_t start = here(&g);
	if (chance(&g, 40)) {
		uint32_t next_page = (start + 0xfff) & ~0xfffu;
		if (next_page < 0x40)
			next_page = 0x1000;
		uint32_t s = next_page - 0x10 - rnd(&g, 0x60);
		if (s > start)
			start = s;
	}
	while (here(&g) < start)
		b1(&g, 0xcc);                                       /* padding: never executed */
	p->entry = lin(start);
	g.wmask = 0xffu & ~(1u << R_ESP);
	g.depth = 0;
	gen_block(&g, min_items + rnd(&g, max_items - min_items + 1));

	g.noresume = 1;
	if (p->user) {
		RAW(&g, 0x0f, 0x0b);                                /* ud2: the handler stops */
	} else {
		RAW(&g, 0xfa);                                      /* cli: no more interrupts */
		RAW(&g, 0xf4);                                      /* hlt (only an NMI wakes it) */
		RAW(&g, 0xeb, 0xfd);                                /* jmp hlt */
	}

	/* the initial registers and flags */
	for (int r = 0; r < 8; r++)
		p->regs[r] = rvalue(&g);
	static const uint32_t esp_off[] = { 0, 0, 0, 2, 0xffe, 0x1001, 0x40 };
	p->regs[R_ESP] = (p->user ? RP_USTACK : RP_STACK) - esp_off[rnd(&g, sizeof esp_off / sizeof esp_off[0])];
	p->eflags = FL_1 | (r32(&g) & (FL_ARITH | FL_DF)) | (p->irqs ? FL_IF : 0);
}

/* ---- the image ----------------------------------------------------------------------------------- */
static void put32(uint8_t *img, uint32_t a, uint32_t v) { memcpy(img + a, &v, 4); }

void rp_build(const struct randprog *p, uint8_t *img, struct cpu *c)
{
	uint64_t rs = splitmix(p->seed ^ 0x5eed) | 1;

	/* the FS descriptor: data, DPL 3, base RP_FS_BASE, byte-granular limit, 32-bit */
	put32(img, 0x1000 + RP_FS_SEL, (RP_FS_LIMIT & 0xffff) | (RP_FS_BASE << 16));
	put32(img, 0x1000 + RP_FS_SEL + 4, ((RP_FS_BASE >> 16) & 0xff) | 0xf200u | 0x400000u |
	      (RP_FS_LIMIT & 0xf0000) | (RP_FS_BASE & 0xff000000u));
	c->gdtr.limit = RP_FS_SEL + 7;

	/* IDT gates to the program's handlers (the rest stay testutil's HLT catchers) */
	for (unsigned v = 0; v < 256; v++) {
		if (!p->vec[v])
			continue;
		uint32_t off = RP_CODE + p->vec[v];
		uint32_t dpl = (v == 3 || v == 4 || v == 0x40) ? 3 : 0;
		put32(img, 0x2000 + 8 * v, (off & 0xffff) | ((uint32_t)TM_CODE32 << 16));
		put32(img, 0x2000 + 8 * v + 4, (off & 0xffff0000u) | 0x8e00 | dpl << 13);
	}

	/* page tables: identity 0..4 MiB, user-accessible, with the special pages and the alias */
	put32(img, RP_PD, RP_PT | PTE_P | PTE_W | PTE_U);
	for (uint32_t k = 0; k < 1024; k++)
		put32(img, RP_PT + 4 * k, (k << 12) | PTE_P | PTE_W | PTE_U);
	put32(img, RP_PT + 4 * (RP_RO >> 12), RP_RO | PTE_P | PTE_U);
	put32(img, RP_PT + 4 * (RP_SUP >> 12), RP_SUP | PTE_P | PTE_W);
	put32(img, RP_PT + 4 * (RP_NP >> 12), RP_NP | PTE_W | PTE_U);
	for (uint32_t k = 0; k < RP_CODE_MAX >> 12; k++)
		put32(img, RP_PT + 4 * ((RP_ALIAS >> 12) + k), (RP_CODE + (k << 12)) | PTE_P | PTE_W | PTE_U);
	put32(img, RP_PD + 4 * (RP_MMIO >> 22), RP_PT2 | PTE_P | PTE_W | PTE_U);
	put32(img, RP_PT2 + 4 * ((RP_MMIO >> 12) & 0x3ff), RP_MMIO | PTE_P | PTE_W | PTE_U);
	put32(img, RP_PT2 + 4 * (((RP_MMIO >> 12) + 1) & 0x3ff), RP_DATA | PTE_P | PTE_W | PTE_U);

	/* code (and the copy with other immediates), resume table, random data, tables */
	memcpy(img + RP_CODE, p->code, p->len);
	memcpy(img + RP_COPY, p->code, p->len);
	for (uint32_t k = 0; k < p->nfimm; k++) {
		uint32_t v;
		memcpy(&v, img + RP_COPY + p->fimm[k], 4);
		v ^= 0x5a5a5a5au;
		memcpy(img + RP_COPY + p->fimm[k], &v, 4);
	}
	for (uint32_t k = 0; k < p->ninsn; k++)
		if (!p->noresume[k])
			put32(img, RP_RESUME + 4 * p->at[k], RP_CODE + p->at[k] + p->ilen[k]);
	for (uint32_t a = RP_SUP; a < RP_FIXED; a += 8) {
		rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27;
		uint64_t v = rs * 0x2545f4914f6cdd1dull;
		memcpy(img + a, &v, 8);
	}
	for (uint32_t k = 0; k < p->ninit; k++)
		put32(img, p->init[k].addr, p->init[k].val);

	/* CPU */
	for (int r = 0; r < 8; r++)
		c->r[r] = p->regs[r];
	c->eip = p->entry;
	cpu_set_eflags(c, p->eflags);
	c->cr3 = RP_PD;
	c->cr0 = CR0_PE | CR0_ET | (p->paging ? CR0_PG : 0) | (p->wp ? CR0_WP : 0);
	c->cr2 = 0;
	if (p->user) {
		c->cpl = 3;
		tm_set_seg(c, S_CS, TM_UCODE32, 0, 0xffffffffu, 0xc0fb);
		tm_set_seg(c, S_SS, TM_UDATA32, 0, 0xffffffffu, 0xc0f3);
		tm_set_seg(c, S_DS, TM_UDATA32, 0, 0xffffffffu, 0xc0f3);
		tm_set_seg(c, S_ES, TM_UDATA32, 0, 0xffffffffu, 0xc0f3);
		tm_set_seg(c, S_GS, TM_UDATA32, 0, 0xffffffffu, 0xc0f3);
		tm_set_seg(c, S_FS, RP_FS_SEL | 3, RP_FS_BASE, RP_FS_LIMIT, 0x40f3);
	} else {
		tm_set_seg(c, S_FS, RP_FS_SEL, RP_FS_BASE, RP_FS_LIMIT, 0x40f3);
	}
}

void rp_dump(const struct randprog *p, FILE *out, uint32_t mark, int handlers)
{
	static const char *const rn[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

	fprintf(out, "program seed %llu: %s, %s%s, %s, %u instructions, %u code bytes, main at %08x\n",
		(unsigned long long)p->seed, p->user ? "CPL 3" : "CPL 0", p->paging ? "paging" : "no paging",
		p->paging ? (p->wp ? " (CR0.WP)" : " (no WP)") : "", p->irqs ? "IF=1, interrupts injected" : "IF=0",
		p->ninsn, p->len, p->entry);
	fprintf(out, "initial:");
	for (int r = 0; r < 8; r++)
		fprintf(out, " %s=%08x", rn[r], p->regs[r]);
	fprintf(out, " eflags=%08x\n", p->eflags);
	if (mark >= RP_ALIAS && mark < RP_ALIAS + RP_CODE_MAX)
		mark = mark - RP_ALIAS + RP_CODE;
	if (!handlers)
		fprintf(out, "  %08x..%08x  (exception handlers, the same in every program)\n", RP_CODE,
			RP_CODE + p->handlers_end - 1);
	for (uint32_t k = 0; k < p->ninsn; k++) {
		char text[96], hex[48];
		unsigned n = 0;
		uint32_t at = RP_CODE + p->at[k];
		if (!handlers && p->at[k] < p->handlers_end && at != mark)
			continue;
		if (disasm(p->code + p->at[k], p->ilen[k], at, 1, text, sizeof text) < 0)
			snprintf(text, sizeof text, "(bad)");
		hex[0] = 0;
		for (unsigned b = 0; b < p->ilen[k] && n + 3 < sizeof hex; b++)
			n += (unsigned)snprintf(hex + n, sizeof hex - n, "%02x ", p->code[p->at[k] + b]);
		if (at == mark)
			fprintf(out, "  %08x%s %-36s %-40s <== eip\n", at, at == p->entry ? ">" : " ", hex, text);
		else
			fprintf(out, "  %08x%s %-36s %s\n", at, at == p->entry ? ">" : " ", hex, text);
	}
}
