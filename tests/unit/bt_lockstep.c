/* SPDX-License-Identifier: MIT
 *
 * bt_lockstep.c — the lockstep harness (bt_lockstep.h): the same program on an interpreter machine
 * and a translator machine, run to the same instruction counts and compared at every stop.
 *
 * The two machines are made once and reused: a reset writes the program's whole image back through
 * phys_write_buf() (which, as for any DMA or loader write, invalidates the cached decodings and CCFs
 * of every page it covers) and restores struct cpu.  Making fresh machines costs milliseconds each
 * (the interpreter's trace cache, the 16 MiB translation cache), a reset tens of microseconds, which
 * is what makes comparing after every single instruction affordable.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "bt_lockstep.h"
#include "testutil.h"
#include "bt/bt.h"
#include "cpu/mem.h"

static const char *const who[2] = { "interp", "bt" };

/* ---- injected interrupts ----------------------------------------------------------------------- */
static int ls_irq_ack(struct machine *m)
{
	struct ls_irqstate *is = m->dev;

	machine_set_irq_pending(m, 0);
	is->acked++;
	return RP_IRQ_VEC;
}

static void ls_irq_fire(void *opaque)
{
	struct ls_irqstate *is = opaque;
	const struct lockstep *ls = is->ls;
	struct machine *m = is->m;

	if (is->next >= ls->nirq)
		return;
	if (ls->irq[is->next].nmi) {
		m->cpu.nmi_pending = 1;
		m->cpu.attn = 1;
	} else {
		machine_set_irq_pending(m, 1);
	}
	if (++is->next < ls->nirq)
		vtimer_arm(m, &is->t, ls->irq[is->next].at);
}

/* ---- the MMIO device ---------------------------------------------------------------------------- */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static void ls_mmio_access(void *opaque, uint32_t addr, uint32_t *data, unsigned len, int is_write)
{
	struct ls_mmio *d = opaque;

	d->count++;
	if (is_write)
		d->digest = mix(d->digest, (uint64_t)addr << 40 | (uint64_t)len << 32 | *data);
	else
		*data = (uint32_t)mix(d->count, addr * 4u + len);
}

/* ---- machines ----------------------------------------------------------------------------------- */
static struct machine *make(const struct backend *be)
{
	struct machine *m = tm_new();

	if (be != m->backend) {
		m->backend->fini(m);
		m->backend = be;
		if (be->init(m) != 0) {
			m->backend = NULL;
			tm_free(m);
			return NULL;
		}
	}
	return m;
}

int ls_init(struct lockstep *ls)
{
	memset(ls, 0, sizeof *ls);
	ls->m[0] = make(&backend_interp);
	ls->m[1] = make(&backend_bt);
	ls->base = malloc(RP_IMAGE);
	ls->image = malloc(RP_IMAGE);
	if (!ls->m[0] || !ls->m[1] || !ls->base || !ls->image)
		return -1;
	memcpy(ls->base, ls->m[0]->ram, RP_IMAGE);
	ls->base_cpu = ls->m[0]->cpu;
	for (int k = 0; k < 2; k++) {
		struct machine *m = ls->m[k];
		ls->is[k].m = m;
		ls->is[k].ls = ls;
		ls->is[k].t.deadline = UINT64_MAX;
		ls->is[k].t.fire = ls_irq_fire;
		ls->is[k].t.opaque = &ls->is[k];
		m->dev = &ls->is[k];
		m->irq_ack = ls_irq_ack;
		if (bus_register(m, BUS_MMIO, RP_MMIO, 0x2000, ls_mmio_access, &ls->mmio[k], "lockstep") != 0)
			return -1;
	}
	return 0;
}

void ls_fini(struct lockstep *ls)
{
	for (int k = 0; k < 2; k++)
		if (ls->m[k]) {
			vtimer_disarm(ls->m[k], &ls->is[k].t);
			ls->m[k]->dev = NULL;
			tm_free(ls->m[k]);
		}
	free(ls->base);
	free(ls->image);
	memset(ls, 0, sizeof *ls);
}

