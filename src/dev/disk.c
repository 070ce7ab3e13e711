/* SPDX-License-Identifier: MIT
 *
 * disk.c — raw disk images (disk.h): sector reads and writes on an image file, with an optional
 * copy-on-write overlay held in memory (-snapshot).
 *
 * The overlay is the simplest structure that is both fast enough and easy to enumerate for record/replay:
 * an array of pointers to `struct disk_sector`, sorted by LBA, searched by bisection.  An insertion moves
 * pointers, not sector data, so even tens of thousands of written sectors stay cheap.
 *
 * Reads merge the two sources: a run of sectors that are not in the overlay is read from the file with
 * one pread(), and anything beyond the end of the file reads as zeros (the padded last sector).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dev/disk.h"
#include "snapshot.h"

#define ERR(err, ...) do { if (err) snprintf(err, DISK_ERRLEN, __VA_ARGS__); } while (0)

struct disk *disk_open(const char *path, enum disk_mode mode, char err[DISK_ERRLEN])
{
	struct stat st;
	struct disk *d;
	int fd = open(path, mode == DISK_WRITABLE ? O_RDWR : O_RDONLY);

	if (fd < 0) {
		ERR(err, "%s: cannot open disk image%s: %s", path,
		    mode == DISK_WRITABLE ? " for writing" : "", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ERR(err, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		ERR(err, "%s: disk image is empty", path);
		close(fd);
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (!d || !(d->path = strdup(path))) {
		ERR(err, "%s: out of memory", path);
		free(d);
		close(fd);
		return NULL;
	}
	d->fd = fd;
	d->mode = mode;
	d->file_bytes = (uint64_t)st.st_size;
	d->sectors = (d->file_bytes + DISK_SECTOR - 1) / DISK_SECTOR;
	return d;
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	disk_overlay_clear(d);
	free(d->overlay);
	close(d->fd);
	free(d->path);
	free(d);
}

/* ---- the overlay ------------------------------------------------------------------------------------ */

/* Index of the first overlay entry whose lba is >= lba (n_overlay if none). */
static size_t overlay_find(const struct disk *d, uint64_t lba)
{
	size_t lo = 0, hi = d->n_overlay;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->overlay[mid]->lba < lba)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int disk_overlay_put(struct disk *d, uint64_t lba, const uint8_t data[DISK_SECTOR])
{
	size_t k = overlay_find(d, lba);
	struct disk_sector *s;

	if (k < d->n_overlay && d->overlay[k]->lba == lba) {
		memcpy(d->overlay[k]->data, data, DISK_SECTOR);
		return 0;
	}
	if (d->n_overlay == d->cap_overlay) {
		size_t cap = d->cap_overlay ? 2 * d->cap_overlay : 64;
		struct disk_sector **o = realloc(d->overlay, cap * sizeof *o);
		if (!o)
			return -1;
		d->overlay = o;
		d->cap_overlay = cap;
	}
	if (!(s = malloc(sizeof *s)))
		return -1;
	s->lba = lba;
	memcpy(s->data, data, DISK_SECTOR);
	memmove(&d->overlay[k + 1], &d->overlay[k], (d->n_overlay - k) * sizeof *d->overlay);
	d->overlay[k] = s;
	d->n_overlay++;
	return 0;
}

void disk_overlay_clear(struct disk *d)
{
	for (size_t k = 0; k < d->n_overlay; k++)
		free(d->overlay[k]);
	d->n_overlay = 0;
}

/* ---- reading and writing ---------------------------------------------------------------------------- */

