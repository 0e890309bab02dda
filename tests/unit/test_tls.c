/* TLS engine (src/conn/tls.h): two sessions in memory, ciphertext carried
 * between them by the test. Certificates are made with the `openssl`
 * command in a temporary directory; builds without a TLS server engine
 * skip these tests. */
#include "tls.h" /* the conn layer's private engine (tests/CMakeLists.txt) */
#include "platform/platform.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

typedef struct pair {
    se_tls *client, *server;
    char client_got[1 << 16], server_got[1 << 16];
    size_t client_len, server_len;
    long client_end, server_end; /* last non-data read result */
} pair;

static char cert_dir[256];

static void remove_certs(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cert_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cert_dir);
}

/* A CA, a leaf for localhost signed by it, an expired one, and a
 * self-signed one, made once. Returns 0 or -1. */
static int make_certs(void)
{
    if (cert_dir[0])
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(cert_dir, sizeof cert_dir, "%s/sockecho-unit-tls-XXXXXX", tmp ? tmp : "/tmp");
    if (!se_test_mkdtemp(cert_dir)) {
        cert_dir[0] = '\0';
        return -1;
    }
    atexit(remove_certs);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && "
             "K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes' && "
             "openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 -subj /CN=unit-ca && "
             "openssl req $K -keyout leaf.key -out leaf.csr -subj /CN=localhost && "
             "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext && "
             "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 1 "
             "-extfile san.ext -days 2 -out leaf.pem && "
             "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 2 "
             "-extfile san.ext -days -1 -out expired.pem && "
             "openssl req -x509 $K -keyout self.key -out self.pem -days 2 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost",
             cert_dir);
    char quiet[2100];
    snprintf(quiet, sizeof quiet, "(%s) >/dev/null 2>&1", cmd);
    return system(quiet) == 0 ? 0 : -1;
}

static const char *cert(const char *name)
{
    static char path[8][320];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", cert_dir, name);
    return p;
}

