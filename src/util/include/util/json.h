/* The one JSON writer every program's output goes through: one object per
 * line (NDJSON), strings escaped so that any input, control characters and
 * invalid UTF-8 included, gives valid JSON. docs/json.md describes the
 * records built with it.
 *
 *   se_json j;
 *   se_json_record(&j, stdout, "client");   // {"type":"client","version":"0.2.0"
 *   se_json_u64(&j, "bytes_sent", 14);      // ,"bytes_sent":14
 *   se_json_object(&j, "rtt_ms");            // ,"rtt_ms":{
 *   se_json_ms(&j, "min", 0.042);            // "min":0.042
 *   se_json_close(&j);                       // }
 *   se_json_end(&j);                         // }\n, flushed
 */
#ifndef SOCKECHO_UTIL_JSON_H
#define SOCKECHO_UTIL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define SE_JSON_MAX_DEPTH 8

typedef struct se_json {
    FILE *out; /* the output, or NULL for BUF */
    char *buf; /* se_json_record_buf's buffer */
    size_t size, len;
    int depth;                     /* levels open; at most SE_JSON_MAX_DEPTH */
    char first[SE_JSON_MAX_DEPTH]; /* nothing written yet at this level */
    char closer[SE_JSON_MAX_DEPTH];
} se_json;

/* Starts a record on OUT: '{', then "type":TYPE and "version" (sockecho's
 * version, the same in every record). */
void se_json_record(se_json *j, FILE *out, const char *type);

/* The same, into BUF (SIZE bytes, always NUL-terminated; a record that does
 * not fit is cut): for writers that hand whole lines to a lock of theirs. */
void se_json_record_buf(se_json *j, char *buf, size_t size, const char *type);

/* Closes the record (and anything left open), ends the line, flushes OUT. */
void se_json_end(se_json *j);

/* Members of the open object, or elements of the open array (NAME is then
 * ignored: pass NULL). */
void se_json_str(se_json *j, const char *name, const char *value); /* NULL: null */
void se_json_u64(se_json *j, const char *name, uint64_t value);
void se_json_int(se_json *j, const char *name, long long value);
void se_json_bool(se_json *j, const char *name, int value);
void se_json_null(se_json *j, const char *name);
/* A number with DECIMALS digits after the point. */
void se_json_num(se_json *j, const char *name, double value, int decimals);
/* Milliseconds with microsecond precision (3 decimals); null when < 0. */
void se_json_ms(se_json *j, const char *name, double ms);

/* Opens a nested object or array as member NAME; se_json_close ends it.
 * Nesting deeper than SE_JSON_MAX_DEPTH levels is not written. */
void se_json_object(se_json *j, const char *name);
void se_json_array(se_json *j, const char *name);
void se_json_close(se_json *j);

/* Writes S as a JSON string literal, quotes included: '"' and '\' escaped,
 * control characters as \n, \r, \t or \u00XX, and every byte that is not
 * part of valid UTF-8 (overlong forms, surrogates and code points above
 * U+10FFFF included) as \ufffd, the replacement character. */
void se_json_string(FILE *out, const char *s);

#endif
