#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-bench.sh — `make bench`: revisor's interpreter and binary translator side by side with Bochs 2.7,
# QEMU (TCG) and the host CPU on the lectures' compute-bound guest (guests/primes: count the primes below N
# with trial-division isPrime).  docs/benchmarks.md explains what is measured and why; in short:
#
#   * every runner runs the same guest code: revisor, Bochs and QEMU boot the same disk image
#     ($BUILD/guests/primes-N.img, built from guests/bootdisk/), revisor and QEMU also boot the Multiboot
#     kernel directly; the host runs the lecture's listing natively.  The slow runners (revisor's
#     interpreter, Bochs) count primes below N=30000, the fast ones (QEMU, native) below NF=100000, so that
#     each run lasts long enough to time and the whole benchmark stays near a minute.  revisor's binary
#     translator (-accel bt) gets N if it needs more than a second for it (one calibration run), else NF;
#   * the goals: interp >= 2x Bochs (issue 2); bt >= 2x QEMU TCG, and native <= 2x bt (issue 6);
#   * the runners take turns, REPS rounds, so that a noisy machine slows them all alike; we report medians;
#   * each runner also boots the image for n=2 (no work), and that start-up time (process start, BIOS,
#     loading) is subtracted, so MIPS measures the emulation of the guest's instructions themselves;
#   * revisor counts the guest's instructions (-d exit prints "icount"); the same count is used for every
#     runner, since all execute the same guest code.
#
# usage: run-bench.sh BUILD_DIR
#   environment: BENCH_N=30000, BENCH_NF=100000, BENCH_REPS=3; BENCH_BT_N=N or NF fixes bt's work (default:
#   chosen by a calibration run); BENCH_STRICT=1 makes a missed goal an error.
# Output: a table on stdout and $BUILD/bench/results.txt (tab-separated, with # comment lines).
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
revisor=$build/revisor
guests=$build/guests
out=$build/bench
N=${BENCH_N:-30000}                # the work for the slow runners: revisor's interpreter and Bochs
NF=${BENCH_NF:-100000}            # the work for the fast ones (QEMU, native): 30000 would take them <0.2 s
REPS=${BENCH_REPS:-3}
TIMEOUT=300                       # seconds; a run that takes longer is a hang
GOAL=2.0                          # issue 2: interp >= 2x Bochs's instructions per second
BT_QEMU_GOAL=2.0                  # issue 6: bt >= 2x QEMU TCG's instructions per second
NATIVE_BT_GOAL=2.0                # issue 6: native (C -O2) <= 2x bt's time, i.e. native MIPS / bt MIPS <= 2
BT_FAST_BELOW=1.0                 # seconds: bt faster than this on N gets NF

declare -A want_count=([2]=0 [30000]=3245 [100000]=9592)

die() { echo "bench: $*" >&2; exit 1; }
mkdir -p "$out" || die "cannot create $out"
[ -x "$revisor" ] || die "$revisor not built (run make first)"
[ -z "${BENCH_BT_N:-}" ] || [ "$BENCH_BT_N" = "$N" ] || [ "$BENCH_BT_N" = "$NF" ] ||
	die "BENCH_BT_N must be BENCH_N ($N) or BENCH_NF ($NF)"
for n in 2 "$N" "$NF"; do
	[ -n "${want_count[$n]:-}" ] || die "n=$n: BENCH_N and BENCH_NF must be one of ${!want_count[*]} (counts we can check)"
	[ -f "$guests/primes-$n.img" ] || die "$guests/primes-$n.img not built (see guests/bootdisk/build.mk)"
done

# ---- the peers: install them from Debian's archive when missing ------------------------------------------

have_pkgs() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || return 1
	done
}

# install_pkgs PKG...: apt-get install as root or through password-less sudo; fails quietly otherwise.
install_pkgs() {
	local sudo=
	if [ "$(id -u)" -ne 0 ]; then
		sudo -n true 2>/dev/null || return 1
		sudo="sudo -n"
	fi
	echo "bench: installing $*"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >"$out/apt.log" 2>&1 && return 0
	# A fresh machine may have no package lists yet.
	$sudo apt-get update -qq >>"$out/apt.log" 2>&1 &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >>"$out/apt.log" 2>&1
}

