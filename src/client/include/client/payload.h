/* What the client sends, and what it expects back: a message, a generated
 * pattern (--size) or a stream read from a file or standard input.
 *
 * The client asks for the next chunk to send with se_payload_next() and, as
 * the echo arrives, for the bytes it should have received with
 * se_payload_expected(). Messages and patterns compute those directly; a
 * stream keeps the bytes it handed out until se_payload_release() says they
 * were verified, so memory follows the echo's lag, not the payload's size. */
#ifndef SOCKECHO_PAYLOAD_H
#define SOCKECHO_PAYLOAD_H

#include <stdint.h>
#include <stdio.h>

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
    uint64_t produced; /* bytes handed out by se_payload_next() */
    int finished;      /* se_payload_next() has returned 0 */
    int ending;        /* se_payload_end() was called */
    /* STREAM: bytes [kept_from, produced) live in kept[head, tail). */
    char *kept;
    size_t head, tail, cap;
    uint64_t kept_from;
} se_payload;

/* Payload of LEN bytes of TEXT (borrowed). */
void se_payload_message(se_payload *p, const char *text, size_t len);

/* Payload of SIZE bytes of the pattern for SEED. */
void se_payload_pattern(se_payload *p, uint64_t size, uint64_t seed);

/* Payload read from PATH ("-": standard input). Returns 0 or an SE_E* code. */
int se_payload_stream(se_payload *p, const char *path);

/* Copies the next bytes to send into BUF (up to CAP). Returns the count, 0
 * at the end of the payload, or an SE_E* code for a read error. */
long se_payload_next(se_payload *p, char *buf, size_t cap);

/* Ends the payload early: the next se_payload_next() returns 0, as at the
 * end of a file (client --time). */
void se_payload_end(se_payload *p);

/* Copies bytes [OFFSET, OFFSET + LEN) into BUF; they must have been handed
 * out already and not released. */
void se_payload_expected(const se_payload *p, uint64_t offset, char *buf, size_t len);

/* Drops retained bytes below OFFSET (they have been verified). */
void se_payload_release(se_payload *p, uint64_t offset);

/* Closes the file (if it was opened here) and frees the retention buffer. */
void se_payload_close(se_payload *p);

#endif
