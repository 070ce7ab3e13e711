/* SPDX-License-Identifier: MIT
 *
 * replay.c — `revisor replay FILE [-accel BACKEND] [-until N] [-s | -S | -gdb DEV]` and the seek API
 * (checkpoint.h).
 *
 * A replay is a run whose event layer reads the recording instead of the host (replay/event.c):
 *   1. read and check the whole file (log.c: magic, version, a CRC per chunk);
 *   2. rebuild the machine from the header, refusing images whose content hash changed;
 *   3. run, through the backend's run function with cpu.icount_limit as the target (any backend: each
 *      stops exactly at the limit and at timer deadlines, so a recording replays under either).  The
 *      poll timer runs on the recording's schedule and hands the guest the logged bytes stamped with
 *      the current instruction count; the hash timer compares the state with each logged hash point and
 *      stops at the first mismatch with a report (which parts differ, which registers, the last events
 *      before it);
 *   4. at the end, compare the stop reason, the instruction count and the final hash with the "end"
 *      event, and exit with the recorded exit status.
 *
 * Under gdb (-s, -S, -gdb) step 3 is the GDB stub's session (debugger/session.c), which runs the machine
 * for gdb, and the recording is the stub's execution history (debugger/history.c): forward execution
 * consumes the logged events exactly as a plain replay does, reverse execution is rr_seek(), and the
 * recording's end is the end of history (`replaylog:end`).  Hash points are still checked: gdb cannot
 * change the machine (register and memory writes are refused), so a divergence is still a bug.  When gdb
 * detaches the replay runs on to the end and step 4 happens; when gdb kills it, the replay just ends.
 *
 * Exit status: the recorded run's status when everything matched; 2 for a file that cannot be replayed
 * (corrupt, wrong version, changed or missing images) and for a truncated recording (after replaying
 * what it has); 10 when the replay diverged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pc.h"
#include "console.h"
#include "snapshot.h"
#include "dev/ide.h"
#include "dev/disk.h"
#include "replay/event.h"
#include "replay/log.h"
#include "replay/record.h"
#include "replay/replay.h"
#include "replay/checkpoint.h"
#include "debugger/gdbstub.h"

#define EXIT_DIVERGED 10
#define MAX_CHECKPOINTS 256

struct player {
	struct log_file lf;
	struct pc *pc;
	struct machine *m;
	struct events *ev;
	char kernel[1024], append[2048], disk[2][1024], initrd_buf[16][1024];
	const char *initrd[17];
	uint64_t hash_interval;
	const struct log_event *end;   /* the "end" event, NULL for a truncated recording */
	uint64_t last_icount;          /* the recording's last instruction count */
	int diverged;
	char error[512];
	struct ckpt_store *ck;
	uint64_t ckpt_interval, next_ckpt;
	uint64_t seen;                 /* the furthest count run to: its console output has been shown */
	int quiet;                     /* -bench-seek: no console output at all */
};

static void enable_checkpoints(struct player *p);

/* ---- the event layer's hooks -------------------------------------------------------------------- */

static void print_event(FILE *out, const struct log_event *e)
{
	fprintf(out, "    %12llu  %-6s", (unsigned long long)e->icount, log_kind_name(e->kind));
	if (e->kind == LOG_EV_SERIAL) {
		fputs("  \"", out);
		for (uint32_t k = 0; k < e->len; k++)
			fprintf(out, e->payload[k] >= 0x20 && e->payload[k] < 0x7f && e->payload[k] != '"' ? "%c" : "\\x%02x",
				e->payload[k]);
		fputc('"', out);
	}
	fputc('\n', out);
}

/* Stop the replay: say what went wrong, show the last events before this point. */
void play_mismatch(struct player *p, struct events *ev, const char *what)
{
	if (p->diverged)
		return;
	p->diverged = 1;
	snprintf(p->error, sizeof p->error, "replay diverged at instruction %llu: %s",
		 (unsigned long long)ev->m->cpu.icount, what);
	fprintf(stderr, "revisor: %s\n", p->error);
	size_t pos = ev->play_pos, from = pos > 5 ? pos - 5 : 0;
	if (pos) {
		fprintf(stderr, "  the last events before it:\n");
		for (size_t k = from; k < pos; k++)
			print_event(stderr, &p->lf.ev[k]);
	}
	ev->m->stop = STOP_ERROR;
}

