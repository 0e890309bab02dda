/* `sockecho client`: options, then one verifying session, then the report.
 * Every option is parsed and checked before anything touches the network. */
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/sockopt_args.h"
#include "client/client.h"
#include "client_watch.h"
#include "exit_code.h"
#include "client/udp_client.h"
#include "conn/proxy_url.h"
#include "tls_options.h"
#include "tls_report.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MESSAGE "this is a test"

enum {
    OPT_PORT = 1,
    OPT_IPV4,
    OPT_IPV6,
    OPT_MESSAGE,
    OPT_FILE,
    OPT_SIZE,
    OPT_SEED,
    OPT_OUTPUT,
    OPT_CONNECT_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_DRAIN_TIMEOUT,
    OPT_BACKEND,
    OPT_JSON,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_EXPECT_TRAILER,
    OPT_UDP,
    OPT_COUNT,
    OPT_TIMEOUT,
    OPT_PROXY,
    OPT_SEND_PROXY,
    OPT_PROXY_SOURCE,
    OPT_TIME,
    OPT_INTERVAL,
    OPT_ATTEMPT_DELAY,
    OPT_SOURCE,
    OPT_UNIX
};

static const char client_usage[] =
    "usage: sockecho client [options] HOST [PORT]\n"
    "\n"
    "Connects to HOST (port 27015), sends the payload while reading the echo,\n"
    "half-closes, reads until the server's FIN, and verifies every byte.\n"
    "\n"
    "  -p, --port PORT, --unix PATH  port (27015, or after HOST); or no HOST but\n"
    "                          the Unix socket PATH ('@name': abstract, Linux)\n"
    "  -4, -6, --source ADDR[:PORT]  IPv4 / IPv6 only; bind each attempt to ADDR\n"
    "  -m, --message TEXT      payload (default: \"this is a test\")\n"
    "  -f, --file PATH         payload from a file ('-': standard input)\n"
    "  -s, --size BYTES, --seed N  BYTES (64k, 1M, 2G, 1T) of pattern seed N (1)\n"
    "  -o, --output FILE       write the echo to FILE ('-': standard output)\n"
    "      --time T            stop sending after T, then half-close as usual\n"
    "      --interval T        a progress record every T (JSON with --json)\n"
    "      --connect-timeout T, --attempt-delay T  per address (5s); Happy Eyeballs\n"
    "                          race: the next address after T (250ms; 0: in turn)\n"
    "      --idle-timeout T    give up when nothing moves for T (30s; 0: never)\n"
    "      --drain-timeout T   no FIN T after the half-close (default 10s, 0: never)\n"
    "      --expect-trailer N  expect N bytes of server --trailer after the echo\n"
    "      --proxy URL         via socks5[h]:// or http:// [USER:PASS@]HOST:PORT\n"
    "      --send-proxy V, --proxy-source ADDR  PROXY header v1|v2 (claiming "
    "ADDR:P)\n" SE_SOCKOPT_USAGE "      --backend NAME      event loop backend: %s\n"
    "      --udp, --count N, --timeout T  UDP: N datagrams (5), each awaited T (1s)\n"
    "      --tls, --tls-ca FILE, --tls-insecure, --tls-servername N, --tls-alpn LIST,\n"
    "      --tls-min 1.2|1.3: TLS, the server verified (see sockecho-client(1))\n"
    "      --json              print one JSON object instead of the report\n"
    "  -q, --quiet, -v, --verbose  nothing (the exit code tells); or log the path\n"
    "  -h, --help              show this help\n"
    "\n"
    "Durations: 500ms, 1.5s, 2m (a bare number is seconds).\n"
    "Exit codes (verdicts): 0 complete, 1 error, 2 usage, 3 resolve, 4 refused,\n"
    "5 unreachable, 6 truncated, 7 excess, 8 mismatch, 9 reset, 10 timeout,\n"
    "11 proxy-unreachable, 12 proxy-refused, 13 proxy-auth-failed, 14 tls,\n"
    "130 interrupted (Ctrl-C: the report so far).\n"
    "\n"
    "Examples:\n"
    "  sockecho client 127.0.0.1\n"
    "  sockecho client -s 64M --json example.net 7\n";

