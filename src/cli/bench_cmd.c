/* `sockecho bench`: options, then the load run (src/bench/). Every option is
 * parsed and checked, bad combinations included, before anything touches the
 * network. */
#include "bench/bench.h"
#include "cli/bench_report.h"
#include "bench/source.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/sockopt_args.h"
#include "metrics/responder.h"
#include "conn/proxy_url.h"
#include "exit_code.h"
#include "tls_options.h"
#include "util/rfc3339.h"
#include "platform/platform.h"

#include <stdio.h>
#include <string.h>

#define MAX_BENCH_MS (3600ull * 1000)
#define MAX_CONNS 1000000
#define MAX_THREADS 64
#define MAX_SIZE (16ull << 20)
#define MAX_START_AHEAD_MS (24ull * 3600 * 1000)

enum {
    OPT_PORT = 1,
    OPT_IPV4,
    OPT_IPV6,
    OPT_MODE,
    OPT_CONNS,
    OPT_SIZE,
    OPT_RATE,
    OPT_BYTES,
    OPT_COUNT,
    OPT_DURATION,
    OPT_WARMUP,
    OPT_START_AT,
    OPT_THREADS,
    OPT_SEED,
    OPT_SOURCE_RANGE,
    OPT_SEND_PROXY,
    OPT_PROXY_SOURCE,
    OPT_CONNECT_TIMEOUT,
    OPT_TIMEOUT,
    OPT_INTERVAL,
    OPT_JSON,
    OPT_METRICS,
    OPT_BACKEND,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_PROXY,
    OPT_ATTEMPT_DELAY,
    OPT_UNIX
};

static const char bench_usage[] =
    "usage: sockecho bench [options] HOST [PORT]\n"
    "       sockecho bench merge [--json] FILE...\n"
    "\n"
    "Loads the echo server on HOST (port 27015) and verifies every echoed byte.\n"
    "\n"
    "      --mode MODE         rr (default): message, echo, repeat; rate: open loop\n"
    "                          at --rate msg/s; sessions: connect, send, half-close,\n"
    "                          read to FIN, repeat; bulk: both ways; idle: hold\n"
    "  -c, --conns N           connections (default 10; bulk 1, idle 100);\n"
    "      --concurrency N     sessions: the same, in flight (default 32)\n"
    "  -s, --size BYTES        message / session payload size (default 64)\n"
    "  -r, --rate N, --bytes BYTES  rate: msg/s, all connections; bulk: bytes each\n"
    "  -n, --count N           stop after N messages (rr, rate) or sessions\n"
    "  -d, --duration T        measured time (default 10s, at most 1h)\n"
    "  -w, --warmup T          unmeasured time first (default 0)\n"
    "      --start-at TIME     measure from TIME (RFC 3339 or +T), shared by hosts\n"
    "  -t, --threads N, --seed N  worker threads, one loop each (1); pattern seed (1)\n"
    "      --source-range CIDR source addresses (default 127.0.0.0/8 for loopback)\n"
    "      --send-proxy V, --proxy-source ADDR  PROXY header v1|v2 (claiming "
    "ADDR:P)\n" SE_SOCKOPT_USAGE
    "      --proxy URL         via socks5[h]:// or http:// [USER:PASS@]HOST:PORT\n"
    "      --connect-timeout T, --attempt-delay T  per address (5s); Happy Eyeballs\n"
    "                          race: the next address after T (250ms; 0: in turn)\n"
    "      --idle-timeout T, --timeout T  fail one waiting T for a byte (10s)\n"
    "      --tls, --tls-insecure, --tls-ca FILE, --tls-servername NAME, --tls-alpn L,\n"
    "      --tls-min V, --tls-resume  TLS as the client's; resume TLS sessions\n"
    "      --json, --interval T  JSON (NDJSON with --interval); report every T too\n"
    "      --metrics ADDR:PORT serve Prometheus metrics on GET /metrics while running\n"
    "      --backend NAME      event loop backend: %s\n"
    "  -p, --port PORT, -4, -6, --unix PATH  port; IPv4/IPv6 only; Unix socket PATH\n"
    "  -q, --quiet, -v, --verbose, -h, --help  errors only; the plan too; this help\n"
    "\n"
    "Sizes: 64k, 64K, 64KiB, 1M, 2G, 1T (powers of 1024). Exit codes: 0 every\n"
    "byte verified, 1 error, 2 usage, 3 resolve, 4 refused, 5 unreachable,\n"
    "6 truncated, 7 excess, 8 mismatch, 9 reset, 10 timeout, 14 tls.\n"
    "\n"
    "Examples:\n"
    "  sockecho bench --start-at 2026-11-28T18:30:00Z --json 127.0.0.1 > gen1.json\n"
    "  sockecho bench merge gen1.json gen2.json\n";

