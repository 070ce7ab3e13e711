/* SPDX-License-Identifier: MIT
 *
 * snapshot.c — saving, restoring and hashing a whole machine (see snapshot.h).
 *
 * The stream written by machine_save(), in order:
 *   "CPU " section      struct cpu with its host-side fields blanked (TLB, fault_jmp, machine pointer)
 *   "DEVS" section      present only when m->dev is a PC: each device's X_snapshot, the event layer,
 *                       the two disks' overlays, then the armed timers in list order
 *   "RAM " section      with SNAP_RAM: the number of non-zero pages, then (page number, 4 KiB) pairs
 * Each section starts with a 4-byte tag, so a stream from another build or configuration fails loudly
 * instead of being misread.
 *
 * Restoring is the reverse, plus what keeps the host-side caches honest: the TLB is flushed (its entries
 * describe the old page tables), every cached decoding is dropped (machine_code_written over all RAM),
 * and the CPU's "attention" flag is raised so the run loop re-reads everything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"
#include "pc.h"
#include "cpu/mem.h"
#include "replay/event.h"
#include "replay/log.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/uart.h"
#include "dev/cmos.h"
#include "dev/i8042.h"
#include "dev/lapic.h"
#include "dev/ioapic.h"
#include "dev/ide.h"
#include "dev/cga.h"

#define SNAPFILE_MAGIC   "RVSNAP\r\n"
#define SNAPFILE_VERSION 1u

/* ---- the stream --------------------------------------------------------------------------------- */

void snap_init_save(struct snap *s)
{
	memset(s, 0, sizeof *s);
}

void snap_init_load(struct snap *s, const uint8_t *buf, size_t len)
{
	memset(s, 0, sizeof *s);
	s->loading = 1;
	s->buf = (uint8_t *)buf;
	s->len = len;
}

void snap_release(struct snap *s)
{
	if (!s->loading)
		free(s->buf);
	s->buf = NULL;
	s->len = s->cap = s->pos = 0;
}

