#include "test.h"
#include "util/mismatch.h"
#include "util/ring.h"

#include <string.h>

TEST(ring_spans_and_wrap)
{
    se_ring r;
    CHECK_EQ_INT(se_ring_init(&r, 10), 0);
    size_t len;
    char *w = se_ring_write_span(&r, 100, &len);
    CHECK_EQ_INT(len, 10);
    memcpy(w, "abcdefgh", 8);
    se_ring_commit(&r, 8);
    CHECK_EQ_INT(se_ring_used(&r), 8);
    CHECK_EQ_INT(se_ring_space(&r), 2);
    /* Released bytes make room; the write span stops at the block's end. */
    se_ring_release(&r, 5);
    CHECK_EQ_INT(se_ring_space(&r), 7);
    w = se_ring_write_span(&r, 100, &len);
    CHECK_EQ_INT(len, 2);
    memcpy(w, "ij", 2);
    se_ring_commit(&r, 2);
    w = se_ring_write_span(&r, 3, &len);
    CHECK_EQ_INT(len, 3); /* capped by MAX */
    memcpy(w, "klm", 3);
    se_ring_commit(&r, 3);
    w = se_ring_write_span(&r, 100, &len);
    CHECK_EQ_INT(len, 2);
    memcpy(w, "no", 2);
    se_ring_commit(&r, 2);
    CHECK_EQ_INT(se_ring_space(&r), 0);
    (void)se_ring_write_span(&r, 100, &len);
    CHECK_EQ_INT(len, 0);
    /* Reading by stream offset: contiguous spans, split at the wrap. */
    const char *rd = se_ring_read_span(&r, 5, 100, &len);
    CHECK_EQ_INT(len, 5);
    CHECK(memcmp(rd, "fghij", 5) == 0);
    rd = se_ring_read_span(&r, 10, 100, &len);
    CHECK_EQ_INT(len, 5);
    CHECK(memcmp(rd, "klmno", 5) == 0);
    rd = se_ring_read_span(&r, 12, 2, &len);
    CHECK_EQ_INT(len, 2);
    CHECK(memcmp(rd, "mn", 2) == 0);
    /* Releasing below head or past tail is clamped. */
    se_ring_release(&r, 3);
    CHECK_EQ_INT(r.head, 5);
    se_ring_release(&r, 99);
    CHECK_EQ_INT(r.head, 15);
    CHECK_EQ_INT(se_ring_used(&r), 0);
    se_ring_free(&r);
    CHECK(r.buf == NULL);
}

TEST(mismatch_locator)
{
    se_mismatch m = {0, 0, 0};
    CHECK_EQ_INT(se_mismatch_find("abc", "abc", 3, 100, &m), 0);
    CHECK_EQ_INT(se_mismatch_find("abc", "xyz", 0, 100, &m), 0);
    CHECK_EQ_INT(se_mismatch_find("abcdef", "abcDef", 6, 100, &m), 1);
    CHECK_EQ_INT(m.offset, 103);
    CHECK_EQ_INT(m.expected, 'd');
    CHECK_EQ_INT(m.received, 'D');
    /* Bytes compare unsigned; the first difference wins. */
    CHECK_EQ_INT(se_mismatch_find("\x01\xff", "\xff\x01", 2, 0, &m), 1);
    CHECK_EQ_INT(m.offset, 0);
    CHECK_EQ_INT(m.expected, 0x01);
    CHECK_EQ_INT(m.received, 0xff);
}
