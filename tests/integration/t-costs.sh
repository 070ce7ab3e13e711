# The lecture's cycle-costs table.  On revisor rdtsc counts retired instructions, so the simple rows are
# exact instruction counts and the peak rate is exactly one instruction per tick.
. tests/integration/lib.sh
expect_status 1 $revisor run -kernel $guests/costs.elf
expect_output "rdtsc counts retired instructions"
expect_output "^register move (MOV)  *1\.00"
expect_output "^floating point multiply (FMUL)  *1\.00"
expect_output "^pair of memory load and store  *2\.00"
expect_output "^indirect call through EAX (call + ret)  *2\.00"
expect_output "^system call changing a page's protection  *[0-9]"
expect_output "^page fault and handler  *[0-9]"
expect_output "= 1\.00 instructions per tick"
expect_output "in 12000007 ticks"

# -tsc host (tests/bench/costs-bench.sh): rdtsc reads the host's TSC, so the ticks are no longer the
# instruction count.  A recording cannot include it.
expect_status 1 $revisor run -kernel $guests/costs.elf -tsc host
expect_output "peak rate: 12000000 instructions in [0-9]* ticks"
printf '%s\n' "$out" | grep -q "in 12000007 ticks" && fail "-tsc host: rdtsc still counts instructions"
expect_status 2 $revisor record -o "$tmp/costs.rr" -kernel $guests/costs.elf -tsc host
expect_output "cannot be recorded"
exit 0
