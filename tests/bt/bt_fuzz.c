/* SPDX-License-Identifier: MIT
 *
 * bt_fuzz.c — `make bt-fuzz`: the translator's lockstep differential test at length (docs/bt.md,
 * "Lockstep testing").  Generates COUNT random programs (tests/unit/bt_randprog.h) starting at SEED
 * (program k has seed SEED + k, so any one of them reproduces alone with COUNT=1) and checks each
 * against the interpreter with the harness of tests/unit/bt_lockstep.h: an unlimited run, a run
 * stopped every few instructions, and for every fourth program (every program with -prefix) runs
 * from the start to every instruction count.  On a divergence it prints the program (hex and
 * disassembly), the first instruction count at which the machines differ and the differences, and
 * exits with status 1.
 *
 *   bt-fuzz [-seed N] [-count N] [-budget INSNS] [-prefix] [-keep-going] [-dump] [-v]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bt_lockstep.h"
#include "bt_randprog.h"

int main(int argc, char **argv)
{
	uint64_t seed = 0, count = 1000, budget = 200000;
	int have_seed = 0, all_prefix = 0, keep_going = 0, dump = 0, verbose = 0, failures = 0;

	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "-seed") && k + 1 < argc && argv[k + 1][0]) {
			seed = strtoull(argv[++k], NULL, 0);
			have_seed = 1;
		} else if (!strcmp(argv[k], "-seed") && k + 1 < argc) {
			k++;                                    /* SEED= empty: pick one */
		} else if (!strcmp(argv[k], "-count") && k + 1 < argc) {
			count = strtoull(argv[++k], NULL, 0);
		} else if (!strcmp(argv[k], "-budget") && k + 1 < argc) {
			budget = strtoull(argv[++k], NULL, 0);
		} else if (!strcmp(argv[k], "-prefix")) {
			all_prefix = 1;
		} else if (!strcmp(argv[k], "-keep-going")) {
			keep_going = 1;
		} else if (!strcmp(argv[k], "-dump")) {
			dump = 1;
		} else if (!strcmp(argv[k], "-v")) {
			verbose = 1;
		} else {
			fprintf(stderr, "usage: bt-fuzz [-seed N] [-count N] [-budget INSNS] [-prefix] [-keep-going] [-dump] [-v]\n");
			return 2;
		}
	}
	if (!have_seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		seed &= 0xffffffffffffull;
	}
	printf("bt-fuzz: seed %llu, %llu programs (reproduce one: make bt-fuzz SEED=<program seed> COUNT=1)\n",
	       (unsigned long long)seed, (unsigned long long)count);
	fflush(stdout);

	struct lockstep ls;
	struct randprog *p = malloc(sizeof *p);
	if (!p || ls_init(&ls) != 0) {
		fprintf(stderr, "bt-fuzz: cannot create the machines\n");
		return 2;
	}
	time_t t0 = time(NULL), last = t0;
	for (uint64_t k = 0; k < count; k++) {
		rp_generate(p, seed + k, NULL);
		if (dump)
			rp_dump(p, stdout, 0, 1);
		unsigned how = LS_FULL | LS_SLICES | (all_prefix || k % 4 == 0 ? LS_PREFIX : 0);
		if (ls_check(&ls, p, budget, how, seed + k, stderr) != 0) {
			failures++;
			if (!keep_going)
				break;
		}
		if (verbose) {
			uint32_t nexc;
			memcpy(&nexc, ls.m[0]->ram + RP_LOGN, 4);
			printf("program %llu: %u static instructions, ran %llu, stop %d, %u exceptions, eip %08x\n",
			       (unsigned long long)(seed + k), p->ninsn, (unsigned long long)ls.end_icount,
			       (int)ls.end_stop, nexc, ls.m[0]->cpu.eip);
		}
		if (time(NULL) - last >= 10) {
			last = time(NULL);
			printf("bt-fuzz: %llu programs, %llu comparisons, %.1f M instructions\n",
			       (unsigned long long)k + 1, (unsigned long long)ls.compares, (double)ls.insns / 1e6);
			fflush(stdout);
		}
	}
	printf("bt-fuzz: %s: %llu comparisons, %.1f M instructions (%.0f%% of them in translated code), %ld s\n",
	       failures ? "DIVERGENCE" : "no divergence", (unsigned long long)ls.compares, (double)ls.insns / 1e6,
	       ls.insns ? 100.0 * (double)ls.tc_insns / (double)ls.insns : 0.0, (long)(time(NULL) - t0));
	printf("bt-fuzz: unlimited runs ended: %llu halted, %llu at the budget, %llu triple faults, %llu in a "
	       "#DF catcher\n", (unsigned long long)ls.ends[STOP_DEAD_HALT], (unsigned long long)ls.ends[STOP_LIMIT],
	       (unsigned long long)ls.ends[STOP_TRIPLE_FAULT], (unsigned long long)ls.ends_in_catcher);
	printf("bt-fuzz: exceptions taken by vector:");
	for (int v = 0; v < 256; v++)
		if (ls.vec_seen[v])
			printf(" %#x:%llu", v, (unsigned long long)ls.vec_seen[v]);
	printf("\n");
	ls_fini(&ls);
	free(p);
	return failures ? 1 : 0;
}
