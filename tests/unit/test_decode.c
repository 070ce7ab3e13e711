/* SPDX-License-Identifier: MIT
 *
 * test_decode.c — unit tests of the decoder (decode.c) against the SDM's encodings: instruction lengths,
 * operand fields, the parts of effective addresses in 16- and 32-bit addressing (SDM vol. 2A tables
 * 2-1..2-3), prefixes, classification bits, and bad input (misplaced LOCK, >15 bytes, truncated buffers,
 * undefined opcodes).  Instructions are written as hex strings, as an assembler listing would show them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu.h"
#include "cpu/insn.h"

/* Decode the instruction written as hex bytes ("8b 44 24 08") with all its bytes available. */
static int dec(struct insn *i, int code32, const char *hex)
{
	uint8_t buf[32];
	unsigned n = 0;
	char *end;

	for (const char *p = hex; *p; p = end) {
		buf[n++] = (uint8_t)strtoul(p, &end, 16);
		if (end == p)
			break;
	}
	return decode(i, buf, n, code32);
}

static int valid(const struct insn *i)
{
	return !(i->cls & C_INVALID) && i->exec == op_table[i->op].exec;
}

/* ---- lengths ----------------------------------------------------------------------------------------- */
static const struct { int code32; const char *hex; int len; int op; } lengths[] = {
	{ 1, "90", 1, OP_NOP },
	{ 1, "01 d8", 2, OP_ADD },                         /* add eax,ebx */
	{ 1, "8b 44 24 08", 4, OP_MOV },                   /* mov eax,[esp+8]: SIB, disp8 */
	{ 1, "8b 04 25 78 56 34 12", 7, OP_MOV },          /* SIB base 101, mod 00: disp32, no base */
	{ 1, "8b 05 78 56 34 12", 6, OP_MOV },             /* mod 00 rm 101: disp32 */
	{ 1, "8b 84 98 78 56 34 12", 7, OP_MOV },          /* [eax+ebx*4+disp32] */
	{ 1, "81 c3 78 56 34 12", 6, OP_ADD },
	{ 1, "83 c3 08", 3, OP_ADD },
	{ 1, "66 81 c3 34 12", 5, OP_ADD },                /* Iz is 16 bits under 66 */
	{ 1, "c7 84 98 78 56 34 12 01 00 00 00", 11, OP_MOV },
	{ 1, "c8 10 00 01", 4, OP_ENTER },
	{ 1, "9a 78 56 34 12 08 00", 7, OP_CALL_FAR },
	{ 1, "66 9a 34 12 08 00", 6, OP_CALL_FAR },
	{ 1, "a1 78 56 34 12", 5, OP_MOV },                /* moffs32 */
	{ 1, "67 a1 34 12", 4, OP_MOV },                   /* moffs16 under 67 */
	{ 1, "0f 84 00 01 00 00", 6, OP_JCC },
	{ 1, "66 0f 84 00 01", 5, OP_JCC },                /* rel16 under 66 */
	{ 1, "e8 00 00 00 00", 5, OP_CALL },
	{ 1, "f6 05 78 56 34 12 ff", 7, OP_TEST },         /* test byte [disp32], imm8 */
	{ 1, "f7 05 78 56 34 12 01 00 00 00", 10, OP_TEST },
	{ 1, "f7 d0", 2, OP_NOT },
	{ 1, "0f ba e0 05", 4, OP_BT },
	{ 1, "69 c0 00 01 00 00", 6, OP_IMUL },
	{ 1, "6b c0 08", 3, OP_IMUL },
	{ 1, "c2 08 00", 3, OP_RET },
	{ 1, "d9 05 78 56 34 12", 6, OP_FPU },             /* fld dword [disp32] */
	{ 1, "d9 c0", 2, OP_FPU },
	{ 1, "9b", 1, OP_FWAIT },
	{ 1, "0f 1f 44 00 00", 5, OP_NOP },                /* the recommended 5-byte NOP */
	{ 1, "66 0f 1f 84 00 00 00 00 00", 9, OP_NOP },    /* and the 9-byte one */
	{ 1, "0f 18 06", 3, OP_NOP },                      /* prefetchnta [esi] */
	{ 1, "0f c7 0e", 3, OP_CMPXCHG8B },
	{ 1, "0f a2", 2, OP_CPUID },
	{ 1, "0f 34", 2, OP_SYSENTER },
	{ 1, "d6", 1, OP_SALC },
	{ 1, "f3 90", 2, OP_PAUSE },
	/* Undefined here, but the length must still be right */
	{ 1, "0f 0f c0 b4", 4, OP_UD },                    /* 3DNow! pfadd: ModRM + suffix byte */
	{ 1, "0f 38 00 c0", 4, OP_UD },                    /* pshufb mm0,mm0 */
	{ 1, "0f 38 00 04 24", 5, OP_UD },                 /* ... with a SIB byte */
	{ 1, "66 0f 3a 0f c0 08", 6, OP_UD },              /* palignr xmm0,xmm0,8 */
	{ 1, "66 0f 6f 05 78 56 34 12", 8, OP_UD },        /* movdqa xmm0,[disp32] */
	{ 1, "0f 70 c0 1b", 4, OP_UD },                    /* pshufw: ModRM + imm8 */
	{ 1, "0f 77", 2, OP_UD },                          /* emms */
	{ 1, "0f 05", 2, OP_UD },                          /* syscall */
	{ 1, "0f ff c0", 3, OP_UD },                       /* ud0 eax,eax */
	{ 1, "f1", 1, OP_UD },                             /* int1 */
	/* 16-bit code */
	{ 0, "8b 46 fe", 3, OP_MOV },                      /* mov ax,[bp-2] */
	{ 0, "8b 06 34 12", 4, OP_MOV },                   /* mov ax,[0x1234] */
	{ 0, "8b 87 34 12", 4, OP_MOV },                   /* mov ax,[bx+0x1234] */
	{ 0, "b8 34 12", 3, OP_MOV },
	{ 0, "66 b8 78 56 34 12", 6, OP_MOV },
	{ 0, "67 8b 04 24", 4, OP_MOV },                   /* 32-bit addressing in 16-bit code: SIB */
	{ 0, "67 8b 05 78 56 34 12", 7, OP_MOV },
	{ 0, "e8 00 01", 3, OP_CALL },
	{ 0, "ea 34 12 00 f0", 5, OP_JMP_FAR },
	{ 0, "66 ea 78 56 34 12 00 f0", 8, OP_JMP_FAR },
	{ 0, "a0 34 12", 3, OP_MOV },                      /* moffs16 */
	{ 0, "c7 06 34 12 78 56", 6, OP_MOV },             /* mov word [0x1234],0x5678 */
};

