/* SPDX-License-Identifier: MIT
 *
 * exec.c — replace a process's user memory with a program from the disk.
 *
 * A user program is a static 32-bit ELF executable (ELF spec, "Program Loading"): we read its header,
 * and for each PT_LOAD program header allocate user pages at p_vaddr (read-only unless the segment is
 * writable), copy p_filesz bytes from the file and leave the rest of p_memsz zero (that is the bss).
 * Then we build a stack below USERTOP holding the argument strings, the argv array and, on top, what a
 * C function expects to find when called as _start(argc, argv):
 *
 *      esp ->  0xFFFFFFFF   fake return address (_start never returns; it calls exit)
 *              argc
 *              argv         -> argv[0] ... argv[argc-1], 0  -> the strings, at the top of the stack
 *
 * The new address space is built to the side, through the kernel's identity mapping of the new pages
 * (uvm_phys), and swapped in only when complete: a failing exec leaves the caller's program intact.
 * Finally the trap frame is reset so that the return to user mode enters the program at e_entry.
 */
#include "defs.h"
#include "fs.h"

#define ELF_MAGIC 0x464C457F    /* "\x7FELF" */
#define PT_LOAD   1
#define PF_W      2

struct elfhdr {
	uint32_t magic;
	uint8_t ident[12];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct proghdr {
	uint32_t type, off, vaddr, paddr, filesz, memsz, flags, align;
};

static int load(uint32_t *pgdir, const struct dirent *de, const struct elfhdr *eh)
{
	struct proghdr ph;

	for (int i = 0; i < eh->phnum; i++) {
		if (fs_rw(de, eh->phoff + i * eh->phentsize, &ph, sizeof ph, 0) != sizeof ph)
			return -1;
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.vaddr < USERBASE || ph.memsz > SHAREDVA - ph.vaddr || ph.filesz > ph.memsz)
			return -1;                     /* must stay inside the program area */
		if (uvm_alloc(pgdir, ph.vaddr, ph.memsz, (ph.flags & PF_W) ? PTE_W : 0) < 0)
			return -1;
		for (uint32_t done = 0; done < ph.filesz; ) {
			uint32_t va = ph.vaddr + done, chunk = PGSIZE - va % PGSIZE;
			if (chunk > ph.filesz - done)
				chunk = ph.filesz - done;
			if (fs_rw(de, ph.off + done, uvm_phys(pgdir, va), chunk, 0) != (int)chunk)
				return -1;
			done += chunk;
		}
	}
	return 0;
}

/* Lay out argv on the top stack page; return the initial user ESP, or 0 if the arguments don't fit. */
static uint32_t push_args(uint32_t *pgdir, char *const *argv)
{
	uint32_t base = USERTOP - PGSIZE, sp = USERTOP, uargv[MAXARG + 1];
	uint8_t *page = uvm_phys(pgdir, base);
	int argc;

	for (argc = 0; argv[argc]; argc++) {
		uint32_t len = strlen(argv[argc]) + 1;
		if (argc == MAXARG || len > sp - base - 256)
			return 0;
		sp = (sp - len) & ~3u;
		memcpy(page + (sp - base), argv[argc], len);
		uargv[argc] = sp;
	}
	uargv[argc] = 0;
	sp -= (argc + 1) * 4;
	memcpy(page + (sp - base), uargv, (argc + 1) * 4);
	uint32_t frame[3] = { 0xFFFFFFFF, (uint32_t)argc, sp };
	sp -= sizeof frame;
	memcpy(page + (sp - base), frame, sizeof frame);
	return sp;
}

int exec(struct proc *p, const char *name, char *const *argv)
{
	struct dirent de;
	struct elfhdr eh;
	uint32_t *pgdir, sp;

	if (fs_lookup(name, &de) < 0 || fs_rw(&de, 0, &eh, sizeof eh, 0) != sizeof eh)
		return -1;
	if (eh.magic != ELF_MAGIC || eh.machine != 3 /* EM_386 */ || eh.type != 2 /* ET_EXEC */)
		return -1;
	if (!(pgdir = uvm_create()))
		return -1;
	if (load(pgdir, &de, &eh) < 0 ||
	    uvm_alloc(pgdir, USERTOP - USTACKPAGES * PGSIZE, USTACKPAGES * PGSIZE, PTE_W) < 0 ||
	    !(sp = push_args(pgdir, argv))) {
		uvm_free(pgdir);
		return -1;
	}

	/* Commit: from here on the old program is gone. */
	uint32_t *old = p->pgdir;
	p->pgdir = pgdir;
	strncpy0(p->name, name, sizeof p->name);
	memset(p->tf, 0, sizeof *p->tf);
	p->tf->cs = (SEG_UCODE << 3) | DPL_USER;
	p->tf->ds = p->tf->es = p->tf->ss = (SEG_UDATA << 3) | DPL_USER;
	p->tf->fs = p->tf->gs = (SEG_UDATA << 3) | DPL_USER;
	p->tf->eflags = FL_IF;                 /* user code always runs with interrupts on */
	p->tf->esp = sp;
	p->tf->eip = eh.entry;
	if (old) {
		if (p == curproc)
			switch_uvm(p);                 /* stop using the old tables before freeing them */
		uvm_free(old);
	}
	return 0;
}
