/* Socket options as text and JSON; see sockopt_text.h. */
#include "util/sockopt_text.h"
#include "util/json.h"

#include <string.h>

void se_sockopts_describe(const se_sockopts_state *s, char *buf, size_t size)
{
    size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < size)                                                                              \
            n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__);                                 \
    } while (0)
    buf[0] = '\0';
    if (s->nodelay >= 0)
        ADD("nodelay %s", s->nodelay ? "on" : "off");
    if (s->keepalive == 0)
        ADD(", keepalive off");
    else if (s->keepalive > 0 && s->ka.idle_s >= 0)
        ADD(", keepalive %ds/%ds/%d", s->ka.idle_s, s->ka.interval_s, s->ka.count);
    else if (s->keepalive > 0)
        ADD(", keepalive on");
    if (s->mss >= 0)
        ADD(", mss %d", s->mss);
    if (s->tos >= 0)
        ADD(", tos 0x%02x (dscp %d)", s->tos, s->tos >> 2);
    if (s->sndbuf >= 0)
        ADD(", sndbuf %d", s->sndbuf);
    if (s->rcvbuf >= 0)
        ADD(", rcvbuf %d", s->rcvbuf);
    if (s->device[0])
        ADD(", device %s", s->device);
#undef ADD
}

/* NAME and VALUE as a JSON member (null when the OS cannot tell). */
static void json_int(FILE *out, const char *sep, const char *name, int value)
{
    if (value < 0)
        fprintf(out, "%s\"%s\":null", sep, name);
    else
        fprintf(out, "%s\"%s\":%d", sep, name, value);
}

void se_sockopts_json(FILE *out, const se_sockopts_state *s)
{
    fprintf(out, ",\"socket\":{\"nodelay\":%s",
            s->nodelay < 0 ? "null"
            : s->nodelay   ? "true"
                           : "false");
    if (s->keepalive < 0) {
        fprintf(out, ",\"keepalive\":null");
    } else if (!s->keepalive) {
        fprintf(out, ",\"keepalive\":false");
    } else {
        fprintf(out, ",\"keepalive\":{");
        json_int(out, "", "idle_s", s->ka.idle_s);
        json_int(out, ",", "interval_s", s->ka.interval_s);
        json_int(out, ",", "count", s->ka.count);
        fprintf(out, "}");
    }
    json_int(out, ",", "mss", s->mss);
    json_int(out, ",", "tos", s->tos);
    json_int(out, ",", "sndbuf", s->sndbuf);
    json_int(out, ",", "rcvbuf", s->rcvbuf);
    fprintf(out, ",\"device\":");
    if (s->device[0])
        se_json_string(out, s->device);
    else
        fprintf(out, "null");
    fprintf(out, "}");
}

const char *se_sockopt_error_text(const char *what, int err)
{
    if (err == SE_ENOENT && strcmp(what, "--bind-device") == 0)
        return "no such network interface";
    if (err == SE_ENOSYS)
        return "not supported on this system";
    return se_strerror(err);
}
