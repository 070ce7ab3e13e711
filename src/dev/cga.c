/* SPDX-License-Identifier: MIT
 *
 * cga.c — the text display's registers and the text dump of its screen (cga.h).
 *
 * The 6845 CRT controller is an indexed register file: the guest writes a register number to the index
 * port and then reads or writes the data port.  Kernels use it for one thing above all, moving the
 * hardware cursor (registers 0x0E/0x0F, often with a single 16-bit OUT carrying index and data), so a
 * 16- or 32-bit access here is split into byte accesses to consecutive ports, which is what the ISA bus
 * does with a wide access to an 8-bit device.
 *
 * The screen itself is never "drawn": cga_render reads the character cells from guest RAM when the
 * platform wants to show the screen (at the end of a run, or on request).
 */
#include <stdlib.h>
#include <string.h>
#include "dev/cga.h"
#include "snapshot.h"
#include "dev/vclock.h"

/* Beam timing of a VGA 400-line mode at 70 Hz with the 25.175 MHz dot clock: 800 dots per line, 640 of
 * them visible; 449 lines per frame, 400 visible.  (Mode 03h really uses 720 dots from a 28.322 MHz
 * clock; the proportions, which are all a guest polling 0x3DA can see, are the same.) */
#define DOT_HZ       25175000ull
#define LINE_DOTS    800u
#define VISIBLE_DOTS 640u
#define FRAME_LINES  449u
#define VISIBLE_LINES 400u
#define VSYNC_FIRST  412u
#define VSYNC_LAST   413u

#define ST_DISPLAY_INACTIVE 0x01    /* in horizontal or vertical blanking */
#define ST_VRETRACE         0x08    /* in vertical retrace */

#define CRTC_CURSOR_START 0x0A
#define CRTC_CURSOR_END   0x0B
#define CRTC_START_HI     0x0C
#define CRTC_START_LO     0x0D
#define CRTC_CURSOR_HI    0x0E
#define CRTC_CURSOR_LO    0x0F
#define CURSOR_OFF        0x20      /* cursor start register bit 5 */

#define VGA_MISC_READ 0x0C          /* 0x3CC: miscellaneous output register, read side */
#define VGA_MISC_VALUE 0x67         /* colour (CRTC at 0x3Dx), RAM enabled, 28 MHz clock: mode 03h */

/* The CRTC contents of VGA mode 03h (80x25 colour text), the mode a PC is in when the OS starts. */
static const uint8_t crtc_mode3[CGA_NREGS] = {
	0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
	0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};

uint8_t cga_status_at(uint64_t icount)
{
	uint64_t dot = vclock_ticks(icount, DOT_HZ) % ((uint64_t)LINE_DOTS * FRAME_LINES);
	uint32_t line = (uint32_t)(dot / LINE_DOTS), col = (uint32_t)(dot % LINE_DOTS);
	uint8_t st = 0;

	if (col >= VISIBLE_DOTS || line >= VISIBLE_LINES)
		st |= ST_DISPLAY_INACTIVE;
	if (line >= VSYNC_FIRST && line <= VSYNC_LAST)
		st |= ST_VRETRACE;
	return st;
}

uint16_t cga_cursor(const struct cga *v)
{
	return (uint16_t)(v->crtc[CRTC_CURSOR_HI] << 8 | v->crtc[CRTC_CURSOR_LO]);
}

uint16_t cga_start(const struct cga *v)
{
	return (uint16_t)(v->crtc[CRTC_START_HI] << 8 | v->crtc[CRTC_START_LO]);
}

int cga_cursor_visible(const struct cga *v)
{
	return !(v->crtc[CRTC_CURSOR_START] & CURSOR_OFF);
}

/* ---- ports ------------------------------------------------------------------------------------------ */

/* One byte at port 0x3D0 + off. */
static uint8_t crtc_read(struct cga *v, uint32_t off)
{
	if (off < 8)                        /* the 6845 decodes only A0: even = index, odd = data */
		return (off & 1) ? (v->index < CGA_NREGS ? v->crtc[v->index] : 0xff) : v->index;
	switch (off) {
	case 0x8: return v->mode;
	case 0x9: return v->color;
	case 0xA: return cga_status_at(v->m->cpu.icount);
	default:  return 0xff;
	}
}

