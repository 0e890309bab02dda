/* Helpers shared by the TLS backends. */
#include "tls_text.h"

#include "platform/platform.h"

#include <stdio.h>
#include <string.h>

size_t se_tls_alpn_wire(const char *list, unsigned char *out, size_t cap)
{
    size_t n = 0;
    if (!list || !*list)
        return 0;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len > 255 || n + 1 + len > cap)
            return 0;
        out[n++] = (unsigned char)len;
        memcpy(out + n, p, len);
        n += len;
        if (!end)
            return n;
        p = end + 1;
    }
}

void se_tls_hex_colons(const unsigned char *digest, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    if (cap < 3 * len || len == 0) {
        if (cap)
            out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < len; i++) {
        out[3 * i] = hex[digest[i] >> 4];
        out[3 * i + 1] = hex[digest[i] & 15];
        out[3 * i + 2] = i + 1 < len ? ':' : '\0';
    }
}

void se_tls_copy(char *dst, size_t cap, const char *src)
{
    if (!cap)
        return;
    size_t len = src ? strlen(src) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy(dst, src, len);
    dst[len] = '\0';
}

int se_tls_check_file(const char *what, const char *path, char *err, size_t errlen)
{
    int code = 0;
    FILE *f = se_file_open_read(path, &code);
    if (!f) {
        snprintf(err, errlen, "%s %s: %s", what, path, se_strerror(code));
        return SE_EINVAL;
    }
    fclose(f);
    return 0;
}

int se_tls_is_ip_literal(const char *name)
{
    if (strchr(name, ':'))
        return 1; /* only an IPv6 literal has a colon */
    int dots = 0;
    for (const char *p = name; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            return 0;
    }
    return dots == 3;
}
