/* SPDX-License-Identifier: MIT
 *
 * translate.c — from a translation unit (TU) of guest code to a compiled code fragment (CCF) of x86-64
 * host code: the lecture's "binary, dynamic, on demand" translation.
 *
 * TU formation (the one place its end rules live, tu_ends()): up to TU_MAX = 12 guest instructions, or
 * up to and including a terminating one — any control transfer, anything that changes modes, segments,
 * IF/TF or does I/O — and never across a guest page (so one page generation guards the whole CCF).
 *
 * Each instruction gets one translation kind (bt.h, printed by -d in_asm):
 *   IDENT    register-only integer instructions whose flags the SDM fully defines: their bytes are
 *            copied unchanged, since guest registers live in the same-numbered host registers and the
 *            guest's arithmetic flags live in the host's RFLAGS.  In 64-bit mode 32-bit writes zero the
 *            upper halves, which nothing reads.
 *   REENC    the same, re-encoded for 64-bit mode: guest ESP lives in r12 (a REX prefix extends the
 *            register field), INC/DEC r32 (0x40-0x4F are REX prefixes in 64-bit mode) become FF /0 /1,
 *            and LEA's absolute [disp32] form (RIP-relative in 64-bit mode) gets a SIB byte.
 *   JCC/JMP  direct control flow: a host Jcc on the guest flags to two exits, or one exit (chain.c).
 *   CALL     a callout for the push (memory) and then an exit to the known target.
 *   CALLOUT  everything else in phase 1: memory operands, the stack, sensitive and privileged
 *            instructions, I/O, x87, instructions whose flags the SDM leaves undefined (the guest must
 *            see the interpreter's choices), and opcodes that do not exist in 64-bit mode (push/pop
 *            seg, pusha/popa, BCD, BOUND, ARPL, LES/LDS, INTO, SALC, 0x82...).  The callout runs the
 *            interpreter's own handler (semantics are written once).
 */
#include <string.h>
#include "bt/bt.h"
#include "bt/emit.h"
#include "cpu/cpu.h"
#include "cpu/mem.h"
#include "cpu/fastpath.h"
#include "bt/listing.h"

const char *const bt_kind_name[K_NKINDS] = {
	[K_IDENT] = "IDENT", [K_REENC] = "REENC", [K_MEM] = "MEM", [K_STACK] = "STACK", [K_DIV] = "DIV",
	[K_EMUL] = "EMUL", [K_JCC] = "JCC", [K_JMP] = "JMP", [K_CALL] = "CALL", [K_IND] = "IND",
	[K_CALLOUT] = "CALLOUT",
};

#define F_ALL FL_ARITH

/* The flags an operation reads, always writes (as the SDM defines them) and leaves undefined.  Returns 0
 * for operations that cannot run as host code at all.  Undefined flags are where host CPU and
 * interpreter may legitimately differ: such an instruction runs as host code only where the flow
 * analysis proves those flags dead (overwritten before anything can observe them). */
static int flag_effects(const struct insn *i, uint32_t *rd, uint32_t *wr, uint32_t *und)
{
	*rd = *wr = *und = 0;
	switch (i->op) {
	case OP_ADD: case OP_SUB: case OP_CMP: case OP_AND: case OP_OR: case OP_XOR: case OP_TEST:
	case OP_NEG:
		*wr = F_ALL;
		return 1;
	case OP_ADC: case OP_SBB:
		*rd = FL_CF;
		*wr = F_ALL;
		return 1;
	case OP_INC: case OP_DEC:
		*wr = F_ALL & ~FL_CF;
		return 1;
	case OP_NOT: case OP_MOV: case OP_MOVZX: case OP_MOVSX: case OP_XCHG: case OP_LEA: case OP_CBW:
	case OP_CWD: case OP_NOP: case OP_BSWAP:
		return 1;
	case OP_CMOV: case OP_SETCC:
		*rd = F_ALL;
		return 1;
	case OP_CLC: case OP_STC:
		*wr = FL_CF;
		return 1;
	case OP_CMC:
		*rd = *wr = FL_CF;
		return 1;
	case OP_IMUL: case OP_IMUL1: case OP_MUL:
		*wr = FL_CF | FL_OF;
		*und = FL_SF | FL_ZF | FL_AF | FL_PF;
		return 1;
	case OP_SHL: case OP_SHR: case OP_SAR: case OP_ROL: case OP_ROR: {
		int rot = i->op == OP_ROL || i->op == OP_ROR;
		if (rot && i->osz != 4)
			return 0;
		if (i->nopnd < 2 || i->o[1].kind == OPK_REG) {
			/* count in CL (or the decoder's implicit 1 is given as an operand): a count of 0 changes
			 * nothing, so nothing is killed; OF/AF (and CF for 8/16-bit) may be undefined. */
			if (i->nopnd >= 2 && i->o[1].kind == OPK_REG) {
				*und = rot ? FL_OF : FL_AF | FL_OF | (i->osz < 4 ? FL_CF : 0);
				return 1;
			}
		}
		unsigned cnt = (i->nopnd >= 2 && i->o[1].kind == OPK_IMM) ? (i->imm & 31) : 1;
		if (cnt == 0)
			return 1;
		*wr = rot ? FL_CF : FL_CF | FL_SF | FL_ZF | FL_PF;
		if (!rot)
			*und = FL_AF;
		if (cnt == 1)
			*wr |= FL_OF;
		else
			*und |= FL_OF;
		if (!rot && i->osz < 4 && cnt >= 8u * i->osz) {
			*wr &= ~FL_CF;
			*und |= FL_CF;
		}
		return 1;
	}
	case OP_BT: case OP_BTS: case OP_BTR: case OP_BTC:
		*wr = FL_CF;
		*und = FL_OF | FL_SF | FL_AF | FL_PF;
		return 1;
	default:
		return 0;
	}
}

/* Can this instruction be host code at all (given dead undefined flags)? */
static int ident_insn(const struct insn *i)
{
	uint32_t rd, wr, und;

	return flag_effects(i, &rd, &wr, &und);
}

#define NOT_IDENT (CF_MASK | C_PRIV | C_SENS | C_IO | C_IOPL | C_MEMRD | C_MEMWR | C_STRING | C_FPU | \
		   C_TERM | C_INVALID | C_STACK | C_SEGLOAD)

