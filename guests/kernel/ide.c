/* SPDX-License-Identifier: MIT
 *
 * ide.c — the disk: the primary ATA channel's master drive, in PIO mode with 28-bit LBA addressing
 * (ATA/ATAPI-6, sections 8.27 IDENTIFY DEVICE, 8.34 READ SECTORS, 8.62 WRITE SECTORS).
 *
 * The command block registers are ports 0x1F0-0x1F7; the device control register is 0x3F6.  To read a
 * sector: wait until the drive is not busy, write the sector count and the 28-bit LBA (spread over
 * 0x1F3-0x1F6), write the command to 0x1F7, wait for DRQ ("data request"), then move 256 16-bit words
 * through the data port 0x1F0.  Writing is the mirror image.
 *
 * This driver polls the status register instead of sleeping until IRQ 14: the kernel runs with
 * interrupts off, a sector transfer is short, and polling keeps the code easy to follow.  nIEN in the
 * device control register keeps the drive from raising IRQ 14 at all.
 */
#include "defs.h"
#include "fs.h"

#define IDE_DATA   0x1F0
#define IDE_COUNT  0x1F2
#define IDE_LBA0   0x1F3
#define IDE_LBA1   0x1F4
#define IDE_LBA2   0x1F5
#define IDE_DRIVE  0x1F6          /* bits 7,5 = 1; bit 6 = LBA; bit 4 = slave; bits 0-3 = LBA 24-27 */
#define IDE_CMD    0x1F7          /* write: command; read: status */
#define IDE_CTRL   0x3F6          /* write: device control; read: alternate status */

#define ST_BSY     0x80
#define ST_DRDY    0x40
#define ST_DF      0x20           /* device fault */
#define ST_DRQ     0x08
#define ST_ERR     0x01

#define CMD_READ     0x20
#define CMD_WRITE    0x30
#define CMD_FLUSH    0xE7
#define CMD_IDENTIFY 0xEC
#define CTRL_NIEN    0x02

/* Wait while the drive is busy; return its final status. */
static uint8_t ide_wait(void)
{
	uint8_t s;
	while ((s = inb(IDE_CMD)) & ST_BSY)
		;
	return s;
}

/* Returns the number of sectors on the primary master, or -1 if there is no usable drive. */
int ide_init(void)
{
	uint16_t id[256];
	char model[41];

	outb(IDE_CTRL, CTRL_NIEN);
	outb(IDE_DRIVE, 0xE0);                       /* select the master, LBA mode */
	if (inb(IDE_CMD) == 0xFF)                   /* floating bus: no controller, no drive */
		return -1;
	outb(IDE_CMD, CMD_IDENTIFY);
	if (inb(IDE_CMD) == 0)                      /* no drive answers */
		return -1;
	uint8_t s = ide_wait();
	if ((s & (ST_ERR | ST_DF)) || !(s & ST_DRQ))
		return -1;
	insl(IDE_DATA, id, 128);

	/* The model name is 40 ASCII characters, two per word, the first in the high byte (words 27-46). */
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	int n = 40;
	while (n > 0 && model[n - 1] == ' ')
		n--;
	model[n] = 0;
	uint32_t sectors = id[60] | (uint32_t)id[61] << 16;   /* words 60-61: sectors addressable by LBA28 */
	printf("  IDE: primary master \"%s\", %u sectors (%u KiB), PIO polling, LBA28\n",
	       model, sectors, sectors / 2);
	return (int)sectors;
}

/* Read or write one 512-byte sector.  Returns 0, or -1 if the drive reports an error. */
int ide_rw(uint32_t lba, void *buf, int write)
{
	if (ide_wait() & (ST_ERR | ST_DF))
		return -1;
	outb(IDE_COUNT, 1);
	outb(IDE_LBA0, lba & 0xFF);
	outb(IDE_LBA1, (lba >> 8) & 0xFF);
	outb(IDE_LBA2, (lba >> 16) & 0xFF);
	outb(IDE_DRIVE, 0xE0 | ((lba >> 24) & 0x0F));
	outb(IDE_CMD, write ? CMD_WRITE : CMD_READ);

	uint8_t s = ide_wait();
	if ((s & (ST_ERR | ST_DF)) || !(s & ST_DRQ))
		return -1;
	if (!write) {
		insl(IDE_DATA, buf, SECTSIZE / 4);
		return 0;
	}
	outsl(IDE_DATA, buf, SECTSIZE / 4);
	if (ide_wait() & (ST_ERR | ST_DF))
		return -1;
	outb(IDE_CMD, CMD_FLUSH);                    /* make it durable before we report success */
	return (ide_wait() & (ST_ERR | ST_DF)) ? -1 : 0;
}
