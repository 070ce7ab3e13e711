/* SPDX-License-Identifier: MIT
 *
 * test_gdbstub.c — the debugger's target layer and packet commands on the small test machine: software
 * breakpoints that never touch guest memory, single steps, write watchpoints reported after the writing
 * instruction (x86 data breakpoints are traps, SDM vol. 3B 17.2.5), and reverse execution (bs/bc) on a
 * history made of one snapshot of this device-less machine plus re-execution.  Then the packet layer in
 * loopback: registers, memory, breakpoints, the target description, malformed packets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "debugger/target.h"
#include "debugger/gdbstub.h"

/*   10000: mov ecx, 5
 *   10005: inc dword [0x20000]      <- loop
 *   1000b: dec ecx
 *   1000c: jnz 10005
 *   1000e: hlt                      (IF = 0: the run ends there) */
static const uint8_t prog[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00,
	0xff, 0x05, 0x00, 0x00, 0x02, 0x00,
	0x49,
	0x75, 0xf7,
	0xf4,
};
#define VAR 0x20000u

static struct machine *m;
static struct target *t;

/* A history for a machine without devices: the CPU and RAM at the start, and re-execution. */
static struct cpu snap_cpu;
static uint8_t *snap_ram;

static int snap_seek(void *opaque, uint64_t n)
{
	(void)opaque;
	memcpy(&m->cpu, &snap_cpu, sizeof snap_cpu);
	memcpy(m->ram, snap_ram, m->ram_size);
	machine_code_written(m, 0, m->ram_size);
	tlb_flush(&m->cpu);
	m->cpu.icount_limit = n;
	m->backend->run(m);
	return m->cpu.icount == n ? 0 : -1;
}
static uint64_t snap_begin(void *opaque) { (void)opaque; return 0; }

static void setup(void)
{
	m = tm_new();
	tm_load(m, TM_CODE, prog, sizeof prog);
	m->cpu.eip = TM_CODE;
	m->cpu.eflags &= ~FL_IF;
	t = target_new(m);
	target_set_limit(t, 0);
	snap_cpu = m->cpu;
	snap_ram = malloc(m->ram_size);
	memcpy(snap_ram, m->ram, m->ram_size);
	struct target_history h = { .seek = snap_seek, .begin = snap_begin };
	target_set_history(t, &h);
}

static void teardown(void)
{
	target_free(t);
	tm_free(m);
	free(snap_ram);
}

static uint32_t var(void) { return phys_read(m, VAR, 4); }

static void cont(struct tstop *why)
{
	do
		target_continue(t, 1000, why);
	while (why->kind == TS_NONE);
}

START_TEST(breakpoint_stops_before_instruction)
{
	struct tstop why;
	uint8_t before = m->ram[0x1000b];

	ck_assert_int_eq(target_insert(t, BP_SW, 0x1000b, 1), 0);
	ck_assert_uint_eq(m->ram[0x1000b], before);      /* no INT3 written into the guest */
	cont(&why);
	ck_assert_int_eq(why.kind, TS_SWBREAK);
	ck_assert_uint_eq(m->cpu.eip, 0x1000b);
	ck_assert_uint_eq(var(), 1);
	/* Continuing from the breakpoint runs it, and stops there on the next iteration. */
	cont(&why);
	ck_assert_int_eq(why.kind, TS_SWBREAK);
	ck_assert_uint_eq(var(), 2);
	ck_assert_int_eq(target_remove(t, BP_SW, 0x1000b, 1), 0);
	ck_assert_int_eq(target_remove(t, BP_SW, 0x1000b, 1), -1);
	cont(&why);
	ck_assert_int_eq(why.kind, TS_MACHINE);
	ck_assert_int_eq(why.machine_reason, STOP_DEAD_HALT);
	ck_assert_uint_eq(var(), 5);
}
END_TEST

START_TEST(single_steps)
{
	struct tstop why;

	target_step(t, 0, 0, &why);
	ck_assert_int_eq(why.kind, TS_STEP);
	ck_assert_uint_eq(m->cpu.eip, 0x10005);
	ck_assert_uint_eq(m->cpu.r[R_ECX], 5);
	target_step(t, 0, 0, &why);
	ck_assert_uint_eq(m->cpu.eip, 0x1000b);
	ck_assert_uint_eq(m->cpu.icount, 2);
	/* A range step [10005, 1000e) runs the whole loop and stops at the HLT. */
	target_step(t, 0x10005, 0x1000e, &why);
	ck_assert_int_eq(why.kind, TS_STEP);
	ck_assert_uint_eq(m->cpu.eip, 0x1000e);
	ck_assert_uint_eq(var(), 5);
}
END_TEST