/* Encode guest instruction i (raw bytes `raw`) for the host into out[]; returns the length, or -1 when
 * it must be a callout.  *reenc tells whether the bytes differ from the guest's. */
static int ident_encode(const struct insn *i, const uint8_t *raw, uint8_t *out, int *reenc)
{
	unsigned k = 0, n = 0, uses_esp = 0, has8 = 0;
	uint8_t rex = 0;

	*reenc = 0;
	if ((i->cls & NOT_IDENT) || !ident_insn(i) || (i->pfx & ~PFX_OPSIZE))
		return -1;
	if (i->op == OP_BSWAP && i->osz != 4)
		return -1;
	if (i->map == 1 && i->opc == 0x82)
		return -1;                            /* #UD in 64-bit mode */
	for (unsigned j = 0; j < i->nopnd; j++) {
		if (i->o[j].kind != OPK_REG)
			continue;
		if (i->o[j].size == 1)
			has8 = 1;
		else if (i->o[j].reg == R_ESP)
			uses_esp = 1;
	}
	if (i->op == OP_LEA && i->base == R_ESP)
		uses_esp = 1;
	if (uses_esp && has8)
		return -1;                            /* a REX prefix would turn AH..BH into SPL..DIL */
	while (k < i->len && raw[k] == 0x66)
		out[n++] = raw[k++];
	if (k >= i->len)
		return -1;

	/* INC/DEC r16/r32, one-byte forms: FF /0, FF /1 (0x40-0x4F are REX prefixes). */
	if (i->map == 1 && i->opc >= 0x40 && i->opc <= 0x4f) {
		unsigned r = i->opc & 7;
		if (r == R_ESP)
			out[n++] = 0x41;                  /* REX.B: r12 */
		out[n++] = 0xff;
		out[n++] = (uint8_t)(0xc0 | (i->opc & 0x08) | r);
		*reenc = 1;
		return (int)n;
	}

	unsigned op_at = k, oplen = i->map == 2 ? 2 : 1;
	unsigned rest = op_at + oplen;            /* index of ModRM, or of the immediate */
	uint8_t modrm = 0, sib = 0;
	int has_sib = 0;
	if (i->has_modrm) {
		modrm = raw[rest];
		has_sib = (modrm >> 6) != 3 && (modrm & 7) == 4;
		sib = has_sib ? raw[rest + 1] : 0;
		if ((modrm >> 6) != 3 && i->op != OP_LEA && i->op != OP_NOP)
			return -1;                        /* a memory operand after all */
	}
	if (uses_esp) {
		if (i->has_modrm) {
			if (((modrm >> 3) & 7) == 4)
				rex |= 0x44;                  /* REX.R (ignored where reg is an opcode extension) */
			if ((modrm >> 6) == 3 ? (modrm & 7) == 4 : has_sib && (sib & 7) == 4)
				rex |= 0x41;                  /* REX.B: rm or SIB base is r12 */
		} else if ((raw[op_at + oplen - 1] & 7) == 4) {
			rex |= 0x41;                      /* 90+r, B8+r, 0F C8+r with r = ESP */
		}
		if (!rex)
			return -1;
	}
	if (rex) {
		out[n++] = rex;
		*reenc = 1;
	}
	memcpy(out + n, raw + op_at, oplen);
	n += oplen;
	if (i->has_modrm && i->op == OP_LEA && (modrm >> 6) == 0 && (modrm & 7) == 5) {
		/* [disp32] is RIP-relative in 64-bit mode: say "SIB, no base, no index" instead. */
		out[n++] = (uint8_t)((modrm & 0x38) | 4);
		out[n++] = 0x25;
		memcpy(out + n, raw + rest + 1, i->len - rest - 1);
		n += i->len - rest - 1;
		*reenc = 1;
		return (int)n;
	}
	memcpy(out + n, raw + rest, i->len - rest);
	return (int)(n + i->len - rest);
}

/* Group opcodes: the ModRM reg field is an opcode extension, not a register operand. */
static int group_opcode(const struct insn *i)
{
	if (i->map == 2)
		return i->opc == 0xba;
	switch (i->opc) {
	case 0x80: case 0x81: case 0x83: case 0x8f: case 0xc0: case 0xc1: case 0xc6: case 0xc7:
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xf6: case 0xf7: case 0xfe: case 0xff:
		return 1;
	default:
		return 0;
	}
}

/* The memory operand, or NULL. */
static const struct opnd *mem_opnd(const struct insn *i)
{
	for (unsigned j = 0; j < i->nopnd; j++)
		if (i->o[j].kind == OPK_MEM)
			return &i->o[j];
	return NULL;
}

static int is_jcc_opcode(const struct insn *i)
{
	return (i->map == 1 && i->opc >= 0x70 && i->opc <= 0x7f) ||
	       (i->map == 2 && i->opc >= 0x80 && i->opc <= 0x8f);
}

/* The context-free candidate kind of an instruction (bt_translate may still fall back to CALLOUT: a
 * memory operand outside flat DS/ES/SS, undefined flags that are live, an encoding 64-bit mode lacks). */
enum bt_kind bt_classify(const struct insn *i)
{
	if (i->osz == 4 && !(i->pfx & ~(PFX_OPSIZE | PFX_SEG))) {
		switch (i->op) {
		case OP_JCC: return is_jcc_opcode(i) && !(i->pfx & PFX_SEG) ? K_JCC : K_CALLOUT;
		case OP_JMP: return i->pfx ? K_CALLOUT : K_JMP;
		case OP_CALL: return i->pfx ? K_CALLOUT : K_CALL;
		case OP_RET: return i->pfx ? K_CALLOUT : K_IND;
		case OP_JMP_IND: return K_IND;
		case OP_CALL_IND: return i->o[0].kind == OPK_REG && !i->pfx ? K_IND : K_CALLOUT;
		case OP_PUSH: case OP_POP:
			return i->o[0].kind == OPK_MEM || i->pfx ? K_CALLOUT : K_STACK;
		case OP_DIV: case OP_IDIV: return i->o[0].kind == OPK_REG && !i->pfx ? K_DIV : K_CALLOUT;
		default: break;
		}
	}
	if (i->cls & NOT_IDENT & ~(uint32_t)(C_MEMRD | C_MEMWR))
		return K_CALLOUT;
	if (!ident_insn(i))
		return K_CALLOUT;
	if (i->cls & (C_MEMRD | C_MEMWR))
		return K_MEM;
	return K_IDENT;
}

