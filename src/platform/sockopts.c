/* A program's socket options applied and read back as a set, on every OS
 * (through the per-OS getters and setters of sockopt.c). */
#include "platform/sockopt.h"

#include <string.h>

int se_sockopts_apply(se_socket sock, int family, const se_sockopts *o, const char **what)
{
    int err = 0;
    if (o->nodelay && (err = se_sockopt_set_nodelay(sock, o->nodelay > 0)) != 0)
        *what = o->nodelay > 0 ? "--nodelay" : "--no-nodelay";
    else if (o->keepalive && (err = se_sockopt_set_keepalive(sock, &o->ka)) != 0)
        *what = "--keepalive";
    else if (o->mss && (err = se_sockopt_set_mss(sock, o->mss)) != 0)
        *what = "--mss";
    else if (o->tos >= 0 && (err = se_sockopt_set_tos(sock, family, o->tos)) != 0)
        *what = "--tos";
    else if (o->sndbuf && (err = se_sockopt_set_sndbuf(sock, o->sndbuf)) != 0)
        *what = "--sndbuf";
    else if (o->rcvbuf && (err = se_sockopt_set_rcvbuf(sock, o->rcvbuf)) != 0)
        *what = "--rcvbuf";
    else if (o->device && (err = se_sockopt_bind_device(sock, o->device)) != 0)
        *what = "--bind-device";
    return err;
}

void se_sockopts_read(se_socket sock, int family, se_sockopts_state *out)
{
    memset(out, 0, sizeof *out);
    if (se_sockopt_get_nodelay(sock, &out->nodelay))
        out->nodelay = -1;
    if (se_sockopt_get_keepalive(sock, &out->keepalive, &out->ka)) {
        out->keepalive = -1;
        out->ka.idle_s = out->ka.interval_s = out->ka.count = -1;
    }
    if (se_sockopt_get_mss(sock, &out->mss))
        out->mss = -1;
    if (se_sockopt_get_tos(sock, family, &out->tos))
        out->tos = -1;
    if (se_sockopt_get_sndbuf(sock, &out->sndbuf))
        out->sndbuf = -1;
    if (se_sockopt_get_rcvbuf(sock, &out->rcvbuf))
        out->rcvbuf = -1;
    if (se_sockopt_get_device(sock, out->device, sizeof out->device))
        out->device[0] = '\0';
}

int se_sockopts_given(const se_sockopts *o)
{
    return o->nodelay || o->keepalive || o->mss || o->tos >= 0 || o->sndbuf || o->rcvbuf ||
           o->device;
}