const struct log_event *play_take(struct player *p, struct events *ev, unsigned kind, uint64_t icount)
{
	const struct log_event *e;

	if (ev->play_pos >= p->lf.nev)
		return NULL;
	e = &p->lf.ev[ev->play_pos];
	if (e->icount < icount && e->kind != LOG_EV_END) {
		char what[128];
		snprintf(what, sizeof what, "the recording has a %s event at instruction %llu, which this run passed",
			 log_kind_name(e->kind), (unsigned long long)e->icount);
		play_mismatch(p, ev, what);
		return NULL;
	}
	if (e->kind != kind || e->icount != icount)
		return NULL;
	ev->play_pos++;
	return e;
}

int play_inputs_left(struct player *p, struct events *ev)
{
	for (size_t k = ev->play_pos; k < p->lf.nev; k++)
		if (p->lf.ev[k].kind == LOG_EV_SERIAL || p->lf.ev[k].kind == LOG_EV_EOF)
			return 1;
	return 0;
}

int64_t play_rtc_base(struct player *p, struct events *ev)
{
	const struct log_event *e = play_take(p, ev, LOG_EV_RTC, ev->m->cpu.icount);
	int64_t base = 0;

	if (e && e->len == sizeof base)
		memcpy(&base, e->payload, sizeof base);
	else
		play_mismatch(p, ev, "the recording has no RTC start date where the machine reads it");
	return base;
}

static const char *const reg_names[LH_NREGS] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
	"cr0", "cr2", "cr3", "cr4", "cs:ss", "ds:es",
};

void play_hash_point(struct player *p, struct events *ev)
{
	struct machine *m = ev->m;
	const struct log_event *e = play_take(p, ev, LOG_EV_HASH, m->cpu.icount);
	struct log_hash now, rec;
	char what[160];

	if (p->diverged)
		return;
	if (!e) {
		if (p->lf.truncated && m->cpu.icount > p->last_icount)
			return;   /* past the end of what was saved */
		snprintf(what, sizeof what, "the recording has no state hash here (%s)",
			 m->cpu.icount > p->last_icount ? "the replay ran past the recorded end" : "the schedule differs");
		play_mismatch(p, ev, what);
		return;
	}
	if (e->len != sizeof rec) {
		play_mismatch(p, ev, "malformed hash record");
		return;
	}
	memcpy(&rec, e->payload, sizeof rec);
	rec_fill_hash(m, &now);
	if (now.total == rec.total)
		return;
	static const char *const parts[] = { "CPU state", "RAM", "device state", "disk overlays" };
	snprintf(what, sizeof what, "state hash %016llx, the recording has %016llx; differs in:",
		 (unsigned long long)now.total, (unsigned long long)rec.total);
	for (int k = 0; k < SD_PARTS; k++)
		if (now.part[k] != rec.part[k])
			snprintf(what + strlen(what), sizeof what - strlen(what), " %s;", parts[k]);
	ev->play_pos--;   /* show the events before the hash point, not the hash point itself */
	play_mismatch(p, ev, what);
	ev->play_pos++;
	for (int k = 0; k < LH_NREGS; k++)
		if (now.reg[k] != rec.reg[k])
			fprintf(stderr, "  register %-6s is %08x, recorded %08x\n", reg_names[k], now.reg[k], rec.reg[k]);
}

/* ---- opening a recording ------------------------------------------------------------------------ */

static int header_u64(struct player *p, const char *key, uint64_t *v, char err[1024])
{
	char val[64];

	if (log_header_get(&p->lf, key, val, sizeof val)) {
		snprintf(err, 1024, "the recording's header has no '%s'", key);
		return -1;
	}
	*v = strtoull(val, NULL, 0);
	return 0;
}