static const se_optdef client_options[] = {
    {"port", 'p', 1, OPT_PORT},
    {"ipv4", '4', 0, OPT_IPV4},
    {"ipv6", '6', 0, OPT_IPV6},
    {"message", 'm', 1, OPT_MESSAGE},
    {"file", 'f', 1, OPT_FILE},
    {"size", 's', 1, OPT_SIZE},
    {"seed", 0, 1, OPT_SEED},
    {"output", 'o', 1, OPT_OUTPUT},
    {"connect-timeout", 0, 1, OPT_CONNECT_TIMEOUT},
    {"idle-timeout", 0, 1, OPT_IDLE_TIMEOUT},
    {"drain-timeout", 0, 1, OPT_DRAIN_TIMEOUT},
    {"backend", 0, 1, OPT_BACKEND},
    {"json", 0, 0, OPT_JSON},
    {"quiet", 'q', 0, OPT_QUIET},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"help", 'h', 0, OPT_HELP},
    {"expect-trailer", 0, 1, OPT_EXPECT_TRAILER},
    {"udp", 0, 0, OPT_UDP},
    {"count", 0, 1, OPT_COUNT},
    {"timeout", 0, 1, OPT_TIMEOUT},
    {"proxy", 0, 1, OPT_PROXY},
    {"send-proxy", 0, 1, OPT_SEND_PROXY},
    {"proxy-source", 0, 1, OPT_PROXY_SOURCE},
    SE_SOCKOPT_OPTDEFS,
    {"tls", 0, 0, SE_OPT_TLS},
    {"tls-ca", 0, 1, SE_OPT_TLS_CA},
    {"tls-insecure", 0, 0, SE_OPT_TLS_INSECURE},
    {"tls-servername", 0, 1, SE_OPT_TLS_SERVERNAME},
    {"tls-alpn", 0, 1, SE_OPT_TLS_ALPN},
    {"tls-min", 0, 1, SE_OPT_TLS_MIN},
    {"time", 0, 1, OPT_TIME},
    {"interval", 0, 1, OPT_INTERVAL},
    {"attempt-delay", 0, 1, OPT_ATTEMPT_DELAY},
    {"source", 0, 1, OPT_SOURCE},
    {"unix", 0, 1, OPT_UNIX},
    {NULL, 0, 0, 0},
};

/* Everything the command line says, before the combination checks. */
typedef struct client_args {
    se_client_options opt;
    se_udp_options udp_opt;
    const char *message, *file, *port_option;
    uint64_t size, seed, time_ms, interval_ms;
    int have_size, have_seed, json, quiet, verbose, positional, udp;
    int udp_only; /* an option that only --udp uses was given */
    se_proxy_url proxy;
    se_sockaddr proxy_source;
    se_sockaddr source;
    se_sockopts sockopts;
    se_cli_tls tls;
} client_args;

/* --source: a numeric "ADDR", "ADDR:PORT" or "[IPV6]:PORT" (port 0: any). */
static int parse_source(const char *v, se_sockaddr *out, char *err, size_t err_size)
{
    char buf[80];
    const char *colon = strchr(v, ':');
    int bare = v[0] != '[' && (!colon || strchr(colon + 1, ':'));
    if (bare && strlen(v) < sizeof buf - 8) {
        snprintf(buf, sizeof buf, colon ? "[%s]:0" : "%s:0", v);
        v = buf;
    }
    return se_parse_addr_port(v, out, err, err_size);
}

static int parse_duration(const se_args *args, uint64_t *out)
{
    char err[160];
    if (se_parse_duration_ms(args->value, MAX_DURATION_MS, out, err, sizeof err))
        return se_usage_error("%s: %s", args->name, err);
    return 0;
}

static int parse_positional(const char *v, client_args *c)
{
    char err[160];
    int port;
    if (c->positional == 0) {
        c->opt.host = v;
    } else if (c->positional == 1) {
        if (se_parse_port(v, 0, &port, err, sizeof err))
            return se_usage_error("PORT: %s", err);
        c->opt.port = v;
    } else {
        return se_usage_error("unexpected argument '%.40s'", v);
    }
    c->positional++;
    return 0;
}