static void crtc_write(struct cga *v, uint32_t off, uint8_t b)
{
	if (off < 8) {
		if (!(off & 1))
			v->index = b;
		else if (v->index < CGA_NREGS)
			v->crtc[v->index] = b;
		return;
	}
	if (off == 0x8)
		v->mode = b;
	else if (off == 0x9)
		v->color = b;
	/* 0x3DA (VGA feature control), 0x3DB/0x3DC (light pen latch): nothing to do */
}

static void crtc_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct cga *v = opaque;
	uint32_t r = 0;

	for (unsigned k = 0; k < len && addr + k < 16; k++) {
		if (is_write)
			crtc_write(v, addr + k, (uint8_t)(*data >> (8 * k)));
		else
			r |= (uint32_t)crtc_read(v, addr + k) << (8 * k);
	}
	if (!is_write)
		*data = r;
}

/* 0x3C0-0x3CF: VGA attribute controller, sequencer, DAC and graphics controller.  Text output does not
 * depend on them; only the miscellaneous output register is answered, because drivers read it to learn
 * whether the CRTC lives at 0x3Bx (monochrome) or 0x3Dx (colour). */
static void vga_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	if (!is_write)
		*data = addr == VGA_MISC_READ ? VGA_MISC_VALUE : 0;
}

/* ---- the screen ------------------------------------------------------------------------------------- */

/* Character of cell n of the displayed page (0 when video memory is outside RAM). */
static uint8_t cell_char(struct cga *v, unsigned n)
{
	uint32_t pa = CGA_VRAM + ((cga_start(v) + n) * 2u & (CGA_VRAM_SIZE - 1));
	return pa < v->m->ram_size ? v->m->ram[pa] : 0;
}

static int is_blank(uint8_t ch)
{
	return ch == 0x00 || ch == 0x20 || ch == 0xff;
}

/* Code page 437 to 7-bit ASCII, for a plain-text dump. */
static char cp437_ascii(uint8_t ch)
{
	if (is_blank(ch))
		return ' ';
	if (ch > 0x20 && ch < 0x7f)
		return (char)ch;
	if (ch == 0xb3 || ch == 0xba)           /* single and double vertical lines */
		return '|';
	if (ch == 0xc4 || ch == 0xcd)           /* single and double horizontal lines */
		return '-';
	if (ch >= 0xb4 && ch <= 0xda)           /* corners, tees and crosses */
		return '+';
	if ((ch >= 0xb0 && ch <= 0xb2) || (ch >= 0xdb && ch <= 0xdf))   /* shades and blocks */
		return '#';
	return '.';
}

int cga_is_blank(struct cga *v)
{
	for (unsigned n = 0; n < CGA_COLS * CGA_ROWS; n++)
		if (!is_blank(cell_char(v, n)))
			return 0;
	return 1;
}

void cga_render(struct cga *v, FILE *out)
{
	int last = -1;

	for (int row = 0; row < CGA_ROWS; row++)
		for (int col = 0; col < CGA_COLS; col++)
			if (!is_blank(cell_char(v, (unsigned)(row * CGA_COLS + col))))
				last = row;
	for (int row = 0; row <= last; row++) {
		char line[CGA_COLS + 1];
		int len = 0;
		for (int col = 0; col < CGA_COLS; col++) {
			line[col] = cp437_ascii(cell_char(v, (unsigned)(row * CGA_COLS + col)));
			if (line[col] != ' ')
				len = col + 1;
		}
		line[len] = '\0';
		fprintf(out, "%s\n", line);
	}
}

/* ---- life cycle ------------------------------------------------------------------------------------- */

void cga_reset(struct cga *v)
{
	for (int k = 0; k < CGA_NREGS; k++)
		v->crtc[k] = crtc_mode3[k];
	v->index = 0;
	v->mode = 0x09;      /* CGA mode control: 80 columns, video enabled */
	v->color = 0;
}

struct cga *cga_new(struct machine *m)
{
	struct cga *v = calloc(1, sizeof *v);

	if (!v)
		return NULL;
	v->m = m;
	if (bus_register(m, BUS_PIO, 0x3C0, 16, vga_io, v, "vga") ||
	    bus_register(m, BUS_PIO, 0x3D0, 16, crtc_io, v, "cga-crtc")) {
		free(v);
		return NULL;
	}
	cga_reset(v);
	return v;
}

void cga_free(struct cga *v)
{
	free(v);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the CRT controller (snapshot.h; the pattern is explained at pit_snapshot in pit.c). */
void cga_snapshot(struct cga *v, struct snap *s)
{
	struct cga st;

	memcpy(&st, v, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = v->m;
	memcpy(v, &st, sizeof st);
}
