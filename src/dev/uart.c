/* SPDX-License-Identifier: MIT
 *
 * uart.c — the 16550A.  Eight registers behind eight ports, some of them sharing an address:
 *
 *   +0  RBR (read) / THR (write), or DLL when LCR.DLAB = 1
 *   +1  IER, or DLM when LCR.DLAB = 1
 *   +2  IIR (read) / FCR (write)
 *   +3  LCR   +4 MCR   +5 LSR   +6 MSR   +7 SCR
 *
 * The interrupt logic is the datasheet's table 4: four sources in fixed priority, the highest pending
 * one reported in IIR, each cleared by its own action:
 *   1. receiver line status (IIR 0x06) — an overrun, parity, framing error or break; read LSR
 *   2. received data available (0x04) — the FIFO reached its trigger level; read RBR until below it
 *      character timeout (0x0C) — data below the trigger level sat unread for 4 character times
 *   3. transmitter holding register empty (0x02) — read IIR (while it reports this) or write THR
 *   4. modem status (0x00) — CTS/DSR/RI/DCD changed; read MSR
 *
 * The UART's INTR pin is wired straight to the interrupt line.  On a real PC the board gates it with
 * MCR.OUT2; we follow QEMU and do not, because teaching kernels written against QEMU (xv6 among them)
 * never set OUT2 and still expect serial interrupts.
 */
#include <stdlib.h>
#include <string.h>
#include "dev/uart.h"
#include "snapshot.h"
#include "dev/vclock.h"

#define IER_RDA   0x01   /* received data available */
#define IER_THRE  0x02   /* transmitter holding register empty */
#define IER_RLS   0x04   /* receiver line status */
#define IER_MS    0x08   /* modem status */
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_FIFOERR 0x80
#define LSR_ERRORS 0x1e   /* OE, PE, FE, BI */
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define FCR_CLR_TX 0x04
/* With nothing attached, a terminal is "there": CTS, DSR and DCD asserted, RI not. */
#define MSR_IDLE  0xb0

static int fifo_on(const struct uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_trigger(const struct uart *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };
	return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* The IIR value: the highest-priority pending source (bit 0 = 1 means none). */
static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo_bits = fifo_on(u) ? 0xc0 : 0;
	if ((u->ier & IER_RLS) && (u->lsr & LSR_ERRORS))
		return fifo_bits | 0x06;
	if ((u->ier & IER_RDA) && u->rx_count >= rx_trigger(u))
		return fifo_bits | 0x04;
	if ((u->ier & IER_RDA) && u->timeout_pending && u->rx_count)
		return fifo_bits | 0x0c;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return fifo_bits | 0x02;
	if ((u->ier & IER_MS) && (u->msr & 0x0f))
		return fifo_bits | 0x00;
	return fifo_bits | 0x01;
}

static void uart_update(struct uart *u)
{
	int level = !(uart_iir(u) & 1);
	if (level != u->irq_level) {
		u->irq_level = (uint8_t)level;
		irq_set(&u->irq, level);
	}
}

/* One character time in virtual nanoseconds: start + 8 data + stop bits at 115200 / divisor bit/s. */
static uint64_t char_time(const struct uart *u)
{
	uint64_t div = u->divisor ? u->divisor : 65536;
	return 10 * div * REVISOR_VIRT_HZ / 115200;
}

/* The character-timeout clock restarts whenever a byte arrives or is read (datasheet: "no characters
 * have been removed from or input to the RCVR FIFO during the last 4 character times"). */
static void uart_restart_timeout(struct uart *u)
{
	u->timeout_pending = 0;
	if (fifo_on(u) && u->rx_count)
		vtimer_arm(u->m, &u->timeout, u->m->cpu.icount + 4 * char_time(u));
	else
		vtimer_disarm(u->m, &u->timeout);
}

static void uart_timeout_fire(void *opaque)
{
	struct uart *u = opaque;
	u->timeout_pending = u->rx_count != 0;
	uart_update(u);
}

/* A byte arrives at the receiver (from outside, or from our own transmitter in loopback). */
static void rx_push(struct uart *u, uint8_t byte)
{
	unsigned cap = fifo_on(u) ? UART_FIFO_SIZE : 1;
	if (u->rx_count >= cap) {
		/* Overrun: the FIFO keeps its contents, the new character is lost (in non-FIFO mode the
		 * holding register is overwritten). */
		u->lsr |= LSR_OE;
		if (!fifo_on(u))
			u->rx[u->rx_head] = byte;
	} else {
		u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
		u->rx_count++;
	}
	u->lsr |= LSR_DR;
	uart_restart_timeout(u);
	uart_update(u);
}

int uart_can_receive(const struct uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return u->rx_count < (fifo_on(u) ? UART_FIFO_SIZE : 1);
}

void uart_receive(struct uart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP)
		return;   /* in loopback the receiver is disconnected from the line */
	rx_push(u, byte);
}

static uint8_t rx_pop(struct uart *u)
{
	if (!u->rx_count)
		return u->rx[u->rx_head];   /* reading an empty RBR returns the last byte again */
	uint8_t b = u->rx[u->rx_head];
	u->rx_count--;
	if (u->rx_count)
		u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	else
		u->lsr &= ~LSR_DR;
	uart_restart_timeout(u);
	return b;
}

static void tx_byte(struct uart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP)
		rx_push(u, byte);
	else if (u->tx)
		u->tx(u->tx_opaque, byte);
	/* Transmission is instantaneous: THR (and the shift register) are empty again at once. */
	u->thre_pending = 1;
}

