# Boot the hello guest: it prints through the UART and exits through port 0xF4 with status 0,
# which revisor reports as (0 << 1) | 1 = 1 (QEMU's isa-debug-exit convention).
. tests/integration/lib.sh
expect_status 1 $revisor run -kernel $guests/hello.elf -append "greeting test" -serial stdio
expect_output "Hello from revisor guest!"
expect_output "cmdline: greeting test"
expect_output "upper 130048 KiB"
# -m changes what the guest is told
expect_status 1 $revisor run -kernel $guests/hello.elf -m 32
expect_output "upper 31744 KiB"
# -serial file:PATH
expect_status 1 $revisor run -kernel $guests/hello.elf -serial file:$tmp/serial.txt
grep -q "Hello from revisor guest!" $tmp/serial.txt || fail "serial file lacks the greeting"
# Under REVISOR_ACCEL=bt (make check-bt) the runs above really are the translator's (its statistics).
if [ "$accel" = bt ]; then
	expect_status 1 $revisor run -kernel $guests/hello.elf -d exit
	expect_output "bt: .* CCFs"
fi
exit 0
