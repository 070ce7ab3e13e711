/* SPDX-License-Identifier: MIT
 *
 * ide.c — the primary ATA channel in PIO mode (ide.h has the register map and the documented choices).
 *
 * How a PIO command runs (ATA/ATAPI-6, section 9 "Protocol"):
 *   data-in  (READ SECTORS, READ MULTIPLE, IDENTIFY): the drive fills its buffer with one block, sets DRQ
 *            and interrupts; the host reads the block through the data port; the drive then prepares the
 *            next block (DRQ + interrupt again) or, after the last one, clears DRQ WITHOUT interrupting.
 *   data-out (WRITE SECTORS, WRITE MULTIPLE): the drive sets DRQ at once, WITHOUT an interrupt; the
 *            host writes a block; the drive stores it and interrupts, with DRQ set again if more blocks
 *            are wanted.  This is why xv6 can write the data right after the command byte.
 *   non-data (SET MULTIPLE MODE, FLUSH CACHE, ...): the drive does the work and interrupts.
 * A block is one sector, or `mult` sectors for the MULTIPLE commands.  Here every step happens inside the
 * port access that triggers it, so BSY is never observed (the determinism choice in ide.h).
 *
 * INTRQ: each drive has an interrupt-pending flag; the wire carries the selected drive's flag unless
 * nIEN is set.  Reading the status register (not the alternate status) or writing a command clears it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dev/ide.h"
#include "snapshot.h"

#define IDE_CMD_BASE  0x1F0
#define IDE_CTRL_PORT 0x3F6

#define SEL_LBA 0x40          /* device/head register: LBA addressing */
#define SEL_DEV 0x10          /* device/head register: device 1 (slave) */
#define SEL_OBS 0xA0          /* obsolete bits 7 and 5, read as 1 */

#define DEFAULT_HEADS 16
#define DEFAULT_SPT   63
#define LBA28_LIMIT   (1u << 28)

#define ST_READY (ATA_SR_DRDY | ATA_SR_DSC)

static int sel_dev(const struct ide *s)
{
	return (s->drive[0].select & SEL_DEV) ? 1 : 0;
}

/* ---- the interrupt wire ----------------------------------------------------------------------------- */

static void update_irq(struct ide *s)
{
	const struct ide_drive *d = &s->drive[sel_dev(s)];
	int level = d->disk && d->irq_pending && !(s->control & ATA_DC_NIEN);

	if (level != s->irq_level) {
		s->irq_level = (uint8_t)level;
		irq_set(&s->irq, level);
	}
}

static void raise_irq(struct ide *s, struct ide_drive *d)
{
	d->irq_pending = 1;
	update_irq(s);
}

/* ---- addresses -------------------------------------------------------------------------------------- */

/* Sectors addressable with LBA28 (and therefore by this controller). */
static uint32_t capacity(const struct ide_drive *d)
{
	uint64_t n = disk_sectors(d->disk);
	return n < LBA28_LIMIT ? (uint32_t)n : LBA28_LIMIT - 1;
}

/* Cylinders of a CHS translation with this many heads and sectors per track, as IDENTIFY reports them. */
static uint32_t cylinders(const struct ide_drive *d, uint32_t heads, uint32_t spt, uint32_t max)
{
	uint32_t c = capacity(d) / (heads * spt);
	return c < 1 ? 1 : c > max ? max : c;
}

/* The starting sector in the task file: LBA28, or CHS through the current translation.  -1 if a CHS
 * address does not exist (sector 0, or beyond the translation's heads/sectors). */
static int64_t task_lba(const struct ide_drive *d)
{
	uint32_t head = d->select & 0x0f, cyl = (uint32_t)d->hcyl << 8 | d->lcyl;

	if (d->select & SEL_LBA)
		return (int64_t)head << 24 | (int64_t)d->hcyl << 16 | (int64_t)d->lcyl << 8 | d->sector;
	if (d->sector == 0 || d->sector > d->spt || head >= d->heads)
		return -1;
	return ((int64_t)cyl * d->heads + head) * d->spt + (d->sector - 1);
}