/* In loopback mode, MSR's status bits are wired to MCR's outputs (datasheet, "MCR bit 4"). */
static uint8_t msr_inputs(const struct uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_IDLE;
	uint8_t mcr = u->mcr;
	return (uint8_t)((mcr & MCR_RTS ? 0x10 : 0) | (mcr & MCR_DTR ? 0x20 : 0) |
			 (mcr & MCR_OUT1 ? 0x40 : 0) | (mcr & MCR_OUT2 ? 0x80 : 0));
}

/* Recompute MSR's upper nibble and set the delta bits for what changed. */
static void msr_refresh(struct uart *u)
{
	uint8_t now = msr_inputs(u), old = u->msr & 0xf0;
	uint8_t delta = 0;
	if ((now ^ old) & 0x10) delta |= 0x01;                  /* DCTS */
	if ((now ^ old) & 0x20) delta |= 0x02;                  /* DDSR */
	if ((old & 0x40) && !(now & 0x40)) delta |= 0x04;       /* TERI: trailing edge of RI */
	if ((now ^ old) & 0x80) delta |= 0x08;                  /* DDCD */
	u->msr = now | (u->msr & 0x0f) | delta;
}

static void uart_write(struct uart *u, uint32_t reg, uint8_t v)
{
	switch (reg) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (u->divisor & 0xff00) | v;
		} else {
			u->thre_pending = 0;
			tx_byte(u, v);
		}
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0x00ff) | v << 8);
		} else {
			/* Enabling the THRE interrupt while THR is empty raises it at once (16550A
			 * behaviour that drivers rely on to start transmission). */
			if ((v & IER_THRE) && !(u->ier & IER_THRE))
				u->thre_pending = 1;
			u->ier = v & 0x0f;
		}
		break;
	case 2:
		if ((v ^ u->fcr) & FCR_ENABLE)
			v |= FCR_CLR_RX | FCR_CLR_TX;   /* switching FIFO mode empties both FIFOs */
		if (v & FCR_CLR_RX) {
			u->rx_count = 0;
			u->rx_head = 0;
			u->lsr &= ~LSR_DR;
			u->timeout_pending = 0;
			vtimer_disarm(u->m, &u->timeout);
		}
		u->fcr = v & 0xc9;   /* the two clear bits are self-clearing; bit 3 (DMA mode) is kept */
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1f;
		msr_refresh(u);
		break;
	case 7:
		u->scr = v;
		break;
	default: /* LSR and MSR are read-only (writes are for factory testing) */
		break;
	}
}

static uint8_t uart_read(struct uart *u, uint32_t reg)
{
	uint8_t v;
	switch (reg) {
	case 0:
		if (u->lcr & LCR_DLAB)
			return u->divisor & 0xff;
		return rx_pop(u);
	case 1:
		return u->lcr & LCR_DLAB ? u->divisor >> 8 : u->ier;
	case 2:
		v = uart_iir(u);
		if ((v & 0x0f) == 0x02)
			u->thre_pending = 0;   /* reading IIR while it reports THRE clears it */
		return v;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		v = u->lsr | LSR_THRE | LSR_TEMT;
		if (fifo_on(u) && (u->lsr & LSR_ERRORS))
			v |= LSR_FIFOERR;
		u->lsr &= ~LSR_ERRORS;     /* reading LSR clears the error bits */
		return v;
	case 6:
		v = u->msr;
		u->msr &= 0xf0;            /* reading MSR clears the delta bits */
		return v;
	default:
		return u->scr;
	}
}

static void uart_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct uart *u = opaque;
	if (is_write)
		uart_write(u, addr, (uint8_t)*data);
	else
		*data = uart_read(u, addr);
	uart_update(u);
}

void uart_reset(struct uart *u)
{
	vtimer_disarm(u->m, &u->timeout);
	u->rx_head = u->rx_count = 0;
	u->ier = u->lcr = u->mcr = u->fcr = u->scr = 0;
	u->lsr = 0;
	u->msr = MSR_IDLE;
	u->divisor = 12;          /* 9600 baud, a BIOS-like default */
	u->thre_pending = 0;
	u->timeout_pending = 0;
	u->irq_level = 0;
	irq_set(&u->irq, 0);
}

struct uart *uart_new(struct machine *m, uint16_t base, void (*tx)(void *opaque, uint8_t byte), void *opaque)
{
	struct uart *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->m = m;
	u->tx = tx;
	u->tx_opaque = opaque;
	u->timeout = (struct vtimer){ .deadline = UINT64_MAX, .fire = uart_timeout_fire, .opaque = u };
	uart_reset(u);
	bus_register(m, BUS_PIO, base, 8, uart_io, u, "uart");
	return u;
}

void uart_free(struct uart *u)
{
	if (u)
		vtimer_disarm(u->m, &u->timeout);
	free(u);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the UART (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void uart_snapshot(struct uart *u, struct snap *s)
{
	struct uart st;

	memcpy(&st, u, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.tx, 0, sizeof st.tx);
	memset(&st.tx_opaque, 0, sizeof st.tx_opaque);
	memset(&st.irq, 0, sizeof st.irq);
	snap_unwire_timer(&st.timeout);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = u->m;
	st.tx = u->tx;
	st.tx_opaque = u->tx_opaque;
	st.irq = u->irq;
	st.timeout = u->timeout;
	memcpy(u, &st, sizeof st);
}
