/* Option iterator and bounded number parsers; see options.h. */
#include "cli/options.h"

#include <stdio.h>
#include <string.h>

void se_args_init(se_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
}

/* Finds the long option NAME (LEN bytes): an exact match, or else the one
 * option it is a prefix of (aliases of one option count once). Returns NULL
 * with a reason in ERR when none or several match. */
static const se_optdef *find_long(const se_optdef *defs, const char *name, size_t len,
                                  const char *shown, char *err, size_t err_size)
{
    const se_optdef *found = NULL;
    int ambiguous = 0;
    if (len == 0) {
        snprintf(err, err_size, "unknown option %s", shown);
        return NULL;
    }
    for (const se_optdef *d = defs; d->long_name; d++) {
        if (strncmp(d->long_name, name, len) != 0)
            continue;
        if (strlen(d->long_name) == len)
            return d;
        if (found && found->id != d->id)
            ambiguous = 1;
        if (!found)
            found = d;
    }
    if (!found) {
        snprintf(err, err_size, "unknown option %s", shown);
        return NULL;
    }
    if (!ambiguous)
        return found;
    size_t n = (size_t)snprintf(err, err_size, "ambiguous option %s (could be", shown);
    const char *sep = " ";
    for (const se_optdef *d = defs; d->long_name && n < err_size; d++) {
        if (strncmp(d->long_name, name, len) == 0) {
            n += (size_t)snprintf(err + n, err_size - n, "%s--%s", sep, d->long_name);
            sep = ", ";
        }
    }
    if (n < err_size)
        snprintf(err + n, err_size - n, ")");
    return NULL;
}

static const se_optdef *find_short(const se_optdef *defs, char c)
{
    for (; defs->long_name; defs++)
        if (defs->short_name == c)
            return defs;
    return NULL;
}

static int take_value(se_args *a, const se_optdef *d, const char *inline_value, char *err,
                      size_t err_size)
{
    if (!d->takes_value) {
        if (inline_value) {
            snprintf(err, err_size, "%s takes no value", a->name);
            return SE_ARG_ERROR;
        }
        a->value = NULL;
        return d->id;
    }
    if (inline_value) {
        a->value = inline_value;
        return d->id;
    }
    if (a->index >= a->argc) {
        snprintf(err, err_size, "%s needs a value", a->name);
        return SE_ARG_ERROR;
    }
    a->value = a->argv[a->index++];
    return d->id;
}

int se_args_next(se_args *a, const se_optdef *defs, char *err, size_t err_size)
{
    if (a->cluster && *a->cluster) {
        char c = *a->cluster++;
        snprintf(a->name, sizeof a->name, "-%c", c);
        const se_optdef *d = find_short(defs, c);
        if (!d) {
            snprintf(err, err_size, "unknown option %s", a->name);
            return SE_ARG_ERROR;
        }
        const char *rest = NULL;
        if (d->takes_value && *a->cluster) {
            rest = a->cluster; /* -p27015 */
            a->cluster = NULL;
        }
        return take_value(a, d, rest, err, err_size);
    }
    a->cluster = NULL;
    if (a->index >= a->argc)
        return SE_ARG_END;
    const char *word = a->argv[a->index++];
    if (a->only_positional || word[0] != '-' || word[1] == '\0') {
        a->value = word;
        return SE_ARG_POSITIONAL;
    }
    if (strcmp(word, "--") == 0) {
        a->only_positional = 1;
        return se_args_next(a, defs, err, err_size);
    }
    if (word[1] == '-') {
        const char *name = word + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        snprintf(a->name, sizeof a->name, "--%.*s", (int)(len < 40 ? len : 40), name);
        const se_optdef *d = find_long(defs, name, len, a->name, err, err_size);
        if (!d)
            return SE_ARG_ERROR;
        /* Messages name the option in full, even when typed as a prefix. */
        snprintf(a->name, sizeof a->name, "--%s", d->long_name);
        return take_value(a, d, eq ? eq + 1 : NULL, err, err_size);
    }
    a->cluster = word + 1;
    return se_args_next(a, defs, err, err_size);
}

/* Parses leading decimal digits of *P into *OUT. Returns 0, -1 when there is
 * no digit, or -2 when the number does not fit in 64 bits (*P then points
 * past all the digits, so the caller can still check what follows). */
static int parse_digits(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int overflow = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return overflow ? -2 : 0;
}

/* Writes V as a count, or with BYTES in the largest binary unit that divides
 * it exactly: "1 TiB", "16 MiB", "1000 bytes". */
static void format_limit(uint64_t v, int bytes, char *buf, size_t size)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int unit = -1;
    while (bytes && v >= 1024 && v % 1024 == 0 && unit < 5) {
        v /= 1024;
        unit++;
    }
    if (unit >= 0)
        snprintf(buf, size, "%llu %s", (unsigned long long)v, units[unit]);
    else
        snprintf(buf, size, "%llu%s", (unsigned long long)v, bytes ? " bytes" : "");
}

/* "TEXT: too large (at most MAX)" or "TEXT: too small (at least MIN)". */
static int out_of_range(const char *text, int too_large, uint64_t limit, int bytes, char *err,
                        size_t err_size)
{
    char shown[48];
    format_limit(limit, bytes, shown, sizeof shown);
    snprintf(err, err_size, "%.40s: too %s (at %s %s)", text, too_large ? "large" : "small",
             too_large ? "most" : "least", shown);
    return -1;
}