/* Write an address back into the task file, in the addressing mode the command used. */
static void set_task_lba(struct ide_drive *d, uint32_t lba)
{
	if (d->select & SEL_LBA) {
		d->sector = (uint8_t)lba;
		d->lcyl = (uint8_t)(lba >> 8);
		d->hcyl = (uint8_t)(lba >> 16);
		d->select = (uint8_t)((d->select & 0xf0) | ((lba >> 24) & 0x0f));
	} else {
		uint32_t cyl = lba / ((uint32_t)d->heads * d->spt), rest = lba % ((uint32_t)d->heads * d->spt);
		d->sector = (uint8_t)(rest % d->spt + 1);
		d->select = (uint8_t)((d->select & 0xf0) | (rest / d->spt));
		d->lcyl = (uint8_t)cyl;
		d->hcyl = (uint8_t)(cyl >> 8);
	}
}

/* ---- ending a command ------------------------------------------------------------------------------- */

static void cmd_done(struct ide *s, struct ide_drive *d)
{
	d->status = ST_READY;
	d->error = 0;
	raise_irq(s, d);
}

static void cmd_error(struct ide *s, struct ide_drive *d, uint8_t err)
{
	d->status = ST_READY | ATA_SR_ERR;
	d->error = err;
	d->remaining = d->len = d->pos = 0;
	raise_irq(s, d);
}

static void host_error(struct ide *s, const char *msg)
{
	snprintf(s->host_err, sizeof s->host_err, "%s", msg);
	fprintf(s->m->log ? s->m->log : stderr, "revisor: ide: %s\n", msg);
}

/* The values a drive leaves in its task file after a reset or a diagnostic: the ATA signature. */
static void signature(struct ide_drive *d)
{
	d->nsect = 1;
	d->sector = 1;
	d->lcyl = 0;
	d->hcyl = 0;
	d->select = 0;             /* device 0 selected afterwards */
	d->error = ATA_ER_AMNF;    /* diagnostic code 01h: passed */
	d->status = ST_READY;
	d->remaining = d->len = d->pos = 0;
}

/* ---- the data phases -------------------------------------------------------------------------------- */

static uint32_t block_size(const struct ide_drive *d)
{
	uint32_t bs = (d->cmd == ATA_CMD_READ_MULT || d->cmd == ATA_CMD_WRITE_MULT) ? d->mult : 1;
	return d->remaining < bs ? d->remaining : bs;
}

/* Data-in: read the next block from the disk, raise DRQ and interrupt. */
static void read_block(struct ide *s, struct ide_drive *d)
{
	char err[DISK_ERRLEN];

	d->block = block_size(d);
	if (disk_read(d->disk, d->lba, d->block, d->buf, err)) {
		host_error(s, err);
		set_task_lba(d, d->lba);
		cmd_error(s, d, ATA_ER_UNC);
		return;
	}
	d->pos = 0;
	d->len = d->block * DISK_SECTOR;
	d->status = ST_READY | ATA_SR_DRQ;
	raise_irq(s, d);
}

/* Data-out: open the next block for the host's words (the interrupt, if any, is the caller's). */
static void open_write_block(struct ide_drive *d)
{
	d->block = block_size(d);
	d->pos = 0;
	d->len = d->block * DISK_SECTOR;
	d->status = ST_READY | ATA_SR_DRQ;
}

/* The host has moved the whole buffered block. */
static void block_done(struct ide *s, struct ide_drive *d)
{
	char err[DISK_ERRLEN];
	int writing = d->cmd == ATA_CMD_WRITE || d->cmd == ATA_CMD_WRITE_MULT;

	if (d->cmd == ATA_CMD_IDENTIFY) {     /* one block, then done: no interrupt after data-in */
		d->status = ST_READY;
		d->remaining = d->len = 0;
		return;
	}
	if (writing && disk_write(d->disk, d->lba, d->block, d->buf, err)) {
		host_error(s, err);
		set_task_lba(d, d->lba);
		cmd_error(s, d, ATA_ER_UNC);
		return;
	}
	/* The task file follows the transfer: the count of sectors left, the address of the last one done. */
	d->lba += d->block;
	d->remaining -= d->block;
	d->nsect = (uint8_t)d->remaining;
	set_task_lba(d, d->lba - 1);
	if (d->remaining == 0) {
		d->status = ST_READY;
		d->len = d->pos = 0;
		if (writing)
			raise_irq(s, d);      /* data-out ends with an interrupt, data-in does not */
	} else if (writing) {
		open_write_block(d);
		raise_irq(s, d);
	} else {
		read_block(s, d);
	}
}

