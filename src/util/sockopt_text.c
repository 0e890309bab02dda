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
/* A member that is null when the option's value could not be read. */
static void json_int(se_json *j, const char *name, int value)
{
    if (value < 0)
        se_json_null(j, name);
    else
        se_json_int(j, name, value);
}

void se_sockopts_json(se_json *j, const se_sockopts_state *s)
{
    se_json_object(j, "socket");
    if (s->nodelay < 0)
        se_json_null(j, "nodelay");
    else
        se_json_bool(j, "nodelay", s->nodelay);
    if (s->keepalive < 0) {
        se_json_null(j, "keepalive");
    } else if (!s->keepalive) {
        se_json_bool(j, "keepalive", 0);
    } else {
        se_json_object(j, "keepalive");
        json_int(j, "idle_s", s->ka.idle_s);
        json_int(j, "interval_s", s->ka.interval_s);
        json_int(j, "count", s->ka.count);
        se_json_close(j);
    }
    json_int(j, "mss", s->mss);
    json_int(j, "tos", s->tos);
    json_int(j, "sndbuf", s->sndbuf);
    json_int(j, "rcvbuf", s->rcvbuf);
    se_json_str(j, "device", s->device[0] ? s->device : NULL);
    se_json_close(j);
}

const char *se_sockopt_error_text(const char *what, int err)
{
    if (err == SE_ENOENT && strcmp(what, "--bind-device") == 0)
        return "no such network interface";
    if (err == SE_ENOSYS)
        return "not supported on this system";
    return se_strerror(err);
}