static se_tls_config *config(const se_tls_options *opt)
{
    char err[SE_TLS_TEXT] = "";
    se_tls_config *cfg = NULL;
    int rc = se_tls_config_new(opt, &cfg, err, sizeof err);
    if (rc)
        fprintf(stderr, "config: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    return cfg;
}

/* Moves ciphertext from A to B; returns the byte count. */
static size_t carry(se_tls *a, se_tls *b)
{
    char buf[4096];
    size_t total = 0, n;
    while ((n = se_tls_take(a, buf, sizeof buf)) > 0) {
        CHECK_EQ_INT(se_tls_feed(b, buf, n), 0);
        total += n;
    }
    return total;
}

static void drain(se_tls *t, char *got, size_t *len, long *end)
{
    for (;;) {
        long n = se_tls_read(t, got + *len, (1 << 16) - *len);
        if (n <= 0) {
            *end = n;
            return;
        }
        *len += (size_t)n;
    }
}

/* Runs both ends until neither has anything to send. */
static void pump(pair *p)
{
    for (int round = 0; round < 50; round++) {
        drain(p->client, p->client_got, &p->client_len, &p->client_end);
        drain(p->server, p->server_got, &p->server_len, &p->server_end);
        if (!carry(p->client, p->server) + !carry(p->server, p->client) == 2)
            return;
    }
    CHECK(!"pump did not settle in 50 rounds");
}

static void start(pair *p, se_tls_config *server, se_tls_config *client, const char *name)
{
    memset(p, 0, sizeof *p);
    CHECK_EQ_INT(se_tls_new(server, NULL, &p->server), 0);
    CHECK_EQ_INT(se_tls_new(client, name, &p->client), 0);
    pump(p);
}

static void finish(pair *p)
{
    se_tls_free(p->client);
    se_tls_free(p->server);
}

/* Skips the test unless this build's engine can run both ends here (it
 * makes a server config and completes one handshake) and the test
 * certificates can be made. */
static void engine_ready(void)
{
    se_tls_options so = {.server = 1}, co = {.insecure = 1};
    se_tls_config *sc = NULL, *cc = NULL;
    char err[SE_TLS_TEXT];
    int rc = se_tls_config_new(&so, &sc, err, sizeof err);
    if (rc == 0)
        rc = se_tls_config_new(&co, &cc, err, sizeof err);
    if (rc == 0) {
        pair p;
        start(&p, sc, cc, "localhost");
        if (!se_tls_handshake_done(p.server)) {
            snprintf(err, sizeof err, "no TLS server engine here: %s", se_tls_error(p.server));
            rc = SE_ENOSYS;
        }
        finish(&p);
    }
    se_tls_config_free(sc);
    se_tls_config_free(cc);
    if (rc)
        TEST_SKIP(err);
    if (make_certs() != 0)
        TEST_SKIP("the openssl command cannot make test certificates");
}

TEST(tls_handshake_echo_and_close_notify)
{
    engine_ready();
    se_tls_options so = {.server = 1, .cert_file = cert("leaf.pem"), .key_file = cert("leaf.key")};
    se_tls_options co = {.ca_file = cert("ca.pem"), .alpn = "x-echo,h2"};
    se_tls_config *sc = config(&so), *cc = config(&co);
    pair p;
    start(&p, sc, cc, "localhost");
    CHECK(se_tls_handshake_done(p.client));
    CHECK(se_tls_handshake_done(p.server));
    CHECK_EQ_STR(se_tls_error(p.client), "");

    se_tls_info info;
    se_tls_get_info(p.client, &info);
    CHECK_EQ_STR(info.version, "TLSv1.3");
    CHECK_EQ_STR(info.alpn, "x-echo"); /* a server without a list takes the first */
    CHECK_EQ_STR(info.peer_subject, "CN=localhost");
    CHECK_EQ_INT(strlen(info.peer_fingerprint), 95);
    CHECK(info.cipher[0] != '\0');
    CHECK(!info.resumed);

    /* Client: data then close_notify (half-close); the server echoes the
     * data after receiving the close_notify, then closes too. */
    CHECK_EQ_INT(se_tls_write(p.client, "hello, tls", 10), 0);
    CHECK_EQ_INT(se_tls_close_notify(p.client), 0);
    CHECK_EQ_INT(se_tls_write(p.client, "x", 1), SE_ESHUTDOWN);
    pump(&p);
    CHECK_EQ_INT(p.server_len, 10);
    CHECK_EQ_INT(p.server_end, SE_EOF);
    CHECK(se_tls_close_received(p.server));
    CHECK_EQ_INT(se_tls_write(p.server, p.server_got, p.server_len), 0);
    CHECK_EQ_INT(se_tls_close_notify(p.server), 0);
    pump(&p);
    CHECK_EQ_INT(p.client_len, 10);
    CHECK(memcmp(p.client_got, "hello, tls", 10) == 0);
    CHECK_EQ_INT(p.client_end, SE_EOF);
    CHECK(se_tls_close_received(p.client));
    finish(&p);
    se_tls_config_free(sc);
    se_tls_config_free(cc);
}

TEST(tls_truncation_is_not_close_notify)
{
    engine_ready();
    se_tls_options so = {.server = 1}; /* ephemeral self-signed */
    se_tls_options co = {.insecure = 1, .min_version = 12};
    se_tls_config *sc = config(&so), *cc = config(&co);
    CHECK_EQ_INT(strlen(se_tls_config_fingerprint(sc)), 95);
    pair p;
    start(&p, sc, cc, "localhost");
    se_tls_info info;
    se_tls_get_info(p.client, &info);
    CHECK_EQ_STR(info.peer_fingerprint, se_tls_config_fingerprint(sc));
    CHECK_EQ_STR(info.alpn, "");
    CHECK_EQ_INT(se_tls_write(p.client, "abc", 3), 0);
    pump(&p);
    /* The data arrived, then the transport ends without a close_notify. */
    CHECK_EQ_INT(p.server_len, 3);
    CHECK_EQ_INT(p.server_end, SE_EAGAIN);
    CHECK(!se_tls_close_received(p.server));
    finish(&p);
    se_tls_config_free(sc);
    se_tls_config_free(cc);
}

/* The client rejects the server's certificate with REASON. */
static void check_rejected(const char *cert_file, const char *key_file, const char *ca,
                           const char *name, const char *reason)
{
    se_tls_options so = {.server = 1, .cert_file = cert_file, .key_file = key_file};
    se_tls_options co = {.ca_file = ca};
    se_tls_config *sc = config(&so), *cc = config(&co);
    pair p;
    start(&p, sc, cc, name);
    CHECK(!se_tls_handshake_done(p.client));
    CHECK_EQ_INT(p.client_end, SE_ETLS);
    CHECK_EQ_STR(se_tls_error(p.client), reason);
    CHECK_EQ_INT(se_tls_write(p.client, "x", 1), SE_ETLS);
    /* The server hears about it from the client's alert. */
    CHECK_EQ_INT(p.server_end, SE_ETLS);
    CHECK(strstr(se_tls_error(p.server), "alert") != NULL);
    finish(&p);
    se_tls_config_free(sc);
    se_tls_config_free(cc);
}

TEST(tls_rejects_expired_wrong_host_untrusted)
{
    engine_ready();
    check_rejected(cert("expired.pem"), cert("leaf.key"), cert("ca.pem"), "localhost",
                   "certificate has expired");
    check_rejected(cert("leaf.pem"), cert("leaf.key"), cert("ca.pem"), "example.org",
                   "hostname mismatch");
    check_rejected(cert("leaf.pem"), cert("leaf.key"), cert("self.pem"), "localhost",
                   "unable to get local issuer certificate");
    check_rejected(cert("self.pem"), cert("self.key"), cert("ca.pem"), "localhost",
                   "self-signed certificate");
}

TEST(tls_config_errors_name_the_problem)
{
    engine_ready();
    char err[SE_TLS_TEXT];
    se_tls_config *cfg = NULL;
    se_tls_options o1 = {
        .server = 1, .cert_file = cert("missing.pem"), .key_file = cert("leaf.key")};
    CHECK_EQ_INT(se_tls_config_new(&o1, &cfg, err, sizeof err), SE_EINVAL);
    CHECK(strstr(err, "cannot load certificate") && strstr(err, "missing.pem"));
    se_tls_options o2 = {.server = 1, .cert_file = cert("leaf.pem"), .key_file = cert("self.key")};
    CHECK_EQ_INT(se_tls_config_new(&o2, &cfg, err, sizeof err), SE_EINVAL);
    CHECK(strstr(err, "cannot load private key") && strstr(err, "mismatch"));
    se_tls_options o3 = {.alpn = "h2,,x"};
    CHECK_EQ_INT(se_tls_config_new(&o3, &cfg, err, sizeof err), SE_EINVAL);
    CHECK(strstr(err, "ALPN") != NULL);
}

TEST(tls_garbage_after_handshake_fails_cleanly)
{
    engine_ready();
    se_tls_options so = {.server = 1};
    se_tls_options co = {.insecure = 1};
    se_tls_config *sc = config(&so), *cc = config(&co);
    pair p;
    start(&p, sc, cc, "localhost");
    CHECK(se_tls_handshake_done(p.server));
    /* An application-data record header with a body of junk, then junk. */
    char junk[600] = {0x17, 0x03, 0x03, 0x01, 0x00};
    for (size_t i = 5; i < sizeof junk; i++)
        junk[i] = (char)(i * 37);
    CHECK_EQ_INT(se_tls_feed(p.server, junk, sizeof junk), 0);
    char buf[256];
    CHECK_EQ_INT(se_tls_read(p.server, buf, sizeof buf), SE_ETLS);
    CHECK(se_tls_error(p.server)[0] != '\0');
    CHECK_EQ_INT(se_tls_read(p.server, buf, sizeof buf), SE_ETLS);
    finish(&p);
    se_tls_config_free(sc);
    se_tls_config_free(cc);
}

TEST(tls_client_resumes_session)
{
    engine_ready();
    se_tls_options so = {.server = 1};
    se_tls_options co = {.insecure = 1, .resume = 1};
    se_tls_config *sc = config(&so), *cc = config(&co);
    for (int i = 0; i < 3; i++) {
        pair p;
        start(&p, sc, cc, "localhost");
        /* A round trip so that the TLS 1.3 ticket reaches the client. */
        CHECK_EQ_INT(se_tls_write(p.client, "ping", 4), 0);
        pump(&p);
        CHECK_EQ_INT(se_tls_write(p.server, "pong", 4), 0);
        pump(&p);
        CHECK_EQ_INT(p.client_len, 4);
        se_tls_info info;
        se_tls_get_info(p.client, &info);
        CHECK_EQ_INT(info.resumed, i > 0);
        finish(&p);
    }
    se_tls_config_free(sc);
    se_tls_config_free(cc);
}
