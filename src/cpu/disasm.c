/* SPDX-License-Identifier: MIT
 *
 * disasm.c — Capstone wrapper behind disasm.h.  One Capstone handle per code size is opened on first use
 * and kept for the life of the process (opening one costs far more than disassembling an instruction).
 * Operand details are switched off: only the text is wanted.  Not thread-safe, like the rest of the
 * debugger it serves.
 */
#include <stdio.h>
#include <capstone/capstone.h>
#include "disasm.h"

static csh handle[2];        /* [0] 16-bit code, [1] 32-bit code */
static int opened[2];        /* 1 = open, -1 = cs_open failed */

static csh get_handle(int code32)
{
	int k = code32 != 0;

	if (!opened[k]) {
		opened[k] = -1;
		if (cs_open(CS_ARCH_X86, k ? CS_MODE_32 : CS_MODE_16, &handle[k]) == CS_ERR_OK) {
			cs_option(handle[k], CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
			opened[k] = 1;
		}
	}
	return opened[k] == 1 ? handle[k] : 0;
}

int disasm(const uint8_t *buf, unsigned len, uint32_t addr, int code32, char *out, size_t outlen)
{
	csh h = get_handle(code32);
	cs_insn *insn;
	int n = -1;

	if (h && cs_disasm(h, buf, len, addr, 1, &insn) == 1) {
		if (outlen)
			snprintf(out, outlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		n = insn->size;
		cs_free(insn, 1);
	} else if (outlen) {
		snprintf(out, outlen, "(bad)");
	}
	return n;
}