START_TEST(test_lengths)
{
	struct insn i;
	int len = dec(&i, lengths[_i].code32, lengths[_i].hex);

	ck_assert_msg(len == lengths[_i].len, "%s: length %d, expected %d", lengths[_i].hex, len,
		      lengths[_i].len);
	ck_assert_msg(i.op == lengths[_i].op, "%s: op %s", lengths[_i].hex, op_table[i.op].mnemonic);
	ck_assert_int_eq(i.len, len);
	if (lengths[_i].op == OP_UD)
		ck_assert(i.exec == op_ud && (i.cls & C_INVALID));
	else
		ck_assert_msg(valid(&i), "%s should be valid", lengths[_i].hex);
}
END_TEST

/* ---- effective addresses --------------------------------------------------------------------------- */
static const struct {
	int code32;
	const char *hex;
	uint8_t base, index, scale, seg;
	uint32_t disp;
} eas[] = {
	{ 1, "01 44 b3 10", R_EBX, R_ESI, 2, S_DS, 0x10 },           /* add [ebx+esi*4+0x10],eax */
	{ 1, "8b 45 f8", R_EBP, R_ZERO, 0, S_SS, 0xfffffff8 },       /* [ebp-8]: SS, disp8 sign-extended */
	{ 1, "8b 04 24", R_ESP, R_ZERO, 0, S_SS, 0 },                /* [esp] */
	{ 1, "8b 04 20", R_EAX, R_ZERO, 0, S_DS, 0 },                /* SIB index 100 = none */
	{ 1, "8b 04 2d 00 10 00 00", R_ZERO, R_EBP, 0, S_DS, 0x1000 },/* [ebp*1+0x1000]: no base, so DS */
	{ 1, "8b 44 6d 00", R_EBP, R_EBP, 1, S_SS, 0 },              /* [ebp+ebp*2+0] */
	{ 1, "8b 05 78 56 34 12", R_ZERO, R_ZERO, 0, S_DS, 0x12345678 },
	{ 1, "3e 8b 45 08", R_EBP, R_ZERO, 0, S_DS, 8 },             /* override beats the SS default */
	{ 1, "64 8b 00", R_EAX, R_ZERO, 0, S_FS, 0 },
	{ 1, "2e 3e 8b 00", R_EAX, R_ZERO, 0, S_DS, 0 },             /* the last override counts */
	{ 1, "a1 78 56 34 12", R_ZERO, R_ZERO, 0, S_DS, 0x12345678 },/* moffs */
	{ 1, "65 a1 78 56 34 12", R_ZERO, R_ZERO, 0, S_GS, 0x12345678 },
	{ 1, "67 8b 02", R_EBP, R_ESI, 0, S_SS, 0 },                 /* 16-bit addressing in 32-bit code */
	{ 0, "8b 00", R_EBX, R_ESI, 0, S_DS, 0 },                    /* [bx+si] */
	{ 0, "8b 41 02", R_EBX, R_EDI, 0, S_DS, 2 },                 /* [bx+di+2] */
	{ 0, "8b 42 02", R_EBP, R_ESI, 0, S_SS, 2 },                 /* [bp+si+2] */
	{ 0, "8b 83 fe ff", R_EBP, R_EDI, 0, S_SS, 0xfffffffe },     /* [bp+di-2] */
	{ 0, "8b 04", R_ESI, R_ZERO, 0, S_DS, 0 },                   /* [si] */
	{ 0, "8b 05", R_EDI, R_ZERO, 0, S_DS, 0 },                   /* [di] */
	{ 0, "8b 06 34 12", R_ZERO, R_ZERO, 0, S_DS, 0x1234 },       /* mod 00 rm 110: disp16, not [bp] */
	{ 0, "8b 46 00", R_EBP, R_ZERO, 0, S_SS, 0 },                /* [bp+0] */
	{ 0, "8b 07", R_EBX, R_ZERO, 0, S_DS, 0 },                   /* [bx] */
	{ 0, "26 8b 46 00", R_EBP, R_ZERO, 0, S_ES, 0 },
	{ 0, "67 8b 44 8d 04", R_EBP, R_ECX, 2, S_SS, 4 },           /* [ebp+ecx*4+4] in 16-bit code */
};

START_TEST(test_effective_address)
{
	struct insn i;

	dec(&i, eas[_i].code32, eas[_i].hex);
	ck_assert_msg(i.base == eas[_i].base && i.index == eas[_i].index && i.scale == eas[_i].scale,
		      "%s: base %u index %u scale %u", eas[_i].hex, i.base, i.index, i.scale);
	ck_assert_msg(i.seg == eas[_i].seg, "%s: seg %u", eas[_i].hex, i.seg);
	ck_assert_msg(i.disp == eas[_i].disp, "%s: disp %#x", eas[_i].hex, i.disp);
	ck_assert_int_eq(i.asz, (eas[_i].code32 ^ (strstr(eas[_i].hex, "67") != NULL)) ? 4 : 2);
}
END_TEST

START_TEST(test_register_forms)
{
	struct insn i;

	dec(&i, 1, "01 d8");                      /* add eax,ebx */
	ck_assert(i.base == R_ZERO && i.index == R_ZERO && i.seg == S_DS);
	ck_assert_int_eq(i.o[0].kind, OPK_REG);
	ck_assert_int_eq(i.o[0].reg, R_EAX);
	ck_assert_int_eq(i.o[1].reg, R_EBX);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), 0);
	dec(&i, 1, "02 e7");                      /* add ah,bh: byte registers keep the AL..BH numbering */
	ck_assert(i.o[0].reg == 4 && i.o[0].size == 1 && i.o[1].reg == 7 && i.osz == 1);
	dec(&i, 0, "01 d8");                      /* add ax,bx */
	ck_assert(i.o[0].size == 2 && i.osz == 2 && i.asz == 2);
	dec(&i, 0, "66 67 01 d8");
	ck_assert(i.o[0].size == 4 && i.osz == 4 && i.asz == 4);
}
END_TEST

