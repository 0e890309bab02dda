/* TLS engine, OpenSSL 3 backend: an SSL object between two memory BIOs. */
#include "tls.h"

#include "platform/platform.h"
#include "tls_text.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct se_tls_config {
    SSL_CTX *ctx;
    int server;
    int insecure;
    int resume;
    unsigned char alpn[256];
    size_t alpn_len;
    char fingerprint[SE_TLS_TEXT];
    se_mutex *lock;       /* guards session */
    SSL_SESSION *session; /* client: the newest resumable session */
};

struct se_tls {
    se_tls_config *cfg;
    SSL *ssl;
    BIO *in, *out; /* ciphertext from / to the peer */
    char *early;   /* plaintext written before the handshake ended */
    size_t early_len;
    uint64_t start_ns, handshake_ns;
    uint8_t done, failed, notify_sent, close_received;
    char error[SE_TLS_TEXT];
};

const char *se_tls_backend(void)
{
    return "OpenSSL " OPENSSL_FULL_VERSION_STR;
}

/* The reason of the newest OpenSSL error ("wrong version number"), or
 * FALLBACK; the error queue is emptied. */
static void openssl_reason(char *out, size_t cap, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    se_tls_copy(out, cap, reason ? reason : fallback);
    ERR_clear_error();
}

static int config_error(char *err, size_t errlen, const char *what, const char *file)
{
    char reason[SE_TLS_TEXT];
    openssl_reason(reason, sizeof reason, "unknown error");
    snprintf(err, errlen, "%s%s%s: %s", what, file ? " " : "", file ? file : "", reason);
    return SE_EINVAL;
}

static void fingerprint_of(X509 *cert, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!cert || !X509_digest(cert, EVP_sha256(), md, &len))
        len = 0;
    se_tls_hex_colons(md, len, out, cap);
}

/* An ephemeral self-signed certificate (P-256) for localhost, 127.0.0.1 and
 * ::1, valid from an hour ago for 30 days. */
static int use_ephemeral_cert(SSL_CTX *ctx)
{
    int ok = 0;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_EXTENSION *ext = NULL;
    if (!key || !x)
        goto done;
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        goto done;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
        BN_free(bn);
        goto done;
    }
    BN_free(bn);
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) || !X509_set_pubkey(x, key) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"sockecho", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
                                    -1, -1, 0) ||
        !X509_set_issuer_name(x, name))
        goto done;
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
                              "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1");
    if (!ext || !X509_add_ext(x, ext, -1) || !X509_sign(x, key, EVP_sha256()))
        goto done;
    ok = SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
done:
    X509_EXTENSION_free(ext);
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

/* Server without its own ALPN list: agree to the client's first protocol
 * (an echo server speaks every protocol). With a list: the first of ours
 * the client offers, or no ALPN. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    se_tls_config *cfg = arg;
    if (inlen == 0 || in[0] == 0 || in[0] >= inlen)
        return SSL_TLSEXT_ERR_NOACK;
    if (!cfg->alpn_len) {
        *out = in + 1;
        *outlen = in[0];
        return SSL_TLSEXT_ERR_OK;
    }
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, cfg->alpn, (unsigned int)cfg->alpn_len, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static int new_session(SSL *ssl, SSL_SESSION *sess)
{
    se_tls_config *cfg = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    /* A copy: OpenSSL marks the connection's own session unresumable when
     * that connection ends without close_notify, which must not spoil the
     * sessions of the config's other connections. */
    SSL_SESSION *copy = SSL_SESSION_is_resumable(sess) ? SSL_SESSION_dup(sess) : NULL;
    if (!copy)
        return 0;
    se_mutex_lock(cfg->lock);
    SSL_SESSION_free(cfg->session);
    cfg->session = copy;
    se_mutex_unlock(cfg->lock);
    return 0;
}

