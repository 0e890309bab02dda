/* A metrics listen address; see se_http_parse_listen_addr() in responder.h. */
#include "metrics/responder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int se_http_parse_listen_addr(const char *text, struct sockaddr_storage *out, char *err,
                              size_t err_size)
{
    char host[SE_ADDRSTRLEN + 2];
    const char *colon = strrchr(text, ':'), *port = colon ? colon + 1 : "";
    size_t host_len = colon ? (size_t)(colon - text) : 0;
    int bracketed = colon && text[0] == '[' && host_len >= 2 && text[host_len - 1] == ']';
    if (bracketed) {
        text++;
        host_len -= 2;
    }
    size_t digits = strspn(port, "0123456789");
    if (!colon || digits == 0 || digits > 5 || port[digits] || atoi(port) > 65535 ||
        host_len >= sizeof host || (!bracketed && memchr(text, ':', host_len))) {
        snprintf(err, err_size, "expected ADDR:PORT (127.0.0.1:9100, [::1]:9100, :9100)");
        return -1;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    struct addrinfo hints, *list;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    if (getaddrinfo(host_len ? host : "0.0.0.0", port, &hints, &list) != 0) {
        snprintf(err, err_size, "'%.40s' is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, list->ai_addr, list->ai_addrlen);
    freeaddrinfo(list);
    return 0;
}
