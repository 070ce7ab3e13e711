# lib.sh — helpers for integration tests (sourced).  $1 of each test is the build directory.
#
# The CPU backend: REVISOR_ACCEL=interp (or bt) runs the whole suite under that backend (`make
# check-interp`, docs/bt.md "Testing under both backends").  Then $revisor is a small wrapper that puts
# `-accel $REVISOR_ACCEL` right after the command (run, record -o FILE, replay), so an -accel a test gives itself comes later and wins:
# tests about a particular backend (t-bt.sh, t-bt-replay.sh, t-determinism.sh's interpreter modes) keep
# theirs.  Unset, revisor runs with its default backend.  $revisor_bin is always the real program.
build=${1:-build}
revisor_bin=$build/revisor
revisor=$revisor_bin
guests=$build/guests
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
accel=${REVISOR_ACCEL:-}
if [ -n "$accel" ]; then
	case $accel in interp|bt) ;; *) echo "lib.sh: REVISOR_ACCEL must be interp or bt, not '$accel'"; exit 1;; esac
	revisor=$tmp/revisor
	cat >"$revisor" <<-EOF
	#!/bin/sh
	# revisor with -accel $accel (tests/integration/lib.sh)
	case "\$1" in
	run|replay) c=\$1; shift; exec "$(realpath "$revisor_bin")" "\$c" -accel $accel "\$@";;
	record) if [ "\$2" = -o ] && [ \$# -ge 3 ]; then o=\$3; shift 3
		exec "$(realpath "$revisor_bin")" record -o "\$o" -accel $accel "\$@"; fi;;
	esac
	exec "$(realpath "$revisor_bin")" "\$@"
	EOF
	chmod +x "$revisor"
fi

# backend_specific: for tests that choose their backends themselves on every run (t-bt.sh compares both):
# under REVISOR_ACCEL they would only repeat what `make check` ran, so they skip.
backend_specific() {
	[ -z "$accel" ] || { echo "chooses its backends itself: runs in make check, not again under REVISOR_ACCEL"; exit 77; }
}

fail() { echo "FAIL: $*"; exit 1; }
# expect_status WANT CMD...: run CMD with no stdin, capture output in $out, check the exit status.
expect_status() {
	local want=$1; shift
	out=$("$@" </dev/null 2>&1); local rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want; output:
$out"
}
expect_output() {
	printf '%s' "$out" | grep -q -- "$1" || fail "output lacks '$1'; output:
$out"
}
# start_gdb_stub OUTFILE ARGS...: start `revisor ARGS... -S -gdb tcp:127.0.0.1:PORT` in the background on a
# free port (random high ports, retried), its output in OUTFILE; waits until it listens.  Sets $port, $pid.
start_gdb_stub() {
	local outf=$1; shift
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 40000))
		"$revisor" "$@" -S -gdb tcp:127.0.0.1:$port >"$outf" 2>&1 &
		pid=$!
		for i in $(seq 50); do
			grep -q "waiting for gdb" "$outf" && return 0
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		kill $pid 2>/dev/null; wait $pid 2>/dev/null
		grep -q "cannot listen" "$outf" || fail "revisor $1 did not start: $(cat "$outf")"
	done
	fail "no free port found"
}
