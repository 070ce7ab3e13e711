/* SPDX-License-Identifier: MIT
 *
 * test_debugport.c — port 0xE9 (Bochs console) and port 0xF4 (QEMU isa-debug-exit): the exit status is
 * (value << 1) | 1 for writes of every size.
 */
#include <check.h>
#include "machine.h"
#include "dev/debugport.h"

static char out[16];
static int nout;

static void console(void *opaque, uint8_t b)
{
	if (nout < 15)
		out[nout++] = (char)b;
}

START_TEST(console_port)
{
	struct machine *m = machine_new(1 << 20);
	struct debugport *d = debugport_new(m, console, NULL);
	nout = 0;
	pio_write(m, 0xe9, 1, 'o');
	pio_write(m, 0xe9, 1, 'k');
	ck_assert_int_eq(nout, 2);
	ck_assert_int_eq(out[0], 'o');
	ck_assert_int_eq(out[1], 'k');
	ck_assert_int_eq(pio_read(m, 0xe9, 1), 0xe9);
	ck_assert_int_eq(m->stop, STOP_NONE);
	debugport_free(d);
	machine_free(m);
}
END_TEST

START_TEST(exit_port)
{
	static const struct { unsigned len; uint32_t v; int status; } cases[] = {
		{ 1, 0, 1 }, { 1, 3, 7 }, { 1, 0x80, 0x101 }, { 2, 0x1234, 0x2469 }, { 4, 0x10000, 0x20001 },
	};
	for (unsigned n = 0; n < sizeof cases / sizeof cases[0]; n++) {
		struct machine *m = machine_new(1 << 20);
		struct debugport *d = debugport_new(m, NULL, NULL);
		pio_write(m, 0xf4, cases[n].len, cases[n].v);
		ck_assert_int_eq(m->stop, STOP_EXIT);
		ck_assert_int_eq(m->exit_status, cases[n].status);
		debugport_free(d);
		machine_free(m);
	}
}
END_TEST

Suite *suite_debugport(void)
{
	Suite *s = suite_create("debugport");
	TCase *tc = tcase_create("ports");
	tcase_add_test(tc, console_port);
	tcase_add_test(tc, exit_port);
	suite_add_tcase(s, tc);
	return s;
}
