/* SPDX-License-Identifier: MIT
 *
 * test_fpu.c — unit tests for the x87 FPU (fpu.c).  Each test runs op_fpu on hand-built decoded
 * instructions (escape byte + ModRM, the memory operand at a fixed address) in the test machine of
 * testutil.h, exactly as the interpreter runs them, and checks results, status/control/tag words and
 * faults against the SDM's definitions (vol. 1 chapter 8, vol. 2 instruction pages).
 */
#include <check.h>
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <string.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/fpu.h"
#include "cpu/insn.h"

#define DATA 0x20000u   /* scratch memory for operands */
#define NONE (-1)       /* run() result: no fault */

static struct machine *m;
static struct cpu *c;

/* Run one decoded instruction as the interpreter does; returns NONE or the vector of the fault raised
 * (EIP/ESP restored as the run loop would). */
/* One instruction as the run loop executes it (testutil.h). */
static int run(const struct insn *i)
{
	return tm_exec(m, i);
}

static struct insn esc(unsigned opc, unsigned modrm)
{
	struct insn i = { .exec = op_table[OP_FPU].exec, .op = OP_FPU, .len = 2, .osz = 4, .asz = 4,
			  .seg = S_DS, .base = R_ZERO, .index = R_ZERO, .opc = (uint8_t)opc,
			  .modrm = (uint8_t)modrm, .has_modrm = 1, .map = 1 };
	return i;
}

/* Register form: escape byte and the whole ModRM (C0..FF). */
static int reg(unsigned opc, unsigned modrm)
{
	struct insn i = esc(opc, modrm);
	return run(&i);
}

/* Memory form: escape byte, ModRM.reg, and the absolute address of the operand (mod 00, rm 101). */
static int mem(unsigned opc, unsigned r, uint32_t addr)
{
	struct insn i = esc(opc, (r << 3) | 5);
	i.disp = addr;
	i.len = 6;
	return run(&i);
}

static void put(uint32_t a, const void *p, unsigned n) { phys_write_buf(m, a, p, n); }
static void get(uint32_t a, void *p, unsigned n) { phys_read_buf(m, a, p, n); }

static void fld_d(double d)        /* FLD m64fp */
{
	put(DATA, &d, 8);
	ck_assert_int_eq(mem(0xdd, 0, DATA), NONE);
}

static void fldcw(uint16_t cw)
{
	put(DATA + 0x100, &cw, 2);
	ck_assert_int_eq(mem(0xd9, 5, DATA + 0x100), NONE);
}

static void set_rc(unsigned rc) { fldcw((uint16_t)((FCW_DEFAULT & ~FCW_RC) | (rc << FCW_RC_SHIFT))); }
static long double st(unsigned k) { return c->fpu.st[(c->fpu.top + k) & 7]; }
static uint16_t sw(void) { return fpu_status_word(&c->fpu); }
static unsigned cc(void) { return sw() & (FSW_C0 | FSW_C2 | FSW_C3); }
static unsigned tag(unsigned k) { return fpu_tag(&c->fpu, fpu_phys(&c->fpu, k)); }
static uint64_t mant(long double v) { uint64_t x; memcpy(&x, &v, 8); return x; }
static unsigned sexp(long double v) { uint16_t x; memcpy(&x, (char *)&v + 8, 2); return x; }

static int is_indefinite(long double v) { return sexp(v) == 0xffff && mant(v) == 0xc000000000000000ull; }

static void setup(void)
{
	m = tm_new();
	c = &m->cpu;
	c->eip = TM_CODE;
	c->icount_limit = UINT64_MAX;
	ck_assert_int_eq(reg(0xdb, 0xe3), NONE);     /* fninit */
}

static void teardown(void)
{
	fpu_have_sse3 = 0;
	tm_free(m);
}

/* ---- state after FNINIT (SDM vol. 1, table 8-3) */
START_TEST(test_fninit)
{
	fld_d(1.0);
	ck_assert_int_eq(reg(0xdb, 0xe3), NONE);
	ck_assert_uint_eq(c->fpu.cw, 0x037f);
	ck_assert_uint_eq(sw(), 0);
	ck_assert_uint_eq(c->fpu.tw, 0xffff);
	fld_d(1.0);
	ck_assert_uint_eq(c->fpu.top, 7);            /* a push decrements TOP */
	ck_assert_uint_eq((sw() & FSW_TOP) >> FSW_TOP_SHIFT, 7);
	ck_assert_uint_eq(tag(0), FTAG_VALID);
}
END_TEST

