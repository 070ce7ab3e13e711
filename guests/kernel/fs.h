/* SPDX-License-Identifier: MIT
 *
 * fs.h — the on-disk format of the kernel's disk image, shared by the kernel (fs.c), the user programs
 * (ls) and the host tool that builds the image (mkfs.c).  It is the simplest file system that works:
 *
 *   sector 0            superblock: magic, file count, disk size
 *   sectors 1 .. 4      directory: up to 64 entries of 32 bytes (name, first sector, size in bytes)
 *   sectors 8 ..        file contents, each file contiguous and starting on a sector boundary
 *
 * Files cannot grow or be created; fwrite() rewrites bytes inside an existing file.
 */
#ifndef KERNEL_FS_H
#define KERNEL_FS_H

#define FS_MAGIC     0x31465652    /* "RVF1" */
#define SECTSIZE     512
#define DIR_START    1
#define DIR_SECTORS  4
#define NDIRENT      (DIR_SECTORS * SECTSIZE / 32)
#define DATA_START   8
#define FS_NAMELEN   24

struct superblock {
	unsigned int magic, nfiles, nsectors;
};

struct dirent {
	char name[FS_NAMELEN];        /* NUL-padded; an empty name ends the directory */
	unsigned int start;           /* first sector */
	unsigned int size;            /* bytes */
};

#endif
