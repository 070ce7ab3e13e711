/* SPDX-License-Identifier: MIT
 *
 * st_paging.c — selftest checks of 32-bit paging (SDM Vol. 3A chapter 4): accessed and dirty bits
 * (4.8), the page-fault error code and CR2 (4.7), U/S and R/W with CR0.WP on and off (4.6), 4-MiB pages
 * under CR4.PSE (4.3), and TLB maintenance with invlpg and a CR3 reload (4.10.4).  The first 4 MiB are
 * identity-mapped for code and data; tests edit the page table behind TEST_VA.
 */
#include "st.h"

uint32_t pf_addr;
__asm__(".pushsection .text\n"
	"p_rd: mov pf_addr, %eax\n p_rd_i: mov (%eax), %eax\n ret\n"
	"p_wr: mov pf_addr, %eax\n p_wr_i: movl $0x1234, (%eax)\n ret\n"
	".popsection");
extern void p_rd(void), p_wr(void);
extern char p_rd_i[], p_wr_i[];

#define VA(n) (TEST_VA + 0x1000u * (n))
static volatile uint32_t *word(uint32_t va) { return (volatile uint32_t *)va; }
/* The compiler must not move our reads of the page tables across the accesses that set A and D. */
#define BARRIER() __asm__ volatile("" : : : "memory")

/* One access through run_catch, expecting #PF(err) with CR2 = the address, or (err < 0) no fault. */
static void pf_case(const char *name, int write, int cpl, uint32_t addr, int err)
{
	pf_addr = addr;
	int v = run_catch(write ? p_wr : p_rd, cpl);
	if (err < 0) {
		CHECK(name, v == -1, "unexpected %s err %x cr2 %x", vecname(v), caught.err, caught.cr2);
		return;
	}
	CHECK(name, v == 14 && caught.err == (uint32_t)err && caught.cr2 == addr &&
	      caught.eip == (uint32_t)(write ? p_wr_i : p_rd_i),
	      "want #PF err %x cr2 %x, got %s err %x cr2 %x eip %x", err, addr, vecname(v), caught.err, caught.cr2,
	      caught.eip);
}

static void map(int n, int frame, uint32_t flags)
{
	pt_test[n] = (uint32_t)test_frames[frame] | flags;
	invlpg(VA(n));
}