/* ---- loads and stores in every memory format round-trip */
START_TEST(test_roundtrip_float)
{
	float f = -1.15625f, f2;
	double d = 3.141592653589793, d2;
	uint8_t x80[10] = { 0x35, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40 }, y80[10];   /* pi */

	put(DATA, &f, 4);
	ck_assert_int_eq(mem(0xd9, 0, DATA), NONE);      /* fld m32fp */
	ck_assert(st(0) == -1.15625L);
	ck_assert_int_eq(mem(0xd9, 3, DATA + 16), NONE); /* fstp m32fp */
	get(DATA + 16, &f2, 4);
	ck_assert(f2 == f);
	ck_assert_uint_eq(tag(0), FTAG_EMPTY);           /* popped */

	fld_d(d);
	ck_assert_int_eq(mem(0xdd, 2, DATA + 16), NONE); /* fst m64fp (no pop) */
	get(DATA + 16, &d2, 8);
	ck_assert(d2 == d);
	ck_assert_uint_eq(tag(0), FTAG_VALID);

	put(DATA, x80, 10);
	ck_assert_int_eq(mem(0xdb, 5, DATA), NONE);      /* fld m80fp */
	ck_assert_uint_eq(mant(st(0)), 0xc90fdaa22168c235ull);
	ck_assert_int_eq(mem(0xdb, 7, DATA + 32), NONE); /* fstp m80fp */
	get(DATA + 32, y80, 10);
	ck_assert_mem_eq(x80, y80, 10);
	ck_assert_uint_eq(sw() & FSW_EXC, 0);
}
END_TEST

START_TEST(test_roundtrip_int)
{
	int16_t w = -12345, w2;
	int32_t l = 2000000001, l2;
	int64_t q = -9007199254740993ll, q2;      /* 2^53 + 1: exact in 64 bits, not in a double */

	put(DATA, &w, 2);
	ck_assert_int_eq(mem(0xdf, 0, DATA), NONE);      /* fild m16int */
	put(DATA, &l, 4);
	ck_assert_int_eq(mem(0xdb, 0, DATA), NONE);      /* fild m32int */
	put(DATA, &q, 8);
	ck_assert_int_eq(mem(0xdf, 5, DATA), NONE);      /* fild m64int */
	ck_assert(st(0) == -9007199254740993.0L && st(1) == 2000000001.0L && st(2) == -12345.0L);
	ck_assert_int_eq(mem(0xdf, 7, DATA + 16), NONE); /* fistp m64int */
	ck_assert_int_eq(mem(0xdb, 3, DATA + 24), NONE); /* fistp m32int */
	ck_assert_int_eq(mem(0xdf, 2, DATA + 28), NONE); /* fist m16int */
	get(DATA + 16, &q2, 8);
	get(DATA + 24, &l2, 4);
	get(DATA + 28, &w2, 2);
	ck_assert(q2 == q && l2 == l && w2 == w);
	ck_assert_uint_eq(sw() & FSW_EXC, 0);            /* all exact */
}
END_TEST

START_TEST(test_bcd)
{
	uint8_t bcd[10] = { 0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0x80 }, out[10];   /* -987654321 */

	put(DATA, bcd, 10);
	ck_assert_int_eq(mem(0xdf, 4, DATA), NONE);      /* fbld */
	ck_assert(st(0) == -987654321.0L);
	ck_assert_int_eq(mem(0xdf, 6, DATA + 16), NONE); /* fbstp */
	get(DATA + 16, out, 10);
	ck_assert_mem_eq(bcd, out, 10);
}
END_TEST

/* An SNaN single is quieted on load with IE; a denormal single sets DE (SDM vol. 2, FLD). */
START_TEST(test_load_snan_denormal)
{
	uint32_t snan = 0x7f800001, den = 0x00000001;

	put(DATA, &snan, 4);
	ck_assert_int_eq(mem(0xd9, 0, DATA), NONE);
	ck_assert(isnan(st(0)));
	ck_assert_uint_eq(mant(st(0)) >> 62, 3);          /* J and the quiet bit set */
	ck_assert(sw() & FSW_IE);
	ck_assert_uint_eq(tag(0), FTAG_SPECIAL);
	put(DATA, &den, 4);
	ck_assert_int_eq(mem(0xd9, 0, DATA), NONE);
	ck_assert(sw() & FSW_DE);
	ck_assert(st(0) == 0x1p-149L);
}
END_TEST

/* ---- arithmetic */
START_TEST(test_arith_forms)
{
	double two = 2.0;
	int16_t i16 = 3;

	fld_d(10.0);
	fld_d(4.0);                                     /* ST(0) = 4, ST(1) = 10 */
	ck_assert_int_eq(reg(0xd8, 0xe1), NONE);        /* fsub st(0), st(1): 4 - 10 */
	ck_assert(st(0) == -6.0L);
	ck_assert_int_eq(reg(0xd8, 0xe9), NONE);        /* fsubr st(0), st(1): 10 - (-6) */
	ck_assert(st(0) == 16.0L);
	ck_assert_int_eq(reg(0xdc, 0xe9), NONE);        /* DC E8+i = fsub st(1), st(0): 10 - 16 */
	ck_assert(st(1) == -6.0L);
	ck_assert_int_eq(reg(0xdc, 0xe1), NONE);        /* DC E0+i = fsubr st(1), st(0): 16 - (-6) */
	ck_assert(st(1) == 22.0L);
	ck_assert_int_eq(reg(0xde, 0xf9), NONE);        /* fdivp st(1), st(0): 22 / 16, pop */
	ck_assert(st(0) == 1.375L);
	ck_assert_uint_eq(c->fpu.top, 7);
	put(DATA, &two, 8);
	ck_assert_int_eq(mem(0xdc, 1, DATA), NONE);     /* fmul m64fp */
	ck_assert(st(0) == 2.75L);
	put(DATA, &i16, 2);
	ck_assert_int_eq(mem(0xde, 0, DATA), NONE);     /* fiadd m16int */
	ck_assert(st(0) == 5.75L);
	ck_assert_int_eq(mem(0xde, 7, DATA), NONE);     /* fidivr m16int: 3 / 5.75 */
	ck_assert(st(0) == 3.0L / 5.75L);
	ck_assert(sw() & FSW_PE);                       /* inexact */
	ck_assert_uint_eq(sw() & (FSW_IE | FSW_ZE | FSW_OE | FSW_UE), 0);
}
END_TEST

