/* SPDX-License-Identifier: MIT
 *
 * decode.c — turns the bytes of one IA-32 instruction into a struct insn (insn.h), in 16- or 32-bit code.
 * The instruction format is SDM vol. 2A chapter 2: up to four kinds of legacy prefixes, a one-, two- or
 * three-byte opcode, an optional ModRM byte, an optional SIB byte, a displacement and an immediate, at
 * most 15 bytes in all.  Which opcode means what lives in the tables of decode_tables.c; this file only
 * walks them:
 *
 *   1. prefixes     table prefix_kind[]                     (SDM 2.1.1)
 *   2. opcode       map_one[] / map_0f[], group_map[]        (SDM appendix A)
 *   3. ModRM, SIB, displacement -> base + (index << scale) + disp   (SDM 2.1.5, tables 2-1..2-3)
 *   4. operands, in the order of the entry's specifiers, reading immediates as they come
 *   5. classification: op_table[op].cls plus what this instance does (C_MEMRD/C_MEMWR, C_INVALID)
 *
 * Decoding never fails.  An encoding the processor would reject still yields its length, with exec set to
 * op_ud (undefined opcode, LOCK where it is not allowed, a register where memory is required) or to
 * op_toolong (more than 15 bytes, #GP(0) by SDM 2.3.11).  Only running out of bytes stops it: then
 * decode() returns DEC_SHORT and the caller fetches across the page boundary and tries again.  Since
 * decode() runs on every miss of the decoded-instruction cache, each step is a table lookup, not a chain
 * of tests on opcode values.
 */
#include <string.h>
#include "cpu.h"
#include "insn.h"
#include "decode_tables.h"

#define MAX_INSN_LEN 15   /* SDM vol. 2A 2.3.11: longer instructions raise #GP(0) */

/* What each prefix byte does: 0 = not a prefix, PK_SEG | n = segment override n, else a PFX_* bit. */
#define PK_SEG 0x80
static const uint8_t prefix_kind[256] = {
	[0x26] = PK_SEG | S_ES, [0x2e] = PK_SEG | S_CS, [0x36] = PK_SEG | S_SS, [0x3e] = PK_SEG | S_DS,
	[0x64] = PK_SEG | S_FS, [0x65] = PK_SEG | S_GS,
	[0x66] = PFX_OPSIZE, [0x67] = PFX_ADSIZE,
	[0xf0] = PFX_LOCK, [0xf2] = PFX_REPNE, [0xf3] = PFX_REP,
};

/* 16-bit addressing forms, indexed by ModRM.rm (SDM vol. 2A table 2-1): [BX+SI] [BX+DI] [BP+SI] [BP+DI]
 * [SI] [DI] [BP] [BX].  Register numbers are the 32-bit ones; insn_ea() truncates the sum to 16 bits. */
static const uint8_t ea16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
static const uint8_t ea16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ZERO, R_ZERO, R_ZERO, R_ZERO };

/* The byte reader: p is the next byte, lim = min(avail, 15).  When a read would pass lim, `want` records
 * how many bytes the instruction needs so far, which tells "buffer too short" from "too long". */
struct rd {
	const uint8_t *buf;
	unsigned p, lim, want;
};

static inline int have(struct rd *r, unsigned n)
{
	if (r->p + n <= r->lim)
		return 1;
	r->want = r->p + n;
	return 0;
}

/* Little-endian n-byte read (n = 1, 2 or 4); have() must have said yes. */
static inline uint32_t get(struct rd *r, unsigned n)
{
	const uint8_t *b = r->buf + r->p;
	uint32_t v = b[0];

	if (n >= 2)
		v |= (uint32_t)b[1] << 8;
	if (n == 4)
		v |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	r->p += n;
	return v;
}

static inline uint32_t sext8(uint32_t v) { return (uint32_t)(int32_t)(int8_t)v; }
static inline uint32_t sext16(uint32_t v) { return (uint32_t)(int32_t)(int16_t)v; }

