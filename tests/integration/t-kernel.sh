# The teaching kernel (guests/kernel, docs/kernel.md): boot banner, user programs run through
# autorun=PROG (the kernel powers off with the program's exit status: revisor reports (s << 1) | 1),
# the race program, and the interactive shell fed through the serial console.  -snapshot keeps the
# disk image unmodified (the `count` program writes to it).
. tests/integration/lib.sh
kernel="-kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot -serial stdio"

# Boot banner: every subsystem reports in, then hello runs in ring 3 in its own address space.
expect_status 1 $revisor run $kernel -append autorun=hello
expect_output "paging: on"
expect_output "MP table: at .*ISA IRQ 0 -> pin 2"
expect_output "local APIC: id 0.*timer periodic at 10000 Hz"
expect_output "I/O APIC: ISA IRQ 4 -> pin 4 -> vector 0x34"
expect_output "IDE: primary master.*4096 sectors"
expect_output "file system: 12 files"
expect_output "hello from user space: pid 2, ring 3, main() at 0x40000000"
expect_output "init exited with status 0: powering off"

# Arguments after commas; a CPU-bound program preempted many times still gets the right answer.
expect_status 1 $revisor run $kernel -append autorun=primes,20000
expect_output "primes: 2262 primes below 20000"

# The race: two processes, a shared page, no lock.  Whether updates are lost depends on where the
# timer interrupts land; with 100000 increments each, many time slices end inside the loop.
expect_status 1 $revisor run $kernel -append autorun=race
expect_output "race: expected 200000, got [0-9]*"
expect_output "lost [0-9]* updates!"
first=$(printf '%s' "$out" | grep "race:")
# Virtual time is the instruction count, so the same inputs give the same interleaving.
expect_status 1 $revisor run $kernel -append autorun=race
[ "$(printf '%s' "$out" | grep "race:")" = "$first" ] || fail "race differs between two identical runs"
# Too short to be preempted: nothing lost.
expect_status 1 $revisor run $kernel -append autorun=race,1000
expect_output "race: expected 2000, got 2000 -- no updates lost"

# Protection: ring 3 reading kernel memory takes a page fault and is killed; sh -c exits with -1.
expect_status 255 $revisor run $kernel -append autorun=fault
expect_output "pid 2 (fault): page fault (vector 14).*address 0x00100000 -- killed"

# The interactive shell: input through COM1's receive interrupt, one line per read().
out=$(printf 'ls\nhello\ncat README\necho one  two\ncount\nnosuch\nexit 3\n' |
      timeout 60 $revisor run $kernel 2>&1); rc=$?
[ $rc -eq 7 ] || fail "shell session exited $rc, expected 7 (exit 3); output:
$out"
expect_output '^\$ ls'
expect_output "race [0-9]* bytes"
expect_output "hello from user space"
expect_output "This disk belongs to revisor's teaching kernel"
expect_output "one two"
expect_output "count: this disk has run .count. 1 time"
expect_output "sh: nosuch: no such program"
expect_output "init exited with status 3: powering off"

# Type-ahead: input that is already there when the machine starts.  The event layer hands it to COM1
# at the first host poll (icount 1000000), while the kernel is still calibrating its local APIC, before
# the I/O APIC routes IRQ 4.  A kernel that enabled the UART's receive interrupt that early would have
# its one edge dropped by the masked, edge-triggered I/O APIC pin and never hear from COM1 again (the
# shell prints `$ ` and hangs); console_start_input() enables it only after routing, then drains.
# From a file (there at the first poll for sure) and from a pipe, with no delay, more than a FIFO's
# worth (16 bytes) so the rest waits in the event layer until the kernel empties the FIFO.
printf 'hello\necho typed ahead of the boot, more than sixteen bytes\nexit 4\n' >"$tmp/typeahead"
for how in file pipe; do
	if [ $how = file ]; then
		out=$(timeout 60 $revisor run $kernel <"$tmp/typeahead" 2>&1); rc=$?
	else
		out=$(cat "$tmp/typeahead" | timeout 60 $revisor run $kernel 2>&1); rc=$?
	fi
	[ $rc -eq 9 ] || fail "type-ahead ($how): exited $rc, expected 9 (exit 4); output:
$out"
	expect_output '^\$ hello'
	expect_output "hello from user space: pid 2"
	expect_output "^typed ahead of the boot, more than sixteen bytes"
	expect_output "init exited with status 4: powering off"
done

# Ctrl-D on an empty line ends the shell, and with it the machine, with status 0.
out=$(printf '\004' | timeout 60 $revisor run $kernel 2>&1); rc=$?
[ $rc -eq 1 ] || fail "Ctrl-D: exited $rc, expected 1; output:
$out"
exit 0
