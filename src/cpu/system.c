/* SPDX-License-Identifier: MIT
 *
 * system.c — the system instructions: descriptor-table registers (LGDT LIDT SGDT SIDT LLDT SLDT LTR STR),
 * control and debug registers (MOV CRn/DRn, LMSW SMSW CLTS), TLB and cache control (INVLPG INVD WBINVD),
 * HLT, the descriptor probes (LAR LSL VERR VERW ARPL) and the model-specific ones (CPUID RDTSC RDMSR
 * WRMSR RDPMC).  SDM vol. 2 gives each instruction; vol. 3A ch. 2 "System architecture overview" the
 * registers.
 *
 * Two lecture ideas meet here.  The privileged instructions (C_PRIV in insn.def) raise #GP(0) at CPL > 0:
 * a deprivileged guest kernel traps on them, which is what trap-and-emulate needs.  But SGDT, SIDT, SLDT,
 * STR and SMSW are NOT privileged: user code can read where the kernel keeps its tables and whether
 * paging is on — Robin & Irvine's "sensitive but unprivileged" instructions that make x86 not classically
 * virtualizable (tests/unit/test_system.c shows ring 3 reading them).
 *
 * Time: RDTSC returns the retired-instruction count plus an offset, never host time, so a run is
 * deterministic and replayable (docs/: virtual time).  The one exception is opt-in: `-tsc host` (refused
 * by `revisor record`) asks the event layer for the host's TSC, so that the costs guest can time host
 * cycles per operation.
 *
 * Choices (documented): SGDT/SIDT store a full 32-bit base even with a 16-bit operand size (P6 and later
 * behave so; the 286 stored 24 bits); SMSW to a 32-bit register stores all of CR0; CR4.PAE and the V86
 * extensions are refused with #GP(0); debug registers are stored but breakpoints are not implemented;
 * RDPMC reads 0 from the two P6 counters.
 */
#include "system.h"
#include "mem.h"
#include "flags.h"
#include "operand.h"
#include "machine.h"

/* Privileged instructions: #GP(0) unless CPL 0 (real mode is CPL 0). */
static void need_cpl0(struct cpu *c)
{
	if (c->cpl != 0)
		cpu_gp0(c);
}

/* The instructions that only make sense with descriptor tables raise #UD in real mode. */
static void need_pmode(struct cpu *c)
{
	if (!cpu_pmode(c))
		cpu_ud(c);
}

/* Store a 16-bit selector-like value: memory gets 16 bits, a 32-bit register the value zero-extended. */
static void store_word(struct cpu *c, const struct insn *i, uint32_t v)
{
	if (i->o[0].kind == OPK_MEM)
		seg_write(c, i->seg, insn_ea(c, i), 2, v & 0xffff);
	else
		reg_set(c, i->o[0].reg, i->osz == 4 ? 4 : 2, v);
}

static uint16_t load_word(struct cpu *c, const struct insn *i, int k)
{
	if (i->o[k].kind == OPK_MEM)
		return (uint16_t)seg_read(c, i->seg, insn_ea(c, i), 2);
	return (uint16_t)opnd_read(c, i, k);
}

void op_hlt(struct cpu *c, const struct insn *i)
{
	need_cpl0(c);
	c->halted = 1;   /* the run loop idles (advancing virtual time) until an interrupt */
}

void op_nop_priv(struct cpu *c, const struct insn *i)
{
	need_cpl0(c);   /* INVD, WBINVD: no caches to write back */
}

/* ---- GDTR, IDTR ------------------------------------------------------------------------------------ */

/* The 6-byte pseudo-descriptor: 16-bit limit then 32-bit base (SDM 3.5.1); a 16-bit operand size loads
 * only 24 bits of base. */
static void load_dtr(struct cpu *c, const struct insn *i, struct dtr *d)
{
	uint32_t ea, limit, base;

	need_cpl0(c);
	if (i->o[0].kind != OPK_MEM)
		cpu_ud(c);
	ea = insn_ea(c, i);
	limit = seg_read(c, i->seg, ea, 2);
	base = seg_read(c, i->seg, i->asz == 2 ? (ea + 2) & 0xffff : ea + 2, 4);
	d->limit = (uint16_t)limit;
	d->base = i->osz == 2 ? base & 0xffffff : base;
}

