/* SPDX-License-Identifier: MIT
 *
 * test_bt.c — lockstep differential testing of the binary translator (src/bt/) against the reference
 * interpreter.  Every test runs the same code from the same state on two test machines, one with
 * backend_interp and one with backend_bt, and requires the same registers, EFLAGS (the lazy flags
 * folded), EIP, instruction count and memory at the end.  The instruction budget is varied so runs stop
 * at every possible boundary inside and between CCFs (the budget check in the CCF prologue, and the
 * single-instruction fallback near a deadline, must make the stop land exactly where the interpreter's
 * does).  The random programs here are register-only integer code with flags (the IDENT subset plus
 * the callouts around it); a fixed-seed generator makes any failure reproduce.  Random programs with
 * memory, faults, paging and interrupts are in test_bt_random.c; the bugs they found are reduced to
 * hand-written regression tests below.
 */
#include <check.h>
#include <string.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "bt/bt.h"
#include "cpu/mem.h"

/* A test machine running `backend` (tm_new starts with the interpreter). */
static struct machine *bt_machine(const struct backend *be)
{
	struct machine *m = tm_new();

	if (be != m->backend) {
		m->backend->fini(m);
		m->backend = be;
		ck_assert_int_eq(be->init(m), 0);
	}
	return m;
}

static void init_regs(struct machine *m, const uint32_t *regs, uint32_t flags)
{
	for (int r = 0; r < 8; r++)
		if (r != R_ESP)
			m->cpu.r[r] = regs[r];
	cpu_set_eflags(&m->cpu, (cpu_get_eflags(&m->cpu) & ~FL_ARITH) | (flags & FL_ARITH));
}

/* Run code under both backends with at most max instructions; compare everything that matters. */
static void lockstep(const uint8_t *code, size_t len, const uint32_t *regs, uint32_t flags, uint64_t max,
		     const char *what)
{
	struct machine *a = bt_machine(&backend_interp), *b = bt_machine(&backend_bt);

	init_regs(a, regs, flags);
	init_regs(b, regs, flags);
	uint64_t na = tm_run(a, code, len, max), nb = tm_run(b, code, len, max);
	ck_assert_msg(na == nb, "%s: icount interp %llu bt %llu", what, (unsigned long long)na,
		      (unsigned long long)nb);
	for (int r = 0; r < 8; r++)
		ck_assert_msg(a->cpu.r[r] == b->cpu.r[r], "%s (limit %llu): reg %d interp %08x bt %08x", what,
			      (unsigned long long)max, r, a->cpu.r[r], b->cpu.r[r]);
	ck_assert_msg(a->cpu.eip == b->cpu.eip, "%s: eip %08x vs %08x", what, a->cpu.eip, b->cpu.eip);
	uint32_t fa = cpu_get_eflags(&a->cpu), fb = cpu_get_eflags(&b->cpu);
	ck_assert_msg(fa == fb, "%s (limit %llu): eflags interp %08x bt %08x", what, (unsigned long long)max,
		      fa, fb);
	ck_assert_msg(a->cpu.halted == b->cpu.halted, "%s: halted", what);
	/* test code, data and stacks all live in the first MiB (testutil.h) */
	ck_assert_msg(memcmp(a->ram, b->ram, 1u << 20) == 0, "%s: memory differs", what);
	tm_free(a);
	tm_free(b);
}

/* ---- hand-written programs ---------------------------------------------------------------------- */

