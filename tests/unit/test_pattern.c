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
    char buf[16], exp[16];
    se_payload_message(&p, "this is a test", 14);
    CHECK_EQ_INT(se_payload_next(&p, buf, 10), 10);
    CHECK_EQ_INT(se_payload_next(&p, buf + 10, 10), 4);
    CHECK_EQ_INT(se_payload_next(&p, buf, 10), 0);
    CHECK(p.finished);
    se_payload_expected(&p, 5, exp, 4);
    CHECK(memcmp(exp, "is a", 4) == 0);
    se_payload_close(&p);

    se_payload_pattern(&p, 20, 3);
    CHECK_EQ_INT(se_payload_next(&p, buf, 16), 16);
    se_payload_expected(&p, 0, exp, 16);
    CHECK(memcmp(exp, buf, 16) == 0);
    CHECK_EQ_INT(se_payload_next(&p, buf, 16), 4);
    CHECK_EQ_INT(p.produced, 20);
    se_payload_close(&p);
}

TEST(payload_stream_retention)
{
    /* A stream keeps what it handed out until released. */
    char path[] = "sockecho_unit_payload.tmp";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < 100000; i++)
        fputc(i * 7 % 251, f);
    fclose(f);
    se_payload p;
    CHECK_EQ_INT(se_payload_stream(&p, path), 0);
    char *buf = malloc(100000), *exp = malloc(100000);
    long total = 0, n;
    while ((n = se_payload_next(&p, buf + total, 30000)) > 0)
        total += n;
    CHECK_EQ_INT(total, 100000);
    se_payload_expected(&p, 12345, exp, 1000);
    CHECK(memcmp(exp, buf + 12345, 1000) == 0);
    se_payload_release(&p, 50000);
    se_payload_expected(&p, 50000, exp, 50000);
    CHECK(memcmp(exp, buf + 50000, 50000) == 0);
    se_payload_release(&p, 100000);
    CHECK_EQ_INT(p.tail - p.head, 0);
    se_payload_close(&p);
    free(buf);
    free(exp);
    remove(path);
    int err = 0;
    CHECK(se_payload_stream(&p, "no/such/file") == SE_ENOENT);
    (void)err;
}
