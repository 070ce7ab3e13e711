/* SPDX-License-Identifier: MIT
 *
 * console.c — see console.h.  The terminal is put in raw mode (no echo, no line editing, no signals from
 * Ctrl-C: the keys go to the guest, as with QEMU's -serial stdio) and restored at exit and on fatal
 * signals.  Output is written straight to stdout, unbuffered.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "console.h"

static struct termios saved;
static int raw_on, eof_seen, escape_pending, quit_pending;

void console_close(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		raw_on = 0;
	}
}

static void on_fatal_signal(int sig)
{
	console_close();
	signal(sig, SIG_DFL);
	raise(sig);
}

void console_open(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) != 0)
		return;
	t = saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;   /* keep "\n" -> "\r\n" on output so host messages look right */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
		raw_on = 1;
		atexit(console_close);
		signal(SIGTERM, on_fatal_signal);
		signal(SIGHUP, on_fatal_signal);
		signal(SIGSEGV, on_fatal_signal);
		signal(SIGABRT, on_fatal_signal);
	}
}

void console_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

int console_read(uint8_t *buf, int max, int timeout_ms)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	uint8_t raw[256];
	int n, out = 0;

	if (quit_pending)
		return CONSOLE_QUIT;
	if (eof_seen)
		return CONSOLE_EOF;
	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0)
		return 0;
	if (max > (int)sizeof raw)
		max = (int)sizeof raw;
	n = (int)read(STDIN_FILENO, raw, (size_t)max);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		eof_seen = 1;
		return CONSOLE_EOF;
	}
	for (int k = 0; k < n; k++) {
		uint8_t ch = raw[k];
		if (escape_pending) {
			escape_pending = 0;
			if (ch == 'x' || ch == 'X') {
				/* Deliver what was typed before the escape; quit on the next call. */
				quit_pending = 1;
				return out > 0 ? out : CONSOLE_QUIT;
			}
			if (ch == 'h' || ch == 'H') {
				static const char help[] = "\r\nC-a h    print this help\r\nC-a x    exit revisor\r\n"
							   "C-a C-a  send C-a to the guest\r\n";
				console_write(help, sizeof help - 1);
				continue;
			}
			if (ch != 0x01)
				continue;   /* unknown escape: dropped, like QEMU */
		} else if (ch == 0x01 && raw_on) {
			escape_pending = 1;
			continue;
		}
		buf[out++] = ch;
	}
	return out;
}