static uint32_t data_read(struct ide *s, unsigned len)
{
	struct ide_drive *d = &s->drive[sel_dev(s)];
	uint32_t v = 0;

	if (!d->disk || !(d->status & ATA_SR_DRQ) || d->cmd == ATA_CMD_WRITE || d->cmd == ATA_CMD_WRITE_MULT)
		return 0;
	for (unsigned k = 0; k < len && d->pos < d->len; k++)
		v |= (uint32_t)d->buf[d->pos++] << (8 * k);
	if (d->pos == d->len)
		block_done(s, d);
	return v;
}

static void data_write(struct ide *s, unsigned len, uint32_t v)
{
	struct ide_drive *d = &s->drive[sel_dev(s)];

	if (!d->disk || !(d->status & ATA_SR_DRQ) || (d->cmd != ATA_CMD_WRITE && d->cmd != ATA_CMD_WRITE_MULT))
		return;
	for (unsigned k = 0; k < len && d->pos < d->len; k++)
		d->buf[d->pos++] = (uint8_t)(v >> (8 * k));
	if (d->pos == d->len)
		block_done(s, d);
}

/* ---- IDENTIFY DEVICE (ATA-6 8.15, table 27) --------------------------------------------------------- */

/* ATA strings: two characters per word, the first in the HIGH byte, padded with spaces. */
static void id_string(uint16_t *w, const char *str, unsigned words)
{
	size_t n = strlen(str);

	for (unsigned k = 0; k < 2 * words; k++) {
		uint8_t ch = k < n ? (uint8_t)str[k] : ' ';
		if (k & 1)
			w[k / 2] |= ch;
		else
			w[k / 2] = (uint16_t)(ch << 8);
	}
}

void ide_identify(const struct ide *s, int dev, uint16_t id[256])
{
	const struct ide_drive *d = &s->drive[dev];
	uint32_t cap = capacity(d), cur_cyl = cylinders(d, d->heads, d->spt, 65535);
	uint32_t cur_cap = cur_cyl * d->heads * d->spt;
	char serial[21];
	uint8_t sum = 0;

	memset(id, 0, 256 * sizeof *id);
	id[0] = 0x0040;                          /* ATA device, fixed (not removable) */
	id[1] = (uint16_t)cylinders(d, DEFAULT_HEADS, DEFAULT_SPT, 16383);   /* default CHS translation */
	id[3] = DEFAULT_HEADS;
	id[6] = DEFAULT_SPT;
	snprintf(serial, sizeof serial, "REVISOR-%04d", dev);
	id_string(&id[10], serial, 10);          /* words 10-19: serial number */
	id_string(&id[23], "1.0", 4);            /* words 23-26: firmware revision */
	id_string(&id[27], "REVISOR HARDDISK", 20);  /* words 27-46: model number */
	id[47] = 0x8000 | IDE_MAX_MULT;          /* READ/WRITE MULTIPLE: up to 16 sectors per block */
	id[49] = 0x0A00;                         /* capabilities: LBA supported, IORDY supported */
	id[50] = 0x4000;                         /* (bit 14 shall be one) */
	id[51] = 0x0200;                         /* obsolete PIO timing mode 2 */
	id[53] = 0x0003;                         /* words 54-58 and 64-70 are valid */
	id[54] = (uint16_t)cur_cyl;              /* current CHS translation */
	id[55] = d->heads;
	id[56] = d->spt;
	id[57] = (uint16_t)cur_cap;              /* current CHS capacity in sectors */
	id[58] = (uint16_t)(cur_cap >> 16);
	id[59] = (uint16_t)(0x0100 | d->mult);   /* multiple setting valid, its value */
	id[60] = (uint16_t)cap;                  /* words 60-61: sectors addressable with LBA28 */
	id[61] = (uint16_t)(cap >> 16);
	id[64] = 0x0003;                         /* advanced PIO modes 3 and 4 */
	id[65] = id[66] = id[67] = id[68] = 120; /* cycle times in ns (PIO mode 4) */
	id[80] = 0x007E;                         /* major version: ATA-1 through ATA-6 */
	id[82] = 0x0000;                         /* command sets supported: none of the optional ones ... */
	id[83] = 0x5000;                         /* ... except FLUSH CACHE (bit 12); bit 14 shall be one */
	id[84] = 0x4000;
	id[85] = 0x0000;                         /* words 85-87: the same, enabled */
	id[86] = 0x1000;
	id[87] = 0x4000;
	/* Word 255: integrity word: signature A5h, then a checksum making all 512 bytes sum to zero. */
	id[255] = 0x00A5;
	for (unsigned k = 0; k < 255; k++)
		sum = (uint8_t)(sum + (id[k] & 0xff) + (id[k] >> 8));
	sum = (uint8_t)(sum + 0xA5);
	id[255] |= (uint16_t)((uint8_t)-sum << 8);
}