/* An image named in the header must still have the content it had when it was recorded. */
static int check_file(struct player *p, const char *key, char *path, size_t pathlen, char err[1024])
{
	char hkey[64], want[64];
	uint64_t h;

	if (log_header_get(&p->lf, key, path, pathlen))
		return 0;   /* not used by this recording */
	snprintf(hkey, sizeof hkey, "%s_hash", key);
	if (log_header_get(&p->lf, hkey, want, sizeof want)) {
		snprintf(err, 1024, "the recording's header names %s but has no %s", path, hkey);
		return -1;
	}
	char file[1024];
	snprintf(file, sizeof file, "%s", path);
	char *sp = strchr(file, ' ');   /* "FILE args" for modules */
	if (sp)
		*sp = 0;
	if (!strncmp(key, "hd", 2)) {   /* disks: what the guest sees (disk.h), as the recorder hashed them */
		char derr[DISK_ERRLEN];
		struct disk *d = disk_open(file, DISK_READONLY, derr);
		int bad = !d || disk_hash(d, &h, derr);
		disk_close(d);
		if (bad) {
			snprintf(err, 1024, "%s (%s): %s", file, key, derr);
			return -1;
		}
	} else if (rr_file_hash(file, &h)) {
		snprintf(err, 1024, "%s (%s): cannot read: %s", file, key, strerror(errno));
		return -1;
	}
	if (h != strtoull(want, NULL, 16)) {
		snprintf(err, 1024, "%s (%s): content hash %016llx differs from the recording's %s: the image changed "
			 "since it was recorded", file, key, (unsigned long long)h, want);
		return -1;
	}
	return 1;
}

struct player *rr_open(const char *path, const struct rr_options *o, char err[1024])
{
	struct player *p = calloc(1, sizeof *p);
	struct pc_config cfg;
	char e2[512], val[256];
	uint64_t v;

	if (!p) {
		snprintf(err, 1024, "out of memory");
		return NULL;
	}
	if (log_read(&p->lf, path, o->ignore_crc, e2)) {
		snprintf(err, 1024, "%s", e2);
		goto fail;
	}
	pc_config_defaults(&cfg);
	if (header_u64(p, "ram_mib", &v, err) || header_u64(p, "hash_interval", &p->hash_interval, err))
		goto fail;
	cfg.mem_mib = (uint32_t)v;
	if (!p->hash_interval) {
		snprintf(err, 1024, "the recording's header has a zero hash_interval");
		goto fail;
	}
	if (!header_u64(p, "no_reboot", &v, err))
		cfg.no_reboot = (int)v;
	if (check_file(p, "kernel", p->kernel, sizeof p->kernel, err) < 0)
		goto fail;
	cfg.kernel = p->kernel[0] ? p->kernel : NULL;
	if (!log_header_get(&p->lf, "append", p->append, sizeof p->append))
		cfg.append = p->append;
	for (int k = 0; k < 16; k++) {
		char key[16];
		snprintf(key, sizeof key, "initrd%d", k);
		int r = check_file(p, key, p->initrd_buf[k], sizeof p->initrd_buf[k], err);
		if (r < 0)
			goto fail;
		if (!r)
			break;
		p->initrd[k] = p->initrd_buf[k];
		cfg.initrd = p->initrd;
	}
	for (int k = 0; k < 2; k++) {
		if (check_file(p, k ? "hdb" : "hda", p->disk[k], sizeof p->disk[k], err) < 0)
			goto fail;
		cfg.disk[k] = p->disk[k][0] ? p->disk[k] : NULL;
	}
	if (log_header_get(&p->lf, "serial", val, sizeof val) == 0 && !strcmp(val, "none"))
		cfg.serial = SERIAL_NONE;
	else if (!strcmp(val, "file")) {   /* the recording wrote a file; the replay shows it */
		cfg.serial = SERIAL_FILE;
		cfg.serial_path = "/dev/stdout";
	}
	if (o->accel) {
		cfg.accel = o->accel;
		cfg.accel_explicit = 1;
	}
	cfg.gdb = o->gdb;
	cfg.gdb_wait = o->gdb_wait;
	/* (With -gdb stdio the serial mode stays as recorded — the event layer's schedule depends on it —
	 * and the stub points standard output at standard error, so the guest's console goes there.) */
	cfg.snapshot = 1;
	cfg.play = p;
	if (p->lf.nev) {
		const struct log_event *last = &p->lf.ev[p->lf.nev - 1];
		p->last_icount = last->icount;
		if (last->kind == LOG_EV_END && last->len == sizeof(struct log_end))
			p->end = last;
	}
	if (!(p->pc = pc_new(&cfg, e2))) {
		snprintf(err, 1024, "%s", e2);
		goto fail;
	}
	struct pc_parts parts;
	pc_get_parts(p->pc, &parts);
	p->m = parts.m;
	p->ev = parts.ev;
	if (p->diverged) {
		snprintf(err, 1024, "%s", p->error);
		goto fail;
	}
	events_start_hashing(p->ev, p->hash_interval);
	if (o->gdb) {
		/* The recording is the debugger's history; reverse execution needs a checkpoint at 0. */
		gdbstub_use_player(p->m, p);
		enable_checkpoints(p);
	}
	return p;
fail:
	rr_close(p);
	return NULL;
}

