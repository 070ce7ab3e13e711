/* SPDX-License-Identifier: MIT
 *
 * sensitive — the lecture's "x86 is not virtualizable" slide, run for real.  Popek and Goldberg's
 * condition for trap-and-emulate is that every *sensitive* instruction (one that reads or changes
 * machine state a VMM must control) is *privileged* (traps when run outside ring 0).  On x86, 17
 * instructions break it (Robin and Irvine, 2000): executed by a guest kernel deprivileged to ring 3, they
 * neither trap nor behave as they would in ring 0, so a trap-and-emulate VMM never gets control.
 *
 * This guest executes each of them at CPL 0 and again at CPL 3 (with IOPL 0, as a deprivileged guest
 * kernel would run) and prints one table row per instruction and CPL: did it trap, and what did the
 * guest observe.  Rows where CPL 3 shows "no" in the traps column and a different observation from
 * CPL 0 are the problem.  Exits 0 through port 0xF4.
 */
#include "../ring/ring.h"

uint32_t r[6];                         /* what each snippet observed */
#define SNIP(name, body) __asm__(".pushsection .text\n" #name ":\n" body "\n.popsection")
SNIP(x_pushf, "pushf\n pop %eax\n mov %eax, r\n ret");
SNIP(x_popf, "pushf\n pop %eax\n mov %eax, r\n and $~0x200, %eax\n push %eax\n popf\n pushf\n pop %eax\n"
	     "mov %eax, r+4\n ret");
SNIP(x_iret, "pushf\n pop %eax\n and $~0x200, %eax\n push %eax\n push %cs\n push $1f\n iret\n"
	     "1: pushf\n pop %eax\n mov %eax, r\n ret");
SNIP(x_lar, "xor %eax, %eax\n mov %cs, %ecx\n lar %ecx, %eax\n setz r+4\n mov %eax, r\n"
	    "xor %eax, %eax\n mov $0x08, %ecx\n lar %ecx, %eax\n setz r+12\n mov %eax, r+8\n ret");
SNIP(x_verr, "mov $0x10, %ecx\n verr %cx\n setz r\n verw %cx\n setz r+4\n ret");
SNIP(x_lsl, "xor %eax, %eax\n mov %ds, %ecx\n lsl %ecx, %eax\n setz r+4\n mov %eax, r\n ret");
SNIP(x_pushcs, "push %cs\n pop %eax\n mov %eax, r\n ret");
SNIP(x_movss, "mov %ss, %eax\n mov %eax, r\n ret");
SNIP(x_popds, "push %ds\n push $0x10\n pop %ds\n mov %ds, %eax\n mov %eax, r\n pop %ds\n ret");
SNIP(x_sgdt, "sgdt r\n ret");
SNIP(x_sidt, "sidt r\n ret");
SNIP(x_sldt, "movl $0xffff, r\n sldt r\n ret");
SNIP(x_str, "movl $0xffff, r\n str r\n ret");
SNIP(x_smsw, "smsw %eax\n mov %eax, r\n ret");
SNIP(x_ljmp, "ljmp $0x08, $1f\n 1: mov %cs, %eax\n mov %eax, r\n ret");
SNIP(x_lcall, "lcall $0x33, $0\n ret");
SNIP(x_gate, "mov %cs, %eax\n mov %eax, r\n mov 4(%esp), %eax\n mov %eax, r+4\n lret");
SNIP(x_int, "int $0x81\n ret");
SNIP(x_int0, "int $0x40\n ret");
extern void x_pushf(void), x_popf(void), x_iret(void), x_lar(void), x_verr(void), x_lsl(void), x_pushcs(void),
	x_movss(void), x_popds(void), x_sgdt(void), x_sidt(void), x_sldt(void), x_str(void), x_smsw(void),
	x_ljmp(void), x_lcall(void), x_gate(void), x_int(void), x_int0(void);

static int int_hook(struct frame *f)
{
	r[0] = f->cs & 0xffff;               /* who called: the RPL of the pushed CS is the caller's CPL */
	__asm__ volatile("mov %%cs, %0" : "=r"(r[1]));
	return 1;
}

