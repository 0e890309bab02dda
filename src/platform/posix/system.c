/* POSIX process-level services: library init, clock, stop signals, files. */
#include "platform/platform.h"

#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void (*volatile stop_callback)(void *arg);
static void *volatile stop_callback_arg;
static volatile sig_atomic_t stop_count;

int se_platform_init(void)
{
#if !defined(HAVE_MSG_NOSIGNAL) && !defined(HAVE_SO_NOSIGPIPE)
    /* A send on a socket the peer reset must be an error, not a signal. */
    se_sigpipe_ignore();
#endif
    return 0;
}

void se_sigpipe_ignore(void)
{
    signal(SIGPIPE, SIG_IGN);
}

void se_platform_cleanup(void) {}

uint64_t se_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t se_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_stop_signal(int signo)
{
    (void)signo;
    int saved = errno;
    stop_count++;
    if (stop_callback)
        stop_callback(stop_callback_arg);
    errno = saved;
}

int se_stop_signals_install(void (*on_stop)(void *arg), void *arg)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    stop_callback = on_stop;
    stop_callback_arg = arg;
    stop_count = 0;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return se_translate_sys_error(errno);
    return 0;
}

void se_stop_signals_restore(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    stop_callback = NULL;
}

FILE *se_file_open_read(const char *path, int *err)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "rb");
    if (!f)
        *err = se_translate_sys_error(errno);
    return f;
}

FILE *se_file_open_write(const char *path, int *err)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "wb");
    if (!f)
        *err = se_translate_sys_error(errno);
    return f;
}

void se_raise_descriptor_limit(void)
{
    uint64_t soft, hard;
    se_raise_descriptor_limit_to_hard(&soft, &hard);
}

int se_raise_descriptor_limit_to_hard(uint64_t *soft, uint64_t *hard)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    *soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
    *hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
    return 0;
}

void se_utc_timestamp(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

int se_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO);
}

int se_stderr_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0)
        return 0;
    return ws.ws_col;
}

int se_stop_signals_count(void)
{
    return (int)stop_count;
}

int se_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
