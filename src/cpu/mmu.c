/* SPDX-License-Identifier: MIT
 *
 * mmu.c — paging: linear -> physical translation with 32-bit two-level page tables (SDM vol. 3A 4.3),
 * the access-rights rules (4.6), accessed/dirty bits (4.8), page-fault error codes (4.7), and the
 * software TLB that makes the common case cheap (4.10 describes the hardware TLB it imitates).
 *
 * The walk.  CR3 points at a page directory of 1024 PDEs, each covering 4 MiB; a PDE either maps a
 * 4 MiB page itself (PS = 1, allowed when CR4.PSE = 1) or points at a page table of 1024 PTEs, each
 * mapping 4 KiB.  The rights of a translation are those of all entries combined: user access needs U in
 * every entry, a user write needs W in every entry, and a supervisor write needs W in every entry only
 * when CR0.WP = 1.  Implicit system accesses (descriptor tables, TSS) are supervisor accesses.
 *
 * Choices where the SDM leaves room:
 *  - Accessed bits are written only when the whole translation succeeds (the SDM allows, but does not
 *    require, setting A in a PDE whose PTE then faults).  The dirty bit is set in the final entry (the
 *    PTE, or the PDE of a 4 MiB page) on a write.  The debugger's mmu_probe() sets nothing.
 *  - PFEC_I is never reported: this CPU has no NX and no SMEP, and then the SDM (4.7) says the I/D bit
 *    of the error code is 0 even for instruction fetches.
 *  - No PSE-36: in a 4 MiB PDE bits 21:13 are reserved, and a set one gives #PF with P|RSVD (4.3,
 *    table 4-4, with MAXPHYADDR = 32).  PCD/PWT/G are ignored (there are no caches; CR4.PGE global pages
 *    are flushed like the others, which is allowed: a TLB may always forget).
 *
 * The software TLB (cpu.h).  Two direct-mapped arrays of TLB_SIZE entries indexed by the linear page
 * number, one per privilege ([0] supervisor, [1] CPL 3), so a hit never needs a rights check: an entry
 * was filled only with what that privilege may do.  Each entry has three tags (read, write, fetch); a
 * tag equal to the page address means "this access may use e->host directly".  The write tag is given
 * only when all of these hold, so every store that must do something besides storing takes the slow path:
 *    the page is writable at that privilege;
 *    its dirty bit is already set (the first write must walk, to set D);
 *    it is RAM (MMIO pages get no tags at all: their accesses must reach the device);
 *    it holds no cached code (m->page_code[page] == 0; a store there must invalidate the decodings).
 * With paging off the TLB still works, mapping linear = physical, so the fast path is the same in real
 * mode and in flat protected mode.  Like a real TLB it keeps stale entries until INVLPG, a CR3 write or
 * a mode change flushes them (cpu_mode_changed() calls tlb_flush()).
 */
#include "cpu/mem.h"
#include "machine.h"

/* What a successful walk found. */
struct xlate {
	uint32_t pa;     /* physical address of the linear address */
	int writable;    /* a write at this privilege is allowed */
	int dirty;       /* the final entry's dirty bit is set (after this walk) */
};

/* Reserved bits of a 4 MiB PDE without PSE-36 (bits 21:13). */
#define PDE4M_RSVD 0x003fe000u

/* Walk the page tables for lin.  Returns 0 and fills *x, or -1 with the page-fault error code in *err.
 * update: set accessed/dirty bits (a real access) or not (the debugger's probe). */
