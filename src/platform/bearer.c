/*
 * bearer — the checks around bearer credentials that are not one token's
 * own: failed guesses counted per client address (so nobody can try
 * tokens at speed, whichever process they reach), and whether the
 * bootstrap admin token has been retired by a real system administrator.
 * Declared in identity.h; see docs/decisions.md §30.
 */
#include "identity.h"

#include <stdio.h>
#include <string.h>

#include "../db/dbq.h"
#include "../lib/log.h"
#include "../lib/timeutil.h"

static int64_t now_s(void)
{
    return time_now_us() / 1000000;
}

static const char *bearer_key(char *buf, size_t n, const char *ip)
{
    snprintf(buf, n, "bearer:%s", ip ? ip : "?");
    return buf;
}

ts_code ident_bearer_locked(db_conn *c, const char *ip, int *retry_after, ts_err *err)
{
    char key[96];
    int64_t until = 0, now = now_s();
    *retry_after = 0;
    ts_code rc = db_int(c, err, &until, 0, "SELECT locked_until FROM login_throttle WHERE key = ?",
                        DBV_T(bearer_key(key, sizeof key, ip)));
    if (rc == TS_OK && until > now) *retry_after = (int)(until - now);
    return rc;
}

typedef struct bearer_fail_ctx {
    const ident_settings *st;
    const char *key;
    int64_t now, failures, locked_until;
} bearer_fail_ctx;

/* Count a failure; from the max-th in a window on, lock for lock_s doubling
 * with each further failure up to lock_max_s. */
static ts_code bearer_fail_tx(db_conn *c, void *argp, ts_err *err)
{
    bearer_fail_ctx *bf = argp;
    const ident_settings *st = bf->st;
    db_stmt *s;
    TS_TRY(db_prepare(
        c, "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = ?", &s,
        err));
    db_bind_text(s, 1, bf->key, -1);
    int r = db_step(s, err);
    int64_t failures = 0, start = bf->now, until = 0;
    if (r == DB_ROW) {
        failures = db_col_int(s, 0);
        start = db_col_int(s, 1);
        until = db_col_int(s, 2);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (bf->now - start > st->window_s && bf->now >= until) {
        failures = 0;
        start = bf->now;
        until = 0;
    }
    failures++;
    if (failures >= st->bearer_max_failures) {
        int64_t lock = st->lock_s;
        for (int64_t over = failures - st->bearer_max_failures; over > 0 && lock < st->lock_max_s;
             over--)
            lock *= 2;
        until = bf->now + (lock < st->lock_max_s ? lock : st->lock_max_s);
    }
    bf->failures = failures;
    bf->locked_until = until;
    return db_run(c, err,
                  "INSERT INTO login_throttle (key, failures, window_start, locked_until) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = "
                  "excluded.failures, window_start = excluded.window_start, "
                  "locked_until = excluded.locked_until",
                  DBV_T(bf->key), DBV_I(failures), DBV_I(start), DBV_I(until));
}

ts_code ident_bearer_fail(db_conn *c, const ident_settings *st, const char *ip, int *retry_after,
                          ts_err *err)
{
    char key[96];
    bearer_fail_ctx bf = {.st = st, .key = bearer_key(key, sizeof key, ip), .now = now_s()};
    *retry_after = 0;
    TS_TRY(db_transact(c, bearer_fail_tx, &bf, err));
    log_info("auth: wrong bearer token from %s (%lld in this window%s)", ip ? ip : "?",
             (long long)bf.failures, bf.locked_until > bf.now ? ", address locked" : "");
    if (bf.locked_until > bf.now) *retry_after = (int)(bf.locked_until - bf.now);
    return TS_OK;
}

ts_code ident_system_admin_exists(db_conn *c, bool *exists, ts_err *err)
{
    int64_t n = 0;
    ts_code rc = db_int(c, err, &n, 0,
                        "SELECT 1 FROM grants g JOIN accounts a ON a.id = g.account_id "
                        "JOIN agencies ag ON ag.id = g.agency_id WHERE g.role = ? AND "
                        "a.disabled = 0 AND ag.parent_id IS NULL LIMIT 1",
                        DBV_T(ROLE_SYSTEM_ADMIN));
    *exists = n != 0;
    return rc;
}
