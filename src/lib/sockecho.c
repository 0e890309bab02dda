/* libsockecho: the public API of include/sockecho.h over the verifying
 * client (src/client). */
#include "sockecho.h"

#include "client/client.h"
#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>

/* The public codes are the platform layer's, value for value. */
#define SE_SAME(name) _Static_assert((int)SOCKECHO_##name == (int)SE_##name, "SOCKECHO_" #name);
SE_SAME(EOF)
SE_SAME(EAGAIN)
SE_SAME(EINPROGRESS)
SE_SAME(EINTR)
SE_SAME(ECONNREFUSED)
SE_SAME(ECONNRESET)
SE_SAME(ECONNABORTED)
SE_SAME(ETIMEDOUT)
SE_SAME(ENETUNREACH)
SE_SAME(EHOSTUNREACH)
SE_SAME(ENETDOWN)
SE_SAME(EADDRINUSE)
SE_SAME(EADDRNOTAVAIL)
SE_SAME(EAFNOSUPPORT)
SE_SAME(EPIPE)
SE_SAME(ENOTCONN)
SE_SAME(ESHUTDOWN)
SE_SAME(EMFILE)
SE_SAME(ENFILE)
SE_SAME(ENOBUFS)
SE_SAME(ENOMEM)
SE_SAME(EACCES)
SE_SAME(ENOENT)
SE_SAME(EISDIR)
SE_SAME(EINVAL)
SE_SAME(ENOTSOCK)
SE_SAME(ENOSYS)
SE_SAME(EIO)
SE_SAME(ENOSPC)
SE_SAME(EAI_NONAME)
SE_SAME(EAI_AGAIN)
SE_SAME(EAI_FAIL)
SE_SAME(EAI_FAMILY)
SE_SAME(EUNKNOWN)
SE_SAME(EINJECTED)
SE_SAME(ETLS)
SE_SAME(ECANCELED)
_Static_assert((int)SOCKECHO_ECANCELED + 1 == (int)SE_ERROR_END, "every SE_E* code is public");
_Static_assert((int)SOCKECHO_TIMEOUT == (int)SE_VERDICT_TIMEOUT &&
                   (int)SOCKECHO_MISMATCH == (int)SE_VERDICT_MISMATCH &&
                   (int)SOCKECHO_REFUSED == (int)SE_VERDICT_REFUSED,
               "verdict values are the client's");

enum { PAYLOAD_SEED, PAYLOAD_BUFFER, PAYLOAD_PATTERN, PAYLOAD_SOURCE };

struct sockecho_session {
    sockecho_options opt;
    int payload_kind;
    const void *buffer;
    size_t buffer_len;
    uint64_t pattern_size, pattern_seed;
    sockecho_source_fn source;
    void *source_arg;
    sockecho_sink_fn sink;
    void *sink_arg;
    int ran;
    se_client_result result;
};

static const char seed_message[] = "this is a test";

const char *sockecho_version(void)
{
    return SOCKECHO_VERSION;
}

const char *sockecho_err_name(int code)
{
    return code == 0 ? "OK" : se_err_name(code);
}

const char *sockecho_strerror(int code)
{
    return code == 0 ? "Success" : se_strerror(code);
}

const char *sockecho_verdict_name(int verdict)
{
    if (verdict < SE_VERDICT_COMPLETE || verdict > SE_VERDICT_TIMEOUT ||
        verdict == SE_VERDICT_USAGE)
        return "unknown";
    return se_verdict_name((se_verdict)verdict);
}

int sockecho_init(void)
{
    return se_platform_init();
}

void sockecho_cleanup(void)
{
    se_platform_cleanup();
}

void sockecho_options_init(sockecho_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->connect_timeout_ms = 5000;
    opt->idle_timeout_ms = 30000;
    opt->drain_timeout_ms = 10000;
}

sockecho_session *sockecho_session_new(const sockecho_options *opt)
{
    sockecho_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (opt)
        s->opt = *opt;
    else
        sockecho_options_init(&s->opt);
    s->payload_kind = PAYLOAD_SEED;
    return s;
}

int sockecho_session_set_buffer(sockecho_session *s, const void *data, size_t len)
{
    if (!s || s->ran || (!data && len))
        return SOCKECHO_EINVAL;
    s->payload_kind = PAYLOAD_BUFFER;
    s->buffer = data;
    s->buffer_len = len;
    return 0;
}

int sockecho_session_set_pattern(sockecho_session *s, uint64_t size, uint64_t seed)
{
    if (!s || s->ran)
        return SOCKECHO_EINVAL;
    s->payload_kind = PAYLOAD_PATTERN;
    s->pattern_size = size;
    s->pattern_seed = seed;
    return 0;
}

int sockecho_session_set_source(sockecho_session *s, sockecho_source_fn fn, void *arg)
{
    if (!s || s->ran || !fn)
        return SOCKECHO_EINVAL;
    s->payload_kind = PAYLOAD_SOURCE;
    s->source = fn;
    s->source_arg = arg;
    return 0;
}

