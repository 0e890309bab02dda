/* TLS configuration, shared by the TLS sessions of one side: options,
 * certificates, trust, the client's resumable session. Built by the
 * commands from their options and handed to conn/tls_filter.h.
 *
 * A config may be used by the connections of several threads at once. */
#ifndef SOCKECHO_CONN_TLS_CONFIG_H
#define SOCKECHO_CONN_TLS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct se_tls_config se_tls_config;

/* Longest text of an error reason, a name or a fingerprint, with its NUL. */
#define SE_TLS_TEXT 256

typedef struct se_tls_options {
    int server; /* 1: accept handshakes, 0: start them */
    /* Server: certificate chain and private key (PEM; with Schannel also a
     * PKCS#12 .pfx in CERT_FILE). Both NULL: an ephemeral self-signed
     * certificate for "localhost", 127.0.0.1 and ::1 is generated. */
    const char *cert_file;
    const char *key_file;
    /* Client: the trusted CAs (PEM); NULL: the system store. */
    const char *ca_file;
    int insecure;     /* client: no certificate or name verification */
    const char *alpn; /* comma-separated protocols ("h2,http/1.1"); NULL: none */
    int min_version;  /* 12 or 13 (TLS 1.2 / 1.3); 0: 12 */
    int resume;       /* client: offer the last session of this config again */
} se_tls_options;

typedef struct se_tls_info {
    char version[16];                   /* "TLSv1.3" */
    char cipher[64];                    /* "TLS_AES_256_GCM_SHA384" */
    char alpn[64];                      /* "" when none was agreed */
    char peer_subject[SE_TLS_TEXT];     /* "CN=localhost"; "" without one */
    char peer_fingerprint[SE_TLS_TEXT]; /* SHA-256, "AB:CD:..."; "" without one */
    uint64_t handshake_ns;              /* from se_tls_new to the end of the handshake */
    int resumed;                        /* 1: an earlier session was resumed */
    int verified; /* 1: the peer's certificate and name were checked (not --tls-insecure) */
} se_tls_info;

/* The backend's name ("OpenSSL 3.0.19", "Schannel") or NULL when TLS is not
 * compiled in. */
const char *se_tls_backend(void);

/* Builds a config from OPT (copied). Returns 0 and *OUT, or an error code
 * (SE_ENOSYS: not compiled in or not supported here; SE_EINVAL: a file or
 * option was refused) with one line naming the problem in ERR. */
int se_tls_config_new(const se_tls_options *opt, se_tls_config **out, char *err, size_t errlen);

/* Frees CFG once no session uses it any more. NULL is ignored. */
void se_tls_config_free(se_tls_config *cfg);

/* Runs one handshake in memory between the server config SERVER and a
 * client of the same engine. Returns 0, or an error with one line in ERR
 * (SE_ENOSYS: this system's TLS library has no working server side). */
int se_tls_config_selftest(se_tls_config *server, char *err, size_t errlen);

/* SHA-256 fingerprint ("AB:CD:...") of a server config's certificate; ""
 * for a client config. Valid while CFG lives. */
const char *se_tls_config_fingerprint(const se_tls_config *cfg);

#endif