/* Port I/O (IN, OUT, INS, OUTS) needs no TU end of its own: whatever a device does in the callout
 * (raise an interrupt line, arm a timer, stop the machine) raises attention, and every callout leaves
 * the TC when it is set — exactly where the interpreter's trace would stop.  Its IOPL sensitivity is
 * checked by the handler, which faults precisely.  CLI/STI and the other IOPL-sensitive instructions
 * change IF (and STI opens an interrupt shadow): those end the TU. */
static uint32_t terminating_cls(const struct insn *i)
{
	uint32_t cls = i->cls;

	if (cls & C_IO)
		cls &= ~(uint32_t)(C_IO | C_IOPL);
	return cls;
}

/* Does the TU end after instruction i? (VMware: "12 instructions or a terminating instruction".) */
static int tu_ends(const struct insn *i)
{
	return (terminating_cls(i) & (CF_MASK | C_TERM | C_SEGLOAD | C_IOPL | C_PRIV | C_SENS | C_INVALID)) != 0;
}

/* Callouts after which the CCF always returns to the VMM: anything that may change what the run loop
 * must look at (IF, TF, interrupt shadows, CS, CR0/CR3) or leaves EIP unpredictable.  (Device effects
 * raise attention, which bt_callout checks after every callout.) */
static int callout_ends(const struct insn *i)
{
	unsigned cf = i->cls & CF_MASK;

	return (terminating_cls(i) & (C_TERM | C_SEGLOAD | C_IOPL | C_PRIV | C_SENS | C_INVALID)) ||
	       (cf && cf != CF_JCC && cf != CF_CALL);
}

/* ---- host code --------------------------------------------------------------------------------- */
#define OFF(f) ((int32_t)offsetof(struct cpu, f))
#define EB(b, ...) do { static const uint8_t t_[] = { __VA_ARGS__ }; emit_bytes((b), t_, sizeof t_); } while (0)

/* Guest register number -> host register number while translated code runs (bt.h). */
static const int g2h[8] = { H_RAX, H_RCX, H_RDX, H_RBX, H_R12, H_RBP, H_RSI, H_RDI };

/* Saving and restoring the guest's flags around the translator's own flag-clobbering code (TLB probes,
 * guards, the budget check) without POPF, which costs ~15 host cycles: LAHF/SETO into r11, and back
 * with ADD AL,0x7F (sets OF exactly when AL was 1) and SAHF.  Guest RAX is preserved (via r10). */
static void emit_flags_save(struct cbuf *b)
{
	EB(b, 0x49, 0x89, 0xc3);          /* mov r11, rax */
	EB(b, 0x9f);                      /* lahf */
	EB(b, 0x0f, 0x90, 0xc0);          /* seto al */
	EB(b, 0x49, 0x93);                /* xchg r11, rax */
}

static void emit_flags_restore(struct cbuf *b)
{
	EB(b, 0x49, 0x89, 0xc2);          /* mov r10, rax */
	EB(b, 0x4c, 0x89, 0xd8);          /* mov rax, r11 */
	EB(b, 0x04, 0x7f);                /* add al, 0x7f */
	EB(b, 0x9e);                      /* sahf */
	EB(b, 0x4c, 0x89, 0xd0);          /* mov rax, r10 */
}

static void emit_callout(struct cbuf *b, struct bt *bt, struct bt_callout *co)
{
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)co);
	emit_call(b, bt->t_callout);
}

/* A direct exit (chain.c describes the layout). */
static void emit_exit(struct cbuf *b, struct bt *bt, struct ccf *f, uint32_t target, unsigned n_done)
{
	struct bt_exit *e = &f->exits[f->n_exits++];

	e->from = f;
	e->target = target;
	e->n_done = (uint16_t)n_done;
	EB(b, 0x4d, 0x8d, 0x40); emit8(b, (uint8_t)n_done);          /* lea r8, [r8 + n_done] */
	e->jmp_field = emit_jmp(b, NULL);                              /* patch point */
	e->unchained = b->p;
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)e);
	emit_jmp(b, bt->t_exit);
}

/* The entry prologue: enter only if this whole CCF fits before the next deadline (r8 + n <= 0), and
 * count the execution.  Needs no attention or page-generation check: attention is only ever raised by
 * VMM code, and every callout leaves the TC when it is set; a write into a code page unchains every
 * exit leading to its CCFs before the writing instruction completes.  The flags are saved into r11
 * first (the fail path leaves to the VMM, which must see them); the body restores them lazily. */
static uint8_t *emit_prologue(struct cbuf *b, struct ccf *f)
{
	uint8_t *fail;

	emit_flags_save(b);            /* the fail path leaves to the VMM, which sees the flags */
	if (f->bp_stop)
		return emit_jmp(b, NULL);                                     /* a breakpoint: always leave */
	EB(b, 0x49, 0x81, 0xf8); emit32(b, (uint32_t)-(int32_t)f->n);   /* cmp r8, -n */
	fail = emit_jcc(b, 0xf, NULL);                                    /* jg fail */
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&f->execs);
	EB(b, 0x49, 0xff, 0x06);                                          /* inc qword [r14] */
	return fail;                  /* the body restores the flags from r11 when it first needs them */
}

static void emit_prologue_fail(struct cbuf *b, struct bt *bt, struct ccf *f, uint8_t *fail)
{
	if (!b->overflow)
		patch_rel32(fail, b->p);
	emit_flags_restore(b);
	f->self_exit.from = f;
	f->self_exit.target = f->eip;
	f->self_exit.self = 1;
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&f->self_exit);
	emit_jmp(b, bt->t_exit);
}

/* The inline software-TLB probe (the lectures' "correctness of direct memory addressing" and
 * "protection of the cache"): r9d holds the guest linear address of a size-byte access.  The entry is
 * cpu.tlb[user][(lin >> 12) & 255]; its read or write tag must equal the page of the access's LAST byte
 * (so a page-crossing access misses, as in seg_read()).  Only guest RAM pages ever get a tag, so on a
 * hit r14 = host address inside guest RAM: the guest cannot reach VMM memory or the TC.  A miss (TLB
 * miss, MMIO, a code page, a watched page, no write permission, a crossing) jumps to the returned
 * rel32's target: the instruction's slow path, a callout.  Clobbers r10, r15 and the host flags. */
