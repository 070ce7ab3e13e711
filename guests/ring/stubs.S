/* SPDX-License-Identifier: MIT
 *
 * stubs.S — the assembly half of ring.c: 256 interrupt stubs that build a struct frame and call trap(),
 * the register save/restore pair run_catch uses to unwind out of a faulting snippet, and the iret that
 * drops to ring 3.  SDM Vol. 3A 6.12 (exception- and interrupt-handling procedures).
 */
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23
#define SEL_UCODE 0x1b
#define VEC_EXIT  0x80

	.text
/* One 16-byte stub per vector.  The CPU pushes an error code only for vectors 8, 10-14 and 17 (SDM
 * Table 6-1); every other stub pushes a 0 in its place so that all frames look alike. */
	.globl vectors_start
	.balign 16
vectors_start:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17)
	.else
	pushl $0
	.endif
	pushl $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

/* Save the interrupted segment registers and general registers, switch to our data segments (the
 * interrupted code may have been at ring 3 with user selectors loaded), call trap(frame). */
trap_common:
	pusha
	push %ds
	push %es
	push %fs
	push %gs
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	cld
	push %esp
	call trap
	add $4, %esp
	pop %gs
	pop %fs
	pop %es
	pop %ds
	popa
	add $8, %esp                 /* vector and error code */
	iret

/* int ctx_save(struct ctx *) / void ctx_restore(struct ctx *, int): setjmp/longjmp for run_catch.
 * struct ctx = { ebx, esi, edi, ebp, esp, eip }. */
	.globl ctx_save
ctx_save:
	mov 4(%esp), %eax
	mov %ebx, 0(%eax)
	mov %esi, 4(%eax)
	mov %edi, 8(%eax)
	mov %ebp, 12(%eax)
	lea 4(%esp), %ecx            /* the caller's ESP after our return */
	mov %ecx, 16(%eax)
	mov (%esp), %ecx
	mov %ecx, 20(%eax)
	xor %eax, %eax
	ret

	.globl ctx_restore
ctx_restore:
	mov 4(%esp), %edx
	mov 8(%esp), %eax
	mov 0(%edx), %ebx
	mov 4(%edx), %esi
	mov 8(%edx), %edi
	mov 12(%edx), %ebp
	mov 16(%edx), %esp
	mov $SEL_KDATA, %cx
	mov %cx, %ds
	mov %cx, %es
	mov %cx, %fs
	mov %cx, %gs
	cld
	jmp *20(%edx)

/* void enter_user(void (*fn)(void), uint32_t esp, uint32_t eflags): iret to ring 3 (SDM 6.14 / iret's
 * "return to outer privilege level"): the CPU pops EIP, CS, EFLAGS, ESP, SS.  The snippet runs from
 * user_tramp with its address in EBX; when it returns, int $VEC_EXIT hands control back to ring 0. */
	.globl enter_user
enter_user:
	mov 4(%esp), %ebx
	mov 8(%esp), %ecx
	mov 12(%esp), %edx
	mov $SEL_UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	push $SEL_UDATA
	push %ecx
	push %edx
	push $SEL_UCODE
	push $user_tramp
	iret

	.globl user_tramp
user_tramp:
	call *%ebx
	int $VEC_EXIT
	ud2
	.section .note.GNU-stack,"",@progbits
