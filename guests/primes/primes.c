/* primes — the compute benchmark: counts the primes below N with the lectures' trial-division isPrime.
 * Command line (-append): n=N (default 100000), impl=asm (the lecture's listing, default) or impl=c.
 * Prints the count and exits with status 0 through the debug-exit port. */
#include "../lib/guest.h"

int isPrime_asm(int a);

/* The lecture's C source, verbatim in spirit. */
static int isPrime(int a)
{
	for (int i = 2; i < a; i++) {
		if (a % i == 0)
			return 0;
	}
	return 1;
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
	const char *ns = cmdline_arg(mbi, "n"), *impl = cmdline_arg(mbi, "impl");
	int n = ns ? (int)atol_(ns) : 100000, count = 0;
	int use_c = impl && !strncmp(impl, "c", 1);

	(void)magic;
	uart_init();
	for (int a = 2; a < n; a++)
		count += use_c ? isPrime(a) : isPrime_asm(a);
	printf("primes below %d: %d (%s)\n", n, count, use_c ? "c" : "asm");
	return 0;
}