# peer NAME CMD PKG...: is the peer usable?  Installs it if needed; prints "skipped: ..." if it is not.
peer() {
	local name=$1 cmd=$2; shift 2
	if ! have_pkgs "$@" || ! command -v "$cmd" >/dev/null; then
		install_pkgs "$@" || true
	fi
	if have_pkgs "$@" && command -v "$cmd" >/dev/null; then
		return 0
	fi
	echo "skipped: $name (cannot install $*; see $out/apt.log)"
	return 1
}

has_qemu=0 has_bochs=0 has_cc=0
peer "QEMU" qemu-system-i386 qemu-system-x86 && has_qemu=1
if peer "Bochs" bochs bochs bochs-term bochsbios vgabios; then
	command -v script >/dev/null && has_bochs=1 || echo "skipped: Bochs (no 'script' command; package bsdutils)"
fi
command -v gcc >/dev/null && has_cc=1 || echo "skipped: native (no gcc)"

# ---- the native reference: the lecture's listing, run by the host CPU -------------------------------------

# The host cannot run 32-bit code (docs/benchmarks.md), but the listing uses only 32-bit registers, so the
# same instructions run in 64-bit mode.  The C version is the lecture's source compiled with -O2.
native=$out/native-primes
if [ $has_cc = 1 ]; then
	cat >"$out/native-primes.c" <<'EOF'
