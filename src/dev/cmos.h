/* SPDX-License-Identifier: MIT
 *
 * cmos.h — the Motorola MC146818 real-time clock and its 128 bytes of battery-backed CMOS RAM, at
 * ports 0x70 (index; bit 7 masks NMI) and 0x71 (data), interrupting on IRQ8.
 *
 * Determinism: the clock starts at a date given when the device is created (seconds since the Unix
 * epoch, UTC — the event layer takes it from the host's clock or from a recording) and then advances
 * with virtual time only: one second per REVISOR_VIRT_HZ retired instructions (vclock.h).  The
 * periodic interrupt divides the 32 768 Hz time base the same way.
 *
 * Reference: Motorola MC146818A datasheet ("Address map", "Register A-D"); IBM PC/AT Technical Reference
 * for the meaning of the CMOS bytes (0x0F shutdown status, 0x15-0x18 and 0x30-0x31 memory sizes,
 * 0x32 century) and the AMI/Award convention for 0x34-0x35 (memory above 16 MiB in 64 KiB units).
 */
#ifndef REVISOR_DEV_CMOS_H
#define REVISOR_DEV_CMOS_H

#include <stdint.h>
#include "machine.h"
#include "dev/irq.h"

/* CMOS register indices */
#define CMOS_SEC       0x00
#define CMOS_SEC_ALARM 0x01
#define CMOS_MIN       0x02
#define CMOS_MIN_ALARM 0x03
#define CMOS_HOUR      0x04
#define CMOS_HOUR_ALARM 0x05
#define CMOS_WDAY      0x06   /* 1 = Sunday */
#define CMOS_MDAY      0x07
#define CMOS_MONTH     0x08
#define CMOS_YEAR      0x09   /* two digits */
#define CMOS_A         0x0a   /* UIP, divider, rate select */
#define CMOS_B         0x0b   /* SET, PIE, AIE, UIE, SQWE, DM (binary), 24/12, DSE */
#define CMOS_C         0x0c   /* IRQF, PF, AF, UF: read-only, cleared by reading */
#define CMOS_D         0x0d   /* VRT: RAM and time valid */
#define CMOS_SHUTDOWN  0x0f   /* why the BIOS was re-entered after a reset (286 protected-mode exit) */
#define CMOS_BASEMEM_LO 0x15  /* conventional memory in KiB (640) */
#define CMOS_EXTMEM_LO 0x17   /* memory above 1 MiB in KiB, capped at 65535 */
#define CMOS_EXTMEM2_LO 0x30  /* the same, as the POST saw it */
#define CMOS_CENTURY   0x32   /* BCD century (IBM) */
#define CMOS_HIMEM_LO  0x34   /* memory above 16 MiB in 64 KiB blocks */

#define CMOS_B_SET  0x80
#define CMOS_B_PIE  0x40
#define CMOS_B_AIE  0x20
#define CMOS_B_UIE  0x10
#define CMOS_B_DM   0x04      /* 1: binary, 0: BCD */
#define CMOS_B_24H  0x02
#define CMOS_A_UIP  0x80

struct cmos {
	struct machine *m;
	uint8_t ram[128];
	uint8_t index;
	uint8_t nmi_masked;      /* port 0x70 bit 7 (the glue may consult it before delivering NMIs) */
	int64_t base_time;       /* the time (Unix seconds) at instruction count base_icount */
	uint64_t base_icount;
	uint64_t next_update;    /* icount of the next end-of-update (one per virtual second) */
	uint64_t periodic_k;     /* index of the next periodic-interrupt tick */
	uint8_t irq_level;
	struct vtimer update_timer, periodic_timer;
	struct irq_line irq;     /* IRQ8 */
};

/* start_time: seconds since 1970-01-01 00:00:00 UTC at instruction count 0; ram_bytes: guest RAM size
 * for the memory-size bytes. */
struct cmos *cmos_new(struct machine *m, int64_t start_time, uint32_t ram_bytes);
void cmos_reset(struct cmos *c);
void cmos_free(struct cmos *c);

int64_t cmos_time(struct cmos *c);   /* the clock's current time, Unix seconds */

#endif
