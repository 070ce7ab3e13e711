/* SPDX-License-Identifier: MIT
 *
 * system.h — protected-mode machinery shared by several instruction families: loading segment registers
 * with their checks (segment.c, SDM vol. 3A 3.4-3.5 and 5.5-5.10), reading descriptors, and the I/O
 * permission check (io.c, SDM vol. 1 18.5 "Protected-mode I/O").
 */
#ifndef REVISOR_SYSTEM_H
#define REVISOR_SYSTEM_H

#include <stdint.h>
#include "cpu.h"

/* Load data/stack segment register s (S_ES, S_SS, S_DS, S_FS, S_GS) with selector sel, performing every
 * check of MOV/POP/LxS (null selector rules, type, DPL/RPL/CPL, present), setting the accessed bit and
 * raising #GP(sel)/#SS(sel)/#NP(sel) as the SDM specifies.  In real mode: base = sel << 4, other cached
 * fields unchanged.  Loading SS also sets c->inhibit_irq. */
void seg_load(struct cpu *c, unsigned s, uint16_t sel);

/* Read the 8-byte descriptor for sel from the GDT or LDT (supervisor access).  Returns 0, or -1 if the
 * selector's index is beyond the table limit (the caller chooses the exception). */
int desc_read(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* Unpack a code/data descriptor into the hidden part of a segment register. */
void desc_unpack(struct seg *s, uint16_t sel, uint32_t lo, uint32_t hi);

/* Set CS from a code descriptor during a far transfer / interrupt / iret; also updates c->cpl. */
void seg_load_cs_raw(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl);

/* Raise #GP(0) unless CPL <= IOPL or the TSS I/O bitmap allows every port in [port, port+size). */
void io_permission(struct cpu *c, uint16_t port, unsigned size);

/* Recompute anything cached from CR0/CR4/CPL/EFLAGS mode bits (TLB flush when paging bits change). */
void cpu_mode_changed(struct cpu *c);

/* ---- internals shared by segment.c, interrupt.c and far.c --------------------------------------------
 * (added by the protected-mode helper; nothing outside these three files needs them) */

/* Descriptor fields from the high dword of a descriptor: bits 40..55 in struct seg's attr layout, and
 * the DPL. */
static inline uint16_t desc_attr(uint32_t hi) { return (uint16_t)((hi >> 8) & 0xf0ffu); }
static inline unsigned desc_dpl(uint32_t hi) { return (hi >> 13) & 3; }

/* Set the accessed bit of sel's descriptor in memory if it is clear (SDM vol. 3A 3.4.5.1); *hi follows. */
void desc_set_accessed(struct cpu *c, uint16_t sel, uint32_t *hi);

/* Does [off, off+len) lie inside segment s?  Expand-up: last byte <= limit; expand-down data: first byte
 * > limit and last byte <= 0xffff or 0xffffffff (by the B bit).  SDM vol. 3A 5.3. */
int seg_limit_ok(const struct seg *s, uint32_t off, unsigned len);

/* A stack that is not necessarily SS:ESP yet.  Interrupt delivery, call gates, IRET and RETF build or
 * read their frames through one of these, writing the frame BEFORE any register is changed: a fault
 * while doing so leaves the interrupted state intact (only memory below the stack pointer is touched). */
struct stk {
	struct seg ss;     /* the stack segment's descriptor cache */
	uint32_t esp;      /* stack pointer; only the low 16 bits move when ss.attr has no B bit */
	int lflags;        /* LIN_SYS or LIN_USER_CPL: privilege of the memory accesses */
	uint32_t err;      /* error code of the #SS raised when the frame does not fit */
};
void stk_current(struct cpu *c, struct stk *k);                        /* SS:ESP as it is now */
void stk_push(struct cpu *c, struct stk *k, unsigned size, uint32_t v);
uint32_t stk_peek(struct cpu *c, const struct stk *k, uint32_t off, unsigned size);  /* at ESP + off */
/* Make k the CPU's stack: SS's cache (if load_ss) and ESP (only SP when the new SS is 16-bit). */
void stk_commit(struct cpu *c, const struct stk *k, int load_ss);

/* The inner stack for privilege level dpl from the current TSS (ss0:esp0, ss1:esp1, ss2:esp2), with the
 * checks of SDM vol. 3A 6.12.1 / 5.8.5: #TS(sel|ext) for a bad SS, #SS(sel|ext) if it is not present. */
void tss_inner_stack(struct cpu *c, unsigned dpl, uint32_t ext, struct stk *k);

/* After IRET/RETF to an outer level: data segment registers the new CPL may not use become null
 * (SDM vol. 3A, IRET/RET pseudocode). */
void seg_null_outer(struct cpu *c);

/* Checks of the CS (and, to an outer level, SS) selector popped by RETF/IRET (far.c).  Raise
 * #GP(sel)/#NP(sel)/#SS(sel) as the SDM's RET and IRET pseudocode specify. */
void ret_check_cs(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi);
void ret_check_ss(struct cpu *c, uint16_t sel, unsigned rpl, uint32_t *lo, uint32_t *hi);

/* Real-mode load of a segment register (base = sel << 4). */
void seg_load_real(struct cpu *c, unsigned s, uint16_t sel);

#endif
