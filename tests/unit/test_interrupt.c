/* SPDX-License-Identifier: MIT
 *
 * test_interrupt.c — exception and interrupt delivery (interrupt.c), run end to end in the test machine
 * of testutil.h: every IDT vector leads to a HLT "catcher", so a test runs a few instructions and then
 * looks at which catcher was reached and at the frame the CPU pushed.  Expected frames and error codes
 * come from SDM vol. 3A ch. 6 (figure 6-4 for the stack layout, 6.13 for error codes, table 6-5 for
 * double faults).
 */
#include <check.h>
#include <setjmp.h>
#include "testutil.h"
#include "cpu/cpu.h"
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

/* IDT entry vec: a gate of type (0xe interrupt, 0xf trap) with dpl, present unless !p. */
static void idt_set(unsigned vec, uint32_t off, unsigned type, unsigned dpl, int p)
{
	uint32_t a = c->idtr.base + 8 * vec;

	phys_write(m, a, 4, (off & 0xffff) | ((uint32_t)TM_CODE32 << 16));
	phys_write(m, a + 4, 4, (off & 0xffff0000u) | (p ? 0x8000u : 0) | (dpl << 13) | (type << 8));
}

static void idt_not_present(unsigned vec)
{
	idt_set(vec, TM_IDT_HANDLER(vec), 0xe, 0, 0);
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

static uint32_t stack(unsigned k)
{
	return phys_read(m, c->seg[S_SS].base + c->r[R_ESP] + 4 * k, 4);
}

START_TEST(int_same_privilege_frame)
{
	const uint8_t code[] = { 0xcd, 0x30 };              /* int 0x30 */

	cpu_set_eflags(c, FL_1 | FL_IF | FL_CF);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, NULL), 0x30);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 12);       /* no stack switch: EIP, CS, EFLAGS */
	ck_assert_uint_eq(stack(0), TM_CODE + 2);           /* a trap: the next instruction */
	ck_assert_uint_eq(stack(1), TM_CODE32);
	ck_assert_uint_eq(stack(2), FL_1 | FL_IF | FL_CF);
	ck_assert_uint_eq(c->eflags & FL_IF, 0);            /* interrupt gate */
}
END_TEST

START_TEST(trap_gate_keeps_if)
{
	const uint8_t code[] = { 0xcd, 0x31 };

	idt_set(0x31, TM_IDT_HANDLER(0x31), 0xf, 0, 1);
	cpu_set_eflags(c, FL_1 | FL_IF | FL_NT);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, NULL), 0x31);
	ck_assert_uint_ne(c->eflags & FL_IF, 0);
	ck_assert_uint_eq(c->eflags & FL_NT, 0);             /* both gate kinds clear NT (and TF, RF) */
}
END_TEST

/* The lecture's system-call path: ring 3 -> ring 0 through a DPL-3 gate, stack from the TSS. */
START_TEST(int_ring3_to_ring0_stack_switch)
{
	const uint8_t code[] = { 0xcd, 0x80 };

	idt_set(0x80, TM_IDT_HANDLER(0x80), 0xe, 3, 1);
	to_ring3();
	cpu_set_eflags(c, FL_1 | FL_IF);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, NULL), 0x80);
	ck_assert_int_eq(c->cpl, 0);
	ck_assert_uint_eq(c->seg[S_CS].sel, TM_CODE32);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA32);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000 - 20);
	ck_assert_uint_eq(stack(0), TM_CODE + 2);
	ck_assert_uint_eq(stack(1), TM_UCODE32);
	ck_assert_uint_eq(stack(2), FL_1 | FL_IF);
	ck_assert_uint_eq(stack(3), 0x70000);
	ck_assert_uint_eq(stack(4), TM_UDATA32);
}
END_TEST

START_TEST(int_to_dpl0_gate_from_ring3_is_gp)
{
	const uint8_t code[] = { 0xcd, 0x30 };
	uint32_t err;

	to_ring3();
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_GP);
	ck_assert_uint_eq(err, 0x30 * 8 + 2);                /* IDT bit, no EXT: a software interrupt */
	ck_assert_uint_eq(stack(1), TM_CODE);                /* a fault: the INT itself */
	ck_assert_uint_eq(stack(4), 0x70000);
}
END_TEST

