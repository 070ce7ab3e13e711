# build.mk — guests/ring is not a guest: it is the GDT/IDT/TSS/paging scaffolding that selftest,
# sensitive and costs link (its objects are built by the generic rules of guests/guests.mk; each guest's
# build.mk names them, since included build.mk files cannot rely on each other's variables).
$(BUILD)/guests/ring/ring.o: guests/ring/ring.h
