/* SPDX-License-Identifier: MIT
 *
 * segment.c — segment registers: reading and unpacking descriptors, loading DS/ES/FS/GS/SS with every
 * protected-mode check (MOV Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS), the CS load used by far transfers, and
 * the small "stack that is not SS:ESP yet" helpers that interrupt delivery, call gates, IRET and RETF
 * share.
 *
 * The idea to take away (SDM vol. 3A 3.4.3 "Segment registers", 5.5-5.8 "Privilege levels"): a segment
 * register has a visible part (the selector) and a hidden descriptor cache (base, limit, attributes)
 * filled when the selector is loaded.  Every protection check happens at load time; afterwards memory
 * accesses only compare offsets with the cached limit.  That is also why segment loads are "sensitive":
 * a VMM that lets a guest kernel run at ring 1 must fake what the guest reads back (the lecture's
 * "x86 is not classically virtualizable" slide).
 *
 * Conventions: error codes of selector faults are the selector with its RPL bits cleared (those two bits
 * mean EXT and IDT in an error code, SDM 6.13).  A null selector loaded into DS/ES/FS/GS gets attr = 0:
 * the memory-access code treats "DESC_P clear" as "unusable" and raises #GP(0) on use.
 */
#include "system.h"
#include "mem.h"
#include "operand.h"

/* ---- descriptors ------------------------------------------------------------------------------------ */

/* Linear address of sel's descriptor, or -1 if its index lies beyond the GDT/LDT limit. */
static int64_t desc_addr(struct cpu *c, uint16_t sel)
{
	uint32_t base, limit, idx = sel & SEL_INDEX;

	if (sel & SEL_TI) {
		/* An unusable LDTR (null, or never loaded) has no entries at all. */
		if (!(c->seg[S_LDTR].attr & DESC_P))
			return -1;
		base = c->seg[S_LDTR].base;
		limit = c->seg[S_LDTR].limit;
	} else {
		base = c->gdtr.base;
		limit = c->gdtr.limit;
	}
	if (idx + 7 > limit)
		return -1;
	return (uint32_t)(base + idx);
}

int desc_read(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	int64_t a = desc_addr(c, sel);

	if (a < 0)
		return -1;
	/* Descriptor-table reads are implicit supervisor accesses whatever the CPL (SDM 4.6.1). */
	*lo = lin_read(c, (uint32_t)a, 4, LIN_SYS);
	*hi = lin_read(c, (uint32_t)a + 4, 4, LIN_SYS);
	return 0;
}

void desc_unpack(struct seg *s, uint16_t sel, uint32_t lo, uint32_t hi)
{
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);

	if (hi & (DESC_G << 8))
		limit = (limit << 12) | 0xfff;   /* 4 KiB granularity: the low 12 bits are all ones */
	s->sel = sel;
	s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
	s->limit = limit;
	s->attr = desc_attr(hi);
}

void desc_set_accessed(struct cpu *c, uint16_t sel, uint32_t *hi)
{
	int64_t a;

	if (*hi & (DESC_A << 8))
		return;
	a = desc_addr(c, sel);
	if (a < 0)
		return;
	/* Only the access byte (descriptor byte 5) is written, as the processor does. */
	*hi |= DESC_A << 8;
	lin_write(c, (uint32_t)a + 5, 1, (*hi >> 8) & 0xff, LIN_SYS);
}

void seg_load_cs_raw(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl)
{
	/* CS.RPL always equals the CPL: that is where the CPL "lives" (SDM 5.5). */
	desc_unpack(&c->seg[S_CS], (uint16_t)((sel & ~SEL_RPL) | cpl), lo, hi);
	c->cpl = (uint8_t)cpl;
}

/* ---- loading data and stack segments ------------------------------------------------------------- */

void seg_load_real(struct cpu *c, unsigned s, uint16_t sel)
{
	struct seg *r = &c->seg[s];

	/* Real mode (SDM 20.1.1): base = selector * 16; limit and attributes keep whatever they were (the
	 * "unreal mode" trick relies on that).  A register left unusable by a null load in protected mode
	 * becomes an ordinary 64 KiB read/write segment again, since real mode has no null selectors. */
	r->sel = sel;
	r->base = (uint32_t)sel << 4;
	if (!(r->attr & DESC_P)) {
		r->attr = DESC_P | DESC_S | DESC_W | DESC_A | (s == S_CS ? DESC_CODE : 0);
		r->limit = 0xffff;
	}
}

