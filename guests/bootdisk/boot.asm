; SPDX-License-Identifier: MIT
;
; boot.asm — a 512-byte boot sector that loads a 32-bit kernel and enters it the Multiboot way, using NO
; BIOS services, so that one disk image boots identically on revisor (which has no BIOS), Bochs and QEMU
; (whose BIOSes just load this sector to 0000:7C00 and jump to it).  `make bench` uses it to run the same
; guest on all three (docs/benchmarks.md).
;
; What it does, in order:
;   1. real mode: enable the A20 line through the "fast A20" bit of port 0x92, so that addresses at and
;      above 1 MiB do not wrap around (the kernel lives at 1 MiB);
;   2. load a flat GDT and set CR0.PE (Intel SDM Vol. 3A, 9.9.1 "Switching to Protected Mode"): a far
;      jump then loads CS with a 32-bit code segment;
;   3. read the kernel from the sectors after this one through the primary IDE channel's ports, one ATA
;      READ SECTORS command (0x20, LBA28) per sector, polling the status register (ATA/ATAPI-6, 9.5
;      "PIO data-in"), and clear the kernel's bss;
;   4. jump to the kernel's entry in the state the Multiboot v1 spec (3.2 "Machine state") promises:
;      EAX = 0x2BADB002, EBX = the physical address of a multiboot_info whose only valid field is the
;      command line (flags bit 2), flat 4 GiB segments, paging off, interrupts off.
;
; The image builder (mkdisk.sh) assembles this file with the kernel's facts as nasm -D definitions:
;   LOAD_ADDR     physical address of the kernel's one loadable segment (its first byte is in sector 1)
;   LOAD_SECTORS  how many 512-byte sectors hold it
;   MEM_END       end of the segment in memory (its bss included), cleared from the loaded end up to here
;   ENTRY         the kernel's entry point
;   CMDLINE       the kernel command line, a nasm string: it is stored at offset 0x180 of the sector
;                 (CMDLINE_OFF), NUL-terminated, so it can also be patched in an existing image.

%ifndef CMDLINE
%define CMDLINE ""
%endif

CMDLINE_OFF     equ 0x180          ; where the command line lives in this sector (up to 0x1FD)
MB_BOOT_MAGIC   equ 0x2BADB002     ; what a Multiboot loader puts in EAX
MB_INFO_CMDLINE equ 1 << 2         ; multiboot_info.flags: the cmdline field is valid

ATA_DATA        equ 0x1F0          ; primary channel command block (16-bit data port)
ATA_COUNT       equ 0x1F2          ; sector count
ATA_LBA0        equ 0x1F3          ; LBA bits 0-7
ATA_LBA1        equ 0x1F4          ; LBA bits 8-15
ATA_LBA2        equ 0x1F5          ; LBA bits 16-23
ATA_DEVICE      equ 0x1F6          ; device/head: 0xE0 = LBA mode, master, LBA bits 24-27 below
ATA_STATUS      equ 0x1F7          ; status on read, command on write
ATA_CTRL        equ 0x3F6          ; device control on write (bit 1 nIEN), alternate status on read
ATA_CMD_READ    equ 0x20           ; READ SECTORS (PIO data-in)
ST_BSY          equ 0x80
ST_DF           equ 0x20           ; device fault
ST_DRQ          equ 0x08
ST_ERR          equ 0x01

	bits 16
	org 0x7c00

start:
	cli                             ; no IDT of ours exists yet: keep interrupts off throughout
	cld
	jmp 0:.cs0                      ; some BIOSes enter at 07C0:0000; make CS = 0 to match `org`
.cs0:
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00                  ; stack just below this sector

	; 1. A20 through the system control port A (0x92) bit 1.  Bit 0 resets the CPU: keep it clear.
	in al, 0x92
	or al, 0x02
	and al, 0xfe
	out 0x92, al

	; 2. Protected mode.  The far jump is what loads CS (and so the 32-bit default operand size).
	lgdt [gdt_desc]
	mov eax, cr0
	or eax, 1                       ; CR0.PE
	mov cr0, eax
	jmp 0x08:pm32

	bits 32
