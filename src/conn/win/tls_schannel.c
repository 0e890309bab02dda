/* TLS engine, Schannel backend (SSPI: secur32; certificates: crypt32).
 *
 * The server's certificate is checked after the handshake by
 * tls_schannel_cert.c (SCH_CRED_MANUAL_CRED_VALIDATION), not by Schannel.
 *
 * The peer's close_notify: DecryptMessage returns SEC_I_CONTEXT_EXPIRED on
 * Windows; Wine returns SEC_E_OK with no data instead, so an alert record
 * (first byte 0x15) that decrypts to nothing counts as close_notify too.
 *
 * Server: the credentials are set up from a PKCS#12 file or an ephemeral
 * self-signed certificate; Schannel implementations without a server side
 * (Wine 8) fail the first handshake call with SEC_E_UNSUPPORTED_FUNCTION,
 * reported as such. */
#include "tls_schannel.h"

#include "../tls.h"
#include "../tls_text.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bytes {
    char *p;
    size_t len, cap;
} bytes;

struct se_tls_config {
    CredHandle cred;
    int has_cred;
    int server;
    int insecure;
    unsigned char alpn[256];
    size_t alpn_len;
    HCERTSTORE ca;           /* --tls-ca's certificates, or NULL */
    PCCERT_CONTEXT own_cert; /* server */
    char fingerprint[SE_TLS_TEXT];
};

struct se_tls {
    se_tls_config *cfg;
    CtxtHandle ctx;
    int has_ctx;
    char *servername;
    bytes in;    /* ciphertext not yet processed */
    bytes out;   /* ciphertext to send */
    bytes plain; /* decrypted, not yet read */
    size_t plain_off;
    bytes early; /* written before the handshake ended */
    SecPkgContext_StreamSizes sizes;
    uint64_t start_ns, handshake_ns;
    uint8_t done, failed, notify_sent, close_received;
    char error[SE_TLS_TEXT];
};

const char *se_tls_backend(void)
{
    return "Schannel";
}

/* ---- byte buffers ---- */

static int bytes_add(bytes *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return SE_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    return 0;
}

/* Keeps only the last KEEP bytes of B. */
static void bytes_keep_tail(bytes *b, size_t keep)
{
    if (keep < b->len) {
        memmove(b->p, b->p + b->len - keep, keep);
        b->len = keep;
    }
}

/* Makes room for EXTRA more bytes after B->len. */
static int bytes_reserve(bytes *b, size_t extra)
{
    size_t len = b->len;
    int err = bytes_add(b, NULL, 0);
    if (!err && len + extra > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < len + extra)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return SE_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    return err;
}