START_TEST(write_watchpoint_after_the_write)
{
	struct tstop why;

	ck_assert_int_eq(target_insert(t, WP_WRITE, VAR, 4), 0);
	cont(&why);
	ck_assert_int_eq(why.kind, TS_WATCH);
	ck_assert_int_eq(why.wp_kind, WP_WRITE);
	ck_assert_uint_eq(why.addr, VAR);
	ck_assert_uint_eq(m->cpu.eip, 0x1000b);          /* the INC has completed */
	ck_assert_uint_eq(var(), 1);
	cont(&why);
	ck_assert_uint_eq(var(), 2);
	/* A read watchpoint on the same word: INC reads it too. */
	ck_assert_int_eq(target_remove(t, WP_WRITE, VAR, 4), 0);
	ck_assert_int_eq(target_insert(t, WP_READ, VAR + 2, 1), 0);
	cont(&why);
	ck_assert_int_eq(why.kind, TS_WATCH);
	ck_assert_int_eq(why.wp_kind, WP_READ);
	ck_assert_uint_eq(why.addr, VAR + 2);
	ck_assert_uint_eq(var(), 3);
}
END_TEST

START_TEST(reverse_continue_to_breakpoint)
{
	struct tstop why;

	target_insert(t, BP_SW, 0x1000b, 1);
	cont(&why);
	cont(&why);
	cont(&why);
	ck_assert_uint_eq(var(), 3);
	ck_assert_int_eq(target_reverse_continue(t, &why), 0);
	ck_assert_int_eq(why.kind, TS_SWBREAK);
	ck_assert_uint_eq(m->cpu.eip, 0x1000b);
	ck_assert_uint_eq(var(), 2);
	ck_assert_int_eq(target_reverse_continue(t, &why), 0);
	ck_assert_uint_eq(var(), 1);
	ck_assert_int_eq(target_reverse_continue(t, &why), 0);
	ck_assert_int_eq(why.kind, TS_HISTORY_BEGIN);
	ck_assert_uint_eq(m->cpu.icount, 0);
	ck_assert_uint_eq(m->cpu.eip, 0x10000);
	/* And forward again: the same stops. */
	cont(&why);
	ck_assert_int_eq(why.kind, TS_SWBREAK);
	ck_assert_uint_eq(var(), 1);
}
END_TEST

START_TEST(reverse_step_retraces_forward_states)
{
	struct tstop why;
	uint32_t eip[12], ecx[12];

	for (int k = 0; k < 12; k++) {
		eip[k] = m->cpu.eip;
		ecx[k] = m->cpu.r[R_ECX];
		target_step(t, 0, 0, &why);
	}
	for (int k = 11; k >= 0; k--) {
		ck_assert_int_eq(target_reverse_step(t, &why), 0);
		ck_assert_int_eq(why.kind, TS_STEP);
		ck_assert_uint_eq(m->cpu.icount, (uint64_t)k);
		ck_assert_uint_eq(m->cpu.eip, eip[k]);
		ck_assert_uint_eq(m->cpu.r[R_ECX], ecx[k]);
	}
	ck_assert_int_eq(target_reverse_step(t, &why), 0);
	ck_assert_int_eq(why.kind, TS_HISTORY_BEGIN);
}
END_TEST

START_TEST(reverse_continue_to_watchpoint)
{
	struct tstop why;

	cont(&why);                                      /* to the HLT: var = 5 */
	ck_assert_uint_eq(var(), 5);
	target_insert(t, WP_WRITE, VAR, 4);
	ck_assert_int_eq(target_reverse_continue(t, &why), 0);
	/* Stopped before the last write: at the INC, with the old value still there. */
	ck_assert_int_eq(why.kind, TS_WATCH);
	ck_assert_uint_eq(why.addr, VAR);
	ck_assert_uint_eq(m->cpu.eip, 0x10005);
	ck_assert_uint_eq(var(), 4);
	ck_assert_uint_eq(m->cpu.r[R_ECX], 1);
	ck_assert_int_eq(target_reverse_continue(t, &why), 0);
	ck_assert_uint_eq(var(), 3);
	/* Forward from there: the watchpoint fires after the same INC. */
	cont(&why);
	ck_assert_int_eq(why.kind, TS_WATCH);
	ck_assert_uint_eq(var(), 4);
	ck_assert_uint_eq(m->cpu.eip, 0x1000b);
}
END_TEST