void ls_load(struct lockstep *ls, const struct randprog *p)
{
	uint64_t rs = p->seed * 0x9e3779b97f4a7c15ull + 77;

	memcpy(ls->image, ls->base, RP_IMAGE);
	ls->cpu0 = ls->base_cpu;
	rp_build(p, ls->image, &ls->cpu0);
	/* the interrupt schedule: a few external interrupts and NMIs at fixed counts */
	ls->nirq = 0;
	if (p->irqs) {
		uint64_t at = 0;
		unsigned n = 1 + (unsigned)((rs >> 7) % 8);
		for (unsigned k = 0; k < n && k < LS_MAX_IRQ; k++) {
			rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
			at += 1 + (rs >> 20) % 400;
			ls->irq[k].at = at;
			ls->irq[k].nmi = (rs >> 5) % 5 == 0;
			ls->nirq++;
		}
	}
	ls_reset(ls);
}

void ls_reset(struct lockstep *ls)
{
	for (int k = 0; k < 2; k++) {
		struct machine *m = ls->m[k];
		struct ls_irqstate *is = &ls->is[k];

		vtimer_disarm(m, &is->t);
		/* Everything a program can reach is in the image; above it, nothing was written (checked by
		 * ls_compare).  Pages that differ from the image are written back the way DMA would write
		 * them (invalidating their cached code); the others keep their decodings and CCFs, so the
		 * next run starts with a warm cache, chains and all. */
		for (uint32_t pg = 0; pg < RP_IMAGE; pg += 4096)
			if (memcmp(m->ram + pg, ls->image + pg, 4096) != 0)
				phys_write_buf(m, pg, ls->image + pg, 4096);
		struct cpu keep = m->cpu;
		m->cpu = ls->cpu0;
		m->cpu.m = m;
		m->cpu.fault_jmp = keep.fault_jmp;
		tlb_flush(&m->cpu);
		m->cpu.attn = 1;
		m->stop = STOP_NONE;
		is->next = 0;
		is->acked = 0;
		ls->mmio[k] = (struct ls_mmio){ 0, 0 };
		if (ls->nirq)
			vtimer_arm(m, &is->t, ls->irq[0].at);
		ls->stop[k] = STOP_NONE;
	}
}

/* ---- comparing ---------------------------------------------------------------------------------- */
static void addf(struct lockstep *ls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct lockstep *ls, const char *fmt, ...)
{
	size_t n = strlen(ls->diff);
	va_list ap;

	if (n + 1 >= sizeof ls->diff)
		return;
	va_start(ap, fmt);
	vsnprintf(ls->diff + n, sizeof ls->diff - n, fmt, ap);
	va_end(ap);
}

/* Where in the program's memory an address is, for people reading a diff. */
static const char *region(uint32_t a, char *buf, size_t n)
{
	if (a >= RP_LOG && a < RP_LOG + 32 * RP_LOG_MAX) {
		static const char *const f[8] = { "vector", "error code", "EIP", "EFLAGS", "CR2", "CS", "?", "?" };
		snprintf(buf, n, "fault log #%u %s", (a - RP_LOG) / 32, f[((a - RP_LOG) % 32) / 4]);
	} else if (a >= RP_FIXED && a < RP_FIXED + 0x1000)
		snprintf(buf, n, "fixed area");
	else if (a >= RP_CODE && a < RP_CODE + RP_CODE_MAX)
		snprintf(buf, n, "code");
	else if (a >= RP_SUP && a < RP_NP + 0x1000)
		snprintf(buf, n, "data");
	else if (a >= RP_PD && a < RP_PT + 0x1000)
		snprintf(buf, n, "page tables");
	else if (a >= 0x60000 && a < 0x81000)
		snprintf(buf, n, "stack");
	else if (a >= 0x1000 && a < 0x2000)
		snprintf(buf, n, "GDT");
	else if (a >= 0x2000 && a < 0x3000)
		snprintf(buf, n, "IDT");
	else if (a >= 0x3000 && a < 0x4000)
		snprintf(buf, n, "TSS");
	else
		snprintf(buf, n, "?");
	return buf;
}

