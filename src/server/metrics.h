/* `sockecho server --metrics ADDR:PORT`: Prometheus text exposition of the
 * server's counters on GET /metrics, served by a small bounded HTTP
 * responder on the first worker's event loop (metrics/responder.h), and a
 * loop lag probe on every worker (metrics.c). */
#ifndef SOCKECHO_SERVER_METRICS_H
#define SOCKECHO_SERVER_METRICS_H

#include "server_internal.h"

#include <stddef.h>

typedef struct se_metrics se_metrics;

/* Opens the --metrics listener, reports it (a listening event), and
 * registers the responder and the lag probes on the workers' loops (call
 * before their threads start). Returns 0 (also when --metrics is not
 * given), or 1 after logging why it cannot. */
int se_metrics_start(server *srv);

/* Once the workers' threads have ended: stops watching, closes every
 * metrics connection and the listener, frees. Harmless without metrics. */
void se_metrics_stop(server *srv);

/* The exposition text of SRV's metrics now, in a buffer the caller frees;
 * NULL when out of memory. *LEN receives its length. */
char *se_metrics_render(server *srv, size_t *len);

#endif
