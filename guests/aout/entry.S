/* aout/entry.S — the hello guest again, but as a flat binary with the Multiboot "a.out kludge": flag bit
 * 16 says the header itself gives the load addresses (Multiboot spec 3.1.3), so the loader needs no ELF.
 * The header sits at the start of the image, which is loaded at 1 MiB. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010003           /* page-align modules, memory info, addresses in the header */
	.section .multiboot
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header                  /* header_addr */
	.long mb_header                  /* load_addr: the file is loaded from its first byte */
	.long _edata                     /* load_end_addr */
	.long _end                       /* bss_end_addr */
	.long _start                     /* entry_addr */

	.text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	push %ebx
	push %eax
	call kmain
	push %eax
	call guest_exit
1:	hlt
	jmp 1b

	.bss
	.align 16
	.space 16384
stack_top:
