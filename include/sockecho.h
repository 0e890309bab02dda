/* libsockecho: the verifying echo session of `sockecho client` as a small C
 * library (POSIX sockets and Winsock 2).
 *
 * One session runs the whole connection lifecycle, blocking the calling
 * thread until it ends:
 *
 *   1. resolve HOST and PORT (getaddrinfo) and try each address in order
 *      until one connects, each within the connect timeout;
 *   2. send the payload (a buffer, a generated pattern, or bytes a callback
 *      produces) while receiving and verifying the echo, so that no payload
 *      size deadlocks;
 *   3. half-close (shutdown SHUT_WR / SD_SEND) after the last byte;
 *   4. keep receiving until the server's FIN, at most the drain timeout;
 *   5. close, and give exactly one verdict, with byte counts and timings.
 *
 *     #include <sockecho.h>
 *
 *     sockecho_init();
 *     sockecho_session *s = sockecho_session_new(NULL);
 *     sockecho_session_set_buffer(s, "hello", 5);
 *     int verdict = sockecho_session_run(s, "127.0.0.1", "27015");
 *     printf("%s\n", sockecho_verdict_name(verdict));
 *     sockecho_session_free(s);
 *     sockecho_cleanup();
 *
 * Build: `pkg-config --cflags --libs sockecho`, or in CMake
 * `find_package(sockecho)` and link `sockecho::sockecho` (shared) or
 * `sockecho::sockecho_static`.
 *
 * Conventions: functions that can fail return 0 (or a count, or a verdict,
 * which are never negative) on success and a negative SOCKECHO_E* code on
 * failure. Strings returned by the library are static or owned by the
 * session they came from (valid until sockecho_session_free). Sessions are
 * independent: different threads may run different sessions at once; one
 * session is never used by two threads at once, except for
 * sockecho_session_cancel(), which any thread may call.
 *
 * Structures the caller allocates (sockecho_options, sockecho_result) start
 * with their size, set by sockecho_options_init() / sockecho_result_init():
 * a program built against this header keeps working with a later library
 * whose structures have grown. The library never writes to standard output
 * or error, and never changes the process's signal handling. Its
 * reference is docs/library.md. */
#ifndef SOCKECHO_H
#define SOCKECHO_H

#include <stddef.h>
#include <stdint.h>

/* SOCKECHO_API marks the exported functions. It comes from
 * sockecho_export.h, which the build writes for the system it targets
 * (cmake/sockecho_export.h.in): a Windows DLL's dllexport/dllimport, or
 * default visibility elsewhere. Define SOCKECHO_STATIC when linking the
 * static library on Windows (the CMake target sockecho::sockecho_static
 * does it for you). */
#include "sockecho_export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SOCKECHO_VERSION_MAJOR 0
#define SOCKECHO_VERSION_MINOR 2
#define SOCKECHO_VERSION_PATCH 0

/* The library's version, e.g. "0.2.0" (static string; the project's version). */
SOCKECHO_API const char *sockecho_version(void);

/* ---- error codes ----
 *
 * Negative, stable values (libuv's model). The OS's errno and WSA codes are
 * translated into these, so a program sees the same code on every system.
 * sockecho_err_name() gives the name ("ECONNREFUSED"), sockecho_strerror()
 * the message ("Connection refused"). */
