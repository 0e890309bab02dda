/* Proxy URLs and the SOCKS5 / HTTP CONNECT client handshakes. */
#include "conn/tunnel.h"
#include "test.h"

#include <string.h>

TEST(proxy_url_parse)
{
    se_proxy_url u;
    const char *reason = NULL;
    CHECK_EQ_INT(se_proxy_url_parse("socks5://127.0.0.1:1080", &u, &reason), 0);
    CHECK_EQ_INT(u.scheme, SE_PROXY_SOCKS5);
    CHECK_EQ_STR(u.host, "127.0.0.1");
    CHECK_EQ_STR(u.port, "1080");
    CHECK_EQ_INT(u.has_credentials, 0);
    CHECK_EQ_INT(se_proxy_url_parse("SOCKS5H://alice:s%3Acr%40t@proxy.example:9050/", &u, &reason),
                 0);
    CHECK_EQ_INT(u.scheme, SE_PROXY_SOCKS5H);
    CHECK_EQ_STR(u.host, "proxy.example");
    CHECK_EQ_STR(u.user, "alice");
    CHECK_EQ_STR(u.pass, "s:cr@t");
    CHECK_EQ_INT(u.has_credentials, 1);
    CHECK_EQ_INT(se_proxy_url_parse("http://bob@[::1]:3128", &u, &reason), 0);
    CHECK_EQ_INT(u.scheme, SE_PROXY_HTTP);
    CHECK_EQ_STR(u.host, "::1");
    CHECK_EQ_STR(u.port, "3128");
    CHECK_EQ_STR(u.user, "bob");
    CHECK_EQ_STR(u.pass, "");
    CHECK_EQ_INT(se_proxy_url_parse("http://u:p@w@h:1", &u, &reason), 0);
    CHECK_EQ_STR(u.pass, "p@w");
    CHECK_EQ_STR(u.host, "h");
    CHECK_EQ_STR(se_proxy_scheme_name(SE_PROXY_SOCKS5H), "socks5h");

    static const char *bad[] = {"",
                                "socks4://h:1",
                                "https://h:443",
                                "socks5://h",
                                "socks5://h:",
                                "socks5://h:0",
                                "socks5://h:65536",
                                "socks5://h:12a",
                                "socks5://:1080",
                                "socks5://::1:1080",
                                "socks5://[::1]",
                                "socks5://[::1:1080",
                                "socks5://h:1/path",
                                "socks5://@h:1",
                                "socks5://:pass@h:1",
                                "socks5://u%zz:p@h:1",
                                "socks5://u%0:p@h:1",
                                "socks5://u%00:p@h:1",
                                "socks5h://"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reason = NULL;
        int rc = se_proxy_url_parse(bad[i], &u, &reason);
        if (rc != -1)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
        CHECK(reason != NULL);
    }
    char longuser[600] = "socks5://";
    memset(longuser + 9, 'u', 256);
    strcpy(longuser + 9 + 256, ":p@h:1");
    CHECK_EQ_INT(se_proxy_url_parse(longuser, &u, &reason), -1);
}

/* Expects the pending output to equal WANT[0, N), then takes it. */
static void expect_output(se_tunnel *t, const void *want, size_t n)
{
    size_t len;
    const unsigned char *out = se_tunnel_output(t, &len);
    CHECK_EQ_INT(len, n);
    if (len == n)
        CHECK(memcmp(out, want, n) == 0);
    se_tunnel_output_taken(t);
}

static int feed(se_tunnel *t, const void *data, size_t len, size_t *consumed)
{
    return se_tunnel_input(t, data, len, consumed);
}

