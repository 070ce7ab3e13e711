/* SPDX-License-Identifier: MIT
 *
 * insn.h — the decoded instruction: the one compact record that the decoder produces and that the
 * interpreter, the binary translator, the debugger views and the labs all read instead of re-parsing
 * bytes (Blink's design).  Which operation it is, and how that operation is classified (control flow,
 * privileged, sensitive, I/O, memory access...), comes from the instruction catalog insn.def.
 */
#ifndef REVISOR_INSN_H
#define REVISOR_INSN_H

#include <stdint.h>

struct cpu;
struct insn;

/* An instruction's semantics: one function per operation, callable on its own for one decoded
 * instruction (the translator's callouts and the replay engine's single-step use exactly this). */
typedef void (*exec_fn)(struct cpu *c, const struct insn *i);

/* ---- classification bits (docs/instruction-classes.md explains each) ----------------------------- */
/* Control-flow kind: a small number in the low 4 bits. */
#define CF_MASK      0x000fu
#define CF_NONE      0x0000u
#define CF_JCC       0x0001u  /* conditional relative jump (Jcc, LOOPcc, JCXZ) */
#define CF_JMP       0x0002u  /* direct relative jump */
#define CF_CALL      0x0003u  /* direct relative call */
#define CF_JMP_IND   0x0004u  /* jump through register or memory */
#define CF_CALL_IND  0x0005u  /* call through register or memory */
#define CF_RET       0x0006u  /* near return */
#define CF_FAR       0x0007u  /* far jmp/call/ret: changes CS */
#define CF_INT       0x0008u  /* INT n, INT3, INTO, IRET, SYSENTER/SYSEXIT, and #UD-raising UD2 */
/* Other classes: */
#define C_PCREL      0x0010u  /* operand is relative to EIP (relative branches) */
#define C_PRIV       0x0020u  /* privileged: #GP(0) at CPL > 0 */
#define C_SENS       0x0040u  /* sensitive but unprivileged (Robin & Irvine's 17) */
#define C_IO         0x0080u  /* port I/O (IOPL / I/O-bitmap checked) */
#define C_IOPL       0x0100u  /* IOPL-sensitive (CLI, STI, and the I/O instructions) */
#define C_MEMRD      0x0200u  /* this instance reads memory (set by the decoder from the operands) */
#define C_MEMWR      0x0400u  /* this instance writes memory */
#define C_STRING     0x0800u  /* string instruction (REP-able) */
#define C_LOCKOK     0x1000u  /* LOCK prefix allowed when the destination is memory */
#define C_FPU        0x2000u  /* x87 */
#define C_TERM       0x4000u  /* ends a translation unit even if not control flow (mode changes, HLT...) */
#define C_INVALID    0x8000u  /* raises #UD (undefined, unsupported, or bad LOCK) */
#define C_STACK      0x10000u /* implicit stack access (push/pop/call/ret...) */
#define C_SEGLOAD    0x20000u /* loads a segment register */

/* ---- the operation catalog: enum op_id from insn.def ------------------------------------------- */
enum op_id {
#define OP(id, mnem, handler, cls) OP_##id,
#include "insn.def"
#undef OP
	OP_COUNT
};

struct op_info {
	const char *mnemonic;
	exec_fn exec;
	uint32_t cls;
};
extern const struct op_info op_table[OP_COUNT];

/* ---- operands ---------------------------------------------------------------------------------- */
enum opnd_kind {
	OPK_NONE,
	OPK_REG,    /* general register: reg is 0..7; size 1 uses the AL..BH numbering */
	OPK_MEM,    /* memory at the instruction's effective address */
	OPK_IMM,    /* i->imm (already extended to the operand size, see below) */
	OPK_SREG,   /* segment register S_ES..S_GS */
	OPK_CR,     /* control register */
	OPK_DR,     /* debug register */
};

struct opnd {
	uint8_t kind;  /* enum opnd_kind */
	uint8_t size;  /* bytes: 1, 2, 4; 6 for m16:32 / pseudo-descriptors, 8 for m64 */
	uint8_t reg;   /* register number for REG/SREG/CR/DR */
};

/* Prefix bits in insn.pfx */
#define PFX_LOCK   0x01
#define PFX_REP    0x02   /* F3 */
#define PFX_REPNE  0x04   /* F2 */
#define PFX_OPSIZE 0x08   /* 66 */
#define PFX_ADSIZE 0x10   /* 67 */
#define PFX_SEG    0x20   /* a segment override is present */

struct insn {
	exec_fn exec;       /* handler chosen at decode time */
	uint32_t cls;       /* op_table[op].cls | per-instance bits (C_MEMRD, C_MEMWR, C_INVALID...) */
	uint32_t disp;      /* memory operand displacement (sign-extended) */
	uint32_t imm;       /* immediate: sign- or zero-extended to 32 bits as the opcode defines; for
	                       relative branches the displacement; for far pointers the offset */
	uint32_t imm2;      /* second immediate: far-pointer selector, ENTER nesting level */
	uint16_t op;        /* enum op_id */
	uint8_t len;        /* total length in bytes, prefixes included (1..15) */
	uint8_t osz;        /* operand size in bytes: 1, 2 or 4 */
	uint8_t asz;        /* address size in bytes: 2 or 4 */
	uint8_t seg;        /* segment of the memory operand (override or default: SS for EBP/ESP bases) */
	uint8_t base;       /* memory operand base register, R_ZERO if none */
	uint8_t index;      /* memory operand index register, R_ZERO if none */
	uint8_t scale;      /* log2 of the index scale: 0..3 */
	uint8_t pfx;        /* PFX_* */
	uint8_t modrm;      /* raw ModRM byte (0 if none) */
	uint8_t has_modrm;
	uint8_t cc;         /* condition code for Jcc/SETcc/CMOVcc; sub-operation for group opcodes */
	uint8_t opc;        /* the opcode byte (after 0F for two-byte opcodes) */
	uint8_t map;        /* 1 = one-byte map, 2 = 0F map */
	uint8_t nopnd;
	struct opnd o[3];   /* o[0] is the destination (or only) operand */
};

/* Decode one instruction from buf (avail bytes are readable) in 16-bit (code32 == 0) or 32-bit code.
 * Returns the length (1..15) on success; DEC_SHORT if more bytes than avail would be needed (the caller
 * fetches more, or raises #PF/#GP on the page that is missing).  Invalid encodings and >15-byte
 * instructions still decode: their exec raises #UD or #GP(0) when executed, so decoding never fails. */
#define DEC_SHORT (-1)
int decode(struct insn *i, const uint8_t *buf, unsigned avail, int code32);

/* The handler used for undefined opcodes: raises #UD. */
void op_ud(struct cpu *c, const struct insn *i);

#endif
