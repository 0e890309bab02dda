/* The TLS part of the reports; see tls_report.h. */
#include "tls_report.h"

#include "util/json.h"

static void json_text_or_null(FILE *out, const char *name, const char *text, int have)
{
    fprintf(out, ",\"%s\":", name);
    if (have && text[0])
        se_json_string(out, text);
    else
        fprintf(out, "null");
}

void se_report_tls_json(FILE *out, const se_client_result *r)
{
    if (!r->tls_used) {
        fprintf(out, ",\"tls\":null");
        return;
    }
    const se_tls_info *t = &r->tls;
    int done = r->tls_handshake_done;
    fprintf(out, ",\"tls\":{\"handshake_done\":%s", done ? "true" : "false");
    json_text_or_null(out, "version", t->version, done);
    json_text_or_null(out, "cipher", t->cipher, done);
    json_text_or_null(out, "alpn", t->alpn, done);
    if (done)
        fprintf(out, ",\"handshake_ms\":%.3f", (double)t->handshake_ns / 1e6);
    else
        fprintf(out, ",\"handshake_ms\":null");
    json_text_or_null(out, "peer_subject", t->peer_subject, done);
    json_text_or_null(out, "peer_fingerprint_sha256", t->peer_fingerprint, done);
    fprintf(out,
            ",\"resumed\":%s,\"verified\":%s,\"close_notify_sent\":%s,"
            "\"close_notify_received\":%s}",
            done && t->resumed ? "true" : "false", done && t->verified ? "true" : "false",
            r->tls_close_notify_sent ? "true" : "false",
            r->tls_close_notify_received ? "true" : "false");
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
