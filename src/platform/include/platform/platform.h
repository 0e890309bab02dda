/* Platform layer: the socket type, library init/cleanup, portable socket
 * calls that return portable error codes, clocks and stop signals.
 *
 * Every OS difference of the project lives below src/platform/: this header
 * picks the system headers, src/platform/posix/ and src/platform/win/ hold the
 * implementations. Code above this layer never reads errno or
 * WSAGetLastError() after a socket call: each call here returns 0 or a
 * non-negative count on success and a negative SE_E* code (see error.h) on
 * failure. */
#ifndef SOCKECHO_PLATFORM_H
#define SOCKECHO_PLATFORM_H

#include "config.h"

#ifdef _WIN32
#ifndef FD_SETSIZE
#define FD_SETSIZE 4096
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET se_socket;
typedef WSAPOLLFD se_pollfd;
typedef int se_socklen;
#define SE_INVALID_SOCKET INVALID_SOCKET
#define SE_POLLIN POLLRDNORM
#define SE_POLLOUT POLLWRNORM
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
typedef int se_socket;
typedef struct pollfd se_pollfd;
typedef socklen_t se_socklen;
#define SE_INVALID_SOCKET (-1)
#define SE_POLLIN POLLIN
#define SE_POLLOUT POLLOUT
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "platform/error.h"

/* An IPv4 or IPv6 socket address in the space it needs (sockaddr_storage
 * is 128 bytes; this is 28). */
typedef union se_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} se_sockaddr;

/* Longest text se_addr_format() produces: "[v6-address%scope]:65535". */
#define SE_ADDRSTRLEN 72

/* Starts the socket library (WSAStartup 2.2). Sends never raise SIGPIPE
 * (MSG_NOSIGNAL or SO_NOSIGPIPE); only where the system has neither does it
 * ignore SIGPIPE for the process. Returns 0 or an SE_E* code. Pair each
 * successful call with se_platform_cleanup(). */
int se_platform_init(void);
void se_platform_cleanup(void);

/* Ignores SIGPIPE for the whole process, so that a write to a closed pipe
 * (standard output) fails with EPIPE: a program's choice, never the
 * library's. Nothing on Windows. */
void se_sigpipe_ignore(void);

/* Opens a non-blocking, close-on-exec (non-inheritable) stream socket of
 * FAMILY (AF_INET, AF_INET6: TCP; AF_UNIX) into *OUT. The caller owns the socket and releases it
 * with se_socket_close() or se_socket_abort(). */
int se_socket_open(int family, se_socket *out);

/* Closes SOCK (closesocket/close). Pending output is sent by the kernel. */
int se_socket_close(se_socket sock);

/* Closes SOCK abortively: SO_LINGER {1, 0}, so the peer gets an RST. */
int se_socket_abort(se_socket sock);

/* Starts a non-blocking connect. Returns 0 when connected at once,
 * SE_EINPROGRESS while pending (EINPROGRESS and WSAEWOULDBLOCK alike), or an
 * error. The result of a pending connect is read with se_socket_error(). */
int se_socket_connect(se_socket sock, const struct sockaddr *addr, se_socklen len);

/* Returns the socket's pending error (SO_ERROR) as an SE_E* code, or 0. */
int se_socket_error(se_socket sock);

/* Sends up to LEN bytes without raising SIGPIPE. Returns the count sent
 * (possibly short), SE_EAGAIN when the send buffer is full, or an error. */
long se_socket_send(se_socket sock, const void *buf, size_t len);

/* Receives up to LEN bytes. Returns the count (> 0), SE_EOF at the peer's
 * FIN, SE_EAGAIN when nothing is buffered, or an error. */
long se_socket_recv(se_socket sock, void *buf, size_t len);

/* Half-closes SOCK: no more sends (SHUT_WR / SD_SEND); receiving goes on. */
int se_socket_shutdown_send(se_socket sock);

/* Binds SOCK to the local address ADDR (a source address before connect;
 * port 0 lets the kernel choose, as late as the OS allows, so that many
 * connections can share one source address). */
int se_socket_bind_source(se_socket sock, const struct sockaddr *addr);

enum {
    SE_LISTEN_V6ONLY = 1,   /* AF_INET6 only: no IPv4-mapped peers */
    SE_LISTEN_REUSEPORT = 2 /* share the port with other listeners (SO_REUSEPORT) */
};

/* Creates a listening socket bound to ADDR, non-blocking and close-on-exec.
 * FLAGS is a set of SE_LISTEN_*: without SE_LISTEN_V6ONLY an AF_INET6
 * socket is dual-stack. Address reuse follows each OS's server convention
 * (SO_REUSEADDR on POSIX, SO_EXCLUSIVEADDRUSE on Windows).
 * SE_LISTEN_REUSEPORT fails with SE_ENOSYS where the OS lacks it. */