void rr_close(struct player *p)
{
	if (!p)
		return;
	ckpt_free(p->ck);
	pc_free(p->pc);
	log_file_free(&p->lf);
	free(p);
}

/* ---- running and seeking ------------------------------------------------------------------------ */

static void enable_checkpoints(struct player *p)
{
	if (p->ck)
		return;
	p->ck = ckpt_new(p->m);
	/* K adapts to the recording's length: at most about MAX_CHECKPOINTS of them. */
	p->ckpt_interval = p->last_icount / MAX_CHECKPOINTS + 1;
	if (p->ckpt_interval < 100000)
		p->ckpt_interval = 100000;
	if (p->ck && p->m->cpu.icount == 0)
		ckpt_take(p->ck);
	p->next_ckpt = (p->m->cpu.icount / p->ckpt_interval + 1) * p->ckpt_interval;
}

/* Run to instruction `target` (or until the guest stops), taking checkpoints on the way when enabled. */
static enum stop_reason run_to(struct player *p, uint64_t target)
{
	struct machine *m = p->m;
	enum stop_reason why;

	for (;;) {
		uint64_t stop_at = target;
		if (p->ck && p->next_ckpt < stop_at)
			stop_at = p->next_ckpt;
		m->cpu.icount_limit = stop_at;
		why = pc_step(p->pc);
		if (m->cpu.icount > p->seen)
			p->seen = m->cpu.icount;
		if (p->diverged)
			return STOP_ERROR;
		if (why != STOP_LIMIT)
			return why;
		if (p->ck && m->cpu.icount == p->next_ckpt) {
			ckpt_take(p->ck);   /* refused when one exists here already */
			p->next_ckpt += p->ckpt_interval;
		}
		if (m->cpu.icount >= target)
			return why;
	}
}

int rr_seek(struct player *p, uint64_t icount)
{
	struct machine *m = p->m;

	if (p->diverged)
		return -1;
	if (icount > p->last_icount) {
		snprintf(p->error, sizeof p->error, "instruction %llu is beyond the recording's end (%llu)",
			 (unsigned long long)icount, (unsigned long long)p->last_icount);
		return -1;
	}
	enable_checkpoints(p);
	if (p->ck) {
		/* Restore when going back, or when a checkpoint lies between here and the target. */
		size_t n = ckpt_count(p->ck), k = n;
		while (k > 0 && ckpt_icount(p->ck, k - 1) > icount)
			k--;
		if (k && (icount < m->cpu.icount || ckpt_icount(p->ck, k - 1) > m->cpu.icount))
			if (ckpt_restore(p->ck, icount) < 0) {
				snprintf(p->error, sizeof p->error, "cannot restore a checkpoint");
				return -1;
			}
	}
	/* Re-executing what the user has seen already is done muted; beyond that, the output is new. */
	if (m->cpu.icount < icount && m->cpu.icount < p->seen) {
		rr_mute(p, 1);
		run_to(p, icount < p->seen ? icount : p->seen);
		rr_mute(p, 0);
	}
	if (m->cpu.icount < icount && !p->diverged)
		run_to(p, icount);
	if (p->diverged)
		return -1;
	return m->cpu.icount == icount ? 0 : -1;
}

