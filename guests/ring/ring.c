/* SPDX-License-Identifier: MIT
 *
 * ring.c — our own descriptor tables and trap dispatcher (see ring.h).  The multiboot loader leaves us in
 * protected mode with *its* GDT (Multiboot spec 3.2: "the OS image must create its own GDT"), so
 * ring_init() builds one with ring-0 and ring-3 segments, loads a TSS (the only place the CPU finds the
 * ring-0 stack when an interrupt arrives at ring 3, SDM 7.2.1), fills the IDT with the 256 stubs of
 * stubs.S, and remaps the 8259 PIC away from the exception vectors with every IRQ masked.
 *
 * run_catch() is the tests' workhorse: it saves the ring-0 context, runs a snippet at CPL 0 or drops to
 * CPL 3 with iret, and if the snippet raises an exception the dispatcher records the frame in `caught`
 * and unwinds to the saved context, discarding the half-finished snippet — the exception is the result.
 */
#include "ring.h"

struct tss tss __attribute__((aligned(16)));
uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
static uint64_t idt[256] __attribute__((aligned(8)));
trap_hook hooks[256];
struct caught caught;
uint32_t user_eflags = 0x002;         /* bit 1 is always 1; IOPL 0, IF 0 */
uint32_t user_stack_top, kstack0_top;
static uint8_t ustack[16384] __attribute__((aligned(16)));
static uint8_t kstack0[16384] __attribute__((aligned(16)));

uint32_t pd[1024] __attribute__((aligned(4096)));
uint32_t pt_low[1024] __attribute__((aligned(4096)));
uint32_t pt_test[1024] __attribute__((aligned(4096)));
uint8_t test_frames[8][4096] __attribute__((aligned(4096)));

struct ctx { uint32_t ebx, esi, edi, ebp, esp, eip; };
int ctx_save(struct ctx *c) __attribute__((returns_twice));
void ctx_restore(struct ctx *c, int v) __attribute__((noreturn));
void enter_user(void (*fn)(void), uint32_t esp, uint32_t eflags) __attribute__((noreturn));
void trap(struct frame *f);
static struct ctx catch_ctx;
static volatile int catching;

/* A segment descriptor (SDM 3.4.5, Figure 3-8): access = P DPL S type, flags = G D/B L AVL. */
static uint64_t seg(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
	return (limit & 0xffffull) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

/* A gate (SDM 5.8.3 call gates, 6.11 IDT gates): offset split around the selector. */
static uint64_t gate(uint32_t off, uint16_t sel, uint32_t access)
{
	return (off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)access << 40 | (uint64_t)(off >> 16) << 48;
}

void set_gate(int vec, void *handler, int type, int dpl, int present)
{
	idt[vec] = gate((uint32_t)handler, SEL_KCODE, (present ? 0x80 : 0) | dpl << 5 | type);
}

void set_callgate(void *target)
{
	gdt[SEL_CGATE >> 3] = gate((uint32_t)target, SEL_KCODE, 0x80 | 3 << 5 | 0xc);  /* 32-bit call gate */
}

static void pic_init(void)
{
	/* ICW1 edge/cascade/ICW4, ICW2 vector base, ICW3 wiring, ICW4 8086 mode (8259A datasheet). */
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, VEC_PIC); outb(0xa1, VEC_PIC + 8);
	outb(0x21, 0x04); outb(0xa1, 0x02);
	outb(0x21, 0x01); outb(0xa1, 0x01);
	outb(0x21, 0xff); outb(0xa1, 0xff);   /* everything masked until a test unmasks its line */
}

