/* SPDX-License-Identifier: MIT
 *
 * test_segment.c — segment-register loads (segment.c) and far transfers (far.c), checked against the
 * rules of SDM vol. 3A 5.5-5.8: which selector may go into which register at which CPL, with which
 * error code; far calls through a call gate from ring 3 to ring 0 (stack switch and parameter copy) and
 * RETF back.  seg_load is called directly; far transfers run as machine code in the test machine
 * (testutil.h), so the whole path — decoder, handler, fault delivery — is exercised.
 */
#include <check.h>
#include <setjmp.h>
#include <string.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/system.h"

static struct machine *m;
static struct cpu *c;

static void setup(void)
{
	m = tm_new();
	c = &m->cpu;
	c->icount_limit = UINT64_MAX;
}

static void teardown(void)
{
	tm_free(m);
}

/* Write a descriptor into the GDT (attr in struct seg's layout) and grow the GDT limit to cover it. */
static void gdt_set(unsigned sel, uint32_t base, uint32_t limit, uint16_t attr)
{
	uint32_t a = c->gdtr.base + (sel & ~7u);

	phys_write(m, a, 4, (limit & 0xffff) | (base << 16));
	phys_write(m, a + 4, 4, ((base >> 16) & 0xff) | ((uint32_t)(attr & 0xf0ff) << 8) | (limit & 0xf0000) |
				   (base & 0xff000000u));
	if ((sel & ~7u) + 7 > c->gdtr.limit)
		c->gdtr.limit = (uint16_t)((sel & ~7u) + 7);
}

/* A 32-bit call gate in the GDT. */
static void gate_set(unsigned sel, uint16_t target, uint32_t off, unsigned dpl, unsigned params)
{
	uint32_t a = c->gdtr.base + (sel & ~7u);

	phys_write(m, a, 4, (off & 0xffff) | ((uint32_t)target << 16));
	phys_write(m, a + 4, 4, (off & 0xffff0000u) | 0x8c00 | (dpl << 13) | params);
	if ((sel & ~7u) + 7 > c->gdtr.limit)
		c->gdtr.limit = (uint16_t)((sel & ~7u) + 7);
}

/* seg_load with the fault caught: returns -1 or the vector (the error code is in c->fault_err). */
static int load(unsigned s, uint16_t sel)
{
	jmp_buf jb;

	c->fault_jmp = &jb;
	if (setjmp(jb)) {
		c->fault_jmp = NULL;
		return c->fault_vec;
	}
	seg_load(c, s, sel);
	c->fault_jmp = NULL;
	return -1;
}

static void to_ring3(void)
{
	c->seg[S_CS] = (struct seg){ .sel = TM_UCODE32, .attr = 0xc0fb, .base = 0, .limit = 0xffffffffu };
	for (unsigned s = S_ES; s <= S_GS; s++)
		if (s != S_CS)
			c->seg[s] = (struct seg){ .sel = TM_UDATA32, .attr = 0xc0f3, .base = 0, .limit = 0xffffffffu };
	c->cpl = 3;
	c->r[R_ESP] = 0x70000;
}

/* ---- seg_load ------------------------------------------------------------------------------------------ */

START_TEST(load_data_sets_cache_and_accessed_bit)
{
	ck_assert_int_eq(load(S_ES, TM_LIMDATA), -1);
	ck_assert_uint_eq(c->seg[S_ES].sel, TM_LIMDATA);
	ck_assert_uint_eq(c->seg[S_ES].base, 0x20000);
	ck_assert_uint_eq(c->seg[S_ES].limit, 0xfff);          /* byte granular */
	ck_assert_uint_eq(c->seg[S_ES].attr, 0x4093);          /* accessed bit now set */
	ck_assert_uint_eq(phys_read(m, 0x1000 + TM_LIMDATA + 5, 1), 0x93);   /* ...in memory too */
	ck_assert_int_eq(load(S_DS, TM_DATA32), -1);
	ck_assert_uint_eq(c->seg[S_DS].limit, 0xffffffffu);    /* 0xfffff pages of 4 KiB */
}
END_TEST

