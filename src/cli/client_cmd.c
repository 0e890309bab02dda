/* `sockecho client`: options, then one verifying session, then the report.
 * Every option is parsed and checked before anything touches the network. */
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/sockopt_args.h"
#include "client/client.h"
#include "client/progress.h"
#include "client/udp_client.h"
#include "conn/proxy_url.h"
#include "tls_options.h"
#include "tls_report.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MESSAGE "this is a test"

enum {
    OPT_IPV4 = 1,
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
    OPT_PROXY_SOURCE
};

static const char client_usage[] =
    "usage: sockecho client [options] HOST [PORT]\n"
    "\n"
    "Connects to HOST (port 27015), sends the payload while reading the echo,\n"
    "half-closes, reads until the server's FIN, and verifies every byte.\n"
    "\n"
    "  -4, -6                  use IPv4 / IPv6 addresses only\n"
    "  -m, --message TEXT      payload (default: \"this is a test\")\n"
    "  -f, --file PATH         payload from a file ('-': standard input)\n"
    "  -s, --size BYTES        generated payload of BYTES (K, M, G suffixes)\n"
    "      --seed N            pattern seed for --size (default 1)\n"
    "  -o, --output FILE       write the echo to FILE ('-': standard output)\n"
    "      --connect-timeout T per-address connect timeout (default 5s)\n"
    "      --idle-timeout T    give up when nothing moves for T (30s; 0: never)\n"
    "      --drain-timeout T   no FIN T after the half-close (default 10s, 0: never)\n"
    "      --expect-trailer N  expect N bytes of server --trailer after the echo\n"
    "      --proxy URL         through socks5[h]://[USER:PASS@]HOST:PORT or\n"
    "                          http://[USER:PASS@]HOST:PORT (HTTP CONNECT)\n"
    "      --send-proxy v1|v2  send a PROXY protocol header first\n"
    "      --proxy-source A:P  the client address that header claims\n" SE_SOCKOPT_USAGE
    "      --backend NAME      event loop backend: %s\n"
    "      --udp, --count N, --timeout T  UDP echo: N datagrams (default 5), each\n"
    "                          awaited T (default 1s)\n"
    "      --tls, --tls-ca FILE, --tls-insecure, --tls-servername N, --tls-alpn LIST,\n"
    "      --tls-min 1.2|1.3: TLS, the server verified (see sockecho-client(1))\n"
    "      --json              print one JSON object instead of the report\n"
    "  -q, --quiet             print nothing; the exit code is the verdict\n"
    "  -v, --verbose           log connect attempts and the verdict\n"
    "  -h, --help              show this help\n"
    "\n"
    "Durations: 500ms, 1.5s, 2m (a bare number is seconds).\n"
    "Exit codes (verdicts): 0 complete, 1 error, 2 usage, 3 resolve, 4 refused,\n"
    "5 unreachable, 6 truncated, 7 excess, 8 mismatch, 9 reset, 10 timeout,\n"
    "11 proxy-unreachable, 12 proxy-refused, 13 proxy-auth-failed, 14 tls.\n"
    "\n"
    "Examples:\n"
    "  sockecho client 127.0.0.1\n"
    "  sockecho client -s 64M --json example.net 7\n"
    "  sockecho client -f data.bin -o echo.bin ::1 27015\n";

static const se_optdef client_options[] = {
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
    {NULL, 0, 0, 0},
};

static int run_udp(const se_client_options *opt, const se_udp_options *udp, int json, int quiet)
{
    int rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        return 1;
    }
    se_udp_result result;
    se_verdict verdict = se_udp_client_run(opt, udp, &result);
    if (json)
        se_report_udp_json(stdout, &result, opt->host);
    else if (!quiet && result.sent)
        se_report_udp_text(stdout, &result);
    if (!json && !quiet && verdict != SE_VERDICT_COMPLETE)
        fprintf(stderr, "%s: %s\n", se_command_name, result.detail);
    fflush(stdout);
    se_platform_cleanup();
    return se_verdict_exit_code(verdict);
}

