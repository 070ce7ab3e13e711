/* SPDX-License-Identifier: MIT
 *
 * checkpoint.h — checkpoints and seeking: the primitive under reverse execution.
 *
 * A checkpoint is a machine snapshot (snapshot.h) without RAM, plus the RAM pages written since the
 * previous checkpoint (a dirty-page delta: machine.h's DIRTY_CKPT bit, set by the same slow-path store
 * trick that tracks code pages).  The first checkpoint holds every non-zero page.  Restoring checkpoint
 * j rewrites only the pages that can differ from it — those written since the checkpoint the machine
 * last left, and those in the deltas between the two — each from the latest checkpoint <= j that holds
 * it.  So memory grows with what the guest writes, not with RAM size times the number of checkpoints.
 *
 * The store knows nothing about recordings: it works on any machine (a unit test's, a replay's).
 * Checkpoints are kept in increasing instruction count.  Permanent ones (ckpt_take) are appended: taking
 * one at or before the last permanent one is refused.  Temporary ones (ckpt_keep) go anywhere the machine
 * has run forward to since its last take or restore: reverse execution keeps a few near where the user
 * is working, so going back a short way re-executes a short way, not from the last permanent checkpoint.
 * Only the CKPT_KEEP most recently used (taken or restored) temporary ones are kept.
 */
#ifndef REVISOR_REPLAY_CHECKPOINT_H
#define REVISOR_REPLAY_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct ckpt_store;
struct player;

struct ckpt_store *ckpt_new(struct machine *m);
void ckpt_free(struct ckpt_store *cs);
#define CKPT_KEEP 24
int ckpt_take(struct ckpt_store *cs);                          /* 0, or -1 (out of order / no memory) */
int ckpt_keep(struct ckpt_store *cs);                          /* a temporary one here: 0, or -1 */
int ckpt_is_temp(const struct ckpt_store *cs, size_t k);
/* Restore the latest checkpoint at or before icount.  Returns its index, or -1 if there is none. */
int ckpt_restore(struct ckpt_store *cs, uint64_t icount);
size_t ckpt_count(const struct ckpt_store *cs);
uint64_t ckpt_icount(const struct ckpt_store *cs, size_t k);
uint64_t ckpt_bytes(const struct ckpt_store *cs);              /* memory held by all checkpoints */

/* ---- the replay's seek API (what the GDB stub calls for reverse execution) ------------------------ */
/* Go to exactly instruction `icount` of the recording: restore the nearest checkpoint at or before it
 * and run forward (checkpoints are taken on the way the first time through).  0, or -1 if icount is
 * beyond the recording's end or the replay diverged (rr_error says why). */
int rr_seek(struct player *p, uint64_t icount);
uint64_t rr_icount(struct player *p);
uint64_t rr_end_icount(struct player *p);      /* the recording's last instruction count */
/* The instruction counts of the checkpoints kept so far (up to max of them); returns how many exist. */
size_t rr_checkpoints(struct player *p, uint64_t *out, size_t max);
const char *rr_error(struct player *p);
/* Reverse execution's helpers: a temporary checkpoint here (the machine is where rr_seek put it), and
 * the count a seek to icount would re-execute from (the nearest checkpoint at or before it). */
int rr_keep(struct player *p);
uint64_t rr_base(struct player *p, uint64_t icount);

#endif
