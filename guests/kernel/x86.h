/* SPDX-License-Identifier: MIT
 *
 * x86.h — the processor as the kernel sees it: fixed-width types, port I/O and the few privileged
 * instructions we use as inline functions, and the bit layouts of segment descriptors, gates and page
 * table entries (Intel SDM vol. 3A: 3.4.5 segment descriptors, 4.3 32-bit paging, 6.11 IDT gates,
 * 7.2.1 the TSS).  Every constant has a short comment; the code that uses them is in vm.c and trap.c.
 */
#ifndef KERNEL_X86_H
#define KERNEL_X86_H

typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef int int32_t;
typedef unsigned int size_t;

/* ---- port I/O ---- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Move n 32-bit words between a port and memory (the IDE data port moves a sector as 128 of these). */
static inline void insl(uint16_t port, void *dst, uint32_t n)
{
	__asm__ volatile("cld; rep insl" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}
static inline void outsl(uint16_t port, const void *src, uint32_t n)
{
	__asm__ volatile("cld; rep outsl" : "+S"(src), "+c"(n) : "d"(port));
}

/* ---- privileged instructions ---- */
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void lcr3(uint32_t pa) { __asm__ volatile("mov %0, %%cr3" : : "r"(pa) : "memory"); }
static inline uint32_t rcr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline void ltr(uint16_t sel) { __asm__ volatile("ltr %0" : : "r"(sel)); }

/* "sti; hlt" is atomic with respect to interrupts: STI's interrupt shadow (SDM 6.8.3) delays delivery
 * until after the next instruction, so a wake-up interrupt cannot slip in between and be missed. */
static inline void idle_wait(void) { __asm__ volatile("sti; hlt; cli"); }

/* Memory-mapped device registers (the APICs) must be accessed with exactly one 32-bit access. */
static inline uint32_t mmio_read(uint32_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }

/* ---- EFLAGS ---- */
#define FL_IF       0x200          /* interrupts enabled */

/* ---- segment selectors: index << 3 | RPL (our GDT layout, set up in vm.c) ---- */
#define SEG_KCODE   1              /* kernel code, DPL 0 */
#define SEG_KDATA   2              /* kernel data and stack, DPL 0 */
#define SEG_UCODE   3              /* user code, DPL 3 */
#define SEG_UDATA   4              /* user data and stack, DPL 3 */
#define SEG_TSS     5              /* the one task-state segment */
#define NSEGS       6
#define DPL_USER    3

/* ---- paging (SDM 4.3, figure 4-4) ---- */
#define PGSIZE      4096
#define PTE_P       0x001          /* present */
#define PTE_W       0x002          /* writable */
#define PTE_U       0x004          /* user (CPL 3) may access */
#define PTE_SHARED  0x200          /* bit 9 is free for software: "this frame is shared, don't copy or free it" */
#define CR0_PG      0x80000000     /* paging enable */
#define CR0_WP      0x00010000     /* supervisor writes honour read-only pages */
#define PDX(va)     (((uint32_t)(va) >> 22) & 0x3FF)   /* page directory index */
#define PTX(va)     (((uint32_t)(va) >> 12) & 0x3FF)   /* page table index */
#define PTE_ADDR(e) ((e) & ~0xFFFu)
#define PGROUNDUP(a)   (((uint32_t)(a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) ((uint32_t)(a) & ~(PGSIZE - 1))

/* ---- descriptors ---- */
struct segdesc {                   /* SDM 3.4.5, figure 3-8 */
	uint16_t limit_lo, base_lo;
	uint8_t base_mid, access, flags_limit_hi, base_hi;
};
struct gatedesc {                  /* SDM 6.11, figure 6-2: a 32-bit interrupt gate */
	uint16_t off_lo, sel;
	uint8_t zero, type_attr;
	uint16_t off_hi;
};
struct tss {                       /* SDM 7.2.1, figure 7-2: only esp0/ss0 and the I/O map base matter here */
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomb;
};

#endif