_Static_assert(sizeof(struct tlb_entry) == 24, "emit_tlb_probe scales the index by 3 * 8");
_Static_assert(TLB_SIZE == 256, "emit_tlb_probe indexes with movzx of one byte");

static uint8_t *emit_tlb_probe(struct cbuf *b, int user, unsigned size, int write)
{
	int32_t base = OFF(tlb) + user * (int32_t)(TLB_SIZE * sizeof(struct tlb_entry));
	uint8_t *miss;

	EB(b, 0x45, 0x89, 0xcf);                         /* mov r15d, r9d */
	EB(b, 0x41, 0xc1, 0xef, 0x0c);                   /* shr r15d, 12 */
	EB(b, 0x45, 0x0f, 0xb6, 0xff);                   /* movzx r15d, r15b */
	EB(b, 0x4f, 0x8d, 0x3c, 0x7f);                   /* lea r15, [r15 + r15*2] */
	EB(b, 0x45, 0x8d, 0x51); emit8(b, (uint8_t)(size - 1));   /* lea r10d, [r9 + size - 1] */
	EB(b, 0x41, 0x81, 0xe2, 0x00, 0xf0, 0xff, 0xff); /* and r10d, 0xfffff000 */
	EB(b, 0x47, 0x3b, 0x94, 0xfd);                   /* cmp r10d, [r13 + r15*8 + tag] */
	emit32(b, (uint32_t)(base + (write ? (int32_t)offsetof(struct tlb_entry, tag_w)
					   : (int32_t)offsetof(struct tlb_entry, tag_r))));
	miss = emit_jcc(b, 0x5, NULL);                   /* jne slow */
	EB(b, 0x4f, 0x8b, 0xb4, 0xfd);                   /* mov r14, [r13 + r15*8 + host] */
	emit32(b, (uint32_t)(base + (int32_t)offsetof(struct tlb_entry, host)));
	EB(b, 0x45, 0x89, 0xca);                         /* mov r10d, r9d */
	EB(b, 0x41, 0x81, 0xe2, 0xff, 0x0f, 0x00, 0x00); /* and r10d, 0xfff */
	EB(b, 0x4d, 0x01, 0xd6);                         /* add r14, r10 */
	return miss;
}

/* The stack slot a PUSH writes (r9d = ESP - 4) or a POP reads (r9d = ESP), probed in the TLB; returns
 * the miss field.  A push commits with emit_push_commit() once its store is done. */
static uint8_t *emit_stack_probe(struct cbuf *b, int user, int push)
{
	if (push)
		EB(b, 0x45, 0x8d, 0x4c, 0x24, 0xfc);         /* lea r9d, [r12 - 4] */
	else
		EB(b, 0x45, 0x89, 0xe1);                     /* mov r9d, r12d */
	return emit_tlb_probe(b, user, 4, push);
}

static void emit_push_commit(struct cbuf *b)
{
	EB(b, 0x45, 0x89, 0xcc);                         /* mov r12d, r9d */
}

static void emit_store_imm_r14(struct cbuf *b, uint32_t imm)
{
	EB(b, 0x41, 0xc7, 0x06); emit32(b, imm);         /* mov dword [r14], imm32 */
}

/* Length of ModRM's SIB and displacement bytes (32-bit addressing). */
static unsigned ea_tail(const uint8_t *modrm)
{
	unsigned mod = modrm[0] >> 6, rm = modrm[0] & 7, n = 0;

	if (rm == 4)
		n = 1;
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	else if (mod == 0 && (rm == 5 || (rm == 4 && (modrm[1] & 7) == 5)))
		n += 4;
	return n;
}

/* lea r9d, [the guest's effective address], re-encoded for 64-bit mode: guest ESP as a base is r12;
 * [disp32] (RIP-relative in 64-bit mode) becomes SIB "no base, no index".  The 64-bit sum is truncated
 * to 32 bits, so the address wraps exactly as the guest's does. */
static void emit_lea_ea(struct cbuf *b, const uint8_t *modrm)
{
	unsigned mod = modrm[0] >> 6, rm = modrm[0] & 7, tail = ea_tail(modrm);
	uint8_t rex = 0x44;                              /* REX.R: reg = r9 */

	if (rm == 4 && (modrm[1] & 7) == 4)
		rex |= 0x01;                                 /* SIB base ESP -> r12 */
	emit8(b, rex);
	emit8(b, 0x8d);
	if (mod == 0 && rm == 5) {
		emit8(b, 0x0c);                              /* modrm 00 001 100 */
		emit8(b, 0x25);                              /* SIB: no base, no index */
		emit_bytes(b, modrm + 1, 4);
		return;
	}
	emit8(b, (uint8_t)((mod << 6) | (1 << 3) | rm));
	emit_bytes(b, modrm + 1, tail);
}

/* Skip the prefixes of raw instruction bytes. */
static unsigned prefix_len(const uint8_t *raw, unsigned len)
{
	unsigned k = 0;

	while (k < len && (raw[k] == 0x66 || raw[k] == 0x67 || raw[k] == 0xf0 || raw[k] == 0xf2 ||
			   raw[k] == 0xf3 || raw[k] == 0x26 || raw[k] == 0x2e || raw[k] == 0x36 ||
			   raw[k] == 0x3e || raw[k] == 0x64 || raw[k] == 0x65))
		k++;
	return k;
}

static int seg_ok(const struct insn *i)
{
	return i->seg == S_DS || i->seg == S_ES || i->seg == S_SS;
}

/* Encode a memory-operand instruction with its memory operand replaced by [r14] into out[]; returns
 * the length or -1 (then it is a callout).  *msize = size of the memory access. */