void rr_advanced(struct player *p)
{
	struct machine *m = p->m;

	if (m->cpu.icount > p->seen)
		p->seen = m->cpu.icount;
	/* gdb runs the machine without run_to(): leave checkpoints behind those runs as run_to would, so
	 * going back after a long run forward does not re-execute from the start.  Only where a run ended
	 * by its instruction limit (a clean instruction boundary, nothing half delivered: the kind of place
	 * run_to takes them), and never at or past the end of the recording. */
	if (p->ck && m->stop == STOP_LIMIT && m->cpu.icount >= p->next_ckpt && m->cpu.icount < p->last_icount) {
		ckpt_take(p->ck);   /* refused when one exists at or after it */
		p->next_ckpt = (m->cpu.icount / p->ckpt_interval + 1) * p->ckpt_interval;
	}
}

int rr_keep(struct player *p)
{
	enable_checkpoints(p);
	return p->ck && !p->diverged ? ckpt_keep(p->ck) : -1;
}

uint64_t rr_base(struct player *p, uint64_t icount)
{
	size_t k = ckpt_count(p->ck);

	while (k > 0 && ckpt_icount(p->ck, k - 1) > icount)
		k--;
	return k ? ckpt_icount(p->ck, k - 1) : 0;
}

uint64_t rr_seen(struct player *p) { return p->seen; }
void rr_mute(struct player *p, int on) { pc_mute_output(p->pc, on || p->quiet); }

uint64_t rr_icount(struct player *p) { return p->m->cpu.icount; }
uint64_t rr_end_icount(struct player *p) { return p->last_icount; }
const char *rr_error(struct player *p) { return p->error; }

size_t rr_checkpoints(struct player *p, uint64_t *out, size_t max)
{
	size_t n = ckpt_count(p->ck);

	for (size_t k = 0; k < n && k < max; k++)
		out[k] = ckpt_icount(p->ck, k);
	return n;
}

/* ---- revisor replay ----------------------------------------------------------------------------- */

static double now_sec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* -bench-seek N: N seeks to pseudo-random counts (a fixed sequence), timed. */
static int bench_seek(struct player *p, unsigned n)
{
	double *t = calloc(n ? n : 1, sizeof *t), t0 = now_sec();
	uint64_t x = 0x2545f4914f6cdd1dull;

	p->quiet = 1;
	pc_mute_output(p->pc, 1);
	enable_checkpoints(p);
	run_to(p, p->last_icount);           /* the first pass takes the checkpoints */
	fprintf(stderr, "bench-seek: first pass %.3f s, %zu checkpoints, %.1f MiB\n", now_sec() - t0,
		ckpt_count(p->ck), ckpt_bytes(p->ck) / 1048576.0);
	for (unsigned k = 0; k < n; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t target = x % (p->last_icount + 1);
		double s = now_sec();
		if (rr_seek(p, target)) {
			fprintf(stderr, "bench-seek: seek to %llu failed: %s\n", (unsigned long long)target, p->error);
			free(t);
			return EXIT_DIVERGED;
		}
		t[k] = now_sec() - s;
	}
	/* Finally the whole recording once more from the first checkpoint: every hash point and the final
	 * hash must still match after all that restoring. */
	struct log_end end = { 0 };
	if (p->end)
		memcpy(&end, p->end->payload, sizeof end);
	if (rr_seek(p, 0) || run_to(p, p->last_icount) == STOP_ERROR || p->diverged ||
	    (p->end && machine_state_hash(p->m) != end.hash)) {
		fprintf(stderr, "bench-seek: the replay after seeking does not match the recording %s\n", p->error);
		free(t);
		return EXIT_DIVERGED;
	}
	qsort(t, n, sizeof *t, cmp_double);
	if (n)
		fprintf(stderr, "bench-seek: %u seeks over %llu instructions: median %.1f ms, max %.1f ms, "
			"checkpoint memory %.1f MiB (guest RAM %u MiB)\n", n, (unsigned long long)p->last_icount,
			t[n / 2] * 1e3, t[n - 1] * 1e3, ckpt_bytes(p->ck) / 1048576.0, p->m->ram_size >> 20);
	free(t);
	return 0;
}

