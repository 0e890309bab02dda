#include "client/payload.h"
#include "platform/platform.h"
#include "test.h"
#include "util/pattern.h"

#include <stdlib.h>
#include <string.h>

TEST(pattern_random_access)
{
    /* Any slice equals the same bytes of one long generation. */
    enum { N = 4096 };
    unsigned char whole[N], part[N];
    se_pattern_fill(7, 0, whole, N);
    for (size_t off = 0; off < 40; off++) {
        for (size_t len = 0; len < 40 && off + len <= N; len += 3) {
            se_pattern_fill(7, off, part, len);
            CHECK(memcmp(part, whole + off, len) == 0);
        }
    }
    se_pattern_fill(7, 1001, part, 2000);
    CHECK(memcmp(part, whole + 1001, 2000) == 0);
    /* Not a constant or a short cycle. */
    int distinct = 0, seen[256] = {0};
    for (size_t i = 0; i < N; i++)
        if (!seen[whole[i]]++)
            distinct++;
    CHECK(distinct > 200);
}

TEST(pattern_seeds_differ)
{
    unsigned char a[64], b[64];
    se_pattern_fill(1, 0, a, sizeof a);
    se_pattern_fill(2, 0, b, sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    se_pattern_fill(1, 1ull << 40, a, sizeof a);
    se_pattern_fill(1, (1ull << 40) + 64, b, sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
}

TEST(payload_message_and_pattern)
{
    se_payload p;
    const char *data = NULL;
    se_mismatch m;
    se_payload_message(&p, "this is a test", 14);
    CHECK_EQ_INT(se_payload_next(&p, &data, 10), 10);
    CHECK(memcmp(data, "this is a ", 10) == 0);
    CHECK_EQ_INT(se_payload_next(&p, &data, 10), 4);
    CHECK(memcmp(data, "test", 4) == 0);
    CHECK_EQ_INT(se_payload_next(&p, &data, 10), 0);
    CHECK(p.finished);
    CHECK_EQ_INT(se_payload_verify(&p, 5, "is a", 4, &m), 0);
    CHECK_EQ_INT(se_payload_verify(&p, 5, "is X", 4, &m), 1);
    CHECK_EQ_INT(m.offset, 8);
    CHECK_EQ_INT(m.expected, 'a');
    CHECK_EQ_INT(m.received, 'X');
    se_payload_close(&p);

    /* The pattern is the shared stream window's (origin 0), sent in
     * slices; beyond one period it repeats. */
    uint64_t size = 3 * (uint64_t)SE_STREAM_PERIOD;
    se_payload_pattern(&p, size, 3);
    char *want = malloc(SE_STREAM_SLICE);
    CHECK(want != NULL);
    if (!want)
        return;
    uint64_t total = 0;
    long n;
    while ((n = se_payload_next(&p, &data, 1u << 30)) > 0) {
        CHECK(n <= (long)SE_STREAM_SLICE);
        uint64_t at = total % SE_STREAM_PERIOD;
        size_t first =
            (size_t)n < SE_STREAM_PERIOD - at ? (size_t)n : (size_t)(SE_STREAM_PERIOD - at);
        se_pattern_fill(3, at, want, first);
        se_pattern_fill(3, 0, want + first, (size_t)n - first);
        CHECK(memcmp(data, want, (size_t)n) == 0);
        CHECK_EQ_INT(se_payload_verify(&p, total, want, (size_t)n, &m), 0);
        total += (uint64_t)n;
    }
    CHECK_EQ_INT(total, size);
    se_pattern_fill(3, 0, want, 100); /* one period on: the start again */
    CHECK_EQ_INT(se_payload_verify(&p, SE_STREAM_PERIOD, want, 100, &m), 0);
    want[7] ^= 1;
    CHECK_EQ_INT(se_payload_verify(&p, SE_STREAM_PERIOD, want, 100, &m), 1);
    CHECK_EQ_INT(m.offset, SE_STREAM_PERIOD + 7);
    free(want);
    se_payload_close(&p);
}

TEST(payload_stream_window)
{
    /* A stream keeps what it handed out, in a window of bounded size, until
     * released; a full window waits for a release. */
    char path[] = "sockecho_unit_payload.tmp";
    const size_t size = 3 * SE_PAYLOAD_WINDOW + 12345;
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    for (size_t i = 0; i < size; i++)
        fputc((int)(i * 7 % 251), f);
    fclose(f);
    se_payload p;
    CHECK_EQ_INT(se_payload_stream(&p, path), 0);
    char *buf = malloc(size);
    CHECK(buf != NULL);
    if (!buf)
        return;
    uint64_t total = 0, released = 0;
    long n;
    int waited = 0;
    const char *data;
    se_mismatch m;
    for (;;) {
        n = se_payload_next(&p, &data, 30000);
        if (n == SE_EAGAIN) {
            waited++;
            CHECK(total - released > SE_PAYLOAD_WINDOW - 30000 &&
                  total - released <= SE_PAYLOAD_WINDOW);
            /* Verify what is kept, across the ring's wrap, then free it. */
            CHECK_EQ_INT(
                se_payload_verify(&p, released, buf + released, (size_t)(total - released), &m), 0);
            buf[total - 1] ^= 0x40;
            CHECK_EQ_INT(
                se_payload_verify(&p, released, buf + released, (size_t)(total - released), &m), 1);
            CHECK_EQ_INT(m.offset, total - 1);
            buf[total - 1] ^= 0x40;
            se_payload_release(&p, total - 1000);
            released = total - 1000;
            continue;
        }
        if (n <= 0)
            break;
        memcpy(buf + total, data, (size_t)n);
        total += (uint64_t)n;
    }
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(total, size);
    CHECK(waited >= 2);
    for (size_t i = 0; i < size; i++)
        if ((unsigned char)buf[i] != i * 7 % 251) {
            CHECK(0);
            break;
        }
    se_payload_close(&p);
    free(buf);
    remove(path);
    CHECK(se_payload_stream(&p, "no/such/file") == SE_ENOENT);
}