START_TEST(test_divide_by_zero_and_invalid)
{
	fld_d(0.0);
	fld_d(1.0);
	ck_assert_int_eq(reg(0xd8, 0xf1), NONE);        /* fdiv st(0), st(1): 1 / 0 */
	ck_assert(isinf(st(0)) && st(0) > 0);
	ck_assert_uint_eq(sw() & FSW_EXC, FSW_ZE);
	ck_assert_uint_eq(sw() & FSW_ES, 0);            /* masked: no error summary */
	fld_d(0.0);
	ck_assert_int_eq(reg(0xd8, 0xf0), NONE);        /* fdiv st(0), st(0): 0 / 0 */
	ck_assert(is_indefinite(st(0)));
	ck_assert(sw() & FSW_IE);
	ck_assert_uint_eq(sw() & FSW_SF, 0);            /* not a stack fault */
}
END_TEST

START_TEST(test_fsqrt)
{
	fld_d(2.0);
	ck_assert_int_eq(reg(0xd9, 0xfa), NONE);
	ck_assert(st(0) == sqrtl(2.0L));
	ck_assert_uint_eq(mant(st(0)), 0xb504f333f9de6484ull);   /* sqrt(2), rounded to nearest */
	fld_d(-1.0);
	ck_assert_int_eq(reg(0xd9, 0xfa), NONE);
	ck_assert(is_indefinite(st(0)));
	ck_assert(sw() & FSW_IE);
}
END_TEST

START_TEST(test_frndint)
{
	static const struct { unsigned rc; double in, out; } t[] = {
		{ RC_NEAREST, 2.5, 2.0 }, { RC_NEAREST, 3.5, 4.0 }, { RC_DOWN, -2.5, -3.0 },
		{ RC_UP, 2.25, 3.0 }, { RC_CHOP, -2.75, -2.0 },
	};
	for (unsigned k = 0; k < sizeof t / sizeof t[0]; k++) {
		set_rc(t[k].rc);
		fld_d(t[k].in);
		ck_assert_int_eq(reg(0xd9, 0xfc), NONE);
		ck_assert_msg(st(0) == t[k].out, "case %u", k);
		ck_assert(sw() & FSW_PE);
	}
	ck_assert_int_eq(fegetround(), FE_TONEAREST);   /* the host's rounding mode did not leak */
}
END_TEST

/* Rounding control applies to every arithmetic result: 1 / 3 rounded down and up differ by one ulp. */
START_TEST(test_rounding_control_arith)
{
	long double lo, hi;

	set_rc(RC_DOWN);
	fld_d(3.0);
	fld_d(1.0);
	reg(0xd8, 0xf1);                               /* 1 / 3 */
	lo = st(0);
	set_rc(RC_UP);
	fld_d(3.0);
	fld_d(1.0);
	reg(0xd8, 0xf1);
	hi = st(0);
	ck_assert_uint_eq(mant(hi), mant(lo) + 1);
	ck_assert_int_eq(fegetround(), FE_TONEAREST);
}
END_TEST

START_TEST(test_fscale_fprem)
{
	fld_d(3.7);
	fld_d(1.5);
	ck_assert_int_eq(reg(0xd9, 0xfd), NONE);        /* fscale: 1.5 * 2^trunc(3.7) */
	ck_assert(st(0) == 12.0L);
	ck_assert_int_eq(reg(0xdd, 0xd8), NONE);        /* fstp st(0) */
	ck_assert_int_eq(reg(0xdd, 0xd8), NONE);

	fld_d(4.0);
	fld_d(7.0);
	ck_assert_int_eq(reg(0xd9, 0xf8), NONE);        /* fprem: 7 = 1 * 4 + 3 */
	ck_assert(st(0) == 3.0L);
	ck_assert_uint_eq(sw() & FSW_CC, FSW_C1);       /* quotient 1: q0 in C1, C2 = 0 (complete) */
	fld_d(7.0);
	ck_assert_int_eq(reg(0xdd, 0xd9), NONE);        /* fstp st(1): replace 3 by 7, pop */
	ck_assert_int_eq(reg(0xd9, 0xf5), NONE);        /* fprem1: 7 = 2 * 4 - 1 */
	ck_assert(st(0) == -1.0L);
	ck_assert_uint_eq(sw() & FSW_CC, FSW_C3);       /* quotient 2: q1 in C3 */

	fld_d(1.0);
	fld_d(0x1p100);
	ck_assert_int_eq(reg(0xd9, 0xf8), NONE);        /* exponents 100 apart: partial remainder */
	ck_assert(sw() & FSW_C2);
	for (int k = 0; k < 4 && (sw() & FSW_C2); k++)
		reg(0xd9, 0xf8);
	ck_assert_uint_eq(sw() & FSW_C2, 0);
	ck_assert(st(0) == 0.0L);
}
END_TEST

