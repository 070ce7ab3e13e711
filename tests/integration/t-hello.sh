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
# The runs above really are the backend's they claim: the translator's by default (its statistics at
# exit), the interpreter's under REVISOR_ACCEL=interp (make check-interp: no translator statistics).
expect_status 1 $revisor run -kernel $guests/hello.elf -d exit
if [ "$accel" = interp ]; then
	printf '%s\n' "$out" | grep -q "^bt: " && fail "-accel interp printed translator statistics"
else
	expect_output "bt: .* CCFs"
fi
exit 0
