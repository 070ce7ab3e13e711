/* SPDX-License-Identifier: MIT
 *
 * test_mmu.c — paging and the software TLB (src/cpu/mmu.c, through the accessors of segmem.c), checked
 * against SDM vol. 3A chapter 4: the 32-bit walk with 4 KiB and 4 MiB pages, accessed/dirty bits, the
 * U/S and R/W rules with CR0.WP both ways, page-fault error codes and CR2, TLB staleness until INVLPG,
 * page-crossing atomicity, code-page write tracking, and instruction fetch across pages.
 *
 * The machine is built by hand (flat 32-bit protected mode, CPL 0) so only the memory code is exercised.
 */
#include <check.h>
#include <setjmp.h>
#include "machine.h"
#include "cpu/mem.h"
#include "testutil.h"

#define PD 0x100000u   /* page directory */
#define PT 0x101000u   /* the page table for linear 0x400000..0x7fffff (PDE 1) */

static void flat(struct cpu *c, unsigned s, uint16_t attr)
{
	c->seg[s] = (struct seg){ .sel = 0x10, .attr = attr, .base = 0, .limit = 0xffffffffu };
}

/* A machine in flat protected mode with paging on: PDE 1 -> PT (user, writable), no PTEs yet. */
static struct machine *mk(void)
{
	struct machine *m = machine_new(16u << 20);
	struct cpu *c = &m->cpu;

	ck_assert_ptr_nonnull(m);
	for (unsigned s = 0; s < 6; s++)
		flat(c, s, 0xc093);
	flat(c, S_CS, 0xc09b);
	c->cpl = 0;
	c->cr4 = 0;
	c->cr3 = PD;
	phys_write(m, PD + 1 * 4, 4, PT | PTE_P | PTE_W | PTE_U);
	c->cr0 = CR0_PE | CR0_ET | CR0_PG;
	tlb_flush(c);
	return m;
}

static void map(struct machine *m, uint32_t lin, uint32_t pa, uint32_t flags)
{
	phys_write(m, PT + ((lin >> 12) & 0x3ff) * 4, 4, (pa & PTE_FRAME) | flags);
}

static uint32_t pte(struct machine *m, uint32_t lin)
{
	return phys_read(m, PT + ((lin >> 12) & 0x3ff) * 4, 4);
}


START_TEST(paging_off_is_identity)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	c->cr0 &= ~CR0_PG;
	tlb_flush(c);
	phys_write(m, 0x5000, 4, 0xdeadbeef);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x5000, 4));
	ck_assert_uint_eq(v, 0xdeadbeef);
	NO_FAULT(c, seg_write(c, S_DS, 0x5002, 2, 0x1234));
	ck_assert_uint_eq(phys_read(m, 0x5000, 4), 0x1234beef);
	/* The TLB now maps the page straight to RAM, with a write tag. */
	ck_assert_uint_eq(c->tlb[0][5].tag_w, 0x5000);
	ck_assert_ptr_eq(c->tlb[0][5].host, m->ram + 0x5000);
	machine_free(m);
}
END_TEST

START_TEST(walk_4k_sets_accessed_then_dirty)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	map(m, 0x401000, 0x200000, PTE_P | PTE_W);
	phys_write(m, 0x200010, 4, 0x11223344);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x401010, 4));
	ck_assert_uint_eq(v, 0x11223344);
	/* A read sets A in the PDE and the PTE but not D (SDM 4.8). */
	ck_assert(phys_read(m, PD + 4, 4) & PTE_A);
	ck_assert(pte(m, 0x401000) & PTE_A);
	ck_assert(!(pte(m, 0x401000) & PTE_D));
	ck_assert_uint_eq(c->tlb[0][1].tag_r, 0x401000);
	ck_assert_uint_eq(c->tlb[0][1].tag_w, TLB_INVALID);   /* D clear: no write tag yet */

	/* The first write walks again and sets D; then the write tag is given. */
	NO_FAULT(c, seg_write(c, S_DS, 0x401014, 4, 0xcafef00d));
	ck_assert(pte(m, 0x401000) & PTE_D);
	ck_assert_uint_eq(phys_read(m, 0x200014, 4), 0xcafef00d);
	ck_assert_uint_eq(c->tlb[0][1].tag_w, 0x401000);
	machine_free(m);
}
END_TEST