/* ModRM memory forms with 32-bit addressing (SDM vol. 2A tables 2-2 and 2-3).  Returns the default
 * segment (SS when the base is ESP or EBP, DS otherwise: SDM vol. 1 3.7.5), or -1 if out of bytes. */
static int ea32(struct insn *i, struct rd *r, unsigned mod, unsigned rm)
{
	unsigned base = rm, index = R_ZERO, scale = 0;
	unsigned dsz = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	if (rm == 4) {                             /* a SIB byte follows */
		if (!have(r, 1))
			return -1;
		uint32_t sib = get(r, 1);
		base = sib & 7;
		index = (sib >> 3) & 7;
		scale = sib >> 6;
		if (index == R_ESP) {              /* index 100: no index (the scale is then meaningless) */
			index = R_ZERO;
			scale = 0;
		}
		if (base == R_EBP && mod == 0) {   /* base 101 with mod 00: disp32, no base */
			base = R_ZERO;
			dsz = 4;
		}
	} else if (rm == 5 && mod == 0) {          /* mod 00 rm 101: disp32 alone */
		base = R_ZERO;
		dsz = 4;
	}
	if (dsz) {
		if (!have(r, dsz))
			return -1;
		uint32_t d = get(r, dsz);
		i->disp = dsz == 1 ? sext8(d) : d;
	}
	i->base = base;
	i->index = index;
	i->scale = scale;
	return base == R_ESP || base == R_EBP ? S_SS : S_DS;
}

/* ModRM memory forms with 16-bit addressing (SDM vol. 2A table 2-1).  BP-based forms default to SS. */
static int ea16(struct insn *i, struct rd *r, unsigned mod, unsigned rm)
{
	unsigned base = ea16_base[rm], index = ea16_index[rm];
	unsigned dsz = mod == 1 ? 1 : mod == 2 ? 2 : 0;

	if (mod == 0 && rm == 6) {                 /* mod 00 rm 110: disp16 alone, not [BP] */
		base = R_ZERO;
		dsz = 2;
	}
	if (dsz) {
		if (!have(r, dsz))
			return -1;
		uint32_t d = get(r, dsz);
		i->disp = dsz == 1 ? sext8(d) : sext16(d);
	}
	i->base = base;
	i->index = index;
	return base == R_EBP ? S_SS : S_DS;
}

/* The few encoding rules that do not fit the table's shape (entries flagged F_FIXUP).  Returns 1 when the
 * encoding is invalid (#UD). */
static int fixup(struct insn *i, unsigned *op)
{
	switch (*op) {
	case OP_NOP:            /* 90; with F3 it is PAUSE (SDM vol. 2B, PAUSE) */
		if (i->pfx & PFX_REP)
			*op = OP_PAUSE;
		return 0;
	case OP_MOV_TO_SEG:     /* MOV CS,r/m is #UD (use a far jump); there is no sreg 6 or 7 */
		return i->o[0].reg == S_CS || i->o[0].reg > S_GS;
	case OP_MOV_FROM_SEG:
		return i->o[1].reg > S_GS;
	case OP_MOV_TO_CR:      /* only CR0, CR2, CR3 and CR4 exist (SDM vol. 2B, MOV CR: #UD otherwise) */
	case OP_MOV_FROM_CR: {
		unsigned cr = i->o[*op == OP_MOV_TO_CR ? 0 : 1].reg;
		return cr == 1 || cr > 4;
	}
	default:                /* MOV DRn: DR4/DR5 depend on CR4.DE at run time, the handler checks */
		return 0;
	}
}

/* The memory-access bits for MEMDST_RW, _R, _W, _NONE (decode_tables.h). */
static const uint16_t memdst_cls[4] = { C_MEMRD | C_MEMWR, C_MEMRD, C_MEMWR, 0 };

