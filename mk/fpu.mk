# fpu.c switches the host's rounding mode around x87 arithmetic: tell the compiler not to assume
# round-to-nearest when it optimizes that file (constant folding, moving operations across fesetround).
$(BUILD)/src/cpu/fpu.o: CFLAGS += -frounding-math
