/* `sockecho server --metrics ADDR:PORT`: Prometheus text exposition of the
 * server's counters on GET /metrics, served by a small bounded HTTP
 * responder on the first worker's event loop (metrics_http.c), and a loop
 * lag probe on every worker (metrics.c). */
#ifndef SOCKECHO_SERVER_METRICS_H
#define SOCKECHO_SERVER_METRICS_H

#include "server_internal.h"

#include <stddef.h>

typedef struct se_metrics se_metrics;

/* Opens the --metrics listener, prints "metrics on ADDR PORT", and
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

/* ---- metrics_http.c ---- */

typedef struct se_metrics_http se_metrics_http;

/* Makes the exposition text for a request: a buffer the responder frees,
 * with its length in *LEN; NULL when out of memory (answered 503). */
typedef char *(*se_metrics_render_fn)(void *data, size_t *len);

/* Serves GET /metrics on LISTENER (owned by the responder from now on) on
 * LOOP, with the text RENDER(DATA) makes on each request. Returns the
 * responder, or NULL when out of memory (LISTENER is then closed). */
se_metrics_http *se_metrics_http_start(se_loop *loop, se_socket listener,
                                       se_metrics_render_fn render, void *data);

/* Stops and frees the responder (LOOP no longer runs). */
void se_metrics_http_stop(se_metrics_http *h);

/* Responses the responder has sent, by status code (200, 400, 404, 405,
 * 408, 431, 503); 0 for other codes. */
uint64_t se_metrics_http_responses(const se_metrics_http *h, int code);

#endif
