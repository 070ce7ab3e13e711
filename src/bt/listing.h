/* SPDX-License-Identifier: MIT
 *
 * listing.h — one compiled code fragment (CCF) as text: guest code with each instruction's translation
 * kind, and under each guest instruction the x86-64 host code the translator emitted for it (the
 * lectures' isPrime / isPrime' listing, made live).  Used by -d in_asm / -d out_asm when a CCF is
 * translated, and by the debugger's `monitor tc ADDR`.
 */
#ifndef REVISOR_BT_LISTING_H
#define REVISOR_BT_LISTING_H

#include <stdio.h>

struct machine;
struct ccf;

#define BT_LIST_GUEST 0x1u    /* the guest instructions, their kinds (and callout counts) */
#define BT_LIST_HOST  0x2u    /* the host code, disassembled and annotated */
#define BT_LIST_TAGS  0x4u    /* start lines with "in_asm: " / "out_asm: " (the -d log's tags) */

void bt_list_ccf(struct machine *m, const struct ccf *f, FILE *out, unsigned what);

#endif
