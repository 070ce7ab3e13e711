/* SPDX-License-Identifier: MIT
 *
 * boundary.c — what happens at an instruction boundary, the VMM's side of every software backend's loop
 * (the interpreter's and the binary translator's): timers whose deadline has come fire, the run stops
 * at its instruction budget, an NMI or a pending external interrupt is delivered when the CPU can take
 * it (IF, the STI / MOV SS shadow: SDM vol. 3A 6.8.3), and a halted CPU idles — its clock jumps to the
 * next deadline.  Both backends call insn_boundary() in the same places, which is what makes a run's
 * interrupts land at the same instruction counts whichever backend executes the guest.
 */
#include "machine.h"
#include "cpu/cpu.h"
#include "cpu/boundary.h"

/* Deliver a pending external interrupt if the CPU can take one now.  Returns 1 if one was delivered. */
static int take_interrupt(struct machine *m, struct cpu *c)
{
	int vec;

	if (!(c->eflags & FL_IF) || c->inhibit_irq || !m->irq_ack)
		return 0;
	vec = m->irq_ack(m);
	if (vec < 0)
		return 0;
	c->halted = 0;
	c->prev_eip = c->eip;
	c->prev_esp = c->r[R_ESP];
	cpu_deliver(c, vec, EV_EXTERNAL, 0, 0);
	return 1;
}

/* What the CPU does while halted: jump the clock to the next event, or stop if nothing can wake it. */
static void idle(struct machine *m, struct cpu *c)
{
	uint64_t until = c->icount_limit < m->next_deadline ? c->icount_limit : m->next_deadline;

	/* With IF clear only an NMI could wake the CPU, and no device of ours raises one on its own:
	 * timers firing would only move the clock forever.  That is the end of the run. */
	if (!(c->eflags & FL_IF) && !c->nmi_pending) {
		m->stop = STOP_DEAD_HALT;
		return;
	}
	if (until != UINT64_MAX) {
		c->icount = until > c->icount ? until : c->icount;
		return;
	}
	/* No timer armed and no budget: only host input could wake us (the platform's idle hook waits
	 * for it through the event layer).  With IF clear nothing can. */
	if ((c->eflags & FL_IF) && m->idle_wait && m->idle_wait(m) == 0)
		return;
	m->stop = STOP_DEAD_HALT;
}

int insn_boundary(struct machine *m)
{
	struct cpu *c = &m->cpu;

	if (c->icount >= m->next_deadline) {
		vtimer_run_due(m);
		return 1;
	}
	if (c->icount >= c->icount_limit) {
		m->stop = STOP_LIMIT;
		return 1;
	}
	if (c->nmi_pending && !c->inhibit_irq) {
		/* NMI (vector 2) ignores IF (SDM vol. 3A 6.7.1). */
		c->nmi_pending = 0;
		c->halted = 0;
		c->prev_eip = c->eip;
		c->prev_esp = c->r[R_ESP];
		cpu_deliver(c, EXC_NMI, EV_EXTERNAL, 0, 0);
		return 1;
	}
	if (c->irq_pending && take_interrupt(m, c))
		return 1;
	if (c->halted) {
		idle(m, c);
		return 1;
	}
	/* Everything pending has been looked at: from here on only a new event needs attention. */
	c->attn = 0;
	return 0;
}
