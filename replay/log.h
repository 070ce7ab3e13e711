/* SPDX-License-Identifier: MIT
 *
 * log.h — the recording file (docs/replay-format.md): a file header, then chunks, each with its own
 * CRC-32 so that damage is found and a recording cut short by a crash is usable up to its last complete
 * chunk.  The first chunk is the header (text "key value" lines: version, machine configuration, image
 * names and content hashes); the others carry events, each stamped with the instruction count at which
 * it entered the guest.
 *
 * This file is the format only: writing chunks (struct log_writer) and reading a whole file back into
 * an array of events (struct log_file).  What the events mean is record.c's and replay.c's business.
 */
#ifndef REVISOR_REPLAY_LOG_H
#define REVISOR_REPLAY_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LOG_MAGIC    "RVREC\r\n\032"   /* 8 bytes; \r\n and ^Z catch text-mode mangling */
#define LOG_VERSION  1u

enum log_chunk_type { LOG_CHUNK_HEADER = 1, LOG_CHUNK_EVENTS = 2 };

/* Event kinds.  Payloads are little-endian. */
enum log_event_kind {
	LOG_EV_RTC = 1,      /* i64: the RTC's starting date (Unix seconds), taken from the host clock */
	LOG_EV_SERIAL = 2,   /* bytes the UART's receiver accepted at this instruction count */
	LOG_EV_EOF = 3,      /* the host's console input ended (the event layer stops polling later) */
	LOG_EV_HASH = 4,     /* a state-hash point: struct log_hash */
	LOG_EV_END = 5,      /* the end of the run: struct log_end */
	LOG_EV_KINDS
};

/* A hash point: the digest and the registers, so a divergence can say which registers differ. */
enum { LH_EAX, LH_ECX, LH_EDX, LH_EBX, LH_ESP, LH_EBP, LH_ESI, LH_EDI, LH_EIP, LH_EFLAGS,
       LH_CR0, LH_CR2, LH_CR3, LH_CR4, LH_CS_SS, LH_DS_ES, LH_NREGS };
struct log_hash {
	uint64_t total;
	uint64_t part[4];      /* struct state_digest parts: cpu, ram, devices, disks */
	uint32_t reg[LH_NREGS];
};

struct log_end {
	uint32_t reason;       /* enum stop_reason */
	int32_t status;        /* revisor's exit status */
	uint64_t hash;         /* final state hash */
};

const char *log_kind_name(unsigned kind);

/* ---- writing ------------------------------------------------------------------------------------ */
struct log_writer {
	FILE *f;
	uint8_t *buf;              /* the events chunk being built */
	size_t len, cap;
	uint64_t last_icount;      /* for delta-encoding counts within the chunk */
	uint64_t bytes, chunks, events;
	int error;
};

int log_create(struct log_writer *w, const char *path);                /* 0 or -1 (errno) */
int log_write_header(struct log_writer *w, const char *text);          /* the header chunk */
void log_append(struct log_writer *w, uint64_t icount, unsigned kind, const void *payload, size_t len);
int log_flush(struct log_writer *w);      /* write the events gathered so far as one chunk, fflush */
int log_close(struct log_writer *w);      /* flush and close; 0 or -1 */

/* ---- reading ------------------------------------------------------------------------------------ */
struct log_event {
	uint64_t icount;
	uint8_t kind;
	uint32_t len;
	const uint8_t *payload;    /* points into struct log_file's data */
};

struct log_file {
	uint8_t *data;             /* the whole file */
	size_t size;
	char *header;              /* NUL-terminated copy of the header text */
	struct log_event *ev;
	size_t nev;
	uint64_t nchunks;
	int truncated;             /* the file ends inside a chunk, or has no end event */
	uint64_t good_bytes;       /* bytes up to the end of the last complete chunk */
};

/* Read and check a whole recording.  Returns 0, or -1 with a message naming what is wrong (not a
 * recording, wrong version, a chunk whose checksum fails, a bad event).  A file that merely ends early
 * is not an error: ->truncated says so and ->ev holds every event of the complete chunks.
 * ignore_crc (a teaching/testing switch) accepts chunks whose checksum fails. */
int log_read(struct log_file *lf, const char *path, int ignore_crc, char err[512]);
void log_file_free(struct log_file *lf);
/* Look up "key" in the header text: copies its value (the rest of the line) into out, 0; or -1. */
int log_header_get(const struct log_file *lf, const char *key, char *out, size_t outlen);

uint32_t crc32_buf(uint32_t crc, const void *p, size_t n);   /* IEEE 802.3 CRC-32, start with 0 */

#endif
