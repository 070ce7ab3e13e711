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
exit 0
