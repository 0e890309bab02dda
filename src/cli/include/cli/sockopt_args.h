/* The socket option flags client, server and bench share (--nodelay,
 * --keepalive, --mss, --tos, --dscp, --sndbuf, --rcvbuf, --bind-device):
 * their option table entries and their parsing. */
#ifndef SOCKECHO_SOCKOPT_ARGS_H
#define SOCKECHO_SOCKOPT_ARGS_H

#include "cli/options.h"
#include "platform/sockopt.h"
#include "util/sockopt_text.h"

#include <stdio.h>

/* Option ids, above every command's own. */
enum {
    SE_OPT_NODELAY = 1000,
    SE_OPT_NO_NODELAY,
    SE_OPT_KEEPALIVE,
    SE_OPT_MSS,
    SE_OPT_TOS,
    SE_OPT_DSCP,
    SE_OPT_SNDBUF,
    SE_OPT_RCVBUF,
    SE_OPT_BIND_DEVICE
};

/* Entries for a command's se_optdef table. */
#define SE_SOCKOPT_OPTDEFS                                                                         \
    {"nodelay", 0, 0, SE_OPT_NODELAY}, {"no-nodelay", 0, 0, SE_OPT_NO_NODELAY},                    \
        {"keepalive", 0, 1, SE_OPT_KEEPALIVE}, {"mss", 0, 1, SE_OPT_MSS},                          \
        {"tos", 0, 1, SE_OPT_TOS}, {"dscp", 0, 1, SE_OPT_DSCP}, {"sndbuf", 0, 1, SE_OPT_SNDBUF},   \
        {"rcvbuf", 0, 1, SE_OPT_RCVBUF},                                                           \
    {                                                                                              \
        "bind-device", 0, 1, SE_OPT_BIND_DEVICE                                                    \
    }

/* The two --help lines. */
#define SE_SOCKOPT_USAGE                                                                           \
    "      --nodelay, --no-nodelay, --keepalive IDLE, --mss N, --tos N, --dscp NAME,\n"            \
    "      --sndbuf BYTES, --rcvbuf BYTES, --bind-device IFACE: socket options\n"

/* Handles option ID with value V (ARGS names it) into *O. Returns 1 when
 * handled, 0 when ID is not a socket option, or EXIT_USAGE after printing
 * the usage error. */
int se_sockopt_arg(int id, const se_args *args, se_sockopts *o);

#endif
