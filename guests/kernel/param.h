/* SPDX-License-Identifier: MIT
 *
 * param.h — the kernel's tunable sizes and the user address-space layout, in one place.  The layout is
 * shared with the user programs' linker script (user/user.ld links them at USERBASE).
 *
 *   0x00000000 .. PHYSTOP      kernel: identity-mapped physical memory, supervisor only, in every
 *                              address space (so the kernel keeps running when CR3 changes)
 *   0x40000000 (USERBASE)      user program text, data and bss, from the ELF file
 *   0x70000000 (SHAREDVA)      the shared page, once a process calls shmap()
 *   0x7FFF0000 .. USERTOP      user stack (USTACKPAGES pages), growing down from USERTOP
 *   0xFEC00000, 0xFEE00000     I/O APIC and local APIC registers, supervisor only
 */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NPROC        16            /* process table size */
#define MAXPHYS      0x2000000     /* use at most 32 MiB of RAM */
#define USERBASE     0x40000000
#define SHAREDVA     0x70000000
#define USERTOP      0x80000000
#define USTACKPAGES  4
#define MAXARG       16            /* arguments to exec */
#define TIMER_HZ     10000         /* LAPIC timer rate = preemption rate (100 us of virtual time) */
#define SYSCALL_VEC  0x40          /* int 0x40 enters the kernel */

/* Interrupt vectors (0-31 are the CPU's exceptions). */
#define VEC_PIC      0x20          /* 8259 remapped here (0x20-0x2F) and masked: only spurious IRQs arrive */
#define VEC_TIMER    0x30          /* LAPIC timer */
#define VEC_COM1     0x34          /* COM1 (ISA IRQ 4) through the I/O APIC */
#define VEC_ERROR    0x3E          /* LAPIC error */
#define VEC_SPURIOUS 0xFF          /* LAPIC spurious-interrupt vector (low nibble must be 1111 on old APICs) */

#endif
