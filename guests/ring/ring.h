/* SPDX-License-Identifier: MIT
 *
 * ring.h — the protected-mode scaffolding shared by the guests that poke at the CPU itself (selftest,
 * sensitive, costs): our own GDT (ring-0 and ring-3 segments, a TSS with an I/O permission bitmap, a call
 * gate and a few deliberately broken descriptors), an IDT whose 256 stubs all funnel into one C function,
 * a way to run a snippet at CPL 0 or CPL 3 and catch the first exception it raises, identity paging
 * helpers, and the local APIC registers.  Intel SDM Vol. 3A chapters 3 (segmentation), 4 (paging),
 * 5 (protection), 6 (interrupts and exceptions), 7 (task management) and 10 (APIC).
 *
 * Not a general-purpose kernel library: everything is static, single-CPU, and built for experiments.
 */
#ifndef RING_H
#define RING_H

#include "../lib/guest.h"

/* ---- selectors of our GDT (index << 3 | RPL) --------------------------------------------------------- */
#define SEL_KCODE   0x08          /* ring-0 flat code */
#define SEL_KDATA   0x10          /* ring-0 flat data */
#define SEL_UCODE   0x1b          /* ring-3 flat code (DPL 3, RPL 3) */
#define SEL_UDATA   0x23          /* ring-3 flat data */
#define SEL_TSS     0x28          /* the one 32-bit TSS */
#define SEL_CGATE   0x33          /* call gate, DPL 3, to SEL_KCODE:callgate_target */
#define SEL_NPDATA  0x38          /* data segment with P = 0 → #NP(sel) when loaded into DS */
#define SEL_USMALL  0x43          /* ring-3 data, limit 4 KiB → #SS(0) when used as the stack */
#define SEL_NPSTACK 0x48          /* writable data with P = 0 → #SS(sel) when loaded into SS */
#define SEL_KCODE2  0x50          /* second ring-0 code segment, for far jumps that change CS */
#define GDT_ENTRIES 16            /* limit 127: selector 0x0ff8 is past it → #GP(sel) */

/* Vectors with a special gate in our IDT. */
#define VEC_EXIT    0x80          /* int gate, DPL 3: "return to the ring-0 caller" (ends run_catch) */
#define VEC_SYSCALL 0x81          /* int gate, DPL 3: a system call that returns with iret */
#define VEC_TRAPG   0x82          /* trap gate, DPL 3: like 0x81 but IF is not cleared */
#define VEC_DPL0    0x40          /* int gate, DPL 0: int $0x40 from ring 3 → #GP(0x40*8+2) */
#define VEC_NP      0x41          /* gate with P = 0: int $0x41 → #NP(0x41*8+2) */
#define VEC_TIMER   0x30          /* LAPIC timer */
#define VEC_IPI     0x31          /* self-IPI */
#define VEC_PIC     0x20          /* 8259 master base: IRQ0 = 0x20 ... IRQ15 = 0x2f */
#define VEC_SPUR    0xff          /* LAPIC spurious vector */

/* The register image trap_common builds on the ring-0 stack (SDM 6.12.1, Figure 6-4): our pushes first
 * (lowest address), then the error code (0 when the CPU pushes none) and what the CPU pushed.  esp and
 * ss are only there when the interrupt changed privilege level. */
struct frame {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
	uint32_t vec, err;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;
};

/* What the last caught trap looked like (filled by the dispatcher before it unwinds to run_catch). */
struct caught {
	int vec;                 /* -1: the snippet finished normally */
	uint32_t err, eip, cs, eflags, esp, ss, cr2;
	uint32_t frame_addr;     /* where the frame sat: tells which stack the CPU switched to */
};
extern struct caught caught;

/* Per-vector hook: return 1 to resume the interrupted code with iret, 0 to treat as an exception. */
typedef int (*trap_hook)(struct frame *f);
extern trap_hook hooks[256];

struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
	uint8_t iomap[8192 + 1];  /* one bit per port, 1 = #GP unless CPL <= IOPL; final byte all ones */
} __attribute__((packed));
extern struct tss tss;
extern uint64_t gdt[GDT_ENTRIES];
extern uint32_t kstack0_top;      /* tss.esp0: the ring-0 stack for interrupts from ring 3 */

void ring_init(void);             /* GDT, TSS, IDT, PIC remapped and masked; paging stays off */
/* Run fn at CPL 0 or 3 until it returns (→ -1) or raises an exception that no hook takes (→ vector;
 * details in `caught`).  At CPL 3, EFLAGS is user_eflags (IOPL 0, IF clear unless the test sets it). */
int run_catch(void (*fn)(void), int cpl);
extern uint32_t user_eflags;
extern uint32_t user_stack_top;   /* initial ESP at ring 3 */
void set_gate(int vec, void *handler, int type, int dpl, int present);
void set_callgate(void *target);  /* GDT entry SEL_CGATE → SEL_KCODE:target, no parameters */
#define GATE_INT  0xe
#define GATE_TRAP 0xf
extern char vectors_start[];      /* the 256 stubs, 16 bytes apart (stubs.S) */

/* ---- paging (SDM 4.3): identity map of the first 4 MiB with 4-KiB pages, the APIC hole as a 4-MiB page,
 * and a 4-MiB test window at TEST_VA whose page table the tests edit freely. */
#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_U   0x004
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_A   0x020
#define PTE_D   0x040
#define PTE_PS  0x080             /* in a PDE: 4-MiB page (CR4.PSE) */
#define TEST_VA 0x40000000u
extern uint32_t pd[1024], pt_low[1024], pt_test[1024];
extern uint8_t test_frames[8][4096];   /* physical pages the tests map at TEST_VA */
void paging_build(void);
void paging_on(int wp);
void paging_off(void);

/* ---- small wrappers for system instructions -------------------------------------------------------- */
static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(uint32_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline uint32_t read_eflags(void) { uint32_t v; __asm__ volatile("pushf; pop %0" : "=r"(v)); return v; }
static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}
int on_revisor(void);             /* brand string says "revisor": rdtsc counts instructions */

/* ---- local APIC (SDM 10.4, 10.5.4, 10.6), memory-mapped at its reset base; paging off or identity. */
#define LAPIC_BASE  0xfee00000u
#define LAPIC_ID    0x020
#define LAPIC_VER   0x030
#define LAPIC_TPR   0x080
#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define LAPIC_ISR   0x100
#define LAPIC_IRR   0x200
#define LAPIC_ESR   0x280
#define LAPIC_ICRLO 0x300
#define LAPIC_ICRHI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
static inline uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC_BASE + reg); }
static inline void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC_BASE + reg) = v; }
void lapic_enable(void);          /* SVR: software enable, spurious vector 0xff; TPR 0 */

#endif
