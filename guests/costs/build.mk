# build.mk — the costs guest (guests/costs): the lecture's cycle-costs table as rdtsc microbenchmarks.
#   revisor run -kernel $(BUILD)/guests/costs.elf
COSTS_OBJS := $(BUILD)/guests/costs/costs.o $(BUILD)/guests/ring/ring.o $(BUILD)/guests/ring/stubs.o
GUEST_ELFS += $(BUILD)/guests/costs.elf

$(BUILD)/guests/costs/costs.o: guests/ring/ring.h
$(BUILD)/guests/costs.elf: $(COSTS_OBJS) $(GUEST_LIB)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)