/* A loop with IDENT arithmetic, ESP re-encoding, INC/DEC, LEA forms, calls, stack and memory. */
static const uint8_t prog_mix[] = {
	0xb9, 0x20, 0x00, 0x00, 0x00,             /* mov ecx, 32 */
	0x31, 0xc0,                               /* xor eax, eax */
	0xbb, 0x00, 0x00, 0x05, 0x00,             /* mov ebx, 0x50000 */
	/* loop: */
	0x01, 0xc8,                               /* add eax, ecx */
	0x8d, 0x54, 0x88, 0x07,                   /* lea edx, [eax + ecx*4 + 7] */
	0x8d, 0x34, 0x24,                         /* lea esi, [esp] */
	0x8d, 0x3d, 0x44, 0x33, 0x22, 0x11,       /* lea edi, [0x11223344] */
	0x83, 0xec, 0x08,                         /* sub esp, 8 */
	0x89, 0xe5,                               /* mov ebp, esp */
	0x83, 0xc4, 0x08,                         /* add esp, 8 */
	0x44,                                     /* inc esp */
	0x4c,                                     /* dec esp */
	0x47,                                     /* inc edi */
	0x89, 0x03,                               /* mov [ebx], eax */
	0x83, 0xc3, 0x04,                         /* add ebx, 4 */
	0x52,                                     /* push edx */
	0xe8, 0x05, 0x00, 0x00, 0x00,             /* call f */
	0x5a,                                     /* pop edx */
	0x49,                                     /* dec ecx */
	0x75, 0xd7,                               /* jnz loop (12 - 53 = -41) */
	0xf4,                                     /* hlt */
	/* f: */
	0x13, 0x44, 0x24, 0x04,                   /* adc eax, [esp+4] */
	0x0f, 0x9c, 0xc2,                         /* setl dl */
	0xc3,                                     /* ret */
};

START_TEST(test_bt_program_mix)
{
	uint32_t regs[8] = { 0 };

	lockstep(prog_mix, sizeof prog_mix, regs, 0, 100000, "mix");
	for (uint64_t lim = 1; lim < 120; lim++)
		lockstep(prog_mix, sizeof prog_mix, regs, FL_CF, lim, "mix/limit");
}
END_TEST

/* Exceptions raised by callouts inside a CCF are precise: #DE from DIV and #GP from a limit. */
START_TEST(test_bt_faults)
{
	static const uint8_t div0[] = {
		0xb8, 0x05, 0x00, 0x00, 0x00,         /* mov eax, 5 */
		0x01, 0xc3,                           /* add ebx, eax (flags live in the host) */
		0x31, 0xc9,                           /* xor ecx, ecx */
		0x41,                                 /* inc ecx */
		0x49,                                 /* dec ecx */
		0xf7, 0xf1,                           /* div ecx -> #DE */
		0x40,                                 /* inc eax (not reached) */
		0xf4,
	};
	static const uint8_t gp[] = {
		0x66, 0xb8, 0x40, 0x00,               /* mov ax, TM_LIMDATA */
		0x8e, 0xd8,                           /* mov ds, ax */
		0x83, 0xc2, 0x07,                     /* add edx, 7 */
		0x8b, 0x1d, 0x00, 0x20, 0x00, 0x00,   /* mov ebx, [0x2000] -> #GP (limit 0xfff) */
		0xf4,
	};
	uint32_t regs[8] = { 1, 2, 3, 4, 0, 6, 7, 8 };

	lockstep(div0, sizeof div0, regs, FL_ZF | FL_SF, 1000, "div0");
	lockstep(gp, sizeof gp, regs, 0, 1000, "gp");

	struct machine *b = bt_machine(&backend_bt);
	tm_run(b, div0, sizeof div0, 1000);
	ck_assert_int_eq(tm_exception(b, NULL), EXC_DE);
	tm_free(b);
}
END_TEST

/* Self-modifying code: a loop that rewrites the immediate of an instruction it executes next time. */
START_TEST(test_bt_smc)
{
	uint8_t code[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00,         /* mov ecx, 5 */
		/* loop (5): */
		0xb8, 0x00, 0x00, 0x00, 0x00,         /* mov eax, imm32 (patched) */
		0x01, 0xc2,                           /* add edx, eax */
		0xfe, 0x05, 0x06, 0x00, 0x01, 0x00,   /* inc byte [TM_CODE + 6] */
		0x49,                                 /* dec ecx */
		0x75, 0xf0,                           /* jnz loop */
		0xf4,
	};
	uint32_t regs[8] = { 0 };

	lockstep(code, sizeof code, regs, 0, 10000, "smc");
	struct machine *b = bt_machine(&backend_bt);
	b->cpu.r[R_EDX] = 0;
	tm_run(b, code, sizeof code, 10000);
	ck_assert_uint_eq(b->cpu.r[R_EDX], 0 + 1 + 2 + 3 + 4);
	tm_free(b);
}
END_TEST

