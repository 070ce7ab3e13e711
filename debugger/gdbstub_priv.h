/* SPDX-License-Identifier: MIT
 *
 * gdbstub_priv.h — the GDB stub's session state, shared by gdbstub.c (packet commands), session.c
 * (connection and run loop) and monitor.c (`monitor` commands).  Nothing else includes it.
 */
#ifndef REVISOR_GDBSTUB_PRIV_H
#define REVISOR_GDBSTUB_PRIV_H

#include "debugger/gdbstub.h"
#include "debugger/rsp.h"
#include "debugger/target.h"

/* What the last packet asked the session loop to do. */
enum resume { RESUME_NONE, RESUME_CONT, RESUME_STEP, RESUME_DETACH, RESUME_KILL };

struct gdbstub {
	struct machine *m;
	struct target *t;
	struct rsp rsp;

	/* the connection */
	int listen_fd;             /* TCP listener, or -1 (stdio, loopback) */
	int in_fd, out_fd;         /* the connected gdb, or -1 */
	int stdio;                 /* -gdb stdio: when gdb goes away the run ends */
	int loopback;              /* tests and the fuzzer: packets in, replies out, the machine never runs */
	int (*loop_out)(void *, const void *, size_t);
	void *loop_opaque;
	char where[128];           /* "tcp:127.0.0.1:1234", for messages */

	/* the session */
	int wait_for_gdb;          /* -S: do not run until gdb resumes */
	int running;               /* gdb resumed us and waits for a stop reply */
	enum resume resume;
	uint32_t range_start, range_end;
	int interrupted;           /* Ctrl-C arrived */
	struct tstop last_stop;    /* for '?' */
	int gdb_swbreak, gdb_hwbreak;
	enum stop_reason terminal; /* a machine stop already shown to gdb, ends the run on resume */
	int depth;                 /* gdbstub_run() calls in progress (a seek may re-enter it) */
};

void gdb_report_stop(struct gdbstub *g, const struct tstop *why);
void gdb_console(struct gdbstub *g, const char *text);
int gdb_feed_bytes(struct gdbstub *g, const uint8_t *data, size_t len);
void gdb_monitor(struct gdbstub *g, const char *hex, size_t len);   /* qRcmd */

#endif
