/* SPDX-License-Identifier: MIT
 *
 * fastpath.h — the lecture's "split handlers": after decoding, specialize() swaps a generic handler for
 * one written for the exact operand form when the form is common (32-bit register/register and
 * register/immediate ALU operations, MOV, INC/DEC, Jcc), so the hot path has no operand-kind switch.
 */
#ifndef REVISOR_FASTPATH_H
#define REVISOR_FASTPATH_H

#include "cpu/insn.h"

void specialize(struct insn *i);

#endif
