#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mkdisk.sh — build a bootable disk image from a 32-bit kernel ELF and a command line:
#
#   sector 0      boot.asm, assembled with the kernel's load address, size, bss end, entry point and
#                 the command line (see boot.asm for what the sector does with them)
#   sectors 1..   the bytes of the kernel's one loadable segment (PT_LOAD), as they appear in the file
#   padding       zeros up to one whole cylinder of 16 heads x 63 sectors (516096 bytes), so that Bochs
#                 can guess the disk's geometry from its size
#
# usage: mkdisk.sh BOOT_ASM KERNEL_ELF CMDLINE OUTPUT_IMAGE
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 BOOT_ASM KERNEL_ELF CMDLINE OUTPUT_IMAGE" >&2; exit 2; }
boot_asm=$1 elf=$2 cmdline=$3 out=$4

# The program headers: exactly one PT_LOAD, whose file bytes we copy and whose memory size tells where
# the bss ends.  Columns of `readelf -lW`: Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align.
loads=$(readelf -lW "$elf" | awk '$1 == "LOAD"')
[ "$(printf '%s\n' "$loads" | grep -c .)" -eq 1 ] ||
	{ echo "$0: $elf: need exactly one PT_LOAD segment" >&2; exit 1; }
read -r _ offset _ paddr filesz memsz _ <<<"$loads"
entry=$(readelf -hW "$elf" | awk '/Entry point address/ { print $4 }')
sectors=$(( (filesz + 511) / 512 ))
mem_end=$(( paddr + memsz ))
case $cmdline in *\"*) echo "$0: the command line may not contain a double quote" >&2; exit 1 ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/boot.bin" \
	-DLOAD_ADDR=$((paddr)) -DLOAD_SECTORS=$sectors -DMEM_END=$mem_end -DENTRY=$((entry)) \
	-DCMDLINE="\"$cmdline\"" "$boot_asm"
[ "$(stat -c %s "$tmp/boot.bin")" -eq 512 ] || { echo "$0: boot sector is not 512 bytes" >&2; exit 1; }

# Write the image under a temporary name, so that a failure leaves no half-built image behind.
cp "$tmp/boot.bin" "$out.tmp"
dd if="$elf" of="$out.tmp" bs=512 seek=1 iflag=skip_bytes,count_bytes skip=$((offset)) count=$((filesz)) \
	conv=notrunc status=none
truncate -s $(( 16 * 63 * 512 )) "$out.tmp"
[ "$(stat -c %s "$out.tmp")" -eq $(( 16 * 63 * 512 )) ] || { echo "$0: kernel too large" >&2; exit 1; }
mv "$out.tmp" "$out"