static void bytes_free(bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- texts ---- */

static const char *status_name(SECURITY_STATUS s)
{
    switch (s) {
    case SEC_E_UNSUPPORTED_FUNCTION:
        return "SEC_E_UNSUPPORTED_FUNCTION";
    case SEC_E_ILLEGAL_MESSAGE:
        return "SEC_E_ILLEGAL_MESSAGE";
    case SEC_E_ALGORITHM_MISMATCH:
        return "SEC_E_ALGORITHM_MISMATCH";
    case SEC_E_INTERNAL_ERROR:
        return "SEC_E_INTERNAL_ERROR";
    case SEC_E_NO_AUTHENTICATING_AUTHORITY:
        return "SEC_E_NO_AUTHENTICATING_AUTHORITY";
    case SEC_E_DECRYPT_FAILURE:
        return "SEC_E_DECRYPT_FAILURE";
    case SEC_E_MESSAGE_ALTERED:
        return "SEC_E_MESSAGE_ALTERED";
    case SEC_E_INVALID_TOKEN:
        return "SEC_E_INVALID_TOKEN";
    case SEC_E_NO_CREDENTIALS:
        return "SEC_E_NO_CREDENTIALS";
    case SEC_E_WRONG_PRINCIPAL:
        return "SEC_E_WRONG_PRINCIPAL";
    case SEC_E_UNKNOWN_CREDENTIALS:
        return "SEC_E_UNKNOWN_CREDENTIALS";
    default:
        return "SSPI error";
    }
}

static long fail_text(se_tls *t, const char *text)
{
    if (!t->failed) {
        t->failed = 1;
        se_tls_copy(t->error, sizeof t->error, text);
    }
    return SE_ETLS;
}

void se_tls_fail(se_tls *t, const char *reason)
{
    fail_text(t, reason);
}

static long fail_status(se_tls *t, const char *what, SECURITY_STATUS s)
{
    char text[SE_TLS_TEXT];
    if (s == SEC_E_UNSUPPORTED_FUNCTION && t->cfg->server)
        snprintf(text, sizeof text, "%s: %s (0x%08lx): this Schannel has no TLS server", what,
                 status_name(s), (unsigned long)s);
    else
        snprintf(text, sizeof text, "%s: %s (0x%08lx)", what, status_name(s), (unsigned long)s);
    return fail_text(t, text);
}

/* ---- configs ---- */

int se_tls_config_new(const se_tls_options *opt, se_tls_config **out, char *err, size_t errlen)
{
    se_tls_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return SE_ENOMEM;
    int rc = 0;
    cfg->server = opt->server;
    cfg->insecure = opt->insecure;
    if (opt->alpn && *opt->alpn) {
        cfg->alpn_len = se_tls_alpn_wire(opt->alpn, cfg->alpn, sizeof cfg->alpn);
        if (!cfg->alpn_len) {
            snprintf(err, errlen, "bad ALPN list '%s' (comma-separated names of 1 to 255 bytes)",
                     opt->alpn);
            rc = SE_EINVAL;
        }
    }
    if (!rc && opt->server) {
        if (opt->key_file && opt->key_file != opt->cert_file && opt->cert_file &&
            strcmp(opt->key_file, opt->cert_file) != 0) {
            snprintf(err, errlen,
                     "on Windows --tls-cert takes a PKCS#12 (.pfx) file with the key; "
                     "--tls-key is not used");
            rc = SE_EINVAL;
        } else {
            rc = opt->cert_file ? se_schannel_load_pfx(opt->cert_file, &cfg->own_cert, err, errlen)
                                : se_schannel_ephemeral_cert(&cfg->own_cert, err, errlen);
        }
        if (!rc)
            se_schannel_fingerprint(cfg->own_cert, cfg->fingerprint, sizeof cfg->fingerprint);
    } else if (!rc && !cfg->insecure && opt->ca_file) {
        rc = se_schannel_load_ca(opt->ca_file, &cfg->ca, err, errlen);
    }
    if (!rc) {
        SCHANNEL_CRED cred = {0};
        cred.dwVersion = SCHANNEL_CRED_VERSION;
        if (opt->server) {
            cred.cCreds = 1;
            cred.paCred = &cfg->own_cert;
            cred.grbitEnabledProtocols = opt->min_version == 13
                                             ? SP_PROT_TLS1_3_SERVER
                                             : SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_3_SERVER;
        } else {
            cred.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
            cred.grbitEnabledProtocols = opt->min_version == 13
                                             ? SP_PROT_TLS1_3_CLIENT
                                             : SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT;
        }
        TimeStamp expiry;
        SECURITY_STATUS s =
            AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A,
                                      opt->server ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND,
                                      NULL, &cred, NULL, NULL, &cfg->cred, &expiry);
        if (s != SEC_E_OK) {
            snprintf(err, errlen, "cannot set up Schannel credentials: %s (0x%08lx)",
                     status_name(s), (unsigned long)s);
            rc = SE_EINVAL;
        } else {
            cfg->has_cred = 1;
        }
    }
    if (rc) {
        se_tls_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

void se_tls_config_free(se_tls_config *cfg)
{
    if (!cfg)
        return;
    if (cfg->has_cred)
        FreeCredentialsHandle(&cfg->cred);
    if (cfg->own_cert)
        CertFreeCertificateContext(cfg->own_cert);
    if (cfg->ca)
        CertCloseStore(cfg->ca, 0);
    free(cfg);
}

const char *se_tls_config_fingerprint(const se_tls_config *cfg)
{
    return cfg->fingerprint;
}

/* ---- the handshake ---- */

static const unsigned long client_flags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT |
                                          ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY |
                                          ISC_REQ_STREAM | ISC_REQ_EXTENDED_ERROR |
                                          ISC_REQ_MANUAL_CRED_VALIDATION;
static const unsigned long server_flags = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT |
                                          ASC_REQ_CONFIDENTIALITY | ASC_REQ_ALLOCATE_MEMORY |
                                          ASC_REQ_STREAM | ASC_REQ_EXTENDED_ERROR;

enum { STEP_INPUT, STEP_FIRST, STEP_NO_INPUT };

/* One InitializeSecurityContext / AcceptSecurityContext call: over the
 * buffered input (STEP_INPUT), a client's first (STEP_FIRST: with the ALPN
 * list), or with no input (STEP_NO_INPUT: the close_notify token). *EXTRA
 * receives the count of input bytes left unused at the end of T->in. */
static SECURITY_STATUS step(se_tls *t, int mode, size_t *extra)
{
    unsigned char alpn_buf[sizeof(SEC_APPLICATION_PROTOCOLS) + 256];
    SecBuffer in[3] = {{0}}, outb[2] = {{0}};
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 0, in};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 2, outb};
    if (mode == STEP_INPUT) {
        in[0].BufferType = SECBUFFER_TOKEN;
        in[0].pvBuffer = t->in.p;
        in[0].cbBuffer = (unsigned long)t->in.len;
        in[1].BufferType = SECBUFFER_EMPTY;
        in_desc.cBuffers = 2;
    } else if (mode == STEP_FIRST && t->cfg->alpn_len) {
        SEC_APPLICATION_PROTOCOLS *ap = (SEC_APPLICATION_PROTOCOLS *)alpn_buf;
        SEC_APPLICATION_PROTOCOL_LIST *list = &ap->ProtocolLists[0];
        list->ProtoNegoExt = SecApplicationProtocolNegotiationExt_ALPN;
        list->ProtocolListSize = (unsigned short)t->cfg->alpn_len;
        memcpy(list->ProtocolList, t->cfg->alpn, t->cfg->alpn_len);
        ap->ProtocolListsSize =
            (unsigned long)(offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList) +
                            t->cfg->alpn_len);
        in[0].BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
        in[0].pvBuffer = ap;
        in[0].cbBuffer = (unsigned long)(offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolLists) +
                                         ap->ProtocolListsSize);
        in_desc.cBuffers = 1;
    }
    outb[0].BufferType = SECBUFFER_TOKEN;
    outb[1].BufferType = SECBUFFER_ALERT;
    unsigned long attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS s;
    if (t->cfg->server)
        s = AcceptSecurityContext(&t->cfg->cred, t->has_ctx ? &t->ctx : NULL, &in_desc,
                                  server_flags, 0, &t->ctx, &out_desc, &attrs, &expiry);
    else
        s = InitializeSecurityContextA(&t->cfg->cred, t->has_ctx ? &t->ctx : NULL,
                                       t->has_ctx ? NULL : t->servername, client_flags, 0, 0,
                                       in_desc.cBuffers ? &in_desc : NULL, 0, &t->ctx, &out_desc,
                                       &attrs, &expiry);
    if (!FAILED(s))
        t->has_ctx = 1;
    for (int i = 0; i < 2; i++) {
        if (outb[i].pvBuffer) {
            if (outb[i].cbBuffer)
                bytes_add(&t->out, outb[i].pvBuffer, outb[i].cbBuffer);
            FreeContextBuffer(outb[i].pvBuffer);
        }
    }
    *extra = 0;
    if (mode == STEP_INPUT && in[1].BufferType == SECBUFFER_EXTRA)
        *extra = in[1].cbBuffer;
    return s;
}

