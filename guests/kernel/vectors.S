/* SPDX-License-Identifier: MIT
 *
 * vectors.S — the way into and out of the kernel for every interrupt, exception and system call.
 *
 * The IDT (trap.c) points vector n at stub n below.  Each stub makes the stack look the same whatever the
 * vector: the CPU pushes an error code for some exceptions only (SDM 6.13, table 6-1: vectors 8, 10-14
 * and 17), so the other stubs push a 0 in its place; then every stub pushes its vector number.  Stubs are
 * 16 bytes apart, so trap.c computes stub n's address as vector_stubs + 16 * n.
 *
 * alltraps saves the rest of the user state — segment registers and the general registers — forming a
 * struct trapframe (defs.h), switches to the kernel data segment and calls trap(tf).  trapret undoes all
 * of it and IRETs: back to ring 3 if the frame came from there (the CPU pops ESP and SS as well).
 * A new process starts life by "returning" through trapret with a frame that fork or exec built.
 */
	.text
	.align 16
	.globl vector_stubs
vector_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17)
	.else
	pushl $0                          /* no CPU error code: push a dummy so the frame layout is fixed */
	.endif
	pushl $vec
	jmp alltraps
	.set vec, vec + 1
	.endr

alltraps:
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	pushal
	movw $0x10, %ax                   /* SEG_KDATA << 3 (x86.h).  CS and SS came from the gate and the TSS; DS, ES */
	movw %ax, %ds                     /* still hold the user's selectors */
	movw %ax, %es
	pushl %esp                        /* trap(struct trapframe *tf) */
	call trap
	addl $4, %esp

	.globl trapret
trapret:
	popal
	popl %gs
	popl %fs
	popl %es
	popl %ds
	addl $8, %esp                     /* drop vector number and error code */
	iret