int se_tls_config_new(const se_tls_options *opt, se_tls_config **out, char *err, size_t errlen)
{
    se_tls_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return SE_ENOMEM;
    int rc = SE_EINVAL;
    cfg->server = opt->server;
    cfg->insecure = opt->insecure;
    cfg->resume = opt->resume && !opt->server;
    if (opt->alpn && *opt->alpn) {
        cfg->alpn_len = se_tls_alpn_wire(opt->alpn, cfg->alpn, sizeof cfg->alpn);
        if (!cfg->alpn_len) {
            snprintf(err, errlen, "bad ALPN list '%s' (comma-separated names of 1 to 255 bytes)",
                     opt->alpn);
            goto fail;
        }
    }
    cfg->lock = se_mutex_create();
    cfg->ctx = SSL_CTX_new(opt->server ? TLS_server_method() : TLS_client_method());
    if (!cfg->lock || !cfg->ctx) {
        rc = SE_ENOMEM;
        snprintf(err, errlen, "cannot set up TLS: out of memory");
        goto fail;
    }
    SSL_CTX_set_app_data(cfg->ctx, cfg);
    SSL_CTX_set_min_proto_version(cfg->ctx,
                                  opt->min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_mode(cfg->ctx, SSL_MODE_RELEASE_BUFFERS);
    if (opt->server) {
        if (opt->cert_file || opt->key_file) {
            const char *key = opt->key_file ? opt->key_file : opt->cert_file;
            if ((rc = se_tls_check_file("cannot load certificate", opt->cert_file, err, errlen)) !=
                    0 ||
                (rc = se_tls_check_file("cannot load private key", key, err, errlen)) != 0)
                goto fail;
            if (SSL_CTX_use_certificate_chain_file(cfg->ctx, opt->cert_file) != 1) {
                rc = config_error(err, errlen, "cannot load certificate", opt->cert_file);
                goto fail;
            }
            if (SSL_CTX_use_PrivateKey_file(cfg->ctx, key, SSL_FILETYPE_PEM) != 1) {
                rc = config_error(err, errlen, "cannot load private key", key);
                goto fail;
            }
            if (SSL_CTX_check_private_key(cfg->ctx) != 1) {
                rc = config_error(err, errlen, "private key does not match certificate", key);
                goto fail;
            }
        } else if (!use_ephemeral_cert(cfg->ctx)) {
            rc = config_error(err, errlen, "cannot generate a self-signed certificate", NULL);
            goto fail;
        }
        fingerprint_of(SSL_CTX_get0_certificate(cfg->ctx), cfg->fingerprint,
                       sizeof cfg->fingerprint);
        SSL_CTX_set_session_id_context(cfg->ctx, (const unsigned char *)"sockecho", 8);
        SSL_CTX_set_alpn_select_cb(cfg->ctx, select_alpn, cfg);
    } else {
        if (!cfg->insecure) {
            if (opt->ca_file &&
                (rc = se_tls_check_file("cannot load CA file", opt->ca_file, err, errlen)) != 0)
                goto fail;
            int ok = opt->ca_file ? SSL_CTX_load_verify_locations(cfg->ctx, opt->ca_file, NULL)
                                  : SSL_CTX_set_default_verify_paths(cfg->ctx);
            if (ok != 1) {
                rc = config_error(err, errlen, "cannot load CA file", opt->ca_file);
                goto fail;
            }
            SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_PEER, NULL);
        }
        if (cfg->alpn_len && SSL_CTX_set_alpn_protos(cfg->ctx, cfg->alpn, (unsigned)cfg->alpn_len))
            goto fail;
        if (cfg->resume) {
            SSL_CTX_set_session_cache_mode(cfg->ctx, SSL_SESS_CACHE_CLIENT |
                                                         SSL_SESS_CACHE_NO_INTERNAL_STORE);
            SSL_CTX_sess_set_new_cb(cfg->ctx, new_session);
        }
    }
    *out = cfg;
    return 0;
fail:
    se_tls_config_free(cfg);
    return rc;
}

void se_tls_config_free(se_tls_config *cfg)
{
    if (!cfg)
        return;
    SSL_SESSION_free(cfg->session);
    SSL_CTX_free(cfg->ctx);
    if (cfg->lock)
        se_mutex_destroy(cfg->lock);
    free(cfg);
}

const char *se_tls_config_fingerprint(const se_tls_config *cfg)
{
    return cfg->fingerprint;
}

int se_tls_new(se_tls_config *cfg, const char *servername, se_tls **out)
{
    se_tls *t = calloc(1, sizeof *t);
    if (!t)
        return SE_ENOMEM;
    t->cfg = cfg;
    t->start_ns = se_now_ns();
    t->ssl = SSL_new(cfg->ctx);
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->in || !t->out) {
        BIO_free(t->in);
        BIO_free(t->out);
        se_tls_free(t);
        return SE_ENOMEM;
    }
    BIO_set_mem_eof_return(t->in, -1); /* empty means "wait", not EOF */
    SSL_set_bio(t->ssl, t->in, t->out);
    if (cfg->server) {
        SSL_set_accept_state(t->ssl);
    } else {
        SSL_set_connect_state(t->ssl);
        int ok = 1;
        if (servername && *servername) {
            if (!se_tls_is_ip_literal(servername))
                ok = SSL_set_tlsext_host_name(t->ssl, servername) == 1;
            if (ok && !cfg->insecure)
                ok = se_tls_is_ip_literal(servername)
                         ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), servername) == 1
                         : SSL_set1_host(t->ssl, servername) == 1;
        }
        if (ok && cfg->resume) {
            se_mutex_lock(cfg->lock);
            if (cfg->session)
                ok = SSL_set_session(t->ssl, cfg->session) == 1;
            se_mutex_unlock(cfg->lock);
        }
        if (!ok) {
            ERR_clear_error();
            se_tls_free(t);
            return SE_EINVAL;
        }
        char dummy;
        se_tls_read(t, &dummy, 0); /* the ClientHello */
    }
    *out = t;
    return 0;
}

void se_tls_free(se_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl); /* and both BIOs */
    free(t->early);
    free(t);
}

