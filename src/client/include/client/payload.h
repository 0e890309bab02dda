/* What the client sends, and what it expects back: a message, a generated
 * pattern (--size) or a stream read from a file or standard input.
 *
 * The client takes the next bytes to send with se_payload_next(), a pointer
 * into the payload's own memory, and compares the echo with them in place
 * with se_payload_verify(): nothing is generated or copied per byte. A
 * pattern is the shared stream window (util/stream.h); a stream is read into
 * a ring of SE_PAYLOAD_WINDOW bytes and keeps them until
 * se_payload_release() says they were verified, so memory is bounded
 * whatever the payload's size: a full ring waits for the echo. */
#ifndef SOCKECHO_PAYLOAD_H
#define SOCKECHO_PAYLOAD_H

#include "util/mismatch.h"
#include "util/ring.h"
#include "util/stream.h"

#include <stdint.h>
#include <stdio.h>

/* The bytes of a stream payload sent and not yet verified, at most. */
#define SE_PAYLOAD_WINDOW (1024 * 1024)

enum { SE_PAYLOAD_MESSAGE, SE_PAYLOAD_PATTERN, SE_PAYLOAD_STREAM };

typedef struct se_payload {
    int kind;
    const char *message; /* MESSAGE: borrowed, must outlive the payload */
    uint64_t size;       /* MESSAGE, PATTERN: total bytes */
    uint64_t seed;       /* PATTERN */
    FILE *file;          /* STREAM */
    /* STREAM without a file: READ(READ_ARG, ...) returns a count, 0 at the
     * end, or an SE_E* code (the library's source callback). */
    long (*read)(void *arg, char *buf, size_t cap);
    void *read_arg;
    int owns_file;
    uint64_t produced;       /* bytes handed out by se_payload_next() */
    int finished;            /* se_payload_next() has returned 0 */
    int ending;              /* se_payload_end() was called */
    se_stream_window window; /* PATTERN: generated at the first se_payload_next() */
    se_ring ring;            /* STREAM: bytes [ring.head, produced) are kept */
} se_payload;

/* Payload of LEN bytes of TEXT (borrowed). */
void se_payload_message(se_payload *p, const char *text, size_t len);

/* Payload of SIZE bytes of the stream for SEED (util/stream.h, origin 0). */
void se_payload_pattern(se_payload *p, uint64_t size, uint64_t seed);

/* Payload read from PATH ("-": standard input). Returns 0 or an SE_E* code. */
int se_payload_stream(se_payload *p, const char *path);

/* The next bytes to send, at most MAX: *DATA points into the payload's
 * memory, valid until they are released (a stream) or the payload closed.
 * Returns the count; 0 at the end of the payload; SE_EAGAIN when a stream
 * holds SE_PAYLOAD_WINDOW unverified bytes (release some, then ask again);
 * or another SE_E* code (a read error, out of memory). */
long se_payload_next(se_payload *p, const char **data, size_t max);

/* Ends the payload early: the next se_payload_next() returns 0, as at the
 * end of a file (client --time). */
void se_payload_end(se_payload *p);

/* Compares the echo GOT of bytes [OFFSET, OFFSET + LEN) with the payload
 * (handed out already and not released). Returns 0 when equal, else 1 with
 * *M at the first byte that differs. */
int se_payload_verify(const se_payload *p, uint64_t offset, const char *got, size_t len,
                      se_mismatch *m);

/* Drops retained bytes below OFFSET (they have been verified). */
void se_payload_release(se_payload *p, uint64_t offset);

/* Closes the file (if it was opened here) and frees what the payload
 * allocated. */
void se_payload_close(se_payload *p);

#endif
