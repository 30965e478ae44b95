/*
 * secev — see secev.h. A hash table of (kind, source, minute) → count,
 * under one mutex; the flusher copies the finished minutes out, rebuilds the
 * table with what is left, and appends one audit entry per slot in one
 * transaction. A full table folds further sources into one slot per kind
 * and minute with source "*", so counts are never dropped.
 */
#include "secev.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistr.h>

#include "../lib/log.h"
#include "../lib/ticker.h"
#include "../lib/timeutil.h"
#include "audit.h"

#define SLOTS 4096 /* power of two */
#define MAX_USED (SLOTS * 3 / 4)

typedef struct slot {
    bool used;
    secev_kind kind;
    int64_t minute;
    int64_t count;
    int64_t first_us, last_us;
    char source[48];
    char detail[128];
} slot;

#define SECEV_ACTION(name, action) action,
static const char *const actions[] = {SECEV_KINDS(SECEV_ACTION)};
#undef SECEV_ACTION

static struct {
    pthread_mutex_t mu;
    slot t[SLOTS];
    int used;
    ticker flusher;
    db *d;
} G = {.mu = PTHREAD_MUTEX_INITIALIZER};

static uint64_t slot_hash(secev_kind k, const char *src, int64_t minute)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)k ^ ((uint64_t)minute << 8);
    for (const unsigned char *p = (const unsigned char *)src; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* the slot of (k, src, minute), claiming a free one; NULL when full */
static slot *slot_find(slot *t, int *used, secev_kind k, const char *src, int64_t minute)
{
    size_t i = (size_t)slot_hash(k, src, minute) & (SLOTS - 1);
    for (;; i = (i + 1) & (SLOTS - 1)) {
        slot *s = &t[i];
        if (!s->used) {
            if (*used >= MAX_USED) return NULL;
            memset(s, 0, sizeof *s);
            s->used = true;
            s->kind = k;
            s->minute = minute;
            snprintf(s->source, sizeof s->source, "%s", src);
            (*used)++;
            return s;
        }
        if (s->kind == k && s->minute == minute && !strcmp(s->source, src)) return s;
    }
}

static void slot_add(slot *s, int64_t n, int64_t first_us, int64_t last_us, const char *detail)
{
    if (!s->count) {
        s->first_us = first_us;
        if (detail) snprintf(s->detail, sizeof s->detail, "%s", detail);
    }
    s->count += n;
    if (last_us > s->last_us) s->last_us = last_us;
}

void secev_note(secev_kind kind, const char *source, const char *detail)
{
    if ((unsigned)kind >= SECEV_NKINDS) return;
    int64_t now = time_now_us();
    int64_t minute = now / 60000000;
    pthread_mutex_lock(&G.mu);
    slot *s = slot_find(G.t, &G.used, kind, source && *source ? source : "-", minute);
    /* table full: fold into the kind's "*" slot (reserved headroom above MAX_USED) */
    if (!s) {
        int spare = 0;
        s = slot_find(G.t, &spare, kind, "*", minute);
        G.used += spare;
    }
    if (s) slot_add(s, 1, now, now, detail);
    pthread_mutex_unlock(&G.mu);
}

typedef struct flush_arg {
    slot *due;
    int n;
    int written;
} flush_arg;

static char *iso(int64_t us, char *buf, size_t cap)
{
    time_iso_us(us, buf, cap);
    return buf;
}

static ts_code flush_tx(db_conn *c, void *arg, ts_err *err)
{
    flush_arg *a = arg;
    a->written = 0;
    for (int i = 0; i < a->n; i++) {
        slot *s = &a->due[i];
        char f[40], l[40];
        json_t *sum = json_object();
        json_object_set_new(sum, "count", json_integer(s->count));
        json_object_set_new(sum, "first", json_string(iso(s->first_us, f, sizeof f)));
        json_object_set_new(sum, "last", json_string(iso(s->last_us, l, sizeof l)));
        /* the detail comes from the client: kept only when it is UTF-8 */
        bool utf8 = !u8_check((const uint8_t *)s->detail, strlen(s->detail));
        json_object_set_new(sum, "detail", json_string(utf8 ? s->detail : "(not UTF-8)"));
        audit_entry e = {.actor = "system",
                         .action = actions[s->kind],
                         .object_type = "source",
                         .object_id = s->source,
                         .summary = sum};
        ts_code rc = audit_append(c, &e, NULL, err);
        json_decref(sum);
        if (rc != TS_OK) return rc;
        a->written++;
    }
    return TS_OK;
}

int secev_flush(db *d, bool all)
{
    int64_t minute = time_now_us() / 60000000;
    static slot due[SLOTS]; /* only the flusher (or a test, or stop) uses it */
    static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&flush_mu);
    int n = 0;
    pthread_mutex_lock(&G.mu);
    static slot keep[SLOTS];
    memset(keep, 0, sizeof keep);
    int kept = 0;
    for (int i = 0; i < SLOTS; i++) {
        slot *s = &G.t[i];
        if (!s->used) continue;
        if (all || s->minute < minute) {
            due[n++] = *s;
        } else {
            int fresh = 0; /* keep has room for every slot of G.t */
            slot *k = slot_find(keep, &fresh, s->kind, s->source, s->minute);
            kept += fresh;
            if (k) slot_add(k, s->count, s->first_us, s->last_us, s->detail);
        }
    }
    if (n) {
        memcpy(G.t, keep, sizeof keep);
        G.used = kept;
    }
    pthread_mutex_unlock(&G.mu);
    int written = 0;
    if (n) {
        ts_err e;
        ts_err_clear(&e);
        db_conn *c = db_conn_get(d, &e);
        flush_arg a = {due, n, 0};
        if (!c || db_transact(c, flush_tx, &a, &e) != TS_OK) {
            int64_t events = 0;
            for (int i = 0; i < n; i++)
                events += due[i].count;
            log_error("security events: %d audit entries (%lld events) could not be written: %s", n,
                      (long long)events, e.debug);
        } else {
            written = a.written;
        }
    }
    pthread_mutex_unlock(&flush_mu);
    return written;
}

/* each finished minute, and on stop everything: nothing counted is left behind */
static void flush_tick(void *arg, bool stopping)
{
    (void)arg;
    secev_flush(G.d, stopping);
}

ts_code secev_start(db *d, ts_err *err)
{
    G.d = d;
    if (!ticker_start(&G.flusher, flush_tick, NULL)) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        return TS_EINTERNAL;
    }
    return TS_OK;
}

void secev_stop(void)
{
    ticker_stop(&G.flusher);
}