TEST(socks5_handshake)
{
    se_proxy_url u;
    const char *reason;
    size_t used;
    se_tunnel t;
    /* socks5:// with an IPv4 destination, no authentication. */
    CHECK_EQ_INT(se_proxy_url_parse("socks5://127.0.0.1:1080", &u, &reason), 0);
    se_sockaddr dst;
    memset(&dst, 0, sizeof dst);
    dst.v4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &dst.v4.sin_addr);
    CHECK_EQ_INT(se_tunnel_start(&t, &u, NULL, &dst.sa, 27015), 0);
    expect_output(&t, "\x05\x01\x00", 3);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(used, 2);
    expect_output(&t, "\x05\x01\x00\x01\x7f\x00\x00\x01\x69\x87", 10);
    const char reply[] = "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38hello";
    CHECK_EQ_INT(feed(&t, reply, sizeof reply - 1, &used), SE_TUNNEL_DONE);
    CHECK_EQ_INT(used, 10);
    CHECK_EQ_INT(se_tunnel_result(&t), SE_TUNNEL_DONE);

    /* socks5:// with an IPv6 destination: address type 4. */
    memset(&dst, 0, sizeof dst);
    dst.v6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::1", &dst.v6.sin6_addr);
    CHECK_EQ_INT(se_tunnel_start(&t, &u, NULL, &dst.sa, 80), 0);
    se_tunnel_output_taken(&t);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    expect_output(&t,
                  "\x05\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                  "\x01\x00\x50",
                  22);
    CHECK_EQ_INT(se_tunnel_start(&t, &u, "name", NULL, 80), SE_EINVAL);

    /* socks5h:// with credentials and a name; replies fed byte by byte. */
    CHECK_EQ_INT(se_proxy_url_parse("socks5h://user:pass@127.0.0.1:1080", &u, &reason), 0);
    CHECK_EQ_INT(se_tunnel_start(&t, &u, "echo.test", NULL, 7), 0);
    expect_output(&t, "\x05\x02\x00\x02", 4);
    CHECK_EQ_INT(feed(&t, "\x05", 1, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(feed(&t, "\x02", 1, &used), SE_TUNNEL_NEED_MORE);
    expect_output(&t, "\x01\x04user\x04pass", 11);
    CHECK_EQ_INT(feed(&t, "\x01\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    expect_output(&t,
                  "\x05\x01\x00\x03\x09"
                  "echo.test\x00\x07",
                  16);
    const char named[] = "\x05\x00\x00\x03\x04host\x00\x07";
    for (size_t i = 0; i + 1 < sizeof named - 1; i++) {
        CHECK_EQ_INT(feed(&t, named + i, 1, &used), SE_TUNNEL_NEED_MORE);
        CHECK_EQ_INT(used, 1);
    }
    CHECK_EQ_INT(feed(&t, named + sizeof named - 2, 1, &used), SE_TUNNEL_DONE);

    /* socks5h:// with a numeric host sends the address, not a name. */
    CHECK_EQ_INT(se_tunnel_start(&t, &u, "::1", NULL, 7), 0);
    se_tunnel_output_taken(&t);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    size_t len;
    const unsigned char *out = se_tunnel_output(&t, &len);
    CHECK_EQ_INT(len, 22);
    CHECK_EQ_INT(out[3], 4);
}

TEST(socks5_failures)
{
    se_proxy_url u, anon;
    const char *reason;
    size_t used;
    se_tunnel t;
    CHECK_EQ_INT(se_proxy_url_parse("socks5h://user:bad@127.0.0.1:1080", &u, &reason), 0);
    CHECK_EQ_INT(se_proxy_url_parse("socks5h://127.0.0.1:1080", &anon, &reason), 0);

    se_tunnel_start(&t, &u, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "\x05\x02", 2, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(feed(&t, "\x01\x01", 2, &used), SE_TUNNEL_AUTH_FAILED);
    CHECK(strstr(se_tunnel_reason(&t), "authentication failed") != NULL);
    CHECK_EQ_INT(se_tunnel_result(&t), SE_TUNNEL_AUTH_FAILED);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_BAD_REPLY); /* no feeding after */

    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "\x05\xff", 2, &used), SE_TUNNEL_AUTH_FAILED);
    CHECK(strstr(se_tunnel_reason(&t), "authentication required") != NULL);
    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "\x05\x02", 2, &used), SE_TUNNEL_BAD_REPLY); /* not offered */

    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(feed(&t, "\x05\x05\x00\x01", 4, &used), SE_TUNNEL_REFUSED);
    CHECK(strstr(se_tunnel_reason(&t), "connection refused by the destination (reply 5)") != NULL);
    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(feed(&t, "\x05\x02", 2, &used), SE_TUNNEL_REFUSED);
    CHECK(strstr(se_tunnel_reason(&t), "not allowed by ruleset") != NULL);
    CHECK_EQ_STR(se_tunnel_error_name(SE_TUNNEL_REFUSED), "proxy-refused");

    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "\x05\x00", 2, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(feed(&t, "\x05\x00\x00\x07\x00", 5, &used), SE_TUNNEL_BAD_REPLY);

    /* An HTTP server answering a SOCKS5 greeting. */
    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(feed(&t, "HTTP/1.1 400 Bad Request\r\n", 26, &used), SE_TUNNEL_BAD_REPLY);
    CHECK_EQ_STR(se_tunnel_error_name(SE_TUNNEL_BAD_REPLY), "proxy-bad-reply");

    se_tunnel_start(&t, &anon, "h", NULL, 1);
    CHECK_EQ_INT(se_tunnel_eof(&t), SE_TUNNEL_REFUSED);
    CHECK(strstr(se_tunnel_reason(&t), "closed the connection") != NULL);

    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = '\0';
    CHECK_EQ_INT(se_tunnel_start(&t, &anon, longname, NULL, 1), SE_EINVAL);
}