/* ---- operand conventions the handlers rely on (insn.h) ------------------------------------------- */
START_TEST(test_alu_operands)
{
	struct insn i;

	dec(&i, 1, "01 44 b3 10");                /* add [ebx+esi*4+0x10],eax */
	ck_assert(i.op == OP_ADD && i.nopnd == 2);
	ck_assert(i.o[0].kind == OPK_MEM && i.o[0].size == 4);
	ck_assert(i.o[1].kind == OPK_REG && i.o[1].reg == R_EAX && i.o[1].size == 4);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD | C_MEMWR);
	dec(&i, 1, "03 03");                      /* add eax,[ebx]: memory source only read */
	ck_assert(i.o[0].kind == OPK_REG && i.o[1].kind == OPK_MEM);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "83 c0 ff");                   /* add eax,-1: sign-extended to 32 bits */
	ck_assert(i.o[1].kind == OPK_IMM && i.o[1].size == 4 && i.imm == 0xffffffff);
	dec(&i, 1, "80 c0 ff");                   /* add al,0xff */
	ck_assert(i.o[1].kind == OPK_IMM && i.o[1].size == 1 && i.imm == 0xff && i.osz == 1);
	dec(&i, 1, "83 38 05");                   /* cmp dword [eax],5: CMP only reads its destination */
	ck_assert(i.op == OP_CMP && i.cc == 7);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "85 03");                      /* test [ebx],eax */
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "f6 08 ab");                   /* F6 /1: the undocumented TEST alias */
	ck_assert(i.op == OP_TEST && i.o[1].kind == OPK_IMM && i.imm == 0xab && i.len == 3);
	dec(&i, 1, "f7 c0 78 56 34 12");
	ck_assert(i.op == OP_TEST && i.o[1].size == 4 && i.imm == 0x12345678);
	dec(&i, 1, "f7 e3");                      /* mul ebx */
	ck_assert(i.op == OP_MUL && i.nopnd == 1 && i.o[0].reg == R_EBX);
	dec(&i, 1, "f6 20");                      /* mul byte [eax] */
	ck_assert(i.o[0].size == 1 && (i.cls & (C_MEMRD | C_MEMWR)) == C_MEMRD);
	dec(&i, 1, "fe c4");                      /* inc ah */
	ck_assert(i.op == OP_INC && i.o[0].reg == 4 && i.o[0].size == 1);
	dec(&i, 1, "48");                         /* dec eax */
	ck_assert(i.op == OP_DEC && i.o[0].reg == R_EAX && i.o[0].size == 4);
	dec(&i, 1, "04 7f");                      /* add al,0x7f */
	ck_assert(i.o[0].kind == OPK_REG && i.o[0].size == 1 && i.o[1].kind == OPK_IMM);
}
END_TEST

START_TEST(test_shift_and_imul_operands)
{
	struct insn i;

	dec(&i, 1, "d1 e0");                      /* shl eax,1 */
	ck_assert(i.op == OP_SHL && i.o[1].kind == OPK_IMM && i.imm == 1 && i.nopnd == 2);
	dec(&i, 1, "d3 e0");                      /* shl eax,cl */
	ck_assert(i.o[1].kind == OPK_REG && i.o[1].reg == R_ECX && i.o[1].size == 1);
	dec(&i, 1, "c1 f8 05");                   /* sar eax,5 */
	ck_assert(i.op == OP_SAR && i.o[1].kind == OPK_IMM && i.imm == 5);
	dec(&i, 1, "c0 30 03");                   /* C0 /6: SAL, an alias of SHL */
	ck_assert(i.op == OP_SHL && i.o[0].kind == OPK_MEM && i.o[0].size == 1);
	dec(&i, 1, "0f a4 c3 04");                /* shld ebx,eax,4 */
	ck_assert(i.op == OP_SHLD && i.nopnd == 3);
	ck_assert(i.o[0].reg == R_EBX && i.o[1].reg == R_EAX && i.o[2].kind == OPK_IMM && i.imm == 4);
	dec(&i, 1, "0f ad c3");                   /* shrd ebx,eax,cl */
	ck_assert(i.op == OP_SHRD && i.o[2].kind == OPK_REG && i.o[2].reg == R_ECX);
	dec(&i, 1, "0f af c3");                   /* imul eax,ebx: o[1] = G, o[2] = E */
	ck_assert(i.op == OP_IMUL && i.nopnd == 3);
	ck_assert(i.o[0].reg == R_EAX && i.o[1].kind == OPK_REG && i.o[1].reg == R_EAX && i.o[2].reg == R_EBX);
	dec(&i, 1, "6b c3 fb");                   /* imul eax,ebx,-5: o[1] = E, o[2] = sign-extended imm */
	ck_assert(i.o[0].reg == R_EAX && i.o[1].reg == R_EBX && i.o[2].kind == OPK_IMM);
	ck_assert_uint_eq(i.imm, 0xfffffffb);
	dec(&i, 1, "69 03 00 01 00 00");          /* imul eax,[ebx],0x100 */
	ck_assert(i.o[1].kind == OPK_MEM && i.imm == 0x100 && (i.cls & (C_MEMRD | C_MEMWR)) == C_MEMRD);
	dec(&i, 1, "f7 eb");                      /* imul ebx (one operand) */
	ck_assert(i.op == OP_IMUL1 && i.nopnd == 1);
}
END_TEST

