/* SPDX-License-Identifier: MIT
 *
 * uart.h — a National Semiconductor 16550A UART, as on COM1 (ports 0x3F8-0x3FF, IRQ4).
 *
 * Contract with the rest of revisor:
 *  - transmitted bytes go to the tx callback (the event layer writes them to stdout, a file, or a log);
 *  - received bytes enter only through uart_receive(), called by the event layer at a recorded
 *    instruction count; the UART never reads the host.  uart_can_receive() tells the event layer whether
 *    the receive FIFO has room, so host input waits in the event layer instead of overrunning the guest;
 *  - the interrupt output u->irq is wired by the glue (IRQ4 on the PIC and pin 4 on the I/O APIC).
 *
 * Virtual time: transmission is instantaneous (the transmitter is always empty again when the guest
 * looks), but the receiver's character-timeout interrupt uses the programmed baud rate: one character is
 * 10 bits at 115200 / divisor bit/s, counted in virtual nanoseconds (vclock.h).
 *
 * Reference: National Semiconductor PC16550D datasheet, "Register descriptions" and table 4
 * ("Interrupt control functions").
 */
#ifndef REVISOR_DEV_UART_H
#define REVISOR_DEV_UART_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"

#define UART_FIFO_SIZE 16

struct uart {
	struct machine *m;
	uint8_t rx[UART_FIFO_SIZE];   /* receive FIFO (a one-byte holding register when FIFOs are off) */
	uint8_t rx_head, rx_count;
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint16_t divisor;             /* DLL/DLM */
	uint8_t thre_pending;         /* THR-empty interrupt waiting (cleared by reading IIR or writing THR) */
	uint8_t timeout_pending;      /* character-timeout interrupt waiting */
	uint8_t irq_level;            /* level last sent on irq */
	struct vtimer timeout;        /* 4 character times after the last FIFO activity */
	struct irq_line irq;
	void (*tx)(void *opaque, uint8_t byte);
	void *tx_opaque;
};

struct uart *uart_new(struct machine *m, uint16_t base, void (*tx)(void *opaque, uint8_t byte), void *opaque);
void uart_reset(struct uart *u);
void uart_free(struct uart *u);

int uart_can_receive(const struct uart *u);
void uart_receive(struct uart *u, uint8_t byte);

#endif
