# Record and replay (docs/replay.md): round trips give the same console output and exit status; the
# race's outcome replays identically; interactive serial input replays without a host; damaged,
# truncated, wrong-version recordings and changed images are refused with exit status 2; a tampered
# event (with the checksum check switched off) is caught as a divergence (exit 10); every guest run
# twice ends with the same state hash; seeking back and forth through checkpoints stays consistent.
. tests/integration/lib.sh
kernel="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img"

# roundtrip NAME RUN-OPTIONS...: record (no input), replay, compare output and status.
roundtrip() {
	local name=$1; shift
	"$revisor" record -o "$tmp/$name.log" "$@" </dev/null >"$tmp/$name.rec" 2>&1; local rc1=$?
	"$revisor" replay "$tmp/$name.log" </dev/null >"$tmp/$name.rep" 2>&1; local rc2=$?
	[ $rc1 -eq $rc2 ] || fail "$name: recorded run exited $rc1, replay $rc2; replay said: $(tail -5 "$tmp/$name.rep")"
	cmp -s "$tmp/$name.rec" "$tmp/$name.rep" || fail "$name: replay output differs: $(diff "$tmp/$name.rec" "$tmp/$name.rep" | head -20)"
}
roundtrip hello -kernel "$guests/hello.elf" -append "greeting test"
roundtrip primes -kernel "$guests/primes.elf" -append n=2000
grep -q "primes below 2000: 303" "$tmp/primes.rep" || fail "primes: wrong replayed output: $(cat "$tmp/primes.rep")"
roundtrip race $kernel -snapshot -append autorun=race
grep -q "lost [0-9]* updates" "$tmp/race.rep" || fail "race: the recording did not show lost updates"

# The race's bad outcome, replayed 10 times: always the same count.
want=$(grep "race:" "$tmp/race.rec")
for k in 1 2 3 4 5 6 7 8 9 10; do
	"$revisor" replay "$tmp/race.log" </dev/null >"$tmp/again" 2>&1 || [ $? -eq 1 ] || fail "race replay $k failed"
	[ "$(grep "race:" "$tmp/again")" = "$want" ] || fail "race replay $k: $(grep "race:" "$tmp/again"), recorded $want"
done

# Interactive input: the shell's session replays from the log alone (stdin is /dev/null).
printf 'hello\nls\nexit 2\n' | "$revisor" record -o "$tmp/sh.log" $kernel >"$tmp/sh.rec" 2>&1; rc1=$?
[ $rc1 -eq 5 ] || fail "shell recording exited $rc1, expected 5 (exit 2)"
"$revisor" replay "$tmp/sh.log" </dev/null >"$tmp/sh.rep" 2>&1; rc2=$?
[ $rc2 -eq 5 ] || fail "shell replay exited $rc2: $(tail -5 "$tmp/sh.rep")"
cmp -s "$tmp/sh.rec" "$tmp/sh.rep" || fail "shell replay output differs: $(diff "$tmp/sh.rec" "$tmp/sh.rep" | head)"
grep -q "hello from user space" "$tmp/sh.rep" || fail "shell replay lacks the hello program's output"

# revisor log: the events and a summary; --json is one object.
expect_status 0 "$revisor" log "$tmp/sh.log"
expect_output 'serial  "hello\\x0als\\x0aexit 2\\x0a"'
expect_output "summary: .* events over"
expect_status 0 "$revisor" log --json "$tmp/sh.log"
expect_output '"kind": "end", "reason": 2, "status": 5'

# Tampering with one input byte: the chunk checksum catches it...
cp "$tmp/sh.log" "$tmp/bad.log"
off=$(grep -boa 'hello' "$tmp/bad.log" | head -1 | cut -d: -f1)
[ -n "$off" ] || fail "cannot find the serial event in the log"
printf 'j' | dd of="$tmp/bad.log" bs=1 seek="$off" conv=notrunc 2>/dev/null
expect_status 2 "$revisor" replay "$tmp/bad.log"
expect_output "checksum mismatch"
# ...and with the check off, the replay diverges and says where.
expect_status 10 "$revisor" replay "$tmp/bad.log" -no-crc
expect_output "replay diverged at"

# Truncated (a recorder killed mid-chunk): replays to the last complete chunk, then exit 2.
size=$(stat -c %s "$tmp/race.log")
head -c $((size - 10)) "$tmp/race.log" >"$tmp/trunc.log"
expect_status 2 "$revisor" replay "$tmp/trunc.log"
expect_output "truncated.*replayed up to instruction 4194304"
expect_output "boot complete"
head -c 30 "$tmp/race.log" >"$tmp/trunc.log"
expect_status 2 "$revisor" replay "$tmp/trunc.log"
expect_output "no complete header"

# Wrong version, not a recording.
cp "$tmp/race.log" "$tmp/v2.log"
printf '\002' | dd of="$tmp/v2.log" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_status 2 "$revisor" replay "$tmp/v2.log"
expect_output "format version 2, this revisor reads version 1"
expect_status 2 "$revisor" replay "$guests/hello.elf"
expect_output "not a revisor recording"

# A changed disk image is refused (recorded on a copy, then one byte of the copy changes); so is a
# missing one.  The recording never modifies the image.
cp "$guests/kernel-disk.img" "$tmp/disk.img"
before=$(sha256sum <"$tmp/disk.img")
"$revisor" record -o "$tmp/d.log" -kernel "$guests/kernel.elf" -hda "$tmp/disk.img" -append autorun=count </dev/null >/dev/null 2>&1
[ "$(sha256sum <"$tmp/disk.img")" = "$before" ] || fail "recording modified the disk image"
expect_status 1 "$revisor" replay "$tmp/d.log"
printf 'X' | dd of="$tmp/disk.img" bs=1 seek=100000 conv=notrunc 2>/dev/null
expect_status 2 "$revisor" replay "$tmp/d.log"
expect_output "disk.img (hda): content hash .* differs from the recording's"
rm "$tmp/disk.img"
expect_status 2 "$revisor" replay "$tmp/d.log"
expect_output "disk.img"

# -until: stop at an exact instruction count.
expect_status 0 "$revisor" replay "$tmp/race.log" -until 3000000
expect_output "stopped at instruction 3000000 (-until), state hash [0-9a-f]*"

# Seeking: random seeks through checkpoints, then the whole recording once more, hash-checked.
expect_status 0 "$revisor" replay "$tmp/race.log" -bench-seek 40
expect_output "40 seeks over 5[0-9]* instructions: median"

# Determinism: every guest, run twice with the same inputs, ends with the same state hash.
hashof() { "$revisor" run "$@" -rtc-base 2024-01-01T00:00:00 -d exit,hash -D "$tmp/h" </dev/null >/dev/null 2>&1; sed -n 's/.*\(icount [0-9]* hash [0-9a-f]*\).*/\1/p' "$tmp/h"; }
for g in "-kernel $guests/hello.elf" "-kernel $guests/primes.elf -append n=3000" "-kernel $guests/sensitive.elf" \
	 "-kernel $guests/selftest.elf -hda $guests/selftest-disk.img -snapshot -append disk=1" \
	 "$kernel -snapshot -append autorun=race" "$kernel -snapshot -append autorun=count"; do
	h1=$(hashof $g); h2=$(hashof $g)
	[ -n "$h1" ] || fail "no hash line for: $g"
	[ "$h1" = "$h2" ] || fail "two runs of '$g' differ: $h1 / $h2"
done
exit 0
