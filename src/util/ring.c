/* The ring buffer; see ring.h. */
#include "util/ring.h"

#include "platform/platform.h"

#include <stdlib.h>

int se_ring_init(se_ring *r, size_t cap)
{
    r->buf = malloc(cap);
    r->cap = r->buf ? cap : 0;
    r->head = r->tail = 0;
    return r->buf ? 0 : SE_ENOMEM;
}

void se_ring_free(se_ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}

size_t se_ring_used(const se_ring *r)
{
    return (size_t)(r->tail - r->head);
}

size_t se_ring_space(const se_ring *r)
{
    return r->cap - se_ring_used(r);
}

char *se_ring_write_span(se_ring *r, size_t max, size_t *len)
{
    size_t at = (size_t)(r->tail % r->cap);
    size_t n = r->cap - at;
    if (n > se_ring_space(r))
        n = se_ring_space(r);
    *len = n < max ? n : max;
    return r->buf + at;
}

void se_ring_commit(se_ring *r, size_t n)
{
    r->tail += n;
}

const char *se_ring_read_span(const se_ring *r, uint64_t offset, size_t max, size_t *len)
{
    size_t at = (size_t)(offset % r->cap);
    size_t n = r->cap - at;
    if (n > r->tail - offset)
        n = (size_t)(r->tail - offset);
    *len = n < max ? n : max;
    return r->buf + at;
}

void se_ring_release(se_ring *r, uint64_t offset)
{
    if (offset > r->tail)
        offset = r->tail;
    if (offset > r->head)
        r->head = offset;
}
