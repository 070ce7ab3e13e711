# gdb attached to `revisor replay` (docs/gdb.md, "Debugging a replay"), driven by Debian's gdb in batch
# mode: the recording is gdb's execution history.  Record the kernel's race, then under gdb: the end of the
# recording is the end of history, reverse-stepi retraces the forward states register for register,
# monitor icount/seek, the start of the recording is the beginning of history, gdb cannot change the past
# — and the race hunt: the last write to the shared counter, and the write that lost the updates.
. tests/integration/lib.sh
command -v gdb >/dev/null || { echo "gdb is not installed: skipping the gdb-on-replay tests"; exit 77; }

kernel_elf=$guests/kernel.elf
race_elf=$guests/kernel/bin/race
log=$tmp/race.log
counter=0x70000000      # SHAREDVA (guests/kernel/param.h): the shared page, the counter at its start

# The recording: race with 10000 increments per process loses updates on this kernel (a timer interrupt
# lands between a read and its write), in about 4 million instructions.
"$revisor" record -o "$log" -kernel "$kernel_elf" -hda "$guests/kernel-disk.img" -snapshot \
	-append autorun=race,10000 </dev/null >"$tmp/rec.out" 2>&1
grep -q "lost [0-9]* updates" "$tmp/rec.out" || fail "the recording did not lose updates: $(cat "$tmp/rec.out")"
lost=$(sed -n 's/.*lost \([0-9]*\) updates.*/\1/p' "$tmp/rec.out")
final=$(sed -n 's/.*got \([0-9]*\) .*/\1/p' "$tmp/rec.out")

# Where the race's read-modify-write is in the user program (increment() is inlined into main): the
# `jmp 1f` (bytes eb 00) between the read and the add; the read ends 2 bytes before it, the write starts
# 5 bytes after it (jmp 2 + addl $1,%edx 3).
jmp=$(objdump -d "$race_elf" | awk -F: '/\teb 00 /{gsub(/ /, "", $1); print $1; exit}')
[ -n "$jmp" ] || fail "cannot find the race loop in $race_elf"
after_read=$(printf '0x%x' $((0x$jmp - 2)))
write=$(printf '0x%x' $((0x$jmp + 5)))

# Start revisor under the GDB stub on a free port (lib.sh); sets $port and $pid.
start_replay() { start_gdb_stub "$tmp/replay.out" replay "$log"; }
# The replay's exit status once gdb is gone (batch gdb detaches: the replay runs on to the end and is
# checked against the recording, so it exits with the recorded status, 1 = the kernel's power-off).
wait_replay() {
	local rc=0
	wait $pid || rc=$?
	[ $rc -eq "$1" ] || fail "revisor replay exited $rc, expected $1; its output:
$(cat "$tmp/replay.out")"
	! grep -q "diverged" "$tmp/replay.out" || fail "the replay diverged under gdb: $(cat "$tmp/replay.out")"
}
run_gdb() {
	local args=()
	for c in "$@"; do args+=(-ex "$c"); done
	out=$(timeout 120 gdb -batch -nx -ex "set pagination off" -ex "file $kernel_elf" \
		-ex "add-symbol-file $race_elf" -ex "target remote 127.0.0.1:$port" "${args[@]}" 2>&1)
}
# The text between two `echo @NAME@` markers in $out.
block() { printf '%s\n' "$out" | sed -n "/^@$1@\$/,/^@/p" | sed '1d;$d'; }
# Just the `info registers` lines of a block (the next command's own output may follow them).
regs() { block "$1" | grep -E '^[a-z][a-z0-9_]* +0x'; }

# 1. Forward and back: at instruction 0 there is no past; break, step forward three times, step back three
#    times: every register (`info registers`) as it was going forward; monitor icount and seek; gdb may
#    not change the past; the end of the recording is the end of history.
start_replay
run_gdb "reverse-stepi" "break trap" "continue" "continue" \
	"echo @F0@\n" "info registers" "echo @N0@\n" "monitor icount" \
	"stepi" "echo @F1@\n" "info registers" "echo @N1@\n" "monitor icount" \
	"stepi" "echo @F2@\n" "info registers" \
	"stepi" "echo @F3@\n" "info registers" \
	"reverse-stepi" "echo @B2@\n" "info registers" \
	"reverse-stepi" "echo @B1@\n" "info registers" \
	"reverse-stepi" "echo @B0@\n" "info registers" "echo @M0@\n" "monitor icount" \
	"echo @SEEK@\n" "delete" "monitor seek 12345" "maint flush register-cache" "monitor icount" \
	"echo @SEEK1@\n" "monitor seek 99999999999" \
	"echo @WRITE@\n" "set var ticks = 1234" "set \$eax = 1" \
	"echo @END@\n" "continue" "monitor icount" "continue" "reverse-stepi" "monitor icount" "echo @@\n"
wait_replay 1
printf '%s\n' "$out" | sed -n '1,/^@F0@$/p' | grep -q "No more reverse-execution history" ||
	fail "reverse-stepi at instruction 0 should reach the beginning of history; output:
$out"
for k in 0 1 2; do
	f=$(regs F$k); b=$(regs B$k)
	[ -n "$f" ] && printf '%s\n' "$f" | grep -q "^eip" || fail "no registers at forward step $k; output:
