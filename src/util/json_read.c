/* JSON reader; see json_read.h. A recursive descent over the text with a
 * depth bound; each value is one heap node. */
#include "util/json_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const char *p, *start, *end;
    char *err;
    size_t err_size;
    int failed;
} reader;

static void fail(reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = 1;
    int n = snprintf(r->err, r->err_size, "at byte %zu: ", (size_t)(r->p - r->start));
    if (n < 0 || (size_t)n >= r->err_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->err_size - (size_t)n, fmt, ap);
    va_end(ap);
}

static void skip_space(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static se_jv *node(reader *r, se_jv_type type)
{
    se_jv *v = calloc(1, sizeof *v);
    if (!v)
        fail(r, "out of memory");
    else
        v->type = type;
    return v;
}

static int literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return 0;
    r->p += n;
    return 1;
}

static int hex4(reader *r, unsigned *out)
{
    if (r->end - r->p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *r->p++;
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* An escape after the backslash; writes its UTF-8 at O. NULL on error. */
static char *escape(reader *r, char *o)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (r->p >= r->end)
        return fail(r, "bad escape in a string"), NULL;
    char c = *r->p++;
    const char *at = c ? strchr(from, c) : NULL;
    if (at)
        return *o++ = to[at - from], o;
    unsigned cp, low;
    if (c != 'u' || hex4(r, &cp))
        return fail(r, "bad escape in a string"), NULL;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
            return fail(r, "unpaired surrogate in a string"), NULL;
        r->p += 2;
        if (hex4(r, &low) || low < 0xDC00 || low > 0xDFFF)
            return fail(r, "unpaired surrogate in a string"), NULL;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
        return fail(r, "%s in a string", cp ? "unpaired surrogate" : "NUL"), NULL;
    }
    return put_utf8(o, cp);
}

/* A string at r->p (after its opening quote): returns it decoded. */
static char *string_text(reader *r)
{
    const char *close = r->p;
    while (close < r->end && *close != '"')
        close += *close == '\\' && close + 1 < r->end ? 2 : 1;
    if (close >= r->end)
        return fail(r, "unterminated string"), NULL;
    /* Decoding never makes a string longer than its escaped text, and no
     * escape reads past the closing quote. */
    char *out = malloc((size_t)(close - r->p) + 1), *o = out;
    if (!out)
        return fail(r, "out of memory"), NULL;
    const char *end = r->end;
    r->end = close;
    while (r->p < close && o) {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) {
            fail(r, "control character in a string");
            o = NULL;
        } else if (c == '\\') {
            r->p++;
            o = escape(r, o);
        } else {
            *o++ = (char)c;
            r->p++;
        }
    }
    r->end = end;
    if (!o) {
        free(out);
        return NULL;
    }
    *o = '\0';
    r->p = close + 1;
    return out;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static se_jv *number(reader *r)
{
    const char *s = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (r->p < r->end && is_digit(*r->p))
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    else
        return fail(r, "bad number"), NULL;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || !is_digit(*r->p))
            return fail(r, "bad number"), NULL;
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || !is_digit(*r->p))
            return fail(r, "bad number"), NULL;
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    }
    se_jv *v = node(r, SE_JV_NUMBER);
    if (v && !(v->text = malloc((size_t)(r->p - s) + 1))) {
        free(v);
        return fail(r, "out of memory"), NULL;
    }
    if (v) {
        memcpy(v->text, s, (size_t)(r->p - s));
        v->text[r->p - s] = '\0';
    }
    return v;
}

static se_jv *value(reader *r, int depth);

/* An array or object after its opening bracket, up to CLOSE. */
static se_jv *container(reader *r, int depth, se_jv_type type, char close)
{
    se_jv *v = node(r, type), **tail = v ? &v->child : NULL;
    if (!v)
        return NULL;
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        skip_space(r);
        if (type == SE_JV_OBJECT) {
            if (r->p >= r->end || *r->p != '"') {
                fail(r, "expected a member name");
                break;
            }
            r->p++;
            if (!(key = string_text(r)))
                break;
            skip_space(r);
            if (r->p >= r->end || *r->p != ':') {
                free(key);
                fail(r, "expected ':'");
                break;
            }
            r->p++;
        }
        se_jv *item = value(r, depth + 1);
        if (!item) {
            free(key);
            break;
        }
        item->key = key;
        *tail = item;
        tail = &item->next;
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return v;
        }
        fail(r, "expected ',' or '%c'", close);
        break;
    }
    se_jv_free(v);
    return NULL;
}

static se_jv *value(reader *r, int depth)
{
    if (depth > SE_JV_MAX_DEPTH)
        return fail(r, "nested deeper than %d", SE_JV_MAX_DEPTH), NULL;
    skip_space(r);
    if (r->p >= r->end)
        return fail(r, "unexpected end"), NULL;
    char c = *r->p;
    if (c == '{' || c == '[') {
        r->p++;
        return container(r, depth, c == '{' ? SE_JV_OBJECT : SE_JV_ARRAY, c == '{' ? '}' : ']');
    }
    if (c == '"') {
        r->p++;
        char *text = string_text(r);
        se_jv *v = text ? node(r, SE_JV_STRING) : NULL;
        if (v)
            v->text = text;
        else
            free(text);
        return v;
    }
    if (c == '-' || is_digit(c))
        return number(r);
    if (literal(r, "null"))
        return node(r, SE_JV_NULL);
    if (literal(r, "true"))
        return node(r, SE_JV_TRUE);
    if (literal(r, "false"))
        return node(r, SE_JV_FALSE);
    return fail(r, "unexpected character"), NULL;
}

se_jv *se_jv_parse(const char *text, size_t len, char *err, size_t err_size)
{
    reader r = {text, text, text + len, err, err_size, 0};
    se_jv *v = value(&r, 0);
    skip_space(&r);
    if (v && r.p != r.end) {
        fail(&r, "unexpected text after the value");
        se_jv_free(v);
        v = NULL;
    }
    return v;
}

void se_jv_free(se_jv *v)
{
    while (v) {
        se_jv *next = v->next;
        se_jv_free(v->child);
        free(v->text);
        free(v->key);
        free(v);
        v = next;
    }
}

const se_jv *se_jv_get(const se_jv *obj, const char *key)
{
    if (!obj || obj->type != SE_JV_OBJECT)
        return NULL;
    for (const se_jv *m = obj->child; m; m = m->next)
        if (strcmp(m->key, key) == 0)
            return m;
    return NULL;
}

int se_jv_u64(const se_jv *v, uint64_t *out)
{
    if (!v || v->type != SE_JV_NUMBER || !is_digit(v->text[0]) || strpbrk(v->text, ".eE"))
        return -1;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v->text, &end, 10);
    if (errno || *end)
        return -1;
    *out = (uint64_t)n;
    return 0;
}

int se_jv_double(const se_jv *v, double *out)
{
    if (!v || v->type != SE_JV_NUMBER)
        return -1;
    *out = strtod(v->text, NULL);
    return 0;
}

const char *se_jv_str(const se_jv *v)
{
    return v && v->type == SE_JV_STRING ? v->text : NULL;
}