static void store_dtr(struct cpu *c, const struct insn *i, const struct dtr *d)
{
	uint8_t b[6] = { (uint8_t)d->limit, (uint8_t)(d->limit >> 8), (uint8_t)d->base,
			 (uint8_t)(d->base >> 8), (uint8_t)(d->base >> 16), (uint8_t)(d->base >> 24) };

	if (i->o[0].kind != OPK_MEM)
		cpu_ud(c);
	seg_write_buf(c, i->seg, insn_ea(c, i), b, 6);
}

void op_lgdt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->gdtr); }
void op_lidt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->idtr); }
void op_sgdt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->gdtr); }
void op_sidt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->idtr); }

/* ---- LDTR, TR -------------------------------------------------------------------------------------- */

/* LLDT/LTR take a GDT selector of a system descriptor of the given type(s). */
static void load_sys_desc(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi, int ltr)
{
	uint32_t err = sel & ~SEL_RPL;
	unsigned type;

	if ((sel & SEL_TI) || desc_read(c, sel, lo, hi))
		cpu_fault(c, EXC_GP, err);
	type = desc_attr(*hi) & (DESC_S | DESC_TYPE);
	if (ltr ? (type != SYS_TSS32_AVAIL && type != SYS_TSS16_AVAIL) : type != SYS_LDT)
		cpu_fault(c, EXC_GP, err);
	if (!(desc_attr(*hi) & DESC_P))
		cpu_fault(c, EXC_NP, err);
}

void op_lldt(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint32_t lo, hi;

	need_pmode(c);
	need_cpl0(c);
	sel = load_word(c, i, 0);
	if ((sel & ~SEL_RPL) == 0) {
		c->seg[S_LDTR] = (struct seg){ .sel = sel };   /* null: no LDT, LDT references #GP */
		return;
	}
	load_sys_desc(c, sel, &lo, &hi, 0);
	desc_unpack(&c->seg[S_LDTR], sel, lo, hi);
}

void op_ltr(struct cpu *c, const struct insn *i)
{
	uint16_t sel;
	uint32_t lo, hi;
	int64_t a;

	need_pmode(c);
	need_cpl0(c);
	sel = load_word(c, i, 0);
	if ((sel & ~SEL_RPL) == 0)
		cpu_gp0(c);
	load_sys_desc(c, sel, &lo, &hi, 1);
	/* Mark the TSS busy in the GDT (type bit 1), as the processor does; loading a busy TSS again
	 * would then #GP. */
	hi |= 2u << 8;
	a = c->gdtr.base + (sel & SEL_INDEX);
	lin_write(c, (uint32_t)a + 5, 1, (hi >> 8) & 0xff, LIN_SYS);
	desc_unpack(&c->seg[S_TR], sel, lo, hi);
}

void op_sldt(struct cpu *c, const struct insn *i)
{
	need_pmode(c);
	store_word(c, i, c->seg[S_LDTR].sel);
}

void op_str(struct cpu *c, const struct insn *i)
{
	need_pmode(c);
	store_word(c, i, c->seg[S_TR].sel);
}

/* ---- control registers ----------------------------------------------------------------------------- */

#define CR0_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | \
		  CR0_CD | CR0_PG)
/* CR4 bits we implement: TSD, DE, PSE, PGE, PCE (VME/PVI need V86 mode, PAE another paging mode, MCE a
 * machine-check architecture; OSFXSR needs SSE). */
#define CR4_BITS (CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE)

/* MOV CR0 and LMSW: validate, store, and flush what depends on the paging mode.  The CPL only changes
 * through a far transfer, so setting PE leaves CPL 0; clearing it returns to real mode's CPL 0. */
