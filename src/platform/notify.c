/* notify — in-app notifications and the outbox; see notify.h. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../db/dbq.h"
#include "../lib/log.h"
#include "../lib/strbuf.h"
#include "../lib/ticker.h"
#include "../lib/timeutil.h"

#define NOTIFY_WORD(name, word) word,
static const char *const channel_words[] = {NOTIFY_CHANNELS(NOTIFY_WORD)};
#undef NOTIFY_WORD

#define CLAIM_BATCH 32
#define BACKOFF_MAX_S (6 * 3600)

/* ---- the log adapter ---------------------------------------------------------------
 * One JSON line per message, appended under an exclusive lock to the file
 * every process of the setup shares. Before each append it reads what the
 * file gained since it last looked (other processes, or itself before a
 * crash) and skips a key already written: a message is logged once. */

typedef struct key_set {
    uint64_t *h; /* open addressing; 0 = empty */
    size_t cap, n;
} key_set;

static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

static bool ks_has(const key_set *k, uint64_t h)
{
    if (!k->cap) return false;
    for (size_t i = h & (k->cap - 1);; i = (i + 1) & (k->cap - 1)) {
        if (!k->h[i]) return false;
        if (k->h[i] == h) return true;
    }
}

static void ks_add(key_set *k, uint64_t h)
{
    if (ks_has(k, h)) return;
    if ((k->n + 1) * 2 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 1024;
        uint64_t *nh = calloc(cap, sizeof *nh);
        if (!nh) return; /* then a replay after a crash may log twice; logged below */
        for (size_t i = 0; i < k->cap; i++) {
            if (!k->h[i]) continue;
            size_t j = k->h[i] & (cap - 1);
            while (nh[j])
                j = (j + 1) & (cap - 1);
            nh[j] = k->h[i];
        }
        free(k->h);
        k->h = nh;
        k->cap = cap;
    }
    size_t i = h & (k->cap - 1);
    while (k->h[i])
        i = (i + 1) & (k->cap - 1);
    k->h[i] = h;
    k->n++;
}

typedef struct log_adapter {
    char path[1024];
    int fd;
    off_t seen; /* bytes of the file already read into keys */
    strbuf partial;
    key_set keys;
} log_adapter;

/* read what the file gained since seen; call with the lock held */
static void log_catch_up(log_adapter *la)
{
    char buf[16384];
    if (la->seen < 0) return;
    for (;;) {
        ssize_t got = pread(la->fd, buf, sizeof buf, la->seen);
        if (got <= 0) break;
        la->seen += got;
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] != '\n') {
                sb_addc(&la->partial, buf[i]);
                continue;
            }
            json_t *j = json_loadb(la->partial.buf, la->partial.len, 0, NULL);
            const char *k = json_string_value(json_object_get(j, "key"));
            if (k) ks_add(&la->keys, key_hash(k));
            json_decref(j);
            sb_clear(&la->partial);
        }
    }
}

static int log_send(void *self, const notify_out *m, char *err, size_t errlen)
{
    log_adapter *la = self;
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "key", m->key, "channel", m->channel,
                          "to", m->recipient, "topic", m->topic, "subject", m->subject, "title",
                          m->title, "body", m->body, "attempt", m->attempt);
    char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!line) {
        snprintf(err, errlen, "cannot write the message as JSON");
        return -1;
    }
    if (la->fd < 0) { /* no file: the server's log */
        log_info("outbox %s", line);
        free(line);
        return 0;
    }
    int rc = 0;
    if (flock(la->fd, LOCK_EX) != 0) {
        snprintf(err, errlen, "lock %s: %s", la->path, strerror(errno));
        free(line);
        return -1;
    }
    log_catch_up(la);
    uint64_t h = key_hash(m->key);
    if (!ks_has(&la->keys, h)) {
        size_t n = strlen(line);
        line[n] = '\n'; /* json_dumps leaves room: overwrite the NUL, write n + 1 */
        ssize_t w = write(la->fd, line, n + 1);
        if (w != (ssize_t)(n + 1) || fdatasync(la->fd) != 0) {
            snprintf(err, errlen, "write %s: %s", la->path, strerror(errno));
            rc = -1;
        } else {
            ks_add(&la->keys, h);
            if (la->seen >= 0) la->seen += (off_t)(n + 1);
        }
    }
    flock(la->fd, LOCK_UN);
    free(line);
    return rc;
}

