/* SPDX-License-Identifier: MIT
 *
 * syscall.c — the system call layer: decode `int $0x40` (number in EAX, arguments in EBX, ECX, EDX,
 * ESI; see syscall.h), check every user pointer, call the kernel function, and put the result in the
 * trap frame's EAX, which trapret restores into the user's EAX.
 *
 * Checking pointers is the important part: the kernel runs with the caller's page tables loaded, so it
 * can read and write user memory directly — but only after user_ok()/user_str() (vm.c) confirm that the
 * range is user memory mapped with the right permissions.  Otherwise `write(0x100000, n)` would print
 * the kernel's own memory, or `read(0x100000, n)` overwrite it.
 */
#include "defs.h"
#include "fs.h"
#include "syscall.h"

#define ARG0(tf) ((tf)->ebx)
#define ARG1(tf) ((tf)->ecx)
#define ARG2(tf) ((tf)->edx)
#define ARG3(tf) ((tf)->esi)

static int sys_write(struct trapframe *tf)
{
	const char *buf = (const char *)ARG0(tf);
	int n = (int)ARG1(tf);

	if (n < 0 || !user_ok(buf, n, 0))
		return -1;
	for (int i = 0; i < n; i++)
		console_putc(buf[i]);
	return n;
}

static int sys_read(struct trapframe *tf)
{
	char *buf = (char *)ARG0(tf);
	int n = (int)ARG1(tf);

	if (n < 0 || !user_ok(buf, n, 1))
		return -1;
	return console_read(buf, n);
}

static int sys_getpid(struct trapframe *tf)
{
	return curproc->pid;
}

static int sys_fork(struct trapframe *tf)
{
	return fork();
}

/* exec(name, argv): copy the name and the argument strings into a kernel page first, because exec
 * frees the user memory they live in. */
static int sys_exec(struct trapframe *tf)
{
	const char *name = (const char *)ARG0(tf);
	char *const *uargv = (char *const *)ARG1(tf);
	char *argv[MAXARG + 1], *buf, *end;
	int len, argc, r = -1;

	if (user_str(name, FS_NAMELEN) < 0 || !(buf = kalloc()))
		return -1;
	end = buf + PGSIZE;
	for (argc = 0;; argc++) {
		if (argc > MAXARG || !user_ok(&uargv[argc], 4, 0))
			goto out;
		if (!uargv[argc])
			break;
		char *dst = argc ? argv[argc - 1] + strlen(argv[argc - 1]) + 1 : buf;
		if ((len = user_str(uargv[argc], end - dst)) < 0)
			goto out;
		memcpy(dst, uargv[argc], len + 1);
		argv[argc] = dst;
	}
	argv[argc] = 0;
	char kname[FS_NAMELEN + 1];
	strncpy0(kname, name, sizeof kname);
	r = exec(curproc, kname, argv);
out:
	kfree(buf);
	return r;
}

static int sys_exit(struct trapframe *tf)
{
	exit((int)ARG0(tf));
}

static int sys_wait(struct trapframe *tf)
{
	int *status = (int *)ARG0(tf), st;

	if (status && !user_ok(status, sizeof *status, 1))
		return -1;
	int pid = wait(&st);
	if (pid >= 0 && status)
		*status = st;
	return pid;
}

static int sys_sleep(struct trapframe *tf)
{
	uint32_t ms = ARG0(tf);
	uint32_t want = (uint32_t)(((uint64_t)ms * timer_hz + 999) / 1000);
	uint32_t start = ticks;

	while (ticks - start < want) {
		if (curproc->killed)
			return -1;
		sleep((const void *)&ticks);    /* the timer interrupt wakes us every tick */
	}
	return 0;
}

static int sys_yield(struct trapframe *tf)
{
	yield();
	return 0;
}

static int sys_uptime(struct trapframe *tf)
{
	return (int)((uint64_t)ticks * 1000 / timer_hz);
}

static int sys_shmap(struct trapframe *tf)
{
	return uvm_map_shared(curproc->pgdir, SHAREDVA) < 0 ? -1 : SHAREDVA;
}

static int sys_dirent(struct trapframe *tf)
{
	struct dirent *de = (struct dirent *)ARG1(tf);

	if (!user_ok(de, sizeof *de, 1))
		return -1;
	return fs_dirent((int)ARG0(tf), de);
}

/* fread/fwrite(name, off, buf, n) */
static int file_rw(struct trapframe *tf, int write)
{
	const char *name = (const char *)ARG0(tf);
	void *buf = (void *)ARG2(tf);
	uint32_t n = ARG3(tf);
	struct dirent de;

	if (user_str(name, FS_NAMELEN) < 0 || !user_ok(buf, n, !write) || fs_lookup(name, &de) < 0)
		return -1;
	return fs_rw(&de, ARG1(tf), buf, n, write);
}

static int sys_fread(struct trapframe *tf) { return file_rw(tf, 0); }
static int sys_fwrite(struct trapframe *tf) { return file_rw(tf, 1); }

static int sys_kill(struct trapframe *tf)
{
	return kill((int)ARG0(tf));
}

static int (*const syscalls[NSYSCALL])(struct trapframe *) = {
	[SYS_write] = sys_write,   [SYS_read] = sys_read,     [SYS_getpid] = sys_getpid,
	[SYS_fork] = sys_fork,     [SYS_exec] = sys_exec,     [SYS_exit] = sys_exit,
	[SYS_wait] = sys_wait,     [SYS_sleep] = sys_sleep,   [SYS_yield] = sys_yield,
	[SYS_uptime] = sys_uptime, [SYS_shmap] = sys_shmap,   [SYS_dirent] = sys_dirent,
	[SYS_fread] = sys_fread,   [SYS_fwrite] = sys_fwrite, [SYS_kill] = sys_kill,
};

void syscall(struct trapframe *tf)
{
	uint32_t num = tf->eax;

	if (num < NSYSCALL && syscalls[num]) {
		tf->eax = (uint32_t)syscalls[num](tf);
	} else {
		printf("pid %d (%s): unknown system call %d\n", curproc->pid, curproc->name, num);
		tf->eax = (uint32_t)-1;
	}
}
