/* SPDX-License-Identifier: MIT
 *
 * bt_randprog.h — random test programs for lockstep differential testing of the binary translator
 * against the interpreter (docs/bt.md, "Lockstep testing"; the "randomly generated instruction
 * sequences, including memory, flags-heavy and fault-raising code").
 *
 * rp_generate() turns a 64-bit seed into a valid, terminating 32-bit program with everything a
 * translator can get wrong: ALU operations of every size (AH..BH, ESP as a source), memory operands in
 * every addressing form (disp8/disp32, base+index*scale, ESP/EBP bases, [disp32], SIB without base,
 * 16-bit addressing, segment overrides, effective addresses that wrap around 4 GiB) as loads, stores
 * and read-modify-write operations, MUL/IMUL/DIV/IDIV (with #DE), shifts and rotates with counts 0..40,
 * bit operations, SETcc/CMOVcc, string instructions, push/pop/pusha/enter/leave, calls (direct, through
 * registers, memory, an alias mapping, and "push; jmp"), returns with and without an immediate, bounded
 * loops, forward branches, indirect jumps, self-modifying code, TF single-stepping, TLB flushes, page
 * table edits, and faults of many kinds (#DE #UD #BP #OF #BR #GP #PF, pages that are not present,
 * read-only or supervisor-only, accesses that cross pages, segment limits, privileged instructions at
 * CPL 3).  Exceptions are delivered through the program's own IDT handlers: each records the vector,
 * error code, pushed EIP and EFLAGS and CR2 in a log in memory and resumes after the faulting
 * instruction (a table maps each instruction's address to the next one), so a run goes on past
 * faults and the comparison covers precise exception state.
 *
 * rp_build() writes the program's machine image: the first RP_IMAGE bytes of guest-physical memory
 * (descriptor tables, IDT, page tables, code, data) and the initial CPU state, on top of the unit-test
 * machine of testutil.h.  Everything a program touches lies inside that image.
 */
#ifndef REVISOR_BT_RANDPROG_H
#define REVISOR_BT_RANDPROG_H

#include <stdint.h>
#include <stdio.h>
#include "cpu/cpu.h"

/* Guest memory layout (physical = linear, except the alias and the special pages with paging on). */
#define RP_IMAGE     0x100000u  /* bytes of guest memory a program lives in (and that are compared) */
#define RP_PD        0x8000u    /* page directory; its first table maps 0..4 MiB */
#define RP_PT        0x9000u
#define RP_PT2       0xa000u    /* paging on: maps RP_MMIO (the MMIO page, then a RAM page) */
#define RP_CODE      0x10000u   /* handlers, functions, main */
#define RP_CODE_MAX  0x6000u
#define RP_SUP       0x1d000u   /* paging on: supervisor-only page (faults at CPL 3) */
#define RP_RO        0x1e000u   /* paging on: read-only page (writes fault with CR0.WP or at CPL 3) */
#define RP_DATA      0x1f000u   /* two read/write data pages */
#define RP_DATA_END  0x21000u
#define RP_NP        0x21000u   /* paging on: a page that is not present */
#define RP_FIXED     0x22000u   /* fault log, loop counters, jump tables: never a random store target */
#define RP_LOGN      (RP_FIXED + 0x000u)   /* number of exceptions taken */
#define RP_LOG       (RP_FIXED + 0x020u)   /* 32-byte records: vector, error, EIP, EFLAGS, CR2 */
#define RP_LOG_MAX   100u
#define RP_CNT       (RP_FIXED + 0xe00u)   /* loop counters: 4 per function, 4 for main */
#define RP_TAB       0x23000u   /* function and jump tables: one 32-bit slot per use */
#define RP_RESUME    0x24000u   /* resume table: 4 bytes per code byte (0: stop in the handler) */
#define RP_ALIAS     0xc0000u   /* paging on: a second linear mapping of the code pages */
#define RP_COPY      0x40000u   /* a copy of the code with other immediates in the functions: programs
                                 * switch the alias mapping between RP_CODE and RP_COPY */
#define RP_STACK     0x80000u   /* ring-0 stack top (also the TSS's esp0) */
#define RP_USTACK    0x70000u   /* ring-3 stack top */
#define RP_FS_BASE   0x20000u   /* FS: a small data segment over the second data page */
#define RP_FS_LIMIT  0xfffu
#define RP_FS_SEL    0x48u      /* its GDT slot (DPL 3) */
#define RP_IRQ_VEC   0x50u      /* the vector of the harness's injected external interrupts */
#define RP_MMIO      0xf0000000u   /* an MMIO device page (the harness's), at the same linear address;
                                    * the page after it is MMIO without paging, RAM (RP_DATA) with */

#define RP_MAX_INSNS 8192u
#define RP_MAX_INIT  96u

struct randprog {
	uint64_t seed;
	/* the program's shape, chosen from the seed */
	uint8_t paging, wp, user, irqs;     /* irqs: IF set, the harness may inject interrupts */
	uint32_t regs[8];                   /* initial general registers (ESP included) */
	uint32_t eflags;
	uint32_t entry;                     /* linear address of main */
	uint32_t handlers_end;              /* code offset where the exception handlers end */
	/* the code, loaded at RP_CODE */
	uint8_t code[RP_CODE_MAX];
	uint32_t len;
	/* every instruction the generator emitted: offset and length (for the resume table and dumps) */
	uint16_t at[RP_MAX_INSNS];
	uint8_t ilen[RP_MAX_INSNS];
	uint8_t noresume[RP_MAX_INSNS];     /* a fault here stops the program (handler code, the end) */
	uint32_t ninsn;
	/* 32-bit words stored into the image after everything else (tables of code addresses) */
	struct { uint32_t addr, val; } init[RP_MAX_INIT];
	uint32_t ninit;
	uint16_t fimm[64];                  /* imm32 fields of "mov r32, imm32" in functions (differ in the copy) */
	uint32_t nfimm;
	uint16_t vec[256];                  /* handler entry per vector (code offset), 0: testutil's catcher */
	uint32_t items;                     /* statistics: generated items */
};

/* Options for the shape of the programs; NULL picks a mix. */
struct rp_opts {
	unsigned min_items, max_items;      /* top-level items in main (each 1..~30 instructions) */
};

void rp_generate(struct randprog *p, uint64_t seed, const struct rp_opts *o);

/* The guest-physical image (RP_IMAGE bytes; `base` holds the unit-test machine's low memory, i.e. the
 * first RP_IMAGE bytes of a fresh tm_new() machine) and the CPU state a run starts from.  c must hold
 * a fresh tm_new() CPU; rp_build changes registers, flags, segments, control registers, GDTR. */
void rp_build(const struct randprog *p, uint8_t *image, struct cpu *c);

/* Hex dump and disassembly of the program, one instruction a line, with its mode and initial state;
 * the line at linear address `mark` (or its alias) is flagged (0: none).  The exception handlers are
 * the same in every program and listed only with `handlers`. */
void rp_dump(const struct randprog *p, FILE *out, uint32_t mark, int handlers);

#endif