/* ---- state -------------------------------------------------------------------------- */

static struct {
    notify_cfg cfg;
    char public_url[256];
    notify_adapter adapters[NOTIFY_NCHANNELS];
    log_adapter log;
    db *d;
    ticker t;
    pthread_mutex_t mu; /* one drain at a time in this process */
    notify_stats st;
    char me[40]; /* this process's claim mark */
} G = {.log = {.fd = -1}, .mu = PTHREAD_MUTEX_INITIALIZER};

void notify_cfg_defaults(notify_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->public_url = "http://127.0.0.1:8080";
    c->channels = (1u << NOTIFY_EMAIL) | (1u << NOTIFY_SMS);
    c->drain = true;
    c->max_attempts = 8;
    c->backoff_s = 30;
    c->lease_s = 300;
}

void notify_configure(const notify_cfg *c)
{
    G.cfg = *c;
    snprintf(G.public_url, sizeof G.public_url, "%s", c->public_url ? c->public_url : "");
    for (size_t n = strlen(G.public_url); n && G.public_url[n - 1] == '/'; n--)
        G.public_url[n - 1] = '\0';
    G.cfg.public_url = G.public_url;
    if (G.log.fd >= 0) close(G.log.fd);
    G.log.fd = -1;
    G.log.seen = 0;
    free(G.log.keys.h);
    memset(&G.log.keys, 0, sizeof G.log.keys);
    sb_release(&G.log.partial);
    sb_init(&G.log.partial);
    if (c->log_file && *c->log_file) {
        snprintf(G.log.path, sizeof G.log.path, "%s", c->log_file);
        G.log.fd = open(G.log.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        struct stat st;
        if (G.log.fd < 0)
            log_error("outbox log %s: %s (messages go to the server log)", G.log.path,
                      strerror(errno));
        else if (fstat(G.log.fd, &st) == 0 && !S_ISREG(st.st_mode))
            G.log.seen = -1; /* a device or a pipe: appended to, never read back */
    }
    for (int i = 0; i < NOTIFY_NCHANNELS; i++)
        G.adapters[i] = (notify_adapter){"log", log_send, &G.log};
    G.cfg.log_file = G.log.path;
}

void notify_set_adapter(notify_channel ch, const notify_adapter *a)
{
    if ((int)ch >= 0 && ch < NOTIFY_NCHANNELS) G.adapters[ch] = *a;
}

/* ---- writing ------------------------------------------------------------------------ */

static void kick(void *arg)
{
    (void)arg;
    ticker_kick(&G.t);
}

static const char *new_key(ts_ctx *x, int ch)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r ^= (uint64_t)x->now_us * 2654435761u;
    return arena_printf(x->a, "%llx-%016llx-%s", (unsigned long long)x->now_us,
                        (unsigned long long)r, channel_words[ch]);
}

ts_code notify_send(ts_ctx *x, const notify_msg *m, const notify_to *to)
{
    const char *at = ts_now(x);
    if (to->account_id || (to->queue_path && to->queue_role))
        TS_TRY(db_run(x->db, x->err,
                      "INSERT INTO notifications (account_id, queue_path, queue_role, at, topic, "
                      "subject, link, title_vi, title_en, body_vi, body_en) VALUES (?, ?, ?, ?, ?, "
                      "?, ?, ?, ?, ?, ?)",
                      to->account_id ? DBV_I(to->account_id) : DBV_NULL_VAL,
                      DBV_T(to->account_id ? NULL : to->queue_path),
                      DBV_T(to->account_id ? NULL : to->queue_role), DBV_T(at), DBV_T(m->topic),
                      DBV_T(m->subject), DBV_T(m->link), DBV_T(m->title_vi), DBV_T(m->title_en),
                      DBV_T(m->body_vi ? m->body_vi : ""), DBV_T(m->body_en ? m->body_en : "")));
    bool queued = false;
    for (int ch = 0; ch < NOTIFY_NCHANNELS; ch++) {
        if (!(G.cfg.channels & (1u << ch))) continue;
        const char *addr = ch == NOTIFY_EMAIL ? to->email : to->phone;
        if (!addr || !*addr) continue;
        /* outside, the Vietnamese text (the citizen's language on the portal) and the link */
        const char *body = arena_printf(x->a, "%s%s%s/#%s", m->body_vi ? m->body_vi : "",
                                        m->body_vi && *m->body_vi ? " " : "", G.public_url,
                                        m->public_link ? m->public_link : m->link);
        TS_TRY(db_run(x->db, x->err,
                      "INSERT INTO outbox (skey, channel, recipient, topic, subject, title, body, "
                      "created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      DBV_T(new_key(x, ch)), DBV_T(channel_words[ch]), DBV_T(addr), DBV_T(m->topic),
                      DBV_T(m->subject), DBV_T(m->title_vi), DBV_T(body), DBV_T(at),
                      DBV_I(x->now_us / 1000000)));
        queued = true;
    }
    if (queued) ts_after_commit(x, kick, NULL);
    return TS_OK;
}

