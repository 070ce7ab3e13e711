/* SPDX-License-Identifier: MIT
 *
 * test_decode_capstone.c — differential test of decode() against Capstone, an independent x86 decoder.
 * Random instructions (random prefixes, an opcode byte or 0F and a byte, then random bytes: most
 * opcodes are reached with every ModRM/SIB/displacement shape) are decoded by both, in 16- and 32-bit
 * code.  For every opcode revisor claims (op is not UD/TOOLONG), both must agree whether the encoding is
 * valid and, if so, on its length.  For opcodes revisor leaves undefined, the length must still agree
 * whenever Capstone knows the instruction, because a #UD must be reported at the right boundary.
 *
 * Capstone is not the processor: where it is wrong for an i686 (or where the i686 differs from the CPUs
 * Capstone describes), the case is listed in `exceptions[]` below with the reason, and explained in
 * docs/decoder-vs-capstone.md.  The generator is seeded and reproducible; REVISOR_DECODE_DIFF_N sets the
 * number of instructions (default 200000), REVISOR_DECODE_DIFF_SEED the seed, and
 * REVISOR_DECODE_DIFF_VERBOSE=1 prints every disagreement (`make decode-diff` runs a million).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>
#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/disasm.h"

/* xorshift64*: small, fast, and the same sequence everywhere. */
static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static const uint8_t prefixes[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* One random instruction in buf[16]: 0-3 prefixes (rarely up to 15, to reach the length limit), then a
 * one-byte opcode (60%), 0F and a byte (30%) or anything at all (10%), then random bytes. */
static void gen(uint8_t *buf)
{
	unsigned p = 0, r = rnd(), npfx = r & 7;

	npfx = npfx < 4 ? 0 : npfx - 3;             /* 0 half the time, else 1..4 */
	if ((r >> 3 & 0xff) == 0)
		npfx = 10 + (r >> 11) % 6;          /* 10..15 */
	for (unsigned k = 0; k < 16; k++)
		buf[k] = rnd();
	for (unsigned k = 0; k < npfx && p < 15; k++)
		buf[p++] = prefixes[rnd() % sizeof prefixes];
	r = rnd() % 10;
	if (r < 6)
		buf[p] = rnd();
	else if (r < 9 && p < 15)
		buf[p] = 0x0f;
}

/* ---- where Capstone 4 and an i686 disagree (docs/decoder-vs-capstone.md) ------------------------- */
struct view {                 /* what an exception needs to know about the case */
	unsigned map;             /* 1 = one-byte opcode, 2 = 0F xx */
	unsigned opc, modrm;      /* opcode byte (after 0F) and the byte after it */
	int ours_valid, cs_valid;
	unsigned cs_len;
};

#define MOD(v) ((v)->modrm >> 6)
#define REG(v) (((v)->modrm >> 3) & 7)

/* Capstone 4 does not check where LOCK is allowed (SDM vol. 2A, LOCK: #UD unless the instruction is one
 * of the read-modify-write list and its destination is memory). */
static int x_lock(const struct insn *i, const struct view *v)
{
	return (i->pfx & PFX_LOCK) && !v->ours_valid && v->cs_len == i->len;
}
/* MOV CR1/CR5/CR6/CR7 and MOV CS,r/m: Capstone accepts what the SDM says raises #UD. */
static int x_mov_cr_cs(const struct insn *i, const struct view *v)
{
	return !v->ours_valid && v->cs_len == i->len &&
	       (i->op == OP_MOV_TO_CR || i->op == OP_MOV_FROM_CR || i->op == OP_MOV_TO_SEG);
}
/* The hint-NOP space 0F 18..1F (SDM table A-3): Capstone 4 knows only some forms (PREFETCHh with
 * memory, NOP Ev as 0F 1F /0, MPX and CET readings of 0F 1A/1B/1E) and rejects the rest. */
static int x_hint_nop(const struct insn *i, const struct view *v)
{
	return v->map == 2 && v->opc >= 0x18 && v->opc <= 0x1f && v->ours_valid && !v->cs_valid;
}
/* Encodings that later processors gave a meaning, which an i686 rejects: 0F 01 with mod == 11 (VMX,
 * MONITOR/MWAIT, XGETBV, SWAPGS, RDTSCP...), C4/C5 with mod == 11 (VEX), 62 with mod == 11 (EVEX) and 8F
 * with reg != 0 (XOP). */
static int x_later_isa(const struct insn *i, const struct view *v)
{
	if (v->ours_valid || !v->cs_valid)
		return 0;
	if (v->map == 2)
		return v->opc == 0x01 && MOD(v) == 3;
	return ((v->opc == 0xc4 || v->opc == 0xc5 || v->opc == 0x62) && MOD(v) == 3) ||
	       (v->opc == 0x8f && REG(v) != 0);
}
/* UD0 (0F FF) and UD1 (0F B9) have a ModRM byte (SDM vol. 2B, UD); Capstone 4 decodes them without. */
static int x_ud01(const struct insn *i, const struct view *v)
{
	return v->map == 2 && (v->opc == 0xff || v->opc == 0xb9) && i->op == OP_UD && v->cs_len < i->len;
}
/* F2/F3 on MOV moffs (A0..A3) and on a relative CALL/JMP/Jcc are ignored by the processor; Capstone 4
 * reads them as the later XACQUIRE/XRELEASE or BND prefixes and then rejects the instruction or drops
 * the 66 prefix's effect on the displacement size. */
static int x_rep_prefix(const struct insn *i, const struct view *v)
{
	if (!(i->pfx & (PFX_REP | PFX_REPNE)))
		return 0;
	return (v->map == 1 && v->opc >= 0xa0 && v->opc <= 0xa3) ||
	       (v->map == 1 && (v->opc == 0xe8 || v->opc == 0xe9)) ||
	       (v->map == 2 && (v->opc & 0xf0) == 0x80);
}
/* AMD's SSE4a EXTRQ/INSERTQ (66/F2 0F 78, two imm8s) and VIA PadLock are not i686 instructions. */
static int x_vendor(const struct insn *i, const struct view *v)
{
	return i->op == OP_UD && v->map == 2 && (v->opc == 0x78 || v->opc == 0xa6 || v->opc == 0xa7);
}

static const struct exception {
	const char *name;
	int (*match)(const struct insn *i, const struct view *v);
} exceptions[] = {
	{ "LOCK not checked by Capstone", x_lock },
	{ "MOV CRn / MOV CS accepted by Capstone", x_mov_cr_cs },
	{ "hint NOPs 0F 18..1F", x_hint_nop },
	{ "post-i686 encodings", x_later_isa },
	{ "UD0/UD1 ModRM", x_ud01 },
	{ "F2/F3 read as XACQUIRE/XRELEASE/BND", x_rep_prefix },
	{ "AMD/VIA extensions", x_vendor },
};
#define NEXC (sizeof exceptions / sizeof exceptions[0])

/* ---- the comparison -------------------------------------------------------------------------------- */
struct tally {
	unsigned long compared, claimed, unclaimed_len, failed;
	unsigned long excused[NEXC];
};

static int verbose;

static void report(const char *what, const uint8_t *buf, int code32, const struct insn *i, int cs_valid,
		   const cs_insn *ci)
{
	if (!verbose)
		return;
	printf("%-22s %s ", what, code32 ? "32" : "16");
	for (unsigned k = 0; k < 15; k++)
		printf("%02x", buf[k]);
	printf("  ours: %s len %u%s  capstone: ", op_table[i->op].mnemonic, i->len,
	       (i->cls & C_INVALID) ? " invalid" : "");
	if (cs_valid)
		printf("%s %s len %u\n", ci->mnemonic, ci->op_str, ci->size);
	else
		printf("invalid\n");
}

static void compare_one(csh h, cs_insn *ci, const uint8_t *buf, int code32, struct tally *t)
{
	struct insn i;
	struct view v;
	const uint8_t *code = buf;
	size_t size = 15;
	uint64_t addr = 0x1000;
	unsigned p = 0;

	int len = decode(&i, buf, 15, code32);
	if (len < 1 || len > 15)                       /* 15 bytes are always enough */
		ck_abort_msg("decode returned %d", len);
	v.cs_valid = cs_disasm_iter(h, &code, &size, &addr, ci);
	v.cs_len = v.cs_valid ? ci->size : 0;
	t->compared++;

	while (p < 14 && buf[p] && strchr("\x66\x67\xf0\xf2\xf3\x26\x2e\x36\x3e\x64\x65", buf[p]))
		p++;
	v.map = buf[p] == 0x0f ? 2 : 1;
	v.opc = buf[p + v.map - 1];
	v.modrm = buf[p + v.map];

	/* "Valid" means the encoding exists: UD2 is a valid instruction whose job is to raise #UD. */
	int claimed = i.op != OP_UD && i.op != OP_TOOLONG;
	v.ours_valid = claimed && (!(i.cls & C_INVALID) || (i.op == OP_UD2 && !(i.pfx & PFX_LOCK)));
	if (claimed)
		t->claimed++;
	if (claimed ? (v.ours_valid == v.cs_valid && (!v.cs_valid || v.cs_len == (unsigned)len))
		    : (!v.cs_valid || v.cs_len == (unsigned)len || i.op == OP_TOOLONG))
		return;
	for (unsigned k = 0; k < NEXC; k++)
		if (exceptions[k].match(&i, &v)) {
			t->excused[k]++;
			return;
		}
	if (claimed) {
		t->failed++;
		report(v.ours_valid == v.cs_valid ? "LENGTH" : "VALIDITY", buf, code32, &i, v.cs_valid, ci);
	} else {
		t->unclaimed_len++;
		report("UD-LENGTH", buf, code32, &i, v.cs_valid, ci);
	}
}

START_TEST(test_diff_capstone)
{
	const char *s = getenv("REVISOR_DECODE_DIFF_N");
	unsigned long n = s ? strtoul(s, NULL, 0) : 200000;
	struct tally t = { 0 };
	csh h[2];
	cs_insn *ci[2];

	s = getenv("REVISOR_DECODE_DIFF_SEED");
	rng_state = s ? strtoull(s, NULL, 0) : 0x5265766973307231ull;
	if (!rng_state)
		rng_state = 1;
	verbose = getenv("REVISOR_DECODE_DIFF_VERBOSE") != NULL;
	ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_16, &h[0]), CS_ERR_OK);
	ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_32, &h[1]), CS_ERR_OK);
	ci[0] = cs_malloc(h[0]);
	ci[1] = cs_malloc(h[1]);

	for (unsigned long k = 0; k < n; k++) {
		uint8_t buf[18] = { 0 };   /* 15 bytes, and room to peek past a prefix run */
		gen(buf);
		compare_one(h[k & 1], ci[k & 1], buf, k & 1, &t);
	}
	unsigned long excused = 0;
	for (unsigned k = 0; k < NEXC; k++)
		excused += t.excused[k];
	printf("decode-vs-capstone: %lu instructions compared (%lu of opcodes revisor implements), %lu "
	       "excused by the exception list, %lu disagreements on implemented opcodes, %lu length "
	       "disagreements on undefined ones\n", t.compared, t.claimed, excused, t.failed, t.unclaimed_len);
	if (verbose)
		for (unsigned k = 0; k < NEXC; k++)
			printf("  excused %8lu  %s\n", t.excused[k], exceptions[k].name);
	fflush(stdout);
	for (int k = 0; k < 2; k++) {
		cs_free(ci[k], 1);
		cs_close(&h[k]);
	}
	ck_assert_uint_eq(t.failed, 0);
	ck_assert_uint_eq(t.unclaimed_len, 0);
}
END_TEST

