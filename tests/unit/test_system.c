/* SPDX-License-Identifier: MIT
 *
 * test_system.c — the system instructions (system.c) and the reset state (cpu.c).  The centrepiece is
 * the lecture's argument that x86 is not classically virtualizable: SGDT, SIDT, SMSW, STR and SLDT run
 * at ring 3 without trapping and reveal the real descriptor tables and CR0, while the privileged
 * instructions (HLT, MOV CRn, LGDT, WRMSR...) trap with #GP(0).  Then the descriptor probes LAR/LSL/
 * VERR/VERW (ZF answers, never a fault), control registers, MSRs, CPUID and the virtual TSC.
 *
 * Handlers are run on hand-built decoded instructions (as test_datamov.c does) except where machine code
 * running at ring 3 makes the point better.
 */
#include <check.h>
#include <setjmp.h>
#include <string.h>
#include "testutil.h"
#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "cpu/system.h"

static struct machine *m;
static struct cpu *c;

static void setup(void)
{
	m = tm_new();
	c = &m->cpu;
	c->eip = TM_CODE;
	c->icount_limit = UINT64_MAX;
}

static void teardown(void)
{
	tm_free(m);
}

/* One instruction as the run loop executes it (testutil.h). */
static int run(const struct insn *i)
{
	return tm_exec(m, i);
}

/* op with register operands o[0] = r0 and o[1] = r1 (sizes s0, s1; 0 = no such operand). */
static struct insn mk(enum op_id op, unsigned osz, unsigned r0, unsigned s0, unsigned r1, unsigned s1)
{
	struct insn i = { .exec = op_table[op].exec, .op = (uint16_t)op, .len = 3, .osz = (uint8_t)osz, .asz = 4,
			  .seg = S_DS, .base = R_ZERO, .index = R_ZERO, .nopnd = 2,
			  .o = { { s0 ? OPK_REG : OPK_NONE, (uint8_t)s0, (uint8_t)r0 },
				 { s1 ? OPK_REG : OPK_NONE, (uint8_t)s1, (uint8_t)r1 } } };
	return i;
}

/* MOV CRn/DRn: o[0] = control/debug register n, o[1] = general register r, or the reverse. */
static struct insn mk_cr(enum op_id op, unsigned n, unsigned r, int to)
{
	unsigned kind = (op == OP_MOV_TO_DR || op == OP_MOV_FROM_DR) ? OPK_DR : OPK_CR;
	struct insn i = mk(op, 4, 0, 0, 0, 0);

	i.o[to ? 0 : 1] = (struct opnd){ (uint8_t)kind, 4, (uint8_t)n };
	i.o[to ? 1 : 0] = (struct opnd){ OPK_REG, 4, (uint8_t)r };
	return i;
}