int se_tls_feed(se_tls *t, const char *data, size_t len)
{
    if (len && BIO_write(t->in, data, (int)len) != (int)len)
        return SE_ENOMEM;
    return 0;
}

static long fail(se_tls *t)
{
    if (!t->failed) {
        t->failed = 1;
        long v = SSL_get_verify_result(t->ssl);
        if (v != X509_V_OK) {
            se_tls_copy(t->error, sizeof t->error, X509_verify_cert_error_string(v));
            ERR_clear_error();
        } else {
            openssl_reason(t->error, sizeof t->error, "TLS failure");
        }
    }
    return SE_ETLS;
}

void se_tls_fail(se_tls *t, const char *reason)
{
    if (!t->failed) {
        t->failed = 1;
        se_tls_copy(t->error, sizeof t->error, reason);
    }
}

static int write_all(se_tls *t, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t n = 0;
        if (SSL_write_ex(t->ssl, data + done, len - done, &n) != 1)
            return (int)fail(t);
        done += n;
    }
    return 0;
}

static long handshake(se_tls *t)
{
    int r = SSL_do_handshake(t->ssl);
    if (r != 1) {
        int e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return SE_EAGAIN;
        return fail(t);
    }
    t->done = 1;
    t->handshake_ns = se_now_ns() - t->start_ns;
    int err = write_all(t, t->early, t->early_len);
    free(t->early);
    t->early = NULL;
    t->early_len = 0;
    if (!err && t->notify_sent && SSL_shutdown(t->ssl) < 0)
        err = (int)fail(t);
    return err;
}

long se_tls_read(se_tls *t, char *buf, size_t len)
{
    if (t->failed)
        return SE_ETLS;
    if (!t->done) {
        long r = handshake(t);
        if (r)
            return r;
    }
    if (t->close_received)
        return SE_EOF;
    if (len == 0)
        return SE_EAGAIN;
    size_t n = 0;
    int r = SSL_read_ex(t->ssl, buf, len, &n);
    if (r == 1)
        return (long)n;
    switch (SSL_get_error(t->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return SE_EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        t->close_received = 1;
        return SE_EOF;
    default:
        return fail(t);
    }
}

int se_tls_write(se_tls *t, const char *data, size_t len)
{
    if (t->failed)
        return SE_ETLS;
    if (t->notify_sent)
        return SE_ESHUTDOWN;
    if (t->done)
        return write_all(t, data, len);
    char *p = realloc(t->early, t->early_len + len);
    if (!p && len)
        return SE_ENOMEM;
    if (len)
        memcpy(p + t->early_len, data, len);
    t->early = p;
    t->early_len += len;
    return 0;
}

size_t se_tls_pending(const se_tls *t)
{
    return BIO_ctrl_pending(t->out);
}

size_t se_tls_take(se_tls *t, char *buf, size_t len)
{
    size_t n = 0;
    if (len && BIO_read_ex(t->out, buf, len, &n) != 1)
        return 0;
    return n;
}

int se_tls_close_notify(se_tls *t)
{
    if (t->notify_sent)
        return 0;
    t->notify_sent = 1;
    if (t->failed)
        return SE_ETLS;
    if (t->done && SSL_shutdown(t->ssl) < 0)
        return (int)fail(t);
    return 0; /* otherwise sent once the handshake is done */
}

int se_tls_handshake_done(const se_tls *t)
{
    return t->done;
}

int se_tls_close_received(const se_tls *t)
{
    return t->close_received;
}

const char *se_tls_error(const se_tls *t)
{
    return t->error;
}

void se_tls_get_info(const se_tls *t, se_tls_info *info)
{
    memset(info, 0, sizeof *info);
    if (!t->done)
        return;
    se_tls_copy(info->version, sizeof info->version, SSL_get_version(t->ssl));
    se_tls_copy(info->cipher, sizeof info->cipher, SSL_get_cipher_name(t->ssl));
    const unsigned char *alpn = NULL;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(t->ssl, &alpn, &alpn_len);
    if (alpn && alpn_len < sizeof info->alpn) {
        memcpy(info->alpn, alpn, alpn_len);
        info->alpn[alpn_len] = '\0';
    }
    X509 *peer = SSL_get0_peer_certificate(t->ssl);
    if (peer) {
        BIO *b = BIO_new(BIO_s_mem());
        if (b && X509_NAME_print_ex(b, X509_get_subject_name(peer), 0, XN_FLAG_RFC2253) >= 0) {
            int n = BIO_read(b, info->peer_subject, (int)sizeof info->peer_subject - 1);
            info->peer_subject[n > 0 ? n : 0] = '\0';
        }
        BIO_free(b);
        fingerprint_of(peer, info->peer_fingerprint, sizeof info->peer_fingerprint);
    }
    info->verified = !t->cfg->server && !t->cfg->insecure;
    info->handshake_ns = t->handshake_ns;
    info->resumed = SSL_session_reused(t->ssl);
}
