# build.mk — the teaching kernel (guests/kernel), included by guests/guests.mk.
# Produces $(BUILD)/guests/kernel.elf (the Multiboot kernel) and $(BUILD)/guests/kernel-disk.img (its
# disk: the user programs and a few text files, in the format of guests/kernel/fs.h, built by mkfs).
#   revisor run -kernel $(BUILD)/guests/kernel.elf -hda $(BUILD)/guests/kernel-disk.img -serial stdio

KERNEL_DIR    := guests/kernel
KERNEL_B      := $(BUILD)/guests/kernel
# -fno-tree-loop-distribute-patterns: don't let gcc turn memset's own loop into a call to memset.
KERNEL_CC     := $(GCC32) -fno-tree-loop-distribute-patterns
KERNEL_OBJS   := $(addprefix $(KERNEL_B)/, entry.o vectors.o swtch.o main.o console.o fmt.o string.o \
                 kalloc.o vm.o trap.o pic.o mp.o lapic.o ioapic.o ide.o fs.o proc.o exec.o syscall.o)
KERNEL_UPROGS := sh ls cat echo hello race primes count uptime fault
KERNEL_ULIB   := $(KERNEL_B)/user/ulib.o $(KERNEL_B)/fmt.o $(KERNEL_B)/string.o
KERNEL_FILES  := $(KERNEL_UPROGS:%=$(KERNEL_B)/bin/%) $(KERNEL_DIR)/user/README $(KERNEL_DIR)/user/counter

GUEST_ELFS += $(BUILD)/guests/kernel.elf
guests: $(BUILD)/guests/kernel-disk.img

$(KERNEL_B)/%.o: $(KERNEL_DIR)/%.c $(wildcard $(KERNEL_DIR)/*.h)
	@mkdir -p $(dir $@)
	$(KERNEL_CC) -c $< -o $@
$(KERNEL_B)/%.o: $(KERNEL_DIR)/%.S
	@mkdir -p $(dir $@)
	$(KERNEL_CC) -c $< -o $@
$(KERNEL_B)/user/%.o: $(KERNEL_DIR)/user/%.c $(KERNEL_DIR)/user/user.h $(KERNEL_DIR)/syscall.h $(KERNEL_DIR)/fs.h
	@mkdir -p $(dir $@)
	$(KERNEL_CC) -c $< -o $@

$(BUILD)/guests/kernel.elf: $(KERNEL_OBJS) $(KERNEL_DIR)/kernel.ld
	$(GLD) -T $(KERNEL_DIR)/kernel.ld -o $@ $(KERNEL_OBJS) $(LIBGCC32)

# User programs: static ELF executables linked at 0x40000000.
$(KERNEL_B)/bin/%: $(KERNEL_B)/user/%.o $(KERNEL_ULIB) $(KERNEL_DIR)/user/user.ld
	@mkdir -p $(dir $@)
	$(GLD) -T $(KERNEL_DIR)/user/user.ld -o $@ $< $(KERNEL_ULIB) $(LIBGCC32)

# mkfs runs on the host: plain gcc.
$(KERNEL_B)/mkfs: $(KERNEL_DIR)/mkfs.c $(KERNEL_DIR)/fs.h
	@mkdir -p $(dir $@)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/guests/kernel-disk.img: $(KERNEL_B)/mkfs $(KERNEL_FILES)
	$(KERNEL_B)/mkfs $@ 4096 $(KERNEL_FILES)

# Keep the user objects (make would delete them as intermediate files of the bin/% pattern rule).
.SECONDARY: $(KERNEL_UPROGS:%=$(KERNEL_B)/user/%.o) $(KERNEL_B)/user/ulib.o