/* native-primes.c — generated by tests/bench/run-bench.sh: count the primes below N on the host, with the
 * lecture's isPrime listing (inline assembly, the same instructions the guest runs) or its C source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int isprime_listing(int a)
{
	int r;
	__asm__ volatile(
		"	mov %%edi, %%ecx\n"
		"	mov $2, %%esi\n"
		"	cmp %%ecx, %%esi\n"
		"	jge 2f\n"
		"1:	mov %%ecx, %%eax\n"
		"	cdq\n"
		"	idiv %%esi\n"
		"	test %%edx, %%edx\n"
		"	jz 3f\n"
		"	inc %%esi\n"
		"	cmp %%ecx, %%esi\n"
		"	jl 1b\n"
		"2:	mov $1, %%eax\n"
		"	jmp 4f\n"
		"3:	xor %%eax, %%eax\n"
		"4:\n"
		: "=a"(r) : "D"(a) : "rcx", "rdx", "rsi", "cc");
	return r;
}

static int __attribute__((noinline)) isprime_c(int a)
{
	for (int i = 2; i < a; i++)
		if (a % i == 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 30000, use_c = argc > 2 && !strcmp(argv[2], "c"), count = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int a = 2; a < n; a++)
		count += use_c ? isprime_c(a) : isprime_listing(a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("primes below %d: %d (asm)\n", n, count);
	fprintf(stderr, "seconds %.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
EOF
	gcc -O2 -o "$native" "$out/native-primes.c" || { echo "skipped: native (does not compile)"; has_cc=0; }
fi

# ---- runners -------------------------------------------------------------------------------------------------
# run_NAME n LOGBASE: run one boot with the command line n=$n, guest output to LOGBASE.out; the wall time is
# measured around it by timed().  Each must leave the guest's console output in LOGBASE.out.

# revisor_disk ACCEL n LOGBASE, revisor_kernel ACCEL n LOGBASE: revisor with the backend ACCEL.
revisor_disk() {
	timeout $TIMEOUT "$revisor" run -accel "$1" -no-reboot -serial stdio -d exit -D "$3.icount" \
		"$guests/primes-$2.img" </dev/null >"$3.out" 2>"$3.err"
}
revisor_kernel() {
	timeout $TIMEOUT "$revisor" run -accel "$1" -no-reboot -serial stdio -d exit -D "$3.icount" \
		-kernel "$guests/primes.elf" -append "n=$2" </dev/null >"$3.out" 2>"$3.err"
}
run_revisor_disk() { revisor_disk interp "$@"; }
run_revisor_kernel() { revisor_kernel interp "$@"; }
run_revisor_bt_disk() { revisor_disk bt "$@"; }
run_revisor_bt_kernel() { revisor_kernel bt "$@"; }
qemu_common=(qemu-system-i386 -accel tcg -display none -serial stdio -no-reboot -nodefaults
	     -device isa-debug-exit,iobase=0xf4,iosize=4)
run_qemu_disk() {
	timeout $TIMEOUT "${qemu_common[@]}" -drive "file=$guests/primes-$1.img,format=raw,if=ide,index=0,snapshot=on" \
		</dev/null >"$2.out" 2>"$2.err"
}
run_qemu_kernel() {
	timeout $TIMEOUT "${qemu_common[@]}" -kernel "$guests/primes.elf" -append "n=$1" </dev/null >"$2.out" 2>"$2.err"
}
# Bochs: Debian's build has its debugger compiled in, so it stops at a prompt before the first instruction
# unless given a command file with `c` (continue); its term display needs a terminal, which `script` provides.
run_bochs_disk() {
	sed -e "s#@DISK@#$guests/primes-$1.img#" -e "s#@COM1@#$2.out#" -e "s#@LOG@#$2.log#" \
		"$here/bochsrc.bxrc" >"$2.bxrc"
	rm -f "$2.out"
	timeout $TIMEOUT script -qc "bochs -q -f '$2.bxrc' -rc '$here/bochs-cmds.txt'" /dev/null \
		</dev/null >"$2.term" 2>"$2.err"
}
# The native program times only its loop (it has no start-up to speak of) and writes "seconds S" to stderr.
run_native_asm() { "$native" "$1" asm >"$2.out" 2>"$2.err"; }
run_native_c() { "$native" "$1" c >"$2.out" 2>"$2.err"; }

# timed NAME n: run runner NAME once for n, check its output, print the wall time in seconds.
timed() {
	local name=$1 n=$2 base=$out/$1-$2 t0 t1 want
	want="primes below $n: ${want_count[$n]} (asm)"
	t0=$EPOCHREALTIME
	"run_$name" "$n" "$base"
	t1=$EPOCHREALTIME
	if ! grep -q "$want" "$base.out" 2>/dev/null; then
		echo "bench: $name n=$n: guest output lacks '$want' (see $base.*)" >&2
		return 1
	fi
	case $name in
	native_*) sed -n 's/^seconds //p' "$base.err" ;;
	*) awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' ;;
	esac
}

# ---- the measurement: REPS rounds, every runner once per round, with and without work ----------------------

runners=(revisor_disk revisor_kernel revisor_bt_disk revisor_bt_kernel)
[ $has_bochs = 1 ] && runners+=(bochs_disk)
[ $has_qemu = 1 ] && runners+=(qemu_disk qemu_kernel)
[ $has_cc = 1 ] && runners+=(native_asm native_c)
declare -A label=(
	[revisor_disk]="revisor -accel interp, disk" [revisor_kernel]="revisor -accel interp, -kernel"
	[revisor_bt_disk]="revisor -accel bt, disk" [revisor_bt_kernel]="revisor -accel bt, -kernel"
	[bochs_disk]="Bochs 2.7, disk" [qemu_disk]="QEMU TCG, disk" [qemu_kernel]="QEMU TCG, -kernel"
	[native_asm]="native, the listing" [native_c]="native, C -O2")
declare -A work_t startup_t failed nwork
for name in "${runners[@]}"; do
	case $name in revisor_bt_*) ;; revisor_* | bochs_*) nwork[$name]=$N ;; *) nwork[$name]=$NF ;; esac
done

# bt's work: N while it is about as slow as the interpreter, NF once it is fast (it is meant to become
# >10x faster); one calibration run on N decides, unless BENCH_BT_N says.
bt_n=${BENCH_BT_N:-}
if [ -z "$bt_n" ]; then
	bt_n=$N
	if t=$(timed revisor_bt_disk "$N"); then
		awk -v t="$t" -v b="$BT_FAST_BELOW" 'BEGIN { exit !(t < b) }' && bt_n=$NF
		echo "bench: bt calibration: n=$N took $t s, so bt counts primes below $bt_n"
	else
		echo "bench: bt calibration run failed (see $out/revisor_bt_disk-$N.*)"
	fi
fi
nwork[revisor_bt_disk]=$bt_n nwork[revisor_bt_kernel]=$bt_n

echo "bench: $REPS rounds of: ${runners[*]}"
for ((r = 1; r <= REPS; r++)); do
	for name in "${runners[@]}"; do
		[ -n "${failed[$name]:-}" ] && continue
		if t=$(timed "$name" "${nwork[$name]}") && s=$(timed "$name" 2); then
			work_t[$name]+="$t "
			startup_t[$name]+="$s "
		else
			failed[$name]=1
		fi
	done
	echo "bench: round $r of $REPS done"
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
icount_of() { sed -n 's/^exit: .*icount \([0-9]*\).*/\1/p' "$1" 2>/dev/null | tail -1; }