/* Adaptive retranslation: RDTSC starts as a callout; after BT_HOT runs from one place its CCF is
 * retranslated with RDTSC emulated in the TC (the lecture's "trap, then callout, then in-TC"), and the
 * values it returns stay those of the interpreter (the instruction count plus the TSC offset). */
START_TEST(test_bt_adaptive_rdtsc)
{
	static const uint8_t code[] = {
		0xb9, 0xc8, 0x00, 0x00, 0x00,         /* mov ecx, 200 */
		0x31, 0xdb,                           /* xor ebx, ebx */
		/* loop: */
		0x0f, 0x31,                           /* rdtsc */
		0x01, 0xc3,                           /* add ebx, eax */
		0x49,                                 /* dec ecx */
		0x75, 0xf9,                           /* jnz loop */
		0xf4,
	};
	uint32_t regs[8] = { 0 };

	for (uint64_t max = 1; max < 900; max += 37)
		lockstep(code, sizeof code, regs, 0, max, "rdtsc");
	lockstep(code, sizeof code, regs, 0, 100000, "rdtsc");
	struct machine *b = bt_machine(&backend_bt);
	tm_run(b, code, sizeof code, 100000);
	ck_assert_uint_ge(bt_of(b)->retranslations, 1);
	ck_assert_uint_ge(bt_of(b)->kinds[K_EMUL], 1);
	tm_free(b);
}
END_TEST

/* ---- bugs found by the lockstep tests (make bt-fuzz), reduced ---------------------------------- */

/* A REP string instruction in the middle of a CCF retires one instruction per iteration; the CCF was
 * entered because all of its instructions fitted before the limit, counting the REP as one, so the
 * instructions after it must not run past the limit (or a timer deadline). */
START_TEST(test_bt_rep_in_ccf_budget)
{
	static const uint8_t code[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00,         /* mov ecx, 5 */
		0xbe, 0x00, 0x00, 0x05, 0x00,         /* mov esi, 0x50000 */
		0xbf, 0x00, 0x10, 0x05, 0x00,         /* mov edi, 0x51000 */
		0xf3, 0xa4,                           /* rep movsb: 5 instructions' worth */
		0x90, 0x90, 0x90, 0x90,               /* nop x 4 */
		0xf4,
	};
	uint32_t regs[8] = { 0 };

	for (uint64_t lim = 1; lim <= 14; lim++)
		lockstep(code, sizeof code, regs, 0, lim, "rep in a CCF");
}
END_TEST

/* Translating a TU may flush a full TC, which frees every CCF, including the one whose unchained exit
 * the run loop was about to chain to the new CCF. */
START_TEST(test_bt_flush_with_pending_exit)
{
	static const uint8_t code[] = {
		0xeb, 0x00,                           /* jmp B (a TU of its own) */
		0x40,                                 /* B: inc eax */
		0xeb, 0x00,                           /* jmp C */
		0xf4,                                 /* C: hlt */
	};
	struct machine *m = bt_machine(&backend_bt);
	struct bt *bt = m->bt;

	/* Room for exactly one more CCF: translating B flushes the TC (bt_translate keeps BT_TC_RESERVE
	 * bytes free). */
	bt->tc_free = bt->tc_end - (BT_TC_RESERVE + 1);
	m->cpu.r[R_EAX] = 0;
	tm_run(m, code, sizeof code, 1000);
	ck_assert_uint_ge(bt->flushes, 1);        /* (if not, adjust the room above) */
	ck_assert_uint_eq(m->cpu.r[R_EAX], 1);
	ck_assert_int_eq(m->cpu.halted, 1);
	tm_free(m);
}
END_TEST

