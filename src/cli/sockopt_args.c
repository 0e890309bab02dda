/* The shared socket option flags; see sockopt_args.h. */
#include "cli/sockopt_args.h"
#include "cli/commands.h"

#include <stdlib.h>
#include <string.h>

/* "IDLE[,INTERVAL[,COUNT]]": durations of whole seconds, then a count. */
static int parse_keepalive(const char *text, se_keepalive *ka, char *err, size_t err_size)
{
    char buf[96];
    if (strlen(text) >= sizeof buf) {
        snprintf(err, err_size, "too long");
        return -1;
    }
    strcpy(buf, text);
    char *part[3] = {buf, NULL, NULL};
    for (int i = 0; i < 2 && part[i]; i++) {
        char *comma = strchr(part[i], ',');
        if (comma) {
            *comma = '\0';
            part[i + 1] = comma + 1;
        }
    }
    if (part[2] && strchr(part[2], ',')) {
        snprintf(err, err_size, "IDLE[,INTERVAL[,COUNT]] takes at most three values");
        return -1;
    }
    int *seconds[2] = {&ka->idle_s, &ka->interval_s};
    for (int i = 0; i < 2 && part[i]; i++) {
        uint64_t ms;
        if (se_parse_duration_ms(part[i], 24ull * 3600 * 1000, &ms, err, err_size))
            return -1;
        if (ms < 1000 || ms % 1000) {
            snprintf(err, err_size, "'%.20s': whole seconds, at least 1s", part[i]);
            return -1;
        }
        *seconds[i] = (int)(ms / 1000);
    }
    if (part[2]) {
        uint64_t n;
        if (se_parse_uint(part[2], 1, 255, &n, err, err_size))
            return -1;
        ka->count = (int)n;
    }
    return 0;
}

int se_sockopt_arg(int id, const se_args *args, se_sockopts *o)
{
    char err[160];
    const char *v = args->value;
    uint64_t n;
    switch (id) {
    case SE_OPT_NODELAY:
    case SE_OPT_NO_NODELAY:
        o->nodelay = id == SE_OPT_NODELAY ? 1 : -1;
        return 1;
    case SE_OPT_KEEPALIVE:
        memset(&o->ka, 0, sizeof o->ka);
        if (parse_keepalive(v, &o->ka, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        o->keepalive = 1;
        return 1;
    case SE_OPT_MSS:
        if (se_parse_uint(v, 88, 65535, &n, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        o->mss = (int)n;
        return 1;
    case SE_OPT_TOS:
        if (se_parse_uint(v, 0, 255, &n, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        o->tos = (int)n;
        return 1;
    case SE_OPT_DSCP: {
        int dscp;
        if (se_dscp_parse(v, &dscp))
            return se_usage_error("%s: '%.20s' is not a DSCP name (ef, af11-af43, cs0-cs7, le, "
                                  "va) or a number 0-63",
                                  args->name, v);
        o->tos = dscp << 2;
        return 1;
    }
    case SE_OPT_SNDBUF:
    case SE_OPT_RCVBUF:
        if (se_parse_bytes(v, 1024, 1ull << 30, &n, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        *(id == SE_OPT_SNDBUF ? &o->sndbuf : &o->rcvbuf) = (int)n;
        return 1;
    case SE_OPT_BIND_DEVICE:
        if (!v[0] || strlen(v) >= 16)
            return se_usage_error("%s: an interface name of 1-15 characters", args->name);
        o->device = v;
        return 1;
    default:
        return 0;
    }
}