/* ---- comparisons: C3 C2 C0 = 000 >, 001 <, 100 =, 111 unordered (SDM vol. 1, table 8-6) */
START_TEST(test_fcom_codes)
{
	static const struct { double a, b; unsigned cc; } t[] = {
		{ 2.0, 1.0, 0 }, { 1.0, 2.0, FSW_C0 }, { 1.5, 1.5, FSW_C3 }, { -0.0, 0.0, FSW_C3 },
		{ NAN, 1.0, FSW_C3 | FSW_C2 | FSW_C0 },
	};
	for (unsigned k = 0; k < sizeof t / sizeof t[0]; k++) {
		reg(0xdb, 0xe3);
		fld_d(t[k].b);
		put(DATA + 8, &t[k].a, 8);
		ck_assert_int_eq(mem(0xdd, 0, DATA + 8), NONE);
		ck_assert_int_eq(reg(0xd8, 0xd1), NONE);     /* fcom st(1) */
		ck_assert_msg(cc() == t[k].cc, "case %u: %04x", k, sw());
		ck_assert_uint_eq(sw() & FSW_C1, 0);
		/* FCOM raises IE for any NaN; FUCOM only for SNaN */
		ck_assert_uint_eq(!!(sw() & FSW_IE), isnan(t[k].a));
		reg(0xdb, 0xe2);                             /* fnclex */
		ck_assert_int_eq(reg(0xdd, 0xe1), NONE);     /* fucom st(1) */
		ck_assert_uint_eq(cc(), t[k].cc);
		ck_assert_uint_eq(sw() & FSW_IE, 0);
	}
}
END_TEST

/* The classic compiled sequence: fcomp m64; fnstsw ax; sahf / test ah. */
START_TEST(test_fnstsw_ax_after_fcom)
{
	double three = 3.0;

	fld_d(2.0);
	put(DATA + 8, &three, 8);
	c->r[R_EAX] = 0xdead0000;
	ck_assert_int_eq(mem(0xdc, 3, DATA + 8), NONE);  /* fcomp m64fp: 2 < 3, pop */
	ck_assert_int_eq(reg(0xdf, 0xe0), NONE);         /* fnstsw ax */
	ck_assert_uint_eq(c->r[R_EAX] >> 16, 0xdead);    /* only AX is written */
	ck_assert_uint_eq(c->r[R_EAX] & 0xffff, FSW_C0); /* C0 = below, TOP back to 0 */
	ck_assert_uint_eq(tag(0), FTAG_EMPTY);
}
END_TEST

START_TEST(test_fcomi)
{
	fld_d(1.0);
	fld_d(2.0);                                       /* ST(0) = 2, ST(1) = 1 */
	cpu_set_eflags(c, FL_1 | FL_CF | FL_ZF | FL_PF | FL_OF | FL_SF);
	c->lf.op = LF_NONE;
	ck_assert_int_eq(reg(0xdb, 0xf1), NONE);          /* fcomi st(0), st(1): greater */
	ck_assert_uint_eq(cpu_get_eflags(c) & FL_ARITH, 0);
	ck_assert_int_eq(reg(0xdf, 0xe9), NONE);          /* fucomip st(0), st(1) */
	ck_assert_uint_eq(cpu_get_eflags(c) & (FL_ZF | FL_PF | FL_CF), 0);
	ck_assert_uint_eq(c->fpu.top, 7);                 /* popped */
	fld_d(NAN);
	ck_assert_int_eq(reg(0xdb, 0xe9), NONE);          /* fucomi: unordered, QNaN: no IE */
	ck_assert_uint_eq(cpu_get_eflags(c) & (FL_ZF | FL_PF | FL_CF), FL_ZF | FL_PF | FL_CF);
	ck_assert_uint_eq(sw() & FSW_IE, 0);
	fld_d(1.0);
	ck_assert_int_eq(reg(0xdb, 0xf2), NONE);          /* fcomi st(0), st(2): 1 == 1 */
	ck_assert_uint_eq(cpu_get_eflags(c) & (FL_ZF | FL_PF | FL_CF), FL_ZF);
}
END_TEST

