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
