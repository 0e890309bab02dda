/* Payload sources for the client; see payload.h. */
#include "client/payload.h"

#include "platform/platform.h"
#include "util/pattern.h"

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

static int keep(se_payload *p, const char *data, size_t len)
{
    if (p->tail + len > p->cap && p->head > 0) {
        memmove(p->kept, p->kept + p->head, p->tail - p->head);
        p->tail -= p->head;
        p->head = 0;
    }
    if (p->tail + len > p->cap) {
        size_t cap = p->cap ? p->cap : 64 * 1024;
        while (cap < p->tail + len)
            cap *= 2;
        char *kept = realloc(p->kept, cap);
        if (!kept)
            return SE_ENOMEM;
        p->kept = kept;
        p->cap = cap;
    }
    if (len)
        memcpy(p->kept + p->tail, data, len);
    p->tail += len;
    return 0;
}

void se_payload_end(se_payload *p)
{
    p->ending = 1;
}

long se_payload_next(se_payload *p, char *buf, size_t cap)
{
    size_t n;
    if (p->ending) {
        p->finished = 1;
        return 0;
    }
    if (p->kind == SE_PAYLOAD_STREAM && p->read) {
        long got = p->read(p->read_arg, buf, cap);
        if (got < 0)
            return got;
        n = (size_t)got < cap ? (size_t)got : cap;
        int err = keep(p, buf, n);
        if (err)
            return err;
    } else if (p->kind == SE_PAYLOAD_STREAM) {
        n = fread(buf, 1, cap, p->file);
        if (n == 0 && ferror(p->file))
            return se_last_file_error();
        int err = keep(p, buf, n);
        if (err)
            return err;
    } else {
        uint64_t left = p->size - p->produced;
        n = left < cap ? (size_t)left : cap;
        se_payload_expected(p, p->produced, buf, n);
    }
    p->produced += n;
    if (n == 0)
        p->finished = 1;
    return (long)n;
}

void se_payload_expected(const se_payload *p, uint64_t offset, char *buf, size_t len)
{
    switch (p->kind) {
    case SE_PAYLOAD_MESSAGE:
        if (len)
            memcpy(buf, p->message + offset, len);
        break;
    case SE_PAYLOAD_PATTERN:
        se_pattern_fill(p->seed, offset, buf, len);
        break;
    default:
        if (len)
            memcpy(buf, p->kept + p->head + (size_t)(offset - p->kept_from), len);
        break;
    }
}

void se_payload_release(se_payload *p, uint64_t offset)
{
    if (p->kind != SE_PAYLOAD_STREAM || offset <= p->kept_from)
        return;
    size_t drop = (size_t)(offset - p->kept_from);
    if (drop > p->tail - p->head)
        drop = p->tail - p->head;
    p->head += drop;
    p->kept_from += drop;
    if (p->head == p->tail)
        p->head = p->tail = 0;
}

void se_payload_close(se_payload *p)
{
    if (p->owns_file)
        fclose(p->file);
    free(p->kept);
    p->kept = NULL;
    p->file = NULL;
}
