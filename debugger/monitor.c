/* SPDX-License-Identifier: MIT
 *
 * monitor.c — the commands gdb's `monitor` sends through qRcmd: things about the machine that gdb's own
 * commands do not show (the instruction count, the system registers and segment caches, the page
 * tables) and control over time (seek, the history's checkpoints).  Output goes back to gdb as console
 * ("O") packets, then "OK".
 *
 * `tc` and `chains` show the binary translator's translation cache (tcview.c, docs/bt.md).
 *
 * The page-table view walks the 32-bit two-level tables (SDM vol. 3A 4.3) from CR3 by reading guest RAM
 * directly: like every debugger access it sets no accessed bits and cannot fault the guest.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugger/gdbstub_priv.h"
#include "cpu/fpu.h"
#include "bt/introspect.h"
#include "debugger/tcview.h"

static const char help_text[] =
	"revisor monitor commands:\n"
	"  help                 this list\n"
	"  icount               the instruction count (the machine's clock)\n"
	"  seek N               go to instruction count N (needs an execution history)\n"
	"  checkpoints          the execution history and its checkpoints\n"
	"  info registers       all registers, with system registers and segment descriptor caches\n"
	"  info mem             the page tables as ranges: linear -> physical, rights\n"
	"  info tlb             the page tables page by page\n"
	"  phys on|off          memory reads/writes from gdb use physical (on) or linear (off) addresses\n"
	"  tc [all]             binary translator: the translation cache and its CCFs, hottest first\n"
	"  tc ADDR              the CCF covering guest address ADDR (hex): guest and host code\n"
	"  chains FILE.dot|.svg the CCFs and their chained exits as a Graphviz graph\n"
	"After `monitor seek`, run `maint flush register-cache` so gdb forgets the registers it cached.\n";

static void info_registers(struct machine *m, FILE *out)
{
	struct cpu *c = &m->cpu;
	static const char *sn[NSEGS] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

	fprintf(out, "eax=%08x ebx=%08x ecx=%08x edx=%08x\nesi=%08x edi=%08x ebp=%08x esp=%08x\n",
		c->r[R_EAX], c->r[R_EBX], c->r[R_ECX], c->r[R_EDX], c->r[R_ESI], c->r[R_EDI], c->r[R_EBP],
		c->r[R_ESP]);
	fprintf(out, "eip=%08x eflags=%08x cpl=%u %s%s icount=%llu\n", c->eip, cpu_get_eflags(c), c->cpl,
		cpu_pmode(c) ? "protected mode" : "real mode", c->halted ? " (halted)" : "",
		(unsigned long long)c->icount);
	for (unsigned s = 0; s < NSEGS; s++)
		fprintf(out, "%-4s sel=%04x base=%08x limit=%08x attr=%04x\n", sn[s], c->seg[s].sel,
			c->seg[s].base, c->seg[s].limit, c->seg[s].attr);
	fprintf(out, "gdtr base=%08x limit=%04x   idtr base=%08x limit=%04x\n", c->gdtr.base, c->gdtr.limit,
		c->idtr.base, c->idtr.limit);
	fprintf(out, "cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n", c->cr0, c->cr2, c->cr3, c->cr4);
	fprintf(out, "dr0=%08x dr1=%08x dr2=%08x dr3=%08x dr6=%08x dr7=%08x\n", c->dr[0], c->dr[1], c->dr[2],
		c->dr[3], c->dr[6], c->dr[7]);
	fprintf(out, "fpu: cw=%04x sw=%04x tw=%04x top=%u\n", c->fpu.cw, fpu_status_word(&c->fpu), c->fpu.tw,
		c->fpu.top);
}

static int ram32(struct machine *m, uint32_t pa, uint32_t *v)
{
	if ((uint64_t)pa + 4 > m->ram_size)
		return -1;
	memcpy(v, m->ram + pa, 4);
	return 0;
}

/* One mapping found by the walk: [lin, lin+size) -> pa with the combined rights. */
struct run {
	uint32_t lin, pa;
	uint64_t size;
	unsigned user, write;
	int valid;
};

static void run_flush(struct run *r, FILE *out)
{
	if (r->valid)
		fprintf(out, "%08x-%08llx -> %08x-%08llx  %c%c\n", r->lin, (unsigned long long)(r->lin + r->size - 1),
			r->pa, (unsigned long long)(r->pa + r->size - 1), r->user ? 'u' : 's', r->write ? 'w' : 'r');
	r->valid = 0;
}

/* Report one page: merged into the current run (info mem) or printed on its own (info tlb). */
static void page(struct run *r, uint32_t lin, uint32_t pa, uint32_t size, unsigned user, unsigned write,
		 int merge, FILE *out, unsigned *lines)
{
	if (merge && r->valid && r->lin + r->size == lin && r->pa + r->size == pa && r->user == user &&
	    r->write == write) {
		r->size += size;
		return;
	}
	run_flush(r, out);
	if (merge || ++*lines <= 4096)
		*r = (struct run){ lin, pa, size, user, write, 1 };
	if (!merge)
		run_flush(r, out);
}

