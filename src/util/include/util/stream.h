/* The generated stream the client (--size) and every bench connection send:
 * the seeded pattern (util/pattern.h) repeated with period SE_STREAM_PERIOD,
 * generated once into a window shared read-only by every thread. Bench
 * connection ID starts at its own offset of the pattern, so echoes crossed
 * between connections are caught; the client's stream is the one of ID 0.
 * Sending and verifying are a pointer into the window and a memcmp: nothing
 * is generated per byte. */
#ifndef SOCKECHO_UTIL_STREAM_H
#define SOCKECHO_UTIL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define SE_STREAM_PERIOD 1048583u      /* a prime: no message size divides it */
#define SE_STREAM_SLICE (256u * 1024u) /* longest contiguous slice */

typedef struct se_stream_window {
    char *bytes; /* SE_STREAM_PERIOD + SE_STREAM_SLICE bytes */
} se_stream_window;

/* Generates the window for SEED. Returns 0 or SE_ENOMEM; free with
 * se_stream_window_free(). */
int se_stream_window_init(se_stream_window *w, uint64_t seed);
void se_stream_window_free(se_stream_window *w);

/* Where connection ID's stream begins in the pattern. */
size_t se_stream_origin(uint64_t id);

/* Bytes [OFFSET, OFFSET + n) of the stream that starts at ORIGIN, for any
 * n <= SE_STREAM_SLICE. Borrowed from W. */
const char *se_stream_at(const se_stream_window *w, size_t origin, uint64_t offset);

#endif