void st_paging(void)
{
	uint32_t v;

	for (int f = 0; f < 8; f++)
		for (int i = 0; i < 1024; i++)
			((uint32_t *)test_frames[f])[i] = 0xf0000000u | f << 16 | i;
	paging_build();
	paging_on(0);
	CHECK("paging-on-identity", read_cr0() >> 31 && read_cr3() == (uint32_t)pd, "cr0 %x cr3 %x", read_cr0(),
	      read_cr3());

	/* Accessed on any access, dirty on a write, in the PTE and (A) in the PDE (SDM 4.8). */
	pd[TEST_VA >> 22] &= ~PTE_A;
	map(0, 0, PTE_P | PTE_W);
	v = *word(VA(0) + 8);
	BARRIER();
	CHECK("pte-read-translates", v == 0xf0000002u, "read %x, want f0000002", v);
	CHECK("pte-accessed-on-read", (pt_test[0] & (PTE_A | PTE_D)) == PTE_A, "PTE %x: want A=1 D=0", pt_test[0]);
	CHECK("pde-accessed", pd[TEST_VA >> 22] & PTE_A, "PDE %x: want A=1", pd[TEST_VA >> 22]);
	*word(VA(0) + 12) = 0xabcd;
	BARRIER();
	CHECK("pte-dirty-on-write", (pt_test[0] & PTE_D) && ((uint32_t *)test_frames[0])[3] == 0xabcd,
	      "PTE %x, frame word %x", pt_test[0], ((uint32_t *)test_frames[0])[3]);
	CHECK("pde-never-dirty-4k", !(pd[TEST_VA >> 22] & PTE_D), "PDE %x has D set", pd[TEST_VA >> 22]);

	/* Error code bits: P (0 = not present), W/R (1 = write), U/S (1 = CPL 3) (SDM 4.7, Figure 4-12). */
	pt_test[1] = 0;
	invlpg(VA(1));
	pf_case("pf-not-present-read-cpl0", 0, 0, VA(1) + 0x10, 0);
	pf_case("pf-not-present-write-cpl0", 1, 0, VA(1) + 0x14, 2);
	pf_case("pf-not-present-read-cpl3", 0, 3, VA(1) + 0x18, 4);
	pf_case("pf-not-present-write-cpl3", 1, 3, VA(1) + 0x1c, 6);
	pf_case("pf-supervisor-page-read-cpl3", 0, 3, VA(0) + 4, 5);
	pf_case("pf-supervisor-page-write-cpl3", 1, 3, VA(0) + 4, 7);

	/* Read-only user page: ring 3 can never write it; ring 0 can unless CR0.WP (SDM 4.6.1). */
	map(2, 2, PTE_P | PTE_U);
	pf_case("ro-page-read-cpl3-ok", 0, 3, VA(2), -1);
	pf_case("ro-page-write-cpl3", 1, 3, VA(2) + 0x20, 7);
	pf_case("ro-page-write-cpl0-wp0-ok", 1, 0, VA(2) + 0x24, -1);
	write_cr0(read_cr0() | 0x10000);
	pf_case("ro-page-write-cpl0-wp1", 1, 0, VA(2) + 0x28, 3);
	pf_case("ro-page-write-cpl3-wp1", 1, 3, VA(2) + 0x2c, 7);
	write_cr0(read_cr0() & ~0x10000u);

	/* TLB maintenance: after invlpg or a CR3 write the new PTE must be used (SDM 4.10.4.1). */
	map(3, 3, PTE_P | PTE_W);
	v = *word(VA(3));
	BARRIER();
	pt_test[3] = (uint32_t)test_frames[4] | PTE_P | PTE_W;
	invlpg(VA(3));
	v = *word(VA(3));
	BARRIER();
	CHECK("invlpg-sees-new-pte", v == 0xf0040000u, "read %x, want f0040000 (frame 4)", v);
	pt_test[3] = (uint32_t)test_frames[5] | PTE_P | PTE_W;
	write_cr3(read_cr3());
	v = *word(VA(3));
	BARRIER();
	CHECK("cr3-reload-sees-new-pte", v == 0xf0050000u, "read %x, want f0050000 (frame 5)", v);
	pt_test[3] = 0;
	invlpg(VA(3));
	pf_case("invlpg-after-clearing-p", 0, 0, VA(3), 0);

	/* A 4-MiB page (PDE.PS with CR4.PSE): VA 0x80000000 aliases physical 0; A and D live in the PDE. */
	pd[0x80000000u >> 22] = 0 | PTE_PS | PTE_P | PTE_W;
	invlpg(0x80000000u);
	volatile uint32_t *alias = (volatile uint32_t *)(0x80000000u + (uint32_t)test_frames[6]);
	v = alias[5];
	BARRIER();
	CHECK("pse-4m-read-translates", v == 0xf0060005u, "read %x, want f0060005", v);
	CHECK("pse-4m-accessed", (pd[0x200] & (PTE_A | PTE_D)) == PTE_A, "PDE %x: want A=1 D=0", pd[0x200]);
	alias[6] = 0x5a5a;
	BARRIER();
	CHECK("pse-4m-dirty", (pd[0x200] & PTE_D) && ((uint32_t *)test_frames[6])[6] == 0x5a5a, "PDE %x word %x",
	      pd[0x200], ((uint32_t *)test_frames[6])[6]);
	alias = (volatile uint32_t *)(0x80000000u + 0x3ffffcu);   /* last word of the large page */
	v = *alias;
	CHECK("pse-4m-high-offset", v == *(volatile uint32_t *)0x3ffffcu, "alias %x, direct %x", v,
	      *(volatile uint32_t *)0x3ffffcu);

	paging_off();
}