static void write_cr0(struct cpu *c, uint32_t v)
{
	uint32_t old = c->cr0;

	/* Reserved bits are ignored and ET is hardwired to 1 on P6; PG needs PE; NW needs CD (SDM 2.5). */
	v = (v & CR0_BITS) | CR0_ET;
	if ((v & CR0_PG) && !(v & CR0_PE))
		cpu_gp0(c);
	if ((v & CR0_NW) && !(v & CR0_CD))
		cpu_gp0(c);
	c->cr0 = v;
	if ((old ^ v) & (CR0_PG | CR0_PE | CR0_WP))
		cpu_mode_changed(c);
}

void cpu_mode_changed(struct cpu *c)
{
	if (!cpu_pmode(c))
		c->cpl = 0;
	/* Cached translations were made under the old paging rules. */
	tlb_flush(c);
}

void op_mov_to_cr(struct cpu *c, const struct insn *i)
{
	uint32_t v = c->r[i->o[1].reg], old;

	need_cpl0(c);
	switch (i->o[0].reg) {
	case 0:
		write_cr0(c, v);
		break;
	case 2:
		c->cr2 = v;   /* the page-fault address: software may write it (e.g. when switching tasks) */
		break;
	case 3:
		c->cr3 = v & (PTE_FRAME | PTE_PWT | PTE_PCD);
		cpu_mode_changed(c);   /* a new address space: flush the TLB */
		break;
	case 4:
		if (v & ~CR4_BITS)
			cpu_gp0(c);   /* reserved or unsupported (PAE!) bits */
		old = c->cr4;
		c->cr4 = v;
		if ((old ^ v) & (CR4_PSE | CR4_PGE))
			cpu_mode_changed(c);
		break;
	default:
		cpu_ud(c);    /* CR1, CR5..CR7 do not exist */
	}
}

void op_mov_from_cr(struct cpu *c, const struct insn *i)
{
	uint32_t v;

	need_cpl0(c);
	switch (i->o[1].reg) {
	case 0: v = c->cr0; break;
	case 2: v = c->cr2; break;
	case 3: v = c->cr3; break;
	case 4: v = c->cr4; break;
	default: cpu_ud(c);
	}
	c->r[i->o[0].reg] = v;
}

/* LMSW loads PE, MP, EM and TS; it can set PE but never clear it (SDM vol. 2A "LMSW"). */
void op_lmsw(struct cpu *c, const struct insn *i)
{
	uint32_t v, msw = CR0_PE | CR0_MP | CR0_EM | CR0_TS;

	need_cpl0(c);
	v = load_word(c, i, 0);
	write_cr0(c, (c->cr0 & ~(msw & ~CR0_PE)) | (v & msw));
}

/* SMSW: 16 bits to memory; to a register, all of CR0 with a 32-bit operand size.  Not privileged —
 * the lecture's example of a sensitive instruction that reveals the real CR0 to a deprivileged guest. */
void op_smsw(struct cpu *c, const struct insn *i)
{
	if (i->o[0].kind == OPK_MEM)
		seg_write(c, i->seg, insn_ea(c, i), 2, c->cr0 & 0xffff);
	else
		reg_set(c, i->o[0].reg, i->osz == 4 ? 4 : 2, c->cr0);
}

void op_clts(struct cpu *c, const struct insn *i)
{
	need_cpl0(c);
	c->cr0 &= ~CR0_TS;
}

void op_invlpg(struct cpu *c, const struct insn *i)
{
	need_cpl0(c);
	if (i->o[0].kind != OPK_MEM)
		cpu_ud(c);
	/* The operand is only an address: no segment-limit check, no access (SDM vol. 2A "INVLPG"). */
	tlb_flush_page(c, c->seg[i->seg].base + insn_ea(c, i));
}

/* ---- debug registers: stored, no breakpoints (documented) ------------------------------------------ */

/* DR4/DR5 are aliases of DR6/DR7 unless CR4.DE makes them #UD (SDM 17.2.2). */
static unsigned dr_index(struct cpu *c, unsigned n)
{
	if (n == 4 || n == 5) {
		if (c->cr4 & CR4_DE)
			cpu_ud(c);
		n += 2;
	}
	return n;
}

