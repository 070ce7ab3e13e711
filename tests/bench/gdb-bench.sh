#!/usr/bin/env bash
# gdb-bench.sh — the reverse-execution goals of issue 5, measured with Debian's gdb attached to
# `revisor replay` of the teaching kernel running a CPU-bound program for about 1.5e9 instructions
# (docs/benchmarks.md, "Reverse-execution goals"):
#   reverse-stepi answers in under 50 ms at the median and under 200 ms at the 99th percentile anywhere
#   in the recording; reverse-continue to a watchpoint takes at most 3x the time of running forward over
#   the same span.
# The measuring is done by tests/bench/gdb-bench.py inside gdb (time.perf_counter around gdb.execute).
# Usage: gdb-bench.sh BUILD_DIR   (called by `make bench`)
#   GDB_BENCH_K      reverse-stepi samples (default 40)
#   GDB_BENCH_TICKS  one-tick watchpoint spans (default 5)
set -u
build=${1:-build}
revisor=$build/revisor
g=$build/guests
out=$build/bench
here=$(dirname "$0")
mkdir -p "$out"
K=${GDB_BENCH_K:-40}
TICKS=${GDB_BENCH_TICKS:-5}
N=${REPLAY_BENCH_N:-1800000}   # about 1.5e9 instructions, the recording replay-bench.sh makes
args=(-kernel "$g/kernel.elf" -hda "$g/kernel-disk.img" -snapshot -append "autorun=primes,$N" -serial none
      -rtc-base 2026-01-01T00:00:00)

command -v gdb >/dev/null || { echo "gdb-bench: skipped: gdb is not installed (make deps)"; exit 0; }
gdb -batch -nx -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok ||
	{ echo "gdb-bench: skipped: this gdb has no Python"; exit 0; }

# The recording: replay-bench.sh's when it is newer than the program and the guest it was made with
# (a replay refuses a changed image anyway), else our own.
log=$out/kernel.rr
if ! [ -f "$log" ] || [ "$log" -ot "$revisor" ] || [ "$log" -ot "$g/kernel.elf" ] || [ "$log" -ot "$g/kernel-disk.img" ]; then
	log=$out/gdb-kernel.rr
	"$revisor" record -o "$log" "${args[@]}" </dev/null >/dev/null 2>"$out/gdb-bench.err"
fi
end=$("$revisor" log "$log" 2>/dev/null | awk '$2 == "end" {print $1}')
[ -n "$end" ] || { echo "gdb-bench: cannot read the recording $log"; exit 1; }

# `revisor replay -S -gdb` on a free port (random high ports, retried); sets $port and $pid.
start_replay() {
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 40000))
		"$revisor" replay "$log" -S -gdb tcp:127.0.0.1:$port >"$out/gdb-bench-replay.out" 2>&1 &
		pid=$!
		for i in $(seq 50); do
			grep -q "waiting for gdb" "$out/gdb-bench-replay.out" && return 0
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		kill $pid 2>/dev/null; wait $pid 2>/dev/null
		grep -q "cannot listen" "$out/gdb-bench-replay.out" ||
			{ echo "gdb-bench: revisor replay did not start: $(cat "$out/gdb-bench-replay.out")"; exit 1; }
	done
	echo "gdb-bench: no free port found"; exit 1
}

echo "gdb-bench: gdb on a replay of the kernel guest, autorun=primes,$N: $end instructions; $K reverse-stepi samples"
start_replay
t0=$(date +%s.%N)
timeout 600 gdb -batch -nx -ex "file $g/kernel.elf" -ex "set \$bench_port = $port" -ex "set \$bench_k = $K" \
	-ex "set \$bench_ticks = $TICKS" -ex "set \$bench_seed = 2026" -x "$here/gdb-bench.py" \
	</dev/null >"$out/gdb-bench.log" 2>&1
