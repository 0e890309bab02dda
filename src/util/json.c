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

/* Appends LEN bytes of DATA to J's output: its file, or its buffer (cut,
 * always NUL-terminated, when full). */
static void emit(se_json *j, const char *data, size_t len)
{
    if (j->out) {
        fwrite(data, 1, len, j->out);
        return;
    }
    if (j->size == 0)
        return;
    size_t room = j->size - 1 - j->len;
    if (len > room)
        len = room;
    memcpy(j->buf + j->len, data, len);
    j->len += len;
    j->buf[j->len] = '\0';
}

static void emit_str(se_json *j, const char *s)
{
    emit(j, s, strlen(s));
}

static void write_string(se_json *j, const char *s)
{
    emit(j, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t len = utf8_length(p);
        char esc[8];
        if (len == 0) {
            emit_str(j, "\\ufffd");
            p++;
        } else if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p++;
            emit(j, esc, 2);
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            emit_str(j, *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : "\\t");
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", *p++);
            emit_str(j, esc);
        } else {
            emit(j, (const char *)p, len);
            p += len;
        }
    }
    emit(j, "\"", 1);
}

void se_json_string(FILE *out, const char *s)
{
    se_json j;
    memset(&j, 0, sizeof j);
    j.out = out;
    write_string(&j, s);
}

/* The separator and "NAME": before a member (or just the separator before
 * an array element). */
static void member(se_json *j, const char *name)
{
    char *first = &j->first[j->depth - 1];
    if (!*first)
        emit(j, ",", 1);
    *first = 0;
    if (name && j->closer[j->depth - 1] == '}') {
        write_string(j, name);
        emit(j, ":", 1);
    }
}

static void open_level(se_json *j, char open, char close)
{
    if (j->depth == SE_JSON_MAX_DEPTH)
        return;
    emit(j, &open, 1);
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

void se_json_record_buf(se_json *j, char *buf, size_t size, const char *type)
{
    memset(j, 0, sizeof *j);
    j->buf = buf;
    j->size = size;
    if (size)
        buf[0] = '\0';
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
    emit(j, &j->closer[j->depth], 1);
}

void se_json_end(se_json *j)
{
    while (j->depth > 0)
        se_json_close(j);
    emit(j, "\n", 1);
    if (j->out)
        fflush(j->out);
}

void se_json_str(se_json *j, const char *name, const char *value)
{
    member(j, name);
    if (value)
        write_string(j, value);
    else
        emit_str(j, "null");
}

void se_json_u64(se_json *j, const char *name, uint64_t value)
{
    char text[32];
    member(j, name);
    snprintf(text, sizeof text, "%llu", (unsigned long long)value);
    emit_str(j, text);
}

void se_json_int(se_json *j, const char *name, long long value)
{
    char text[32];
    member(j, name);
    snprintf(text, sizeof text, "%lld", value);
    emit_str(j, text);
}

void se_json_bool(se_json *j, const char *name, int value)
{
    member(j, name);
    emit_str(j, value ? "true" : "false");
}

void se_json_null(se_json *j, const char *name)
{
    member(j, name);
    emit_str(j, "null");
}

void se_json_num(se_json *j, const char *name, double value, int decimals)
{
    char text[64];
    member(j, name);
    snprintf(text, sizeof text, "%.*f", decimals, value);
    emit_str(j, text);
}

void se_json_ms(se_json *j, const char *name, double ms)
{
    if (ms < 0)
        se_json_null(j, name);
    else
        se_json_num(j, name, ms, 3);
}