void seg_load(struct cpu *c, unsigned s, uint16_t sel)
{
	uint32_t lo, hi, err = sel & ~SEL_RPL;
	unsigned rpl = sel & SEL_RPL, dpl;
	uint16_t attr;

	if (!cpu_pmode(c)) {
		seg_load_real(c, s, sel);
		if (s == S_SS)
			c->inhibit_irq = 1;
		return;
	}
	if ((sel & ~SEL_RPL) == 0) {
		/* Null selector (index 0 of the GDT, SDM 3.4.2): fine for data registers until used. */
		if (s == S_SS)
			cpu_gp0(c);
		c->seg[s] = (struct seg){ .sel = sel };
		return;
	}
	if (desc_read(c, sel, &lo, &hi))
		cpu_fault(c, EXC_GP, err);
	attr = desc_attr(hi);
	dpl = desc_dpl(hi);

	if (s == S_SS) {
		/* SDM 5.7: SS must be a writable data segment with RPL == DPL == CPL. */
		if (rpl != c->cpl || dpl != c->cpl ||
		    (attr & (DESC_S | DESC_CODE | DESC_W)) != (DESC_S | DESC_W))
			cpu_fault(c, EXC_GP, err);
		if (!(attr & DESC_P))
			cpu_fault(c, EXC_SS, err);
	} else {
		/* Data, or readable code (SDM 5.6): execute-only code and system descriptors are refused. */
		if (!(attr & DESC_S) || (attr & (DESC_CODE | DESC_R)) == DESC_CODE)
			cpu_fault(c, EXC_GP, err);
		/* Conforming code is exempt from the privilege check; everything else needs
		 * DPL >= max(CPL, RPL). */
		if ((attr & (DESC_CODE | DESC_C)) != (DESC_CODE | DESC_C) && (dpl < c->cpl || dpl < rpl))
			cpu_fault(c, EXC_GP, err);
		if (!(attr & DESC_P))
			cpu_fault(c, EXC_NP, err);
	}
	desc_set_accessed(c, sel, &hi);   /* may #PF: still before anything is committed */
	desc_unpack(&c->seg[s], sel, lo, hi);
	if (s == S_SS)
		c->inhibit_irq = 1;   /* MOV SS / POP SS / LSS shadow the next instruction (SDM 6.8.3) */
}

void seg_null_outer(struct cpu *c)
{
	static const unsigned regs[] = { S_ES, S_DS, S_FS, S_GS };

	for (unsigned k = 0; k < 4; k++) {
		struct seg *s = &c->seg[regs[k]];
		unsigned dpl = (s->attr & DESC_DPL) >> DESC_DPL_SHIFT;
		int conforming = (s->attr & (DESC_CODE | DESC_C)) == (DESC_CODE | DESC_C);

		/* A returning kernel must not leave the user program a segment it could not load itself. */
		if ((s->attr & DESC_P) && !conforming && dpl < c->cpl)
			*s = (struct seg){ 0 };
	}
}

/* ---- stacks that are not SS:ESP yet --------------------------------------------------------------- */

int seg_limit_ok(const struct seg *s, uint32_t off, unsigned len)
{
	uint64_t last = (uint64_t)off + len - 1;

	if ((s->attr & (DESC_S | DESC_CODE | DESC_E)) == (DESC_S | DESC_E)) {
		/* Expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff (SDM 3.4.5.1). */
		uint64_t top = (s->attr & DESC_DB) ? 0xffffffffu : 0xffffu;
		return off > s->limit && last <= top;
	}
	return last <= s->limit;
}

void stk_current(struct cpu *c, struct stk *k)
{
	k->ss = c->seg[S_SS];
	k->esp = c->r[R_ESP];
	k->lflags = LIN_USER_CPL;
	k->err = 0;
}

/* The offset that ESP + delta addresses: 16-bit stacks wrap at 64 KiB. */
static uint32_t stk_off(const struct stk *k, uint32_t delta)
{
	uint32_t v = k->esp + delta;

	return (k->ss.attr & DESC_DB) ? v : (v & 0xffff);
}

void stk_push(struct cpu *c, struct stk *k, unsigned size, uint32_t v)
{
	uint32_t off = stk_off(k, (uint32_t)-size);

	if (!seg_limit_ok(&k->ss, off, size))
		cpu_fault(c, EXC_SS, k->err);
	lin_write(c, k->ss.base + off, size, v, k->lflags);
	k->esp = (k->ss.attr & DESC_DB) ? off : ((k->esp & 0xffff0000u) | off);
}

uint32_t stk_peek(struct cpu *c, const struct stk *k, uint32_t delta, unsigned size)
{
	uint32_t off = stk_off(k, delta);

	if (!seg_limit_ok(&k->ss, off, size))
		cpu_fault(c, EXC_SS, k->err);
	return lin_read(c, k->ss.base + off, size, k->lflags);
}