# The guest's instructions for the work alone: the n boot minus the n=2 boot, both counted by revisor on the
# disk image.  For N the measurement runs left the counts behind; NF is counted once by an extra revisor run
# (about 4e9 instructions) whose result is kept next to a checksum of the image.
declare -A insns
insns[$N]=$(( $(icount_of "$out/revisor_disk-$N.icount") - $(icount_of "$out/revisor_disk-2.icount") ))
[ "${insns[$N]}" -gt 0 ] || die "no instruction count from revisor (see $out/revisor_disk-$N.*)"
if [ "$NF" != "$N" ]; then
	cache=$out/icount-$NF.txt sum=$(sha256sum <"$guests/primes-$NF.img" | cut -d' ' -f1)
	if [ "$(sed -n 1p "$cache" 2>/dev/null)" != "$sum" ]; then
		echo "bench: counting the guest instructions of n=$NF with revisor (once; kept in $cache)"
		run_revisor_disk "$NF" "$out/count-$NF"    # exit status 1: the guest's exit(0)
		grep -q "primes below $NF: ${want_count[$NF]}" "$out/count-$NF.out" ||
			die "revisor could not count n=$NF (see $out/count-$NF.*)"
		printf '%s\n%s\n' "$sum" "$(icount_of "$out/count-$NF.icount")" >"$cache"
	fi
	insns[$NF]=$(( $(sed -n 2p "$cache") - $(icount_of "$out/revisor_disk-2.icount") ))
fi
# The translator must retire exactly the interpreter's instructions (docs/bt.md, determinism): check it on
# the runs it made, so that the count used for its MIPS is its own too.
boot2=$(icount_of "$out/revisor_disk-2.icount")
for n in 2 "$bt_n"; do
	[ -f "$out/revisor_bt_disk-$n.icount" ] || continue
	if [ "$n" = 2 ]; then want=$boot2; else want=$(( ${insns[$n]} + boot2 )); fi
	got=$(icount_of "$out/revisor_bt_disk-$n.icount")
	[ "$got" = "$want" ] ||
		echo "bench: WARNING: bt retired ${got:-no} instructions for n=$n, the interpreter $want (see $out/revisor_bt_disk-$n.*)"
done

# ---- the table and results.txt -----------------------------------------------------------------------------

declare -A secs start mips
for name in "${runners[@]}"; do
	[ -n "${failed[$name]:-}" ] && continue
	secs[$name]=$(echo "${work_t[$name]}" | median)
	start[$name]=$(echo "${startup_t[$name]}" | median)
	case $name in native_*) start[$name]=0 ;; esac    # it times its loop only
	mips[$name]=$(awk -v i="${insns[${nwork[$name]}]}" -v t="${secs[$name]}" -v s="${start[$name]}" \
		'BEGIN { w = t - s; if (w <= 0) print "n/a"; else printf "%.1f\n", i / w / 1e6 }')
done
# ratio A [B]: MIPS of runner A / MIPS of runner B (default Bochs), or n/a.
ratio() {
	awk -v a="${mips[$1]:-n/a}" -v b="${mips[${2:-bochs_disk}]:-n/a}" \
		'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f\n", a / b }'
}
# verdict VALUE OP GOAL: "met" or "MISSED" (n/a: "not measured").
verdict() {
	awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN {
		if (v == "n/a") print "not measured"
		else print ((op == ">=" ? v >= g : v <= g) ? "met" : "MISSED") }'
}

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
host="${cpu:-unknown CPU}, $(nproc) CPUs, $(uname -sr)"
echo
echo "host: $host"
echo "work: primes below n, guest instructions (revisor's count, minus the n=2 boot):" \
	"$(for n in "${!insns[@]}"; do printf 'n=%s %s  ' "$n" "${insns[$n]}"; done)"
printf '%-32s %7s %9s %9s %9s %9s %9s\n' runner n seconds start-up MIPS "vs Bochs" "vs QEMU"
for name in "${runners[@]}"; do
	if [ -n "${failed[$name]:-}" ]; then
		printf '%-32s %7s %9s\n' "${label[$name]}" "${nwork[$name]}" FAILED
		continue
	fi
	printf '%-32s %7s %9.3f %9.3f %9s %9s %9s\n' "${label[$name]}" "${nwork[$name]}" "${secs[$name]}" \
		"${start[$name]}" "${mips[$name]}" "$(ratio "$name")" "$(ratio "$name" qemu_disk)"