int ls_compare(struct lockstep *ls)
{
	struct machine *a = ls->m[0], *b = ls->m[1];
	struct cpu *x = &a->cpu, *y = &b->cpu;
	static const char *const rn[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	static const char *const sn[NSEGS] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

	ls->diff[0] = 0;
	ls->compares++;
#define CMP(name, va, vb) do { \
		if ((uint64_t)(va) != (uint64_t)(vb)) \
			addf(ls, "  %-12s interp %08llx  bt %08llx\n", name, (unsigned long long)(va), \
			     (unsigned long long)(vb)); \
	} while (0)
	CMP("stop reason", ls->stop[0], ls->stop[1]);
	CMP("icount", x->icount, y->icount);
	CMP("eip", x->eip, y->eip);
	for (int r = 0; r < 8; r++)
		CMP(rn[r], x->r[r], y->r[r]);
	CMP("eflags", cpu_get_eflags(x), cpu_get_eflags(y));
	CMP("cr0", x->cr0, y->cr0);
	CMP("cr2", x->cr2, y->cr2);
	CMP("cr3", x->cr3, y->cr3);
	CMP("cr4", x->cr4, y->cr4);
	CMP("cpl", x->cpl, y->cpl);
	CMP("halted", x->halted, y->halted);
	CMP("inhibit_irq", x->inhibit_irq, y->inhibit_irq);
	CMP("irq_pending", x->irq_pending, y->irq_pending);
	CMP("nmi_pending", x->nmi_pending, y->nmi_pending);
	CMP("exc_depth", x->exc_depth, y->exc_depth);
	CMP("tsc_offset", x->tsc_offset, y->tsc_offset);
	CMP("gdtr.base", x->gdtr.base, y->gdtr.base);
	CMP("gdtr.limit", x->gdtr.limit, y->gdtr.limit);
	CMP("idtr.base", x->idtr.base, y->idtr.base);
	CMP("idtr.limit", x->idtr.limit, y->idtr.limit);
	for (unsigned s = 0; s < NSEGS; s++) {
		char nm[24];
		snprintf(nm, sizeof nm, "%s.sel", sn[s]); CMP(nm, x->seg[s].sel, y->seg[s].sel);
		snprintf(nm, sizeof nm, "%s.base", sn[s]); CMP(nm, x->seg[s].base, y->seg[s].base);
		snprintf(nm, sizeof nm, "%s.limit", sn[s]); CMP(nm, x->seg[s].limit, y->seg[s].limit);
		snprintf(nm, sizeof nm, "%s.attr", sn[s]); CMP(nm, x->seg[s].attr, y->seg[s].attr);
	}
	CMP("irqs acked", ls->is[0].acked, ls->is[1].acked);
	CMP("MMIO accesses", ls->mmio[0].count, ls->mmio[1].count);
	CMP("MMIO writes", ls->mmio[0].digest, ls->mmio[1].digest);
	/* dirty-page tracking (record/replay's checkpoints rely on it): the same pages were seen written */
	for (uint32_t pg = 0; pg < RP_IMAGE >> 12; pg++)
		if ((a->page_dirty[pg] ^ b->page_dirty[pg]) & DIRTY_CKPT) {
			addf(ls, "  dirty bit    page %08x: interp %d bt %d\n", pg << 12, a->page_dirty[pg] & DIRTY_CKPT,
			     b->page_dirty[pg] & DIRTY_CKPT);
			break;
		}
#undef CMP
	/* memory: the image, and any page above it that either machine wrote */
	if (memcmp(a->ram, b->ram, RP_IMAGE) != 0) {
		unsigned ndiff = 0, shown = 0;
		for (uint32_t k = 0; k < RP_IMAGE; k++)
			if (a->ram[k] != b->ram[k]) {
				char rb[48];
				if (shown++ < 8)
					addf(ls, "  mem %08x    interp %02x        bt %02x   (%s)\n", k, a->ram[k], b->ram[k],
					     region(k, rb, sizeof rb));
				ndiff++;
			}
		addf(ls, "  memory: %u bytes differ\n", ndiff);
	}
	for (uint32_t pg = RP_IMAGE >> 12; pg < a->ram_size >> 12; pg++)
		if (((a->page_dirty[pg] | b->page_dirty[pg]) & DIRTY_EVER) &&
		    memcmp(a->ram + (pg << 12), b->ram + (pg << 12), 4096) != 0)
			addf(ls, "  memory page %08x (outside the image) differs\n", pg << 12);
	return ls->diff[0] ? -1 : 0;
}