static int mem_encode(const struct insn *i, const uint8_t *raw, uint8_t *out, unsigned *msize, int *write)
{
	const struct opnd *mo = mem_opnd(i);
	unsigned k = prefix_len(raw, i->len), n = 0, oplen = i->map == 2 ? 2 : 1;
	uint8_t rex = 0x41;                              /* REX.B: rm = r14 */

	if (!mo || (mo->size != 1 && mo->size != 2 && mo->size != 4) || !seg_ok(i) ||
	    (i->pfx & ~(PFX_OPSIZE | PFX_LOCK | PFX_SEG)) || i->asz != 4)
		return -1;
	if (i->op == OP_BT || i->op == OP_BTS || i->op == OP_BTR || i->op == OP_BTC) {
		if (i->o[1].kind != OPK_IMM)
			return -1;                               /* a register bit offset reaches past the operand */
	}
	*msize = mo->size;
	*write = (i->cls & C_MEMWR) != 0;
	if (i->pfx & PFX_LOCK)
		out[n++] = 0xf0;
	if (i->pfx & PFX_OPSIZE)
		out[n++] = 0x66;
	if (!i->has_modrm) {
		/* MOV AL/EAX <-> moffs: A0-A3 become 8A/8B/88/89 with [r14]. */
		static const uint8_t mov[4] = { 0x8a, 0x8b, 0x88, 0x89 };
		if (i->map != 1 || i->opc < 0xa0 || i->opc > 0xa3)
			return -1;
		out[n++] = rex;
		out[n++] = mov[i->opc - 0xa0];
		out[n++] = 0x06;                             /* modrm 00 000 110: [r14], AL/EAX */
		return (int)n;
	}
	unsigned reg = (raw[k + oplen] >> 3) & 7;
	if (!group_opcode(i)) {
		int size = 0;
		for (unsigned j = 0; j < i->nopnd; j++)
			if (i->o[j].kind == OPK_REG && i->o[j].reg == reg)
				size = i->o[j].size;
		if (size == 1 && reg >= 4)
			return -1;                               /* AH..BH cannot be named with a REX prefix */
		if (size >= 2 && reg == R_ESP)
			rex |= 0x04;                             /* REX.R: ESP is r12 */
	}
	out[n++] = rex;
	memcpy(out + n, raw + k, oplen);
	n += oplen;
	out[n++] = (uint8_t)((reg << 3) | 6);            /* mod 00, rm 110 + REX.B = [r14] */
	unsigned imm_at = k + oplen + 1 + ea_tail(raw + k + oplen);
	if (imm_at > i->len)
		return -1;
	memcpy(out + n, raw + imm_at, i->len - imm_at);
	return (int)(n + i->len - imm_at);
}

/* mov [r14], r32 / mov r32, [r14] for guest register g. */
static void emit_store_r14(struct cbuf *b, int g)
{
	int h = g2h[g];
	emit8(b, (uint8_t)(0x41 | (h >= 8 ? 0x04 : 0)));
	emit8(b, 0x89);
	emit8(b, (uint8_t)(((h & 7) << 3) | 6));
}

static void emit_load_r14(struct cbuf *b, int g)
{
	int h = g2h[g];
	emit8(b, (uint8_t)(0x41 | (h >= 8 ? 0x04 : 0)));
	emit8(b, 0x8b);
	emit8(b, (uint8_t)(((h & 7) << 3) | 6));
}

/* mov r15d, guest register g */
static void emit_mov_r15_reg(struct cbuf *b, int g)
{
	int h = g2h[g];
	emit8(b, (uint8_t)(0x41 | (h >= 8 ? 0x04 : 0)));
	emit8(b, 0x89);
	emit8(b, (uint8_t)(0xc0 | ((h & 7) << 3) | 7));
}

/* The in-TC indirect lookup (the lecture: "indirect control flow ... a fast lookup inside the TC"):
 * target EIP in r15d, guest flags saved in r11.  bt->jtab is indexed by the EIP's low 16 bits; an entry
 * matches when its key equals (context << 32 | EIP), where the context (bt->ctx64) names the mode bits
 * and the TLB epoch, so no entry made under another address space or mode can match.  A hit jumps to the
 * target CCF's prologue (which checks the budget); a miss leaves through f->ind_exit. */
static void emit_ind_lookup(struct cbuf *b, struct bt *bt, struct ccf *f, unsigned n_done)
{
	uint8_t *miss;

	EB(b, 0x4d, 0x8d, 0x40); emit8(b, (uint8_t)n_done);   /* lea r8, [r8 + n_done] */
	EB(b, 0x45, 0x0f, 0xb7, 0xf7);                         /* movzx r14d, r15w */
	EB(b, 0x49, 0xc1, 0xe6, 0x04);                         /* shl r14, 4 */
	emit_mov_imm64(b, H_R10, (uint64_t)(uintptr_t)bt->jtab);
	EB(b, 0x4d, 0x01, 0xd6);                               /* add r14, r10 */
	emit_mov_imm64(b, H_R10, (uint64_t)(uintptr_t)&bt->ctx64);
	EB(b, 0x4d, 0x8b, 0x12);                               /* mov r10, [r10] */
	EB(b, 0x4d, 0x09, 0xfa);                               /* or r10, r15 */
	EB(b, 0x4d, 0x3b, 0x16);                               /* cmp r10, [r14] */
	miss = emit_jcc(b, 0x5, NULL);                         /* jne miss */
	emit_flags_restore(b);
	EB(b, 0x41, 0xff, 0x66, 0x08);                         /* jmp [r14 + 8] */
	if (!b->overflow)
		patch_rel32(miss, b->p);
	emit_flags_restore(b);
	EB(b, 0x45, 0x89, 0xbd); emit32(b, (uint32_t)OFF(eip));   /* mov [r13 + eip], r15d */
	f->ind_exit.from = f;
	f->ind_exit.indirect = 1;
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&f->ind_exit);
	emit_jmp(b, bt->t_exit);
}

/* An out-of-line slow path: restore the flags, run the instruction in the interpreter, go on at
 * `resume` (NULL: the callout always leaves the CCF). */
struct slow {
	uint8_t *field;
	struct bt_callout *co;
	uint8_t *resume;
};

static struct bt_callout *new_callout(struct ccf *f, const struct insn *i, uint32_t eip, unsigned k,
				      uint32_t expect)
{
	struct bt_callout *co = &f->co[f->nco++];

	co->insn = *i;
	co->eip = eip;
	co->idx = (uint8_t)k;
	co->ends = (uint8_t)callout_ends(i);
	co->expect = expect;
	co->ccf = f;
	return co;
}

uint8_t bt_mode(const struct cpu *c)
{
	uint8_t mode = (uint8_t)((cpu_code32(c) ? MODE_CODE32 : 0) | (c->cpl == 3 ? MODE_USER : 0));
	int flat = 1;

	for (unsigned s = S_ES; s <= S_DS; s++) {
		if (s == S_CS)
			continue;
		const struct seg *sg = &c->seg[s];
		if (sg->base != 0 || sg->limit != 0xffffffffu ||
		    (sg->attr & SEGFAST_MASK_W) != (DESC_P | DESC_S | DESC_W))
			flat = 0;
	}
	if (!(c->seg[S_SS].attr & DESC_DB))
		flat = 0;
	if (flat)
		mode |= MODE_FLAT;
	if (c->seg[S_CS].base == 0 && c->seg[S_CS].limit == 0xffffffffu)
		mode |= MODE_CSFLAT;
	return mode;
}