/* Two linear pages mapped to the same physical page: a direct jump from one into the other is a jump
 * to another page (its mapping can change), even though the target CCF lies in the same physical
 * page.  Here the second page is unmapped after the jump was first taken: the next jump must #PF. */
START_TEST(test_bt_no_chain_into_alias)
{
	uint8_t code[64];
	unsigned n = 0;
#define B1(x) (code[n++] = (uint8_t)(x))
#define B4(x) do { uint32_t v_ = (x); memcpy(code + n, &v_, 4); n += 4; } while (0)
	const uint32_t pd = 0x100000, pt = 0x101000, alias = 0x50000;
	B1(0xb9); B4(2);                                          /* mov ecx, 2 */
	B1(0xb8); unsigned lf = n; B4(0); B1(0xff); B1(0xe0);     /* mov eax, L; jmp eax */
	unsigned L = n; B1(0xe9); unsigned jf = n; B4(0);         /* L: jmp alias + T */
	unsigned T = n;
	B1(0x49);                                                 /* T: dec ecx (runs at the alias) */
	B1(0x74); unsigned jz = n; B1(0);                         /* jz done */
	B1(0xb8); unsigned uf = n; B4(0); B1(0xff); B1(0xe0);     /* mov eax, U; jmp eax */
	unsigned U = n;
	B1(0x81); B1(0x25); B4(pt + (alias >> 12) * 4); B4(~1u);  /* U: unmap the alias */
	B1(0x0f); B1(0x20); B1(0xd8); B1(0x0f); B1(0x22); B1(0xd8);   /* mov eax, cr3; mov cr3, eax */
	B1(0xb8); B4(TM_CODE + L); B1(0xff); B1(0xe0);            /* mov eax, L; jmp eax */
	unsigned done = n; B1(0xf4);
#undef B1
#undef B4
	code[jz] = (uint8_t)(done - (jz + 1));
	uint32_t v = TM_CODE + L; memcpy(code + lf, &v, 4);
	v = TM_CODE + U; memcpy(code + uf, &v, 4);
	v = alias + T - (TM_CODE + jf + 4); memcpy(code + jf, &v, 4);

	struct machine *ms[2] = { bt_machine(&backend_interp), bt_machine(&backend_bt) };
	for (int k = 0; k < 2; k++) {
		struct machine *m = ms[k];
		phys_write(m, pd, 4, pt | PTE_P | PTE_W);
		for (uint32_t e = 0; e < 1024; e++)
			phys_write(m, pt + 4 * e, 4, (e << 12) | PTE_P | PTE_W);
		phys_write(m, pt + (alias >> 12) * 4, 4, TM_CODE | PTE_P | PTE_W);
		m->cpu.cr3 = pd;
		m->cpu.cr0 |= CR0_PG;
		tlb_flush(&m->cpu);
		tm_run(m, code, n, 1000);
		ck_assert_int_eq(tm_exception(m, NULL), EXC_PF);
		ck_assert_uint_eq(m->cpu.cr2, alias + T);
		ck_assert_uint_eq(m->cpu.r[R_ECX], 1);
	}
	ck_assert_uint_eq(ms[0]->cpu.icount, ms[1]->cpu.icount);
	tm_free(ms[0]);
	tm_free(ms[1]);
}
END_TEST

/* ---- random register-only sequences ------------------------------------------------------------- */
static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint32_t rnd32(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

static uint32_t rnd_value(void)
{
	static const uint32_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
					 0x80000000u, 0xffffffffu };
	return rnd32() % 3 ? rnd32() : edge[rnd32() % (sizeof edge / sizeof edge[0])];
}

