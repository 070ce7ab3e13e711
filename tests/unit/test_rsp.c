/* SPDX-License-Identifier: MIT
 *
 * test_rsp.c — the GDB remote protocol's framing (debugger/rsp.c), checked against the GDB manual's
 * "Overview" and "Packet Acknowledgment" sections: $payload#checksum with the modulo-256 sum, '+'/'-'
 * acks, retransmission on '-', QStartNoAckMode, the 0x03 interrupt byte, the '}' escape, resynchronizing
 * on '$', and bad input (bad checksums, bad hex, overlong packets) answered without crashing.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "debugger/rsp.h"

static struct rsp r;
static char out[RSP_MAX_PAYLOAD * 2 + 16];
static size_t out_len;

static int capture(void *opaque, const void *buf, size_t len)
{
	(void)opaque;
	if (out_len + len < sizeof out) {
		memcpy(out + out_len, buf, len);
		out_len += len;
	}
	out[out_len] = 0;
	return 0;
}

static void setup(void)
{
	rsp_init(&r, capture, NULL);
	out_len = 0;
	out[0] = 0;
}

static void teardown(void) { rsp_fini(&r); }

/* Feed a string; return the last event that was not RSP_NONE. */
static enum rsp_event feed(const char *s, size_t n)
{
	enum rsp_event last = RSP_NONE;

	for (size_t k = 0; k < n; k++) {
		enum rsp_event e = rsp_feed(&r, (uint8_t)s[k]);
		if (e != RSP_NONE)
			last = e;
	}
	return last;
}
#define FEED(s) feed((s), sizeof(s) - 1)

START_TEST(good_packet_is_acked)
{
	/* 'g' = 0x67, so the checksum is 67. */
	ck_assert_int_eq(FEED("$g#67"), RSP_PACKET);
	ck_assert_str_eq(r.pkt, "g");
	ck_assert_uint_eq(r.pkt_len, 1);
	ck_assert_str_eq(out, "+");
}
END_TEST

START_TEST(checksum_is_sum_mod_256)
{
	/* "m1000,4": 6d 31 30 30 30 2c 34 = 0x18e -> 8e; uppercase hex digits are accepted too. */
	ck_assert_int_eq(FEED("$m1000,4#8E"), RSP_PACKET);
	ck_assert_str_eq(r.pkt, "m1000,4");
}
END_TEST

START_TEST(bad_checksum_is_nacked)
{
	ck_assert_int_eq(FEED("$g#68"), RSP_BADSUM);
	ck_assert_str_eq(out, "-");
	ck_assert_int_eq(FEED("$g#zz"), RSP_BADSUM);     /* not hex at all */
	ck_assert_int_eq(FEED("$g#6"), RSP_NONE);        /* incomplete: still waiting for a digit */
	ck_assert_int_eq(FEED("7"), RSP_PACKET);
	ck_assert_uint_eq(r.bad_packets, 2);
}
END_TEST

START_TEST(interrupt_byte)
{
	ck_assert_int_eq(FEED("\x03"), RSP_INTERRUPT);
	ck_assert_uint_eq(out_len, 0);                   /* no ack for an interrupt */
	/* Inside a packet 0x03 is just data. */
	ck_assert_int_eq(FEED("$\x03#03"), RSP_PACKET);
	ck_assert_int_eq(r.pkt[0], 3);
}
END_TEST

START_TEST(garbage_between_packets_is_ignored)
{
	ck_assert_int_eq(FEED("+++xyz\r\n+$?#3f"), RSP_PACKET);
	ck_assert_str_eq(r.pkt, "?");
}
END_TEST

START_TEST(dollar_restarts_a_packet)
{
	/* A packet cut short and a new one starting: the new one counts, with its own checksum. */
	ck_assert_int_eq(FEED("$m10$g#67"), RSP_PACKET);
	ck_assert_str_eq(r.pkt, "g");
}
END_TEST

