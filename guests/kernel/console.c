/* SPDX-License-Identifier: MIT
 *
 * console.c — the serial console on COM1, a 16550A UART at I/O ports 0x3F8-0x3FF.
 *
 * Output is polled: wait until the Line Status Register says the transmit holding register is empty
 * (LSR bit 5), then write the byte.  Input is interrupt-driven: the UART raises IRQ 4 when a byte is
 * received (IER bit 0), the I/O APIC turns that into vector VEC_COM1, and console_intr() moves every
 * waiting byte into a line buffer.  That buffer is a small "line discipline" like a Unix tty in cooked
 * mode: bytes are echoed, backspace erases, and read() returns only complete lines, so a user program
 * sees `hello\n` once Enter is pressed.  Ctrl-D at the start of a line makes read() return 0 (end of
 * input); Ctrl-C kills every process but the shell.  Registers: National Semiconductor PC16550D datasheet, table 2.
 */
#include "defs.h"

#define COM1     0x3F8
#define UART_RBR 0             /* receive buffer (read), transmit holding (write) */
#define UART_IER 1             /* interrupt enable: bit 0 = received data available */
#define UART_FCR 2             /* FIFO control */
#define UART_LCR 3             /* line control: bit 7 = divisor latch access */
#define UART_MCR 4             /* modem control: bit 3 = OUT2, which gates IRQ4 onto the ISA bus */
#define UART_LSR 5             /* line status: bit 0 = data ready, bit 5 = transmitter empty */
#define LSR_DR   0x01
#define LSR_THRE 0x20

#define CTRL(c)  ((c) - '@')
#define INPUT_SIZE 512

static struct {
	char buf[INPUT_SIZE];
	uint32_t r;            /* next byte read() will return */
	uint32_t w;            /* end of the completed lines */
	uint32_t e;            /* end of the line being edited */
	uint32_t echoed;       /* bytes before this have been echoed */
} input;
static int reader_waiting;     /* a process sleeps in console_read() */

/* Echo typed bytes, up to the end of the first complete line.  Bytes typed while nobody reads
 * (type-ahead, or piped input arriving at boot) are echoed one line per read() call, so a transcript
 * reads "$ ls" followed by the output of ls, not input mixed into output. */
static void echo_pending(void)
{
	while (input.echoed != input.e) {
		char c = input.buf[input.echoed++ % INPUT_SIZE];
		if (c == CTRL('D'))
			break;
		console_putc(c);
		if (c == '\n')
			break;
	}
}

void console_init(void)
{
	outb(COM1 + UART_IER, 0);           /* no interrupts while we program it */
	outb(COM1 + UART_LCR, 0x80);        /* divisor latch: 115200 / 1 baud */
	outb(COM1 + UART_RBR, 1);
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03);        /* 8 data bits, no parity, 1 stop bit */
	console_intr();                     /* keep a byte that arrived before boot (piped input): turning */
	outb(COM1 + UART_FCR, 0x01);        /* the FIFOs on empties them */
	outb(COM1 + UART_MCR, 0x0B);        /* DTR, RTS, OUT2 */
}

/* Called once the I/O APIC routes IRQ 4 to us.  The order matters: the I/O APIC pin is edge-triggered
 * and ignores edges while masked (82093AA datasheet, redirection table bit 16), while the UART holds its
 * interrupt line high until its data is read.  A byte that arrived earlier would leave the line high
 * with its edge lost, and no interrupt would ever come again.  So enable the UART's interrupt only now,
 * and drain whatever is already waiting. */
void console_start_input(void)
{
	outb(COM1 + UART_IER, 0x01);        /* interrupt when a byte arrives */
	console_intr();
}

static void uart_putc(int c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1 + UART_RBR, (uint8_t)c);
}

void console_putc(int c)
{
	if (c == '\n')
		uart_putc('\r');               /* the terminal on the other end is in raw mode */
	uart_putc(c);
}

/* IRQ 4: take every byte the UART holds and run it through the line discipline. */
void console_intr(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		int c = inb(COM1 + UART_RBR);
		if (c == '\r')
			c = '\n';
		if (c == CTRL('C')) {                   /* interrupt: kill the running program(s) */
			printf("^C\n");
			kill_all_but_init();
			continue;
		}
		if (c == 0x7F || c == '\b') {           /* erase one character of the current line */
			if (input.e != input.w) {
				if (input.echoed == input.e) {  /* it is on the screen: rub it out */
					input.echoed--;
					console_putc('\b'), console_putc(' '), console_putc('\b');
				}
				input.e--;
			}
			continue;
		}
		if (input.e - input.r >= INPUT_SIZE - 1)   /* full: drop it (but keep room to end the line) */
			continue;
		input.buf[input.e++ % INPUT_SIZE] = (char)c;
		if (reader_waiting)
			echo_pending();
		if (c == '\n' || c == CTRL('D')) {
			input.w = input.e;              /* the line is complete: wake up a reader */
			reader_waiting = 0;             /* (later bytes are type-ahead for its next read) */
			wakeup(&input);
		}
	}
}

/* Read up to n bytes of one line into dst (a kernel or an already-checked user address). */
int console_read(char *dst, int n)
{
	int got = 0;

	echo_pending();
	while (input.r == input.w) {
		if (curproc->killed)
			return -1;
		reader_waiting = 1;
		sleep(&input);
		reader_waiting = 0;
	}
	while (got < n && input.r != input.w) {
		char c = input.buf[input.r % INPUT_SIZE];
		if (c == CTRL('D')) {
			if (got == 0)
				input.r++;               /* consume it: this read reports end of input */
			break;                          /* else leave it, so the next read returns 0 */
		}
		input.r++;
		dst[got++] = c;
		if (c == '\n')
			break;
	}
	return got;
}

static void put_console(int c, void *arg)
{
	(void)arg;
	console_putc(c);
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vformat(put_console, 0, fmt, ap);
	va_end(ap);
	return n;
}

/* Leave the machine: the debug-exit device at port 0xF4 (revisor, and QEMU's isa-debug-exit) ends the
 * run with exit status (status << 1) | 1.  Without one, halt forever with interrupts off. */
void poweroff(int status)
{
	outl(0xF4, (uint32_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	printf("\nkernel panic: ");
	va_start(ap, fmt);
	vformat(put_console, 0, fmt, ap);
	va_end(ap);
	printf("\n");
	poweroff(3);
}