static int encrypt_all(se_tls *t, const char *data, size_t len);

static long handshake(se_tls *t)
{
    while (!t->done) {
        if (t->cfg->server && t->in.len == 0)
            return SE_EAGAIN;
        size_t extra = 0;
        SECURITY_STATUS s = step(t, STEP_INPUT, &extra);
        if (s == SEC_E_INCOMPLETE_MESSAGE)
            return SE_EAGAIN;
        if (s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED) {
            if (s == SEC_I_INCOMPLETE_CREDENTIALS)
                return fail_text(t, "the server asked for a client certificate");
            return fail_status(t, "TLS handshake failed", s);
        }
        bytes_keep_tail(&t->in, extra);
        if (s == SEC_I_CONTINUE_NEEDED) {
            if (!extra)
                return SE_EAGAIN;
            continue;
        }
        char reason[SE_TLS_TEXT];
        if (!t->cfg->server && !t->cfg->insecure &&
            se_schannel_verify(&t->ctx, t->cfg->ca, t->servername, reason, sizeof reason))
            return fail_text(t, reason);
        s = QueryContextAttributes(&t->ctx, SECPKG_ATTR_STREAM_SIZES, &t->sizes);
        if (s != SEC_E_OK)
            return fail_status(t, "TLS handshake failed", s);
        t->done = 1;
        t->handshake_ns = se_now_ns() - t->start_ns;
        int err = encrypt_all(t, t->early.p, t->early.len);
        bytes_free(&t->early);
        if (err)
            return err;
        if (t->notify_sent) {
            t->notify_sent = 0;
            return se_tls_close_notify(t);
        }
    }
    return 0;
}

