# The hello guest as a flat binary with the Multiboot a.out kludge (tests the non-ELF loading path).
GUEST_ELFS += $(BUILD)/guests/hello-aout.bin
$(BUILD)/guests/hello-aout.elf: $(BUILD)/guests/aout/entry.o $(BUILD)/guests/hello/hello.o $(BUILD)/guests/lib/lib.o
	$(GLD) -T guests/aout/aout.ld -o $@ $^ $(LIBGCC32)
$(BUILD)/guests/hello-aout.bin: $(BUILD)/guests/hello-aout.elf
	objcopy -O binary $< $@