static int zf(void)
{
	return (cpu_get_eflags(c) & FL_ZF) != 0;
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

/* ---- sensitive vs. privileged ------------------------------------------------------------------------- */

START_TEST(sensitive_instructions_reveal_state_at_ring3)
{
	const uint8_t code[] = {
		0x0f, 0x01, 0x05, 0x00, 0x10, 0x07, 0x00,   /* sgdt [0x71000] */
		0x0f, 0x01, 0x0d, 0x10, 0x10, 0x07, 0x00,   /* sidt [0x71010] */
		0x0f, 0x01, 0xe0,                           /* smsw eax */
		0x0f, 0x00, 0xcb,                           /* str ebx */
		0x0f, 0x00, 0xc1,                           /* sldt ecx */
		0xf4,                                       /* hlt: this one traps */
	};

	to_ring3();
	c->r[R_ECX] = 0xffffffffu;
	tm_run(m, code, sizeof code, 20);
	ck_assert_int_eq(tm_exception(m, NULL), EXC_GP);
	ck_assert_uint_eq(phys_read(m, 0x71000, 2), 0x47);     /* the kernel's GDT limit... */
	ck_assert_uint_eq(phys_read(m, 0x71002, 4), 0x1000);   /* ...and where it is */
	ck_assert_uint_eq(phys_read(m, 0x71010, 2), 0x7ff);
	ck_assert_uint_eq(phys_read(m, 0x71012, 4), 0x2000);
	ck_assert_uint_eq(c->r[R_EAX], CR0_PE | CR0_ET);       /* all of CR0 */
	ck_assert_uint_eq(c->r[R_EBX], TM_TSS);
	ck_assert_uint_eq(c->r[R_ECX], 0);                     /* zero-extended null LDTR */
}
END_TEST

START_TEST(privileged_instructions_trap_at_ring3)
{
	static const struct { uint8_t len, b[7]; } cases[] = {
		{ 1, { 0xf4 } },                                /* hlt */
		{ 3, { 0x0f, 0x22, 0xc0 } },                    /* mov cr0, eax */
		{ 3, { 0x0f, 0x20, 0xd8 } },                    /* mov eax, cr3 */
		{ 7, { 0x0f, 0x01, 0x15, 0x00, 0x10, 0x07, 0x00 } },  /* lgdt [0x71000] */
		{ 3, { 0x0f, 0x00, 0xd8 } },                    /* ltr ax */
		{ 2, { 0x0f, 0x30 } },                          /* wrmsr */
		{ 2, { 0x0f, 0x32 } },                          /* rdmsr */
		{ 2, { 0x0f, 0x06 } },                          /* clts */
		{ 3, { 0x0f, 0x01, 0xf0 } },                    /* lmsw ax */
		{ 7, { 0x0f, 0x01, 0x3d, 0x00, 0x10, 0x07, 0x00 } },  /* invlpg [0x71000] */
		{ 2, { 0x0f, 0x35 } },                          /* sysexit */
	};

	for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		uint32_t err = 1;

		to_ring3();
		tm_run(m, cases[k].b, cases[k].len, 5);
		ck_assert_msg(tm_exception(m, &err) == EXC_GP && err == 0, "case %u: no #GP(0)", k);
		ck_assert_uint_eq(phys_read(m, c->r[R_ESP] + 4, 4), TM_CODE);   /* at the instruction */
	}
	ck_assert_uint_eq(c->cr0, CR0_PE | CR0_ET);
}
END_TEST

START_TEST(hlt_halts_at_ring0)
{
	struct insn i = mk(OP_HLT, 4, 0, 0, 0, 0);

	ck_assert_int_eq(run(&i), -1);
	ck_assert_int_eq(c->halted, 1);
}
END_TEST

/* ---- descriptor probes ------------------------------------------------------------------------------------ */

static int probe(enum op_id op, uint16_t sel)
{
	struct insn i = op == OP_VERR || op == OP_VERW ? mk(op, 4, R_ECX, 2, 0, 0) : mk(op, 4, R_EAX, 4, R_ECX, 2);

	c->r[R_ECX] = sel;
	ck_assert_int_eq(run(&i), -1);
	return zf();
}

START_TEST(lar_lsl)
{
	/* A call gate at 0x48 and an interrupt gate at 0x50 in the GDT. */
	phys_write(m, 0x1048, 4, 0x00080000);
	phys_write(m, 0x104c, 4, 0x0000ec00);
	phys_write(m, 0x1050, 4, 0x00080000);
	phys_write(m, 0x1054, 4, 0x00008e00);
	c->gdtr.limit = 0x57;

	c->r[R_EAX] = 0;
	ck_assert_int_eq(probe(OP_LAR, TM_UCODE32), 1);
	ck_assert_uint_eq(c->r[R_EAX] & ~0x100u, 0x00c0fa00);   /* type..G, limit bits masked */
	ck_assert_int_eq(probe(OP_LAR, TM_TSS), 1);
	ck_assert_uint_eq(c->r[R_EAX], 0x00008b00);
	ck_assert_int_eq(probe(OP_LAR, 0x48), 1);                 /* call gates have access rights */
	c->r[R_EAX] = 0x5555;
	ck_assert_int_eq(probe(OP_LAR, 0x50), 0);                 /* interrupt gates do not */
	ck_assert_int_eq(probe(OP_LAR, 0), 0);                    /* null */
	ck_assert_int_eq(probe(OP_LAR, 0x58), 0);                 /* beyond the GDT */
	ck_assert_uint_eq(c->r[R_EAX], 0x5555);                   /* untouched on failure */

	ck_assert_int_eq(probe(OP_LSL, TM_LIMDATA), 1);
	ck_assert_uint_eq(c->r[R_EAX], 0xfff);
	ck_assert_int_eq(probe(OP_LSL, TM_DATA32), 1);
	ck_assert_uint_eq(c->r[R_EAX], 0xffffffffu);              /* scaled by G */
	ck_assert_int_eq(probe(OP_LSL, TM_TSS), 1);
	ck_assert_uint_eq(c->r[R_EAX], 0x67);
	ck_assert_int_eq(probe(OP_LSL, 0x48), 0);                 /* a gate has no limit */
	ck_assert_int_eq(probe(OP_LSL, TM_DATA32 | 3), 0);        /* RPL 3 > DPL 0 */
}
END_TEST