/* The disassembly wrapper itself (disasm.h). */
START_TEST(test_disasm_text)
{
	char text[64];

	ck_assert_int_eq(disasm((const uint8_t *)"\x8b\x44\x24\x08", 4, 0x1000, 1, text, sizeof text), 4);
	ck_assert_str_eq(text, "mov eax, dword ptr [esp + 8]");
	ck_assert_int_eq(disasm((const uint8_t *)"\x8b\x46\xfe", 3, 0x7c00, 0, text, sizeof text), 3);
	ck_assert_str_eq(text, "mov ax, word ptr [bp - 2]");
	ck_assert_int_eq(disasm((const uint8_t *)"\xeb\xfe", 2, 0x1000, 1, text, sizeof text), 2);
	ck_assert_str_eq(text, "jmp 0x1000");          /* relative targets are shown absolute */
	ck_assert_int_eq(disasm((const uint8_t *)"\x90", 1, 0, 1, text, sizeof text), 1);
	ck_assert_str_eq(text, "nop");
	ck_assert_int_eq(disasm((const uint8_t *)"\x0f\x24\xc0", 3, 0, 1, text, sizeof text), -1);
	ck_assert_str_eq(text, "(bad)");
	ck_assert_int_eq(disasm((const uint8_t *)"\x8b\x44\x24", 3, 0, 1, text, sizeof text), -1);
	ck_assert_int_eq(disasm((const uint8_t *)"\x90", 1, 0, 1, text, 4), 1);   /* truncated output */
	ck_assert_str_eq(text, "nop");
}
END_TEST

Suite *suite_decode_capstone(void)
{
	Suite *s = suite_create("decode_capstone");
	TCase *tc = tcase_create("diff");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_diff_capstone);
	tcase_add_test(tc, test_disasm_text);
	suite_add_tcase(s, tc);
	return s;
}
