/* Proxy URLs: socks5://[USER:PASS@]HOST:PORT (the client resolves the
 * destination), socks5h://... (the proxy resolves it) and
 * http://[USER:PASS@]HOST:PORT (HTTP CONNECT). A pure parser. */
#ifndef SOCKECHO_PROXY_URL_H
#define SOCKECHO_PROXY_URL_H

enum { SE_PROXY_SOCKS5 = 1, SE_PROXY_SOCKS5H, SE_PROXY_HTTP };

/* Longest user name or password (SOCKS5's one-byte lengths bound it). */
#define SE_PROXY_CRED_MAX 255

typedef struct se_proxy_url {
    int scheme;                       /* SE_PROXY_* */
    char host[256];                   /* a name or a numeric address, without brackets */
    char port[6];                     /* decimal, 1..65535 */
    int has_credentials;              /* USER[:PASS]@ was given */
    char user[SE_PROXY_CRED_MAX + 1]; /* percent-decoded */
    char pass[SE_PROXY_CRED_MAX + 1]; /* percent-decoded; may be empty */
} se_proxy_url;

/* Parses TEXT into *OUT. The scheme is case-insensitive; the port is
 * required; a trailing "/" is allowed; "%XX" escapes in USER and PASS are
 * decoded (so that ':' and '@' can appear in them); an IPv6 host is written
 * in brackets. Returns 0, or -1 and sets *REASON (static text). */
int se_proxy_url_parse(const char *text, se_proxy_url *out, const char **reason);

/* "socks5", "socks5h" or "http". */
const char *se_proxy_scheme_name(int scheme);

#endif
