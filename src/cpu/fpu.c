/* SPDX-License-Identifier: MIT
 *
 * fpu.c — the x87 floating-point unit: every D8..DF escape instruction (op_fpu) and FWAIT (op_fwait),
 * following SDM vol. 1 chapter 8 ("Programming with the x87 FPU") and the instruction pages of vol. 2.
 *
 * Shape of the file, top to bottom:
 *   1. the 80-bit format and value classes (what the tag word and FXAM report);
 *   2. the register stack: ST(i) -> physical register, tags, push/pop, stack faults;
 *   3. exceptions: flags, masks, the "masked response", and how the host's x87 computes for us;
 *   4. memory operands: loads and stores in the seven memory formats;
 *   5. the instructions, grouped as the SDM groups them (load/store, arithmetic, compare, control...);
 *   6. the dispatch tables: escape byte x ModRM.reg for memory forms, escape byte x full ModRM for
 *      register forms, and op_fpu itself.
 *
 * The one idea to take away: an x87 instruction is executed on a scratch copy of the FPU state and the
 * copy is committed only when the instruction finished — so a page fault on a memory operand (the last
 * thing an instruction does, cpu.h) leaves the FPU exactly as it was, and the instruction can be
 * restarted.  Arithmetic itself is the host's: on an x86 host `long double` is the 80-bit x87 format and
 * the compiler computes with x87 instructions, so after setting the host's rounding mode to the guest's
 * RC we get the hardware's results and exception flags (fenv.h) for free.  The simplifications of this
 * model are listed in fpu.h.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include "cpu.h"
#include "flags.h"
#include "fpu.h"
#include "insn.h"
#include "mem.h"
#include "operand.h"

/* ---- 1. the 80-bit double-extended format (SDM vol. 1, 4.2.2 and 8.2) ------------------------------
 * Byte 0..7: the 64-bit significand with an EXPLICIT integer bit (bit 63, "J"); bytes 8..9: sign (bit 15)
 * and a 15-bit exponent biased by 16383.  On x86(-64) hosts, long double is exactly this format stored in
 * the first 10 of its 12 or 16 bytes, so converting is a copy.  This is the only place that relies on it. */
_Static_assert(LDBL_MANT_DIG == 64 && LDBL_MAX_EXP == 16384, "long double must be the x87 80-bit format");

long double fpu_from_f80(const uint8_t b[10])
{
	long double v;

	memset(&v, 0, sizeof v);   /* the host's padding bytes: keep them deterministic */
	memcpy(&v, b, 10);
	return v;
}

void fpu_to_f80(long double v, uint8_t b[10])
{
	memcpy(b, &v, 10);
}

static uint64_t f80_mant(long double v)
{
	uint64_t m;

	memcpy(&m, &v, 8);
	return m;
}

static unsigned f80_se(long double v)   /* sign and exponent */
{
	uint16_t se;

	memcpy(&se, (const uint8_t *)&v + 8, 2);
	return se;
}

static long double f80_make(unsigned se, uint64_t mant)
{
	uint8_t b[10];

	memcpy(b, &mant, 8);
	b[8] = (uint8_t)se;
	b[9] = (uint8_t)(se >> 8);
	return fpu_from_f80(b);
}

/* The QNaN "real indefinite": the masked response to an invalid operation (SDM vol. 1, 4.8.3.7). */
static long double indefinite(void)
{
	return f80_make(0xffff, 0xc000000000000000ull);
}

/* Value classes, as FXAM distinguishes them (SDM vol. 2, FXAM; vol. 1, 8.2.2).  "Unsupported" are
 * encodings the 8087/287 allowed but the 387 and later reject: unnormals, pseudo-NaNs, pseudo-infinities
 * (integer bit 0 with a nonzero exponent).  Any arithmetic on them is an invalid operation. */
enum fclass { K_ZERO, K_DENORMAL, K_NORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED };

static enum fclass classify(long double v)
{
	unsigned e = f80_se(v) & 0x7fff;
	uint64_t m = f80_mant(v);

	if (e == 0)
		return m == 0 ? K_ZERO : K_DENORMAL;   /* J = 1 here is a "pseudo-denormal": still a denormal */
	if (!(m >> 63))
		return K_UNSUPPORTED;
	if (e == 0x7fff) {
		if ((m << 1) == 0)
			return K_INF;
		return (m >> 62) & 1 ? K_QNAN : K_SNAN;   /* bit 62 is the "quiet" bit */
	}
	return K_NORMAL;
}

static int is_snan(long double v) { return classify(v) == K_SNAN; }
static int is_denormal(long double v) { return classify(v) == K_DENORMAL; }

/* The tag a value gets when it is written into a register (SDM vol. 1, 8.1.7). */
static unsigned tag_of(long double v)
{
	switch (classify(v)) {
	case K_NORMAL:
		return FTAG_VALID;
	case K_ZERO:
		return FTAG_ZERO;
	default:
		return FTAG_SPECIAL;
	}
}

/* ---- 2. the register stack (SDM vol. 1, 8.1.2) -----------------------------------------------------
 * Eight physical registers R0..R7 used as a circular stack: TOP names the physical register that is ST(0),
 * a push decrements TOP, a pop increments it.  The tag word says which registers are empty; reading an
 * empty register is a stack underflow, pushing onto a non-empty one a stack overflow. */

static void set_tag(struct fpu *f, unsigned phys, unsigned tag)
{
	f->tw = (uint16_t)((f->tw & ~(3u << (2 * phys))) | (tag << (2 * phys)));
}

static int st_empty(const struct fpu *f, unsigned i)
{
	return fpu_tag(f, fpu_phys(f, i)) == FTAG_EMPTY;
}

static long double st(const struct fpu *f, unsigned i)
{
	return f->st[fpu_phys(f, i)];
}

static void st_set(struct fpu *f, unsigned i, long double v)
{
	unsigned p = fpu_phys(f, i);

	f->st[p] = v;
	set_tag(f, p, tag_of(v));
}

static void fpu_pop(struct fpu *f)
{
	set_tag(f, fpu_phys(f, 0), FTAG_EMPTY);
	f->top = (f->top + 1) & 7;
}

static void set_c1(struct fpu *f, int on)
{
	f->sw = (uint16_t)((f->sw & ~FSW_C1) | (on ? FSW_C1 : 0));
}

/* Set C0..C3 at once (C1 is cleared unless cc includes it). */
static void set_cc(struct fpu *f, unsigned cc)
{
	f->sw = (uint16_t)((f->sw & ~FSW_CC) | cc);
}

/* ---- 3. exceptions (SDM vol. 1, 8.4 - 8.7) ----------------------------------------------------------
 * Each of the six exceptions has a flag in the status word (sticky until FNCLEX) and a mask in the
 * control word.  A masked exception gets the "masked response" (a NaN, an infinity, a rounded denormal...)
 * and execution goes on; an unmasked one sets ES ("error summary") and is reported as #MF by the NEXT
 * waiting x87 instruction.  Invalid, denormal and zero-divide are detected before the operation: when
 * unmasked, the destination is left untouched. */

/* ES and B mirror "some exception flag is set whose mask is clear"; recomputed when the CW or SW is
 * reloaded (FLDCW, FLDENV, FRSTOR). */
static void update_es(struct fpu *f)
{
	if (f->sw & ~f->cw & FCW_EXC)
		f->sw |= FSW_ES | FSW_B;
	else
		f->sw &= (uint16_t)~(FSW_ES | FSW_B);
}

/* Record exceptions e (FSW_* bits).  Returns 1 when the instruction should deliver its result, 0 when an
 * unmasked pre-computation exception (IE, DE, ZE) suppresses it — then OE/UE/PE of the result that is
 * not stored are not reported either. */
static int fpu_signal(struct fpu *f, unsigned e)
{
	int stop = (e & ~f->cw & (FSW_IE | FSW_DE | FSW_ZE)) != 0;

	if (stop)
		e &= FSW_IE | FSW_DE | FSW_ZE | FSW_SF;
	f->sw |= (uint16_t)(e & (FSW_EXC | FSW_SF));
	if (e & ~f->cw & FCW_EXC)
		f->sw |= FSW_ES | FSW_B;
	return !stop;
}

/* Stack overflow or underflow: an invalid operation with SF set; C1 = 1 for overflow, 0 for underflow
 * (SDM vol. 1, 8.5.1.1).  Returns 1 when IE is masked (the caller delivers the indefinite). */
static int stack_fault(struct fpu *f, int overflow)
{
	set_c1(f, overflow);
	return fpu_signal(f, FSW_IE | FSW_SF);
}

