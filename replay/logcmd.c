/* SPDX-License-Identifier: MIT
 *
 * logcmd.c — `revisor log FILE [--json]`: a recording, printed.  The teaching view of "everything
 * nondeterministic that happened": the header (machine and images), then every event in order — the
 * instruction count at which it entered the guest, its kind and its payload — and a summary (events and
 * bytes by kind, instructions).  --json prints the same as one JSON object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "replay/log.h"
#include "replay/replay.h"

static void print_bytes(const uint8_t *p, uint32_t n, int json)
{
	for (uint32_t k = 0; k < n; k++) {
		uint8_t c = p[k];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else if (json)
			printf("\\u%04x", c);
		else
			printf("\\x%02x", c);
	}
}

static void print_payload(const struct log_event *e, int json)
{
	int64_t base;
	struct log_hash h;
	struct log_end end;

	switch (e->kind) {
	case LOG_EV_SERIAL:
		printf(json ? "\"bytes\": \"" : "\"");
		print_bytes(e->payload, e->len, json);
		printf("\"");
		break;
	case LOG_EV_RTC:
		if (e->len == sizeof base) {
			memcpy(&base, e->payload, sizeof base);
			printf(json ? "\"unix_seconds\": %lld" : "start %lld (Unix seconds)", (long long)base);
		}
		break;
	case LOG_EV_HASH:
		if (e->len == sizeof h) {
			memcpy(&h, e->payload, sizeof h);
			printf(json ? "\"hash\": \"%016llx\", \"eip\": \"%08x\"" : "state %016llx  eip %08x",
			       (unsigned long long)h.total, h.reg[LH_EIP]);
		}
		break;
	case LOG_EV_END:
		if (e->len == sizeof end) {
			memcpy(&end, e->payload, sizeof end);
			printf(json ? "\"reason\": %u, \"status\": %d, \"hash\": \"%016llx\"" :
				      "reason %u  status %d  final hash %016llx",
			       end.reason, end.status, (unsigned long long)end.hash);
		}
		break;
	default:
		break;
	}
}

int log_main(int argc, char **argv)
{
	const char *path = NULL;
	int json = 0;
	struct log_file lf;
	char err[512];
	uint64_t count[LOG_EV_KINDS] = { 0 }, bytes[LOG_EV_KINDS] = { 0 };

	for (int k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--json") || !strcmp(argv[k], "-json"))
			json = 1;
		else if (argv[k][0] != '-' && !path)
			path = argv[k];
		else {
			fprintf(stderr, "usage: revisor log FILE [--json]\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: revisor log FILE [--json]\n");
		return 2;
	}
	if (log_read(&lf, path, 0, err)) {
		fprintf(stderr, "revisor: log: %s\n", err);
		return 2;
	}
	if (json) {
		printf("{\"file\": \"");
		print_bytes((const uint8_t *)path, (uint32_t)strlen(path), 1);
		printf("\", \"header\": {");
		int first = 1;
		for (char *line = lf.header; *line;) {
			char *end = strchr(line, '\n'), *sp;
			size_t len = end ? (size_t)(end - line) : strlen(line);
			sp = memchr(line, ' ', len);
			if (sp) {
				printf("%s\"", first ? "" : ", ");
				print_bytes((uint8_t *)line, (uint32_t)(sp - line), 1);
				printf("\": \"");
				print_bytes((uint8_t *)sp + 1, (uint32_t)(len - (size_t)(sp - line) - 1), 1);
				printf("\"");
				first = 0;
			}
			line += len + (end != NULL);
		}
		printf("},\n \"events\": [\n");
	} else {
		printf("recording %s: %llu bytes, %llu chunks\n", path, (unsigned long long)lf.size,
		       (unsigned long long)lf.nchunks);
		for (char *line = lf.header; *line;) {
			char *end = strchr(line, '\n');
			size_t len = end ? (size_t)(end - line) : strlen(line);
			printf("  %.*s\n", (int)len, line);
			line += len + (end != NULL);
		}
		printf("\n%14s  %-6s  %s\n", "icount", "kind", "payload");
	}
	for (size_t k = 0; k < lf.nev; k++) {
		const struct log_event *e = &lf.ev[k];
		count[e->kind]++;
		bytes[e->kind] += e->len;
		if (json)
			printf("  {\"icount\": %llu, \"kind\": \"%s\"%s", (unsigned long long)e->icount,
			       log_kind_name(e->kind), e->kind == LOG_EV_EOF ? "" : ", ");
		else
			printf("%14llu  %-6s  ", (unsigned long long)e->icount, log_kind_name(e->kind));
		print_payload(e, json);
		printf(json ? "}%s\n" : "\n", k + 1 < lf.nev ? "," : "");
	}
	uint64_t insns = lf.nev ? lf.ev[lf.nev - 1].icount : 0;
	if (json) {
		printf(" ],\n \"summary\": {\"instructions\": %llu, \"bytes\": %llu, \"truncated\": %s, \"events\": {",
		       (unsigned long long)insns, (unsigned long long)lf.size, lf.truncated ? "true" : "false");
		int first = 1;
		for (unsigned k = 1; k < LOG_EV_KINDS; k++) {
			printf("%s\"%s\": {\"count\": %llu, \"payload_bytes\": %llu}", first ? "" : ", ", log_kind_name(k),
			       (unsigned long long)count[k], (unsigned long long)bytes[k]);
			first = 0;
		}
		printf("}}}\n");
	} else {
		printf("\nsummary: %llu events over %llu instructions, %llu bytes in the file%s\n",
		       (unsigned long long)lf.nev, (unsigned long long)insns, (unsigned long long)lf.size,
		       lf.truncated ? " (truncated: no end record)" : "");
		for (unsigned k = 1; k < LOG_EV_KINDS; k++)
			printf("  %-6s  %8llu events  %10llu payload bytes\n", log_kind_name(k), (unsigned long long)count[k],
			       (unsigned long long)bytes[k]);
		if (insns)
			printf("  log growth: %.1f KiB per 10^9 instructions\n", lf.size / 1024.0 * 1e9 / (double)insns);
	}
	log_file_free(&lf);
	return 0;
}