/* Stores one option. Returns 0 or the usage error's exit code. */
static int parse_option(int id, const se_args *args, client_args *c)
{
    char err[160];
    const char *v = args->value;
    int port;
    int handled = se_sockopt_arg(id, args, &c->sockopts);
    if (handled)
        return handled == EXIT_USAGE ? EXIT_USAGE : 0;
    if (se_cli_tls_is_option(id)) {
        if (se_cli_tls_parse(&c->tls, id, args->name, v, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    }
    switch (id) {
    case SE_ARG_POSITIONAL:
        return parse_positional(v, c);
    case OPT_PORT:
        if (se_parse_port(v, 0, &port, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        c->port_option = v;
        return 0;
    case OPT_IPV4:
        c->opt.family = c->opt.family == AF_INET6 ? -1 : AF_INET;
        return 0;
    case OPT_IPV6:
        c->opt.family = c->opt.family == AF_INET ? -1 : AF_INET6;
        return 0;
    case OPT_MESSAGE:
        c->message = v;
        return 0;
    case OPT_FILE:
        c->file = v;
        return 0;
    case OPT_SIZE:
        c->have_size = 1;
        if (se_parse_bytes(v, 0, 1ull << 40, &c->size, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_SEED:
        c->have_seed = 1;
        if (se_parse_uint(v, 0, UINT64_MAX, &c->seed, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_OUTPUT:
        c->opt.output_path = v;
        return 0;
    case OPT_CONNECT_TIMEOUT:
        return parse_duration(args, &c->opt.connect_timeout_ms);
    case OPT_ATTEMPT_DELAY:
        return parse_duration(args, &c->opt.attempt_delay_ms);
    case OPT_IDLE_TIMEOUT:
        return parse_duration(args, &c->opt.idle_timeout_ms);
    case OPT_DRAIN_TIMEOUT:
        return parse_duration(args, &c->opt.drain_timeout_ms);
    case OPT_BACKEND:
        c->opt.backend = v;
        return 0;
    case OPT_JSON:
        c->json = 1;
        return 0;
    case OPT_QUIET:
        c->quiet = 1;
        return 0;
    case OPT_VERBOSE:
        c->verbose = 1;
        return 0;
    case OPT_EXPECT_TRAILER:
        if (se_parse_bytes(v, 0, 1ull << 30, &c->opt.expect_trailer, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_UDP:
        c->udp = 1;
        return 0;
    case OPT_PROXY: {
        const char *why;
        if (se_proxy_url_parse(v, &c->proxy, &why))
            return se_usage_error("%s: %s", args->name, why);
        c->opt.proxy = &c->proxy;
        return 0;
    }
    case OPT_SEND_PROXY:
        if (strcmp(v, "v1") == 0 || strcmp(v, "1") == 0)
            c->opt.send_proxy = 1;
        else if (strcmp(v, "v2") == 0 || strcmp(v, "2") == 0)
            c->opt.send_proxy = 2;
        else
            return se_usage_error("%s: '%.40s' is not v1 or v2", args->name, v);
        return 0;
    case OPT_PROXY_SOURCE:
        if (se_parse_addr_port(v, &c->proxy_source, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        c->opt.proxy_source = &c->proxy_source.sa;
        return 0;
    case OPT_UNIX:
        c->opt.unix_path = v;
        return 0;
    case OPT_SOURCE:
        if (parse_source(v, &c->source, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        c->opt.source = &c->source.sa;
        return 0;
    case OPT_COUNT:
        c->udp_only = 1;
        if (se_parse_uint(v, 1, 1000000, &c->udp_opt.count, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_TIME:
        if (parse_duration(args, &c->time_ms))
            return EXIT_USAGE;
        if (c->time_ms == 0)
            return se_usage_error("%s: must be more than 0", args->name);
        return 0;
    case OPT_INTERVAL:
        if (parse_duration(args, &c->interval_ms))
            return EXIT_USAGE;
        if (c->interval_ms < 10)
            return se_usage_error("%s: must be at least 10 ms", args->name);
        return 0;
    case OPT_TIMEOUT:
        c->udp_only = 1;
        if (parse_duration(args, &c->udp_opt.timeout_ms))
            return EXIT_USAGE;
        if (c->udp_opt.timeout_ms == 0)
            return se_usage_error("%s: must be more than 0", args->name);
        return 0;
    }
    return 0;
}

/* The block that rejects bad combinations (netcat's model). */
static int check_combinations(client_args *c)
{
    se_client_options *opt = &c->opt;
    if (opt->unix_path) {
        if (opt->host || c->port_option)
            return se_usage_error("--unix PATH replaces HOST and PORT");
        if (opt->family != AF_UNSPEC || opt->source || opt->proxy || opt->send_proxy || c->udp ||
            se_sockopts_given(&c->sockopts))
            return se_usage_error("--unix excludes -4, -6, --source, --proxy, --send-proxy, "
                                  "--udp and the socket options");
        opt->host = opt->unix_path; /* what the reports name */
    }
    if (!opt->host)
        return se_usage_error("missing HOST");
    if (!*opt->host)
        return se_usage_error("HOST is empty");
    if (c->port_option && c->positional > 1)
        return se_usage_error("PORT given twice: -p %.20s and %.20s", c->port_option, opt->port);
    if (c->port_option)
        opt->port = c->port_option;
    if (opt->family == -1)
        return se_usage_error("-4 and -6 exclude each other");
    if ((c->message != NULL) + (c->file != NULL) + c->have_size > 1)
        return se_usage_error("--message, --file and --size exclude each other");
    if (c->have_seed && !c->have_size)
        return se_usage_error("--seed needs --size (it seeds the generated payload)");
    if (c->quiet && (c->json || c->verbose))
        return se_usage_error("-q excludes %s", c->json ? "--json" : "-v");
    if (opt->connect_timeout_ms == 0)
        return se_usage_error("--connect-timeout: must be more than 0");
    if (opt->backend && se_check_backend(opt->backend))
        return se_usage_error("--backend: unknown backend '%.40s' (available: %s)", opt->backend,
                              SOCKECHO_BACKENDS);
    if (c->udp_only && !c->udp)
        return se_usage_error("--count and --timeout go with --udp");
    if (opt->source) {
        int fam = opt->source->sa_family;
        if (opt->family != AF_UNSPEC && opt->family != fam)
            return se_usage_error("--source %s excludes %s", fam == AF_INET ? "IPv4" : "IPv6",
                                  fam == AF_INET ? "-6" : "-4");
        opt->family = fam; /* only addresses the source can reach */
    }
    if (opt->proxy_source && !opt->send_proxy)
        return se_usage_error("--proxy-source goes with --send-proxy");
    if (c->udp && (opt->proxy || opt->send_proxy || opt->source || se_sockopts_given(&c->sockopts)))
        return se_usage_error(
            "--udp excludes --proxy, --send-proxy, --source and the socket options");
    if (se_sockopts_given(&c->sockopts))
        opt->sockopts = &c->sockopts;
    char err[256];
    if (se_cli_tls_check(&c->tls, err, sizeof err))
        return se_usage_error("%s", err);
    if (c->udp && c->tls.enabled)
        return se_usage_error("--udp excludes --tls");
    if (c->udp &&
        (c->file || opt->output_path || opt->expect_trailer || c->time_ms || c->interval_ms))
        return se_usage_error("--udp excludes --file, --output, --expect-trailer, --time and "
                              "--interval");
    if (c->quiet && c->interval_ms)
        return se_usage_error("-q excludes --interval");
    if (c->udp && c->have_size && (c->size == 0 || c->size > 65507))
        return se_usage_error("--size: a datagram holds 1-65507 bytes");
    if (c->json && opt->output_path && strcmp(opt->output_path, "-") == 0)
        return se_usage_error("--json and --output - both want standard output");
    if (c->file && opt->output_path && strcmp(c->file, "-") != 0 &&
        strcmp(opt->output_path, "-") != 0 && se_same_file(c->file, opt->output_path))
        return se_usage_error("--file and --output name the same file (%.80s)", c->file);
    return 0;
}

static int run_udp(const se_client_options *opt, const se_udp_options *udp, int json, int quiet)
{
    char started[40];
    se_utc_timestamp(started, sizeof started);
    int rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        return 1;
    }
    se_udp_result result;
    se_verdict verdict = se_udp_client_run(opt, udp, &result);
    if (json)
        se_report_udp_json(stdout, &result, opt->host, started);
    else if (!quiet && result.sent)
        se_report_udp_text(stdout, &result);
    if (!json && !quiet && verdict != SE_VERDICT_COMPLETE)
        se_error_line("%s", result.detail);
    fflush(stdout);
    se_platform_cleanup();
    return se_exit_code(verdict);
}

/* The stop signals' callback: nothing to wake, the watch polls the count. */
/* -v: the client's steps, one line each on standard error. */
static void log_line(void *arg, const char *line)
{
    (void)arg;
    se_error_line("%s", line);
}

static void ignore_stop(void *arg)
{
    (void)arg;
}

int se_cmd_client(int argc, char **argv)
{
    se_command_name = "sockecho client";
    client_args c;
    memset(&c, 0, sizeof c);
    se_client_options *opt = &c.opt;
    opt->family = AF_UNSPEC;
    opt->port = DEFAULT_PORT;
    opt->connect_timeout_ms = 5000;
    opt->attempt_delay_ms = 250;
    opt->idle_timeout_ms = 30000;
    opt->drain_timeout_ms = 10000;
    c.seed = 1;
    c.udp_opt = (se_udp_options){NULL, 0, 1, 5, 1000};
    c.sockopts.tos = -1;
    char err[256];
    se_args args;
    se_args_init(&args, argc, argv);
    for (;;) {
        int id = se_args_next(&args, client_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_ERROR)
            return se_usage_error("%s", err);
        if (id == OPT_HELP) {
            printf(client_usage, SOCKECHO_BACKENDS);
            return 0;
        }
        int rc = parse_option(id, &args, &c);
        if (rc)
            return rc;
    }
    int rc = check_combinations(&c);
    if (rc)
        return rc;
    if (c.udp) {
        c.udp_opt.message = c.have_size ? NULL : c.message ? c.message : DEFAULT_MESSAGE;
        c.udp_opt.size = (size_t)c.size;
        c.udp_opt.seed = c.seed;
        return run_udp(opt, &c.udp_opt, c.json, c.quiet);
    }

    FILE *report = opt->output_path && strcmp(opt->output_path, "-") == 0 ? stderr : stdout;
    if (c.verbose)
        opt->on_log = log_line;
    se_tls_config *tls_config = NULL;
    if (se_cli_tls_config(&c.tls, 0, &tls_config, err, sizeof err))
        return se_usage_error("%s", err);
    opt->tls = tls_config;
    opt->tls_servername = c.tls.servername;

    rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        se_tls_config_free(tls_config);
        return 1;
    }
    char started[40];
    se_utc_timestamp(started, sizeof started);
    se_payload payload;
    if (c.file) {
        rc = se_payload_stream(&payload, c.file);
        if (rc) {
            se_client_result failed;
            memset(&failed, 0, sizeof failed);
            failed.verdict = SE_VERDICT_ERROR;
            failed.error = rc;
            failed.connect_ms = failed.transfer_ms = failed.close_ms = -1;
            snprintf(failed.detail, sizeof failed.detail, "cannot open %s: %s", c.file,
                     se_strerror(rc));
            if (c.json)
                se_report_client_json(report, &failed, opt->host, started);
            else
                se_error_line("%s", failed.detail);
            se_platform_cleanup();
            se_tls_config_free(tls_config);
            return se_exit_code(SE_VERDICT_ERROR);
        }
    } else if (c.have_size) {
        se_payload_pattern(&payload, c.size, c.seed);
    } else {
        const char *text = c.message ? c.message : DEFAULT_MESSAGE;
        se_payload_message(&payload, text, strlen(text));
    }

    /* A live progress line only on a terminal, never in files or pipes,
     * and not under --interval's records. */
    se_progress progress;
    se_client_watch watch = {
        &payload, c.time_ms, c.interval_ms, c.json, c.json ? stdout : stderr, NULL, 0, 0, 0, 0,
        0,        0};
    if (!c.quiet && !c.interval_ms && se_stderr_is_tty()) {
        uint64_t total = c.file || c.time_ms ? 0 : payload.size + opt->expect_trailer;
        se_progress_init(&progress, stderr, total);
        watch.progress = &progress;
    }
    /* Ctrl-C ends the session with the report so far (verdict interrupted):
     * the watch, on the client's tick, reads the count of stop signals. */
    int stop_watch = se_stop_signals_install(ignore_stop, NULL) == 0;
    se_client_watch_start(&watch);
    opt->on_tick = se_client_watch_tick;
    opt->tick_arg = &watch;
    opt->tick_ms = SE_WATCH_TICK_MS;
    se_client_result result;
    se_verdict verdict = se_client_run(opt, &payload, &result);
    se_client_watch_finish(&watch);
    if (c.verbose)
        se_report_tls_line(stderr, &result);
    if (stop_watch)
        se_stop_signals_restore();
    int connected = result.address[0] != '\0';
    if (c.json) {
        se_report_client_json(report, &result, opt->host, started);
    } else if (!c.quiet) {
        if (connected)
            se_report_client_text(report, &result);
        if (verdict != SE_VERDICT_COMPLETE)
            se_error_line("%s", result.detail);
        else if (c.verbose)
            se_error_line("complete: %llu bytes echoed, then FIN",
                          (unsigned long long)result.bytes_received);
        if (c.verbose && result.have_sockopts) {
            char text[300];
            se_sockopts_describe(&result.sockopts, text, sizeof text);
            se_error_line("socket options: %s", text);
        }
    }
    fflush(report);
    se_client_result_free(&result);
    se_tls_config_free(tls_config);
    se_payload_close(&payload);
    se_platform_cleanup();
    return se_exit_code(verdict);
}