int decode(struct insn *i, const uint8_t *buf, unsigned avail, int code32)
{
	struct rd r = { buf, 0, avail < MAX_INSN_LEN ? avail : MAX_INSN_LEN, 0 };
	const struct opdesc *d;
	const uint8_t *spec;
	unsigned osz = code32 ? 4 : 2, asz = osz, seg = S_NONE, defseg = S_DS;
	unsigned op, flags, b, m = 0, n = 0, mem = 0, bad = 0;
	uint32_t cls, extra = 0, v;

	memset(i, 0, sizeof *i);
	i->base = i->index = R_ZERO;

	/* 1. Prefixes, in any order.  Repeating one is allowed (it counts toward the 15 bytes).  Two from the
	 * same group are "unpredictable" (SDM 2.1.1); revisor lets the last segment override and the last
	 * of F2/F3 win. */
	for (;;) {
		if (!have(&r, 1))
			goto out_of_bytes;
		unsigned k = prefix_kind[buf[r.p]];
		if (!k)
			break;
		r.p++;
		if (k & PK_SEG) {
			seg = k & 7;
			i->pfx |= PFX_SEG;
		} else {
			if (k & (PFX_REP | PFX_REPNE))
				i->pfx &= ~(PFX_REP | PFX_REPNE);
			i->pfx |= k;
		}
	}
	if (i->pfx & PFX_OPSIZE)
		osz = 6 - osz;             /* 66 toggles between 16 and 32 bits */
	if (i->pfx & PFX_ADSIZE)
		asz = 6 - asz;             /* 67 likewise for addresses */

	/* 2. Opcode: one byte, or 0F and a second byte, or 0F 38/3A and a third one (all UD here). */
	if (!have(&r, 1))
		goto out_of_bytes;
	b = get(&r, 1);
	i->map = 1;
	d = &map_one[b];
	if (b == 0x0f) {
		if (!have(&r, 1))
			goto out_of_bytes;
		b = get(&r, 1);
		i->map = 2;
		d = &map_0f[b];
		if (d->flags & F_ESC3) {
			if (!have(&r, 1))
				goto out_of_bytes;
			get(&r, 1);
		}
	}
	i->opc = b;
	i->cc = b & 0x0f;              /* the condition of Jcc / SETcc / CMOVcc (SDM vol. 2D, B.1.4.7) */
	op = d->op;
	flags = d->flags;
	spec = d->spec;

	/* 3. ModRM, then for a group opcode the entry chosen by ModRM.reg, then the memory operand. */
	if (flags & F_MODRM) {
		if (!have(&r, 1))
			goto out_of_bytes;
		m = get(&r, 1);
		i->modrm = m;
		i->has_modrm = 1;
		if (flags & F_GRP) {
			const struct opdesc *g = &group_map[d->grp][(m >> 3) & 7];
			op = g->op;
			flags |= g->flags;
			if (g->spec[0] != A_NONE)
				spec = g->spec;
			i->cc = (m >> 3) & 7;   /* the group's sub-operation */
		}
		if ((m >> 6) != 3 && !(flags & F_REGRM)) {
			int s = asz == 4 ? ea32(i, &r, m >> 6, m & 7) : ea16(i, &r, m >> 6, m & 7);
			if (s < 0)
				goto out_of_bytes;
			defseg = s;
			mem = 1;
		}
	}
	if (flags & F_BYTE)
		osz = 1;                   /* byte forms: handlers and string ops see an element size of 1 */

	/* 4. Operands, in SDM order; immediates are read as they come, which is also their byte order. */
	for (unsigned k = 0; k < 3 && spec[k] != A_NONE; k++) {
		struct opnd *o = &i->o[n];
		unsigned reg = (m >> 3) & 7, rm = m & 7, size = 0;

		switch (spec[k]) {
		/* ModRM r/m: memory if mod != 11, else the register in rm */
		case Eb: size = 1; goto rm_operand;
		case Ew: size = 2; goto rm_operand;
		case Ev: size = osz; goto rm_operand;
		case Ewv: size = mem ? 2 : osz; goto rm_operand;
		rm_operand:
			o->kind = mem ? OPK_MEM : OPK_REG;
			o->size = size;
			o->reg = mem ? 0 : rm;
			n++;
			break;
		/* Memory-only forms: the register form is #UD (or another instruction on later CPUs) */
		case M: size = osz; goto mem_operand;
		case Mb: size = 1; goto mem_operand;
		case Mp: size = osz + 2; goto mem_operand;
		case Ms: size = 6; goto mem_operand;
		case Mq: size = 8; goto mem_operand;
		case Ma: size = 2 * osz; goto mem_operand;
		mem_operand:
			bad |= !mem;
			o->kind = OPK_MEM;
			o->size = size;
			n++;
			break;
		case X87: {
			unsigned esc = i->opc - 0xd8;
			if (mem) {
				const struct x87_mem *x = &x87_mem[esc][reg];
				o->kind = OPK_MEM;
				o->size = osz == 2 ? x->size16 : x->size32;
				bad |= o->size == 0;
				extra = x->store ? C_MEMWR : C_MEMRD;
				n++;
			} else {
				bad |= !((x87_reg_ok[esc] >> (m & 0x3f)) & 1);
			}
			break;
		}
		/* ModRM reg */
		case Gb: size = 1; goto reg_operand;
		case Gw: size = 2; goto reg_operand;
		case Gv: size = osz; goto reg_operand;
		reg_operand:
			o->kind = OPK_REG;
			o->size = size;
			o->reg = reg;
			n++;
			break;
		case Sw: o->kind = OPK_SREG; o->size = 2; o->reg = reg; n++; break;
		case Cd: o->kind = OPK_CR; o->size = 4; o->reg = reg; n++; break;
		case Dd: o->kind = OPK_DR; o->size = 4; o->reg = reg; n++; break;
		case Rd: o->kind = OPK_REG; o->size = 4; o->reg = rm; n++; break;
		/* Immediates that are operands */
		case Ib:
		case Ibs:
		case Iz:
			size = spec[k] == Iz ? osz : 1;
			if (!have(&r, size))
				goto out_of_bytes;
			v = get(&r, size);
			i->imm = spec[k] == Ibs ? sext8(v) : v;
			o->kind = OPK_IMM;
			o->size = spec[k] == Ib ? 1 : osz;   /* Ibs is an operand of operand size */
			n++;
			break;
		case I1: i->imm = 1; o->kind = OPK_IMM; o->size = 1; n++; break;
		/* Fixed and opcode-encoded registers */
		case AL: o->kind = OPK_REG; o->size = 1; o->reg = R_EAX; n++; break;
		case eAX: o->kind = OPK_REG; o->size = osz; o->reg = R_EAX; n++; break;
		case CL: o->kind = OPK_REG; o->size = 1; o->reg = R_ECX; n++; break;
		case DX: o->kind = OPK_REG; o->size = 2; o->reg = R_EDX; n++; break;
		case Zb: o->kind = OPK_REG; o->size = 1; o->reg = i->opc & 7; n++; break;
		case Zv: o->kind = OPK_REG; o->size = osz; o->reg = i->opc & 7; n++; break;
		case Zd: o->kind = OPK_REG; o->size = 4; o->reg = i->opc & 7; n++; break;
		case ES: o->kind = OPK_SREG; o->size = 2; o->reg = S_ES; n++; break;
		case CS: o->kind = OPK_SREG; o->size = 2; o->reg = S_CS; n++; break;
		case SS: o->kind = OPK_SREG; o->size = 2; o->reg = S_SS; n++; break;
		case DS: o->kind = OPK_SREG; o->size = 2; o->reg = S_DS; n++; break;
		case FS: o->kind = OPK_SREG; o->size = 2; o->reg = S_FS; n++; break;
		case GS: o->kind = OPK_SREG; o->size = 2; o->reg = S_GS; n++; break;
		/* moffs: a memory operand given by an address-size offset alone (MOV A0..A3) */
		case Ob:
		case Ov:
			if (!have(&r, asz))
				goto out_of_bytes;
			i->disp = get(&r, asz);
			mem = 1;               /* base and index stay R_ZERO; the segment is DS unless overridden */
			o->kind = OPK_MEM;
			o->size = spec[k] == Ob ? 1 : osz;
			n++;
			break;
		/* Fields that are not operands */
		case Ap:                       /* ptr16:16 / ptr16:32, offset first */
			if (!have(&r, osz + 2))
				goto out_of_bytes;
			i->imm = get(&r, osz);
			i->imm2 = get(&r, 2);
			break;
		case Jb:
			if (!have(&r, 1))
				goto out_of_bytes;
			i->imm = sext8(get(&r, 1));
			break;
		case Jz:
			if (!have(&r, osz))
				goto out_of_bytes;
			v = get(&r, osz);
			i->imm = osz == 2 ? sext16(v) : v;
			break;
		case Kb:
			if (!have(&r, 1))
				goto out_of_bytes;
			i->imm = get(&r, 1);
			break;
		case Kw:
			if (!have(&r, 2))
				goto out_of_bytes;
			i->imm = get(&r, 2);
			break;
		case Kb2:
			if (!have(&r, 1))
				goto out_of_bytes;
			i->imm2 = get(&r, 1);
			break;
		default:
			break;
		}
	}

	i->len = r.p;
	i->osz = osz;
	i->asz = asz;
	i->nopnd = n;
	i->seg = seg != S_NONE ? seg : defseg;
	if (flags & F_FIXUP)
		bad |= fixup(i, &op);

	/* 5. Classification.  LOCK is allowed only on the read-modify-write instructions marked C_LOCKOK,
	 * and only with a memory destination (SDM vol. 2A, LOCK: #UD otherwise). */
	cls = op_table[op].cls;
	if ((i->pfx & PFX_LOCK) && (!(cls & C_LOCKOK) || i->o[0].kind != OPK_MEM))
		bad = 1;
	if (bad) {
		i->exec = op_ud;
		cls |= C_INVALID;
	} else {
		i->exec = op_table[op].exec;
		if (mem) {
			unsigned acc = memdst[op];
			if (i->o[0].kind == OPK_MEM)
				cls |= memdst_cls[acc];
			else if (acc != MEMDST_NONE)
				cls |= C_MEMRD;    /* a memory operand after the first is a source */
		}
		cls |= mem_implicit[op] | extra;
	}
	i->op = op;
	i->cls = cls;
	return i->len;

out_of_bytes:
	if (r.want <= MAX_INSN_LEN)
		return DEC_SHORT;          /* the caller has more bytes to give (or the next page faults) */
	/* The instruction cannot end within 15 bytes, whatever the bytes still to come: #GP(0). */
	b = i->pfx;
	memset(i, 0, sizeof *i);
	i->pfx = b;
	i->op = OP_TOOLONG;
	i->exec = op_table[OP_TOOLONG].exec;
	i->cls = op_table[OP_TOOLONG].cls;
	i->len = MAX_INSN_LEN;
	i->osz = osz;
	i->asz = asz;
	i->base = i->index = R_ZERO;
	i->seg = seg != S_NONE ? seg : S_DS;
	return MAX_INSN_LEN;
}

/* Undefined opcode, or an encoding this instance makes invalid: #UD (SDM vol. 3A 6.15, interrupt 6). */
void op_ud(struct cpu *c, const struct insn *i)
{
	cpu_ud(c);
}

/* An instruction longer than 15 bytes: #GP(0) (SDM vol. 2A 2.3.11). */
void op_toolong(struct cpu *c, const struct insn *i)
{
	cpu_gp0(c);
}