START_TEST(no_history_no_reverse)
{
	struct tstop why;

	target_set_history(t, NULL);
	ck_assert_int_eq(target_reverse_step(t, &why), -1);
	ck_assert_int_eq(target_reverse_continue(t, &why), -1);
	ck_assert_int_eq(target_seek(t, 3), -1);
}
END_TEST

START_TEST(memory_through_page_tables)
{
	/* Page directory at 0x100000 maps linear 0x400000 (4 KiB page) -> physical 0x20000. */
	uint8_t buf[8];
	phys_write(m, 0x100000 + 4 * 1, 4, 0x101000 | 3);
	phys_write(m, 0x101000, 4, VAR | 3);
	m->cpu.cr3 = 0x100000;
	m->cpu.cr0 |= CR0_PG;
	tlb_flush(&m->cpu);
	phys_write(m, VAR, 4, 0x11223344);
	ck_assert_uint_eq(target_read_mem(t, 0x400000, buf, 4), 4);
	ck_assert_uint_eq(buf[0], 0x44);
	/* Unmapped: nothing, and the guest's CR2 is untouched (no fault). */
	m->cpu.cr2 = 0x1234;
	ck_assert_uint_eq(target_read_mem(t, 0x800000, buf, 4), 0);
	ck_assert_uint_eq(m->cpu.cr2, 0x1234);
	/* Reading across the end of the mapped page stops there. */
	ck_assert_uint_eq(target_read_mem(t, 0x400ffe, buf, 8), 2);
	/* No accessed bit was set by the debugger's walk. */
	ck_assert_uint_eq(phys_read(m, 0x101000, 4) & 0x20, 0);
	/* Physical addressing. */
	target_set_phys(t, 1);
	ck_assert_uint_eq(target_read_mem(t, VAR, buf, 4), 4);
	ck_assert_uint_eq(buf[3], 0x11);
	buf[0] = 0x99;
	ck_assert_uint_eq(target_write_mem(t, VAR, buf, 1), 1);
	ck_assert_uint_eq(phys_read(m, VAR, 1), 0x99);
}
END_TEST

/* ---- packets in loopback -------------------------------------------------------------------------- */

static char reply_buf[65536];
static size_t reply_len;

static int collect(void *opaque, const void *buf, size_t len)
{
	(void)opaque;
	if (reply_len + len < sizeof reply_buf) {
		memcpy(reply_buf + reply_len, buf, len);
		reply_len += len;
		reply_buf[reply_len] = 0;
	}
	return 0;
}

/* Send one packet; return the payload of the last reply packet (unescaped is not needed here). */
static const char *ask(struct gdbstub *g, const char *payload)
{
	static char last[65536];
	char frame[8192];
	uint8_t sum = 0;

	for (const char *p = payload; *p; p++)
		sum = (uint8_t)(sum + (uint8_t)*p);
	int n = snprintf(frame, sizeof frame, "$%s#%02x", payload, sum);
	reply_len = 0;
	reply_buf[0] = 0;
	gdbstub_feed(g, (const uint8_t *)frame, (size_t)n);
	char *start = strrchr(reply_buf, '$');
	char *end = start ? strrchr(start, '#') : NULL;
	if (!start || !end)
		return "(none)";
	memcpy(last, start + 1, (size_t)(end - start - 1));
	last[end - start - 1] = 0;
	return last;
}

