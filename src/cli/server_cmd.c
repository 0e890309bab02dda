/* `sockecho server`: options, then the echo server until it stops; its
 * output is server_report.c's. */
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/server_report.h"
#include "cli/sockopt_args.h"
#include "metrics/responder.h"
#include "exit_code.h"
#include "platform/platform.h"
#include "server/server.h"
#include "tls_options.h"

#include <string.h>

enum {
    OPT_PORT = 1,
    OPT_BIND,
    OPT_IPV4,
    OPT_IPV6,
    OPT_BACKEND,
    OPT_MAX_BUFFER,
    OPT_DRAIN_TIMEOUT,
    OPT_ONCE,
    OPT_THREADS,
    OPT_MAX_CONNS,
    OPT_MAX_PER_SOURCE,
    OPT_IDLE_TIMEOUT,
    OPT_ALLOW,
    OPT_DENY,
    OPT_STATS_INTERVAL,
    OPT_JSON,
    OPT_SYSTEMD,
    OPT_INETD,
    OPT_UDP,
    OPT_UDP_RATE,
    OPT_TRAILER,
    OPT_DELAY_AFTER_EOF,
    OPT_FAULT,
    OPT_PROXY_PROTOCOL,
    OPT_PROXY_FROM,
    OPT_PROXY_TIMEOUT,
    OPT_METRICS,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_UNIX
};

static const char server_usage[] =
    "usage: sockecho server [options]\n"
    "\n"
    "Echoes every byte back on each connection; answers the client's FIN with its\n"
    "own once the echo is flushed. Prints 'listening on ADDR PORT' on stderr.\n"
    "\n"
    "  -p, --port PORT          port (default 27015; 0: any free port)\n"
    "  -b, --bind ADDR, -4, -6  listen on ADDR (default: all, dual-stack); v4/v6 only\n"
    "      --systemd, --inetd   sockets from systemd (LISTEN_FDS), inetd (stdin)\n"
    "      --unix PATH          listen on the Unix socket PATH instead ('@name':\n"
    "                           abstract, Linux; the file is removed at exit)\n"
    "      --threads N          event loops (default 1)\n"
    "      --backend NAME       event loop backend: %s\n"
    "      --max-buffer BYTES   pause reading above BYTES of unsent echo (256K)\n"
    "      --max-conns N        stop accepting at N open connections (0: no limit)\n"
    "      --max-per-source N   connections per client address (0: no limit)\n"
    "      --allow, --deny CIDR accept only / refuse these clients (repeatable)\n"
    "      --proxy-protocol     expect a PROXY header from the --proxy-from proxies\n"
    "      --proxy-from CIDR, --proxy-timeout T  proxies to trust (repeatable;\n"
    "                           others' headers are refused); header time (5s)\n" SE_SOCKOPT_USAGE
    "      --idle-timeout T     close connections idle for T (default 0: never)\n"
    "      --drain-timeout T    on Ctrl-C/SIGTERM, time to finish (default 5s)\n"
    "      --once               serve one client, then exit\n"
    "      --udp, --udp-rate N  also echo UDP (at most N datagrams/s per source)\n"
    "      --trailer BYTES      after the client's FIN, send BYTES more, then FIN\n"
    "      --delay-after-eof T  hold the last echo until T after the client's FIN\n"
    "      --fault SPEC         rst-after=N stall-after=N close-early=N slow-read=B/s\n"
    "      --interval T, --stats-interval T  print statistics every T (and at exit)\n"
    "      --tls, --tls-cert FILE, --tls-key FILE, --tls-alpn LIST, --tls-min V:\n"
    "                           TLS (no --tls-cert: an ephemeral self-signed one)\n"
    "      --metrics ADDR:PORT  serve Prometheus metrics on GET /metrics there\n"
    "      --json               NDJSON events and statistics on stdout\n"
    "  -q, --quiet              print errors (and the port --port 0 picked)\n"
    "  -v, --verbose, -h, --help  per-connection lines (-vv debug too); this help\n"
    "\n"
    "Exit codes: 0 stopped normally, 1 cannot run (e.g. port in use), 2 usage.\n"
    "\n"
    "Examples:\n"
    "  sockecho server --threads 2 --idle-timeout 5m --tls --metrics 127.0.0.1:9100\n";

