/* The metrics endpoint's HTTP responder: GET /metrics answers the text a
 * render callback makes, anything else a short error, then the connection
 * closes. It runs on an event loop shared with other traffic (the server's
 * echo, the load generator's orchestrator) and is bounded so that no client
 * can hurt that traffic (responder.c says how). */
#ifndef SOCKECHO_METRICS_RESPONDER_H
#define SOCKECHO_METRICS_RESPONDER_H

#include "loop/loop.h"
#include "platform/platform.h"

#include <stddef.h>
#include <stdint.h>

typedef struct se_http_responder se_http_responder;

/* Makes the exposition text for a request: a buffer the responder frees,
 * with its length in *LEN; NULL when out of memory (answered 503). */
typedef char *(*se_http_render_fn)(void *data, size_t *len);

/* Parses a --metrics ADDR:PORT ("127.0.0.1:9100", "[::1]:9100", or ":9100"
 * for every IPv4 interface; numeric addresses only, port 0 for any free
 * port) into *OUT. Returns 0, or -1 with a one-line reason in ERR. */
int se_http_parse_listen_addr(const char *text, struct sockaddr_storage *out, char *err,
                              size_t err_size);

/* Serves GET /metrics on LISTENER (owned by the responder from now on) on
 * LOOP, with the text RENDER(DATA) makes on each request. Returns the
 * responder, or NULL when out of memory (LISTENER is then closed). */
se_http_responder *se_http_responder_start(se_loop *loop, se_socket listener,
                                           se_http_render_fn render, void *data);

/* Stops and frees the responder (LOOP no longer runs). */
void se_http_responder_stop(se_http_responder *h);

/* The status codes the responder answers with, and how many. */
extern const int se_http_responder_codes[];
#define SE_HTTP_RESPONDER_CODES 7

/* Responses the responder has sent, by status code (200, 400, 404, 405,
 * 408, 431, 503); 0 for other codes or a NULL responder. */
uint64_t se_http_responder_responses(const se_http_responder *h, int code);

#endif
