# The conformance suite: every check must pass (exit value = failure count 0 → status 1).  With the
# test disk the IDE checks read known sectors; without one they are skipped with a PASS note.
. tests/integration/lib.sh
expect_status 1 $revisor run -kernel $guests/selftest.elf -hda $guests/selftest-disk.img -snapshot -append disk=1
expect_output "selftest: [0-9]* checks, 0 failed"
expect_output "PASS gp-int-dpl0-gate-cpl3"
expect_output "PASS syscall-int-gate-pushed-ss-esp"
expect_output "PASS callgate-to-ring0"
expect_output "PASS pf-supervisor-page-write-cpl3"
expect_output "PASS pse-4m-dirty"
expect_output "PASS sti-interrupt-shadow"
expect_output "PASS lapic-timer-periodic-exact"
expect_output "PASS pit-mode2-period-exact"
expect_output "PASS uart-loopback-data"
expect_output "PASS ide-read-sectors"
expect_status 1 $revisor run -kernel $guests/selftest.elf
expect_output "PASS ide-identify (skipped: no disk attached)"
# Asking for a disk that is not there is a failure, counted in the exit status: (1 << 1) | 1 = 3.
expect_status 3 $revisor run -kernel $guests/selftest.elf -append disk=1
expect_output "FAIL ide-identify"
exit 0
