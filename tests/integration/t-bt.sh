# The binary translator (-accel bt, docs/bt.md): every guest gives the same output as under the
# interpreter, and — virtual time being the instruction count — the same final instruction count and
# machine state hash (determinism across backends).  -rtc-base pins the RTC so the hash is comparable.
. tests/integration/lib.sh
backend_specific
rtc="-rtc-base 2024-01-01T00:00:00"

# same_run ARGS...: run the guest under both backends; the output lines (console, exit line with icount
# and state hash) must be identical.  The bt run's statistics go to the log, not the comparison.
same_run() {
	local want=$1; shift
	expect_status "$want" $revisor run "$@" $rtc -accel interp -d exit,hash
	local a=$out
	expect_status "$want" $revisor run "$@" $rtc -accel bt -d exit,hash
	local b=$(printf '%s\n' "$out" | grep -v '^bt: ')
	[ "$a" = "$b" ] || fail "interp and bt differ for '$*':
--- interp
$a
--- bt
$b"
}

same_run 1 -kernel $guests/hello.elf
expect_output "Hello from revisor guest!"
expect_output "bt: .* CCFs"

same_run 1 -kernel $guests/primes.elf -append "n=20000"
expect_output "primes below 20000: 2262 (asm)"
same_run 1 -kernel $guests/primes.elf -append "n=20000 impl=c"
expect_output "primes below 20000: 2262 (c)"

same_run 1 -kernel $guests/selftest.elf -hda $guests/selftest-disk.img -snapshot -append disk=1
expect_output "selftest: [0-9]* checks, 0 failed"

same_run 1 -kernel $guests/sensitive.elf
same_run 1 -kernel $guests/costs.elf

# The teaching kernel's race: the lost-update count depends on where timer interrupts land, so the
# same number under both backends shows interrupts land at the same instruction counts.
kernel="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot -serial stdio"
same_run 1 $kernel -append autorun=race
expect_output "lost [0-9]* updates!"
same_run 255 $kernel -append autorun=fault
expect_output "page fault (vector 14)"

# World switches are counted and can be traced.
expect_status 1 $revisor run -kernel $guests/hello.elf -accel bt -d worlds,exit
expect_output "worlds: terminating callout"
expect_output "bt: world switches: .*chain miss"
expect_status 1 $revisor run -kernel $guests/hello.elf -accel bt -d in_asm
expect_output "in_asm: .*; IDENT"
# A bad backend name is still refused.
expect_status 2 $revisor run -kernel $guests/hello.elf -accel nosuch
exit 0
