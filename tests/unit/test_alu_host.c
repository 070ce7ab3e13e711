/* SPDX-License-Identifier: MIT
 *
 * test_alu_host.c — differential test of the integer instruction handlers against the host CPU.
 *
 * The host is an x86-64 processor, and the 8/16/32-bit forms of the integer instructions behave in
 * 64-bit mode exactly as in 32-bit protected mode.  So for thousands of random operands (plus the edge
 * values 0, 1, 0x7f.., 0x80.., 0xff..) each test runs the real instruction with GCC inline assembly,
 * captures EFLAGS with PUSHFQ, runs revisor's handler on a hand-built struct insn with the same inputs,
 * and compares the result registers and every flag the SDM DEFINES for that instruction and operand
 * (undefined flags legitimately differ between Intel, AMD and revisor; see the headers of alu.c,
 * muldiv.c, shift.c, bitops.c for revisor's choices).  Flags an instruction leaves "unaffected" are
 * defined, so they are compared too.
 *
 * Input flags reach the interpreter either directly in EFLAGS or as a pending lazy-flags record
 * (flags.h), so handlers that read CF (ADC, SBB, RCL, RCR) or preserve flags (INC, DEC, rotates, BT)
 * are exercised on both paths.  The random generator is a fixed-seed xorshift: a failure reproduces.
 *
 * The inline assembly moves RSP 128 bytes down before PUSHFQ/POPFQ so as not to clobber the System V
 * red zone, where the compiler may keep locals of this function.
 */
#include <check.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"

/* ---- infrastructure ------------------------------------------------------------------------------ */

static uint64_t rng_state;

static void rng_seed(uint64_t s) { rng_state = s * 0x9e3779b97f4a7c15ull + 1; }

static uint32_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (uint32_t)(x >> 16);
}

/* An operand value: an edge value one time in four, otherwise uniformly random. */
static uint32_t rnd_val(unsigned size)
{
	uint32_t m = size_mask(size), t = sign_bit(size);
	const uint32_t edge[] = { 0, 1, 2, t - 1, t, t + 1, m, m - 1, 0x0f, 0x10 };

	if ((rnd() & 3) == 0)
		return edge[rnd() % (sizeof edge / sizeof edge[0])] & m;
	return rnd() & m;
}

#define ALL6 FL_ARITH

static struct cpu cpu;           /* register-only tests: no memory, so no machine is needed */
static int nfail;