enum {
    SOCKECHO_OK = 0,
    SOCKECHO_EOF = -3999,          /* end of stream */
    SOCKECHO_EAGAIN = -3998,       /* resource temporarily unavailable */
    SOCKECHO_EINPROGRESS = -3997,  /* operation in progress */
    SOCKECHO_EINTR = -3996,        /* interrupted system call */
    SOCKECHO_ECONNREFUSED = -3995, /* connection refused */
    SOCKECHO_ECONNRESET = -3994,   /* connection reset by peer */
    SOCKECHO_ECONNABORTED = -3993, /* software caused connection abort */
    SOCKECHO_ETIMEDOUT = -3992,    /* connection timed out */
    SOCKECHO_ENETUNREACH = -3991,  /* network is unreachable */
    SOCKECHO_EHOSTUNREACH = -3990, /* no route to host */
    SOCKECHO_ENETDOWN = -3989,     /* network is down */
    SOCKECHO_EADDRINUSE = -3988,   /* address already in use */
    SOCKECHO_EADDRNOTAVAIL = -3987,
    SOCKECHO_EAFNOSUPPORT = -3986,
    SOCKECHO_EPIPE = -3985,
    SOCKECHO_ENOTCONN = -3984,
    SOCKECHO_ESHUTDOWN = -3983,
    SOCKECHO_EMFILE = -3982,
    SOCKECHO_ENFILE = -3981,
    SOCKECHO_ENOBUFS = -3980,
    SOCKECHO_ENOMEM = -3979, /* out of memory */
    SOCKECHO_EACCES = -3978,
    SOCKECHO_ENOENT = -3977,
    SOCKECHO_EISDIR = -3976,
    SOCKECHO_EINVAL = -3975, /* invalid argument, or a call out of order */
    SOCKECHO_ENOTSOCK = -3974,
    SOCKECHO_ENOSYS = -3973,
    SOCKECHO_EIO = -3972, /* input/output error (e.g. a source callback's) */
    SOCKECHO_ENOSPC = -3971,
    SOCKECHO_EAI_NONAME = -3970, /* name or service not known */
    SOCKECHO_EAI_AGAIN = -3969,  /* temporary failure in name resolution */
    SOCKECHO_EAI_FAIL = -3968,
    SOCKECHO_EAI_FAMILY = -3967, /* no address of the requested family */
    SOCKECHO_EUNKNOWN = -3966,   /* an OS error without a portable code */
    SOCKECHO_EINJECTED = -3965,  /* a fault the server injected on purpose (--fault) */
    SOCKECHO_ETLS = -3964,       /* a TLS handshake or record failed */
    SOCKECHO_ECANCELED = -3963   /* a connect attempt closed: another one connected first */
};

/* The name of CODE ("ECONNREFUSED"; "EUNKNOWN" for a code outside the
 * table; "OK" for 0). Never NULL; static. */
SOCKECHO_API const char *sockecho_err_name(int code);

/* The message of CODE ("Connection refused"). Never NULL; static. */
SOCKECHO_API const char *sockecho_strerror(int code);

/* ---- verdicts ----
 *
 * Every session ends with exactly one verdict. The values are the exit
 * codes of `sockecho client`. When several things go wrong, the first one
 * observed wins. */
typedef enum sockecho_verdict {
    SOCKECHO_COMPLETE = 0,    /* every byte came back unchanged, then FIN */
    SOCKECHO_ERROR = 1,       /* a local failure (memory, source callback) */
    SOCKECHO_RESOLVE = 3,     /* HOST could not be resolved */
    SOCKECHO_REFUSED = 4,     /* every address refused the connection */
    SOCKECHO_UNREACHABLE = 5, /* no address could be reached (timeout, ...) */
    SOCKECHO_TRUNCATED = 6,   /* the server's FIN came before the whole echo */
    SOCKECHO_EXCESS = 7,      /* the server sent bytes never sent to it */
    SOCKECHO_MISMATCH = 8,    /* an echoed byte differs */
    SOCKECHO_RESET = 9,       /* the connection was reset */
    SOCKECHO_TIMEOUT = 10,    /* the idle or drain timeout or the deadline expired */
    SOCKECHO_INTERRUPTED = 130 /* sockecho_session_cancel() ended the session */
} sockecho_verdict;

/* "complete", "mismatch", ... for a verdict value; "unknown" otherwise.
 * Static. */
SOCKECHO_API const char *sockecho_verdict_name(int verdict);

/* ---- library ---- */

