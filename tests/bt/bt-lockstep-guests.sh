#!/usr/bin/env bash
# bt-lockstep-guests.sh BUILD quick|long [SEED] — every guest under the interpreter and the binary
# translator in lockstep (tests/bt/guest_lockstep.c, docs/bt.md "Lockstep testing").  "quick" is the
# integration test's few seconds; "long" (make bt-lockstep) stops about every 5-50 instructions and
# runs the bigger workloads.  Exits 1 at the first divergence (the tool prints it).
set -u
build=${1:-build}; mode=${2:-quick}; seed=${3:-1}
g=$build/guests
tool=$build/bt-lockstep
[ -x "$tool" ] || { echo "missing $tool"; exit 2; }
rc=0
# run MAXSTEP-quick MAXSTEP-long ARGS...: maximum distance between stops (log-uniform) in each mode
run() {
	local q=$1 l=$2; shift 2
	local step=$q; [ "$mode" = long ] && step=$l
	"$tool" -seed "$seed" -step "$step" "$@" || rc=1
}
if [ "$mode" = long ]; then n=20000; else n=5000; fi
run 20     8      -kernel "$g/hello.elf"
run 200    16     -kernel "$g/sensitive.elf"
run 20000  200    -kernel "$g/costs.elf"
run 100000 2000   -kernel "$g/primes.elf" -append "n=$n"
[ "$mode" = long ] && run 100000 2000 -kernel "$g/primes.elf" -append "n=$n impl=c"
run 10000  100    -kernel "$g/selftest.elf" -hda "$g/selftest-disk.img" -append disk=1
run 3000   50     -kernel "$g/kernel.elf" -hda "$g/kernel-disk.img" -append autorun=race
run 3000   50     -kernel "$g/kernel.elf" -hda "$g/kernel-disk.img" -append autorun=fault
exit $rc
