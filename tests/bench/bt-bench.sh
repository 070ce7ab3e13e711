#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bt-bench.sh — `make bench`: what the binary translator (-accel bt, docs/bt.md) costs and how its
# translated code behaves, guest by guest — the lectures' "Binary translation" unit in numbers (issue 6:
# translation cost, TC size, IDENT ratio, chained ratio and world switches per 10^6 instructions for every
# guest).  docs/benchmarks.md explains how to read the tables.
#
# Every guest that tests/integration/t-bt.sh runs is run once under `-accel bt -d exit -D LOG`; at exit
# bt_report() (src/bt/bt.c) writes its statistics there as `bt: ...` lines.  They are parsed by name, not
# by position: a line or a world-switch reason the script does not know is ignored (reasons are picked up
# whatever their names), and a measure nobody reports any more shows as n/a.
#
# usage: bt-bench.sh BUILD_DIR
#   environment: BT_BENCH_N=30000 (primes below N for guests/primes), BT_BENCH_KN=200000 (the teaching
#   kernel's primes program).
# Output: two tables on stdout and $BUILD/bench/bt-results.tsv (one row per guest, a header row; world
# switches as ws_REASON columns, per 10^6 guest instructions); each guest's logs in $BUILD/bench/bt-*.
set -u

build=${1:-build}
revisor=$build/revisor
g=$build/guests
out=$build/bench
N=${BT_BENCH_N:-30000}
KN=${BT_BENCH_KN:-200000}
TIMEOUT=300

die() { echo "bt-bench: $*" >&2; exit 1; }
mkdir -p "$out" || die "cannot create $out"
[ -x "$revisor" ] || die "$revisor not built (run make first)"

# The guests, as t-bt.sh and t-kernel.sh drive them: NAME, what the output must contain, the arguments.
kernel=(-kernel "$g/kernel.elf" -hda "$g/kernel-disk.img" -snapshot)
names=() wants=()
declare -A args
guest() { names+=("$1"); wants+=("$2"); shift 2; args[${names[-1]}]=$(printf '%q ' "$@"); }
guest hello      "Hello from revisor guest!"           -kernel "$g/hello.elf"
guest primes-asm "primes below $N: [0-9]* (asm)"       -kernel "$g/primes.elf" -append "n=$N"
guest primes-c   "primes below $N: [0-9]* (c)"         -kernel "$g/primes.elf" -append "n=$N impl=c"
guest selftest   "selftest: [0-9]* checks, 0 failed"   -kernel "$g/selftest.elf" -hda "$g/selftest-disk.img" \
	-snapshot -append disk=1
guest sensitive  "not virtualizable"                   -kernel "$g/sensitive.elf"
guest costs      "peak rate"                           -kernel "$g/costs.elf"
guest k-race     "race: expected [0-9]*, got"          "${kernel[@]}" -append autorun=race
guest k-primes   "primes: [0-9]* primes below $KN"     "${kernel[@]}" -append "autorun=primes,$KN"