/* Starts the socket library (WSAStartup 2.2 on Windows). Sends never raise
 * SIGPIPE (MSG_NOSIGNAL or SO_NOSIGPIPE); the process's SIGPIPE handling is
 * left alone wherever the system has either. Call it before the first
 * session; each successful call is paired with one sockecho_cleanup().
 * Returns 0 or a SOCKECHO_E* code. */
SOCKECHO_API int sockecho_init(void);

/* Undoes one sockecho_init() (WSACleanup on Windows). No session may be
 * running. */
SOCKECHO_API void sockecho_cleanup(void);

/* ---- sessions ---- */

/* How a session connects and when it gives up. Fill it with
 * sockecho_options_init() and change what you need: SIZE says which fields
 * the program knows, and fields added later get their defaults. */
typedef struct sockecho_options {
    size_t size;                 /* sizeof(sockecho_options): set by sockecho_options_init() */
    int family;                  /* 0: any address; 4 or 6: IPv4 / IPv6 only */
    uint64_t connect_timeout_ms; /* per address (default 5000; must be > 0) */
    uint64_t idle_timeout_ms;  /* nothing moved either way for so long (default 30000; 0: never) */
    uint64_t drain_timeout_ms; /* no FIN so long after the half-close (default 10000; 0: never) */
    uint64_t expect_trailer;   /* bytes the server sends after the echo (`--trailer`) */
    /* The whole session, from sockecho_session_run() to the close (default
     * 0: none): when it passes, the session ends with SOCKECHO_TIMEOUT and
     * the error SOCKECHO_ETIMEDOUT. Checked every 10 ms once resolution is
     * done (a blocking getaddrinfo). */
    uint64_t deadline_ms;
} sockecho_options;

/* Fills OPT with the defaults of `sockecho client` and SIZE. */
SOCKECHO_API void sockecho_options_init(sockecho_options *opt);

typedef struct sockecho_session sockecho_session;

/* Produces the next bytes to send: copies at most CAP bytes into BUF and
 * returns their count; 0 ends the payload (the session then half-closes); a
 * negative SOCKECHO_E* code aborts the session with the verdict
 * SOCKECHO_ERROR. The session keeps a copy of what was produced until its
 * echo is verified, so memory follows the echo's lag, not the payload. */
typedef long (*sockecho_source_fn)(void *arg, void *buf, size_t cap);

/* Receives each chunk of the echo as it arrives, in order (LEN > 0; DATA is
 * valid only during the call). Called before the chunk is verified. */
typedef void (*sockecho_sink_fn)(void *arg, const void *data, size_t len);

/* Creates a session with OPT (copied; NULL: defaults). Its payload is the
 * seed's "this is a test" until one of the set_* calls below changes it.
 * Returns NULL when out of memory or when OPT->size is smaller than the
 * first release's sockecho_options (not filled by sockecho_options_init).
 * Free it with sockecho_session_free(). */
SOCKECHO_API sockecho_session *sockecho_session_new(const sockecho_options *opt);

/* Payload: LEN bytes at DATA. DATA is borrowed and must stay valid and
 * unchanged until sockecho_session_run() returns. Returns 0 or
 * SOCKECHO_EINVAL (after run, or DATA NULL with LEN > 0). */
SOCKECHO_API int sockecho_session_set_buffer(sockecho_session *s, const void *data, size_t len);

/* Payload: SIZE bytes of the seeded pattern of `sockecho client --size
 * --seed` (computed, never held in memory). Returns 0 or SOCKECHO_EINVAL. */
SOCKECHO_API int sockecho_session_set_pattern(sockecho_session *s, uint64_t size, uint64_t seed);

/* Payload: what FN produces (see sockecho_source_fn), called with ARG on the
 * thread running the session. Returns 0 or SOCKECHO_EINVAL. */
SOCKECHO_API int sockecho_session_set_source(sockecho_session *s, sockecho_source_fn fn, void *arg);