static int walk(struct cpu *c, uint32_t lin, int acc, int user, int update, struct xlate *x, uint32_t *err)
{
	struct machine *m = c->m;
	uint32_t pde_addr = (c->cr3 & PTE_FRAME) | ((lin >> 22) << 2);
	uint32_t pde = phys_read(m, pde_addr, 4), pte = 0, pte_addr = 0, rights;
	int large = 0;

	/* Error code bits that describe the access itself; P is added for a protection violation. */
	*err = (acc == ACC_WRITE ? PFEC_W : 0) | (user ? PFEC_U : 0);

	if (!(pde & PTE_P))
		return -1;
	if ((pde & PTE_PS) && (c->cr4 & CR4_PSE)) {
		if (pde & PDE4M_RSVD) {
			*err |= PFEC_P | PFEC_RSVD;
			return -1;
		}
		large = 1;
		rights = pde;
		x->pa = (pde & 0xffc00000u) | (lin & 0x003fffffu);
	} else {
		pte_addr = (pde & PTE_FRAME) | ((lin >> 10) & 0xffcu);
		pte = phys_read(m, pte_addr, 4);
		if (!(pte & PTE_P))
			return -1;
		rights = pde & pte;   /* U and W must be set at both levels */
		x->pa = (pte & PTE_FRAME) | (lin & 0xfffu);
	}

	/* SDM 4.6: user accesses need U everywhere; user writes need W everywhere; supervisor writes need W
	 * only with CR0.WP.  Reads of present pages are always allowed to the supervisor. */
	if (user && !(rights & PTE_U)) {
		*err |= PFEC_P;
		return -1;
	}
	x->writable = (rights & PTE_W) || (!user && !(c->cr0 & CR0_WP));
	if (acc == ACC_WRITE && !x->writable) {
		*err |= PFEC_P;
		return -1;
	}

	/* The access is allowed: record it in the tables (SDM 4.8). */
	if (large) {
		uint32_t n = pde | PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
		if (update && n != pde)
			phys_write(m, pde_addr, 4, n);
		x->dirty = ((update ? n : pde) & PTE_D) != 0;
	} else {
		uint32_t n = pte | PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
		if (update && !(pde & PTE_A))
			phys_write(m, pde_addr, 4, pde | PTE_A);
		if (update && n != pte)
			phys_write(m, pte_addr, 4, n);
		x->dirty = ((update ? n : pte) & PTE_D) != 0;
	}
	return 0;
}

/* Put a translation into the TLB of the given privilege, with the tags the rules above allow. */
static void tlb_fill(struct cpu *c, uint32_t lin, int user, const struct xlate *x)
{
	struct machine *m = c->m;
	struct tlb_entry *e = tlb_entry(c, user, lin);
	uint32_t page = lin & ~0xfffu, ppage = x->pa & ~0xfffu;

	e->phys = ppage;
	e->host = phys_host_page(m, ppage);
	if (!e->host) {          /* MMIO or unbacked: every access must take the slow path */
		e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
		return;
	}
	e->tag_r = page;
	e->tag_x = page;         /* no NX: whatever is readable is executable */
	/* A write tag lets stores bypass memory.c: not for code pages (their stores must invalidate cached
	 * decodings) nor for pages a record/replay consumer has not yet seen dirty (machine.h). */
	e->tag_w = (x->writable && x->dirty && !m->page_code[ppage >> 12] &&
		    (m->page_dirty[ppage >> 12] & m->dirty_track) == m->dirty_track) ? page : TLB_INVALID;
	/* A page the debugger watches: its reads and writes must reach segmem.c, which reports them. */
	if (machine_page_watched(m, page))
		e->tag_r = e->tag_w = TLB_INVALID;
}