static void info_mem(struct machine *m, FILE *out, int merge)
{
	struct cpu *c = &m->cpu;
	struct run r = { 0 };
	unsigned lines = 0;

	if (!(c->cr0 & CR0_PG)) {
		fprintf(out, "paging is off: linear addresses are physical\n");
		return;
	}
	fprintf(out, "page directory at %08x; u/s = user/supervisor, w/r = writable/read-only\n", c->cr3);
	for (uint32_t i = 0; i < 1024; i++) {
		uint32_t pde, pte;
		if (ram32(m, (c->cr3 & ~0xfffu) + 4 * i, &pde) < 0 || !(pde & 1)) {
			run_flush(&r, out);
			continue;
		}
		if ((pde & 0x80) && (c->cr4 & CR4_PSE)) {   /* a 4 MiB page */
			page(&r, i << 22, pde & 0xffc00000u, 1u << 22, (pde >> 2) & 1, (pde >> 1) & 1, merge, out, &lines);
			continue;
		}
		for (uint32_t j = 0; j < 1024; j++) {
			if (ram32(m, (pde & ~0xfffu) + 4 * j, &pte) < 0 || !(pte & 1)) {
				run_flush(&r, out);
				continue;
			}
			page(&r, i << 22 | j << 12, pte & ~0xfffu, 0x1000, (pde & pte) >> 2 & 1, (pde & pte) >> 1 & 1,
			     merge, out, &lines);
		}
	}
	run_flush(&r, out);
	if (lines > 4096)
		fprintf(out, "(%u pages, only the first 4096 shown)\n", lines);
}

static void run_command(struct gdbstub *g, char *cmd, FILE *out)
{
	struct machine *m = g->m;
	char *arg = cmd + strcspn(cmd, " ");

	if (*arg)
		*arg++ = 0;
	arg += strspn(arg, " ");
	if (!strcmp(cmd, "help") || !*cmd) {
		fputs(help_text, out);
	} else if (!strcmp(cmd, "icount")) {
		fprintf(out, "%llu\n", (unsigned long long)m->cpu.icount);
	} else if (!strcmp(cmd, "seek")) {
		char *end;
		unsigned long long n = strtoull(arg, &end, 0);
		if (end == arg || *end)
			fprintf(out, "usage: monitor seek N\n");
		else if (target_seek(g->t, n) < 0)
			fprintf(out, "cannot seek to %llu (no execution history, or outside it)\n", n);
		else
			fprintf(out, "at instruction %llu, eip %08x\n", (unsigned long long)m->cpu.icount, m->cpu.eip);
	} else if (!strcmp(cmd, "checkpoints")) {
		target_describe_history(g->t, out);
	} else if (!strcmp(cmd, "info") && !strcmp(arg, "registers")) {
		info_registers(m, out);
	} else if (!strcmp(cmd, "info") && !strcmp(arg, "mem")) {
		info_mem(m, out, 1);
	} else if (!strcmp(cmd, "info") && !strcmp(arg, "tlb")) {
		info_mem(m, out, 0);
	} else if (!strcmp(cmd, "phys") && (!strcmp(arg, "on") || !strcmp(arg, "off"))) {
		target_set_phys(g->t, !strcmp(arg, "on"));
		fprintf(out, "gdb memory accesses now use %s addresses\n", !strcmp(arg, "on") ? "physical" : "linear");
	} else if (!strcmp(cmd, "phys")) {
		fprintf(out, "memory accesses use %s addresses (monitor phys on|off)\n",
			target_phys(g->t) ? "physical" : "linear");
	} else if ((!strcmp(cmd, "tc") || !strcmp(cmd, "chains")) && !bt_active(m)) {
		fprintf(out, "no translator (run with -accel bt)\n");
	} else if (!strcmp(cmd, "tc") && (!*arg || !strcmp(arg, "all"))) {
		tcview_summary(m, out, *arg != 0);
	} else if (!strcmp(cmd, "tc")) {
		char *end;
		unsigned long lin = strtoul(arg, &end, 16);
		if (end == arg || *end || lin > 0xffffffffu)
			fprintf(out, "usage: monitor tc [all | ADDR]   (ADDR: a guest linear address in hex)\n");
		else
			tcview_ccf(m, (uint32_t)lin, out);
	} else if (!strcmp(cmd, "chains")) {
		if (!*arg)
			fprintf(out, "usage: monitor chains FILE.dot | FILE.svg\n");
		else
			tcview_chains(m, arg, out);
	} else {
		fprintf(out, "unknown monitor command '%s' (try monitor help)\n", cmd);
	}
}

void gdb_monitor(struct gdbstub *g, const char *hex, size_t len)
{
	char cmd[256], *text = NULL;
	size_t n = len / 2, size = 0;

	if (len % 2 || n >= sizeof cmd || rsp_hex2bin(hex, len, (uint8_t *)cmd, n) < 0) {
		rsp_send_str(&g->rsp, "E01");
		return;
	}
	cmd[n] = 0;
	if (memchr(cmd, 0, n)) {
		rsp_send_str(&g->rsp, "E01");
		return;
	}
	FILE *out = open_memstream(&text, &size);
	if (!out) {
		rsp_send_str(&g->rsp, "E01");
		return;
	}
	run_command(g, cmd, out);
	fclose(out);
	gdb_console(g, text);
	free(text);
	rsp_send_str(&g->rsp, "OK");
}
