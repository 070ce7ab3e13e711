/* SPDX-License-Identifier: MIT
 *
 * mem.h — how instructions reach memory: segmentation (offset -> linear, SDM vol. 3A ch. 3), paging
 * (linear -> physical through a software TLB, ch. 4) and the physical bus (RAM or MMIO, machine.h).
 * Every access a handler makes goes through these functions; they raise #GP/#SS/#PF precisely through
 * cpu_fault(), so a handler never sees a failed access.
 *
 * Three address spaces, three families:
 *   seg_*   logical (segment + offset), with the current CPL: ordinary instruction operands
 *   lin_*   linear, as a supervisor access (descriptor tables, TSS, IDT: "implicit" system accesses)
 *           or with the CPL (flag LIN_USER_CPL) when an instruction computes linear addresses itself
 *   phys_*  physical (device DMA, loaders, page-table walks)
 */
#ifndef REVISOR_MEM_H
#define REVISOR_MEM_H

#include <stdint.h>
#include <string.h>
#include "cpu.h"

/* ---- logical (segmented) accesses --------------------------------------------------------------- */
/* seg is a segment register S_ES..S_GS, or S_LDTR/S_TR (system segments: limit check only, accessed as
 * implicit supervisor accesses); never S_NONE.  Checks (SDM vol. 3A 3.4.5.1,
 * 5.3, 5.5, 5.6): in protected mode a not-present (null) segment, a write to a code or read-only data
 * segment, or a read of an execute-only code segment raise #GP(0); an offset outside the limit
 * (expand-up: last byte <= limit; expand-down: first byte > limit, last byte <= 0xffff or 0xffffffff by
 * the B bit) raises #SS(0) through SS and #GP(0) otherwise.  Real mode checks the limit only. */
/* uint32_t seg_read(struct cpu *c, unsigned seg, uint32_t off, unsigned size);    size 1/2/4
 * void seg_write(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v);
 * are static inline, below ("the fast path"). */
uint64_t seg_read64(struct cpu *c, unsigned seg, uint32_t off);
void seg_write64(struct cpu *c, unsigned seg, uint32_t off, uint64_t v);
void seg_read_buf(struct cpu *c, unsigned seg, uint32_t off, void *buf, unsigned len);   /* any length */
void seg_write_buf(struct cpu *c, unsigned seg, uint32_t off, const void *buf, unsigned len);
/* Check (and fault now if needed) that a later write of len bytes at seg:off will succeed, so an
 * instruction with several writes can check them all before doing the first. */
void seg_probe_write(struct cpu *c, unsigned seg, uint32_t off, unsigned len);
/* Segment check only: offset within limit and segment usable for the access; returns the linear address. */
uint32_t seg_linear(struct cpu *c, unsigned seg, uint32_t off, unsigned len, int write);

/* Stack helpers: push/pop with the stack-address size of SS (B bit), size 2 or 4. */
void cpu_push(struct cpu *c, unsigned size, uint32_t v);
uint32_t cpu_pop(struct cpu *c, unsigned size);
/* Read the value at ESP + off without popping (for instructions that must check before committing). */
uint32_t cpu_stack_peek(struct cpu *c, uint32_t off, unsigned size);

/* ---- the fast path (segmem.c has the slow path) --------------------------------------------------
 * Almost every access is to a present, expand-up data segment (flat in 32-bit code) and hits the TLB.
 * seg_read()/seg_write() are therefore inline: one attribute test, one limit compare, one TLB tag compare
 * and a host load/store.  Everything else (faults, expand-down, code segments, TLB misses, MMIO, pages
 * holding cached code, accesses that cross a page) goes to seg_read_slow()/seg_write_slow().
 *
 * The TLB compare also rejects page-crossing accesses: the entry is picked by the page of the FIRST byte
 * but compared with the page of the LAST byte.  Those differ only for a crossing access, and then the
 * entry (whose tag, if valid, is the first byte's page) cannot match. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the TLB fast path loads guest (little-endian) memory with host loads"
#endif

#define TLB_INVALID 0xffffffffu   /* a tag that no page address (low 12 bits zero) can equal */

uint32_t seg_read_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size);
void seg_write_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v);

/* The TLB entry for linear address lin at the current privilege: tlb[1] at CPL 3, tlb[0] otherwise. */
static inline struct tlb_entry *tlb_entry(struct cpu *c, int user, uint32_t lin)
{
	return &c->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
}

/* Segment attribute patterns the fast path accepts: present code/data (S) segment, not code, not
 * expand-down; writes also need W.  Real mode normally carries such attributes (0x93) too; if not, the
 * slow path does the real-mode checks. */
#define SEGFAST_MASK_R (DESC_P | DESC_S | DESC_CODE | DESC_E)
#define SEGFAST_MASK_W (DESC_P | DESC_S | DESC_CODE | DESC_E | DESC_W)

/* Little-endian loads and stores of 1, 2 or 4 bytes at a possibly unaligned host address (memcpy with a
 * constant size compiles to one move; a switch keeps it constant when size is only known at run time). */
static inline uint32_t host_load(const uint8_t *p, unsigned size)
{
	uint16_t v16;
	uint32_t v32;

	switch (size) {
	case 1:
		return *p;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	default:
		memcpy(&v32, p, 4);
		return v32;
	}
}

