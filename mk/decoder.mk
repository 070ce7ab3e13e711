# The decoder's differential test against Capstone at full strength: a million random instructions in
# 16- and 32-bit code (the ordinary unit-test run does 200000; docs/decoder-vs-capstone.md).
.PHONY: decode-diff
decode-diff: $(BUILD)/unit-tests
	REVISOR_DECODE_DIFF_N=1000000 $(BUILD)/unit-tests suite_decode_capstone