/* Read file bytes [off, off+len) into buf; bytes beyond the end of the file read as zeros. */
static int file_read(struct disk *d, uint64_t off, uint8_t *buf, size_t len, char *err)
{
	while (len > 0) {
		ssize_t n = off < d->file_bytes ? pread(d->fd, buf, len, (off_t)off) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ERR(err, "%s: read error at byte %llu: %s", d->path, (unsigned long long)off, strerror(errno));
			return -1;
		}
		if (n == 0) {            /* end of file: the padding of the last sector (or a file that shrank) */
			memset(buf, 0, len);
			return 0;
		}
		buf += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int check_range(struct disk *d, uint64_t lba, unsigned count, char *err)
{
	if (lba > d->sectors || count > d->sectors - lba) {
		ERR(err, "%s: sectors %llu..%llu are beyond the end of the disk (%llu sectors)", d->path,
		    (unsigned long long)lba, (unsigned long long)(lba + count - 1), (unsigned long long)d->sectors);
		return -1;
	}
	return 0;
}

int disk_read(struct disk *d, uint64_t lba, unsigned count, void *buf, char err[DISK_ERRLEN])
{
	uint8_t *p = buf;
	size_t k;

	if (check_range(d, lba, count, err))
		return -1;
	k = overlay_find(d, lba);
	while (count > 0) {
		unsigned run = count;
		if (k < d->n_overlay && d->overlay[k]->lba == lba) {
			memcpy(p, d->overlay[k]->data, DISK_SECTOR);   /* written during this run */
			k++;
			run = 1;
		} else {
			/* Up to the next overlay sector, everything comes from the file in one read. */
			if (k < d->n_overlay && d->overlay[k]->lba - lba < run)
				run = (unsigned)(d->overlay[k]->lba - lba);
			if (file_read(d, lba * DISK_SECTOR, p, (size_t)run * DISK_SECTOR, err))
				return -1;
		}
		p += (size_t)run * DISK_SECTOR;
		lba += run;
		count -= run;
	}
	return 0;
}

int disk_write(struct disk *d, uint64_t lba, unsigned count, const void *buf, char err[DISK_ERRLEN])
{
	const uint8_t *p = buf;
	uint64_t off = lba * DISK_SECTOR;
	size_t len = (size_t)count * DISK_SECTOR;

	if (check_range(d, lba, count, err))
		return -1;
	switch (d->mode) {
	case DISK_READONLY:
		ERR(err, "%s: disk image is read-only", d->path);
		return -1;
	case DISK_SNAPSHOT:
		for (unsigned k = 0; k < count; k++)
			if (disk_overlay_put(d, lba + k, p + (size_t)k * DISK_SECTOR)) {
				ERR(err, "%s: out of memory for the snapshot overlay", d->path);
				return -1;
			}
		return 0;
	case DISK_WRITABLE:
		while (len > 0) {
			ssize_t n = pwrite(d->fd, p, len, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ERR(err, "%s: write error at byte %llu: %s", d->path, (unsigned long long)off,
				    n < 0 ? strerror(errno) : "no progress");
				return -1;
			}
			p += n;
			off += (uint64_t)n;
			len -= (size_t)n;
		}
		if (off > d->file_bytes)
			d->file_bytes = off;   /* the padded last sector now exists in the file */
		return 0;
	}
	return -1;
}

int disk_flush(struct disk *d, char err[DISK_ERRLEN])
{
	if (d->mode == DISK_WRITABLE && fsync(d->fd) != 0) {
		ERR(err, "%s: flush failed: %s", d->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* FNV-1a, 64-bit (Fowler, Noll, Vo): xor in a byte, multiply by the FNV prime. */
#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME  0x00000100000001b3ull

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		h ^= p[k];
		h *= FNV64_PRIME;
	}
	return h;
}

int disk_hash(struct disk *d, uint64_t *hash, char err[DISK_ERRLEN])
{
	enum { CHUNK = 128 };   /* sectors per read: 64 KiB */
	uint8_t *buf = malloc(CHUNK * DISK_SECTOR), size[8];
	uint64_t h = FNV64_OFFSET;

	if (!buf) {
		ERR(err, "%s: out of memory", d->path);
		return -1;
	}
	for (uint64_t lba = 0; lba < d->sectors; lba += CHUNK) {
		unsigned n = d->sectors - lba < CHUNK ? (unsigned)(d->sectors - lba) : CHUNK;
		if (disk_read(d, lba, n, buf, err)) {
			free(buf);
			return -1;
		}
		h = fnv1a(h, buf, (size_t)n * DISK_SECTOR);
	}
	free(buf);
	for (int k = 0; k < 8; k++)   /* the capacity, little-endian: disks of zeros differ by size */
		size[k] = (uint8_t)(d->sectors >> (8 * k));
	*hash = fnv1a(h, size, sizeof size);
	return 0;
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore a disk's state: its snapshot overlay, as a count and (lba, sector) pairs in LBA
 * order.  The image file itself never changes in snapshot mode, so it is not part of the state (a
 * recording names it by content hash instead).  A write-through disk's state is the file: not saved. */
void disk_snapshot(struct disk *d, struct snap *s)
{
	uint64_t n = d->n_overlay;
	struct disk_sector sec;

	snap_bytes(s, &n, sizeof n);
	if (!snap_loading(s)) {
		for (size_t k = 0; k < d->n_overlay; k++)
			snap_bytes(s, d->overlay[k], sizeof *d->overlay[k]);
		return;
	}
	disk_overlay_clear(d);
	for (uint64_t k = 0; k < n && !s->error; k++) {
		snap_bytes(s, &sec, sizeof sec);
		if (!s->error && disk_overlay_put(d, sec.lba, sec.data) != 0)
			s->error = 1;
	}
}
