#include "bench/source.h"
#include "util/stream.h"
#include "test.h"
#include "util/pattern.h"

#include <stdlib.h>
#include <string.h>

static void host_of(const se_source_range *r, uint64_t i, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    se_source_range_get(r, i, &ss);
    se_addr_host((const struct sockaddr *)&ss, buf, size);
}

TEST(bench_source_range)
{
    se_source_range r;
    char err[160], host[SE_ADDRSTRLEN];
    CHECK_EQ_INT(se_source_range_parse("127.0.0.0/8", &r, err, sizeof err), 0);
    host_of(&r, 0, host, sizeof host);
    CHECK_EQ_STR(host, "127.0.0.1");
    host_of(&r, 256, host, sizeof host);
    CHECK_EQ_STR(host, "127.0.1.1");
    host_of(&r, (1u << 24) - 2, host, sizeof host); /* wraps before 127.255.255.255 */
    CHECK_EQ_STR(host, "127.0.0.1");
    CHECK_EQ_INT(se_source_range_parse("10.1.2.3/30", &r, err, sizeof err), 0);
    host_of(&r, 0, host, sizeof host);
    CHECK_EQ_STR(host, "10.1.2.1");
    host_of(&r, 1, host, sizeof host);
    CHECK_EQ_STR(host, "10.1.2.2");
    host_of(&r, 2, host, sizeof host);
    CHECK_EQ_STR(host, "10.1.2.1");
    CHECK_EQ_INT(se_source_range_parse("127.0.0.9/32", &r, err, sizeof err), 0);
    host_of(&r, 5, host, sizeof host);
    CHECK_EQ_STR(host, "127.0.0.9");
    CHECK_EQ_INT(se_source_range_parse("fd00::/120", &r, err, sizeof err), 0);
    host_of(&r, 9, host, sizeof host);
    CHECK_EQ_STR(host, "fd00::a");
    CHECK_EQ_INT(se_source_range_parse("127.0.0.0", &r, err, sizeof err), -1);
    CHECK_EQ_INT(se_source_range_parse("127.0.0.0/33", &r, err, sizeof err), -1);
    CHECK_EQ_INT(se_source_range_parse("localhost/8", &r, err, sizeof err), -1);
    CHECK_EQ_INT(se_source_range_parse("127.0.0.0/8x", &r, err, sizeof err), -1);
}

TEST(bench_stream_window)
{
    se_stream_window w;
    CHECK_EQ_INT(se_stream_window_init(&w, 5), 0);
    /* Any slice, even across the period's end, is the pattern repeated. */
    size_t origin = se_stream_origin(3);
    uint64_t offset = SE_STREAM_PERIOD - origin - 100;
    unsigned char *want = malloc(SE_STREAM_SLICE);
    CHECK(want != NULL);
    if (want) {
        se_pattern_fill(5, origin + offset, want, 100);
        se_pattern_fill(5, 0, want + 100, SE_STREAM_SLICE - 100);
        CHECK(memcmp(se_stream_at(&w, origin, offset), want, SE_STREAM_SLICE) == 0);
        free(want);
    }
    /* Connections start at distinct places. */
    CHECK(se_stream_origin(0) != se_stream_origin(1));
    CHECK(se_stream_origin(1) != se_stream_origin(2));
    se_stream_window_free(&w);
}
