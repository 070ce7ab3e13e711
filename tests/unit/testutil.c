/* SPDX-License-Identifier: MIT
 *
 * testutil.c — the unit tests' small machine (see testutil.h): a flat 32-bit protected-mode CPU with a
 * GDT, an IDT routing every vector to a HLT catcher, and a TSS, built directly in guest memory so that
 * exceptions are delivered by the real delivery code and land somewhere a test can recognise.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "cpu/interp.h"
#include "cpu/insn.h"

/* Encode a code/data/system descriptor; attr is descriptor bits 40..55 as in struct seg. */
static void put_desc(struct machine *m, uint32_t table, unsigned sel, uint32_t base, uint32_t limit, uint16_t attr)
{
	uint32_t lo = (limit & 0xffff) | (base << 16);
	uint32_t hi = ((base >> 16) & 0xff) | ((uint32_t)(attr & 0xf0ff) << 8) | (limit & 0xf0000) | (base & 0xff000000u);

	phys_write(m, table + (sel & ~7u), 4, lo);
	phys_write(m, table + (sel & ~7u) + 4, 4, hi);
}

void tm_set_seg(struct cpu *c, unsigned s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr)
{
	c->seg[s].sel = sel;
	c->seg[s].base = base;
	c->seg[s].limit = limit;
	c->seg[s].attr = attr;
}

struct machine *tm_new(void)
{
	struct machine *m = machine_new(16u << 20);
	struct cpu *c;

	if (!m)
		abort();
	/* REVISOR_ACCEL=bt runs every test that runs code through the backend (tm_run, backend->run) under
	 * the binary translator instead (`make check-bt`, docs/bt.md). */
	const char *accel = getenv("REVISOR_ACCEL");
	m->backend = accel && !strcmp(accel, "bt") ? &backend_bt : &backend_interp;
	if (m->backend->init(m) != 0)
		abort();
	c = &m->cpu;

	/* GDT */
	put_desc(m, 0x1000, TM_CODE32, 0, 0xfffff, 0xc09a);
	put_desc(m, 0x1000, TM_DATA32, 0, 0xfffff, 0xc092);
	put_desc(m, 0x1000, TM_UCODE32, 0, 0xfffff, 0xc0fa);
	put_desc(m, 0x1000, TM_UDATA32, 0, 0xfffff, 0xc0f2);
	put_desc(m, 0x1000, TM_CODE16, 0, 0xffff, 0x009a);
	put_desc(m, 0x1000, TM_DATA16, 0, 0xffff, 0x0092);
	put_desc(m, 0x1000, TM_TSS, 0x3000, 0x67, 0x008b);        /* 32-bit TSS, busy (as after LTR) */
	put_desc(m, 0x1000, TM_LIMDATA, 0x20000, 0xfff, 0x4092);
	c->gdtr.base = 0x1000;
	c->gdtr.limit = 0x47;

	/* IDT: every vector is a 32-bit ring-0 interrupt gate to its catcher, which is a HLT. */
	for (unsigned v = 0; v < 256; v++) {
		uint32_t off = TM_IDT_HANDLER(v);
		phys_write(m, 0x2000 + 8 * v, 4, (off & 0xffff) | ((uint32_t)TM_CODE32 << 16));
		phys_write(m, 0x2000 + 8 * v + 4, 4, (off & 0xffff0000u) | 0x8e00);
		phys_write(m, off, 1, 0xf4);
	}
	c->idtr.base = 0x2000;
	c->idtr.limit = 0x7ff;

	/* TSS: ring-0 stack, no I/O bitmap (its offset lies beyond the limit). */
	phys_write(m, 0x3000 + 4, 4, 0x80000);
	phys_write(m, 0x3000 + 8, 4, TM_DATA32);
	phys_write(m, 0x3000 + 0x66, 2, 0x68);

	c->cr0 = CR0_PE | CR0_ET;
	c->cpl = 0;
	tm_set_seg(c, S_CS, TM_CODE32, 0, 0xffffffffu, 0xc09b);
	tm_set_seg(c, S_SS, TM_DATA32, 0, 0xffffffffu, 0xc093);
	tm_set_seg(c, S_DS, TM_DATA32, 0, 0xffffffffu, 0xc093);
	tm_set_seg(c, S_ES, TM_DATA32, 0, 0xffffffffu, 0xc093);
	tm_set_seg(c, S_FS, TM_DATA32, 0, 0xffffffffu, 0xc093);
	tm_set_seg(c, S_GS, TM_DATA32, 0, 0xffffffffu, 0xc093);
	tm_set_seg(c, S_TR, TM_TSS, 0x3000, 0x67, 0x008b);
	tm_set_seg(c, S_LDTR, 0, 0, 0, 0);
	c->r[R_ESP] = 0x80000;
	cpu_set_eflags(c, FL_1);
	tlb_flush(c);
	return m;
}

void tm_real_mode(struct machine *m)
{
	struct cpu *c = &m->cpu;

	c->cr0 = CR0_ET;
	c->cpl = 0;
	tm_set_seg(c, S_CS, 0, 0, 0xffff, 0x009b);
	for (unsigned s = S_ES; s <= S_GS; s++)
		if (s != S_CS)
			tm_set_seg(c, s, 0, 0, 0xffff, 0x0093);
	c->idtr.base = 0;
	c->idtr.limit = 0x3ff;
	c->r[R_ESP] = 0x8000;
	tlb_flush(c);
}

void tm_free(struct machine *m)
{
	if (m->backend && m->backend->fini)
		m->backend->fini(m);
	machine_free(m);
}

void tm_load(struct machine *m, uint32_t addr, const void *bytes, size_t len)
{
	phys_write_buf(m, addr, bytes, (uint32_t)len);
}

uint64_t tm_run(struct machine *m, const void *code, size_t len, uint64_t max_insns)
{
	struct cpu *c = &m->cpu;
	uint64_t start = c->icount;

	tm_load(m, TM_CODE, code, len);
	c->eip = TM_CODE - c->seg[S_CS].base;
	c->halted = 0;
	c->icount_limit = c->icount + max_insns;
	m->backend->run(m);
	return c->icount - start;
}

int tm_exception(struct machine *m, uint32_t *err)
{
	struct cpu *c = &m->cpu;
	uint32_t at = c->seg[S_CS].base + c->eip - 1;   /* the HLT just executed */

	if (!c->halted || at < TM_IDT_HANDLER(0) || at >= TM_IDT_HANDLER(256) || (at - TM_IDT_HANDLER(0)) % 16)
		return -1;
	if (err)
		*err = phys_read(m, c->seg[S_SS].base + c->r[R_ESP], 4);
	return (int)((at - TM_IDT_HANDLER(0)) / 16);
}

int tm_exec(struct machine *m, const struct insn *i)
{
	struct cpu *c = &m->cpu;
	jmp_buf jb;

	c->fault_jmp = &jb;
	c->prev_eip = c->eip;
	c->prev_esp = c->r[R_ESP];
	c->eip += i->len;
	if (!cpu_code32(c))
		c->eip &= 0xffff;
	if (setjmp(jb)) {
		c->eip = c->prev_eip;
		c->r[R_ESP] = c->prev_esp;
		c->fault_jmp = NULL;
		return c->fault_vec;
	}
	i->exec(c, i);
	c->icount++;
	c->fault_jmp = NULL;
	return -1;
}