void op_mov_to_dr(struct cpu *c, const struct insn *i)
{
	unsigned n;
	uint32_t v = c->r[i->o[1].reg];

	need_cpl0(c);
	n = dr_index(c, i->o[0].reg);
	if (n == 6)
		v = (v & 0xe00f) | 0xffff0ff0u;   /* B0-B3, BD, BS, BT; the rest reads as ones */
	else if (n == 7)
		v = (v & ~0xd800u) | 0x400;       /* bit 10 reads 1, bits 11, 12, 14, 15 read 0 */
	c->dr[n] = v;
}

void op_mov_from_dr(struct cpu *c, const struct insn *i)
{
	unsigned n;

	need_cpl0(c);
	n = dr_index(c, i->o[1].reg);
	c->r[i->o[0].reg] = c->dr[n];
}

/* ---- descriptor probes: answer in ZF, never fault on the selector ---------------------------------- */

/* Read sel's descriptor and apply the privilege rule shared by LAR, LSL, VERR and VERW: a null or
 * out-of-table selector fails, and unless the descriptor is conforming code, DPL >= max(CPL, RPL).
 * Returns 1 on success. */
static int probe_desc(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	unsigned dpl, rpl = sel & SEL_RPL;
	uint16_t attr;

	if ((sel & ~SEL_RPL) == 0 || desc_read(c, sel, lo, hi))
		return 0;
	attr = desc_attr(*hi);
	dpl = desc_dpl(*hi);
	if ((attr & (DESC_S | DESC_CODE | DESC_C)) == (DESC_S | DESC_CODE | DESC_C))
		return 1;
	return dpl >= c->cpl && dpl >= rpl;
}

static void set_zf(struct cpu *c, int ok)
{
	flags_update(c, FL_ZF, ok ? FL_ZF : 0);
}

/* System descriptor types LAR may report (all but interrupt/trap gates and reserved types) and those LSL
 * may report (segments with a limit: TSSs and LDTs). */
static int lar_type_ok(uint32_t hi)
{
	if (desc_attr(hi) & DESC_S)
		return 1;
	switch (desc_attr(hi) & DESC_TYPE) {
	case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY: case SYS_CALLGATE16: case SYS_TASKGATE:
	case SYS_TSS32_AVAIL: case SYS_TSS32_BUSY: case SYS_CALLGATE32:
		return 1;
	default:
		return 0;
	}
}

static int lsl_type_ok(uint32_t hi)
{
	if (desc_attr(hi) & DESC_S)
		return 1;
	switch (desc_attr(hi) & DESC_TYPE) {
	case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY: case SYS_TSS32_AVAIL: case SYS_TSS32_BUSY:
		return 1;
	default:
		return 0;
	}
}

void op_lar(struct cpu *c, const struct insn *i)
{
	uint32_t lo, hi;
	uint16_t sel;
	int ok;

	need_pmode(c);
	sel = load_word(c, i, 1);
	ok = probe_desc(c, sel, &lo, &hi) && lar_type_ok(hi);
	/* The access rights: descriptor bytes 5 and 6 in place (bits 8..23), the limit bits masked off. */
	if (ok)
		reg_set(c, i->o[0].reg, i->osz, hi & 0x00f0ff00u);
	set_zf(c, ok);
}

void op_lsl(struct cpu *c, const struct insn *i)
{
	uint32_t lo, hi;
	uint16_t sel;
	struct seg s;
	int ok;

	need_pmode(c);
	sel = load_word(c, i, 1);
	ok = probe_desc(c, sel, &lo, &hi) && lsl_type_ok(hi);
	if (ok) {
		desc_unpack(&s, sel, lo, hi);
		reg_set(c, i->o[0].reg, i->osz, s.limit);   /* the byte limit, scaled by G */
	}
	set_zf(c, ok);
}

