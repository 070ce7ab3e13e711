/* SPDX-License-Identifier: MIT
 *
 * disasm.h — instruction text for people: the debugger's listings, trace logs and test failure messages.
 * revisor's own decoder (decode.c) says what an instruction *does*; this wrapper around the Capstone
 * library only says how it is *written*, in Intel syntax as in the SDM.  Capstone is also the independent
 * oracle that tests/unit/test_decode_capstone.c checks decode() against (docs/decoder-vs-capstone.md).
 */
#ifndef REVISOR_DISASM_H
#define REVISOR_DISASM_H

#include <stddef.h>
#include <stdint.h>

/* Disassemble the instruction at buf (len bytes readable), located at guest address addr, in 32-bit
 * (code32 != 0) or 16-bit code.  Writes "mnemonic operands" into out (always NUL-terminated when
 * outlen > 0) and returns the instruction's length, or -1 if Capstone does not recognise the bytes (then
 * out holds "(bad)"). */
int disasm(const uint8_t *buf, unsigned len, uint32_t addr, int code32, char *out, size_t outlen);

/* What a host instruction names, for annotating listings: its immediates (including the targets of
 * relative jumps and calls) and the displacements of its memory operands with their base register. */
struct disasm_ref {
	uint8_t mem;          /* 0: an immediate / branch target; 1: a memory displacement */
	char base[8];         /* for mem: the base register's name ("r13"), or "" */
	int64_t val;
};
#define DISASM_MAX_REFS 4

/* Disassemble one x86-64 instruction (the binary translator's host code, Capstone in 64-bit mode) at
 * host address addr, like disasm().  When refs is not NULL, up to DISASM_MAX_REFS operand values are
 * stored there and *nrefs says how many. */
int disasm64(const uint8_t *buf, unsigned len, uint64_t addr, char *out, size_t outlen,
	     struct disasm_ref *refs, unsigned *nrefs);

#endif
