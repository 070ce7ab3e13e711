/* SPDX-License-Identifier: MIT
 * primes.c — count the primes below N by trial division (the lectures' isPrime), a CPU-bound process
 * to watch the timer preempt.  usage: primes [N]   (default 10000) */
#include "user.h"

static int is_prime(int n)
{
	if (n < 2)
		return 0;
	for (int d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, count = 0;

	for (int i = 2; i < n; i++)
		count += is_prime(i);
	printf("primes: %d primes below %d\n", count, n);
	return 0;
}
