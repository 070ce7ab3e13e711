/* SPDX-License-Identifier: MIT
 *
 * tcview.h — the debugger's views of the binary translator's translation cache, behind `monitor tc`,
 * `monitor tc ADDR` and `monitor chains FILE` (monitor.c; docs/bt.md, "Looking inside").  Built only on
 * the introspection API (src/bt/introspect.h) and the CCF listing (src/bt/listing.h).
 */
#ifndef REVISOR_TCVIEW_H
#define REVISOR_TCVIEW_H

#include <stdio.h>
#include "machine.h"

/* The summary and the CCF list, hottest first (at most 30 rows unless all). */
void tcview_summary(struct machine *m, FILE *out, int all);
/* The CCF covering guest linear address `lin`: its guest/host listing and its chain edges. */
void tcview_ccf(struct machine *m, uint32_t lin, FILE *out);
/* The chaining graph in Graphviz's dot language. */
void tcview_dot(struct machine *m, FILE *out);
/* Write the chaining graph to path: dot text for *.dot (or *.gv), otherwise rendered by libgvc in the
 * format named by the extension (svg, png, pdf...).  Messages go to msg.  0 or -1. */
int tcview_chains(struct machine *m, const char *path, FILE *msg);

#endif
