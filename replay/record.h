/* SPDX-License-Identifier: MIT
 *
 * record.h — `revisor record`: run a guest exactly as `revisor run` would, and write a recording of
 * everything nondeterministic that entered it (replay/log.h has the file format, docs/replay.md the
 * idea).  The event layer (replay/event.c) calls the rec_* hooks; nothing else in revisor knows that a
 * recording is being made.
 */
#ifndef REVISOR_REPLAY_RECORD_H
#define REVISOR_REPLAY_RECORD_H

#include <stdint.h>

struct machine;
struct recorder;
struct pc_config;

/* Default distance between state-hash points, in instructions (2^22: about 4 ms of virtual time). */
#define RECORD_HASH_INTERVAL (1ull << 22)

/* The event layer's hooks. */
void rec_serial(struct recorder *r, uint64_t icount, const uint8_t *bytes, unsigned n);
void rec_eof(struct recorder *r, uint64_t icount);
void rec_rtc_base(struct recorder *r, int64_t base);
void rec_hash_point(struct recorder *r, struct machine *m);

/* Shared with replay.c: fill a hash record (digest + registers) from the machine now; a file's
 * content hash (kernel, modules). */
struct log_hash;
void rec_fill_hash(struct machine *m, struct log_hash *h);
int rr_file_hash(const char *path, uint64_t *h);

/* `revisor record -o FILE [run options]`: cfg as parsed by main.c's `run`, argv the run options (for
 * the header).  Returns the exit status `revisor run` would, or 2 if the recording cannot be written. */
int record_main(struct pc_config *cfg, const char *path, int argc, char **argv, const char *version);

#endif
