/* SPDX-License-Identifier: MIT
 *
 * emit.c — x86-64 code buffer and encoders for the binary translator (see emit.h).  Only the few forms
 * the translator needs exist; each one is spelled out byte by byte with its SDM encoding, because this
 * is where a student checks "what does the translator actually write?".
 */
#include <string.h>
#include "bt/emit.h"

void emit_bytes(struct cbuf *b, const void *src, size_t n)
{
	if (b->overflow || (size_t)(b->end - b->p) < n) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p, src, n);
	b->p += n;
}

void emit8(struct cbuf *b, uint8_t v) { emit_bytes(b, &v, 1); }
void emit32(struct cbuf *b, uint32_t v) { emit_bytes(b, &v, 4); }   /* little-endian host */
void emit64(struct cbuf *b, uint64_t v) { emit_bytes(b, &v, 8); }

/* REX (SDM vol. 2, 2.2.1.2): 0100WRXB.  R extends ModRM.reg, B extends ModRM.rm. */
static void modrm_r13_disp32(struct cbuf *b, uint8_t opcode, int hreg, int32_t disp)
{
	emit8(b, (uint8_t)(0x41 | (hreg >= 8 ? 0x04 : 0)));      /* REX.B selects r13 as the base */
	emit8(b, opcode);
	emit8(b, (uint8_t)(0x80 | ((hreg & 7) << 3) | 5));        /* mod=10 (disp32), rm=101 -> r13 */
	emit32(b, (uint32_t)disp);
}

void emit_load32_r13(struct cbuf *b, int hreg, int32_t disp) { modrm_r13_disp32(b, 0x8b, hreg, disp); }
void emit_store32_r13(struct cbuf *b, int hreg, int32_t disp) { modrm_r13_disp32(b, 0x89, hreg, disp); }

void emit_mov_imm64(struct cbuf *b, int hreg, uint64_t v)
{
	emit8(b, (uint8_t)(0x48 | (hreg >= 8 ? 1 : 0)));          /* REX.W (+B) */
	emit8(b, (uint8_t)(0xb8 | (hreg & 7)));                   /* B8+r: MOV r64, imm64 */
	emit64(b, v);
}

void patch_rel32(uint8_t *field, const uint8_t *target)
{
	int32_t rel = (int32_t)(target - (field + 4));

	memcpy(field, &rel, 4);
}

static uint8_t *rel32_to(struct cbuf *b, const uint8_t *target)
{
	uint8_t *field = b->p;

	emit32(b, 0);
	if (!b->overflow)
		patch_rel32(field, target ? target : field + 4);
	return field;
}

uint8_t *emit_jmp(struct cbuf *b, const uint8_t *target)
{
	emit8(b, 0xe9);                                           /* JMP rel32 */
	return rel32_to(b, target);
}

uint8_t *emit_call(struct cbuf *b, const uint8_t *target)
{
	emit8(b, 0xe8);                                           /* CALL rel32 */
	return rel32_to(b, target);
}

uint8_t *emit_jcc(struct cbuf *b, unsigned cc, const uint8_t *target)
{
	emit8(b, 0x0f);                                           /* Jcc rel32: 0F 80+cc */
	emit8(b, (uint8_t)(0x80 | (cc & 15)));
	return rel32_to(b, target);
}