START_TEST(test_data_movement_operands)
{
	struct insn i;

	dec(&i, 1, "a1 78 56 34 12");             /* mov eax,[moffs] */
	ck_assert(i.op == OP_MOV && i.o[0].kind == OPK_REG && i.o[1].kind == OPK_MEM && i.o[1].size == 4);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "a2 78 56 34 12");             /* mov [moffs],al */
	ck_assert(i.o[0].kind == OPK_MEM && i.o[0].size == 1 && i.o[1].reg == R_EAX && i.osz == 1);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMWR);
	dec(&i, 1, "b4 12");                      /* mov ah,0x12 */
	ck_assert(i.o[0].reg == 4 && i.o[0].size == 1 && i.imm == 0x12);
	dec(&i, 1, "bf 78 56 34 12");             /* mov edi,imm32 */
	ck_assert(i.o[0].reg == R_EDI && i.o[1].kind == OPK_IMM && i.imm == 0x12345678);
	dec(&i, 1, "0f b6 c3");                   /* movzx eax,bl */
	ck_assert(i.op == OP_MOVZX && i.o[0].size == 4 && i.o[1].size == 1 && i.o[1].reg == R_EBX);
	dec(&i, 1, "66 0f bf 03");                /* movsx ax,word [ebx] */
	ck_assert(i.op == OP_MOVSX && i.o[0].size == 2 && i.o[1].kind == OPK_MEM && i.o[1].size == 2);
	dec(&i, 1, "87 03");                      /* xchg [ebx],eax */
	ck_assert(i.op == OP_XCHG && i.o[0].kind == OPK_MEM && i.o[1].reg == R_EAX);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD | C_MEMWR);
	dec(&i, 1, "93");                         /* xchg ebx,eax */
	ck_assert(i.op == OP_XCHG && i.o[0].reg == R_EBX && i.o[1].reg == R_EAX && i.o[1].size == 4);
	dec(&i, 1, "66 90");
	ck_assert_int_eq(i.op, OP_NOP);
	dec(&i, 1, "0f c1 03");                   /* xadd [ebx],eax */
	ck_assert(i.op == OP_XADD && i.o[0].kind == OPK_MEM && i.o[1].kind == OPK_REG);
	dec(&i, 1, "0f b0 0b");                   /* cmpxchg [ebx],cl */
	ck_assert(i.op == OP_CMPXCHG && i.o[0].size == 1 && i.o[1].reg == R_ECX);
	dec(&i, 1, "0f c7 0e");                   /* cmpxchg8b [esi] */
	ck_assert(i.o[0].kind == OPK_MEM && i.o[0].size == 8);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD | C_MEMWR);
	dec(&i, 1, "0f c9");                      /* bswap ecx */
	ck_assert(i.op == OP_BSWAP && i.o[0].kind == OPK_REG && i.o[0].reg == R_ECX && i.o[0].size == 4);
	dec(&i, 1, "0f 94 c0");                   /* sete al */
	ck_assert(i.op == OP_SETCC && i.cc == 4 && i.o[0].size == 1);
	dec(&i, 1, "0f 9f 00");                   /* setg [eax] writes only */
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMWR);
	dec(&i, 1, "0f 4c c3");                   /* cmovl eax,ebx */
	ck_assert(i.op == OP_CMOV && i.cc == 0xc && i.o[0].reg == R_EAX && i.o[1].reg == R_EBX);
	dec(&i, 1, "8d 44 24 04");                /* lea eax,[esp+4]: no memory access */
	ck_assert(i.op == OP_LEA && i.o[0].kind == OPK_REG && i.o[1].kind == OPK_MEM && valid(&i));
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), 0);
	dec(&i, 1, "0f 1f 44 00 00");             /* nop [eax+eax]: no memory access either */
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), 0);
	dec(&i, 1, "0f a3 03");                   /* bt [ebx],eax reads; bts writes too */
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "0f ab 03");
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD | C_MEMWR);
	dec(&i, 1, "0f ba 20 05");                /* bt dword [eax],5 */
	ck_assert(i.op == OP_BT && i.o[1].kind == OPK_IMM && i.o[1].size == 1 && i.imm == 5);
	dec(&i, 1, "0f bc c3");                   /* bsf eax,ebx */
	ck_assert(i.op == OP_BSF && i.o[0].reg == R_EAX && i.o[1].reg == R_EBX);
	dec(&i, 1, "62 06");                      /* bound eax,[esi]: a pair of dwords */
	ck_assert(i.op == OP_BOUND && i.o[1].kind == OPK_MEM && i.o[1].size == 8 && valid(&i));
	dec(&i, 1, "66 62 06");
	ck_assert_int_eq(i.o[1].size, 4);
	dec(&i, 1, "c4 06");                      /* les eax,[esi]: m16:32 */
	ck_assert(i.op == OP_LES && i.o[0].reg == R_EAX && i.o[1].size == 6 && (i.cls & C_SEGLOAD));
	dec(&i, 0, "0f b2 06 34 12");             /* lss ax,[0x1234]: m16:16 */
	ck_assert(i.op == OP_LSS && i.o[1].size == 4);
}
END_TEST

START_TEST(test_stack_and_segment_operands)
{
	struct insn i;

	dec(&i, 1, "6a ff");                      /* push -1: sign-extended, operand size */
	ck_assert(i.op == OP_PUSH && i.o[0].kind == OPK_IMM && i.o[0].size == 4 && i.imm == 0xffffffff);
	dec(&i, 0, "68 34 12");
	ck_assert(i.o[0].size == 2 && i.imm == 0x1234);
	dec(&i, 1, "ff 30");                      /* push dword [eax]: a read */
	ck_assert(i.op == OP_PUSH && i.o[0].kind == OPK_MEM && (i.cls & C_STACK));
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "8f 00");                      /* pop dword [eax]: a write */
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMWR);
	dec(&i, 1, "55");
	ck_assert(i.op == OP_PUSH && i.o[0].kind == OPK_REG && i.o[0].reg == R_EBP);
	dec(&i, 1, "06");
	ck_assert(i.op == OP_PUSH_SEG && i.o[0].kind == OPK_SREG && i.o[0].reg == S_ES);
	dec(&i, 1, "0f a8");
	ck_assert(i.op == OP_PUSH_SEG && i.o[0].reg == S_GS);
	dec(&i, 1, "0f a1");
	ck_assert(i.op == OP_POP_SEG && i.o[0].reg == S_FS && (i.cls & C_SEGLOAD));
	dec(&i, 1, "8e d8");                      /* mov ds,ax */
	ck_assert(i.op == OP_MOV_TO_SEG && i.o[0].kind == OPK_SREG && i.o[0].reg == S_DS);
	ck_assert(i.o[1].kind == OPK_REG && i.o[1].size == 2 && valid(&i));
	dec(&i, 1, "8c c8");                      /* mov eax,cs: register form has operand size */
	ck_assert(i.op == OP_MOV_FROM_SEG && i.o[0].size == 4 && i.o[1].reg == S_CS && valid(&i));
	dec(&i, 1, "66 8c c8");
	ck_assert_int_eq(i.o[0].size, 2);
	dec(&i, 1, "8c 08");                      /* mov [eax],cs: always a word in memory */
	ck_assert(i.o[0].kind == OPK_MEM && i.o[0].size == 2);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMWR);
	dec(&i, 1, "c8 10 00 02");                /* enter 16,2 */
	ck_assert(i.op == OP_ENTER && i.imm == 16 && i.imm2 == 2 && i.nopnd == 0);
	dec(&i, 1, "60");
	ck_assert(i.op == OP_PUSHA && i.osz == 4);
	dec(&i, 1, "66 9c");
	ck_assert(i.op == OP_PUSHF && i.osz == 2);
}
END_TEST

