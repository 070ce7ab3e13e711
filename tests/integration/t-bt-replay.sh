# SPDX-License-Identifier: MIT
# Record/replay across backends (docs/replay.md, "Across backends"; docs/bt.md): a recording made under
# the interpreter replays under the binary translator and the other way round — same console output,
# same exit status, every logged state hash and the final one matched (a mismatch is a divergence, exit
# 10).  Recording under each backend gives the same log (every hash point) and the same final state hash.
# Seeking (checkpoint restores and re-execution) under bt stays consistent with a recording made under
# the interpreter.  Guests: the kernel's race (its result depends on where timer interrupts land),
# primes, the selftest with its disk, the kernel's shell with typed input.
. tests/integration/lib.sh
backend_specific
rtc="-rtc-base 2024-01-01T00:00:00"

# rec NAME ACCEL ARGS...: record under ACCEL, typing $input (if any) at the console; console output in
# $tmp/NAME.ACCEL.out, exit line in $tmp/NAME.ACCEL.exit.
input=
rec() {
	local name=$1 acc=$2; shift 2
	printf "$input" | "$revisor_bin" record -o "$tmp/$name.$acc.log" -accel "$acc" "$@" $rtc -d exit,hash \
		-D "$tmp/$name.$acc.d" >"$tmp/$name.$acc.out" 2>&1
	echo $? >"$tmp/$name.$acc.rc"
	grep '^exit:' "$tmp/$name.$acc.d" >"$tmp/$name.$acc.exit" || fail "$name: no exit line recording under $acc"
}
# The events of a recording (no header: it names the backend and the command line).
events() { "$revisor_bin" log "$1" | sed -n '/^ *icount  *kind/,/^$/p'; }
# play NAME FROM TO: replay the recording made under FROM with -accel TO; it must end as recorded.
play() {
	local name=$1 from=$2 to=$3 rc
	"$revisor_bin" replay "$tmp/$name.$from.log" -accel "$to" </dev/null >"$tmp/$name.play" 2>&1; rc=$?
	! grep -q "diverged" "$tmp/$name.play" || fail "$name: recorded under $from, replayed under $to: $(grep -A8 diverged "$tmp/$name.play")"
	[ $rc -eq "$(cat "$tmp/$name.$from.rc")" ] ||
		fail "$name: recorded under $from (status $(cat "$tmp/$name.$from.rc")), replay under $to exited $rc: $(tail -5 "$tmp/$name.play")"
	cmp -s "$tmp/$name.$from.out" "$tmp/$name.play" ||
		fail "$name: replay under $to prints something else: $(diff "$tmp/$name.$from.out" "$tmp/$name.play" | head)"
}
# cross NAME ARGS...: both recordings agree; each replays under the other backend.
cross() {
	local name=$1; shift
	rec "$name" interp "$@"
	rec "$name" bt "$@"
	cmp -s "$tmp/$name.interp.out" "$tmp/$name.bt.out" || fail "$name: recorded output differs between backends"
	[ "$(cat "$tmp/$name.interp.exit")" = "$(cat "$tmp/$name.bt.exit")" ] ||
		fail "$name: interp ended '$(cat "$tmp/$name.interp.exit")', bt '$(cat "$tmp/$name.bt.exit")'"
	[ "$(events "$tmp/$name.interp.log")" = "$(events "$tmp/$name.bt.log")" ] ||
		fail "$name: the two recordings' events differ: $(diff <(events "$tmp/$name.interp.log") <(events "$tmp/$name.bt.log"))"
	grep -q " hash " <(events "$tmp/$name.interp.log") || fail "$name: the recording has no hash point"
	play "$name" interp bt
	play "$name" bt interp
}

kernel="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot"
cross race $kernel -append autorun=race
grep -q "lost [0-9]* updates" "$tmp/race.play" || fail "race: no lost updates: $(cat "$tmp/race.play")"
cross primes -kernel $guests/primes.elf -append n=3000
grep -q "primes below 3000: 430" "$tmp/primes.play" || fail "primes: wrong output: $(cat "$tmp/primes.play")"
cross selftest -kernel $guests/selftest.elf -hda $guests/selftest-disk.img -snapshot -append disk=1
grep -q "selftest: [0-9]* checks, 0 failed" "$tmp/selftest.play" || fail "selftest: $(cat "$tmp/selftest.play")"

# Interactive input (the shell): the serial bytes reach the guest at the same instruction counts.
input='hello\nls\nexit 2\n'
cross shell $kernel
input=
grep -q "hello from user space" "$tmp/shell.play" || fail "shell: the hello program did not run: $(cat "$tmp/shell.play")"
grep -q " serial " <(events "$tmp/shell.interp.log") || fail "shell: no serial input in the recording"

# The middle of a run: stopped at the same count, both backends are in the same state.
for n in 2500000; do
	expect_status 0 "$revisor_bin" replay "$tmp/race.interp.log" -until $n -accel interp
	a=$(printf '%s\n' "$out" | grep "stopped at instruction $n")
	expect_status 0 "$revisor_bin" replay "$tmp/race.interp.log" -until $n -accel bt
	b=$(printf '%s\n' "$out" | grep "stopped at instruction $n")
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "race at $n: interp '$a', bt '$b'"
done

# Seeking under bt (checkpoints restored, the translation cache dropped, re-executed by the translator) in
# a recording made under the interpreter: random seeks, then the whole recording again, hash-checked.
expect_status 0 "$revisor_bin" replay "$tmp/race.interp.log" -accel bt -bench-seek 10
expect_output "10 seeks over 5[0-9]* instructions: median"
exit 0
