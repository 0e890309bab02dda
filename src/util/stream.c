/* The shared pattern window; see stream.h. */
#include "util/stream.h"

#include "platform/platform.h"
#include "util/pattern.h"

#include <stdlib.h>
#include <string.h>

/* Coprime with the (prime) period: distinct ids get distinct origins. */
#define ORIGIN_STRIDE 40503u

int se_stream_window_init(se_stream_window *w, uint64_t seed)
{
    w->bytes = malloc((size_t)SE_STREAM_PERIOD + SE_STREAM_SLICE);
    if (!w->bytes)
        return SE_ENOMEM;
    se_pattern_fill(seed, 0, w->bytes, SE_STREAM_PERIOD);
    memcpy(w->bytes + SE_STREAM_PERIOD, w->bytes, SE_STREAM_SLICE);
    return 0;
}

void se_stream_window_free(se_stream_window *w)
{
    free(w->bytes);
    w->bytes = NULL;
}

size_t se_stream_origin(uint64_t id)
{
    return (size_t)(id % SE_STREAM_PERIOD * ORIGIN_STRIDE % SE_STREAM_PERIOD);
}

const char *se_stream_at(const se_stream_window *w, size_t origin, uint64_t offset)
{
    return w->bytes + (origin + (size_t)(offset % SE_STREAM_PERIOD)) % SE_STREAM_PERIOD;
}
