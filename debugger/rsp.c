/* SPDX-License-Identifier: MIT
 *
 * rsp.c — GDB remote serial protocol framing (see rsp.h): a four-state receiver that checks checksums and
 * answers acks, and a sender that escapes, frames and remembers the last packet for a retransmission.
 *
 * The receiver's states follow the shape of a packet:
 *
 *     IDLE --'$'--> DATA --'#'--> SUM1 --hex--> SUM2 --hex--> IDLE (packet complete)
 *       |  0x03: interrupt      '$' inside DATA restarts the packet (we lost sync)
 *       |  '-': resend our last packet;  '+' and anything else: ignored
 *
 * A '$' can never appear raw inside a payload (binary data escapes it as "}\x04"), so seeing one in DATA
 * means the previous packet was cut short; starting over is the robust answer.
 */
#include <stdlib.h>
#include <string.h>
#include "debugger/rsp.h"

void rsp_init(struct rsp *r, rsp_write_fn write, void *opaque)
{
	memset(r, 0, sizeof *r);
	r->write = write;
	r->opaque = opaque;
	r->rx = RX_IDLE;
}

void rsp_fini(struct rsp *r)
{
	free(r->last);
	r->last = NULL;
	r->last_len = r->last_cap = 0;
}

int rsp_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void send_ack(struct rsp *r, char c)
{
	if (!r->no_ack)
		r->write(r->opaque, &c, 1);
}

enum rsp_event rsp_feed(struct rsp *r, uint8_t b)
{
	switch (r->rx) {
	case RX_IDLE:
		if (b == '$') {
			r->rx = RX_DATA;
			r->sum = 0;
			r->pkt_len = 0;
			r->overlong = 0;
		} else if (b == 0x03) {
			return RSP_INTERRUPT;
		} else if (b == '-' && !r->no_ack && r->last_len) {
			r->write(r->opaque, r->last, r->last_len);
		}
		return RSP_NONE;
	case RX_DATA:
		if (b == '#') {
			r->rx = RX_SUM1;
		} else if (b == '$') {
			r->sum = 0;             /* resynchronize on the new packet */
			r->pkt_len = 0;
			r->overlong = 0;
		} else {
			r->sum = (uint8_t)(r->sum + b);
			if (r->pkt_len < RSP_MAX_PAYLOAD)
				r->pkt[r->pkt_len++] = (char)b;
			else
				r->overlong = 1;
		}
		return RSP_NONE;
	case RX_SUM1: {
		int v = rsp_hexval(b);
		r->sum_hi = v < 0 ? 0xff : (uint8_t)v;
		r->rx = RX_SUM2;
		return RSP_NONE;
	}
	case RX_SUM2: {
		int lo = rsp_hexval(b);
		r->rx = RX_IDLE;
		r->pkt[r->pkt_len] = 0;
		if (r->sum_hi == 0xff || lo < 0 || ((r->sum_hi << 4) | lo) != r->sum) {
			r->bad_packets++;
			send_ack(r, '-');   /* "please send it again" */
			return RSP_BADSUM;
		}
		send_ack(r, '+');
		if (r->overlong) {
			r->bad_packets++;
			r->pkt_len = 0;
			r->pkt[0] = 0;
			return RSP_OVERLONG;
		}
		return RSP_PACKET;
	}
	}
	return RSP_NONE;
}

int rsp_send(struct rsp *r, const char *payload, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 2 * len + 4, n = 0;   /* worst case: every byte escaped, plus $ # and two digits */
	uint8_t sum = 0;

	if (need > r->last_cap) {
		char *p = realloc(r->last, need);
		if (!p)
			return -1;
		r->last = p;
		r->last_cap = need;
	}
	r->last[n++] = '$';
	for (size_t k = 0; k < len; k++) {
		uint8_t c = (uint8_t)payload[k];
		/* '*' would start run-length encoding, '$' and '#' frame packets, '}' escapes. */
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			r->last[n++] = '}';
			sum = (uint8_t)(sum + '}');
			c ^= 0x20;
		}
		r->last[n++] = (char)c;
		sum = (uint8_t)(sum + c);
	}
	r->last[n++] = '#';
	r->last[n++] = hex[sum >> 4];
	r->last[n++] = hex[sum & 15];
	r->last_len = n;
	return r->write(r->opaque, r->last, n);
}

int rsp_send_str(struct rsp *r, const char *payload)
{
	return rsp_send(r, payload, strlen(payload));
}

int rsp_hex2bin(const char *hex, size_t hexlen, uint8_t *out, size_t n)
{
	if (hexlen < 2 * n)
		return -1;
	for (size_t k = 0; k < n; k++) {
		int hi = rsp_hexval((unsigned char)hex[2 * k]), lo = rsp_hexval((unsigned char)hex[2 * k + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[k] = (uint8_t)(hi << 4 | lo);
	}
	return (int)n;
}

void rsp_bin2hex(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t k = 0; k < n; k++) {
		out[2 * k] = hex[in[k] >> 4];
		out[2 * k + 1] = hex[in[k] & 15];
	}
	out[2 * n] = 0;
}

long rsp_unescape(char *buf, size_t len)
{
	size_t o = 0;

	for (size_t k = 0; k < len; k++) {
		if (buf[k] == '}') {
			if (++k == len)
				return -1;
			buf[o++] = (char)(buf[k] ^ 0x20);
		} else {
			buf[o++] = buf[k];
		}
	}
	return (long)o;
}

int rsp_parse_hex(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0, d;

	while ((d = rsp_hexval((unsigned char)**p)) >= 0) {
		if (++n > 16)
			return -1;
		v = v << 4 | (uint64_t)d;
		(*p)++;
	}
	if (!n)
		return -1;
	*out = v;
	return 0;
}