int ls_step(struct lockstep *ls, uint64_t limit)
{
	for (int k = 0; k < 2; k++) {
		struct machine *m = ls->m[k];
		if (ls->stop[k] != STOP_NONE && ls->stop[k] != STOP_LIMIT)
			continue;                                   /* it has stopped for good */
		uint64_t before = m->cpu.icount;
		/* a checkpoint here: start a new dirty interval (takes every write tag out of the TLB) */
		machine_dirty_clear(m, DIRTY_CKPT);
		m->cpu.icount_limit = limit;
		ls->stop[k] = m->backend->run(m);
		ls->runs++;
		if (k == 0)
			ls->insns += m->cpu.icount - before;
	}
	return ls_compare(ls);
}

/* ---- checking a program ------------------------------------------------------------------------- */
static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Both machines stopped for good (not just at a limit)? */
static int finished(const struct lockstep *ls)
{
	for (int k = 0; k < 2; k++)
		if (ls->stop[k] == STOP_NONE || ls->stop[k] == STOP_LIMIT)
			return 0;
	return 1;
}

/* Run both machines from the start to exactly L (or until they stop). */
static int prefix_run(struct lockstep *ls, uint64_t L)
{
	ls_reset(ls);
	return ls_step(ls, L);
}

static void state_line(FILE *out, const char *name, struct cpu *c, enum stop_reason why)
{
	fprintf(out, "  %-6s stop %d limit %llu icount %llu eip %08x eax %08x ecx %08x edx %08x ebx %08x "
		"esp %08x ebp %08x esi %08x edi %08x eflags %08x cr2 %08x\n", name, (int)why, (unsigned long long)c->icount_limit,
		(unsigned long long)c->icount, c->eip,
		c->r[0], c->r[1], c->r[2], c->r[3], c->r[4], c->r[5], c->r[6], c->r[7], cpu_get_eflags(c), c->cr2);
}

/* mark: the instruction the interpreter executed last before the difference (0: unknown) */
static void report_diff(struct lockstep *ls, const struct randprog *p, FILE *out, const char *how, uint32_t mark)
{
	if (!out)
		return;
	fprintf(out, "\n==== bt lockstep divergence: program seed %llu (%s) ====\n", (unsigned long long)p->seed, how);
	if (mark)
		fprintf(out, "(\"<== eip\" marks the last instruction before the first difference)\n");
	else
		fprintf(out, "(\"<== eip\" marks where the interpreter stopped)\n");
	rp_dump(p, out, mark ? mark : ls->m[0]->cpu.eip, 0);
	fprintf(out, "---- state at the first difference:\n");
	for (int k = 0; k < 2; k++)
		state_line(out, who[k], &ls->m[k]->cpu, ls->stop[k]);
	fprintf(out, "---- differences:\n%s", ls->diff);
	fprintf(out, "==== reproduce: make bt-fuzz SEED=%llu COUNT=1\n", (unsigned long long)p->seed);
}

/* A divergence showed up at a stop after `hi` instructions, the previous equal comparison was at `lo`:
 * find the first count in (lo, hi] at which a run from the start differs. */
