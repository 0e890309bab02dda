/* PROXY protocol header: parse and encode, refusals, and a fuzz-style run
 * over truncated, mutated and random input. */
#include "conn/proxy_header.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const unsigned char sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                      0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static int parse_text(const char *text, se_proxy_header *h, const char **reason)
{
    return se_proxy_header_parse((const unsigned char *)text, strlen(text), h, reason);
}

static void addr_text(const se_sockaddr *a, char *buf)
{
    se_addr_format(&a->sa, buf, SE_ADDRSTRLEN);
}

static se_sockaddr make_addr(const char *host, int port)
{
    se_sockaddr a;
    memset(&a, 0, sizeof a);
    if (strchr(host, ':')) {
        a.v6.sin6_family = AF_INET6;
        inet_pton(AF_INET6, host, &a.v6.sin6_addr);
    } else {
        a.v4.sin_family = AF_INET;
        inet_pton(AF_INET, host, &a.v4.sin_addr);
    }
    se_addr_set_port(&a.sa, port);
    return a;
}

TEST(proxy_header_v1)
{
    se_proxy_header h;
    const char *reason;
    char s[SE_ADDRSTRLEN], d[SE_ADDRSTRLEN];
    const char *tcp4 = "PROXY TCP4 192.0.2.7 127.0.0.1 56324 443\r\nhello";
    CHECK_EQ_INT(parse_text(tcp4, &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.version, 1);
    CHECK_EQ_INT(h.local, 0);
    CHECK_EQ_INT(h.length, strlen(tcp4) - 5);
    addr_text(&h.src, s);
    addr_text(&h.dst, d);
    CHECK_EQ_STR(s, "192.0.2.7:56324");
    CHECK_EQ_STR(d, "127.0.0.1:443");

    CHECK_EQ_INT(parse_text("PROXY TCP6 2001:db8::1 ::1 0 65535\r\n", &h, &reason), SE_PROXY_DONE);
    addr_text(&h.src, s);
    addr_text(&h.dst, d);
    CHECK_EQ_STR(s, "[2001:db8::1]:0");
    CHECK_EQ_STR(d, "[::1]:65535");

    CHECK_EQ_INT(parse_text("PROXY UNKNOWN\r\n", &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.local, 1);
    CHECK_EQ_INT(h.length, 15);
    CHECK_EQ_INT(parse_text("PROXY UNKNOWN ffff::1 ::1 1 2\r\nx", &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.local, 1);

    /* Byte by byte: "need more" until the CRLF, then done. */
    size_t n = strlen(tcp4) - 5;
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(se_proxy_header_parse((const unsigned char *)tcp4, i, &h, &reason),
                     SE_PROXY_NEED_MORE);
    CHECK_EQ_INT(se_proxy_header_parse((const unsigned char *)tcp4, n, &h, &reason), SE_PROXY_DONE);
}

TEST(proxy_header_v2)
{
    se_proxy_header h;
    const char *reason;
    char s[SE_ADDRSTRLEN], d[SE_ADDRSTRLEN];
    /* 127.0.0.1:12345 -> 127.0.0.2:80, then a 7-byte TLV, then data. */
    unsigned char v4[16 + 12 + 7 + 3];
    memcpy(v4, sig, 12);
    const unsigned char rest[] = {0x21, 0x11, 0x00, 0x13, 127,  0,    0,    1,    127,
                                  0,    0,    2,    0x30, 0x39, 0x00, 0x50, 0x04, 0x00,
                                  0x04, 't',  'e',  's',  't',  'a',  'b',  'c'};
    memcpy(v4 + 12, rest, sizeof rest);
    CHECK_EQ_INT(se_proxy_header_parse(v4, sizeof v4, &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.version, 2);
    CHECK_EQ_INT(h.local, 0);
    CHECK_EQ_INT(h.length, 16 + 19);
    addr_text(&h.src, s);
    addr_text(&h.dst, d);
    CHECK_EQ_STR(s, "127.0.0.1:12345");
    CHECK_EQ_STR(d, "127.0.0.2:80");
    for (size_t i = 0; i < 35; i++)
        CHECK_EQ_INT(se_proxy_header_parse(v4, i, &h, &reason), SE_PROXY_NEED_MORE);

    /* LOCAL: addresses (if any) are skipped. */
    unsigned char local[16 + 12];
    memcpy(local, v4, sizeof local);
    local[12] = 0x20;
    local[15] = 12;
    CHECK_EQ_INT(se_proxy_header_parse(local, sizeof local, &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.local, 1);
    CHECK_EQ_INT(h.length, 28);

    /* PROXY with AF_UNSPEC, and with AF_UNIX: no IP address, local. */
    unsigned char unspec[16];
    memcpy(unspec, sig, 12);
    unspec[12] = 0x21;
    unspec[13] = 0x00;
    unspec[14] = unspec[15] = 0;
    CHECK_EQ_INT(se_proxy_header_parse(unspec, sizeof unspec, &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.local, 1);
    unsigned char unix_hdr[16 + 216];
    memset(unix_hdr, 0, sizeof unix_hdr);
    memcpy(unix_hdr, sig, 12);
    unix_hdr[12] = 0x21;
    unix_hdr[13] = 0x31;
    unix_hdr[14] = 0;
    unix_hdr[15] = 216;
    CHECK_EQ_INT(se_proxy_header_parse(unix_hdr, sizeof unix_hdr, &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.local, 1);
    CHECK_EQ_INT(h.length, sizeof unix_hdr);
}

TEST(proxy_header_encode_roundtrip)
{
    const char *pairs[][2] = {{"192.0.2.1", "127.0.0.1"},
                              {"2001:db8::5", "::1"},
                              {"192.0.2.1", "::1"},
                              {"fe80::1", "10.0.0.1"}};
    const char *expect_src[] = {"192.0.2.1:4000", "[2001:db8::5]:4000", "[::ffff:192.0.2.1]:4000",
                                "[fe80::1]:4000"};
    for (int version = 1; version <= 2; version++) {
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            se_sockaddr src = make_addr(pairs[i][0], 4000), dst = make_addr(pairs[i][1], 27015);
            unsigned char buf[SE_PROXY_ENCODE_MAX];
            int n = se_proxy_header_encode(version, &src.sa, &dst.sa, buf, sizeof buf);
            CHECK(n > 0);
            se_proxy_header h;
            const char *reason;
            CHECK_EQ_INT(se_proxy_header_parse(buf, (size_t)n, &h, &reason), SE_PROXY_DONE);
            CHECK_EQ_INT(h.version, version);
            CHECK_EQ_INT(h.length, n);
            CHECK_EQ_INT(h.local, 0);
            char s[SE_ADDRSTRLEN];
            /* se_addr_format shows a mapped address as IPv4; compare raw. */
            char host[INET6_ADDRSTRLEN];
            if (h.src.sa.sa_family == AF_INET6)
                inet_ntop(AF_INET6, &h.src.v6.sin6_addr, host, sizeof host);
            else
                inet_ntop(AF_INET, &h.src.v4.sin_addr, host, sizeof host);
            snprintf(s, sizeof s, h.src.sa.sa_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
                     se_addr_port(&h.src.sa));
            CHECK_EQ_STR(s, expect_src[i]);
            CHECK_EQ_INT(se_addr_port(&h.dst.sa), 27015);
        }
        unsigned char buf[SE_PROXY_ENCODE_MAX];
        int n = se_proxy_header_encode(version, NULL, NULL, buf, sizeof buf);
        CHECK(n > 0);
        se_proxy_header h;
        const char *reason;
        CHECK_EQ_INT(se_proxy_header_parse(buf, (size_t)n, &h, &reason), SE_PROXY_DONE);
        CHECK_EQ_INT(h.local, 1);
        CHECK_EQ_INT(h.length, n);
    }
    unsigned char buf[SE_PROXY_ENCODE_MAX];
    se_sockaddr a = make_addr("127.0.0.1", 1);
    CHECK_EQ_INT(se_proxy_header_encode(3, &a.sa, &a.sa, buf, sizeof buf), SE_EINVAL);
    CHECK_EQ_INT(se_proxy_header_encode(2, &a.sa, NULL, buf, sizeof buf), SE_EINVAL);
}

TEST(proxy_header_refusals)
{
    static const char *bad_v1[] = {
        "GET / HTTP/1.1\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
        "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
        "PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
        "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
        "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
        "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
        "PROXY \r\n",
        "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",
    };
    se_proxy_header h;
    const char *reason;
    for (size_t i = 0; i < sizeof bad_v1 / sizeof bad_v1[0]; i++) {
        int rc = parse_text(bad_v1[i], &h, &reason);
        if (rc != SE_PROXY_INVALID)
            fprintf(stderr, "accepted: %s", bad_v1[i]);
        CHECK_EQ_INT(rc, SE_PROXY_INVALID);
        CHECK(reason != NULL);
    }
    /* 107 bytes and no CRLF: oversized. 106 bytes: still a valid prefix. */
    char longline[200] = "PROXY TCP6 ";
    memset(longline + 11, 'a', sizeof longline - 12);
    longline[sizeof longline - 1] = '\0';
    CHECK_EQ_INT(se_proxy_header_parse((const unsigned char *)longline, 106, &h, &reason),
                 SE_PROXY_NEED_MORE);
    CHECK_EQ_INT(se_proxy_header_parse((const unsigned char *)longline, 107, &h, &reason),
                 SE_PROXY_INVALID);

    unsigned char v2[16 + 36];
    memset(v2, 0, sizeof v2);
    memcpy(v2, sig, 12);
    struct {
        unsigned char vc, fam, len_hi, len_lo;
    } bad_v2[] = {
        {0x11, 0x11, 0, 12},  /* version 1 in the binary form */
        {0x31, 0x11, 0, 12},  /* version 3 */
        {0x22, 0x11, 0, 12},  /* command 2 */
        {0x21, 0x41, 0, 12},  /* family 4 */
        {0x21, 0x13, 0, 12},  /* transport 3 */
        {0x21, 0x12, 0, 12},  /* UDP over a stream */
        {0x21, 0x10, 0, 12},  /* INET with unspecified transport */
        {0x21, 0x11, 0, 11},  /* too short for IPv4 */
        {0x21, 0x21, 0, 35},  /* too short for IPv6 */
        {0x21, 0x31, 0, 36},  /* too short for UNIX */
        {0x21, 0x11, 0x10, 1} /* 4097 bytes: oversized */
    };
    for (size_t i = 0; i < sizeof bad_v2 / sizeof bad_v2[0]; i++) {
        v2[12] = bad_v2[i].vc;
        v2[13] = bad_v2[i].fam;
        v2[14] = bad_v2[i].len_hi;
        v2[15] = bad_v2[i].len_lo;
        int rc = se_proxy_header_parse(v2, sizeof v2, &h, &reason);
        if (rc != SE_PROXY_INVALID)
            fprintf(stderr, "accepted v2 case %zu\n", i);
        CHECK_EQ_INT(rc, SE_PROXY_INVALID);
    }
    /* A wrong byte inside the signature is refused as soon as it is seen. */
    unsigned char wrong[5] = {0x0D, 0x0A, 0x0D, 0x0A, 0x01};
    CHECK_EQ_INT(se_proxy_header_parse(wrong, 4, &h, &reason), SE_PROXY_NEED_MORE);
    CHECK_EQ_INT(se_proxy_header_parse(wrong, 5, &h, &reason), SE_PROXY_INVALID);
    CHECK_EQ_INT(se_proxy_header_parse((const unsigned char *)"PROXX", 5, &h, &reason),
                 SE_PROXY_INVALID);
    CHECK_EQ_INT(se_proxy_header_parse((const unsigned char *)"", 0, &h, &reason),
                 SE_PROXY_NEED_MORE);
}

TEST(proxy_header_detect)
{
    const unsigned char *p = (const unsigned char *)"PROXY TCP4";
    CHECK_EQ_INT(se_proxy_header_detect(p, 0), -1);
    CHECK_EQ_INT(se_proxy_header_detect(p, 5), -1);
    CHECK_EQ_INT(se_proxy_header_detect(p, 6), 1);
    CHECK_EQ_INT(se_proxy_header_detect(p, 10), 1);
    CHECK_EQ_INT(se_proxy_header_detect((const unsigned char *)"PROXX", 5), 0);
    CHECK_EQ_INT(se_proxy_header_detect((const unsigned char *)"hello", 5), 0);
    CHECK_EQ_INT(se_proxy_header_detect(sig, 11), -1);
    CHECK_EQ_INT(se_proxy_header_detect(sig, 12), 1);
    unsigned char almost[12];
    memcpy(almost, sig, 12);
    almost[11] = 0;
    CHECK_EQ_INT(se_proxy_header_detect(almost, 12), 0);
    CHECK_EQ_INT(se_proxy_header_detect((const unsigned char *)"\r\n\r\n\n", 5), 0);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Checks the parser's contract on one input: every prefix answers within
 * the contract, "invalid" stays invalid and "done" stays done with the same
 * length as bytes are added. Exact-size heap copies let ASan catch any read
 * past the end. */
static void check_contract(const unsigned char *data, size_t len)
{
    int settled = SE_PROXY_NEED_MORE;
    size_t done_length = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char *copy = malloc(i ? i : 1);
        memcpy(copy, data, i);
        se_proxy_header h;
        const char *reason = NULL;
        int rc = se_proxy_header_parse(copy, i, &h, &reason);
        free(copy);
        if (rc != SE_PROXY_NEED_MORE && rc != SE_PROXY_DONE && rc != SE_PROXY_INVALID) {
            CHECK(0);
            return;
        }
        if (rc == SE_PROXY_INVALID)
            CHECK(reason != NULL);
        if (rc == SE_PROXY_DONE) {
            CHECK(h.length > 0 && h.length <= i);
            CHECK(h.length <= SE_PROXY_V2_FIXED + SE_PROXY_V2_MAX_BODY);
            CHECK(h.local || h.src.sa.sa_family == AF_INET || h.src.sa.sa_family == AF_INET6);
        }
        if (settled == SE_PROXY_INVALID)
            CHECK_EQ_INT(rc, SE_PROXY_INVALID);
        if (settled == SE_PROXY_DONE) {
            CHECK_EQ_INT(rc, SE_PROXY_DONE);
            CHECK_EQ_INT(h.length, done_length);
        }
        if (rc != SE_PROXY_NEED_MORE && settled == SE_PROXY_NEED_MORE) {
            settled = rc;
            done_length = rc == SE_PROXY_DONE ? h.length : 0;
        }
        if (test_failures)
            return;
    }
}

TEST(proxy_header_fuzz)
{
    unsigned char seeds[6][SE_PROXY_ENCODE_MAX];
    size_t seed_len[6];
    se_sockaddr a4 = make_addr("192.0.2.9", 1234), b4 = make_addr("127.0.0.1", 80);
    se_sockaddr a6 = make_addr("2001:db8::9", 1234), b6 = make_addr("::1", 80);
    seed_len[0] = (size_t)se_proxy_header_encode(1, &a4.sa, &b4.sa, seeds[0], SE_PROXY_ENCODE_MAX);
    seed_len[1] = (size_t)se_proxy_header_encode(1, &a6.sa, &b6.sa, seeds[1], SE_PROXY_ENCODE_MAX);
    seed_len[2] = (size_t)se_proxy_header_encode(2, &a4.sa, &b4.sa, seeds[2], SE_PROXY_ENCODE_MAX);
    seed_len[3] = (size_t)se_proxy_header_encode(2, &a6.sa, &b6.sa, seeds[3], SE_PROXY_ENCODE_MAX);
    seed_len[4] = (size_t)se_proxy_header_encode(2, NULL, NULL, seeds[4], SE_PROXY_ENCODE_MAX);
    seed_len[5] = (size_t)se_proxy_header_encode(1, NULL, NULL, seeds[5], SE_PROXY_ENCODE_MAX);

    unsigned char buf[300];
    for (int iter = 0; iter < 20000 && !test_failures; iter++) {
        size_t len;
        int kind = (int)(rng() % 4);
        if (kind == 3) { /* random bytes after a signature, or none */
            len = rng() % sizeof buf;
            for (size_t i = 0; i < len; i++)
                buf[i] = (unsigned char)rng();
            if (len >= 16 && rng() % 2)
                memcpy(buf, sig, 12);
            else if (len >= 6 && rng() % 2)
                memcpy(buf, "PROXY ", 6);
        } else { /* a valid header with a few bytes changed, cut or extended */
            int s = (int)(rng() % 6);
            len = seed_len[s];
            memcpy(buf, seeds[s], len);
            int flips = 1 + (int)(rng() % 3);
            for (int f = 0; f < flips; f++) {
                size_t at = rng() % len;
                buf[at] = kind == 0 ? (unsigned char)rng()
                                    : (unsigned char)(buf[at] ^ (1u << (rng() % 8)));
            }
            if (kind == 2) {
                size_t extra = rng() % (sizeof buf - len);
                for (size_t i = 0; i < extra; i++)
                    buf[len + i] = (unsigned char)rng();
                len += extra;
            }
        }
        check_contract(buf, len);
    }
    /* Declared lengths at and around the bound, with the bytes present. */
    static unsigned char big[SE_PROXY_V2_FIXED + SE_PROXY_V2_MAX_BODY + 1];
    memset(big, 0, sizeof big);
    memcpy(big, sig, 12);
    big[12] = 0x21;
    big[13] = 0x11;
    big[14] = (unsigned char)(SE_PROXY_V2_MAX_BODY >> 8);
    big[15] = (unsigned char)SE_PROXY_V2_MAX_BODY;
    se_proxy_header h;
    const char *reason;
    CHECK_EQ_INT(se_proxy_header_parse(big, sizeof big - 2, &h, &reason), SE_PROXY_NEED_MORE);
    CHECK_EQ_INT(se_proxy_header_parse(big, sizeof big, &h, &reason), SE_PROXY_DONE);
    CHECK_EQ_INT(h.length, sizeof big - 1);
    big[15]++;
    CHECK_EQ_INT(se_proxy_header_parse(big, 16, &h, &reason), SE_PROXY_INVALID);
}
