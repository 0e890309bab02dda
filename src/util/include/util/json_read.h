/* A small JSON reader (RFC 8259): parses one document into a tree of
 * se_jv values. Numbers keep their text, so whole numbers up to 2^64 - 1
 * read back exactly. Bounded: nesting deeper than SE_JV_MAX_DEPTH is
 * refused. Used to read sockecho's own JSON records back (bench merge). */
#ifndef SOCKECHO_JSON_READ_H
#define SOCKECHO_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#define SE_JV_MAX_DEPTH 32

typedef enum {
    SE_JV_NULL,
    SE_JV_FALSE,
    SE_JV_TRUE,
    SE_JV_NUMBER,
    SE_JV_STRING,
    SE_JV_ARRAY,
    SE_JV_OBJECT
} se_jv_type;

typedef struct se_jv se_jv;
struct se_jv {
    se_jv_type type;
    char *text;   /* STRING: decoded, NUL-terminated (no NUL inside); NUMBER: its token */
    char *key;    /* the member name when this value is in an object */
    se_jv *child; /* ARRAY, OBJECT: first element or member */
    se_jv *next;  /* the next element or member of the parent */
};

/* Parses TEXT[0..LEN) as one JSON value (surrounding white space allowed).
 * Returns the tree (free it with se_jv_free), or NULL with a one-line
 * reason in ERR ("at byte 12: expected ':'", "out of memory"). */
se_jv *se_jv_parse(const char *text, size_t len, char *err, size_t err_size);

/* Frees V and everything below it; NULL is fine. */
void se_jv_free(se_jv *v);

/* The member KEY of object OBJ; NULL when OBJ is not an object or has no
 * such member. */
const se_jv *se_jv_get(const se_jv *obj, const char *key);

/* Reads V as a whole number in [0, 2^64 - 1] into *OUT. Returns 0, or -1
 * when V is not such a number (a fraction, an exponent, negative, too big,
 * not a number). */
int se_jv_u64(const se_jv *v, uint64_t *out);

/* Reads V as a number into *OUT. Returns 0, or -1 when V is not a number. */
int se_jv_double(const se_jv *v, double *out);

/* V's text when V is a string; NULL otherwise. */
const char *se_jv_str(const se_jv *v);

#endif