int se_socket_listen(const struct sockaddr *addr, se_socklen len, int flags, int backlog,
                     se_socket *out);

/* Accepts one pending connection as a non-blocking, close-on-exec socket.
 * Returns 0, SE_EAGAIN when none is pending, or an error (SE_EMFILE, ...).
 * PEER (may be NULL) receives the peer's address. */
int se_socket_accept(se_socket listener, se_socket *out, struct sockaddr_storage *peer);

/* Reads the local address of SOCK into *ADDR. */
int se_socket_local_address(se_socket sock, struct sockaddr_storage *addr);

/* Creates a connected pair of sockets, both non-blocking, used to wake an
 * event loop from a signal handler or another thread. */
int se_socket_pair(se_socket pair[2]);

/* Waits on an array of sockets (poll(2) or WSAPoll). Returns the number of
 * ready entries, 0 on timeout (TIMEOUT_MS < 0: forever), or an error
 * (SE_EINTR when a signal interrupted it). */
int se_poll(se_pollfd *fds, size_t count, int timeout_ms);

enum {
    SE_RESOLVE_PASSIVE = 1, /* HOST NULL means every local address (a listener) */
    SE_RESOLVE_NUMERIC = 2  /* HOST must be a numeric address: no name look-up */
};

/* Resolves HOST and PORT (numeric) for a TCP (SOCKTYPE SOCK_STREAM) or UDP
 * (SOCK_DGRAM) socket of FAMILY (AF_UNSPEC, AF_INET, AF_INET6), FLAGS a set
 * of SE_RESOLVE_*. Returns 0 with *OUT set (free it with freeaddrinfo) or
 * an SE_E* code. Blocks while the system looks the name up. */
int se_resolve(const char *host, const char *port, int family, int socktype, int flags,
               struct addrinfo **out);

/* Formats ADDR's numeric host alone ("127.0.0.1", "::1"; "unix" for a Unix
 * domain socket) into BUF. */
void se_addr_host(const struct sockaddr *addr, char *buf, size_t size);

/* Formats ADDR as "127.0.0.1:27015", "[::1]:27015" or "unix" into BUF. */
void se_addr_format(const struct sockaddr *addr, char *buf, size_t size);

/* Returns ADDR's port in host byte order (0 for a Unix domain socket). */
int se_addr_port(const struct sockaddr *addr);

/* Sets ADDR's port (host byte order). */
void se_addr_set_port(struct sockaddr *addr, int port);

/* Length of a sockaddr of ADDR's family (of a Unix domain socket's: as
 * much as se_sockaddr keeps, its family). */
se_socklen se_addr_len(const struct sockaddr *addr);

/* Monotonic time in nanoseconds from an arbitrary origin. */
uint64_t se_now_ns(void);

/* Wall-clock time: nanoseconds since 1970-01-01T00:00:00Z (the system's
 * clock, which may step). */
uint64_t se_wall_ns(void);

/* Installs the stop handler: Ctrl-C and SIGTERM (POSIX) / Ctrl-C, Ctrl-Break
 * and console close (Windows) each count one stop and call ON_STOP(ARG).
 * ON_STOP runs in a signal handler (POSIX) or on a thread of the system's
 * (Windows): it must be async-signal-safe and thread-safe, such as
 * se_async_send. Returns 0 or an error. */
int se_stop_signals_install(void (*on_stop)(void *arg), void *arg);

/* Restores the default behaviour of the stop signals. */
void se_stop_signals_restore(void);

/* How many stop signals arrived since se_stop_signals_install. ON_STOP
 * wakes the caller; this count is what it should act on (wake-ups are
 * coalesced). */
int se_stop_signals_count(void);

/* ---- wake-ups across threads ---- */

/* A channel that wakes an event loop whose backend has no wake-up of its
 * own: any thread (or a POSIX signal handler) signals it, the loop watches
 * its socket for readability and drains it. Signals sent before a drain
 * are coalesced. */
typedef struct se_wakeup se_wakeup;

/* Creates a wake-up channel into *OUT. Returns 0 or an error. */
int se_wakeup_open(se_wakeup **out);

/* The socket the loop watches for readability. */
se_socket se_wakeup_socket(const se_wakeup *w);

/* Wakes the loop watching W. Thread-safe and async-signal-safe. */
void se_wakeup_signal(se_wakeup *w);

/* Consumes every pending signal (call from the loop, when readable). */
void se_wakeup_drain(se_wakeup *w);

/* Releases W. */
void se_wakeup_close(se_wakeup *w);

/* ---- datagrams ---- */

