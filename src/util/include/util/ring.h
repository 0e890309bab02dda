/* A ring buffer of bytes addressed by stream offset: it holds bytes
 * [head, tail) of a stream in a fixed block of CAP bytes, so a producer
 * writes into it and a consumer reads from it in place, with no copy and no
 * compaction. Spans are contiguous; a range that wraps around the block's
 * end comes as two spans. The client keeps the file payload it sent here
 * until the echo has been verified against it. */
#ifndef SOCKECHO_UTIL_RING_H
#define SOCKECHO_UTIL_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct se_ring {
    char *buf;
    size_t cap;
    uint64_t head, tail; /* stream offsets: bytes [head, tail) are held */
} se_ring;

/* Allocates a ring of CAP > 0 bytes, holding nothing, starting at stream
 * offset 0. Returns 0 or SE_ENOMEM; free with se_ring_free(). */
int se_ring_init(se_ring *r, size_t cap);
void se_ring_free(se_ring *r);

/* Bytes held; bytes that can still be written. */
size_t se_ring_used(const se_ring *r);
size_t se_ring_space(const se_ring *r);

/* The contiguous free span at the tail, for a producer to fill (at most
 * MAX bytes): its start, its length in *LEN (0 when the ring is full). */
char *se_ring_write_span(se_ring *r, size_t max, size_t *len);

/* Appends the N bytes just written into the write span. */
void se_ring_commit(se_ring *r, size_t n);

/* The held bytes from stream offset OFFSET (head <= OFFSET < tail) up to at
 * most MAX, as far as they are contiguous: their start, their length in
 * *LEN. */
const char *se_ring_read_span(const se_ring *r, uint64_t offset, size_t max, size_t *len);

/* Drops the held bytes below stream offset OFFSET (no effect at or below
 * head; at most up to tail). */
void se_ring_release(se_ring *r, uint64_t offset);

#endif
