/* The client's report: the seed's human lines or one JSON object. */
#ifndef SOCKECHO_REPORT_H
#define SOCKECHO_REPORT_H

#include "client/client.h"
#include "client/udp_client.h"

#include <stdio.h>

/* Writes "Bytes Sent: N", "Bytes received: N" and, when the server's FIN
 * came, "Connection closed" to OUT. */
void se_report_client_text(FILE *out, const se_client_result *r);

/* Writes one JSON record (one line, type "client") describing R for HOST,
 * a session that STARTED at that RFC 3339 time, to OUT. */
void se_report_client_json(FILE *out, const se_client_result *r, const char *host,
                           const char *started);

/* The UDP report: "Datagrams sent: N", "Datagrams received: M",
 * "Lost: K (P%)", "RTT min/avg/max: a/b/c ms". */
void se_report_udp_text(FILE *out, const se_udp_result *r);

/* One JSON record (type "client_udp") for the UDP exchange R with HOST,
 * started at STARTED (RFC 3339). */
void se_report_udp_json(FILE *out, const se_udp_result *r, const char *host, const char *started);

#endif