START_TEST(verr_verw_and_privilege)
{
	ck_assert_int_eq(probe(OP_VERR, TM_CODE32), 1);           /* readable code */
	ck_assert_int_eq(probe(OP_VERW, TM_CODE32), 0);           /* code is never writable */
	ck_assert_int_eq(probe(OP_VERW, TM_DATA32), 1);
	ck_assert_int_eq(probe(OP_VERR, TM_DATA32 | 3), 0);       /* RPL 3 > DPL 0 */
	ck_assert_int_eq(probe(OP_VERR, TM_TSS), 0);              /* system descriptor */
	to_ring3();
	ck_assert_int_eq(probe(OP_VERR, TM_UDATA32), 1);
	ck_assert_int_eq(probe(OP_VERW, TM_UDATA32), 1);
	ck_assert_int_eq(probe(OP_VERW, TM_UCODE32), 0);
	ck_assert_int_eq(probe(OP_VERR, TM_DATA32), 0);           /* DPL 0 < CPL 3 */
	ck_assert_int_eq(probe(OP_LAR, TM_CODE32), 0);
	ck_assert_int_eq(probe(OP_LAR, TM_UDATA32), 1);
}
END_TEST

START_TEST(probes_are_ud_in_real_mode)
{
	struct insn i = mk(OP_LAR, 4, R_EAX, 4, R_ECX, 2);

	tm_real_mode(m);
	ck_assert_int_eq(run(&i), EXC_UD);
}
END_TEST

START_TEST(arpl_adjusts_rpl)
{
	struct insn i = mk(OP_ARPL, 2, R_EAX, 2, R_ECX, 2);

	c->r[R_EAX] = 0xabcd0010;
	c->r[R_ECX] = 0x23;
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xabcd0013);
	ck_assert_int_eq(zf(), 1);
	ck_assert_int_eq(run(&i), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xabcd0013);
	ck_assert_int_eq(zf(), 0);
}
END_TEST

/* ---- descriptor-table registers ------------------------------------------------------------------------- */