/* ---- commands --------------------------------------------------------------------------------------- */

/* Start a sector transfer or verify: check the whole range first (IDNF before any data moves). */
static int start_range(struct ide *s, struct ide_drive *d)
{
	int64_t lba = task_lba(d);
	uint32_t count = d->nsect ? d->nsect : 256;   /* a count of 0 means 256 sectors */

	if (lba < 0 || (uint64_t)lba + count > capacity(d)) {
		if (lba >= 0)
			set_task_lba(d, lba > capacity(d) ? (uint32_t)lba : capacity(d));
		cmd_error(s, d, ATA_ER_IDNF);
		return -1;
	}
	d->lba = (uint32_t)lba;
	d->remaining = count;
	return 0;
}

static void command(struct ide *s, uint8_t cmd)
{
	int dev = sel_dev(s);
	struct ide_drive *d = &s->drive[dev];
	char err[DISK_ERRLEN];

	if (cmd == ATA_CMD_DIAGNOSTIC) {   /* addressed to both drives whatever DEV says */
		for (int k = 0; k < 2; k++)
			if (s->drive[k].disk) {
				s->drive[k].irq_pending = 0;
				signature(&s->drive[k]);
			}
		if (s->drive[0].disk)
			raise_irq(s, &s->drive[0]);   /* device 0 reports for both */
		else
			update_irq(s);
		return;
	}
	if (!d->disk)
		return;                    /* nobody there to hear it */
	d->irq_pending = 0;                /* writing the command register clears a pending interrupt */
	update_irq(s);
	d->cmd = cmd;
	d->remaining = d->len = d->pos = 0;

	switch (cmd) {
	case ATA_CMD_READ: case ATA_CMD_READ + 1:
		d->cmd = ATA_CMD_READ;
		if (start_range(s, d) == 0)
			read_block(s, d);
		break;
	case ATA_CMD_READ_MULT:
		if (!d->mult)
			cmd_error(s, d, ATA_ER_ABRT);   /* multiple mode not enabled */
		else if (start_range(s, d) == 0)
			read_block(s, d);
		break;
	case ATA_CMD_WRITE: case ATA_CMD_WRITE + 1: case ATA_CMD_WRITE_MULT:
		if (cmd != ATA_CMD_WRITE_MULT)
			d->cmd = ATA_CMD_WRITE;
		if ((cmd == ATA_CMD_WRITE_MULT && !d->mult) || d->disk->mode == DISK_READONLY)
			cmd_error(s, d, ATA_ER_ABRT);
		else if (start_range(s, d) == 0)
			open_write_block(d);           /* no interrupt before the first block */
		break;
	case ATA_CMD_VERIFY: case ATA_CMD_VERIFY + 1:
		if (start_range(s, d) == 0) {
			set_task_lba(d, d->lba + d->remaining - 1);
			d->nsect = 0;
			d->remaining = 0;
			cmd_done(s, d);
		}
		break;
	case ATA_CMD_IDENTIFY: {
		uint16_t id[256];
		ide_identify(s, dev, id);
		for (unsigned k = 0; k < 256; k++) {
			d->buf[2 * k] = (uint8_t)id[k];
			d->buf[2 * k + 1] = (uint8_t)(id[k] >> 8);
		}
		d->remaining = d->block = 1;
		d->pos = 0;
		d->len = DISK_SECTOR;
		d->status = ST_READY | ATA_SR_DRQ;
		raise_irq(s, d);
		break;
	}
	case ATA_CMD_SET_MULT:
		/* A power of two up to the maximum (0 disables multiple mode). */
		if (d->nsect > IDE_MAX_MULT || (d->nsect & (d->nsect - 1)))
			cmd_error(s, d, ATA_ER_ABRT);
		else {
			d->mult = d->nsect;
			cmd_done(s, d);
		}
		break;
	case ATA_CMD_INIT_PARAMS:
		/* Heads from the device/head register (count - 1), sectors per track from the count. */
		if (d->nsect == 0)
			cmd_error(s, d, ATA_ER_ABRT);
		else {
			d->heads = (uint16_t)((d->select & 0x0f) + 1);
			d->spt = d->nsect;
			cmd_done(s, d);
		}
		break;
	case 0x10:                                 /* RECALIBRATE (obsolete): nothing to move */
		cmd_done(s, d);
		break;
	case ATA_CMD_FLUSH:
		if (disk_flush(d->disk, err)) {
			host_error(s, err);
			cmd_error(s, d, ATA_ER_ABRT);
		} else
			cmd_done(s, d);
		break;
	case ATA_CMD_SET_FEATURES:
		switch (d->feature) {
		case 0x03:                         /* set transfer mode: PIO default or PIO modes 0-4 only */
			if (d->nsect <= 0x01 || (d->nsect >= 0x08 && d->nsect <= 0x0C))
				cmd_done(s, d);
			else
				cmd_error(s, d, ATA_ER_ABRT);
			break;
		case 0x02: case 0x82:              /* write cache on/off: writes are never cached here */
		case 0xAA: case 0x55:              /* read look-ahead on/off */
		case 0x66: case 0xCC:              /* keep / revert to power-on defaults */
			cmd_done(s, d);
			break;
		default:
			cmd_error(s, d, ATA_ER_ABRT);
		}
		break;
	default:                                   /* unknown or unsupported (DMA, LBA48, ATAPI, ...) */
		cmd_error(s, d, ATA_ER_ABRT);
		break;
	}
}