static const se_optdef server_options[] = {
    {"port", 'p', 1, OPT_PORT},
    {"bind", 'b', 1, OPT_BIND},
    {"unix", 0, 1, OPT_UNIX},
    {"ipv4", '4', 0, OPT_IPV4},
    {"ipv6", '6', 0, OPT_IPV6},
    {"backend", 0, 1, OPT_BACKEND},
    {"max-buffer", 0, 1, OPT_MAX_BUFFER},
    {"drain-timeout", 0, 1, OPT_DRAIN_TIMEOUT},
    {"once", 0, 0, OPT_ONCE},
    {"threads", 0, 1, OPT_THREADS},
    {"max-conns", 0, 1, OPT_MAX_CONNS},
    {"max-per-source", 0, 1, OPT_MAX_PER_SOURCE},
    {"idle-timeout", 0, 1, OPT_IDLE_TIMEOUT},
    {"allow", 0, 1, OPT_ALLOW},
    {"deny", 0, 1, OPT_DENY},
    {"interval", 0, 1, OPT_STATS_INTERVAL},
    {"stats-interval", 0, 1, OPT_STATS_INTERVAL},
    {"json", 0, 0, OPT_JSON},
    {"systemd", 0, 0, OPT_SYSTEMD},
    {"inetd", 0, 0, OPT_INETD},
    {"udp", 0, 0, OPT_UDP},
    {"udp-rate", 0, 1, OPT_UDP_RATE},
    {"tls", 0, 0, SE_OPT_TLS},
    {"tls-cert", 0, 1, SE_OPT_TLS_CERT},
    {"tls-key", 0, 1, SE_OPT_TLS_KEY},
    {"tls-alpn", 0, 1, SE_OPT_TLS_ALPN},
    {"tls-min", 0, 1, SE_OPT_TLS_MIN},
    {"trailer", 0, 1, OPT_TRAILER},
    {"delay-after-eof", 0, 1, OPT_DELAY_AFTER_EOF},
    {"fault", 0, 1, OPT_FAULT},
    {"proxy-protocol", 0, 0, OPT_PROXY_PROTOCOL},
    {"proxy-from", 0, 1, OPT_PROXY_FROM},
    {"proxy-timeout", 0, 1, OPT_PROXY_TIMEOUT},
    SE_SOCKOPT_OPTDEFS,
    {"metrics", 0, 1, OPT_METRICS},
    {"quiet", 'q', 0, OPT_QUIET},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

/* Parses --fault's "KIND=VALUE". Returns 0 or -1 with a reason in ERR. */
static int parse_fault(const char *text, se_server_options *opt, char *err, size_t err_size)
{
    static const struct {
        const char *name;
        se_fault_kind kind;
    } kinds[] = {{"rst-after", SE_FAULT_RST_AFTER},
                 {"stall-after", SE_FAULT_STALL_AFTER},
                 {"close-early", SE_FAULT_CLOSE_EARLY},
                 {"slow-read", SE_FAULT_SLOW_READ}};
    const char *eq = strchr(text, '=');
    for (size_t i = 0; eq && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strlen(kinds[i].name) != (size_t)(eq - text) ||
            strncmp(text, kinds[i].name, (size_t)(eq - text)) != 0)
            continue;
        char value[64];
        snprintf(value, sizeof value, "%s", eq + 1);
        char *per_second = strstr(value, "/s");
        if (per_second && kinds[i].kind == SE_FAULT_SLOW_READ && per_second[2] == '\0')
            *per_second = '\0';
        uint64_t min = kinds[i].kind == SE_FAULT_SLOW_READ ? 1 : 0;
        if (se_parse_bytes(value, min, 1ull << 40, &opt->fault_value, err, err_size))
            return -1;
        opt->fault = kinds[i].kind;
        return 0;
    }
    snprintf(err, err_size,
             "'%.40s' is not a fault (rst-after=N, stall-after=N, close-early=N, slow-read=N)",
             text);
    return -1;
}

/* What the command line said beyond the options themselves: which options
 * were given, for the combination checks. */
typedef struct server_args {
    se_server_options opt;
    se_cli_tls tls;
    int json, quiet, verbose;
    int port_given, proxy_timeout_given;
    int systemd, inetd, faults;
} server_args;

/* Adds a CIDR range to LIST (of *COUNT). Returns 0 or a usage exit. */
static int add_range(const se_args *args, se_cidr *list, size_t *count)
{
    char err[160];
    if (*count == SE_POLICY_MAX_RANGES)
        return se_usage_error("%s: at most %d ranges", args->name, SE_POLICY_MAX_RANGES);
    if (se_cidr_parse(args->value, &list[*count], err, sizeof err))
        return se_usage_error("%s: %s", args->name, err);
    (*count)++;
    return 0;
}

/* The option ID's field of OPT when it is a duration, else NULL. */
static uint64_t *duration_field(int id, se_server_options *opt)
{
    switch (id) {
    case OPT_DRAIN_TIMEOUT:
        return &opt->drain_timeout_ms;
    case OPT_IDLE_TIMEOUT:
        return &opt->idle_timeout_ms;
    case OPT_STATS_INTERVAL:
        return &opt->stats_interval_ms;
    case OPT_DELAY_AFTER_EOF:
        return &opt->delay_after_eof_ms;
    case OPT_PROXY_TIMEOUT:
        return &opt->proxy_timeout_ms;
    default:
        return NULL;
    }
}

