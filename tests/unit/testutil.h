/* SPDX-License-Identifier: MIT
 *
 * testutil.h — a tiny machine for unit tests: 16 MiB of RAM, the CPU in 32-bit flat protected mode at
 * CPL 0 with paging off, a GDT, an IDT whose every vector lands on a HLT "catcher", and a TSS.  Tests put
 * code somewhere, run it until it halts, and inspect the CPU.
 *
 * Memory map:   0x1000 GDT   0x2000 IDT   0x3000 TSS   0x4000.. exception catchers (16 bytes per vector,
 *               each `hlt`)   0x10000.. free for test code   0x80000 initial ESP (ring-0 stack)
 *               0x70000 ring-3 stack (ESP for tm_enter_ring3)
 * GDT selectors: see TM_* below.
 */
#ifndef REVISOR_TESTUTIL_H
#define REVISOR_TESTUTIL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include "machine.h"
#include "cpu/cpu.h"
#include "cpu/mem.h"

#define TM_CODE32   0x08  /* ring-0 code, base 0, 4 GiB, 32-bit */
#define TM_DATA32   0x10  /* ring-0 data, base 0, 4 GiB */
#define TM_UCODE32  0x1b  /* ring-3 code (RPL 3) */
#define TM_UDATA32  0x23  /* ring-3 data (RPL 3) */
#define TM_CODE16   0x28  /* ring-0 code, base 0, 64 KiB, 16-bit */
#define TM_DATA16   0x30  /* ring-0 data, base 0, 64 KiB, 16-bit */
#define TM_TSS      0x38  /* 32-bit TSS at 0x3000, esp0 = 0x80000, ss0 = TM_DATA32 */
#define TM_LIMDATA  0x40  /* ring-0 data, base 0x20000, limit 0xfff (byte granular) */
#define TM_IDT_HANDLER(v) (0x4000u + 16u * (v))
#define TM_CODE     0x10000u

struct machine *tm_new(void);                  /* fresh machine as described above */
void tm_real_mode(struct machine *m);          /* switch the CPU to real mode, CS=DS=ES=SS=0 */
void tm_free(struct machine *m);
/* Load a segment register's descriptor cache directly (selector, base, byte limit, attribute bits). */
void tm_set_seg(struct cpu *c, unsigned s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr);
void tm_load(struct machine *m, uint32_t addr, const void *bytes, size_t len);  /* physical */
/* Load code at TM_CODE and run from there until HLT or max_insns instructions; returns the number of
 * instructions retired.  A `hlt` at the end of the test code stops it. */
uint64_t tm_run(struct machine *m, const void *code, size_t len, uint64_t max_insns);
/* After tm_run: the exception vector whose catcher was reached (-1 if none).  For vectors with an error
 * code, *err gets it (from the catcher's stack) when err is not NULL. */
int tm_exception(struct machine *m, uint32_t *err);

struct insn;
/* Execute one decoded instruction at CS:EIP the way the run loop does (EIP advanced first, retired
 * instructions counted), outside the run loop.  Returns -1, or the vector of the fault it raised —
 * after which EIP and ESP are back at their values before the instruction; nothing is delivered. */
int tm_exec(struct machine *m, const struct insn *i);

/* For tests that call memory-access or handler functions directly (Check's ck_* must be in scope):
 * run stmt expecting a fault with vector vec and error code err, or expecting no fault at all. */
#define EXPECT_FAULT(c, stmt, vec, err) do {                                              \
		jmp_buf jb_;                                                                  \
		(c)->fault_jmp = &jb_;                                                        \
		if (setjmp(jb_) == 0) {                                                       \
			stmt;                                                                 \
			ck_abort_msg("no fault from %s", #stmt);                              \
		}                                                                             \
		(c)->fault_jmp = NULL;                                                        \
		ck_assert_int_eq((c)->fault_vec, (vec));                                      \
		ck_assert_uint_eq((c)->fault_err, (err));                                     \
	} while (0)

#define NO_FAULT(c, stmt) do {                                                            \
		jmp_buf jb_;                                                                  \
		(c)->fault_jmp = &jb_;                                                        \
		if (setjmp(jb_) == 0) {                                                       \
			stmt;                                                                 \
		} else {                                                                      \
			ck_abort_msg("unexpected fault %d (err %#x) from %s", (c)->fault_vec,  \
				     (c)->fault_err, #stmt);                                  \
		}                                                                             \
		(c)->fault_jmp = NULL;                                                        \
	} while (0)

#endif
