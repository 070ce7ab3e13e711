/* SPDX-License-Identifier: MIT
 *
 * bootsector.c — booting from a disk the way a PC BIOS hands over to a boot sector: the first 512-byte
 * sector of the first hard disk is copied to 0000:7C00 and run in real mode with DL = 0x80 (the BIOS
 * drive number of the first hard disk).
 *
 * revisor has no BIOS: there are no INT 10h/13h/15h services, and the interrupt vector table is all zero
 * (an INT n would jump to 0000:0000).  A boot sector for revisor therefore switches to protected mode
 * itself and reads further sectors through the IDE ports, as the guests in guests/ do
 * (docs/ARCHITECTURE.md, "Boot").  The 0x55AA signature is checked only to warn, as some BIOSes do.
 */
#include <stdio.h>
#include <stdlib.h>
#include "machine.h"
#include "cpu/mem.h"
#include "boot/boot.h"

int bootsector_load(struct machine *m, const char *disk, char err[BOOT_ERRLEN])
{
	uint8_t sec[512];
	FILE *f = fopen(disk, "rb");
	struct cpu *c = &m->cpu;

	if (!f) {
		snprintf(err, BOOT_ERRLEN, "%s: cannot open: %m", disk);
		return -1;
	}
	if (fread(sec, 1, sizeof sec, f) != sizeof sec) {
		snprintf(err, BOOT_ERRLEN, "%s: shorter than one 512-byte sector: nothing to boot", disk);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (sec[510] != 0x55 || sec[511] != 0xaa)
		fprintf(stderr, "revisor: warning: %s: boot sector has no 0x55AA signature; booting it anyway\n", disk);
	phys_write_buf(m, 0x7c00, sec, sizeof sec);

	/* Real mode, as the BIOS leaves it: CS:IP = 0000:7C00, all segments 0, stack just below the sector. */
	cpu_reset(c);
	for (unsigned s = S_ES; s <= S_GS; s++) {
		c->seg[s].sel = 0;
		c->seg[s].base = 0;
	}
	c->eip = 0x7c00;
	c->r[R_ESP] = 0x7c00;
	c->r[R_EDX] = 0x80;
	return 0;
}
