/* The server's text and JSON, formatted by the CLI from its events
 * (cli/server_report.c): byte for byte what docs/json.md and the
 * integration suites expect. */
#include "cli/server_report.h"
#include "config.h"
#include "test.h"

#include <string.h>

#define V "\"version\":\"" SOCKECHO_VERSION "\""
#define WHEN "2026-11-24T16:01:40.814Z"

/* An output on two temporary files, and what was written to them. */
typedef struct captured {
    se_server_output o;
    char out[2048], err[2048];
} captured;

static void open_capture(captured *c, int json, int verbosity)
{
    memset(c, 0, sizeof *c);
    c->o.out = se_test_tmpfile();
    c->o.err = se_test_tmpfile();
    CHECK(c->o.out && c->o.err);
    c->o.json = json;
    c->o.verbosity = verbosity;
}

static void read_back(FILE *f, char *buf, size_t size)
{
    rewind(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void close_capture(captured *c)
{
    read_back(c->o.out, c->out, sizeof c->out);
    read_back(c->o.err, c->err, sizeof c->err);
}

static struct sockaddr_in v4(unsigned long host, int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(host);
    return a;
}

TEST(server_report_listening)
{
    se_sockopts_state opts = {
        .nodelay = 1, .keepalive = 0, .mss = -1, .tos = -1, .sndbuf = -1, .rcvbuf = 131072};
    se_server_listening tcp = {.protocol = SE_SERVE_TCP,
                               .address = "::",
                               .port = 27015,
                               .tls_fingerprint = "AB:CD",
                               .backend = "epoll",
                               .sockopts = &opts};
    se_server_listening udp = {
        .protocol = SE_SERVE_UDP, .address = "::", .port = 27015, .backend = "epoll"};
    se_server_listening unix_sock = {
        .protocol = SE_SERVE_UNIX, .address = "/run/s.sock", .backend = "poll"};
    se_server_listening metrics = {
        .protocol = SE_SERVE_METRICS, .address = "127.0.0.1", .port = 9100, .backend = "epoll"};
    captured c;
    open_capture(&c, 1, 2);
    se_server_report_listening(&c.o, &tcp);
    se_server_report_listening(&c.o, &udp);
    se_server_report_listening(&c.o, &unix_sock);
    se_server_report_listening(&c.o, &metrics);
    close_capture(&c);
    CHECK_EQ_STR(c.err, "listening on :: 27015 tls sha256=AB:CD\n"
                        "socket options on :: 27015: nodelay on, keepalive off, rcvbuf 131072\n"
                        "listening on :: 27015 udp\n"
                        "listening on unix /run/s.sock\n"
                        "metrics on 127.0.0.1 9100\n");
    CHECK_EQ_STR(c.out,
                 "{\"type\":\"listening\"," V ",\"address\":\"::\",\"port\":27015,\"protocol\":"
                 "\"tcp\",\"tls\":{\"fingerprint_sha256\":\"AB:CD\"},\"backend\":\"epoll\","
                 "\"socket\":{\"nodelay\":true,\"keepalive\":false,\"mss\":null,\"tos\":null,"
                 "\"sndbuf\":null,\"rcvbuf\":131072,\"device\":null}}\n"
                 "{\"type\":\"listening\"," V ",\"address\":\"::\",\"port\":27015,\"protocol\":"
                 "\"udp\",\"tls\":null,\"backend\":\"epoll\"}\n"
                 "{\"type\":\"listening\"," V ",\"address\":\"/run/s.sock\",\"port\":null,"
                 "\"protocol\":\"unix\",\"tls\":null,\"backend\":\"poll\"}\n"
                 "{\"type\":\"listening\"," V ",\"address\":\"127.0.0.1\",\"port\":9100,"
                 "\"protocol\":\"metrics\",\"tls\":null,\"backend\":\"epoll\"}\n");
    /* -q: nothing, but the port --port 0 picked (as text), and --unix's
     * record. */
    open_capture(&c, 1, 0);
    c.o.port_picked = 1;
    se_server_report_listening(&c.o, &udp);
    se_server_report_listening(&c.o, &unix_sock);
    se_server_report_listening(&c.o, &metrics);
    close_capture(&c);
    CHECK_EQ_STR(c.err, "listening on :: 27015 udp\n");
    CHECK_EQ_STR(c.out, "{\"type\":\"listening\"," V ",\"address\":\"::\",\"port\":27015,"
                        "\"protocol\":\"udp\",\"tls\":null,\"backend\":\"epoll\"}\n"
                        "{\"type\":\"listening\"," V ",\"address\":\"/run/s.sock\",\"port\":null,"
                        "\"protocol\":\"unix\",\"tls\":null,\"backend\":\"poll\"}\n");
}

TEST(server_report_connection)
{
    struct sockaddr_in peer = v4(0x7f000001, 38956), proxy = v4(0x7f000001, 35230);
    struct sockaddr_in6 peer6;
    memset(&peer6, 0, sizeof peer6);
    peer6.sin6_family = AF_INET6;
    peer6.sin6_port = htons(4321);
    peer6.sin6_addr = in6addr_loopback;
    se_server_conn_report done = {.peer = (struct sockaddr *)&peer,
                                  .outcome = SE_OUTCOME_COMPLETE,
                                  .bytes_in = 14,
                                  .bytes_out = 14,
                                  .duration_ms = 1,
                                  .client_fin = 1};
    se_server_conn_report reset = {.peer = (struct sockaddr *)&peer6,
                                   .outcome = SE_OUTCOME_RESET,
                                   .error = SE_ECONNRESET,
                                   .bytes_in = 100,
                                   .bytes_out = 90,
                                   .duration_ms = 1500,
                                   .worker = 1,
                                   .proxy = (struct sockaddr *)&proxy,
                                   .proxy_version = 2};
    captured c;
    open_capture(&c, 1, 1);
    se_server_report_connection(&c.o, WHEN, &done);
    se_server_report_connection(&c.o, WHEN, &reset);
    close_capture(&c);
    CHECK_EQ_STR(c.err, "");
    CHECK_EQ_STR(c.out,
                 "{\"type\":\"connection\"," V ",\"time\":\"" WHEN "\",\"peer\":\"127.0.0.1\","
                 "\"port\":38956,\"outcome\":\"complete\",\"error\":null,\"bytes_in\":14,"
                 "\"bytes_out\":14,\"duration_ms\":1,\"client_fin\":true,\"worker\":0,"
                 "\"proxy\":null}\n"
                 "{\"type\":\"connection\"," V ",\"time\":\"" WHEN "\",\"peer\":\"::1\","
                 "\"port\":4321,\"outcome\":\"reset\",\"error\":\"ECONNRESET\",\"bytes_in\":100,"
                 "\"bytes_out\":90,\"duration_ms\":1500,\"client_fin\":false,\"worker\":1,"
                 "\"proxy\":\"127.0.0.1:35230\"}\n");
    open_capture(&c, 0, 2);
    se_server_report_connection(&c.o, WHEN, &done);
    reset.proxy_local = 1;
    se_server_report_connection(&c.o, WHEN, &reset);
    close_capture(&c);
    CHECK_EQ_STR(c.err, "");
    CHECK_EQ_STR(c.out, "Bytes received: 14\nBytes sent: 14\nConnection closing...\n" WHEN
                        " 127.0.0.1:38956 complete, 14 bytes in, 14 bytes out, 1 ms\n"
                        "Bytes received: 100\nBytes sent: 90\n" WHEN
                        " [::1]:4321 (PROXY v2 from 127.0.0.1:35230, LOCAL) reset: Connection "
                        "reset by peer, 100 bytes in, 90 bytes out, 1500 ms\n");
}

TEST(server_report_stats_and_log)
{
    se_server_counts n = {.open = 1,
                          .total = 5,
                          .complete = 3,
                          .reset = 1,
                          .refused_proxy = 2,
                          .bytes_in = 1295246,
                          .bytes_out = 1295240,
                          .udp_in = 2,
                          .udp_out = 2};
    captured c;
    open_capture(&c, 0, 1);
    se_server_report_stats(&c.o, WHEN, &n, 0.4, 0);
    n.total = 1;
    se_server_report_stats(&c.o, WHEN, &n, 1.53, 1);
    se_server_report_log(&c.o, WHEN, 1, "backlog drained: accepting again");
    se_server_report_log(&c.o, WHEN, 0, "cannot listen");
    close_capture(&c);
    CHECK_EQ_STR(c.out, "");
    CHECK_EQ_STR(c.err,
                 WHEN " sockecho server: stats: 5 connections (1 open, 3 complete, 1 reset, 0 "
                      "aborted, 0 failed, 0 idle-evicted), 0 refused by policy, 0 over the "
                      "per-source cap, 2 without a valid PROXY header, 1295246 bytes in, 1295240 "
                      "bytes out, udp 2 in, 2 out, 0 dropped\n" WHEN
                      " sockecho server: stopped: 1 connection (1 open, 3 complete, 1 reset, 0 "
                      "aborted, 0 failed, 0 idle-evicted), 0 refused by policy, 0 over the "
                      "per-source cap, 2 without a valid PROXY header, 1295246 bytes in, 1295240 "
                      "bytes out, udp 2 in, 2 out, 0 dropped\n" WHEN
                      " sockecho server: backlog drained: accepting again\n"
                      "sockecho server: cannot listen\n");
    open_capture(&c, 1, 1);
    se_server_report_stats(&c.o, WHEN, &n, 1.53, 1);
    se_server_report_log(&c.o, WHEN, 1, "a \"quoted\" note");
    se_server_report_log(&c.o, WHEN, 0, "cannot listen");
    close_capture(&c);
    CHECK_EQ_STR(c.out, "{\"type\":\"summary\"," V ",\"time\":\"" WHEN "\",\"uptime_s\":1.530,"
                        "\"open\":1,\"total\":1,\"complete\":3,\"reset\":1,\"aborted\":0,"
                        "\"failed\":0,\"idle_evicted\":0,\"refused_policy\":0,\"refused_source\":0,"
                        "\"refused_proxy\":2,\"bytes_in\":1295246,\"bytes_out\":1295240,"
                        "\"udp_in\":2,\"udp_out\":2,\"udp_dropped\":0}\n"
                        "{\"type\":\"log\"," V ",\"time\":\"" WHEN "\",\"message\":\"a "
                        "\\\"quoted\\\" note\"}\n"
                        "{\"type\":\"log\"," V ",\"time\":\"" WHEN "\",\"message\":\"cannot "
                        "listen\"}\n");
    /* Errors reach stderr with --json too. */
    CHECK_EQ_STR(c.err, "sockecho server: cannot listen\n");
}

TEST(server_report_events_by_verbosity)
{
    se_server_output o = {0};
    se_server_events ev;
    se_server_output_init(&o, &ev);
    CHECK(ev.arg == &o && ev.listening && ev.log && !ev.connection && !ev.stats);
    o.json = 1;
    se_server_output_init(&o, &ev);
    CHECK(!ev.connection && !ev.stats);
    o.verbosity = 1;
    se_server_output_init(&o, &ev);
    CHECK(ev.connection && ev.stats);
    o.json = 0;
    se_server_output_init(&o, &ev);
    CHECK(!ev.connection && ev.stats);
    o.verbosity = 2;
    se_server_output_init(&o, &ev);
    CHECK(ev.connection && ev.stats);
}
