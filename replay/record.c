/* SPDX-License-Identifier: MIT
 *
 * record.c — `revisor record -o FILE [run options]` (see record.h).
 *
 * The run is an ordinary `revisor run` with three additions:
 *   - the disks are opened in snapshot mode, so the guest's writes land in an in-memory overlay and the
 *     images stay byte-identical (a replay checks them by content hash);
 *   - the event layer logs each input at the instruction count at which the guest received it;
 *   - every RECORD_HASH_INTERVAL instructions a state hash is logged (with the registers), so a replay
 *     can tell where it went wrong, and the run ends with an "end" event: stop reason, exit status and
 *     the final state hash.
 * The file header describes the machine: revisor's version, RAM size, backend, serial mode, and each
 * image by path and content hash (the header is text; `revisor log` prints it).
 *
 * Chunks are flushed at every hash point and every input, so a recorder killed with SIGKILL leaves a
 * file that replays up to a few milliseconds of virtual time before its death.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pc.h"
#include "console.h"
#include "snapshot.h"
#include "cpu/cpu.h"
#include "dev/ide.h"
#include "dev/disk.h"
#include "replay/event.h"
#include "replay/log.h"
#include "replay/record.h"

struct recorder {
	struct log_writer w;
	int header_written;    /* events are buffered until the header chunk is out */
};

/* ---- the event layer's hooks -------------------------------------------------------------------- */

static void rec_flush(struct recorder *r)
{
	if (r->header_written)
		log_flush(&r->w);
}

void rec_serial(struct recorder *r, uint64_t icount, const uint8_t *bytes, unsigned n)
{
	log_append(&r->w, icount, LOG_EV_SERIAL, bytes, n);
	rec_flush(r);   /* interactive input is rare and precious: never lose it to a crash */
}

void rec_eof(struct recorder *r, uint64_t icount)
{
	log_append(&r->w, icount, LOG_EV_EOF, NULL, 0);
}

void rec_rtc_base(struct recorder *r, int64_t base)
{
	log_append(&r->w, 0, LOG_EV_RTC, &base, sizeof base);
}

/* Fill a hash record: the digest of the state and the registers a divergence report compares. */
void rec_fill_hash(struct machine *m, struct log_hash *h)
{
	struct state_digest d;
	struct cpu *c = &m->cpu;

	machine_state_digest(m, &d);
	memset(h, 0, sizeof *h);
	h->total = d.total;
	for (int k = 0; k < SD_PARTS; k++)
		h->part[k] = d.part[k];
	for (int k = 0; k < 8; k++)
		h->reg[LH_EAX + k] = c->r[k];
	h->reg[LH_EIP] = c->eip;
	h->reg[LH_EFLAGS] = cpu_get_eflags(c);
	h->reg[LH_CR0] = c->cr0;
	h->reg[LH_CR2] = c->cr2;
	h->reg[LH_CR3] = c->cr3;
	h->reg[LH_CR4] = c->cr4;
	h->reg[LH_CS_SS] = c->seg[S_CS].sel | (uint32_t)c->seg[S_SS].sel << 16;
	h->reg[LH_DS_ES] = c->seg[S_DS].sel | (uint32_t)c->seg[S_ES].sel << 16;
}

void rec_hash_point(struct recorder *r, struct machine *m)
{
	struct log_hash h;

	rec_fill_hash(m, &h);
	log_append(&r->w, m->cpu.icount, LOG_EV_HASH, &h, sizeof h);
	rec_flush(r);
}

/* ---- the header ----------------------------------------------------------------------------------- */

static void header_add(char **text, size_t *len, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void header_add(char **text, size_t *len, const char *key, const char *fmt, ...)
{
	char val[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof val, fmt, ap);
	va_end(ap);
	for (char *p = val; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';   /* one line per key */
	size_t add = strlen(key) + strlen(val) + 2;
	char *t = realloc(*text, *len + add + 1);
	if (!t)
		return;
	sprintf(t + *len, "%s %s\n", key, val);
	*text = t;
	*len += add;
}

/* Content hash of a whole file (kernel, modules): 0 and *h, or -1. */
int rr_file_hash(const char *path, uint64_t *h)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;
	int rc = -1;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf && size >= 0 && (size == 0 || fread(buf, (size_t)size, 1, f) == 1)) {
		*h = rv_hash(buf, (size_t)size, 0x5245434f5244ull);
		rc = 0;
	}
	free(buf);
	fclose(f);
	return rc;
}

