/* RFC 3339 times as nanoseconds since the Unix epoch (UTC), written and read
 * without the C library's time zone machinery. */
#ifndef SOCKECHO_RFC3339_H
#define SOCKECHO_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Writes NS as "2026-11-28T18:30:00.123456Z" (microseconds) into BUF
 * (at least 28 bytes). */
void se_rfc3339_format(uint64_t ns, char *buf, size_t size);

/* Reads "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('t', ' ' and 'z'
 * accepted too) into *NS; the year must be 1970-9999. Returns 0, or -1 for
 * anything else. */
int se_rfc3339_parse(const char *text, uint64_t *ns);

#endif
