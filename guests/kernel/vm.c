/* SPDX-License-Identifier: MIT
 *
 * vm.c — segmentation and paging: the GDT and TSS, the kernel's half of every address space, and the
 * per-process page tables.
 *
 * Segmentation is set up once and then ignored, as in every modern kernel: four flat 4 GiB segments
 * (kernel code and data at DPL 0, user code and data at DPL 3) and one TSS.  The TSS matters for one
 * field: when an interrupt or `int $0x40` arrives in ring 3, the CPU loads SS:ESP from TSS.ss0:esp0
 * before pushing anything (SDM 6.12.1), so esp0 must always point to the top of the running process's
 * kernel stack — switch_uvm() sets it on every process switch.
 *
 * Paging (SDM 4.3, 32-bit two-level tables): every process has its own page directory.  Its entries
 * below PDX(USERBASE) and the APIC entry point to the SAME kernel page tables, built once by kvm_init:
 * they identity-map physical memory [0, phystop) and the APIC registers, supervisor-only (U/S = 0).  So
 * the kernel is mapped in every address space at the same place and a CR3 switch never pulls the floor
 * out from under it, while ring 3 cannot touch it.  User pages (USERBASE..USERTOP) have U/S = 1 and
 * belong to one process, except the shared page (PTE_SHARED), which fork maps rather than copies.
 */
#include "defs.h"

static struct segdesc gdt[NSEGS];
static struct tss tss;
static uint32_t *kpgdir;                 /* the kernel-only address space the scheduler runs in */
static uint32_t kernel_pdes;             /* how many directory entries identity-map RAM */
static void *shared_page;                /* the page shmap() hands out, allocated on first use */

#define PTE_PWT 0x008                    /* write-through ... */
#define PTE_PCD 0x010                    /* ... and cache-disable: device registers must not be cached */

static struct segdesc seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (struct segdesc){
		.limit_lo = limit & 0xFFFF, .base_lo = base & 0xFFFF, .base_mid = (base >> 16) & 0xFF,
		.access = access, .flags_limit_hi = (uint8_t)(flags << 4 | ((limit >> 16) & 0xF)),
		.base_hi = base >> 24,
	};
}

void seg_init(void)
{
	/* access byte: P=1, DPL, S=1 (code/data), type; flags: G=1 (4 KiB units), D/B=1 (32-bit) */
	gdt[SEG_KCODE] = seg(0, 0xFFFFF, 0x9A, 0xC);                 /* DPL 0, execute/read */
	gdt[SEG_KDATA] = seg(0, 0xFFFFF, 0x92, 0xC);                 /* DPL 0, read/write */
	gdt[SEG_UCODE] = seg(0, 0xFFFFF, 0xFA, 0xC);                 /* DPL 3, execute/read */
	gdt[SEG_UDATA] = seg(0, 0xFFFFF, 0xF2, 0xC);                 /* DPL 3, read/write */
	gdt[SEG_TSS] = seg((uint32_t)&tss, sizeof tss - 1, 0x89, 0);  /* DPL 0, 32-bit available TSS */

	tss.ss0 = SEG_KDATA << 3;
	tss.iomb = sizeof tss;             /* no I/O permission bitmap: ring 3 may not touch any port */

	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
	                 "ljmp %1, $1f\n"        /* reload CS with our kernel code selector */
	                 "1:\tmov %2, %%ax\n\t"
	                 "mov %%ax, %%ds\n\t mov %%ax, %%es\n\t mov %%ax, %%ss\n\t"
	                 "xor %%ax, %%ax\n\t mov %%ax, %%fs\n\t mov %%ax, %%gs"
	                 : : "m"(gdtr), "i"(SEG_KCODE << 3), "i"(SEG_KDATA << 3) : "eax", "memory");
	ltr(SEG_TSS << 3);
}

/* The page table entry for va in pgdir; with alloc, create the page table if it is missing. */
static uint32_t *walk(uint32_t *pgdir, uint32_t va, int alloc)
{
	uint32_t *pde = &pgdir[PDX(va)];

	if (!(*pde & PTE_P)) {
		uint32_t *pt;
		if (!alloc || !(pt = kalloc()))
			return 0;
		/* The directory entry is permissive; each page's PTE decides (the CPU ANDs the two). */
		*pde = (uint32_t)pt | PTE_P | PTE_W | (va >= USERBASE && va < USERTOP ? PTE_U : 0);
	}
	return &((uint32_t *)PTE_ADDR(*pde))[PTX(va)];
}

static void map(uint32_t *pgdir, uint32_t va, uint32_t pa, uint32_t perm)
{
	uint32_t *pte = walk(pgdir, va, 1);
	if (!pte)
		panic("map: out of memory for page tables");
	*pte = pa | perm | PTE_P;
}

void kvm_init(uint32_t phystop)
{
	if (!(kpgdir = kalloc()))
		panic("kvm_init: no memory");
	for (uint32_t pa = 0; pa < phystop; pa += PGSIZE)
		map(kpgdir, pa, pa, PTE_W);
	map(kpgdir, lapic_addr, lapic_addr, PTE_W | PTE_PCD | PTE_PWT);
	map(kpgdir, ioapic_addr, ioapic_addr, PTE_W | PTE_PCD | PTE_PWT);
	kernel_pdes = PDX(phystop - 1) + 1;
	if (kernel_pdes > PDX(USERBASE))
		panic("kvm_init: kernel memory overlaps user space");

	switch_kvm();
	uint32_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= CR0_PG | CR0_WP;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");   /* identity map: execution just goes on */
}