/* ---- the ports -------------------------------------------------------------------------------------- */

static uint8_t status_of(struct ide *s, int clear_irq)
{
	int dev = sel_dev(s);
	struct ide_drive *d = &s->drive[dev];

	if (!d->disk)
		return 0;                          /* absent device 1: device 0 answers 00h */
	if (clear_irq) {
		d->irq_pending = 0;
		update_irq(s);
	}
	return d->status;
}

static void cmd_block_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct ide *s = opaque;
	struct ide_drive *d;
	uint8_t v = (uint8_t)*data;

	if (!s->drive[0].disk && !s->drive[1].disk) {
		if (!is_write)
			*data = 0xffffffffu;               /* an empty channel: nothing drives the bus */
		return;
	}
	if (addr == 0) {
		if (is_write)
			data_write(s, len, *data);
		else
			*data = data_read(s, len);
		return;
	}
	if (is_write) {
		if (s->control & ATA_DC_SRST)
			return;                         /* drives in reset ignore the task file */
		for (int k = 0; k < 2; k++) {           /* both drives latch task file writes */
			d = &s->drive[k];
			switch (addr) {
			case 1: d->feature = v; break;
			case 2: d->nsect = v; break;
			case 3: d->sector = v; break;
			case 4: d->lcyl = v; break;
			case 5: d->hcyl = v; break;
			case 6: d->select = v & (uint8_t)~SEL_OBS; break;
			}
		}
		if (addr == 6)
			update_irq(s);                  /* INTRQ now follows the newly selected drive */
		else if (addr == 7)
			command(s, v);
		return;
	}
	/* Reads: the selected drive's copy; an absent device 1 is answered for by device 0. */
	d = &s->drive[sel_dev(s)];
	if (!d->disk)
		d = &s->drive[0];
	switch (addr) {
	case 1: *data = d->error; break;
	case 2: *data = d->nsect; break;
	case 3: *data = d->sector; break;
	case 4: *data = d->lcyl; break;
	case 5: *data = d->hcyl; break;
	case 6: *data = d->select | SEL_OBS; break;
	default: *data = status_of(s, 1); break;   /* BSY while SRST is held */
	}
}