void snap_bytes(struct snap *s, void *p, size_t n)
{
	if (s->error)
		return;
	if (s->loading) {
		if (n > s->len - s->pos) {
			s->error = 1;
			return;
		}
		memcpy(p, s->buf + s->pos, n);
		s->pos += n;
		return;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + n)
			cap *= 2;
		uint8_t *b = realloc(s->buf, cap);
		if (!b) {
			s->error = 1;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

void snap_unwire_timer(struct vtimer *t)
{
	t->fire = NULL;
	t->opaque = NULL;
	t->next = NULL;
}

/* A section tag: written on save, checked on load. */
static int snap_tag(struct snap *s, const char tag[4])
{
	char got[4];

	memcpy(got, tag, 4);
	snap_bytes(s, got, 4);
	return s->error || memcmp(got, tag, 4) != 0 ? -1 : 0;
}

/* ---- the CPU ------------------------------------------------------------------------------------ */

/* The architectural state: struct cpu minus host-side bookkeeping.  The x87 registers are host long
 * doubles whose padding bytes (past the 80 bits) are never written by the FPU: zero them so two equal
 * states always save equal bytes. */
static void cpu_state_copy(struct cpu *st, const struct cpu *c)
{
	memcpy(st, c, sizeof *st);
	st->fault_jmp = NULL;
	st->m = NULL;
	st->icount_limit = 0;
	memset(st->tlb, 0, sizeof st->tlb);
	for (int k = 0; k < 8; k++)
		memset((uint8_t *)&st->fpu.st[k] + 10, 0, sizeof st->fpu.st[k] - 10);
}

static void cpu_snapshot(struct cpu *c, struct snap *s)
{
	struct cpu st;

	cpu_state_copy(&st, c);
	snap_bytes(s, &st, sizeof st);
	if (!snap_loading(s) || s->error)
		return;
	st.fault_jmp = c->fault_jmp;
	st.m = c->m;
	st.icount_limit = c->icount_limit;
	memcpy(c, &st, sizeof st);
	tlb_flush(c);
}

/* ---- devices and timers ------------------------------------------------------------------------- */

/* Every timer a PC snapshot knows about, in a fixed order (the index is what the stream stores). */
static int pc_timers(const struct pc_parts *p, struct vtimer **t)
{
	int n = 0;

	t[n++] = &p->pit->timer;
	t[n++] = &p->com1->timeout;
	t[n++] = &p->cmos->update_timer;
	t[n++] = &p->cmos->periodic_timer;
	t[n++] = &p->lapic->timer;
	t[n++] = &p->ev->poll_timer;
	t[n++] = &p->ev->hash_timer;
	return n;
}

/* The armed timers in list order, as (index, deadline) pairs.  On load, disarm all known timers and
 * arm the saved ones in the saved order: vtimer_arm puts a timer after those with equal deadlines, so
 * the list comes back exactly as it was. */
static int timers_snapshot(struct machine *m, const struct pc_parts *p, struct snap *s, char err[256])
{
	struct vtimer *t[16];
	int nt = pc_timers(p, t);
	uint32_t n = 0;

	if (!snap_loading(s)) {
		struct { uint32_t idx; uint64_t deadline; } rec[16];
		for (struct vtimer *v = m->timers; v; v = v->next) {
			int k;
			for (k = 0; k < nt && t[k] != v; k++)
				;
			if (k == nt)
				continue;   /* a timer the snapshot does not own (a debugger's): left alone */
			rec[n].idx = (uint32_t)k;
			rec[n++].deadline = v->deadline;
		}
		snap_bytes(s, &n, sizeof n);
		for (uint32_t k = 0; k < n; k++) {
			snap_bytes(s, &rec[k].idx, sizeof rec[k].idx);
			snap_bytes(s, &rec[k].deadline, sizeof rec[k].deadline);
		}
		return 0;
	}
	snap_bytes(s, &n, sizeof n);
	if (s->error || n > (uint32_t)nt) {
		snprintf(err, 256, "snapshot: bad timer list");
		return -1;
	}
	for (int k = 0; k < nt; k++)
		vtimer_disarm(m, t[k]);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t idx;
		uint64_t deadline;
		snap_bytes(s, &idx, sizeof idx);
		snap_bytes(s, &deadline, sizeof deadline);
		if (s->error || idx >= (uint32_t)nt) {
			snprintf(err, 256, "snapshot: bad timer entry");
			return -1;
		}
		vtimer_arm(m, t[idx], deadline);
	}
	return 0;
}

/* The devices' register files, in a fixed order (no event layer, no timers: this is also what the
 * device part of the state hash covers). */
static void devices_snapshot(const struct pc_parts *p, struct snap *s)
{
	pic_snapshot(p->pic, s);
	pit_snapshot(p->pit, s);
	uart_snapshot(p->com1, s);
	cmos_snapshot(p->cmos, s);
	i8042_snapshot(p->kbd, s);
	lapic_snapshot(p->lapic, s);
	ioapic_snapshot(p->ioapic, s);
	ide_snapshot(p->ide, s);
	cga_snapshot(p->cga, s);
}

static void disks_snapshot(const struct pc_parts *p, struct snap *s)
{
	for (int k = 0; k < 2; k++) {
		uint8_t present = p->ide->drive[k].disk != NULL;
		uint8_t want = present;
		snap_bytes(s, &want, 1);
		if (want != present) {
			s->error = 1;
			return;
		}
		if (present)
			disk_snapshot(p->ide->drive[k].disk, s);
	}
}

/* ---- RAM ---------------------------------------------------------------------------------------- */

static int page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[4096];
	return memcmp(p, zero, 4096) == 0;
}

/* A page worth saving: written at some time (machine.h, DIRTY_EVER) and not zero now. */
static int page_saved(const struct machine *m, uint32_t p)
{
	return (m->page_dirty[p] & DIRTY_EVER) && !page_is_zero(m->ram + ((size_t)p << 12));
}

static void ram_snapshot(struct machine *m, struct snap *s)
{
	uint32_t npages = m->ram_size >> 12, n = 0;

	if (!snap_loading(s)) {
		for (uint32_t p = 0; p < npages; p++)
			n += page_saved(m, p);
		snap_bytes(s, &n, sizeof n);
		for (uint32_t p = 0; p < npages; p++) {
			if (!page_saved(m, p))
				continue;
			snap_bytes(s, &p, sizeof p);
			snap_bytes(s, m->ram + ((size_t)p << 12), 4096);
		}
		return;
	}
	for (uint32_t p = 0; p < npages; p++)   /* pages never written are zero already */
		if (m->page_dirty[p] & DIRTY_EVER) {
			memset(m->ram + ((size_t)p << 12), 0, 4096);
			m->page_dirty[p] = DIRTY_ALL;
		}
	snap_bytes(s, &n, sizeof n);
	for (uint32_t k = 0; k < n && !s->error; k++) {
		uint32_t p;
		snap_bytes(s, &p, sizeof p);
		if (p >= npages) {
			s->error = 1;
			return;
		}
		snap_bytes(s, m->ram + ((size_t)p << 12), 4096);
		m->page_dirty[p] = DIRTY_ALL;
	}
}

/* ---- the whole machine -------------------------------------------------------------------------- */

