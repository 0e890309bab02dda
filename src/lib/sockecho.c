/* libsockecho: the public API of include/sockecho.h over the verifying
 * client (src/client). */
#include "sockecho.h"

#include "client/client.h"
#include "platform/platform.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
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

/* The public verdicts, whose values are `sockecho client`'s exit codes, for
 * the client's verdicts (a session of the library has no proxy or TLS). */
static const struct {
    se_verdict verdict;
    int value;
} verdicts[] = {
    {SE_VERDICT_COMPLETE, SOCKECHO_COMPLETE},
    {SE_VERDICT_ERROR, SOCKECHO_ERROR},
    {SE_VERDICT_RESOLVE, SOCKECHO_RESOLVE},
    {SE_VERDICT_REFUSED, SOCKECHO_REFUSED},
    {SE_VERDICT_UNREACHABLE, SOCKECHO_UNREACHABLE},
    {SE_VERDICT_TRUNCATED, SOCKECHO_TRUNCATED},
    {SE_VERDICT_EXCESS, SOCKECHO_EXCESS},
    {SE_VERDICT_MISMATCH, SOCKECHO_MISMATCH},
    {SE_VERDICT_RESET, SOCKECHO_RESET},
    {SE_VERDICT_TIMEOUT, SOCKECHO_TIMEOUT},
    {SE_VERDICT_INTERRUPTED, SOCKECHO_INTERRUPTED},
};
#define VERDICTS (sizeof verdicts / sizeof verdicts[0])

/* The first releases' structures: smaller sizes are refused. */
#define OPTIONS_MIN_SIZE (offsetof(sockecho_options, deadline_ms) + sizeof(uint64_t))
#define RESULT_MIN_SIZE sizeof(sockecho_result)

/* How often a running session looks at its cancel flag and deadline. */
#define CHECK_MS 10

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
    atomic_int cancelled;
    uint64_t deadline_ns; /* se_now_ns() at which the run ends; 0: none */
    int deadline_passed;
    char refusal[160]; /* why the last sockecho_session_run() did not run */
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

static int public_verdict(se_verdict v)
{
    for (size_t i = 0; i < VERDICTS; i++)
        if (verdicts[i].verdict == v)
            return verdicts[i].value;
    return SOCKECHO_ERROR;
}

const char *sockecho_verdict_name(int verdict)
{
    for (size_t i = 0; i < VERDICTS; i++)
        if (verdicts[i].value == verdict)
            return se_verdict_name(verdicts[i].verdict);
    return "unknown";
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
    opt->size = sizeof *opt;
    opt->connect_timeout_ms = 5000;
    opt->idle_timeout_ms = 30000;
    opt->drain_timeout_ms = 10000;
}

sockecho_session *sockecho_session_new(const sockecho_options *opt)
{
    if (opt && opt->size < OPTIONS_MIN_SIZE)
        return NULL;
    sockecho_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* Defaults, then the fields the caller's structure has. */
    sockecho_options_init(&s->opt);
    if (opt) {
        memcpy(&s->opt, opt, opt->size < sizeof s->opt ? opt->size : sizeof s->opt);
        s->opt.size = sizeof s->opt;
    }
    atomic_init(&s->cancelled, 0);
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

/* Ends the run on a cancel or at the deadline (the client's tick). */
static int check_tick(void *arg, uint64_t sent, uint64_t received)
{
    sockecho_session *s = arg;
    (void)sent;
    (void)received;
    if (atomic_load(&s->cancelled))
        return SE_CLIENT_INTERRUPT;
    if (s->deadline_ns && se_now_ns() >= s->deadline_ns) {
        s->deadline_passed = 1;
        return SE_CLIENT_INTERRUPT;
    }
    return SE_CLIENT_CONTINUE;
}

int sockecho_session_cancel(sockecho_session *s)
{
    if (!s)
        return SOCKECHO_EINVAL;
    atomic_store(&s->cancelled, 1);
    return 0;
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

/* Records why a run was refused (sockecho_session_detail); returns
 * SOCKECHO_EINVAL. */
static int refuse(sockecho_session *s, const char *why, const char *what)
{
    snprintf(s->refusal, sizeof s->refusal, why, what);
    return SOCKECHO_EINVAL;
}

int sockecho_session_run(sockecho_session *s, const char *host, const char *port)
{
    if (!s)
        return SOCKECHO_EINVAL;
    if (s->ran)
        return refuse(s, "%s", "the session has already run (one run per session)");
    if (!host || !*host)
        return refuse(s, "%s", "no host");
    if (port && !valid_port(port))
        return refuse(s,
                      "port \"%.40s\": not a number from 1 to 65535 (service names are not "
                      "looked up)",
                      port);
    if (s->opt.connect_timeout_ms == 0)
        return refuse(s, "%s", "connect_timeout_ms is 0");
    if (s->opt.family != 0 && s->opt.family != 4 && s->opt.family != 6)
        return refuse(s, "%s", "family is not 0, 4 or 6");
    s->refusal[0] = '\0';
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
    opt.on_tick = check_tick;
    opt.tick_arg = s;
    opt.tick_ms = CHECK_MS;
    /* A deadline beyond a century is none (and cannot overflow). */
    uint64_t deadline_ms = s->opt.deadline_ms < 100ull * 365 * 86400000 ? s->opt.deadline_ms : 0;
    s->deadline_ns = deadline_ms ? se_now_ns() + deadline_ms * 1000000u : 0;

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
    se_client_result *r = &s->result;
    if (s->deadline_passed && r->verdict == SE_VERDICT_INTERRUPTED) {
        r->verdict = SE_VERDICT_TIMEOUT;
        r->error = SE_ETIMEDOUT;
        snprintf(r->detail, sizeof r->detail,
                 "timeout: the deadline of %llu ms passed after %llu bytes sent, %llu received",
                 (unsigned long long)s->opt.deadline_ms, (unsigned long long)r->bytes_sent,
                 (unsigned long long)r->bytes_received);
    }
    return public_verdict(r->verdict);
}

void sockecho_result_init(sockecho_result *out)
{
    memset(out, 0, sizeof *out);
    out->size = sizeof *out;
}

int sockecho_session_result(const sockecho_session *s, sockecho_result *dest)
{
    if (!s || !s->ran || !dest || dest->size < RESULT_MIN_SIZE)
        return SOCKECHO_EINVAL;
    const se_client_result *r = &s->result;
    /* Filled in full here, then copied as far as the caller's structure
     * goes (its SIZE stays). */
    sockecho_result full, *out = &full;
    sockecho_result_init(out);
    out->verdict = public_verdict(r->verdict);
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
    size_t size = dest->size < sizeof full ? dest->size : sizeof full;
    memcpy((char *)dest + sizeof dest->size, (char *)out + sizeof out->size,
           size - sizeof dest->size);
    return 0;
}

const char *sockecho_session_detail(const sockecho_session *s)
{
    if (s && s->refusal[0])
        return s->refusal;
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
