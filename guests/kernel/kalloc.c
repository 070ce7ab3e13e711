/* SPDX-License-Identifier: MIT
 *
 * kalloc.c — the physical page allocator.  Every free 4 KiB page of RAM between the end of the kernel
 * image and PHYSTOP is on a singly linked list whose links live inside the free pages themselves.
 * Because the kernel identity-maps all of that RAM in every address space (vm.c), a page's physical
 * address is also a pointer the kernel can use, whichever process's page tables are loaded.
 * Page tables, kernel stacks and user memory all come from here.
 */
#include "defs.h"

struct freepage { struct freepage *next; };
static struct freepage *freelist;
static int nfree;

void kalloc_init(uint32_t start, uint32_t end)
{
	for (uint32_t pa = PGROUNDUP(start); pa + PGSIZE <= end; pa += PGSIZE) {
		struct freepage *f = (struct freepage *)pa;
		f->next = freelist;
		freelist = f;
		nfree++;
	}
}

void kfree(void *page)
{
	struct freepage *f = page;

	if ((uint32_t)page % PGSIZE)
		panic("kfree: %p is not a page", page);
	memset(page, 0x5A, PGSIZE);        /* junk, so a use after free shows up quickly */
	f->next = freelist;
	freelist = f;
	nfree++;
}

/* A zeroed page, or 0 when memory is exhausted. */
void *kalloc(void)
{
	struct freepage *f = freelist;

	if (!f)
		return 0;
	freelist = f->next;
	nfree--;
	memset(f, 0, PGSIZE);
	return f;
}

int kfree_count(void)
{
	return nfree;
}
