/*
 * bare — the floor to compare tinhso against: libmicrohttpd with the same
 * daemon flags and thread pool, answering GET /api/v1/units/{code} with a
 * prepared SQLite point read of the same row rendered by snprintf. No
 * routing table, no arena, no JSON library, no logging, no metrics.
 *   bare DBFILE PORT THREADS
 */
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

static const char *dbpath;
static pthread_key_t key;

static sqlite3_stmt *stmt_for_thread(void)
{
    sqlite3_stmt *st = pthread_getspecific(key);
    if (st) return st;
    sqlite3 *h;
    if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) abort();
    if (sqlite3_prepare_v3(h, "SELECT code, name, full_name, level FROM admin_units WHERE code = ?",
                           -1, SQLITE_PREPARE_PERSISTENT, &st, NULL))
        abort();
    pthread_setspecific(key, st);
    return st;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *up,
                                  size_t *uplen, void **ctx)
{
    (void)cls, (void)method, (void)version, (void)up, (void)uplen, (void)ctx;
    const char *prefix = "/api/v1/units/";
    int status = 404;
    char body[512];
    int n = snprintf(body, sizeof body, "{\"error\":\"not found\"}");
    if (!strncmp(url, prefix, strlen(prefix))) {
        sqlite3_stmt *st = stmt_for_thread();
        sqlite3_bind_text(st, 1, url + strlen(prefix), -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            status = 200;
            n = snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"%s\",\"full_name\":\"%s\",\"level\":%d}",
                         sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                         sqlite3_column_text(st, 2), sqlite3_column_int(st, 3));
        }
        sqlite3_reset(st);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bare DBFILE PORT THREADS\n");
        return 2;
    }
    dbpath = argv[1];
    pthread_key_create(&key, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO, (uint16_t)atoi(argv[2]),
        NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[3]),
        MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_END);
    if (!d) return 1;
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
