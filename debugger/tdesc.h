/* SPDX-License-Identifier: MIT
 *
 * tdesc.h — the i386 target description served to gdb (tdesc.c).
 */
#ifndef REVISOR_TDESC_H
#define REVISOR_TDESC_H

#include <stddef.h>

/* The XML document named annex ("target.xml"), or NULL if there is no such document. */
const char *tdesc_get(const char *annex, size_t *len);

#endif
