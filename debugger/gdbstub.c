/* SPDX-License-Identifier: MIT
 *
 * gdbstub.c — the commands of the GDB remote serial protocol (GDB manual, appendix "Remote Protocol",
 * sections "Packets", "Stop Reply Packets", "General Query Packets") and the session loop that runs the
 * machine for gdb.  Framing is rsp.c's job, the machine's registers/memory/run control target.c's, the
 * socket gdbconn.c's, and `monitor` commands monitor.c's.
 *
 * The session is "all-stop" with one thread: the CPU is either stopped, waiting for a packet, or running,
 * and then we look at the connection only between slices of SLICE_INSNS instructions, for the Ctrl-C
 * byte that asks us to stop.  Every packet gets exactly one reply; a packet we do not know gets the empty
 * reply (which means "not supported"), a malformed one an "Exx" error — never a crash.
 *
 *   stopped --c/s/vCont--> running --breakpoint, watchpoint, step done, Ctrl-C--> stopped (stop reply)
 *      |  bs/bc: reverse execution happens at once (target.c/reverse.c), then a stop reply
 *      |  D: forget breakpoints, let the guest run, wait for gdb to come back;  k: end the run
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugger/gdbstub.h"
#include "debugger/gdbstub_priv.h"
#include "debugger/tdesc.h"

/* ---- replies --------------------------------------------------------------------------------------- */

static void reply(struct gdbstub *g, const char *s)
{
	rsp_send_str(&g->rsp, s);
}

static void reply_error(struct gdbstub *g, int code)
{
	char b[8];

	snprintf(b, sizeof b, "E%02x", code & 0xff);
	reply(g, b);
}

/* Console output for gdb to print ("O" packets are allowed while the target runs). */
void gdb_console(struct gdbstub *g, const char *text)
{
	size_t n = strlen(text);

	while (n) {
		size_t chunk = n < 2000 ? n : 2000;
		char *buf = malloc(2 * chunk + 2);
		if (!buf)
			return;
		buf[0] = 'O';
		rsp_bin2hex((const uint8_t *)text, chunk, buf + 1);
		reply(g, buf);
		free(buf);
		text += chunk;
		n -= chunk;
	}
}

/* The stop reply for why (GDB manual, "Stop Reply Packets"): a T packet with the signal, the reason,
 * the thread and the registers gdb needs first (so it does not have to ask for them). */
static void make_stop_reply(struct gdbstub *g, const struct tstop *why, char *out, size_t cap)
{
	static const char *wname[] = { [WP_WRITE] = "watch", [WP_READ] = "rwatch", [WP_ACCESS] = "awatch" };
	int sig = why->kind == TS_INTERRUPT ? 2 : why->kind == TS_MACHINE && why->machine_reason == STOP_TRIPLE_FAULT ? 11 : 5;
	size_t n = (size_t)snprintf(out, cap, "T%02x", sig);

	switch (why->kind) {
	case TS_SWBREAK:
		if (g->gdb_swbreak)
			n += (size_t)snprintf(out + n, cap - n, "swbreak:;");
		break;
	case TS_HWBREAK:
		if (g->gdb_hwbreak)
			n += (size_t)snprintf(out + n, cap - n, "hwbreak:;");
		break;
	case TS_WATCH:
		n += (size_t)snprintf(out + n, cap - n, "%s:%x;", wname[why->wp_kind], why->addr);
		break;
	case TS_HISTORY_BEGIN:
		n += (size_t)snprintf(out + n, cap - n, "replaylog:begin;");
		break;
	case TS_HISTORY_END:
		n += (size_t)snprintf(out + n, cap - n, "replaylog:end;");
		break;
	default:
		break;
	}
	n += (size_t)snprintf(out + n, cap - n, "thread:01;");
	static const unsigned expedite[] = { GREG_ESP, GREG_EBP, GREG_EIP };
	for (unsigned k = 0; k < 3; k++) {
		uint8_t v[4];
		char hex[9];
		target_read_reg(g->t, expedite[k], v);
		rsp_bin2hex(v, 4, hex);
		n += (size_t)snprintf(out + n, cap - n, "%02x:%s;", expedite[k], hex);
	}
}

