/* Command-line parsing: an option iterator in the spirit of getopt_long
 * (--name=value, --name value, -x value, -xvalue, clustered flags, "--"), and
 * bounded number parsers. Every parser writes a one-line reason into ERR
 * (ERR_SIZE bytes) when it rejects its input. */
#ifndef SOCKECHO_OPTIONS_H
#define SOCKECHO_OPTIONS_H

#include "platform/platform.h"

#include <stddef.h>
#include <stdint.h>

typedef struct se_optdef {
    const char *long_name; /* without "--"; NULL ends the table */
    char short_name;       /* 0: none */
    int takes_value;
    int id; /* > 0, returned by se_args_next */
} se_optdef;

enum { SE_ARG_POSITIONAL = 0, SE_ARG_END = -1, SE_ARG_ERROR = -2 };

typedef struct se_args {
    int argc;
    char **argv;
    int index;
    const char *cluster; /* rest of a "-abc" cluster */
    int only_positional; /* after "--" */
    const char *value;   /* the option's value, or the positional word */
    char name[64];       /* the option as typed, for messages: "--port", "-p" */
} se_args;

/* Iterates over ARGV[0..ARGC). The strings are borrowed. A long option may
 * be abbreviated to any prefix that names one option (--mess: --message);
 * an ambiguous prefix is an error that lists the candidates. */
void se_args_init(se_args *a, int argc, char **argv);

/* Returns the next option's id (value in a->value), SE_ARG_POSITIONAL (the
 * word in a->value), SE_ARG_END, or SE_ARG_ERROR with a reason in ERR. */
int se_args_next(se_args *a, const se_optdef *defs, char *err, size_t err_size);

/* Port number 1-65535, or 0-65535 when ALLOW_ZERO. Returns 0 or -1. */
int se_parse_port(const char *text, int allow_zero, int *out, char *err, size_t err_size);

/* Whole number within [MIN, MAX]. Returns 0 or -1. */
int se_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out, char *err,
                  size_t err_size);

/* Byte count with an optional K, M, G or T suffix (powers of 1024, in any
 * case, optionally followed by "B" or "iB": 64k, 64K, 64KB, 64KiB), within
 * [MIN, MAX]. Errors name the limit: "...: too large (at most 1 TiB)".
 * Returns 0 or -1. */
int se_parse_bytes(const char *text, uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t err_size);

/* Duration: a decimal number with an optional unit "ms", "s" (the default),
 * "m" or "h", at most MAX_MS milliseconds. Returns 0 or -1. */
int se_parse_duration_ms(const char *text, uint64_t max_ms, uint64_t *out, char *err,
                         size_t err_size);

/* Numeric "ADDR:PORT" or "[IPV6]:PORT" (port 0-65535) into *OUT.
 * Returns 0 or -1. */
int se_parse_addr_port(const char *text, se_sockaddr *out, char *err, size_t err_size);

#endif
