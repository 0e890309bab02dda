/* The JSON writer; see json.h. */
#include "util/json.h"

#include "config.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at P (1-4), or 0 when P does not start
 * one. */
static size_t utf8_length(const unsigned char *p)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void se_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t len = utf8_length(p);
        if (len == 0) {
            fputs("\\ufffd", out);
            p++;
        } else if (*p == '"' || *p == '\\') {
            fputc('\\', out);
            fputc(*p++, out);
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else if (*p == '\r') {
            fputs("\\r", out);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", out);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\u%04x", *p);
            p++;
        } else {
            fwrite(p, 1, len, out);
            p += len;
        }
    }
    fputc('"', out);
}

/* The separator and "NAME": before a member (or just the separator before
 * an array element). */
static void member(se_json *j, const char *name)
{
    char *first = &j->first[j->depth - 1];
    if (!*first)
        fputc(',', j->out);
    *first = 0;
    if (name && j->closer[j->depth - 1] == '}') {
        se_json_string(j->out, name);
        fputc(':', j->out);
    }
}

static void open_level(se_json *j, char open, char close)
{
    if (j->depth == SE_JSON_MAX_DEPTH)
        return;
    fputc(open, j->out);
    j->first[j->depth] = 1;
    j->closer[j->depth] = close;
    j->depth++;
}

void se_json_record(se_json *j, FILE *out, const char *type)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    open_level(j, '{', '}');
    se_json_str(j, "type", type);
    se_json_str(j, "version", SOCKECHO_VERSION);
}

void se_json_object(se_json *j, const char *name)
{
    member(j, name);
    open_level(j, '{', '}');
}

void se_json_array(se_json *j, const char *name)
{
    member(j, name);
    open_level(j, '[', ']');
}

void se_json_close(se_json *j)
{
    if (j->depth == 0)
        return;
    j->depth--;
    fputc(j->closer[j->depth], j->out);
}

void se_json_end(se_json *j)
{
    while (j->depth > 0)
        se_json_close(j);
    fputc('\n', j->out);
    fflush(j->out);
}

void se_json_str(se_json *j, const char *name, const char *value)
{
    member(j, name);
    if (value)
        se_json_string(j->out, value);
    else
        fputs("null", j->out);
}

void se_json_u64(se_json *j, const char *name, uint64_t value)
{
    member(j, name);
    fprintf(j->out, "%llu", (unsigned long long)value);
}

void se_json_int(se_json *j, const char *name, long long value)
{
    member(j, name);
    fprintf(j->out, "%lld", value);
}

void se_json_bool(se_json *j, const char *name, int value)
{
    member(j, name);
    fputs(value ? "true" : "false", j->out);
}

void se_json_null(se_json *j, const char *name)
{
    member(j, name);
    fputs("null", j->out);
}

void se_json_num(se_json *j, const char *name, double value, int decimals)
{
    member(j, name);
    fprintf(j->out, "%.*f", decimals, value);
}

void se_json_ms(se_json *j, const char *name, double ms)
{
    if (ms < 0)
        se_json_null(j, name);
    else
        se_json_num(j, name, ms, 3);
}
