/* SPDX-License-Identifier: MIT
 *
 * trap.c — the interrupt descriptor table and the one C function every trap goes through.
 *
 * All 256 IDT entries are 32-bit interrupt gates (SDM 6.11): entering through one clears EFLAGS.IF, so
 * the kernel always runs with interrupts disabled and needs no locks (one CPU; interrupts are taken
 * only in user mode and in the scheduler's idle loop).  Every gate has DPL 0 except SYSCALL_VEC, whose
 * DPL 3 lets ring-3 code execute `int $0x40` — for any other vector, `int n` from ring 3 is a #GP.
 *
 * trap() dispatches on the vector: a system call, the LAPIC timer (count a tick, wake sleepers,
 * preempt), COM1 input, or an exception.  An exception in ring 3 kills the process; one in ring 0 is a
 * kernel bug and panics.
 */
#include "defs.h"

static struct gatedesc idt[256];
extern char vector_stubs[];             /* vectors.S: 256 stubs, 16 bytes apart */
volatile uint32_t ticks;                /* timer interrupts since boot */

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved", "x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point error",
};

static void set_gate(int vec, uint32_t handler, int dpl)
{
	idt[vec] = (struct gatedesc){
		.off_lo = handler & 0xFFFF, .sel = SEG_KCODE << 3, .zero = 0,
		.type_attr = (uint8_t)(0x80 | dpl << 5 | 0xE),   /* present, DPL, type 1110 = 32-bit interrupt gate */
		.off_hi = handler >> 16,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, (uint32_t)vector_stubs + 16 * v, 0);
	set_gate(SYSCALL_VEC, (uint32_t)vector_stubs + 16 * SYSCALL_VEC, DPL_USER);

	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint32_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static void exception(struct trapframe *tf)
{
	const char *name = tf->trapno < 32 && exception_names[tf->trapno] ? exception_names[tf->trapno] : "unexpected trap";
	uint32_t cr2 = tf->trapno == 14 ? rcr2() : 0;

	if ((tf->cs & 3) == 0 || !curproc)
		panic("%s (vector %d) in the kernel: eip %p, error code %x, cr2 %p",
		      name, tf->trapno, tf->eip, tf->err, cr2);
	printf("pid %d (%s): %s (vector %d) at eip %p, error code %x", curproc->pid, curproc->name, name,
	       tf->trapno, tf->eip, tf->err);
	if (tf->trapno == 14)
		printf(", address %p", cr2);
	printf(" -- killed\n");
	curproc->killed = 1;
}

void trap(struct trapframe *tf)
{
	switch (tf->trapno) {
	case SYSCALL_VEC:
		syscall(tf);
		break;
	case VEC_TIMER:
		ticks++;
		wakeup((const void *)&ticks);
		lapic_eoi();
		break;
	case VEC_COM1:
		console_intr();
		lapic_eoi();
		break;
	case VEC_ERROR:
		printf("local APIC error interrupt\n");
		lapic_eoi();
		break;
	case VEC_SPURIOUS:                  /* spurious interrupts are not in service: no EOI (SDM 10.9) */
	case VEC_PIC + 7:
	case VEC_PIC + 15:
		break;
	default:
		exception(tf);
		break;
	}

	if (!curproc || (tf->cs & 3) != DPL_USER)
		return;                         /* the idle loop: nobody to preempt */
	if (curproc->killed)
		exit(-1);
	if (tf->trapno == VEC_TIMER)
		yield();                        /* preemption: the time slice is one timer period */
	if (curproc->killed)
		exit(-1);
}
