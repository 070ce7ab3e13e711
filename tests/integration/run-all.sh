#!/usr/bin/env bash
# Runs every integration test (tests/integration/t-*.sh) against the built revisor in $1.
set -u
build=${1:-build}
pass=0; fail=0; skip=0
for t in tests/integration/t-*.sh; do
	[ -e "$t" ] || continue
	out=$(bash "$t" "$build" 2>&1); rc=$?
	case $rc in
	0) pass=$((pass+1)); echo "PASS $t";;
	77) skip=$((skip+1)); echo "SKIP $t: $(echo "$out" | tail -1)";;
	*) fail=$((fail+1)); echo "FAIL $t"; echo "$out" | tail -30 | sed 's/^/    /';;
	esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
