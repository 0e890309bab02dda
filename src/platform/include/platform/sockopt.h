/* Socket options: TCP_NODELAY, keepalive timing, MSS, TOS / traffic class,
 * buffer sizes and (Linux) binding to a device. Each setter has a getter that
 * reads the value back from the kernel (getsockopt), so that what is in force
 * can be shown and tested. All return 0 or a negative SE_E* code; SE_ENOSYS
 * where the OS has no such option. Implemented in posix/sockopt.c and
 * win/sockopt.c. */
#ifndef SOCKECHO_SOCKOPT_H
#define SOCKECHO_SOCKOPT_H

#include "platform/platform.h"

/* TCP_NODELAY: ON nonzero sends small segments at once (no Nagle). */
int se_sockopt_set_nodelay(se_socket sock, int on);
int se_sockopt_get_nodelay(se_socket sock, int *on);

/* TCP keepalive: probes after IDLE_S seconds of silence, then every
 * INTERVAL_S seconds, COUNT unanswered probes before the connection is
 * dropped. 0 in INTERVAL_S or COUNT leaves the system's default. */
typedef struct se_keepalive {
    int idle_s;
    int interval_s;
    int count;
} se_keepalive;

/* Enables keepalive (SO_KEEPALIVE) with KA's timing. SE_ENOSYS when a
 * part of the timing cannot be set here (see win/sockopt.c). */
int se_sockopt_set_keepalive(se_socket sock, const se_keepalive *ka);

/* *ENABLED: SO_KEEPALIVE; *KA: the timing in force (system defaults where
 * none was set), -1 in a field the OS cannot read back. */
int se_sockopt_get_keepalive(se_socket sock, int *enabled, se_keepalive *ka);

/* TCP_MAXSEG: caps the segment size (set before connect or listen; the
 * kernel may lower it further once connected). */
int se_sockopt_set_mss(se_socket sock, int mss);
int se_sockopt_get_mss(se_socket sock, int *mss);

/* The IP TOS byte (IPv4 IP_TOS; IPv6 IPV6_TCLASS, and IP_TOS too where the
 * OS applies it to IPv4-mapped traffic) of a socket of FAMILY. The DSCP
 * value is TOS >> 2. */
int se_sockopt_set_tos(se_socket sock, int family, int tos);
int se_sockopt_get_tos(se_socket sock, int family, int *tos);

/* SO_SNDBUF / SO_RCVBUF. The read-back is the kernel's size, which may
 * differ from the request (Linux doubles it for bookkeeping). */
int se_sockopt_set_sndbuf(se_socket sock, int bytes);
int se_sockopt_get_sndbuf(se_socket sock, int *bytes);
int se_sockopt_set_rcvbuf(se_socket sock, int bytes);
int se_sockopt_get_rcvbuf(se_socket sock, int *bytes);

/* SO_BINDTODEVICE (Linux): the socket only uses interface IFNAME.
 * SE_ENOENT for an unknown interface, SE_EACCES without the privilege,
 * SE_ENOSYS elsewhere. The getter writes "" when the socket is unbound. */
int se_sockopt_bind_device(se_socket sock, const char *ifname);
int se_sockopt_get_device(se_socket sock, char *buf, size_t size);

/* A set of options to apply to every socket of a program (its command
 * line). Zero-initialised, it changes nothing. */
typedef struct se_sockopts {
    int nodelay;   /* 0: leave; 1: TCP_NODELAY on; -1: off */
    int keepalive; /* nonzero: enable, with KA's timing */
    se_keepalive ka;
    int mss;            /* 0: leave */
    int tos;            /* -1: leave; else the TOS byte */
    int sndbuf, rcvbuf; /* 0: leave */
    const char *device; /* NULL: leave */
} se_sockopts;

/* Nonzero when O sets anything. */
int se_sockopts_given(const se_sockopts *o);

/* Applies every option O sets to SOCK (of FAMILY). Returns 0, or the first
 * failure's error with *WHAT naming its option ("--mss"). */
int se_sockopts_apply(se_socket sock, int family, const se_sockopts *o, const char **what);

/* The options in force on a socket, read back; -1 where the OS cannot
 * tell (see the getters). */
typedef struct se_sockopts_state {
    int nodelay;
    int keepalive; /* SO_KEEPALIVE */
    se_keepalive ka;
    int mss, tos, sndbuf, rcvbuf;
    char device[32]; /* "" when not bound to one */
} se_sockopts_state;

/* Reads SOCK's options (of FAMILY) into *OUT. */
void se_sockopts_read(se_socket sock, int family, se_sockopts_state *out);

/* DSCP: "ef", "af11".."af43", "cs0".."cs7", "le", "va" or a number 0..63
 * into *DSCP. Returns 0 or -1 for anything else. */
int se_dscp_parse(const char *text, int *dscp);

#endif