START_TEST(ltr_marks_busy_lldt_loads)
{
	struct insn ltr = mk(OP_LTR, 2, R_EAX, 2, 0, 0), lldt = mk(OP_LLDT, 2, R_EAX, 2, 0, 0);

	phys_write(m, 0x1048, 4, 0x50000067);                   /* available 32-bit TSS at 0x5000 */
	phys_write(m, 0x104c, 4, 0x00008900);
	phys_write(m, 0x1050, 4, 0x6000000f);                   /* LDT at 0x6000, 2 entries */
	phys_write(m, 0x1054, 4, 0x00008200);
	c->gdtr.limit = 0x57;

	c->r[R_EAX] = 0x48;
	ck_assert_int_eq(run(&ltr), -1);
	ck_assert_uint_eq(c->seg[S_TR].sel, 0x48);
	ck_assert_uint_eq(c->seg[S_TR].base, 0x5000);
	ck_assert_uint_eq(phys_read(m, 0x104d, 1), 0x8b);        /* busy */
	ck_assert_int_eq(run(&ltr), EXC_GP);                     /* a busy TSS cannot be loaded again */
	ck_assert_uint_eq(c->fault_err, 0x48);

	c->r[R_EAX] = 0x50;
	ck_assert_int_eq(run(&ltr), EXC_GP);                     /* an LDT is not a TSS */
	ck_assert_int_eq(run(&lldt), -1);
	ck_assert_uint_eq(c->seg[S_LDTR].base, 0x6000);
	ck_assert_uint_eq(c->seg[S_LDTR].limit, 0xf);
	/* An LDT selector now finds its descriptor: a data segment in LDT entry 1. */
	phys_write(m, 0x6008, 4, 0x0000ffff);
	phys_write(m, 0x600c, 4, 0x00009200);
	ck_assert_int_eq(probe(OP_VERW, 0x0c), 1);
	c->r[R_EAX] = TM_DATA32;
	ck_assert_int_eq(run(&lldt), EXC_GP);                    /* not an LDT descriptor */
	c->r[R_EAX] = 0;
	ck_assert_int_eq(run(&lldt), -1);                        /* null: no LDT */
	ck_assert_int_eq(probe(OP_VERW, 0x0c), 0);
}
END_TEST

START_TEST(lgdt_sgdt_roundtrip)
{
	struct insn lgdt = mk(OP_LGDT, 4, 0, 0, 0, 0), sgdt = mk(OP_SGDT, 2, 0, 0, 0, 0);

	lgdt.o[0] = (struct opnd){ OPK_MEM, 6, 0 };
	lgdt.disp = 0x5000;
	sgdt.o[0] = (struct opnd){ OPK_MEM, 6, 0 };
	sgdt.disp = 0x5010;
	phys_write(m, 0x5000, 2, 0x1234);
	phys_write(m, 0x5002, 4, 0xfedcba98);
	ck_assert_int_eq(run(&lgdt), -1);
	ck_assert_uint_eq(c->gdtr.limit, 0x1234);
	ck_assert_uint_eq(c->gdtr.base, 0xfedcba98);
	ck_assert_int_eq(run(&sgdt), -1);                        /* 16-bit operand size: full base anyway */
	ck_assert_uint_eq(phys_read(m, 0x5010, 2), 0x1234);
	ck_assert_uint_eq(phys_read(m, 0x5012, 4), 0xfedcba98);
	lgdt.osz = 2;                                            /* 16-bit LGDT loads 24 bits of base */
	ck_assert_int_eq(run(&lgdt), -1);
	ck_assert_uint_eq(c->gdtr.base, 0x00dcba98);
}
END_TEST

/* ---- control and debug registers -------------------------------------------------------------------------- */

START_TEST(mov_cr_rules)
{
	struct insn to0 = mk_cr(OP_MOV_TO_CR, 0, R_EAX, 1), to3 = mk_cr(OP_MOV_TO_CR, 3, R_EAX, 1),
		    to4 = mk_cr(OP_MOV_TO_CR, 4, R_EAX, 1), to2 = mk_cr(OP_MOV_TO_CR, 2, R_EAX, 1),
		    from2 = mk_cr(OP_MOV_FROM_CR, 2, R_EBX, 0), to1 = mk_cr(OP_MOV_TO_CR, 1, R_EAX, 1);

	c->r[R_EAX] = CR0_PG;                                    /* paging without protection */
	ck_assert_int_eq(run(&to0), EXC_GP);
	c->r[R_EAX] = CR0_NW | CR0_PE;                           /* NW without CD */
	ck_assert_int_eq(run(&to0), EXC_GP);
	c->r[R_EAX] = CR0_PE | CR0_TS | 0x100;                   /* reserved bit ignored, ET forced */
	ck_assert_int_eq(run(&to0), -1);
	ck_assert_uint_eq(c->cr0, CR0_PE | CR0_TS | CR0_ET);
	c->r[R_EAX] = CR4_PAE;
	ck_assert_int_eq(run(&to4), EXC_GP);                     /* PAE is not implemented */
	c->r[R_EAX] = CR4_PSE | CR4_PGE;
	ck_assert_int_eq(run(&to4), -1);
	ck_assert_uint_eq(c->cr4, CR4_PSE | CR4_PGE);
	c->r[R_EAX] = 0x12345fff;
	ck_assert_int_eq(run(&to3), -1);
	ck_assert_uint_eq(c->cr3, 0x12345018);                   /* frame, PWT, PCD */
	c->r[R_EAX] = 0xdeadbeef;
	ck_assert_int_eq(run(&to2), -1);
	ck_assert_int_eq(run(&from2), -1);
	ck_assert_uint_eq(c->r[R_EBX], 0xdeadbeef);
	ck_assert_int_eq(run(&to1), EXC_UD);
}
END_TEST

