/* SPDX-License-Identifier: MIT
 *
 * ulib.c — the user-mode runtime: the program entry point, one stub per system call, and printf.
 *
 * A system call is `int $0x40` with the number in EAX and arguments in EBX, ECX, EDX, ESI (syscall.h).
 * The interrupt gate has DPL 3, so this is the one way ring-3 code may enter the kernel on purpose; the
 * CPU switches to the process's kernel stack (TSS.esp0) and the kernel's trap() takes it from there.
 */
#include "user.h"
#include "../syscall.h"

typedef __builtin_va_list va_list;
#define va_start __builtin_va_start
#define va_end __builtin_va_end
int vformat(void (*put)(int c, void *arg), void *arg, const char *fmt, va_list ap);   /* ../fmt.c */

int main(int argc, char **argv);

static inline int syscall4(int num, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	int ret;
	__asm__ volatile("int $0x40" : "=a"(ret) : "a"(num), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return ret;
}
#define SC(num, a, b, c, d) syscall4(num, (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), (uint32_t)(d))

/* exec() leaves argc and argv on the stack as if _start had been called with them (see ../exec.c). */
void _start(int argc, char **argv)
{
	exit(main(argc, argv));
}

int write(const void *buf, int n) { return SC(SYS_write, buf, n, 0, 0); }
int read(void *buf, int n) { return SC(SYS_read, buf, n, 0, 0); }
int getpid(void) { return SC(SYS_getpid, 0, 0, 0, 0); }
int fork(void) { return SC(SYS_fork, 0, 0, 0, 0); }
int exec(const char *name, char *const *argv) { return SC(SYS_exec, name, argv, 0, 0); }
int wait(int *status) { return SC(SYS_wait, status, 0, 0, 0); }
int sleep(int ms) { return SC(SYS_sleep, ms, 0, 0, 0); }
int yield(void) { return SC(SYS_yield, 0, 0, 0, 0); }
int uptime(void) { return SC(SYS_uptime, 0, 0, 0, 0); }
void *shmap(void) { return (void *)SC(SYS_shmap, 0, 0, 0, 0); }
int dirent(int i, struct dirent *de) { return SC(SYS_dirent, i, de, 0, 0); }
int fread(const char *name, int off, void *buf, int n) { return SC(SYS_fread, name, off, buf, n); }
int fwrite(const char *name, int off, const void *buf, int n) { return SC(SYS_fwrite, name, off, buf, n); }
int kill(int pid) { return SC(SYS_kill, pid, 0, 0, 0); }

void exit(int status)
{
	SC(SYS_exit, status, 0, 0, 0);
	for (;;)
		;
}

int atoi(const char *s)
{
	int v = 0, neg = (*s == '-');
	if (neg)
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

/* printf collects its output and issues one write() per 128 bytes, not one per character. */
struct outbuf { char buf[128]; int n; };

static void put_buffered(int c, void *arg)
{
	struct outbuf *o = arg;
	o->buf[o->n++] = (char)c;
	if (o->n == sizeof o->buf) {
		write(o->buf, o->n);
		o->n = 0;
	}
}

int printf(const char *fmt, ...)
{
	struct outbuf o = { .n = 0 };
	va_list ap;

	va_start(ap, fmt);
	int n = vformat(put_buffered, &o, fmt, ap);
	va_end(ap);
	if (o.n)
		write(o.buf, o.n);
	return n;
}