START_TEST(packets)
{
	target_free(t);
	t = NULL;
	struct gdbstub *g = gdbstub_new_loopback(m, collect, NULL);
	const char *r;

	m->cpu.r[R_EAX] = 0x12345678;
	r = ask(g, "g");
	ck_assert_uint_eq(strlen(r), 2 * (16 * 4 + 8 * 10 + 8 * 4 + 10 * 4));
	ck_assert(!strncmp(r, "78563412", 8));
	ck_assert_str_eq(ask(g, "p8"), "00000100");      /* eip = 0x10000 */
	ck_assert_str_eq(ask(g, "P0=efbeadde"), "OK");
	ck_assert_uint_eq(m->cpu.r[R_EAX], 0xdeadbeef);
	ck_assert_str_eq(ask(g, "P0=ef"), "E01");        /* too short */
	ck_assert_str_eq(ask(g, "p999"), "E01");
	ck_assert_str_eq(ask(g, "m10000,5"), "b905000000");
	ck_assert_str_eq(ask(g, "M20000,2:abcd"), "OK");
	ck_assert_uint_eq(phys_read(m, VAR, 2), 0xcdab);
	ck_assert_str_eq(ask(g, "M20000,2:abc"), "E01");  /* odd hex */
	ck_assert_str_eq(ask(g, "M20000,2:xyzw"), "E01"); /* bad hex */
	ck_assert_str_eq(ask(g, "X20000,2:}\x03}]"), "OK");
	ck_assert_uint_eq(phys_read(m, VAR, 2), 0x7d23);
	ck_assert_str_eq(ask(g, "mffff0000,4"), "E0e");  /* beyond RAM */
	ck_assert_str_eq(ask(g, "m,"), "E01");
	ck_assert_str_eq(ask(g, "m123456789,1"), "E01"); /* address beyond 32 bits */
	ck_assert_str_eq(ask(g, "Z0,1000b,1"), "OK");
	ck_assert_str_eq(ask(g, "z0,1000b,1"), "OK");
	ck_assert_str_eq(ask(g, "z0,1000b,1"), "E02");
	ck_assert_str_eq(ask(g, "Z2,20000,4"), "OK");
	ck_assert_str_eq(ask(g, "Z9,20000,4"), "");       /* unknown kind: not supported */
	ck_assert_str_eq(ask(g, "Z2,20000"), "E01");
	r = ask(g, "qSupported:multiprocess+;swbreak+;hwbreak+");
	ck_assert(strstr(r, "PacketSize=4000") && strstr(r, "qXfer:features:read+") && strstr(r, "ReverseStep+"));
	r = ask(g, "qXfer:features:read:target.xml:0,40");
	ck_assert_int_eq(r[0], 'm');
	ck_assert(!strncmp(r + 1, "<?xml", 5));
	r = ask(g, "qXfer:features:read:target.xml:0,ffff");
	ck_assert_int_eq(r[0], 'l');
	ck_assert(strstr(r, "org.gnu.gdb.i386.core") && strstr(r, "<reg name=\"cr3\""));
	ck_assert_str_eq(ask(g, "qXfer:features:read:nosuch.xml:0,10"), "E00");
	ck_assert_str_eq(ask(g, "qC"), "QC01");
	ck_assert_str_eq(ask(g, "qfThreadInfo"), "m01");
	ck_assert_str_eq(ask(g, "qsThreadInfo"), "l");
	ck_assert_str_eq(ask(g, "qAttached"), "1");
	ck_assert_str_eq(ask(g, "vCont?"), "vCont;c;C;s;S;r;t");
	ck_assert_str_eq(ask(g, "vMustReplyEmpty"), "");
	ck_assert_str_eq(ask(g, "qNoSuchThing"), "");
	ck_assert_str_eq(ask(g, "\x01\x02garbage"), "");
	ck_assert(!strncmp(ask(g, "?"), "T05", 3));
	/* monitor icount: "icount" in hex; the reply is console output then OK. */
	r = ask(g, "qRcmd,69636f756e74");
	ck_assert_str_eq(r, "OK");
	ck_assert(strstr(reply_buf, "$O30") != NULL);     /* "0\n" hex-encoded: 30 0a */
	ck_assert_str_eq(ask(g, "qRcmd,6"), "E01");
	/* Without history the reverse packets fail with an error (and an explanation). */
	ck_assert_str_eq(ask(g, "bs"), "E01");
	ck_assert_str_eq(ask(g, "bc"), "E01");
	ck_assert_str_eq(ask(g, "QStartNoAckMode"), "OK");
	ck_assert_str_eq(ask(g, "qC"), "QC01");
	ck_assert(reply_buf[0] == '$');                   /* no '+' in no-ack mode */
	gdbstub_free(g);
}
END_TEST

Suite *suite_gdbstub(void)
{
	Suite *s = suite_create("gdbstub");
	TCase *tc = tcase_create("target");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, breakpoint_stops_before_instruction);
	tcase_add_test(tc, single_steps);
	tcase_add_test(tc, write_watchpoint_after_the_write);
	tcase_add_test(tc, reverse_continue_to_breakpoint);
	tcase_add_test(tc, reverse_step_retraces_forward_states);
	tcase_add_test(tc, reverse_continue_to_watchpoint);
	tcase_add_test(tc, no_history_no_reverse);
	tcase_add_test(tc, memory_through_page_tables);
	tcase_add_test(tc, packets);
	suite_add_tcase(s, tc);
	return s;
}
