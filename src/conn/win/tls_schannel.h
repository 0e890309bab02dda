/* Certificates for the Schannel TLS backend (crypt32): loading, making,
 * checking (private to the connection layer). */
#ifndef SOCKECHO_CONN_TLS_SCHANNEL_H
#define SOCKECHO_CONN_TLS_SCHANNEL_H

/* CERT_CHAIN_ENGINE_CONFIG's hExclusiveRoot is Windows 7's. */
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#define SCHANNEL_USE_BLACKLISTS
#define SECURITY_WIN32

#include "platform/platform.h"

#include <subauth.h>
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>

#include <stddef.h>

/* Every "BEGIN CERTIFICATE" block of the PEM file PATH, in a new memory
 * store *OUT. Returns 0, or SE_EINVAL with one line in ERR. */
int se_schannel_load_ca(const char *path, HCERTSTORE *out, char *err, size_t errlen);

/* The first certificate with a private key of the PKCS#12 file PATH (no
 * password). Returns 0, or SE_EINVAL with one line in ERR. */
int se_schannel_load_pfx(const char *path, PCCERT_CONTEXT *out, char *err, size_t errlen);

/* A new self-signed certificate for CN=localhost with a fresh RSA key in
 * this user's key container "sockecho-ephemeral". */
int se_schannel_ephemeral_cert(PCCERT_CONTEXT *out, char *err, size_t errlen);

/* Checks the peer certificate of CTX: its chain against the system store,
 * or against CA's certificates alone as roots, and SERVERNAME. Returns 0,
 * or -1 with the reason in REASON ("certificate has expired",
 * "hostname mismatch", ...). */
int se_schannel_verify(CtxtHandle *ctx, HCERTSTORE ca, const char *servername, char *reason,
                       size_t reason_len);

/* SHA-256 fingerprint "AB:CD:..." of CERT into OUT; "" on failure. */
void se_schannel_fingerprint(PCCERT_CONTEXT cert, char *out, size_t cap);

#endif