void ring_init(void)
{
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr, idtr;

	gdt[0] = 0;
	gdt[SEL_KCODE >> 3] = seg(0, 0xfffff, 0x9a, 0xc);
	gdt[SEL_KDATA >> 3] = seg(0, 0xfffff, 0x92, 0xc);
	gdt[SEL_UCODE >> 3] = seg(0, 0xfffff, 0xfa, 0xc);
	gdt[SEL_UDATA >> 3] = seg(0, 0xfffff, 0xf2, 0xc);
	gdt[SEL_TSS >> 3] = seg((uint32_t)&tss, sizeof tss - 1, 0x89, 0);   /* available 32-bit TSS */
	gdt[SEL_NPDATA >> 3] = seg(0, 0xfffff, 0x12, 0xc);                  /* P = 0 */
	gdt[SEL_USMALL >> 3] = seg(0, 0xfff, 0xf2, 0x4);                    /* byte granular, 4 KiB */
	gdt[SEL_NPSTACK >> 3] = seg(0, 0xfffff, 0x12, 0xc);                 /* P = 0 */
	gdt[SEL_KCODE2 >> 3] = seg(0, 0xfffff, 0x9a, 0xc);
	set_callgate(0);

	kstack0_top = (uint32_t)(kstack0 + sizeof kstack0);
	user_stack_top = (uint32_t)(ustack + sizeof ustack);
	memset(&tss, 0, sizeof tss);
	tss.ss0 = SEL_KDATA;
	tss.esp0 = kstack0_top;
	tss.iomap_base = (uint16_t)((uint32_t)tss.iomap - (uint32_t)&tss);
	memset(tss.iomap, 0xff, sizeof tss.iomap);

	gdtr.limit = sizeof gdt - 1;
	gdtr.base = (uint32_t)gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp %1, $1f\n"
			 "1:\tmov %2, %%ax\n\t"
			 "mov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%fs\n\tmov %%ax, %%gs\n\tmov %%ax, %%ss\n\t"
			 "mov %3, %%ax\n\tltr %%ax"
			 : : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "i"(SEL_TSS) : "eax", "memory");

	for (int v = 0; v < 256; v++)
		set_gate(v, vectors_start + 16 * v, GATE_INT, 0, 1);
	/* int3, into and bound's #BR are usable from ring 3 only through DPL-3 gates (SDM 6.12.1.1). */
	set_gate(3, vectors_start + 16 * 3, GATE_INT, 3, 1);
	set_gate(4, vectors_start + 16 * 4, GATE_INT, 3, 1);
	set_gate(VEC_EXIT, vectors_start + 16 * VEC_EXIT, GATE_INT, 3, 1);
	set_gate(VEC_SYSCALL, vectors_start + 16 * VEC_SYSCALL, GATE_INT, 3, 1);
	set_gate(VEC_TRAPG, vectors_start + 16 * VEC_TRAPG, GATE_TRAP, 3, 1);
	set_gate(VEC_NP, vectors_start + 16 * VEC_NP, GATE_INT, 3, 0);
	idtr.limit = sizeof idt - 1;
	idtr.base = (uint32_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
	pic_init();
}

/* The C half of every interrupt and exception (called from trap_common with interrupts off). */
void trap(struct frame *f)
{
	if (hooks[f->vec] && hooks[f->vec](f))
		return;
	if (catching) {
		caught.vec = f->vec == VEC_EXIT ? -1 : (int)f->vec;
		caught.err = f->err;
		caught.eip = f->eip;
		caught.cs = f->cs & 0xffff;
		caught.eflags = f->eflags;
		caught.cr2 = read_cr2();
		caught.frame_addr = (uint32_t)f;
		if (f->cs & 3) {              /* privilege change: the CPU pushed the old SS:ESP */
			caught.esp = f->esp;
			caught.ss = f->ss & 0xffff;
		} else {                       /* same privilege: the old ESP is just above EFLAGS */
			caught.esp = (uint32_t)&f->esp;
			caught.ss = SEL_KDATA;
		}
		catching = 0;
		ctx_restore(&catch_ctx, 1);
	}
	printf("unexpected trap: vector %u error %x at %x:%x eflags %x cr2 %x\n", f->vec, f->err, f->cs & 0xffff,
	       f->eip, f->eflags, read_cr2());
	guest_exit(0x7f);
}

int run_catch(void (*fn)(void), int cpl)
{
	caught.vec = -1;
	if (ctx_save(&catch_ctx) == 0) {
		catching = 1;
		if (cpl == 0)
			fn();
		else
			enter_user(fn, user_stack_top, user_eflags);
	}
	catching = 0;
	return caught.vec;
}

void paging_build(void)
{
	memset(pd, 0, sizeof pd);
	memset(pt_test, 0, sizeof pt_test);
	for (uint32_t i = 0; i < 1024; i++)
		pt_low[i] = i << 12 | PTE_P | PTE_W | PTE_U;
	pd[0] = (uint32_t)pt_low | PTE_P | PTE_W | PTE_U;
	pd[TEST_VA >> 22] = (uint32_t)pt_test | PTE_P | PTE_W | PTE_U;
	/* The I/O APIC and local APIC live in 0xFEC00000-0xFEFFFFFF: one uncached 4-MiB page. */
	pd[0xfec00000u >> 22] = 0xfec00000u | PTE_PS | PTE_PCD | PTE_PWT | PTE_P | PTE_W;
}

void paging_on(int wp)
{
	write_cr4(read_cr4() | 0x10);                       /* CR4.PSE: honour PDE.PS */
	write_cr3((uint32_t)pd);
	write_cr0((read_cr0() | 0x80000000u) & ~0x10000u);  /* PG */
	if (wp)
		write_cr0(read_cr0() | 0x10000u);               /* WP: ring 0 obeys R/W too */
}

void paging_off(void)
{
	write_cr0(read_cr0() & ~0x80010000u);
}

int on_revisor(void)
{
	uint32_t r[4];
	cpuid(0x80000000u, r);
	if (r[0] < 0x80000002u)
		return 0;
	cpuid(0x80000002u, r);
	return !strncmp((const char *)r, "revisor", 7);
}

void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPUR);
	lapic_write(LAPIC_TPR, 0);
}
