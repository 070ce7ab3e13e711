/* SPDX-License-Identifier: MIT
 *
 * main.c — the boot sequence.  entry.S calls kmain() on the boot stack with paging off and interrupts
 * disabled; kmain brings the machine up one piece at a time, printing a line for each so that the boot
 * log reads like the table of contents of the kernel:
 *
 *   console (COM1)  -> GDT + TSS -> IDT -> 8259 PIC off -> MP table -> page allocator + paging
 *   -> local APIC + timer -> I/O APIC (COM1 input) -> IDE disk -> file system -> first process (sh)
 *   -> scheduler (never returns)
 *
 * Interrupts stay off until the scheduler first idles or enters user mode (whose EFLAGS has IF set).
 *
 * Command line (-append): autorun=PROG[,ARG...] starts `sh -c "PROG ARG..."` instead of an interactive
 * shell; when it finishes the shell exits, and with it init, which powers the machine off with the
 * program's exit status (port 0xF4).
 */
#include "defs.h"

#define MULTIBOOT_MAGIC 0x2BADB002
#define MB_INFO_MEM     0x001            /* mem_lower/mem_upper valid */
#define MB_INFO_CMDLINE 0x004            /* cmdline valid */

struct multiboot_info {                  /* Multiboot 0.6.96, section 3.3 (the part we read) */
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

extern char end[];                       /* kernel.ld: first byte after the kernel image */

/* Find "autorun=..." in the command line and turn it into a shell command (commas become spaces). */
static const char *autorun_command(const struct multiboot_info *mbi, char *buf, int n)
{
	if (!(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return 0;
	for (const char *p = (const char *)mbi->cmdline; *p; p++) {
		if ((p == (const char *)mbi->cmdline || p[-1] == ' ') && !strncmp(p, "autorun=", 8)) {
			int k = 0;
			for (p += 8; *p && *p != ' ' && k < n - 1; p++)
				buf[k++] = *p == ',' ? ' ' : *p;
			buf[k] = 0;
			return k ? buf : 0;
		}
	}
	return 0;
}

void kmain(uint32_t magic, const struct multiboot_info *mbi)
{
	static char command[128];

	console_init();
	printf("\nrevisor teaching kernel booting\n");
	if (magic != MULTIBOOT_MAGIC)
		panic("not started by a Multiboot loader (eax = %x)", magic);
	if (!(mbi->flags & MB_INFO_MEM))
		panic("the boot loader gave no memory size");
	uint32_t phystop = 0x100000 + mbi->mem_upper * 1024;
	if (phystop > MAXPHYS || phystop < 0x100000)
		phystop = MAXPHYS;
	const char *autorun = autorun_command(mbi, command, sizeof command);
	if (mbi->flags & MB_INFO_CMDLINE)
		printf("  command line: \"%s\"\n", (const char *)mbi->cmdline);
	printf("  COM1: 16550A UART at 0x3f8, polled output, interrupt-driven input\n");

	seg_init();
	printf("  GDT: flat ring-0 and ring-3 segments; TSS loaded for the ring-3 -> ring-0 stack switch\n");
	idt_init();
	printf("  IDT: 256 interrupt gates, system calls on int 0x%x (DPL 3)\n", SYSCALL_VEC);
	pic_disable();
	printf("  8259 PIC: remapped to vectors 0x%x-0x%x, all lines masked\n", VEC_PIC, VEC_PIC + 15);
	mp_init();

	kalloc_init((uint32_t)end, phystop);
	kvm_init(phystop);
	printf("  paging: on; RAM %u KiB, kernel identity-mapped below %u MiB in every address space, %d free pages\n",
	       mbi->mem_upper + 1024, phystop >> 20, kfree_count());

	lapic_init();
	ioapic_init();
	ioapic_route(4, VEC_COM1);           /* COM1 receive interrupts */
	console_start_input();

	if (ide_init() < 0)
		printf("  IDE: no disk on the primary master\n");
	else
		fs_init();

	if (autorun) {
		printf("  autorun: %s\n", autorun);
		const char *argv[] = { "sh", "-c", autorun, 0 };
		user_init(argv);
	} else {
		const char *argv[] = { "sh", 0 };
		user_init(argv);
	}
	printf("boot complete: starting the scheduler\n\n");
	scheduler();
}