START_TEST(test_ftst_fxam)
{
	uint8_t unnormal[10] = { 0, 0, 0, 0, 0, 0, 0, 0x40, 0xff, 0x3f };   /* J = 0 with exponent != 0 */
	uint8_t denormal[10] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };           /* exponent 0, J = 0 */

	ck_assert_int_eq(reg(0xd9, 0xe5), NONE);          /* fxam on an empty register */
	ck_assert_uint_eq(cc(), FSW_C3 | FSW_C0);
	fld_d(-0.0);
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(sw() & FSW_CC, FSW_C3 | FSW_C1);  /* zero, negative */
	fld_d(-5.0);
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(sw() & FSW_CC, FSW_C2 | FSW_C1);  /* normal, negative */
	reg(0xd9, 0xe4);                                     /* ftst: -5 < 0 */
	ck_assert_uint_eq(cc(), FSW_C0);
	fld_d(INFINITY);
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(sw() & FSW_CC, FSW_C2 | FSW_C0);
	fld_d(NAN);
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(cc(), FSW_C0);
	fld_d(0x1p-1060);                                    /* a double denormal: normal in 80 bits */
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(cc(), FSW_C2);
	ck_assert_int_eq(reg(0xdb, 0xe3), NONE);
	put(DATA, denormal, 10);
	mem(0xdb, 5, DATA);                                  /* fld m80fp: no DE for m80 */
	ck_assert_uint_eq(sw() & FSW_DE, 0);
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(cc(), FSW_C3 | FSW_C2);
	put(DATA, unnormal, 10);
	mem(0xdb, 5, DATA);
	reg(0xd9, 0xe5);
	ck_assert_uint_eq(cc(), 0);                          /* unsupported */
}
END_TEST

/* ---- FIST rounds per RC (SDM vol. 2, FIST; vol. 1, table 4-8) */
START_TEST(test_fistp_rounding)
{
	static const struct { unsigned rc; double in; int32_t out; } t[] = {
		{ RC_NEAREST, 2.5, 2 }, { RC_NEAREST, -2.5, -2 }, { RC_NEAREST, 1.5, 2 },
		{ RC_DOWN, 2.5, 2 }, { RC_DOWN, -2.5, -3 },
		{ RC_UP, 2.5, 3 }, { RC_UP, -2.5, -2 },
		{ RC_CHOP, 2.7, 2 }, { RC_CHOP, -2.7, -2 },
	};
	for (unsigned k = 0; k < sizeof t / sizeof t[0]; k++) {
		int32_t r;
		reg(0xdb, 0xe3);
		set_rc(t[k].rc);
		fld_d(t[k].in);
		ck_assert_int_eq(mem(0xdb, 3, DATA + 16), NONE);   /* fistp m32int */
		get(DATA + 16, &r, 4);
		ck_assert_msg(r == t[k].out, "case %u: got %d", k, r);
		ck_assert(sw() & FSW_PE);
		/* C1 = 1 exactly when the magnitude was rounded up */
		ck_assert_uint_eq(!!(sw() & FSW_C1), fabs((double)r) > fabs(t[k].in));
	}
	ck_assert_int_eq(fegetround(), FE_TONEAREST);
}
END_TEST

START_TEST(test_fist_out_of_range)
{
	int16_t r;

	fld_d(40000.0);
	ck_assert_int_eq(mem(0xdf, 3, DATA + 16), NONE);   /* fistp m16int */
	get(DATA + 16, &r, 2);
	ck_assert_uint_eq((uint16_t)r, 0x8000);            /* integer indefinite */
	ck_assert(sw() & FSW_IE);
	/* with IE unmasked nothing is stored and nothing popped */
	fldcw(FCW_DEFAULT & ~FCW_IM);
	r = 0x1234;
	put(DATA + 16, &r, 2);
	fld_d(-1e10);
	ck_assert_int_eq(mem(0xdf, 3, DATA + 16), NONE);
	get(DATA + 16, &r, 2);
	ck_assert_uint_eq((uint16_t)r, 0x1234);
	ck_assert_uint_eq(tag(0), FTAG_VALID);
	ck_assert(sw() & FSW_ES);
}
END_TEST

/* FISTTP is SSE3: #UD on revisor's P6 model; with SSE3 it chops whatever RC says. */
START_TEST(test_fisttp)
{
	int32_t r;

	fld_d(-2.9);
	ck_assert_int_eq(mem(0xdb, 1, DATA + 16), EXC_UD);
	fpu_have_sse3 = 1;
	set_rc(RC_UP);
	ck_assert_int_eq(mem(0xdb, 1, DATA + 16), NONE);
	get(DATA + 16, &r, 4);
	ck_assert_int_eq(r, -2);
}
END_TEST

/* ---- the register stack */
START_TEST(test_stack_overflow)
{
	for (int k = 0; k < 8; k++)
		ck_assert_int_eq(reg(0xd9, 0xe8), NONE);        /* fld1 x 8: full */
	ck_assert_uint_eq(c->fpu.tw, 0);
	ck_assert_uint_eq(sw() & FSW_EXC, 0);
	ck_assert_int_eq(reg(0xd9, 0xeb), NONE);            /* fldpi: overflow */
	ck_assert_uint_eq(sw() & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF | FSW_C1);
	ck_assert(is_indefinite(st(0)));                    /* masked response: push the indefinite */
	ck_assert_uint_eq(tag(0), FTAG_SPECIAL);
	ck_assert(st(1) == 1.0L);
}
END_TEST