int sockecho_session_set_sink(sockecho_session *s, sockecho_sink_fn fn, void *arg)
{
    if (!s || s->ran)
        return SOCKECHO_EINVAL;
    s->sink = fn;
    s->sink_arg = arg;
    return 0;
}

static long read_source(void *arg, char *buf, size_t cap)
{
    sockecho_session *s = arg;
    long n = s->source(s->source_arg, buf, cap);
    /* A positive count above CAP, or a code outside the table, is a bug of
     * the callback: treat it as an I/O error rather than trust it. */
    if (n > (long)cap || (n < 0 && (n <= SE_ERROR_BASE || n >= SE_ERROR_END)))
        return SE_EIO;
    return n;
}

static void deliver_echo(void *arg, const char *data, size_t len)
{
    sockecho_session *s = arg;
    s->sink(s->sink_arg, data, len);
}

/* A port number 1-65535 in decimal digits only: service names, signs,
 * spaces and numbers that would wrap around are refused. */
static int valid_port(const char *port)
{
    unsigned long v = 0;
    if (!*port || strlen(port) > 5)
        return 0;
    for (const char *p = port; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    return v >= 1 && v <= 65535;
}

int sockecho_session_run(sockecho_session *s, const char *host, const char *port)
{
    if (!s || s->ran || !host || !*host || s->opt.connect_timeout_ms == 0)
        return SOCKECHO_EINVAL;
    if (port && !valid_port(port))
        return SOCKECHO_EINVAL;
    if (s->opt.family != 0 && s->opt.family != 4 && s->opt.family != 6)
        return SOCKECHO_EINVAL;
    se_client_options opt;
    memset(&opt, 0, sizeof opt);
    opt.host = host;
    opt.port = port ? port : "27015";
    opt.family = s->opt.family == 4 ? AF_INET : s->opt.family == 6 ? AF_INET6 : AF_UNSPEC;
    opt.connect_timeout_ms = s->opt.connect_timeout_ms;
    opt.idle_timeout_ms = s->opt.idle_timeout_ms;
    opt.drain_timeout_ms = s->opt.drain_timeout_ms;
    opt.expect_trailer = s->opt.expect_trailer;
    if (s->sink) {
        opt.on_echo = deliver_echo;
        opt.echo_arg = s;
    }

    se_payload payload;
    switch (s->payload_kind) {
    case PAYLOAD_BUFFER:
        se_payload_message(&payload, s->buffer_len ? s->buffer : "", s->buffer_len);
        break;
    case PAYLOAD_PATTERN:
        se_payload_pattern(&payload, s->pattern_size, s->pattern_seed);
        break;
    case PAYLOAD_SOURCE:
        memset(&payload, 0, sizeof payload);
        payload.kind = SE_PAYLOAD_STREAM;
        payload.read = read_source;
        payload.read_arg = s;
        break;
    default:
        se_payload_message(&payload, seed_message, sizeof seed_message - 1);
        break;
    }
    s->ran = 1;
    se_client_run(&opt, &payload, &s->result);
    se_payload_close(&payload);
    return (int)s->result.verdict;
}

int sockecho_session_result(const sockecho_session *s, sockecho_result *out)
{
    if (!s || !s->ran || !out)
        return SOCKECHO_EINVAL;
    const se_client_result *r = &s->result;
    memset(out, 0, sizeof *out);
    out->verdict = (int)r->verdict;
    out->error = r->error;
    out->bytes_sent = r->bytes_sent;
    out->bytes_received = r->bytes_received;
    out->fin_received = r->fin_received;
    out->fault_offset = r->verdict == SE_VERDICT_MISMATCH || r->verdict == SE_VERDICT_EXCESS
                            ? (int64_t)r->fault_offset
                            : -1;
    snprintf(out->address, sizeof out->address, "%s", r->address);
    out->port = r->port;
    out->connect_ms = r->connect_ms;
    out->transfer_ms = r->transfer_ms;
    out->close_ms = r->close_ms;
    out->attempts = r->attempt_count;
    return 0;
}

const char *sockecho_session_detail(const sockecho_session *s)
{
    if (!s || !s->ran || s->result.verdict == SE_VERDICT_COMPLETE)
        return "";
    return s->result.detail;
}

int sockecho_session_attempt(const sockecho_session *s, size_t index, const char **address,
                             int *port, int *status, double *ms)
{
    if (!s || !s->ran || index >= s->result.attempt_count)
        return SOCKECHO_EINVAL;
    const se_attempt *a = &s->result.attempts[index];
    if (address)
        *address = a->address;
    if (port)
        *port = a->port;
    if (status)
        *status = a->status;
    if (ms)
        *ms = a->ms;
    return 0;
}

void sockecho_session_free(sockecho_session *s)
{
    if (!s)
        return;
    se_client_result_free(&s->result);
    free(s);
}
