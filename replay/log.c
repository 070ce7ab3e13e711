/* SPDX-License-Identifier: MIT
 *
 * log.c — reading and writing the chunked recording format of docs/replay-format.md (see log.h).
 *
 * On disk:   magic[8]  u32 version  then chunks:  u32 type | u32 length | payload[length] | u32 crc
 * where crc is the CRC-32 of type, length and payload.  An events chunk's payload is a sequence of
 *            varint(icount delta) | u8 kind | varint(length) | payload[length]
 * with the first delta of each chunk counted from 0, so every chunk can be decoded on its own.  Varints
 * are LEB128 (7 bits per byte, low first, high bit = more).  A CPU-bound run logs little more than its
 * hash points, a few dozen bytes every few million instructions.
 *
 * A chunk is written with one fwrite and flushed, so a recorder killed at any moment leaves a file whose
 * complete chunks are intact; the reader stops at the first incomplete one and says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "replay/log.h"

#define CHUNK_TARGET 32768   /* flush an events chunk when it reaches this size */

/* ---- CRC-32 (the polynomial of Ethernet and zlib, reflected, 0xEDB88320) ------------------------- */

uint32_t crc32_buf(uint32_t crc, const void *p, size_t n)
{
	static uint32_t table[256];
	const uint8_t *b = p;

	if (!table[1]) {
		for (uint32_t k = 0; k < 256; k++) {
			uint32_t c = k;
			for (int j = 0; j < 8; j++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[k] = c;
		}
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

const char *log_kind_name(unsigned kind)
{
	static const char *const names[LOG_EV_KINDS] = {
		[LOG_EV_RTC] = "rtc", [LOG_EV_SERIAL] = "serial", [LOG_EV_EOF] = "eof",
		[LOG_EV_HASH] = "hash", [LOG_EV_END] = "end",
	};
	return kind < LOG_EV_KINDS && names[kind] ? names[kind] : "unknown";
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static uint32_t get_u32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- writing ------------------------------------------------------------------------------------ */

static int write_chunk(struct log_writer *w, uint32_t type, const void *payload, size_t len)
{
	uint8_t head[8], tail[4];
	uint32_t crc;

	put_u32(head, type);
	put_u32(head + 4, (uint32_t)len);
	crc = crc32_buf(crc32_buf(0, head, 8), payload, len);
	put_u32(tail, crc);
	if (fwrite(head, 8, 1, w->f) != 1 || (len && fwrite(payload, len, 1, w->f) != 1) ||
	    fwrite(tail, 4, 1, w->f) != 1 || fflush(w->f) != 0) {
		w->error = 1;
		return -1;
	}
	w->bytes += 12 + len;
	w->chunks++;
	return 0;
}

int log_create(struct log_writer *w, const char *path)
{
	uint8_t v[4];

	memset(w, 0, sizeof *w);
	if (!(w->f = fopen(path, "wb")))
		return -1;
	put_u32(v, LOG_VERSION);
	if (fwrite(LOG_MAGIC, 8, 1, w->f) != 1 || fwrite(v, 4, 1, w->f) != 1) {
		fclose(w->f);
		return -1;
	}
	w->bytes = 12;
	return 0;
}

int log_write_header(struct log_writer *w, const char *text)
{
	return write_chunk(w, LOG_CHUNK_HEADER, text, strlen(text));
}

static void reserve(struct log_writer *w, size_t more)
{
	if (w->len + more <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : CHUNK_TARGET * 2;
	while (cap < w->len + more)
		cap *= 2;
	uint8_t *b = realloc(w->buf, cap);
	if (!b) {
		w->error = 1;
		return;
	}
	w->buf = b;
	w->cap = cap;
}

static void put_varint(struct log_writer *w, uint64_t v)
{
	do {
		w->buf[w->len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

void log_append(struct log_writer *w, uint64_t icount, unsigned kind, const void *payload, size_t len)
{
	reserve(w, len + 24);
	if (w->error)
		return;
	put_varint(w, icount - w->last_icount);
	w->last_icount = icount;
	w->buf[w->len++] = (uint8_t)kind;
	put_varint(w, len);
	if (len)   /* payload may be NULL for events that carry none (memcpy(.., NULL, 0) is undefined) */
		memcpy(w->buf + w->len, payload, len);
	w->len += len;
	w->events++;
	if (w->len >= CHUNK_TARGET)
		log_flush(w);
}

int log_flush(struct log_writer *w)
{
	int rc = 0;

	if (w->len)
		rc = write_chunk(w, LOG_CHUNK_EVENTS, w->buf, w->len);
	w->len = 0;
	w->last_icount = 0;   /* each chunk decodes on its own */
	return rc;
}

int log_close(struct log_writer *w)
{
	int rc = log_flush(w);

	if (fclose(w->f) != 0)
		rc = -1;
	free(w->buf);
	w->buf = NULL;
	return rc || w->error ? -1 : 0;
}

/* ---- reading ------------------------------------------------------------------------------------ */

static int get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*pos >= len)
			return -1;
		uint8_t b = p[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Decode one events chunk into lf->ev.  -1 + err on a malformed chunk. */
static int decode_events(struct log_file *lf, const uint8_t *p, size_t len, uint64_t chunk, char err[512])
{
	size_t pos = 0, cap = lf->nev;
	uint64_t icount = 0, prev = lf->nev ? lf->ev[lf->nev - 1].icount : 0;

	while (pos < len) {
		uint64_t delta, elen;
		if (get_varint(p, len, &pos, &delta) || pos >= len)
			goto bad;
		uint8_t kind = p[pos++];
		if (get_varint(p, len, &pos, &elen) || elen > len - pos)
			goto bad;
		icount += delta;
		if (kind == 0 || kind >= LOG_EV_KINDS || icount < prev) {
			snprintf(err, 512, "chunk %llu: event with %s %u at instruction %llu",
				 (unsigned long long)chunk, icount < prev ? "a count going backwards, kind" : "unknown kind",
				 kind, (unsigned long long)icount);
			return -1;
		}
		prev = icount;
		if (lf->nev == cap || !lf->ev) {
			cap = cap ? 2 * cap : 1024;
			struct log_event *ev = realloc(lf->ev, cap * sizeof *ev);
			if (!ev) {
				snprintf(err, 512, "out of memory");
				return -1;
			}
			lf->ev = ev;
		}
		lf->ev[lf->nev++] = (struct log_event){ icount, kind, (uint32_t)elen, p + pos };
		pos += elen;
	}
	return 0;
bad:
	snprintf(err, 512, "chunk %llu: malformed event encoding at byte %zu of the chunk", (unsigned long long)chunk, pos);
	return -1;
}

int log_read(struct log_file *lf, const char *path, int ignore_crc, char err[512])
{
	FILE *f;
	long size;
	size_t pos;

	memset(lf, 0, sizeof *lf);
	if (!(f = fopen(path, "rb"))) {
		snprintf(err, 512, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	lf->data = malloc(size > 0 ? (size_t)size : 1);
	if (size < 0 || !lf->data || (size > 0 && fread(lf->data, (size_t)size, 1, f) != 1)) {
		fclose(f);
		snprintf(err, 512, "%s: cannot read", path);
		return -1;
	}
	fclose(f);
	lf->size = (size_t)size;
	if (lf->size < 12 || memcmp(lf->data, LOG_MAGIC, 8) != 0) {
		snprintf(err, 512, "%s: not a revisor recording (no \"RVREC\" magic at the start)", path);
		return -1;
	}
	if (get_u32(lf->data + 8) != LOG_VERSION) {
		snprintf(err, 512, "%s: recording format version %u, this revisor reads version %u", path,
			 get_u32(lf->data + 8), LOG_VERSION);
		return -1;
	}
	pos = 12;
	lf->good_bytes = pos;
	while (pos < lf->size) {
		if (lf->size - pos < 12) {
			lf->truncated = 1;
			break;
		}
		uint32_t type = get_u32(lf->data + pos), len = get_u32(lf->data + pos + 4);
		if (len > lf->size - pos - 12) {
			lf->truncated = 1;   /* the recorder died while writing this chunk */
			break;
		}
		const uint8_t *payload = lf->data + pos + 8;
		uint32_t crc = get_u32(payload + len);
		if (crc32_buf(0, lf->data + pos, 8 + (size_t)len) != crc && !ignore_crc) {
			snprintf(err, 512, "%s: chunk %llu (bytes %zu..%zu): checksum mismatch: the file is corrupt", path,
				 (unsigned long long)lf->nchunks, pos, pos + 12 + (size_t)len - 1);
			return -1;
		}
		if (lf->nchunks == 0 && type != LOG_CHUNK_HEADER) {
			snprintf(err, 512, "%s: the first chunk is not the header (type %u)", path, type);
			return -1;
		}
		if (type == LOG_CHUNK_HEADER) {
			free(lf->header);
			lf->header = strndup((const char *)payload, len);
		} else if (type == LOG_CHUNK_EVENTS) {
			char e2[512];
			if (decode_events(lf, payload, len, lf->nchunks, e2)) {
				snprintf(err, 512, "%s: %s", path, e2);
				return -1;
			}
		} else {
			snprintf(err, 512, "%s: chunk %llu has unknown type %u", path, (unsigned long long)lf->nchunks, type);
			return -1;
		}
		lf->nchunks++;
		pos += 12 + (size_t)len;
		lf->good_bytes = pos;
	}
	if (!lf->header) {
		snprintf(err, 512, "%s: truncated: the recording has no complete header chunk", path);
		return -1;
	}
	if (!lf->nev || lf->ev[lf->nev - 1].kind != LOG_EV_END)
		lf->truncated = 1;
	return 0;
}

void log_file_free(struct log_file *lf)
{
	free(lf->data);
	free(lf->header);
	free(lf->ev);
	memset(lf, 0, sizeof *lf);
}

int log_header_get(const struct log_file *lf, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *line = lf->header; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > klen && !strncmp(line, key, klen) && line[klen] == ' ') {
			size_t vlen = len - klen - 1;
			if (vlen >= outlen)
				vlen = outlen - 1;
			memcpy(out, line + klen + 1, vlen);
			out[vlen] = 0;
			return 0;
		}
		line = end ? end + 1 : line + len;
	}
	return -1;
}
