/* SPDX-License-Identifier: MIT
 *
 * emit.h — the translator's lowest layer: a code buffer and a handful of x86-64 encoders (Blink's
 * "code-buffer/emitter API").  Everything the translator writes into the translation cache goes through
 * these functions, so the byte-level encoding rules (REX prefixes, ModRM with an r13 base, rel32
 * displacements) live in one place.  Encodings follow SDM vol. 2, chapter 2 ("Instruction Format") and
 * 2.2.1 ("REX Prefixes").
 *
 * Host register numbers are the hardware's 0..15 (rax=0 ... rdi=7, r8=8 ... r15=15).
 */
#ifndef REVISOR_BT_EMIT_H
#define REVISOR_BT_EMIT_H

#include <stddef.h>
#include <stdint.h>

enum { H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
       H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15 };

struct cbuf {
	uint8_t *p;     /* next byte to write */
	uint8_t *end;   /* one past the last writable byte */
	int overflow;   /* set when a write did not fit (the caller flushes the TC and retries) */
};

void emit8(struct cbuf *b, uint8_t v);
void emit32(struct cbuf *b, uint32_t v);
void emit64(struct cbuf *b, uint64_t v);
void emit_bytes(struct cbuf *b, const void *src, size_t n);

/* mov r32, [r13 + disp] and mov [r13 + disp], r32 (r13 holds &cpu while translated code runs). */
void emit_load32_r13(struct cbuf *b, int hreg, int32_t disp);
void emit_store32_r13(struct cbuf *b, int hreg, int32_t disp);
/* mov r64, imm64 */
void emit_mov_imm64(struct cbuf *b, int hreg, uint64_t v);
/* jmp / call / jcc with a rel32 to `target`; each returns the address of its rel32 field (for patching). */
uint8_t *emit_jmp(struct cbuf *b, const uint8_t *target);
uint8_t *emit_call(struct cbuf *b, const uint8_t *target);
uint8_t *emit_jcc(struct cbuf *b, unsigned cc, const uint8_t *target);
/* Point the rel32 field at `field` to `target` (the field ends 4 bytes later: SDM's "next instruction"). */
void patch_rel32(uint8_t *field, const uint8_t *target);

#endif