START_TEST(lmsw_cannot_clear_pe_clts)
{
	struct insn lmsw = mk(OP_LMSW, 2, R_EAX, 2, 0, 0), clts = mk(OP_CLTS, 4, 0, 0, 0, 0);

	c->r[R_EAX] = CR0_TS | CR0_MP;                           /* PE clear in the source */
	ck_assert_int_eq(run(&lmsw), -1);
	ck_assert_uint_eq(c->cr0, CR0_PE | CR0_ET | CR0_TS | CR0_MP);
	ck_assert_int_eq(run(&clts), -1);
	ck_assert_uint_eq(c->cr0 & CR0_TS, 0);

	tm_real_mode(m);
	c->r[R_EAX] = CR0_PE;                                    /* but it can set PE */
	ck_assert_int_eq(run(&lmsw), -1);
	ck_assert_uint_eq(c->cr0 & CR0_PE, CR0_PE);
	ck_assert_int_eq(c->cpl, 0);
}
END_TEST

START_TEST(debug_registers)
{
	struct insn to7 = mk_cr(OP_MOV_TO_DR, 7, R_EAX, 1), from5 = mk_cr(OP_MOV_FROM_DR, 5, R_EBX, 0),
		    from6 = mk_cr(OP_MOV_FROM_DR, 6, R_EBX, 0);

	c->r[R_EAX] = 0x3;
	ck_assert_int_eq(run(&to7), -1);
	ck_assert_int_eq(run(&from5), -1);                       /* DR5 aliases DR7 without CR4.DE */
	ck_assert_uint_eq(c->r[R_EBX], 0x403);
	c->cr4 = CR4_DE;
	ck_assert_int_eq(run(&from5), EXC_UD);
	ck_assert_int_eq(run(&from6), -1);
}
END_TEST

/* ---- CPUID, TSC, MSRs ---------------------------------------------------------------------------------- */

static void cpuid(uint32_t leaf)
{
	struct insn i = mk(OP_CPUID, 4, 0, 0, 0, 0);

	c->r[R_EAX] = leaf;
	c->r[R_ECX] = 0;
	ck_assert_int_eq(run(&i), -1);
}

START_TEST(cpuid_values)
{
	char v[13] = { 0 };
	uint32_t l1[4];

	cpuid(0);
	ck_assert_uint_eq(c->r[R_EAX], 1);
	memcpy(v, &c->r[R_EBX], 4);
	memcpy(v + 4, &c->r[R_EDX], 4);
	memcpy(v + 8, &c->r[R_ECX], 4);
	ck_assert_str_eq(v, "GenuineIntel");

	cpuid(1);
	ck_assert_uint_eq((c->r[R_EAX] >> 8) & 0xf, 6);          /* family 6 */
	ck_assert_uint_ne(c->r[R_EDX] & (1u << 4), 0);            /* TSC */
	ck_assert_uint_ne(c->r[R_EDX] & (1u << 9), 0);            /* APIC */
	ck_assert_uint_ne(c->r[R_EDX] & (1u << 11), 0);           /* SEP */
	ck_assert_uint_ne(c->r[R_EDX] & (1u << 8), 0);            /* CX8 */
	ck_assert_uint_ne(c->r[R_EDX] & (1u << 15), 0);           /* CMOV */
	ck_assert_uint_eq(c->r[R_EDX] & (1u << 6), 0);            /* no PAE */
	ck_assert_uint_eq(c->r[R_EDX] & (1u << 23), 0);           /* no MMX */
	ck_assert_uint_eq(c->r[R_EDX] & (3u << 25), 0);           /* no SSE/SSE2 */
	ck_assert_uint_eq(c->r[R_ECX], 0);
	l1[0] = c->r[R_EAX]; l1[1] = c->r[R_EBX]; l1[2] = c->r[R_ECX]; l1[3] = c->r[R_EDX];

	cpuid(7);                                                 /* beyond the maximum: leaf 1's data */
	ck_assert_uint_eq(c->r[R_EAX], l1[0]);
	ck_assert_uint_eq(c->r[R_EDX], l1[3]);

	cpuid(0x80000000u);
	ck_assert_uint_ge(c->r[R_EAX], 0x80000000u);
	cpuid(0x80000001u);
	ck_assert_uint_eq(c->r[R_EDX], 0);                        /* no long mode, no NX */
}
END_TEST

