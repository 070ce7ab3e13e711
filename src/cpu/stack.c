/* SPDX-License-Identifier: MIT
 *
 * stack.c — the stack instructions: PUSH/POP (register, memory, immediate, segment register),
 * PUSHA/POPA, ENTER/LEAVE and PUSHF/POPF (SDM vol. 2, one entry each).
 *
 * The width of the stack pointer (SP or ESP) comes from SS.B; the width of each item from the operand
 * size.  cpu_push()/cpu_pop() in mem.h do both.  A fault anywhere makes the run loop restore ESP from
 * c->prev_esp, so a handler may move ESP before a later step faults; what it must not do is commit any
 * OTHER register, a flag or a segment register before the last faulting step.
 *
 * PUSHF and POPF are the lectures' favourite example of a sensitive-but-unprivileged instruction
 * (Popek & Goldberg; Robin & Irvine): POPF executed at CPL > IOPL does not fault when it tries to change
 * IF — it silently leaves IF alone.  A guest kernel deprivileged to ring 1 or 3 that runs "popf" to
 * re-enable interrupts thus gets no trap the VMM could catch, and the VMM never learns that the guest
 * wanted interrupts on.  That is why trap-and-emulate alone cannot virtualize IA-32, and why revisor's
 * translator must rewrite these instructions.  op_popf below implements the rule exactly.
 */
#include "cpu.h"
#include "flags.h"
#include "insn.h"
#include "mem.h"
#include "operand.h"
#include "system.h"

/* Stack pointer as the current stack-address size sees it, and its update keeping the upper half of
 * ESP for a 16-bit stack (SDM vol. 1, 6.2.3 "Address-size attributes for stack accesses"). */
static uint32_t sp_get(const struct cpu *c)
{
	return cpu_stack32(c) ? c->r[R_ESP] : (c->r[R_ESP] & 0xffff);
}

static void sp_set(struct cpu *c, uint32_t v)
{
	if (cpu_stack32(c))
		c->r[R_ESP] = v;
	else
		c->r[R_ESP] = (c->r[R_ESP] & 0xffff0000u) | (v & 0xffff);
}

/* PUSH r/m, PUSH r, PUSH imm.  The source is read before ESP moves, so "push esp" pushes the old ESP and
 * "push [esp+4]" addresses with the old ESP (both as the SDM specifies for the 286 and later). */
void op_push(struct cpu *c, const struct insn *i)
{
	uint32_t v = i->o[0].kind == OPK_IMM ? i->imm : opnd_read(c, i, 0);

	cpu_push(c, i->osz, v);
}

/* POP r/m: ESP is incremented BEFORE the destination's address is computed (so "pop [esp]" stores to
 * the new top of stack) and "pop esp" leaves the popped value in ESP.  Both follow from popping first
 * and then writing; if the write faults, the run loop puts ESP back. */
void op_pop(struct cpu *c, const struct insn *i)
{
	uint32_t v = cpu_pop(c, i->osz);

	opnd_write(c, i, 0, v);
}

/* PUSHA/PUSHAD: EAX ECX EDX EBX, the original ESP, EBP ESI EDI. */
void op_pusha(struct cpu *c, const struct insn *i)
{
	uint32_t esp = c->r[R_ESP];

	for (unsigned r = R_EAX; r <= R_EDI; r++)
		cpu_push(c, i->osz, r == R_ESP ? esp : c->r[r]);
}

/* POPA/POPAD: the reverse order; the saved ESP slot is skipped.  All eight items are read before any
 * register changes, so a #SS/#PF on the last one leaves the registers intact. */
void op_popa(struct cpu *c, const struct insn *i)
{
	uint32_t v[8];

	for (int r = R_EDI; r >= R_EAX; r--)
		v[r] = cpu_pop(c, i->osz);
	for (unsigned r = R_EAX; r <= R_EDI; r++)
		if (r != R_ESP)
			reg_set(c, r, i->osz, v[r]);
}

/* ENTER imm16, imm8: make a stack frame of imm16 bytes at nesting level imm8 mod 32 (SDM vol. 2A
 * "ENTER", whose pseudo-code this follows: the frame pointers of the enclosing procedures are copied
 * from the old frame, then the new frame pointer is pushed).  The item size and the width of the new
 * frame pointer are the operand size; walking the old frame and moving ESP use the stack-address size.
 * EBP is a local copy until the end, so a fault part-way leaves it untouched. */