/* Hands every chunk of the echo to FN with ARG (NULL: the echo is only
 * verified). Returns 0 or SOCKECHO_EINVAL. */
SOCKECHO_API int sockecho_session_set_sink(sockecho_session *s, sockecho_sink_fn fn, void *arg);

/* Runs the session against HOST and PORT (a number, "27015" when NULL),
 * blocking until it ends, and returns its verdict (>= 0). Returns a
 * negative SOCKECHO_E* code, and runs nothing, when HOST is NULL or empty,
 * PORT is not a number 1-65535 in decimal digits (service names such as
 * "echo" are not looked up: they, "0" and "99999" are SOCKECHO_EINVAL), the
 * options are invalid, or the session has already run (one run per
 * session); sockecho_session_detail() then names the problem.
 * sockecho_init() must have been called. */
SOCKECHO_API int sockecho_session_run(sockecho_session *s, const char *host, const char *port);

/* Asks S to end: from any thread (or a signal handler), before or while
 * sockecho_session_run() runs. The run ends within about 10 ms of the call
 * (once resolution is done) with the verdict SOCKECHO_INTERRUPTED, the
 * connection reset. A session that already ended keeps its verdict.
 * Returns 0, or SOCKECHO_EINVAL when S is NULL. */
SOCKECHO_API int sockecho_session_cancel(sockecho_session *s);

/* What a finished session measured. Times are milliseconds, -1 for a phase
 * that did not happen. Fill SIZE with sockecho_result_init() first. */
typedef struct sockecho_result {
    size_t size;             /* sizeof(sockecho_result): set by sockecho_result_init() */
    int verdict;             /* a sockecho_verdict */
    int error;               /* the SOCKECHO_E* behind the verdict (SOCKECHO_ETIMEDOUT for
                                a timeout); 0 when complete */
    uint64_t bytes_sent;     /* payload bytes the kernel accepted */
    uint64_t bytes_received; /* echo bytes received */
    int fin_received;        /* 1 when the server's FIN arrived */
    int64_t fault_offset;    /* first mismatching or excess byte; -1: none */
    char address[72];        /* numeric address connected to; "" if none */
    int port;                /* its port; 0 if none */
    double connect_ms;       /* the successful connect attempt */
    double transfer_ms;      /* connected -> half-close sent */
    double close_ms;         /* half-close sent -> server's FIN */
    size_t attempts;         /* connect attempts (see sockecho_session_attempt) */
} sockecho_result;

/* Zeroes *OUT and sets its SIZE, before sockecho_session_result(). */
SOCKECHO_API void sockecho_result_init(sockecho_result *out);

/* Fills *OUT (the first OUT->size bytes of it) with the result of S.
 * Returns 0, or SOCKECHO_EINVAL when S has not run or OUT->size is smaller
 * than the first release's sockecho_result. */
SOCKECHO_API int sockecho_session_result(const sockecho_session *s, sockecho_result *out);

/* One line explaining a verdict other than complete ("cannot connect to
 * localhost [::1]:27015: Connection refused", "mismatch at byte 4 (sent 0x41,
 * received 0x61)"), or why sockecho_session_run() refused to run ("port
 * \"echo\": not a number from 1 to 65535"); "" when complete or not run.
 * Owned by S. */
SOCKECHO_API const char *sockecho_session_detail(const sockecho_session *s);

/* Connect attempt INDEX (0 .. attempts - 1) of S: its numeric ADDRESS (owned
 * by S), PORT, STATUS (0 connected, or a SOCKECHO_E* code) and duration in
 * MS; each out-pointer may be NULL. Returns 0 or SOCKECHO_EINVAL. */
SOCKECHO_API int sockecho_session_attempt(const sockecho_session *s, size_t index,
                                          const char **address, int *port, int *status, double *ms);

/* Frees S and everything it owns. NULL is ignored. */
SOCKECHO_API void sockecho_session_free(sockecho_session *s);

#ifdef __cplusplus
}
#endif

#endif