/* --help prints to standard output and succeeds; a usage error goes to standard error, status 2. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: revisor replay FILE [-accel interp|bt] [-until N] [-bench-seek N] [-no-crc]\n"
		"                           [-s | -gdb tcp:HOST:PORT | -gdb stdio] [-S]\n"
		"  -accel BACKEND      bt (default on x86-64) or interp: a recording made under either replays under either\n"
		"  -until N            stop at instruction count N\n"
		"  -bench-seek N       time N seeks to pseudo-random counts (docs/replay.md)\n"
		"  -no-crc             replay even if chunk checksums are wrong\n"
		"  -gdb DEV            debug the replay with gdb: tcp:HOST:PORT (tcp::PORT = loopback) or stdio;\n"
		"                      the recording is gdb's history, reverse execution included (docs/gdb.md)\n"
		"  -s                  shorthand for -gdb tcp:127.0.0.1:1234\n"
		"  -S                  do not start the replay until gdb continues it\n");
	exit(status);
}

/* The recorded run's stop reason (the "end" event's payload may be unaligned in the file's data). */
static enum stop_reason end_reason(const struct player *p)
{
	struct log_end end;

	memcpy(&end, p->end->payload, sizeof end);
	return (enum stop_reason)end.reason;
}

/* The end of a replay: compare how the run ended with the recording's "end" event.  why is how the
 * machine stopped (for a replay under gdb: the recorded reason, once it got to the recorded end). */
static int finish_replay(struct player *p, const char *path, enum stop_reason why)
{
	struct machine *m = p->m;
	struct log_end end;
	int status;

	if (!p->end) {
		pc_finish(p->pc, why);
		fprintf(stderr, "revisor: replay: %s is truncated (%s): replayed up to instruction %llu, the end of its "
			"last complete chunk\n", path, p->lf.good_bytes < p->lf.size ? "it ends inside a chunk" :
			"it has no end record", (unsigned long long)m->cpu.icount);
		return 2;
	}
	memcpy(&end, p->end->payload, sizeof end);
	if (why == STOP_LIMIT && (end.reason == STOP_USER || end.reason == STOP_LIMIT))
		why = (enum stop_reason)end.reason;
	status = pc_finish(p->pc, why);
	uint64_t h = machine_state_hash(m);
	if (why != (enum stop_reason)end.reason || m->cpu.icount != p->end->icount || h != end.hash ||
	    status != end.status) {
		char what[400];
		snprintf(what, sizeof what, "the run stopped (reason %d, status %d, state hash %016llx) where the "
			 "recording ended at instruction %llu (reason %u, status %d, state hash %016llx)", why, status,
			 (unsigned long long)h, (unsigned long long)p->end->icount, end.reason, end.status,
			 (unsigned long long)end.hash);
		play_mismatch(p, p->ev, what);
		return EXIT_DIVERGED;
	}
	return status;
}

/* A replay under gdb: the GDB stub's session runs the machine (pc_step -> gdbstub_run) until gdb kills
 * it, or until it reaches the recording's end with no gdb attached (it detached, or never came). */