void gdb_report_stop(struct gdbstub *g, const struct tstop *why)
{
	char buf[160];

	g->last_stop = *why;
	make_stop_reply(g, why, buf, sizeof buf);
	reply(g, buf);
}

/* ---- registers and memory ---------------------------------------------------------------------------- */

/* A replay's past is fixed (target.h): a register or memory write from gdb gets an error.  The reason
 * goes to revisor's standard error, not to gdb: gdb takes only the reply to these packets (an "O" console
 * packet is understood in stop replies and monitor output, not here). */
static int refuse_write(struct gdbstub *g)
{
	if (!target_read_only(g->t))
		return 0;
	fprintf(stderr, "revisor: gdb tried to change a register or memory: refused, this is a replay (the rest "
		"of the recording would no longer apply to the machine)\n");
	reply_error(g, 0x0d);   /* EACCES */
	return 1;
}

static void cmd_read_regs(struct gdbstub *g)
{
	char out[GREG_COUNT * 20 + 1];
	size_t n = 0;

	for (unsigned r = 0; r < GREG_COUNT; r++) {
		uint8_t v[16];
		int len = target_read_reg(g->t, r, v);
		rsp_bin2hex(v, (size_t)len, out + n);
		n += 2 * (size_t)len;
	}
	reply(g, out);
}

static void cmd_write_regs(struct gdbstub *g, const char *hex)
{
	size_t have = strlen(hex), off = 0;

	if (refuse_write(g))
		return;
	for (unsigned r = 0; r < GREG_COUNT && off < have; r++) {
		uint8_t v[16];
		unsigned len = target_reg_size(r);
		if (rsp_hex2bin(hex + off, have - off, v, len) < 0) {
			reply_error(g, 1);
			return;
		}
		/* A register gdb cannot know (it sent 'x' digits) or cannot set fails alone, not the packet. */
		target_write_reg(g->t, r, v);
		off += 2 * len;
	}
	reply(g, "OK");
}

static void cmd_read_reg(struct gdbstub *g, const char *args)
{
	uint64_t r;
	uint8_t v[16];
	char hex[33];

	if (rsp_parse_hex(&args, &r) < 0 || *args || r >= GREG_COUNT) {
		reply_error(g, 1);
		return;
	}
	int len = target_read_reg(g->t, (unsigned)r, v);
	rsp_bin2hex(v, (size_t)len, hex);
	reply(g, hex);
}

static void cmd_write_reg(struct gdbstub *g, const char *args)
{
	uint64_t r;
	uint8_t v[16];

	if (refuse_write(g))
		return;
	if (rsp_parse_hex(&args, &r) < 0 || *args++ != '=' || r >= GREG_COUNT ||
	    rsp_hex2bin(args, strlen(args), v, target_reg_size((unsigned)r)) < 0 ||
	    strlen(args) != 2 * target_reg_size((unsigned)r)) {
		reply_error(g, 1);
		return;
	}
	if (target_write_reg(g->t, (unsigned)r, v) < 0)
		reply_error(g, 2);
	else
		reply(g, "OK");
}

/* "ADDR,LEN" followed by end or by sep; returns 0 and advances *p past sep. */
static int parse_addr_len(const char **p, char sep, uint64_t *addr, uint64_t *len)
{
	if (rsp_parse_hex(p, addr) < 0 || **p != ',')
		return -1;
	(*p)++;
	if (rsp_parse_hex(p, len) < 0)
		return -1;
	if (sep) {
		if (**p != sep)
			return -1;
		(*p)++;
	} else if (**p) {
		return -1;
	}
	return *addr <= 0xffffffffu ? 0 : -1;
}

static void cmd_read_mem(struct gdbstub *g, const char *args)
{
	uint64_t addr, len;

	if (parse_addr_len(&args, 0, &addr, &len) < 0) {
		reply_error(g, 1);
		return;
	}
	if (len > RSP_MAX_PAYLOAD / 2)
		len = RSP_MAX_PAYLOAD / 2;   /* a shorter answer is allowed; gdb asks again for the rest */
	uint8_t *buf = malloc(len + 1);
	char *hex = malloc(2 * len + 1);
	uint32_t got = buf && hex ? target_read_mem(g->t, (uint32_t)addr, buf, (uint32_t)len) : 0;
	if (len && !got) {
		reply_error(g, 0x0e);    /* EFAULT: nothing mapped (or not RAM) there */
	} else {
		rsp_bin2hex(buf, got, hex);
		reply(g, hex);
	}
	free(buf);
	free(hex);
}

