/* SPDX-License-Identifier: MIT
 *
 * hello.c — the smallest user program: shows that it runs in ring 3 (the low two bits of CS are the
 * current privilege level), in its own address space at 0x40000000, with its own pid.
 */
#include "user.h"

int main(int argc, char **argv)
{
	unsigned short cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("hello from user space: pid %d, ring %d, main() at %p, stack near %p\n",
	       getpid(), cs & 3, (uint32_t)main, (uint32_t)&cs);
	return 0;
}
