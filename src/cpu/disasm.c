/* SPDX-License-Identifier: MIT
 *
 * disasm.c — Capstone wrapper behind disasm.h.  One Capstone handle per code size is opened on first use
 * and kept for the life of the process (opening one costs far more than disassembling an instruction).
 * For guest code operand details are switched off: only the text is wanted.  Host code (x86-64, the
 * binary translator's output for -d out_asm and the debugger's TC views) has its own handle with details
 * on, so a listing can say what the immediates and displacements in it point at.  Not thread-safe, like
 * the rest of the debugger it serves.
 */
#include <stdio.h>
#include <capstone/capstone.h>
#include "disasm.h"

static csh handle[3];        /* [0] 16-bit code, [1] 32-bit code, [2] 64-bit host code */
static int opened[3];        /* 1 = open, -1 = cs_open failed */

static csh get_handle(int k)
{
	static const cs_mode mode[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };

	if (!opened[k]) {
		opened[k] = -1;
		if (cs_open(CS_ARCH_X86, mode[k], &handle[k]) == CS_ERR_OK) {
			cs_option(handle[k], CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
			if (k == 2)
				cs_option(handle[k], CS_OPT_DETAIL, CS_OPT_ON);
			opened[k] = 1;
		}
	}
	return opened[k] == 1 ? handle[k] : 0;
}

int disasm(const uint8_t *buf, unsigned len, uint32_t addr, int code32, char *out, size_t outlen)
{
	csh h = get_handle(code32 != 0);
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

int disasm64(const uint8_t *buf, unsigned len, uint64_t addr, char *out, size_t outlen,
	     struct disasm_ref *refs, unsigned *nrefs)
{
	csh h = get_handle(2);
	cs_insn *insn;
	int n = -1;

	if (nrefs)
		*nrefs = 0;
	if (h && cs_disasm(h, buf, len, addr, 1, &insn) == 1) {
		if (outlen)
			snprintf(out, outlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		n = insn->size;
		if (refs && nrefs && insn->detail) {
			const cs_x86 *x = &insn->detail->x86;
			for (unsigned k = 0; k < x->op_count && *nrefs < DISASM_MAX_REFS; k++) {
				struct disasm_ref *r = &refs[*nrefs];
				const char *base;
				if (x->operands[k].type == X86_OP_IMM) {
					r->mem = 0;
					r->base[0] = 0;
					r->val = x->operands[k].imm;
				} else if (x->operands[k].type == X86_OP_MEM) {
					r->mem = 1;
					base = x->operands[k].mem.base != X86_REG_INVALID ?
					       cs_reg_name(h, x->operands[k].mem.base) : "";
					snprintf(r->base, sizeof r->base, "%s", base ? base : "");
					r->val = x->operands[k].mem.disp;
				} else {
					continue;
				}
				++*nrefs;
			}
		}
		cs_free(insn, 1);
	} else if (outlen) {
		snprintf(out, outlen, "(bad)");
	}
	return n;
}