/* M (hex data) and X (binary data) write memory. */
static void cmd_write_mem(struct gdbstub *g, char *args, size_t args_len, int binary)
{
	const char *p = args;
	uint64_t addr, len;
	uint8_t *buf;

	if (refuse_write(g))
		return;
	if (parse_addr_len(&p, ':', &addr, &len) < 0 || len > RSP_MAX_PAYLOAD) {
		reply_error(g, 1);
		return;
	}
	char *data = args + (p - args);
	size_t have = args_len - (size_t)(p - args);
	if (binary) {
		long n = rsp_unescape(data, have);
		if (n < 0 || (uint64_t)n != len) {
			reply_error(g, 1);
			return;
		}
		buf = (uint8_t *)data;
	} else {
		buf = malloc(len + 1);
		if (!buf || have != 2 * len || rsp_hex2bin(data, have, buf, len) < 0) {
			free(buf);
			reply_error(g, 1);
			return;
		}
	}
	uint32_t done = target_write_mem(g->t, (uint32_t)addr, buf, (uint32_t)len);
	if (!binary)
		free(buf);
	if (done != len)
		reply_error(g, 0x0e);
	else
		reply(g, "OK");
}

/* ---- breakpoints ------------------------------------------------------------------------------------ */

static void cmd_breakpoint(struct gdbstub *g, const char *args, int insert)
{
	uint64_t type, addr, kind;

	if (rsp_parse_hex(&args, &type) < 0 || *args++ != ',' || rsp_parse_hex(&args, &addr) < 0 ||
	    *args++ != ',' || rsp_parse_hex(&args, &kind) < 0 || addr > 0xffffffffu || kind > 0xffffffffu) {
		reply_error(g, 1);
		return;
	}
	/* Trailing ";cond" / ";cmds" lists (target-side conditions) are not supported: ignore them. */
	if (type > WP_ACCESS) {
		reply(g, "");
		return;
	}
	int r = insert ? target_insert(g->t, (enum bp_kind)type, (uint32_t)addr, (uint32_t)kind)
		       : target_remove(g->t, (enum bp_kind)type, (uint32_t)addr, (uint32_t)kind);
	if (r < 0)
		reply_error(g, insert ? 0x0c : 0x02);
	else
		reply(g, "OK");
}

/* ---- resuming ---------------------------------------------------------------------------------------- */

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: resume at ADDR if given.  The signal is ignored:
 * there is no process to deliver it to. */
static void cmd_resume(struct gdbstub *g, const char *args, int step, int with_sig)
{
	uint64_t v;

	if (with_sig) {
		if (rsp_parse_hex(&args, &v) < 0) {
			reply_error(g, 1);
			return;
		}
		if (*args == ';')
			args++;
		else if (*args) {
			reply_error(g, 1);
			return;
		}
	}
	if (*args) {
		if (rsp_parse_hex(&args, &v) < 0 || *args || v > 0xffffffffu) {
			reply_error(g, 1);
			return;
		}
		uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
		if (v != g->m->cpu.eip && refuse_write(g))
			return;   /* resuming elsewhere would change EIP */
		target_write_reg(g->t, GREG_EIP, b);
	}
	g->resume = step ? RESUME_STEP : RESUME_CONT;
	g->range_start = g->range_end = 0;
}

/* vCont;ACTION[:THREAD][;ACTION...]: one thread, so the first action decides. */
static void cmd_vcont(struct gdbstub *g, const char *args)
{
	uint64_t a, b;

	if (*args++ != ';') {
		reply_error(g, 1);
		return;
	}
	switch (*args++) {
	case 'c':
	case 'C':
		g->resume = RESUME_CONT;
		return;
	case 's':
	case 'S':
		g->resume = RESUME_STEP;
		g->range_start = g->range_end = 0;
		return;
	case 'r':
		/* Range stepping: keep stepping while EIP stays in [a, b) (gdb's `next` over a line). */
		if (rsp_parse_hex(&args, &a) < 0 || *args++ != ',' || rsp_parse_hex(&args, &b) < 0 ||
		    a > 0xffffffffu || b > 0xffffffffu) {
			reply_error(g, 1);
			return;
		}
		g->resume = RESUME_STEP;
		g->range_start = (uint32_t)a;
		g->range_end = (uint32_t)b;
		return;
	case 't':
		/* Stop a thread: it is already stopped. */
		gdb_report_stop(g, &g->last_stop);
		return;
	default:
		reply_error(g, 1);
	}
}