void stk_commit(struct cpu *c, const struct stk *k, int load_ss)
{
	if (load_ss)
		c->seg[S_SS] = k->ss;
	if (k->ss.attr & DESC_DB)
		c->r[R_ESP] = k->esp;
	else
		c->r[R_ESP] = (c->r[R_ESP] & 0xffff0000u) | (k->esp & 0xffff);
}

void tss_inner_stack(struct cpu *c, unsigned dpl, uint32_t ext, struct stk *k)
{
	const struct seg *tr = &c->seg[S_TR];
	int tss32 = (tr->attr & DESC_TYPE & ~2u) == SYS_TSS32_AVAIL;   /* busy or not */
	unsigned w = tss32 ? 4 : 2;
	/* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n; 16-bit TSS: SPn at 2 + 4n, SSn at 4 + 4n
	 * (SDM 7.2.1, 7.6). */
	uint32_t off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl, esp, lo, hi, err;
	uint16_t sel;

	if (!(tr->attr & DESC_P) || off + 2 * w - 1 > tr->limit)
		cpu_fault(c, EXC_TS, (tr->sel & ~SEL_RPL) | ext);
	esp = lin_read(c, tr->base + off, w, LIN_SYS);
	sel = (uint16_t)lin_read(c, tr->base + off + w, 2, LIN_SYS);
	err = (sel & ~SEL_RPL) | ext;
	if ((sel & ~SEL_RPL) == 0)
		cpu_fault(c, EXC_TS, ext);
	if (desc_read(c, sel, &lo, &hi))
		cpu_fault(c, EXC_TS, err);
	if ((sel & SEL_RPL) != dpl || desc_dpl(hi) != dpl ||
	    (desc_attr(hi) & (DESC_S | DESC_CODE | DESC_W)) != (DESC_S | DESC_W))
		cpu_fault(c, EXC_TS, err);
	if (!(desc_attr(hi) & DESC_P))
		cpu_fault(c, EXC_SS, err);
	desc_set_accessed(c, sel, &hi);
	desc_unpack(&k->ss, sel, lo, hi);
	k->esp = esp;
	k->lflags = LIN_SYS;       /* the new stack is at privilege dpl < 3: supervisor accesses */
	k->err = err;
}

/* ---- MOV Sreg, MOV r/m Sreg, LxS ---------------------------------------------------------------------- */

/* MOV Sreg, r/m16 (8E): o[0] = the segment register, o[1] = the source. */
void op_mov_to_seg(struct cpu *c, const struct insn *i)
{
	unsigned s = i->o[0].reg;
	uint16_t sel;

	/* MOV to CS is invalid (use a far jump); so are the reserved sreg encodings 6 and 7. */
	if (s == S_CS || s > S_GS)
		cpu_ud(c);
	if (i->o[1].kind == OPK_MEM)
		sel = (uint16_t)seg_read(c, i->seg, insn_ea(c, i), 2);
	else
		sel = (uint16_t)opnd_read(c, i, 1);
	seg_load(c, s, sel);
}

/* MOV r/m, Sreg (8C): a memory destination always gets 16 bits; a 32-bit register gets the selector
 * zero-extended (P6 and later, SDM vol. 2B "MOV"). */
void op_mov_from_seg(struct cpu *c, const struct insn *i)
{
	unsigned s = i->o[1].reg;
	uint16_t sel;

	if (s > S_GS)
		cpu_ud(c);
	sel = c->seg[s].sel;
	if (i->o[0].kind == OPK_MEM)
		seg_write(c, i->seg, insn_ea(c, i), 2, sel);
	else
		reg_set(c, i->o[0].reg, i->osz == 4 ? 4 : 2, sel);
}

/* LDS/LES/LFS/LGS/LSS r, m16:16/32: o[0] = the general register, o[1] = memory holding offset, then
 * selector.  The segment load (which can fault) happens before the register is written. */
void op_lxs(struct cpu *c, const struct insn *i)
{
	unsigned s;
	uint32_t ea, off;
	uint16_t sel;

	switch (i->op) {
	case OP_LDS: s = S_DS; break;
	case OP_LES: s = S_ES; break;
	case OP_LFS: s = S_FS; break;
	case OP_LGS: s = S_GS; break;
	default:     s = S_SS; break;
	}
	if (i->o[1].kind != OPK_MEM)
		cpu_ud(c);
	ea = insn_ea(c, i);
	off = seg_read(c, i->seg, ea, i->osz);
	ea += i->osz;
	if (i->asz == 2)
		ea &= 0xffff;
	sel = (uint16_t)seg_read(c, i->seg, ea, 2);
	seg_load(c, s, sel);
	reg_set(c, i->o[0].reg, i->osz, off);
}