START_TEST(walk_4m_page)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	c->cr4 |= CR4_PSE;
	phys_write(m, PD + 2 * 4, 4, 0xc00000 | PTE_PS | PTE_P | PTE_W);   /* linear 8 MiB -> phys 12 MiB */
	phys_write(m, 0xc01234, 4, 0x55aa55aa);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x801234, 4));
	ck_assert_uint_eq(v, 0x55aa55aa);
	ck_assert(phys_read(m, PD + 8, 4) & PTE_A);
	ck_assert(!(phys_read(m, PD + 8, 4) & PTE_D));
	NO_FAULT(c, seg_write(c, S_DS, 0xbffffc, 4, 0x01020304));   /* last dword of the 4 MiB page */
	ck_assert_uint_eq(phys_read(m, 0xfffffc, 4), 0x01020304);
	ck_assert(phys_read(m, PD + 8, 4) & PTE_D);                 /* D goes in the PDE */

	/* Reserved bits 21:13 of a 4 MiB PDE: #PF with P|RSVD. */
	phys_write(m, PD + 3 * 4, 4, 0xc00000 | 0x2000 | PTE_PS | PTE_P | PTE_W);
	EXPECT_FAULT(c, seg_read(c, S_DS, 0xc00000, 1), EXC_PF, PFEC_P | PFEC_RSVD);
	machine_free(m);
}
END_TEST

START_TEST(ps_ignored_without_pse)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	/* Without CR4.PSE the PS bit is ignored and the PDE points at a page table (SDM 4.3). */
	phys_write(m, PD + 2 * 4, 4, 0x102000 | PTE_PS | PTE_P | PTE_W);
	phys_write(m, 0x102000 + 5 * 4, 4, 0x300000 | PTE_P);
	phys_write(m, 0x300008, 4, 77);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x805008, 4));
	ck_assert_uint_eq(v, 77);
	machine_free(m);
}
END_TEST

START_TEST(not_present_error_codes_and_cr2)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;

	/* PDE not present */
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x12345678, 4), EXC_PF, 0);
	ck_assert_uint_eq(c->cr2, 0x12345678);
	/* PTE not present, write */
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x403abc, 1, 0), EXC_PF, PFEC_W);
	ck_assert_uint_eq(c->cr2, 0x403abc);
	/* from CPL 3 */
	c->cpl = 3;
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x403001, 2, 0), EXC_PF, PFEC_W | PFEC_U);
	ck_assert_uint_eq(c->cr2, 0x403001);
	/* No A bit is set by a failed walk (this implementation's documented choice). */
	ck_assert(!(phys_read(m, PD + 4, 4) & PTE_A));
	machine_free(m);
}
END_TEST

START_TEST(user_supervisor)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	map(m, 0x400000, 0x200000, PTE_P | PTE_W);            /* supervisor page */
	map(m, 0x401000, 0x201000, PTE_P | PTE_W | PTE_U);    /* user page */
	c->cpl = 3;
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x400010, 4), EXC_PF, PFEC_P | PFEC_U);
	ck_assert_uint_eq(c->cr2, 0x400010);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x400010, 4, 1), EXC_PF, PFEC_P | PFEC_W | PFEC_U);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x401010, 4));
	NO_FAULT(c, seg_write(c, S_DS, 0x401010, 4, 9));
	/* Implicit system accesses are supervisor even at CPL 3. */
	NO_FAULT(c, v = lin_read(c, 0x400000, 4, LIN_SYS));
	EXPECT_FAULT(c, lin_read(c, 0x400000, 4, LIN_USER_CPL), EXC_PF, PFEC_P | PFEC_U);
	/* The supervisor may use user pages. */
	c->cpl = 0;
	NO_FAULT(c, v = seg_read(c, S_DS, 0x401010, 4));
	ck_assert_uint_eq(v, 9);

	/* U must be set at both levels: a user PTE under a supervisor PDE is supervisor-only. */
	phys_write(m, PD + 4, 4, PT | PTE_P | PTE_W);
	tlb_flush(c);
	c->cpl = 3;
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x401010, 4), EXC_PF, PFEC_P | PFEC_U);
	machine_free(m);
}
END_TEST

