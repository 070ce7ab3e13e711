/* SPDX-License-Identifier: MIT
 *
 * string.c — the string instructions MOVS, CMPS, STOS, LODS, SCAS, INS and OUTS, alone or repeated by
 * REP / REPE / REPNE (SDM vol. 2, one entry each, and vol. 1, 7.3.9 "String operations").
 *
 * Each instruction is written as ONE ITERATION (one element moved, compared or transferred); a common
 * driver, string_exec(), applies the repeat prefix:
 *
 *   - the address size selects SI/DI/CX or ESI/EDI/ECX; the element size is 1 for the even opcodes
 *     (MOVSB A4, CMPSB A6, STOSB AA, LODSB AC, SCASB AE, INSB 6C, OUTSB 6E) and the operand size for the
 *     odd ones; EFLAGS.DF chooses whether the index registers count up or down;
 *   - the source is DS:(E)SI unless overridden (i->seg); the destination is always ES:(E)DI;
 *   - a fault in iteration k leaves the registers as they were after iteration k-1: each iteration
 *     does its memory write before updating (E)SI/(E)DI/(E)CX, and the run loop restarts the
 *     instruction (EIP = prev_eip) after the exception handler returns.
 *
 * Virtual time (the determinism contract of docs/): every iteration counts as one retired instruction.
 * The run loop counts one per handler call, so when the driver goes on to another iteration in the same
 * call it first counts the finished one itself (c->icount++).  It returns to the run loop — with
 * EIP = prev_eip so the instruction resumes where it stopped — whenever the run loop would have done
 * something between two instructions: the budget or a timer deadline is reached, an interrupt can be
 * taken, the machine stopped, or TF asks for a single-step trap after each iteration (vol. 3A 17.3.1.4).
 * So a device interrupt lands at the same instruction count whether or not REP was used.
 *
 * REP MOVS and REP STOS going forwards over plain RAM also have a block fast path (rep_block below):
 * the same results and the same instruction count, with one host memmove/memset per page.
 */
#include <string.h>
#include "cpu.h"
#include "flags.h"
#include "insn.h"
#include "mem.h"
#include "operand.h"
#include "system.h"
#include "machine.h"

static unsigned elem_size(const struct insn *i)
{
	return (i->opc & 1) ? i->osz : 1;
}

/* An index/count register as the address size sees it, and its update (16-bit: low half only). */
static uint32_t idx_get(const struct cpu *c, const struct insn *i, unsigned r)
{
	return i->asz == 4 ? c->r[r] : (c->r[r] & 0xffff);
}

static void idx_set(struct cpu *c, const struct insn *i, unsigned r, uint32_t v)
{
	reg_set(c, r, i->asz == 4 ? 4 : 2, v);
}

/* Move (E)SI or (E)DI to the next element in the direction DF says. */
static void idx_step(struct cpu *c, const struct insn *i, unsigned r, unsigned size)
{
	uint32_t v = idx_get(c, i, r);

	idx_set(c, i, r, (c->eflags & FL_DF) ? v - size : v + size);
}

/* ---- one iteration of each instruction ----------------------------------------------------------- */

static void movs_one(struct cpu *c, const struct insn *i, unsigned size)
{
	uint32_t v = seg_read(c, i->seg, idx_get(c, i, R_ESI), size);

	seg_write(c, S_ES, idx_get(c, i, R_EDI), size, v);
	idx_step(c, i, R_ESI, size);
	idx_step(c, i, R_EDI, size);
}

/* CMPS compares [source] - [ES:destination] (note: the opposite order to SCAS's accumulator - memory). */
static void cmps_one(struct cpu *c, const struct insn *i, unsigned size)
{
	uint32_t a = seg_read(c, i->seg, idx_get(c, i, R_ESI), size);
	uint32_t b = seg_read(c, S_ES, idx_get(c, i, R_EDI), size);

	lf_set(c, LF_SUB, size, a, b, a - b);
	idx_step(c, i, R_ESI, size);
	idx_step(c, i, R_EDI, size);
}

static void stos_one(struct cpu *c, const struct insn *i, unsigned size)
{
	seg_write(c, S_ES, idx_get(c, i, R_EDI), size, reg_get(c, R_EAX, size));
	idx_step(c, i, R_EDI, size);
}

static void lods_one(struct cpu *c, const struct insn *i, unsigned size)
{
	reg_set(c, R_EAX, size, seg_read(c, i->seg, idx_get(c, i, R_ESI), size));
	idx_step(c, i, R_ESI, size);
}

