/* SPDX-License-Identifier: MIT
 * uptime.c — virtual time since boot, as counted by the kernel's LAPIC timer ticks.  With an argument,
 * sleep that many milliseconds first (a process blocked in the kernel, woken by the timer). */
#include "user.h"

int main(int argc, char **argv)
{
	if (argc > 1)
		sleep(atoi(argv[1]));
	int ms = uptime();
	printf("uptime: %d.%03d s\n", ms / 1000, ms % 1000);
	return 0;
}
