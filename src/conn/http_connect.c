/* HTTP CONNECT client handshake (RFC 9110 section 9.3.6), with Basic
 * proxy authentication. */
#include "tunnel_internal.h"

#include <string.h>

/* Reply headers longer than this are refused as not HTTP. */
#define REPLY_MAX 16384

enum { H_REPLY = 1, H_DONE };

static size_t base64(const char *in, size_t len, char *out)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)in[i + 2];
        out[n++] = table[(v >> 18) & 63];
        out[n++] = table[(v >> 12) & 63];
        out[n++] = i + 1 < len ? table[(v >> 6) & 63] : '=';
        out[n++] = i + 2 < len ? table[v & 63] : '=';
    }
    out[n] = '\0';
    return n;
}

void se_http_connect_start(se_tunnel *t)
{
    char target[300];
    if (strchr(t->host, ':'))
        snprintf(target, sizeof target, "[%s]:%d", t->host, t->port);
    else
        snprintf(target, sizeof target, "%s:%d", t->host, t->port);
    char *o = (char *)t->out;
    size_t size = sizeof t->out;
    int n = snprintf(o, size, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", target, target);
    if (t->proxy->has_credentials) {
        char cred[2 * SE_PROXY_CRED_MAX + 2], coded[700];
        int c = snprintf(cred, sizeof cred, "%s:%s", t->proxy->user, t->proxy->pass);
        base64(cred, (size_t)c, coded);
        n += snprintf(o + n, size - (size_t)n, "Proxy-Authorization: Basic %s\r\n", coded);
    }
    n += snprintf(o + n, size - (size_t)n, "\r\n");
    t->out_len = (size_t)n;
    t->state = H_REPLY;
}

/* The status line is complete in T->in (without its CRLF). */
static int status(se_tunnel *t)
{
    const char *line = (const char *)t->in;
    if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
        line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
        line[11] > '9' || (line[12] != ' ' && line[12] != '\0'))
        return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                              "HTTP proxy: the reply is not an HTTP/1.x status line");
    int code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (code >= 200 && code <= 299)
        return SE_TUNNEL_DONE;
    const char *text = line[12] ? line + 13 : "";
    if (code == 407)
        return se_tunnel_fail(t, SE_TUNNEL_AUTH_FAILED, "HTTP proxy: %s (%d %s)",
                              t->proxy->has_credentials ? "authentication failed"
                                                        : "authentication required",
                              code, text);
    return se_tunnel_fail(t, SE_TUNNEL_REFUSED, "HTTP proxy: CONNECT refused (%d %s)", code, text);
}

int se_http_connect_input(se_tunnel *t, const unsigned char *data, size_t len, size_t *consumed)
{
    if (t->state == H_DONE)
        return SE_TUNNEL_DONE;
    size_t i = 0;
    while (i < len) {
        unsigned char c = data[i++];
        t->reply_bytes++;
        t->tail = (t->tail << 8) | c;
        if (t->want == 0) { /* still in the status line: keep it */
            if (c == '\n') {
                if (t->in_len == 0 || t->in[t->in_len - 1] != '\r') {
                    *consumed = i;
                    return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                          "HTTP proxy: the reply is not an HTTP/1.x status line");
                }
                t->in[t->in_len - 1] = '\0';
                t->want = 1;
                int rc = status(t);
                if (rc < 0) {
                    *consumed = i;
                    return rc;
                }
            } else if (t->in_len + 1 < sizeof t->in) {
                t->in[t->in_len++] = c;
            } else {
                *consumed = i;
                return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                      "HTTP proxy: the status line is too long");
            }
        } else if (t->tail == 0x0D0A0D0Au) { /* end of the headers */
            t->state = H_DONE;
            *consumed = i;
            return SE_TUNNEL_DONE;
        }
        if (t->reply_bytes >= REPLY_MAX) {
            *consumed = i;
            return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                  "HTTP proxy: reply headers longer than %d bytes", REPLY_MAX);
        }
    }
    *consumed = i;
    return SE_TUNNEL_NEED_MORE;
}
