# The binary translator's lockstep differential tests against the interpreter (docs/bt.md, "Lockstep
# testing").  The unit tests (suite_bt_random) and the integration test t-bt-lockstep.sh run short
# fixed-seed versions; these targets run them at length.
#
#   make bt-fuzz [SEED=n] [COUNT=n] [BUDGET=n]   random programs; SEED defaults to a fresh one (printed)
#   make bt-lockstep [SEED=n]                    every guest, interp and bt side by side, compared every
#                                                few instructions (SEED varies where the stops fall)
SEED   ?=
COUNT  ?= 2000
BUDGET ?= 200000

BT_TEST_OBJ := $(BUILD)/tests/unit/bt_randprog.o $(BUILD)/tests/unit/bt_lockstep.o $(BUILD)/tests/unit/testutil.o

$(BUILD)/tests/bt/%.o: tests/bt/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(BUILD)/bt-fuzz: $(BUILD)/tests/bt/bt_fuzz.o $(BT_TEST_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bt-lockstep: $(BUILD)/tests/bt/guest_lockstep.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The integration test runs bt-lockstep, so `make check` builds it.
check integration: $(BUILD)/bt-lockstep

.PHONY: bt-fuzz bt-lockstep
bt-fuzz: $(BUILD)/bt-fuzz
	$(BUILD)/bt-fuzz -seed "$(SEED)" -count $(COUNT) -budget $(BUDGET)

bt-lockstep: all $(BUILD)/bt-lockstep
	bash tests/bt/bt-lockstep-guests.sh $(BUILD) long $(or $(SEED),1)

-include $(wildcard $(BUILD)/tests/bt/*.d)