START_TEST(load_null_data_is_unusable_null_ss_faults)
{
	ck_assert_int_eq(load(S_FS, 0x0003), -1);
	ck_assert_uint_eq(c->seg[S_FS].sel, 3);
	ck_assert_uint_eq(c->seg[S_FS].attr & DESC_P, 0);
	ck_assert_int_eq(load(S_SS, 0), EXC_GP);
	ck_assert_uint_eq(c->fault_err, 0);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA32);        /* unchanged */
}
END_TEST

START_TEST(load_beyond_gdt_limit)
{
	ck_assert_int_eq(load(S_DS, 0x4b), EXC_GP);             /* index 9, GDT limit 0x47 */
	ck_assert_uint_eq(c->fault_err, 0x48);                  /* RPL bits cleared */
	ck_assert_int_eq(load(S_DS, 0x0c), EXC_GP);             /* TI=1 with no LDT */
	ck_assert_uint_eq(c->fault_err, 0x0c);
}
END_TEST

START_TEST(load_ss_rules)
{
	ck_assert_int_eq(load(S_SS, TM_UDATA32), EXC_GP);       /* RPL 3 != CPL 0 */
	ck_assert_uint_eq(c->fault_err, 0x20);
	ck_assert_int_eq(load(S_SS, 0x20), EXC_GP);             /* DPL 3 != CPL 0 */
	ck_assert_int_eq(load(S_SS, TM_CODE32), EXC_GP);        /* code */
	gdt_set(0x48, 0, 0xffff, 0x0090);                       /* read-only data */
	ck_assert_int_eq(load(S_SS, 0x48), EXC_GP);
	gdt_set(0x50, 0, 0xffff, 0x0012);                       /* writable, not present */
	ck_assert_int_eq(load(S_SS, 0x50), EXC_SS);
	ck_assert_uint_eq(c->fault_err, 0x50);
	c->inhibit_irq = 0;
	ck_assert_int_eq(load(S_SS, TM_DATA16), -1);
	ck_assert_uint_eq(c->inhibit_irq, 1);                   /* MOV SS shadows the next instruction */
}
END_TEST

START_TEST(load_data_privilege_and_type)
{
	ck_assert_int_eq(load(S_DS, TM_UDATA32), -1);           /* DPL 3 >= CPL 0 */
	ck_assert_int_eq(load(S_DS, TM_CODE32), -1);            /* readable code is fine */
	gdt_set(0x48, 0, 0xffff, 0x0098);                       /* execute-only code */
	ck_assert_int_eq(load(S_DS, 0x48), EXC_GP);
	ck_assert_uint_eq(c->fault_err, 0x48);
	ck_assert_int_eq(load(S_DS, TM_TSS), EXC_GP);           /* system descriptor */
	gdt_set(0x50, 0, 0xffff, 0x0092);
	ck_assert_int_eq(load(S_DS, 0x53), EXC_GP);             /* RPL 3 > DPL 0 */
	gdt_set(0x58, 0, 0xffff, 0x0012);                       /* not present */
	ck_assert_int_eq(load(S_GS, 0x58), EXC_NP);
	ck_assert_uint_eq(c->fault_err, 0x58);
	gdt_set(0x60, 0, 0xffff, 0x009e);                       /* conforming readable code, DPL 0 */
	to_ring3();
	ck_assert_int_eq(load(S_DS, TM_DATA32 | 3), EXC_GP);    /* DPL 0 < CPL 3 */
	ck_assert_uint_eq(c->fault_err, TM_DATA32);
	ck_assert_int_eq(load(S_DS, 0x63), -1);                 /* conforming: no privilege check */
}
END_TEST

START_TEST(load_real_mode)
{
	tm_real_mode(m);
	ck_assert_int_eq(load(S_DS, 0x1234), -1);
	ck_assert_uint_eq(c->seg[S_DS].base, 0x12340);
	ck_assert_uint_eq(c->seg[S_DS].limit, 0xffff);
}
END_TEST