/* Append one random instruction to p; returns its length. */
static size_t rnd_insn(uint8_t *p)
{
	unsigned r = rnd32() & 7, m = rnd32() & 7, n = rnd32() & 7;
	static const uint8_t alu[] = { 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85, 0x8b, 0x87 };
	uint32_t imm = rnd_value();

	switch (rnd32() % 22) {
	case 0: case 1: case 2:
		p[0] = alu[rnd32() % sizeof alu]; p[1] = (uint8_t)(0xc0 | r << 3 | m); return 2;
	case 3:
		p[0] = 0x81; p[1] = (uint8_t)(0xc0 | n << 3 | m); memcpy(p + 2, &imm, 4); return 6;
	case 4:
		p[0] = 0x83; p[1] = (uint8_t)(0xc0 | n << 3 | m); p[2] = (uint8_t)imm; return 3;
	case 5:
		p[0] = (uint8_t)(0x40 | (rnd32() & 8) | r); return 1;                 /* inc/dec r32 */
	case 6:
		p[0] = 0xf7; p[1] = (uint8_t)(0xd0 | (rnd32() & 8) | m); return 2;    /* not/neg */
	case 7:
		p[0] = (uint8_t)(0xb8 | r); memcpy(p + 1, &imm, 4); return 5;
	case 8:
		p[0] = 0x0f; p[1] = (uint8_t)(0x40 | (rnd32() & 15)); p[2] = (uint8_t)(0xc0 | r << 3 | m); return 3;
	case 9:
		p[0] = 0x0f; p[1] = (uint8_t)(0x90 | (rnd32() & 15)); p[2] = (uint8_t)(0xc0 | m); return 3;
	case 10:                                                                   /* lea r, [b + i*s + d8] */
		p[0] = 0x8d; p[1] = (uint8_t)(0x44 | r << 3);
		p[2] = (uint8_t)((rnd32() & 3) << 6 | (n == 4 ? 5 : n) << 3 | m); p[3] = (uint8_t)imm; return 4;
	case 11:
		p[0] = 0x66; p[1] = alu[rnd32() % 8]; p[2] = (uint8_t)(0xc0 | r << 3 | m); return 3;
	case 12:
		p[0] = (uint8_t)(0x00 | (rnd32() % 8) << 3); p[1] = (uint8_t)(0xc0 | r << 3 | m); return 2;  /* 8-bit */
	case 13:
		p[0] = 0xc1; p[1] = (uint8_t)(0xc0 | n << 3 | m); p[2] = (uint8_t)(imm & 31); return 3;  /* callout */
	case 14:
		p[0] = (const uint8_t[]){ 0xf5, 0xf8, 0xf9 }[rnd32() % 3]; return 1;        /* cmc/clc/stc */
	case 15:
		p[0] = 0x0f; p[1] = (uint8_t)(0xc8 | r); return 2;                   /* bswap */
	case 16:
		p[0] = (uint8_t)(0x98 + (rnd32() & 1)); return 1;                    /* cwde / cdq */
	case 17:
		p[0] = 0x0f; p[1] = (uint8_t)(0xb6 + (rnd32() & 1) * 8 + (rnd32() & 1));
		p[2] = (uint8_t)(0xc0 | r << 3 | m); return 3;                       /* movzx/movsx */
	case 18:
		p[0] = 0x0f; p[1] = 0xaf; p[2] = (uint8_t)(0xc0 | r << 3 | m); return 3;   /* imul: callout */
	case 19:                                                                   /* jcc over a 2-byte op */
		p[0] = (uint8_t)(0x70 | (rnd32() & 15)); p[1] = 2; p[2] = 0x01; p[3] = (uint8_t)(0xc0 | r << 3 | m);
		return 4;
	case 20:
		p[0] = 0x13 + (uint8_t)((rnd32() & 1) * 8); p[1] = (uint8_t)(0xc0 | r << 3 | m); return 2;  /* adc/sbb */
	default:
		p[0] = 0x9c; p[1] = 0x58 | (uint8_t)(r == 4 ? 0 : r); return 2;     /* pushfd; pop r */
	}
}

