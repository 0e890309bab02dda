/* Windows process-level services: WSAStartup/WSACleanup, clock, console
 * control handler, binary stdio. */
#include "platform/platform.h"

#include <fcntl.h>
#include <io.h>
#include <string.h>

static void (*volatile stop_callback)(void *arg);
static void *volatile stop_callback_arg;
static volatile LONG stop_count;

int se_platform_init(void)
{
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0)
        return se_translate_sys_error(rc);
    return 0;
}

void se_sigpipe_ignore(void) {}

void se_platform_cleanup(void)
{
    WSACleanup();
}

uint64_t se_now_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    uint64_t secs = (uint64_t)now.QuadPart / (uint64_t)freq.QuadPart;
    uint64_t rest = (uint64_t)now.QuadPart % (uint64_t)freq.QuadPart;
    return secs * 1000000000u + rest * 1000000000u / (uint64_t)freq.QuadPart;
}

/* FILETIME counts 100 ns units since 1601-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000ull

uint64_t se_wall_ns(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (t - FILETIME_UNIX_EPOCH) * 100u;
}

/* Runs on a thread of its own that the system creates for the event. */
static BOOL WINAPI on_console_ctrl(DWORD type)
{
    (void)type;
    void (*callback)(void *) = stop_callback;
    if (!callback)
        return FALSE;
    InterlockedIncrement(&stop_count);
    callback(stop_callback_arg);
    return TRUE;
}

int se_stop_signals_install(void (*on_stop)(void *arg), void *arg)
{
    stop_callback_arg = arg;
    stop_callback = on_stop;
    InterlockedExchange(&stop_count, 0);
    if (!SetConsoleCtrlHandler(on_console_ctrl, TRUE))
        return se_translate_sys_error((int)GetLastError());
    return 0;
}

void se_stop_signals_restore(void)
{
    SetConsoleCtrlHandler(on_console_ctrl, FALSE);
    stop_callback = NULL;
}

FILE *se_file_open_read(const char *path, int *err)
{
    if (strcmp(path, "-") == 0) {
        _setmode(_fileno(stdin), _O_BINARY);
        return stdin;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        *err = se_last_file_error();
    return f;
}

FILE *se_file_open_write(const char *path, int *err)
{
    if (strcmp(path, "-") == 0) {
        _setmode(_fileno(stdout), _O_BINARY);
        return stdout;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        *err = se_last_file_error();
    return f;
}

void se_raise_descriptor_limit(void)
{
    /* Sockets are not bounded by a per-process descriptor limit here. */
}

int se_raise_descriptor_limit_to_hard(uint64_t *soft, uint64_t *hard)
{
    (void)soft;
    (void)hard;
    return -1; /* no per-process descriptor limit */
}

void se_utc_timestamp(char *buf, size_t size)
{
    SYSTEMTIME st;
    GetSystemTime(&st);
    snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", st.wYear, st.wMonth, st.wDay,
             st.wHour, st.wMinute, st.wSecond, st.wMilliseconds);
}

int se_stderr_is_tty(void)
{
    return _isatty(_fileno(stderr));
}

int se_stderr_columns(void)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (!GetConsoleScreenBufferInfo(GetStdHandle(STD_ERROR_HANDLE), &info))
        return 0;
    return info.srWindow.Right - info.srWindow.Left + 1;
}

int se_stop_signals_count(void)
{
    return (int)InterlockedCompareExchange(&stop_count, 0, 0);
}

/* The volume and file index of PATH into *INFO; 0 when it cannot be read. */
static int file_identity(const char *path, BY_HANDLE_FILE_INFORMATION *info)
{
    HANDLE h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    BOOL ok = GetFileInformationByHandle(h, info);
    CloseHandle(h);
    return ok != 0;
}

int se_same_file(const char *a, const char *b)
{
    BY_HANDLE_FILE_INFORMATION ia, ib;
    if (!file_identity(a, &ia) || !file_identity(b, &ib))
        return 0;
    return ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber &&
           ia.nFileIndexHigh == ib.nFileIndexHigh && ia.nFileIndexLow == ib.nFileIndexLow;
}