void op_enter(struct cpu *c, const struct insn *i)
{
	unsigned size = i->osz, level = i->imm2 & 31;
	uint32_t alloc = i->imm & 0xffff;
	uint32_t bp = cpu_stack32(c) ? c->r[R_EBP] : (c->r[R_EBP] & 0xffff);
	uint32_t frame, final;

	cpu_push(c, size, c->r[R_EBP]);
	frame = size == 4 ? c->r[R_ESP] : (c->r[R_ESP] & 0xffff);
	if (level > 0) {
		for (unsigned k = 1; k < level; k++) {
			bp -= size;
			if (!cpu_stack32(c))
				bp &= 0xffff;
			cpu_push(c, size, seg_read(c, S_SS, bp, size));
		}
		cpu_push(c, size, frame);
	}
	final = sp_get(c) - alloc;
	if (!cpu_stack32(c))
		final &= 0xffff;
	/* The SDM lists #SS(0)/#PF when the new stack pointer is unusable: hardware touches the new top
	 * of stack as if for a write, which is what the probe does. */
	seg_probe_write(c, S_SS, final, size);
	sp_set(c, final);
	reg_set(c, R_EBP, size, frame);
}

/* LEAVE: ESP = EBP (SP = BP on a 16-bit stack), then pop EBP (BP for a 16-bit operand size). */
void op_leave(struct cpu *c, const struct insn *i)
{
	uint32_t v;

	sp_set(c, c->r[R_EBP]);
	v = cpu_pop(c, i->osz);
	reg_set(c, R_EBP, i->osz, v);
}

/* PUSHF/PUSHFD: EFLAGS with VM and RF cleared (SDM vol. 2B "PUSHF").  A 16-bit PUSHF pushes FLAGS.
 * Sensitive but unprivileged: at any CPL it reveals IF and IOPL, so a deprivileged guest kernel can see
 * that it does not really own the interrupt flag. */
void op_pushf(struct cpu *c, const struct insn *i)
{
	cpu_push(c, i->osz, cpu_get_eflags(c) & ~(FL_VM | FL_RF));
}

/* The flags POPF may write at all: every defined flag except VM, VIP, VIF (never) and RF (cleared). */
#define POPF_MASK (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_AC | FL_ID)

/* POPF/POPFD (SDM vol. 2B "POPF", protected and real mode without VM86):
 *   CPL 0 (or real mode)   all of POPF_MASK
 *   0 < CPL <= IOPL        IOPL unchanged
 *   CPL > IOPL             IOPL and IF unchanged — silently, no #GP: the sensitive-instruction case.
 * A 16-bit POPF changes only bits 0..15.  The 32-bit form clears RF. */
void op_popf(struct cpu *c, const struct insn *i)
{
	uint32_t v = cpu_pop(c, i->osz);
	uint32_t old = cpu_get_eflags(c), mask = POPF_MASK, nf;
	unsigned cpl = cpu_pmode(c) ? c->cpl : 0;

	if (cpl > 0)
		mask &= ~FL_IOPL;
	if (cpl > cpu_iopl(c))
		mask &= ~FL_IF;
	if (i->osz == 2)
		mask &= 0xffff;
	nf = (old & ~mask) | (v & mask);
	if (i->osz == 4)
		nf &= ~FL_RF;
	cpu_set_eflags(c, nf);
}

/* PUSH ES/CS/SS/DS/FS/GS.  With a 32-bit operand size the SDM allows either a zero-extended doubleword
 * or a 16-bit store into the 4-byte slot; "all recent Core and Atom processors perform a 16-bit move,
 * leaving the upper portion of the stack location unmodified" (SDM vol. 2B "PUSH").  revisor does the
 * latter: ESP moves by 4, only the low 2 bytes of the slot are written. */
void op_push_seg(struct cpu *c, const struct insn *i)
{
	uint16_t sel = c->seg[i->o[0].reg].sel;
	uint32_t sp;

	if (i->osz == 2) {
		cpu_push(c, 2, sel);
		return;
	}
	sp = sp_get(c) - 4;
	if (!cpu_stack32(c))
		sp &= 0xffff;
	seg_write(c, S_SS, sp, 2, sel);
	sp_set(c, sp);
}

/* POP ES/SS/DS/FS/GS: pop first (from the OLD stack: popping SS must not read through the new SS), then
 * load the segment register with all its protection checks.  If seg_load() faults, ESP is put back by
 * the run loop.  Loading SS inhibits interrupts for one instruction (seg_load does that) so that the
 * "pop ss; mov esp, x" pair cannot be interrupted with a mismatched stack.  POP CS does not exist (#UD). */
void op_pop_seg(struct cpu *c, const struct insn *i)
{
	unsigned s = i->o[0].reg;
	uint32_t v;

	if (s == S_CS || s > S_GS)
		cpu_ud(c);
	v = cpu_pop(c, i->osz);
	seg_load(c, s, (uint16_t)v);
}