START_TEST(test_control_flow_operands)
{
	struct insn i;

	dec(&i, 1, "74 fe");                      /* je $ */
	ck_assert(i.op == OP_JCC && i.cc == 4 && i.imm == 0xfffffffe && i.nopnd == 0);
	ck_assert_int_eq(i.cls & (CF_MASK | C_PCREL), CF_JCC | C_PCREL);
	dec(&i, 1, "0f 85 00 01 00 00");
	ck_assert(i.op == OP_JCC && i.cc == 5 && i.imm == 0x100);
	dec(&i, 1, "e9 00 ff ff ff");
	ck_assert(i.op == OP_JMP && i.imm == 0xffffff00);
	ck_assert_int_eq(i.cls & (CF_MASK | C_PCREL), CF_JMP | C_PCREL);
	dec(&i, 0, "e9 fe ff");                   /* 16-bit: rel16 sign-extended, osz 2 */
	ck_assert(i.imm == 0xfffffffe && i.osz == 2);
	dec(&i, 1, "eb 10");
	ck_assert(i.op == OP_JMP && i.imm == 0x10);
	dec(&i, 1, "e8 10 00 00 00");
	ck_assert_int_eq(i.cls & (CF_MASK | C_PCREL | C_STACK), CF_CALL | C_PCREL | C_STACK);
	dec(&i, 1, "e2 fe");
	ck_assert(i.op == OP_LOOP && i.imm == 0xfffffffe && (i.cls & CF_MASK) == CF_JCC);
	dec(&i, 1, "67 e3 05");                   /* jcxz: 67 selects CX */
	ck_assert(i.op == OP_JCXZ && i.asz == 2 && i.imm == 5);
	dec(&i, 1, "ff e0");                      /* jmp eax */
	ck_assert(i.op == OP_JMP_IND && i.o[0].kind == OPK_REG && i.o[0].size == 4);
	ck_assert_int_eq(i.cls & CF_MASK, CF_JMP_IND);
	dec(&i, 1, "ff 15 78 56 34 12");          /* call [disp32] */
	ck_assert(i.op == OP_CALL_IND && i.o[0].kind == OPK_MEM && (i.cls & C_MEMRD));
	dec(&i, 1, "ff 2d 78 56 34 12");          /* jmp far [m16:32] */
	ck_assert(i.op == OP_JMP_FAR_IND && i.o[0].size == 6 && (i.cls & C_SENS));
	dec(&i, 1, "66 ff 1d 78 56 34 12");       /* call far [m16:16] */
	ck_assert(i.op == OP_CALL_FAR_IND && i.o[0].size == 4);
	dec(&i, 1, "ff e8");                      /* jmp far with a register: #UD */
	ck_assert(i.op == OP_JMP_FAR_IND && !valid(&i) && i.len == 2);
	dec(&i, 1, "ea 78 56 34 12 08 00");
	ck_assert(i.op == OP_JMP_FAR && i.imm == 0x12345678 && i.imm2 == 8);
	ck_assert_int_eq(i.cls & CF_MASK, CF_FAR);
	dec(&i, 0, "9a 34 12 00 f0");
	ck_assert(i.op == OP_CALL_FAR && i.imm == 0x1234 && i.imm2 == 0xf000);
	dec(&i, 1, "c2 08 00");
	ck_assert(i.op == OP_RET && i.imm == 8);
	dec(&i, 1, "c3");
	ck_assert(i.op == OP_RET && i.imm == 0 && (i.cls & CF_MASK) == CF_RET);
	dec(&i, 1, "ca 04 00");
	ck_assert(i.op == OP_RETF && i.imm == 4);
	dec(&i, 1, "cd 80");
	ck_assert(i.op == OP_INT && i.imm == 0x80 && (i.cls & C_SENS) && (i.cls & CF_MASK) == CF_INT);
	dec(&i, 1, "cc");
	ck_assert_int_eq(i.op, OP_INT3);
	dec(&i, 1, "cf");
	ck_assert(i.op == OP_IRET && (i.cls & C_SENS));
	dec(&i, 1, "d4 0a");
	ck_assert(i.op == OP_AAM && i.imm == 10);
}
END_TEST

START_TEST(test_string_and_io_operands)
{
	struct insn i;

	dec(&i, 1, "a4");                         /* movsb */
	ck_assert(i.op == OP_MOVS && i.osz == 1 && (i.cls & C_STRING) && i.seg == S_DS);
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD | C_MEMWR);
	dec(&i, 1, "f3 a5");                      /* rep movsd */
	ck_assert(i.osz == 4 && (i.pfx & PFX_REP));
	dec(&i, 1, "66 a5");
	ck_assert_int_eq(i.osz, 2);
	dec(&i, 1, "26 ac");                      /* lodsb es:[esi] */
	ck_assert(i.op == OP_LODS && i.seg == S_ES);
	dec(&i, 1, "f2 ae");                      /* repne scasb */
	ck_assert(i.op == OP_SCAS && (i.pfx & PFX_REPNE) && !(i.pfx & PFX_REP));
	dec(&i, 1, "f2 f3 a4");                   /* of F2 and F3 the last counts */
	ck_assert((i.pfx & PFX_REP) && !(i.pfx & PFX_REPNE));
	dec(&i, 0, "67 aa");                      /* stosb with ES:[EDI] in 16-bit code */
	ck_assert(i.op == OP_STOS && i.asz == 4 && (i.cls & C_MEMWR));
	dec(&i, 1, "e4 60");                      /* in al,0x60 */
	ck_assert(i.op == OP_IN && i.o[0].reg == R_EAX && i.o[0].size == 1);
	ck_assert(i.o[1].kind == OPK_IMM && i.o[1].size == 1 && i.imm == 0x60 && (i.cls & C_IO));
	dec(&i, 1, "ed");                         /* in eax,dx */
	ck_assert(i.o[0].size == 4 && i.o[1].kind == OPK_REG && i.o[1].reg == R_EDX && i.o[1].size == 2);
	dec(&i, 1, "66 ef");                      /* out dx,ax */
	ck_assert(i.op == OP_OUT && i.o[0].reg == R_EDX && i.o[1].reg == R_EAX && i.o[1].size == 2);
	dec(&i, 1, "e6 80");                      /* out 0x80,al */
	ck_assert(i.o[0].kind == OPK_IMM && i.imm == 0x80 && i.o[1].size == 1 && (i.cls & C_IOPL));
	dec(&i, 1, "6c");                         /* insb */
	ck_assert(i.op == OP_INS && i.osz == 1 && (i.cls & C_IO) && (i.cls & C_MEMWR));
	dec(&i, 1, "d7");                         /* xlat reads memory */
	ck_assert(i.op == OP_XLAT && (i.cls & C_MEMRD));
}
END_TEST