$out"
	[ "$f" = "$b" ] || fail "reverse-stepi did not retrace forward step $k:
forward:
$f
backward:
$b"
done
[ "$(regs F1)" != "$(regs F0)" ] || fail "stepi did not change the registers"
n0=$(block N0 | grep -E '^[0-9]+$'); n1=$(block N1 | grep -E '^[0-9]+$'); m0=$(block M0 | grep -E '^[0-9]+$')
[ -n "$n0" ] && [ "$n1" -eq $((n0 + 1)) ] && [ "$m0" -eq "$n0" ] || fail "monitor icount: $n0, $n1, $m0 should be N, N+1, N"
block SEEK | grep -q "at instruction 12345, eip" && block SEEK | grep -qx "12345" || fail "monitor seek 12345: $(block SEEK)"
block SEEK1 | grep -q "cannot seek to 99999999999" || fail "seeking past the end should fail: $(block SEEK1)"
block WRITE | grep -q "Cannot access memory" || fail "a memory write into the replay should fail: $(block WRITE)"
block WRITE | grep -q 'Could not write register "eax"' || fail "a register write into the replay should fail: $(block WRITE)"
grep -q "refused, this is a replay" "$tmp/replay.out" || fail "revisor should say why it refused the writes"
end=$(block END | grep -E '^[0-9]+$' | head -1)
[ "$(block END | grep -c "No more reverse-execution history")" -ge 2 ] ||
	fail "continuing at the end of the recording should report the end of history again: $(block END)"
[ "$(block END | grep -E '^[0-9]+$' | tail -1)" -eq $((end - 1)) ] || fail "reverse-stepi from the end: $(block END)"
logend=$("$revisor" log "$log" | awk '$2 == "end" {print $1}')
[ "$end" = "$logend" ] || fail "the end of history ($end) should be the recording's end ($logend)"
[ "$(grep -c "race: expected" "$tmp/replay.out")" -eq 1 ] ||
	fail "the guest's output should appear once, however often gdb goes back: $(cat "$tmp/replay.out")"

# 2. The race hunt.  Run to the end of the recording; watch the counter and reverse-continue: the last write
#    (the final value, by which process).  Then the lost update: reverse-continue to the last timer
#    interrupt that preempted a process between its read of the counter and its write, `finish` to the
#    moment that process is scheduled again, and stop at its write: it writes its stale value + 1 over a
#    counter the other process has raised meanwhile — the write that lost the updates.
start_replay
run_gdb "continue" "watch *(int *)$counter" "reverse-continue" \
	"echo @LAST@\n" "p/x \$pc" "p curproc->pid" "p \$edx" "p *(int *)$counter" "delete" \
	"break trap if tf->eip >= $after_read && tf->eip <= $write" "reverse-continue" \
	"echo @PREEMPT@\n" "p curproc->pid" "p tf->eax" "p/x tf->eip" "delete" "finish" \
	"tbreak *$write" "continue" \
	"echo @LOST@\n" "p/x \$pc" "p curproc->pid" "p \$edx" "p *(int *)$counter" "stepi" "p *(int *)$counter" "echo @@\n"
wait_replay 1
vals() { block "$1" | grep -E '^\$[0-9]+ = ' | sed 's/^\$[0-9]* = //'; }
set -- $(vals LAST)
[ $# -eq 4 ] || fail "the last write: expected 4 values; output:
$out"
[ "$1" = "$write" ] || fail "the last write should be the race's store at $write, not $1; output:
$out"
[ "$3" = "$final" ] && [ "$4" -eq $((final - 1)) ] ||
	fail "the last write should store the final value $final over $((final - 1)) (got $3 over $4)"
echo "the last write: pid $2 stores $3 at $1"
set -- $(vals PREEMPT)
[ $# -eq 3 ] && [ "$3" = "$after_read" ] || fail "the preemption: $*; output:
$out"
victim=$1 stale=$2
set -- $(vals LOST)
[ $# -eq 5 ] || fail "the lost update: expected 5 values; output:
$out"
[ "$1" = "$write" ] && [ "$2" = "$victim" ] && [ "$3" -eq $((stale + 1)) ] && [ "$5" -eq "$3" ] ||
	fail "pid $victim, preempted after reading $stale, should store $((stale + 1)) at $write: $*"
[ $(($4 + 1 - $3)) -eq "$lost" ] ||
	fail "the stale write overwrote $4 with $3, losing $(($4 + 1 - $3)) updates; the program reported $lost"
echo "the write that lost the updates: pid $victim at $write stores $3 over $4 (lost $lost)"

# 3. gdb starts the replay itself over a pipe.
out=$(timeout 60 gdb -batch -nx -ex "file $kernel_elf" \
	-ex "target remote | $revisor replay $log -gdb stdio -S" \
	-ex "continue" -ex "reverse-stepi" -ex "monitor checkpoints" 2>&1)
expect_output "No more reverse-execution history"
expect_output "race: expected"
expect_output "history: instructions 0 .. "
! printf '%s' "$out" | grep -q "diverged" || fail "the replay over a pipe diverged; output:
$out"
exit 0
