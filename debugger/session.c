/* SPDX-License-Identifier: MIT
 *
 * session.c — the GDB stub's connection and its run loop (the part of gdbstub.h that pc.c calls).
 *
 * Connection.  `-gdb tcp:HOST:PORT` listens on a TCP socket, on the loopback address unless the user
 * names another one: a debugger can read and write all guest memory, so it is not offered to the
 * network by default.  `-gdb stdio` talks over standard input and output, for gdb's
 * `target remote | revisor run ... -gdb stdio`.
 *
 * The run loop replaces backend->run() in pc.c.  While no gdb is connected the guest runs (in slices,
 * so a gdb that connects later is noticed; with -S it first waits for one).  When gdb is connected the
 * guest runs only when gdb says so, in slices of SLICE_INSNS instructions between which we look for the
 * Ctrl-C byte.  A machine stop that ends the run (guest exit, gdb's kill) is returned to pc.c; a triple
 * fault or a dead halt is first shown to gdb as a stop, so the student can look at the wreck.  In a replay
 * (`revisor replay FILE -s`) the end of the recording is a stop for gdb (the end of history); reached with
 * no gdb attached, it ends the run (STOP_LIMIT) and the replay command checks the end state.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "debugger/gdbstub_priv.h"
#include "debugger/target_priv.h"
#include "replay/event.h"

/* ---- the connection ------------------------------------------------------------------------------------ */

static void disconnect(struct gdbstub *g);

