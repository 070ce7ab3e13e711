/* SPDX-License-Identifier: MIT
 *
 * io.c — port I/O (IN, OUT) and the interrupt flag (CLI, STI), with the protected-mode I/O permission
 * check they share with INS/OUTS (SDM vol. 1, 19.5 "Protected-mode I/O"; vol. 2 "IN", "OUT", "CLI",
 * "STI").
 *
 * These are the instructions a VMM most wants to intercept — the lecture's "I/O-sensitive" class.
 * IA-32 makes them IOPL-sensitive: at CPL <= IOPL they run freely, above it CLI/STI fault and IN/OUT
 * fault unless the TSS I/O bitmap grants the ports.  A trap-and-emulate VMM runs its guest with
 * CPL > IOPL, so every one of these traps (unlike POPF, see stack.c).  The device models themselves sit
 * behind pio_read()/pio_write() (machine.h).
 */
#include "cpu.h"
#include "insn.h"
#include "mem.h"
#include "operand.h"
#include "system.h"
#include "machine.h"

/* SDM vol. 1, 19.5.1 and 19.5.2.  Allowed outright in real mode and at CPL <= IOPL.  Otherwise the
 * current TSS must be a 32-bit TSS (limit >= 0x67) whose I/O map base, the word at offset 0x66, points
 * at a bitmap with a 0 bit for every port in [port, port+size), each bit lying within the TSS limit.
 * A map base at or beyond the limit means "no bitmap": every port is denied.
 * (Real processors read the bitmap 16 bits at a time, which is why operating systems end it with a 0xff
 * byte; revisor only requires the bytes actually holding the bits to be inside the limit.) */
void io_permission(struct cpu *c, uint16_t port, unsigned size)
{
	const struct seg *tr = &c->seg[S_TR];
	unsigned type = tr->attr & DESC_TYPE;
	uint32_t map, last;

	if (!cpu_pmode(c) || c->cpl <= cpu_iopl(c))
		return;
	if ((tr->attr & DESC_S) || (type != SYS_TSS32_AVAIL && type != SYS_TSS32_BUSY) || tr->limit < 0x67)
		cpu_gp0(c);
	map = lin_read(c, tr->base + 0x66, 2, LIN_SYS);
	last = map + ((port + size - 1) >> 3);
	if (last > tr->limit)
		cpu_gp0(c);
	for (uint32_t p = port; p < (uint32_t)port + size; p++)
		if (lin_read(c, tr->base + map + (p >> 3), 1, LIN_SYS) & (1u << (p & 7)))
			cpu_gp0(c);
}

/* The port operand: an 8-bit immediate or DX. */
static uint16_t port_of(const struct cpu *c, const struct insn *i, int k)
{
	return i->o[k].kind == OPK_IMM ? (uint16_t)(i->imm & 0xff) : (uint16_t)c->r[R_EDX];
}

/* IN AL/AX/EAX, imm8/DX */
void op_in(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[0].size;
	uint16_t port = port_of(c, i, 1);

	io_permission(c, port, size);
	reg_set(c, R_EAX, size, pio_read(c->m, port, size));
}

/* OUT imm8/DX, AL/AX/EAX */
void op_out(struct cpu *c, const struct insn *i)
{
	unsigned size = i->o[1].size;
	uint16_t port = port_of(c, i, 0);

	io_permission(c, port, size);
	pio_write(c->m, port, size, reg_get(c, R_EAX, size));
}

/* CLI/STI are privileged only relative to IOPL: #GP(0) when CPL > IOPL in protected mode. */
static void check_iopl(struct cpu *c)
{
	if (cpu_pmode(c) && c->cpl > cpu_iopl(c))
		cpu_gp0(c);
}

void op_cli(struct cpu *c, const struct insn *i)
{
	check_iopl(c);
	c->eflags &= ~FL_IF;
}

/* STI: when it actually turns IF on, interrupts stay blocked until after the NEXT instruction (the
 * "interrupt shadow"), so "sti; hlt" and "sti; ret" cannot be interrupted in between.  STI with IF
 * already set opens no shadow. */
void op_sti(struct cpu *c, const struct insn *i)
{
	check_iopl(c);
	if (!(c->eflags & FL_IF)) {
		c->eflags |= FL_IF;
		c->inhibit_irq = 1;
	}
}
