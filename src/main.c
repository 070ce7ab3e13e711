/* SPDX-License-Identifier: MIT
 *
 * main.c — the `revisor` program: parses the command line (QEMU's spellings where QEMU has the option)
 * and hands a struct pc_config to the PC platform (pc.c).  Subcommands:
 *
 *   revisor run [options] [DISK_IMAGE]      boot a kernel (-kernel) or a disk's boot sector
 *   revisor record -o FILE [run options]    the same, writing a recording (replay/record.c)
 *   revisor replay FILE [-until N] [-s]     replay a recording, optionally under gdb (replay/replay.c)
 *   revisor log FILE [--json]               print a recording's events (replay/logcmd.c)
 *
 * Exit status (docs/revisor.1): the guest's debug-exit value (value << 1) | 1 when it wrote port 0xF4;
 * 0 when the user quit (Ctrl-A x) or an instruction limit was reached; 2 for bad usage or bad input
 * files; 3 for a triple fault; 4 when the guest halted with nothing left to wake it; 5 for a reset
 * request with -no-reboot; 6 for an internal error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pc.h"
#include "replay/record.h"
#include "replay/replay.h"

#define REVISOR_VERSION "0.1.0"

static const char usage_text[] =
	"usage: revisor run [options] [DISK_IMAGE]\n"
	"       revisor record -o FILE [run options]   run and record (docs/replay.md)\n"
	"       revisor replay FILE [-accel interp|bt] [-until N] [-s | -S | -gdb DEV]\n"
	"       revisor log FILE [--json]\n"
	"       revisor --help | --version\n"
	"\n"
	"Boot a 32-bit x86 PC guest: a Multiboot kernel (-kernel) or the boot sector of a disk image.\n"
	"\n"
	"Options of `run` (QEMU's spellings):\n"
	"  -kernel FILE        Multiboot v1 kernel (ELF or a.out kludge)\n"
	"  -append STRING      kernel command line\n"
	"  -initrd FILE[,FILE] Multiboot modules (\"FILE args\" passes a module command line)\n"
	"  -hda FILE, -hdb FILE  IDE primary master/slave raw disk image (a bare DISK_IMAGE means -hda)\n"
	"  -m MIB              guest RAM in MiB (default 128, 2..3072)\n"
	"  -serial MODE        COM1: stdio (default), none, or file:PATH\n"
	"  -snapshot           disk writes go to a temporary overlay; images stay unmodified\n"
	"  -accel BACKEND      CPU backend: bt (the binary translator, docs/bt.md; the default on\n"
	"                      x86-64 hosts) or interp (the reference interpreter);\n"
	"                      interp,one-insn-per-trace=on runs the\n"
	"                      interpreter one instruction per dispatch (no traces), for comparisons\n"
	"  -no-reboot          exit instead of rebooting when the guest resets\n"
	"  -d ITEMS            log: in_asm,out_asm,int,cpu_reset,exit,guest_errors,hash,worlds (comma-separated)\n"
	"                      to stderr or -D; out_asm (bt): each new CCF's host code\n"
	"  -D FILE             write -d logging to FILE\n"
	"  -icount-limit N     stop after N retired instructions (exit status 0)\n"
	"  -savevm FILE        when the run ends, save a snapshot of the whole machine to FILE\n"
	"  -loadvm FILE        start from a snapshot saved with the same options instead of from reset\n"
	"  -rtc-base DATE      RTC start as YYYY-MM-DDTHH:MM:SS (default: the host's clock, as an input event)\n"
	"  -tsc MODE           what rdtsc reads: icount (default: retired instructions, deterministic) or\n"
	"                      host (the host's TSC, for timing the costs guest; not deterministic, not with record)\n"
	"  -gdb DEV            wait for gdb: tcp:HOST:PORT (tcp::PORT = loopback) or stdio (docs/gdb.md)\n"
	"  -s                  shorthand for -gdb tcp:127.0.0.1:1234\n"
	"  -S                  do not start the CPU until gdb continues it\n"
	"\n"
	"With -serial stdio the console is raw and interactive: Ctrl-A x quits, Ctrl-A h helps.\n"
	"Exit status: (value << 1) | 1 after the guest writes value to port 0xF4; 0 on quit or -icount-limit;\n"
	"2 bad usage or input; 3 triple fault; 4 halted forever; 5 reset with -no-reboot; 6 internal error.\n";

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "revisor: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'revisor --help'.\n");
	exit(2);
}

static unsigned long long parse_num(const char *opt, const char *s, unsigned long long lo, unsigned long long hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "revisor: %s: '%s' is not a number in %llu..%llu\nTry 'revisor --help'.\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

static void split_list(const char *s, const char **out, int max, const char *opt)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max - 1)
			usage_error("%s: too many files", opt);
		out[n++] = tok;
	}
	out[n] = NULL;
}

static const char *record_out;   /* revisor record -o FILE */

