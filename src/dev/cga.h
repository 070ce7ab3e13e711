/* SPDX-License-Identifier: MIT
 *
 * cga.h — a CGA/VGA colour text display, 80 columns by 25 rows.
 *
 * The screen is two bytes per character cell (character, attribute) in video memory at 0xB8000.  In
 * revisor's flat RAM model that is ordinary guest RAM, so the guest's stores need no device at all; the
 * device only reads the cells when the screen is shown (cga_render).  What IS a device is the 6845 CRT
 * controller and the status port (IBM CGA technical reference; VGA: the same registers at 0x3D4/0x3D5):
 *
 *   0x3D4 (and mirrors 0x3D0/0x3D2)  CRTC index      0x3D5 (0x3D1/0x3D3)  CRTC data
 *        0x0A cursor start (bit 5: cursor off)   0x0B cursor end
 *        0x0C/0x0D start address high/low        0x0E/0x0F cursor location high/low  (in cells)
 *   0x3D8 mode control, 0x3D9 colour select (stored, no effect on text output)
 *   0x3DA input status: bit 0 "display enable inactive" (the beam is in a blanking interval, when the
 *         original CGA could be written without snow), bit 3 vertical retrace
 *   0x3C0-0x3CF the VGA attribute/sequencer/graphics ports: accepted and ignored, except that the
 *         miscellaneous output register (read at 0x3CC) says "colour, CRTC at 0x3Dx".
 *
 * Determinism: the retrace bits are a pure function of m->cpu.icount.  The beam is modelled on VGA text
 * mode's timing: a 25.175 MHz dot clock (virtual, vclock.h), 800 dots per line of which 640 visible,
 * 449 lines per frame of which 400 visible, vertical retrace on lines 412-413 (about 70 frames per
 * virtual second).
 *
 * Record/replay: all state is the small register file in `struct cga`.
 */
#ifndef REVISOR_DEV_CGA_H
#define REVISOR_DEV_CGA_H

#include <stdint.h>
#include <stdio.h>
#include "machine.h"

#define CGA_COLS 80
#define CGA_ROWS 25
#define CGA_VRAM 0xB8000u      /* colour text memory */
#define CGA_VRAM_SIZE 0x8000u  /* 32 KiB window; the start address wraps inside it */
#define CGA_NREGS 25           /* CRTC registers 0x00-0x18 (VGA numbering) */

struct cga {
	struct machine *m;
	uint8_t index;             /* CRTC index register */
	uint8_t crtc[CGA_NREGS];
	uint8_t mode, color;       /* 0x3D8, 0x3D9 */
};

struct cga *cga_new(struct machine *m);   /* registers 0x3C0-0x3CF and 0x3D0-0x3DF */
void cga_reset(struct cga *v);
void cga_free(struct cga *v);

/* Cursor location (cell number: row * 80 + column) and display start address, both in cells. */
uint16_t cga_cursor(const struct cga *v);
uint16_t cga_start(const struct cga *v);
int cga_cursor_visible(const struct cga *v);

/* 1 if every cell shown holds a blank character (0x00, 0x20 or 0xFF), whatever its attribute. */
int cga_is_blank(struct cga *v);
/* Print the screen as plain text: one line per row, trailing blanks trimmed, rows after the last
 * non-blank one omitted; nothing at all if the screen is blank.  Printable ASCII is shown as is, the
 * box-drawing and block characters of code page 437 as -, |, + and #, blanks as spaces, anything else
 * as '.' (the output stays 7-bit ASCII, so test expectations and logs compare byte for byte). */
void cga_render(struct cga *v, FILE *out);

/* The 0x3DA status value at instruction count icount (for tests). */
uint8_t cga_status_at(uint64_t icount);

#endif
