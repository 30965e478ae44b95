/*
 * db_listen — PostgreSQL LISTEN on a thread of its own (db.h: db_listen_*),
 * the receiving half of cross-process events (platform/events).
 *
 * The listener owns one libpq connection outside the per-thread pool. The
 * first connection and LISTEN happen in db_listen_start, so a notification
 * committed after it returns is never missed. The thread then sleeps in
 * poll() on the connection's socket and a wake-up pipe (for stop), reads
 * notifications as they arrive and hands each payload to the callback.
 * When the connection is lost (server restart, pg_terminate_backend, a
 * network cut noticed by TCP keepalives) it reconnects with back-off and
 * calls the callback with NULL: notifications sent while it was away are
 * gone, and the subscriber must resynchronise.
 */
#include "db_int.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/log.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

struct db_listener {
    char *conninfo;   /* the database URL */
    char *listen_sql; /* LISTEN "channel" */
    db_listen_fn fn;
    void *arg;
    PGconn *h; /* owned by the thread once it runs */
    pthread_t thread;
    int wake[2];    /* a byte on wake[1] stops the thread */
    atomic_int pid; /* backend pid while connected */
    atomic_int connects;
};

/* libpq's message as one log line: its first line. */
static int line_len(const char *msg)
{
    int n = 0;
    while (msg[n] && msg[n] != '\n')
        n++;
    return n;
}

static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    log_info("events: listener: %.*s", line_len(msg), msg);
}

/* Connect and LISTEN; NULL (logged) when either fails. */
static PGconn *listen_connect(db_listener *l)
{
    /* the URL plus: give up connecting after 2 s, and notice a silent
       network cut within about 25 s (keepalives) */
    static const char *const keys[] = {"dbname",
                                       "connect_timeout",
                                       "keepalives",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "application_name",
                                       NULL};
    const char *vals[] = {l->conninfo, "2", "1", "10", "5", "3", "tinhso-events", NULL};
    PGconn *h = PQconnectdbParams(keys, vals, 1);
    if (!h) abort();
    if (PQstatus(h) != CONNECTION_OK) {
        const char *m = PQerrorMessage(h);
        log_error("events: listener cannot connect: %.*s", line_len(m), m);
        PQfinish(h);
        return NULL;
    }
    PQsetNoticeProcessor(h, on_notice, NULL);
    PGresult *res = PQexec(h, l->listen_sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        const char *m = PQerrorMessage(h);
        log_error("events: %s failed: %.*s", l->listen_sql, line_len(m), m);
    }
    PQclear(res);
    if (!ok) {
        PQfinish(h);
        return NULL;
    }
    atomic_store(&l->pid, PQbackendPID(h));
    atomic_fetch_add(&l->connects, 1);
    return h;
}

/* Sleep ms unless stop is asked; true when stop was asked. */
static bool wait_stop(db_listener *l, int ms)
{
    struct pollfd p = {.fd = l->wake[0], .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

static void *listen_main(void *p)
{
    db_listener *l = p;
    int backoff = BACKOFF_MIN_MS;
    for (;;) {
        if (!l->h) {
            if (wait_stop(l, backoff)) break;
            l->h = listen_connect(l);
            if (!l->h) {
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                continue;
            }
            backoff = BACKOFF_MIN_MS;
            log_info("events: listener connected again (backend %d)", atomic_load(&l->pid));
            l->fn(NULL, l->arg); /* what was sent meanwhile is lost: resynchronise */
        }
        struct pollfd fds[2] = {{.fd = l->wake[0], .events = POLLIN},
                                {.fd = PQsocket(l->h), .events = POLLIN}};
        int n = poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (fds[0].revents) break;
        if (n < 0 || !PQconsumeInput(l->h) || PQstatus(l->h) != CONNECTION_OK) {
            const char *m = PQerrorMessage(l->h);
            log_error("events: listener lost its connection: %.*s", line_len(m), m);
            PQfinish(l->h);
            l->h = NULL;
            atomic_store(&l->pid, 0);
            continue;
        }
        PGnotify *nt;
        while ((nt = PQnotifies(l->h))) {
            l->fn(nt->extra, l->arg);
            PQfreemem(nt);
        }
    }
    return NULL;
}

static void listener_free(db_listener *l)
{
    if (l->h) PQfinish(l->h);
    if (l->wake[0] >= 0) close(l->wake[0]);
    if (l->wake[1] >= 0) close(l->wake[1]);
    free(l->conninfo);
    free(l->listen_sql);
    free(l);
}

ts_code db_listen_start(db *d, const char *channel, db_listen_fn fn, void *arg, db_listener **out,
                        ts_err *err)
{
    *out = NULL;
    if (d->ops->dialect != DB_PG) return TS_OK;
    db_listener *l = calloc(1, sizeof *l);
    if (!l) abort();
    l->wake[0] = l->wake[1] = -1;
    l->conninfo = strdup(d->target);
    l->fn = fn;
    l->arg = arg;
    size_t n = strlen(channel);
    l->listen_sql = malloc(2 * n + 16);
    if (!l->conninfo || !l->listen_sql) abort();
    /* a channel is an identifier: double its quotes inside "..." */
    char *q = l->listen_sql;
    q += sprintf(q, "LISTEN \"");
    for (size_t i = 0; i < n; i++) {
        if (channel[i] == '"') *q++ = '"';
        *q++ = channel[i];
    }
    strcpy(q, "\"");
    ts_code rc = TS_OK;
    if (pipe(l->wake) != 0) {
        rc = ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(err, "events: pipe: %s", strerror(errno));
        goto out_free;
    }
    l->h = listen_connect(l);
    if (!l->h) {
        rc = ts_err_set(err, TS_EUNAVAIL, M_UNAVAILABLE, NULL);
        ts_err_debug(err, "events: the listener cannot connect to %s", d->url_safe);
        goto out_free;
    }
    if (pthread_create(&l->thread, NULL, listen_main, l) != 0) {
        rc = ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(err, "events: cannot start the listener thread");
        goto out_free;
    }
    *out = l;
    return TS_OK;
out_free:
    listener_free(l);
    return rc;
}

void db_listen_stop(db_listener *l)
{
    if (!l) return;
    ssize_t w = write(l->wake[1], "x", 1);
    (void)w;
    pthread_join(l->thread, NULL);
    listener_free(l);
}

int db_listen_backend_pid(db_listener *l)
{
    return l ? atomic_load(&l->pid) : 0;
}

int db_listen_connects(db_listener *l)
{
    return l ? atomic_load(&l->connects) : 0;
}