START_TEST(test_system_operands)
{
	struct insn i;

	dec(&i, 1, "0f 22 d8");                   /* mov cr3,eax */
	ck_assert(i.op == OP_MOV_TO_CR && i.o[0].kind == OPK_CR && i.o[0].reg == 3);
	ck_assert(i.o[1].kind == OPK_REG && i.o[1].reg == R_EAX && i.o[1].size == 4 && (i.cls & C_PRIV));
	dec(&i, 1, "0f 20 00");                   /* mod is ignored: mov eax,cr0, length 3 */
	ck_assert(i.op == OP_MOV_FROM_CR && i.len == 3 && i.o[0].kind == OPK_REG && i.o[1].reg == 0);
	ck_assert(valid(&i) && !(i.cls & (C_MEMRD | C_MEMWR)));
	dec(&i, 1, "66 0f 20 e0");                /* 66 changes nothing: still 32 bits */
	ck_assert(i.o[0].size == 4 && i.o[1].reg == 4 && valid(&i));
	dec(&i, 1, "0f 21 f8");                   /* mov eax,dr7 */
	ck_assert(i.op == OP_MOV_FROM_DR && i.o[1].kind == OPK_DR && i.o[1].reg == 7);
	dec(&i, 1, "0f 01 15 78 56 34 12");       /* lgdt [disp32] */
	ck_assert(i.op == OP_LGDT && i.o[0].kind == OPK_MEM && i.o[0].size == 6 && (i.cls & C_PRIV));
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMRD);
	dec(&i, 1, "0f 01 05 78 56 34 12");       /* sgdt: sensitive, not privileged */
	ck_assert(i.op == OP_SGDT && (i.cls & C_SENS) && !(i.cls & C_PRIV));
	ck_assert_int_eq(i.cls & (C_MEMRD | C_MEMWR), C_MEMWR);
	dec(&i, 1, "0f 01 e0");                   /* smsw eax */
	ck_assert(i.op == OP_SMSW && i.o[0].kind == OPK_REG && i.o[0].size == 4);
	dec(&i, 1, "0f 01 20");                   /* smsw [eax]: a word */
	ck_assert(i.o[0].kind == OPK_MEM && i.o[0].size == 2);
	dec(&i, 1, "0f 01 f0");                   /* lmsw ax */
	ck_assert(i.op == OP_LMSW && i.o[0].size == 2);
	dec(&i, 1, "0f 01 38");                   /* invlpg [eax]: no data access */
	ck_assert(i.op == OP_INVLPG && i.o[0].kind == OPK_MEM && !(i.cls & (C_MEMRD | C_MEMWR)));
	dec(&i, 1, "0f 00 c0");                   /* sldt eax */
	ck_assert(i.op == OP_SLDT && i.o[0].size == 4 && (i.cls & C_SENS));
	dec(&i, 1, "0f 00 d8");                   /* ltr ax */
	ck_assert(i.op == OP_LTR && i.o[0].size == 2 && (i.cls & C_PRIV));
	dec(&i, 1, "0f 00 e3");                   /* verr bx */
	ck_assert(i.op == OP_VERR && i.o[0].reg == R_EBX && i.o[0].size == 2 && (i.cls & C_SENS));
	dec(&i, 1, "0f 02 c3");                   /* lar eax,bx */
	ck_assert(i.op == OP_LAR && i.o[0].size == 4 && i.o[1].size == 2 && (i.cls & C_SENS));
	dec(&i, 1, "63 d8");                      /* arpl ax,bx */
	ck_assert(i.op == OP_ARPL && i.o[0].reg == R_EAX && i.o[1].reg == R_EBX && i.o[0].size == 2);
}
END_TEST

/* ---- classification (docs/instruction-classes.md) ----------------------------------------------- */
static const struct { const char *hex; uint32_t want; } classes[] = {
	{ "9d", C_SENS | C_STACK | C_TERM },      /* popf: IF silently unchanged at CPL > 0 */
	{ "9c", C_SENS | C_STACK },               /* pushf */
	{ "0f 22 c0", C_PRIV | C_TERM },          /* mov cr0,eax */
	{ "0f 20 c0", C_PRIV },
	{ "f4", C_PRIV | C_TERM },                /* hlt */
	{ "e9 00 00 00 00", CF_JMP | C_PCREL },
	{ "e4 60", C_IO | C_IOPL },               /* in */
	{ "fa", C_IOPL },                         /* cli */
	{ "fb", C_IOPL | C_TERM },                /* sti */
	{ "0e", C_SENS | C_STACK },               /* push cs: reveals CPL */
	{ "0f 00 c8", C_SENS },                   /* str eax */
	{ "0f 01 0d 00 00 00 00", C_SENS },       /* sidt */
	{ "0f 03 c3", C_SENS },                   /* lsl */
	{ "0f 00 eb", C_SENS },                   /* verw bx */
	{ "0f 01 e0", C_SENS },                   /* smsw */
	{ "0f 30", C_PRIV | C_TERM },             /* wrmsr */
	{ "0f 32", C_PRIV },                      /* rdmsr */
	{ "0f 06", C_PRIV },                      /* clts */
	{ "0f 09", C_PRIV },                      /* wbinvd */
	{ "0f 31", 0 },                           /* rdtsc */
	{ "0f 0b", CF_INT | C_INVALID },          /* ud2 */
	{ "d9 c0", C_FPU },
	{ "9b", C_FPU },
	{ "0f 35", CF_INT | C_PRIV },             /* sysexit */
	{ "cd 21", CF_INT | C_SENS },
};

START_TEST(test_classes)
{
	struct insn i;

	dec(&i, 1, classes[_i].hex);
	ck_assert_msg((i.cls & classes[_i].want) == classes[_i].want, "%s: cls %#x lacks %#x", classes[_i].hex,
		      i.cls, classes[_i].want);
}
END_TEST

