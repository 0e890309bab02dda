/* The two protocols behind se_tunnel (tunnel.c dispatches to them). */
#ifndef SOCKECHO_TUNNEL_INTERNAL_H
#define SOCKECHO_TUNNEL_INTERNAL_H

#include "conn/tunnel.h"

/* Writes the first request into T->out. */
void se_socks5_start(se_tunnel *t);
void se_http_connect_start(se_tunnel *t);

/* Consume one byte-by-byte step: append what the protocol needs from DATA,
 * set *CONSUMED, return an SE_TUNNEL_* value. */
int se_socks5_input(se_tunnel *t, const unsigned char *data, size_t len, size_t *consumed);
int se_http_connect_input(se_tunnel *t, const unsigned char *data, size_t len, size_t *consumed);

/* Sets T->reason (printf-style) and returns RC. */
int se_tunnel_fail(se_tunnel *t, int rc, const char *fmt, ...);

#endif