/* An instruction found an operand register empty: masked response = the indefinite in ST(dst). */
static int underflow(struct fpu *f, unsigned dst)
{
	if (!stack_fault(f, 0))
		return 0;
	st_set(f, dst, indefinite());
	return 1;
}

/* Push v.  On overflow the masked response pushes the indefinite instead; unmasked, nothing changes. */
static int push(struct fpu *f, long double v)
{
	unsigned p = (f->top - 1) & 7;

	set_c1(f, 0);
	if (fpu_tag(f, p) != FTAG_EMPTY) {
		if (!stack_fault(f, 1))
			return 0;
		v = indefinite();
	}
	f->top = (uint8_t)p;
	st_set(f, 0, v);
	return 1;
}

/* Computing on the host.  host_enter() switches the host to the guest's rounding control and clears the
 * host's sticky exception flags; host_leave() reads them back as FSW bits and restores the host's
 * rounding mode, so no guest setting leaks into the VMM.  Operands and results between the two go
 * through `volatile` objects: that pins the arithmetic between the two calls (without it the compiler
 * may move or fold a floating-point operation across fesetround()).  The host flags we can read are IE, ZE,
 * OE, UE, PE; the denormal-operand flag (DE) is not in fenv.h, so callers test operands for it. */
static int host_enter(const struct fpu *f)
{
	static const int mode[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
	int saved = fegetround(), want = mode[(f->cw & FCW_RC) >> FCW_RC_SHIFT];

	if (want != saved)
		fesetround(want);
	/* Clear before, not after: anything the VMM computed in between (statistics in double, libm) may
	 * have left flags that are not the guest's.  (feclearexcept is the expensive call here: once per
	 * operation is enough.) */
	feclearexcept(FE_ALL_EXCEPT);
	return saved;
}

static unsigned host_leave(const struct fpu *f, int saved)
{
	static const int mode[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
	int x = fetestexcept(FE_ALL_EXCEPT);

	if (mode[(f->cw & FCW_RC) >> FCW_RC_SHIFT] != saved)
		fesetround(saved);
	return (x & FE_INVALID ? FSW_IE : 0) | (x & FE_DIVBYZERO ? FSW_ZE : 0) | (x & FE_OVERFLOW ? FSW_OE : 0) |
	       (x & FE_UNDERFLOW ? FSW_UE : 0) | (x & FE_INEXACT ? FSW_PE : 0);
}

/* The operations done by the host.  Binary ones compute f(a, b). */
enum hop {
	H_ADD, H_SUB, H_MUL, H_DIV,
	H_SQRT, H_RNDINT, H_SCALE, H_F2XM1, H_SIN, H_COS, H_TAN,
	H_YL2X, H_YL2XP1, H_PATAN,
};

static unsigned host_calc(const struct fpu *f, enum hop op, long double a, long double b, long double *res)
{
	volatile long double va = a, vb = b, vr = 0;
	int saved = host_enter(f);

	switch (op) {
	case H_ADD:    vr = va + vb; break;
	case H_SUB:    vr = va - vb; break;
	case H_MUL:    vr = va * vb; break;
	case H_DIV:    vr = va / vb; break;
	case H_SQRT:   vr = sqrtl(va); break;
	case H_RNDINT: vr = rintl(va); break;                 /* rounds per the (guest) rounding mode */
	case H_SCALE:  vr = scalbnl(va, (int)vb); break;      /* b: an integer, clamped by the caller */
	case H_F2XM1:  vr = expm1l(va * 0.693147180559945309417232121458176568L); break;   /* 2^a - 1 */
	case H_SIN:    vr = sinl(va); break;
	case H_COS:    vr = cosl(va); break;
	case H_TAN:    vr = tanl(va); break;
	case H_YL2X:   vr = va * log2l(vb); break;             /* a = ST(1) = y, b = ST(0) = x */
	case H_YL2XP1: vr = va * (log1pl(vb) * 1.442695040888963407359924681001892137L); break;
	case H_PATAN:  vr = atan2l(va, vb); break;
	}
	*res = vr;
	return host_leave(f, saved);
}

static unsigned denormal2(long double a, long double b)
{
	return is_denormal(a) || is_denormal(b) ? FSW_DE : 0;
}

/* ---- 4. memory operands (SDM vol. 1, 8.2: the x87 data types) -------------------------------------- */
enum mfmt { MF_F32, MF_F64, MF_F80, MF_I16, MF_I32, MF_I64, MF_BCD };
static const unsigned mfmt_size[] = { 4, 8, 10, 2, 4, 8, 10 };

/* Widen a single- or double-precision value.  The host conversion quiets an SNaN and reports IE exactly
 * as FLD m32fp/m64fp does; a denormal source is a denormal-operand exception (DE). */
static long double widen(const struct fpu *f, uint64_t bits, int dbl, unsigned *e)
{
	volatile float vf = 0;
	volatile double vd = 0;
	volatile long double vr;
	int saved;

	if (dbl) {
		double d;
		memcpy(&d, &bits, 8);
		vd = d;
		if (fpclassify(d) == FP_SUBNORMAL)
			*e |= FSW_DE;
	} else {
		uint32_t b32 = (uint32_t)bits;
		float x;
		memcpy(&x, &b32, 4);
		vf = x;
		if (fpclassify(x) == FP_SUBNORMAL)
			*e |= FSW_DE;
	}
	saved = host_enter(f);
	vr = dbl ? (long double)vd : (long double)vf;
	*e |= host_leave(f, saved);
	return vr;
}

/* Narrow to single or double precision, rounding per RC (IE for SNaN, OE, UE, PE as FST reports them). */
static uint64_t narrow(const struct fpu *f, long double v, int dbl, unsigned *e)
{
	volatile long double vv = v;
	volatile float vf;
	volatile double vd;
	uint64_t bits = 0;
	int saved = host_enter(f);

	if (dbl)
		vd = vv;
	else
		vf = vv;
	*e |= host_leave(f, saved);
	if (dbl) {
		double d = vd;
		memcpy(&bits, &d, 8);
	} else {
		float x = vf;
		memcpy(&bits, &x, 4);
	}
	return bits;
}

/* Round to a signed integer of `bits` bits by RC (FIST) or toward zero (FISTTP).  NaN, infinity and
 * out-of-range values are invalid; the masked response is the "integer indefinite", the most negative
 * number.  C1 tells whether the inexact result was rounded up in magnitude (SDM vol. 2, FIST). */
static uint64_t to_int(struct fpu *f, long double v, unsigned bits, int chop, unsigned *e)
{
	long double lim = ldexpl(1.0L, (int)bits - 1), r;
	volatile long double vv = v, vr;
	int saved = host_enter(f);

	vr = chop ? truncl(vv) : rintl(vv);
	host_leave(f, saved);            /* exactness is decided below, from the values */
	r = vr;
	if (isnan(v) || classify(v) == K_UNSUPPORTED || !(r >= -lim && r < lim)) {
		*e |= FSW_IE;
		return 1ull << (bits - 1);
	}
	if (r != v) {
		*e |= FSW_PE;
		set_c1(f, fabsl(r) > fabsl(v));
	}
	return (uint64_t)(int64_t)r;
}

/* Packed BCD (SDM vol. 1, 4.7): 18 digits, two per byte from byte 0 up, sign in bit 7 of byte 9. */
static long double from_bcd(const uint8_t *b)
{
	int64_t n = 0;

	for (int k = 8; k >= 0; k--)
		n = n * 100 + (b[k] >> 4) * 10 + (b[k] & 15);
	return (b[9] & 0x80) ? -(long double)n : (long double)n;   /* -0 for a negative zero, as FBLD */
}

static void to_bcd(struct fpu *f, long double v, uint8_t *b, unsigned *e)
{
	volatile long double vv = v, vr;
	int saved = host_enter(f);
	long double r;
	uint64_t n;

	vr = rintl(vv);
	host_leave(f, saved);
	r = vr;
	memset(b, 0, 10);
	if (isnan(v) || classify(v) == K_UNSUPPORTED || !(fabsl(r) < 1e18L)) {
		*e |= FSW_IE;
		b[7] = 0xc0, b[8] = 0xff, b[9] = 0xff;     /* the packed-BCD indefinite */
		return;
	}
	if (r != v)
		*e |= FSW_PE;
	n = (uint64_t)fabsl(r);
	for (int k = 0; k < 9; k++, n /= 100)
		b[k] = (uint8_t)((n % 10) | ((n / 10 % 10) << 4));
	if (signbit(r))
		b[9] = 0x80;
}

/* Read the memory operand in format fmt, as an extended-precision value; *e collects its exceptions. */
static long double mem_load(struct cpu *c, const struct insn *i, const struct fpu *f, unsigned fmt, unsigned *e)
{
	uint32_t ea = insn_ea(c, i);
	uint8_t b[10];

	switch (fmt) {
	case MF_F32:
		return widen(f, seg_read(c, i->seg, ea, 4), 0, e);
	case MF_F64:
		return widen(f, seg_read64(c, i->seg, ea), 1, e);
	case MF_F80:
		seg_read_buf(c, i->seg, ea, b, 10);
		return fpu_from_f80(b);        /* loaded as is: no SNaN or denormal check for m80 (FLD) */
	case MF_I16:
		return (int16_t)seg_read(c, i->seg, ea, 2);
	case MF_I32:
		return (int32_t)seg_read(c, i->seg, ea, 4);
	case MF_I64:
		return (int64_t)seg_read64(c, i->seg, ea);   /* exact: 64-bit significand */
	default:
		seg_read_buf(c, i->seg, ea, b, 10);
		return from_bcd(b);
	}
}

/* Convert v to format fmt and write it: the last step of a store, the only one that may still fault.
 * An unmasked IE, OE or UE means memory is not written (SDM vol. 1, 8.5.3-8.5.5); returns 0 then. */
static int mem_store(struct cpu *c, const struct insn *i, struct fpu *f, unsigned fmt, long double v, int chop)
{
	static const unsigned ibits[] = { [MF_I16] = 16, [MF_I32] = 32, [MF_I64] = 64 };
	uint8_t b[10];
	uint64_t x = 0;
	unsigned e = 0;

	switch (fmt) {
	case MF_F32:
	case MF_F64:
		x = narrow(f, v, fmt == MF_F64, &e);
		break;
	case MF_F80:
		break;
	case MF_I16:
	case MF_I32:
	case MF_I64:
		x = to_int(f, v, ibits[fmt], chop, &e);
		break;
	default:
		to_bcd(f, v, b, &e);
		break;
	}
	if (!fpu_signal(f, e) || (e & ~f->cw & (FSW_OE | FSW_UE)))
		return 0;
	if (fmt == MF_F80)
		fpu_to_f80(v, b);
	else if (fmt != MF_BCD)
		memcpy(b, &x, 8);             /* little-endian host, little-endian guest */
	seg_write_buf(c, i->seg, insn_ea(c, i), b, mfmt_size[fmt]);
	return 1;
}

/* ---- 5. the instructions ---------------------------------------------------------------------------
 * Every handler gets the scratch FPU state f and its table entry (argument and memory format). */
struct fpu_op;
typedef void fpu_fn(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op);

struct fpu_op {
	const char *name;   /* Intel mnemonic and operands: the table doubles as documentation */
	fpu_fn *fn;         /* NULL: undefined encoding, #UD */
	uint8_t arg;        /* handler-specific: arithmetic op, host op, pop count, condition... */
	uint8_t fmt;        /* memory format (enum mfmt) */
	uint8_t flags;
};
#define F_NOWAIT 1      /* an FNxxx instruction: does not report pending exceptions first (SDM vol. 1, 8.3.12) */
#define F_CTRL   2      /* control instruction: leaves FIP/FDP/FOP alone (SDM vol. 1, 8.1.8) */
#define F_SSE3   4      /* FISTTP: an SSE3 instruction, #UD unless CPUID advertises SSE3 */

/* CPUID (system.c) describes a P6 without SSE3, where FISTTP is an invalid opcode.  The implementation
 * is kept (and unit-tested by flipping this) for when the CPUID model grows. */
int fpu_have_sse3 = 0;

#define STI(i) ((i)->modrm & 7u)   /* the ST(i) of a register form */

/* ---- loads and stores (SDM vol. 1, 8.3.3) */

/* FLD m32fp/m64fp/m80fp, FILD m16/m32/m64int, FBLD m80bcd */
static void fld_mem(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	unsigned e = 0;
	long double v = mem_load(c, i, f, op->fmt, &e);

	if (fpu_signal(f, e))
		push(f, v);
}

/* FLD ST(i): ST(i) is read before the push moves the numbering. */
static void fld_sti(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double v = st(f, STI(i));

	if (st_empty(f, STI(i))) {
		if (!stack_fault(f, 0))
			return;
		v = indefinite();
	}
	push(f, v);
}

/* FST/FSTP m32fp/m64fp/m80fp, FIST/FISTP m16/m32/m64int, FISTTP (arg bit 2: chop), FBSTP. arg bit 1: pop */
#define ST_POP  1
#define ST_CHOP 2
static void fst_mem(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double v = st(f, 0);

	set_c1(f, 0);
	if (st_empty(f, 0)) {
		if (!stack_fault(f, 0))
			return;
		v = indefinite();      /* stored as the indefinite of the destination format */
	}
	if (mem_store(c, i, f, op->fmt, v, op->arg & ST_CHOP) && (op->arg & ST_POP))
		fpu_pop(f);
}

/* FST ST(i) / FSTP ST(i) (arg: pop) */
static void fst_sti(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	set_c1(f, 0);
	if (st_empty(f, 0)) {
		if (!underflow(f, STI(i)))
			return;
	} else {
		st_set(f, STI(i), st(f, 0));
	}
	if (op->arg)
		fpu_pop(f);
}

/* FXCH ST(i) */
static void fxch(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	unsigned s = STI(i);
	long double a, b;

	set_c1(f, 0);
	if (st_empty(f, 0) || st_empty(f, s)) {
		if (!stack_fault(f, 0))
			return;
		if (st_empty(f, 0))
			st_set(f, 0, indefinite());
		if (st_empty(f, s))
			st_set(f, s, indefinite());
	}
	a = st(f, 0), b = st(f, s);
	st_set(f, 0, b);
	st_set(f, s, a);
}

/* FCMOVcc ST(0), ST(i): arg is the EFLAGS condition (B, E, BE, U = P, and their negations). */
static void fcmov(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	set_c1(f, 0);
	if (st_empty(f, 0) || st_empty(f, STI(i))) {
		underflow(f, 0);
		return;
	}
	if (cpu_cond(c, op->arg))
		st_set(f, 0, st(f, STI(i)));
}

/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ.  The x87 holds these constants with 66 bits and
 * rounds them to 64 per RC (SDM vol. 1, 8.3.5): we keep the truncated significand and whether rounding to
 * nearest goes up; all are positive, so "up" adds one ulp to an inexact constant. */
static const struct { uint16_t se; uint64_t mant; uint8_t inexact, nearest_up; } constants[] = {
	{ 0x3fff, 0x8000000000000000ull, 0, 0 },   /* +1.0 */
	{ 0x4000, 0xd49a784bcd1b8afeull, 1, 0 },   /* log2(10) */
	{ 0x3fff, 0xb8aa3b295c17f0bbull, 1, 1 },   /* log2(e) */
	{ 0x4000, 0xc90fdaa22168c234ull, 1, 1 },   /* pi */
	{ 0x3ffd, 0x9a209a84fbcff798ull, 1, 1 },   /* log10(2) */
	{ 0x3ffe, 0xb17217f7d1cf79abull, 1, 1 },   /* ln(2) */
	{ 0x0000, 0x0000000000000000ull, 0, 0 },   /* +0.0 */
};

static void fld_const(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	unsigned rc = (f->cw & FCW_RC) >> FCW_RC_SHIFT;
	uint64_t m = constants[op->arg].mant;

	if (constants[op->arg].inexact && (rc == RC_UP || (rc == RC_NEAREST && constants[op->arg].nearest_up)))
		m++;
	push(f, f80_make(constants[op->arg].se, m));
}

/* ---- basic arithmetic (SDM vol. 1, 8.3.6).  The reg field of D8/DC/DE/DA orders them like this. */
enum { A_ADD, A_MUL, A_COM, A_COMP, A_SUB, A_SUBR, A_DIV, A_DIVR };
#define A_POP 0x10

/* ST(d) = a op b.  SUBR and DIVR are the "reversed" forms: b - a, b / a.  Returns 0 if suppressed. */
static int arith(struct fpu *f, unsigned op, unsigned d, long double a, long double b)
{
	static const enum hop hop[] = { [A_ADD] = H_ADD, [A_MUL] = H_MUL, [A_SUB] = H_SUB, [A_SUBR] = H_SUB,
		                        [A_DIV] = H_DIV, [A_DIVR] = H_DIV };
	long double r;
	unsigned e;

	if (op == A_SUBR || op == A_DIVR) {
		long double t = a;
		a = b, b = t;
	}
	e = host_calc(f, hop[op], a, b, &r) | denormal2(a, b);
	set_c1(f, 0);
	if (!fpu_signal(f, e))
		return 0;
	st_set(f, d, r);
	return 1;
}

static int compare_st0(struct fpu *f, long double b, int b_empty, int quiet, unsigned e);
static void compare_done(struct cpu *c, struct fpu *f, unsigned cmpflags, int rel);

/* FADD/FMUL/FCOM/FCOMP/FSUB/FSUBR/FDIV/FDIVR m32fp/m64fp and FIADD/.../FIDIVR m16int/m32int:
 * ST(0) = ST(0) op m (the compares set condition codes instead). */
static void arith_mem(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	unsigned e = 0;
	long double m = mem_load(c, i, f, op->fmt, &e);

	if (op->arg == A_COM || op->arg == A_COMP) {
		compare_done(c, f, op->arg == A_COMP ? 1 : 0, compare_st0(f, m, 0, 0, e));
		return;
	}
	if (st_empty(f, 0)) {
		underflow(f, 0);
		return;
	}
	if (fpu_signal(f, e))       /* an SNaN or denormal m32fp/m64fp source */
		arith(f, op->arg, 0, st(f, 0), m);
}

/* D8 C0..FF: FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR ST(0), ST(i) */
static void arith_st0_sti(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	if (st_empty(f, 0) || st_empty(f, STI(i))) {
		underflow(f, 0);
		return;
	}
	arith(f, op->arg, 0, st(f, 0), st(f, STI(i)));
}

/* DC and DE: FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR ST(i), ST(0) and the popping FxxxP forms. */
static void arith_sti_st0(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	unsigned s = STI(i);
	int done;

	if (st_empty(f, 0) || st_empty(f, s))
		done = underflow(f, s);
	else
		done = arith(f, op->arg & 7, s, st(f, s), st(f, 0));
	if (done && (op->arg & A_POP))
		fpu_pop(f);
}

/* ---- comparisons (SDM vol. 1, 8.3.7 and table 8-6) */
#define CC_GT 0
#define CC_LT FSW_C0
#define CC_EQ FSW_C3
#define CC_UN (FSW_C3 | FSW_C2 | FSW_C0)
#define CMP_POP    0x03   /* how many pops after the compare */
#define CMP_QUIET  0x04   /* FUCOM*: only SNaNs are invalid */
#define CMP_EFLAGS 0x08   /* FCOMI*: result in ZF, PF, CF */

/* The relation of a to b as C3 C2 C0, or -1 when an unmasked invalid/denormal exception stops the
 * instruction.  e carries exceptions of loading b. */
static int compare(struct fpu *f, long double a, long double b, int quiet, unsigned e)
{
	int rel;

	if (isnan(a) || isnan(b) || classify(a) == K_UNSUPPORTED || classify(b) == K_UNSUPPORTED) {
		if (!quiet || is_snan(a) || is_snan(b) || classify(a) == K_UNSUPPORTED ||
		    classify(b) == K_UNSUPPORTED)
			e |= FSW_IE;
		rel = CC_UN;
	} else {
		e |= denormal2(a, b);
		rel = a < b ? CC_LT : a > b ? CC_GT : CC_EQ;   /* ordered host compares: exact, no flags */
	}
	return fpu_signal(f, e) ? rel : -1;
}

/* Compare ST(0) with b.  An empty ST(0) (or b_empty: an empty ST(i)) is a stack underflow whose masked
 * response is "unordered". */
static int compare_st0(struct fpu *f, long double b, int b_empty, int quiet, unsigned e)
{
	if (st_empty(f, 0) || b_empty)
		return stack_fault(f, 0) ? (int)CC_UN : -1;
	return compare(f, st(f, 0), b, quiet, e);
}

/* Deliver a compare's relation: condition codes, or EFLAGS for FCOMI; then the pops. */
static void compare_done(struct cpu *c, struct fpu *f, unsigned cmpflags, int rel)
{
	if (rel < 0)
		return;
	if (cmpflags & CMP_EFLAGS) {
		/* FCOMI: ZF = C3, PF = C2, CF = C0; OF, SF, AF cleared (SDM vol. 2, FCOMI). */
		flags_update(c, FL_ZF | FL_PF | FL_CF | FL_OF | FL_SF | FL_AF,
		             (rel & FSW_C3 ? FL_ZF : 0) | (rel & FSW_C2 ? FL_PF : 0) | (rel & FSW_C0 ? FL_CF : 0));
		set_c1(f, 0);
	} else {
		set_cc(f, (unsigned)rel);
	}
	for (unsigned k = 0; k < (cmpflags & CMP_POP); k++)
		fpu_pop(f);
}

/* FCOM/FCOMP/FUCOM/FUCOMP ST(i), FCOMPP, FUCOMPP, FCOMI/FCOMIP/FUCOMI/FUCOMIP ST(0), ST(i) */
static void fcom_sti(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	unsigned s = STI(i);

	compare_done(c, f, op->arg, compare_st0(f, st(f, s), st_empty(f, s), op->arg & CMP_QUIET, 0));
}

/* FTST: compare ST(0) with +0.0 */
static void ftst(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	compare_done(c, f, 0, compare_st0(f, 0.0L, 0, 0, 0));
}

/* FXAM: classify ST(0) into C3 C2 C0, sign into C1 (SDM vol. 2, FXAM table). Never faults. */
static void fxam(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	static const unsigned cc[] = {
		[K_UNSUPPORTED] = 0, [K_QNAN] = FSW_C0, [K_SNAN] = FSW_C0, [K_NORMAL] = FSW_C2,
		[K_INF] = FSW_C2 | FSW_C0, [K_ZERO] = FSW_C3, [K_DENORMAL] = FSW_C3 | FSW_C2,
	};
	long double x = st(f, 0);
	unsigned r = st_empty(f, 0) ? FSW_C3 | FSW_C0 : cc[classify(x)];

	set_cc(f, r | ((f80_se(x) & 0x8000) ? FSW_C1 : 0));
}

/* ---- one-operand arithmetic on ST(0): FCHS, FABS (arg: what to do with the sign bit) */
static void fsign(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double x = st(f, 0);

	set_c1(f, 0);
	if (st_empty(f, 0)) {
		underflow(f, 0);
		return;
	}
	st_set(f, 0, f80_make(op->arg ? (f80_se(x) & 0x7fff) : (f80_se(x) ^ 0x8000), f80_mant(x)));
}

/* FSQRT, FRNDINT, F2XM1, and FSIN/FCOS (arg: host op).  The trigonometric ones accept |x| < 2^63 only:
 * beyond, C2 = 1 ("incomplete reduction") and ST(0) is unchanged (SDM vol. 2, FSIN). */
static int out_of_trig_range(struct fpu *f, long double x)
{
	int out = isfinite(x) && fabsl(x) >= 0x1p63L;

	f->sw = (uint16_t)((f->sw & ~FSW_C2) | (out ? FSW_C2 : 0));
	return out;
}

static void unary(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double x = st(f, 0), r;
	unsigned e;

	if (st_empty(f, 0)) {
		underflow(f, 0);
		return;
	}
	if ((op->arg == H_SIN || op->arg == H_COS) && out_of_trig_range(f, x))
		return;
	e = host_calc(f, op->arg, x, 0, &r) | denormal2(x, 0);
	set_c1(f, 0);
	if (fpu_signal(f, e))
		st_set(f, 0, r);
}

/* FPTAN (ST(0) = tan, then push 1.0) and FSINCOS (ST(0) = sin, then push cos): arg is H_TAN or H_SIN. */
static void ftan_sincos(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double x = st(f, 0), r1, r2 = 1.0L;
	unsigned e;

	if (st_empty(f, 0)) {
		underflow(f, 0);
		return;
	}
	if (!st_empty(f, 7)) {              /* no room for the second result */
		if (stack_fault(f, 1)) {
			st_set(f, 0, indefinite());
			push(f, indefinite());
		}
		return;
	}
	if (out_of_trig_range(f, x))
		return;
	e = host_calc(f, op->arg, x, 0, &r1) | denormal2(x, 0);
	if (op->arg == H_SIN)
		e |= host_calc(f, H_COS, x, 0, &r2);
	set_c1(f, 0);
	if (fpu_signal(f, e)) {
		st_set(f, 0, r1);
		push(f, r2);
	}
}

/* FYL2X, FYL2XP1, FPATAN: ST(1) = f(ST(1), ST(0)), then pop. */
static void binary_pop(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double r;
	unsigned e;

	if (st_empty(f, 0) || st_empty(f, 1)) {
		if (underflow(f, 1))
			fpu_pop(f);
		return;
	}
	e = host_calc(f, op->arg, st(f, 1), st(f, 0), &r) | denormal2(st(f, 0), st(f, 1));
	set_c1(f, 0);
	if (fpu_signal(f, e)) {
		st_set(f, 1, r);
		fpu_pop(f);
	}
}

/* FSCALE: ST(0) = ST(0) * 2^trunc(ST(1)) (SDM vol. 2, FSCALE, including its table of special cases). */
static void fscale(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double a = st(f, 0), b = st(f, 1), r;
	unsigned e;

	if (st_empty(f, 0) || st_empty(f, 1)) {
		underflow(f, 0);
		return;
	}
	if (isnan(a) || isnan(b) || classify(a) == K_UNSUPPORTED || classify(b) == K_UNSUPPORTED) {
		e = host_calc(f, H_ADD, a, b, &r);         /* NaN propagation, IE for SNaN: same rule as FADD */
	} else if (isinf(b)) {
		e = 0;
		if (b > 0 ? a == 0 : isinf(a))            /* 0 * 2^+inf and inf * 2^-inf are invalid */
			e = FSW_IE, r = indefinite();
		else
			r = b > 0 ? copysignl(INFINITY, a) : copysignl(0.0L, a);
	} else {
		long double n = truncl(b);
		n = n > 65536 ? 65536 : n < -65536 ? -65536 : n;   /* beyond, the result is inf or 0 anyway */
		e = host_calc(f, H_SCALE, a, n, &r) | denormal2(a, b);
	}
	set_c1(f, 0);
	if (fpu_signal(f, e))
		st_set(f, 0, r);
}

/* FPREM (arg 0: quotient chopped, the 8087's) and FPREM1 (arg 1: rounded to nearest, IEEE 754's
 * remainder).  When the exponents differ by 64 or more only a partial remainder is computed and C2 = 1:
 * software loops until C2 = 0.  On completion C0, C3, C1 get the quotient's bits 2, 1, 0. */
static void fprem(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	volatile long double va = st(f, 0), vb = st(f, 1), vr, vn;
	long double a = va, b = vb;
	unsigned cc = 0, e;
	int quo = 0, saved;

	if (st_empty(f, 0) || st_empty(f, 1)) {
		underflow(f, 0);
		return;
	}
	saved = host_enter(f);
	if (!isfinite(a) || !isfinite(b) || a == 0 || b == 0 || classify(a) == K_UNSUPPORTED ||
	    classify(b) == K_UNSUPPORTED) {
		vr = op->arg ? remainderl(va, vb) : fmodl(va, vb);   /* the special cases, as the host's x87 does */
	} else if (ilogbl(a) - ilogbl(b) >= 64) {
		/* Partial: reduce by b * 2^(d - 63), so the next exponent difference is below 64. */
		vr = fmodl(va, scalbnl(vb, ilogbl(a) - ilogbl(b) - 63));
		cc = FSW_C2;
	} else {
		vn = remquol(va, vb, &quo);                  /* nearest quotient's low bits */
		vr = op->arg ? vn : fmodl(va, vb);
		quo = quo < 0 ? -quo : quo;
		if (vr != vn)
			quo--;                               /* the chopped quotient is one less */
		cc = (quo & 4 ? FSW_C0 : 0) | (quo & 2 ? FSW_C3 : 0) | (quo & 1 ? FSW_C1 : 0);
	}
	e = host_leave(f, saved) & (FSW_IE | FSW_UE);       /* the remainder itself is exact */
	e |= denormal2(a, b);
	if (fpu_signal(f, e)) {
		set_cc(f, cc);
		st_set(f, 0, vr);
	}
}

/* FXTRACT: split ST(0) into exponent (left in ST(1)) and significand (pushed as ST(0)). */
static void fxtract(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	long double x = st(f, 0), ex, sig;
	unsigned e = 0;

	if (st_empty(f, 0)) {
		underflow(f, 0);
		return;
	}
	if (!st_empty(f, 7)) {
		if (stack_fault(f, 1)) {
			st_set(f, 0, indefinite());
			push(f, indefinite());
		}
		return;
	}
	switch (classify(x)) {
	case K_ZERO:
		e = FSW_ZE, ex = -INFINITY, sig = x;      /* SDM: zero-divide, exponent -inf */
		break;
	case K_INF:
		ex = INFINITY, sig = x;
		break;
	case K_DENORMAL:
	case K_NORMAL:
		e = denormal2(x, 0);
		ex = logbl(x);                          /* exact, denormals included */
		sig = scalbnl(x, -(int)ex);
		break;
	default:                                        /* NaNs and unsupported: propagate / invalid */
		e = host_calc(f, H_ADD, x, x, &sig);
		ex = sig;
		break;
	}
	set_c1(f, 0);
	if (fpu_signal(f, e)) {
		st_set(f, 0, ex);
		push(f, sig);
	}
}

/* ---- control and environment (SDM vol. 1, 8.3.10 and 8.1.10) */

/* FNINIT's state (SDM vol. 1, table 8-3): registers keep their bits but are all tagged empty. */
void fpu_reset(struct fpu *f)
{
	f->cw = FCW_DEFAULT;
	f->sw = 0;
	f->top = 0;
	f->tw = 0xffff;
	f->fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
}

static void fninit(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	fpu_reset(f);
}

/* FNCLEX: clear the exception flags, SF, ES and B; C0..C3 stay. */
static void fnclex(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	f->sw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
}

static void fnop(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
}

/* FNSTSW AX */
static void fnstsw_ax(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	reg_set(c, R_EAX, 2, fpu_status_word(f));
}

/* FNSTSW m16 (arg 0) and FNSTCW m16 (arg 1) */
static void fnstsw_cw(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	seg_write(c, i->seg, insn_ea(c, i), 2, op->arg ? f->cw : fpu_status_word(f));
}

/* FLDCW m16: bit 6 reads as 1, bits 13..15 as 0 (reserved).  Unmasking a pending exception makes the
 * next waiting instruction raise #MF. */
static void fldcw(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	f->cw = (uint16_t)((seg_read(c, i->seg, insn_ea(c, i), 2) & 0x1f3f) | 0x0040);
	update_es(f);
}

static void ffree(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	set_tag(f, fpu_phys(f, STI(i)), FTAG_EMPTY);
	if (op->arg)                                    /* FFREEP (AMD-documented, DF C0+i) */
		fpu_pop(f);
}

/* FINCSTP (arg 1) / FDECSTP (arg 7): rotate TOP without touching tags. */
static void fincdecstp(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	f->top = (f->top + op->arg) & 7;
	set_c1(f, 0);
}

/* The environment image (SDM vol. 1, figures 8-9 to 8-12): control, status and tag words, then the last
 * instruction and operand pointers — offset and selector in protected mode, a 20- or 32-bit linear
 * address with FOP in real mode.  14 bytes with a 16-bit operand size, 28 with 32. */
static unsigned env_store(const struct cpu *c, const struct insn *i, const struct fpu *f, uint8_t *b)
{
	uint32_t w[7];
	unsigned tw = 0;

	/* The stored tag word is derived from the registers' contents (except empty), SDM vol. 1, 8.1.7. */
	for (unsigned p = 0; p < 8; p++)
		tw |= (fpu_tag(f, p) == FTAG_EMPTY ? FTAG_EMPTY : tag_of(f->st[p])) << (2 * p);
	w[0] = f->cw, w[1] = fpu_status_word(f), w[2] = tw;
	if (cpu_pmode(c)) {
		w[3] = f->fip;
		w[4] = f->fcs | (i->osz == 4 ? (uint32_t)(f->fop & 0x7ff) << 16 : 0);
		w[5] = f->fdp;
		w[6] = f->fds;
	} else {
		uint32_t ip = f->fip + ((uint32_t)f->fcs << 4), dp = f->fdp + ((uint32_t)f->fds << 4);
		w[3] = ip & 0xffff;
		w[4] = ((ip >> 16) << 12) | (f->fop & 0x7ffu);
		w[5] = dp & 0xffff;
		w[6] = (dp >> 16) << 12;
	}
	for (unsigned k = 0; k < 7; k++) {
		if (i->osz == 4)
			memcpy(b + 4 * k, &w[k], 4);
		else
			b[2 * k] = (uint8_t)w[k], b[2 * k + 1] = (uint8_t)(w[k] >> 8);
	}
	return i->osz == 4 ? 28 : 14;
}

/* Load an environment image; returns the image's tag word (applied by retag() once registers are in). */
static unsigned env_load(const struct cpu *c, const struct insn *i, struct fpu *f, const uint8_t *b)
{
	uint32_t w[7];

	for (unsigned k = 0; k < 7; k++) {
		if (i->osz == 4)
			memcpy(&w[k], b + 4 * k, 4);
		else
			w[k] = b[2 * k] | (uint32_t)b[2 * k + 1] << 8;
	}
	f->cw = (uint16_t)((w[0] & 0x1f3f) | 0x0040);
	f->sw = (uint16_t)(w[1] & ~FSW_TOP);
	f->top = (w[1] & FSW_TOP) >> FSW_TOP_SHIFT;
	if (cpu_pmode(c)) {
		f->fip = w[3], f->fcs = (uint16_t)w[4], f->fdp = w[5], f->fds = (uint16_t)w[6];
		f->fop = i->osz == 4 ? (w[4] >> 16) & 0x7ff : 0;
	} else {
		f->fip = (w[3] & 0xffff) | ((w[4] >> 12) << 16), f->fcs = 0;
		f->fdp = (w[5] & 0xffff) | ((w[6] >> 12) << 16), f->fds = 0;
		f->fop = w[4] & 0x7ff;
	}
	update_es(f);
	return w[2] & 0xffff;
}

/* Only "empty or not" is taken from a loaded tag word; the rest is re-derived from the registers. */
static void retag(struct fpu *f, unsigned tw)
{
	for (unsigned p = 0; p < 8; p++)
		set_tag(f, p, ((tw >> (2 * p)) & 3) == FTAG_EMPTY ? FTAG_EMPTY : tag_of(f->st[p]));
}

/* FNSTENV: store the environment, then mask all exceptions (so a #MF handler can use the FPU). */
static void fnstenv(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	uint8_t b[28];
	unsigned len = env_store(c, i, f, b);

	f->cw |= FCW_EXC;
	update_es(f);
	seg_write_buf(c, i->seg, insn_ea(c, i), b, len);
}

static void fldenv(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	uint8_t b[28];

	seg_read_buf(c, i->seg, insn_ea(c, i), b, i->osz == 4 ? 28 : 14);
	retag(f, env_load(c, i, f, b));
}

/* FNSAVE: environment plus ST(0)..ST(7) in stack order (80 bytes), then FNINIT. */
static void fnsave(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	uint8_t b[28 + 80];
	unsigned len = env_store(c, i, f, b);

	for (unsigned k = 0; k < 8; k++)
		fpu_to_f80(st(f, k), b + len + 10 * k);
	fpu_reset(f);
	seg_write_buf(c, i->seg, insn_ea(c, i), b, len + 80);
}

static void frstor(struct cpu *c, const struct insn *i, struct fpu *f, const struct fpu_op *op)
{
	uint8_t b[28 + 80];
	unsigned len = i->osz == 4 ? 28 : 14, tw;

	seg_read_buf(c, i->seg, insn_ea(c, i), b, len + 80);
	tw = env_load(c, i, f, b);                      /* sets TOP, so ST(k) below is the image's */
	for (unsigned k = 0; k < 8; k++)
		f->st[fpu_phys(f, k)] = fpu_from_f80(b + len + 10 * k);
	retag(f, tw);
}

/* ---- 6. dispatch -----------------------------------------------------------------------------------
 * Memory forms are selected by escape byte and ModRM.reg; register forms (mod = 11) by escape byte and
 * the whole ModRM byte, since several reg values there are groups of distinct instructions (D9 E0..FF).
 * The undocumented register aliases every IA-32 FPU executes (FSTP1, FCOM2, FXCH4...) are listed too,
 * matching what the decoder accepts (decode_tables.c). */
#define MEM(esc, reg)   [(esc) - 0xd8][reg]
#define REG(esc, modrm) [(esc) - 0xd8][(modrm) - 0xc0]
#define REG8(esc, modrm) [(esc) - 0xd8][(modrm) - 0xc0 ... (modrm) - 0xc0 + 7]   /* modrm + i, i = 0..7 */
#define NW_CTRL (F_NOWAIT | F_CTRL)

static const struct fpu_op mem_forms[8][8] = {
	/* D8: ST(0) = ST(0) op m32fp */
	MEM(0xd8, 0) = { "fadd m32fp",   arith_mem, A_ADD,  MF_F32, 0 },
	MEM(0xd8, 1) = { "fmul m32fp",   arith_mem, A_MUL,  MF_F32, 0 },
	MEM(0xd8, 2) = { "fcom m32fp",   arith_mem, A_COM,  MF_F32, 0 },
	MEM(0xd8, 3) = { "fcomp m32fp",  arith_mem, A_COMP, MF_F32, 0 },
	MEM(0xd8, 4) = { "fsub m32fp",   arith_mem, A_SUB,  MF_F32, 0 },
	MEM(0xd8, 5) = { "fsubr m32fp",  arith_mem, A_SUBR, MF_F32, 0 },
	MEM(0xd8, 6) = { "fdiv m32fp",   arith_mem, A_DIV,  MF_F32, 0 },
	MEM(0xd8, 7) = { "fdivr m32fp",  arith_mem, A_DIVR, MF_F32, 0 },
	/* D9: single-precision load/store and the environment */
	MEM(0xd9, 0) = { "fld m32fp",    fld_mem,   0,      MF_F32, 0 },
	MEM(0xd9, 2) = { "fst m32fp",    fst_mem,   0,      MF_F32, 0 },
	MEM(0xd9, 3) = { "fstp m32fp",   fst_mem,   ST_POP, MF_F32, 0 },
	MEM(0xd9, 4) = { "fldenv m14/28byte", fldenv, 0,    0,      F_CTRL },
	MEM(0xd9, 5) = { "fldcw m2byte", fldcw,     0,      0,      F_CTRL },
	MEM(0xd9, 6) = { "fnstenv m14/28byte", fnstenv, 0,  0,      NW_CTRL },
	MEM(0xd9, 7) = { "fnstcw m2byte", fnstsw_cw, 1,     0,      NW_CTRL },
	/* DA: ST(0) = ST(0) op m32int */
	MEM(0xda, 0) = { "fiadd m32int", arith_mem, A_ADD,  MF_I32, 0 },
	MEM(0xda, 1) = { "fimul m32int", arith_mem, A_MUL,  MF_I32, 0 },
	MEM(0xda, 2) = { "ficom m32int", arith_mem, A_COM,  MF_I32, 0 },
	MEM(0xda, 3) = { "ficomp m32int", arith_mem, A_COMP, MF_I32, 0 },
	MEM(0xda, 4) = { "fisub m32int", arith_mem, A_SUB,  MF_I32, 0 },
	MEM(0xda, 5) = { "fisubr m32int", arith_mem, A_SUBR, MF_I32, 0 },
	MEM(0xda, 6) = { "fidiv m32int", arith_mem, A_DIV,  MF_I32, 0 },
	MEM(0xda, 7) = { "fidivr m32int", arith_mem, A_DIVR, MF_I32, 0 },
	/* DB: 32-bit integer and extended-precision load/store */
	MEM(0xdb, 0) = { "fild m32int",  fld_mem,   0,      MF_I32, 0 },
	MEM(0xdb, 1) = { "fisttp m32int", fst_mem,  ST_POP | ST_CHOP, MF_I32, F_SSE3 },
	MEM(0xdb, 2) = { "fist m32int",  fst_mem,   0,      MF_I32, 0 },
	MEM(0xdb, 3) = { "fistp m32int", fst_mem,   ST_POP, MF_I32, 0 },
	MEM(0xdb, 5) = { "fld m80fp",    fld_mem,   0,      MF_F80, 0 },
	MEM(0xdb, 7) = { "fstp m80fp",   fst_mem,   ST_POP, MF_F80, 0 },
	/* DC: ST(0) = ST(0) op m64fp */
	MEM(0xdc, 0) = { "fadd m64fp",   arith_mem, A_ADD,  MF_F64, 0 },
	MEM(0xdc, 1) = { "fmul m64fp",   arith_mem, A_MUL,  MF_F64, 0 },
	MEM(0xdc, 2) = { "fcom m64fp",   arith_mem, A_COM,  MF_F64, 0 },
	MEM(0xdc, 3) = { "fcomp m64fp",  arith_mem, A_COMP, MF_F64, 0 },
	MEM(0xdc, 4) = { "fsub m64fp",   arith_mem, A_SUB,  MF_F64, 0 },
	MEM(0xdc, 5) = { "fsubr m64fp",  arith_mem, A_SUBR, MF_F64, 0 },
	MEM(0xdc, 6) = { "fdiv m64fp",   arith_mem, A_DIV,  MF_F64, 0 },
	MEM(0xdc, 7) = { "fdivr m64fp",  arith_mem, A_DIVR, MF_F64, 0 },
	/* DD: double-precision load/store, whole-state save/restore, status word */
	MEM(0xdd, 0) = { "fld m64fp",    fld_mem,   0,      MF_F64, 0 },
	MEM(0xdd, 1) = { "fisttp m64int", fst_mem,  ST_POP | ST_CHOP, MF_I64, F_SSE3 },
	MEM(0xdd, 2) = { "fst m64fp",    fst_mem,   0,      MF_F64, 0 },
	MEM(0xdd, 3) = { "fstp m64fp",   fst_mem,   ST_POP, MF_F64, 0 },
	MEM(0xdd, 4) = { "frstor m94/108byte", frstor, 0,   0,      F_CTRL },
	MEM(0xdd, 6) = { "fnsave m94/108byte", fnsave, 0,   0,      NW_CTRL },
	MEM(0xdd, 7) = { "fnstsw m2byte", fnstsw_cw, 0,     0,      NW_CTRL },
	/* DE: ST(0) = ST(0) op m16int */
	MEM(0xde, 0) = { "fiadd m16int", arith_mem, A_ADD,  MF_I16, 0 },
	MEM(0xde, 1) = { "fimul m16int", arith_mem, A_MUL,  MF_I16, 0 },
	MEM(0xde, 2) = { "ficom m16int", arith_mem, A_COM,  MF_I16, 0 },
	MEM(0xde, 3) = { "ficomp m16int", arith_mem, A_COMP, MF_I16, 0 },
	MEM(0xde, 4) = { "fisub m16int", arith_mem, A_SUB,  MF_I16, 0 },
	MEM(0xde, 5) = { "fisubr m16int", arith_mem, A_SUBR, MF_I16, 0 },
	MEM(0xde, 6) = { "fidiv m16int", arith_mem, A_DIV,  MF_I16, 0 },
	MEM(0xde, 7) = { "fidivr m16int", arith_mem, A_DIVR, MF_I16, 0 },
	/* DF: 16- and 64-bit integers, packed BCD */
	MEM(0xdf, 0) = { "fild m16int",  fld_mem,   0,      MF_I16, 0 },
	MEM(0xdf, 1) = { "fisttp m16int", fst_mem,  ST_POP | ST_CHOP, MF_I16, F_SSE3 },
	MEM(0xdf, 2) = { "fist m16int",  fst_mem,   0,      MF_I16, 0 },
	MEM(0xdf, 3) = { "fistp m16int", fst_mem,   ST_POP, MF_I16, 0 },
	MEM(0xdf, 4) = { "fbld m80bcd",  fld_mem,   0,      MF_BCD, 0 },
	MEM(0xdf, 5) = { "fild m64int",  fld_mem,   0,      MF_I64, 0 },
	MEM(0xdf, 6) = { "fbstp m80bcd", fst_mem,   ST_POP, MF_BCD, 0 },
	MEM(0xdf, 7) = { "fistp m64int", fst_mem,   ST_POP, MF_I64, 0 },
};

static const struct fpu_op reg_forms[8][64] = {
	/* D8: ST(0) = ST(0) op ST(i) */
	REG8(0xd8, 0xc0) = { "fadd st(0),st(i)",  arith_st0_sti, A_ADD,  0, 0 },
	REG8(0xd8, 0xc8) = { "fmul st(0),st(i)",  arith_st0_sti, A_MUL,  0, 0 },
	REG8(0xd8, 0xd0) = { "fcom st(i)",        fcom_sti,      0,      0, 0 },
	REG8(0xd8, 0xd8) = { "fcomp st(i)",       fcom_sti,      1,      0, 0 },
	REG8(0xd8, 0xe0) = { "fsub st(0),st(i)",  arith_st0_sti, A_SUB,  0, 0 },
	REG8(0xd8, 0xe8) = { "fsubr st(0),st(i)", arith_st0_sti, A_SUBR, 0, 0 },
	REG8(0xd8, 0xf0) = { "fdiv st(0),st(i)",  arith_st0_sti, A_DIV,  0, 0 },
	REG8(0xd8, 0xf8) = { "fdivr st(0),st(i)", arith_st0_sti, A_DIVR, 0, 0 },
	/* D9: stack, constants, one-operand arithmetic, transcendentals */
	REG8(0xd9, 0xc0) = { "fld st(i)",   fld_sti,    0,        0, 0 },
	REG8(0xd9, 0xc8) = { "fxch st(i)",  fxch,       0,        0, 0 },
	REG(0xd9, 0xd0)  = { "fnop",        fnop,       0,        0, 0 },
	REG8(0xd9, 0xd8) = { "fstp1 st(i) (alias of fstp st(i))", fst_sti, 1, 0, 0 },
	REG(0xd9, 0xe0)  = { "fchs",        fsign,      0,        0, 0 },
	REG(0xd9, 0xe1)  = { "fabs",        fsign,      1,        0, 0 },
	REG(0xd9, 0xe4)  = { "ftst",        ftst,       0,        0, 0 },
	REG(0xd9, 0xe5)  = { "fxam",        fxam,       0,        0, 0 },
	REG(0xd9, 0xe8)  = { "fld1",        fld_const,  0,        0, 0 },
	REG(0xd9, 0xe9)  = { "fldl2t",      fld_const,  1,        0, 0 },
	REG(0xd9, 0xea)  = { "fldl2e",      fld_const,  2,        0, 0 },
	REG(0xd9, 0xeb)  = { "fldpi",       fld_const,  3,        0, 0 },
	REG(0xd9, 0xec)  = { "fldlg2",      fld_const,  4,        0, 0 },
	REG(0xd9, 0xed)  = { "fldln2",      fld_const,  5,        0, 0 },
	REG(0xd9, 0xee)  = { "fldz",        fld_const,  6,        0, 0 },
	REG(0xd9, 0xf0)  = { "f2xm1",       unary,      H_F2XM1,  0, 0 },
	REG(0xd9, 0xf1)  = { "fyl2x",       binary_pop, H_YL2X,   0, 0 },
	REG(0xd9, 0xf2)  = { "fptan",       ftan_sincos, H_TAN,   0, 0 },
	REG(0xd9, 0xf3)  = { "fpatan",      binary_pop, H_PATAN,  0, 0 },
	REG(0xd9, 0xf4)  = { "fxtract",     fxtract,    0,        0, 0 },
	REG(0xd9, 0xf5)  = { "fprem1",      fprem,      1,        0, 0 },
	REG(0xd9, 0xf6)  = { "fdecstp",     fincdecstp, 7,        0, 0 },
	REG(0xd9, 0xf7)  = { "fincstp",     fincdecstp, 1,        0, 0 },
	REG(0xd9, 0xf8)  = { "fprem",       fprem,      0,        0, 0 },
	REG(0xd9, 0xf9)  = { "fyl2xp1",     binary_pop, H_YL2XP1, 0, 0 },
	REG(0xd9, 0xfa)  = { "fsqrt",       unary,      H_SQRT,   0, 0 },
	REG(0xd9, 0xfb)  = { "fsincos",     ftan_sincos, H_SIN,   0, 0 },
	REG(0xd9, 0xfc)  = { "frndint",     unary,      H_RNDINT, 0, 0 },
	REG(0xd9, 0xfd)  = { "fscale",      fscale,     0,        0, 0 },
	REG(0xd9, 0xfe)  = { "fsin",        unary,      H_SIN,    0, 0 },
	REG(0xd9, 0xff)  = { "fcos",        unary,      H_COS,    0, 0 },
	/* DA: conditional moves on EFLAGS (P6), FUCOMPP.  arg = the Jcc condition number. */
	REG8(0xda, 0xc0) = { "fcmovb st(0),st(i)",  fcmov, 0x2, 0, 0 },
	REG8(0xda, 0xc8) = { "fcmove st(0),st(i)",  fcmov, 0x4, 0, 0 },
	REG8(0xda, 0xd0) = { "fcmovbe st(0),st(i)", fcmov, 0x6, 0, 0 },
	REG8(0xda, 0xd8) = { "fcmovu st(0),st(i)",  fcmov, 0xa, 0, 0 },
	REG(0xda, 0xe9)  = { "fucompp",             fcom_sti, CMP_QUIET | 2, 0, 0 },
	/* DB: the negated conditional moves, control, FCOMI/FUCOMI */
	REG8(0xdb, 0xc0) = { "fcmovnb st(0),st(i)",  fcmov, 0x3, 0, 0 },
	REG8(0xdb, 0xc8) = { "fcmovne st(0),st(i)",  fcmov, 0x5, 0, 0 },
	REG8(0xdb, 0xd0) = { "fcmovnbe st(0),st(i)", fcmov, 0x7, 0, 0 },
	REG8(0xdb, 0xd8) = { "fcmovnu st(0),st(i)",  fcmov, 0xb, 0, 0 },
	REG(0xdb, 0xe0)  = { "fneni (8087 only: nop)",   fnop,   0, 0, NW_CTRL },
	REG(0xdb, 0xe1)  = { "fndisi (8087 only: nop)",  fnop,   0, 0, NW_CTRL },
	REG(0xdb, 0xe2)  = { "fnclex",                   fnclex, 0, 0, NW_CTRL },
	REG(0xdb, 0xe3)  = { "fninit",                   fninit, 0, 0, NW_CTRL },
	REG(0xdb, 0xe4)  = { "fnsetpm (287 only: nop)",  fnop,   0, 0, NW_CTRL },
	REG8(0xdb, 0xe8) = { "fucomi st(0),st(i)", fcom_sti, CMP_EFLAGS | CMP_QUIET, 0, 0 },
	REG8(0xdb, 0xf0) = { "fcomi st(0),st(i)",  fcom_sti, CMP_EFLAGS,             0, 0 },
	/* DC: ST(i) = ST(i) op ST(0).  Note the swapped mnemonics: DC E0+i is FSUBR, computing ST(0) - ST(i). */
	REG8(0xdc, 0xc0) = { "fadd st(i),st(0)",  arith_sti_st0, A_ADD,  0, 0 },
	REG8(0xdc, 0xc8) = { "fmul st(i),st(0)",  arith_sti_st0, A_MUL,  0, 0 },
	REG8(0xdc, 0xd0) = { "fcom2 st(i) (alias of fcom)",   fcom_sti, 0, 0, 0 },
	REG8(0xdc, 0xd8) = { "fcomp3 st(i) (alias of fcomp)", fcom_sti, 1, 0, 0 },
	REG8(0xdc, 0xe0) = { "fsubr st(i),st(0)", arith_sti_st0, A_SUBR, 0, 0 },
	REG8(0xdc, 0xe8) = { "fsub st(i),st(0)",  arith_sti_st0, A_SUB,  0, 0 },
	REG8(0xdc, 0xf0) = { "fdivr st(i),st(0)", arith_sti_st0, A_DIVR, 0, 0 },
	REG8(0xdc, 0xf8) = { "fdiv st(i),st(0)",  arith_sti_st0, A_DIV,  0, 0 },
	/* DD: register moves and unordered compares */
	REG8(0xdd, 0xc0) = { "ffree st(i)",  ffree,    0,             0, 0 },
	REG8(0xdd, 0xc8) = { "fxch4 st(i) (alias of fxch)", fxch, 0,  0, 0 },
	REG8(0xdd, 0xd0) = { "fst st(i)",    fst_sti,  0,             0, 0 },
	REG8(0xdd, 0xd8) = { "fstp st(i)",   fst_sti,  1,             0, 0 },
	REG8(0xdd, 0xe0) = { "fucom st(i)",  fcom_sti, CMP_QUIET,     0, 0 },
	REG8(0xdd, 0xe8) = { "fucomp st(i)", fcom_sti, CMP_QUIET | 1, 0, 0 },
	/* DE: the popping forms ST(i) = ST(i) op ST(0), pop; FCOMPP */
	REG8(0xde, 0xc0) = { "faddp st(i),st(0)",  arith_sti_st0, A_ADD | A_POP,  0, 0 },
	REG8(0xde, 0xc8) = { "fmulp st(i),st(0)",  arith_sti_st0, A_MUL | A_POP,  0, 0 },
	REG8(0xde, 0xd0) = { "fcomp5 st(i) (alias of fcomp)", fcom_sti, 1,        0, 0 },
	REG(0xde, 0xd9)  = { "fcompp",             fcom_sti,      2,              0, 0 },
	REG8(0xde, 0xe0) = { "fsubrp st(i),st(0)", arith_sti_st0, A_SUBR | A_POP, 0, 0 },
	REG8(0xde, 0xe8) = { "fsubp st(i),st(0)",  arith_sti_st0, A_SUB | A_POP,  0, 0 },
	REG8(0xde, 0xf0) = { "fdivrp st(i),st(0)", arith_sti_st0, A_DIVR | A_POP, 0, 0 },
	REG8(0xde, 0xf8) = { "fdivp st(i),st(0)",  arith_sti_st0, A_DIV | A_POP,  0, 0 },
	/* DF: FNSTSW AX and the popping FCOMIP/FUCOMIP */
	REG8(0xdf, 0xc0) = { "ffreep st(i)",        ffree,    1,                          0, 0 },
	REG8(0xdf, 0xc8) = { "fxch7 st(i) (alias of fxch)", fxch, 0,                      0, 0 },
	REG8(0xdf, 0xd0) = { "fstp8 st(i) (alias of fstp)", fst_sti, 1,                   0, 0 },
	REG8(0xdf, 0xd8) = { "fstp9 st(i) (alias of fstp)", fst_sti, 1,                   0, 0 },
	REG(0xdf, 0xe0)  = { "fnstsw ax",           fnstsw_ax, 0,                         0, NW_CTRL },
	REG8(0xdf, 0xe8) = { "fucomip st(0),st(i)", fcom_sti, CMP_EFLAGS | CMP_QUIET | 1, 0, 0 },
	REG8(0xdf, 0xf0) = { "fcomip st(0),st(i)",  fcom_sti, CMP_EFLAGS | 1,             0, 0 },
};

/* The table entry for a decoded escape instruction (also useful to a disassembler or a debugger). */
static const struct fpu_op *fpu_lookup(const struct insn *i)
{
	unsigned esc = (i->opc - 0xd8u) & 7;

	if (i->modrm >= 0xc0)
		return &reg_forms[esc][i->modrm - 0xc0];
	return &mem_forms[esc][(i->modrm >> 3) & 7];
}

/* A pending unmasked exception is reported when the next waiting x87 instruction (or FWAIT) starts
 * (SDM vol. 1, 8.6): as #MF with CR0.NE = 1; with NE = 0 a PC would raise IRQ 13 through FERR#, which
 * revisor does not wire, so the error stays pending (fpu.h). */
static void report_pending(struct cpu *c)
{
	if ((c->fpu.sw & FSW_ES) && (c->cr0 & CR0_NE))
		cpu_fault_noerr(c, EXC_MF);
}

void op_fpu(struct cpu *c, const struct insn *i)
{
	const struct fpu_op *op = fpu_lookup(i);
	struct fpu f;

	/* #NM first: with EM set the OS emulates the x87; with TS set it switches FPU contexts lazily
	 * (SDM vol. 3A, 2.5 and 13.4). */
	if (c->cr0 & (CR0_EM | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	if (i->opc < 0xd8 || !op->fn || ((op->flags & F_SSE3) && !fpu_have_sse3))
		cpu_ud(c);
	if (!(op->flags & F_NOWAIT))
		report_pending(c);

	f = c->fpu;                   /* work on a copy: a fault in op->fn leaves c->fpu untouched */
	op->fn(c, i, &f, op);
	if (!(op->flags & F_CTRL)) {
		/* FIP/FCS, FOP (low 3 bits of the escape + ModRM) and FDP/FDS locate the last non-control
		 * instruction for an exception handler (SDM vol. 1, 8.1.8 and 8.1.9). */
		f.fip = c->prev_eip;
		f.fcs = c->seg[S_CS].sel;
		f.fop = (uint16_t)(((i->opc & 7u) << 8) | i->modrm);
		if (i->modrm < 0xc0) {
			f.fdp = insn_ea(c, i);
			f.fds = c->seg[i->seg].sel;
		}
	}
	c->fpu = f;
}

/* FWAIT: #NM only when both MP and TS are set (it is how a task switch is noticed by code that only
 * waits), then report a pending unmasked exception (SDM vol. 2, WAIT/FWAIT; vol. 3A table 2-2). */
void op_fwait(struct cpu *c, const struct insn *i)
{
	if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		cpu_fault_noerr(c, EXC_NM);
	report_pending(c);
}
