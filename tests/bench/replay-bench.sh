#!/usr/bin/env bash
# replay-bench.sh — the record/replay goals of issue 4, measured side by side on the teaching kernel
# running a CPU-bound program for more than 10^9 instructions (docs/benchmarks.md):
#   recording slows a run by at most 10%; replay is at least as fast as recording; the log grows by less
#   than 1 MB per 10^9 instructions; seeking to a random count takes under 100 ms at the median;
#   checkpoint memory stays under 2x guest RAM.
# Usage: replay-bench.sh BUILD_DIR   (called by `make bench`)
set -u
build=${1:-build}
revisor=$build/revisor
g=$build/guests
out=$build/bench
mkdir -p "$out"
N=${REPLAY_BENCH_N:-1800000}   # about 1.5e9 instructions
REPS=${REPS:-3}
args=(-kernel "$g/kernel.elf" -hda "$g/kernel-disk.img" -snapshot -append "autorun=primes,$N" -serial none
      -rtc-base 2026-01-01T00:00:00)

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>"$out/replay-bench.err" </dev/null; t1=$(date +%s.%N); calc "$t1 - $t0"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

icount=$("$revisor" run "${args[@]}" -d exit </dev/null 2>&1 | sed -n 's/.*icount \([0-9]*\).*/\1/p' | tail -1)
[ -n "$icount" ] || { echo "replay-bench: the kernel guest did not run"; exit 1; }
echo "replay-bench: kernel guest, autorun=primes,$N: $icount instructions; $REPS rounds"
run_t=""; rec_t=""; play_t=""
for r in $(seq "$REPS"); do
	run_t="$run_t $(secs "$revisor" run "${args[@]}")"
	rec_t="$rec_t $(secs "$revisor" record -o "$out/kernel.rr" "${args[@]}")"
	play_t="$play_t $(secs "$revisor" replay "$out/kernel.rr")"
done
run_m=$(echo "$run_t" | median); rec_m=$(echo "$rec_t" | median); play_m=$(echo "$play_t" | median)
log_bytes=$(stat -c %s "$out/kernel.rr")
seek=$("$revisor" replay "$out/kernel.rr" -bench-seek 50 2>&1 | grep "bench-seek:.*seeks over")
seek_med=$(echo "$seek" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
seek_max=$(echo "$seek" | sed -n 's/.*max \([0-9.]*\) ms.*/\1/p')
ck_mib=$(echo "$seek" | sed -n 's/.*checkpoint memory \([0-9.]*\) MiB.*/\1/p')
ram_mib=$(echo "$seek" | sed -n 's/.*guest RAM \([0-9]*\) MiB.*/\1/p')

overhead=$(calc "($rec_m / $run_m - 1) * 100")
log_per_g=$(calc "$log_bytes / ($icount / 1000000000)")
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }
printf '%-44s %12s   %s\n' "measure" "value" "goal"
printf '%-44s %10.2f s\n' "plain run (median)" "$run_m"
printf '%-44s %10.2f s\n' "recording (median)" "$rec_m"
printf '%-44s %10.2f s\n' "replay (median)" "$play_m"
printf '%-44s %10.1f %%   <= 10 %%: %s\n' "recording overhead" "$overhead" "$(verdict "$overhead <= 10")"
printf '%-44s %12s   replay <= record: %s\n' "replay vs recording" "$(printf '%.2fx' "$(calc "$play_m / $rec_m")")" "$(verdict "$play_m <= $rec_m * 1.05")"
printf '%-44s %10.0f B   < 1 MB: %s\n' "log bytes per 10^9 instructions" "$log_per_g" "$(verdict "$log_per_g < 1000000")"
printf '%-44s %10s ms  < 100 ms: %s\n' "seek to a random count, median (max $seek_max ms)" "$seek_med" "$(verdict "$seek_med < 100")"
printf '%-44s %10s MiB < 2 x %s MiB: %s\n' "checkpoint memory" "$ck_mib" "$ram_mib" "$(verdict "$ck_mib < 2 * $ram_mib")"
{
	echo "# revisor replay bench (tests/bench/replay-bench.sh), tab-separated"
	printf 'instructions\t%s\nrun_s\t%s\nrecord_s\t%s\nreplay_s\t%s\nrecord_overhead_pct\t%.1f\n' "$icount" "$run_m" "$rec_m" "$play_m" "$overhead"
	printf 'log_bytes\t%s\nlog_bytes_per_1e9\t%.0f\nseek_median_ms\t%s\nseek_max_ms\t%s\ncheckpoint_mib\t%s\n' "$log_bytes" "$log_per_g" "$seek_med" "$seek_max" "$ck_mib"
} >"$out/replay-results.txt"
echo "results: $out/replay-results.txt"