START_TEST(read_only_and_wp)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;

	map(m, 0x402000, 0x202000, PTE_P | PTE_U);   /* read-only user page */
	/* CR0.WP = 0: the supervisor writes read-only pages. */
	NO_FAULT(c, seg_write(c, S_DS, 0x402000, 4, 0xabcd));
	ck_assert_uint_eq(phys_read(m, 0x202000, 4), 0xabcd);
	ck_assert(pte(m, 0x402000) & PTE_D);
	/* CR0.WP = 1 (with the TLB flush a CR0 write does): it faults, P|W. */
	c->cr0 |= CR0_WP;
	tlb_flush(c);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x402004, 4, 1), EXC_PF, PFEC_P | PFEC_W);
	ck_assert_uint_eq(c->cr2, 0x402004);
	/* User writes fault whatever WP says. */
	c->cpl = 3;
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x402004, 1, 1), EXC_PF, PFEC_P | PFEC_W | PFEC_U);
	c->cr0 &= ~CR0_WP;
	tlb_flush(c);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x402004, 1, 1), EXC_PF, PFEC_P | PFEC_W | PFEC_U);

	/* W must be set at both levels for user writes. */
	map(m, 0x403000, 0x203000, PTE_P | PTE_W | PTE_U);
	phys_write(m, PD + 4, 4, PT | PTE_P | PTE_U);
	tlb_flush(c);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x403000, 1, 1), EXC_PF, PFEC_P | PFEC_W | PFEC_U);
	machine_free(m);
}
END_TEST

START_TEST(tlb_keeps_stale_entries_until_invlpg)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	phys_write(m, 0x210000, 4, 111);
	phys_write(m, 0x211000, 4, 222);
	map(m, 0x404000, 0x210000, PTE_P | PTE_W);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x404000, 4));
	ck_assert_uint_eq(v, 111);
	/* Remap without invalidating: like a real TLB, the old translation is still used. */
	map(m, 0x404000, 0x211000, PTE_P | PTE_W);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x404000, 4));
	ck_assert_uint_eq(v, 111);
	tlb_flush_page(c, 0x404abc);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x404000, 4));
	ck_assert_uint_eq(v, 222);
	/* Unmapping is also invisible until a flush (here: a whole flush, as on a CR3 write). */
	map(m, 0x404000, 0, 0);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x404000, 4));
	ck_assert_uint_eq(v, 222);
	tlb_flush(c);
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x404000, 4), EXC_PF, 0);
	machine_free(m);
}
END_TEST

START_TEST(invlpg_drops_whole_large_page)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	c->cr4 |= CR4_PSE;
	phys_write(m, PD + 2 * 4, 4, 0xc00000 | PTE_PS | PTE_P | PTE_W);
	phys_write(m, 0xc05000, 4, 5);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x805000, 4));
	ck_assert_uint_eq(v, 5);
	phys_write(m, PD + 2 * 4, 4, 0);
	tlb_flush_page(c, 0x800000);   /* another address in the same 4 MiB page */
	EXPECT_FAULT(c, seg_read(c, S_DS, 0x805000, 4), EXC_PF, 0);
	machine_free(m);
}
END_TEST