START_TEST(test_stack_underflow)
{
	fld_d(1.0);
	ck_assert_int_eq(reg(0xd8, 0xc1), NONE);            /* fadd st(0), st(1): ST(1) empty */
	ck_assert_uint_eq(sw() & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);   /* C1 = 0: underflow */
	ck_assert(is_indefinite(st(0)));
	reg(0xdb, 0xe3);
	ck_assert_int_eq(reg(0xd8, 0xd1), NONE);            /* fcom on an empty stack: unordered */
	ck_assert_uint_eq(cc(), FSW_C3 | FSW_C2 | FSW_C0);
	ck_assert(sw() & FSW_SF);
}
END_TEST

START_TEST(test_fxch_fchs_fabs_ffree)
{
	fld_d(1.0);
	fld_d(-2.0);
	ck_assert_int_eq(reg(0xd9, 0xc9), NONE);            /* fxch st(1) */
	ck_assert(st(0) == 1.0L && st(1) == -2.0L);
	reg(0xd9, 0xe0);                                    /* fchs */
	ck_assert(st(0) == -1.0L);
	reg(0xd9, 0xc9);
	reg(0xd9, 0xe1);                                    /* fabs */
	ck_assert(st(0) == 2.0L);
	ck_assert_int_eq(reg(0xdd, 0xc1), NONE);            /* ffree st(1) */
	ck_assert_uint_eq(tag(1), FTAG_EMPTY);
	ck_assert_int_eq(reg(0xd9, 0xf7), NONE);            /* fincstp: TOP moves, tags stay */
	ck_assert_uint_eq(c->fpu.top, 7);
	ck_assert_uint_eq(tag(7), FTAG_VALID);
	reg(0xd9, 0xf6);                                    /* fdecstp */
	ck_assert_uint_eq(c->fpu.top, 6);
}
END_TEST

START_TEST(test_fcmov)
{
	fld_d(7.0);
	fld_d(1.0);
	cpu_set_eflags(c, FL_1);                            /* CF = 0 */
	c->lf.op = LF_NONE;
	ck_assert_int_eq(reg(0xda, 0xc1), NONE);            /* fcmovb: not taken */
	ck_assert(st(0) == 1.0L);
	ck_assert_int_eq(reg(0xdb, 0xc1), NONE);            /* fcmovnb: taken */
	ck_assert(st(0) == 7.0L);
}
END_TEST

START_TEST(test_constants)
{
	reg(0xd9, 0xeb);                                    /* fldpi, nearest */
	ck_assert_uint_eq(mant(st(0)), 0xc90fdaa22168c235ull);
	ck_assert_uint_eq(sexp(st(0)), 0x4000);
	set_rc(RC_CHOP);
	reg(0xd9, 0xeb);                                    /* rounded per RC (SDM vol. 1, 8.3.5) */
	ck_assert_uint_eq(mant(st(0)), 0xc90fdaa22168c234ull);
	reg(0xd9, 0xed);                                    /* fldln2 */
	ck_assert(st(0) == 0xb.17217f7d1cf79abp-4L);
	reg(0xd9, 0xe8);
	ck_assert(st(0) == 1.0L);
	reg(0xd9, 0xee);
	ck_assert(st(0) == 0.0L && !signbit(st(0)));
	ck_assert_uint_eq(tag(0), FTAG_ZERO);
}
END_TEST

/* ---- #NM, #MF, #UD */
START_TEST(test_nm)
{
	c->cr0 |= CR0_TS;
	ck_assert_int_eq(reg(0xd9, 0xe8), EXC_NM);
	ck_assert_uint_eq(c->fpu.tw, 0xffff);               /* nothing happened */
	ck_assert_int_eq(reg(0xdb, 0xe3), EXC_NM);          /* even FNINIT */
	{
		struct insn w = { .exec = op_table[OP_FWAIT].exec, .op = OP_FWAIT, .len = 1, .osz = 4, .asz = 4 };
		ck_assert_int_eq(run(&w), NONE);                /* WAIT: only with MP and TS */
		c->cr0 |= CR0_MP;
		ck_assert_int_eq(run(&w), EXC_NM);
	}
	c->cr0 &= ~(CR0_TS | CR0_MP);
	c->cr0 |= CR0_EM;
	ck_assert_int_eq(reg(0xd9, 0xe8), EXC_NM);
}
END_TEST

START_TEST(test_mf_pending)
{
	struct insn w = { .exec = op_table[OP_FWAIT].exec, .op = OP_FWAIT, .len = 1, .osz = 4, .asz = 4 };

	c->cr0 |= CR0_NE;
	fldcw(FCW_DEFAULT & ~FCW_ZM);                       /* unmask zero-divide */
	fld_d(0.0);
	fld_d(1.0);
	ck_assert_int_eq(reg(0xd8, 0xf1), NONE);            /* 1 / 0: reported by the NEXT instruction */
	ck_assert(st(0) == 1.0L);                           /* destination untouched */
	ck_assert_uint_eq(sw() & (FSW_ZE | FSW_ES | FSW_B), FSW_ZE | FSW_ES | FSW_B);
	ck_assert_int_eq(reg(0xd9, 0xe8), EXC_MF);          /* fld1 */
	ck_assert_uint_eq(c->fpu.top, 6);                   /* ... did not execute */
	ck_assert_int_eq(run(&w), EXC_MF);                  /* fwait */
	ck_assert_int_eq(reg(0xdf, 0xe0), NONE);            /* fnstsw ax: a no-wait form */
	ck_assert_int_eq(reg(0xdb, 0xe2), NONE);            /* fnclex */
	ck_assert_int_eq(reg(0xd9, 0xe8), NONE);
	ck_assert_int_eq(run(&w), NONE);
}
END_TEST