int se_tls_new(se_tls_config *cfg, const char *servername, se_tls **out)
{
    se_tls *t = calloc(1, sizeof *t);
    if (!t)
        return SE_ENOMEM;
    t->cfg = cfg;
    t->start_ns = se_now_ns();
    if (!cfg->server && servername && *servername) {
        t->servername = _strdup(servername);
        if (!t->servername) {
            free(t);
            return SE_ENOMEM;
        }
    }
    if (!cfg->server) {
        size_t extra;
        SECURITY_STATUS s = step(t, STEP_FIRST, &extra);
        if (s != SEC_I_CONTINUE_NEEDED)
            fail_status(t, "TLS handshake failed", s); /* reported by the first read */
    }
    *out = t;
    return 0;
}

void se_tls_free(se_tls *t)
{
    if (!t)
        return;
    if (t->has_ctx)
        DeleteSecurityContext(&t->ctx);
    bytes_free(&t->in);
    bytes_free(&t->out);
    bytes_free(&t->plain);
    bytes_free(&t->early);
    free(t->servername);
    free(t);
}

int se_tls_feed(se_tls *t, const char *data, size_t len)
{
    return bytes_add(&t->in, data, len);
}

/* ---- records ---- */

/* Decrypts the records buffered in T->in into T->plain. Returns 0,
 * SE_EOF at the peer's close_notify, or SE_ETLS. */
