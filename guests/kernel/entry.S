/* SPDX-License-Identifier: MIT
 *
 * entry.S — where the kernel starts.  A Multiboot v1 loader (revisor, QEMU, GRUB) finds the header
 * below in the first 8 KiB of the file, loads the ELF at its physical addresses (1 MiB, kernel.ld) and
 * jumps to _start in 32-bit protected mode with paging off, flat segments, interrupts disabled,
 * EAX = 0x2BADB002 and EBX = the physical address of the multiboot_info structure (Multiboot 0.6.96,
 * section 3.2).  We only need a stack before C can run: kmain(magic, info) in main.c does the rest.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003           /* bit 0: page-align modules; bit 1: give us memory information */

	.section .multiboot
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)      /* the three words must sum to zero */

	.text
	.globl _start
_start:
	cli
	mov $boot_stack_top, %esp         /* the scheduler keeps running on this stack */
	push %ebx
	push %eax
	call kmain                        /* never returns */
1:	hlt
	jmp 1b

	.bss
	.align 4096
	.globl boot_stack_top
	.space 16384
boot_stack_top:
