/* SPDX-License-Identifier: MIT
 *
 * boot.h — the two ways a guest starts: a Multiboot v1 kernel (`-kernel`, multiboot.c) or the boot sector
 * of the first disk (`-hda`, bootsector.c).  Both leave the CPU exactly as their specification says and
 * report bad input as one clear message naming the file and what is wrong (returned in err).
 */
#ifndef REVISOR_BOOT_H
#define REVISOR_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct machine;

#define BOOT_ERRLEN 256

struct multiboot_opts {
	const char *kernel;       /* path of the kernel image */
	const char *cmdline;      /* -append, or NULL */
	const char *const *modules; /* -initrd paths (each may carry " args" after the path), NULL-terminated */
};

/* Load a Multiboot v1 kernel (ELF or a.out kludge) with its modules and boot information, and set up
 * the CPU as the Multiboot specification (section 3.2 "Machine state") requires.  0 or -1 + err. */
int multiboot_load(struct machine *m, const struct multiboot_opts *o, char err[BOOT_ERRLEN]);

/* Load sector 0 of a disk image at 0x7C00 and set up real mode with DL = 0x80.  0 or -1 + err. */
int bootsector_load(struct machine *m, const char *disk, char err[BOOT_ERRLEN]);

/* Is this file a Multiboot image?  (Used to give a precise error for `-kernel notmultiboot`.) */
int multiboot_probe(const uint8_t *img, size_t len);

/* Read a whole file; NULL + err on failure. */
uint8_t *boot_read_file(const char *path, size_t *len, char err[BOOT_ERRLEN]);

#endif
