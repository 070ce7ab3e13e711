/* SPDX-License-Identifier: MIT
 *
 * x86.h — architectural constants of IA-32: EFLAGS bits, control-register bits, exception vectors,
 * segment-descriptor and page-table-entry fields.  Names and values follow the Intel SDM vol. 3A
 * (2.3 "System flags", 2.5 "Control registers", 3.4.5 "Segment descriptors", 4.3 "32-bit paging",
 * 6.3.1 "Exception and interrupt vectors").  Only constants live here; no code.
 */
#ifndef REVISOR_X86_H
#define REVISOR_X86_H

/* EFLAGS (SDM vol. 1, 3.4.3) */
#define FL_CF   0x00000001u  /* carry */
#define FL_1    0x00000002u  /* reserved, always 1 */
#define FL_PF   0x00000004u  /* parity of low byte */
#define FL_AF   0x00000010u  /* adjust (BCD carry out of bit 3) */
#define FL_ZF   0x00000040u  /* zero */
#define FL_SF   0x00000080u  /* sign */
#define FL_TF   0x00000100u  /* trap (single step) */
#define FL_IF   0x00000200u  /* interrupt enable */
#define FL_DF   0x00000400u  /* direction for string instructions */
#define FL_OF   0x00000800u  /* overflow */
#define FL_IOPL 0x00003000u  /* I/O privilege level (2 bits) */
#define FL_IOPL_SHIFT 12
#define FL_NT   0x00004000u  /* nested task */
#define FL_RF   0x00010000u  /* resume */
#define FL_VM   0x00020000u  /* virtual-8086 mode (not supported: stays 0) */
#define FL_AC   0x00040000u  /* alignment check */
#define FL_VIF  0x00080000u
#define FL_VIP  0x00100000u
#define FL_ID   0x00200000u  /* CPUID available (software may toggle it) */
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF) /* the six status flags */

/* CR0 (SDM vol. 3A, 2.5) */
#define CR0_PE  0x00000001u  /* protection enable */
#define CR0_MP  0x00000002u  /* monitor coprocessor */
#define CR0_EM  0x00000004u  /* x87 emulation: FPU instructions raise #NM */
#define CR0_TS  0x00000008u  /* task switched: FPU instructions raise #NM */
#define CR0_ET  0x00000010u  /* extension type, hardwired 1 */
#define CR0_NE  0x00000020u  /* numeric error reporting via #MF */
#define CR0_WP  0x00010000u  /* supervisor writes honour read-only pages */
#define CR0_AM  0x00040000u  /* alignment mask */
#define CR0_NW  0x20000000u
#define CR0_CD  0x40000000u
#define CR0_PG  0x80000000u  /* paging */

/* CR4 */
#define CR4_VME 0x00000001u
#define CR4_PVI 0x00000002u
#define CR4_TSD 0x00000004u  /* rdtsc privileged at CPL>0 */
#define CR4_DE  0x00000008u
#define CR4_PSE 0x00000010u  /* 4 MiB pages with 32-bit paging */
#define CR4_PAE 0x00000020u  /* not supported: writes with PAE set raise #GP */
#define CR4_MCE 0x00000040u
#define CR4_PGE 0x00000080u  /* global pages */
#define CR4_PCE 0x00000100u
#define CR4_OSFXSR 0x00000200u

/* Exception vectors (SDM vol. 3A, table 6-1) */
#define EXC_DE  0   /* divide error */
#define EXC_DB  1   /* debug */
#define EXC_NMI 2
#define EXC_BP  3   /* int3 */
#define EXC_OF  4   /* into */
#define EXC_BR  5   /* bound */
#define EXC_UD  6   /* invalid opcode */
#define EXC_NM  7   /* device not available */
#define EXC_DF  8   /* double fault */
#define EXC_TS  10  /* invalid TSS */
#define EXC_NP  11  /* segment not present */
#define EXC_SS  12  /* stack fault */
#define EXC_GP  13  /* general protection */
#define EXC_PF  14  /* page fault */
#define EXC_MF  16  /* x87 floating-point error */
#define EXC_AC  17  /* alignment check */
#define EXC_MC  18
#define EXC_XM  19

/* Selector fields */
#define SEL_RPL   0x0003u
#define SEL_TI    0x0004u    /* 1 = LDT */
#define SEL_INDEX 0xfff8u

/* Segment descriptor: the "attr" field of struct seg keeps bits 40..55 of the descriptor, i.e.
 * access byte in bits 0..7 and the flags nibble (AVL, L, D/B, G) in bits 12..15. */
#define DESC_TYPE     0x000fu  /* type field */
#define DESC_A        0x0001u  /* accessed (code/data) */
#define DESC_W        0x0002u  /* writable (data) */
#define DESC_R        0x0002u  /* readable (code) */
#define DESC_E        0x0004u  /* expand-down (data) */
#define DESC_C        0x0004u  /* conforming (code) */
#define DESC_CODE     0x0008u  /* code segment (with DESC_S) */
#define DESC_S        0x0010u  /* 1 = code/data, 0 = system */
#define DESC_DPL      0x0060u
#define DESC_DPL_SHIFT 5
#define DESC_P        0x0080u  /* present */
#define DESC_AVL      0x1000u
#define DESC_DB       0x4000u  /* default operand size 32 (code) / big (stack) */
#define DESC_G        0x8000u  /* limit in 4 KiB units */

/* System descriptor types (DESC_S == 0) */
#define SYS_TSS16_AVAIL 0x1
#define SYS_LDT         0x2
#define SYS_TSS16_BUSY  0x3
#define SYS_CALLGATE16  0x4
#define SYS_TASKGATE    0x5
#define SYS_INTGATE16   0x6
#define SYS_TRAPGATE16  0x7
#define SYS_TSS32_AVAIL 0x9
#define SYS_TSS32_BUSY  0xb
#define SYS_CALLGATE32  0xc
#define SYS_INTGATE32   0xe
#define SYS_TRAPGATE32  0xf

/* 32-bit paging entries (SDM vol. 3A, 4.3) */
#define PTE_P    0x001u  /* present */
#define PTE_W    0x002u  /* writable */
#define PTE_U    0x004u  /* user */
#define PTE_PWT  0x008u
#define PTE_PCD  0x010u
#define PTE_A    0x020u  /* accessed */
#define PTE_D    0x040u  /* dirty */
#define PTE_PS   0x080u  /* 4 MiB page (in a PDE, with CR4.PSE) */
#define PTE_G    0x100u  /* global */
#define PTE_FRAME 0xfffff000u

/* Page-fault error code bits (SDM vol. 3A, 4.7) */
#define PFEC_P    0x01u  /* 0 = not present, 1 = protection violation */
#define PFEC_W    0x02u  /* write access */
#define PFEC_U    0x04u  /* access from CPL 3 */
#define PFEC_RSVD 0x08u
#define PFEC_I    0x10u  /* instruction fetch */

/* Selector error code (SDM vol. 3A, 6.13) */
#define ERR_EXT 0x1u     /* event external to the program */
#define ERR_IDT 0x2u     /* index refers to the IDT */
#define ERR_TI  0x4u     /* index refers to the LDT */

/* MSRs we implement */
#define MSR_TSC         0x010
#define MSR_APIC_BASE   0x01b
#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0

#endif
