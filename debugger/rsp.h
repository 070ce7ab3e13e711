/* SPDX-License-Identifier: MIT
 *
 * rsp.h — the framing layer of the GDB remote serial protocol (GDB manual, appendix "Remote Protocol",
 * sections "Overview" and "Packet Acknowledgment"): turning a byte stream into packets and back.
 *
 *   packet      $payload#cs      cs = two lowercase hex digits, the payload's byte sum modulo 256
 *   ack / nack  +  /  -          the receiver's verdict on a packet (until QStartNoAckMode)
 *   interrupt   0x03             a lone Ctrl-C byte outside any packet: "stop the target"
 *   escape      } c^0x20         inside binary data, for $ # } * (and by us for any byte we like)
 *
 * This layer knows nothing about commands.  rsp_feed() consumes one received byte at a time and says when
 * a whole packet (or an interrupt) has arrived; it answers acks itself through the output callback.
 * rsp_send() frames, escapes and writes one packet and keeps a copy to retransmit on a '-'.
 * Bad input never crashes it: a bad checksum is nacked (gdb resends), a packet longer than
 * RSP_MAX_PAYLOAD is acked and reported as RSP_OVERLONG so the command layer can answer an error.
 */
#ifndef REVISOR_RSP_H
#define REVISOR_RSP_H

#include <stddef.h>
#include <stdint.h>

/* The PacketSize we announce in qSupported: the largest payload gdb may send us. */
#define RSP_MAX_PAYLOAD 16384

enum rsp_event {
	RSP_NONE,        /* keep feeding */
	RSP_PACKET,      /* r->pkt[0..r->pkt_len) holds a checked payload (NUL-terminated, not unescaped) */
	RSP_INTERRUPT,   /* the user pressed Ctrl-C in gdb */
	RSP_OVERLONG,    /* a packet longer than RSP_MAX_PAYLOAD arrived (acked, payload discarded) */
	RSP_BADSUM,      /* a packet with a bad checksum arrived (nacked, or dropped in no-ack mode) */
};

/* Where framed bytes go: returns 0, or -1 if the connection is gone. */
typedef int (*rsp_write_fn)(void *opaque, const void *buf, size_t len);

struct rsp {
	rsp_write_fn write;
	void *opaque;
	int no_ack;              /* QStartNoAckMode accepted: no more '+'/'-' either way */

	/* receiver state */
	enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2 } rx;
	uint8_t sum;             /* running checksum of the payload */
	uint8_t sum_hi;          /* first checksum digit, or 0xff when it was not a hex digit */
	int overlong;
	char pkt[RSP_MAX_PAYLOAD + 1];
	size_t pkt_len;

	/* the last packet sent, framed, for retransmission */
	char *last;
	size_t last_len, last_cap;
	uint64_t bad_packets;    /* statistics: checksum errors and overlong packets seen */
};

void rsp_init(struct rsp *r, rsp_write_fn write, void *opaque);
void rsp_fini(struct rsp *r);
enum rsp_event rsp_feed(struct rsp *r, uint8_t byte);
/* Frame and send a payload (escaping $ # } * as the protocol requires).  Returns 0 or -1. */
int rsp_send(struct rsp *r, const char *payload, size_t len);
int rsp_send_str(struct rsp *r, const char *payload);

/* ---- helpers for the command layer ---- */
int rsp_hexval(int ch);                                   /* 0..15, or -1 */
/* Decode 2*n hex digits into n bytes; returns n, or -1 on a bad digit or a short string. */
int rsp_hex2bin(const char *hex, size_t hexlen, uint8_t *out, size_t n);
void rsp_bin2hex(const uint8_t *in, size_t n, char *out);    /* writes 2n digits and a NUL */
/* Undo the binary escape in place over [buf, buf+len); returns the new length, or -1 if the data ends
 * with a dangling escape character. */
long rsp_unescape(char *buf, size_t len);
/* Parse a hex number of at most 16 digits from *p, advancing *p; -1 if there is no digit or too many. */
int rsp_parse_hex(const char **p, uint64_t *out);

#endif
