/* SPDX-License-Identifier: MIT
 *
 * disk.h — a disk image backend: a raw image file seen as an array of 512-byte sectors.  The IDE
 * controller (ide.c) is its only guest-facing user; the boot-sector loader and record/replay use it too.
 *
 * Three modes, chosen when the image is opened:
 *   DISK_READONLY  the file is opened read-only and guest writes fail (the controller reports an error);
 *   DISK_WRITABLE  guest writes go straight through to the file (pwrite), FLUSH CACHE fsyncs it;
 *   DISK_SNAPSHOT  the file is opened read-only and every guest write lands in an in-memory overlay, a
 *                  sparse map from sector number to 512 bytes.  Reads look in the overlay first.  The
 *                  image file is NEVER modified, so a run can be repeated on byte-identical input
 *                  (QEMU's -snapshot, and what record/replay needs).
 *
 * An image whose size is not a multiple of 512 has its last sector padded with zeros when read (the
 * capacity is rounded up).  In DISK_WRITABLE mode, writing that last sector extends the file to a whole
 * sector.
 *
 * Errors (a file that cannot be opened, a failing read) are reported as one line naming the file, written
 * into the caller's err buffer; nothing here prints or aborts.
 *
 * State for record/replay: everything a snapshot of a disk needs is the overlay, which is kept as an
 * array of `struct disk_sector` sorted by LBA; disk_overlay_count()/disk_overlay_at() enumerate it and
 * disk_overlay_put()/disk_overlay_clear() rebuild it.  A DISK_WRITABLE disk's state lives in the file
 * itself (record/replay should insist on -snapshot).  disk_hash() identifies a disk's contents.
 */
#ifndef REVISOR_DEV_DISK_H
#define REVISOR_DEV_DISK_H

#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR 512u
#define DISK_ERRLEN 256

enum disk_mode { DISK_READONLY, DISK_WRITABLE, DISK_SNAPSHOT };

/* One overlay entry: a sector the guest wrote in snapshot mode. */
struct disk_sector {
	uint64_t lba;
	uint8_t data[DISK_SECTOR];
};

struct disk {
	char *path;                   /* as given to disk_open (for messages) */
	int fd;
	enum disk_mode mode;
	uint64_t file_bytes;          /* size of the image file when opened (grows with write-through) */
	uint64_t sectors;             /* capacity: file_bytes rounded up to whole sectors */
	struct disk_sector **overlay; /* snapshot mode: written sectors, sorted by lba */
	size_t n_overlay, cap_overlay;
};

/* Open an image.  NULL + a message in err (naming the file) on failure. */
struct disk *disk_open(const char *path, enum disk_mode mode, char err[DISK_ERRLEN]);
void disk_close(struct disk *d);   /* also drops the overlay; NULL is fine */

static inline uint64_t disk_sectors(const struct disk *d) { return d->sectors; }

/* Read/write `count` whole sectors starting at `lba`.  0, or -1 + err (a range beyond the end of the
 * disk, a write to a read-only disk, a host I/O error).  err may be NULL. */
int disk_read(struct disk *d, uint64_t lba, unsigned count, void *buf, char err[DISK_ERRLEN]);
int disk_write(struct disk *d, uint64_t lba, unsigned count, const void *buf, char err[DISK_ERRLEN]);
/* Make written data durable (fsync in DISK_WRITABLE mode; nothing to do otherwise). */
int disk_flush(struct disk *d, char err[DISK_ERRLEN]);

/* 64-bit FNV-1a over the contents the guest sees (all sectors, padding and overlay included), followed
 * by the capacity in sectors.  Two disks with equal hashes present the same sectors to the guest. */
int disk_hash(struct disk *d, uint64_t *hash, char err[DISK_ERRLEN]);

/* The snapshot overlay, for record/replay. */
static inline size_t disk_overlay_count(const struct disk *d) { return d->n_overlay; }
static inline const struct disk_sector *disk_overlay_at(const struct disk *d, size_t k) { return d->overlay[k]; }
int disk_overlay_put(struct disk *d, uint64_t lba, const uint8_t data[DISK_SECTOR]);  /* 0 or -1 (no memory) */
void disk_overlay_clear(struct disk *d);

#endif
