/* SPDX-License-Identifier: MIT
 *
 * replay.h — `revisor replay FILE` and `revisor log FILE`: rebuild the recorded machine from a
 * recording's header, feed it the logged inputs at exactly their instruction counts, and check the
 * state hashes on the way (docs/replay.md).  struct player is one replay in progress; the seek API
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

/* Opening a replay programmatically (the debugger): NULL + err (exit status 2 material) on failure. */
struct player *rr_open(const char *path, const char *accel, int ignore_crc, char err[1024]);
void rr_close(struct player *p);

/* The commands. */
int replay_main(int argc, char **argv);
int log_main(int argc, char **argv);

#endif