/* ---- prefixes and LOCK -------------------------------------------------------------------------- */
START_TEST(test_lock)
{
	struct insn i;

	dec(&i, 1, "f0 01 03");                   /* lock add [ebx],eax */
	ck_assert(valid(&i) && (i.pfx & PFX_LOCK) && i.len == 3);
	dec(&i, 1, "f0 0f c7 0e");                /* lock cmpxchg8b [esi] */
	ck_assert(valid(&i));
	dec(&i, 1, "f0 0f ba 28 03");             /* lock bts dword [eax],3 */
	ck_assert(valid(&i) && i.op == OP_BTS);
	dec(&i, 1, "f0 86 03");                   /* lock xchg [ebx],al */
	ck_assert(valid(&i));
	/* Invalid: register destination, or an instruction LOCK does not apply to.  The op stays (the
	 * debugger can still name it) but the instance raises #UD. */
	static const char *bad[] = {
		"f0 01 d8",                       /* lock add eax,ebx */
		"f0 03 03",                       /* lock add eax,[ebx]: destination is the register */
		"f0 39 03",                       /* lock cmp [ebx],eax */
		"f0 89 03",                       /* lock mov [ebx],eax */
		"f0 0f a3 03",                    /* lock bt [ebx],eax: BT does not write */
		"f0 90",
		"f0 0f 22 c0",                    /* lock mov cr0: AMD's CR8 alias, #UD here */
	};
	for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		int len = dec(&i, 1, bad[k]);
		ck_assert_msg(i.exec == op_ud && (i.cls & C_INVALID), "%s should be #UD", bad[k]);
		ck_assert_int_eq(len, (int)(strlen(bad[k]) + 1) / 3);
		ck_assert(i.op != OP_UD);
	}
}
END_TEST

START_TEST(test_prefix_sizes)
{
	struct insn i;

	dec(&i, 1, "66 66 66 b8 34 12");          /* repeated prefixes: allowed, each counts */
	ck_assert(i.len == 6 && i.osz == 2 && i.o[0].size == 2 && i.imm == 0x1234);
	dec(&i, 0, "66 05 78 56 34 12");          /* add eax,imm32 in 16-bit code */
	ck_assert(i.len == 6 && i.osz == 4);
	dec(&i, 1, "67 8b 06 34 12");             /* mov eax,[0x1234] with 16-bit addressing */
	ck_assert(i.len == 5 && i.asz == 2 && i.base == R_ZERO && i.disp == 0x1234);
	dec(&i, 1, "2e 8b 00");
	ck_assert(i.seg == S_CS && (i.pfx & PFX_SEG));
	dec(&i, 1, "8b 00");
	ck_assert(!(i.pfx & PFX_SEG));
}
END_TEST

/* ---- bad input -------------------------------------------------------------------------------------- */
START_TEST(test_too_long)
{
	uint8_t buf[32];
	struct insn i;

	memset(buf, 0x66, sizeof buf);
	buf[14] = 0x90;                           /* 14 prefixes + NOP = 15 bytes: fine */
	ck_assert_int_eq(decode(&i, buf, sizeof buf, 1), 15);
	ck_assert(i.op == OP_NOP && valid(&i));
	buf[14] = 0x66;
	buf[15] = 0x90;                           /* 15 prefixes + NOP = 16 bytes: #GP(0) */
	ck_assert_int_eq(decode(&i, buf, sizeof buf, 1), 15);
	ck_assert(i.op == OP_TOOLONG && i.len == 15 && (i.cls & C_INVALID));
	ck_assert(i.exec == op_table[OP_TOOLONG].exec && i.exec != op_ud);
	/* Known to be too long with only 15 bytes available */
	ck_assert_int_eq(decode(&i, buf, 15, 1), 15);
	ck_assert_int_eq(i.op, OP_TOOLONG);
	/* 12 prefixes + mov eax,imm32 (5 bytes) = 17 */
	memset(buf, 0x3e, 12);
	memcpy(buf + 12, "\xb8\x78\x56\x34\x12", 5);
	ck_assert_int_eq(decode(&i, buf, sizeof buf, 1), 15);
	ck_assert_int_eq(i.op, OP_TOOLONG);
	/* ... but under 66 the immediate is 2 bytes: 12 + 1 + 2 = 15 */
	buf[11] = 0x66;
	ck_assert_int_eq(decode(&i, buf, sizeof buf, 1), 15);
	ck_assert(i.op == OP_MOV && i.imm == 0x5678);
}
END_TEST

START_TEST(test_short_buffer)
{
	/* Every proper prefix of a valid instruction is DEC_SHORT; the whole decodes. */
	static const char *hex[] = {
		"c7 84 98 78 56 34 12 01 00 00 00", "66 0f 84 00 01", "0f 01 15 78 56 34 12",
		"9a 78 56 34 12 08 00", "c8 10 00 01", "64 8b 44 8d 04", "f3 a5", "d9 05 78 56 34 12",
		"0f 3a 0f c0 08",
	};
	struct insn i;

	for (unsigned k = 0; k < sizeof hex / sizeof hex[0]; k++) {
		uint8_t buf[16];
		unsigned n = 0;
		for (const char *p = hex[k]; *p; p += p[2] ? 3 : 2)
			buf[n++] = (uint8_t)strtoul(p, NULL, 16);
		for (unsigned a = 0; a < n; a++)
			ck_assert_msg(decode(&i, buf, a, 1) == DEC_SHORT, "%s with %u bytes", hex[k], a);
		ck_assert_int_eq(decode(&i, buf, n, 1), (int)n);
	}
}
END_TEST

