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
#include "cpu.h"

/* ---- logical (segmented) accesses --------------------------------------------------------------- */
uint32_t seg_read(struct cpu *c, unsigned seg, uint32_t off, unsigned size);            /* size 1/2/4 */
void seg_write(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v);
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

/* ---- linear accesses ---------------------------------------------------------------------------- */
#define LIN_SYS       0x0   /* supervisor (implicit) access, as for GDT/LDT/IDT/TSS */
#define LIN_USER_CPL  0x1   /* access with the current CPL's privilege */
uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size, int flags);
void lin_write(struct cpu *c, uint32_t lin, unsigned size, uint32_t v, int flags);
void lin_read_buf(struct cpu *c, uint32_t lin, void *buf, unsigned len, int flags);

/* Instruction fetch: copy up to len bytes of code at linear address lin into buf.  Stops early (and
 * returns the count) at a page that is not present/executable only if at least one byte was fetched;
 * raises #PF if the very first byte cannot be fetched. */
unsigned fetch_code(struct cpu *c, uint32_t lin, uint8_t *buf, unsigned len);

/* ---- paging ------------------------------------------------------------------------------------- */
#define ACC_READ  0
#define ACC_WRITE 1
#define ACC_EXEC  2
/* Translate a linear address (walks the page tables, sets A/D bits, fills the TLB).  On failure raises
 * #PF with CR2 and the error code set.  user: the access is made at CPL 3. */
uint32_t mmu_translate(struct cpu *c, uint32_t lin, int acc, int user);
/* Same, but never faults and never sets A/D bits: for the debugger.  Returns 0 and sets *phys, or -1. */
int mmu_probe(struct cpu *c, uint32_t lin, uint32_t *phys);
void tlb_flush(struct cpu *c);                 /* CR3 write, CR0.PG/WP or CR4 change, task switch */
void tlb_flush_page(struct cpu *c, uint32_t lin);  /* INVLPG */

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
