/* SPDX-License-Identifier: MIT
 * fault.c — memory protection at work: read the kernel's first byte at 1 MiB.  The page is mapped in
 * every address space but with U/S = 0, so ring 3 takes a page fault and the kernel kills us. */
#include "user.h"

int main(int argc, char **argv)
{
	volatile unsigned char *kernel = (unsigned char *)0x100000;

	printf("fault: reading kernel memory at %p from ring 3...\n", (uint32_t)kernel);
	printf("fault: read %x -- protection failed!\n", *kernel);
	return 1;
}