START_TEST(desc_unpack_fields)
{
	struct seg s;

	/* base 0x12345678, limit 0xabcde, G=1, D=1, DPL 2, writable data */
	desc_unpack(&s, 0x42, 0x5678bcde, 0x12cad234);
	ck_assert_uint_eq(s.base, 0x12345678);
	ck_assert_uint_eq(s.limit, 0xabcdefff);
	ck_assert_uint_eq(s.attr, 0xc0d2);
	ck_assert_uint_eq(s.sel, 0x42);
}
END_TEST

/* LSS ecx, [0x5000] run by hand: SS and ECX change together, or not at all. */
START_TEST(lss_loads_both_or_neither)
{
	struct insn i = { .exec = op_table[OP_LSS].exec, .op = OP_LSS, .len = 3, .osz = 4, .asz = 4, .seg = S_DS,
			  .base = R_ZERO, .index = R_ZERO, .disp = 0x5000, .nopnd = 2,
			  .o = { { OPK_REG, 4, R_ECX }, { OPK_MEM, 6, 0 } } };
	jmp_buf jb;

	phys_write(m, 0x5000, 4, 0x1234);
	phys_write(m, 0x5004, 2, TM_DATA16);
	c->fault_jmp = &jb;
	if (setjmp(jb) == 0)
		i.exec(c, &i);
	else
		ck_abort_msg("lss faulted");
	ck_assert_uint_eq(c->r[R_ECX], 0x1234);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA16);

	phys_write(m, 0x5004, 2, TM_UDATA32);                   /* not loadable into SS at CPL 0 */
	c->r[R_ECX] = 7;
	if (setjmp(jb) == 0) {
		i.exec(c, &i);
		ck_abort_msg("lss did not fault");
	}
	ck_assert_int_eq(c->fault_vec, EXC_GP);
	ck_assert_uint_eq(c->r[R_ECX], 7);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA16);
	c->fault_jmp = NULL;
}
END_TEST

/* ---- far transfers (machine code) ----------------------------------------------------------------------- */

START_TEST(far_jmp_and_call_same_level)
{
	/* ljmp 0x08:TM_CODE+0x20 ; (0x20:) lcall 0x08:TM_CODE+0x40 ; hlt ; (0x40:) lret */
	uint8_t code[0x48] = { 0xea, 0x20, 0x00, 0x01, 0x00, 0x08, 0x00 };
	const uint8_t call[] = { 0x9a, 0x40, 0x00, 0x01, 0x00, 0x08, 0x00, 0xf4 };

	memcpy(code + 0x20, call, sizeof call);
	code[0x40] = 0xcb;
	tm_run(m, code, sizeof code, 100);
	ck_assert_int_eq(tm_exception(m, NULL), -1);
	ck_assert_uint_eq(c->eip, TM_CODE + 0x28);               /* after the hlt */
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);
	ck_assert_uint_eq(c->seg[S_CS].sel, TM_CODE32);
}
END_TEST

START_TEST(far_call_to_other_privilege_directly_faults)
{
	/* lcall 0x1b:0 from CPL 0: non-conforming code with DPL 3 != CPL 0 */
	const uint8_t code[] = { 0x9a, 0x00, 0x00, 0x00, 0x00, 0x1b, 0x00 };
	uint32_t err;

	tm_run(m, code, sizeof code, 100);
	ck_assert_int_eq(tm_exception(m, &err), EXC_GP);
	ck_assert_uint_eq(err, 0x18);
}
END_TEST

