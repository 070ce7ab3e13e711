/* hello — the smallest revisor guest: a Multiboot kernel that prints through the UART and exits
 * through the debug-exit port (status 0 → revisor exits with (0 << 1) | 1 = 1, QEMU's convention). */
#include "../lib/guest.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
	uart_init();
	printf("Hello from revisor guest!\n");
	if (magic != 0x2BADB002) {
		printf("bad multiboot magic %x\n", magic);
		return 1;
	}
	printf("memory: lower %u KiB, upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	if (mbi->flags & 4)
		printf("cmdline: %s\n", (const char *)mbi->cmdline);
	return 0;
}
