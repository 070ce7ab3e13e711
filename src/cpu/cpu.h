/* SPDX-License-Identifier: MIT
 *
 * cpu.h — the architectural state of one IA-32 processor, shared by every backend (interpreter, binary
 * translator, KVM) and by the debugger and the replay engine.  This is the "register state" box of the
 * lecture's "what needs to be emulated?" slide; memory and devices hang off struct machine.
 *
 * Conventions every instruction handler relies on (SDM vol. 3A, 6.5 "Exception classifications"):
 *  - When a handler runs, c->eip already points at the NEXT instruction and c->prev_eip at the current one;
 *    a branch simply assigns c->eip.
 *  - Faults are precise.  A handler raises one with cpu_fault(), which longjmps back to the run loop; the
 *    loop restores EIP and ESP from prev_eip/prev_esp and delivers the exception.  So a handler must do
 *    everything that can fault (memory reads, the write's translation, descriptor checks) before it
 *    commits register, flag or segment state.  Memory writes are the last thing a handler does.
 *  - The retired-instruction count c->icount is the clock all virtual time derives from (see docs/).
 *    A faulting instruction does not retire; each iteration of a REP string instruction counts as one.
 */
#ifndef REVISOR_CPU_H
#define REVISOR_CPU_H

#include <setjmp.h>
#include <stdint.h>
#include "x86.h"

struct machine;

/* General registers, in ModRM encoding order. Slot R_ZERO is always 0: a memory operand with no base or
 * no index names it, so effective-address arithmetic needs no branches (the lecture's "resolve memory
 * references without misprediction"). */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI, R_ZERO, NREGS };

/* Segment registers, in ModRM sreg encoding order, then the system segments. */
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_LDTR, S_TR, NSEGS };
#define S_NONE 0xff

/* A segment register with its hidden descriptor cache (SDM vol. 3A, 3.4.3). */
struct seg {
	uint16_t sel;
	uint16_t attr;   /* descriptor bits 40..55: type, S, DPL, P in the low byte; AVL, L, D/B, G on top */
	uint32_t base;
	uint32_t limit;  /* effective byte limit (already scaled by G) */
};

struct dtr {
	uint32_t base;
	uint16_t limit;
};

/* Lazy arithmetic flags: instead of computing CF/PF/AF/ZF/SF/OF after every instruction, the handler
 * records the operation and its operands; flags are derived only when something reads them (a Jcc,
 * pushf, adc...).  op == LF_NONE means the six status flags are stored directly in c->eflags.
 * See flags.h.  The translator will keep guest flags in host flags instead. */
struct lazyflags {
	uint32_t res;    /* result, zero-extended */
	uint32_t dst;    /* first operand (destination before the operation) */
	uint32_t src;    /* second operand; for INC/DEC: the carry flag to preserve */
	uint8_t op;      /* enum lf_op */
	uint8_t size;    /* operand size in bytes: 1, 2 or 4 */
};

/* x87 FPU state (SDM vol. 1, chapter 8).  Registers are kept in the host's 80-bit long double. */
struct fpu {
	long double st[8];   /* physical registers R0..R7; ST(i) is st[(top + i) & 7] */
	uint16_t cw;         /* control word */
	uint16_t sw;         /* status word without TOP */
	uint16_t tw;         /* tag word, 2 bits per physical register (11 = empty) */
	uint8_t top;
	uint16_t fop;        /* last opcode */
	uint32_t fip, fdp;   /* last instruction / operand pointers */
	uint16_t fcs, fds;
};

/* Software TLB entry: linear page -> host pointer for RAM pages that may be accessed directly.  An entry
 * is valid for reads when tag_r == (lin & ~0xfff), for writes when tag_w == (lin & ~0xfff), for fetches
 * when tag_x == (lin & ~0xfff).  A page that is MMIO, or a RAM page holding decoded/translated code,
 * never gets a write tag, so such writes take the slow path (which invalidates cached code). */
#define TLB_SIZE 256
struct tlb_entry {
	uint32_t tag_r, tag_w, tag_x;
	uint32_t phys;       /* physical page address */
	uint8_t *host;       /* host address of the page's first byte, or NULL (MMIO / unbacked) */
};

struct cpu {
	uint32_t r[NREGS];   /* general registers; r[R_ZERO] stays 0 */
	uint32_t eip;        /* next instruction while a handler runs (see above) */
	uint32_t eflags;     /* all flags; the six status flags are valid only when lf.op == LF_NONE */
	struct lazyflags lf;
	struct seg seg[NSEGS];
	struct dtr gdtr, idtr;
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t dr[8];
	uint8_t cpl;         /* current privilege level: CS.RPL in protected mode, 0 in real mode */

	uint64_t icount;        /* retired instructions since reset: the virtual clock */
	uint64_t icount_limit;  /* the run loop stops before icount reaches this */
	uint64_t tsc_offset;    /* guest TSC = icount + tsc_offset (wrmsr TSC adjusts it) */
	uint32_t apic_base;     /* IA32_APIC_BASE MSR */
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip;

	struct fpu fpu;