done
echo "(seconds: median wall time of $REPS boots with the work; start-up: of boots with n=2;"
echo " MIPS: the work's guest instructions / (seconds - start-up); vs QEMU: / QEMU TCG's MIPS on the disk)"
# The goals, each on the disk image (the one boot every emulator shares) and, for bt, with -kernel too.
goal=$(ratio revisor_disk)
bt_qemu=$(ratio revisor_bt_disk qemu_disk)
bt_qemu_k=$(ratio revisor_bt_kernel qemu_kernel)
native_bt=$(ratio native_c revisor_bt_disk)
native_bt_asm=$(ratio native_asm revisor_bt_disk)
echo
echo "interp/bochs speed ratio: $goal (goal >= $GOAL): $(verdict "$goal" '>=' "$GOAL")"
echo "bt/qemu-tcg speed ratio: $bt_qemu (goal >= $BT_QEMU_GOAL): $(verdict "$bt_qemu" '>=' "$BT_QEMU_GOAL")" \
	"  [-kernel: $bt_qemu_k]"
echo "native/bt speed ratio: $native_bt (goal <= $NATIVE_BT_GOAL): $(verdict "$native_bt" '<=' "$NATIVE_BT_GOAL")" \
	"  [native = the C source, gcc -O2; the listing: $native_bt_asm]"

{
	echo "# revisor make bench results, tab-separated; written by tests/bench/run-bench.sh (docs/benchmarks.md)"
	printf '# date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '# host\t%s\n' "$host"
	printf '# rounds\t%s (medians)\n' "$REPS"
	for n in "${!insns[@]}"; do printf '# work_instructions\tn=%s\t%s\n' "$n" "${insns[$n]}"; done
	printf '# versions\tbochs=%s\tqemu=%s\n' "$(dpkg-query -W -f='${Version}' bochs 2>/dev/null || echo none)" \
		"$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || echo none)"
	printf 'runner\tstatus\tn\tseconds\tstartup_seconds\tmips\tratio_vs_bochs\tratio_vs_qemu\n'
	for name in revisor_disk revisor_kernel revisor_bt_disk revisor_bt_kernel bochs_disk qemu_disk qemu_kernel \
		native_asm native_c; do
		if [[ " ${runners[*]} " != *" $name "* ]]; then
			printf '%s\tskipped\t\t\t\t\t\t\n' "$name"
		elif [ -n "${failed[$name]:-}" ]; then
			printf '%s\tfailed\t%s\t\t\t\t\t\n' "$name" "${nwork[$name]}"
		else
			printf '%s\tok\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${nwork[$name]}" "${secs[$name]}" "${start[$name]}" \
				"${mips[$name]}" "$(ratio "$name")" "$(ratio "$name" qemu_disk)"
		fi
	done
	printf 'interp_bochs_ratio\t%s\n' "$goal"
	printf 'goal\t%s\n' "$GOAL"
	printf 'bt_qemu_ratio\t%s\n' "$bt_qemu"
	printf 'bt_qemu_ratio_kernel\t%s\n' "$bt_qemu_k"
	printf 'bt_qemu_goal\t%s\n' "$BT_QEMU_GOAL"
	printf 'native_bt_ratio\t%s\n' "$native_bt"
	printf 'native_asm_bt_ratio\t%s\n' "$native_bt_asm"
	printf 'native_bt_goal\t%s\n' "$NATIVE_BT_GOAL"
} >"$out/results.txt"
echo "results: $out/results.txt"

for name in revisor_disk revisor_kernel revisor_bt_disk revisor_bt_kernel; do
	[ -n "${failed[$name]:-}" ] && exit 1
done
if [ "${BENCH_STRICT:-0}" = 1 ]; then
	for v in "$goal >= $GOAL" "$bt_qemu >= $BT_QEMU_GOAL" "$native_bt <= $NATIVE_BT_GOAL"; do
		set -- $v
		if [ "$(verdict "$1" "$2" "$3")" != met ]; then
			echo "bench: speed goal missed or not measured: $v (BENCH_STRICT=1)" >&2
			exit 1
		fi
	done
fi
exit 0