static int conn_write(void *opaque, const void *buf, size_t len)
{
	struct gdbstub *g = opaque;
	const char *p = buf;

	if (g->loopback)
		return g->loop_out ? g->loop_out(g->loop_opaque, buf, len) : 0;
	while (len && g->out_fd >= 0) {
		ssize_t n = write(g->out_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			disconnect(g);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return g->out_fd >= 0 ? 0 : -1;
}

/* "tcp:HOST:PORT", "tcp::PORT", ":PORT" -> a bound, listening socket. */
static int listen_on(struct gdbstub *g, const char *spec, char err[512])
{
	char host[128] = "127.0.0.1";
	const char *s = !strncmp(spec, "tcp:", 4) ? spec + 4 : spec;
	const char *colon = strrchr(s, ':');
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char *end;
	long port;

	if (!colon) {
		snprintf(err, 512, "-gdb %s: expected tcp:HOST:PORT, tcp::PORT or stdio", spec);
		return -1;
	}
	if (colon > s) {
		if ((size_t)(colon - s) >= sizeof host) {
			snprintf(err, 512, "-gdb %s: host name too long", spec);
			return -1;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
	}
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 0 || port > 65535) {
		snprintf(err, 512, "-gdb %s: bad port number", spec);
		return -1;
	}
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || !ai) {
		snprintf(err, 512, "-gdb %s: unknown host '%s'", spec, host);
		return -1;
	}
	struct sockaddr_in sa = *(struct sockaddr_in *)ai->ai_addr;
	freeaddrinfo(ai);
	sa.sin_port = htons((uint16_t)port);

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0) {
		snprintf(err, 512, "-gdb %s: socket: %s", spec, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
		snprintf(err, 512, "-gdb %s: cannot listen on %s:%ld: %s", spec, host, port, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(g->where, sizeof g->where, "tcp:%s:%ld", host, port);
	return fd;
}

/* A gdb connected: the guest stops, and gdb's first '?' learns that. */
static void connected(struct gdbstub *g, int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* packets are small and interactive */
	g->in_fd = g->out_fd = fd;
	rsp_fini(&g->rsp);
	rsp_init(&g->rsp, conn_write, g);
	g->running = 0;
	g->interrupted = 0;
	g->last_stop = (struct tstop){ .kind = TS_INTERRUPT };
	if (g->m->cpu.icount == 0)
		g->last_stop = (struct tstop){ .kind = TS_STEP };   /* -S: stopped before the first instruction */
}

/* Wait up to timeout_ms (-1: forever) for gdb to connect. */
static int try_accept(struct gdbstub *g, int timeout_ms)
{
	struct pollfd p = { g->listen_fd, POLLIN, 0 };

	if (g->listen_fd < 0 || poll(&p, 1, timeout_ms) <= 0)
		return 0;
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	connected(g, fd);
	return 1;
}

/* gdb went away (quit, detach, a broken connection): forget its breakpoints and let the guest run. */
static void disconnect(struct gdbstub *g)
{
	if (g->in_fd >= 0 && !g->stdio)
		close(g->in_fd);
	if (g->stdio && g->out_fd > STDERR_FILENO)
		close(g->out_fd);
	g->in_fd = g->out_fd = -1;
	g->running = 0;
	g->wait_for_gdb = 0;
	target_clear(g->t);
	target_cancel_step(g->t);
	target_set_phys(g->t, 0);
}

/* Read what gdb sent, waiting up to timeout_ms.  Returns -1 when the connection is gone. */
static int read_input(struct gdbstub *g, int timeout_ms)
{
	struct pollfd p = { g->in_fd, POLLIN, 0 };
	uint8_t buf[4096];

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	ssize_t n = read(g->in_fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	gdb_feed_bytes(g, buf, (size_t)n);
	return 1;
}

/* ---- creation ------------------------------------------------------------------------------------------ */

static struct gdbstub *alloc_stub(struct machine *m)
{
	struct gdbstub *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->t = target_new(m);
	if (!g->t) {
		free(g);
		return NULL;
	}
	g->m = m;
	g->listen_fd = g->in_fd = g->out_fd = -1;
	rsp_init(&g->rsp, conn_write, g);
	g->last_stop = (struct tstop){ .kind = TS_STEP };
	return g;
}

/* A live run records itself for reverse execution.  Not while recording (re-execution would log the
 * inputs twice) nor in a replay (the replay's own seek is the history: gdbstub_use_player). */
static void start_history(struct gdbstub *g)
{
	const struct events *ev = g->m->events;

	if (!ev || (!ev->rec && !ev->play))
		gdbstub_live_history(g, 1);
}

struct gdbstub *gdbstub_new(struct machine *m, const char *spec, int wait_for_gdb, char err[512])
{
	struct gdbstub *g = alloc_stub(m);

	if (!g) {
		snprintf(err, 512, "out of memory");
		return NULL;
	}
	/* A gdb that disappears mid-write must not kill us with SIGPIPE: the write fails instead. */
	signal(SIGPIPE, SIG_IGN);
	g->wait_for_gdb = wait_for_gdb;
	if (!strcmp(spec, "stdio")) {
		/* gdb owns standard output now: the packets go out through a private copy of descriptor 1,
		 * and descriptor 1 itself is pointed at standard error, so nothing else written to standard
		 * output (the guest's console in a replay of a `-serial stdio` recording, a stray message)
		 * can corrupt the packet stream. */
		int out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			snprintf(err, 512, "-gdb stdio: %s", strerror(errno));
			if (out >= 0)
				close(out);
			gdbstub_free(g);
			return NULL;
		}
		g->stdio = 1;
		snprintf(g->where, sizeof g->where, "stdio");
		connected(g, 0);
		g->in_fd = 0;
		g->out_fd = out;
		start_history(g);
		return g;
	}
	g->listen_fd = listen_on(g, spec, err);
	if (g->listen_fd < 0) {
		gdbstub_free(g);
		return NULL;
	}
	start_history(g);
	return g;
}

struct gdbstub *gdbstub_new_loopback(struct machine *m, int (*out)(void *, const void *, size_t), void *opaque)
{
	struct gdbstub *g = alloc_stub(m);

	if (!g)
		return NULL;
	g->loopback = 1;
	g->loop_out = out;
	g->loop_opaque = opaque;
	return g;
}

void gdbstub_free(struct gdbstub *g)
{
	if (!g)
		return;
	if (g->in_fd >= 0 && !g->stdio)
		close(g->in_fd);
	if (g->out_fd > STDERR_FILENO && g->stdio)
		close(g->out_fd);   /* the private copy of standard output */
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	rsp_fini(&g->rsp);
	gdbstub_live_history(g, 0);
	target_free(g->t);
	free(g);
}

void gdbstub_set_history(struct gdbstub *g, const struct target_history *h) { target_set_history(g->t, h); }
void gdbstub_set_limit(struct gdbstub *g, uint64_t limit) { target_set_limit(g->t, limit); }

void gdbstub_exited(struct gdbstub *g, int status)
{
	char b[8];

	if (!g || g->in_fd < 0 || g->loopback)
		return;
	snprintf(b, sizeof b, "W%02x", status & 0xff);
	rsp_send_str(&g->rsp, b);
}

/* ---- the run loop ----------------------------------------------------------------------------------------- */

/* The machine stopped by itself while gdb was watching.  Returns the reason if the run is over. */
static enum stop_reason machine_stopped(struct gdbstub *g, const struct tstop *why)
{
	char msg[160];

	switch (why->machine_reason) {
	case STOP_TRIPLE_FAULT:
	case STOP_DEAD_HALT:
	case STOP_ERROR:
		/* Let the student look at the state first; continuing ends the run. */
		snprintf(msg, sizeof msg, "revisor: %s at instruction %llu; continuing ends the run\n",
			 why->machine_reason == STOP_TRIPLE_FAULT ? "triple fault (shutdown)" :
			 why->machine_reason == STOP_DEAD_HALT ? "the guest halted with interrupts disabled" :
			 "internal error", (unsigned long long)g->m->cpu.icount);
		gdb_console(g, msg);
		gdb_report_stop(g, why);
		g->terminal = why->machine_reason;
		g->running = 0;
		return STOP_NONE;
	case STOP_RESET:
	case STOP_LIMIT:
		/* pc.c reboots, or a driver running the guest in pieces calls us again: gdb's continue goes
		 * on (if the limit was the user's last one, pc.c ends the run and tells gdb). */
		return why->machine_reason;
	default:
		g->running = 0;
		return why->machine_reason;   /* exit, user quit: pc.c takes it from here */
	}
}

/* One slice of running for gdb: step or continue, then look for Ctrl-C. */
static enum stop_reason run_slice(struct gdbstub *g)
{
	struct tstop why;

	if (g->resume == RESUME_STEP)
		target_step(g->t, g->range_start, g->range_end, &why);
	else
		target_continue(g->t, SLICE_INSNS, &why);
	if (why.kind == TS_NONE) {
		if (read_input(g, 0) < 0) {
			disconnect(g);
			return g->stdio ? STOP_USER : STOP_NONE;
		}
		if (!g->interrupted)
			return STOP_NONE;
		target_cancel_step(g->t);
		why = (struct tstop){ .kind = TS_INTERRUPT };
	}
	g->interrupted = 0;
	if (why.kind == TS_MACHINE)
		return machine_stopped(g, &why);
	g->running = 0;
	gdb_report_stop(g, &why);
	return STOP_NONE;
}

static enum stop_reason session(struct gdbstub *g);

enum stop_reason gdbstub_run(struct gdbstub *g)
{
	enum stop_reason r;

	/* A history seek re-executes through the platform's run loop (the replay's rr_seek calls pc_step),
	 * which calls us again: inside the session, just run the backend. */
	if (g->depth)
		return g->m->backend->run(g->m);
	g->depth++;
	r = session(g);
	g->depth--;
	return r;
}

static enum stop_reason session(struct gdbstub *g)
{
	struct tstop why;

	/* Whoever runs the machine may bound this run (-icount-limit, a recorder working in pieces). */
	target_set_limit(g->t, g->m->cpu.icount_limit);
	for (;;) {
		if (g->in_fd < 0) {
			if (g->stdio)
				return STOP_USER;   /* gdb on the pipe is gone and cannot come back */
			/* No gdb: wait for one (-S), or run and look for one between slices. */
			if (g->wait_for_gdb) {
				fprintf(stderr, "revisor: waiting for gdb on %s\n", g->where);
				try_accept(g, -1);
				continue;
			}
			target_continue(g->t, SLICE_INSNS, &why);
			if (why.kind == TS_MACHINE)
				return why.machine_reason;
			/* A replay ran to the end of its recording with nobody watching: the replay command
			 * takes over (it compares the end state with the recording's, replay/replay.c). */
			if (why.kind == TS_HISTORY_END)
				return STOP_LIMIT;
			try_accept(g, 0);
			continue;
		}
		if (g->running) {
			enum stop_reason r = run_slice(g);
			if (r != STOP_NONE)
				return r;
			continue;
		}
		/* Stopped: wait for gdb's next packet. */
		if (read_input(g, -1) < 0) {
			disconnect(g);
			if (g->stdio)
				return STOP_USER;
			continue;
		}
		switch (g->resume) {
		case RESUME_KILL:
			disconnect(g);
			return STOP_USER;
		case RESUME_DETACH:
			disconnect(g);
			if (g->stdio)
				return STOP_USER;
			break;
		case RESUME_CONT:
		case RESUME_STEP:
			g->wait_for_gdb = 0;
			if (g->terminal != STOP_NONE) {
				g->running = 0;
				return g->terminal;
			}
			break;
		default:
			break;
		}
	}
}