static int machine_snapshot(struct machine *m, struct snap *s, unsigned flags, char err[256])
{
	uint32_t ram_size = m->ram_size;
	uint8_t has_pc = m->dev != NULL;

	snap_tag(s, "CPU ");
	snap_bytes(s, &ram_size, sizeof ram_size);
	snap_bytes(s, &has_pc, 1);
	if (s->error || ram_size != m->ram_size || has_pc != (m->dev != NULL)) {
		snprintf(err, 256, "snapshot: made for a different machine (RAM size or platform)");
		return -1;
	}
	cpu_snapshot(&m->cpu, s);
	if (m->dev) {
		struct pc_parts p;
		pc_get_parts(m->dev, &p);
		if (snap_tag(s, "DEVS")) {
			snprintf(err, 256, "snapshot: damaged (device section)");
			return -1;
		}
		devices_snapshot(&p, s);
		events_snapshot(p.ev, s);
		disks_snapshot(&p, s);
		if (s->error || timers_snapshot(m, &p, s, err)) {
			if (s->error)
				snprintf(err, 256, "snapshot: damaged or made for another disk configuration");
			return -1;
		}
	}
	if (flags & SNAP_RAM) {
		if (snap_tag(s, "RAM "))
			goto bad;
		ram_snapshot(m, s);
	}
	if (s->error)
		goto bad;
	return 0;
bad:
	snprintf(err, 256, s->loading ? "snapshot: damaged or truncated" : "snapshot: out of memory");
	return -1;
}

int machine_save(struct machine *m, struct snap *s, unsigned flags, char err[256])
{
	return machine_snapshot(m, s, flags, err);
}

int machine_load(struct machine *m, struct snap *s, unsigned flags, char err[256])
{
	int rc = machine_snapshot(m, s, flags, err);

	/* Host-side caches describe the state before the restore.  The TLB goes (and with it, through the
	 * TLB epoch, the translator's cross-page chains and lookup table).  Cached code: with SNAP_RAM all
	 * of RAM was replaced, so every decoding and translation goes (not machine_code_written over all
	 * RAM: that would also mark every page dirty; the caller marks what it rewrote).  Without it the
	 * caller restored RAM itself and invalidated the code pages whose contents it changed
	 * (ckpt_restore), so the cached code of everything else stays: reverse execution re-runs the same
	 * code over and over. */
	tlb_flush(&m->cpu);
	if (flags & SNAP_RAM) {
		for (uint32_t p = 0; p < m->ram_size >> 12; p++)
			if (m->page_code[p]) {
				m->page_code[p] = 0;
				m->page_gen[p]++;   /* every cached decoding of this page is stale now */
			}
		if (m->backend && m->backend->code_written)
			m->backend->code_written(m, 0, m->ram_size);
	}
	m->cpu.attn = 1;
	m->stop = STOP_NONE;
	return rc;
}

/* ---- files -------------------------------------------------------------------------------------- */