START_TEST(page_crossing_write_is_atomic)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	static const uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t v = 0;

	map(m, 0x405000, 0x220000, PTE_P | PTE_W);      /* 0x406000 is not present */
	phys_write(m, 0x220ffc, 4, 0xaaaaaaaa);
	EXPECT_FAULT(c, seg_write(c, S_DS, 0x405ffe, 4, 0x12345678), EXC_PF, PFEC_W);
	ck_assert_uint_eq(c->cr2, 0x406000);            /* the first byte of the missing page */
	ck_assert_uint_eq(phys_read(m, 0x220ffc, 4), 0xaaaaaaaa);
	EXPECT_FAULT(c, seg_write_buf(c, S_DS, 0x405ffc, buf, 8), EXC_PF, PFEC_W);
	ck_assert_uint_eq(phys_read(m, 0x220ffc, 4), 0xaaaaaaaa);
	EXPECT_FAULT(c, seg_probe_write(c, S_DS, 0x405fff, 2), EXC_PF, PFEC_W);

	/* Mapped to a non-adjacent physical page, the split write and read work, little-endian. */
	map(m, 0x406000, 0x300000, PTE_P | PTE_W);
	NO_FAULT(c, seg_write(c, S_DS, 0x405ffe, 4, 0x12345678));
	ck_assert_uint_eq(phys_read(m, 0x220ffe, 2), 0x5678);
	ck_assert_uint_eq(phys_read(m, 0x300000, 2), 0x1234);
	NO_FAULT(c, v = seg_read(c, S_DS, 0x405fff, 2));
	ck_assert_uint_eq(v, 0x3456);
	machine_free(m);
}
END_TEST

static int code_written_calls;
static uint32_t code_written_pa;
static void fake_code_written(struct machine *m, uint32_t pa, uint32_t len)
{
	(void)m;
	(void)len;
	code_written_calls++;
	code_written_pa = pa;
}
static const struct backend fake_backend = { .name = "fake", .code_written = fake_code_written };

START_TEST(store_to_code_page_bumps_generation)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t gen;

	m->backend = &fake_backend;
	code_written_calls = 0;
	map(m, 0x407000, 0x230000, PTE_P | PTE_W | PTE_D);
	NO_FAULT(c, seg_write(c, S_DS, 0x407000, 4, 1));   /* fills a write tag */
	ck_assert_uint_eq(c->tlb[0][7].tag_w, 0x407000);
	gen = m->page_gen[0x230];

	mem_mark_code_page(m, 0x230123);
	ck_assert_uint_eq(m->page_code[0x230], 1);
	ck_assert_uint_eq(c->tlb[0][7].tag_w, TLB_INVALID);   /* write tag taken away */
	ck_assert_uint_eq(c->tlb[0][7].tag_r, 0x407000);      /* reads still fast */
	NO_FAULT(c, seg_write(c, S_DS, 0x407010, 1, 0x90));
	ck_assert_uint_eq(m->page_gen[0x230], gen + 1);
	ck_assert_uint_eq(m->page_code[0x230], 0);
	ck_assert_int_eq(code_written_calls, 1);
	ck_assert_uint_eq(code_written_pa, 0x230010);
	/* A second store: no code is cached anymore, so no new generation. */
	NO_FAULT(c, seg_write(c, S_DS, 0x407011, 1, 0x90));
	ck_assert_uint_eq(m->page_gen[0x230], gen + 1);

	/* DMA / loader writes go through the same check. */
	mem_mark_code_page(m, 0x230000);
	phys_write_buf(m, 0x22fff0, (const uint8_t[32]){ 0 }, 32);
	ck_assert_uint_eq(m->page_gen[0x230], gen + 2);
	ck_assert_int_eq(code_written_calls, 2);
	mem_mark_code_page(m, 0x230000);
	phys_write(m, 0x230ffe, 2, 0);
	ck_assert_uint_eq(m->page_gen[0x230], gen + 3);
	machine_free(m);
}
END_TEST

