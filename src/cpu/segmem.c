/* SPDX-License-Identifier: MIT
 *
 * segmem.c — the slow path of every memory access an instruction makes: segmentation checks (SDM vol. 3A
 * 3.4.5.1 "Code- and data-segment descriptor types", 5.3 "Limit checking", 5.5-5.6 privilege/type
 * checks), accesses by linear address, page-crossing accesses, the stack helpers and instruction fetch.
 * The fast path (present expand-up data segment, TLB hit) is inline in mem.h; it falls back here.
 *
 * Two rules shape this file:
 *  - Precise faults.  Everything is checked before anything is written: an access that crosses a page
 *    boundary translates BOTH pages first, so a #PF on the second page leaves the first untouched and the
 *    instruction can be restarted after the fault handler maps the page.
 *  - One path to physical memory.  After translation every byte goes through phys_read()/phys_write()
 *    (memory.c), which sends it to RAM or to an MMIO device and notices stores into pages holding cached
 *    code.  Only the TLB's host pointers bypass it, and the TLB never gives those for MMIO or code pages.
 *
 * Segment registers S_LDTR and S_TR may be used here too (e.g. reading the TSS through TR): they are
 * system segments, checked for the limit only and accessed as implicit supervisor accesses.
 */
#include "cpu/mem.h"
#include "machine.h"

/* Is an access through segment register seg made with user privilege?  (SDM 4.6: CPL 3, except for
 * the implicit supervisor accesses to system structures.) */
static int seg_user(const struct cpu *c, unsigned seg)
{
	return seg < S_LDTR && c->cpl == 3;
}

/* The segment-level fault: #SS(0) for the stack segment, #GP(0) for the others (SDM 6.15, int. 12/13). */
static _Noreturn void seg_fault(struct cpu *c, unsigned seg)
{
	cpu_fault(c, seg == S_SS ? EXC_SS : EXC_GP, 0);
}

uint32_t seg_linear(struct cpu *c, unsigned seg, uint32_t off, unsigned len, int write)
{
	const struct seg *s = &c->seg[seg];
	uint64_t last = (uint64_t)off + (len ? len : 1) - 1;   /* offset of the access's last byte */
	int expand_down = 0;

	if (cpu_pmode(c) && seg < S_LDTR) {
		/* Type checks: only in protected mode.  A null selector loads a cache with P clear. */
		if (!(s->attr & DESC_P))
			cpu_gp0(c);
		if (s->attr & DESC_CODE) {
			if (write || !(s->attr & DESC_R))      /* code is never writable; maybe execute-only */
				cpu_gp0(c);
		} else {
			if (write && !(s->attr & DESC_W))
				cpu_gp0(c);
			expand_down = (s->attr & DESC_E) != 0;
		}
	} else if ((s->attr & (DESC_S | DESC_CODE)) == DESC_S) {
		/* Real mode (or a system segment): no type checks, but the limit check uses the cached
		 * descriptor, expand-down included (a cache left over from protected mode keeps it). */
		expand_down = seg < S_LDTR && (s->attr & DESC_E) != 0;
	}

	if (expand_down) {
		/* Valid offsets are limit+1 .. 0xffff, or .. 0xffffffff when B is set (SDM 3.4.5.1). */
		uint32_t upper = (s->attr & DESC_DB) ? 0xffffffffu : 0xffffu;
		if (off <= s->limit || last > upper)
			seg_fault(c, seg);
	} else if (last > s->limit) {
		seg_fault(c, seg);
	}
	return s->base + off;
}

/* ---- linear accesses at a given privilege ------------------------------------------------------- */

/* Bytes from lin to the end of its page. */
static uint32_t page_room(uint32_t lin)
{
	return 0x1000u - (lin & 0xfffu);
}

/* Translate every page of [lin, lin+len) for access acc, faulting now if any cannot be accessed. */
static void lin_check(struct cpu *c, uint32_t lin, unsigned len, int acc, int user)
{
	while (len) {
		uint32_t n = len < page_room(lin) ? len : page_room(lin);
		mmu_translate(c, lin, acc, user);
		lin += n;
		len -= n;
	}
}

/* Copy [lin, lin+len) into buf.  All pages are translated before the first byte is read, because an
 * MMIO read can have side effects that a restarted instruction would repeat. */