int se_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out, char *err,
                  size_t err_size)
{
    const char *p = text;
    uint64_t v;
    int rc = parse_digits(&p, &v);
    if (rc == -1 || *p != '\0') {
        snprintf(err, err_size, "'%.40s' is not a whole number", text);
        return -1;
    }
    if (rc == -2 || v > max)
        return out_of_range(text, 1, max, 0, err, err_size);
    if (v < min)
        return out_of_range(text, 0, min, 0, err, err_size);
    *out = v;
    return 0;
}

int se_parse_port(const char *text, int allow_zero, int *out, char *err, size_t err_size)
{
    uint64_t v;
    const char *p = text;
    int rc = parse_digits(&p, &v);
    if (rc == -1 || *p != '\0') {
        snprintf(err, err_size, "'%.40s' is not a port number", text);
        return -1;
    }
    if (rc == -2 || v > 65535)
        return out_of_range(text, 1, 65535, 0, err, err_size);
    if (v == 0 && !allow_zero)
        return out_of_range(text, 0, 1, 0, err, err_size);
    *out = (int)v;
    return 0;
}

static int equals_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        if (ca != *b)
            return 0;
    }
    return *a == *b;
}

/* The unit after a byte count, in any case: "", "b", "k", "kb", "kib", ...
 * up to "t". Sets *SHIFT (a power of two). Returns 0, or -1 for anything
 * else. */
static int suffix_shift(const char *s, int *shift)
{
    static const char units[] = "kmgt";
    *shift = 0;
    if (*s == '\0' || equals_nocase(s, "b"))
        return 0;
    char c = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
    const char *u = c ? strchr(units, c) : NULL;
    if (!u)
        return -1;
    *shift = 10 * (int)(u - units + 1);
    s++;
    return (*s == '\0' || equals_nocase(s, "b") || equals_nocase(s, "ib")) ? 0 : -1;
}

int se_parse_bytes(const char *text, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t err_size)
{
    const char *p = text;
    uint64_t v;
    int shift;
    int rc = parse_digits(&p, &v);
    if (rc == -1 || suffix_shift(p, &shift) != 0) {
        snprintf(err, err_size,
                 "'%.40s' is not a byte count (examples: 512, 64k, 64K, 64KiB, 1M, 2G, 1T)", text);
        return -1;
    }
    if (rc == -2 || (shift && v > (UINT64_MAX >> shift)) || (v << shift) > max)
        return out_of_range(text, 1, max, 1, err, err_size);
    if ((v << shift) < min)
        return out_of_range(text, 0, min, 1, err, err_size);
    *out = v << shift;
    return 0;
}

int se_parse_duration_ms(const char *text, uint64_t max_ms, uint64_t *out, char *err,
                         size_t err_size)
{
    const char *p = text;
    uint64_t whole, frac = 0, frac_scale = 1;
    int rc = parse_digits(&p, &whole);
    if (rc == -1)
        goto bad;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            goto bad;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (frac_scale < 1000000) { /* microsecond precision is plenty */
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_scale *= 10;
            }
        }
    }
    uint64_t unit_ms;
    if (strcmp(p, "ms") == 0)
        unit_ms = 1;
    else if (*p == '\0' || strcmp(p, "s") == 0)
        unit_ms = 1000;
    else if (strcmp(p, "m") == 0)
        unit_ms = 60000;
    else if (strcmp(p, "h") == 0)
        unit_ms = 3600000;
    else
        goto bad;
    if (rc == -2 || whole > max_ms / unit_ms)
        goto range;
    uint64_t ms = whole * unit_ms + (frac * unit_ms + frac_scale / 2) / frac_scale;
    if (ms > max_ms)
        goto range;
    *out = ms;
    return 0;
bad:
    snprintf(err, err_size, "'%.40s' is not a duration (examples: 500ms, 1.5s, 2m)", text);
    return -1;
range:
    if (max_ms % 3600000 == 0)
        snprintf(err, err_size, "%.40s: too long (at most %llu h)", text,
                 (unsigned long long)(max_ms / 3600000));
    else
        snprintf(err, err_size, "%.40s: too long (at most %llu s)", text,
                 (unsigned long long)(max_ms / 1000));
    return -1;
}

int se_parse_addr_port(const char *text, se_sockaddr *out, char *err, size_t err_size)
{
    char host[64];
    const char *port;
    memset(out, 0, sizeof *out);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host) {
            snprintf(err, err_size, "'%.60s' is not [IPV6]:PORT", text);
            return -1;
        }
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strchr(text, ':');
        if (!colon || strchr(colon + 1, ':') || (size_t)(colon - text) >= sizeof host) {
            snprintf(err, err_size, "'%.60s' is not ADDR:PORT ([ADDR]:PORT for IPv6)", text);
            return -1;
        }
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port = colon + 1;
    }
    int p;
    if (se_parse_port(port, 1, &p, err, err_size))
        return -1;
    if (inet_pton(AF_INET, host, &out->v4.sin_addr) == 1) {
        out->v4.sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, host, &out->v6.sin6_addr) == 1) {
        out->v6.sin6_family = AF_INET6;
    } else {
        snprintf(err, err_size, "'%.60s' is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    se_addr_set_port(&out->sa, p);
    return 0;
}