TEST(http_connect_handshake)
{
    se_proxy_url u;
    const char *reason;
    size_t used;
    se_tunnel t;
    CHECK_EQ_INT(se_proxy_url_parse("http://127.0.0.1:8888", &u, &reason), 0);
    CHECK_EQ_INT(se_tunnel_start(&t, &u, "127.0.0.1", NULL, 27015), 0);
    const char *req = "CONNECT 127.0.0.1:27015 HTTP/1.1\r\nHost: 127.0.0.1:27015\r\n\r\n";
    expect_output(&t, req, strlen(req));
    const char *reply = "HTTP/1.0 200 Connection established\r\nProxy-agent: x\r\n\r\necho";
    CHECK_EQ_INT(feed(&t, reply, strlen(reply), &used), SE_TUNNEL_DONE);
    CHECK_EQ_INT(used, strlen(reply) - 4);

    CHECK_EQ_INT(se_proxy_url_parse("http://user:pass@[::1]:8888", &u, &reason), 0);
    CHECK_EQ_INT(se_tunnel_start(&t, &u, "::1", NULL, 7), 0);
    req = "CONNECT [::1]:7 HTTP/1.1\r\nHost: [::1]:7\r\n"
          "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n";
    expect_output(&t, req, strlen(req));
    reply = "HTTP/1.1 200 OK\r\n\r\n";
    for (size_t i = 0; i + 1 < strlen(reply); i++)
        CHECK_EQ_INT(feed(&t, reply + i, 1, &used), SE_TUNNEL_NEED_MORE);
    CHECK_EQ_INT(feed(&t, reply + strlen(reply) - 1, 1, &used), SE_TUNNEL_DONE);

    se_tunnel_start(&t, &u, "h", NULL, 7);
    reply = "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n";
    CHECK_EQ_INT(feed(&t, reply, strlen(reply), &used), SE_TUNNEL_AUTH_FAILED);
    CHECK(strstr(se_tunnel_reason(&t), "407 Proxy Authentication Required") != NULL);
    se_tunnel_start(&t, &u, "h", NULL, 7);
    reply = "HTTP/1.1 403 Access violation\r\nContent-Length: 5\r\n\r\nnope!";
    CHECK_EQ_INT(feed(&t, reply, strlen(reply), &used), SE_TUNNEL_REFUSED);
    CHECK(strstr(se_tunnel_reason(&t), "403 Access violation") != NULL);

    static const char *bad[] = {"\x05\x00",       "HTTP/2 200 OK\r\n",   "HTTP/1.1 2000 OK\r\n",
                                "HTTP/1.1 200\n", "SSH-2.0-OpenSSH\r\n", "HTTP/1.1 099 x\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        se_tunnel_start(&t, &u, "h", NULL, 7);
        int rc = feed(&t, bad[i], strlen(bad[i]), &used);
        if (rc != SE_TUNNEL_BAD_REPLY && rc != SE_TUNNEL_NEED_MORE)
            fprintf(stderr, "case %zu: %d\n", i, rc);
        CHECK(rc == SE_TUNNEL_BAD_REPLY || (i == 0 && rc == SE_TUNNEL_NEED_MORE));
    }
    /* Endless headers are refused, not buffered. */
    se_tunnel_start(&t, &u, "h", NULL, 7);
    CHECK_EQ_INT(feed(&t, "HTTP/1.1 200 OK\r\n", 17, &used), SE_TUNNEL_NEED_MORE);
    char junk[1024];
    memset(junk, 'x', sizeof junk);
    int rc = SE_TUNNEL_NEED_MORE;
    for (int i = 0; i < 20 && rc == SE_TUNNEL_NEED_MORE; i++)
        rc = feed(&t, junk, sizeof junk, &used);
    CHECK_EQ_INT(rc, SE_TUNNEL_BAD_REPLY);
    /* A status line that never ends. */
    se_tunnel_start(&t, &u, "h", NULL, 7);
    CHECK_EQ_INT(feed(&t, junk, sizeof junk, &used), SE_TUNNEL_BAD_REPLY);
}

TEST(tunnel_fuzz)
{
    se_proxy_url urls[3];
    const char *reason;
    se_proxy_url_parse("socks5h://u:p@h:1", &urls[0], &reason);
    se_proxy_url_parse("socks5h://h:1", &urls[1], &reason);
    se_proxy_url_parse("http://u:p@h:1", &urls[2], &reason);
    uint64_t s = 88172645463325252u;
    unsigned char buf[512];
    for (int iter = 0; iter < 20000 && !test_failures; iter++) {
        se_tunnel t;
        se_tunnel_start(&t, &urls[iter % 3], "dest", NULL, 80);
        int rc = SE_TUNNEL_NEED_MORE;
        for (int round = 0; round < 8 && rc == SE_TUNNEL_NEED_MORE; round++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            size_t len = (size_t)(s % sizeof buf);
            for (size_t i = 0; i < len; i++) {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                /* Mostly plausible bytes: small values and protocol text. */
                buf[i] = (s & 3) ? (unsigned char)(s >> 8) % 6 : (unsigned char)(s >> 16);
            }
            if (iter % 3 == 2 && round == 0 && (s & 1))
                memcpy(buf, "HTTP/1.1 200 ", len < 13 ? len : 13);
            size_t used = 999999;
            rc = se_tunnel_input(&t, buf, len, &used);
            CHECK(used <= len);
            CHECK(rc >= SE_TUNNEL_BAD_REPLY && rc <= SE_TUNNEL_DONE);
            if (rc < 0)
                CHECK(strlen(se_tunnel_reason(&t)) > 0);
            if (rc == SE_TUNNEL_NEED_MORE)
                CHECK_EQ_INT(used, len);
            se_tunnel_output_taken(&t);
        }
    }
}
