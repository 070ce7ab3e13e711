/* SPDX-License-Identifier: MIT
 *
 * insn_table.c — op_table[], generated from the instruction catalog insn.def: for each operation its
 * mnemonic, its handler and its classification.
 */
#include "insn.h"

#define OP(id, mnem, handler, cls) void handler(struct cpu *c, const struct insn *i);
#include "insn.def"
#undef OP

const struct op_info op_table[OP_COUNT] = {
#define OP(id, mnem, handler, cls) [OP_##id] = { mnem, handler, cls },
#include "insn.def"
#undef OP
};
