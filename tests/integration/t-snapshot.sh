# Snapshot files: stop a run part way with -savevm, start again from the file with -loadvm, and the
# continued run ends exactly like an uninterrupted one (same output, instruction count and state hash).
# A damaged or foreign snapshot file is refused with a clear message and status 2.
. tests/integration/lib.sh
k="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot -append autorun=race -rtc-base 2026-01-01T00:00:00"
expect_status 1 $revisor run $k -d exit,hash
whole=$(printf '%s' "$out" | grep -a "race:\|exit:")
expect_status 0 $revisor run $k -icount-limit 3000000 -savevm $tmp/s.snap
expect_output "saved the machine at instruction 3000000"
expect_status 1 $revisor run $k -loadvm $tmp/s.snap -d exit,hash
[ "$(printf '%s' "$out" | grep -a "race:\|exit:")" = "$whole" ] || fail "resumed run differs:
$whole
---
$out"
# damaged files
head -c 1000 $tmp/s.snap > $tmp/cut.snap
expect_status 2 $revisor run $k -loadvm $tmp/cut.snap
expect_output "-loadvm $tmp/cut.snap:"
printf 'not a snapshot' > $tmp/junk.snap
expect_status 2 $revisor run $k -loadvm $tmp/junk.snap
expect_output "-loadvm $tmp/junk.snap:"
expect_status 2 $revisor run $k -loadvm /nonexistent/s.snap
exit 0