static long decrypt_some(se_tls *t)
{
    while (t->in.len >= 5 && !t->close_received) {
        unsigned char content_type = (unsigned char)t->in.p[0];
        SecBuffer b[4] = {{0}};
        b[0].BufferType = SECBUFFER_DATA;
        b[0].pvBuffer = t->in.p;
        b[0].cbBuffer = (unsigned long)t->in.len;
        for (int i = 1; i < 4; i++)
            b[i].BufferType = SECBUFFER_EMPTY;
        SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
        SECURITY_STATUS s = DecryptMessage(&t->ctx, &desc, 0, NULL);
        if (s == SEC_E_INCOMPLETE_MESSAGE)
            return 0;
        if (s != SEC_E_OK && s != SEC_I_CONTEXT_EXPIRED && s != SEC_I_RENEGOTIATE)
            return fail_status(t, "TLS record rejected", s);
        size_t got = 0, extra = 0;
        for (int i = 0; i < 4; i++) {
            if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer) {
                got = b[i].cbBuffer;
                if (bytes_add(&t->plain, b[i].pvBuffer, b[i].cbBuffer))
                    return fail_text(t, "out of memory");
            } else if (b[i].BufferType == SECBUFFER_EXTRA) {
                extra = b[i].cbBuffer;
            }
        }
        bytes_keep_tail(&t->in, extra);
        if (s == SEC_I_CONTEXT_EXPIRED || (s == SEC_E_OK && !got && content_type == 0x15)) {
            t->close_received = 1;
            return SE_EOF;
        }
        if (s == SEC_I_RENEGOTIATE) {
            /* TLS 1.3 post-handshake messages (tickets): back to the
             * handshake call with what is left. */
            size_t more = 0;
            SECURITY_STATUS r = step(t, STEP_INPUT, &more);
            if (r != SEC_E_OK && r != SEC_I_CONTINUE_NEEDED && r != SEC_E_INCOMPLETE_MESSAGE)
                return fail_status(t, "TLS post-handshake message rejected", r);
            if (r != SEC_E_INCOMPLETE_MESSAGE)
                bytes_keep_tail(&t->in, more);
        }
    }
    return 0;
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
    if (t->plain_off == t->plain.len) {
        t->plain.len = t->plain_off = 0;
        long r = decrypt_some(t);
        if (r == SE_ETLS)
            return r;
    }
    if (t->plain_off < t->plain.len) {
        if (len == 0)
            return SE_EAGAIN;
        size_t n = t->plain.len - t->plain_off;
        if (n > len)
            n = len;
        memcpy(buf, t->plain.p + t->plain_off, n);
        t->plain_off += n;
        return (long)n;
    }
    return t->close_received ? SE_EOF : SE_EAGAIN;
}

static int encrypt_all(se_tls *t, const char *data, size_t len)
{
    size_t max = t->sizes.cbMaximumMessage ? t->sizes.cbMaximumMessage : 16384;
    while (len) {
        size_t n = len < max ? len : max;
        if (bytes_reserve(&t->out, t->sizes.cbHeader + n + t->sizes.cbTrailer))
            return SE_ENOMEM;
        char *rec = t->out.p + t->out.len;
        memcpy(rec + t->sizes.cbHeader, data, n);
        SecBuffer b[4] = {{0}};
        b[0].BufferType = SECBUFFER_STREAM_HEADER;
        b[0].pvBuffer = rec;
        b[0].cbBuffer = t->sizes.cbHeader;
        b[1].BufferType = SECBUFFER_DATA;
        b[1].pvBuffer = rec + t->sizes.cbHeader;
        b[1].cbBuffer = (unsigned long)n;
        b[2].BufferType = SECBUFFER_STREAM_TRAILER;
        b[2].pvBuffer = rec + t->sizes.cbHeader + n;
        b[2].cbBuffer = t->sizes.cbTrailer;
        b[3].BufferType = SECBUFFER_EMPTY;
        SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
        SECURITY_STATUS s = EncryptMessage(&t->ctx, 0, &desc, 0);
        if (s != SEC_E_OK)
            return (int)fail_status(t, "TLS encryption failed", s);
        t->out.len += b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
        data += n;
        len -= n;
    }
    return 0;
}

int se_tls_write(se_tls *t, const char *data, size_t len)
{
    if (t->failed)
        return SE_ETLS;
    if (t->notify_sent)
        return SE_ESHUTDOWN;
    return t->done ? encrypt_all(t, data, len) : bytes_add(&t->early, data, len);
}