START_TEST(rdtsc_is_virtual_time)
{
	struct insn rdtsc = mk(OP_RDTSC, 4, 0, 0, 0, 0), wrmsr = mk(OP_WRMSR, 4, 0, 0, 0, 0);

	c->icount = 1000;
	c->tsc_offset = 5;
	ck_assert_int_eq(run(&rdtsc), -1);
	ck_assert_uint_eq(c->r[R_EAX], 1005);
	ck_assert_uint_eq(c->r[R_EDX], 0);

	c->r[R_ECX] = MSR_TSC;                                    /* the TSC continues from what is written */
	c->r[R_EDX] = 1;
	c->r[R_EAX] = 0;
	ck_assert_int_eq(run(&wrmsr), -1);
	c->icount += 3;
	ck_assert_int_eq(run(&rdtsc), -1);
	ck_assert_uint_eq(c->r[R_EDX], 1);
	ck_assert_uint_eq(c->r[R_EAX], 4);   /* the WRMSR itself retired, then 3 more instructions */

	c->cr4 = CR4_TSD;                                         /* CR4.TSD: privileged */
	to_ring3();
	ck_assert_int_eq(run(&rdtsc), EXC_GP);
}
END_TEST

START_TEST(msrs)
{
	struct insn rd = mk(OP_RDMSR, 4, 0, 0, 0, 0), wr = mk(OP_WRMSR, 4, 0, 0, 0, 0);

	c->r[R_ECX] = MSR_APIC_BASE;
	ck_assert_int_eq(run(&rd), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xfee00900);               /* reset value: enabled, BSP */
	ck_assert_uint_eq(c->r[R_EDX], 0);
	c->r[R_EAX] = 0xfee00000;                                 /* disable the APIC */
	ck_assert_int_eq(run(&wr), -1);
	ck_assert_uint_eq(c->apic_base, 0xfee00100);              /* BSP stays */
	c->r[R_EAX] = 0xfee00001;                                 /* reserved bit */
	ck_assert_int_eq(run(&wr), EXC_GP);

	c->r[R_ECX] = MSR_SYSENTER_EIP;
	c->r[R_EAX] = 0xc0001000;
	c->r[R_EDX] = 0;
	ck_assert_int_eq(run(&wr), -1);
	c->r[R_EAX] = 0;
	ck_assert_int_eq(run(&rd), -1);
	ck_assert_uint_eq(c->r[R_EAX], 0xc0001000);

	c->r[R_ECX] = 0x12345;                                    /* unknown MSR */
	ck_assert_int_eq(run(&rd), EXC_GP);
	ck_assert_int_eq(run(&wr), EXC_GP);
}
END_TEST