/* Ring 3 calls ring 0 through a call gate with 2 dword parameters, the callee returns with lret 8. */
START_TEST(call_gate_ring3_to_ring0_and_back)
{
	/* push 0x11111111 ; push 0x22222222 ; lcall 0x4b:0 ; mov eax, 0x99 ; hlt (#GP at CPL 3) */
	uint8_t code[0x108] = { 0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22, 0x22,
				0x9a, 0, 0, 0, 0, 0x4b, 0x00, 0xb8, 0x99, 0, 0, 0, 0xf4 };
	uint32_t esp;

	gate_set(0x48, TM_CODE32, TM_CODE + 0x100, 3, 2);
	code[0x100] = 0xf4;                     /* the ring-0 callee: hlt (to inspect), then lret 8 */
	code[0x101] = 0xca;
	code[0x102] = 8;
	to_ring3();
	tm_run(m, code, sizeof code, 100);
	ck_assert_int_eq(c->cpl, 0);
	ck_assert_uint_eq(c->seg[S_CS].sel, TM_CODE32);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA32);         /* ss0 from the TSS */
	esp = c->r[R_ESP];
	ck_assert_uint_eq(esp, 0x80000 - 24);
	ck_assert_uint_eq(phys_read(m, esp, 4), TM_CODE + 17);   /* return EIP */
	ck_assert_uint_eq(phys_read(m, esp + 4, 4), TM_UCODE32);
	ck_assert_uint_eq(phys_read(m, esp + 8, 4), 0x22222222);  /* parameters, same order */
	ck_assert_uint_eq(phys_read(m, esp + 12, 4), 0x11111111);
	ck_assert_uint_eq(phys_read(m, esp + 16, 4), 0x70000 - 8); /* caller's ESP */
	ck_assert_uint_eq(phys_read(m, esp + 20, 4), TM_UDATA32);

	/* Now return: lret 8 releases the parameters on both stacks. */
	ck_assert_uint_eq(c->eip, TM_CODE + 0x101);
	c->halted = 0;
	c->icount_limit = c->icount + 100;
	m->backend->run(m);
	ck_assert_uint_eq(c->r[R_EAX], 0x99);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_GP);        /* hlt at CPL 3 */
	/* The #GP frame on the ring-0 stack records the ring-3 state after the return. */
	esp = c->r[R_ESP];
	ck_assert_uint_eq(phys_read(m, esp + 8, 4), TM_UCODE32);
	ck_assert_uint_eq(phys_read(m, esp + 16, 4), 0x70000);
	ck_assert_uint_eq(phys_read(m, esp + 20, 4), TM_UDATA32);
}
END_TEST

START_TEST(jmp_through_gate_may_not_raise_privilege)
{
	/* ljmp 0x4b:0 from ring 3 through a DPL-3 gate to ring-0 code: #GP(target selector) */
	const uint8_t code[] = { 0xea, 0, 0, 0, 0, 0x4b, 0x00 };
	uint32_t err;

	gate_set(0x48, TM_CODE32, TM_CODE + 0x100, 3, 0);
	to_ring3();
	tm_run(m, code, sizeof code, 100);
	ck_assert_int_eq(tm_exception(m, &err), EXC_GP);
	ck_assert_uint_eq(err, TM_CODE32);
}
END_TEST

START_TEST(far_call_real_mode)
{
	/* call 0x1000:0x0010 ; hlt ; ... (0x10:) retf */
	uint8_t code[0x11] = { 0x9a, 0x10, 0x00, 0x00, 0x10, 0xf4 };

	code[0x10] = 0xcb;
	tm_real_mode(m);
	seg_load_real(c, S_CS, 0x1000);
	tm_run(m, code, sizeof code, 100);
	ck_assert_uint_eq(c->seg[S_CS].sel, 0x1000);
	ck_assert_uint_eq(c->eip, 6);
	ck_assert_uint_eq(c->r[R_ESP], 0x8000);
}
END_TEST

Suite *suite_segment(void)
{
	Suite *s = suite_create("segment");
	TCase *t = tcase_create("segment");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, load_data_sets_cache_and_accessed_bit);
	tcase_add_test(t, load_null_data_is_unusable_null_ss_faults);
	tcase_add_test(t, load_beyond_gdt_limit);
	tcase_add_test(t, load_ss_rules);
	tcase_add_test(t, load_data_privilege_and_type);
	tcase_add_test(t, load_real_mode);
	tcase_add_test(t, desc_unpack_fields);
	tcase_add_test(t, lss_loads_both_or_neither);
	tcase_add_test(t, far_jmp_and_call_same_level);
	tcase_add_test(t, far_call_to_other_privilege_directly_faults);
	tcase_add_test(t, call_gate_ring3_to_ring0_and_back);
	tcase_add_test(t, jmp_through_gate_may_not_raise_privilege);
	tcase_add_test(t, far_call_real_mode);
	suite_add_tcase(s, t);
	return s;
}
