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
	[K_IDENT] = "IDENT", [K_REENC] = "REENC", [K_JCC] = "JCC", [K_JMP] = "JMP", [K_CALL] = "CALL",
	[K_CALLOUT] = "CALLOUT",
};

/* Operations that can run IDENT: integer register operations with every flag they write defined by
 * the SDM (so host and interpreter agree bit for bit).  IMUL, shifts and bit scans leave flags
 * undefined and stay callouts; DIV can fault.  LEA and NOP touch no memory. */
static int ident_op(unsigned op)
{
	switch (op) {
	case OP_ADD: case OP_OR: case OP_ADC: case OP_SBB: case OP_AND: case OP_SUB: case OP_XOR:
	case OP_CMP: case OP_TEST: case OP_INC: case OP_DEC: case OP_NEG: case OP_NOT:
	case OP_MOV: case OP_MOVZX: case OP_MOVSX: case OP_XCHG: case OP_CMOV: case OP_SETCC:
	case OP_LEA: case OP_CBW: case OP_CWD: case OP_NOP: case OP_CLC: case OP_STC: case OP_CMC:
	case OP_BSWAP:
		return 1;
	default:
		return 0;
	}
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
	if ((i->cls & NOT_IDENT) || !ident_op(i->op) || (i->pfx & ~PFX_OPSIZE))
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

enum bt_kind bt_classify(const struct insn *i)
{
	switch (i->op) {
	case OP_JCC: return i->osz == 4 ? K_JCC : K_CALLOUT;
	case OP_JMP: return i->osz == 4 ? K_JMP : K_CALLOUT;
	case OP_CALL: return i->osz == 4 ? K_CALL : K_CALLOUT;
	default: break;
	}
	return ((i->cls & NOT_IDENT) || !ident_op(i->op)) ? K_CALLOUT : K_IDENT;
}

/* Does the TU end after instruction i? (VMware: "12 instructions or a terminating instruction".) */
static int tu_ends(const struct insn *i)
{
	return (i->cls & (CF_MASK | C_TERM | C_SEGLOAD | C_IO | C_IOPL | C_PRIV | C_SENS | C_INVALID)) != 0;
}

/* Callouts after which the CCF always returns to the VMM: anything that may change what the run loop
 * must look at (IF, TF, interrupt shadows, CS, CR0/CR3, devices) or leaves EIP unpredictable. */
static int callout_ends(const struct insn *i)
{
	unsigned cf = i->cls & CF_MASK;

	return (i->cls & (C_TERM | C_SEGLOAD | C_IO | C_IOPL | C_PRIV | C_SENS | C_INVALID)) ||
	       (cf && cf != CF_JCC && cf != CF_CALL);
}

/* ---- host code --------------------------------------------------------------------------------- */
#define OFF(f) ((int32_t)offsetof(struct cpu, f))

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
	emit8(b, 0x41); emit8(b, 0xbf); emit32(b, n_done);            /* mov r15d, n_done */
	e->jmp_field = emit_jmp(b, NULL);                              /* patch point */
	e->unchained = b->p;
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)e);
	emit_jmp(b, bt->t_exit);
}

/* The entry prologue: retire the instructions of the CCF we came from (r15), then enter only if this
 * whole CCF fits before the next deadline, nothing needs attention and the page was not written. */
static void emit_prologue(struct cbuf *b, struct machine *m, struct ccf *f, uint8_t **fail_fields)
{
	struct bt *bt = bt_of(m);
	static const uint8_t add_icount[] = { 0x4d, 0x01, 0xbd };      /* add [r13+d32], r15 */
	static const uint8_t ld_icount[] = { 0x4d, 0x8b, 0xbd };       /* mov r15, [r13+d32] */

	emit8(b, 0x9c);                                                /* pushfq: guest flags */
	emit_bytes(b, add_icount, 3); emit32(b, (uint32_t)OFF(icount));
	emit_bytes(b, ld_icount, 3); emit32(b, (uint32_t)OFF(icount));
	emit8(b, 0x49); emit8(b, 0x81); emit8(b, 0xc7); emit32(b, f->n);   /* add r15, n */
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&bt->stop_at);
	emit8(b, 0x4d); emit8(b, 0x3b); emit8(b, 0x3e);                /* cmp r15, [r14] */
	fail_fields[0] = emit_jcc(b, 0x7, NULL);                       /* ja fail */
	emit8(b, 0x41); emit8(b, 0x80); emit8(b, 0xbd); emit32(b, (uint32_t)OFF(attn)); emit8(b, 0);
	fail_fields[1] = emit_jcc(b, 0x5, NULL);                       /* jne fail */
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&m->page_gen[f->pa >> 12]);
	emit8(b, 0x41); emit8(b, 0x81); emit8(b, 0x3e); emit32(b, f->gen);  /* cmp dword [r14], gen */
	fail_fields[2] = emit_jcc(b, 0x5, NULL);                       /* jne fail */
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&f->execs);
	emit8(b, 0x49); emit8(b, 0xff); emit8(b, 0x06);                /* inc qword [r14] */
	emit8(b, 0x9d);                                                /* popfq */
}