START_TEST(overlong_packet)
{
	static char big[RSP_MAX_PAYLOAD + 100];
	uint8_t sum = 0;
	size_t n = 0;

	big[n++] = '$';
	for (int k = 0; k < RSP_MAX_PAYLOAD + 50; k++) {
		big[n++] = 'a';
		sum = (uint8_t)(sum + 'a');
	}
	n += (size_t)sprintf(big + n, "#%02x", sum);
	ck_assert_int_eq(feed(big, n), RSP_OVERLONG);
	ck_assert_str_eq(out, "+");                      /* acked (resending would not help), then an error */
	ck_assert_uint_eq(r.pkt_len, 0);
	/* The receiver is healthy afterwards. */
	ck_assert_int_eq(FEED("$g#67"), RSP_PACKET);
}
END_TEST

START_TEST(send_frames_and_escapes)
{
	/* '#', '$', '}' and '*' are escaped as '}' followed by the byte xor 0x20. */
	const char payload[] = "a#b$c}d*";
	ck_assert_int_eq(rsp_send(&r, payload, 8), 0);
	ck_assert_uint_eq(out_len, 1 + 12 + 3);
	ck_assert(!memcmp(out, "$a}\x03" "b}\x04" "c}]d}\x0a#", 14));
	/* The checksum covers the bytes as sent. */
	uint8_t sum = 0;
	for (size_t k = 1; k < out_len - 3; k++)
		sum = (uint8_t)(sum + (uint8_t)out[k]);
	char want[3];
	snprintf(want, sizeof want, "%02x", sum);
	ck_assert(!memcmp(out + out_len - 2, want, 2));
}
END_TEST

START_TEST(nack_resends_last_packet)
{
	rsp_send_str(&r, "OK");
	ck_assert_str_eq(out, "$OK#9a");
	out_len = 0;
	FEED("-");
	ck_assert_str_eq(out, "$OK#9a");
	out_len = 0;
	out[0] = 0;
	FEED("+");
	ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(no_ack_mode)
{
	r.no_ack = 1;
	ck_assert_int_eq(FEED("$g#67"), RSP_PACKET);
	ck_assert_int_eq(FEED("$g#00"), RSP_BADSUM);
	FEED("-");                                       /* no retransmission either */
	ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(unescape)
{
	char a[] = "x}\x03y}]";
	ck_assert_int_eq(rsp_unescape(a, 6), 4);
	ck_assert(!memcmp(a, "x#y}", 4));
	char b[] = "ab}";
	ck_assert_int_eq(rsp_unescape(b, 3), -1);        /* dangling escape */
}
END_TEST

START_TEST(hex_helpers)
{
	uint8_t b[4];
	char h[9];
	uint64_t v;
	const char *p;

	ck_assert_int_eq(rsp_hex2bin("deadBEEF", 8, b, 4), 4);
	ck_assert_uint_eq(b[0], 0xde);
	ck_assert_uint_eq(b[3], 0xef);
	ck_assert_int_eq(rsp_hex2bin("dexd", 4, b, 2), -1);
	ck_assert_int_eq(rsp_hex2bin("de", 2, b, 2), -1);   /* too short */
	rsp_bin2hex(b, 2, h);
	ck_assert_str_eq(h, "dead");
	p = "1f,2";
	ck_assert_int_eq(rsp_parse_hex(&p, &v), 0);
	ck_assert_uint_eq(v, 0x1f);
	ck_assert_str_eq(p, ",2");
	p = ",";
	ck_assert_int_eq(rsp_parse_hex(&p, &v), -1);
	p = "11112222333344445";                          /* 17 digits: more than 64 bits */
	ck_assert_int_eq(rsp_parse_hex(&p, &v), -1);
}
END_TEST

Suite *suite_rsp(void)
{
	Suite *s = suite_create("rsp");
	TCase *tc = tcase_create("framing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_packet_is_acked);
	tcase_add_test(tc, checksum_is_sum_mod_256);
	tcase_add_test(tc, bad_checksum_is_nacked);
	tcase_add_test(tc, interrupt_byte);
	tcase_add_test(tc, garbage_between_packets_is_ignored);
	tcase_add_test(tc, dollar_restarts_a_packet);
	tcase_add_test(tc, overlong_packet);
	tcase_add_test(tc, send_frames_and_escapes);
	tcase_add_test(tc, nack_resends_last_packet);
	tcase_add_test(tc, no_ack_mode);
	tcase_add_test(tc, unescape);
	tcase_add_test(tc, hex_helpers);
	suite_add_tcase(s, tc);
	return s;
}
