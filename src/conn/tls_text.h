/* Helpers shared by the TLS backends (private to the connection layer). */
#ifndef SOCKECHO_CONN_TLS_TEXT_H
#define SOCKECHO_CONN_TLS_TEXT_H

#include <stddef.h>

/* Converts a comma-separated ALPN list ("h2,http/1.1") into the wire format
 * (each name preceded by its length) in OUT, of CAP bytes. Returns the
 * length, or 0 when LIST is empty, a name is empty or longer than 255
 * bytes, or the result does not fit. */
size_t se_tls_alpn_wire(const char *list, unsigned char *out, size_t cap);

/* Formats LEN bytes of DIGEST as "AB:CD:..." into OUT (3 * LEN bytes at
 * least); OUT is "" when it does not fit. */
void se_tls_hex_colons(const unsigned char *digest, size_t len, char *out, size_t cap);

/* Copies SRC into DST of CAP bytes, cut to fit, always terminated. */
void se_tls_copy(char *dst, size_t cap, const char *src);

/* 0 when PATH can be opened for reading; otherwise SE_EINVAL and
 * "WHAT PATH: REASON" in ERR ("cannot load CA file x.pem: No such file or
 * directory"). */
int se_tls_check_file(const char *what, const char *path, char *err, size_t errlen);

/* 1 when NAME is an IPv4 or IPv6 literal (then it is no SNI name). */
int se_tls_is_ip_literal(const char *name);

#endif
