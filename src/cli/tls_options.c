/* The TLS options the commands share; see tls_options.h. */
#include "tls_options.h"

#include <stdio.h>
#include <string.h>

int se_cli_tls_is_option(int id)
{
    return id >= SE_OPT_TLS && id <= SE_OPT_TLS_RESUME;
}

int se_cli_tls_parse(se_cli_tls *tls, int id, const char *name, const char *value, char *err,
                     size_t err_size)
{
    if (id != SE_OPT_TLS && !tls->given)
        tls->given = name[0] == '-' ? name + 2 : name; /* "--tls-ca" -> "tls-ca" */
    switch (id) {
    case SE_OPT_TLS:
        tls->enabled = 1;
        break;
    case SE_OPT_TLS_CERT:
        tls->opt.cert_file = value;
        break;
    case SE_OPT_TLS_KEY:
        tls->opt.key_file = value;
        break;
    case SE_OPT_TLS_CA:
        tls->opt.ca_file = value;
        break;
    case SE_OPT_TLS_INSECURE:
        tls->opt.insecure = 1;
        break;
    case SE_OPT_TLS_SERVERNAME:
        if (!*value) {
            snprintf(err, err_size, "empty name");
            return -1;
        }
        tls->servername = value;
        break;
    case SE_OPT_TLS_ALPN:
        tls->opt.alpn = value;
        break;
    case SE_OPT_TLS_MIN:
        if (strcmp(value, "1.2") == 0) {
            tls->opt.min_version = 12;
        } else if (strcmp(value, "1.3") == 0) {
            tls->opt.min_version = 13;
        } else {
            snprintf(err, err_size, "'%.20s' is not 1.2 or 1.3", value);
            return -1;
        }
        break;
    case SE_OPT_TLS_RESUME:
        tls->opt.resume = 1;
        break;
    }
    return 0;
}

int se_cli_tls_check(const se_cli_tls *tls, char *err, size_t err_size)
{
    if (tls->given && !tls->enabled) {
        snprintf(err, err_size, "--%s needs --tls", tls->given);
        return -1;
    }
    if (tls->opt.insecure && tls->opt.ca_file) {
        snprintf(err, err_size, "--tls-insecure excludes --tls-ca");
        return -1;
    }
    if (tls->opt.key_file && !tls->opt.cert_file) {
        snprintf(err, err_size, "--tls-key needs --tls-cert");
        return -1;
    }
    return 0;
}

int se_cli_tls_config(se_cli_tls *tls, int server, se_tls_config **out, char *err, size_t err_size)
{
    *out = NULL;
    if (!tls->enabled)
        return 0;
    tls->opt.server = server;
    char reason[SE_TLS_TEXT];
    if (se_tls_config_new(&tls->opt, out, reason, sizeof reason) != 0) {
        snprintf(err, err_size, "--tls: %s", reason);
        return -1;
    }
    return 0;
}