/* A handler entered from ring 3 loads a ring-0 DS and IRETs: back at ring 3, DS is null. */
START_TEST(iret_to_ring3_nulls_kernel_segments)
{
	uint8_t code[0x110] = { 0xcd, 0x80, 0xb8, 0x34, 0x12, 0, 0, 0xf4 };  /* int 0x80; mov eax,0x1234; hlt */
	const uint8_t handler[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0xcf };  /* mov ax,0x10; mov ds,ax; iret */

	for (unsigned k = 0; k < sizeof handler; k++)
		code[0x100 + k] = handler[k];
	idt_set(0x80, TM_CODE + 0x100, 0xe, 3, 1);
	to_ring3();
	cpu_set_eflags(c, FL_1 | FL_IF);
	tm_run(m, code, sizeof code, 20);
	ck_assert_uint_eq(c->r[R_EAX] & 0xffff, 0x1234);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_GP);     /* the hlt, back at CPL 3 */
	ck_assert_uint_eq(stack(1), TM_CODE + 7);
	ck_assert_uint_eq(stack(2), TM_UCODE32);
	ck_assert_uint_eq(stack(3) & FL_IF, FL_IF);          /* IF restored by IRET */
	ck_assert_uint_eq(stack(4), 0x70000);
	ck_assert_uint_eq(c->seg[S_DS].sel, 0);              /* nulled: DPL 0 < CPL 3 */
	ck_assert_uint_eq(c->seg[S_DS].attr & DESC_P, 0);
	ck_assert_uint_eq(c->seg[S_ES].sel, TM_UDATA32);     /* untouched */
}
END_TEST

/* IRET executed at CPL 3 may not change IOPL or IF (IOPL 0). */
START_TEST(iret_at_ring3_filters_flags)
{
	/* push 0x23; push 0x70000-0x20; push 0x3202 (IOPL 3, IF); push 0x1b; push TM_CODE+0x20; iret; ... hlt */
	uint8_t code[0x21] = { 0x6a, 0x23, 0x68, 0xe0, 0xff, 0x06, 0x00, 0x68, 0x02, 0x32, 0x00, 0x00, 0x6a, 0x1b,
			       0x68, 0x20, 0x00, 0x01, 0x00, 0xcf };

	code[0x20] = 0xf4;
	to_ring3();
	cpu_set_eflags(c, FL_1);
	tm_run(m, code, sizeof code, 20);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_GP);     /* reached the hlt at CPL 3 */
	ck_assert_uint_eq(stack(1), TM_CODE + 0x20);
	ck_assert_uint_eq(stack(3) & (FL_IOPL | FL_IF), 0);
	/* A return to the same level pops only EIP, CS, EFLAGS: the SS:ESP pushed above them stay. */
	ck_assert_uint_eq(stack(4), 0x70000 - 8);
}
END_TEST

START_TEST(idt_limit_and_not_present)
{
	const uint8_t code[] = { 0xcd, 0x30 };
	uint32_t err;

	idt_not_present(0x30);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_NP);
	ck_assert_uint_eq(err, 0x30 * 8 + 2);

	c->idtr.limit = 0x30 * 8 - 1;                        /* 0x30 beyond the IDT */
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_GP);
	ck_assert_uint_eq(err, 0x30 * 8 + 2);
}
END_TEST

/* A benign exception (#UD) whose gate is missing: the #NP is delivered next, with EXT set. */
START_TEST(benign_then_contributory_is_serial)
{
	const uint8_t code[] = { 0x0f, 0x0b };               /* ud2 */
	uint32_t err;

	idt_not_present(EXC_UD);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_NP);
	ck_assert_uint_eq(err, EXC_UD * 8 + 2 + 1);
	ck_assert_uint_eq(stack(1), TM_CODE);
	ck_assert_int_eq(c->exc_depth, 0);
}
END_TEST

START_TEST(contributory_twice_is_double_fault)
{
	const uint8_t code[] = { 0x66, 0xb8, 0x48, 0x00, 0x8e, 0xd8 };  /* mov ax,0x48; mov ds,ax -> #GP(0x48) */
	uint32_t err = 1;

	idt_not_present(EXC_GP);                             /* delivering #GP raises #NP */
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_DF);
	ck_assert_uint_eq(err, 0);
	ck_assert_uint_eq(stack(1), TM_CODE + 4);            /* the instruction that faulted first */
}
END_TEST