static void scas_one(struct cpu *c, const struct insn *i, unsigned size)
{
	uint32_t a = reg_get(c, R_EAX, size);
	uint32_t b = seg_read(c, S_ES, idx_get(c, i, R_EDI), size);

	lf_set(c, LF_SUB, size, a, b, a - b);
	idx_step(c, i, R_EDI, size);
}

/* INS: the destination is checked before the port is read, so a #PF on the buffer does not swallow a
 * byte from a device FIFO (the read would be repeated when the instruction restarts). */
static void ins_one(struct cpu *c, const struct insn *i, unsigned size)
{
	uint16_t port = (uint16_t)c->r[R_EDX];
	uint32_t di = idx_get(c, i, R_EDI);

	io_permission(c, port, size);
	seg_probe_write(c, S_ES, di, size);
	seg_write(c, S_ES, di, size, pio_read(c->m, port, size));
	idx_step(c, i, R_EDI, size);
}

static void outs_one(struct cpu *c, const struct insn *i, unsigned size)
{
	uint16_t port = (uint16_t)c->r[R_EDX];
	uint32_t v;

	io_permission(c, port, size);
	v = seg_read(c, i->seg, idx_get(c, i, R_ESI), size);
	pio_write(c->m, port, size, v);
	idx_step(c, i, R_ESI, size);
}

/* ---- the repeat driver --------------------------------------------------------------------------- */

/* Is something waiting that the run loop must handle at the next instruction boundary? */
static int event_waiting(const struct cpu *c)
{
	if ((c->eflags & FL_TF) || c->nmi_pending)
		return 1;
	/* A pending interrupt with IF clear cannot be taken: no reason to return for it. */
	if (c->irq_pending && (c->eflags & FL_IF))
		return 1;
	return c->m && c->m->stop != STOP_NONE;
}

/* The instruction count the clock must not pass inside this handler: the budget or the next timer. */
static uint64_t clock_end(const struct cpu *c)
{
	uint64_t end = c->icount_limit;

	if (c->m && c->m->next_deadline < end)
		end = c->m->next_deadline;
	return end;
}

/* Would the run loop do anything before the next instruction if this one ended now? */
static int must_yield(const struct cpu *c)
{
	return c->icount + 1 >= clock_end(c) || event_waiting(c);
}

/* ---- fast path: REP MOVS / REP STOS forwards over plain RAM --------------------------------------
 * The common memcpy/memset loops of guest kernels.  A block of iterations that stays inside one page of
 * the source and one of the destination, inside the segment limits, and hits TLB entries that allow
 * the access directly (plain RAM, no cached code: see cpu.h) is done with one host memmove/store loop.
 * Any doubt — DF = 1, an MMIO or code page, a TLB miss, a segment the inline fast path would not take,
 * an overlap where the destination is ahead of the source — and the driver does a normal iteration
 * instead (whose slow path also fills the TLB, so the next block usually qualifies). */

/* Host address of [off, off+len) in segment seg if it needs no further check; NULL otherwise. */
static uint8_t *fast_ptr(struct cpu *c, unsigned seg, uint32_t off, uint32_t len, int write)
{
	const struct seg *s = &c->seg[seg];
	uint32_t lin = s->base + off, page = lin & ~0xfffu;
	const struct tlb_entry *e = tlb_entry(c, c->cpl == 3, lin);
	uint32_t mask = write ? SEGFAST_MASK_W : SEGFAST_MASK_R;
	uint32_t want = write ? (DESC_P | DESC_S | DESC_W) : (DESC_P | DESC_S);

	if ((s->attr & mask) != want || (uint64_t)off + len - 1 > s->limit ||
	    ((lin + len - 1) & ~0xfffu) != page || (write ? e->tag_w : e->tag_r) != page)
		return NULL;
	return e->host + (lin & 0xfff);
}

/* The most iterations from index register r that stay within its page and (16-bit) its 64 KiB wrap. */
static uint32_t block_room(const struct cpu *c, const struct insn *i, unsigned seg, unsigned r, unsigned size)
{
	uint32_t off = idx_get(c, i, r);
	uint32_t room = 0x1000 - ((c->seg[seg].base + off) & 0xfff);

	if (i->asz == 2 && 0x10000 - off < room)
		room = 0x10000 - off;
	return room / size;
}

