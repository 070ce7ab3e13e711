/* SPDX-License-Identifier: MIT
 *
 * fs.c — the kernel side of the tiny file system described in fs.h: read the superblock and the
 * directory once at boot, then serve lookups from that copy and file reads and writes one sector at a
 * time through ide.c.  There is no buffer cache, no allocation and no crash-consistency story — the
 * topics of xv6's bio.c, fs.c and log.c that this kernel deliberately leaves out.
 */
#include "defs.h"
#include "fs.h"

static struct superblock sb;
static struct dirent dir[NDIRENT];
static int nfiles;

int fs_init(void)
{
	static uint8_t sector[SECTSIZE];

	if (ide_rw(0, sector, 0) < 0)
		return -1;
	memcpy(&sb, sector, sizeof sb);
	if (sb.magic != FS_MAGIC) {
		printf("  file system: none (bad magic %x)\n", sb.magic);
		return -1;
	}
	for (int i = 0; i < DIR_SECTORS; i++)
		if (ide_rw(DIR_START + i, (uint8_t *)dir + i * SECTSIZE, 0) < 0)
			return -1;
	while (nfiles < NDIRENT && dir[nfiles].name[0])
		nfiles++;
	printf("  file system: %d files\n", nfiles);
	return nfiles;
}

int fs_dirent(int i, struct dirent *de)
{
	if (i < 0 || i >= nfiles)
		return -1;
	*de = dir[i];
	return 0;
}

int fs_lookup(const char *name, struct dirent *de)
{
	for (int i = 0; i < nfiles; i++) {
		if (!strncmp(dir[i].name, name, FS_NAMELEN)) {
			*de = dir[i];
			return 0;
		}
	}
	return -1;
}

/* Move up to n bytes between buf and the file at offset off (never past its end).  Returns the count. */
int fs_rw(const struct dirent *de, uint32_t off, void *buf, uint32_t n, int write)
{
	static uint8_t sector[SECTSIZE];
	uint8_t *p = buf;
	uint32_t done = 0;

	if (off >= de->size)
		return 0;
	if (n > de->size - off)
		n = de->size - off;
	while (done < n) {
		uint32_t lba = de->start + (off + done) / SECTSIZE, at = (off + done) % SECTSIZE;
		uint32_t chunk = SECTSIZE - at < n - done ? SECTSIZE - at : n - done;
		if (ide_rw(lba, sector, 0) < 0)
			return -1;
		if (write) {                               /* read-modify-write a partial sector */
			memcpy(sector + at, p + done, chunk);
			if (ide_rw(lba, sector, 1) < 0)
				return -1;
		} else {
			memcpy(p + done, sector + at, chunk);
		}
		done += chunk;
	}
	return (int)done;
}
