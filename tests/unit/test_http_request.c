/* The metrics endpoint's request-head parser: whole heads, heads arriving a
 * byte at a time, and every kind of garbage refused as soon as it shows. */
#include "metrics/http_request.h"
#include "test.h"

#include <string.h>

static se_http_status parse(const char *text, size_t max, se_http_request *req)
{
    return se_http_parse(text, strlen(text), max, req);
}

TEST(http_request_heads)
{
    se_http_request req;
    static const char head[] = "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9100\r\n"
                               "User-Agent: Prometheus/2.42.0\r\nAccept: text/plain;q=0.9\r\n\r\n";
    CHECK_EQ_INT(parse(head, 4096, &req), SE_HTTP_COMPLETE);
    CHECK_EQ_STR(req.method, "GET");
    CHECK_EQ_STR(req.target, "/metrics?x=1");
    CHECK_EQ_INT(req.head_len, sizeof head - 1);
    /* Every prefix is a valid beginning. */
    for (size_t n = 0; n < sizeof head - 1; n++)
        CHECK_EQ_INT(se_http_parse(head, n, 4096, &req), SE_HTTP_INCOMPLETE);
    /* Bare LF line ends, HTTP/1.0, any method token. */
    CHECK_EQ_INT(parse("POST / HTTP/1.0\n\n", 4096, &req), SE_HTTP_COMPLETE);
    CHECK_EQ_STR(req.method, "POST");
    CHECK_EQ_STR(req.target, "/");
}

TEST(http_request_garbage)
{
    se_http_request req;
    static const char *const bad[] = {
        "\x16\x03\x01\x02\x00", /* a TLS ClientHello */
        "\x00\x01\x02",
        " GET / HTTP/1.1\r\n",
        "GET  / HTTP/1.1\r\n",
        "GET metrics HTTP/1.1\r\n",
        "GET / HTTP/2.0\r\n",
        "GET / HTTP/1.1x\r\n",
        "GET / FTP/1.1\r\n",
        "GET /a\x01 HTTP/1.1\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n",
        "GET / HTTP/1.1\r\nName: value\x01\r\n",
        "GET / HTTP/1.1\r\n folded: header\r\n",
        "GET / HTTP/1.1\r\n: empty name\r\n",
        "GET\r\n\r\n",
        "VERYLONGMETHODNAMEXX / HTTP/1.1\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        se_http_status s = se_http_parse(bad[i], i < 2 ? 5 - 2 * i : strlen(bad[i]), 4096, &req);
        if (s != SE_HTTP_BAD)
            fprintf(stderr, "garbage %zu: status %d\n", i, (int)s);
        CHECK_EQ_INT(s, SE_HTTP_BAD);
    }
    /* Too large: a head without its end at the limit, a long target. */
    char big[600];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    CHECK_EQ_INT(se_http_parse(big, sizeof big, 512, &req), SE_HTTP_TOO_LARGE);
    CHECK_EQ_INT(se_http_parse(big, 511, 512, &req), SE_HTTP_INCOMPLETE);
    char target[SE_HTTP_TARGET_MAX + 20] = "GET /";
    memset(target + 5, 'x', SE_HTTP_TARGET_MAX);
    target[SE_HTTP_TARGET_MAX + 5] = '\0';
    CHECK_EQ_INT(parse(target, 4096, &req), SE_HTTP_TOO_LARGE);
}