START_TEST(test_invalid_forms)
{
	static const struct { int code32; const char *hex; int len; int op; } bad[] = {
		{ 1, "8d c0", 2, OP_LEA },                /* lea with a register source */
		{ 1, "c4 c0", 2, OP_LES },                /* les with a register: VEX on AVX CPUs */
		{ 1, "62 c0", 2, OP_BOUND },
		{ 1, "0f 01 d0", 3, OP_LGDT },            /* 0F 01 /2 with mod 11 (xgetbv later) */
		{ 1, "0f 01 f8", 3, OP_INVLPG },          /* 0F 01 /7 with mod 11 (swapgs) */
		{ 1, "0f c7 ce", 3, OP_CMPXCHG8B },       /* register operand */
		{ 1, "8e c8", 2, OP_MOV_TO_SEG },         /* mov cs,ax */
		{ 1, "8e f0", 2, OP_MOV_TO_SEG },         /* sreg 6 does not exist */
		{ 1, "8c f8", 2, OP_MOV_FROM_SEG },       /* sreg 7 */
		{ 1, "0f 22 c8", 3, OP_MOV_TO_CR },       /* cr1 */
		{ 1, "0f 20 e8", 3, OP_MOV_FROM_CR },     /* cr5 */
		{ 1, "d9 d1", 2, OP_FPU },                /* reserved x87 register form */
		{ 1, "d9 08", 2, OP_FPU },                /* D9 /1 memory: reserved */
		{ 1, "dd 28", 2, OP_FPU },                /* DD /5 memory: reserved */
		{ 1, "fe d0", 2, OP_UD },                 /* FE /2 */
		{ 1, "ff f8", 2, OP_UD },                 /* FF /7 */
		{ 1, "8f c8", 2, OP_UD },                 /* 8F /1: XOP on AMD */
		{ 1, "c6 f8 01", 3, OP_UD },              /* C6 /7: XABORT on TSX CPUs */
		{ 1, "0f ba 00 01", 4, OP_UD },           /* 0F BA /0 */
		{ 1, "0f 00 f0", 3, OP_UD },              /* 0F 00 /6 */
		{ 1, "0f 01 28", 3, OP_UD },              /* 0F 01 /5 */
		{ 1, "0f c7 30", 3, OP_UD },              /* 0F C7 /6: vmptrld later */
		{ 0, "0f 10 06 34 12", 5, OP_UD },        /* movups xmm0,[0x1234] in 16-bit code */
		{ 1, "0f aa", 2, OP_UD },                 /* rsm */
		{ 1, "0f 0b", 2, OP_UD2 },
	};
	struct insn i;

	for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		int len = dec(&i, bad[k].code32, bad[k].hex);
		ck_assert_msg(len == bad[k].len, "%s: length %d", bad[k].hex, len);
		ck_assert_msg(i.op == bad[k].op, "%s: op %s", bad[k].hex, op_table[i.op].mnemonic);
		ck_assert_msg(i.exec == op_ud && (i.cls & C_INVALID), "%s should raise #UD", bad[k].hex);
		ck_assert_msg(!(i.cls & (C_MEMRD | C_MEMWR)), "%s: #UD accesses no memory", bad[k].hex);
	}
}
END_TEST

START_TEST(test_x87)
{
	struct insn i;

	dec(&i, 1, "d9 05 78 56 34 12");          /* fld dword [disp32] */
	ck_assert(i.op == OP_FPU && i.opc == 0xd9 && i.modrm == 0x05 && i.has_modrm);
	ck_assert(i.o[0].kind == OPK_MEM && i.o[0].size == 4 && (i.cls & C_MEMRD) && !(i.cls & C_MEMWR));
	dec(&i, 1, "dd 1e");                      /* fstp qword [esi] */
	ck_assert(i.o[0].size == 8 && (i.cls & C_MEMWR) && !(i.cls & C_MEMRD));
	dec(&i, 1, "db 38");                      /* fstp tword [eax] */
	ck_assert(i.o[0].size == 10 && (i.cls & C_MEMWR));
	dec(&i, 1, "dd 30");                      /* fnsave [eax]: 108 bytes, 94 under 66 */
	ck_assert(i.o[0].size == 108 && (i.cls & C_MEMWR));
	dec(&i, 1, "66 dd 30");
	ck_assert_int_eq(i.o[0].size, 94);
	dec(&i, 1, "d9 20");                      /* fldenv [eax]: 28 bytes */
	ck_assert(i.o[0].size == 28 && (i.cls & C_MEMRD));
	dec(&i, 1, "df e0");                      /* fnstsw ax */
	ck_assert(i.op == OP_FPU && valid(&i) && i.nopnd == 0);
	dec(&i, 1, "de d9");                      /* fcompp */
	ck_assert(valid(&i));
	dec(&i, 1, "da c1");                      /* fcmovb st,st(1): P6 */
	ck_assert(valid(&i));
	dec(&i, 1, "de d8");                      /* DE D8: not FCOMPP */
	ck_assert(!valid(&i));
}
END_TEST

/* Every operation of insn.def that an opcode can produce is produced by one: walk all one-byte and 0F
 * opcodes with every ModRM byte and check that the table reaches each op, and that every decoded record
 * is sane. */
START_TEST(test_table_coverage)
{
	static uint8_t seen[OP_COUNT];
	struct insn i;
	uint8_t buf[16];

	memset(seen, 0, sizeof seen);
	for (unsigned map = 1; map <= 2; map++)
		for (unsigned opc = 0; opc < 256; opc++)
			for (unsigned modrm = 0; modrm < 256; modrm++)
				for (int code32 = 0; code32 <= 1; code32++) {
					unsigned p = 0;
					memset(buf, 0, sizeof buf);
					if (map == 2)
						buf[p++] = 0x0f;
					buf[p++] = opc;
					buf[p++] = modrm;
					int len = decode(&i, buf, sizeof buf, code32);
					/* plain tests: ck_assert records a mark per call, too slow here */
					if (len < 1 || len > 15 || i.len != len || i.op >= OP_COUNT ||
					    i.nopnd > 3 || i.exec == NULL ||
					    (i.exec != op_table[i.op].exec && i.exec != op_ud) ||
					    (i.osz != 1 && i.osz != 2 && i.osz != 4) || i.base > R_ZERO ||
					    i.index > R_ZERO || i.seg > S_GS)
						ck_abort_msg("bad record for map %u opcode %02x modrm %02x", map,
							     opc, modrm);
					seen[i.op] = 1;
				}
	buf[0] = 0xf3;
	buf[1] = 0x90;
	decode(&i, buf, 2, 1);
	seen[i.op] = 1;
	memset(buf, 0x66, sizeof buf);
	decode(&i, buf, sizeof buf, 1);
	seen[i.op] = 1;
	for (unsigned op = 0; op < OP_COUNT; op++)
		ck_assert_msg(seen[op], "no encoding decodes to %s (op %u)", op_table[op].mnemonic, op);
}
END_TEST

Suite *suite_decode(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_loop_test(tc, test_lengths, 0, sizeof lengths / sizeof lengths[0]);
	tcase_add_loop_test(tc, test_effective_address, 0, sizeof eas / sizeof eas[0]);
	tcase_add_test(tc, test_register_forms);
	tcase_add_test(tc, test_alu_operands);
	tcase_add_test(tc, test_shift_and_imul_operands);
	tcase_add_test(tc, test_data_movement_operands);
	tcase_add_test(tc, test_stack_and_segment_operands);
	tcase_add_test(tc, test_control_flow_operands);
	tcase_add_test(tc, test_string_and_io_operands);
	tcase_add_test(tc, test_system_operands);
	tcase_add_loop_test(tc, test_classes, 0, sizeof classes / sizeof classes[0]);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_prefix_sizes);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_short_buffer);
	tcase_add_test(tc, test_invalid_forms);
	tcase_add_test(tc, test_x87);
	tcase_add_test(tc, test_table_coverage);
	suite_add_tcase(s, tc);
	return s;
}