START_TEST(fault_during_double_fault_is_triple)
{
	const uint8_t code[] = { 0x66, 0xb8, 0x48, 0x00, 0x8e, 0xd8 };

	idt_not_present(EXC_GP);
	idt_not_present(EXC_DF);
	ck_assert_int_eq(tm_run(m, code, sizeof code, 10) >= 1, 1);
	ck_assert_int_eq(m->stop, STOP_TRIPLE_FAULT);
	ck_assert_uint_eq(c->eip, TM_CODE + 4);              /* state is the faulting instruction's */
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);
}
END_TEST

/* From ring 3, a TSS whose SS0 is unusable: #TS while delivering, #TS again, #DF, shutdown — and the
 * ring-3 state is still intact, because nothing was committed. */
START_TEST(bad_tss_stack_triple_faults_precisely)
{
	const uint8_t code[] = { 0xcd, 0x80 };

	idt_set(0x80, TM_IDT_HANDLER(0x80), 0xe, 3, 1);
	phys_write(m, 0x3000 + 8, 4, TM_UDATA32);            /* ss0 with DPL 3 */
	to_ring3();
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(m->stop, STOP_TRIPLE_FAULT);
	ck_assert_int_eq(c->cpl, 3);
	ck_assert_uint_eq(c->seg[S_CS].sel, TM_UCODE32);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_UDATA32);
	ck_assert_uint_eq(c->eip, TM_CODE);
	ck_assert_uint_eq(c->r[R_ESP], 0x70000);
}
END_TEST

START_TEST(bad_tss_stack_is_ts)
{
	const uint8_t code[] = { 0xcd, 0x80 };
	const uint8_t spin[] = { 0xeb, 0xfe };               /* jmp $ */

	idt_set(0x80, TM_IDT_HANDLER(0x80), 0xe, 3, 1);
	phys_write(m, 0x3000 + 8, 4, TM_UDATA32);            /* ss0 with DPL 3: unusable */
	/* #TS itself must not need the TSS: its gate leads to a conforming code segment (0x48), which runs
	 * at the interrupted CPL 3 on the current stack.  Its handler spins instead of halting. */
	phys_write(m, 0x1000 + 0x48, 4, 0x0000ffff);
	phys_write(m, 0x1000 + 0x4c, 4, 0x00cf9e00);         /* conforming code, DPL 0, 4 GiB */
	c->gdtr.limit = 0x4f;
	phys_write(m, 0x2000 + 8 * EXC_TS + 2, 2, 0x48);
	tm_load(m, TM_IDT_HANDLER(EXC_TS), spin, sizeof spin);
	to_ring3();
	tm_run(m, code, sizeof code, 5);
	ck_assert_int_eq(m->stop, STOP_LIMIT);
	ck_assert_int_eq(c->cpl, 3);
	ck_assert_uint_eq(c->eip, TM_IDT_HANDLER(EXC_TS));
	ck_assert_uint_eq(c->r[R_ESP], 0x70000 - 16);
	ck_assert_uint_eq(stack(0), TM_UDATA32 & ~3u);       /* the bad SS selector, no EXT (INT n) */
	ck_assert_uint_eq(stack(1), TM_CODE);
	ck_assert_uint_eq(stack(2), TM_UCODE32);             /* the interrupted CS */
	ck_assert_uint_eq(c->seg[S_CS].sel, 0x48 | 3);       /* conforming: CS.RPL = CPL 3 */
}
END_TEST

/* Table 6-5: a page fault while delivering a page fault is a double fault. */
START_TEST(page_fault_during_page_fault_is_double)
{
	jmp_buf jb;

	c->fault_jmp = &jb;
	c->eip = c->prev_eip = TM_CODE;
	c->prev_esp = c->r[R_ESP];
	c->exc_depth = 1;
	c->exc_vec = EXC_PF;
	c->fault_vec = EXC_PF;
	c->fault_err = 2;
	if (setjmp(jb) == 0)
		cpu_handle_fault(c);
	else
		ck_abort_msg("delivery of #DF faulted");
	ck_assert_uint_eq(c->eip, TM_IDT_HANDLER(EXC_DF));
	ck_assert_uint_eq(stack(0), 0);
	ck_assert_int_eq(c->exc_depth, 0);
	c->fault_jmp = NULL;
}
END_TEST

