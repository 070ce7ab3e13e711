/* lib.c — implementation of guest.h: a polled COM1 UART driver, printf, string helpers, exit. */
#include <stdarg.h>
#include "guest.h"

#define COM1 0x3f8

void uart_init(void)
{
	outb(COM1 + 1, 0x00);   /* no interrupts */
	outb(COM1 + 3, 0x80);   /* DLAB */
	outb(COM1 + 0, 0x01);   /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);   /* 8N1 */
	outb(COM1 + 2, 0xc7);   /* FIFOs on, cleared */
	outb(COM1 + 4, 0x03);   /* DTR, RTS */
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

int uart_getc(void)
{
	return (inb(COM1 + 5) & 1) ? inb(COM1) : -1;
}

void puts_(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

void guest_exit(uint32_t status)
{
	outl(0xf4, status);                 /* revisor and QEMU's isa-debug-exit end the run here */
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);      /* Bochs ends its run on this string */
	for (;;)
		__asm__ volatile("cli; hlt");
}

void *memset(void *d, int c, size_t n) { uint8_t *p = d; while (n--) *p++ = (uint8_t)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { uint8_t *p = d; const uint8_t *q = s; while (n--) *p++ = *q++; return d; }
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return (uint8_t)*a - (uint8_t)*b; }
int strncmp(const char *a, const char *b, size_t n) { while (n && *a && *a == *b) a++, b++, n--; return n ? (uint8_t)*a - (uint8_t)*b : 0; }
long atol_(const char *s) { long v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }

const char *cmdline_arg(const struct multiboot_info *mbi, const char *key)
{
	const char *p;
	size_t k = strlen(key);

	if (!(mbi->flags & 4) || !mbi->cmdline)
		return 0;
	for (p = (const char *)mbi->cmdline; *p; p++)
		if ((p == (const char *)mbi->cmdline || p[-1] == ' ') && !strncmp(p, key, k) && p[k] == '=')
			return p + k + 1;
	return 0;
}

/* printf: %d %u %x %s %c %%, with optional width and zero padding, and the l/ll length modifiers. */
struct out { char *buf; size_t n, len; };

static void emit(struct out *o, char c)
{
	if (o->buf) {
		if (o->len + 1 < o->n)
			o->buf[o->len] = c;
	} else {
		uart_putc(c);
	}
	o->len++;
}

static void vfmt(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		char tmp[24];
		int width = 0, zero = 0, longs = 0, neg = 0, i = 0;
		uint64_t v;
		const char *s;
		if (*fmt != '%') {
			emit(o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			zero = 1, fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 'd':
		case 'u':
		case 'x': {
			unsigned base = *fmt == 'x' ? 16 : 10;
			if (longs >= 2)
				v = va_arg(ap, uint64_t);
			else
				v = va_arg(ap, uint32_t);
			if (*fmt == 'd' && (longs >= 2 ? (int64_t)v < 0 : (int32_t)v < 0)) {
				neg = 1;
				v = longs >= 2 ? -(int64_t)v : (uint32_t)-(int32_t)v;
			}
			do {
				tmp[i++] = "0123456789abcdef"[v % base];
				v /= base;
			} while (v);
			if (neg)
				width--;
			if (neg && zero)
				emit(o, '-');
			while (width-- > i)
				emit(o, zero ? '0' : ' ');
			if (neg && !zero)
				emit(o, '-');
			while (i)
				emit(o, tmp[--i]);
			break;
		}
		case 's':
			s = va_arg(ap, const char *);
			for (i = 0; s[i]; i++)
				;
			while (width-- > i)
				emit(o, ' ');
			while (*s)
				emit(o, *s++);
			break;
		case 'c':
			emit(o, (char)va_arg(ap, int));
			break;
		default:
			emit(o, *fmt);
			break;
		}
	}
}


int printf(const char *fmt, ...)
{
	struct out o = { 0, 0, 0 };
	va_list ap;
	va_start(ap, fmt);
	vfmt(&o, fmt, ap);
	va_end(ap);
	return (int)o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	struct out o = { buf, n, 0 };
	va_list ap;
	va_start(ap, fmt);
	vfmt(&o, fmt, ap);
	va_end(ap);
	if (n)
		buf[o.len < n ? o.len : n - 1] = 0;
	return (int)o.len;
}