pm32:
	mov ax, 0x10                    ; flat data segment for everything else
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, 0x7c00

	; 3. Load the kernel.  nIEN: we poll, so the drive need not raise IRQ 14.
	mov dx, ATA_CTRL
	mov al, 0x02
	out dx, al
	mov edi, LOAD_ADDR              ; rep insw stores to ES:EDI
	mov ebx, 1                      ; LBA of the first kernel sector
	mov ebp, LOAD_SECTORS
.sector:
	call ata_wait_idle
	mov eax, ebx                    ; device register first: it selects the master and LBA mode
	shr eax, 24
	and al, 0x0f
	or al, 0xe0
	mov dx, ATA_DEVICE
	out dx, al
	mov al, 1
	mov dx, ATA_COUNT
	out dx, al
	mov eax, ebx
	mov dx, ATA_LBA0
	out dx, al
	shr eax, 8
	mov dx, ATA_LBA1
	out dx, al
	shr eax, 8
	mov dx, ATA_LBA2
	out dx, al
	mov al, ATA_CMD_READ
	mov dx, ATA_STATUS
	out dx, al
	call ata_wait_drq
	mov ecx, 256                    ; one sector = 256 words
	mov dx, ATA_DATA
	rep insw
	inc ebx
	dec ebp
	jnz .sector

	; The bss: everything from the end of what we loaded up to MEM_END is zero (Multiboot loaders clear
	; it too).  The padding of the last sector is already zero on the disk.
	mov ecx, MEM_END
	sub ecx, edi
	jbe .cleared
	xor eax, eax
	rep stosb
.cleared:

	; 4. Enter the kernel.
	mov eax, MB_BOOT_MAGIC
	mov ebx, mb_info
	jmp ENTRY

; Wait until the drive is not busy (it may still be finishing whatever the BIOS asked of it).
ata_wait_idle:
	mov dx, ATA_STATUS
.poll:
	in al, dx
	test al, ST_BSY
	jnz .poll
	ret

; After a command: give the drive 400 ns to raise BSY (ATA/ATAPI-6 9.5: four reads of the alternate
; status), then wait for BSY clear and DRQ set, failing on ERR or DF.
ata_wait_drq:
	mov dx, ATA_CTRL
	in al, dx
	in al, dx
	in al, dx
	in al, dx
	mov dx, ATA_STATUS
.poll:
	in al, dx
	test al, ST_BSY
	jnz .poll
	test al, ST_ERR | ST_DF
	jnz disk_error
	test al, ST_DRQ
	jz .poll
	ret

; A read failed: say so on the Bochs/QEMU/revisor console port 0xE9 and on COM1, then stop.
disk_error:
	mov esi, error_msg
.putc:
	lodsb
	test al, al
	jz .stop
	out 0xe9, al
	mov dx, 0x3f8
	out dx, al
	jmp .putc
.stop:
	hlt
	jmp .stop

error_msg:
	db "boot: disk read error", 13, 10, 0

; Flat segments (Intel SDM Vol. 3A, 3.4.5): base 0, limit 4 GiB (G = 1), 32-bit (D/B = 1).
	align 8
gdt:
	dq 0                            ; the null descriptor
	dq 0x00cf9a000000ffff           ; 0x08: code, execute/read, DPL 0
	dq 0x00cf92000000ffff           ; 0x10: data, read/write, DPL 0
gdt_desc:
	dw gdt_desc - gdt - 1           ; limit
	dd gdt                          ; base

; The multiboot_info handed to the kernel (Multiboot v1, 3.3).  Only the command line is valid.
	align 4
mb_info:
	dd MB_INFO_CMDLINE              ; flags
	dd 0, 0, 0                      ; mem_lower, mem_upper, boot_device (not valid)
	dd cmdline                      ; cmdline: a physical address, here inside this sector
	times 8 dd 0                    ; mods_count .. mmap_addr (not valid)

%if ($ - $$) > CMDLINE_OFF
%error "boot code overlaps the command line area"
%endif
	times CMDLINE_OFF - ($ - $$) db 0
cmdline:
	db CMDLINE, 0
%if ($ - $$) > 510
%error "command line too long (at most 125 bytes)"
%endif
	times 510 - ($ - $$) db 0
	dw 0xaa55                       ; the BIOS boot signature: bytes 0x55, 0xAA