static inline void host_store(uint8_t *p, unsigned size, uint32_t v)
{
	uint16_t v16 = (uint16_t)v;

	switch (size) {
	case 1:
		*p = (uint8_t)v;
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	default:
		memcpy(p, &v, 4);
		break;
	}
}

static inline uint32_t seg_read(struct cpu *c, unsigned seg, uint32_t off, unsigned size)
{
	const struct seg *s = &c->seg[seg];
	uint32_t lin = s->base + off;
	const struct tlb_entry *e = tlb_entry(c, c->cpl == 3, lin);

	if (__builtin_expect((s->attr & SEGFAST_MASK_R) == (DESC_P | DESC_S) &&
			     (uint64_t)off + size - 1 <= s->limit &&
			     e->tag_r == ((lin + size - 1) & ~0xfffu), 1))
		return host_load(e->host + (lin & 0xfff), size);
	return seg_read_slow(c, seg, off, size);
}

static inline void seg_write(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v)
{
	const struct seg *s = &c->seg[seg];
	uint32_t lin = s->base + off;
	const struct tlb_entry *e = tlb_entry(c, c->cpl == 3, lin);

	if (__builtin_expect((s->attr & SEGFAST_MASK_W) == (DESC_P | DESC_S | DESC_W) &&
			     (uint64_t)off + size - 1 <= s->limit &&
			     e->tag_w == ((lin + size - 1) & ~0xfffu), 1))
		host_store(e->host + (lin & 0xfff), size, v);
	else
		seg_write_slow(c, seg, off, size, v);
}

/* ---- linear accesses ---------------------------------------------------------------------------- */
#define LIN_SYS       0x0   /* supervisor (implicit) access, as for GDT/LDT/IDT/TSS */
#define LIN_USER_CPL  0x1   /* access with the current CPL's privilege */
uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size, int flags);
void lin_write(struct cpu *c, uint32_t lin, unsigned size, uint32_t v, int flags);
void lin_read_buf(struct cpu *c, uint32_t lin, void *buf, unsigned len, int flags);

/* Instruction fetch: copy up to len bytes of code at linear address lin into buf, with the CPL's
 * privilege.  The CS limit is checked here: #GP(0) if the first byte is beyond it, and the copy stops at
 * the limit.  The copy also stops early (returning the count) at a second page that cannot be fetched;
 * only a failure on the very first byte raises #PF.  Contract with the decoder: if the bytes returned
 * are not enough (decode() says DEC_SHORT), call fetch_code() again at lin + count: its first byte is the
 * one that failed, so that call raises the right #PF (CR2 = that byte) or #GP(0) (CS limit). */
unsigned fetch_code(struct cpu *c, uint32_t lin, uint8_t *buf, unsigned len);

/* ---- paging ------------------------------------------------------------------------------------- */
#define ACC_READ  0
#define ACC_WRITE 1
#define ACC_EXEC  2
/* Translate a linear address (walks the page tables, sets A/D bits, fills the TLB).  On failure raises
 * #PF with CR2 and the error code set.  user: the access is made at CPL 3. */
uint32_t mmu_translate(struct cpu *c, uint32_t lin, int acc, int user);
/* Same as mmu_translate (A/D bits, TLB fill) but returns -1 instead of faulting (CR2 untouched); 0 and
 * *pa on success.  Used to look ahead, e.g. by fetch_code() on the second page of an instruction. */
int mmu_try_translate(struct cpu *c, uint32_t lin, int acc, int user, uint32_t *pa);
/* A walk that never faults, never sets A/D bits and ignores the TLB: for the debugger.  Returns 0 and
 * sets *phys, or -1. */
int mmu_probe(struct cpu *c, uint32_t lin, uint32_t *phys);
void tlb_flush(struct cpu *c);                 /* CR3 write, CR0.PG/WP or CR4 change, task switch */
void tlb_flush_page(struct cpu *c, uint32_t lin);  /* INVLPG */

/* The physical address of the code byte at linear address lin, for the current CPL: the TLB's execute
 * tag, else a page walk (which may raise #PF, as fetching the instruction would).  The interpreter's
 * trace lookup and the translator's CCF lookup both start here. */
static inline uint32_t code_pa(struct cpu *c, uint32_t lin)
{
	int user = c->cpl == 3;
	const struct tlb_entry *e = tlb_entry(c, user, lin);

	if (e->tag_x == (lin & ~0xfffu))
		return e->phys | (lin & 0xfff);
	return mmu_translate(c, lin, ACC_EXEC, user);
}

/* ---- physical accesses (memory.c) ----------------------------------------------------------------- */
struct machine;
uint32_t phys_read(struct machine *m, uint32_t pa, unsigned size);
void phys_write(struct machine *m, uint32_t pa, unsigned size, uint32_t v);
void phys_read_buf(struct machine *m, uint32_t pa, void *buf, uint32_t len);
void phys_write_buf(struct machine *m, uint32_t pa, const void *buf, uint32_t len);
/* Decoded/translated-code tracking.  The interpreter calls mem_mark_code_page() when it caches a decoding
 * of bytes in the page containing pa: from then on stores to that page take the slow path, which bumps
 * m->page_gen[page] (so cached decodings of it become stale) and clears m->page_code[page]. */
void mem_mark_code_page(struct machine *m, uint32_t pa);

/* Host pointer to a RAM page for direct access, or NULL for MMIO/unbacked addresses. */
uint8_t *phys_host_page(struct machine *m, uint32_t pa);

#endif
