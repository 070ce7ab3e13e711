# guests.mk — building our guest kernels with gcc -m32, nasm and ld (included by the top-level Makefile).
# Each guest in guests/NAME/ becomes $(BUILD)/guests/NAME.elf, a Multiboot kernel.

GCC32       := gcc -m32 -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
               -fno-builtin -nostdlib -fno-asynchronous-unwind-tables -mno-sse -mno-mmx -Wall -Werror
GLD         := ld -m elf_i386 -nostdlib -no-pie -z noexecstack --no-warn-rwx-segments
LIBGCC32    := $(shell gcc -m32 -print-libgcc-file-name 2>/dev/null)
GUEST_LIB   := $(BUILD)/guests/lib/entry.o $(BUILD)/guests/lib/lib.o
SIMPLE_GUESTS := hello primes crash
GUEST_ELFS  := $(SIMPLE_GUESTS:%=$(BUILD)/guests/%.elf)

# Larger guests bring their own rules in guests/NAME/build.mk, adding to GUEST_ELFS.
-include guests/*/build.mk

guests: $(GUEST_ELFS)

$(BUILD)/guests/%.o: guests/%.c guests/lib/guest.h
	@mkdir -p $(dir $@)
	$(GCC32) -c $< -o $@
$(BUILD)/guests/%.o: guests/%.S
	@mkdir -p $(dir $@)
	$(GCC32) -c $< -o $@
$(BUILD)/guests/%.o: guests/%.asm
	@mkdir -p $(dir $@)
	nasm -f elf32 -g $< -o $@

$(BUILD)/guests/hello.elf: $(BUILD)/guests/hello/hello.o $(GUEST_LIB)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)
$(BUILD)/guests/primes.elf: $(BUILD)/guests/primes/primes.o $(BUILD)/guests/primes/isprime.o $(GUEST_LIB)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)
$(BUILD)/guests/crash.elf: $(BUILD)/guests/crash/crash.o $(GUEST_LIB)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)