START_TEST(int3_and_into)
{
	/* mov eax,0x7fffffff; into (OF=0: nothing); add eax,1; into -> #OF */
	const uint8_t code[] = { 0xb8, 0xff, 0xff, 0xff, 0x7f, 0xce, 0x05, 0x01, 0, 0, 0, 0xce };
	const uint8_t bp[] = { 0xcc };

	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_OF);
	ck_assert_uint_eq(stack(0), TM_CODE + sizeof code);  /* a trap: after the INTO */
	tm_run(m, bp, sizeof bp, 10);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_BP);
	ck_assert_uint_eq(stack(0), TM_CODE + 1);
}
END_TEST

START_TEST(real_mode_int_and_iret)
{
	/* int 0x21; hlt     handler at 0000:0500: iret */
	const uint8_t code[] = { 0xcd, 0x21, 0xf4 };

	tm_real_mode(m);
	seg_load_real(c, S_CS, 0x1000);
	phys_write(m, 0x21 * 4, 2, 0x0500);
	phys_write(m, 0x21 * 4 + 2, 2, 0x0000);
	phys_write(m, 0x500, 1, 0xf4);                       /* first a hlt, to inspect the frame */
	phys_write(m, 0x501, 1, 0xcf);
	cpu_set_eflags(c, FL_1 | FL_IF);
	tm_run(m, code, sizeof code, 10);
	ck_assert_uint_eq(c->seg[S_CS].sel, 0);
	ck_assert_uint_eq(c->eip, 0x501);
	ck_assert_uint_eq(c->r[R_ESP], 0x8000 - 6);
	ck_assert_uint_eq(phys_read(m, 0x7ffa, 2), 2);       /* IP */
	ck_assert_uint_eq(phys_read(m, 0x7ffc, 2), 0x1000);  /* CS */
	ck_assert_uint_eq(phys_read(m, 0x7ffe, 2), FL_1 | FL_IF);
	ck_assert_uint_eq(c->eflags & FL_IF, 0);

	c->halted = 0;
	c->icount_limit = c->icount + 10;
	m->backend->run(m);
	ck_assert_uint_eq(c->seg[S_CS].sel, 0x1000);
	ck_assert_uint_eq(c->eip, 3);                        /* after the hlt that follows int 0x21 */
	ck_assert_uint_eq(c->r[R_ESP], 0x8000);
	ck_assert_uint_ne(c->eflags & FL_IF, 0);
}
END_TEST

/* #UD (benign) -> #NP (serial) -> #NP again: now two contributory faults in a row, so #DF. */
START_TEST(serial_then_contributory_is_double_fault)
{
	const uint8_t code[] = { 0x0f, 0x0b };
	uint32_t err = 1;

	idt_not_present(EXC_UD);
	idt_not_present(EXC_NP);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_DF);
	ck_assert_uint_eq(err, 0);
}
END_TEST

/* A 16-bit interrupt gate pushes a 16-bit frame and enters at a 16-bit offset. */
START_TEST(int_16bit_gate)
{
	const uint8_t code[] = { 0xcd, 0x40 };
	uint32_t esp;

	idt_set(0x40, TM_IDT_HANDLER(0x40), 0x6, 0, 1);
	cpu_set_eflags(c, FL_1 | FL_IF);
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, NULL), 0x40);
	esp = c->r[R_ESP];
	ck_assert_uint_eq(esp, 0x80000 - 6);
	ck_assert_uint_eq(phys_read(m, esp, 2), (TM_CODE + 2) & 0xffff);
	ck_assert_uint_eq(phys_read(m, esp + 2, 2), TM_CODE32);
	ck_assert_uint_eq(phys_read(m, esp + 4, 2), FL_1 | FL_IF);
}
END_TEST

/* IRET to ring 3 with an SS that is not ring-3 data: #GP(SS selector), nothing changed. */
START_TEST(iret_outer_bad_ss)
{
	/* push 0x10 (ring-0 SS!); push 0x70000; push 0x202; push 0x1b; push TM_CODE+0x20; iret */
	const uint8_t code[] = { 0x6a, 0x10, 0x68, 0x00, 0x00, 0x07, 0x00, 0x68, 0x02, 0x02, 0x00, 0x00, 0x6a, 0x1b,
				 0x68, 0x20, 0x00, 0x01, 0x00, 0xcf };
	uint32_t err;

	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_GP);
	ck_assert_uint_eq(err, 0x10);
	ck_assert_int_eq(c->cpl, 0);
	ck_assert_uint_eq(stack(1), TM_CODE + 19);           /* at the IRET */
	ck_assert_uint_eq(stack(2), TM_CODE32);
}
END_TEST

