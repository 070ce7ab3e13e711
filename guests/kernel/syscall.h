/* SPDX-License-Identifier: MIT
 *
 * syscall.h — system call numbers, shared by the kernel (syscall.c) and the user library (user/ulib.c).
 * Calling convention: `int $0x40` with the number in EAX and up to four arguments in EBX, ECX, EDX,
 * ESI; the result comes back in EAX (negative means failure).  Gate 0x40 has DPL 3, so ring 3 may use it.
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#define SYS_write    1   /* write(buf, n): to the console */
#define SYS_read     2   /* read(buf, n): one line from the console; 0 at Ctrl-D */
#define SYS_getpid   3
#define SYS_fork     4
#define SYS_exec     5   /* exec(name, argv) */
#define SYS_exit     6
#define SYS_wait     7   /* wait(&status) -> pid of an exited child */
#define SYS_sleep    8   /* sleep(ms) */
#define SYS_yield    9
#define SYS_uptime  10   /* milliseconds since boot */
#define SYS_shmap   11   /* map the shared page, return its address */
#define SYS_dirent  12   /* dirent(i, &de): the i-th file on disk */
#define SYS_fread   13   /* fread(name, off, buf, n) */
#define SYS_fwrite  14   /* fwrite(name, off, buf, n): within the file's current size */
#define SYS_kill    15
#define NSYSCALL    16

#endif
