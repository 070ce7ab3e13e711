# build.mk — guests/ring is not a guest: it is the GDT/IDT/TSS/paging scaffolding that selftest,
# sensitive and costs link (objects built by the generic rules of guests/guests.mk).
RING_OBJS := $(BUILD)/guests/ring/ring.o $(BUILD)/guests/ring/stubs.o
$(BUILD)/guests/ring/ring.o: guests/ring/ring.h
