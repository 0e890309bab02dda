/* Byte 8k..8k+7 of the stream is splitmix64(seed, k), little-endian. */
#include "util/pattern.h"

#include <string.h>

static uint64_t block_value(uint64_t seed, uint64_t block)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15u + (block + 1) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void store_le(unsigned char *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

void se_pattern_fill(uint64_t seed, uint64_t offset, void *buf, size_t len)
{
    unsigned char *out = buf;
    unsigned char block[8];
    uint64_t k = offset / 8;
    size_t skip = (size_t)(offset % 8);
    if (skip && len) {
        store_le(block, block_value(seed, k++));
        size_t n = 8 - skip < len ? 8 - skip : len;
        memcpy(out, block + skip, n);
        out += n;
        len -= n;
    }
    while (len >= 8) {
        store_le(out, block_value(seed, k++));
        out += 8;
        len -= 8;
    }
    if (len) {
        store_le(block, block_value(seed, k));
        memcpy(out, block, len);
    }
}