void switch_kvm(void)
{
	lcr3((uint32_t)kpgdir);
}

/* Run p's address space, and have the next ring 3 -> ring 0 transition land on p's kernel stack. */
void switch_uvm(struct proc *p)
{
	tss.esp0 = (uint32_t)p->kstack + PGSIZE;
	lcr3((uint32_t)p->pgdir);
}

/* A new address space: the kernel half shared with kpgdir, no user pages yet. */
uint32_t *uvm_create(void)
{
	uint32_t *pgdir = kalloc();

	if (!pgdir)
		return 0;
	for (uint32_t i = 0; i < 1024; i++)
		if (i < kernel_pdes || i == PDX(lapic_addr) || i == PDX(ioapic_addr))
			pgdir[i] = kpgdir[i];
	return pgdir;
}

/* Back [va, va+len) with fresh zeroed user pages (pages already there are kept). */
int uvm_alloc(uint32_t *pgdir, uint32_t va, uint32_t len, int perm)
{
	for (uint32_t a = PGROUNDDOWN(va); a < va + len; a += PGSIZE) {
		uint32_t *pte = walk(pgdir, a, 1);
		if (!pte)
			return -1;
		if (*pte & PTE_P) {
			*pte |= perm;              /* two ELF segments sharing a page: the union of permissions */
			continue;
		}
		void *page = kalloc();
		if (!page)
			return -1;
		*pte = (uint32_t)page | perm | PTE_U | PTE_P;
	}
	return 0;
}

/* The kernel-usable address of user address va in pgdir, or 0 if it is not mapped. */
void *uvm_phys(uint32_t *pgdir, uint32_t va)
{
	uint32_t *pte = walk(pgdir, va, 0);

	if (!pte || !(*pte & PTE_P))
		return 0;
	return (void *)(PTE_ADDR(*pte) | (va & (PGSIZE - 1)));
}

/* fork's copy of an address space: private pages are copied, the shared page is shared. */
uint32_t *uvm_copy(uint32_t *pgdir)
{
	uint32_t *copy = uvm_create();

	if (!copy)
		return 0;
	for (uint32_t va = USERBASE; va < USERTOP; va += PGSIZE) {
		uint32_t *pte = walk(pgdir, va, 0);
		if (!pte) {
			va += (1 << 22) - PGSIZE;  /* no page table here: skip its whole 4 MiB */
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		uint32_t pa = PTE_ADDR(*pte), flags = *pte & 0xFFF;
		if (!(flags & PTE_SHARED)) {
			void *page = kalloc();
			if (!page) {
				uvm_free(copy);
				return 0;
			}
			memcpy(page, (void *)pa, PGSIZE);
			pa = (uint32_t)page;
		}
		uint32_t *npte = walk(copy, va, 1);
		if (!npte) {
			uvm_free(copy);
			return 0;
		}
		*npte = pa | flags;
	}
	return copy;
}

/* Free the user pages (but not the shared one), the user page tables and the directory. */
void uvm_free(uint32_t *pgdir)
{
	for (uint32_t i = PDX(USERBASE); i < PDX(USERTOP); i++) {
		if (!(pgdir[i] & PTE_P))
			continue;
		uint32_t *pt = (uint32_t *)PTE_ADDR(pgdir[i]);
		for (int j = 0; j < 1024; j++)
			if ((pt[j] & PTE_P) && !(pt[j] & PTE_SHARED))
				kfree((void *)PTE_ADDR(pt[j]));
		kfree(pt);
	}
	kfree(pgdir);
}

/* Map the one shared page at SHAREDVA (every caller gets the same physical page). */
int uvm_map_shared(uint32_t *pgdir, uint32_t va)
{
	if (!shared_page && !(shared_page = kalloc()))
		return -1;
	uint32_t *pte = walk(pgdir, va, 1);
	if (!pte)
		return -1;
	*pte = (uint32_t)shared_page | PTE_SHARED | PTE_U | PTE_W | PTE_P;
	lcr3((uint32_t)pgdir);             /* flush the TLB: the entry may have changed */
	return 0;
}

/* May the current process's ring-3 code access [p, p+len)?  System calls check every user pointer
 * with this before the kernel dereferences it, so a bad pointer fails the call instead of faulting
 * in ring 0 (or worse, reading kernel memory on the user's behalf). */
int user_ok(const void *p, uint32_t len, int write)
{
	uint32_t va = (uint32_t)p, need = PTE_P | PTE_U | (write ? PTE_W : 0);

	if (va < USERBASE || va > USERTOP || len > USERTOP - va)
		return 0;
	for (uint32_t a = PGROUNDDOWN(va); a < va + len; a += PGSIZE) {
		uint32_t *pte = walk(curproc->pgdir, a, 0);
		if (!pte || (*pte & need) != need)
			return 0;
	}
	return 1;
}

/* Length of the user string s if it is NUL-terminated within max bytes of valid memory, else -1. */
int user_str(const char *s, uint32_t max)
{
	for (uint32_t n = 0; n < max; n++) {
		if (((uint32_t)(s + n) % PGSIZE == 0 || n == 0) && !user_ok(s + n, 1, 0))
			return -1;
		if (s[n] == 0)
			return (int)n;
	}
	return -1;
}