static char *make_header(struct pc *pc, const struct pc_config *cfg, int argc, char **argv, const char *version,
			 uint64_t hash_interval, char err[512])
{
	static const char *const serial[] = { [SERIAL_STDIO] = "stdio", [SERIAL_NONE] = "none", [SERIAL_FILE] = "file" };
	struct pc_parts p;
	char *text = NULL, cmd[2048] = "";
	size_t len = 0;
	uint64_t h;

	header_add(&text, &len, "revisor", "%s", version);
	header_add(&text, &len, "format", "%u", LOG_VERSION);
	for (int k = 0; k < argc; k++)
		snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s%s", k ? " " : "", argv[k]);
	header_add(&text, &len, "command", "%s", cmd);
	pc_get_parts(pc, &p);
	header_add(&text, &len, "backend", "%s", p.m->backend->name);   /* the one that runs (a fallback?) */
	header_add(&text, &len, "ram_mib", "%u", cfg->mem_mib);
	header_add(&text, &len, "serial", "%s", serial[cfg->serial]);
	header_add(&text, &len, "no_reboot", "%d", cfg->no_reboot);
	header_add(&text, &len, "hash_interval", "%llu", (unsigned long long)hash_interval);
	if (cfg->kernel) {
		if (rr_file_hash(cfg->kernel, &h)) {
			snprintf(err, 512, "%s: cannot read to hash it", cfg->kernel);
			goto fail;
		}
		header_add(&text, &len, "kernel", "%s", cfg->kernel);
		header_add(&text, &len, "kernel_hash", "%016llx", (unsigned long long)h);
	}
	if (cfg->append)
		header_add(&text, &len, "append", "%s", cfg->append);
	for (int k = 0; cfg->initrd && cfg->initrd[k]; k++) {
		char key[32], path[1024];
		/* "FILE args": the module's command line follows the file name */
		snprintf(path, sizeof path, "%s", cfg->initrd[k]);
		char *sp = strchr(path, ' ');
		if (sp)
			*sp = 0;
		if (rr_file_hash(path, &h)) {
			snprintf(err, 512, "%s: cannot read to hash it", path);
			goto fail;
		}
		snprintf(key, sizeof key, "initrd%d", k);
		header_add(&text, &len, key, "%s", cfg->initrd[k]);
		snprintf(key, sizeof key, "initrd%d_hash", k);
		header_add(&text, &len, key, "%016llx", (unsigned long long)h);
	}
	pc_get_parts(pc, &p);
	for (int k = 0; k < 2; k++) {
		char derr[DISK_ERRLEN];
		if (!p.ide->drive[k].disk)
			continue;
		if (disk_hash(p.ide->drive[k].disk, &h, derr)) {
			snprintf(err, 512, "%s", derr);
			goto fail;
		}
		header_add(&text, &len, k ? "hdb" : "hda", "%s", cfg->disk[k]);
		header_add(&text, &len, k ? "hdb_hash" : "hda_hash", "%016llx", (unsigned long long)h);
	}
	if (!text)
		snprintf(err, 512, "out of memory");
	return text;
fail:
	free(text);
	return NULL;
}

/* ---- revisor record ----------------------------------------------------------------------------- */

int record_main(struct pc_config *cfg, const char *path, int argc, char **argv, const char *version)
{
	struct recorder r;
	struct pc_parts p;
	struct pc *pc;
	char err[512], *header;
	enum stop_reason why;
	int status;

	memset(&r, 0, sizeof r);
	if (log_create(&r.w, path)) {
		fprintf(stderr, "revisor: record: %s: cannot create: %s\n", path, strerror(errno));
		return 2;
	}
	cfg->snapshot = 1;   /* never modify the images: the replay checks them by content hash */
	cfg->rec = &r;
	if (!(pc = pc_new(cfg, err))) {
		fprintf(stderr, "revisor: %s\n", err);
		log_close(&r.w);
		remove(path);
		return 2;
	}
	if (!(header = make_header(pc, cfg, argc, argv, version, RECORD_HASH_INTERVAL, err))) {
		fprintf(stderr, "revisor: record: %s\n", err);
		pc_free(pc);
		log_close(&r.w);
		remove(path);
		return 2;
	}
	log_write_header(&r.w, header);
	free(header);
	r.header_written = 1;
	log_flush(&r.w);
	pc_get_parts(pc, &p);
	events_start_hashing(p.ev, RECORD_HASH_INTERVAL);

	if (cfg->serial == SERIAL_STDIO)
		console_open();
	why = pc_step(pc);
	console_close();
	status = pc_finish(pc, why);

	struct log_end end = { (uint32_t)why, status, machine_state_hash(p.m) };
	log_append(&r.w, p.m->cpu.icount, LOG_EV_END, &end, sizeof end);
	pc_free(pc);
	if (log_close(&r.w)) {
		fprintf(stderr, "revisor: record: %s: write error: %s\n", path, strerror(errno));
		return 2;
	}
	return status;
}
