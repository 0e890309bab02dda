/* The TLS options the commands share (--tls, --tls-cert, --tls-ca, ...):
 * their table entries, their parsing, and the config they make. */
#ifndef SOCKECHO_CLI_TLS_OPTIONS_H
#define SOCKECHO_CLI_TLS_OPTIONS_H

#include "cli/options.h"
#include "conn/tls_config.h"

/* Option ids, above every command's own; each command lists the options
 * it takes in its table: a server --tls, --tls-cert, --tls-key, --tls-alpn,
 * --tls-min; a client those but the certificate ones, and --tls-ca,
 * --tls-insecure, --tls-servername; bench also --tls-resume. */
enum {
    SE_OPT_TLS = 1100, /* after the socket options (cli/sockopt_args.h) */
    SE_OPT_TLS_CERT,
    SE_OPT_TLS_KEY,
    SE_OPT_TLS_CA,
    SE_OPT_TLS_INSECURE,
    SE_OPT_TLS_SERVERNAME,
    SE_OPT_TLS_ALPN,
    SE_OPT_TLS_MIN,
    SE_OPT_TLS_RESUME
};

typedef struct se_cli_tls {
    int enabled;            /* --tls */
    se_tls_options opt;     /* what the other options set */
    const char *servername; /* --tls-servername; NULL: HOST */
    const char *given;      /* the first --tls-* option seen, for messages */
} se_cli_tls;

/* 1 when ID is one of the SE_OPT_TLS* ids. */
int se_cli_tls_is_option(int id);

/* Applies option ID with VALUE (NAME as typed). Returns 0, or -1 with a
 * reason in ERR. */
int se_cli_tls_parse(se_cli_tls *tls, int id, const char *name, const char *value, char *err,
                     size_t err_size);

/* Checks the combination once every option is read. Returns 0, or -1 with a
 * reason in ERR ("--tls-ca needs --tls"). */
int se_cli_tls_check(const se_cli_tls *tls, char *err, size_t err_size);

/* Builds the config (SERVER: the server side). Returns 0 and *OUT (NULL
 * when TLS is off), or -1 with the reason in ERR. */
int se_cli_tls_config(se_cli_tls *tls, int server, se_tls_config **out, char *err, size_t err_size);

#endif