	/* Execution bookkeeping used by the run loop and the exception machinery. */
	uint32_t prev_eip;      /* address of the instruction being executed */
	uint32_t prev_esp;      /* ESP before it, restored if it faults */
	uint8_t inhibit_irq;    /* set by STI / MOV SS / POP SS: no interrupt before the next instruction */
	uint8_t halted;         /* HLT executed, waiting for an interrupt */
	uint8_t exc_depth;      /* 0 normally; 1 while delivering an exception, 2 while delivering #DF */
	uint8_t exc_vec;        /* while exc_depth > 0: the exception being delivered (table 6-5 needs it) */
	uint8_t irq_pending;    /* the interrupt controllers have something to deliver (see machine.h) */
	uint8_t nmi_pending;
	/* "Attention": set by anything outside the instruction stream that the run loop must notice before
	 * the next instruction — a timer armed or re-armed, an interrupt line changing, NMI, a store into a
	 * page holding cached code.  The interpreter runs traces without other checks until it is set. */
	uint8_t attn;
	jmp_buf *fault_jmp;     /* where cpu_fault() returns to */
	int fault_vec;          /* the exception being raised */
	uint32_t fault_err;
	int fault_has_err;

	struct tlb_entry tlb[2][TLB_SIZE];  /* [0] supervisor accesses, [1] user (CPL 3) accesses */

	struct machine *m;
};

/* ---- exceptions (interrupt.c) ------------------------------------------------------------------- */

/* Raise a fault or trap from inside a handler: never returns (longjmps to the run loop). */
_Noreturn void cpu_fault(struct cpu *c, int vec, uint32_t err);       /* with an error code */
_Noreturn void cpu_fault_noerr(struct cpu *c, int vec);               /* without */
#define cpu_ud(c) cpu_fault_noerr((c), EXC_UD)
#define cpu_gp0(c) cpu_fault((c), EXC_GP, 0)

/* Called by the run loop after a cpu_fault() longjmp: restores EIP/ESP from prev_eip/prev_esp and delivers
 * c->fault_vec, escalating to #DF when a fault happens while delivering another (SDM vol. 3A table 6-5)
 * and to a triple fault (m->stop = STOP_TRIPLE_FAULT) when one happens while delivering #DF.  It may
 * itself fault again (longjmp to the same place), which re-enters it with c->exc_depth telling how deep. */
void cpu_handle_fault(struct cpu *c);

/* Which kind of event is being delivered through the IDT (affects error codes, privilege checks and the
 * saved EIP: SDM vol. 3A 6.12.1.1 and 6.13). */
enum event_kind {
	EV_EXCEPTION,   /* fault or trap raised by an instruction */
	EV_SOFTINT,     /* INT n, INT3, INTO: the gate's DPL is checked against CPL */
	EV_EXTERNAL,    /* an interrupt from the PIC/APIC or NMI */
};

/* Deliver an event through the IDT (real-mode IVT or protected-mode gates), switching stacks through the
 * TSS when the privilege level changes.  Double faults and triple faults are handled inside: a triple
 * fault sets m->stop to STOP_TRIPLE_FAULT. */
void cpu_deliver(struct cpu *c, int vec, enum event_kind kind, int has_err, uint32_t err);

/* Does this vector push an error code when raised as an exception? */
int exc_has_errcode(int vec);

/* ---- reset and mode helpers (cpu.c) ------------------------------------------------------------- */
void cpu_reset(struct cpu *c);                     /* power-on state: real mode, CS:IP = F000:FFF0 */
static inline int cpu_pmode(const struct cpu *c) { return c->cr0 & CR0_PE; }
static inline int cpu_code32(const struct cpu *c) { return (c->seg[S_CS].attr & DESC_DB) != 0; }
static inline int cpu_stack32(const struct cpu *c) { return (c->seg[S_SS].attr & DESC_DB) != 0; }
static inline unsigned cpu_iopl(const struct cpu *c) { return (c->eflags & FL_IOPL) >> FL_IOPL_SHIFT; }

/* ---- registers by size --------------------------------------------------------------------------- */
/* 8-bit register numbers follow ModRM: 0..3 = AL CL DL BL, 4..7 = AH CH DH BH. */
static inline uint32_t reg8_get(const struct cpu *c, unsigned n)
{
	return n < 4 ? (c->r[n] & 0xff) : ((c->r[n - 4] >> 8) & 0xff);
}
static inline void reg8_set(struct cpu *c, unsigned n, uint32_t v)
{
	if (n < 4)
		c->r[n] = (c->r[n] & ~0xffu) | (v & 0xff);
	else
		c->r[n - 4] = (c->r[n - 4] & ~0xff00u) | ((v & 0xff) << 8);
}
static inline uint32_t reg_get(const struct cpu *c, unsigned n, unsigned size)
{
	if (size == 4)
		return c->r[n];
	if (size == 2)
		return c->r[n] & 0xffff;
	return reg8_get(c, n);
}
static inline void reg_set(struct cpu *c, unsigned n, unsigned size, uint32_t v)
{
	if (size == 4)
		c->r[n] = v;
	else if (size == 2)
		c->r[n] = (c->r[n] & 0xffff0000u) | (v & 0xffff);
	else
		reg8_set(c, n, v);
}
static inline uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}
static inline uint32_t sign_bit(unsigned size)
{
	return 1u << (size * 8 - 1);
}

/* Full EFLAGS with the lazy status flags folded in (flags.c), and its inverse. */
uint32_t cpu_get_eflags(struct cpu *c);
void cpu_set_eflags(struct cpu *c, uint32_t v);   /* raw: no privilege filtering */

#endif
