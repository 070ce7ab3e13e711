# How revisor ends runs that go wrong: a triple fault, a reset request, a dead halt — each with a report
# and its documented exit status (docs/revisor.1).
. tests/integration/lib.sh
expect_status 3 $revisor run -kernel $guests/crash.elf -append "mode=triple"
expect_output "triple fault"
expect_output "last 1[0-9]* instructions"
expect_output "int3"
expect_output "idtr=.*:0000"
expect_status 3 $revisor run -kernel $guests/crash.elf -append "mode=ud"
expect_output "ud2"
expect_status 4 $revisor run -kernel $guests/crash.elf -append "mode=halt"
expect_output "halted with interrupts disabled"
expect_output "hlt"
# A reset request with -no-reboot ends the run...
expect_status 5 $revisor run -kernel $guests/crash.elf -append "mode=reset" -no-reboot
expect_output "requested a reset"
# ...and without it the machine reboots (the guest prints its banner again), until the instruction limit.
# (About 3200 reboots; -m 8 because every reboot clears all of RAM.)
expect_status 0 $revisor run -m 8 -kernel $guests/crash.elf -append "mode=reset" -icount-limit 3000000
n=$(printf '%s' "$out" | grep -c "crash: mode reset")
[ "$n" -ge 2 ] || fail "expected the guest to boot at least twice, saw $n banners: $out"
exit 0