/* VERR: a readable segment (data, or readable code) accessible at the current CPL and the RPL. */
void op_verr(struct cpu *c, const struct insn *i)
{
	uint32_t lo, hi;
	uint16_t sel;
	int ok;

	need_pmode(c);
	sel = load_word(c, i, 0);
	ok = probe_desc(c, sel, &lo, &hi) && (desc_attr(hi) & DESC_S) &&
	     (desc_attr(hi) & (DESC_CODE | DESC_R)) != DESC_CODE;
	set_zf(c, ok);
}

/* VERW: a writable data segment (code is never writable) accessible at the current CPL and the RPL. */
void op_verw(struct cpu *c, const struct insn *i)
{
	uint32_t lo, hi;
	uint16_t sel;
	int ok;

	need_pmode(c);
	sel = load_word(c, i, 0);
	ok = probe_desc(c, sel, &lo, &hi) &&
	     (desc_attr(hi) & (DESC_S | DESC_CODE | DESC_W)) == (DESC_S | DESC_W);
	/* Conforming code passes probe_desc without a DPL check, but it is code: rejected above. */
	set_zf(c, ok);
}

/* ARPL r/m16, r16: raise the destination selector's RPL to the source's (a kernel's defence against a
 * caller passing a selector more privileged than itself). */
void op_arpl(struct cpu *c, const struct insn *i)
{
	uint16_t dst, src;

	need_pmode(c);
	dst = load_word(c, i, 0);
	src = (uint16_t)reg_get(c, i->o[1].reg, 2);
	if ((dst & SEL_RPL) < (src & SEL_RPL)) {
		dst = (uint16_t)((dst & ~SEL_RPL) | (src & SEL_RPL));
		if (i->o[0].kind == OPK_MEM)
			seg_write(c, i->seg, insn_ea(c, i), 2, dst);
		else
			reg_set(c, i->o[0].reg, 2, dst);
		set_zf(c, 1);
	} else {
		set_zf(c, 0);
	}
}

/* ---- CPUID ----------------------------------------------------------------------------------------- */

/* A P6-class processor: family 6, model 3, stepping 3 (the signature EDX holds after reset, cpu.c). */
#define CPUID_SIGNATURE 0x00000633u
#define CPUID_MAX_BASIC 1u
#define CPUID_MAX_EXT   0x80000004u

/* Leaf 1 EDX: exactly what is implemented.  PGE is advertised: the TLB may drop global entries on a CR3
 * write (flushing more than required is always architecturally correct), so the guest sees no
 * difference except speed.  No MMX/SSE/PAE/MTRR/MCE/MCA. */
#define CPUID_FEATURES ((1u << 0) /* FPU */ | (1u << 2) /* DE */ | (1u << 3) /* PSE */ | \
			(1u << 4) /* TSC */ | (1u << 5) /* MSR */ | (1u << 8) /* CX8 */ | \
			(1u << 9) /* APIC */ | (1u << 11) /* SEP */ | (1u << 13) /* PGE */ | \
			(1u << 15) /* CMOV */)

static const char vendor[12] = "GenuineIntel";
static const char brand[48] = "revisor virtual P6 CPU";   /* zero-padded to 48 bytes */

static uint32_t str4(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 | (uint32_t)(uint8_t)s[2] << 16 |
	       (uint32_t)(uint8_t)s[3] << 24;
}

void op_cpuid(struct cpu *c, const struct insn *i)
{
	uint32_t leaf = c->r[R_EAX], r[4] = { 0, 0, 0, 0 };

	/* Intel answers a leaf above the maximum with the highest basic leaf's data. */
	if ((leaf > CPUID_MAX_BASIC && leaf < 0x80000000u) || leaf > CPUID_MAX_EXT)
		leaf = CPUID_MAX_BASIC;
	switch (leaf) {
	case 0:
		r[0] = CPUID_MAX_BASIC;
		r[1] = str4(vendor);       /* EBX EDX ECX spell the vendor */
		r[3] = str4(vendor + 4);
		r[2] = str4(vendor + 8);
		break;
	case 1:
		r[0] = CPUID_SIGNATURE;
		r[3] = CPUID_FEATURES;     /* EBX: brand index 0, APIC ID 0; ECX: no features */
		break;
	case 0x80000000u:
		r[0] = CPUID_MAX_EXT;
		break;
	case 0x80000002u: case 0x80000003u: case 0x80000004u:
		for (unsigned k = 0; k < 4; k++)
			r[k] = str4(brand + 16 * (leaf - 0x80000002u) + 4 * k);
		break;
	default:                           /* 0x80000001: no extended features */
		break;
	}
	c->r[R_EAX] = r[0];
	c->r[R_EBX] = r[1];
	c->r[R_ECX] = r[2];
	c->r[R_EDX] = r[3];
}

