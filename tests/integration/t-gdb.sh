# The GDB stub (docs/gdb.md) driven by Debian's gdb in batch mode: attach to a guest stopped by -S, break
# on a kernel symbol, continue, step, registers (with the system registers), memory, a watchpoint, monitor
# commands, reverse execution in a live session, `target remote | revisor ... -gdb stdio`, and the raw
# protocol: malformed packets and Ctrl-C.
. tests/integration/lib.sh
command -v gdb >/dev/null || { echo "gdb is not installed: skipping the GDB stub tests"; exit 77; }

kernel_elf=$guests/kernel.elf
kernel="-kernel $kernel_elf -hda $guests/kernel-disk.img -snapshot -serial none"

# Start revisor under the GDB stub on a free port (lib.sh); sets $port and $pid.
start_stub() { start_gdb_stub "$tmp/revisor.out" run "$@"; }
stop_stub() { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }
# run_gdb CMD...: gdb in batch mode against the stub on $port, output in $out.
run_gdb() {
	local args=()
	for c in "$@"; do args+=(-ex "$c"); done
	out=$(timeout 120 gdb -batch -nx -ex "set pagination off" -ex "file $kernel_elf" \
		-ex "target remote 127.0.0.1:$port" "${args[@]}" 2>&1)
}

# 1. Attach at the first instruction, break on a kernel symbol, look around, step, watch.
start_stub $kernel -append autorun=hello
run_gdb "info registers eip" "break trap" "continue" "bt" "info registers" "x/4xw &ticks" \
	"p/x \$cr0" "stepi" "next" "watch ticks" "delete 1" "continue" "continue" \
	"monitor icount" "monitor info registers" "monitor info mem" "monitor help" "monitor nosuch" "kill"
stop_stub
expect_output "_start () at guests/kernel/entry.S"
expect_output "eip  *0x10000c"
expect_output "Breakpoint 1, trap (tf=0x"
expect_output "in alltraps ()"
expect_output "cr3  *0x"
expect_output "gdtr  *0x.*<gdt>"
expect_output "idtr  *0x.*<idt>"
expect_output "eflags  *0x"
expect_output "<ticks>:	0x00000000"
expect_output "\$1 = 0x8001"                      # paging is on at the first trap
expect_output "Hardware watchpoint 2: ticks"
expect_output "Old value = 0"
expect_output "New value = 1"
expect_output "New value = 2"
expect_output "cpl=0 protected mode"
expect_output "page directory at"
expect_output "00000000-01ffffff -> 00000000-01ffffff  sw"
expect_output "seek N"
expect_output "unknown monitor command 'nosuch'"

# 2. Reverse execution in a live session: reverse-stepi lands exactly on the states seen going forward,
#    reverse-continue goes back to the previous breakpoint hit and to the last write of a watched variable.
start_stub $kernel -append autorun=hello
run_gdb "break trap" "continue" "continue" "p ticks" "monitor icount" \
	"stepi" "p/x \$esp" "stepi" "p/x \$esp" "stepi" "p/x \$eip" \
	"reverse-stepi" "p/x \$esp" "reverse-stepi" "p/x \$esp" "monitor icount" \
	"reverse-continue" "p ticks" "monitor icount" \
	"continue" "continue" "delete 1" "watch ticks" "continue" "continue" "p ticks" \
	"reverse-continue" "p ticks" "monitor checkpoints" "kill"
stop_stub
# Forward: esp after the 1st and 2nd stepi; backward: the same values in reverse order.
esps=$(printf '%s\n' "$out" | grep -o '^\$[0-9]* = 0x1ff[0-9a-f]*' | sed 's/.* = //')
set -- $esps
[ $# -ge 4 ] || fail "expected 4 esp values; output:
$out"
[ "$1" = "$4" ] && [ "$2" = "$3" ] || fail "reverse-stepi did not retrace the forward states ($esps); output:
$out"
# monitor icount at the breakpoint, after two stepi and two reverse-stepi, after reverse-continue: the
# last breakpoint hit before now is the one we stepped away from.
set -- $(printf '%s\n' "$out" | grep -E '^[0-9]+$')
[ $# -eq 3 ] && [ "$2" -eq $(($1 + 1)) ] && [ "$3" -eq "$1" ] || fail "instruction counts $* should be N, N+1, N; output:
$out"
expect_output "Old value = 2"                      # the watchpoint hits going forward ...
expect_output "live history: .* checkpoints"

set -- $(printf '%s\n' "$out" | grep -E '^\$[0-9]+ = [0-9]+$' | tail -2 | sed 's/.* = //')
[ $# -eq 2 ] && [ "$2" -eq $(($1 - 1)) ] || fail "reverse-continue to the watchpoint should go back to the value before the last write ($*); output:
$out"

# 3. gdb starts revisor itself over a pipe: the guest's console goes to standard error.
out=$(timeout 60 gdb -batch -nx -ex "file $guests/hello.elf" \
	-ex "target remote | $revisor run -kernel $guests/hello.elf -gdb stdio -S" \
	-ex "break guest_exit" -ex "continue" -ex "bt" -ex "continue" 2>&1)
expect_output "Hello from revisor guest!"
expect_output "Breakpoint 1, guest_exit (status=0)"
expect_output "exited with code 01"

# 4. The raw protocol: bad checksums are nacked, unknown packets get the empty reply, malformed ones an
#    error, and Ctrl-C (0x03) stops a running guest with SIGINT (the shell, idle without input).
start_stub $kernel
exec 3<>/dev/tcp/127.0.0.1/$port
packet() {   # send $1 framed; print the reply's payload
	local sum=0 i c
	for ((i = 0; i < ${#1}; i++)); do printf -v c '%d' "'${1:i:1}"; sum=$(((sum + c) % 256)); done
	printf '$%s#%02x' "$1" $sum >&3
	reply
}
reply() { local r; IFS= read -r -d '#' -t 5 r <&3; IFS= read -r -n 2 -t 5 _ <&3; printf '%s\n' "${r##*\$}"; }
printf '$g#00' >&3
IFS= read -r -n 1 -t 5 nack <&3
[ "$nack" = "-" ] || fail "bad checksum: expected '-', got '$nack'"
[ "$(packet 'qNoSuchPacket')" = "" ] || fail "unknown packet: expected the empty reply"
[ "$(packet 'mzz,4')" = "E01" ] || fail "bad hex: expected E01"
[ "$(packet 'm10000c,1')" = "fa" ] || fail "memory read: expected fa (cli) at _start"
[ "$(packet 'Z0,10000c')" = "E01" ] || fail "short Z0: expected E01"
printf '$c#63' >&3
IFS= read -r -n 1 -t 5 ack <&3
sleep 0.3
printf '\003' >&3
r=$(reply)
case $r in T02*) ;; *) fail "Ctrl-C: expected a T02 stop reply, got '$r'";; esac
[ "$(packet 'D')" = "OK" ] || fail "detach: expected OK"
exec 3<&-
stop_stub
exit 0
