/* SPDX-License-Identifier: MIT
 *
 * guest_lockstep.c — `bt-lockstep`: a whole guest under the interpreter and under the binary
 * translator side by side, in lockstep (docs/bt.md, "Lockstep testing"; the "lockstep
 * differential testing against the interpreter on every guest").
 *
 * Two PCs (src/pc.c) are built from the same options, one with -accel interp and one with -accel bt,
 * and run alternately to the same instruction counts.  At every stop the two must agree on the stop
 * reason, the registers and the machine state hash of src/snapshot.c (CPU, RAM, devices, disks — the
 * digest record/replay uses to detect divergence).  The stops are spaced randomly but reproducibly
 * (log-uniform between 1 and -step instructions), so they fall inside and between CCFs, at and away
 * from timer deadlines, while a guest of a hundred million instructions still takes seconds.  On the
 * first difference it prints both states, what differs (and which RAM pages), the instructions the
 * interpreter ran last, and exits with status 1.
 *
 *   bt-lockstep [-seed N] [-step MAX] [-stops N] [-v] -kernel FILE [-append ARGS] [-hda IMG] [-hdb IMG]
 *               [-initrd FILE] [-m MIB]
 * -stops N stops after N comparisons (0: run the guest to its end).  Disks are always used with
 * -snapshot semantics (the image files do not change).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pc.h"
#include "machine.h"
#include "snapshot.h"
#include "cpu/cpu.h"
#include "cpu/interp.h"

static const char *const who[2] = { "interp", "bt" };

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void usage(void)
{
	fprintf(stderr, "usage: bt-lockstep [-seed N] [-step MAX] [-stops N] [-v] -kernel FILE [-append ARGS] "
		"[-hda IMG] [-hdb IMG] [-initrd FILE] [-m MIB]\n");
	exit(2);
}

static void print_state(struct machine *m, const char *name, enum stop_reason why)
{
	struct cpu *c = &m->cpu;

	fprintf(stderr, "  %-6s stop %d icount %llu eip %08x eflags %08x cpl %u cr0 %08x cr2 %08x cr3 %08x\n"
		"         eax %08x ecx %08x edx %08x ebx %08x esp %08x ebp %08x esi %08x edi %08x\n", name, (int)why,
		(unsigned long long)c->icount, c->eip, cpu_get_eflags(c), c->cpl, c->cr0, c->cr2, c->cr3,
		c->r[0], c->r[1], c->r[2], c->r[3], c->r[4], c->r[5], c->r[6], c->r[7]);
}

int main(int argc, char **argv)
{
	struct pc_config cfg;
	const char *initrd[2] = { NULL, NULL };
	uint64_t seed = 1, max_step = 100000, max_stops = 0;
	int verbose = 0;

	pc_config_defaults(&cfg);
	cfg.serial = SERIAL_NONE;
	cfg.snapshot = 1;
	cfg.no_reboot = 0;
	pc_parse_date("2024-01-01T00:00:00", &cfg.rtc_base);
	for (int k = 1; k < argc; k++) {
		const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
		if (!strcmp(a, "-v")) { verbose = 1; continue; }
		if (!strcmp(a, "-snapshot")) continue;
		if (!v)
			usage();
		if (!strcmp(a, "-seed")) seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "-step")) max_step = strtoull(v, NULL, 0);
		else if (!strcmp(a, "-stops")) max_stops = strtoull(v, NULL, 0);
		else if (!strcmp(a, "-kernel")) cfg.kernel = v;
		else if (!strcmp(a, "-append")) cfg.append = v;
		else if (!strcmp(a, "-hda")) cfg.disk[0] = v;
		else if (!strcmp(a, "-hdb")) cfg.disk[1] = v;
		else if (!strcmp(a, "-initrd")) { initrd[0] = v; cfg.initrd = initrd; }
		else if (!strcmp(a, "-m")) cfg.mem_mib = (uint32_t)strtoul(v, NULL, 0);
		else usage();
		k++;
	}
	if (!cfg.kernel && !cfg.disk[0])
		usage();
	if (max_step < 1)
		max_step = 1;

	struct pc *pc[2];
	struct machine *m[2];
	for (int k = 0; k < 2; k++) {
		char err[512];
		cfg.accel = k ? "bt" : "interp";
		pc[k] = pc_new(&cfg, err);
		if (!pc[k]) {
			fprintf(stderr, "bt-lockstep: %s\n", err);
			return 2;
		}
		pc_mute_output(pc[k], 1);
		m[k] = pc_machine(pc[k]);
	}

	uint64_t rng = seed * 0x9e3779b97f4a7c15ull | 1, stops = 0;
	enum stop_reason why[2] = { STOP_NONE, STOP_NONE };
	time_t t0 = time(NULL);
	double lmax = log((double)max_step);
	for (;;) {
		/* the next stop: log-uniform in [1, max_step] */
		uint64_t r = xs(&rng);
		uint64_t step = (uint64_t)exp(lmax * (double)(r >> 11) / 9007199254740992.0);
		if (step < 1)
			step = 1;
		uint64_t limit = m[0]->cpu.icount + step;
		for (int k = 0; k < 2; k++) {
			m[k]->cpu.icount_limit = limit;
			why[k] = pc_step(pc[k]);
		}
		stops++;

		struct state_digest d[2];
		for (int k = 0; k < 2; k++)
			machine_state_digest(m[k], &d[k]);
		int same = why[0] == why[1] && d[0].total == d[1].total;
		if (!same) {
			static const char *const part[SD_PARTS] = { "CPU", "RAM", "devices", "disks" };
			fprintf(stderr, "bt-lockstep: DIVERGENCE at stop %llu (limit %llu, seed %llu)\n",
				(unsigned long long)stops, (unsigned long long)limit, (unsigned long long)seed);
			for (int k = 0; k < 2; k++)
				print_state(m[k], who[k], why[k]);
			for (int p = 0; p < SD_PARTS; p++)
				if (d[0].part[p] != d[1].part[p])
					fprintf(stderr, "  %s differ\n", part[p]);
			if (d[0].part[SD_RAM] != d[1].part[SD_RAM]) {
				unsigned shown = 0;
				for (uint32_t pg = 0; pg < m[0]->ram_size >> 12 && shown < 16; pg++)
					if (memcmp(m[0]->ram + ((size_t)pg << 12), m[1]->ram + ((size_t)pg << 12), 4096)) {
						for (uint32_t b = 0; b < 4096; b++) {
							size_t at = ((size_t)pg << 12) + b;
							if (m[0]->ram[at] != m[1]->ram[at]) {
								fprintf(stderr, "  RAM page %08x differs, first at %08zx: "
									"interp %02x bt %02x\n", pg << 12, at, m[0]->ram[at],
									m[1]->ram[at]);
								break;
							}
						}
						shown++;
					}
			}
			fprintf(stderr, "  the interpreter's last instructions:\n");
			interp_report_recent(m[0], stderr);
			for (int k = 0; k < 2; k++)
				pc_free(pc[k]);
			return 1;
		}
		if (verbose)
			printf("stop %llu: icount %llu reason %d hash %016llx\n", (unsigned long long)stops,
			       (unsigned long long)m[0]->cpu.icount, (int)why[0], (unsigned long long)d[0].total);
		if (why[0] != STOP_LIMIT || (max_stops && stops >= max_stops))
			break;
	}
	printf("bt-lockstep: %s: %llu stops compared, %llu instructions, stop reason %d (status %d), %ld s: "
	       "no divergence\n", cfg.kernel ? cfg.kernel : cfg.disk[0], (unsigned long long)stops,
	       (unsigned long long)m[0]->cpu.icount, (int)why[0], why[0] == STOP_EXIT ? m[0]->exit_status & 0xff : 0,
	       (long)(time(NULL) - t0));
	for (int k = 0; k < 2; k++)
		pc_free(pc[k]);
	return 0;
}
