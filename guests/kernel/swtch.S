/* SPDX-License-Identifier: MIT
 *
 * swtch.S — switch kernel threads: void swtch(struct context **old, struct context *new).
 *
 * The C calling convention says the callee must preserve EBX, ESI, EDI and EBP; the caller has saved the
 * rest.  So a thread's whole resumable state is those four registers plus where to return: swtch pushes
 * them on the current stack (the return address is already there), stores the stack pointer — which is
 * now a struct context pointer — in *old, loads ESP from new and pops the other thread's registers.  Its
 * `ret` returns into the other thread, wherever it last called swtch (or into forkret for a new process).
 */
	.text
	.globl swtch
swtch:
	movl 4(%esp), %eax                /* old */
	movl 8(%esp), %edx                /* new */
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