/* ---- time stamp counter and MSRs ------------------------------------------------------------------- */

static uint64_t tsc(const struct cpu *c)
{
	/* -tsc host (tests/bench/costs-bench.sh): the host's own counter, so that the costs guest measures
	 * host cycles per operation as it does on QEMU or hardware.  Opt-in, never recorded. */
	if (c->m && c->m->host_tsc)
		return c->m->host_tsc(c->m);
	return c->icount + c->tsc_offset;   /* virtual time: deterministic */
}

void op_rdtsc(struct cpu *c, const struct insn *i)
{
	uint64_t t;

	if ((c->cr4 & CR4_TSD) && c->cpl != 0)
		cpu_gp0(c);
	t = tsc(c);
	c->r[R_EAX] = (uint32_t)t;
	c->r[R_EDX] = (uint32_t)(t >> 32);
}

#define APIC_BASE_BSP    0x100u
#define APIC_BASE_ENABLE 0x800u
#define APIC_BASE_ADDR   0xfffff000u

void op_rdmsr(struct cpu *c, const struct insn *i)
{
	uint64_t v;

	need_cpl0(c);
	switch (c->r[R_ECX]) {
	case MSR_TSC:          v = tsc(c); break;
	case MSR_APIC_BASE:    v = c->apic_base; break;
	case MSR_SYSENTER_CS:  v = c->sysenter_cs; break;
	case MSR_SYSENTER_ESP: v = c->sysenter_esp; break;
	case MSR_SYSENTER_EIP: v = c->sysenter_eip; break;
	case MSR_MISC_ENABLE:  v = 1; break;   /* fast strings enabled; writes are ignored */
	default:               cpu_gp0(c);
	}
	c->r[R_EAX] = (uint32_t)v;
	c->r[R_EDX] = (uint32_t)(v >> 32);
}

void op_wrmsr(struct cpu *c, const struct insn *i)
{
	uint32_t lo = c->r[R_EAX], hi = c->r[R_EDX];
	uint64_t v = (uint64_t)hi << 32 | lo;

	need_cpl0(c);
	switch (c->r[R_ECX]) {
	case MSR_TSC:
		c->tsc_offset = v - c->icount;   /* the TSC continues counting from v */
		break;
	case MSR_APIC_BASE:
		/* Only the enable bit and the base are writable; BSP is read-only, the rest reserved. */
		if (hi || (lo & ~(APIC_BASE_ADDR | APIC_BASE_ENABLE | APIC_BASE_BSP)))
			cpu_gp0(c);
		c->apic_base = (lo & (APIC_BASE_ADDR | APIC_BASE_ENABLE)) | (c->apic_base & APIC_BASE_BSP);
		break;
	case MSR_SYSENTER_CS:  c->sysenter_cs = lo & 0xffff; break;
	case MSR_SYSENTER_ESP: c->sysenter_esp = lo; break;
	case MSR_SYSENTER_EIP: c->sysenter_eip = lo; break;
	case MSR_MISC_ENABLE:  break;
	default:               cpu_gp0(c);
	}
}

/* RDPMC: the P6 has two counters (ECX 0 and 1); they are not implemented and read 0.  CR4.PCE lets
 * CPL > 0 use the instruction. */
void op_rdpmc(struct cpu *c, const struct insn *i)
{
	if ((!(c->cr4 & CR4_PCE) && c->cpl != 0) || c->r[R_ECX] > 1)
		cpu_gp0(c);
	c->r[R_EAX] = 0;
	c->r[R_EDX] = 0;
}
