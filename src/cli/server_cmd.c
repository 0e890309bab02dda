/* `sockecho server`: options, then the echo server until it stops. */
#include "cli/commands.h"
#include "cli/options.h"
#include "loop/loop.h"
#include "platform/platform.h"
#include "server/server.h"

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
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP
};

static const char server_usage[] =
    "usage: sockecho server [options]\n"
    "\n"
    "Echoes every byte back on each connection; answers the client's FIN with\n"
    "its own once the echo is flushed. Prints 'listening on ADDR PORT'.\n"
    "\n"
    "  -p, --port PORT         port to listen on (default 27015; 0: any free port)\n"
    "  -b, --bind ADDR         address to listen on (default: all, dual-stack)\n"
    "  -4, -6                  IPv4 / IPv6 only\n"
    "      --backend NAME      event loop backend: %s\n"
    "      --max-buffer BYTES  unsent echo per connection before reading pauses\n"
    "                          (default 256K)\n"
    "      --drain-timeout T   on Ctrl-C/SIGTERM, time for open connections to\n"
    "                          finish before they are reset (default 5s)\n"
    "      --once              serve one client, then exit\n"
    "  -q, --quiet             print errors only\n"
    "  -v, --verbose           print per-connection lines\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit codes: 0 stopped normally, 1 cannot run (e.g. port in use), 2 usage.\n"
    "\n"
    "Examples:\n"
    "  sockecho server\n"
    "  sockecho server --once -v --bind 127.0.0.1 --port 0\n";

static const se_optdef server_options[] = {
    {"port", 'p', 1, OPT_PORT},
    {"bind", 'b', 1, OPT_BIND},
    {"ipv4", '4', 0, OPT_IPV4},
    {"ipv6", '6', 0, OPT_IPV6},
    {"backend", 0, 1, OPT_BACKEND},
    {"max-buffer", 0, 1, OPT_MAX_BUFFER},
    {"drain-timeout", 0, 1, OPT_DRAIN_TIMEOUT},
    {"once", 0, 0, OPT_ONCE},
    {"quiet", 'q', 0, OPT_QUIET},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

int se_cmd_server(int argc, char **argv)
{
    se_command_name = "sockecho server";
    se_server_options opt;
    memset(&opt, 0, sizeof opt);
    opt.port = DEFAULT_PORT;
    opt.family = AF_UNSPEC;
    opt.max_buffer = 256 * 1024;
    opt.drain_timeout_ms = 5000;
    opt.verbosity = 1;
    int quiet = 0, verbose = 0, port;
    uint64_t value;
    char err[256];
    se_args args;
    se_args_init(&args, argc, argv);
    for (;;) {
        int id = se_args_next(&args, server_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_ERROR)
            return se_usage_error("%s", err);
        const char *v = args.value;
        switch (id) {
        case SE_ARG_POSITIONAL:
            return se_usage_error("unexpected argument '%.40s'", v);
        case OPT_PORT:
            if (se_parse_port(v, 1, &port, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            opt.port = v;
            break;
        case OPT_BIND:
            if (!*v)
                return se_usage_error("%s: empty address", args.name);
            opt.bind = v;
            break;
        case OPT_IPV4:
            opt.family = opt.family == AF_INET6 ? -1 : AF_INET;
            break;
        case OPT_IPV6:
            opt.family = opt.family == AF_INET ? -1 : AF_INET6;
            break;
        case OPT_BACKEND:
            opt.backend = v;
            break;
        case OPT_MAX_BUFFER:
            if (se_parse_bytes(v, 1024, 1ull << 30, &value, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            opt.max_buffer = (size_t)value;
            break;
        case OPT_DRAIN_TIMEOUT:
            if (se_parse_duration_ms(v, MAX_DURATION_MS, &value, err, sizeof err))
                return se_usage_error("%s: %s", args.name, err);
            opt.drain_timeout_ms = value;
            break;
        case OPT_ONCE:
            opt.once = 1;
            break;
        case OPT_QUIET:
            quiet = 1;
            break;
        case OPT_VERBOSE:
            verbose = 1;
            break;
        case OPT_HELP:
            printf(server_usage, se_loop_backend_names());
            return 0;
        }
    }
    if (opt.family == -1)
        return se_usage_error("-4 and -6 exclude each other");
    if (quiet && verbose)
        return se_usage_error("-q excludes -v");
    if (opt.backend && se_check_backend(opt.backend))
        return se_usage_error("--backend: unknown backend '%.40s' (available: %s)", opt.backend,
                              se_loop_backend_names());
    opt.verbosity = quiet ? 0 : verbose ? 2 : 1;

    int rc = se_platform_init();
    if (rc) {
        fprintf(stderr, "%s: cannot start the socket library: %s\n", se_command_name,
                se_strerror(rc));
        return 1;
    }
    rc = se_server_run(&opt);
    se_platform_cleanup();
    return rc;
}