/* ---- draining ----------------------------------------------------------------------- */

typedef struct claimed {
    int64_t id;
    const char *key, *channel, *recipient, *topic, *subject, *title, *body;
    int attempts;
} claimed;

static const db_colmap claimed_map[] = {
    DBC(I64, claimed, id),         DBC(TEXT, claimed, key),   DBC(TEXT, claimed, channel),
    DBC(TEXT, claimed, recipient), DBC(TEXT, claimed, topic), DBC(TEXT, claimed, subject),
    DBC(TEXT, claimed, title),     DBC(TEXT, claimed, body),  DBC(INT, claimed, attempts),
};
static const db_rowspec claimed_rs = {sizeof(claimed), claimed_map, 9, NULL};

static int channel_of(const char *w)
{
    for (int i = 0; i < NOTIFY_NCHANNELS; i++)
        if (!strcmp(channel_words[i], w)) return i;
    return -1;
}

static void bump(uint64_t *c, uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

#ifdef TINHSO_FAULTS
/* tests: TINHSO_NOTIFY_CRASH=after_send ends the process right after an
 * adapter took a message and before the outbox says so */
static void crash_point(void)
{
    const char *c = getenv("TINHSO_NOTIFY_CRASH");
    if (c && !strcmp(c, "after_send")) _exit(86);
}
#else
#define crash_point() ((void)0)
#endif

int notify_drain(db *d, int max)
{
    if (!d) return 0;
    pthread_mutex_lock(&G.mu);
    if (!G.me[0]) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = (uint32_t)time_now_us();
        snprintf(G.me, sizeof G.me, "%d-%08x", (int)getpid(), r);
    }
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(d, &e);
    arena *a = arena_new(16384);
    int handled = 0;
    if (!c || !a) {
        handled = -1;
        goto out;
    }
    while (handled < max) {
        int64_t now = time_now_us() / 1000000;
        int64_t until = now + (G.cfg.lease_s > 0 ? G.cfg.lease_s : 300);
        int lim = max - handled < CLAIM_BATCH ? max - handled : CLAIM_BATCH;
        const char *mark = arena_printf(a, "%s-%lld", G.me, (long long)time_now_us());
        int64_t got = 0;
        /* the outer conditions are checked again on the row as it is when
         * locked (PostgreSQL), so of two processes one claims a row */
        ts_code rc = db_run_vals(
            c,
            "UPDATE outbox SET claimed_until = ?, claimed_by = ? WHERE state = 'pending' AND "
            "next_at <= ? AND claimed_until < ? AND id IN (SELECT id FROM outbox WHERE state = "
            "'pending' AND next_at <= ? AND claimed_until < ? ORDER BY next_at, id LIMIT ?)",
            (const db_val[]){DBV_I(until), DBV_T(mark), DBV_I(now), DBV_I(now), DBV_I(now),
                             DBV_I(now), DBV_I(lim)},
            7, &got, &e);
        if (rc != TS_OK) {
            log_error("outbox: cannot claim messages: %s", e.debug);
            handled = handled ? handled : -1;
            break;
        }
        if (!got) break;
        claimed *rows;
        int n = 0;
        rc = db_query_all(c, a,
                          "SELECT id, skey, channel, recipient, topic, subject, title, body, "
                          "attempts FROM outbox WHERE claimed_by = ? AND state = 'pending' ORDER "
                          "BY id",
                          (const db_val[]){DBV_T(mark)}, 1, &claimed_rs, 0, (void **)&rows, &n, &e);
        if (rc != TS_OK) {
            log_error("outbox: cannot read claimed messages: %s", e.debug);
            handled = handled ? handled : -1;
            break;
        }
        bump(&G.st.claimed, (uint64_t)n);
        for (int i = 0; i < n; i++) {
            claimed *m = &rows[i];
            int ch = channel_of(m->channel);
            char why[256] = "";
            int sent = -1;
            if (ch < 0) {
                snprintf(why, sizeof why, "no adapter for channel %s", m->channel);
            } else {
                notify_out o = {m->id,      m->key,   m->channel, m->recipient,   m->topic,
                                m->subject, m->title, m->body,    m->attempts + 1};
                const notify_adapter *ad = &G.adapters[ch];
                sent = ad->send ? ad->send(ad->self, &o, why, sizeof why) : -1;
                if (!ad->send) snprintf(why, sizeof why, "no adapter for channel %s", m->channel);
            }
            char at[40];
            time_iso_us(time_now_us(), at, sizeof at);
            if (sent == 0) {
                crash_point();
                rc = db_run(c, &e,
                            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts "
                            "+ 1, last_error = NULL WHERE id = ? AND claimed_by = ?",
                            DBV_T(at), DBV_I(m->id), DBV_T(mark));
                if (rc == TS_OK) bump(&G.st.sent, 1);
            } else {
                int attempts = m->attempts + 1;
                bool give_up = attempts >= G.cfg.max_attempts;
                int64_t wait = G.cfg.backoff_s > 0 ? G.cfg.backoff_s : 30;
                for (int k = 1; k < attempts && wait < BACKOFF_MAX_S; k++)
                    wait *= 2;
                if (wait > BACKOFF_MAX_S) wait = BACKOFF_MAX_S;
                rc = db_run(c, &e,
                            "UPDATE outbox SET state = ?, attempts = ?, next_at = ?, "
                            "claimed_until = 0, last_error = ? WHERE id = ? AND claimed_by = ?",
                            DBV_T(give_up ? "failed" : "pending"), DBV_I(attempts),
                            DBV_I(time_now_us() / 1000000 + wait), DBV_T(why), DBV_I(m->id),
                            DBV_T(mark));
                if (give_up)
                    log_error("outbox: message %lld to %s (%s) given up after %d attempts: %s",
                              (long long)m->id, m->recipient, m->channel, attempts, why);
                if (rc == TS_OK) bump(give_up ? &G.st.failed : &G.st.retried, 1);
            }
            if (rc != TS_OK)
                log_error("outbox: cannot mark message %lld: %s", (long long)m->id, e.debug);
            handled++;
        }
        arena_reset(a);
    }
out:
    if (a) arena_free(a);
    pthread_mutex_unlock(&G.mu);
    return handled;
}

/* each second, and at once when a commit queued messages (a kick); not on
 * stop: what is left is sent by the next start or another process */
static void drain_tick(void *arg, bool stopping)
{
    (void)arg;
    if (stopping) return;
    while (notify_drain(G.d, 256) == 256) {
    }
}

ts_code notify_start(db *d, ts_err *err)
{
    G.d = d;
    if (!G.cfg.drain) return TS_OK;
    if (!ticker_start(&G.t, drain_tick, NULL)) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        return TS_EINTERNAL;
    }
    return TS_OK;
}

void notify_stop(void)
{
    ticker_stop(&G.t);
}

void notify_get_stats(notify_stats *out)
{
    out->sent = __atomic_load_n(&G.st.sent, __ATOMIC_RELAXED);
    out->retried = __atomic_load_n(&G.st.retried, __ATOMIC_RELAXED);
    out->failed = __atomic_load_n(&G.st.failed, __ATOMIC_RELAXED);
    out->claimed = __atomic_load_n(&G.st.claimed, __ATOMIC_RELAXED);
}
