/* A client's tunnel through a SOCKS5 or HTTP CONNECT proxy (conn/tunnel.h)
 * as a filter: the connection is made to the proxy, and is OPEN once the
 * proxy has connected it to the destination. */
#ifndef SOCKECHO_CONN_TUNNEL_FILTER_H
#define SOCKECHO_CONN_TUNNEL_FILTER_H

#include "conn/conn.h"
#include "conn/tunnel.h"

/* Pushes a tunnel filter on CONN (before se_conn_connect, which then
 * connects to the proxy) towards the destination HOST / ADDR and PORT, as
 * se_tunnel_start() takes them. PROXY is borrowed. *OUT (may be NULL)
 * receives the tunnel, valid until on_close, to read its result and reason
 * after a failure: the connection then fails with SE_ECONNREFUSED (the
 * proxy refused, or closed), SE_EACCES (authentication) or SE_EINVAL (not
 * the expected protocol). Returns 0, SE_EINVAL or SE_ENOMEM. */
int se_conn_push_tunnel(se_conn *conn, const se_proxy_url *proxy, const char *host,
                        const struct sockaddr *addr, int port, se_tunnel **out);

#endif
