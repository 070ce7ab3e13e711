/* SPDX-License-Identifier: MIT
 *
 * costs — the lecture's "cycle costs" table (Bochs 2.3.5/2.3.7 and QEMU 0.9.0, from Adams and Agesen,
 * ASPLOS'06) as microbenchmarks measured with rdtsc: each row times a loop of N iterations of 10 copies
 * of the operation, subtracts the same loop without the operation, and divides by the operation count.
 *
 * On real hardware and QEMU rdtsc counts CPU cycles (roughly); on revisor it counts retired guest
 * instructions (virtual time: one instruction = one nanosecond), so there a row reads "guest
 * instructions per operation": 1 for a simple instruction, and for a system call or a page fault the
 * length of the whole path through the guest kernel.  The interesting revisor numbers are therefore the
 * host's: run it under `perf` or compare wall-clock times; the table shows what the guest itself sees.
 * Loop counts keep the whole run near 15 million instructions.  Exits 0 through port 0xF4.
 */
#include "../ring/ring.h"

/* Benchmark bodies: void b_xxx(uint32_t n) runs n iterations of 10 operations (cdecl, n on the stack).
 * They use only EAX, ECX, EDX (caller-saved) so they need no prologue. */
#define BENCH(name, setup, op, teardown)                                                      \
	__asm__(".pushsection .text\n" #name ":\n mov 4(%esp), %ecx\n" setup "\n1:\n .rept 10\n" op \
		"\n .endr\n dec %ecx\n jnz 1b\n" teardown "\n ret\n.popsection");                 \
	extern void name(uint32_t n)

uint32_t mem_a, mem_b, mem_c;
BENCH(b_empty, "", "", "");
BENCH(b_mov, "", "mov %eax, %edx", "");
BENCH(b_movsx, "", "movsx %dl, %eax", "");
BENCH(b_add, "", "add %eax, %edx", "");
BENCH(b_sbb, "", "sbb %eax, %edx", "");
BENCH(b_fmul, "fld1\n fld1", "fmul %st(1), %st", "fstp %st\n fstp %st");
BENCH(b_store, "", "movl $1, mem_a", "");
BENCH(b_ldst, "", "mov mem_a, %eax\n mov %eax, mem_b", "");
BENCH(b_rmw, "", "add %eax, mem_c", "");
BENCH(b_icall, "mov $b_ret, %eax", "call *%eax", "");
BENCH(b_peak, "", "add %eax, %edx", "");
__asm__(".pushsection .text\nb_ret: ret\n.popsection");

/* The system-call rows run at CPL 3: the loop count comes from a global (run_catch passes nothing). */
uint32_t user_n;
__asm__(".pushsection .text\n"
	"u_sys: mov user_n, %ecx\n 1: int $0x81\n dec %ecx\n jnz 1b\n ret\n"
	"u_nosys: mov user_n, %ecx\n 1: nop\n dec %ecx\n jnz 1b\n ret\n"
	".popsection");
extern void u_sys(void), u_nosys(void);

static uint64_t time_bench(void (*b)(uint32_t), uint32_t n)
{
	uint64_t t0 = rdtsc();
	b(n);
	return rdtsc() - t0;
}

static uint64_t time_user(void (*fn)(void), uint32_t n)
{
	user_n = n;
	uint64_t t0 = rdtsc();
	run_catch(fn, 3);
	return rdtsc() - t0;
}

/* "VirtualProtect": the in-guest kernel flips the R/W bit of a page's PTE and invalidates its TLB entry. */
static int protect_hook(struct frame *f)
{
	pt_test[0] ^= PTE_W;
	invlpg(TEST_VA);
	return 1;
}

/* Page-fault handler: map the missing test page and retry the instruction. */
static int pf_hook(struct frame *f)
{
	uint32_t va = read_cr2() & ~0xfffu;
	if (va != TEST_VA + 0x1000)
		return 0;                   /* not ours: let the dispatcher report it */
	pt_test[1] = (uint32_t)test_frames[1] | PTE_P | PTE_W;
	return 1;
}

static uint64_t time_faults(uint32_t n, int fault)
{
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x1000);
	uint64_t t0 = rdtsc();
	for (uint32_t k = 0; k < n; k++) {
		pt_test[1] = fault ? 0 : (uint32_t)test_frames[1] | PTE_P | PTE_W;
		invlpg(TEST_VA + 0x1000);
		(void)*p;
	}
	return rdtsc() - t0;
}

static void row(const char *name, uint64_t ticks, uint64_t base, uint64_t ops)
{
	uint64_t d = ticks > base ? ticks - base : 0;
	uint64_t x100 = (d * 100 + ops / 2) / ops;        /* two decimals, rounded */
	printf("%s", name);
	for (int k = (int)strlen(name); k < 48; k++)
		printf(" ");
	printf("%8llu.%02llu\n", x100 / 100, x100 % 100);
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
	const uint32_t n = 10000, ns = 2000, np = 1000000;
	uint64_t empty;

	uart_init();
	ring_init();
	paging_build();
	pt_test[0] = (uint32_t)test_frames[0] | PTE_P | PTE_W | PTE_U;
	paging_on(1);
	hooks[VEC_SYSCALL] = protect_hook;
	hooks[14] = pf_hook;

	printf("Cycle costs (lecture table) measured with rdtsc%s\n",
	       on_revisor() ? ": on revisor rdtsc counts retired instructions, so ticks are instructions" : "");
	printf("operation                                        ticks/op\n");
	empty = time_bench(b_empty, n);
	row("register move (MOV)", time_bench(b_mov, n), empty, 10ull * n);
	row("register move (MOVSX)", time_bench(b_movsx, n), empty, 10ull * n);
	row("register arithmetic (ADD)", time_bench(b_add, n), empty, 10ull * n);
	row("register arithmetic (SBB)", time_bench(b_sbb, n), empty, 10ull * n);
	row("floating point multiply (FMUL)", time_bench(b_fmul, n), empty, 10ull * n);
	row("memory store of constant", time_bench(b_store, n), empty, 10ull * n);
	row("pair of memory load and store", time_bench(b_ldst, n), empty, 10ull * n);
	row("non-atomic read-modify-write (ADD [mem], reg)", time_bench(b_rmw, n), empty, 10ull * n);
	row("indirect call through EAX (call + ret)", time_bench(b_icall, n), empty, 10ull * n);
	row("system call changing a page's protection", time_user(u_sys, ns), time_user(u_nosys, ns), ns);
	row("page fault and handler", time_faults(ns, 1), time_faults(ns, 0), ns);
	uint64_t peak = time_bench(b_peak, np);
	uint64_t ipt100 = peak ? (12ull * np * 100 + peak / 2) / peak : 0;   /* 10 adds + dec + jnz per iteration */
	printf("peak rate: %u instructions in %llu ticks = %llu.%02llu instructions per tick\n", 12 * np, peak,
	       ipt100 / 100, ipt100 % 100);
	paging_off();
	return 0;
}
