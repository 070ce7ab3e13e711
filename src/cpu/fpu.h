/* SPDX-License-Identifier: MIT
 *
 * fpu.h — the x87 floating-point unit (SDM vol. 1, chapter 8): bits of its control, status and tag words,
 * and the few entry points other parts of revisor need.  The instructions themselves (every D8..DF escape,
 * and FWAIT) are op_fpu and op_fwait in fpu.c; the register file is struct fpu in cpu.h.
 *
 * Model and its documented simplifications:
 *  - Registers are host `long double`, which on x86 hosts IS the 80-bit double-extended format, and the
 *    arithmetic is done by the host's own x87 under the guest's rounding control (RC), so results,
 *    NaN propagation and the QNaN "indefinite" are bit-exact with hardware for + - * / sqrt, rounding,
 *    conversions and compares.  Transcendentals (fsin, fpatan, fyl2x...) use the host libm and may differ
 *    from a real x87 in the last bit.
 *  - Precision control (PC, control word bits 8..9) is IGNORED: every result is rounded to the 64-bit
 *    significand, as if PC = 11b (the power-on default and what compilers leave it at on Linux).
 *  - An unmasked invalid, zero-divide or denormal exception leaves the destination unchanged, as on
 *    hardware.  An unmasked overflow/underflow of an arithmetic result delivers the masked result
 *    (hardware would store it with a re-biased exponent); stores to memory are suppressed as on hardware.
 *  - C1 is set for stack overflow (1) / underflow (0) and for "rounded up" by integer stores; other
 *    instructions clear it.
 *  - With CR0.NE = 0 a pending unmasked exception would be reported through the FERR# pin and IRQ 13 on
 *    a PC; revisor does not wire that pin, so the error stays pending in the status word (ES) and the
 *    instruction proceeds.  With CR0.NE = 1 the next waiting x87 instruction raises #MF (SDM vol. 1, 8.7).
 */
#ifndef REVISOR_FPU_H
#define REVISOR_FPU_H

#include <stdint.h>
#include "cpu.h"

/* Status word (SDM vol. 1, 8.1.3). struct fpu keeps TOP separately in fpu.top, not in fpu.sw. */
#define FSW_IE   0x0001u  /* invalid operation */
#define FSW_DE   0x0002u  /* denormal operand */
#define FSW_ZE   0x0004u  /* zero divide */
#define FSW_OE   0x0008u  /* overflow */
#define FSW_UE   0x0010u  /* underflow */
#define FSW_PE   0x0020u  /* precision (inexact result) */
#define FSW_SF   0x0040u  /* stack fault: IE caused by stack overflow (C1=1) or underflow (C1=0) */
#define FSW_ES   0x0080u  /* error summary: some unmasked exception is pending */
#define FSW_C0   0x0100u
#define FSW_C1   0x0200u
#define FSW_C2   0x0400u
#define FSW_TOP  0x3800u  /* top-of-stack pointer, bits 11..13 */
#define FSW_TOP_SHIFT 11
#define FSW_C3   0x4000u
#define FSW_B    0x8000u  /* busy: a copy of ES kept for 8087 compatibility */
#define FSW_EXC  0x003fu  /* the six exception flags */
#define FSW_CC   (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* Control word (SDM vol. 1, 8.1.5).  Mask bits line up with the status word's exception flags. */
#define FCW_IM   0x0001u
#define FCW_DM   0x0002u
#define FCW_ZM   0x0004u
#define FCW_OM   0x0008u
#define FCW_UM   0x0010u
#define FCW_PM   0x0020u
#define FCW_EXC  0x003fu  /* all six masks */
#define FCW_PC   0x0300u  /* precision control (ignored, see above) */
#define FCW_RC   0x0c00u  /* rounding control */
#define FCW_RC_SHIFT 10
#define FCW_X    0x1000u  /* infinity control, meaningless since the 387 */
#define FCW_DEFAULT 0x037fu  /* after FNINIT: all masked, 64-bit precision, round to nearest */

/* Rounding control values (SDM vol. 1, table 4-8). */
#define RC_NEAREST 0
#define RC_DOWN    1  /* toward -infinity */
#define RC_UP      2  /* toward +infinity */
#define RC_CHOP    3  /* toward zero */

/* Tag values, two bits per physical register R0..R7 (SDM vol. 1, 8.1.7). */
#define FTAG_VALID   0
#define FTAG_ZERO    1
#define FTAG_SPECIAL 2  /* NaN, infinity, denormal or unsupported format */
#define FTAG_EMPTY   3

/* Put the FPU in the state FNINIT leaves it in: CW 037Fh, SW 0 (TOP 0), every register empty, pointers
 * and opcode cleared (SDM vol. 1, table 8-3).  cpu_reset() calls it. */
void fpu_reset(struct fpu *f);

/* The status word as FNSTSW stores it: fpu.sw with TOP folded in. */
static inline uint16_t fpu_status_word(const struct fpu *f)
{
	return (uint16_t)((f->sw & ~FSW_TOP) | ((unsigned)(f->top & 7) << FSW_TOP_SHIFT));
}

/* ST(i) as a physical register number, and its tag. */
static inline unsigned fpu_phys(const struct fpu *f, unsigned i) { return (f->top + i) & 7; }
static inline unsigned fpu_tag(const struct fpu *f, unsigned phys) { return (f->tw >> (2 * phys)) & 3; }

/* FISTTP is SSE3; revisor's CPUID describes a P6 without it, so this is 0 and FISTTP raises #UD. */
extern int fpu_have_sse3;

/* The 80-bit memory format <-> host long double (also used by the debugger's register view). */
long double fpu_from_f80(const uint8_t b[10]);
void fpu_to_f80(long double v, uint8_t b[10]);

#endif