START_TEST(test_ud)
{
	ck_assert_int_eq(mem(0xd9, 1, DATA), EXC_UD);       /* D9 /1: reserved */
	ck_assert_int_eq(reg(0xd9, 0xd1), EXC_UD);
	ck_assert_int_eq(reg(0xdb, 0xe5), EXC_UD);
}
END_TEST

/* A fault on the store leaves the FPU untouched, so the instruction can restart (cpu.h). */
START_TEST(test_fault_restartable)
{
	struct insn i = esc(0xdd, 0x1d);                   /* fstp m64fp */

	fld_d(5.0);
	i.seg = S_ES;
	c->seg[S_ES].limit = DATA + 4;                       /* the 8-byte store crosses the limit */
	i.disp = DATA;
	ck_assert_int_eq(run(&i), EXC_GP);
	ck_assert_uint_eq(c->fpu.top, 7);
	ck_assert_uint_eq(tag(0), FTAG_VALID);
	ck_assert(st(0) == 5.0L);
}
END_TEST

/* ---- environment: FNSTENV / FLDENV / FNSAVE / FRSTOR (SDM vol. 1, figures 8-9 and 8-10) */
START_TEST(test_fnstenv_fldenv)
{
	uint32_t env[7];
	uint32_t fld_eip;

	fld_d(1.0);                                          /* fld m64fp at some EIP */
	fld_eip = c->prev_eip;
	set_rc(RC_UP);
	ck_assert_int_eq(mem(0xd9, 6, DATA + 0x200), NONE);  /* fnstenv m28 */
	get(DATA + 0x200, env, 28);
	ck_assert_uint_eq(env[0] & 0xffff, FCW_DEFAULT | (RC_UP << FCW_RC_SHIFT));
	ck_assert_uint_eq((env[1] >> FSW_TOP_SHIFT) & 7, 7);
	ck_assert_uint_eq(env[2] & 0xffff, 0x3fff);          /* R7 valid, the rest empty */
	ck_assert_uint_eq(env[3], fld_eip);                  /* FIP: the last non-control instruction */
	ck_assert_uint_eq(env[4] & 0xffff, TM_CODE32);
	ck_assert_uint_eq((env[4] >> 16) & 0x7ff, 0x505);    /* FOP: (DD & 7) << 8 | ModRM 05 */
	ck_assert_uint_eq(env[5], DATA);                     /* FDP */
	ck_assert_uint_eq(env[6] & 0xffff, TM_DATA32);
	ck_assert_uint_eq(c->fpu.cw & FCW_EXC, FCW_EXC);     /* all masked afterwards */

	reg(0xdb, 0xe3);
	ck_assert_int_eq(mem(0xd9, 4, DATA + 0x200), NONE);  /* fldenv */
	ck_assert_uint_eq(c->fpu.top, 7);
	ck_assert_uint_eq(c->fpu.cw, FCW_DEFAULT | (RC_UP << FCW_RC_SHIFT));
	ck_assert_uint_eq(c->fpu.fip, fld_eip);
	ck_assert_uint_eq(tag(0), FTAG_VALID);
}
END_TEST

/* Real mode, 16-bit operand size: the 14-byte image holds 20-bit linear pointers and FOP
 * (SDM vol. 1, figure 8-10). */
START_TEST(test_fnstenv_real16)
{
	struct insn ld = esc(0xdd, 0x06), st = esc(0xd9, 0x36);   /* fld m64fp [disp16]; fnstenv [disp16] */
	double one = 1.0;
	uint16_t env[7];

	tm_real_mode(m);
	c->seg[S_CS].sel = 0x2000;
	c->seg[S_CS].base = 0x20000;
	c->eip = 0x0020;
	ld.osz = st.osz = 2;
	ld.asz = st.asz = 2;
	ld.disp = 0x800, st.disp = 0x900;
	ld.len = st.len = 4;
	put(0x800, &one, 8);
	ck_assert_int_eq(run(&ld), NONE);
	ck_assert_int_eq(run(&st), NONE);
	get(0x900, env, 14);
	ck_assert_uint_eq(env[3], 0x0020);                   /* FIP bits 15..0 of linear 0x20020 */
	ck_assert_uint_eq(env[4], 0x2000 | 0x506);           /* FIP bits 19..16 in 15..12, FOP 0x506 */
	ck_assert_uint_eq(env[5], 0x0800);                   /* FDP */
	ck_assert_uint_eq(env[6], 0);
	ck_assert_uint_eq(env[2], 0x3fff);
}
END_TEST

