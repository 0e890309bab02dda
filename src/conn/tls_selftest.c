/* A server config's self-test: one handshake in memory against a client of
 * the same engine, so that a server without a working TLS server side
 * (Wine's Schannel) says so once at start. */
#include "tls.h"

#include "platform/platform.h"
#include "tls_text.h"

#include <stdio.h>

/* Moves A's ciphertext to B; returns the count. */
static size_t carry(se_tls *a, se_tls *b)
{
    char buf[4096];
    size_t total = 0, n;
    while ((n = se_tls_take(a, buf, sizeof buf)) > 0) {
        if (se_tls_feed(b, buf, n) != 0)
            return 0;
        total += n;
    }
    return total;
}

int se_tls_config_selftest(se_tls_config *server, char *err, size_t errlen)
{
    se_tls_options co = {.insecure = 1};
    se_tls_config *client = NULL;
    se_tls *s = NULL, *c = NULL;
    char reason[SE_TLS_TEXT];
    int rc = se_tls_config_new(&co, &client, reason, sizeof reason);
    if (!rc)
        rc = se_tls_new(server, NULL, &s);
    if (!rc)
        rc = se_tls_new(client, "localhost", &c);
    if (rc) {
        snprintf(err, errlen, "cannot test the TLS server: %s", se_strerror(rc));
    } else {
        char buf[256];
        for (int round = 0; round < 20; round++) {
            long rs = se_tls_read(s, buf, sizeof buf), rcl = se_tls_read(c, buf, sizeof buf);
            if (rs == SE_ETLS || rcl == SE_ETLS)
                break;
            if (!carry(c, s) && !carry(s, c))
                break;
        }
        if (!se_tls_handshake_done(s)) {
            const char *why = se_tls_error(s)[0] ? se_tls_error(s) : se_tls_error(c);
            snprintf(err, errlen, "the TLS server does not work here: %s",
                     why[0] ? why : "the handshake did not finish");
            rc = SE_ENOSYS;
        }
    }
    se_tls_free(s);
    se_tls_free(c);
    se_tls_config_free(client);
    return rc;
}
