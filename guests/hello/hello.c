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
	if (mbi->flags & 8) {
		/* Multiboot modules (-initrd): start, end, and the module's own command line. */
		const uint32_t *mod = (const uint32_t *)mbi->mods_addr;
		printf("modules: %u\n", mbi->mods_count);
		for (uint32_t k = 0; k < mbi->mods_count; k++, mod += 4) {
			const char *data = (const char *)mod[0];
			uint32_t len = mod[1] - mod[0];
			printf("module %u: %u bytes at %x, page aligned %s, cmdline '%s', begins '%c%c%c'\n", k, len,
			       mod[0], (mod[0] & 0xfff) ? "no" : "yes", (const char *)mod[2], len > 0 ? data[0] : '-',
			       len > 1 ? data[1] : '-', len > 2 ? data[2] : '-');
		}
	}
	return 0;
}
