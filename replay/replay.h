/* SPDX-License-Identifier: MIT
 *
 * replay.h — `revisor replay FILE` and `revisor log FILE`: rebuild the recorded machine from a
 * recording's header, feed it the logged inputs at exactly their instruction counts, and check the
 * state hashes on the way (docs/replay.md); with -s/-S/-gdb, under gdb with reverse execution (docs/gdb.md).  struct player is one replay in progress; the seek API
 * for reverse execution is in checkpoint.h.
 */
#ifndef REVISOR_REPLAY_REPLAY_H
#define REVISOR_REPLAY_REPLAY_H

#include <stdint.h>
#include "replay/log.h"

struct player;
struct events;

/* The event layer's hooks (replay/event.c).  play_take returns the next logged event and consumes it
 * if it has this kind and this instruction count, else NULL. */
const struct log_event *play_take(struct player *p, struct events *ev, unsigned kind, uint64_t icount);
int play_inputs_left(struct player *p, struct events *ev);
int64_t play_rtc_base(struct player *p, struct events *ev);
void play_hash_point(struct player *p, struct events *ev);
void play_mismatch(struct player *p, struct events *ev, const char *what);

/* How to open a replay. */
struct rr_options {
	const char *accel;      /* -accel: NULL = the interpreter */
	int ignore_crc;         /* -no-crc: replay a file whose chunk checksums are wrong */
	const char *gdb;        /* -gdb SPEC / -s: attach the GDB stub (debugger/) with the recording as its
	                         * history; NULL = no debugger */
	int gdb_wait;           /* -S: do not start until gdb continues */
};

/* Opening a replay programmatically: NULL + err (exit status 2 material) on failure. */
struct player *rr_open(const char *path, const struct rr_options *o, char err[1024]);
void rr_close(struct player *p);

/* For the GDB stub's replay history (debugger/history.c), beside rr_seek (checkpoint.h):
 * rr_advanced  after each forward run for gdb: note how far the user has seen, take a checkpoint when due;
 * rr_seen      the furthest instruction count whose console output was shown;
 * rr_mute      mute the guest's console output (re-executing the past) or turn it back on. */
void rr_advanced(struct player *p);
uint64_t rr_seen(struct player *p);
void rr_mute(struct player *p, int on);

/* The commands. */
int replay_main(int argc, char **argv);
int log_main(int argc, char **argv);

#endif
