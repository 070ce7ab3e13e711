/* SPDX-License-Identifier: MIT
 *
 * mkfs.c — host tool: build the kernel's disk image in the format of fs.h.
 *
 *   usage: mkfs IMAGE SECTORS FILE...
 *
 * Each FILE is stored under its base name (the part after the last '/'), contiguously from sector
 * DATA_START on, each starting on a sector boundary.  The image is SECTORS * 512 bytes, zero-filled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "mkfs: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: mkfs IMAGE SECTORS FILE...", NULL);
	unsigned nsectors = (unsigned)strtoul(argv[2], NULL, 0);
	int nfiles = argc - 3;
	if (nfiles > NDIRENT)
		die("too many files", NULL);
	unsigned char *disk = calloc(nsectors, SECTSIZE);
	if (!disk || nsectors < DATA_START)
		die("bad image size", argv[2]);

	struct superblock sb = { FS_MAGIC, (unsigned)nfiles, nsectors };
	struct dirent *dir = (struct dirent *)(disk + DIR_START * SECTSIZE);
	unsigned next = DATA_START;
	memcpy(disk, &sb, sizeof sb);

	for (int i = 0; i < nfiles; i++) {
		const char *path = argv[3 + i], *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (strlen(base) >= FS_NAMELEN)
			die("file name too long", base);
		FILE *f = fopen(path, "rb");
		if (!f)
			die("cannot open", path);
		size_t room = (size_t)(nsectors - next) * SECTSIZE;
		size_t n = fread(disk + (size_t)next * SECTSIZE, 1, room, f);
		if (!feof(f))
			die("image too small for", path);
		fclose(f);
		strncpy(dir[i].name, base, FS_NAMELEN - 1);
		dir[i].start = next;
		dir[i].size = (unsigned)n;
		next += (unsigned)((n + SECTSIZE - 1) / SECTSIZE);
	}

	FILE *out = fopen(argv[1], "wb");
	if (!out || fwrite(disk, SECTSIZE, nsectors, out) != nsectors || fclose(out))
		die("cannot write", argv[1]);
	free(disk);
	return 0;
}