int snapshot_save_file(struct machine *m, const char *path, char err[256])
{
	struct snap s;
	uint8_t head[12];
	uint32_t v = SNAPFILE_VERSION, crc;
	FILE *f;

	snap_init_save(&s);
	if (machine_save(m, &s, SNAP_RAM, err)) {
		snap_release(&s);
		return -1;
	}
	memcpy(head, SNAPFILE_MAGIC, 8);
	memcpy(head + 8, &v, 4);
	crc = crc32_buf(crc32_buf(0, head, 12), s.buf, s.len);
	f = fopen(path, "wb");
	if (!f || fwrite(head, 12, 1, f) != 1 || fwrite(s.buf, s.len, 1, f) != 1 || fwrite(&crc, 4, 1, f) != 1) {
		snprintf(err, 256, "%s: cannot write: %s", path, strerror(errno));
		if (f)
			fclose(f);
		snap_release(&s);
		return -1;
	}
	snap_release(&s);
	if (fclose(f) != 0) {
		snprintf(err, 256, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int snapshot_load_file(struct machine *m, const char *path, char err[256])
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;
	uint32_t v, crc;
	struct snap s;
	int rc = -1;

	if (!f) {
		snprintf(err, 256, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	if (size < 16 || !(buf = malloc((size_t)size)) || fread(buf, (size_t)size, 1, f) != 1) {
		snprintf(err, 256, "%s: not a revisor snapshot (too short or unreadable)", path);
		goto out;
	}
	memcpy(&v, buf + 8, 4);
	memcpy(&crc, buf + size - 4, 4);
	if (memcmp(buf, SNAPFILE_MAGIC, 8) != 0)
		snprintf(err, 256, "%s: not a revisor snapshot", path);
	else if (v != SNAPFILE_VERSION)
		snprintf(err, 256, "%s: snapshot version %u, this revisor reads version %u", path, v, SNAPFILE_VERSION);
	else if (crc32_buf(0, buf, (size_t)size - 4) != crc)
		snprintf(err, 256, "%s: checksum mismatch: the snapshot is corrupt", path);
	else {
		snap_init_load(&s, buf + 12, (size_t)size - 16);
		rc = machine_load(m, &s, SNAP_RAM, err);
	}
out:
	free(buf);
	fclose(f);
	return rc;
}

/* ---- hashing ------------------------------------------------------------------------------------ */

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* A final avalanche (every input bit affects every output bit). */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dull;
	x ^= x >> 33;
	return x;
}

/* Four independent lanes eat 32 bytes per round, so the multiplies overlap in the CPU's pipeline; a
 * page hashes at several GB/s.  Not cryptographic: it detects accidents (divergence), not attacks. */
uint64_t rv_hash(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t a = seed ^ 0x9e3779b97f4a7c15ull, c = seed + 0xc2b2ae3d27d4eb4full;
	uint64_t d = rotl64(seed, 17) ^ 0x165667b19e3779f9ull, e = ~seed;
	const uint64_t k = 0x9fb21c651e98df25ull;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		uint64_t w[4];
		memcpy(w, b + i, 32);
		a = rotl64(a ^ w[0], 29) * k;
		c = rotl64(c ^ w[1], 31) * k;
		d = rotl64(d ^ w[2], 27) * k;
		e = rotl64(e ^ w[3], 33) * k;
	}
	uint64_t h = rotl64(a, 1) + rotl64(c, 7) + rotl64(d, 12) + rotl64(e, 18) + n;
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return mix64(h);
}

/* RAM: a cached hash per page, recomputed only for pages written since the last state hash, and a
 * digest that is the sum of each page's hash mixed with its number (a sum updates in O(1) per page).
 * The first call (or any call after tracking was off) rehashes everything. */
static uint64_t ram_digest(struct machine *m)
{
	uint32_t npages = m->ram_size >> 12;
	uint64_t sum = 0;

	if (!m->page_hash) {
		m->page_hash = malloc((npages ? npages : 1) * sizeof *m->page_hash);
		if (!m->page_hash)
			return rv_hash(m->ram, m->ram_size, 0);
		/* Pages never written are zero: their hash is known without reading them. */
		static const uint8_t zero[4096];
		for (uint32_t p = 0; p < npages; p++)
			m->page_hash[p] = rv_hash(zero, 4096, p);
	}
	if (!(m->dirty_track & DIRTY_HASH))   /* not tracked since the last hash: look at every written page */
		for (uint32_t p = 0; p < npages; p++)
			if (m->page_dirty[p] & DIRTY_EVER)
				m->page_dirty[p] |= DIRTY_HASH;
	for (uint32_t p = 0; p < npages; p++) {
		if (m->page_dirty[p] & DIRTY_HASH) {
			m->page_hash[p] = rv_hash(m->ram + ((size_t)p << 12), 4096, p);
			m->page_dirty[p] &= (uint8_t)~DIRTY_HASH;
		}
		sum += m->page_hash[p];
	}
	/* Start (or continue) the next interval: take away write tags so new stores are seen. */
	m->dirty_track |= DIRTY_HASH;
	for (int u = 0; u < 2; u++)
		for (int k = 0; k < TLB_SIZE; k++)
			m->cpu.tlb[u][k].tag_w = TLB_INVALID;
	return mix64(sum);
}

void machine_state_digest(struct machine *m, struct state_digest *d)
{
	struct cpu st;
	struct snap s;

	/* CPU: architectural state; the lazy flags are folded so only real EFLAGS bits count. */
	cpu_state_copy(&st, &m->cpu);
	st.eflags = cpu_get_eflags(&st);
	memset(&st.lf, 0, sizeof st.lf);
	st.prev_eip = st.prev_esp = 0;
	st.attn = 0;
	d->part[SD_CPU] = rv_hash(&st, sizeof st, 1);
	d->part[SD_RAM] = ram_digest(m);
	d->part[SD_DEV] = d->part[SD_DISK] = 0;
	if (m->dev) {
		struct pc_parts p;
		pc_get_parts(m->dev, &p);
		snap_init_save(&s);
		devices_snapshot(&p, &s);
		d->part[SD_DEV] = rv_hash(s.buf, s.len, 2);
		s.len = 0;
		disks_snapshot(&p, &s);
		d->part[SD_DISK] = rv_hash(s.buf, s.len, 3);
		snap_release(&s);
	}
	d->total = rv_hash(d->part, sizeof d->part, 4);
}

uint64_t machine_state_hash(struct machine *m)
{
	struct state_digest d;

	machine_state_digest(m, &d);
	return d.total;
}
