/* TLS engine for builds without a TLS library: no config can be made, so
 * no session ever exists; the session functions are never reached. */
#include "tls.h"

#include "platform/platform.h"

#include <stdio.h>
#include <string.h>

const char *se_tls_backend(void)
{
    return NULL;
}

int se_tls_config_new(const se_tls_options *opt, se_tls_config **out, char *err, size_t errlen)
{
    (void)opt;
    *out = NULL;
    snprintf(err, errlen, "TLS is not compiled in (this build has no TLS library)");
    return SE_ENOSYS;
}

void se_tls_config_free(se_tls_config *cfg)
{
    (void)cfg;
}

const char *se_tls_config_fingerprint(const se_tls_config *cfg)
{
    (void)cfg;
    return "";
}

int se_tls_new(se_tls_config *cfg, const char *servername, se_tls **out)
{
    (void)cfg;
    (void)servername;
    *out = NULL;
    return SE_ENOSYS;
}

void se_tls_free(se_tls *t)
{
    (void)t;
}

int se_tls_feed(se_tls *t, const char *data, size_t len)
{
    (void)t;
    (void)data;
    (void)len;
    return SE_ENOSYS;
}

long se_tls_read(se_tls *t, char *buf, size_t len)
{
    (void)t;
    (void)buf;
    (void)len;
    return SE_ENOSYS;
}

int se_tls_write(se_tls *t, const char *data, size_t len)
{
    (void)t;
    (void)data;
    (void)len;
    return SE_ENOSYS;
}

size_t se_tls_pending(const se_tls *t)
{
    (void)t;
    return 0;
}

size_t se_tls_take(se_tls *t, char *buf, size_t len)
{
    (void)t;
    (void)buf;
    (void)len;
    return 0;
}

int se_tls_close_notify(se_tls *t)
{
    (void)t;
    return SE_ENOSYS;
}

int se_tls_handshake_done(const se_tls *t)
{
    (void)t;
    return 0;
}

int se_tls_close_received(const se_tls *t)
{
    (void)t;
    return 0;
}

const char *se_tls_error(const se_tls *t)
{
    (void)t;
    return "TLS is not compiled in";
}

void se_tls_fail(se_tls *t, const char *reason)
{
    (void)t;
    (void)reason;
}

void se_tls_get_info(const se_tls *t, se_tls_info *info)
{
    (void)t;
    memset(info, 0, sizeof *info);
}