static int cmd_run(int argc, char **argv)
{
	static const char *initrd[65];
	struct pc_config cfg = { 0 };
	char err[512];

	pc_config_defaults(&cfg);
	for (int k = 0; k < argc; k++) {
		const char *a = argv[k];
		const char *v = k + 1 < argc ? argv[k + 1] : NULL;
		/* Options take one value; QEMU also accepts a leading double dash. */
		if (a[0] == '-' && a[1] == '-' && a[2])
			a++;
#define NEEDV() do { if (!v) usage_error("option %s needs a value", a); k++; } while (0)
		if (!strcmp(a, "-kernel")) { NEEDV(); cfg.kernel = v; }
		else if (!strcmp(a, "-append")) { NEEDV(); cfg.append = v; }
		else if (!strcmp(a, "-initrd")) { NEEDV(); split_list(v, initrd, 65, "-initrd"); cfg.initrd = initrd; }
		else if (!strcmp(a, "-hda")) { NEEDV(); cfg.disk[0] = v; }
		else if (!strcmp(a, "-hdb")) { NEEDV(); cfg.disk[1] = v; }
		else if (!strcmp(a, "-m")) { NEEDV(); cfg.mem_mib = (uint32_t)parse_num("-m", v, 2, 3072); }
		else if (!strcmp(a, "-serial")) {
			NEEDV();
			if (!strcmp(v, "stdio")) cfg.serial = SERIAL_STDIO;
			else if (!strcmp(v, "none") || !strcmp(v, "null")) cfg.serial = SERIAL_NONE;
			else if (!strncmp(v, "file:", 5) && v[5]) { cfg.serial = SERIAL_FILE; cfg.serial_path = v + 5; }
			else usage_error("-serial: unknown mode '%s' (stdio, none, file:PATH)", v);
		}
		else if (!strcmp(a, "-snapshot")) cfg.snapshot = 1;
		else if (!strcmp(a, "-no-reboot")) cfg.no_reboot = 1;
		else if (!strcmp(a, "-accel")) {
			cfg.accel_explicit = 1;
			NEEDV();
			/* BACKEND[,one-insn-per-trace=on|off] (QEMU spells its TCG option one-insn-per-tb) */
			const char *comma = strchr(v, ',');
			size_t blen = comma ? (size_t)(comma - v) : strlen(v);
			if (blen == 2 && !strncmp(v, "bt", 2) && !comma) {
				cfg.accel = "bt";   /* the binary translator (src/bt/, docs/bt.md) */
				continue;
			}
			if (blen != 6 || strncmp(v, "interp", 6) != 0)
				usage_error("-accel: unknown backend '%s' (available: interp, bt)", v);
			if (comma && !strcmp(comma + 1, "one-insn-per-trace=on"))
				cfg.one_insn_per_trace = 1;
			else if (comma && strcmp(comma + 1, "one-insn-per-trace=off") != 0)
				usage_error("-accel: unknown option '%s' (one-insn-per-trace=on|off)", comma + 1);
			cfg.accel = "interp";
		}
		else if (!strcmp(a, "-loadvm")) { NEEDV(); cfg.loadvm = v; }
		else if (!strcmp(a, "-savevm")) { NEEDV(); cfg.savevm = v; }
		else if (!strcmp(a, "-loadvm")) { NEEDV(); cfg.loadvm = v; }
		else if (!strcmp(a, "-savevm")) { NEEDV(); cfg.savevm = v; }
		else if (!strcmp(a, "-d")) { NEEDV(); if (pc_parse_log(&cfg, v, err)) usage_error("-d: %s", err); }
		else if (!strcmp(a, "-D")) { NEEDV(); cfg.log_file = v; }
		else if (!strcmp(a, "-icount-limit")) { NEEDV(); cfg.icount_limit = parse_num("-icount-limit", v, 1, UINT64_MAX - 1); }
		else if (!strcmp(a, "-rtc-base")) { NEEDV(); if (pc_parse_date(v, &cfg.rtc_base)) usage_error("-rtc-base: '%s' is not YYYY-MM-DDTHH:MM:SS", v); }
		else if (!strcmp(a, "-tsc")) {
			NEEDV();
			if (!strcmp(v, "host")) cfg.tsc_host = 1;
			else if (!strcmp(v, "icount")) cfg.tsc_host = 0;
			else usage_error("-tsc: unknown mode '%s' (icount, host)", v);
		}
		else if (!strcmp(a, "-gdb")) { NEEDV(); cfg.gdb = v; }
		else if (!strcmp(a, "-s")) cfg.gdb = "tcp:127.0.0.1:1234";
		else if (!strcmp(a, "-S")) cfg.gdb_wait = 1;
		else if (a[0] == '-' && a[1]) usage_error("unknown option '%s'", argv[k]);
		else if (!cfg.disk[0]) cfg.disk[0] = a;
		else usage_error("unexpected argument '%s' (one disk image at most; use -hdb)", a);
#undef NEEDV
	}
	if (!cfg.kernel && !cfg.disk[0])
		usage_error("%s", "nothing to boot: give -kernel FILE or a disk image");
	if (cfg.gdb_wait && !cfg.gdb)
		usage_error("%s", "-S waits for a debugger: add -s or -gdb tcp:HOST:PORT");
	if (cfg.gdb && !strcmp(cfg.gdb, "stdio") && cfg.serial == SERIAL_STDIO) {
		/* gdb owns standard input and output: the guest's console writes to standard error. */
		cfg.serial = SERIAL_FILE;
		cfg.serial_path = "/dev/stderr";
	}

	if (record_out && cfg.tsc_host)
		usage_error("%s", "-tsc host cannot be recorded: the host's TSC is not an input the replay could repeat");
	if (record_out)
		return record_main(&cfg, record_out, argc, argv, REVISOR_VERSION);
	struct pc *pc = pc_new(&cfg, err);
	if (!pc) {
		fprintf(stderr, "revisor: %s\n", err);
		return 2;
	}
	int status = pc_run(pc);
	pc_free(pc);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("revisor %s\n", REVISOR_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "record")) {
		if (argc < 4 || strcmp(argv[2], "-o"))
			usage_error("%s", "record: usage: revisor record -o FILE [run options]");
		record_out = argv[3];
		return cmd_run(argc - 4, argv + 4);
	}
	if (!strcmp(argv[1], "replay"))
		return replay_main(argc - 2, argv + 2);
	if (!strcmp(argv[1], "log"))
		return log_main(argc - 2, argv + 2);
	usage_error("unknown command '%s' (try run, record, replay, log)", argv[1]);
	return 2;
}
