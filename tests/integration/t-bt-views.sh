# Looking inside the binary translator (docs/bt.md, "Looking inside"): the -d in_asm,out_asm listing of
# new CCFs (guest code, translation kind, host code under it) on the primes guest's isPrime loop, and
# the debugger's views: `monitor tc`, `monitor tc ADDR` and `monitor chains FILE.dot|.svg`, plus their
# answer under the interpreter.
. tests/integration/lib.sh
backend_specific

# 1. The listing: the isPrime loop's IDIV runs in the TC behind its #DE guard (kind DIV), with its host
# code (ending in the host's own idiv) right under it.
# (-D: the log to a file, so the guest's console output does not interleave with it)
expect_status 1 $revisor run -kernel $guests/primes.elf -append n=100 -accel bt -d in_asm,out_asm -D $tmp/log
expect_output "primes below 100: 25"
out=$(cat $tmp/log)
expect_output "^in_asm: CCF 001001a9-"
expect_output "^in_asm: [0-9a-f]*  idiv esi  *; DIV"
expect_output "^out_asm:  *[0-9a-f]*  .*call .*; t_callout"
expect_output "^in_asm: [0-9a-f]*  inc esi  *; REENC"
expect_output "^out_asm:  *[0-9a-f]*  ff c6  *inc esi"
printf '%s\n' "$out" | awk '
	found && /^in_asm/ { exit }
	found && /^out_asm: +[0-9a-f]+  ([0-9a-f][0-9a-f] )+ +idiv esi/ { ok = 1; exit }
	/^in_asm: [0-9a-f]+  idiv esi +; DIV/ { found = 1 }
	END { exit !ok }' || fail "the idiv line is not followed by its host code; output:
$out"
# out_asm alone: the host code, the guest instructions only as comments.
expect_status 1 $revisor run -kernel $guests/primes.elf -append n=100 -accel bt -d out_asm
expect_output "^out_asm: ; [0-9a-f]*  idiv esi  *; DIV"
expect_output "^out_asm:  *[0-9a-f]*  .*; t_exit"
printf '%s\n' "$out" | grep -q '^in_asm' && fail "-d out_asm printed in_asm lines"
# Under the interpreter there is no host code: accepted, prints nothing.
expect_status 1 $revisor run -kernel $guests/primes.elf -append n=100 -accel interp -d out_asm
printf '%s\n' "$out" | grep -q '^out_asm' && fail "-d out_asm printed host code under the interpreter"

# 2. The monitor views, under gdb.
command -v gdb >/dev/null || { echo "gdb is not installed: skipping the monitor tc/chains tests"; exit 77; }
stop_stub() { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }
# cpu_ticks PID: user+system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' /proc/$1/stat 2>/dev/null || echo 0; }

# Let the guest run freely under bt and interrupt it: send gdb SIGINT (its Ctrl-C) once revisor has been
# busy for a while.
start_gdb_stub "$tmp/revisor.out" run -kernel $guests/primes.elf -append n=100000000 -accel bt -serial none
gdb -batch -nx -ex "set pagination off" -ex "file $guests/primes.elf" -ex "target remote 127.0.0.1:$port" \
	-ex "continue" -ex "monitor tc" -ex "monitor tc 1001a9" -ex "monitor tc 0" -ex "monitor tc zz" \
	-ex "monitor chains $tmp/chains.dot" -ex "monitor chains $tmp/chains.svg" -ex "kill" >"$tmp/gdb.out" 2>&1 &
gdb_pid=$!
for i in $(seq 200); do
	[ "$(cpu_ticks $pid)" -ge 30 ] && break
	sleep 0.1