static const char *trapname(int vec, uint32_t err)
{
	static char buf[24];
	static const char *names[] = { [6] = "#UD", [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF" };
	if (vec < 0)
		return "no";
	snprintf(buf, sizeof buf, "%s(%x)", vec < 15 && names[vec] ? names[vec] : "trap", err);
	return buf;
}

#define IF(fl) (((fl) >> 9) & 1)
static void describe(char *b, size_t n, void (*fn)(void), int cpl)
{
	uint32_t gbase = r[0] >> 16 | (r[1] & 0xffff) << 16, glimit = r[0] & 0xffff;
	if (fn == x_pushf)
		snprintf(b, n, "EFLAGS %x: IF=%d IOPL=%d", r[0], IF(r[0]), (r[0] >> 12) & 3);
	else if (fn == x_popf)
		snprintf(b, n, "tried to clear IF, IF is %s %d%s", IF(r[1]) ? "still" : "now", IF(r[1]),
			 IF(r[1]) ? " (no trap! the VMM cannot see the guest disable interrupts)" : "");
	else if (fn == x_iret)
		snprintf(b, n, "iret with IF=0 in the image: IF is %d%s", IF(r[0]), IF(r[0]) ? " (silently kept)" : "");
	else if (fn == x_lar)
		snprintf(b, n, "own CS: rights %x DPL=%d; kernel CS 0x08: %s", r[0], (r[0] >> 13) & 3,
			 r[3] & 1 ? "visible" : "ZF=0, not visible from here");
	else if (fn == x_verr)
		snprintf(b, n, "selector 0x10 (DPL 0 data): verr %s, verw %s", r[0] & 1 ? "ok" : "fails",
			 r[1] & 1 ? "ok" : "fails");
	else if (fn == x_lsl)
		snprintf(b, n, "limit of DS = %x (%s)", r[0], r[1] & 1 ? "segment size leaks" : "ZF=0");
	else if (fn == x_pushcs)
		snprintf(b, n, "pushed %x: RPL reveals CPL %d", r[0] & 0xffff, r[0] & 3);
	else if (fn == x_movss)
		snprintf(b, n, "SS = %x: RPL reveals CPL %d", r[0] & 0xffff, r[0] & 3);
	else if (fn == x_popds)
		snprintf(b, n, "loaded DS = %x", r[0] & 0xffff);
	else if (fn == x_sgdt || fn == x_sidt)
		snprintf(b, n, "%s base %x limit %x%s", fn == x_sgdt ? "GDT" : "IDT", gbase, glimit,
			 cpl ? " (no trap: a guest could see where the VMM put its tables)" : "");
	else if (fn == x_sldt)
		snprintf(b, n, "LDTR = %x", r[0] & 0xffff);
	else if (fn == x_str)
		snprintf(b, n, "TR = %x (the VMM's TSS selector)", r[0] & 0xffff);
	else if (fn == x_smsw)
		snprintf(b, n, "MSW %x (PE=%d MP=%d EM=%d TS=%d ET=%d): real CR0 bits", r[0] & 0xffff, r[0] & 1,
			 (r[0] >> 1) & 1, (r[0] >> 2) & 1, (r[0] >> 3) & 1, (r[0] >> 4) & 1);
	else if (fn == x_ljmp)
		snprintf(b, n, cpl ? "far jump into the ring-0 code segment refused" : "now running with CS %x",
			 r[0] & 0xffff);
	else if (fn == x_lcall)
		snprintf(b, n, "call gate ran at CS %x (CPL %d), caller CS %x: ring change without the VMM", r[0] & 0xffff,
			 r[0] & 3, r[1] & 0xffff);
	else if (fn == x_int)
		snprintf(b, n, "handler ran at CS %x, caller CPL %d: straight into the guest IDT", r[1] & 0xffff,
			 r[0] & 3);
	else if (fn == x_int0)
		snprintf(b, n, cpl ? "DPL-0 gate refuses ring 3" : "handler ran at CS %x", r[1] & 0xffff);
	else
		b[0] = 0;
}

/* The guest printf has no left-justification: print s padded with spaces to w columns. */
static void cell(const char *s, int w)
{
	printf("| %s", s);
	for (int k = (int)strlen(s); k < w; k++)
		printf(" ");
	printf(" ");
}

static void row(const char *insn, void (*fn)(void))
{
	for (int cpl = 0; cpl <= 3; cpl += 3) {
		char what[160];
		memset(r, 0, sizeof r);
		if (cpl == 0)
			sti();                /* so that popf/iret have an IF to try to clear at CPL 0 too */
		int v = run_catch(fn, cpl);
		cli();
		describe(what, sizeof what, fn, cpl);
		cell(insn, 22);
		printf("| %d   ", cpl);
		cell(trapname(v, caught.err), 10);
		printf("| %s\n", v < 0 ? what : "-");
	}
}

int kmain(uint32_t magic, struct multiboot_info *mbi)
{
	uart_init();
	ring_init();
	user_eflags = 0x202;                 /* ring 3 with IF = 1 and IOPL 0, like a deprivileged kernel */
	hooks[VEC_SYSCALL] = int_hook;
	hooks[VEC_DPL0] = int_hook;
	set_callgate(x_gate);

	printf("Sensitive but unprivileged x86 instructions, at CPL 0 and at CPL 3 (IOPL 0)\n");
	cell("instruction", 22);
	printf("| CPL ");
	cell("traps?", 10);
	printf("| what the guest saw\n");
	printf("|------------------------|-----|------------|-------------------\n");
	row("pushf", x_pushf);
	row("popf (clear IF)", x_popf);
	row("iret (same ring)", x_iret);
	row("lar", x_lar);
	row("verr/verw", x_verr);
	row("lsl", x_lsl);
	row("push %cs", x_pushcs);
	row("mov %ss, %eax", x_movss);
	row("pop %ds (0x10)", x_popds);
	row("sgdt", x_sgdt);
	row("sidt", x_sidt);
	row("sldt", x_sldt);
	row("str", x_str);
	row("smsw", x_smsw);
	row("ljmp $0x08", x_ljmp);
	row("lcall (call gate)", x_lcall);
	row("int $0x81 (DPL 3)", x_int);
	row("int $0x40 (DPL 0)", x_int0);
	printf("A trap-and-emulate VMM needs every sensitive instruction to trap at CPL 3: rows with \"no\"\n"
	       "and an observation that differs from CPL 0 are why classic x86 is not virtualizable.\n");
	return 0;
}