static int debug_replay(struct player *p, const char *path)
{
	struct machine *m = p->m;
	enum stop_reason why;

	m->cpu.icount_limit = UINT64_MAX;   /* the end of history bounds the runs (debugger/target.c) */
	why = pc_step(p->pc);
	if (p->diverged)
		return EXIT_DIVERGED;
	if (m->cpu.icount == p->last_icount) {
		/* At the recorded end: the machine stopped there for the recorded reason (the stub reported it
		 * to gdb as the end of history), so check it like any replay's end. */
		if (p->end)
			why = end_reason(p);
		return finish_replay(p, path, why);
	}
	fprintf(stderr, "revisor: replay: the debugger ended the replay at instruction %llu (the recording goes on "
		"to %llu)\n", (unsigned long long)m->cpu.icount, (unsigned long long)p->last_icount);
	pc_finish(p->pc, STOP_USER);
	return 0;
}

int replay_main(int argc, char **argv)
{
	const char *path = NULL;
	struct rr_options o = { 0 };
	uint64_t until = UINT64_MAX;
	unsigned nseek = 0;
	int status;
	char err[1024];

	for (int k = 0; k < argc; k++) {
		const char *a = argv[k];
		if (a[0] == '-' && a[1] == '-')
			a++;
		if (!strcmp(a, "-accel") && k + 1 < argc) {
			/* Any backend replays any recording: both keep time by the retired-instruction count
			 * and stop exactly at icount_limit and at timer deadlines (docs/replay.md). */
			o.accel = argv[++k];
			if (strcmp(o.accel, "interp") && strcmp(o.accel, "bt"))
				fprintf(stderr, "revisor: -accel: unknown backend '%s' (available: interp, bt)\n", o.accel), exit(2);
		} else if (!strcmp(a, "-until") && k + 1 < argc)
			until = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(a, "-bench-seek") && k + 1 < argc)
			nseek = (unsigned)strtoul(argv[++k], NULL, 0);
		else if (!strcmp(a, "-no-crc"))
			o.ignore_crc = 1;
		else if (!strcmp(a, "-gdb") && k + 1 < argc)
			o.gdb = argv[++k];
		else if (!strcmp(a, "-s"))
			o.gdb = "tcp:127.0.0.1:1234";
		else if (!strcmp(a, "-S"))
			o.gdb_wait = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "-help"))
			usage(0);
		else if (a[0] != '-' && !path)
			path = a;
		else
			usage(2);
	}
	if (!path)
		usage(2);
	if (o.gdb_wait && !o.gdb) {
		fprintf(stderr, "revisor: replay: -S waits for a debugger: add -s or -gdb tcp:HOST:PORT\n");
		return 2;
	}
	if (o.gdb && (nseek || until != UINT64_MAX)) {
		fprintf(stderr, "revisor: replay: -until and -bench-seek do not go with a debugger (use `monitor seek N`)\n");
		return 2;
	}
	struct player *p = rr_open(path, &o, err);
	if (!p) {
		fprintf(stderr, "revisor: replay: %s\n", err);
		return 2;
	}
	if (nseek) {
		status = bench_seek(p, nseek);
		rr_close(p);
		return status;
	}
	if (o.gdb) {
		status = debug_replay(p, path);
		rr_close(p);
		return status;
	}

	struct machine *m = p->m;
	uint64_t target;
	/* A run that ended by itself is replayed until it ends by itself; one the user or a limit ended
	 * stops at the recorded count.  A truncated one stops at its last event. */
	if (!p->end)
		target = p->last_icount;
	else if (end_reason(p) == STOP_USER || end_reason(p) == STOP_LIMIT)
		target = p->end->icount;
	else
		target = UINT64_MAX;
	if (until < target)
		target = until;

	enum stop_reason why = run_to(p, target);
	if (p->diverged) {
		rr_close(p);
		return EXIT_DIVERGED;
	}
	if (until != UINT64_MAX && m->cpu.icount == until && (!p->end || until < p->end->icount)) {
		fprintf(stderr, "revisor: replay: stopped at instruction %llu (-until), state hash %016llx\n",
			(unsigned long long)m->cpu.icount, (unsigned long long)machine_state_hash(m));
		rr_close(p);
		return 0;
	}
	status = finish_replay(p, path, why);
	rr_close(p);
	return status;
}
