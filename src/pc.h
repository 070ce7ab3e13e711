/* SPDX-License-Identifier: MIT
 *
 * pc.h — the PC platform: one machine (machine.h) with the devices of a small 32-bit PC wired together
 * (PIC pair, PIT, UART, CMOS, i8042, IDE, CGA text, LAPIC, I/O APIC, debug ports), a boot path and a
 * backend, plus the run loop around the backend that talks to the host through the event layer.
 */
#ifndef REVISOR_PC_H
#define REVISOR_PC_H

#include <stdint.h>
#include <time.h>

enum serial_mode { SERIAL_STDIO, SERIAL_NONE, SERIAL_FILE };

#include "machine.h"   /* LOG_* categories for -d */

struct pc_config {
	const char *kernel;          /* -kernel */
	const char *append;          /* -append */
	const char **initrd;         /* -initrd, NULL-terminated */
	const char *disk[2];         /* -hda, -hdb */
	uint32_t mem_mib;            /* -m */
	enum serial_mode serial;
	const char *serial_path;
	int snapshot, no_reboot;
	const char *accel;
	int accel_explicit;          /* -accel given: no fallback to the interpreter if it cannot start */
	int one_insn_per_trace;      /* -accel interp,one-insn-per-trace=on */
	const char *loadvm;          /* -loadvm FILE: start from a snapshot instead of booting */
	const char *savevm;          /* -savevm FILE: save a snapshot of the machine when the run ends */
	unsigned log_mask;
	const char *log_file;
	uint64_t icount_limit;       /* 0 = none */
	int tsc_host;                /* -tsc host: rdtsc reads the host's TSC (costs-bench.sh); 0 = icount */
	int64_t rtc_base;            /* seconds since the epoch, or -1 = take the host's clock (an input event) */
	struct recorder *rec;        /* revisor record: log every input (replay/record.c), or NULL */
	struct player *play;         /* revisor replay: inputs come from a recording (replay/replay.c), or NULL */
	const char *gdb;             /* -gdb tcp:HOST:PORT / stdio (-s = tcp:127.0.0.1:1234): attach the GDB stub */
	int gdb_wait;                /* -S: do not start the CPU until gdb continues it */
};

void pc_config_defaults(struct pc_config *cfg);
int pc_parse_log(struct pc_config *cfg, const char *items, char *err);   /* -d ITEMS */
int pc_parse_date(const char *s, int64_t *out);                          /* YYYY-MM-DDTHH:MM:SS, UTC */

struct pc;
struct pc *pc_new(const struct pc_config *cfg, char err[512]);   /* NULL + err on bad input */
int pc_run(struct pc *pc);                                        /* runs to the end; the exit status */
void pc_free(struct pc *pc);

/* pc_run in two halves, for drivers that run a guest in pieces (record/replay, the debugger):
 * pc_step runs until the guest stops or cpu.icount_limit, rebooting on guest reset requests as pc_run
 * does; pc_finish prints the end-of-run report and returns the exit status pc_run would. */
enum stop_reason pc_step(struct pc *pc);
int pc_finish(struct pc *pc, enum stop_reason why);

/* The PC's parts, for snapshots (src/snapshot.c), record/replay and the debugger. */
struct pc_parts {
	struct machine *m;
	struct events *ev;
	struct pic *pic;
	struct pit *pit;
	struct uart *com1;
	struct cmos *cmos;
	struct i8042 *kbd;
	struct lapic *lapic;
	struct ioapic *ioapic;
	struct ide *ide;
	struct cga *cga;
};
void pc_get_parts(struct pc *pc, struct pc_parts *out);
struct machine *pc_machine(struct pc *pc);
void pc_mute_output(struct pc *pc, int on);   /* drop the guest's console output (replay seeking) */

#endif
