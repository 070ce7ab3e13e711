/* SPDX-License-Identifier: MIT
 *
 * test_cga.c — the text display (src/dev/cga.c): CRTC index/data registers (the cursor as kernels move
 * it, with byte and 16-bit OUTs), the status port's retrace bits as a function of the instruction count
 * only, and the plain-text dump of video memory (trimming, start address, blank screen).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "cpu/mem.h"
#include "dev/cga.h"

static struct machine *m;
static struct cga *cga;

static void setup(void)
{
	m = machine_new(1u << 20);
	ck_assert_ptr_nonnull(m);
	cga = cga_new(m);
	ck_assert_ptr_nonnull(cga);
}

static void teardown(void)
{
	cga_free(cga);
	machine_free(m);
}

/* Put a string at (row, col) with attribute 0x07, as a kernel's console driver does. */
static void puts_at(int row, int col, const char *s)
{
	for (; *s; s++, col++)
		phys_write(m, CGA_VRAM + 2u * (unsigned)(row * CGA_COLS + col), 2, 0x0700u | (uint8_t)*s);
}

/* cga_render into a string. */
static char *render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cga_render(cga, f);
	fclose(f);
	return buf;
}

START_TEST(cursor_registers_byte_access)
{
	pio_write(m, 0x3D4, 1, 0x0E);
	pio_write(m, 0x3D5, 1, 0x03);
	pio_write(m, 0x3D4, 1, 0x0F);
	pio_write(m, 0x3D5, 1, 0x20);
	ck_assert_uint_eq(cga_cursor(cga), 0x0320);
	pio_write(m, 0x3D4, 1, 0x0E);
	ck_assert_uint_eq(pio_read(m, 0x3D5, 1), 0x03);        /* VGA: the cursor registers read back */
	ck_assert_uint_eq(pio_read(m, 0x3D4, 1), 0x0E);
}
END_TEST

START_TEST(cursor_registers_word_access)
{
	/* outw(0x3D4, index | value << 8): the index to 0x3D4, the value to 0x3D5. */
	pio_write(m, 0x3D4, 2, 0x0F | 0x45 << 8);
	pio_write(m, 0x3D4, 2, 0x0E | 0x01 << 8);
	ck_assert_uint_eq(cga_cursor(cga), 0x0145);
	ck_assert_uint_eq(pio_read(m, 0x3D5, 1), 0x01);
}
END_TEST

START_TEST(cursor_shape_and_reset)
{
	ck_assert_int_eq(cga_cursor_visible(cga), 1);
	pio_write(m, 0x3D4, 1, 0x0A);
	ck_assert_uint_eq(pio_read(m, 0x3D5, 1), 0x0D);         /* mode 03h underline cursor: lines 13-14 */
	pio_write(m, 0x3D5, 1, 0x20);                           /* bit 5: cursor off */
	ck_assert_int_eq(cga_cursor_visible(cga), 0);
	cga_reset(cga);
	ck_assert_int_eq(cga_cursor_visible(cga), 1);
	ck_assert_uint_eq(cga_cursor(cga), 0);
}
END_TEST

START_TEST(status_is_a_function_of_icount)
{
	int saw_active = 0, saw_blank = 0, saw_vr = 0;

	/* Start of a frame: visible area; 700 dots into a line (about 27.8 us): horizontal blanking. */
	ck_assert_uint_eq(cga_status_at(0), 0);
	ck_assert_uint_eq(cga_status_at(27806) & 0x09, 0x01);
	/* Line 412 of the frame: vertical retrace.  A line is 800 dots at 25.175 MHz = 31777.6 ns. */
	ck_assert_uint_eq(cga_status_at(412ull * 31778 + 100) & 0x09, 0x09);
	/* The port reads exactly that value, and the same at the same count. */
	for (uint64_t t = 0; t < 20000000; t += 9973) {
		m->cpu.icount = t;
		uint8_t st = (uint8_t)pio_read(m, 0x3DA, 1);
		ck_assert_uint_eq(st, cga_status_at(t));
		saw_active |= !(st & 1);
		saw_blank |= st & 1;
		saw_vr |= (st & 8) != 0;
		ck_assert(!(st & 8) || (st & 1));                  /* retrace implies display inactive */
	}
	ck_assert(saw_active && saw_blank && saw_vr);
}
END_TEST

START_TEST(render_trims_and_stops_at_last_row)
{
	char *out;

	ck_assert_int_eq(cga_is_blank(cga), 1);
	out = render();
	ck_assert_str_eq(out, "");                              /* a blank screen prints nothing */
	free(out);

	puts_at(0, 0, "hello, world");
	puts_at(2, 70, "right");
	phys_write(m, CGA_VRAM + 2 * (2 * 80 + 75), 1, 0xC4);  /* box drawing: horizontal line */
	ck_assert_int_eq(cga_is_blank(cga), 0);
	out = render();
	ck_assert_str_eq(out, "hello, world\n\n" "                                                                      right-\n");
	free(out);
}
END_TEST

START_TEST(render_follows_start_address)
{
	char *out;

	puts_at(0, 0, "first");
	puts_at(1, 0, "second");
	pio_write(m, 0x3D4, 2, 0x0D | 80 << 8);                /* start address = one row down */
	ck_assert_uint_eq(cga_start(cga), 80);
	out = render();
	ck_assert_str_eq(out, "second\n");
	free(out);
}
END_TEST

START_TEST(vga_ports_accepted)
{
	pio_write(m, 0x3C0, 1, 0x10);
	ck_assert_uint_eq(pio_read(m, 0x3CC, 1) & 1, 1);         /* colour: CRTC at 0x3Dx */
}
END_TEST

Suite *suite_cga(void)
{
	Suite *s = suite_create("cga");
	TCase *t = tcase_create("cga");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, cursor_registers_byte_access);
	tcase_add_test(t, cursor_registers_word_access);
	tcase_add_test(t, cursor_shape_and_reset);
	tcase_add_test(t, status_is_a_function_of_icount);
	tcase_add_test(t, render_trims_and_stops_at_last_row);
	tcase_add_test(t, render_follows_start_address);
	tcase_add_test(t, vga_ports_accepted);
	suite_add_tcase(s, t);
	return s;
}