static const se_optdef bench_options[] = {
    {"port", 'p', 1, OPT_PORT},
    {"ipv4", '4', 0, OPT_IPV4},
    {"ipv6", '6', 0, OPT_IPV6},
    {"mode", 0, 1, OPT_MODE},
    {"conns", 'c', 1, OPT_CONNS},
    {"concurrency", 0, 1, OPT_CONNS},
    {"size", 's', 1, OPT_SIZE},
    {"rate", 'r', 1, OPT_RATE},
    {"bytes", 0, 1, OPT_BYTES},
    {"count", 'n', 1, OPT_COUNT},
    {"duration", 'd', 1, OPT_DURATION},
    {"warmup", 'w', 1, OPT_WARMUP},
    {"start-at", 0, 1, OPT_START_AT},
    {"threads", 't', 1, OPT_THREADS},
    {"seed", 0, 1, OPT_SEED},
    {"source-range", 0, 1, OPT_SOURCE_RANGE},
    {"send-proxy", 0, 1, OPT_SEND_PROXY},
    {"proxy-source", 0, 1, OPT_PROXY_SOURCE},
    SE_SOCKOPT_OPTDEFS,
    {"connect-timeout", 0, 1, OPT_CONNECT_TIMEOUT},
    {"attempt-delay", 0, 1, OPT_ATTEMPT_DELAY},
    {"proxy", 0, 1, OPT_PROXY},
    {"unix", 0, 1, OPT_UNIX},
    {"idle-timeout", 0, 1, OPT_TIMEOUT},
    {"timeout", 0, 1, OPT_TIMEOUT},
    {"interval", 0, 1, OPT_INTERVAL},
    {"json", 0, 0, OPT_JSON},
    {"metrics", 0, 1, OPT_METRICS},
    {"backend", 0, 1, OPT_BACKEND},
    {"tls", 0, 0, SE_OPT_TLS},
    {"tls-ca", 0, 1, SE_OPT_TLS_CA},
    {"tls-insecure", 0, 0, SE_OPT_TLS_INSECURE},
    {"tls-servername", 0, 1, SE_OPT_TLS_SERVERNAME},
    {"tls-alpn", 0, 1, SE_OPT_TLS_ALPN},
    {"tls-min", 0, 1, SE_OPT_TLS_MIN},
    {"tls-resume", 0, 0, SE_OPT_TLS_RESUME},
    {"quiet", 'q', 0, OPT_QUIET},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

/* Which options were given, for the combination checks. */
typedef struct given {
    int conns, size, rate, bytes, count, warmup, positional, verbose;
    const char *port_option; /* -p's value */
    se_proxy_url proxy;      /* --proxy's, which opt->proxy points to */
} given;

static uint64_t default_conns(se_bench_mode mode)
{
    switch (mode) {
    case SE_BENCH_SESSIONS:
        return 32;
    case SE_BENCH_BULK:
        return 1;
    case SE_BENCH_IDLE:
        return 100;
    default:
        return 10;
    }
}

/* The address family HOST names when it is a numeric address: a ':' makes it
 * IPv6, digits and dots IPv4; AF_UNSPEC for a name. */
static int literal_family(const char *host)
{
    if (strchr(host, ':'))
        return AF_INET6;
    return strspn(host, "0123456789.") == strlen(host) ? AF_INET : AF_UNSPEC;
}

/* --source-range must be of the family the target will be reached in. */
static int check_source_family(const se_bench_options *opt)
{
    se_source_range range;
    char err[160];
    if (!opt->source_range || se_source_range_parse(opt->source_range, &range, err, sizeof err))
        return 0;
    int target = opt->family != AF_UNSPEC ? opt->family : literal_family(opt->host);
    int source = range.base.ss_family;
    if (target == AF_UNSPEC || target == source)
        return 0;
    return se_usage_error("--source-range %.60s is %s, the target is %s", opt->source_range,
                          source == AF_INET ? "IPv4" : "IPv6", target == AF_INET ? "IPv4" : "IPv6");
}

/* The block that rejects bad combinations (netcat's model). */
static int check_combinations(se_bench_options *opt, const given *g)
{
    se_bench_mode m = opt->mode;
    const char *mode = se_bench_mode_name(m);
    int messages = m == SE_BENCH_RR || m == SE_BENCH_RATE;
    if (opt->unix_path) {
        if (opt->host || g->port_option)
            return se_usage_error("--unix PATH replaces HOST and PORT");
        if (opt->family != AF_UNSPEC || opt->source_range || opt->proxy || opt->send_proxy ||
            se_sockopts_given(&opt->sockopts))
            return se_usage_error("--unix excludes -4, -6, --source-range, --proxy, "
                                  "--send-proxy and the socket options");
        opt->host = opt->unix_path; /* what the reports name */
        opt->port = "0";
    }
    if (!opt->host)
        return se_usage_error("missing HOST");
    if (!*opt->host)
        return se_usage_error("HOST is empty");
    if (g->port_option && g->positional > 1)
        return se_usage_error("PORT given twice: -p %.20s and %.20s", g->port_option, opt->port);
    if (g->port_option)
        opt->port = g->port_option;
    if (opt->family == -1)
        return se_usage_error("-4 and -6 exclude each other");
    if (opt->quiet && (opt->json || g->verbose || opt->interval_ms))
        return se_usage_error("-q excludes %s", opt->json    ? "--json"
                                                : g->verbose ? "-v"
                                                             : "--interval");
    int rc = check_source_family(opt);
    if (rc)
        return rc;
    if (m == SE_BENCH_RATE && !g->rate)
        return se_usage_error("--mode rate needs --rate");
    if (g->rate && m != SE_BENCH_RATE)
        return se_usage_error("--rate applies only to --mode rate, not %s", mode);
    if (g->bytes && m != SE_BENCH_BULK)
        return se_usage_error("--bytes applies only to --mode bulk, not %s", mode);
    if (g->size && !messages && m != SE_BENCH_SESSIONS)
        return se_usage_error("--size does not apply to --mode %s", mode);
    if (g->count && !messages && m != SE_BENCH_SESSIONS)
        return se_usage_error("--count does not apply to --mode %s", mode);
    if (!g->conns)
        opt->conns = default_conns(m);
    if (opt->conns < opt->threads)
        return se_usage_error("--threads %llu needs at least as many connections (-c)",
                              (unsigned long long)opt->threads);
    if (g->count && opt->count < opt->threads)
        return se_usage_error("--count must be at least --threads (%llu)",
                              (unsigned long long)opt->threads);
    if (opt->start_at_ns && g->warmup)
        return se_usage_error("--start-at and --warmup exclude each other (the time before "
                              "--start-at is the warm-up)");
    if (opt->start_at_ns && opt->start_at_ns + opt->duration_ms * 1000000 <= se_wall_ns())
        return se_usage_error("--start-at: the measured time (--start-at plus --duration) is over");
    if (opt->backend && se_check_backend(opt->backend))
        return se_usage_error("--backend: unknown backend '%.40s' (available: %s)", opt->backend,
                              SOCKECHO_BACKENDS);
    if (opt->has_proxy_source && !opt->send_proxy)
        return se_usage_error("--proxy-source goes with --send-proxy");
    return 0;
}

static int parse_duration(const se_args *args, uint64_t min_ms, uint64_t max_ms, uint64_t *out)
{
    char err[160];
    if (se_parse_duration_ms(args->value, max_ms, out, err, sizeof err))
        return se_usage_error("%s: %s", args->name, err);
    if (*out < min_ms)
        return se_usage_error("%s: must be at least %llu ms", args->name,
                              (unsigned long long)min_ms);
    return 0;
}

static int parse_count(const se_args *args, uint64_t min, uint64_t max, uint64_t *out)
{
    char err[160];
    if (se_parse_uint(args->value, min, max, out, err, sizeof err))
        return se_usage_error("%s: %s", args->name, err);
    return 0;
}

/* --start-at: an RFC 3339 time, or "+T" from now; at most a day ahead. */
static int parse_start_at(const se_args *args, uint64_t *out)
{
    char err[160];
    uint64_t now = se_wall_ns(), ms;
    if (args->value[0] == '+') {
        if (se_parse_duration_ms(args->value + 1, MAX_START_AHEAD_MS, &ms, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        *out = now + ms * 1000000;
        return 0;
    }
    if (se_rfc3339_parse(args->value, out))
        return se_usage_error("%s: '%.40s' is not an RFC 3339 time (2026-11-28T18:30:00Z) or +T",
                              args->name, args->value);
    if (*out > now + MAX_START_AHEAD_MS * 1000000)
        return se_usage_error("%s: more than 24 hours ahead", args->name);
    return 0;
}

static int parse_option(int id, const se_args *args, se_bench_options *opt, given *g)
{
    char err[160];
    const char *v = args->value;
    int handled = se_sockopt_arg(id, args, &opt->sockopts);
    if (handled)
        return handled == EXIT_USAGE ? EXIT_USAGE : 0;
    int port;
    switch (id) {
    case OPT_PORT:
        if (se_parse_port(v, 0, &port, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        g->port_option = v;
        return 0;
    case OPT_QUIET:
        opt->quiet = 1;
        return 0;
    case OPT_VERBOSE:
        g->verbose = 1;
        return 0;
    case OPT_IPV4:
        opt->family = opt->family == AF_INET6 ? -1 : AF_INET;
        return 0;
    case OPT_IPV6:
        opt->family = opt->family == AF_INET ? -1 : AF_INET6;
        return 0;
    case OPT_MODE:
        if (se_bench_mode_parse(v, &opt->mode))
            return se_usage_error("--mode: unknown mode '%.40s' (rr, rate, sessions, bulk, idle)",
                                  v);
        return 0;
    case OPT_CONNS:
        g->conns = 1;
        return parse_count(args, 1, MAX_CONNS, &opt->conns);
    case OPT_SIZE:
        g->size = 1;
        if (se_parse_bytes(v, 1, MAX_SIZE, &opt->size, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_RATE:
        g->rate = 1;
        return parse_count(args, 1, 100000000, &opt->rate);
    case OPT_BYTES:
        g->bytes = 1;
        if (se_parse_bytes(v, 1, 1ull << 50, &opt->bytes, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_COUNT:
        g->count = 1;
        return parse_count(args, 1, UINT64_MAX, &opt->count);
    case OPT_DURATION:
        return parse_duration(args, 1, MAX_BENCH_MS, &opt->duration_ms);
    case OPT_WARMUP:
        g->warmup = 1;
        return parse_duration(args, 0, MAX_BENCH_MS, &opt->warmup_ms);
    case OPT_START_AT:
        return parse_start_at(args, &opt->start_at_ns);
    case OPT_THREADS:
        return parse_count(args, 1, MAX_THREADS, &opt->threads);
    case OPT_SEED:
        return parse_count(args, 0, UINT64_MAX, &opt->seed);
    case OPT_SOURCE_RANGE: {
        se_source_range range;
        if (se_source_range_parse(v, &range, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        opt->source_range = v;
        return 0;
    }
    case OPT_SEND_PROXY:
        if (strcmp(v, "v1") == 0 || strcmp(v, "1") == 0)
            opt->send_proxy = 1;
        else if (strcmp(v, "v2") == 0 || strcmp(v, "2") == 0)
            opt->send_proxy = 2;
        else
            return se_usage_error("%s: '%.40s' is not v1 or v2", args->name, v);
        return 0;
    case OPT_PROXY_SOURCE:
        if (se_parse_addr_port(v, &opt->proxy_source, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        opt->has_proxy_source = 1;
        return 0;
    case OPT_CONNECT_TIMEOUT:
        return parse_duration(args, 1, MAX_DURATION_MS, &opt->connect_timeout_ms);
    case OPT_ATTEMPT_DELAY:
        return parse_duration(args, 0, MAX_DURATION_MS, &opt->attempt_delay_ms);
    case OPT_UNIX:
        opt->unix_path = v;
        return 0;
    case OPT_PROXY: {
        const char *why;
        if (se_proxy_url_parse(v, &g->proxy, &why))
            return se_usage_error("%s: %s", args->name, why);
        opt->proxy = &g->proxy;
        return 0;
    }
    case OPT_TIMEOUT:
        return parse_duration(args, 1, MAX_DURATION_MS, &opt->timeout_ms);
    case OPT_INTERVAL:
        return parse_duration(args, 10, MAX_BENCH_MS, &opt->interval_ms);
    case OPT_JSON:
        opt->json = 1;
        return 0;
    case OPT_BACKEND:
        opt->backend = v;
        return 0;
    case OPT_METRICS: /* parsed once the socket library runs */
        opt->metrics = v;
        return 0;
    }
    return 0;
}

/* Descriptors the run needs besides its connections: standard streams, the
 * orchestrator's and each worker's loop and wake-up sockets, a margin, and
 * with --metrics its listener and clients. */
static uint64_t descriptors_needed(const se_bench_options *opt)
{
    return opt->conns + 16 + 4 * opt->threads + (opt->metrics ? 9 : 0);
}

/* Raises the soft descriptor limit to the hard one, then refuses a run whose
 * connections cannot fit under it. */
static int check_descriptors(const se_bench_options *opt)
{
    uint64_t soft, hard;
    if (se_raise_descriptor_limit_to_hard(&soft, &hard) != 0)
        return 0; /* no per-process limit on this platform */
    uint64_t need = descriptors_needed(opt);
    if (need <= soft)
        return 0;
    return se_usage_error("-c %llu needs about %llu descriptors; the limit is %llu (hard limit "
                          "%llu; raise it with 'ulimit -Hn' as root, or use fewer connections)",
                          (unsigned long long)opt->conns, (unsigned long long)need,
                          (unsigned long long)soft, (unsigned long long)hard);
}

int se_cmd_bench(int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "merge") == 0)
        return se_cmd_bench_merge(argc - 1, argv + 1);
    se_command_name = "sockecho bench";
    se_bench_options opt;
    memset(&opt, 0, sizeof opt);
    opt.sockopts.tos = -1;
    opt.family = AF_UNSPEC;
    opt.port = DEFAULT_PORT;
    opt.size = 64;
    opt.threads = 1;
    opt.seed = 1;
    opt.duration_ms = 10000;
    opt.connect_timeout_ms = 5000;
    opt.attempt_delay_ms = 250;
    opt.timeout_ms = 10000;
    given g = {0};
    se_cli_tls tls = {0};
    int port;
    char err[256];
    se_args args;
    se_args_init(&args, argc, argv);
    for (;;) {
        int id = se_args_next(&args, bench_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_ERROR)
            return se_usage_error("%s", err);
        if (id == OPT_HELP) {
            printf(bench_usage, SOCKECHO_BACKENDS);
            return 0;
        }
        if (id == SE_ARG_POSITIONAL) {
            if (g.positional == 0)
                opt.host = args.value;
            else if (g.positional == 1 && se_parse_port(args.value, 0, &port, err, sizeof err))
                return se_usage_error("PORT: %s", err);
            else if (g.positional == 1)
                opt.port = args.value;
            else
                return se_usage_error("unexpected argument '%.40s'", args.value);
            g.positional++;
            continue;
        }
        if (se_cli_tls_is_option(id)) {
            if (se_cli_tls_parse(&tls, id, args.name, args.value, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            continue;
        }
        int rc = parse_option(id, &args, &opt, &g);
        if (rc)
            return rc;
    }
    int rc = check_combinations(&opt, &g);
    if (rc)
        return rc;
    if (se_cli_tls_check(&tls, err, sizeof err))
        return se_usage_error("%s", err);
    opt.progress = !opt.interval_ms && !opt.quiet && se_stderr_is_tty();
    char started[40];
    se_utc_timestamp(started, sizeof started);
    opt.started = started;
    rc = check_descriptors(&opt);
    if (rc)
        return rc;
    if (g.verbose)
        se_bench_report_header(stderr, &opt);
    se_tls_config *tls_config = NULL;
    if (se_cli_tls_config(&tls, 0, &tls_config, err, sizeof err))
        return se_usage_error("%s", err);
    opt.tls = tls_config;
    opt.tls_servername = tls.servername;

    rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        se_tls_config_free(tls_config);
        return 1;
    }
    se_bench_output output;
    se_bench_events events;
    se_bench_output_init(&output, &events, &opt);
    opt.events = &events;
    /* Windows' getaddrinfo needs the socket library. */
    if (opt.metrics && se_http_parse_listen_addr(opt.metrics, &opt.metrics_addr, err, sizeof err))
        rc = se_usage_error("--metrics: %s", err);
    else
        rc = se_exit_code(se_bench_run(&opt));
    se_platform_cleanup();
    se_tls_config_free(tls_config);
    return rc;
}
