/* entry.S — Multiboot v1 header and entry point shared by the simple guests (hello, primes, ...).
 * The loader enters here in 32-bit protected mode with paging off, EAX = 0x2BADB002 and EBX = the
 * multiboot_info address (Multiboot spec 3.2); we set up a stack and call kmain(magic, info). */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003           /* page-align modules, want memory info */
	.section .multiboot
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	push %ebx
	push %eax
	call kmain
	push %eax
	call guest_exit                  /* kmain's return value becomes the exit status */
1:	hlt
	jmp 1b

	.bss
	.align 16
	.space 65536
stack_top:
