/* SPDX-License-Identifier: MIT
 *
 * multiboot.c — loading a Multiboot v1 kernel, the way `qemu -kernel` and GRUB do (Multiboot
 * Specification 0.6.96: 3.1 "OS image format", 3.2 "Machine state", 3.3 "Boot information format").
 *
 * The image carries a header (magic 0x1BADB002, flags, checksum) in its first 8 KiB.  If flag bit 16 is
 * set the header also says where to load the file (the "a.out kludge"); otherwise the image must be an
 * ELF32 executable whose PT_LOAD segments are copied to their physical addresses.  The loader then
 * writes the boot information (memory sizes, memory map, command line, modules) into guest RAM and
 * enters the kernel in 32-bit protected mode, paging off, interrupts off, EAX = 0x2BADB002 and
 * EBX = the physical address of the information structure.
 *
 * Guest memory layout used by the loader (all below 1 MiB, which kernels treat as reserved anyway):
 *   0x0500  a flat GDT (null, code 0x08, data 0x10) so kernels that reload segments early keep working
 *   0x0800  the multiboot_info structure, then the memory map, module list and strings
 *   modules are placed page-aligned after the kernel's highest loaded byte.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine.h"
#include "cpu/mem.h"
#include "boot/boot.h"

#define MB_MAGIC       0x1BADB002u
#define MB_BOOT_MAGIC  0x2BADB002u
#define MB_SEARCH      8192
#define MBF_PAGE_ALIGN 0x00000001u  /* modules page aligned */
#define MBF_MEMINFO    0x00000002u  /* mem_* fields required */
#define MBF_VIDEO      0x00000004u  /* video mode table required */
#define MBF_AOUT       0x00010000u  /* load addresses are in the header */

/* multiboot_info.flags bits */
#define MBI_MEM      0x001u
#define MBI_BOOTDEV  0x002u
#define MBI_CMDLINE  0x004u
#define MBI_MODS     0x008u
#define MBI_MMAP     0x040u
#define MBI_LOADER   0x200u

#define GDT_ADDR  0x0500u
#define INFO_ADDR 0x0800u
#define INFO_END  0x7000u   /* the info area must not grow past this (leaves 0x7C00 alone) */

uint8_t *boot_read_file(const char *path, size_t *len, char err[BOOT_ERRLEN])
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f) {
		snprintf(err, BOOT_ERRLEN, "%s: cannot open: %m", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, BOOT_ERRLEN, "%s: cannot read: %m", path);
		fclose(f);
		return NULL;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, BOOT_ERRLEN, "%s: cannot read %ld bytes", path, n);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offset of a valid multiboot header, or -1. */
static long find_header(const uint8_t *img, size_t len)
{
	for (size_t off = 0; off + 12 <= len && off < MB_SEARCH; off += 4) {
		uint32_t magic = rd32(img + off), flags = rd32(img + off + 4), sum = rd32(img + off + 8);
		if (magic == MB_MAGIC && magic + flags + sum == 0)
			return (long)off;
	}
	return -1;
}

int multiboot_probe(const uint8_t *img, size_t len)
{
	return find_header(img, len) >= 0;
}

/* Is [pa, pa+len) inside guest RAM? */
static int in_ram(const struct machine *m, uint64_t pa, uint64_t len)
{
	return pa + len <= m->ram_size;
}

static int load_aout(struct machine *m, const char *path, const uint8_t *img, size_t len, long hoff,
		     uint32_t *entry, uint32_t *end, char *err)
{
	const uint8_t *h = img + hoff;
	uint32_t header_addr = rd32(h + 12), load_addr = rd32(h + 16), load_end = rd32(h + 20);
	uint32_t bss_end = rd32(h + 24), entry_addr = rd32(h + 28);
	uint64_t file_off, size;

	if (load_addr > header_addr || header_addr - load_addr > (uint32_t)hoff) {
		snprintf(err, BOOT_ERRLEN, "%s: multiboot header at offset %ld: load_addr 0x%x is above header_addr 0x%x "
			 "or before the start of the file", path, hoff, load_addr, header_addr);
		return -1;
	}
	file_off = (uint64_t)hoff - (header_addr - load_addr);
	size = load_end ? (uint64_t)load_end - load_addr : len - file_off;
	if (load_end && load_end < load_addr) {
		snprintf(err, BOOT_ERRLEN, "%s: multiboot header: load_end_addr 0x%x below load_addr 0x%x", path, load_end, load_addr);
		return -1;
	}
	if (file_off + size > len) {
		snprintf(err, BOOT_ERRLEN, "%s: multiboot header asks for %llu bytes from offset %llu but the file has %zu",
			 path, (unsigned long long)size, (unsigned long long)file_off, len);
		return -1;
	}
	uint64_t top = bss_end > load_addr + size ? bss_end : load_addr + size;
	if (!in_ram(m, load_addr, top - load_addr)) {
		snprintf(err, BOOT_ERRLEN, "%s: kernel occupies 0x%x..0x%llx but guest RAM ends at 0x%x (use -m)",
			 path, load_addr, (unsigned long long)top, m->ram_size);
		return -1;
	}
	phys_write_buf(m, load_addr, img + file_off, (uint32_t)size);
	if (bss_end > load_addr + size) {
		uint32_t n = bss_end - (uint32_t)(load_addr + size);
		uint8_t *z = calloc(1, n);
		if (z) {
			phys_write_buf(m, (uint32_t)(load_addr + size), z, n);
			free(z);
		}
	}
	*entry = entry_addr;
	*end = (uint32_t)top;
	return 0;
}

static int load_elf(struct machine *m, const char *path, const uint8_t *img, size_t len, uint32_t *entry,
		    uint32_t *end, char *err)
{
	Elf32_Ehdr eh;

	if (len < sizeof eh || memcmp(img, ELFMAG, SELFMAG) != 0) {
		snprintf(err, BOOT_ERRLEN, "%s: multiboot header without the a.out kludge (flag 16), and not an ELF file", path);
		return -1;
	}
	memcpy(&eh, img, sizeof eh);
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_386) {
		snprintf(err, BOOT_ERRLEN, "%s: ELF file is not 32-bit little-endian i386 (class %u, machine %u)", path,
			 eh.e_ident[EI_CLASS], eh.e_machine);
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phnum == 0 ||
	    (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len) {
		snprintf(err, BOOT_ERRLEN, "%s: ELF program header table (offset %u, %u entries) lies outside the file", path,
			 eh.e_phoff, eh.e_phnum);
		return -1;
	}
	*end = 0;
	int loaded = 0;
	for (unsigned k = 0; k < eh.e_phnum; k++) {
		Elf32_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + k * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || (uint64_t)ph.p_offset + ph.p_filesz > len) {
			snprintf(err, BOOT_ERRLEN, "%s: ELF segment %u: file range 0x%x+0x%x lies outside the file (%zu bytes)",
				 path, k, ph.p_offset, ph.p_filesz, len);
			return -1;
		}
		if (!in_ram(m, ph.p_paddr, ph.p_memsz)) {
			snprintf(err, BOOT_ERRLEN, "%s: ELF segment %u at physical 0x%x+0x%x does not fit in guest RAM "
				 "(0x%x bytes; use -m)", path, k, ph.p_paddr, ph.p_memsz, m->ram_size);
			return -1;
		}
		phys_write_buf(m, ph.p_paddr, img + ph.p_offset, ph.p_filesz);
		if (ph.p_memsz > ph.p_filesz) {
			uint32_t n = ph.p_memsz - ph.p_filesz;
			uint8_t *z = calloc(1, n);
			if (!z) {
				snprintf(err, BOOT_ERRLEN, "%s: out of memory", path);
				return -1;
			}
			phys_write_buf(m, ph.p_paddr + ph.p_filesz, z, n);
			free(z);
		}
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
		loaded++;
	}
	if (!loaded) {
		snprintf(err, BOOT_ERRLEN, "%s: ELF file has no loadable segment", path);
		return -1;
	}
	*entry = eh.e_entry;
	return 0;
}

/* A small bump allocator for the boot-information area. */
struct info_area {
	struct machine *m;
	uint32_t next;
};

static uint32_t info_put(struct info_area *a, const void *data, uint32_t len, uint32_t align)
{
	uint32_t at = (a->next + align - 1) & ~(align - 1);

	if (at + len > INFO_END)
		return 0;
	phys_write_buf(a->m, at, data, len);
	a->next = at + len;
	return at;
}

static void put_gdt_and_cpu(struct machine *m, uint32_t entry, uint32_t info)
{
	/* null, 0x08 flat 32-bit code, 0x10 flat 32-bit data (SDM vol. 3A 3.4.5) */
	static const uint32_t gdt[6] = { 0, 0, 0x0000ffff, 0x00cf9a00, 0x0000ffff, 0x00cf9200 };
	struct cpu *c = &m->cpu;

	phys_write_buf(m, GDT_ADDR, gdt, sizeof gdt);
	cpu_reset(c);
	c->cr0 = CR0_PE | CR0_ET;
	c->cpl = 0;
	c->gdtr.base = GDT_ADDR;
	c->gdtr.limit = sizeof gdt - 1;
	for (unsigned s = S_ES; s <= S_GS; s++) {
		c->seg[s].sel = s == S_CS ? 0x08 : 0x10;
		c->seg[s].base = 0;
		c->seg[s].limit = 0xffffffffu;
		c->seg[s].attr = s == S_CS ? 0xc09b : 0xc093;
	}
	cpu_set_eflags(c, FL_1);
	c->eip = entry;
	c->r[R_EAX] = MB_BOOT_MAGIC;
	c->r[R_EBX] = info;
	tlb_flush(c);
}

int multiboot_load(struct machine *m, const struct multiboot_opts *o, char err[BOOT_ERRLEN])
{
	size_t len;
	uint8_t *img = boot_read_file(o->kernel, &len, err);
	uint32_t entry = 0, end = 0, flags;
	long hoff;
	int rc = -1;

	if (!img)
		return -1;
	hoff = find_header(img, len);
	if (hoff < 0) {
		snprintf(err, BOOT_ERRLEN, "%s: not a multiboot image (no header with magic 0x1BADB002 and a valid "
			 "checksum in the first 8 KiB)", o->kernel);
		goto out;
	}
	flags = rd32(img + hoff + 4);
	if (flags & 0x0000fff8u) {   /* bits 3..15: requirements we do not know */
		snprintf(err, BOOT_ERRLEN, "%s: multiboot header at offset %ld requires unknown features (flags 0x%08x)",
			 o->kernel, hoff, flags);
		goto out;
	}
	if (flags & MBF_AOUT) {
		if (hoff + 32 > (long)len) {
			snprintf(err, BOOT_ERRLEN, "%s: multiboot header at offset %ld is cut short", o->kernel, hoff);
			goto out;
		}
		rc = load_aout(m, o->kernel, img, len, hoff, &entry, &end, err);
	} else {
		rc = load_elf(m, o->kernel, img, len, &entry, &end, err);
	}
	if (rc)
		goto out;
	rc = -1;

	/* Boot information (3.3).  Memory map: conventional memory, the reserved VGA/BIOS hole, then RAM. */
	struct info_area a = { m, INFO_ADDR + 128 };
	uint32_t info[32] = { 0 };
	info[0] = MBI_MEM | MBI_BOOTDEV | MBI_MMAP | MBI_LOADER;
	info[1] = 639;                                   /* mem_lower, KiB */
	info[2] = (m->ram_size - 0x100000u) / 1024;      /* mem_upper, KiB above 1 MiB */
	info[3] = 0x80ffffffu;                           /* boot_device: first BIOS disk, no partition */
	struct { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed)) mmap[3] = {
		{ 20, 0, 0x9fc00, 1 },
		{ 20, 0x9fc00, 0x100000 - 0x9fc00, 2 },
		{ 20, 0x100000, m->ram_size - 0x100000u, 1 },
	};
	info[11] = sizeof mmap;
	info[12] = info_put(&a, mmap, sizeof mmap, 4);
	info[16] = info_put(&a, "revisor", 8, 1);        /* boot_loader_name */
	if (o->cmdline) {
		info[0] |= MBI_CMDLINE;
		info[4] = info_put(&a, o->cmdline, (uint32_t)strlen(o->cmdline) + 1, 1);
		if (!info[4]) {
			snprintf(err, BOOT_ERRLEN, "-append: command line too long (%zu bytes)", strlen(o->cmdline));
			goto out;
		}
	}
	if (o->modules && o->modules[0]) {
		uint32_t mods[64][4];
		unsigned n = 0;
		uint32_t at = (end + 0xfff) & ~0xfffu;
		for (; o->modules[n]; n++) {
			char path[4096];
			const char *arg = strchr(o->modules[n], ' ');
			size_t plen = arg ? (size_t)(arg - o->modules[n]) : strlen(o->modules[n]);
			size_t mlen;
			uint8_t *mod;
			if (n == 64 || plen >= sizeof path) {
				snprintf(err, BOOT_ERRLEN, "-initrd: too many modules or path too long");
				goto out;
			}
			memcpy(path, o->modules[n], plen);
			path[plen] = 0;
			mod = boot_read_file(path, &mlen, err);
			if (!mod)
				goto out;
			if (!in_ram(m, at, mlen)) {
				snprintf(err, BOOT_ERRLEN, "%s: module of %zu bytes does not fit in guest RAM at 0x%x (use -m)",
					 path, mlen, at);
				free(mod);
				goto out;
			}
			phys_write_buf(m, at, mod, (uint32_t)mlen);
			free(mod);
			mods[n][0] = at;
			mods[n][1] = at + (uint32_t)mlen;
			mods[n][2] = info_put(&a, o->modules[n], (uint32_t)strlen(o->modules[n]) + 1, 1);
			mods[n][3] = 0;
			at = (at + (uint32_t)mlen + 0xfff) & ~0xfffu;
		}
		info[0] |= MBI_MODS;
		info[5] = n;
		info[6] = info_put(&a, mods, n * 16, 4);
		if (!info[6]) {
			snprintf(err, BOOT_ERRLEN, "-initrd: module list does not fit in the boot-information area");
			goto out;
		}
	}
	phys_write_buf(m, INFO_ADDR, info, sizeof info);
	put_gdt_and_cpu(m, entry, INFO_ADDR);
	rc = 0;
out:
	free(img);
	return rc;
}