/* Opens a non-blocking UDP socket bound to ADDR (FLAGS: SE_LISTEN_V6ONLY). */
int se_udp_open(const struct sockaddr *addr, int flags, se_socket *out);

/* Opens an unbound non-blocking UDP socket of FAMILY (a client's). */
int se_udp_open_client(int family, se_socket *out);

/* Connects a client's UDP socket to ADDR, so that an ICMP port-unreachable
 * reply to a send comes back from the next se_udp_recv as SE_ECONNREFUSED
 * (SE_ECONNRESET on Windows). Returns 0 or an error. */
int se_udp_connect(se_socket sock, const struct sockaddr *addr);

/* Receives one datagram of at most LEN bytes (longer ones are cut). Returns
 * its length, SE_EAGAIN, or an error; FROM receives the sender. Errors that
 * an earlier send's ICMP reply causes (Windows reports them here) come back
 * as SE_ECONNRESET / SE_ECONNREFUSED and mean nothing for the socket. */
long se_udp_recv(se_socket sock, void *buf, size_t len, struct sockaddr_storage *from);

/* Sends one datagram to TO. Returns the length, SE_EAGAIN, or an error. */
long se_udp_send(se_socket sock, const void *buf, size_t len, const struct sockaddr *to);

/* ---- inherited sockets ---- */

/* The sockets passed by systemd socket activation (LISTEN_PID is this
 * process, LISTEN_FDS of them from descriptor 3), each a listening stream
 * socket or a datagram socket, made non-blocking and close-on-exec. Sets
 * *COUNT. Returns 0, or an error with WHY saying what was passed and what
 * is needed (none passed, LISTEN_FDS not a number, a connected socket, a
 * closed descriptor; SE_ENOSYS where the OS has no such thing). Call it
 * before opening any descriptor of the process's own. */
int se_systemd_sockets(se_socket *out, size_t max, size_t *count, char *why, size_t why_size);

/* The listening socket inetd passes as standard input ("wait" services),
 * made non-blocking. Returns 0, or an error with WHY (standard input
 * closed, not a socket, connected rather than listening; SE_ENOSYS on
 * Windows). Call it before opening any descriptor of the process's own. */
int se_inetd_socket(se_socket *out, char *why, size_t why_size);

/* SOCK_STREAM or SOCK_DGRAM for an inherited socket; negative on error. */
int se_socket_type(se_socket sock);

/* Raises this process's descriptor limit to the hard limit (POSIX), so a
 * server can hold as many connections as the system lets it. */
void se_raise_descriptor_limit(void);

/* The same, reporting the limits after the attempt in *SOFT and *HARD
 * (UINT64_MAX: unlimited). Returns 0, or -1 where the platform has no
 * per-process descriptor limit (Windows). */
int se_raise_descriptor_limit_to_hard(uint64_t *soft, uint64_t *hard);

/* Writes the current UTC time as "2026-11-24T15:40:00.123Z" into BUF. */
void se_utc_timestamp(char *buf, size_t size);

/* Threads: one event loop each (server --threads, bench --threads). */
typedef struct se_thread se_thread;
typedef struct se_mutex se_mutex;

/* Starts FN(ARG) on a new thread; *OUT receives a handle that
 * se_thread_join() releases. Returns 0 or an error. */
int se_thread_start(se_thread **out, void (*fn)(void *), void *arg);

/* Waits for THREAD to return and frees its handle. */
void se_thread_join(se_thread *thread);

/* A mutex; se_mutex_create returns NULL when out of memory. */
se_mutex *se_mutex_create(void);
void se_mutex_lock(se_mutex *m);
void se_mutex_unlock(se_mutex *m);
void se_mutex_destroy(se_mutex *m);

/* Number of CPUs online (at least 1). */
int se_cpu_count(void);

/* Opens PATH for binary reading ("-" is standard input, switched to binary
 * mode). Returns NULL and sets *ERR to an SE_E* code on failure. */
FILE *se_file_open_read(const char *path, int *err);

/* Opens PATH for binary writing, truncating ("-" is standard output). */
FILE *se_file_open_write(const char *path, int *err);

/* Nonzero when paths A and B name one existing file (links and other
 * spellings included); 0 when they differ or either does not exist. */
int se_same_file(const char *a, const char *b);

/* Returns the SE_E* code for the C library's last error (errno). */
int se_last_file_error(void);

/* Nonzero when standard error is a terminal (isatty / a console), for live
 * progress lines that must not end up in files or pipes. */
int se_stderr_is_tty(void);

/* Columns of the terminal standard error shows on (TIOCGWINSZ; the console
 * screen buffer on Windows), or 0 when unknown. Asked again at each redraw,
 * so a resized window is followed. */
int se_stderr_columns(void);

#endif