static void cmd_reverse(struct gdbstub *g, int step)
{
	struct tstop why;

	if (!target_has_history(g->t)) {
		gdb_console(g, "revisor: no execution history here, so no reverse execution (run the guest "
			       "under `revisor replay`, or with a live history; see docs/gdb.md)\n");
		reply_error(g, 1);
		return;
	}
	if ((step ? target_reverse_step(g->t, &why) : target_reverse_continue(g->t, &why)) < 0) {
		gdb_console(g, "revisor: reverse execution failed: the history could not be replayed\n");
		reply_error(g, 2);
		return;
	}
	gdb_report_stop(g, &why);
}

/* ---- queries -------------------------------------------------------------------------------------------- */

static void cmd_qsupported(struct gdbstub *g, const char *features)
{
	char buf[320];

	/* gdb lists what it understands; the stop-reason keys may only be sent to a gdb that said so. */
	g->gdb_swbreak = strstr(features, "swbreak+") != NULL;
	g->gdb_hwbreak = strstr(features, "hwbreak+") != NULL;
	snprintf(buf, sizeof buf, "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;"
		 "QStartNoAckMode+;ReverseStep+;ReverseContinue+", RSP_MAX_PAYLOAD);
	reply(g, buf);
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH — a window of the target description. */
static void cmd_qxfer_features(struct gdbstub *g, const char *args)
{
	const char *colon = strchr(args, ':');
	char annex[64];
	uint64_t off, len;
	size_t doc_len;

	if (!colon || (size_t)(colon - args) >= sizeof annex) {
		reply_error(g, 0);
		return;
	}
	memcpy(annex, args, (size_t)(colon - args));
	annex[colon - args] = 0;
	const char *p = colon + 1;
	if (parse_addr_len(&p, 0, &off, &len) < 0) {
		reply_error(g, 0);
		return;
	}
	const char *doc = tdesc_get(annex, &doc_len);
	if (!doc) {
		reply_error(g, 0);
		return;
	}
	if (len > RSP_MAX_PAYLOAD / 2)
		len = RSP_MAX_PAYLOAD / 2;   /* escaping may double it */
	if (off >= doc_len) {
		reply(g, "l");
		return;
	}
	size_t n = doc_len - off < len ? doc_len - (size_t)off : (size_t)len;
	char *buf = malloc(n + 2);
	if (!buf) {
		reply_error(g, 0);
		return;
	}
	buf[0] = off + n < doc_len ? 'm' : 'l';   /* m: more follows; l: the last piece */
	memcpy(buf + 1, doc + off, n);
	rsp_send(&g->rsp, buf, n + 1);
	free(buf);
}

static void cmd_query(struct gdbstub *g, char *pkt, size_t len)
{
	if (!strncmp(pkt, "qSupported", 10))
		cmd_qsupported(g, pkt + 10);
	else if (!strncmp(pkt, "qXfer:features:read:", 20))
		cmd_qxfer_features(g, pkt + 20);
	else if (!strcmp(pkt, "qC"))
		reply(g, "QC01");
	else if (!strcmp(pkt, "qfThreadInfo"))
		reply(g, "m01");
	else if (!strcmp(pkt, "qsThreadInfo"))
		reply(g, "l");
	else if (!strncmp(pkt, "qAttached", 9))
		reply(g, "1");   /* attached to an existing machine: on quit gdb detaches instead of killing */
	else if (!strncmp(pkt, "qSymbol", 7))
		reply(g, "OK");
	else if (!strncmp(pkt, "qRcmd,", 6))
		gdb_monitor(g, pkt + 6, len - 6);
	else if (!strncmp(pkt, "qThreadExtraInfo,", 17)) {
		char hex[64];
		rsp_bin2hex((const uint8_t *)"CPU 0", 5, hex);
		reply(g, hex);
	} else
		reply(g, "");
}

/* ---- dispatch --------------------------------------------------------------------------------------- */

static void handle_packet(struct gdbstub *g, char *pkt, size_t len)
{
	g->resume = RESUME_NONE;
	switch (pkt[0]) {
	case '?':
		gdb_report_stop(g, &g->last_stop);
		break;
	case 'g':
		if (len == 1)
			cmd_read_regs(g);
		else
			reply_error(g, 1);
		break;
	case 'G': cmd_write_regs(g, pkt + 1); break;
	case 'p': cmd_read_reg(g, pkt + 1); break;
	case 'P': cmd_write_reg(g, pkt + 1); break;
	case 'm': cmd_read_mem(g, pkt + 1); break;
	case 'M': cmd_write_mem(g, pkt + 1, len - 1, 0); break;
	case 'X': cmd_write_mem(g, pkt + 1, len - 1, 1); break;
	case 'c': cmd_resume(g, pkt + 1, 0, 0); break;
	case 's': cmd_resume(g, pkt + 1, 1, 0); break;
	case 'C': cmd_resume(g, pkt + 1, 0, 1); break;
	case 'S': cmd_resume(g, pkt + 1, 1, 1); break;
	case 'Z': cmd_breakpoint(g, pkt + 1, 1); break;
	case 'z': cmd_breakpoint(g, pkt + 1, 0); break;
	case 'b':
		if (!strcmp(pkt, "bs"))
			cmd_reverse(g, 1);
		else if (!strcmp(pkt, "bc"))
			cmd_reverse(g, 0);
		else
			reply(g, "");
		break;
	case 'H':
	case 'T':
		reply(g, "OK");    /* one thread: every thread id names it */
		break;
	case 'q':
		cmd_query(g, pkt, len);
		break;
	case 'Q':
		if (!strcmp(pkt, "QStartNoAckMode")) {
			reply(g, "OK");          /* acknowledged the old way, then no more acks */
			g->rsp.no_ack = 1;
		} else {
			reply(g, "");
		}
		break;
	case 'v':
		if (!strcmp(pkt, "vCont?"))
			reply(g, "vCont;c;C;s;S;r;t");
		else if (!strncmp(pkt, "vCont;", 6))
			cmd_vcont(g, pkt + 5);
		else if (!strncmp(pkt, "vKill", 5)) {
			reply(g, "OK");
			g->resume = RESUME_KILL;
		} else
			reply(g, "");    /* vMustReplyEmpty and everything we do not know */
		break;
	case 'D':
		reply(g, "OK");
		g->resume = RESUME_DETACH;
		break;
	case 'k':
		g->resume = RESUME_KILL;   /* no reply: the target is gone */
		break;
	default:
		reply(g, "");
		break;
	}
}

/* Feed received bytes to the framing layer and handle what comes out.  While the guest runs only a
 * Ctrl-C matters (all-stop mode: gdb sends nothing else then). */
int gdb_feed_bytes(struct gdbstub *g, const uint8_t *data, size_t len)
{
	int handled = 0;

	for (size_t k = 0; k < len; k++) {
		switch (rsp_feed(&g->rsp, data[k])) {
		case RSP_PACKET:
			handled++;
			if (g->running)
				break;
			handle_packet(g, g->rsp.pkt, g->rsp.pkt_len);
			if (g->resume != RESUME_NONE && g->loopback)
				g->resume = RESUME_NONE;   /* the loopback interpreter never runs the machine */
			if (g->resume == RESUME_CONT || g->resume == RESUME_STEP)
				g->running = 1;
			break;
		case RSP_INTERRUPT:
			g->interrupted = 1;
			break;
		case RSP_OVERLONG:
			handled++;
			if (!g->running)
				reply_error(g, 1);   /* the packet was acked, so it needs an answer */
			break;
		default:
			break;
		}
	}
	return handled;
}

int gdbstub_feed(struct gdbstub *g, const uint8_t *data, size_t len)
{
	return gdb_feed_bytes(g, data, len);
}