static void ctrl_block_io(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct ide *s = opaque;
	uint8_t v = (uint8_t)*data, was = s->control;

	if (!s->drive[0].disk && !s->drive[1].disk) {
		if (!is_write)
			*data = 0xffffffffu;
		return;
	}
	if (!is_write) {          /* alternate status: the same bits, but reading it changes nothing */
		*data = status_of(s, 0);
		return;
	}
	s->control = v & (ATA_DC_NIEN | ATA_DC_SRST);
	if ((v & ATA_DC_SRST) && !(was & ATA_DC_SRST)) {
		/* SRST asserted: both drives abandon whatever they were doing and stay busy. */
		for (int k = 0; k < 2; k++) {
			s->drive[k].irq_pending = 0;
			s->drive[k].remaining = s->drive[k].len = s->drive[k].pos = 0;
			s->drive[k].status = ATA_SR_BSY;
		}
	} else if (!(v & ATA_DC_SRST) && (was & ATA_DC_SRST)) {
		/* SRST released: the reset completes at once (no interrupt after a software reset).  The
		 * multiple-mode setting and the CHS translation survive it. */
		for (int k = 0; k < 2; k++)
			if (s->drive[k].disk)
				signature(&s->drive[k]);
	}
	update_irq(s);
}

/* ---- life cycle ------------------------------------------------------------------------------------- */

void ide_reset(struct ide *s)
{
	s->control = 0;
	for (int k = 0; k < 2; k++) {
		struct ide_drive *d = &s->drive[k];
		d->irq_pending = 0;
		d->mult = 0;
		d->feature = 0;
		d->heads = DEFAULT_HEADS;
		d->spt = DEFAULT_SPT;
		d->cmd = 0;
		signature(d);
	}
	update_irq(s);
}

struct ide *ide_new(struct machine *m, struct disk *master, struct disk *slave)
{
	struct ide *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->m = m;
	s->drive[0].disk = master;
	s->drive[1].disk = slave;
	if (bus_register(m, BUS_PIO, IDE_CMD_BASE, 8, cmd_block_io, s, "ide") ||
	    bus_register(m, BUS_PIO, IDE_CTRL_PORT, 1, ctrl_block_io, s, "ide-ctrl")) {
		free(s);
		return NULL;
	}
	ide_reset(s);
	return s;
}

void ide_free(struct ide *s)
{
	if (!s)
		return;
	disk_close(s->drive[0].disk);
	disk_close(s->drive[1].disk);
	free(s);
}

/* ---- record/replay ---------------------------------------------------------------------------- */

/* Save or restore the channel (snapshot.h; the pattern is explained at pit_snapshot in pit.c).  The
 * disks are wiring here: their contents are saved separately (disk_snapshot, the overlay). */
void ide_snapshot(struct ide *d, struct snap *s)
{
	struct ide st;

	memcpy(&st, d, sizeof st);
	memset(&st.m, 0, sizeof st.m);
	memset(&st.irq, 0, sizeof st.irq);
	for (int k = 0; k < 2; k++)
		memset(&st.drive[k].disk, 0, sizeof st.drive[k].disk);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s))
		return;
	st.m = d->m;
	st.irq = d->irq;
	for (int k = 0; k < 2; k++)
		st.drive[k].disk = d->drive[k].disk;
	memcpy(d, &st, sizeof st);
}
