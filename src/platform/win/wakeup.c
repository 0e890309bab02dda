/* Wake-up channel (Windows): a loopback socket pair. Senders on different
 * threads take a lock: under Wine, bytes sent on one socket by two threads
 * at once were seen lost, and a lost byte is a loop that never wakes. */
#include "platform/platform.h"

#include <stdlib.h>

struct se_wakeup {
    se_socket pair[2]; /* [0] watched by the loop, [1] written by senders */
    CRITICAL_SECTION send_lock;
};

int se_wakeup_open(se_wakeup **out)
{
    se_wakeup *w = malloc(sizeof *w);
    if (!w)
        return SE_ENOMEM;
    int err = se_socket_pair(w->pair);
    if (err) {
        free(w);
        return err;
    }
    InitializeCriticalSection(&w->send_lock);
    *out = w;
    return 0;
}

se_socket se_wakeup_socket(const se_wakeup *w)
{
    return w->pair[0];
}

void se_wakeup_signal(se_wakeup *w)
{
    char byte = 1;
    /* A full buffer means the loop is already awake. */
    EnterCriticalSection(&w->send_lock);
    (void)se_socket_send(w->pair[1], &byte, 1);
    LeaveCriticalSection(&w->send_lock);
}

void se_wakeup_drain(se_wakeup *w)
{
    char buf[64];
    while (se_socket_recv(w->pair[0], buf, sizeof buf) > 0)
        ;
}

void se_wakeup_close(se_wakeup *w)
{
    se_socket_close(w->pair[0]);
    se_socket_close(w->pair[1]);
    DeleteCriticalSection(&w->send_lock);
    free(w);
}
