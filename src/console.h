/* SPDX-License-Identifier: MIT
 *
 * console.h — the host terminal behind `-serial stdio`: raw mode while the guest runs (restored on every
 * exit path), non-blocking reads, and QEMU's Ctrl-A escape (Ctrl-A x quits, Ctrl-A h helps, Ctrl-A
 * Ctrl-A sends a literal Ctrl-A).  Only the event layer (replay/event.c) reads from it.
 */
#ifndef REVISOR_CONSOLE_H
#define REVISOR_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

void console_open(void);                 /* raw mode if stdin is a terminal */
void console_close(void);                /* restore the terminal (idempotent) */
/* Read up to max input bytes, waiting at most timeout_ms (-1 = forever).  Returns the count (0 on
 * timeout), CONSOLE_EOF when input has ended, CONSOLE_QUIT when the user typed Ctrl-A x. */
#define CONSOLE_EOF  (-1)
#define CONSOLE_QUIT (-2)
int console_read(uint8_t *buf, int max, int timeout_ms);
void console_write(const void *buf, size_t len);

#endif
