# build.mk — the selftest guest (guests/selftest): CPU and platform conformance checks, and its disk image.
#   revisor run -kernel $(BUILD)/guests/selftest.elf -hda $(BUILD)/guests/selftest-disk.img -append disk=1
SELFTEST_OBJS := $(addprefix $(BUILD)/guests/selftest/, selftest.o st_paging.o st_insn.o st_platform.o) \
                 $(BUILD)/guests/ring/ring.o $(BUILD)/guests/ring/stubs.o
GUEST_ELFS += $(BUILD)/guests/selftest.elf
guests: $(BUILD)/guests/selftest-disk.img

$(SELFTEST_OBJS): guests/selftest/st.h guests/ring/ring.h
$(BUILD)/guests/selftest.elf: $(SELFTEST_OBJS) $(GUEST_LIB)
	$(GLD) -T guests/lib/kernel.ld -o $@ $^ $(LIBGCC32)

# 64 sectors; sector s holds the little-endian words 0xD1000000 | s << 8 | i, i = 0..127.
$(BUILD)/guests/selftest-disk.img:
	@mkdir -p $(dir $@)
	perl -e 'for $$s (0..63) { print pack("V*", map { 0xD1000000 | ($$s << 8) | $$_ } 0..127) }' > $@