static void mismatch(const char *op, unsigned size, const char *fmt, ...)
{
	va_list ap;

	if (nfail++ >= 20)
		return;
	fprintf(stderr, "alu_host: %s size %u: ", op, size);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Random registers and random input flags, directly or as a lazy record.  Returns the status flags the
 * host must start with. */
static uint32_t setup_cpu(void)
{
	static const unsigned sizes[3] = { 1, 2, 4 };

	for (int r = 0; r < 8; r++)
		cpu.r[r] = rnd();
	cpu.r[R_ZERO] = 0;
	cpu.lf.size = 4;                             /* a valid size even while lf.op == LF_NONE */
	if (rnd() & 1) {
		cpu_set_eflags(&cpu, (rnd() & FL_ARITH) | FL_1);
	} else {
		unsigned sz = sizes[rnd() % 3];
		uint32_t a = rnd_val(sz), b = rnd_val(sz);

		cpu.eflags = (rnd() & FL_ARITH) | FL_1;   /* stale bits: must be ignored while lf.op != NONE */
		if (rnd() & 1)
			lf_set(&cpu, LF_ADD, sz, a, b, a + b);
		else
			lf_set(&cpu, LF_SUB, sz, a, b, a - b);
	}
	return cpu_get_eflags(&cpu) & FL_ARITH;
}

static void insn_init(struct insn *i, enum op_id op, unsigned size)
{
	memset(i, 0, sizeof *i);
	i->op = (uint16_t)op;
	i->exec = op_table[op].exec;
	i->cls = op_table[op].cls;
	i->osz = (uint8_t)size;
	i->asz = 4;
	i->seg = S_DS;
	i->base = i->index = R_ZERO;
}

static void set_reg(struct insn *i, int k, unsigned reg, unsigned size)
{
	i->o[k] = (struct opnd){ .kind = OPK_REG, .size = (uint8_t)size, .reg = (uint8_t)reg };
	if (k >= i->nopnd)
		i->nopnd = (uint8_t)(k + 1);
}

static void set_imm(struct insn *i, int k, uint32_t v, unsigned size)
{
	i->o[k] = (struct opnd){ .kind = OPK_IMM, .size = (uint8_t)size };
	i->imm = v;
	if (k >= i->nopnd)
		i->nopnd = (uint8_t)(k + 1);
}

/* Run a handler, catching a fault.  Returns the vector raised, or -1. */
static int run(const struct insn *i)
{
	jmp_buf jb;

	cpu.fault_jmp = &jb;
	if (setjmp(jb)) {
		cpu.fault_jmp = NULL;
		return cpu.fault_vec;
	}
	i->exec(&cpu, i);
	cpu.fault_jmp = NULL;
	return -1;
}

/* Two distinct register numbers, neither in `avoid` (a bit mask of register numbers). */
static unsigned rnd_reg(uint32_t avoid)
{
	unsigned r;

	do
		r = rnd() & 7;
	while (avoid & (1u << r));
	return r;
}

/* Apply reg_set() to an expected register file. */
static void want_set(uint32_t *want, unsigned reg, unsigned size, uint32_t v)
{
	static struct cpu w;

	memcpy(w.r, want, 8 * sizeof *want);
	reg_set(&w, reg, size, v);
	memcpy(want, w.r, 8 * sizeof *want);
}

/* Compare all registers against `want` and the flags in mask against hflags; report a mismatch. */
static void compare(const char *op, unsigned size, const uint32_t *want, uint32_t hflags, uint32_t mask,
		    const char *inputs)
{
	uint32_t got = cpu_get_eflags(&cpu) & FL_ARITH;

	for (int r = 0; r < 8; r++)
		if (cpu.r[r] != want[r]) {
			mismatch(op, size, "%s: reg %d want %#x got %#x", inputs, r, want[r], cpu.r[r]);
			return;
		}
	if ((got ^ hflags) & mask)
		mismatch(op, size, "%s: flags want %#x got %#x (compared %#x)", inputs, hflags & mask,
			 got & mask, mask);
}

/* Condition code cc (Jcc encoding) from EFLAGS bits, as the SDM's table B-1 defines it. */
static int cond_of(uint32_t f, unsigned cc)
{
	int of = !!(f & FL_OF), cf = !!(f & FL_CF), zf = !!(f & FL_ZF), sf = !!(f & FL_SF);
	int pf = !!(f & FL_PF);
	int r[8] = { of, cf, zf, cf | zf, sf, pf, sf != of, zf | (sf != of) };

	return r[cc >> 1] ^ (int)(cc & 1);
}

/* ---- the host side --------------------------------------------------------------------------------
 * Each helper runs one instruction at the given size with *fl as the input flags and returns the result;
 * *fl receives the output flags.  The macros only spell out the three operand sizes of one mnemonic. */

#define PRE  "lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"

typedef uint32_t (*host2_fn)(unsigned size, uint32_t a, uint32_t b, uint64_t *fl);

/* "op src, dst" at sizes 8/16/32. */
#define HOST2(fn, m)                                                                                 \
	static uint32_t fn(unsigned size, uint32_t a, uint32_t b, uint64_t *fl)                      \
	{                                                                                            \
		uint64_t f = *fl;                                                                    \
		if (size == 1) {                                                                     \
			uint8_t x = (uint8_t)a, y = (uint8_t)b;                                      \
			asm(PRE m "b %[y], %[x]" POST : [x] "+q"(x), [f] "+r"(f) : [y] "q"(y) : "cc"); \
			a = x;                                                                       \
		} else if (size == 2) {                                                              \
			uint16_t x = (uint16_t)a, y = (uint16_t)b;                                   \
			asm(PRE m "w %[y], %[x]" POST : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); \
			a = x;                                                                       \
		} else {                                                                             \
			asm(PRE m "l %[y], %[x]" POST : [x] "+r"(a), [f] "+r"(f) : [y] "r"(b) : "cc"); \
		}                                                                                    \
		*fl = f;                                                                             \
		return a;                                                                            \
	}

/* "op src, dst" at sizes 16/32 only (IMUL r,r/m; BT*; BSF/BSR). */
#define HOST2W(fn, m)                                                                                \
	static uint32_t fn(unsigned size, uint32_t a, uint32_t b, uint64_t *fl)                      \
	{                                                                                            \
		uint64_t f = *fl;                                                                    \
		if (size == 2) {                                                                     \
			uint16_t x = (uint16_t)a, y = (uint16_t)b;                                   \
			asm(PRE m "w %[y], %[x]" POST : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); \
			a = x;                                                                       \
		} else {                                                                             \
			asm(PRE m "l %[y], %[x]" POST : [x] "+r"(a), [f] "+r"(f) : [y] "r"(b) : "cc"); \
		}                                                                                    \
		*fl = f;                                                                             \
		return a;                                                                            \
	}

/* "op dst" (b unused), or "op %cl, dst" for shifts (b = CL). */
#define HOST1(fn, m, cl)                                                                             \
	static uint32_t fn(unsigned size, uint32_t a, uint32_t b, uint64_t *fl)                      \
	{                                                                                            \
		uint64_t f = *fl;                                                                    \
		uint8_t n = (uint8_t)b;                                                              \
		if (size == 1) {                                                                     \
			uint8_t x = (uint8_t)a;                                                      \
			asm(PRE m "b " cl "%[x]" POST : [x] "+q"(x), [f] "+r"(f) : "c"(n) : "cc");   \
			a = x;                                                                       \
		} else if (size == 2) {                                                              \
			uint16_t x = (uint16_t)a;                                                    \
			asm(PRE m "w " cl "%[x]" POST : [x] "+r"(x), [f] "+r"(f) : "c"(n) : "cc");   \
			a = x;                                                                       \
		} else {                                                                             \
			asm(PRE m "l " cl "%[x]" POST : [x] "+r"(a), [f] "+r"(f) : "c"(n) : "cc");   \
		}                                                                                    \
		*fl = f;                                                                             \
		return a;                                                                            \
	}

HOST2(host_add, "add")
HOST2(host_adc, "adc")
HOST2(host_sub, "sub")
HOST2(host_sbb, "sbb")
HOST2(host_and, "and")
HOST2(host_or, "or")
HOST2(host_xor, "xor")
HOST2(host_cmp, "cmp")
HOST2(host_test, "test")
HOST1(host_inc, "inc", "")
HOST1(host_dec, "dec", "")
HOST1(host_neg, "neg", "")
HOST1(host_not, "not", "")
HOST1(host_shl, "shl", "%%cl, ")
HOST1(host_shr, "shr", "%%cl, ")
HOST1(host_sar, "sar", "%%cl, ")
HOST1(host_rol, "rol", "%%cl, ")
HOST1(host_ror, "ror", "%%cl, ")
HOST1(host_rcl, "rcl", "%%cl, ")
HOST1(host_rcr, "rcr", "%%cl, ")
HOST2W(host_imul2, "imul")
HOST2W(host_bt, "bt")
HOST2W(host_bts, "bts")
HOST2W(host_btr, "btr")
HOST2W(host_btc, "btc")
HOST2W(host_bsf, "bsf")
HOST2W(host_bsr, "bsr")

/* SHLD/SHRD dst, src, CL at 16/32 bits. */
#define HOSTD(fn, m)                                                                                 \
	static uint32_t fn(unsigned size, uint32_t a, uint32_t b, uint8_t n, uint64_t *fl)           \
	{                                                                                            \
		uint64_t f = *fl;                                                                    \
		if (size == 2) {                                                                     \
			uint16_t x = (uint16_t)a, y = (uint16_t)b;                                   \
			asm(PRE m "w %%cl, %[y], %[x]" POST : [x] "+r"(x), [f] "+r"(f)               \
			    : [y] "r"(y), "c"(n) : "cc");                                            \
			a = x;                                                                       \
		} else {                                                                             \
			asm(PRE m "l %%cl, %[y], %[x]" POST : [x] "+r"(a), [f] "+r"(f)               \
			    : [y] "r"(b), "c"(n) : "cc");                                            \
		}                                                                                    \
		*fl = f;                                                                             \
		return a;                                                                            \
	}
HOSTD(host_shld, "shld")
HOSTD(host_shrd, "shrd")

/* One-operand multiply/divide: *ax and *dx are the accumulator halves (AX only for size 1). */
#define HOSTMD(fn, m)                                                                                \
	static void fn(unsigned size, uint32_t *ax, uint32_t *dx, uint32_t src, uint64_t *fl)        \
	{                                                                                            \
		uint64_t f = *fl;                                                                    \
		if (size == 1) {                                                                     \
			uint16_t a = (uint16_t)*ax;                                                  \
			uint8_t y = (uint8_t)src;                                                    \
			asm(PRE m "b %[y]" POST : "+a"(a), [f] "+r"(f) : [y] "q"(y) : "cc");         \
			*ax = a;                                                                     \
		} else if (size == 2) {                                                              \
			uint16_t a = (uint16_t)*ax, d = (uint16_t)*dx, y = (uint16_t)src;            \
			asm(PRE m "w %[y]" POST : "+a"(a), "+d"(d), [f] "+r"(f) : [y] "r"(y) : "cc"); \
			*ax = a;                                                                     \
			*dx = d;                                                                     \
		} else {                                                                             \
			asm(PRE m "l %[y]" POST : "+a"(*ax), "+d"(*dx), [f] "+r"(f) : [y] "r"(src)   \
			    : "cc");                                                                 \
		}                                                                                    \
		*fl = f;                                                                             \
	}
HOSTMD(host_mul, "mul")
HOSTMD(host_imul1, "imul")
HOSTMD(host_div, "div")
HOSTMD(host_idiv, "idiv")

/* ---- two-operand ALU ----------------------------------------------------------------------------- */

static const struct {
	enum op_id op;
	const char *name;
	host2_fn host;
	uint32_t defined;  /* flags the SDM defines */
	int writes;        /* CMP and TEST do not write the destination */
} alu2[] = {
	{ OP_ADD, "add", host_add, ALL6, 1 },
	{ OP_ADC, "adc", host_adc, ALL6, 1 },
	{ OP_SUB, "sub", host_sub, ALL6, 1 },
	{ OP_SBB, "sbb", host_sbb, ALL6, 1 },
	{ OP_AND, "and", host_and, ALL6 & ~FL_AF, 1 },
	{ OP_OR, "or", host_or, ALL6 & ~FL_AF, 1 },
	{ OP_XOR, "xor", host_xor, ALL6 & ~FL_AF, 1 },
	{ OP_CMP, "cmp", host_cmp, ALL6, 0 },
	{ OP_TEST, "test", host_test, ALL6 & ~FL_AF, 0 },
};

START_TEST(test_host_alu2)
{
	for (unsigned t = 0; t < sizeof alu2 / sizeof alu2[0]; t++) {
		for (unsigned size = 1; size <= 4; size *= 2) {
			rng_seed(t * 16 + size);
			for (int n = 0; n < 4000; n++) {
				struct insn i;
				uint32_t a = rnd_val(size), b = rnd_val(size), want[8], fin, r;
				unsigned d = rnd_reg(0), s = rnd_reg(1u << d);
				uint64_t hf;
				char in[96];

				fin = setup_cpu();
				insn_init(&i, alu2[t].op, size);
				set_reg(&i, 0, d, size);
				reg_set(&cpu, d, size, a);
				if (rnd() & 3) {
					set_reg(&i, 1, s, size);
					reg_set(&cpu, s, size, b);
				} else {
					set_imm(&i, 1, b, size);
				}
				memcpy(want, cpu.r, sizeof want);
				hf = fin | FL_1;
				r = alu2[t].host(size, a, b, &hf);
				if (alu2[t].writes)
					want_set(want, d, size, r);
				snprintf(in, sizeof in, "a=%#x b=%#x flags_in=%#x", a, b, fin);
				if (run(&i) >= 0) {
					mismatch(alu2[t].name, size, "%s: unexpected fault", in);
					continue;
				}
				/* Every condition code only involves defined flags here: check the lazy fast paths
				 * of cpu_cond() too. */
				for (unsigned cc = 0; cc < 16; cc++)
					if (cpu_cond(&cpu, cc) != cond_of((uint32_t)hf, cc))
						mismatch(alu2[t].name, size, "%s: condition %u wrong", in, cc);
				compare(alu2[t].name, size, want, (uint32_t)hf, alu2[t].defined, in);
			}
		}
	}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* ---- one-operand ALU and shifts/rotates (HOST1 helpers) ------------------------------------------ */

enum { K_ALU1, K_SHIFT, K_ROT };

static const struct {
	enum op_id op;
	const char *name;
	host2_fn host;
	int kind;
	uint32_t defined;  /* K_ALU1: flags the SDM defines */
} alu1[] = {
	{ OP_INC, "inc", host_inc, K_ALU1, ALL6 },     /* CF is preserved, so defined too */
	{ OP_DEC, "dec", host_dec, K_ALU1, ALL6 },
	{ OP_NEG, "neg", host_neg, K_ALU1, ALL6 },
	{ OP_NOT, "not", host_not, K_ALU1, ALL6 },     /* no flag changes */
	{ OP_SHL, "shl", host_shl, K_SHIFT, 0 },
	{ OP_SHR, "shr", host_shr, K_SHIFT, 0 },
	{ OP_SAR, "sar", host_sar, K_SHIFT, 0 },
	{ OP_ROL, "rol", host_rol, K_ROT, 0 },
	{ OP_ROR, "ror", host_ror, K_ROT, 0 },
	{ OP_RCL, "rcl", host_rcl, K_ROT, 0 },
	{ OP_RCR, "rcr", host_rcr, K_ROT, 0 },
};

/* The flags the SDM defines after a shift or rotate by masked count n. */
static uint32_t shift_defined(enum op_id op, unsigned size, unsigned n)
{
	uint32_t m;

	if (n == 0)
		return ALL6;                         /* count 0: nothing changes */
	if (op == OP_ROL || op == OP_ROR || op == OP_RCL || op == OP_RCR)
		m = FL_CF | FL_SF | FL_ZF | FL_PF | FL_AF;   /* only CF and OF change */
	else
		m = FL_SF | FL_ZF | FL_PF | FL_CF;
	if ((op == OP_SHL || op == OP_SHR) && n >= size * 8)
		m &= ~FL_CF;
	if (n == 1)
		m |= FL_OF;
	return m;
}

static void run_alu1(unsigned t, unsigned size, unsigned count, int ncases)
{
	int shift = alu1[t].kind != K_ALU1;

	for (int k = 0; k < ncases; k++) {
		struct insn i;
		/* For shifts, the destination must not be (E)CX/CL, the count register. */
		unsigned d = rnd_reg(shift ? 1u << R_ECX : 0), mcount;
		uint32_t a = rnd_val(size), want[8], fin, r, cl = count | (rnd() & 0xe0);
		uint64_t hf;
		char in[96];

		fin = setup_cpu();
		insn_init(&i, alu1[t].op, size);
		set_reg(&i, 0, d, size);
		if (shift) {
			if (rnd() & 1) {
				set_reg(&i, 1, R_ECX, 1);      /* CL */
				reg_set(&cpu, R_ECX, 1, cl);
			} else {
				set_imm(&i, 1, cl, 1);
			}
		}
		reg_set(&cpu, d, size, a);
		memcpy(want, cpu.r, sizeof want);
		hf = fin | FL_1;
		r = alu1[t].host(size, a, cl, &hf);
		want_set(want, d, size, r);
		mcount = cl & 31;
		snprintf(in, sizeof in, "a=%#x count=%#x flags_in=%#x", a, cl, fin);
		if (run(&i) >= 0) {
			mismatch(alu1[t].name, size, "%s: unexpected fault", in);
			continue;
		}
		compare(alu1[t].name, size, want, (uint32_t)hf,
			shift ? shift_defined(alu1[t].op, size, mcount) : alu1[t].defined, in);
	}
}

START_TEST(test_host_alu1)
{
	for (unsigned t = 0; t < 4; t++)
		for (unsigned size = 1; size <= 4; size *= 2) {
			rng_seed(100 + t * 16 + size);
			run_alu1(t, size, 0, 4000);
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* Every shift/rotate at every size for every count 0..31. */
START_TEST(test_host_shift)
{
	for (unsigned t = 4; t < sizeof alu1 / sizeof alu1[0]; t++)
		for (unsigned size = 1; size <= 4; size *= 2) {
			rng_seed(200 + t * 16 + size);
			for (unsigned n = 0; n < 32; n++)
				run_alu1(t, size, n, 150);
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* SHLD/SHRD at 16 and 32 bits, counts 0..31.  A 16-bit count above 16 is undefined: not compared. */
START_TEST(test_host_shiftd)
{
	for (int dir = 0; dir < 2; dir++)
		for (unsigned size = 2; size <= 4; size *= 2) {
			rng_seed(300 + dir * 16 + size);
			for (unsigned n = 0; n < 32; n++)
				for (int k = 0; k < 150; k++) {
					struct insn i;
					unsigned d = rnd_reg(0x2), s = rnd_reg(0x2 | (1u << d));
					uint32_t a = rnd_val(size), b = rnd_val(size), want[8], fin, r;
					uint8_t cl = (uint8_t)(n | (rnd() & 0xe0));
					const char *name = dir ? "shrd" : "shld";
					uint32_t mask;
					uint64_t hf;
					char in[96];

					fin = setup_cpu();
					insn_init(&i, dir ? OP_SHRD : OP_SHLD, size);
					set_reg(&i, 0, d, size);
					set_reg(&i, 1, s, size);
					if (rnd() & 1) {
						set_reg(&i, 2, R_ECX, 1);
						reg_set(&cpu, R_ECX, 1, cl);
					} else {
						set_imm(&i, 2, cl, 1);
					}
					reg_set(&cpu, d, size, a);
					reg_set(&cpu, s, size, b);
					memcpy(want, cpu.r, sizeof want);
					hf = fin | FL_1;
					r = dir ? host_shrd(size, a, b, cl, &hf) : host_shld(size, a, b, cl, &hf);
					snprintf(in, sizeof in, "a=%#x b=%#x count=%#x flags_in=%#x", a, b, cl, fin);
					if (run(&i) >= 0) {
						mismatch(name, size, "%s: unexpected fault", in);
						continue;
					}
					if (n > size * 8) {
						/* undefined result: only check that nothing else changed */
						want_set(want, d, size, cpu.r[d]);
						mask = 0;
					} else {
						want_set(want, d, size, r);
						mask = n == 0 ? ALL6 : (FL_CF | FL_SF | FL_ZF | FL_PF | (n == 1 ? FL_OF : 0));
					}
					compare(name, size, want, (uint32_t)hf, mask, in);
				}
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* ---- multiply ------------------------------------------------------------------------------------ */

/* Registers a one-operand MUL/DIV source may use: not the accumulator (AL/AH, AX/EAX, DX/EDX). */
static unsigned md_src_reg(unsigned size)
{
	return size == 1 ? rnd_reg(0x11) : rnd_reg((1u << R_EAX) | (1u << R_EDX) | (1u << R_ESP));
}

START_TEST(test_host_mul)
{
	for (int sgn = 0; sgn < 2; sgn++)
		for (unsigned size = 1; size <= 4; size *= 2) {
			rng_seed(400 + sgn * 16 + size);
			for (int k = 0; k < 4000; k++) {
				struct insn i;
				unsigned s = md_src_reg(size);
				uint32_t a = rnd_val(size), b = rnd_val(size), ax, dx, want[8], fin;
				const char *name = sgn ? "imul1" : "mul";
				uint64_t hf;
				char in[96];

				fin = setup_cpu();
				insn_init(&i, sgn ? OP_IMUL1 : OP_MUL, size);
				set_reg(&i, 0, s, size);
				reg_set(&cpu, R_EAX, size, a);
				reg_set(&cpu, s, size, b);
				ax = cpu.r[R_EAX];
				dx = cpu.r[R_EDX];
				hf = fin | FL_1;
				(sgn ? host_imul1 : host_mul)(size, &ax, &dx, b, &hf);
				memcpy(want, cpu.r, sizeof want);
				want_set(want, R_EAX, size == 1 ? 2 : size, ax);
				if (size > 1)
					want_set(want, R_EDX, size, dx);
				snprintf(in, sizeof in, "a=%#x b=%#x", a, b);
				if (run(&i) >= 0) {
					mismatch(name, size, "%s: unexpected fault", in);
					continue;
				}
				compare(name, size, want, (uint32_t)hf, FL_CF | FL_OF, in);
			}
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* IMUL r, r/m (o[1] = o[0]) and IMUL r, r/m, imm (o[2] immediate); the host runs the 2-operand form,
 * whose arithmetic the 3-operand form shares. */
START_TEST(test_host_imul)
{
	for (unsigned size = 2; size <= 4; size *= 2) {
		rng_seed(500 + size);
		for (int k = 0; k < 8000; k++) {
			struct insn i;
			unsigned d = rnd_reg(0), s = rnd_reg(1u << d);
			uint32_t a = rnd_val(size), b = rnd_val(size), want[8], r;
			int three = k & 1;
			uint64_t hf;
			char in[96];

			hf = setup_cpu() | FL_1;
			insn_init(&i, OP_IMUL, size);
			set_reg(&i, 0, d, size);
			if (three) {
				/* d = s * imm: a goes into s, d holds garbage */
				set_reg(&i, 1, s, size);
				set_imm(&i, 2, b, size);
				reg_set(&cpu, s, size, a);
			} else {
				set_reg(&i, 1, d, size);
				set_reg(&i, 2, s, size);
				reg_set(&cpu, d, size, a);
				reg_set(&cpu, s, size, b);
			}
			memcpy(want, cpu.r, sizeof want);
			r = host_imul2(size, a, b, &hf);
			want_set(want, d, size, r);
			snprintf(in, sizeof in, "%s a=%#x b=%#x", three ? "3-op" : "2-op", a, b);
			if (run(&i) >= 0) {
				mismatch("imul", size, "%s: unexpected fault", in);
				continue;
			}
			compare("imul", size, want, (uint32_t)hf, FL_CF | FL_OF, in);
		}
	}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* ---- divide -------------------------------------------------------------------------------------- */

/* Would the host fault?  Computed with 128-bit arithmetic, independently of muldiv.c. */
static int div_faults(int sgn, unsigned size, uint64_t n, uint32_t d)
{
	unsigned bits = size * 8;

	if (d == 0)
		return 1;
	if (!sgn)
		return (n / d) >> bits != 0;
	{
		__int128 sn = size == 1 ? (int16_t)n : size == 2 ? (int32_t)n : (int64_t)n;
		__int128 sd = size == 1 ? (int8_t)d : size == 2 ? (int16_t)d : (int32_t)d;
		__int128 q = sn / sd, lim = (__int128)1 << (bits - 1);

		return q >= lim || q < -lim;
	}
}

START_TEST(test_host_div)
{
	for (int sgn = 0; sgn < 2; sgn++)
		for (unsigned size = 1; size <= 4; size *= 2) {
			int faults = 0;

			rng_seed(600 + sgn * 16 + size);
			for (int k = 0; k < 6000; k++) {
				struct insn i;
				unsigned s = md_src_reg(size);
				uint32_t lo = rnd_val(size), hi, dv = rnd_val(size), ax, dx, want[8];
				const char *name = sgn ? "idiv" : "div";
				uint64_t n, hf;
				char in[96];
				int vec;

				/* Keep most quotients in range: a high half smaller than the divisor (or, for
				 * IDIV, a sign extension) except one time in four. */
				switch (rnd() & 3) {
				case 0: hi = rnd_val(size); break;
				case 1: hi = dv ? (rnd() % dv) : 0; break;
				case 2: hi = (lo & sign_bit(size)) ? size_mask(size) : 0; break;
				default: hi = dv > 1 ? rnd() % (dv >> 1) : 0; break;
				}
				hf = setup_cpu() | FL_1;
				insn_init(&i, sgn ? OP_IDIV : OP_DIV, size);
				set_reg(&i, 0, s, size);
				if (size == 1) {
					reg_set(&cpu, R_EAX, 2, (hi << 8) | lo);
					n = (hi << 8) | lo;
				} else {
					reg_set(&cpu, R_EAX, size, lo);
					reg_set(&cpu, R_EDX, size, hi);
					n = ((uint64_t)hi << (size * 8)) | lo;
				}
				reg_set(&cpu, s, size, dv);
				memcpy(want, cpu.r, sizeof want);
				snprintf(in, sizeof in, "dividend=%#llx divisor=%#x", (unsigned long long)n, dv);
				if (div_faults(sgn, size, n, dv)) {
					/* #DE, with no register changed */
					faults++;
					vec = run(&i);
					if (vec != EXC_DE)
						mismatch(name, size, "%s: want #DE, got vector %d", in, vec);
					else
						compare(name, size, want, 0, 0, in);
					continue;
				}
				ax = cpu.r[R_EAX];
				dx = cpu.r[R_EDX];
				(sgn ? host_idiv : host_div)(size, &ax, &dx, dv, &hf);
				want_set(want, R_EAX, size == 1 ? 2 : size, ax);
				if (size > 1)
					want_set(want, R_EDX, size, dx);
				vec = run(&i);
				if (vec >= 0) {
					mismatch(name, size, "%s: unexpected fault %d", in, vec);
					continue;
				}
				compare(name, size, want, 0, 0, in);
			}
			/* The generator must exercise both outcomes. */
			ck_assert_int_gt(faults, 100);
			ck_assert_int_lt(faults, 3000);
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

/* ---- bit operations ------------------------------------------------------------------------------ */

static const struct {
	enum op_id op;
	const char *name;
	host2_fn host;
	int writes;
} btops[] = {
	{ OP_BT, "bt", host_bt, 0 },
	{ OP_BTS, "bts", host_bts, 1 },
	{ OP_BTR, "btr", host_btr, 1 },
	{ OP_BTC, "btc", host_btc, 1 },
};

START_TEST(test_host_bt)
{
	for (unsigned t = 0; t < 4; t++)
		for (unsigned size = 2; size <= 4; size *= 2) {
			rng_seed(700 + t * 16 + size);
			for (int k = 0; k < 4000; k++) {
				struct insn i;
				unsigned d = rnd_reg(0), s = rnd_reg(1u << d);
				uint32_t a = rnd_val(size), off = rnd(), want[8], r;
				uint64_t hf;
				char in[96];

				hf = setup_cpu() | FL_1;
				insn_init(&i, btops[t].op, size);
				set_reg(&i, 0, d, size);
				if (rnd() & 1) {
					off &= size_mask(size);
					set_reg(&i, 1, s, size);
					reg_set(&cpu, s, size, off);
				} else {
					off &= 0xff;                   /* BT r/m, imm8 */
					set_imm(&i, 1, off, 1);
				}
				reg_set(&cpu, d, size, a);
				memcpy(want, cpu.r, sizeof want);
				r = btops[t].host(size, a, off, &hf);
				if (btops[t].writes)
					want_set(want, d, size, r);
				snprintf(in, sizeof in, "a=%#x offset=%#x", a, off);
				if (run(&i) >= 0) {
					mismatch(btops[t].name, size, "%s: unexpected fault", in);
					continue;
				}
				compare(btops[t].name, size, want, (uint32_t)hf, FL_CF | FL_ZF, in);
			}
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

START_TEST(test_host_bsf_bsr)
{
	for (int rev = 0; rev < 2; rev++)
		for (unsigned size = 2; size <= 4; size *= 2) {
			rng_seed(800 + rev * 16 + size);
			for (int k = 0; k < 4000; k++) {
				struct insn i;
				unsigned d = rnd_reg(0), s = rnd_reg(1u << d);
				/* sparse sources too, so that every bit index occurs */
				uint32_t src = (k % 8 == 0) ? 0 : (rnd() & 1) ? (1u << (rnd() % (size * 8))) : rnd_val(size);
				uint32_t old = rnd_val(size), want[8], r;
				const char *name = rev ? "bsr" : "bsf";
				uint64_t hf;
				char in[96];

				hf = setup_cpu() | FL_1;
				insn_init(&i, rev ? OP_BSR : OP_BSF, size);
				set_reg(&i, 0, d, size);
				set_reg(&i, 1, s, size);
				reg_set(&cpu, d, size, old);
				reg_set(&cpu, s, size, src);
				memcpy(want, cpu.r, sizeof want);
				r = (rev ? host_bsr : host_bsf)(size, old, src, &hf);
				/* zero source: the destination must stay unchanged, whatever the host does */
				want_set(want, d, size, src ? r : old);
				snprintf(in, sizeof in, "src=%#x", src);
				if (run(&i) >= 0) {
					mismatch(name, size, "%s: unexpected fault", in);
					continue;
				}
				compare(name, size, want, (uint32_t)hf, FL_ZF, in);
			}
		}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

START_TEST(test_host_bswap)
{
	rng_seed(900);
	for (int k = 0; k < 4000; k++) {
		struct insn i;
		unsigned d = rnd_reg(0);
		uint32_t a = rnd(), x = a, want[8];
		uint32_t fin = setup_cpu();

		insn_init(&i, OP_BSWAP, 4);
		set_reg(&i, 0, d, 4);
		cpu.r[d] = a;
		asm("bswap %0" : "+r"(x));
		memcpy(want, cpu.r, sizeof want);
		want[d] = x;
		if (run(&i) >= 0) {
			mismatch("bswap", 4, "unexpected fault");
			continue;
		}
		compare("bswap", 4, want, fin, ALL6, "");
	}
	ck_assert_msg(nfail == 0, "%d mismatches with the host CPU (first ones on stderr)", nfail);
}
END_TEST

Suite *suite_alu_host(void)
{
	Suite *s = suite_create("alu_host");
	TCase *tc = tcase_create("host");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_host_alu2);
	tcase_add_test(tc, test_host_alu1);
	tcase_add_test(tc, test_host_shift);
	tcase_add_test(tc, test_host_shiftd);
	tcase_add_test(tc, test_host_mul);
	tcase_add_test(tc, test_host_imul);
	tcase_add_test(tc, test_host_div);
	tcase_add_test(tc, test_host_bt);
	tcase_add_test(tc, test_host_bsf_bsr);
	tcase_add_test(tc, test_host_bswap);
	suite_add_tcase(s, tc);
	return s;
}
