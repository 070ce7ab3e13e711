/* SPDX-License-Identifier: MIT
 *
 * decode_tables.c — the IA-32 opcode maps as data: for every opcode byte, which operation of insn.def it
 * is and its operands in the SDM's notation (vol. 2D, appendix A: table A-2 one-byte map, A-3 two-byte
 * map, A-6 group extensions, A-7..A-22 x87 escapes).  decode.c is a loop over these entries; adding an
 * instruction means adding a row here and a handler, nothing else.
 *
 * What is claimed: the i686 (Pentium Pro / P6) integer instruction set plus CPUID, RDTSC, RDMSR/WRMSR,
 * RDPMC, SYSENTER/SYSEXIT, CMOVcc, the hint NOPs and PAUSE; x87 escapes go to one FPU operation.  Any
 * other opcode (MMX, SSE, 3DNow!, VMX, SYSCALL, 64-bit-only...) has an OP_UD row that still describes
 * its ModRM and immediate bytes, so the instruction decodes to its true length and raises #UD: a
 * disassembler, the translator's block scan and the #UD handler all see the right instruction boundary.
 * An opcode missing from a table is OP_UD without operands (OP_UD is 0).
 */
#include "decode_tables.h"

_Static_assert(OP_UD == 0, "a missing table entry must mean OP_UD");

/* Entry constructors.  The F_MODRM flag is derived from the specifiers, so rows state only what the SDM
 * states.  ENTRY pads the specifier list with A_NONE. */
