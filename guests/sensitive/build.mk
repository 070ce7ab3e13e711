# build.mk — the sensitive guest (guests/sensitive): the lecture's sensitive-but-unprivileged instructions
# at CPL 0 and CPL 3, printed as a table.   revisor run -kernel $(BUILD)/guests/sensitive.elf
SENSITIVE_OBJS := $(BUILD)/guests/sensitive/sensitive.o $(BUILD)/guests/ring/ring.o $(BUILD)/guests/ring/stubs.o
GUEST_ELFS += $(BUILD)/guests/sensitive.elf

$(BUILD)/guests/sensitive/sensitive.o: guests/ring/ring.h
$(BUILD)/guests/sensitive.elf: $(SENSITIVE_OBJS) $(GUEST_LIB)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)
