/* Windows threads and critical sections. */
#include "platform/platform.h"

#include <stdlib.h>

struct se_thread {
    HANDLE handle;
    void (*fn)(void *);
    void *arg;
};

struct se_mutex {
    CRITICAL_SECTION cs;
};

static DWORD WINAPI thread_main(LPVOID p)
{
    se_thread *t = p;
    t->fn(t->arg);
    return 0;
}

int se_thread_start(se_thread **out, void (*fn)(void *), void *arg)
{
    se_thread *t = malloc(sizeof *t);
    if (!t)
        return SE_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    t->handle = CreateThread(NULL, 0, thread_main, t, 0, NULL);
    if (!t->handle) {
        free(t);
        return se_translate_sys_error((int)GetLastError());
    }
    *out = t;
    return 0;
}

void se_thread_join(se_thread *thread)
{
    WaitForSingleObject(thread->handle, INFINITE);
    CloseHandle(thread->handle);
    free(thread);
}

se_mutex *se_mutex_create(void)
{
    se_mutex *m = malloc(sizeof *m);
    if (m)
        InitializeCriticalSection(&m->cs);
    return m;
}

void se_mutex_lock(se_mutex *m)
{
    EnterCriticalSection(&m->cs);
}

void se_mutex_unlock(se_mutex *m)
{
    LeaveCriticalSection(&m->cs);
}

void se_mutex_destroy(se_mutex *m)
{
    DeleteCriticalSection(&m->cs);
    free(m);
}

int se_cpu_count(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwNumberOfProcessors > 0 ? (int)info.dwNumberOfProcessors : 1;
}
