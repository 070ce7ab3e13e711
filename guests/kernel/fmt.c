/* SPDX-License-Identifier: MIT
 *
 * fmt.c — printf-style formatting, shared by the kernel and the user library.  vformat() knows
 * %d %u %x %p %s %c and %%, with an optional '0' flag and field width (enough for tables of numbers);
 * each produced character goes to a caller-supplied put() function, so the same code prints to the
 * UART (kernel), to a write() buffer (user programs) or into a string (snprintf).
 */
#include "x86.h"

typedef __builtin_va_list va_list;
#define va_start __builtin_va_start
#define va_end __builtin_va_end
#define va_arg __builtin_va_arg

static int put_num(void (*put)(int, void *), void *arg, uint32_t v, int base, int neg, int width, char pad)
{
	char buf[12];
	int n = 0, out = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	for (; width > n; width--, out++)
		put(pad, arg);
	while (n > 0)
		put(buf[--n], arg), out++;
	return out;
}

int vformat(void (*put)(int, void *), void *arg, const char *fmt, va_list ap)
{
	int out = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(*fmt, arg), out++;
			continue;
		}
		char pad = ' ';
		int width = 0;
		if (*++fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		switch (*fmt) {
		case 'd': {
			int v = va_arg(ap, int);
			out += put_num(put, arg, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u': out += put_num(put, arg, va_arg(ap, uint32_t), 10, 0, width, pad); break;
		case 'x': out += put_num(put, arg, va_arg(ap, uint32_t), 16, 0, width, pad); break;
		case 'p':
			put('0', arg), put('x', arg), out += 2;
			out += put_num(put, arg, va_arg(ap, uint32_t), 16, 0, 8, '0');
			break;
		case 'c': put(va_arg(ap, int), arg), out++; break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;
			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			for (; width > len; width--, out++)
				put(' ', arg);
			while (*s)
				put(*s++, arg), out++;
			break;
		}
		case '%': put('%', arg), out++; break;
		case 0: return out;
		default: put('%', arg), put(*fmt, arg), out += 2; break;
		}
	}
	return out;
}

struct strbuf { char *p; int left; };

static void put_str(int c, void *arg)
{
	struct strbuf *b = arg;
	if (b->left > 1)
		*b->p++ = (char)c, b->left--;
}

int snprintf(char *buf, int n, const char *fmt, ...)
{
	struct strbuf b = { buf, n };
	va_list ap;

	va_start(ap, fmt);
	int out = vformat(put_str, &b, fmt, ap);
	va_end(ap);
	if (n > 0)
		*b.p = 0;
	return out;
}