START_TEST(test_fnsave_frstor)
{
	uint8_t img[108];
	long double pi;

	fld_d(-3.0);
	reg(0xd9, 0xeb);                                     /* ST(0) = pi, ST(1) = -3 */
	pi = st(0);
	ck_assert_int_eq(mem(0xdd, 6, DATA + 0x200), NONE);  /* fnsave */
	ck_assert_uint_eq(c->fpu.tw, 0xffff);                /* ... then FNINIT */
	ck_assert_uint_eq(c->fpu.top, 0);
	get(DATA + 0x200, img, 108);
	ck_assert_mem_eq(img + 28, &pi, 10);                 /* ST(0) first */
	fld_d(9.0);
	ck_assert_int_eq(mem(0xdd, 4, DATA + 0x200), NONE);  /* frstor */
	ck_assert_uint_eq(c->fpu.top, 6);
	ck_assert(st(0) == pi && st(1) == -3.0L);
	ck_assert_uint_eq(tag(2), FTAG_EMPTY);
}
END_TEST

START_TEST(test_transcendental)
{
	fld_d(0.5);
	reg(0xd9, 0xfe);                                     /* fsin */
	ck_assert(fabsl(st(0) - sinl(0.5L)) < 1e-18L);
	fld_d(1.0);
	fld_d(8.0);
	reg(0xd9, 0xf1);                                     /* fyl2x: 1 * log2(8) */
	ck_assert(st(0) == 3.0L);
	fld_d(0x1p70);
	reg(0xd9, 0xff);                                     /* fcos out of range: C2, unchanged */
	ck_assert(sw() & FSW_C2);
	ck_assert(st(0) == 0x1p70L);
}
END_TEST

/* Through the decoder and the run loop: what a compiler emits for `d = (1.0 + pi) * n; if (d > 4) ...`. */
START_TEST(test_decoded_program)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                               /* fninit */
		0xd9, 0xe8,                               /* fld1 */
		0xd9, 0xeb,                               /* fldpi */
		0xde, 0xc1,                               /* faddp st(1), st(0) */
		0xda, 0x0d, 0x00, 0x01, 0x02, 0x00,       /* fimul dword [0x20100] */
		0xdd, 0x15, 0x08, 0x01, 0x02, 0x00,       /* fst qword [0x20108] */
		0xd8, 0x1d, 0x10, 0x01, 0x02, 0x00,       /* fcomp dword [0x20110] */
		0xdf, 0xe0,                               /* fnstsw ax */
		0x9e,                                     /* sahf */
		0x9b,                                     /* fwait */
		0xf4,                                     /* hlt */
	};
	int32_t n = 3;
	float four = 4.0f;
	double d;

	put(0x20100, &n, 4);
	put(0x20110, &four, 4);
	tm_run(m, code, sizeof code, 100);
	ck_assert_int_eq(tm_exception(m, NULL), -1);
	get(0x20108, &d, 8);
	ck_assert(d == (double)((1.0L + 0xc.90fdaa22168c235p-2L) * 3.0L));
	ck_assert_uint_eq(c->fpu.tw, 0xffff);                /* fcomp popped the only value */
	ck_assert_uint_eq(cpu_get_eflags(c) & (FL_CF | FL_ZF), 0);   /* 12.4 > 4: "above" */
}
END_TEST

Suite *suite_fpu(void)
{
	Suite *s = suite_create("fpu");
	TCase *tc = tcase_create("x87");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fninit);
	tcase_add_test(tc, test_roundtrip_float);
	tcase_add_test(tc, test_roundtrip_int);
	tcase_add_test(tc, test_bcd);
	tcase_add_test(tc, test_load_snan_denormal);
	tcase_add_test(tc, test_arith_forms);
	tcase_add_test(tc, test_divide_by_zero_and_invalid);
	tcase_add_test(tc, test_fsqrt);
	tcase_add_test(tc, test_frndint);
	tcase_add_test(tc, test_rounding_control_arith);
	tcase_add_test(tc, test_fscale_fprem);
	tcase_add_test(tc, test_fcom_codes);
	tcase_add_test(tc, test_fnstsw_ax_after_fcom);
	tcase_add_test(tc, test_fcomi);
	tcase_add_test(tc, test_ftst_fxam);
	tcase_add_test(tc, test_fistp_rounding);
	tcase_add_test(tc, test_fist_out_of_range);
	tcase_add_test(tc, test_fisttp);
	tcase_add_test(tc, test_stack_overflow);
	tcase_add_test(tc, test_stack_underflow);
	tcase_add_test(tc, test_fxch_fchs_fabs_ffree);
	tcase_add_test(tc, test_fcmov);
	tcase_add_test(tc, test_constants);
	tcase_add_test(tc, test_nm);
	tcase_add_test(tc, test_mf_pending);
	tcase_add_test(tc, test_ud);
	tcase_add_test(tc, test_fault_restartable);
	tcase_add_test(tc, test_fnstenv_fldenv);
	tcase_add_test(tc, test_fnstenv_real16);
	tcase_add_test(tc, test_fnsave_frstor);
	tcase_add_test(tc, test_transcendental);
	tcase_add_test(tc, test_decoded_program);
	suite_add_tcase(s, tc);
	return s;
}