START_TEST(test_bt_random_alu)
{
	for (int prog = 0; prog < 300; prog++) {
		uint8_t code[40 * 8 + 16];
		size_t len = 0;
		uint32_t regs[8];
		unsigned count = 10 + rnd32() % 30;

		for (unsigned k = 0; k < count; k++)
			len += rnd_insn(code + len);
		code[len++] = 0xf4;
		for (int r = 0; r < 8; r++)
			regs[r] = rnd_value();
		uint32_t flags = rnd32() & FL_ARITH;
		char what[32];
		snprintf(what, sizeof what, "random #%d", prog);
		lockstep(code, len, regs, flags, 1000, what);
		if (prog % 30 == 0)
			for (uint64_t lim = 1; lim < count; lim += 3)
				lockstep(code, len, regs, flags, lim, what);
	}
}
END_TEST

/* The translator's context-free candidate kinds (bt_translate falls back to CALLOUT where the context
 * says so: live undefined flags, segments that are not flat...). */
START_TEST(test_bt_classify)
{
	struct insn i;
	static const uint8_t add_rr[] = { 0x01, 0xc8 }, add_rm[] = { 0x01, 0x08 }, jcc[] = { 0x75, 0x00 },
		in_[] = { 0xec }, imul[] = { 0x0f, 0xaf, 0xc1 }, div_[] = { 0xf7, 0xf1 },
		ret[] = { 0xc3 }, push[] = { 0x50 }, cli[] = { 0xfa };

	decode(&i, add_rr, sizeof add_rr, 1); ck_assert_int_eq(bt_classify(&i), K_IDENT);
	decode(&i, add_rm, sizeof add_rm, 1); ck_assert_int_eq(bt_classify(&i), K_MEM);
	decode(&i, jcc, sizeof jcc, 1); ck_assert_int_eq(bt_classify(&i), K_JCC);
	decode(&i, in_, sizeof in_, 1); ck_assert_int_eq(bt_classify(&i), K_CALLOUT);
	decode(&i, imul, sizeof imul, 1); ck_assert_int_eq(bt_classify(&i), K_IDENT);
	decode(&i, div_, sizeof div_, 1); ck_assert_int_eq(bt_classify(&i), K_DIV);
	decode(&i, ret, sizeof ret, 1); ck_assert_int_eq(bt_classify(&i), K_IND);
	decode(&i, push, sizeof push, 1); ck_assert_int_eq(bt_classify(&i), K_STACK);
	decode(&i, cli, sizeof cli, 1); ck_assert_int_eq(bt_classify(&i), K_CALLOUT);
}
END_TEST

Suite *suite_bt(void)
{
	Suite *s = suite_create("bt");
	TCase *t = tcase_create("bt");

	/* Each lockstep run builds two 16 MiB machines and a 16 MiB TC; under AddressSanitizer (make
	 * sanitize) that makes test_bt_random_alu ~5x slower (about 40 s alone, more on a loaded CI box),
	 * so allow it more time there.  It is slow, not looping: every run is bounded by its budget. */
#if defined(__SANITIZE_ADDRESS__)
	tcase_set_timeout(t, 600);
#else
	tcase_set_timeout(t, 120);
#endif
	tcase_add_test(t, test_bt_classify);
	tcase_add_test(t, test_bt_program_mix);
	tcase_add_test(t, test_bt_faults);
	tcase_add_test(t, test_bt_smc);
	tcase_add_test(t, test_bt_adaptive_rdtsc);
	tcase_add_test(t, test_bt_random_alu);
	tcase_add_test(t, test_bt_rep_in_ccf_budget);
	tcase_add_test(t, test_bt_flush_with_pending_exit);
	tcase_add_test(t, test_bt_no_chain_into_alias);
	suite_add_tcase(s, t);
	return s;
}
