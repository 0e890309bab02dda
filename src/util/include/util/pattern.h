/* The generated payload of `--size`: a seeded pseudo-random byte stream
 * whose byte at any offset can be computed directly, so the echo is checked
 * as it streams without keeping what was sent. */
#ifndef SOCKECHO_PATTERN_H
#define SOCKECHO_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* The seed of the server's --trailer bytes (and the client's
 * --expect-trailer check): "trailer" in ASCII. */
#define SE_TRAILER_SEED 0x747261696c6572u

/* Writes bytes [OFFSET, OFFSET + LEN) of the stream for SEED into BUF. */
void se_pattern_fill(uint64_t seed, uint64_t offset, void *buf, size_t len);

#endif