static void lin_copy_from(struct cpu *c, uint32_t lin, void *buf, unsigned len, int acc, int user)
{
	uint8_t *p = buf;

	if (len > page_room(lin))
		lin_check(c, lin, len, acc, user);
	while (len) {
		uint32_t n = len < page_room(lin) ? len : page_room(lin);
		/* A TLB hit now (or a walk that cannot fail: the tables have not changed since the check). */
		phys_read_buf(c->m, mmu_translate(c, lin, acc, user), p, n);
		lin += n;
		p += n;
		len -= n;
	}
}

/* Copy buf into [lin, lin+len), translating every page before writing any byte. */
static void lin_copy_to(struct cpu *c, uint32_t lin, const void *buf, unsigned len, int user)
{
	const uint8_t *p = buf;

	if (len > page_room(lin))
		lin_check(c, lin, len, ACC_WRITE, user);
	while (len) {
		uint32_t n = len < page_room(lin) ? len : page_room(lin);
		phys_write_buf(c->m, mmu_translate(c, lin, ACC_WRITE, user), p, n);
		lin += n;
		p += n;
		len -= n;
	}
}

/* Read 1, 2 or 4 bytes at a linear address. */
static uint32_t lin_read_priv(struct cpu *c, uint32_t lin, unsigned size, int user)
{
	const struct tlb_entry *e = tlb_entry(c, user, lin);
	uint8_t b[4] = { 0 };

	if (e->tag_r == ((lin + size - 1) & ~0xfffu))
		return host_load(e->host + (lin & 0xfffu), size);
	if (size <= page_room(lin))
		return phys_read(c->m, mmu_translate(c, lin, ACC_READ, user), size);
	lin_copy_from(c, lin, b, size, ACC_READ, user);   /* crosses a page */
	return host_load(b, size);
}

/* Write 1, 2 or 4 bytes at a linear address. */
static void lin_write_priv(struct cpu *c, uint32_t lin, unsigned size, uint32_t v, int user)
{
	const struct tlb_entry *e = tlb_entry(c, user, lin);
	uint8_t b[4];

	if (e->tag_w == ((lin + size - 1) & ~0xfffu)) {
		host_store(e->host + (lin & 0xfffu), size, v);
	} else if (size <= page_room(lin)) {
		/* phys_write() notices a store into a code page and invalidates its decodings. */
		phys_write(c->m, mmu_translate(c, lin, ACC_WRITE, user), size, v);
	} else {
		host_store(b, size, v);                           /* little-endian bytes */
		lin_copy_to(c, lin, b, size, user);
	}
}

static int lin_user(const struct cpu *c, int flags)
{
	return (flags & LIN_USER_CPL) && c->cpl == 3;
}

/* Tell the debugger about a data access that has just succeeded (only while it watches memory). */
static inline void watch(struct cpu *c, uint32_t lin, unsigned len, int is_write)
{
	if (c->m->watch_hit)
		c->m->watch_hit(c->m, lin, len, is_write);
}

uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size, int flags)
{
	uint32_t v = lin_read_priv(c, lin, size, lin_user(c, flags));
	watch(c, lin, size, 0);
	return v;
}

void lin_write(struct cpu *c, uint32_t lin, unsigned size, uint32_t v, int flags)
{
	lin_write_priv(c, lin, size, v, lin_user(c, flags));
	watch(c, lin, size, 1);
}

void lin_read_buf(struct cpu *c, uint32_t lin, void *buf, unsigned len, int flags)
{
	lin_copy_from(c, lin, buf, len, ACC_READ, lin_user(c, flags));
	watch(c, lin, len, 0);
}

/* ---- logical accesses ----------------------------------------------------------------------------- */

uint32_t seg_read_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size)
{
	uint32_t lin = seg_linear(c, seg, off, size, 0);
	uint32_t v = lin_read_priv(c, lin, size, seg_user(c, seg));
	watch(c, lin, size, 0);
	return v;
}

void seg_write_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v)
{
	uint32_t lin = seg_linear(c, seg, off, size, 1);
	lin_write_priv(c, lin, size, v, seg_user(c, seg));
	watch(c, lin, size, 1);
}

