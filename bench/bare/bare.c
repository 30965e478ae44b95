/*
 * bare — the floor to compare tinhso against.
 *
 * libmicrohttpd started with exactly the daemon flags and options of
 * src/http/server.c http_server_start (thread pool, epoll, ITC, turbo,
 * connection limit/timeout, 32 KiB connection memory limit, backlog 1024,
 * loopback bind), answering GET /api/v1/units/{code} with the same SQL as
 * src/domains/units/units.c (same columns, same validity predicate, the
 * parent chain walked the same way) on a per-thread SQLite connection
 * opened with the same flags and PRAGMAs, and the same JSON body bytes —
 * but rendered by hand into a stack buffer: no routing table, no arena, no
 * jansson, no request id, no metrics, no access log.
 *
 *   bare DBFILE PORT THREADS [-H]
 *
 * -H adds the seven extra response headers tinhso sends (CSP, X-Request-Id,
 * ...) so the cost of the headers alone can be measured.
 *
 * Why the first draft was SLOWER than tinhso: it queued the response from
 * the FIRST access-handler call (headers just parsed). libmicrohttpd then
 * cannot know the request body was consumed, so it answers with
 * "Connection: close" and drops the keep-alive connection after every
 * response: wrk had to reconnect (accept + epoll registration + TCP
 * handshake) for each request. tinhso returns MHD_YES on the first call
 * and replies on the second, which keeps the connection alive. This file
 * does the same.
 *
 * GET /readyz answers 200 so the start-up timing loop can treat both
 * servers alike. SIGINT/SIGTERM stop the daemon.
 *
 * Experiment knobs (environment; unset = same as tinhso):
 *   BARE_MEMLIMIT=BYTES   MHD_OPTION_CONNECTION_MEMORY_LIMIT (tinhso: 32768)
 *   BARE_MEMSTATUS=0      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) before the first open
 *                         (no global SQLite malloc mutex shared by the worker threads)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SQL_GET                                                                                    \
    "SELECT id, code, parent_code, level, kind, name, name_en, full_name, full_name_en, "          \
    "code_name, unit_type, unit_type_en, valid_from, valid_to FROM admin_units WHERE code = ? "    \
    "AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) "                                  \
    "ORDER BY valid_from DESC LIMIT 1"

static const char *dbpath;
static int tinhso_headers;
static pthread_key_t key;
static char marker; /* non-NULL *con_cls for "headers seen, reply on next call" */

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static sqlite3_stmt *stmt_for_thread(void)
{
    sqlite3_stmt *st = pthread_getspecific(key);
    if (st) return st;
    sqlite3 *h;
    if (sqlite3_open_v2(dbpath, &h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL))
        abort();
    sqlite3_busy_timeout(h, 5000);
    sqlite3_extended_result_codes(h, 1);
    if (sqlite3_exec(h,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                     "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8000;",
                     NULL, NULL, NULL))
        abort();
    if (sqlite3_prepare_v3(h, SQL_GET, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)) abort();
    pthread_setspecific(key, st);
    return st;
}

typedef struct out {
    char *p;
    size_t n, cap;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->n + n >= o->cap) n = o->cap - o->n - 1;
    memcpy(o->p + o->n, s, n);
    o->n += n;
}
#define PUTS(o, lit) put(o, lit, sizeof lit - 1)

/* a JSON string the way jansson writes it (UTF-8 kept, ", \, controls escaped), or null */
static void put_str(out *o, const unsigned char *s)
{
    if (!s) {
        PUTS(o, "null");
        return;
    }
    PUTS(o, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            char e[2] = {'\\', (char)*s};
            put(o, e, 2);
        } else if (*s < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", *s);
            put(o, e, 6);
        } else {
            put(o, (const char *)s, 1);
        }
    }
    PUTS(o, "\"");
}

static void put_int(out *o, long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", v);
    put(o, b, (size_t)n);
}

/* one validity-checked point read; row left in st on success (1), 0 if none */
static int get_valid(sqlite3_stmt *st, const char *code, const char *date)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, date, -1, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_ROW;
}

#define COL(i) sqlite3_column_text(st, i)

