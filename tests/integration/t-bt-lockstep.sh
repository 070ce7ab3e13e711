# Lockstep differential testing of the binary translator on every guest (docs/bt.md, "Lockstep
# testing"): each guest runs under the interpreter and under bt side by side, and at a few thousand
# instruction counts each (inside and between CCFs, around timer interrupts) the two machines must have
# the same registers and the same machine-state hash.  `make bt-lockstep` runs the long version.
. tests/integration/lib.sh
[ -x "$build/bt-lockstep" ] || { echo "no $build/bt-lockstep (make $build/bt-lockstep)"; exit 77; }
expect_status 0 bash tests/bt/bt-lockstep-guests.sh "$build" quick
expect_output "hello.elf: .* no divergence"
expect_output "kernel.elf: .* no divergence"
[ "$(printf '%s\n' "$out" | grep -c 'no divergence')" -eq 7 ] || fail "not every guest was compared: $out"
# A command line without a guest is refused.
expect_status 2 $build/bt-lockstep
exit 0