#define MR(a) (((a) >= A_MODRM_FIRST && (a) <= A_MODRM_LAST) ? F_MODRM : 0)
#define ENTRY(id, fl, g, a, b, c, ...) \
	{ .op = OP_##id, .spec = { a, b, c }, .flags = (fl) | MR(a) | MR(b) | MR(c), .grp = (g) }
#define I(id, ...)   ENTRY(id, 0, 0, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)          /* instruction */
#define IB(id, ...)  ENTRY(id, F_BYTE, 0, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)     /* byte form */
#define IX(id, ...)  ENTRY(id, F_FIXUP, 0, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)    /* see fixup() */
#define ICR(id, ...) ENTRY(id, F_FIXUP | F_REGRM, 0, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)
#define G(g, ...)    ENTRY(UD, F_GRP | F_MODRM, g, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)
#define GB(g, ...)   ENTRY(UD, F_GRP | F_MODRM | F_BYTE, g, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)
#define ESC3(...)    ENTRY(UD, F_ESC3, 0, ##__VA_ARGS__, A_NONE, A_NONE, A_NONE)

/* Group numbers (index into group_map).  The group's first-byte entry gives the operands; a group row
 * with an empty specifier list inherits them, one that lists specifiers replaces them. */
enum { GRP_NONE, GRP1, GRP1A, GRP2, GRP3B, GRP3V, GRP4, GRP5, GRP11,
       GRP6, GRP7, GRP8, GRP9, NGRP };

/* The eight ALU operations share one pattern in the one-byte map (00-3F): op Eb,Gb / Ev,Gv / Gb,Eb /
 * Gv,Ev / AL,Ib / eAX,Iz at row base + 0..5. */
#define ALU6(base, id) \
	[(base) + 0] = IB(id, Eb, Gb), [(base) + 1] = I(id, Ev, Gv), \
	[(base) + 2] = IB(id, Gb, Eb), [(base) + 3] = I(id, Gv, Ev), \
	[(base) + 4] = IB(id, AL, Ib), [(base) + 5] = I(id, eAX, Iz)

/* Rows 0..7 of a byte: "op r8/r16/r32" forms with the register in the opcode (40+r, 50+r, B0+r...). */
#define ROW8(base, e) [(base) ... (base) + 7] = e

/* SDM vol. 2D, table A-2: one-byte opcode map. */
const struct opdesc map_one[256] = {
	ALU6(0x00, ADD), [0x06] = I(PUSH_SEG, ES), [0x07] = I(POP_SEG, ES),
	ALU6(0x08, OR),  [0x0e] = I(PUSH_SEG, CS), /* 0x0f: two-byte escape, handled in decode.c */
	ALU6(0x10, ADC), [0x16] = I(PUSH_SEG, SS), [0x17] = I(POP_SEG, SS),
	ALU6(0x18, SBB), [0x1e] = I(PUSH_SEG, DS), [0x1f] = I(POP_SEG, DS),
	ALU6(0x20, AND), /* 0x26 ES: prefix */ [0x27] = I(DAA),
	ALU6(0x28, SUB), /* 0x2e CS: prefix */ [0x2f] = I(DAS),
	ALU6(0x30, XOR), /* 0x36 SS: prefix */ [0x37] = I(AAA),
	ALU6(0x38, CMP), /* 0x3e DS: prefix */ [0x3f] = I(AAS),

	ROW8(0x40, I(INC, Zv)),
	ROW8(0x48, I(DEC, Zv)),
	ROW8(0x50, I(PUSH, Zv)),
	ROW8(0x58, I(POP, Zv)),

	[0x60] = I(PUSHA), [0x61] = I(POPA),
	[0x62] = I(BOUND, Gv, Ma),
	[0x63] = I(ARPL, Ew, Gw),
	/* 0x64 FS:, 0x65 GS:, 0x66 operand size, 0x67 address size: prefixes */
	[0x68] = I(PUSH, Iz),
	[0x69] = I(IMUL, Gv, Ev, Iz),
	[0x6a] = I(PUSH, Ibs),
	[0x6b] = I(IMUL, Gv, Ev, Ibs),
	[0x6c] = IB(INS), [0x6d] = I(INS),
	[0x6e] = IB(OUTS), [0x6f] = I(OUTS),

	ROW8(0x70, I(JCC, Jb)),
	ROW8(0x78, I(JCC, Jb)),

	[0x80] = GB(GRP1, Eb, Ib),
	[0x81] = G(GRP1, Ev, Iz),
	[0x82] = GB(GRP1, Eb, Ib),     /* an alias of 80 in 16/32-bit code (invalid only in 64-bit mode) */
	[0x83] = G(GRP1, Ev, Ibs),
	[0x84] = IB(TEST, Eb, Gb), [0x85] = I(TEST, Ev, Gv),
	[0x86] = IB(XCHG, Eb, Gb), [0x87] = I(XCHG, Ev, Gv),
	[0x88] = IB(MOV, Eb, Gb), [0x89] = I(MOV, Ev, Gv),
	[0x8a] = IB(MOV, Gb, Eb), [0x8b] = I(MOV, Gv, Ev),
	[0x8c] = IX(MOV_FROM_SEG, Ewv, Sw),
	[0x8d] = I(LEA, Gv, M),
	[0x8e] = IX(MOV_TO_SEG, Sw, Ew),
	[0x8f] = G(GRP1A, Ev),

	[0x90] = IX(NOP),              /* XCHG eAX,eAX; F3 90 is PAUSE (fixup) */
	[0x91 ... 0x97] = I(XCHG, Zv, eAX),
	[0x98] = I(CBW), [0x99] = I(CWD),
	[0x9a] = I(CALL_FAR, Ap),
	[0x9b] = I(FWAIT),
	[0x9c] = I(PUSHF), [0x9d] = I(POPF),
	[0x9e] = I(SAHF), [0x9f] = I(LAHF),

	[0xa0] = IB(MOV, AL, Ob), [0xa1] = I(MOV, eAX, Ov),
	[0xa2] = IB(MOV, Ob, AL), [0xa3] = I(MOV, Ov, eAX),
	[0xa4] = IB(MOVS), [0xa5] = I(MOVS),
	[0xa6] = IB(CMPS), [0xa7] = I(CMPS),
	[0xa8] = IB(TEST, AL, Ib), [0xa9] = I(TEST, eAX, Iz),
	[0xaa] = IB(STOS), [0xab] = I(STOS),
	[0xac] = IB(LODS), [0xad] = I(LODS),
	[0xae] = IB(SCAS), [0xaf] = I(SCAS),

	ROW8(0xb0, IB(MOV, Zb, Ib)),
	ROW8(0xb8, I(MOV, Zv, Iz)),

	[0xc0] = GB(GRP2, Eb, Ib),
	[0xc1] = G(GRP2, Ev, Ib),
	[0xc2] = I(RET, Kw), [0xc3] = I(RET),
	[0xc4] = I(LES, Gv, Mp),       /* mod == 11 would be a VEX prefix on an AVX CPU; on i686 it is #UD */
	[0xc5] = I(LDS, Gv, Mp),
	[0xc6] = GB(GRP11, Eb, Ib),
	[0xc7] = G(GRP11, Ev, Iz),
	[0xc8] = I(ENTER, Kw, Kb2),
	[0xc9] = I(LEAVE),
	[0xca] = I(RETF, Kw), [0xcb] = I(RETF),
	[0xcc] = I(INT3),
	[0xcd] = I(INT, Kb),
	[0xce] = I(INTO),
	[0xcf] = I(IRET),

	[0xd0] = GB(GRP2, Eb, I1),
	[0xd1] = G(GRP2, Ev, I1),
	[0xd2] = GB(GRP2, Eb, CL),
	[0xd3] = G(GRP2, Ev, CL),
	[0xd4] = I(AAM, Kb), [0xd5] = I(AAD, Kb),
	[0xd6] = I(SALC),              /* undocumented but present on every IA-32 CPU */
	[0xd7] = I(XLAT),
	[0xd8 ... 0xdf] = I(FPU, X87), /* x87 escapes: decode.c consults x87_mem / x87_reg_ok */

	[0xe0] = I(LOOPNE, Jb), [0xe1] = I(LOOPE, Jb), [0xe2] = I(LOOP, Jb), [0xe3] = I(JCXZ, Jb),
	[0xe4] = IB(IN, AL, Ib), [0xe5] = I(IN, eAX, Ib),
	[0xe6] = IB(OUT, Ib, AL), [0xe7] = I(OUT, Ib, eAX),
	[0xe8] = I(CALL, Jz), [0xe9] = I(JMP, Jz),
	[0xea] = I(JMP_FAR, Ap), [0xeb] = I(JMP, Jb),
	[0xec] = IB(IN, AL, DX), [0xed] = I(IN, eAX, DX),
	[0xee] = IB(OUT, DX, AL), [0xef] = I(OUT, DX, eAX),

	/* 0xf0 LOCK, 0xf2 REPNE, 0xf3 REP: prefixes.  0xf1 (INT1/ICEBP) is not an i686 instruction: UD. */
	[0xf4] = I(HLT), [0xf5] = I(CMC),
	[0xf6] = GB(GRP3B, Eb),
	[0xf7] = G(GRP3V, Ev),
	[0xf8] = I(CLC), [0xf9] = I(STC), [0xfa] = I(CLI), [0xfb] = I(STI),
	[0xfc] = I(CLD), [0xfd] = I(STD),
	[0xfe] = GB(GRP4, Eb),
	[0xff] = G(GRP5, Ev),
};

/* SDM vol. 2D, table A-3: two-byte opcode map (after 0F).  Rows for what i686 lacks keep their shape
 * (ModRM, immediate) so that the length is right; their operation stays OP_UD. */
#define UD_M    I(UD, Ev)        /* undefined here, has ModRM (MMX/SSE and friends) */
#define UD_MI   I(UD, Ev, Ib)    /* undefined here, has ModRM and an imm8 */
const struct opdesc map_0f[256] = {
	[0x00] = G(GRP6, Ew),
	[0x01] = G(GRP7, Ew),
	[0x02] = I(LAR, Gv, Ew),
	[0x03] = I(LSL, Gv, Ew),
	/* 0x05 SYSCALL, 0x07 SYSRET (AMD K6 and 64-bit): UD without operands */
	[0x06] = I(CLTS),
	[0x08] = I(INVD),
	[0x09] = I(WBINVD),
	[0x0b] = I(UD2),
	[0x0d] = UD_M,                 /* AMD PREFETCH/PREFETCHW */
	/* 0x0e FEMMS: UD */
	[0x0f] = UD_MI,                /* 3DNow!: ModRM, then the real opcode as a trailing imm8 */
	[0x10 ... 0x17] = UD_M,        /* SSE moves */
	/* 0F 18 prefetch hints and 0F 19..1F "NOP Ev": the hint-NOP space (table A-3), executed as NOPs
	 * since the P6; 0F 1F /0 is the recommended multi-byte NOP (SDM vol. 2B, NOP). */
	[0x18 ... 0x1f] = I(NOP, Ev),

	[0x20] = ICR(MOV_FROM_CR, Rd, Cd),
	[0x21] = ICR(MOV_FROM_DR, Rd, Dd),
	[0x22] = ICR(MOV_TO_CR, Cd, Rd),
	[0x23] = ICR(MOV_TO_DR, Dd, Rd),
	[0x24] = UD_M, [0x26] = UD_M,  /* MOV to/from test registers: 386/486 only */
	[0x28 ... 0x2f] = UD_M,        /* SSE */

	[0x30] = I(WRMSR), [0x31] = I(RDTSC), [0x32] = I(RDMSR), [0x33] = I(RDPMC),
	[0x34] = I(SYSENTER), [0x35] = I(SYSEXIT),
	[0x38] = ESC3(Ev),             /* three-byte map 0F 38 xx /r (SSSE3, SSE4, MOVBE...) */
	[0x3a] = ESC3(Ev, Ib),         /* three-byte map 0F 3A xx /r ib */

	[0x40 ... 0x4f] = I(CMOV, Gv, Ev),
	[0x50 ... 0x6f] = UD_M,        /* SSE / MMX */
	[0x70 ... 0x73] = UD_MI,       /* PSHUFx, MMX shift groups 12-14 */
	[0x74 ... 0x76] = UD_M,
	/* 0x77 EMMS: UD without operands */
	[0x78 ... 0x7f] = UD_M,        /* VMREAD/VMWRITE, SSE moves */

	[0x80 ... 0x8f] = I(JCC, Jz),
	[0x90 ... 0x9f] = IB(SETCC, Eb),   /* ModRM.reg is ignored (SDM vol. 2B, SETcc) */

	[0xa0] = I(PUSH_SEG, FS), [0xa1] = I(POP_SEG, FS),
	[0xa2] = I(CPUID),
	[0xa3] = I(BT, Ev, Gv),
	[0xa4] = I(SHLD, Ev, Gv, Ib), [0xa5] = I(SHLD, Ev, Gv, CL),
	[0xa6] = UD_M, [0xa7] = UD_M,  /* XBTS/IBTS on early 386s; VIA PadLock uses them with a ModRM shape */
	[0xa8] = I(PUSH_SEG, GS), [0xa9] = I(POP_SEG, GS),
	/* 0xaa RSM: System Management Mode is not emulated, UD */
	[0xab] = I(BTS, Ev, Gv),
	[0xac] = I(SHRD, Ev, Gv, Ib), [0xad] = I(SHRD, Ev, Gv, CL),
	[0xae] = UD_M,                 /* group 15: FXSAVE, LDMXCSR, fences, CLFLUSH */
	[0xaf] = I(IMUL, Gv, Gv, Ev),      /* "IMUL Gv,Ev": o[0] = o[1] * o[2], o[1] is the destination too */

	[0xb0] = IB(CMPXCHG, Eb, Gb), [0xb1] = I(CMPXCHG, Ev, Gv),
	[0xb2] = I(LSS, Gv, Mp),
	[0xb3] = I(BTR, Ev, Gv),
	[0xb4] = I(LFS, Gv, Mp), [0xb5] = I(LGS, Gv, Mp),
	[0xb6] = I(MOVZX, Gv, Eb), [0xb7] = I(MOVZX, Gv, Ew),
	[0xb8] = UD_M,                 /* POPCNT (F3) */
	[0xb9] = UD_M,                 /* UD1: defined to raise #UD, with a ModRM */
	[0xba] = G(GRP8, Ev, Ib),
	[0xbb] = I(BTC, Ev, Gv),
	[0xbc] = I(BSF, Gv, Ev), [0xbd] = I(BSR, Gv, Ev),
	[0xbe] = I(MOVSX, Gv, Eb), [0xbf] = I(MOVSX, Gv, Ew),

	[0xc0] = IB(XADD, Eb, Gb), [0xc1] = I(XADD, Ev, Gv),
	[0xc2] = UD_MI,                /* CMPPS */
	[0xc3] = UD_M,                 /* MOVNTI */
	[0xc4 ... 0xc6] = UD_MI,       /* PINSRW, PEXTRW, SHUFPS */
	[0xc7] = G(GRP9, Ev),
	[0xc8 ... 0xcf] = I(BSWAP, Zd),
	[0xd0 ... 0xff] = UD_M,        /* MMX / SSE2 (0F FF is UD0, also with a ModRM) */
};

/* SDM vol. 2D, table A-6: opcode extensions in ModRM.reg. */
const struct opdesc group_map[NGRP][8] = {
	[GRP1]  = { I(ADD), I(OR), I(ADC), I(SBB), I(AND), I(SUB), I(XOR), I(CMP) },
	[GRP1A] = { I(POP) },          /* 8F /1../7: XOP on AMD, #UD here */
	/* /6 is the undocumented SAL alias of SHL, which every IA-32 processor executes as SHL. */
	[GRP2]  = { I(ROL), I(ROR), I(RCL), I(RCR), I(SHL), I(SHR), I(SHL), I(SAR) },
	/* /1 is the undocumented alias of TEST /0. */
	[GRP3B] = { IB(TEST, Eb, Ib), IB(TEST, Eb, Ib), I(NOT), I(NEG), I(MUL), I(IMUL1), I(DIV), I(IDIV) },
	[GRP3V] = { I(TEST, Ev, Iz), I(TEST, Ev, Iz), I(NOT), I(NEG), I(MUL), I(IMUL1), I(DIV), I(IDIV) },
	[GRP4]  = { I(INC), I(DEC) },
	[GRP5]  = { I(INC), I(DEC), I(CALL_IND, Ev), I(CALL_FAR_IND, Mp),
	            I(JMP_IND, Ev), I(JMP_FAR_IND, Mp), I(PUSH, Ev) },
	[GRP11] = { I(MOV) },          /* C6/C7 /1../7 (XABORT/XBEGIN on TSX CPUs): #UD here */
	[GRP6]  = { I(SLDT, Ewv), I(STR, Ewv), I(LLDT), I(LTR), I(VERR), I(VERW) },
	/* 0F 01 with mod == 11 and reg 0..3, 5, 7 encodes VMX, MONITOR, XGETBV, SWAPGS...: the memory-only
	 * specifiers make those #UD here with the right length. */
	[GRP7]  = { I(SGDT, Ms), I(SIDT, Ms), I(LGDT, Ms), I(LIDT, Ms),
	            I(SMSW, Ewv), I(UD), I(LMSW, Ew), I(INVLPG, Mb) },
	[GRP8]  = { [4] = I(BT), [5] = I(BTS), [6] = I(BTR), [7] = I(BTC) },
	[GRP9]  = { [1] = I(CMPXCHG8B, Mq) },
};

/* x87 memory forms, SDM vol. 2D tables A-7..A-21: [escape - D8][ModRM.reg] -> operand size in bytes (for
 * 16-bit / 32-bit operand size: only FLDENV/FSTENV and FRSTOR/FSAVE differ) and whether it is a store.
 * Size 0 marks a reserved encoding (#UD). */
const struct x87_mem x87_mem[8][8] = {
	/* D8: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR m32fp */
	[0] = { {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0} },
	/* D9: FLD m32fp, -, FST m32fp, FSTP m32fp, FLDENV, FLDCW, FNSTENV, FNSTCW */
	[1] = { {4, 4, 0}, {0, 0, 0}, {4, 4, 1}, {4, 4, 1}, {14, 28, 0}, {2, 2, 0}, {14, 28, 1}, {2, 2, 1} },
	/* DA: FIADD FIMUL FICOM FICOMP FISUB FISUBR FIDIV FIDIVR m32int */
	[2] = { {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0}, {4, 4, 0} },
	/* DB: FILD m32int, FISTTP m32int (SSE3), FIST, FISTP, -, FLD m80fp, -, FSTP m80fp */
	[3] = { {4, 4, 0}, {4, 4, 1}, {4, 4, 1}, {4, 4, 1}, {0, 0, 0}, {10, 10, 0}, {0, 0, 0}, {10, 10, 1} },
	/* DC: the D8 operations on m64fp */
	[4] = { {8, 8, 0}, {8, 8, 0}, {8, 8, 0}, {8, 8, 0}, {8, 8, 0}, {8, 8, 0}, {8, 8, 0}, {8, 8, 0} },
	/* DD: FLD m64fp, FISTTP m64int (SSE3), FST m64fp, FSTP m64fp, FRSTOR, -, FNSAVE, FNSTSW m2byte */
	[5] = { {8, 8, 0}, {8, 8, 1}, {8, 8, 1}, {8, 8, 1}, {94, 108, 0}, {0, 0, 0}, {94, 108, 1}, {2, 2, 1} },
	/* DE: the DA operations on m16int */
	[6] = { {2, 2, 0}, {2, 2, 0}, {2, 2, 0}, {2, 2, 0}, {2, 2, 0}, {2, 2, 0}, {2, 2, 0}, {2, 2, 0} },
	/* DF: FILD m16int, FISTTP m16int (SSE3), FIST m16int, FISTP m16int, FBLD m80bcd, FILD m64int,
	 *     FBSTP m80bcd, FISTP m64int */
	[7] = { {2, 2, 0}, {2, 2, 1}, {2, 2, 1}, {2, 2, 1}, {10, 10, 0}, {8, 8, 0}, {10, 10, 1}, {8, 8, 1} },
};

/* x87 register forms (mod == 11), SDM tables A-8..A-22: bit (ModRM & 0x3f) set when the encoding exists.
 * The undocumented aliases every IA-32 FPU executes count as existing (D9 D8-DF FSTP1, DC D0-DF
 * FCOM2/FCOMP3, DD C8-CF FXCH4, DE D0-D7 FCOMP5, DF C0-C7 FFREEP, DF C8-CF FXCH7, DF D0-DF FSTP8/9),
 * as do DB E0-E4 (FNENI, FNDISI, FNCLEX, FNINIT, FSETPM: the first two and the last are NOPs since the
 * 80387).  The FISTTP memory forms above are SSE3: fpu.c decides whether to raise #UD for them. */
#define BITS(lo, hi) ((~0ull >> (63 - (hi))) & (~0ull << (lo)))     /* bits lo..hi of a uint64_t */
const uint64_t x87_reg_ok[8] = {
	[0] = ~0ull,                                                       /* D8: all */
	[1] = BITS(0x00, 0x10) | BITS(0x18, 0x21) | BITS(0x24, 0x25)       /* D9: FLD FXCH FNOP FSTP1 */
	    | BITS(0x28, 0x2e) | BITS(0x30, 0x3f),                         /*  FCHS FABS FTST FXAM, FLDx, F2XM1.. */
	[2] = BITS(0x00, 0x1f) | BITS(0x29, 0x29),                         /* DA: FCMOVcc, FUCOMPP */
	[3] = BITS(0x00, 0x1f) | BITS(0x20, 0x24) | BITS(0x28, 0x37),     /* DB: FCMOVNcc, FNCLEX.., FUCOMI FCOMI */
	[4] = ~0ull,                                                       /* DC: all */
	[5] = BITS(0x00, 0x2f),                                            /* DD: FFREE FXCH4 FST FSTP FUCOM(P) */
	[6] = BITS(0x00, 0x17) | BITS(0x19, 0x19) | BITS(0x20, 0x3f),     /* DE: ..., FCOMPP, FSUBRP.. */
	[7] = BITS(0x00, 0x20) | BITS(0x28, 0x37),                         /* DF: aliases, FNSTSW AX, FUCOMIP FCOMIP */
};

/* How each operation uses a memory operand that is its destination, o[0] (see decode_tables.h).  Ops
 * not listed read and write it (ADD [m],r; INC [m]; XCHG; shifts...).  A memory operand in o[1] or o[2]
 * is always a source. */
const uint8_t memdst[OP_COUNT] = {
	[OP_UD] = MEMDST_NONE, [OP_TOOLONG] = MEMDST_NONE,
	[OP_CMP] = MEMDST_R, [OP_TEST] = MEMDST_R, [OP_BT] = MEMDST_R,
	[OP_MUL] = MEMDST_R, [OP_IMUL1] = MEMDST_R, [OP_DIV] = MEMDST_R, [OP_IDIV] = MEMDST_R,
	[OP_PUSH] = MEMDST_R,
	[OP_JMP_IND] = MEMDST_R, [OP_CALL_IND] = MEMDST_R,
	[OP_JMP_FAR_IND] = MEMDST_R, [OP_CALL_FAR_IND] = MEMDST_R,
	[OP_LGDT] = MEMDST_R, [OP_LIDT] = MEMDST_R, [OP_LLDT] = MEMDST_R, [OP_LTR] = MEMDST_R,
	[OP_LMSW] = MEMDST_R, [OP_VERR] = MEMDST_R, [OP_VERW] = MEMDST_R,
	[OP_MOV] = MEMDST_W, [OP_POP] = MEMDST_W, [OP_SETCC] = MEMDST_W,
	[OP_SGDT] = MEMDST_W, [OP_SIDT] = MEMDST_W, [OP_SLDT] = MEMDST_W, [OP_STR] = MEMDST_W,
	[OP_SMSW] = MEMDST_W, [OP_MOV_FROM_SEG] = MEMDST_W,
	[OP_LEA] = MEMDST_NONE, [OP_INVLPG] = MEMDST_NONE, [OP_NOP] = MEMDST_NONE,
	[OP_FPU] = MEMDST_NONE,        /* decided per form from x87_mem */
};

/* Memory the operation touches without a ModRM operand (the stack is C_STACK, not listed here). */
const uint16_t mem_implicit[OP_COUNT] = {
	[OP_MOVS] = C_MEMRD | C_MEMWR, [OP_CMPS] = C_MEMRD, [OP_SCAS] = C_MEMRD, [OP_LODS] = C_MEMRD,
	[OP_STOS] = C_MEMWR, [OP_INS] = C_MEMWR, [OP_OUTS] = C_MEMRD,
	[OP_XLAT] = C_MEMRD,
};