static int render_unit(sqlite3_stmt *st, const char *code, const char *date, out *o)
{
    if (!get_valid(st, code, date)) return 0;
    static const char *const names[] = {NULL,           "code",      "parent_code", "level",
                                        "kind",         "name",      "name_en",     "full_name",
                                        "full_name_en", "code_name", "unit_type",   "unit_type_en",
                                        "valid_from",   "valid_to"};
    char parent[8] = "";
    if (COL(2)) snprintf(parent, sizeof parent, "%s", (const char *)COL(2));
    PUTS(o, "{");
    for (int i = 1; i <= 13; i++) {
        if (i > 1) PUTS(o, ",");
        PUTS(o, "\"");
        put(o, names[i], strlen(names[i]));
        PUTS(o, "\":");
        if (i == 3)
            put_int(o, sqlite3_column_int64(st, 3));
        else
            put_str(o, COL(i));
    }
    sqlite3_reset(st);
    /* the parent chain, outermost first, as tinhso's units_get does */
    char chain[3][8];
    int n = 0;
    struct {
        char code[8], name[256], full[320];
        long long level;
    } c[3];
    const char *pc = parent[0] ? parent : NULL;
    while (pc && n < 3) {
        if (!get_valid(st, pc, date)) break;
        snprintf(c[n].code, sizeof c[n].code, "%s", (const char *)COL(1));
        snprintf(c[n].name, sizeof c[n].name, "%s", (const char *)COL(5));
        snprintf(c[n].full, sizeof c[n].full, "%s", (const char *)COL(7));
        c[n].level = sqlite3_column_int64(st, 3);
        chain[n][0] = '\0';
        if (COL(2)) snprintf(chain[n], sizeof chain[n], "%s", (const char *)COL(2));
        sqlite3_reset(st);
        pc = chain[n][0] ? chain[n] : NULL;
        n++;
    }
    PUTS(o, ",\"parents\":[");
    for (int i = n - 1; i >= 0; i--) {
        if (i != n - 1) PUTS(o, ",");
        PUTS(o, "{\"code\":");
        put_str(o, (const unsigned char *)c[i].code);
        PUTS(o, ",\"name\":");
        put_str(o, (const unsigned char *)c[i].name);
        PUTS(o, ",\"full_name\":");
        put_str(o, (const unsigned char *)c[i].full);
        PUTS(o, ",\"level\":");
        put_int(o, c[i].level);
        PUTS(o, "}");
    }
    PUTS(o, "]}");
    return 1;
}

static const char *today(char *buf, size_t cap)
{
    /* same work as tinhso's time_date per request: gmtime_r + snprintf */
    time_t s = time(NULL);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, cap, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *up,
                                  size_t *uplen, void **ctx)
{
    (void)cls, (void)version, (void)up;
    if (!*ctx) { /* first call: headers only. Replying now would force Connection: close */
        *ctx = &marker;
        return MHD_YES;
    }
    if (*uplen) { /* ignore any body */
        *uplen = 0;
        return MHD_YES;
    }
    static const char prefix[] = "/api/v1/units/";
    unsigned status = 404;
    char body[4096];
    out o = {body, 0, sizeof body};
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        status = 405;
        PUTS(&o, "{\"error\":\"method\"}");
    } else if (!strncmp(url, prefix, sizeof prefix - 1)) {
        const char *code = url + sizeof prefix - 1;
        size_t cl = strlen(code);
        int ok = cl == 2 || cl == 3 || cl == 5;
        for (size_t i = 0; ok && i < cl; i++)
            ok = code[i] >= '0' && code[i] <= '9';
        char date[40]; /* 10 used; room for any int so -Wformat-truncation is quiet */
        if (ok && render_unit(stmt_for_thread(), code, today(date, sizeof date), &o))
            status = 200;
        else {
            o.n = 0;
            PUTS(&o, "{\"error\":\"not found\"}");
        }
    } else if (!strcmp(url, "/readyz")) {
        status = 200;
        PUTS(&o, "{\"status\":\"ready\"}");
    } else {
        PUTS(&o, "{\"error\":\"not found\"}");
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(o.n, body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    if (tinhso_headers) {
        MHD_add_response_header(r, "X-Request-Id", "0123456789abcdef");
        MHD_add_response_header(r, "Content-Security-Policy", csp);
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Content-Language", "vi");
        MHD_add_response_header(r, "Cache-Control", "no-store");
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "-H"))) {
        fprintf(stderr, "usage: bare DBFILE PORT THREADS [-H]\n");
        return 2;
    }
    dbpath = argv[1];
    tinhso_headers = argc == 5;
    pthread_key_create(&key, NULL);
    const char *ms = getenv("BARE_MEMSTATUS");
    if (ms && !strcmp(ms, "0")) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    const char *ml = getenv("BARE_MEMLIMIT");
    size_t memlimit = ml ? (size_t)strtoul(ml, NULL, 10) : (size_t)(32u << 10);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[2]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* flags and options: a copy of http_server_start in src/http/server.c */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG;
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)atoi(argv[2]), NULL, NULL, on_request, NULL,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[3]), MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, 1024u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         memlimit, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) return 1;
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
