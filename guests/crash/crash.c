/* crash — a guest that ends badly on purpose, to test how revisor reports it.  -append selects:
 *   mode=triple   load an empty IDT and execute int3: #BP can't be delivered → #GP → #DF → triple fault
 *   mode=reset    pulse the CPU reset line through the i8042 (command 0xFE on port 0x64)
 *   mode=halt     cli; hlt — nothing can ever wake the CPU
 *   mode=ud       ud2 with an empty IDT (another triple fault, from an invalid opcode) */
#include "../lib/guest.h"

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
	static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) empty_idt = { 0, 0 };
	const char *mode = cmdline_arg(mbi, "mode");

	(void)magic;
	uart_init();
	printf("crash: mode %s\n", mode ? mode : "(none)");
	if (!mode)
		return 0;
	if (!strncmp(mode, "triple", 6) || !strncmp(mode, "ud", 2)) {
		__asm__ volatile("lidt %0" : : "m"(empty_idt));
		if (mode[0] == 'u')
			__asm__ volatile("ud2");
		__asm__ volatile("int3");
	} else if (!strncmp(mode, "reset", 5)) {
		outb(0x64, 0xfe);
	} else if (!strncmp(mode, "halt", 4)) {
		__asm__ volatile("cli; hlt");
	}
	printf("crash: still alive?\n");
	return 1;
}
