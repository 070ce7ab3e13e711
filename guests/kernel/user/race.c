/* SPDX-License-Identifier: MIT
 *
 * race.c — a data race, on purpose: the bug the record/replay labs hunt.
 *
 * Two processes share one page (shmap) and each adds 1 to the counter in it N times, with no lock.
 * Each increment is a read-modify-write spread over separate instructions:
 *
 *      movl (counter), %eax     read
 *      movl %eax, %edx
 *      addl $1, %edx            modify
 *      movl %edx, (counter)     write
 *
 * If the timer interrupt preempts a process after its read and before its write, the other process
 * runs a whole time slice, incrementing the counter many times; when the first one resumes it writes
 * back its stale value + 1 and all those increments are lost.  Whether that happens, and how much is
 * lost, depends only on where the timer interrupts land relative to the loop — on revisor, a pure
 * function of the instruction count, so a recorded run replays with exactly the same loss.
 *
 * The `jmp` to the next instruction does nothing on a CPU, and revisor takes interrupts between any
 * two instructions.  It is there for emulators that look for pending interrupts only at the end of a
 * translated block (QEMU's TCG): the jump ends the block in the middle of the read-modify-write, so
 * the race shows there too.
 *
 * usage: race [N]      (default N = 100000 per process)
 */
#include "user.h"

static void increment(volatile int *counter, int n)
{
	for (int i = 0; i < n; i++) {
		__asm__ volatile("movl (%0), %%eax\n\t"       /* read the shared counter */
		                 "movl %%eax, %%edx\n\t"
		                 "jmp 1f\n"                   /* (see below) */
		                 "1:\taddl $1, %%edx\n\t"     /* a timer interrupt here loses updates */
		                 "movl %%edx, (%0)"            /* write it back */
		                 : : "r"(counter) : "eax", "edx", "memory");
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	volatile int *counter = shmap();

	if ((int)counter == -1) {
		printf("race: shmap failed\n");
		return 1;
	}
	*counter = 0;
	int pid = fork();
	if (pid < 0) {
		printf("race: fork failed\n");
		return 1;
	}
	increment(counter, n);
	if (pid == 0)
		exit(0);
	wait(0);

	int got = *counter;
	printf("race: expected %d, got %d", 2 * n, got);
	if (got != 2 * n)
		printf(" -- lost %d updates!\n", 2 * n - got);
	else
		printf(" -- no updates lost this time\n");
	return 0;
}