static void emit_prologue_fail(struct cbuf *b, struct bt *bt, struct ccf *f, uint8_t **fail_fields)
{
	for (int k = 0; k < 3; k++)
		if (!b->overflow)
			patch_rel32(fail_fields[k], b->p);
	emit8(b, 0x9d);                                                /* popfq */
	f->self_exit.from = f;
	f->self_exit.target = f->eip;
	f->self_exit.self = 1;
	emit_mov_imm64(b, H_R14, (uint64_t)(uintptr_t)&f->self_exit);
	emit_jmp(b, bt->t_exit);
}

/* Build the CCF for the TU starting at physical address pa (CS:EIP = c->eip). */
struct ccf *bt_translate(struct machine *m, uint32_t pa, uint8_t mode)
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

	if (bt->tc_end - bt->tc_free < 4096) {
		tc_flush(m);
		bt->ws[WS_TC_FULL]++;
	}
	if (!m->page_code[pa >> 12])
		mem_mark_code_page(m, pa);

	struct ccf *f = tc_new_ccf(bt);
	struct cbuf b = { bt->tc_free, bt->tc_end, 0 };
	uint8_t *fail[3];
	f->pa = pa;
	f->eip = c->eip;
	f->cs_base = c->seg[S_CS].base;
	f->cs_limit = c->seg[S_CS].limit;
	f->mode = mode;
	f->n = (uint8_t)n;
	f->guest_bytes = off;
	f->gen = m->page_gen[pa >> 12];
	f->entry = b.p;
	emit_prologue(&b, m, f, fail);
	f->body = b.p;

	uint32_t eip = c->eip;
	int ended = 0;
	for (unsigned k = 0; k < n; k++) {
		const struct insn *i = &ins[k];
		uint32_t next = eip + i->len;
		enum bt_kind kind = bt_classify(i);
		uint8_t buf[24];
		int len = -1, reenc = 0;

		f->ieip[k] = eip;
		f->hoff[k] = (uint16_t)(b.p - f->entry);
		if (kind == K_IDENT) {
			len = ident_encode(i, m->ram + pa + (eip - c->eip), buf, &reenc);
			kind = len < 0 ? K_CALLOUT : reenc ? K_REENC : K_IDENT;
		}
		if ((kind == K_JCC || kind == K_JMP || kind == K_CALL) && next + i->imm > f->cs_limit)
			kind = K_CALLOUT;                 /* the handler raises #GP for a target beyond CS */
		f->kind[k] = (uint8_t)kind;
		bt->kinds[kind]++;
		switch (kind) {
		case K_IDENT:
		case K_REENC:
			emit_bytes(&b, buf, (size_t)len);
			break;
		case K_JCC: {
			uint8_t *taken = emit_jcc(&b, i->cc, NULL);
			emit_exit(&b, bt, f, next, k + 1);
			if (!b.overflow)
				patch_rel32(taken, b.p);
			emit_exit(&b, bt, f, next + i->imm, k + 1);
			ended = 1;
			break;
		}
		case K_JMP:
			emit_exit(&b, bt, f, next + i->imm, k + 1);
			ended = 1;
			break;
		case K_CALL:
		case K_CALLOUT: {
			struct bt_callout *co = &f->co[f->nco++];
			co->insn = *i;
			co->eip = eip;
			co->idx = (uint8_t)k;
			co->ends = (uint8_t)callout_ends(i);
			co->expect = kind == K_CALL ? next + i->imm : next;
			emit_callout(&b, bt, co);
			if (kind == K_CALL) {
				emit_exit(&b, bt, f, co->expect, k + 1);
				ended = 1;
			}
			break;
		}
		default:
			break;
		}
		eip = next;
	}
	if (!ended)
		emit_exit(&b, bt, f, eip, n);   /* falls through into the next TU (maybe chained) */
	emit_prologue_fail(&b, bt, f, fail);
	if (b.overflow) {
		/* Cannot happen with the 4 KiB reserve above (a CCF is well under 1 KiB); be safe anyway. */
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