/* Build the CCF for the TU starting at physical address pa (CS:EIP = c->eip).  hints (or NULL) carry
 * what adaptive retranslation learned about each instruction. */
struct ccf *bt_translate(struct machine *m, uint32_t pa, uint8_t mode, const uint8_t *hints)
{
	struct cpu *c = &m->cpu;
	struct bt *bt = bt_of(m);
	struct insn ins[TU_MAX];
	uint32_t page_end = (pa | 0xfff) + 1, off = 0;
	uint32_t room_cs = c->seg[S_CS].limit - c->eip;
	unsigned n = 0;

	while (n < TU_MAX) {
		struct insn *i = &ins[n];
		uint32_t at = pa + off;
		unsigned avail = page_end - at;
		if (avail > 15)
			avail = 15;
		if (n > 0 && m->debug_nbps && bt_breakpoint_at(m, c->seg[S_CS].base + c->eip + off))
			break;                        /* a breakpoint starts a TU of its own (below) */
		if (decode(i, m->ram + at, avail, 1) == DEC_SHORT || off + i->len - 1 > room_cs)
			break;
		specialize(i);
		off += i->len;
		n++;
		if (tu_ends(i) || at + i->len >= page_end)
			break;
	}
	if (n == 0)
		return NULL;
	/* A TU at a breakpoint address is one instruction whose CCF never runs: chained jumps and lookups
	 * that reach it leave the TC there, and the run loop gives the instruction to the debugger's hook
	 * and the interpreter.  Everything else stays translated while gdb has breakpoints set. */
	int bp_stop = m->debug_nbps && bt_breakpoint_at(m, c->seg[S_CS].base + c->eip);
	if (bp_stop) {
		n = 1;
		off = ins[0].len;
	}

	if (bt->tc_end - bt->tc_free < BT_TC_RESERVE) {
		tc_flush(m);
		bt->ws[WS_TC_FULL]++;
	}
	if (!m->page_code[pa >> 12])
		mem_mark_code_page(m, pa);

	struct ccf *f = tc_new_ccf(bt);
	f->pa = pa;
	f->eip = c->eip;
	f->cs_base = c->seg[S_CS].base;
	f->cs_limit = c->seg[S_CS].limit;
	f->mode = mode;
	f->n = (uint8_t)n;
	f->guest_bytes = off;
	f->gen = m->page_gen[pa >> 12];
	f->bp_stop = (uint8_t)bp_stop;
	if (hints)
		memcpy(f->hint, hints, n);

	/* Pass 1: a kind per instruction, then the flag flow.  The guest flags are live at the TU's end
	 * and wherever the VMM may look at them (every callout and slow path: an exception pushes EFLAGS).
	 * An instruction with undefined flags runs as host code only if they are dead after it; if not, it
	 * becomes a callout, which makes more flags live before it, so iterate until nothing changes. */
	uint8_t kind[TU_MAX];
	uint32_t rd[TU_MAX], wr[TU_MAX], und[TU_MAX], live_after[TU_MAX];
	uint32_t eip0 = c->eip, ieip[TU_MAX];
	for (unsigned k = 0, e = eip0; k < n; e += ins[k].len, k++) {
		const struct insn *i = &ins[k];
		enum bt_kind kd = bt_classify(i);
		ieip[k] = e;
		if ((kd == K_MEM || kd == K_STACK || kd == K_CALL || kd == K_IND) && !(mode & MODE_FLAT))
			kd = K_CALLOUT;
		if (kd == K_IND && i->o[0].kind == OPK_MEM &&
		    (!i->has_modrm || !seg_ok(i) || (i->pfx & ~PFX_SEG) || i->asz != 4 || i->o[0].size != 4))
			kd = K_CALLOUT;
		if (kd == K_IND && !(mode & MODE_CSFLAT))
			kd = K_CALLOUT;
		if ((kd == K_JCC || kd == K_JMP || kd == K_CALL) &&
		    e + i->len + i->imm > c->seg[S_CS].limit)
			kd = K_CALLOUT;                 /* the handler raises #GP for a target beyond CS */
		if (kd == K_IND && i->op == OP_CALL_IND && i->o[0].reg == R_ESP)
			kd = K_CALLOUT;
		if (kd == K_STACK && ((i->op == OP_POP && i->o[0].reg == R_ESP) ||
				      (i->o[0].kind != OPK_REG && i->o[0].kind != OPK_IMM)))
			kd = K_CALLOUT;
		if (kd == K_MEM && (f->hint[k] & HINT_CALLOUT))
			kd = K_CALLOUT;
		if (i->op == OP_RDTSC && (f->hint[k] & HINT_EMUL) && !m->host_tsc)
			kd = K_EMUL;
		if (kd == K_IDENT || kd == K_MEM)
			flag_effects(i, &rd[k], &wr[k], &und[k]);
		else
			rd[k] = wr[k] = und[k] = 0;
		kind[k] = (uint8_t)kd;
	}
	for (int changed = 1; changed;) {
		uint32_t live = F_ALL;
		changed = 0;
		for (int k = (int)n - 1; k >= 0; k--) {
			live_after[k] = live;
			/* everything but IDENT code may show all flags to the VMM (a callout, a slow path, an exit) */
			live = kind[k] == K_IDENT ? (live & ~wr[k]) | rd[k] : F_ALL;
		}
		for (unsigned k = 0; k < n; k++) {
			uint32_t need_dead = kind[k] == K_DIV ? F_ALL : und[k];
			if ((kind[k] == K_IDENT || kind[k] == K_MEM || kind[k] == K_DIV) &&
			    (need_dead & live_after[k])) {
				kind[k] = K_CALLOUT;
				changed = 1;
			}
		}
	}

	/* Pass 2: host code. */
	struct cbuf b = { bt->tc_free, bt->tc_end, 0 };
	struct slow slow[TU_MAX];
	unsigned nslow = 0;
	int user = (mode & MODE_USER) != 0;
	f->entry = b.p;
	uint8_t *fail = emit_prologue(&b, f);
	f->body = b.p;

