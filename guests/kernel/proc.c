/* SPDX-License-Identifier: MIT
 *
 * proc.c — processes and the scheduler.
 *
 * A process is an address space (pgdir), a kernel stack, and the state of its kernel thread.  Its user
 * registers live in a trap frame at the top of its kernel stack, saved when it entered the kernel; its
 * kernel thread's registers live in a struct context saved by swtch() when it gave up the CPU.
 *
 * The scheduler runs on the boot stack in its own context: it picks a RUNNABLE process, loads its page
 * tables and TSS.esp0 (switch_uvm), and swtch()es to it.  The process runs until it blocks (sleep), is
 * preempted by the timer (yield), or exits; each of those swtch()es back into the scheduler's loop,
 * which moves on to the next process, round robin.  With nothing runnable it halts until an
 * interrupt.  sleep()/wakeup() are channels: a process sleeps on an address, and wakeup(addr) makes
 * every process sleeping on it runnable again (they re-check their condition, since it may be gone).
 *
 * Since the kernel runs with interrupts disabled (trap.c), none of this needs locks on our single CPU.
 */
#include "defs.h"

static struct proc ptable[NPROC];
struct proc *curproc;                   /* the process running now, or 0 in the scheduler */
static struct context *sched_context;
static struct proc *initproc;
static int nextpid = 1;

extern char trapret[];                  /* vectors.S */

/* A new process's kernel thread starts here (see proc_alloc) and "returns" to user mode through
 * trapret, which pops the trap frame that fork or exec prepared. */
static void forkret(void)
{
}

/* Find an unused slot and give it a pid and a kernel stack laid out for its first swtch():
 *   top of stack:  struct trapframe         (filled by fork or exec)
 *                  address of trapret       (forkret's return address)
 *                  struct context, eip = forkret */
struct proc *proc_alloc(void)
{
	struct proc *p;

	for (p = ptable; p < ptable + NPROC && p->state != UNUSED; p++)
		;
	if (p == ptable + NPROC || !(p->kstack = kalloc()))
		return 0;
	p->state = EMBRYO;
	p->pid = nextpid++;
	p->killed = 0;
	p->chan = 0;
	p->pgdir = 0;

	uint8_t *sp = p->kstack + PGSIZE;
	sp -= sizeof *p->tf;
	p->tf = (struct trapframe *)sp;
	memset(p->tf, 0, sizeof *p->tf);
	sp -= 4;
	*(uint32_t *)sp = (uint32_t)trapret;
	sp -= sizeof *p->context;
	p->context = (struct context *)sp;
	memset(p->context, 0, sizeof *p->context);
	p->context->eip = (uint32_t)forkret;
	return p;
}

static void proc_free(struct proc *p)
{
	kfree(p->kstack);
	if (p->pgdir)
		uvm_free(p->pgdir);
	p->kstack = 0;
	p->pgdir = 0;
	p->pid = 0;
	p->parent = 0;
	p->state = UNUSED;
}

/* The first process: pid 1, running the shell from disk. */
void user_init(const char *const *argv)
{
	struct proc *p = proc_alloc();

	if (!p || exec(p, argv[0], (char *const *)argv) < 0)
		panic("cannot start %s (is the disk image attached with -hda?)", argv[0]);
	initproc = p;
	p->state = RUNNABLE;
}

void scheduler(void)
{
	for (;;) {
		int ran = 0;
		for (struct proc *p = ptable; p < ptable + NPROC; p++) {
			if (p->state != RUNNABLE)
				continue;
			curproc = p;
			switch_uvm(p);
			p->state = RUNNING;
			swtch(&sched_context, p->context);
			/* back here when p blocks, yields or exits */
			switch_kvm();
			curproc = 0;
			ran = 1;
		}
		if (!ran)
			idle_wait();                    /* nothing to run: halt until an interrupt */
	}
}

/* Give the CPU back to the scheduler; the caller has already changed curproc->state. */
static void sched(void)
{
	swtch(&curproc->context, sched_context);
}

void yield(void)
{
	curproc->state = RUNNABLE;
	sched();
}

void sleep(const void *chan)
{
	curproc->chan = chan;
	curproc->state = SLEEPING;
	sched();
	curproc->chan = 0;
}

void wakeup(const void *chan)
{
	for (struct proc *p = ptable; p < ptable + NPROC; p++)
		if (p->state == SLEEPING && p->chan == chan)
			p->state = RUNNABLE;
}

int fork(void)
{
	struct proc *np = proc_alloc();

	if (!np)
		return -1;
	if (!(np->pgdir = uvm_copy(curproc->pgdir))) {
		proc_free(np);
		return -1;
	}
	*np->tf = *curproc->tf;
	np->tf->eax = 0;                        /* fork returns 0 in the child */
	np->parent = curproc;
	memcpy(np->name, curproc->name, sizeof np->name);
	np->state = RUNNABLE;
	return np->pid;
}

void exit(int status)
{
	if (curproc == initproc) {
		printf("init exited with status %d: powering off\n", status);
		poweroff(status);
	}
	for (struct proc *p = ptable; p < ptable + NPROC; p++) {
		if (p->parent == curproc) {         /* orphans are adopted by init */
			p->parent = initproc;
			if (p->state == ZOMBIE)
				wakeup(initproc);
		}
	}
	curproc->xstatus = status;
	curproc->state = ZOMBIE;
	wakeup(curproc->parent);
	sched();                                /* the parent's wait() frees our stack and memory */
	panic("zombie %d ran again", curproc->pid);
}

int wait(int *status)
{
	for (;;) {
		int have_children = 0;
		for (struct proc *p = ptable; p < ptable + NPROC; p++) {
			if (p->parent != curproc)
				continue;
			have_children = 1;
			if (p->state == ZOMBIE) {
				int pid = p->pid;
				if (status)
					*status = p->xstatus;
				proc_free(p);
				return pid;
			}
		}
		if (!have_children || curproc->killed)
			return -1;
		sleep(curproc);                     /* exit() wakes the parent */
	}
}

/* Mark a process to exit the next time it would return to user mode. */
int kill(int pid)
{
	for (struct proc *p = ptable; p < ptable + NPROC; p++) {
		if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE) {
			p->killed = 1;
			if (p->state == SLEEPING)
				p->state = RUNNABLE;
			return 0;
		}
	}
	return -1;
}

/* Ctrl-C: kill everything but init (the shell). */
void kill_all_but_init(void)
{
	for (struct proc *p = ptable; p < ptable + NPROC; p++)
		if (p != initproc && p->state != UNUSED)
			kill(p->pid);
}
