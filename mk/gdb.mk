# The GDB stub (debugger/, docs/gdb.md).
#
# `make fuzz-rsp`: the packet parser under libFuzzer.  Builds tests/fuzz/fuzz_rsp.c and the program's
# sources with clang -fsanitize=fuzzer,address,undefined into $(BUILD)-fuzz/, then fuzzes for FUZZ_TIME
# seconds starting from the seed inputs in tests/fuzz/corpus-rsp/ (new inputs it finds are kept in
# $(BUILD)-fuzz/corpus-rsp/).  A crash leaves a crash-* file to reproduce with
# `$(BUILD)-fuzz/fuzz-rsp crash-...`.
FUZZ_TIME  ?= 30
FUZZ_CC    ?= clang
FUZZ_BUILD := $(BUILD)-fuzz
FUZZ_FLAGS := -std=gnu11 -O1 -g -Isrc -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
FUZZ_OBJ   := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

.PHONY: fuzz-rsp
$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -fsanitize=fuzzer%,$(FUZZ_FLAGS)) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(FUZZ_BUILD)/fuzz-rsp: tests/fuzz/fuzz_rsp.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LIBS)

fuzz-rsp: $(FUZZ_BUILD)/fuzz-rsp
	@mkdir -p $(FUZZ_BUILD)/corpus-rsp
	$(FUZZ_BUILD)/fuzz-rsp -max_total_time=$(FUZZ_TIME) -max_len=8192 -print_final_stats=1 \
		$(FUZZ_BUILD)/corpus-rsp tests/fuzz/corpus-rsp
