/* The mismatch locator: where a received echo first differs from what was
 * expected, and the two bytes there. Comparing is one memcmp; the byte is
 * looked for only once a difference is known. */
#ifndef SOCKECHO_UTIL_MISMATCH_H
#define SOCKECHO_UTIL_MISMATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct se_mismatch {
    uint64_t offset;        /* in the stream: the first byte that differs */
    unsigned char expected; /* what should have arrived there */
    unsigned char received; /* what did */
} se_mismatch;

/* Compares LEN received bytes GOT, which are bytes [OFFSET, OFFSET + LEN) of
 * the stream, with EXPECT. Returns 0 when they are equal; otherwise 1, with
 * *M describing the first byte that differs. */
int se_mismatch_find(const void *expect, const void *got, size_t len, uint64_t offset,
                     se_mismatch *m);

#endif