	/* Where the guest flags are, as the code is emitted: host_ok — the host RFLAGS agree with them on
	 * every flag live at this point; r11_ok — r11 holds all of them (LAHF/SETO form), which the slow
	 * paths need.  One of the two always holds.  Saves and restores are emitted only when an
	 * instruction needs the other one, so runs of memory accesses do not restore and re-save between
	 * each other. */
	int host_ok = 0, r11_ok = 1;
#define NEED_HOST() do { if (!host_ok) { emit_flags_restore(&b); host_ok = 1; } } while (0)
#define NEED_R11() do { if (!r11_ok) { emit_flags_save(&b); r11_ok = 1; } } while (0)

	int ended = 0;
	for (unsigned k = 0; k < n && !ended; k++) {
		const struct insn *i = &ins[k];
		const uint8_t *raw = m->ram + pa + (ieip[k] - eip0);
		uint32_t eip = ieip[k], next = eip + i->len;
		enum bt_kind kd = (enum bt_kind)kind[k];
		uint8_t buf[32];
		int len = -1, reenc = 0;
		unsigned msize = 0;
		int write = 0;

		f->ieip[k] = eip;
		f->hoff[k] = (uint16_t)(b.p - f->entry);
		if (kd == K_IDENT) {
			len = ident_encode(i, raw, buf, &reenc);
			kd = len < 0 ? K_CALLOUT : reenc ? K_REENC : K_IDENT;
		} else if (kd == K_MEM) {
			len = mem_encode(i, raw, buf, &msize, &write);
			if (len < 0)
				kd = K_CALLOUT;
		}
		f->kind[k] = (uint8_t)kd;
		bt->kinds[kd]++;
		switch (kd) {
		case K_IDENT:
		case K_REENC:
			if ((rd[k] | wr[k] | und[k]) == 0) {
				emit_bytes(&b, buf, (size_t)len);   /* touches no flags: wherever they are, they stay */
				break;
			}
			if (rd[k] | (live_after[k] & ~wr[k]))
				NEED_HOST();
			emit_bytes(&b, buf, (size_t)len);
			host_ok = 1;              /* what it does not write is dead after it, or was right */
			if (wr[k] | und[k])
				r11_ok = 0;
			break;
		case K_MEM: {
			uint32_t need = rd[k] | (live_after[k] & ~wr[k]);
			NEED_R11();
			if (i->has_modrm)
				emit_lea_ea(&b, raw + prefix_len(raw, i->len) + (i->map == 2 ? 2 : 1));
			else {
				EB(&b, 0x41, 0xb9); emit32(&b, i->disp);         /* mov r9d, moffs */
			}
			uint8_t *miss = emit_tlb_probe(&b, user, msize, write);
			host_ok = 0;
			/* a plain move leaves the flags in r11 for the next instruction that needs them */
			if (wr[k] | und[k] | rd[k]) {
				if (need)
					NEED_HOST();
				host_ok = 1;
				r11_ok = 0;
			}
			emit_bytes(&b, buf, (size_t)len);
			slow[nslow++] = (struct slow){ miss, new_callout(f, i, eip, k, next), b.p };
			break;
		}
		case K_STACK: {
			int push = i->op == OP_PUSH;
			NEED_R11();
			uint8_t *miss = emit_stack_probe(&b, user, push);
			host_ok = 0;                  /* PUSH/POP change no flags: they stay in r11 */
			if (push && i->o[0].kind == OPK_IMM)
				emit_store_imm_r14(&b, i->imm);
			else if (push)
				emit_store_r14(&b, i->o[0].reg);
			else
				emit_load_r14(&b, i->o[0].reg);
			if (push)
				emit_push_commit(&b);
			else
				EB(&b, 0x45, 0x8d, 0x64, 0x24, 0x04);      /* lea r12d, [r12 + 4] */
			slow[nslow++] = (struct slow){ miss, new_callout(f, i, eip, k, next), b.p };
			break;
		}
		case K_DIV: {
			int d = g2h[i->o[0].reg];
			uint8_t *s1, *s2 = NULL;
			NEED_R11();
			if (i->op == OP_DIV) {
				/* no #DE iff EDX < divisor (unsigned): covers divisor 0 and quotient overflow */
				if (d >= 8)
					emit8(&b, 0x44);
				EB(&b, 0x39); emit8(&b, (uint8_t)(0xc2 | ((d & 7) << 3)));   /* cmp edx, d */
				s1 = emit_jcc(&b, 0x3, NULL);                                 /* jae slow */
				if (d >= 8)
					emit8(&b, 0x41);
				EB(&b, 0xf7); emit8(&b, (uint8_t)(0xf0 | (d & 7)));           /* div d */
			} else {
				/* no #DE if divisor is not 0 or -1 and EDX:EAX is EAX sign-extended */
				emit8(&b, (uint8_t)(0x44 | (d >= 8 ? 0x01 : 0)));
				emit8(&b, 0x8d);
				if ((d & 7) == 4) {
					EB(&b, 0x54, 0x24, 0x01);                    /* lea r10d, [r12 + 1] */
				} else {
					emit8(&b, (uint8_t)(0x50 | (d & 7))); emit8(&b, 1);   /* lea r10d, [d + 1] */
				}
				EB(&b, 0x41, 0x83, 0xfa, 0x01);                  /* cmp r10d, 1 */
				s1 = emit_jcc(&b, 0x6, NULL);                    /* jbe slow */
				EB(&b, 0x41, 0x89, 0xc2);                        /* mov r10d, eax */
				EB(&b, 0x41, 0xc1, 0xfa, 0x1f);                  /* sar r10d, 31 */
				EB(&b, 0x41, 0x39, 0xd2);                        /* cmp r10d, edx */
				s2 = emit_jcc(&b, 0x5, NULL);                    /* jne slow */
				if (d >= 8)
					emit8(&b, 0x41);
				EB(&b, 0xf7); emit8(&b, (uint8_t)(0xf8 | (d & 7)));    /* idiv d */
			}
			struct bt_callout *co = new_callout(f, i, eip, k, next);
			slow[nslow++] = (struct slow){ s1, co, b.p };
			if (s2)
				slow[nslow++] = (struct slow){ s2, co, b.p };
			host_ok = 1;                  /* every flag is dead after it (pass 1) */
			r11_ok = 0;
			break;
		}
		case K_EMUL: {
			/* RDTSC = icount + tsc_offset; icount here = stop_at + r8 + k.  CR4.TSD at CPL 3 faults:
			 * checked at run time, the callout raises it. */
			NEED_R11();
			EB(&b, 0x41, 0xf6, 0x85); emit32(&b, (uint32_t)OFF(cr4)); emit8(&b, CR4_TSD);  /* test byte [r13+cr4], TSD */
			uint8_t *tsd = emit_jcc(&b, 0x5, NULL);
			emit_mov_imm64(&b, H_R10, (uint64_t)(uintptr_t)&bt->stop_at);
			EB(&b, 0x4d, 0x8b, 0x12);                                    /* mov r10, [r10] */
			EB(&b, 0x4d, 0x01, 0xc2);                                    /* add r10, r8 */
			EB(&b, 0x4d, 0x03, 0x95); emit32(&b, (uint32_t)OFF(tsc_offset));   /* add r10, [r13+tsc_offset] */
			EB(&b, 0x49, 0x83, 0xc2); emit8(&b, (uint8_t)k);             /* add r10, k */
			EB(&b, 0x4c, 0x89, 0xd2);                                    /* mov rdx, r10 */
			EB(&b, 0x48, 0xc1, 0xea, 0x20);                              /* shr rdx, 32 */
			EB(&b, 0x44, 0x89, 0xd0);                                    /* mov eax, r10d */
			host_ok = 0;                  /* RDTSC changes no flags: they stay in r11 */
			uint8_t *resume_at = b.p;
			struct bt_callout *co = new_callout(f, i, eip, k, next);
			slow[nslow++] = (struct slow){ tsd, co, resume_at };
			break;
		}
		case K_JCC: {
			NEED_HOST();
			uint8_t *taken = emit_jcc(&b, i->cc, NULL);
			emit_exit(&b, bt, f, next, k + 1);
			if (!b.overflow)
				patch_rel32(taken, b.p);
			emit_exit(&b, bt, f, next + i->imm, k + 1);
			ended = 1;
			break;
		}
		case K_JMP:
			NEED_HOST();
			emit_exit(&b, bt, f, next + i->imm, k + 1);
			ended = 1;
			break;
		case K_CALL: {
			/* the return address pushed inline (flat SS: pass 1), then the exit */
			struct bt_callout *co = new_callout(f, i, eip, k, next + i->imm);
			NEED_R11();
			uint8_t *miss = emit_stack_probe(&b, user, 1);
			emit_store_imm_r14(&b, next);
			emit_push_commit(&b);
			emit_flags_restore(&b);
			slow[nslow++] = (struct slow){ miss, co, b.p };
			emit_exit(&b, bt, f, next + i->imm, k + 1);
			ended = 1;
			break;
		}
		case K_IND: {
			struct bt_callout *co = new_callout(f, i, eip, k, next);
			uint8_t *miss = NULL;
			NEED_R11();                   /* the lookup restores the flags from r11 on both paths */
			if (i->op == OP_RET) {
				miss = emit_stack_probe(&b, user, 0);
				EB(&b, 0x45, 0x8b, 0x3e);                      /* mov r15d, [r14] */
				EB(&b, 0x45, 0x8d, 0xa4, 0x24); emit32(&b, 4 + (i->imm & 0xffff));  /* lea r12d, [r12 + 4 + imm] */
			} else if (i->o[0].kind == OPK_MEM) {
				emit_lea_ea(&b, raw + prefix_len(raw, i->len) + 1);
				miss = emit_tlb_probe(&b, user, 4, 0);
				EB(&b, 0x45, 0x8b, 0x3e);                      /* mov r15d, [r14] */
			} else if (i->op == OP_CALL_IND) {
				miss = emit_stack_probe(&b, user, 1);
				emit_store_imm_r14(&b, next);
				emit_mov_r15_reg(&b, i->o[0].reg);
				emit_push_commit(&b);
			} else {
				emit_mov_r15_reg(&b, i->o[0].reg);
			}
			emit_ind_lookup(&b, bt, f, k + 1);
			if (miss)
				slow[nslow++] = (struct slow){ miss, co, NULL };
			ended = 1;
			break;
		}
		case K_CALLOUT:
		default: {
			struct bt_callout *co = new_callout(f, i, eip, k, (i->cls & CF_MASK) == CF_CALL ?
							    next + i->imm : next);
			NEED_HOST();
			emit_callout(&b, bt, co);
			host_ok = 1;                  /* t_callout reloads the flags */
			r11_ok = 0;
			if ((i->cls & CF_MASK) == CF_CALL) {
				emit_exit(&b, bt, f, co->expect, k + 1);
				ended = 1;
			}
			break;
		}
		}
	}
	if (!ended) {
		NEED_HOST();
		emit_exit(&b, bt, f, ieip[n - 1] + ins[n - 1].len, n);   /* falls through into the next TU */
	}
#undef NEED_HOST
#undef NEED_R11
	for (unsigned s = 0; s < nslow; s++) {
		if (!b.overflow)
			patch_rel32(slow[s].field, b.p);
		emit_flags_restore(&b);
		emit_callout(&b, bt, slow[s].co);
		if (slow[s].resume) {
			/* the fast path may go on expecting the flags in r11, which the VMM's C code clobbered;
			 * t_callout reloaded them into the host flags */
			emit_flags_save(&b);
			emit_jmp(&b, slow[s].resume);
		}
		else
			EB(&b, 0x0f, 0x0b);                                /* ud2: the callout never returns here */
	}
	emit_prologue_fail(&b, bt, f, fail);
	if (b.overflow) {
		f->valid = 0;
		tc_flush(m);
		bt->ws[WS_TC_FULL]++;
		return NULL;
	}
	f->host_bytes = (uint32_t)(b.p - f->entry);
	bt->tc_free = b.p;
	bt->ccfs++;
	bt->guest_insns += n;
	tc_insert(bt, f);
	if (m->log_mask & (LOG_IN_ASM | LOG_OUT_ASM))   /* listing.c */
		bt_list_ccf(m, f, m->log, BT_LIST_TAGS | (m->log_mask & LOG_IN_ASM ? BT_LIST_GUEST : 0) |
			    (m->log_mask & LOG_OUT_ASM ? BT_LIST_HOST : 0));
	return f;
}