void seg_read_buf(struct cpu *c, unsigned seg, uint32_t off, void *buf, unsigned len)
{
	if (len == 0)
		return;
	uint32_t lin = seg_linear(c, seg, off, len, 0);
	lin_copy_from(c, lin, buf, len, ACC_READ, seg_user(c, seg));
	watch(c, lin, len, 0);
}

void seg_write_buf(struct cpu *c, unsigned seg, uint32_t off, const void *buf, unsigned len)
{
	if (len == 0)
		return;
	uint32_t lin = seg_linear(c, seg, off, len, 1);
	lin_copy_to(c, lin, buf, len, seg_user(c, seg));
	watch(c, lin, len, 1);
}

uint64_t seg_read64(struct cpu *c, unsigned seg, uint32_t off)
{
	uint8_t b[8];
	uint64_t v;

	seg_read_buf(c, seg, off, b, 8);
	memcpy(&v, b, 8);   /* little-endian host (mem.h checks) */
	return v;
}

void seg_write64(struct cpu *c, unsigned seg, uint32_t off, uint64_t v)
{
	uint8_t b[8];

	memcpy(b, &v, 8);
	seg_write_buf(c, seg, off, b, 8);
}

void seg_probe_write(struct cpu *c, unsigned seg, uint32_t off, unsigned len)
{
	if (len == 0)
		return;
	/* Translating for a write also sets the dirty bits, as the write that follows would. */
	lin_check(c, seg_linear(c, seg, off, len, 1), len, ACC_WRITE, seg_user(c, seg));
}

/* ---- the stack ---------------------------------------------------------------------------------- */
/* The stack-address size is SS's B bit (SDM vol. 1, 6.2.3): a 16-bit stack uses SP and wraps within
 * 64 KiB, leaving the upper half of ESP alone. */

void cpu_push(struct cpu *c, unsigned size, uint32_t v)
{
	uint32_t esp = c->r[R_ESP];

	if (cpu_stack32(c)) {
		esp -= size;
		seg_write(c, S_SS, esp, size, v);        /* faults before ESP changes */
		c->r[R_ESP] = esp;
	} else {
		uint32_t sp = (esp - size) & 0xffffu;
		seg_write(c, S_SS, sp, size, v);
		c->r[R_ESP] = (esp & 0xffff0000u) | sp;
	}
}

uint32_t cpu_pop(struct cpu *c, unsigned size)
{
	uint32_t esp = c->r[R_ESP], v;

	if (cpu_stack32(c)) {
		v = seg_read(c, S_SS, esp, size);        /* faults before ESP changes */
		c->r[R_ESP] = esp + size;
	} else {
		v = seg_read(c, S_SS, esp & 0xffffu, size);
		c->r[R_ESP] = (esp & 0xffff0000u) | ((esp + size) & 0xffffu);
	}
	return v;
}

uint32_t cpu_stack_peek(struct cpu *c, uint32_t off, unsigned size)
{
	uint32_t a = c->r[R_ESP] + off;

	return seg_read(c, S_SS, cpu_stack32(c) ? a : (a & 0xffffu), size);
}

/* ---- instruction fetch -------------------------------------------------------------------------- */

unsigned fetch_code(struct cpu *c, uint32_t lin, uint8_t *buf, unsigned len)
{
	const struct seg *cs = &c->seg[S_CS];
	uint32_t off = lin - cs->base, pa, n;
	int user = c->cpl == 3;

	if (len == 0)
		return 0;
	/* CS limit (SDM 5.3): the first byte must be inside; bytes beyond the limit are not fetched, and
	 * asking for them (fetch_code at lin + count) raises this #GP(0). */
	if (off > cs->limit)
		cpu_gp0(c);
	if ((uint64_t)off + len - 1 > cs->limit)
		len = cs->limit - off + 1;

	n = len < page_room(lin) ? len : page_room(lin);
	pa = mmu_translate(c, lin, ACC_EXEC, user);      /* the first byte's #PF is raised now */
	phys_read_buf(c->m, pa, buf, n);
	if (n == len)
		return n;
	/* The rest lies on the next page.  If it cannot be fetched, return what we have: the instruction
	 * may well end on this page, and if not, the caller asks again at lin + n and gets the #PF. */
	if (mmu_try_translate(c, lin + n, ACC_EXEC, user, &pa) < 0)
		return n;
	phys_read_buf(c->m, pa, buf + n, len - n);
	return len;
}
