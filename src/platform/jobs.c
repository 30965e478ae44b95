/* jobs — the domains' periodic jobs; see jobs.h. */
#include "jobs.h"

#include "../lib/log.h"
#include "../lib/ticker.h"
#include "../lib/timeutil.h"

static struct {
    db *d;
    const ts_job *const *lists;
    int every_s;
    int64_t last_us;
    ticker t;
} G;

/* who a job is: the operator's rights, named as the system in histories */
static ident_principal job_principal(void)
{
    ident_principal p = ts_operator;
    p.full_name = "Hệ thống (tác vụ định kỳ)";
    return p;
}

int jobs_run_once(db *d, const ts_job *const *lists)
{
    const ident_principal who = job_principal();
    int failed = 0;
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(d, &e);
    if (!c) {
        log_error("jobs: no database connection: %s", e.debug);
        return 1;
    }
    arena *a = arena_new(65536);
    if (!a) return 1;
    for (int l = 0; lists && lists[l]; l++)
        for (const ts_job *j = lists[l]; j->name; j++) {
            ts_err_clear(&e);
            ts_ctx x;
            ts_ctx_init(&x, c, a, &who, arena_printf(a, "system:%s", j->name), &e);
            ts_code rc = j->run(&x);
            if (rc != TS_OK) {
                failed++;
                log_error("job %s failed: %s", j->name, e.debug[0] ? e.debug : "(no detail)");
            }
            arena_reset(a);
        }
    arena_free(a);
    return failed;
}

static void tick(void *arg, bool stopping)
{
    (void)arg;
    if (stopping) return;
    int64_t now = time_mono_us();
    if (G.last_us && now - G.last_us < (int64_t)G.every_s * 1000000) return;
    G.last_us = now;
    jobs_run_once(G.d, G.lists);
}

ts_code jobs_start(db *d, const ts_job *const *lists, int every_s, ts_err *err)
{
    if (every_s <= 0) return TS_OK;
    G.d = d;
    G.lists = lists;
    G.every_s = every_s;
    G.last_us = 0;
    if (!ticker_start(&G.t, tick, NULL)) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        return TS_EINTERNAL;
    }
    return TS_OK;
}

void jobs_stop(void)
{
    ticker_stop(&G.t);
}
