/* SPDX-License-Identifier: MIT
 *
 * listing.c — a compiled code fragment (CCF) as the lectures draw it: the guest's isPrime beside the
 * translator's isPrime' (docs/bt.md, "Looking inside").  For each guest instruction: its address, its
 * disassembly (Capstone, 32-bit) and its translation kind (IDENT, REENC, JCC, JMP, CALL, CALLOUT);
 * under it, the x86-64 host code emitted for it (Capstone, 64-bit), with host addresses.  The entry
 * prologue comes first; the exits and the self exit follow the last instruction.
 *
 * Host code is full of addresses the translator baked in (exit records, callout records, the stubs,
 * counters, fields of struct cpu).  The listing names them in a comment, so a reader can follow a
 * callout to the guest instruction it runs and a chained exit to the CCF it jumps to.
 *
 * -d in_asm prints the guest half when a CCF is translated, -d out_asm the host half, both together the
 * whole listing; `monitor tc ADDR` prints it on demand, with the execution and callout counts so far.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include "bt/bt.h"
#include "bt/listing.h"
#include "cpu/cpu.h"
#include "cpu/disasm.h"

/* Fields of struct cpu that translated code addresses through r13. */
static const char *cpu_field(int64_t off, char *buf, size_t len)
{
	static const char *const rn[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

	if (off == (int64_t)offsetof(struct cpu, icount))
		return "cpu.icount";
	if (off == (int64_t)offsetof(struct cpu, attn))
		return "cpu.attn: something needs the VMM";
	if (off == (int64_t)offsetof(struct cpu, eflags))
		return "cpu.eflags";
	if (off == (int64_t)offsetof(struct cpu, eip))
		return "cpu.eip";
	if (off >= (int64_t)offsetof(struct cpu, r) && off < (int64_t)(offsetof(struct cpu, r) + 32) &&
	    (off - (int64_t)offsetof(struct cpu, r)) % 4 == 0) {
		snprintf(buf, len, "cpu.%s", rn[(off - (int64_t)offsetof(struct cpu, r)) / 4]);
		return buf;
	}
	snprintf(buf, len, "cpu+0x%" PRIx64, (uint64_t)off);
	return buf;
}

/* A jump to p inside the CCF: name the exit whose code starts there, by looking at the first exit
 * record the code from p on refers to (a few instructions at most). */
static void local_target(const struct ccf *f, const uint8_t *p, char *out, size_t outlen)
{
	const uint8_t *end = f->entry + f->host_bytes;
	unsigned off = (unsigned)(p - f->entry);

	for (int steps = 0; steps < 4 && p < end; steps++) {
		struct disasm_ref refs[DISASM_MAX_REFS];
		unsigned nrefs = 0;
		int n = disasm64(p, (unsigned)(end - p), (uint64_t)(uintptr_t)p, NULL, 0, refs, &nrefs);
		if (n <= 0)
			break;
		for (unsigned r = 0; r < nrefs; r++) {
			uintptr_t v = (uintptr_t)refs[r].val;
			if (refs[r].mem)
				continue;
			if (v == (uintptr_t)&f->self_exit) {
				snprintf(out, outlen, "CCF+0x%x: the self exit", off);
				return;
			}
			for (unsigned k = 0; k < f->n_exits; k++)
				if (v == (uintptr_t)&f->exits[k]) {
					snprintf(out, outlen, "CCF+0x%x: exit %u (to %08x)", off, k,
						 f->cs_base + f->exits[k].target);
					return;
				}
		}
		for (unsigned k = 0; k < f->n_exits; k++)
			if (f->exits[k].jmp_field > p && f->exits[k].jmp_field < p + n) {
				snprintf(out, outlen, "CCF+0x%x: exit %u (to %08x)", off, k, f->cs_base + f->exits[k].target);
				return;
			}
		p += n;
	}
	snprintf(out, outlen, "CCF+0x%x", off);
}

/* A comment naming what the host instruction at addr (len bytes) refers to, or "" . */
static void annotate(struct machine *m, const struct ccf *f, const uint8_t *addr, unsigned len,
		     const struct disasm_ref *refs, unsigned nrefs, char *out, size_t outlen)
{
	struct bt *bt = bt_of(m);
	char tmp[64];

	out[0] = 0;
	/* A patch point: the jmp of a direct exit. */
	for (unsigned k = 0; k < f->n_exits; k++) {
		const struct bt_exit *e = &f->exits[k];
		if (e->jmp_field && e->jmp_field > addr && e->jmp_field < addr + len) {
			if (e->to)
				snprintf(out, outlen, "exit %u to %08x: chained to CCF %08x", k, f->cs_base + e->target,
					 e->to->cs_base + e->to->eip);
			else
				snprintf(out, outlen, "exit %u to %08x: not chained (falls through to leave the TC)", k,
					 f->cs_base + e->target);
			return;
		}
	}
	for (unsigned r = 0; r < nrefs; r++) {
		uintptr_t v = (uintptr_t)refs[r].val;
		if (refs[r].mem) {
			if (!strcmp(refs[r].base, "r13")) {
				snprintf(out, outlen, "%s", cpu_field(refs[r].val, tmp, sizeof tmp));
				return;
			}
			continue;
		}
		if (v == (uintptr_t)bt->t_exit) {
			snprintf(out, outlen, "t_exit: leave the TC for the VMM");
		} else if (v == (uintptr_t)bt->t_callout) {
			snprintf(out, outlen, "t_callout: into the VMM and back");
		} else if (v == (uintptr_t)bt->t_enter) {
			snprintf(out, outlen, "t_enter");
		} else if (v == (uintptr_t)&f->self_exit) {
			snprintf(out, outlen, "self exit: the CCF does not fit before the next deadline (budget)");
		} else if (v == (uintptr_t)&f->execs) {
			snprintf(out, outlen, "&execs of this CCF");
		} else if (v == (uintptr_t)&bt->stop_at) {
			snprintf(out, outlen, "&stop_at: the next deadline");
		} else if (v == (uintptr_t)&f->ind_exit) {
			snprintf(out, outlen, "indirect exit: the in-TC lookup missed");
		} else if (v == (uintptr_t)bt->jtab) {
			snprintf(out, outlen, "the in-TC lookup table");
		} else if (v == (uintptr_t)&bt->ctx64) {
			snprintf(out, outlen, "&ctx64: the lookup key's context (mode, TLB epoch)");
		} else if (v == (uintptr_t)f->entry) {
			snprintf(out, outlen, "this CCF's entry");
		} else {
			for (unsigned k = 0; k < f->n_exits && !out[0]; k++)
				if (v == (uintptr_t)&f->exits[k])
					snprintf(out, outlen, "exit record %u: to %08x, %u insns done", k,
						 f->cs_base + f->exits[k].target, f->exits[k].n_done);
				else if (f->exits[k].to && v == (uintptr_t)f->exits[k].to->entry)
					snprintf(out, outlen, "CCF %08x", f->exits[k].to->cs_base + f->exits[k].to->eip);
			for (unsigned j = 0; j < f->nco && !out[0]; j++)
				if (v == (uintptr_t)&f->co[j]) {
					char text[64];
					disasm(m->ram + f->pa + (f->co[j].eip - f->eip), f->co[j].insn.len,
					       f->cs_base + f->co[j].eip, 1, text, sizeof text);
					snprintf(out, outlen, "callout record: %s", text);
				}
			if (!out[0] && v > (uintptr_t)f->entry && v < (uintptr_t)f->entry + f->host_bytes)
				local_target(f, (const uint8_t *)v, out, outlen);
		}
		if (out[0])
			return;
	}
}

static void host_range(struct machine *m, const struct ccf *f, uint32_t from, uint32_t to, FILE *out,
		       const char *tag)
{
	uint32_t off = from;

	while (off < to) {
		const uint8_t *p = f->entry + off;
		char text[96], note[128], hex[48];
		struct disasm_ref refs[DISASM_MAX_REFS];
		unsigned nrefs = 0, h = 0;
		int n = disasm64(p, to - off, (uint64_t)(uintptr_t)p, text, sizeof text, refs, &nrefs);
		if (n <= 0) {
			n = 1;
			snprintf(text, sizeof text, "(bad)");
			nrefs = 0;
		}
		for (int k = 0; k < n && k < 10; k++)
			h += (unsigned)snprintf(hex + h, sizeof hex - h, "%02x ", p[k]);
		if (n > 10)
			snprintf(hex + h, sizeof hex - h, "..");
		annotate(m, f, p, (unsigned)n, refs, nrefs, note, sizeof note);
		if (note[0])
			fprintf(out, "%s    %012" PRIxPTR "  %-30s %-34s ; %s\n", tag, (uintptr_t)p, hex, text, note);
		else
			fprintf(out, "%s    %012" PRIxPTR "  %-30s %s\n", tag, (uintptr_t)p, hex, text);
		off += (uint32_t)n;
	}
}

void bt_list_ccf(struct machine *m, const struct ccf *f, FILE *out, unsigned what)
{
	int tags = (what & BT_LIST_TAGS) != 0, guest = (what & BT_LIST_GUEST) != 0, host = (what & BT_LIST_HOST) != 0;
	const char *gtag = tags ? (guest ? "in_asm: " : "out_asm: ; ") : (guest ? "" : "; ");
	const char *htag = tags ? "out_asm: " : "";

	if (!guest && !host)
		return;
	fprintf(out, "%sCCF %08x-%08x (pa %08x, %s, CPL %s; %u insns, %u guest bytes -> %u host bytes at "
		"%012" PRIxPTR "%s", gtag, f->cs_base + f->eip, f->cs_base + f->eip + f->guest_bytes - 1, f->pa,
		f->mode & 1 ? "32-bit" : "16-bit", f->mode & 2 ? "3" : "0-2", f->n, f->guest_bytes, f->host_bytes,
		(uintptr_t)f->entry, f->valid ? "" : "; invalidated");
	if (!tags)   /* on demand (monitor tc): how often it ran so far */
		fprintf(out, "; entered %" PRIu64 " times", f->execs);
	fputs(")\n", out);
	if (host) {
		fprintf(out, "%s    ; prologue: save the guest flags (r11); enter only if all %u instructions fit "
			"before the next deadline (r8 + n <= 0); count the execution\n", htag, f->n);
		host_range(m, f, 0, f->n ? f->hoff[0] : f->host_bytes, out, htag);
	}
	for (unsigned k = 0; k < f->n; k++) {
		uint32_t at = f->pa + (f->ieip[k] - f->eip);
		uint32_t len = (k + 1 < f->n ? f->ieip[k + 1] : f->eip + f->guest_bytes) - f->ieip[k];
		uint64_t calls = 0;
		int has_co = 0;
		char text[96];

		if (at >= m->ram_size || disasm(m->ram + at, len, f->cs_base + f->ieip[k], f->mode & 1, text,
						sizeof text) < 0)
			snprintf(text, sizeof text, "(bad)");
		for (unsigned j = 0; j < f->nco; j++)
			if (f->co[j].idx == k) {
				has_co = 1;
				calls += f->co[j].count;
			}
		fprintf(out, "%s%08x  %-40s ; %s", gtag, f->cs_base + f->ieip[k], text, bt_kind_name[f->kind[k]]);
		if (has_co && f->execs)
			fprintf(out, " (callout ran %" PRIu64 " times)", calls);
		fputc('\n', out);
		if (host)
			host_range(m, f, f->hoff[k], k + 1 < f->n ? f->hoff[k + 1] : f->host_bytes, out, htag);
	}
}
