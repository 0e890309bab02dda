/* Certificates for the Schannel TLS backend; see tls_schannel.h.
 *
 * The server's certificate is checked here, not by Schannel
 * (SCH_CRED_MANUAL_CRED_VALIDATION): Wine's Schannel never checks one. The
 * chain is built with CertGetCertificateChain (against the system store,
 * or only the --tls-ca file's certificates as roots) and checked with
 * CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, server name), as
 * curl does. */
#include "tls_schannel.h"

#include "../tls_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file PATH, NUL-terminated; *LEN its size. NULL on failure. */
static char *read_file(const char *path, size_t *len)
{
    int err = 0;
    FILE *f = se_file_open_read(path, &err);
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *data = malloc(cap);
    while (data) {
        n += fread(data + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *more = cap < (64u << 20) ? realloc(data, cap * 2) : NULL;
        if (!more)
            free(data);
        data = more;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!data || failed) {
        free(data);
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

int se_schannel_load_ca(const char *path, HCERTSTORE *out, char *err, size_t errlen)
{
    size_t len = 0;
    char *pem = read_file(path, &len);
    if (!pem) {
        snprintf(err, errlen, "cannot load CA file %s: cannot read it", path);
        return SE_EINVAL;
    }
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    int count = 0;
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    for (char *p = strstr(pem, begin); store && p; p = strstr(p, begin)) {
        char *e = strstr(p, end);
        if (!e)
            break;
        e += sizeof end - 1;
        BYTE der[16384];
        DWORD der_len = sizeof der;
        if (CryptStringToBinaryA(p, (DWORD)(e - p), CRYPT_STRING_BASE64HEADER, der, &der_len, NULL,
                                 NULL) &&
            CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, der_len,
                                             CERT_STORE_ADD_ALWAYS, NULL))
            count++;
        p = e;
    }
    free(pem);
    if (!count) {
        if (store)
            CertCloseStore(store, 0);
        snprintf(err, errlen, "cannot load CA file %s: no PEM certificate in it", path);
        return SE_EINVAL;
    }
    *out = store;
    return 0;
}

int se_schannel_load_pfx(const char *path, PCCERT_CONTEXT *out, char *err, size_t errlen)
{
    size_t len = 0;
    char *data = read_file(path, &len);
    if (!data) {
        snprintf(err, errlen, "cannot load certificate %s: cannot read it", path);
        return SE_EINVAL;
    }
    CRYPT_DATA_BLOB blob = {(DWORD)len, (BYTE *)data};
    HCERTSTORE store = PFXImportCertStore(&blob, L"", CRYPT_USER_KEYSET);
    free(data);
    PCCERT_CONTEXT c = NULL;
    *out = NULL;
    while (store && (c = CertEnumCertificatesInStore(store, c)) != NULL) {
        DWORD size = 0;
        if (CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size)) {
            *out = CertDuplicateCertificateContext(c);
            CertFreeCertificateContext(c);
            break;
        }
    }
    if (store)
        CertCloseStore(store, 0);
    if (!*out) {
        snprintf(err, errlen,
                 "cannot load certificate %s: not a PKCS#12 file with a certificate and its key "
                 "(on Windows --tls-cert takes a .pfx file)",
                 path);
        return SE_EINVAL;
    }
    return 0;
}

int se_schannel_ephemeral_cert(PCCERT_CONTEXT *out, char *err, size_t errlen)
{
    static const WCHAR container[] = L"sockecho-ephemeral";
    HCRYPTPROV prov = 0;
    HCRYPTKEY key = 0;
    *out = NULL;
    if (!CryptAcquireContextW(&prov, container, NULL, PROV_RSA_AES, CRYPT_NEWKEYSET) &&
        !CryptAcquireContextW(&prov, container, NULL, PROV_RSA_AES, 0)) {
        snprintf(err, errlen, "cannot generate a self-signed certificate: no key container");
        return SE_EINVAL;
    }
    int ok = CryptGenKey(prov, AT_KEYEXCHANGE, (2048u << 16) | CRYPT_EXPORTABLE, &key);
    BYTE name[256];
    DWORD name_len = sizeof name;
    ok = ok && CertStrToNameA(X509_ASN_ENCODING, "CN=localhost", CERT_X500_NAME_STR, NULL, name,
                              &name_len, NULL);
    if (ok) {
        CERT_NAME_BLOB subject = {name_len, name};
        CRYPT_KEY_PROV_INFO info = {0};
        info.pwszContainerName = (LPWSTR)container;
        info.dwProvType = PROV_RSA_AES;
        info.dwKeySpec = AT_KEYEXCHANGE;
        CRYPT_ALGORITHM_IDENTIFIER alg = {(LPSTR)szOID_RSA_SHA256RSA, {0, NULL}};
        *out = CertCreateSelfSignCertificate(prov, &subject, 0, &info, &alg, NULL, NULL, NULL);
    }
    if (key)
        CryptDestroyKey(key);
    CryptReleaseContext(prov, 0);
    if (!*out) {
        snprintf(err, errlen, "cannot generate a self-signed certificate (error %lu)",
                 (unsigned long)GetLastError());
        return SE_EINVAL;
    }
    return 0;
}

/* The reason for a chain policy error, in the words OpenSSL uses. */
static void policy_reason(DWORD error, PCCERT_CHAIN_CONTEXT chain, char *out, size_t cap)
{
    int partial = (chain->TrustStatus.dwErrorStatus & CERT_TRUST_IS_PARTIAL_CHAIN) != 0;
    int self_signed = chain->cChain > 0 && chain->rgpChain[0]->cElement == 1 && !partial;
    switch ((HRESULT)error) {
    case CERT_E_EXPIRED:
        snprintf(out, cap, "certificate has expired");
        break;
    case CERT_E_CN_NO_MATCH:
        snprintf(out, cap, "hostname mismatch");
        break;
    case CERT_E_UNTRUSTEDROOT:
    case CERT_E_CHAINING:
        snprintf(out, cap, "%s",
                 self_signed ? "self-signed certificate"
                             : "unable to get local issuer certificate");
        break;
    default:
        snprintf(out, cap, "certificate rejected (0x%08lx)", (unsigned long)error);
    }
}

int se_schannel_verify(CtxtHandle *ctx, HCERTSTORE ca, const char *servername, char *reason,
                       size_t reason_len)
{
    PCCERT_CONTEXT cert = NULL;
    SECURITY_STATUS s = QueryContextAttributes(ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (PVOID)&cert);
    if (s != SEC_E_OK || !cert) {
        snprintf(reason, reason_len, "the server sent no certificate");
        return -1;
    }
    HCERTCHAINENGINE engine = NULL;
    if (ca) {
        CERT_CHAIN_ENGINE_CONFIG ec = {0};
        /* Windows 7's layout (80 bytes, _WIN32_WINNT in tls_schannel.h):
         * Wine refuses Windows 8's longer one; Windows takes both. */
        ec.cbSize = sizeof ec;
        ec.hExclusiveRoot = ca;
        if (!CertCreateCertificateChainEngine(&ec, &engine)) {
            CertFreeCertificateContext(cert);
            snprintf(reason, reason_len, "cannot use the CA file's certificates");
            return -1;
        }
    }
    CERT_CHAIN_PARA para = {0};
    para.cbSize = sizeof para;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    int rc = 0;
    if (!CertGetCertificateChain(engine, cert, NULL, cert->hCertStore, &para, 0, NULL, &chain)) {
        snprintf(reason, reason_len, "cannot build the certificate chain");
        rc = -1;
    } else {
        WCHAR wname[256] = {0};
        if (servername)
            MultiByteToWideChar(CP_UTF8, 0, servername, -1, wname, 255);
        SSL_EXTRA_CERT_CHAIN_POLICY_PARA extra = {0};
        extra.cbSize = sizeof extra;
        extra.dwAuthType = AUTHTYPE_SERVER;
        extra.pwszServerName = wname;
        CERT_CHAIN_POLICY_PARA policy = {0};
        policy.cbSize = sizeof policy;
        policy.pvExtraPolicyPara = &extra;
        CERT_CHAIN_POLICY_STATUS status = {0};
        status.cbSize = sizeof status;
        int ok = CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy, &status);
        /* Wine's SSL policy passes a chain that ends below any root
         * (CERT_TRUST_IS_PARTIAL_CHAIN): refuse it here. */
        if (ok && !status.dwError &&
            (chain->TrustStatus.dwErrorStatus &
             (CERT_TRUST_IS_PARTIAL_CHAIN | CERT_TRUST_IS_UNTRUSTED_ROOT)))
            status.dwError = (DWORD)CERT_E_CHAINING;
        if (!ok) {
            snprintf(reason, reason_len, "cannot check the certificate chain");
            rc = -1;
        } else if (status.dwError) {
            policy_reason(status.dwError, chain, reason, reason_len);
            rc = -1;
        }
        CertFreeCertificateChain(chain);
    }
    if (engine)
        CertFreeCertificateChainEngine(engine);
    CertFreeCertificateContext(cert);
    return rc;
}

void se_schannel_fingerprint(PCCERT_CONTEXT cert, char *out, size_t cap)
{
    BYTE md[32];
    DWORD len = sizeof md;
    if (!cert || !CryptHashCertificate2(L"SHA256", 0, NULL, cert->pbCertEncoded,
                                        cert->cbCertEncoded, md, &len))
        len = 0;
    se_tls_hex_colons(md, len, out, cap);
}