int se_cmd_client(int argc, char **argv)
{
    se_command_name = "sockecho client";
    se_client_options opt;
    memset(&opt, 0, sizeof opt);
    opt.family = AF_UNSPEC;
    opt.port = DEFAULT_PORT;
    opt.connect_timeout_ms = 5000;
    opt.idle_timeout_ms = 30000;
    opt.drain_timeout_ms = 10000;
    const char *message = NULL, *file = NULL;
    uint64_t size = 0, seed = 1;
    int have_size = 0, json = 0, quiet = 0, verbose = 0, positional = 0, port, udp = 0;
    int udp_only = 0; /* an option that only --udp uses was given */
    se_udp_options udp_opt = {NULL, 0, 1, 5, 1000};
    se_proxy_url proxy;
    se_sockaddr proxy_source;
    se_sockopts sockopts = {.tos = -1};
    se_cli_tls tls = {0};
    char err[256];
    se_args args;
    se_args_init(&args, argc, argv);
    for (;;) {
        int id = se_args_next(&args, client_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_ERROR)
            return se_usage_error("%s", err);
        const char *v = args.value;
        int handled = se_sockopt_arg(id, &args, &sockopts);
        if (handled == EXIT_USAGE)
            return EXIT_USAGE;
        if (handled)
            continue;
        if (se_cli_tls_is_option(id)) {
            if (se_cli_tls_parse(&tls, id, args.name, v, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            continue;
        }
        switch (id) {
        case SE_ARG_POSITIONAL:
            if (positional == 0) {
                opt.host = v;
            } else if (positional == 1) {
                if (se_parse_port(v, 0, &port, err, sizeof err))
                    return se_usage_error("PORT: %s", err);
                opt.port = v;
            } else {
                return se_usage_error("unexpected argument '%.40s'", v);
            }
            positional++;
            break;
        case OPT_IPV4:
            opt.family = opt.family == AF_INET6 ? -1 : AF_INET;
            break;
        case OPT_IPV6:
            opt.family = opt.family == AF_INET ? -1 : AF_INET6;
            break;
        case OPT_MESSAGE:
            message = v;
            break;
        case OPT_FILE:
            file = v;
            break;
        case OPT_SIZE:
            if (se_parse_bytes(v, 0, 1ull << 40, &size, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            have_size = 1;
            break;
        case OPT_SEED:
            if (se_parse_uint(v, 0, UINT64_MAX, &seed, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            break;
        case OPT_OUTPUT:
            opt.output_path = v;
            break;
        case OPT_CONNECT_TIMEOUT:
        case OPT_IDLE_TIMEOUT:
        case OPT_DRAIN_TIMEOUT: {
            uint64_t ms;
            if (se_parse_duration_ms(v, MAX_DURATION_MS, &ms, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            if (id == OPT_CONNECT_TIMEOUT)
                opt.connect_timeout_ms = ms;
            else if (id == OPT_IDLE_TIMEOUT)
                opt.idle_timeout_ms = ms;
            else
                opt.drain_timeout_ms = ms;
            break;
        }
        case OPT_BACKEND:
            opt.backend = v;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_QUIET:
            quiet = 1;
            break;
        case OPT_VERBOSE:
            verbose = 1;
            break;
        case OPT_HELP:
            printf(client_usage, SOCKECHO_BACKENDS);
            return 0;
        case OPT_EXPECT_TRAILER:
            if (se_parse_bytes(v, 0, 1ull << 30, &opt.expect_trailer, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            break;
        case OPT_UDP:
            udp = 1;
            break;
        case OPT_PROXY: {
            const char *why;
            if (se_proxy_url_parse(v, &proxy, &why))
                return se_usage_error("%s: %s", args.name, why);
            opt.proxy = &proxy;
            break;
        }
        case OPT_SEND_PROXY:
            if (strcmp(v, "v1") == 0 || strcmp(v, "1") == 0)
                opt.send_proxy = 1;
            else if (strcmp(v, "v2") == 0 || strcmp(v, "2") == 0)
                opt.send_proxy = 2;
            else
                return se_usage_error("%s: '%.40s' is not v1 or v2", args.name, v);
            break;
        case OPT_PROXY_SOURCE:
            if (se_parse_addr_port(v, &proxy_source, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            opt.proxy_source = &proxy_source.sa;
            break;
        case OPT_COUNT:
            if (se_parse_uint(v, 1, 1000000, &udp_opt.count, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            udp_only = 1;
            break;
        case OPT_TIMEOUT:
            if (se_parse_duration_ms(v, MAX_DURATION_MS, &udp_opt.timeout_ms, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            if (udp_opt.timeout_ms == 0)
                return se_usage_error("%s: must be more than 0", args.name);
            udp_only = 1;
            break;
        }
    }
    if (!opt.host)
        return se_usage_error("missing HOST");
    if (opt.family == -1)
        return se_usage_error("-4 and -6 exclude each other");
    if ((message != NULL) + (file != NULL) + have_size > 1)
        return se_usage_error("--message, --file and --size exclude each other");
    if (quiet && (json || verbose))
        return se_usage_error("-q excludes %s", json ? "--json" : "-v");
    if (opt.connect_timeout_ms == 0)
        return se_usage_error("--connect-timeout: must be more than 0");
    if (opt.backend && se_check_backend(opt.backend))
        return se_usage_error("--backend: unknown backend '%.40s' (available: %s)", opt.backend,
                              SOCKECHO_BACKENDS);
    if (udp_only && !udp)
        return se_usage_error("--count and --timeout go with --udp");
    if (opt.proxy_source && !opt.send_proxy)
        return se_usage_error("--proxy-source goes with --send-proxy");
    if (udp && (opt.proxy || opt.send_proxy || se_sockopts_given(&sockopts)))
        return se_usage_error("--udp excludes --proxy, --send-proxy and the socket options");
    if (se_sockopts_given(&sockopts))
        opt.sockopts = &sockopts;
    if (se_cli_tls_check(&tls, err, sizeof err))
        return se_usage_error("%s", err);
    if (udp && tls.enabled)
        return se_usage_error("--udp excludes --tls");
    if (udp && (file || opt.output_path || opt.expect_trailer))
        return se_usage_error("--udp excludes --file, --output and --expect-trailer");
    if (udp && have_size && (size == 0 || size > 65507))
        return se_usage_error("--size: a datagram holds 1-65507 bytes");
    if (udp) {
        udp_opt.message = have_size ? NULL : message ? message : DEFAULT_MESSAGE;
        udp_opt.size = (size_t)size;
        udp_opt.seed = seed;
        return run_udp(&opt, &udp_opt, json, quiet);
    }

    FILE *report = opt.output_path && strcmp(opt.output_path, "-") == 0 ? stderr : stdout;
    if (verbose)
        opt.log = stderr;
    se_tls_config *tls_config = NULL;
    if (se_cli_tls_config(&tls, 0, &tls_config, err, sizeof err))
        return se_usage_error("%s", err);
    opt.tls = tls_config;
    opt.tls_servername = tls.servername;

    int rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        se_tls_config_free(tls_config);
        return 1;
    }
    se_payload payload;
    if (file) {
        rc = se_payload_stream(&payload, file);
        if (rc) {
            fprintf(stderr, "%s: cannot open %s: %s\n", se_command_name, file, se_strerror(rc));
            se_tls_config_free(tls_config);
            se_platform_cleanup();
            return se_verdict_exit_code(SE_VERDICT_ERROR);
        }
    } else if (have_size) {
        se_payload_pattern(&payload, size, seed);
    } else {
        const char *text = message ? message : DEFAULT_MESSAGE;
        se_payload_message(&payload, text, strlen(text));
    }

    /* A live progress line only on a terminal, never in files or pipes. */
    se_progress progress;
    if (!quiet && se_stderr_is_tty()) {
        uint64_t total = file ? 0 : payload.size + opt.expect_trailer;
        se_progress_init(&progress, stderr, total);
        opt.progress = &progress;
    }
    se_client_result result;
    se_verdict verdict = se_client_run(&opt, &payload, &result);
    if (verbose)
        se_report_tls_line(stderr, &result);
    int connected = result.address[0] != '\0';
    if (json) {
        se_report_client_json(report, &result, opt.host);
    } else if (!quiet) {
        if (connected)
            se_report_client_text(report, &result);
        if (verdict != SE_VERDICT_COMPLETE)
            fprintf(stderr, "%s: %s\n", se_command_name, result.detail);
        else if (verbose)
            fprintf(stderr, "%s: complete: %llu bytes echoed, then FIN\n", se_command_name,
                    (unsigned long long)result.bytes_received);
        if (verbose && result.have_sockopts) {
            char text[300];
            se_sockopts_describe(&result.sockopts, text, sizeof text);
            fprintf(stderr, "%s: socket options: %s\n", se_command_name, text);
        }
    }
    fflush(report);
    se_client_result_free(&result);
    se_tls_config_free(tls_config);
    se_payload_close(&payload);
    se_platform_cleanup();
    return se_verdict_exit_code(verdict);
}
