# SPDX-License-Identifier: MIT
#
# gdb-bench.py — the measuring half of tests/bench/gdb-bench.sh, run inside Debian's gdb (`gdb -batch -x`).
# gdb-bench.sh starts `revisor replay FILE -S -gdb tcp:...` and sets these convenience variables first:
#   $bench_port     the stub's TCP port
#   $bench_k        how many reverse-stepi samples
#   $bench_ticks    how many one-tick watchpoint spans
#   $bench_seed     the pseudo-random seed (the same points every run)
# and reads the lines this script prints that start with "BENCH ".
#
# Every time is host wall-clock time around one gdb.execute(), so it includes what the user waits for:
# gdb's packets, the stub's work, and gdb reading the registers and printing the new frame.
#
# 1. Reverse-continue over a long span.  In the recording the `primes` process writes one word of its user
#    stack twice: the argument of atoi() when main starts, and printf()'s format argument when it ends,
#    about 1.5e9 instructions later (main's loop keeps everything in registers; the kernel never writes a
#    user stack).  With `watch` on that word: `continue` from the first write to the second is the
#    forward time; from there `reverse-continue` (once to step before the second write, which is the
#    last write before the stop, then timed) back to the first write is the backward time over the same
#    span.  This also runs the replay to its end, so every checkpoint exists for what follows.
# 2. reverse-stepi at K pseudo-random instruction counts: `monitor seek P`, then time `reverse-stepi`.
# 3. Reverse-continue over a short span: `watch ticks` (the kernel's timer-tick counter, written once every
#    10^5 instructions), at a few pseudo-random points: `continue` to a write, time `continue` to the next,
#    `reverse-continue` to before that write, time `reverse-continue` to before the previous one.
import random
import time

import gdb


def conv(name):
    return int(gdb.parse_and_eval("$" + name))


def run(cmd):
    """gdb.execute(cmd), returning (seconds, output)."""
    t0 = time.perf_counter()
    out = gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t0, out


def icount():
    out = gdb.execute("monitor icount", to_string=True)
    return int(out.strip().split()[-1])


def seek(n):
    out = gdb.execute("monitor seek %d" % n, to_string=True)
    gdb.execute("maint flush register-cache", to_string=True)
    if icount() != n:
        raise gdb.GdbError("monitor seek %d: %s" % (n, out.strip()))


def say(*words):
    print("BENCH " + " ".join(str(w) for w in words), flush=True)


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote 127.0.0.1:%d" % conv("bench_port"), to_string=True)
end = int(gdb.execute("monitor checkpoints", to_string=True).split("history: instructions 0 .. ")[1].split()[0])
say("end", end)
rng = random.Random(conv("bench_seed"))

# ---- 1. the long span ------------------------------------------------------------------------------------
# main's `push 0x4(%eax)` (atoi's argument) is the first write; stop after it, in the primes process (sh and
# init run user code at the same addresses).
gdb.execute("break *0x4000008d", to_string=True)
for _ in range(20):
    gdb.execute("continue", to_string=True)
    if gdb.parse_and_eval("curproc->name").string() == "primes":
        break
else:
    raise gdb.GdbError("the primes process never reached main's call to atoi")
gdb.execute("delete", to_string=True)
slot = int(gdb.parse_and_eval("$esp"))
gdb.execute("watch *(int *)0x%x" % slot, to_string=True)
h0 = icount()
fwd = None
while fwd is None:      # skip any near writes (none expected): the span is the first long gap
    t, out = run("continue")
    h1 = icount()
    if "No more reverse-execution history" in out:
        raise gdb.GdbError("no second write to the stack word 0x%x after %d" % (slot, h0))
    if h1 - h0 >= 10**8:
        fwd = t
    else:
        h0 = h1
run("reverse-continue")                  # to just before the second write (the instruction that made it)
back_from = icount()
rev, out = run("reverse-continue")       # to just before the first write
back_to = icount()
if back_to != h0 - 1 or back_from != h1 - 1:
    raise gdb.GdbError("reverse-continue went %d -> %d, expected %d -> %d" % (back_from, back_to, h1 - 1, h0 - 1))
say("long", slot, h0, h1, "%.6f" % fwd, "%.6f" % rev)
gdb.execute("delete", to_string=True)

# ---- 2. reverse-stepi anywhere -----------------------------------------------------------------------------
for k in range(conv("bench_k")):
    p = rng.randrange(1, end)
    seek(p)
    t, out = run("reverse-stepi")
    if icount() != p - 1:
        raise gdb.GdbError("reverse-stepi at %d went to %d" % (p, icount()))
    say("rsi", p, "%.6f" % t)

# ---- 3. one tick -----------------------------------------------------------------------------------------
gdb.execute("watch ticks", to_string=True)
for k in range(conv("bench_ticks")):
    p = rng.randrange(end // 10, end - end // 10)
    seek(p)
    run("continue")
    a = icount()
    tf, out = run("continue")
    b = icount()
    run("reverse-continue")
    if icount() != b - 1:
        raise gdb.GdbError("reverse-continue from the tick at %d stopped at %d" % (b, icount()))
    tr, out = run("reverse-continue")
    if icount() != a - 1:
        raise gdb.GdbError("reverse-continue from %d stopped at %d, not %d" % (b - 1, icount(), a - 1))
    say("tick", a, b, "%.6f" % tf, "%.6f" % tr)
gdb.execute("delete", to_string=True)
say("done")
gdb.execute("kill", to_string=True)
