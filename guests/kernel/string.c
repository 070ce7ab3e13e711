/* SPDX-License-Identifier: MIT
 *
 * string.c — the handful of C library string functions the kernel and the user programs need.  gcc may
 * also call memset and memcpy itself (for struct copies), so these names must exist even with
 * -fno-builtin.
 */
#include "x86.h"

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	while (n && *a && *a == *b)
		a++, b++, n--;
	return n ? (uint8_t)*a - (uint8_t)*b : 0;
}

/* Copy at most n-1 characters and always NUL-terminate (unlike strncpy). */
char *strncpy0(char *d, const char *s, size_t n)
{
	size_t k = 0;
	if (!n)
		return d;
	for (; k + 1 < n && s[k]; k++)
		d[k] = s[k];
	d[k] = 0;
	return d;
}
