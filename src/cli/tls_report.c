/* The TLS part of the reports; see tls_report.h. */
#include "tls_report.h"

#include "util/json.h"

void se_report_tls_json(se_json *j, const se_client_result *r)
{
    if (!r->tls_used) {
        se_json_null(j, "tls");
        return;
    }
    const se_tls_info *t = &r->tls;
    int done = r->tls_handshake_done;
    se_json_object(j, "tls");
    se_json_bool(j, "handshake_done", done);
    se_json_str(j, "version", done && t->version[0] ? t->version : NULL);
    se_json_str(j, "cipher", done && t->cipher[0] ? t->cipher : NULL);
    se_json_str(j, "alpn", done && t->alpn[0] ? t->alpn : NULL);
    se_json_ms(j, "handshake_ms", done ? (double)t->handshake_ns / 1e6 : -1);
    se_json_str(j, "peer_subject", done && t->peer_subject[0] ? t->peer_subject : NULL);
    se_json_str(j, "peer_fingerprint_sha256",
                done && t->peer_fingerprint[0] ? t->peer_fingerprint : NULL);
    se_json_bool(j, "resumed", done && t->resumed);
    se_json_bool(j, "verified", done && t->verified);
    se_json_bool(j, "close_notify_sent", r->tls_close_notify_sent);
    se_json_bool(j, "close_notify_received", r->tls_close_notify_received);
    se_json_close(j);
}

void se_report_tls_line(FILE *out, const se_client_result *r)
{
    if (!r->tls_used || !r->tls_handshake_done)
        return;
    const se_tls_info *t = &r->tls;
    fprintf(out,
            "sockecho client: tls: %s %s, ALPN %s, handshake %.3f ms (%s), peer %s SHA-256 %s, "
            "%s\n",
            t->version, t->cipher, t->alpn[0] ? t->alpn : "none", (double)t->handshake_ns / 1e6,
            t->resumed ? "resumed" : "full", t->peer_subject[0] ? t->peer_subject : "(no subject)",
            t->peer_fingerprint[0] ? t->peer_fingerprint : "(none)",
            t->verified ? "verified" : "NOT VERIFIED (--tls-insecure)");
}
