/* The TLS part of the client's and bench's reports: the JSON "tls" object
 * and the -v line. */
#ifndef SOCKECHO_CLI_TLS_REPORT_H
#define SOCKECHO_CLI_TLS_REPORT_H

#include "client/client.h"
#include "util/json.h"

#include <stdio.h>

/* Writes ,"tls":{...} for R's session, or ,"tls":null without TLS. */
void se_report_tls_json(se_json *j, const se_client_result *r);

/* Writes "sockecho client: tls: TLSv1.3 ..., verified" (one line) to OUT,
 * when R's session had a TLS handshake. */
void se_report_tls_line(FILE *out, const se_client_result *r);

#endif
