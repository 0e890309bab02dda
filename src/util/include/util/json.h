/* JSON text helpers shared by every program that writes JSON records. */
#ifndef SOCKECHO_UTIL_JSON_H
#define SOCKECHO_UTIL_JSON_H

#include <stdio.h>

/* Writes S as a JSON string literal, quotes included; control characters
 * are escaped as \uXXXX. */
void se_json_string(FILE *out, const char *s);

#endif
