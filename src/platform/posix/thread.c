/* POSIX threads and mutexes. */
#include "platform/platform.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct se_thread {
    pthread_t id;
    void (*fn)(void *);
    void *arg;
};

struct se_mutex {
    pthread_mutex_t m;
};

static void *thread_main(void *p)
{
    se_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int se_thread_start(se_thread **out, void (*fn)(void *), void *arg)
{
    se_thread *t = malloc(sizeof *t);
    if (!t)
        return SE_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    int rc = pthread_create(&t->id, NULL, thread_main, t);
    if (rc) {
        free(t);
        return se_translate_sys_error(rc);
    }
    *out = t;
    return 0;
}

void se_thread_join(se_thread *thread)
{
    pthread_join(thread->id, NULL);
    free(thread);
}

se_mutex *se_mutex_create(void)
{
    se_mutex *m = malloc(sizeof *m);
    if (m)
        pthread_mutex_init(&m->m, NULL);
    return m;
}

void se_mutex_lock(se_mutex *m)
{
    pthread_mutex_lock(&m->m);
}

void se_mutex_unlock(se_mutex *m)
{
    pthread_mutex_unlock(&m->m);
}

void se_mutex_destroy(se_mutex *m)
{
    pthread_mutex_destroy(&m->m);
    free(m);
}

int se_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