/* The option ID's field of OPT when it is a count, else NULL. */
static uint64_t *count_field(int id, se_server_options *opt)
{
    switch (id) {
    case OPT_MAX_CONNS:
        return &opt->max_conns;
    case OPT_MAX_PER_SOURCE:
        return &opt->max_per_source;
    case OPT_UDP_RATE:
        return &opt->udp_rate;
    default:
        return NULL;
    }
}

/* Applies one parsed option (not --help, not a TLS or socket option) to S.
 * Returns 0 or a usage exit. */
static int parse_option(int id, const se_args *args, server_args *s)
{
    se_server_options *opt = &s->opt;
    const char *v = args->value;
    char err[256];
    uint64_t value, *field;
    int port;
    if ((field = duration_field(id, opt)) != NULL) {
        s->proxy_timeout_given |= id == OPT_PROXY_TIMEOUT;
        if (se_parse_duration_ms(v, MAX_DURATION_MS, field, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    }
    if ((field = count_field(id, opt)) != NULL) {
        if (se_parse_uint(v, 0, UINT32_MAX, field, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    }
    switch (id) {
    case SE_ARG_POSITIONAL:
        return se_usage_error("unexpected argument '%.40s'", v);
    case OPT_PORT:
        if (se_parse_port(v, 1, &port, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        opt->port = v;
        s->port_given = 1;
        return 0;
    case OPT_BIND:
        if (!*v)
            return se_usage_error("%s: empty address", args->name);
        opt->bind = v;
        return 0;
    case OPT_IPV4:
        opt->family = opt->family == AF_INET6 ? -1 : AF_INET;
        return 0;
    case OPT_IPV6:
        opt->family = opt->family == AF_INET ? -1 : AF_INET6;
        return 0;
    case OPT_BACKEND:
        opt->backend = v;
        return 0;
    case OPT_MAX_BUFFER:
        if (se_parse_bytes(v, 1024, 1ull << 30, &value, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        opt->max_buffer = (size_t)value;
        return 0;
    case OPT_TRAILER:
        if (se_parse_bytes(v, 0, 1ull << 30, &opt->trailer, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_PROXY_PROTOCOL:
        opt->proxy_protocol = 1;
        return 0;
    case OPT_PROXY_FROM:
        return add_range(args, opt->proxy_from.allow, &opt->proxy_from.allow_count);
    case OPT_ALLOW:
        return add_range(args, opt->policy.allow, &opt->policy.allow_count);
    case OPT_DENY:
        return add_range(args, opt->policy.deny, &opt->policy.deny_count);
    case OPT_THREADS:
        if (se_parse_uint(v, 1, 256, &value, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        opt->threads = (int)value;
        return 0;
    case OPT_FAULT:
        if (s->faults++)
            return se_usage_error("%s given twice (one fault per server)", args->name);
        if (parse_fault(v, opt, err, sizeof err))
            return se_usage_error("%s: %s", args->name, err);
        return 0;
    case OPT_METRICS:
        opt->metrics = v;
        return 0;
    case OPT_JSON:
        s->json = 1;
        return 0;
    case OPT_SYSTEMD:
        s->systemd = 1;
        opt->listen_source = SE_LISTEN_SYSTEMD;
        return 0;
    case OPT_INETD:
        s->inetd = 1;
        opt->listen_source = SE_LISTEN_INETD;
        return 0;
    case OPT_UNIX:
        opt->unix_path = v;
        return 0;
    case OPT_UDP:
        opt->udp = 1;
        return 0;
    case OPT_ONCE:
        opt->once = 1;
        return 0;
    case OPT_QUIET:
        s->quiet = 1;
        return 0;
    case OPT_VERBOSE:
        s->verbose++;
        return 0;
    }
    return 0;
}

/* The block that rejects bad combinations (netcat's model). */
static int check_combinations(const server_args *s)
{
    const se_server_options *opt = &s->opt;
    char err[256];
    if (opt->family == -1)
        return se_usage_error("-4 and -6 exclude each other");
    if (s->quiet && s->verbose)
        return se_usage_error("-q excludes -v");
    if (s->systemd && s->inetd)
        return se_usage_error("--systemd and --inetd exclude each other");
    if (opt->once && opt->threads > 1)
        return se_usage_error("--once excludes --threads");
    if (opt->listen_source != SE_LISTEN_BIND &&
        (opt->bind || s->port_given || opt->family != AF_UNSPEC))
        return se_usage_error("--systemd and --inetd exclude --port, --bind, -4 and -6");
    if (opt->unix_path && (opt->listen_source != SE_LISTEN_BIND || opt->bind || s->port_given ||
                           opt->family != AF_UNSPEC || opt->udp))
        return se_usage_error("--unix excludes --port, --bind, -4, -6, --udp, --systemd and "
                              "--inetd");
    if (opt->unix_path &&
        (opt->policy.allow_count || opt->policy.deny_count || opt->max_per_source ||
         opt->proxy_protocol || s->tls.enabled || se_sockopts_given(&opt->sockopts)))
        return se_usage_error("--unix excludes the address rules (--allow, --deny, "
                              "--max-per-source, --proxy-protocol), --tls and the socket options");
    if (opt->listen_source != SE_LISTEN_BIND && opt->udp)
        return se_usage_error("--udp excludes --systemd and --inetd (pass a datagram socket)");
    if (opt->proxy_protocol && !opt->proxy_from.allow_count)
        return se_usage_error("--proxy-protocol needs --proxy-from CIDR: the proxies to trust");
    if (!opt->proxy_protocol && opt->proxy_from.allow_count)
        return se_usage_error("--proxy-from goes with --proxy-protocol");
    if (!opt->proxy_protocol && s->proxy_timeout_given)
        return se_usage_error("--proxy-timeout goes with --proxy-protocol");
    if (opt->proxy_protocol && opt->proxy_timeout_ms == 0)
        return se_usage_error("--proxy-timeout: must be more than 0");
    if (opt->udp_rate && !opt->udp)
        return se_usage_error("--udp-rate needs --udp");
    if (opt->backend && se_check_backend(opt->backend))
        return se_usage_error("--backend: unknown backend '%.40s' (available: %s)", opt->backend,
                              SOCKECHO_BACKENDS);
    if (se_cli_tls_check(&s->tls, err, sizeof err))
        return se_usage_error("%s", err);
    return 0;
}

/* Runs the server once the options hold: TLS set up and checked, the socket
 * library started. Returns the exit code. */
static int run_server(se_server_options *opt, se_cli_tls *tls)
{
    char err[256];
    se_tls_config *tls_config = NULL;
    if (se_cli_tls_config(tls, 1, &tls_config, err, sizeof err))
        return se_usage_error("%s", err);
    if (tls_config && se_tls_config_selftest(tls_config, err, sizeof err) != 0) {
        fprintf(stderr, "%s: --tls: %s\n", se_command_name, err);
        se_tls_config_free(tls_config);
        return 1;
    }
    opt->tls = tls_config;
    int rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        se_tls_config_free(tls_config);
        return 1;
    }
    /* Parsed once the socket library runs (Windows' getaddrinfo needs it). */
    if (opt->metrics &&
        se_http_parse_listen_addr(opt->metrics, &opt->metrics_addr, err, sizeof err))
        rc = se_usage_error("--metrics: %s", err);
    else
        rc = se_server_run(opt) == 0 ? 0 : EXIT_ERROR;
    se_platform_cleanup();
    se_tls_config_free(tls_config);
    return rc;
}

int se_cmd_server(int argc, char **argv)
{
    se_command_name = "sockecho server";
    server_args s;
    memset(&s, 0, sizeof s);
    se_server_options *opt = &s.opt;
    opt->port = DEFAULT_PORT;
    opt->family = AF_UNSPEC;
    opt->max_buffer = 256 * 1024;
    opt->drain_timeout_ms = 5000;
    opt->threads = 1;
    opt->listen_source = SE_LISTEN_BIND;
    opt->proxy_timeout_ms = 5000;
    opt->sockopts.tos = -1;
    char err[256];
    se_args args;
    se_args_init(&args, argc, argv);
    for (;;) {
        int id = se_args_next(&args, server_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_ERROR)
            return se_usage_error("%s", err);
        if (id == OPT_HELP) {
            printf(server_usage, SOCKECHO_BACKENDS);
            return 0;
        }
        int rc = se_sockopt_arg(id, &args, &opt->sockopts);
        if (rc == EXIT_USAGE)
            return EXIT_USAGE;
        if (rc)
            continue;
        if (se_cli_tls_is_option(id)) {
            if (se_cli_tls_parse(&s.tls, id, args.name, args.value, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            continue;
        }
        rc = parse_option(id, &args, &s);
        if (rc)
            return rc;
    }
    int rc = check_combinations(&s);
    if (rc)
        return rc;
    opt->verbosity = s.quiet ? 0 : 1 + (s.verbose > 2 ? 2 : s.verbose);
    /* The server reports; its lines and records are formatted here. */
    se_server_output output = {.out = stdout,
                               .err = stderr,
                               .json = s.json,
                               .verbosity = opt->verbosity,
                               .port_picked = strcmp(opt->port, "0") == 0};
    se_server_events events;
    se_server_output_init(&output, &events);
    opt->events = &events;
    return run_server(opt, &s.tls);
}
