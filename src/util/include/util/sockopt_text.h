/* The socket options in force (platform/sockopt.h's read-back) as text and
 * as JSON, for the client's, bench's and server's reports. */
#ifndef SOCKECHO_UTIL_SOCKOPT_TEXT_H
#define SOCKECHO_UTIL_SOCKOPT_TEXT_H

#include "platform/sockopt.h"
#include "util/json.h"

#include <stdio.h>

/* "nodelay on, keepalive 30s/5s/4, mss 1000, tos 0xb8 (dscp 46), sndbuf
 * 131072, rcvbuf 131072, device lo" (what the OS cannot tell is left out). */
void se_sockopts_describe(const se_sockopts_state *s, char *buf, size_t size);

/* Why setting option WHAT ("--mss") failed with ERR, in words ("no such
 * network interface" for --bind-device's SE_ENOENT). */
const char *se_sockopt_error_text(const char *what, int err);

/* Writes ,"socket":{...} (the state as a JSON member) to OUT. */
void se_sockopts_json(se_json *j, const se_sockopts_state *s);

#endif