size_t se_tls_pending(const se_tls *t)
{
    return t->out.len;
}

size_t se_tls_take(se_tls *t, char *buf, size_t len)
{
    size_t n = t->out.len < len ? t->out.len : len;
    if (n) {
        memcpy(buf, t->out.p, n);
        memmove(t->out.p, t->out.p + n, t->out.len - n);
        t->out.len -= n;
    }
    return n;
}

int se_tls_close_notify(se_tls *t)
{
    if (t->notify_sent)
        return 0;
    t->notify_sent = 1;
    if (t->failed)
        return SE_ETLS;
    if (!t->done)
        return 0; /* sent once the handshake is done */
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer b = {sizeof type, SECBUFFER_TOKEN, &type};
    SecBufferDesc desc = {SECBUFFER_VERSION, 1, &b};
    SECURITY_STATUS s = ApplyControlToken(&t->ctx, &desc);
    if (s != SEC_E_OK)
        return (int)fail_status(t, "cannot send close_notify", s);
    size_t extra;
    s = step(t, STEP_NO_INPUT, &extra);
    if (FAILED(s))
        return (int)fail_status(t, "cannot send close_notify", s);
    return 0;
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
    CtxtHandle *ctx = (CtxtHandle *)&t->ctx;
    SecPkgContext_ConnectionInfo ci;
    if (QueryContextAttributes(ctx, SECPKG_ATTR_CONNECTION_INFO, &ci) == SEC_E_OK) {
        const char *v = "unknown";
        if (ci.dwProtocol & SP_PROT_TLS1_3)
            v = "TLSv1.3";
        else if (ci.dwProtocol & SP_PROT_TLS1_2)
            v = "TLSv1.2";
        se_tls_copy(info->version, sizeof info->version, v);
        const char *c = "unknown";
        if (ci.aiCipher == CALG_AES_256)
            c = "AES-256";
        else if (ci.aiCipher == CALG_AES_128)
            c = "AES-128";
        se_tls_copy(info->cipher, sizeof info->cipher, c);
    }
    SecPkgContext_CipherInfo cipher;
    if (QueryContextAttributes(ctx, SECPKG_ATTR_CIPHER_INFO, &cipher) == SEC_E_OK &&
        cipher.dwCipherSuite != 0)
        WideCharToMultiByte(CP_UTF8, 0, cipher.szCipherSuite, -1, info->cipher,
                            (int)sizeof info->cipher, NULL, NULL);
    SecPkgContext_ApplicationProtocol ap;
    if (t->cfg->alpn_len &&
        QueryContextAttributes(ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &ap) == SEC_E_OK &&
        ap.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_Success &&
        ap.ProtocolIdSize < sizeof info->alpn) {
        memcpy(info->alpn, ap.ProtocolId, ap.ProtocolIdSize);
        info->alpn[ap.ProtocolIdSize] = '\0';
    }
    PCCERT_CONTEXT cert = NULL;
    if (QueryContextAttributes(ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (PVOID)&cert) == SEC_E_OK &&
        cert) {
        CertNameToStrA(X509_ASN_ENCODING, &cert->pCertInfo->Subject,
                       CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG, info->peer_subject,
                       (DWORD)sizeof info->peer_subject);
        se_schannel_fingerprint(cert, info->peer_fingerprint, sizeof info->peer_fingerprint);
        CertFreeCertificateContext(cert);
    }
    SecPkgContext_SessionInfo si;
    if (QueryContextAttributes(ctx, SECPKG_ATTR_SESSION_INFO, &si) == SEC_E_OK)
        info->resumed = (si.dwFlags & SSL_SESSION_RECONNECT) != 0;
    info->verified = !t->cfg->server && !t->cfg->insecure;
    info->handshake_ns = t->handshake_ns;
}
