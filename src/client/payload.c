/* Payload sources for the client; see payload.h. */
#include "client/payload.h"

#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>

void se_payload_message(se_payload *p, const char *text, size_t len)
{
    memset(p, 0, sizeof *p);
    p->kind = SE_PAYLOAD_MESSAGE;
    p->message = text;
    p->size = len;
}

void se_payload_pattern(se_payload *p, uint64_t size, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->kind = SE_PAYLOAD_PATTERN;
    p->size = size;
    p->seed = seed;
}

int se_payload_stream(se_payload *p, const char *path)
{
    memset(p, 0, sizeof *p);
    p->kind = SE_PAYLOAD_STREAM;
    int err = 0;
    p->file = se_file_open_read(path, &err);
    if (!p->file)
        return err;
    p->owns_file = p->file != stdin;
    return 0;
}

void se_payload_end(se_payload *p)
{
    p->ending = 1;
}

/* Reads the next bytes of a stream into the free span of its ring. */
static long next_from_stream(se_payload *p, const char **data, size_t max)
{
    if (!p->ring.buf) {
        int err = se_ring_init(&p->ring, SE_PAYLOAD_WINDOW);
        if (err)
            return err;
    }
    /* Once full, the window waits until a quarter of it is free again, so
     * reads and sends stay large while the echo lags. */
    size_t space = se_ring_space(&p->ring);
    if (space == 0 || (space < SE_PAYLOAD_WINDOW / 4 && space < max))
        return SE_EAGAIN;
    size_t span;
    char *buf = se_ring_write_span(&p->ring, max, &span);
    size_t n;
    if (p->read) {
        long got = p->read(p->read_arg, buf, span);
        if (got < 0)
            return got;
        n = (size_t)got < span ? (size_t)got : span;
    } else {
        n = fread(buf, 1, span, p->file);
        if (n == 0 && ferror(p->file))
            return se_last_file_error();
    }
    se_ring_commit(&p->ring, n);
    *data = buf;
    return (long)n;
}

long se_payload_next(se_payload *p, const char **data, size_t max)
{
    size_t n;
    if (p->ending) {
        p->finished = 1;
        return 0;
    }
    if (p->kind == SE_PAYLOAD_STREAM) {
        long got = next_from_stream(p, data, max);
        if (got < 0)
            return got;
        n = (size_t)got;
    } else {
        uint64_t left = p->size - p->produced;
        n = left < max ? (size_t)left : max;
        if (p->kind == SE_PAYLOAD_MESSAGE) {
            *data = p->message + p->produced;
        } else {
            if (!p->window.bytes) {
                int err = se_stream_window_init(&p->window, p->seed);
                if (err)
                    return err;
            }
            if (n > SE_STREAM_SLICE)
                n = SE_STREAM_SLICE;
            *data = se_stream_at(&p->window, 0, p->produced);
        }
    }
    p->produced += n;
    if (n == 0)
        p->finished = 1;
    return (long)n;
}

int se_payload_verify(const se_payload *p, uint64_t offset, const char *got, size_t len,
                      se_mismatch *m)
{
    while (len > 0) {
        const char *expect;
        size_t n = len;
        if (p->kind == SE_PAYLOAD_MESSAGE) {
            expect = p->message + offset;
        } else if (p->kind == SE_PAYLOAD_PATTERN) {
            n = len < SE_STREAM_SLICE ? len : SE_STREAM_SLICE;
            expect = se_stream_at(&p->window, 0, offset);
        } else {
            expect = se_ring_read_span(&p->ring, offset, len, &n);
        }
        if (se_mismatch_find(expect, got, n, offset, m))
            return 1;
        offset += n;
        got += n;
        len -= n;
    }
    return 0;
}

void se_payload_release(se_payload *p, uint64_t offset)
{
    if (p->kind == SE_PAYLOAD_STREAM && p->ring.buf)
        se_ring_release(&p->ring, offset);
}

void se_payload_close(se_payload *p)
{
    if (p->owns_file)
        fclose(p->file);
    se_ring_free(&p->ring);
    se_stream_window_free(&p->window);
    p->file = NULL;
}