# parse_stats LOG: the -d exit log as "key<TAB>value" lines.  Keys: icount, ccfs, translated_insns,
# tc_bytes, flushes, translate_ms, translate_ns, ident_ratio, kind_NAME, tc_insns, interp_steps,
# chain_patches, chained_ratio (when revisor reports direct exits taken), ws_REASON, ws_total; and
# label_kind_NAME, label_ws_REASON: the names as revisor spelled them.
parse_stats() {
	awk '
	function after(re,   s) {        # the number that ends the first match of re
		if (!match($0, re)) return ""
		s = substr($0, RSTART, RLENGTH); match(s, /[0-9]+(\.[0-9]+)?%?$/)
		s = substr(s, RSTART, RLENGTH); sub(/%$/, "", s); return s
	}
	function before(re,   s) {       # the number that starts the first match of re
		if (!match($0, re)) return ""
		s = substr($0, RSTART, RLENGTH); match(s, /^[0-9]+(\.[0-9]+)?/); return substr(s, RSTART, RLENGTH)
	}
	function put(k, v) { if (v != "") print k "\t" v }
	function pairs(prefix, s,   n, i, it, name, key, v, val) {   # "name N; name N ..." or "name N name N ..."
		n = split(s, it, /;/)
		for (i = 1; i <= n; i++) {
			v = it[i]; gsub(/^ +| +$/, "", v)
			while (match(v, /^[A-Za-z][A-Za-z_\/ -]*[A-Za-z] [0-9]+/)) {
				name = substr(v, RSTART, RLENGTH); v = substr(v, RLENGTH + 1); sub(/^ +/, "", v)
				val = name; sub(/.* /, "", val); sub(/ [0-9]+$/, "", name)
				key = name; gsub(/[^A-Za-z0-9]+/, "_", key)
				put(prefix key, val); put("label_" prefix key, name)
			}
		}
	}
	/^exit: .*icount [0-9]+/ { put("icount", after("icount [0-9]+")) }
	!/^bt: / { next }
	{
		put("ccfs", before("[0-9]+ CCFs"))
		put("translated_insns", before("[0-9]+ guest insns"))
		put("tc_bytes", before("[0-9]+ TC bytes"))
		put("flushes", before("[0-9]+ flushes"))
		put("translate_ms", after("translation time [0-9.]+"))
		put("translate_ns", before("[0-9.]+ ns per"))
		put("ident_ratio", after("IDENT ratio [0-9.]+%"))
		put("tc_insns", before("[0-9]+ in the TC"))
		put("interp_steps", before("[0-9]+ single-stepped"))
		put("chain_patches", before("[0-9]+ \\(patched"))
	}
	/translation kinds:/ { s = $0; sub(/.*translation kinds: */, "", s); sub(/ *\(.*/, "", s); pairs("kind_", s) }
	# Chained exits vs all direct exits taken: "chained ratio X%" wherever it appears, else a line about
	# exits *taken* with "chained N" and "unchained M" (or "chain misses M", "not chained M").
	/chained ratio [0-9.]+%/ { put("chained_ratio", after("chained ratio [0-9.]+%")); have_ratio = 1 }
	/taken/ && /chained [0-9]+/ && !have_ratio {
		s = $0; gsub(/unchained|not chained/, "UNCH", s)
		c = ""; u = ""
		if (match(s, /chained [0-9]+/)) c = substr(s, RSTART + 8, RLENGTH - 8)
		if (match(s, /UNCH [0-9]+/)) u = substr(s, RSTART + 5, RLENGTH - 5)
		else if (match(s, /chain misses [0-9]+/)) u = substr(s, RSTART + 13, RLENGTH - 13)
		if (c != "" && u != "" && c + u > 0) { printf "chained_ratio\t%.1f\n", 100 * c / (c + u); have_ratio = 1 }
	}
	/world switches:/      { s = $0; sub(/.*world switches: */, "", s); pairs("ws_", s) }
	' "$1"
}

# ---- run every guest ----------------------------------------------------------------------------------

echo "bt-bench: ${#names[@]} guests under -accel bt -d exit: ${names[*]}"
declare -A stat ok secs
for i in "${!names[@]}"; do
	name=${names[$i]} base=$out/bt-${names[$i]}
	eval "set -- ${args[$name]}"
	rm -f "$base.log"
	t0=$EPOCHREALTIME
	timeout $TIMEOUT "$revisor" run "$@" -accel bt -serial stdio -rtc-base 2024-01-01T00:00:00 \
		-d exit -D "$base.log" </dev/null >"$base.out" 2>"$base.err"
	rc=$?
	t1=$EPOCHREALTIME
	secs[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	if ! grep -q -- "${wants[$i]}" "$base.out"; then
		echo "bt-bench: $name: exit status $rc, output lacks '${wants[$i]}' (see $base.*)" >&2
		continue
	fi
	parse_stats "$base.log" >"$base.stats"
	grep -q '^icount' "$base.stats" && grep -q '^ccfs' "$base.stats" ||
		{ echo "bt-bench: $name: no bt statistics in $base.log" >&2; continue; }
	ok[$name]=1
	while IFS=$'\t' read -r k v; do stat[$name.$k]=$v; done <"$base.stats"
done

# ---- derived measures, the tables and the TSV ------------------------------------------------------------

# World-switch reasons in the order revisor printed them, across all guests.
reasons=()
declare -A wslabel
for name in "${names[@]}"; do
	[ -n "${ok[$name]:-}" ] || continue
	while IFS=$'\t' read -r k v; do
		case $k in label_ws_*) wslabel[${k#label_ws_}]=$v ;; ws_total) ;; ws_*) [[ " ${reasons[*]} " == *" ${k#ws_} "* ]] || reasons+=("${k#ws_}") ;; esac
	done <"$out/bt-$name.stats"
done

get() { echo "${stat[$1.$2]:-n/a}"; }
per_m() {    # per_m NAME COUNT: per 10^6 guest instructions
	awk -v c="$2" -v i="$(get "$1" icount)" 'BEGIN { if (c == "n/a" || c == "" || i == "n/a" || i == 0) print "n/a"; else printf "%.1f\n", c * 1e6 / i }'
}
ws_total() {
	local t=${stat[$1.ws_total]:-}
	if [ -z "$t" ]; then
		t=0; for r in "${reasons[@]}"; do t=$((t + ${stat[$1.ws_$r]:-0})); done
	fi
	echo "$t"
}
mips() { awk -v i="$(get "$1" icount)" -v t="${secs[$1]}" 'BEGIN { if (i == "n/a" || t <= 0) print "n/a"; else printf "%.1f\n", i / t / 1e6 }'; }
pct() { [ "$1" = n/a ] && echo n/a || echo "$1%"; }

echo
printf '%-11s %11s %8s %7s %6s %9s %9s %8s %7s %8s %10s\n' guest "guest insns" seconds MIPS CCFs "TC bytes" \
	"transl ms" "ns/insn" IDENT chained "WS per 1M"
for name in "${names[@]}"; do
	if [ -z "${ok[$name]:-}" ]; then printf '%-11s FAILED (see %s/bt-%s.*)\n' "$name" "$out" "$name"; continue; fi
	printf '%-11s %11s %8s %7s %6s %9s %9s %8s %7s %8s %10s\n' "$name" "$(get "$name" icount)" "${secs[$name]}" \
		"$(mips "$name")" "$(get "$name" ccfs)" "$(get "$name" tc_bytes)" "$(get "$name" translate_ms)" \
		"$(get "$name" translate_ns)" "$(pct "$(get "$name" ident_ratio)")" "$(pct "$(get "$name" chained_ratio)")" \
		"$(per_m "$name" "$(ws_total "$name")")"
done
cat <<EOF
(seconds: wall time of the whole run, start-up and translation included; MIPS = guest insns / seconds;
 transl ms, ns/insn: host time spent translating, in total and per translated guest instruction;
 IDENT: share of translated instructions copied or re-encoded (IDENT + REENC), counted per translation;
 chained: chained exits among all direct exits taken (n/a: this revisor does not report exits taken);
 WS per 1M: world switches (TC -> VMM) per 10^6 guest instructions, by reason below)
EOF

echo
printf '%-22s' "world switches per 1M"
for name in "${names[@]}"; do [ -n "${ok[$name]:-}" ] && printf ' %10s' "$name"; done
echo
for r in "${reasons[@]}" total; do
	printf '%-22s' "${wslabel[$r]:-$r}"
	for name in "${names[@]}"; do
		[ -n "${ok[$name]:-}" ] || continue
		if [ "$r" = total ]; then c=$(ws_total "$name"); else c=${stat[$name.ws_$r]:-n/a}; fi
		printf ' %10s' "$(per_m "$name" "$c")"
	done
	echo
done

tsv=$out/bt-results.tsv
{
	printf 'guest\tstatus\tguest_insns\tseconds\tmips\tccfs\ttranslated_insns\ttc_bytes\ttranslate_ms\ttranslate_ns_per_insn'
	printf '\tident_ratio_pct\tchained_ratio_pct\tchain_patches\tinterp_steps\tws_total_per_M'
	for r in "${reasons[@]}"; do printf '\tws_%s_per_M' "$r"; done
	echo
	for name in "${names[@]}"; do
		if [ -z "${ok[$name]:-}" ]; then printf '%s\tfailed\n' "$name"; continue; fi
		printf '%s\tok\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$name" "$(get "$name" icount)" \
			"${secs[$name]}" "$(mips "$name")" "$(get "$name" ccfs)" "$(get "$name" translated_insns)" \
			"$(get "$name" tc_bytes)" "$(get "$name" translate_ms)" "$(get "$name" translate_ns)" \
			"$(get "$name" ident_ratio)" "$(get "$name" chained_ratio)" "$(get "$name" chain_patches)" \
			"$(get "$name" interp_steps)" "$(per_m "$name" "$(ws_total "$name")")"
		for r in "${reasons[@]}"; do printf '\t%s' "$(per_m "$name" "${stat[$name.ws_$r]:-n/a}")"; done
		echo
	done
} >"$tsv"
echo "results: $tsv"

for name in "${names[@]}"; do [ -n "${ok[$name]:-}" ] || exit 1; done
exit 0
