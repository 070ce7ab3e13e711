# The interactive console: with -serial stdio on a terminal, revisor puts it in raw mode, keys go to the
# guest (here the kernel's shell, which runs `hello`), and Ctrl-A x quits with status 0 (QEMU's escape).
# `script` gives revisor a pseudo-terminal.
. tests/integration/lib.sh
command -v script >/dev/null || { echo "skipped: script(1) is not installed"; exit 77; }
(sleep 2; printf 'hello\r'; sleep 3; printf '\001x') |
	timeout 60 script -qfec "$revisor run -kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot" /dev/null \
	>$tmp/console.out 2>&1
rc=$?
[ $rc -eq 0 ] || fail "Ctrl-A x did not end the run with status 0 (status $rc): $(tail -c 600 $tmp/console.out)"
grep -q "hello from user space" $tmp/console.out || fail "the typed command did not reach the guest: $(tail -c 600 $tmp/console.out)"
# The terminal is restored: revisor's raw mode must not leak (stty in the same pty after revisor exits).
out=$( (sleep 2; printf '\001x') | timeout 60 script -qfec "$revisor run -kernel $guests/kernel.elf -hda $guests/kernel-disk.img -snapshot; stty -a" /dev/null 2>&1)
printf '%s' "$out" | grep -q " icanon" || fail "the terminal was left in raw mode: $out"
exit 0
