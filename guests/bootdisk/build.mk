# build.mk — boot-sector disk images of the primes benchmark guest, included by guests/guests.mk.
# $(BUILD)/guests/primes-N.img boots on revisor, Bochs and QEMU alike (no BIOS services used; see
# guests/bootdisk/boot.asm) and runs guests/primes with the command line "n=N".  `make bench` uses them.
#   revisor run $(BUILD)/guests/primes-30000.img -serial stdio

BOOTDISK_B    := $(BUILD)/guests/bootdisk
BOOTDISK_IMGS := $(BUILD)/guests/primes-2.img $(BUILD)/guests/primes-30000.img $(BUILD)/guests/primes-100000.img

GUEST_ELFS += $(BOOTDISK_B)/primes.elf
guests: $(BOOTDISK_IMGS)

# (The library's guest_exit ends revisor and QEMU through port 0xF4 and Bochs through port 0x8900.)
$(BOOTDISK_B)/primes.elf: $(BUILD)/guests/primes/primes.o $(BUILD)/guests/primes/isprime.o \
		$(BUILD)/guests/lib/entry.o $(BUILD)/guests/lib/lib.o
	@mkdir -p $(dir $@)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)

$(BUILD)/guests/primes-%.img: $(BOOTDISK_B)/primes.elf guests/bootdisk/boot.asm guests/bootdisk/mkdisk.sh
	bash guests/bootdisk/mkdisk.sh guests/bootdisk/boot.asm $< "n=$*" $@
