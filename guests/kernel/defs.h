/* SPDX-License-Identifier: MIT
 *
 * defs.h — what the parts of the kernel offer each other: the trap frame and process structures, and
 * one block of declarations per file.  Reading this header top to bottom is a tour of the kernel in
 * boot order (main.c calls the *_init functions in this order).
 */
#ifndef KERNEL_DEFS_H
#define KERNEL_DEFS_H

#include "x86.h"
#include "param.h"

/* The registers a trap saves, in the order they sit on the kernel stack (lowest address first): pushal,
 * then the segment registers pushed by alltraps (vectors.S), then the vector and error code pushed by the
 * vector stub, then what the CPU itself pushed (SDM 6.12.1, figure 6-4).  esp and ss are only there
 * when the trap came from ring 3 (a privilege change). */
struct trapframe {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;   /* pushal */
	uint32_t gs, fs, es, ds;
	uint32_t trapno, err;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;                                        /* from ring 3 only */
};

/* Callee-saved registers of a kernel thread that gave up the CPU in swtch(); eip is swtch's return
 * address, so "resuming" a context means returning from swtch into it. */
struct context {
	uint32_t edi, esi, ebx, ebp, eip;
};

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
	enum procstate state;
	int pid;
	char name[16];
	uint32_t *pgdir;             /* this process's page directory (kernel half shared with everyone) */
	uint8_t *kstack;             /* one page: the trap frame sits at its top */
	struct trapframe *tf;        /* the user registers saved on entry to the kernel */
	struct context *context;     /* where swtch() left this process's kernel thread */
	struct proc *parent;
	const void *chan;            /* SLEEPING: what we wait for */
	int killed;                  /* exit at the next return to user mode */
	int xstatus;                 /* exit status, for the parent's wait() */
};

/* console.c — COM1 and the line discipline */
void console_init(void);
void console_start_input(void);
void console_intr(void);
void console_putc(int c);
int console_read(char *dst, int n);
int printf(const char *fmt, ...);
void panic(const char *fmt, ...) __attribute__((noreturn));
void poweroff(int status) __attribute__((noreturn));

/* fmt.c and string.c — shared with the user library */
typedef __builtin_va_list va_list;
#define va_start __builtin_va_start
#define va_end __builtin_va_end
#define va_arg __builtin_va_arg
int vformat(void (*put)(int c, void *arg), void *arg, const char *fmt, va_list ap);
int snprintf(char *buf, int n, const char *fmt, ...);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy0(char *d, const char *s, size_t n);

/* kalloc.c — physical page allocator */
void kalloc_init(uint32_t start, uint32_t end);
void *kalloc(void);
void kfree(void *page);
int kfree_count(void);

/* vm.c — segmentation, the kernel's address space and per-process page tables */
void seg_init(void);
void kvm_init(uint32_t phystop);
void switch_uvm(struct proc *p);
void switch_kvm(void);
uint32_t *uvm_create(void);
int uvm_alloc(uint32_t *pgdir, uint32_t va, uint32_t len, int perm);
void *uvm_phys(uint32_t *pgdir, uint32_t va);
uint32_t *uvm_copy(uint32_t *pgdir);
void uvm_free(uint32_t *pgdir);
int uvm_map_shared(uint32_t *pgdir, uint32_t va);
int user_ok(const void *p, uint32_t len, int write);
int user_str(const char *s, uint32_t max);

/* pic.c, mp.c, lapic.c, ioapic.c — interrupt controllers */
void pic_disable(void);
void mp_init(void);
extern uint32_t lapic_addr, ioapic_addr;
extern int isa_irq_pin[16];
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
extern uint32_t timer_hz;
void ioapic_init(void);
void ioapic_route(int irq, int vector);

/* ide.c and fs.c — the disk and its tiny file system */
int ide_init(void);
int ide_rw(uint32_t lba, void *buf, int write);
struct dirent;
int fs_init(void);
int fs_dirent(int i, struct dirent *de);
int fs_lookup(const char *name, struct dirent *de);
int fs_rw(const struct dirent *de, uint32_t off, void *buf, uint32_t n, int write);

/* trap.c */
void idt_init(void);
extern volatile uint32_t ticks;

/* proc.c */
extern struct proc *curproc;
struct proc *proc_alloc(void);
void user_init(const char *const *argv);
void scheduler(void) __attribute__((noreturn));
void yield(void);
void sleep(const void *chan);
void wakeup(const void *chan);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(int *status);
int kill(int pid);
void kill_all_but_init(void);
void swtch(struct context **old, struct context *new);

/* exec.c */
int exec(struct proc *p, const char *name, char *const *argv);

/* syscall.c */
void syscall(struct trapframe *tf);

#endif
