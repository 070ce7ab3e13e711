/* SPDX-License-Identifier: MIT
 *
 * cpu.c — the processor's power-on state (SDM vol. 3A 9.1.1, table 9-1 "IA-32 processor states following
 * power-up, reset, or INIT", P6 family column).
 *
 * After reset the CPU is in real mode executing at physical address 0xFFFFFFF0: CS.sel = 0xF000 but CS's
 * hidden base is 0xFFFF0000, so the first fetch reaches the top of the 4 GiB space, where the BIOS ROM
 * is mapped — a nice demonstration that the descriptor cache, not the selector, decides where memory
 * accesses go (segment.c).
 *
 * What reset does NOT touch: the virtual clock (icount keeps counting so device deadlines stay valid; the
 * TSC is made to read 0 through tsc_offset instead), the run loop's bookkeeping (fault_jmp, icount_limit)
 * and the link to the machine.
 */
#include <string.h>
#include "cpu.h"
#include "mem.h"
#if __has_include("fpu.h")
#include "fpu.h"
#define HAVE_FPU_RESET 1
#endif

/* EDX after reset holds the processor signature, the same value as CPUID leaf 1 EAX (system.c). */
#define RESET_EDX 0x00000633u

static void reset_seg(struct seg *s, uint16_t sel, uint32_t base, uint16_t attr)
{
	s->sel = sel;
	s->base = base;
	s->limit = 0xffff;
	s->attr = attr;
}

void cpu_reset(struct cpu *c)
{
	struct machine *m = c->m;
	jmp_buf *jb = c->fault_jmp;
	uint64_t icount = c->icount, limit = c->icount_limit;
	uint8_t irq_pending = c->irq_pending;

	memset(c, 0, sizeof *c);
	c->m = m;
	c->fault_jmp = jb;
	c->icount = icount;
	c->icount_limit = limit;
	c->irq_pending = irq_pending;   /* the interrupt controllers own this line */

	c->r[R_EDX] = RESET_EDX;
	c->eip = 0xfff0;
	cpu_set_eflags(c, FL_1);
	c->cr0 = CR0_CD | CR0_NW | CR0_ET;

	/* Segments: present, read/write (CS: readable code), accessed, 64 KiB, real-mode bases. */
	reset_seg(&c->seg[S_CS], 0xf000, 0xffff0000u, DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A);
	for (unsigned s = S_ES; s <= S_GS; s++)
		if (s != S_CS)
			reset_seg(&c->seg[s], 0, 0, DESC_P | DESC_S | DESC_W | DESC_A);
	reset_seg(&c->seg[S_LDTR], 0, 0, DESC_P | SYS_LDT);
	reset_seg(&c->seg[S_TR], 0, 0, DESC_P | SYS_TSS32_BUSY);
	c->gdtr.limit = 0xffff;
	c->idtr.limit = 0xffff;

	c->dr[6] = 0xffff0ff0u;
	c->dr[7] = 0x00000400u;

	c->tsc_offset = (uint64_t)0 - icount;          /* the TSC reads 0 right after reset */
	c->apic_base = 0xfee00000u | 0x800 | 0x100;    /* enabled, bootstrap processor */

#ifdef HAVE_FPU_RESET
	fpu_reset(&c->fpu);
#else
	/* FNINIT state (SDM vol. 1 8.1): all exceptions masked, 64-bit precision, round to nearest,
	 * all registers empty. */
	c->fpu.cw = 0x037f;
	c->fpu.tw = 0xffff;
#endif
	tlb_flush(c);
}
