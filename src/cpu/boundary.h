/* SPDX-License-Identifier: MIT
 *
 * boundary.h — the work every software backend does between two guest instructions (boundary.c).
 */
#ifndef REVISOR_BOUNDARY_H
#define REVISOR_BOUNDARY_H

struct machine;

/* Fire due timers, stop at the budget, deliver NMI / interrupts, idle while halted.  Returns 1 when it
 * did something (the caller checks m->stop and calls it again), 0 when the CPU should now execute guest
 * code — then c->attn has been cleared. */
int insn_boundary(struct machine *m);

#endif