/* RETF may not return to a more privileged level. */
START_TEST(retf_to_inner_level_is_gp)
{
	/* at ring 3: push 0x08; push TM_CODE; retf */
	const uint8_t code[] = { 0x6a, 0x08, 0x68, 0x00, 0x00, 0x01, 0x00, 0xcb };
	uint32_t err;

	to_ring3();
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_GP);
	ck_assert_uint_eq(err, 0x08);
	ck_assert_uint_eq(stack(1), TM_CODE + 7);
	ck_assert_uint_eq(stack(4), 0x70000 - 8);            /* ESP as before the RETF */
}
END_TEST

/* Paging on, identity-mapped 4 MiB with user pages, except page 0x7f which is not present. */
static void paging_with_hole(void)
{
	phys_write(m, 0x9000, 4, 0xa000 | 7);
	for (uint32_t k = 0; k < 1024; k++)
		phys_write(m, 0xa000 + 4 * k, 4, k == 0x7f ? 0 : (k << 12) | 7);
	c->cr3 = 0x9000;
	c->cr0 |= CR0_PG;
	cpu_mode_changed(c);
}

/* INT 0x80 to a ring-3 handler whose frame crosses into a missing page: the #PF (CR2 = the missing
 * byte) is delivered with the interrupted state intact — ESP as before the INT, not half-pushed. */
START_TEST(page_fault_while_pushing_frame)
{
	const uint8_t code[] = { 0xcd, 0x80 };
	uint32_t err;

	paging_with_hole();
	idt_set(0x80, TM_IDT_HANDLER(0x80), 0xe, 3, 1);
	phys_write(m, 0x2000 + 8 * 0x80 + 2, 2, TM_UCODE32);  /* the handler runs at ring 3 */
	phys_write(m, 0x3000 + 4, 4, 0x90000);                /* #PF's ring-0 stack is fine */
	to_ring3();
	c->r[R_ESP] = 0x80004;
	tm_run(m, code, sizeof code, 10);
	ck_assert_int_eq(tm_exception(m, &err), EXC_PF);
	ck_assert_uint_eq(err, PFEC_W | PFEC_U);              /* not present, write, user */
	ck_assert_uint_eq(c->cr2, 0x7fffc);
	ck_assert_uint_eq(c->r[R_ESP], 0x90000 - 24);
	ck_assert_uint_eq(stack(1), TM_CODE);                 /* the INT, to be restarted */
	ck_assert_uint_eq(stack(2), TM_UCODE32);
	ck_assert_uint_eq(stack(4), 0x80004);
	ck_assert_uint_eq(stack(5), TM_UDATA32);
	ck_assert_int_eq(c->exc_depth, 0);
}
END_TEST

Suite *suite_interrupt(void)
{
	Suite *s = suite_create("interrupt");
	TCase *t = tcase_create("interrupt");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, int_same_privilege_frame);
	tcase_add_test(t, trap_gate_keeps_if);
	tcase_add_test(t, int_ring3_to_ring0_stack_switch);
	tcase_add_test(t, int_to_dpl0_gate_from_ring3_is_gp);
	tcase_add_test(t, iret_to_ring3_nulls_kernel_segments);
	tcase_add_test(t, iret_at_ring3_filters_flags);
	tcase_add_test(t, idt_limit_and_not_present);
	tcase_add_test(t, benign_then_contributory_is_serial);
	tcase_add_test(t, contributory_twice_is_double_fault);
	tcase_add_test(t, fault_during_double_fault_is_triple);
	tcase_add_test(t, bad_tss_stack_triple_faults_precisely);
	tcase_add_test(t, bad_tss_stack_is_ts);
	tcase_add_test(t, page_fault_during_page_fault_is_double);
	tcase_add_test(t, int3_and_into);
	tcase_add_test(t, real_mode_int_and_iret);
	tcase_add_test(t, serial_then_contributory_is_double_fault);
	tcase_add_test(t, int_16bit_gate);
	tcase_add_test(t, iret_outer_bad_ss);
	tcase_add_test(t, retf_to_inner_level_is_gp);
	tcase_add_test(t, page_fault_while_pushing_frame);
	suite_add_tcase(s, t);
	return s;
}