/* Try to do up to n iterations of REP MOVS (movs = 1) or REP STOS as one block.  Returns how many were
 * done, 0 if none (then the caller does one the normal way).  The block never carries the clock past
 * clock_end(): k iterations advance it by k - 1 here plus one later, and k <= clock_end - icount. */
static uint32_t rep_block(struct cpu *c, const struct insn *i, int movs, unsigned size, uint32_t n)
{
	uint64_t left = clock_end(c) - c->icount;
	uint32_t k = n, len, di = idx_get(c, i, R_EDI), si = idx_get(c, i, R_ESI);
	uint8_t *dst, *src = NULL;

	if ((c->eflags & FL_DF) || event_waiting(c) || c->icount >= clock_end(c))
		return 0;
	if (k > left)
		k = (uint32_t)left;
	if (k > block_room(c, i, S_ES, R_EDI, size))
		k = block_room(c, i, S_ES, R_EDI, size);
	if (movs && k > block_room(c, i, i->seg, R_ESI, size))
		k = block_room(c, i, i->seg, R_ESI, size);
	if (k < 2)
		return 0;
	len = k * size;
	if (!(dst = fast_ptr(c, S_ES, di, len, 1)))
		return 0;
	if (movs) {
		if (!(src = fast_ptr(c, i->seg, si, len, 0)))
			return 0;
		/* Element-by-element forwards equals memmove unless the destination starts inside the
		 * source block after its start (then each element may read an earlier element's store). */
		if (dst > src && dst < src + len)
			return 0;
		memmove(dst, src, len);
		idx_set(c, i, R_ESI, si + len);
	} else if (size == 1) {
		memset(dst, (int)(c->r[R_EAX] & 0xff), len);
	} else {
		for (uint32_t k2 = 0; k2 < len; k2 += size)
			host_store(dst + k2, size, c->r[R_EAX]);
	}
	idx_set(c, i, R_EDI, di + len);
	idx_set(c, i, R_ECX, n - k);
	return k;
}

typedef void (*iter_fn)(struct cpu *c, const struct insn *i, unsigned size);

/* Run one instruction's worth of iterations.  compares: CMPS/SCAS, for which F3 means REPE (stop when
 * ZF = 0) and F2 means REPNE (stop when ZF = 1); for the others either prefix means plain REP.
 * block: 1 for MOVS, 2 for STOS (the forms rep_block() can do in bulk), 0 otherwise. */
static void string_exec(struct cpu *c, const struct insn *i, iter_fn one, int compares, int block)
{
	unsigned size = elem_size(i);

	if (!(i->pfx & (PFX_REP | PFX_REPNE))) {
		one(c, i, size);
		return;
	}
	for (;;) {
		uint32_t n = idx_get(c, i, R_ECX), k;

		if (n == 0)
			return;                  /* nothing (left) to do: the instruction completes */
		k = block ? rep_block(c, i, block == 1, size, n) : 0;
		if (k) {
			c->icount += k - 1;      /* all but the last of the block retire here... */
		} else {
			one(c, i, size);
			idx_set(c, i, R_ECX, n - 1);
			k = 1;
		}
		if (n == k)
			return;                  /* ...the last one below or by the run loop */
		if (compares) {
			int zf = cpu_cond(c, 4);         /* condition 4 = E: ZF set */
			if ((i->pfx & PFX_REPNE) ? zf : !zf)
				return;
		}
		if (must_yield(c)) {
			c->eip = c->prev_eip;    /* resume this instruction later */
			return;
		}
		c->icount++;                     /* the iteration just finished retires */
	}
}

void op_movs(struct cpu *c, const struct insn *i) { string_exec(c, i, movs_one, 0, 1); }
void op_cmps(struct cpu *c, const struct insn *i) { string_exec(c, i, cmps_one, 1, 0); }
void op_stos(struct cpu *c, const struct insn *i) { string_exec(c, i, stos_one, 0, 2); }
void op_lods(struct cpu *c, const struct insn *i) { string_exec(c, i, lods_one, 0, 0); }
void op_scas(struct cpu *c, const struct insn *i) { string_exec(c, i, scas_one, 1, 0); }
void op_ins(struct cpu *c, const struct insn *i) { string_exec(c, i, ins_one, 0, 0); }
void op_outs(struct cpu *c, const struct insn *i) { string_exec(c, i, outs_one, 0, 0); }
