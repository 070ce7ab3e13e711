/* SPDX-License-Identifier: MIT
 *
 * ide.h — the primary IDE/ATA channel of a PC: command block registers at 0x1F0-0x1F7, the control block
 * (device control / alternate status) at 0x3F6, interrupt output IRQ14, a master and an optional slave
 * drive, each backed by a disk image (disk.h).  PIO data transfers only (no DMA, no ATAPI, no LBA48).
 *
 * Register map (ATA/ATAPI-6, section 7 "Register descriptions"):
 *   0x1F0 data (16 or 32 bit)     0x1F1 error (r) / features (w)   0x1F2 sector count
 *   0x1F3 sector number / LBA 0-7 0x1F4 cylinder low / LBA 8-15   0x1F5 cylinder high / LBA 16-23
 *   0x1F6 device/head: bit 6 LBA, bit 4 DEV (0 master, 1 slave), bits 0-3 head / LBA 24-27
 *   0x1F7 status (r; reading it clears the drive's pending interrupt) / command (w)
 *   0x3F6 alternate status (r; no side effect) / device control (w): bit 1 nIEN, bit 2 SRST
 *
 * Choices, documented for students:
 *  - Determinism: every command completes SYNCHRONOUSLY, inside the OUT instruction that writes the
 *    command register (or the data-port access that finishes a sector).  The drive is never seen BSY
 *    except while SRST is held; the interrupt is raised at once, so the CPU can take it right after that
 *    instruction.  No host time and no timer is involved: a run is a pure function of its inputs.
 *  - A missing slave behind a present master reads status (and alternate status) 0, as ATA specifies
 *    for device 0 answering on behalf of an absent device 1; its other registers read the master's
 *    copies, its data port reads 0, and commands addressed to it are ignored (no interrupt).  A channel
 *    with no drive at all reads 0xFF everywhere (the floating bus, as an empty ISA slot does).
 *  - The task file registers exist once per drive (writes go to both, reads come from the selected
 *    one), as on real hardware where both drives snoop the cable.
 *  - CHS addressing uses a fixed default geometry of 16 heads and 63 sectors per track (cylinders =
 *    capacity / 1008, at least 1, at most 16383); INITIALIZE DEVICE PARAMETERS changes the translation.
 *  - A command whose range does not fit on the disk fails before any data moves (ERR, IDNF), with the
 *    first bad sector's address in the task file.
 *
 * Record/replay: all state is in `struct ide` and its two `struct ide_drive` (plain data, no pointers
 * except disk, machine and the irq wire); the disks' own state is their overlay (disk.h).
 */
#ifndef REVISOR_DEV_IDE_H
#define REVISOR_DEV_IDE_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"
#include "dev/disk.h"

#define IDE_MAX_MULT 16        /* sectors per block for READ/WRITE MULTIPLE (IDENTIFY word 47) */

/* Status register bits (ATA-6 7.15.6) */
#define ATA_SR_ERR  0x01       /* error: see the error register */
#define ATA_SR_DRQ  0x08       /* data request: the data port is ready for a sector's words */
#define ATA_SR_DSC  0x10       /* device seek complete (obsolete, still set by drives) */
#define ATA_SR_DF   0x20       /* device fault */
#define ATA_SR_DRDY 0x40       /* device ready for commands */
#define ATA_SR_BSY  0x80       /* busy: every other bit is invalid */

/* Error register bits */
#define ATA_ER_AMNF 0x01       /* (after diagnostics: code 01h = passed) */
#define ATA_ER_ABRT 0x04       /* command aborted: unknown command or bad parameter */
#define ATA_ER_IDNF 0x10       /* ID not found: address out of range */
#define ATA_ER_UNC  0x40       /* uncorrectable data error (a host I/O error here) */

/* Device control register bits */
#define ATA_DC_NIEN 0x02       /* interrupts disabled */
#define ATA_DC_SRST 0x04       /* software reset of both drives */

/* Commands */
#define ATA_CMD_READ          0x20   /* READ SECTORS (0x21: the same without retries) */
#define ATA_CMD_WRITE         0x30   /* WRITE SECTORS (0x31) */
#define ATA_CMD_VERIFY        0x40   /* READ VERIFY SECTORS (0x41) */
#define ATA_CMD_DIAGNOSTIC    0x90
#define ATA_CMD_INIT_PARAMS   0x91   /* INITIALIZE DEVICE PARAMETERS */
#define ATA_CMD_READ_MULT     0xC4
#define ATA_CMD_WRITE_MULT    0xC5
#define ATA_CMD_SET_MULT      0xC6
#define ATA_CMD_FLUSH         0xE7
#define ATA_CMD_IDENTIFY      0xEC
#define ATA_CMD_SET_FEATURES  0xEF

struct ide_drive {
	struct disk *disk;           /* NULL: no drive in this position */
	/* task file (this drive's copy) */
	uint8_t feature, nsect, sector, lcyl, hcyl, select;
	uint8_t status, error;
	uint8_t irq_pending;         /* INTRQ requested; cleared by reading status or writing a command */
	uint8_t mult;                /* READ/WRITE MULTIPLE block size in sectors, 0 = disabled */
	uint16_t heads, spt;         /* CHS translation in use (INITIALIZE DEVICE PARAMETERS) */
	/* the PIO transfer in progress (status DRQ) */
	uint8_t cmd;                 /* the command being executed */
	uint32_t lba;                /* next sector to transfer */
	uint32_t remaining;          /* sectors still to transfer, including the buffered block */
	uint32_t block;              /* sectors in the current DRQ block */
	uint32_t pos, len;           /* bytes moved / total bytes of the current block in buf */
	uint8_t buf[IDE_MAX_MULT * DISK_SECTOR];
};

struct ide {
	struct machine *m;
	struct ide_drive drive[2];
	uint8_t control;             /* device control register (nIEN, SRST) */
	uint8_t irq_level;           /* level last sent on irq */
	struct irq_line irq;         /* INTRQ, wired by the glue to IRQ14 */
	char host_err[DISK_ERRLEN];  /* the last host I/O error (also printed to m->log or stderr) */
};

/* Register the ports of the primary channel.  Takes ownership of the disks (either may be NULL);
 * ide_free closes them.  NULL (with a message on stderr) if the ports cannot be registered; the caller
 * then still owns the disks. */
struct ide *ide_new(struct machine *m, struct disk *master, struct disk *slave);
void ide_reset(struct ide *s);   /* hardware reset: as at power-on (multiple mode off, default geometry) */
void ide_free(struct ide *s);

/* Build the 256-word IDENTIFY DEVICE block of drive dev (0 or 1; it must be present). */
void ide_identify(const struct ide *s, int dev, uint16_t id[256]);

#endif
