# lib.sh — helpers for integration tests (sourced).  $1 of each test is the build directory.
build=${1:-build}
revisor=$build/revisor
guests=$build/guests
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
