/* SPDX-License-Identifier: MIT
 *
 * decode_tables.h — private to the decoder (decode.c, decode_tables.c): the shape of one opcode-map
 * entry.  An entry names the operation (an op_id from insn.def) and up to three operand specifiers
 * written in the SDM's own notation (vol. 2D, appendix A.2 "Key to abbreviations"): "Eb,Gb" is
 * `{ Eb, Gb }`, "Gv,Ev,Ib" is `{ Gv, Ev, Ibs }`.  decode.c walks the specifiers in order; because the
 * encoding puts immediates after the ModRM/SIB/displacement bytes in the same order as the operands are
 * written in the SDM, walking the specifiers is also walking the instruction's bytes.
 */
#ifndef REVISOR_DECODE_TABLES_H
#define REVISOR_DECODE_TABLES_H

#include <stdint.h>
#include "insn.h"

/* Operand specifiers.  Letters follow SDM appendix A.2.1 (addressing method) and A.2.2 (operand type):
 *   E = ModRM r/m (register or memory)   G = ModRM reg (general register)   M = ModRM r/m, memory only
 *   S = ModRM reg as a segment register  C/D = ModRM reg as a control/debug register, R = ModRM r/m as a
 *   32-bit general register whatever mod says   I = immediate   J = relative displacement
 *   O = moffs (a bare offset)   A = far pointer ptr16:16/32   Z = register in the opcode's low 3 bits
 *   b = byte  w = word  d = doubleword  v = operand size (2 or 4)  z = word, or dword when osz is 4
 *   p = far pointer (osz + 2 bytes)  s = 6-byte pseudo-descriptor  q = quadword  a = BOUND's pair
 * Specifiers from A_MODRM_FIRST to A_MODRM_LAST need a ModRM byte; decode_tables.c's entry macros work
 * that out, so an entry never states it twice. */
enum spec {
	A_NONE = 0,
	/* --- need a ModRM byte --- */
	Eb, Ew, Ev,
	Ewv,     /* SLDT/STR/SMSW/MOV r/m,Sreg: a word in memory, an osz-sized register (SDM: "r/m16, r32") */
	Gb, Gw, Gv,
	Sw,      /* segment register in ModRM.reg */
	Cd, Dd,  /* control / debug register in ModRM.reg */
	Rd,      /* ModRM.rm as a 32-bit register; the mod bits are ignored (MOV CRn/DRn, SDM vol. 2B) */
	M,       /* memory only, operand-size wide (LEA, and the NOP/prefetch hints) */
	Mb,      /* memory only, one byte (INVLPG) */
	Mp,      /* memory only, far pointer m16:16 / m16:32 (LDS..LSS, far indirect JMP/CALL) */
	Ms,      /* memory only, 6-byte pseudo-descriptor (LGDT/SGDT/LIDT/SIDT) */
	Mq,      /* memory only, 8 bytes (CMPXCHG8B) */
	Ma,      /* memory only, two operand-size words (BOUND) */
	X87,     /* x87 escape: memory form sized from x87_mem[][], register form has no operand */
	/* --- no ModRM --- */
	Ib,      /* imm8, zero-extended */
	Ibs,     /* imm8, sign-extended to 32 bits (83 /x, 6A, 6B): an operand of operand size */
	Iz,      /* imm16 or imm32 by operand size */
	I1,      /* the constant 1 (D0/D1 shifts) */
	AL, eAX, CL, DX,   /* fixed registers; eAX is AX or EAX by operand size */
	Zb, Zv, Zd,        /* register in the opcode's low three bits */
	ES, CS, SS, DS, FS, GS,   /* a fixed segment register (PUSH/POP Sreg) */
	Ob, Ov,  /* moffs8 / moffs16/32: an address-size offset, no ModRM */
	Ap,      /* far pointer: imm = offset (osz bytes), imm2 = selector */
	Jb, Jz,  /* relative displacement: sign-extended into imm, not an operand */
	Kb, Kw,  /* an immediate that is a field, not an operand (INT n, AAM, RET n, ENTER's size) -> imm */
	Kb2,     /* ENTER's nesting level -> imm2 */
	A_COUNT
};
#define A_MODRM_FIRST Eb
#define A_MODRM_LAST  X87

/* Entry flags */
#define F_MODRM  0x01  /* a ModRM byte follows the opcode */
#define F_GRP    0x02  /* group opcode: ModRM.reg selects the entry in group_map[grp] */
#define F_BYTE   0x04  /* byte form: i->osz = 1 (e.g. ADD Eb,Gb, MOVSB, IN AL,DX) */
#define F_REGRM  0x08  /* ModRM.mod is ignored: r/m always names a register (MOV CRn/DRn) */
#define F_ESC3   0x10  /* three-byte escape 0F 38 / 0F 3A: one more opcode byte before ModRM */
#define F_FIXUP  0x20  /* decode.c has one more encoding rule for this entry (see fixup()) */

struct opdesc {
	uint16_t op;       /* enum op_id (OP_UD == 0, so an entry left out of a table is "undefined") */
	uint8_t spec[3];   /* enum spec, in operand order; A_NONE ends the list */
	uint8_t flags;     /* F_* */
	uint8_t grp;       /* with F_GRP: index into group_map */
};

/* The maps (decode_tables.c). */
extern const struct opdesc map_one[256];     /* one-byte opcodes */
extern const struct opdesc map_0f[256];      /* 0F xx */
extern const struct opdesc group_map[][8];   /* ModRM.reg extensions, indexed by opdesc.grp */

/* x87 escapes (D8..DF): the memory form's operand, [escape - 0xD8][ModRM.reg]; size 0 = reserved (#UD). */
struct x87_mem {
	uint8_t size16, size32;   /* bytes, by operand size (they differ only for the environment/state) */
	uint8_t store;            /* 1: the instruction writes the operand, 0: reads it */
};
extern const struct x87_mem x87_mem[8][8];
/* The register forms (mod == 11) that exist: bit (ModRM & 0x3f) of x87_reg_ok[escape - 0xD8]. */
extern const uint64_t x87_reg_ok[8];

/* How an instruction accesses a memory operand found in o[0] (decode.c derives C_MEMRD/C_MEMWR):
 * 0 (the default for an op not listed) means read-modify-write, like ADD [m],r. */
#define MEMDST_RW   0
#define MEMDST_R    1   /* the memory operand is only read (CMP, TEST, PUSH, JMP [m], LGDT...) */
#define MEMDST_W    2   /* only written (MOV, POP, SETcc, SGDT...) */
#define MEMDST_NONE 3   /* the address is computed but memory is not accessed (LEA, INVLPG, hint NOPs) */
extern const uint8_t memdst[OP_COUNT];
/* Memory touched implicitly, not through a ModRM operand (string instructions, XLAT): C_MEMRD/C_MEMWR. */
extern const uint16_t mem_implicit[OP_COUNT];

#endif