/* The translation without faulting: 0 and *pa, or -1 with the error code in *err. */
static int translate(struct cpu *c, uint32_t lin, int acc, int user, uint32_t *pa, uint32_t *err)
{
	struct tlb_entry *e = tlb_entry(c, user, lin);
	uint32_t page = lin & ~0xfffu;
	uint32_t tag = acc == ACC_WRITE ? e->tag_w : acc == ACC_EXEC ? e->tag_x : e->tag_r;
	struct xlate x;

	if (tag == page) {                       /* TLB hit */
		*pa = e->phys | (lin & 0xfffu);
		return 0;
	}
	if (!(c->cr0 & CR0_PG)) {                /* paging off: linear = physical, all rights */
		x.pa = lin;
		x.writable = x.dirty = 1;
	} else if (walk(c, lin, acc, user, 1, &x, err) < 0) {
		return -1;
	}
	/* A store is about to reach this page: mark it dirty for record/replay now (machine.h), so the
	 * fill below can give it a write tag at once. */
	if (acc == ACC_WRITE && x.pa < c->m->ram_size)
		c->m->page_dirty[x.pa >> 12] = DIRTY_ALL;
	tlb_fill(c, lin, user, &x);
	*pa = x.pa;
	return 0;
}

uint32_t mmu_translate(struct cpu *c, uint32_t lin, int acc, int user)
{
	uint32_t pa, err;

	if (translate(c, lin, acc, user, &pa, &err) < 0) {
		c->cr2 = lin;   /* SDM 4.7: CR2 holds the linear address that faulted */
		cpu_fault(c, EXC_PF, err);
	}
	return pa;
}

int mmu_try_translate(struct cpu *c, uint32_t lin, int acc, int user, uint32_t *pa)
{
	uint32_t err;

	return translate(c, lin, acc, user, pa, &err);
}

int mmu_probe(struct cpu *c, uint32_t lin, uint32_t *phys)
{
	struct xlate x;
	uint32_t err;

	if (!(c->cr0 & CR0_PG)) {
		*phys = lin;
		return 0;
	}
	if (walk(c, lin, ACC_READ, 0, 0, &x, &err) < 0)
		return -1;
	*phys = x.pa;
	return 0;
}

static void tlb_entry_clear(struct tlb_entry *e)
{
	e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
	e->phys = TLB_INVALID;   /* matches no physical page in mem_mark_code_page() */
	e->host = NULL;
}

void tlb_flush(struct cpu *c)
{
	if (c->m)
		c->m->tlb_epoch++;
	for (int u = 0; u < 2; u++)
		for (int k = 0; k < TLB_SIZE; k++)
			tlb_entry_clear(&c->tlb[u][k]);
}

/* INVLPG (SDM vol. 3A 4.10.4.1).  A direct-mapped TLB has one slot per linear page, so clearing that slot
 * in both arrays is enough for a 4 KiB page.  An entry filled from a 4 MiB page covers only 4 KiB of it,
 * but INVLPG of any address in a large page must drop the whole large page: with CR4.PSE on, clear every
 * entry in the same 4 MiB region (forgetting more than asked is always allowed). */
void tlb_flush_page(struct cpu *c, uint32_t lin)
{
	if (c->m)
		c->m->tlb_epoch++;
	for (int u = 0; u < 2; u++) {
		tlb_entry_clear(tlb_entry(c, u, lin));
		if (!(c->cr4 & CR4_PSE))
			continue;
		for (int k = 0; k < TLB_SIZE; k++) {
			struct tlb_entry *e = &c->tlb[u][k];
			if (e->tag_r != TLB_INVALID && (e->tag_r >> 22) == (lin >> 22))
				tlb_entry_clear(e);
		}
	}
}

/* The interpreter caches decodings of this page: from now on stores to it must take the slow path, so
 * take away the write tag of every TLB entry mapping it (several linear pages may alias one physical
 * page, hence the scan; it runs once per page, when the page becomes a code page). */
void mem_mark_code_page(struct machine *m, uint32_t pa)
{
	uint32_t ppage = pa & ~0xfffu;

	if (pa >= m->ram_size || m->page_code[pa >> 12])
		return;
	m->page_code[pa >> 12] = 1;
	for (int u = 0; u < 2; u++)
		for (int k = 0; k < TLB_SIZE; k++)
			if (m->cpu.tlb[u][k].phys == ppage)
				m->cpu.tlb[u][k].tag_w = TLB_INVALID;
}
