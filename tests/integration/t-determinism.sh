# Determinism: a run is a pure function of its inputs.  The same guest run twice, and run with traces
# (up to 16 instructions per dispatch) or one instruction at a time, prints the same output and ends at
# the same instruction count — interrupts land at the same counts whatever the execution strategy.
. tests/integration/lib.sh
k="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot"
# (Under REVISOR_ACCEL=bt the first two runs are the translator's, the third the interpreter's, one
# instruction at a time; the translator's statistics lines, "bt: ...", are not part of the comparison.)
nobt() { out=$(printf '%s\n' "$out" | grep -v '^bt: '); }
check() {   # check NAME ARGS...: three runs must agree
	local name=$1; shift
	expect_status 1 $revisor run "$@" -d exit -rtc-base 2026-01-01T00:00:00
	nobt; local a=$out
	expect_status 1 $revisor run "$@" -d exit -rtc-base 2026-01-01T00:00:00
	nobt
	[ "$out" = "$a" ] || fail "$name: two identical runs differ:
$a
---
$out"
	expect_status 1 $revisor run "$@" -d exit -rtc-base 2026-01-01T00:00:00 -accel interp,one-insn-per-trace=on
	nobt
	[ "$out" = "$a" ] || fail "$name: traced and one-instruction-at-a-time runs differ:
$a
---
$out"
	printf '%s' "$a" | grep -q "exit: reason" || fail "$name: no exit line"
}
check race $k -append autorun=race
check uptime $k -append autorun=uptime
check selftest -kernel $guests/selftest.elf
check primes -kernel $guests/primes.elf -append n=3000
exit 0
