/* One bench worker: an event loop on its own thread driving a share of the
 * connections, and the connection lifecycle every mode shares (connect from
 * a spread source address, verify every echoed byte, half-close, read to
 * FIN, classify the ending). A mode (mode_*.c) only decides what to send and
 * what to measure, through the hooks of se_bench_mode_ops. */
#ifndef SOCKECHO_BENCH_WORKER_H
#define SOCKECHO_BENCH_WORKER_H

#include "bench/bench.h"
#include "bench/source.h"
#include "bench/stats.h"
#include "util/stream.h"
#include "conn/conn.h"
#include "conn/pump.h"
#include "conn/tls_filter.h"
#include "conn/tunnel.h"

#include <stdatomic.h>

typedef struct se_bench_worker se_bench_worker;
typedef struct se_bench_conn se_bench_conn;

/* What a run's workers share with the orchestrator (bench.c). */
typedef struct se_bench_shared {
    const se_bench_options *opt;
    const struct addrinfo *addrs;   /* HOST's, or the proxy's with --proxy */
    const struct addrinfo *dest;    /* socks5://: HOST's, sent to the proxy; else NULL */
    const se_source_range *sources; /* NULL: no source binding */
    se_stream_window window;
    uint64_t measure_start_ns, end_ns; /* the measured window */
    atomic_uint workers_done;          /* workers whose loop has ended */
    se_async *done;                    /* the orchestrator's: a worker ended */
} se_bench_shared;

struct se_bench_conn {
    se_conn *conn;      /* this slot's session; NULL between sessions */
    se_tls_filter *tls; /* its TLS filter with --tls */
    se_tunnel *tunnel;  /* its proxy handshake with --proxy */
    se_bench_worker *w;
    uint64_t id;   /* distinct per connection (session) of the run */
    size_t origin; /* se_stream_origin(id) */
    struct sockaddr_storage source;
    uint64_t sent, received; /* stream bytes written / echoed and verified */
    uint64_t last_progress_ms;
    int in_use, connecting, open;
    int finishing; /* the mode sends nothing more */
    int faulted;
    uint64_t start_ns, connected_ns, shutdown_ns, first_byte_ns;
    /* Mode state. */
    uint64_t msg_start_ns; /* rr: when the outstanding message was sent */
    uint64_t msgs_sent;    /* rate */
    uint64_t rate_origin_ns;
    int rate_blocked;
    void *mode_buf; /* a mode's buffer for this slot: allocated once, freed with the worker */
    se_timer timer; /* rate: next message due */
    se_pump pump;   /* bulk: the sender */
    se_deferred restart;
};

typedef struct se_bench_mode_ops {
    /* Each hook is optional. The connection is open: start sending. */
    void (*start)(se_bench_conn *bc);
    /* LEN verified bytes arrived (bc->received already counts them). */
    void (*echoed)(se_bench_conn *bc, size_t len);
    /* The send queue emptied (optional). */
    void (*drained)(se_bench_conn *bc);
    /* Send nothing more: the run is winding down. Usually half-closes. */
    void (*finish)(se_bench_conn *bc);
    /* The whole echo and the server's FIN came back (optional). */
    void (*completed)(se_bench_conn *bc);
    /* Start a new connection in a slot whose connection ended; a failed one
     * counts toward --count (the mode counts the complete ones). */
    int reconnect;
} se_bench_mode_ops;

extern const se_bench_mode_ops se_bench_rr_ops, se_bench_rate_ops, se_bench_sessions_ops,
    se_bench_bulk_ops, se_bench_idle_ops;

struct se_bench_worker {
    se_bench_shared *shared;
    const se_bench_options *opt;
    const se_bench_mode_ops *ops;
    unsigned index; /* thread number */
    se_loop *loop;
    se_async stop; /* the orchestrator asks the worker to wind down */
    se_bench_conn *slots;
    size_t nslots, unstarted, active, connecting;
    uint64_t open_now, open_peak;     /* read by the orchestrator under lock */
    uint64_t count_limit, count_done; /* count_limit 0: none */
    uint64_t next_id;
    uint64_t window_end_ns; /* end_ns, or when the worker wound down */
    int stopping, ever_connected;
    se_timer end_timer, tick_timer;
    se_mutex *lock;        /* guards stats, open_now, open_peak; NULL: not shared mid-run */
    se_bench_stats *stats; /* this worker's, since the orchestrator last took them */
    int error;             /* a local failure that ended the worker early */
};

/* Prepares W (its event loop included) as thread INDEX of SHARED with SLOTS
 * connections (or sessions in flight) and COUNT_LIMIT (0: none). LOCK may be
 * NULL when the orchestrator reads the stats only after the thread ended.
 * Returns 0 or an error. */
int se_bench_worker_init(se_bench_worker *w, se_bench_shared *shared, unsigned index, size_t slots,
                         uint64_t count_limit, se_mutex *lock);

/* Thread body: runs W until its connections have all ended, then counts
 * itself in shared->workers_done and wakes shared->done. */
void se_bench_worker_main(void *w);

/* Asks W to wind down (Ctrl-C). Safe from any thread while W exists. */
void se_bench_worker_stop(se_bench_worker *w);

/* Releases what se_bench_worker_init() allocated (after the thread ended). */
void se_bench_worker_free(se_bench_worker *w);

/* ---- for the modes ---- */

/* Sends the next LEN bytes of BC's stream. Returns 0, or -1 after recording
 * the fault and aborting BC. */
int se_bench_send(se_bench_conn *bc, uint64_t len);

/* Half-closes BC once its send queue drains. Returns 0 or -1 (as above). */
int se_bench_half_close(se_bench_conn *bc);

/* Records one LATENCY_NS sample of PHASE at time NOW_NS when NOW_NS is in the
 * measured window; an rtt sample counts a request, a session one a session.
 * Returns 1 when recorded. */
int se_bench_record(se_bench_conn *bc, se_phase phase, uint64_t latency_ns, uint64_t now_ns);

/* One message or session ended (recorded or not in the window, as RECORDED
 * says): counts toward --count, winding the worker down at the limit. */
void se_bench_counted(se_bench_worker *w, int recorded);

/* ---- between the worker's files (worker.c, worker_slots.c,
 * worker_account.c) ---- */

/* The slot whose session CONN is (its owner bytes hold the pointer). */
se_bench_conn *se_bench_slot_of(const se_conn *conn);

/* Take and release W's stats lock (none when the stats are not shared
 * mid-run). */
void se_bench_stats_lock(se_bench_worker *w);
void se_bench_stats_unlock(se_bench_worker *w);

/* Nonzero when NOW_NS falls in W's measured window. */
int se_bench_in_window(const se_bench_worker *w, uint64_t now_ns);

/* Counts an error of kind VERDICT (and one failed connection) for BC, and
 * describes the run's first one (printf-style). */
void se_bench_fault(se_bench_conn *bc, se_verdict verdict, const char *fmt, ...);

/* Counts ERR from WHAT (send, read, ...) for BC and aborts its connection. */
void se_bench_fail(se_bench_conn *bc, int err, const char *what);

/* Starts connections in W's unstarted slots, as many as the ramp-up and
 * --count allow. */
void se_bench_open_more(se_bench_worker *w);

/* Tells BC's mode to send nothing more (usually: half-close). */
void se_bench_finish_slot(se_bench_conn *bc);

/* Stops W's loop once no slot is active and none is left to start. */
void se_bench_check_done(se_bench_worker *w);

/* Ends W's run: the window closes now, every slot finishes. */
void se_bench_wind_down(se_bench_worker *w);

#endif