START_TEST(sysenter_sysexit)
{
	struct insn enter = mk(OP_SYSENTER, 4, 0, 0, 0, 0), exit_ = mk(OP_SYSEXIT, 4, 0, 0, 0, 0);

	to_ring3();
	ck_assert_int_eq(run(&enter), EXC_GP);                    /* SYSENTER_CS is 0 */
	c->sysenter_cs = TM_CODE32;
	c->sysenter_esp = 0x80000;
	c->sysenter_eip = 0x12345;
	cpu_set_eflags(c, FL_1 | FL_IF);
	ck_assert_int_eq(run(&enter), -1);
	ck_assert_int_eq(c->cpl, 0);
	ck_assert_uint_eq(c->seg[S_CS].sel, TM_CODE32);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_DATA32);
	ck_assert_uint_eq(c->eip, 0x12345);
	ck_assert_uint_eq(c->r[R_ESP], 0x80000);
	ck_assert_uint_eq(c->eflags & FL_IF, 0);

	c->r[R_ECX] = 0x6f000;
	c->r[R_EDX] = 0x10100;
	ck_assert_int_eq(run(&exit_), -1);
	ck_assert_int_eq(c->cpl, 3);
	ck_assert_uint_eq(c->seg[S_CS].sel, TM_UCODE32);
	ck_assert_uint_eq(c->seg[S_SS].sel, TM_UDATA32);
	ck_assert_uint_eq(c->seg[S_CS].attr & DESC_DPL, DESC_DPL);
	ck_assert_uint_eq(c->eip, 0x10100);
	ck_assert_uint_eq(c->r[R_ESP], 0x6f000);
	ck_assert_int_eq(run(&exit_), EXC_GP);                    /* CPL 3 */
}
END_TEST

/* ---- reset ------------------------------------------------------------------------------------------------ */

START_TEST(reset_state)
{
	c->icount = 500;
	c->cr4 = CR4_PSE;
	cpu_reset(c);
	ck_assert_uint_eq(c->eip, 0xfff0);
	ck_assert_uint_eq(c->seg[S_CS].sel, 0xf000);
	ck_assert_uint_eq(c->seg[S_CS].base, 0xffff0000u);
	ck_assert_uint_eq(c->seg[S_CS].limit, 0xffff);
	ck_assert_uint_eq(c->seg[S_DS].base, 0);
	ck_assert_uint_eq(cpu_get_eflags(c), 0x2);
	ck_assert_uint_eq(c->cr0, 0x60000010);
	ck_assert_uint_eq(c->cr4, 0);
	ck_assert_uint_eq(c->r[R_EDX] >> 8 & 0xf, 6);            /* the processor signature */
	ck_assert_uint_eq(c->dr[6], 0xffff0ff0u);
	ck_assert_uint_eq(c->dr[7], 0x400);
	ck_assert_uint_eq(c->idtr.limit, 0xffff);
	ck_assert_int_eq(c->cpl, 0);
	ck_assert_uint_eq(c->icount + c->tsc_offset, 0);         /* TSC = 0, the clock keeps running */
	ck_assert_uint_eq(c->icount, 500);
	ck_assert_uint_eq(c->fpu.cw, 0x037f);
	ck_assert_ptr_eq(c->m, m);
}
END_TEST

Suite *suite_system(void)
{
	Suite *s = suite_create("system");
	TCase *t = tcase_create("system");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, sensitive_instructions_reveal_state_at_ring3);
	tcase_add_test(t, privileged_instructions_trap_at_ring3);
	tcase_add_test(t, hlt_halts_at_ring0);
	tcase_add_test(t, lar_lsl);
	tcase_add_test(t, verr_verw_and_privilege);
	tcase_add_test(t, probes_are_ud_in_real_mode);
	tcase_add_test(t, arpl_adjusts_rpl);
	tcase_add_test(t, ltr_marks_busy_lldt_loads);
	tcase_add_test(t, lgdt_sgdt_roundtrip);
	tcase_add_test(t, mov_cr_rules);
	tcase_add_test(t, lmsw_cannot_clear_pe_clts);
	tcase_add_test(t, debug_registers);
	tcase_add_test(t, cpuid_values);
	tcase_add_test(t, rdtsc_is_virtual_time);
	tcase_add_test(t, msrs);
	tcase_add_test(t, sysenter_sysexit);
	tcase_add_test(t, reset_state);
	suite_add_tcase(s, t);
	return s;
}
