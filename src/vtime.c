/* SPDX-License-Identifier: MIT
 *
 * vtime.c — virtual timers.  Time in revisor is the retired-instruction count (cpu.icount), so a device
 * that wants to act "in 10 ms" arms a timer for a deadline in instructions.  The armed timers form a
 * singly linked list sorted by deadline, and m->next_deadline caches the head's deadline: the run loop
 * compares icount with that one number and never runs past it, so every device event happens at the same
 * instruction count on every run (the determinism that record/replay and reverse debugging rest on).
 *
 * Timers with equal deadlines fire in the order they were armed.  A timer's fire() may re-arm it (a
 * periodic timer) or arm others; a timer re-armed for a deadline that has already passed fires again in
 * the same vtimer_run_due() call, so a periodic timer must always move its deadline forward.
 */
#include "machine.h"

/* Unlink t if it is armed.  Returns whether it was. */
static int unlink_timer(struct machine *m, struct vtimer *t)
{
	for (struct vtimer **pp = &m->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->next = NULL;
			return 1;
		}
	}
	return 0;
}

static void update_deadline(struct machine *m)
{
	m->next_deadline = m->timers ? m->timers->deadline : UINT64_MAX;
	m->cpu.attn = 1;   /* the run loop may be running towards a later deadline */
}

/* Arm t to fire when icount reaches deadline, replacing any earlier arming of t.  (The list is searched
 * rather than trusting t->deadline, so a timer that was never initialized is safe to arm.) */
void vtimer_arm(struct machine *m, struct vtimer *t, uint64_t deadline)
{
	struct vtimer **pp = &m->timers;

	unlink_timer(m, t);
	t->deadline = deadline;
	while (*pp && (*pp)->deadline <= deadline)   /* after equal deadlines: first armed, first fired */
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	update_deadline(m);
}

void vtimer_disarm(struct machine *m, struct vtimer *t)
{
	unlink_timer(m, t);
	t->deadline = UINT64_MAX;
	update_deadline(m);
}

void vtimer_run_due(struct machine *m)
{
	struct vtimer *t;

	while ((t = m->timers) != NULL && t->deadline <= m->cpu.icount) {
		/* Unlink before firing, so fire() sees the timer disarmed and may re-arm it. */
		m->timers = t->next;
		t->next = NULL;
		t->deadline = UINT64_MAX;
		update_deadline(m);
		t->fire(t->opaque);
	}
}