done
kill -INT $gdb_pid
for i in $(seq 600); do kill -0 $gdb_pid 2>/dev/null || break; sleep 0.1; done
kill $gdb_pid 2>/dev/null
wait $gdb_pid 2>/dev/null
stop_stub
out=$(cat "$tmp/gdb.out")
expect_output "Program received signal SIGINT"
# monitor tc: the totals, then the CCFs hottest first: isPrime's loop (nexti at 001001a9) leads.
expect_output "^translation cache: [1-9][0-9]* CCFs"
expect_output "^translated [0-9]* guest instructions: IDENT [1-9]"
expect_output "^exits: [1-9][0-9]* chained"
hottest=$(printf '%s\n' "$out" | grep -A1 '^guest  *pa  *kinds' | tail -1)
case $hottest in 001001a9-001001b1*|001001b2-001001b6*) ;;
*) fail "the hottest CCF should be isPrime's loop, got '$hottest'; output:
$out";; esac
expect_output "^001001a9-001001b1  001001a9  IIDIJ  *[1-9][0-9]*  *[0-9][0-9]*  =>001001b2"
# monitor tc ADDR: the listing with guest and host code, and the exits.
expect_output "^CCF 001001a9-001001b1 (pa 001001a9, 32-bit.*entered [1-9][0-9]* times)"
expect_output "^001001ac  idiv esi  *; DIV"
expect_output "^ *[0-9a-f]*  .*; callout record: idiv esi"
expect_output "^exit [01] -> 001001b2 after 5 insns: chained"
expect_output "no CCF covers 00000000"
expect_output "usage: monitor tc"
# monitor chains: a dot graph with the loop's nodes and a chained (bold) edge, and an SVG from libgvc.
expect_output "chaining graph written to $tmp/chains.dot"
expect_output "chaining graph rendered by Graphviz to $tmp/chains.svg"
grep -q '^digraph tc {' "$tmp/chains.dot" || fail "chains.dot is not a digraph: $(head -5 "$tmp/chains.dot")"
grep -q 'label="001001a9\\n5 insns\\n[1-9][0-9]* execs"' "$tmp/chains.dot" || fail "no node for nexti in chains.dot"
grep -q 'style=bold' "$tmp/chains.dot" || fail "no chained edge in chains.dot"
grep -q '<svg' "$tmp/chains.svg" && grep -q '001001a9' "$tmp/chains.svg" || fail "chains.svg is not an SVG of the graph"
if command -v dot >/dev/null; then
	dot -Tsvg "$tmp/chains.dot" -o "$tmp/dot.svg" || fail "dot cannot read chains.dot"
fi

# 2b. A breakpoint keeps translated code running: TUs are cut at breakpoint addresses and the stub's hook
# sees only those instructions (docs/bt.md, "The debugger under bt"), so isPrime's loop runs in the TC
# until the breakpoint in guest_exit is hit, and single-stepping from there still works both ways.
start_gdb_stub "$tmp/revisor.out" run -kernel $guests/primes.elf -append n=20000 -accel bt -serial none
out=$(timeout 60 gdb -batch -nx -ex "file $guests/primes.elf" -ex "target remote 127.0.0.1:$port" \
	-ex "break guest_exit" -ex "continue" -ex "monitor tc" -ex "stepi" -ex "reverse-stepi" \
	-ex "print \$pc" -ex "kill" 2>&1)
stop_stub
expect_output "Breakpoint 1, guest_exit"
expect_output "^001001a9-001001b1  001001a9  IIDIJ  *[1-9][0-9][0-9][0-9]"
expect_output "= (void (\*)()) 0x100710 <guest_exit>"

# 2c. Positions stay those of the interpreter: a breakpoint on the page-fault stub (the handler's first
# instruction shares its instruction count with the faulting one, which ran translated), then
# reverse-stepi, stepi and reverse-continue — the same transcript under both backends.
kernel_fault="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot -append autorun=fault -serial none"
stubs=$(nm $guests/kernel.elf | awk '$3 == "vector_stubs" { print $1 }')
pf_stub=$(printf '%x' $((0x$stubs + 14 * 16)))     # guests/kernel/vectors.S: 16-byte stubs, #PF is 14
for a in bt interp; do
	start_gdb_stub "$tmp/revisor.out" run $kernel_fault -accel $a
	timeout 120 gdb -batch -nx -ex "file $guests/kernel.elf" -ex "target remote 127.0.0.1:$port" \
		-ex "break *0x$pf_stub" -ex "continue" \
		-ex "monitor icount" -ex "reverse-stepi" -ex "monitor icount" -ex "print \$pc" -ex "stepi" \
		-ex "monitor icount" -ex "print \$pc" -ex "reverse-continue" -ex "monitor icount" \
		-ex "print \$pc" -ex "kill" 2>&1 | grep -vE '^\[|^Reading|warning|^$' >"$tmp/pos-$a.txt"
	stop_stub
done
grep -q "^Breakpoint 1, vector_stubs" "$tmp/pos-bt.txt" || fail "no breakpoint hit: $(cat "$tmp/pos-bt.txt")"
diff "$tmp/pos-interp.txt" "$tmp/pos-bt.txt" >/dev/null || fail "gdb positions differ between backends:
$(diff "$tmp/pos-interp.txt" "$tmp/pos-bt.txt")"

# 3. Under the interpreter the views say why there is nothing to see.
start_gdb_stub "$tmp/revisor.out" run -kernel $guests/primes.elf -append n=100 -accel interp -serial none
out=$(timeout 60 gdb -batch -nx -ex "file $guests/primes.elf" -ex "target remote 127.0.0.1:$port" \
	-ex "monitor tc" -ex "monitor chains $tmp/interp.dot" -ex "kill" 2>&1)
stop_stub
[ "$(printf '%s\n' "$out" | grep -c 'no translator (run with -accel bt)')" -eq 2 ] || fail "monitor tc/chains under interp; output:
$out"
[ -e "$tmp/interp.dot" ] && fail "monitor chains wrote a file without a translator"
exit 0