static int narrow(struct lockstep *ls, const struct randprog *p, uint64_t lo, uint64_t hi, FILE *out,
		  const char *how)
{
	char saved[sizeof ls->diff];

	memcpy(saved, ls->diff, sizeof saved);
	uint32_t last = 0;
	if (lo > 0 && prefix_run(ls, lo) == 0)
		last = ls->m[0]->cpu.seg[S_CS].base + ls->m[0]->cpu.eip;
	for (uint64_t L = lo + 1; L <= hi; L++) {
		if (prefix_run(ls, L) != 0) {
			char what[96];
			snprintf(what, sizeof what, "%s; first difference after %llu instructions", how,
				 (unsigned long long)L);
			report_diff(ls, p, out, what, last);
			return -1;
		}
		last = ls->m[0]->cpu.seg[S_CS].base + ls->m[0]->cpu.eip;
	}
	/* Only with the stops the failing run made (its CCF boundaries): report that run's state. */
	memcpy(ls->diff, saved, sizeof saved);
	char what[128];
	snprintf(what, sizeof what, "%s; after %llu instructions, only with that run's earlier stops", how,
		 (unsigned long long)hi);
	report_diff(ls, p, out, what, 0);
	return -1;
}

static void account(struct lockstep *ls)
{
	/* which exceptions the program took (the interpreter's log of them) */
	const uint8_t *ram = ls->m[0]->ram;
	uint32_t n;

	ls->mmio_accesses += ls->mmio[0].count;
	memcpy(&n, ram + RP_LOGN, 4);
	for (uint32_t k = 0; k < n && k < RP_LOG_MAX; k++) {
		uint32_t v;
		memcpy(&v, ram + RP_LOG + 32 * k, 4);
		ls->vec_seen[v & 0xff]++;
	}
}

int ls_check(struct lockstep *ls, const struct randprog *p, uint64_t budget, unsigned how, uint64_t rng,
	     FILE *report)
{
	struct bt *bt = ls->m[1]->bt;
	uint64_t tc0 = bt ? bt->tc_insns : 0;
	uint64_t D = budget;

	ls_load(ls, p);
	rng |= 1;
	if (how & LS_FULL) {
		ls_reset(ls);
		if (ls_step(ls, budget) != 0)
			return narrow(ls, p, 0, ls->m[0]->cpu.icount < 4096 ? ls->m[0]->cpu.icount : 4096, report,
				      "unlimited run");
		D = ls->m[0]->cpu.icount;
		ls->end_icount = D;
		ls->end_stop = ls->stop[0];
		if (ls->stop[0] <= STOP_ERROR)
			ls->ends[ls->stop[0]]++;
		if (ls->m[0]->cpu.eip > TM_IDT_HANDLER(0) && ls->m[0]->cpu.eip <= TM_IDT_HANDLER(256))
			ls->ends_in_catcher++;
		account(ls);
	}
	if (how & LS_SLICES) {
		uint64_t at = 0;
		ls_reset(ls);
		while (!finished(ls) && at < budget) {
			uint64_t r = xs(&rng), step;
			switch (r % 8) {
			case 0: step = 1; break;
			case 1: case 2: step = 1 + (r >> 8) % 6; break;
			case 3: case 4: case 5: step = 1 + (r >> 8) % 14; break;
			default: step = 1 + (r >> 8) % 40; break;
			}
			uint64_t prev = ls->m[0]->cpu.icount;
			at = prev + step;
			if (ls_step(ls, at) != 0)
				return narrow(ls, p, prev, ls->m[0]->cpu.icount, report, "sliced run");
		}
	}
	if (how & LS_PREFIX) {
		/* every count up to 2000, then a sample (runs from the start cost O(D^2)) */
		uint32_t last = 0;
		for (uint64_t L = 1; L <= D && L <= budget; L += L < 2000 ? 1 : 1 + xs(&rng) % 64) {
			if (prefix_run(ls, L) != 0) {
				char what[96];
				snprintf(what, sizeof what, "run from the start; first difference after %llu instructions",
					 (unsigned long long)L);
				report_diff(ls, p, report, what, L <= 2000 ? last : 0);
				return -1;
			}
			last = ls->m[0]->cpu.seg[S_CS].base + ls->m[0]->cpu.eip;
			if (finished(ls))
				break;
		}
	}
	if (bt)
		ls->tc_insns += bt->tc_insns - tc0;
	return 0;
}