START_TEST(mmio_pages_get_no_host_pointer)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t v = 0;

	c->cr0 &= ~CR0_PG;
	tlb_flush(c);
	NO_FAULT(c, v = seg_read(c, S_DS, 0xfec00000, 4));   /* nothing there: all-ones */
	ck_assert_uint_eq(v, 0xffffffff);
	ck_assert_ptr_null(c->tlb[0][0].host);
	ck_assert_uint_eq(c->tlb[0][0].tag_r, TLB_INVALID);
	machine_free(m);
}
END_TEST

START_TEST(probe_sets_no_bits)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint32_t pa = 0;

	map(m, 0x408000, 0x240000, PTE_P);
	ck_assert_int_eq(mmu_probe(c, 0x408123, &pa), 0);
	ck_assert_uint_eq(pa, 0x240123);
	ck_assert(!(pte(m, 0x408000) & PTE_A));
	ck_assert_int_eq(mmu_probe(c, 0x409000, &pa), -1);
	machine_free(m);
}
END_TEST

START_TEST(fetch_across_pages)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint8_t buf[16];
	unsigned n = 0;

	map(m, 0x40a000, 0x250000, PTE_P);
	phys_write(m, 0x250ffe, 2, 0x9090);
	/* The second page is missing: the bytes of the first come back, no fault yet. */
	NO_FAULT(c, n = fetch_code(c, 0x40affe, buf, 15));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(buf[0], 0x90);
	/* Asking for the next byte raises the #PF of the second page (PFEC_I stays 0: no NX). */
	EXPECT_FAULT(c, fetch_code(c, 0x40affe + n, buf + n, 1), EXC_PF, 0);
	ck_assert_uint_eq(c->cr2, 0x40b000);
	/* A first byte that cannot be fetched faults at once. */
	c->cpl = 3;
	EXPECT_FAULT(c, fetch_code(c, 0x40a000, buf, 4), EXC_PF, PFEC_P | PFEC_U);
	c->cpl = 0;
	map(m, 0x40b000, 0x260000, PTE_P);
	phys_write(m, 0x260000, 1, 0xc3);
	NO_FAULT(c, n = fetch_code(c, 0x40affe, buf, 15));
	ck_assert_uint_eq(n, 15);
	ck_assert_uint_eq(buf[2], 0xc3);
	machine_free(m);
}
END_TEST

START_TEST(fetch_stops_at_cs_limit)
{
	struct machine *m = mk();
	struct cpu *c = &m->cpu;
	uint8_t buf[16];
	unsigned n = 0;

	c->cr0 &= ~CR0_PG;
	tlb_flush(c);
	c->seg[S_CS].base = 0x10000;
	c->seg[S_CS].limit = 0xffff;
	NO_FAULT(c, n = fetch_code(c, 0x1fffd, buf, 15));
	ck_assert_uint_eq(n, 3);
	EXPECT_FAULT(c, fetch_code(c, 0x20000, buf, 1), EXC_GP, 0);
	machine_free(m);
}
END_TEST

Suite *suite_mmu(void)
{
	Suite *s = suite_create("mmu");
	TCase *t = tcase_create("paging");

	tcase_add_test(t, paging_off_is_identity);
	tcase_add_test(t, walk_4k_sets_accessed_then_dirty);
	tcase_add_test(t, walk_4m_page);
	tcase_add_test(t, ps_ignored_without_pse);
	tcase_add_test(t, not_present_error_codes_and_cr2);
	tcase_add_test(t, user_supervisor);
	tcase_add_test(t, read_only_and_wp);
	tcase_add_test(t, tlb_keeps_stale_entries_until_invlpg);
	tcase_add_test(t, invlpg_drops_whole_large_page);
	tcase_add_test(t, page_crossing_write_is_atomic);
	tcase_add_test(t, store_to_code_page_bumps_generation);
	tcase_add_test(t, mmio_pages_get_no_host_pointer);
	tcase_add_test(t, probe_sets_no_bits);
	tcase_add_test(t, fetch_across_pages);
	tcase_add_test(t, fetch_stops_at_cs_limit);
	suite_add_tcase(s, t);
	return s;
}