t1=$(date +%s.%N)
kill $pid 2>/dev/null; wait $pid 2>/dev/null
grep -q "^BENCH done" "$out/gdb-bench.log" ||
	{ echo "gdb-bench: the gdb session failed; see $out/gdb-bench.log:"; grep -iE "error|BENCH" "$out/gdb-bench.log" | tail -5; exit 1; }

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# Nearest-rank percentile P of the numbers on stdin (one a line).
pct() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1; print v[r] }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }

ms=$(awk '$2 == "rsi" { print $4 * 1000 }' "$out/gdb-bench.log")
rsi_n=$(printf '%s\n' "$ms" | grep -c .)
rsi_med=$(printf '%s\n' "$ms" | pct 50); rsi_p99=$(printf '%s\n' "$ms" | pct 99); rsi_max=$(printf '%s\n' "$ms" | pct 100)
set -- $(awk '$2 == "long" { print $4, $5, $6, $7 }' "$out/gdb-bench.log")
long_span=$(($2 - $1)); long_fwd=$3; long_rev=$4
long_ratio=$(calc "$long_rev / $long_fwd")
tick_ratio=$(awk '$2 == "tick" { print $6 / $5 }' "$out/gdb-bench.log" | pct 50)
tick_fwd=$(awk '$2 == "tick" { print $5 * 1000 }' "$out/gdb-bench.log" | pct 50)
tick_rev=$(awk '$2 == "tick" { print $6 * 1000 }' "$out/gdb-bench.log" | pct 50)
tick_span=$(awk '$2 == "tick" { print $4 - $3 }' "$out/gdb-bench.log" | pct 50)

printf '%-52s %12s   %s\n' "measure" "value" "goal"
printf '%-52s %9.1f ms   < 50 ms: %s\n' "reverse-stepi, median of $rsi_n" "$rsi_med" "$(verdict "$rsi_med < 50")"
printf '%-52s %9.1f ms   < 200 ms: %s\n' "reverse-stepi, p99 (nearest rank: the max of $rsi_n)" "$rsi_p99" "$(verdict "$rsi_p99 < 200")"
printf '%-52s %9.2f s\n' "  forward continue to the watchpoint" "$long_fwd"
printf '%-52s %9.2f s\n' "  reverse-continue back over the same span" "$long_rev"
printf '%-52s %10.2fx   <= 3x: %s\n' "reverse/forward, $(calc "$long_span / 1e9" | cut -c1-4)e9-instruction span" "$long_ratio" "$(verdict "$long_ratio <= 3")"
printf '%-52s %9.1f ms\n' "  forward continue, one timer tick (median)" "$tick_fwd"
printf '%-52s %9.1f ms\n' "  reverse-continue, one timer tick (median)" "$tick_rev"
printf '%-52s %10.1fx   <= 3x: %s\n' "reverse/forward, ${tick_span}-instruction span (median)" "$tick_ratio" "$(verdict "$tick_ratio <= 3")"
printf 'gdb session: %.1f s\n' "$(calc "$t1 - $t0")"
{
	echo "# revisor gdb reverse-execution bench (tests/bench/gdb-bench.sh), tab-separated; times in ms unless _s"
	printf 'instructions\t%s\nrsi_samples\t%s\nrsi_median_ms\t%s\nrsi_p99_ms\t%s\nrsi_max_ms\t%s\n' \
		"$end" "$rsi_n" "$rsi_med" "$rsi_p99" "$rsi_max"
	printf 'long_span\t%s\nlong_forward_s\t%s\nlong_reverse_s\t%s\nlong_ratio\t%s\n' "$long_span" "$long_fwd" "$long_rev" "$long_ratio"
	printf 'tick_span\t%s\ntick_forward_ms\t%s\ntick_reverse_ms\t%s\ntick_ratio\t%s\n' "$tick_span" "$tick_fwd" "$tick_rev" "$tick_ratio"
} >"$out/gdb-results.txt"
echo "results: $out/gdb-results.txt (every sample: $out/gdb-bench.log)"
