/* SPDX-License-Identifier: MIT
 *
 * snapshot.h — capturing and restoring a whole machine, and hashing its state.  This is what "step
 * backward through execution" rests on: a replay can only go back to a point it has a snapshot of.
 *
 * What a snapshot holds (docs/replay.md has the picture):
 *   - the CPU's architectural state (struct cpu minus the host-side run-loop bookkeeping: the TLB is not
 *     saved and is flushed on restore, fault_jmp and the machine pointer stay as they are);
 *   - every device's register file: each device file in src/dev/ has an X_snapshot(dev, snap) function
 *     that copies its plain fields and keeps its wiring (machine pointer, interrupt lines, callbacks,
 *     timer links) — one pattern for all, see pit_snapshot() in src/dev/pit.c;
 *   - the armed virtual timers, in list order (two timers due at the same count fire in arming order,
 *     so the order is state too);
 *   - the event layer's state (replay/event.c) and the disks' snapshot overlays;
 *   - optionally all of RAM (snapshot files); checkpoints store RAM as dirty-page deltas instead.
 *
 * The stream: struct snap is either a growing buffer being written (save) or a buffer being read back
 * (load); snap_bytes() does the one or the other, so each X_snapshot function is written once for both
 * directions.
 */
#ifndef REVISOR_SNAPSHOT_H
#define REVISOR_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include "machine.h"

struct snap {
	int loading;          /* 0: save (append to buf), 1: load (read from buf at pos) */
	uint8_t *buf;
	size_t len, cap, pos;
	int error;            /* set when a load runs past the end or a save runs out of memory */
};

void snap_init_save(struct snap *s);
void snap_init_load(struct snap *s, const uint8_t *buf, size_t len);
void snap_release(struct snap *s);    /* frees a save buffer */
void snap_bytes(struct snap *s, void *p, size_t n);   /* save: append n bytes of p; load: fill p */
static inline int snap_loading(const struct snap *s) { return s->loading; }

/* Device helpers: a timer's links and callback are wiring, not state (its deadline is kept elsewhere:
 * the machine snapshot saves the timer list), and so is an interrupt line. */
void snap_unwire_timer(struct vtimer *t);

/* Each device saves/restores itself (src/dev/X.c).  On load the device keeps its wiring. */
struct pic; struct pit; struct uart; struct cmos; struct i8042; struct lapic; struct ioapic;
struct ide; struct cga; struct disk; struct events;
void pic_snapshot(struct pic *p, struct snap *s);
void pit_snapshot(struct pit *p, struct snap *s);
void uart_snapshot(struct uart *u, struct snap *s);
void cmos_snapshot(struct cmos *c, struct snap *s);
void i8042_snapshot(struct i8042 *k, struct snap *s);
void lapic_snapshot(struct lapic *l, struct snap *s);
void ioapic_snapshot(struct ioapic *io, struct snap *s);
void ide_snapshot(struct ide *d, struct snap *s);
void cga_snapshot(struct cga *v, struct snap *s);
void disk_snapshot(struct disk *d, struct snap *s);          /* the overlay */
void events_snapshot(struct events *ev, struct snap *s);     /* replay/event.c */

/* ---- whole machine ------------------------------------------------------------------------------ */
#define SNAP_RAM 0x1   /* include all of RAM (non-zero pages) */

/* Save the machine (m->dev, if set, is the PC whose devices are included).  0, or -1 + err. */
int machine_save(struct machine *m, struct snap *s, unsigned flags, char err[256]);
/* Restore what machine_save wrote, on a machine built with the same configuration.  Flushes the TLB and
 * every cached decoding.  Without SNAP_RAM, RAM is left to the caller (checkpoint deltas).  0 or -1. */
int machine_load(struct machine *m, struct snap *s, unsigned flags, char err[256]);

/* Snapshot files: "RVSNAP" + version, the machine_save stream with SNAP_RAM, CRC-32 of it all. */
int snapshot_save_file(struct machine *m, const char *path, char err[256]);
int snapshot_load_file(struct machine *m, const char *path, char err[256]);

/* ---- state hashes ------------------------------------------------------------------------------- */
/* Divergence detection: a 64-bit digest of the guest-visible state, split so that a mismatch can say
 * where.  RAM is hashed incrementally: a per-page hash cache is refreshed for pages written since the
 * last hash (DIRTY_HASH), so a hash point costs in proportion to the memory the guest touched. */
enum { SD_CPU, SD_RAM, SD_DEV, SD_DISK, SD_PARTS };
struct state_digest {
	uint64_t total;
	uint64_t part[SD_PARTS];
};
void machine_state_digest(struct machine *m, struct state_digest *d);
uint64_t machine_state_hash(struct machine *m);

/* The hash function used throughout record/replay (a multiply–xorshift mixer, 4 lanes of 8 bytes). */
uint64_t rv_hash(const void *p, size_t n, uint64_t seed);

#endif
