/* HTTP/1.x request heads; see http_request.h. Each call looks at the whole
 * buffer again: heads are small (bounded by MAX) and a connection calls it
 * once per read. */
#include "metrics/http_request.h"

#include <string.h>

/* RFC 9110 tchar: the characters of a method or a header name. */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A visible character of a target (no space, no control, ASCII). */
static int is_vchar(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* Checks the request line LINE[0..LEN) (LEN may stop before its end when
 * COMPLETE is 0). */
static se_http_status request_line(const char *line, size_t len, int complete, se_http_request *req)
{
    static const char version[] = "HTTP/1.";
    size_t i = 0, m, t;
    while (i < len && is_tchar((unsigned char)line[i]))
        i++;
    m = i;
    if (m > SE_HTTP_METHOD_MAX)
        return SE_HTTP_BAD;
    if (i == len)
        return complete ? SE_HTTP_BAD : SE_HTTP_INCOMPLETE;
    if (m == 0 || line[i] != ' ')
        return SE_HTTP_BAD;
    i++;
    if (i < len && line[i] != '/')
        return SE_HTTP_BAD;
    size_t target = i;
    while (i < len && is_vchar((unsigned char)line[i]))
        i++;
    t = i - target;
    if (t > SE_HTTP_TARGET_MAX)
        return SE_HTTP_TOO_LARGE;
    if (i == len)
        return complete ? SE_HTTP_BAD : SE_HTTP_INCOMPLETE;
    if (line[i] != ' ' || t == 0)
        return SE_HTTP_BAD;
    i++;
    /* "HTTP/1." then one digit, then the end of the line. */
    size_t rest = len - i;
    size_t cmp = rest < sizeof version - 1 ? rest : sizeof version - 1;
    if (memcmp(line + i, version, cmp) != 0)
        return SE_HTTP_BAD;
    if (rest > sizeof version - 1 && (line[i + 7] < '0' || line[i + 7] > '9'))
        return SE_HTTP_BAD;
    if (rest > sizeof version)
        return SE_HTTP_BAD;
    if (!complete)
        return SE_HTTP_INCOMPLETE;
    if (rest != sizeof version)
        return SE_HTTP_BAD;
    memcpy(req->method, line, m);
    req->method[m] = '\0';
    memcpy(req->target, line + target, t);
    req->target[t] = '\0';
    return SE_HTTP_COMPLETE;
}

/* A header line LINE[0..LEN) (without its end): NAME ":" value, with no
 * control bytes but tab. */
static int header_ok(const char *line, size_t len, int complete)
{
    size_t i = 0;
    while (i < len && is_tchar((unsigned char)line[i]))
        i++;
    if (i < len && (i == 0 || line[i] != ':'))
        return 0;
    if (i == len && complete)
        return 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 0;
    }
    return 1;
}

se_http_status se_http_parse(const char *buf, size_t len, size_t max, se_http_request *req)
{
    size_t start = 0;
    int first = 1;
    while (start <= len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        if (nl && end + 1 > max)
            return SE_HTTP_TOO_LARGE;
        size_t line_len = end - start;
        if (line_len && buf[end - 1] == '\r')
            line_len--; /* the line's end, or (no '\n' yet) its beginning */
        const char *line = buf + start;
        if (first) {
            se_http_status s = request_line(line, line_len, nl != NULL, req);
            if (s != SE_HTTP_COMPLETE)
                return s == SE_HTTP_INCOMPLETE && len >= max ? SE_HTTP_TOO_LARGE : s;
            first = 0;
        } else if (nl && line_len == 0) {
            req->head_len = end + 1;
            return SE_HTTP_COMPLETE;
        } else if (!header_ok(line, line_len, nl != NULL)) {
            return SE_HTTP_BAD;
        }
        if (!nl)
            return len >= max ? SE_HTTP_TOO_LARGE : SE_HTTP_INCOMPLETE;
        start = end + 1;
    }
    return len >= max ? SE_HTTP_TOO_LARGE : SE_HTTP_INCOMPLETE;
}
