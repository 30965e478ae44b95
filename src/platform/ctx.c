/* ctx — the context of a domain call and the one write path; see ctx.h. */
#include "ctx.h"

#include <string.h>

#include "../db/dbq.h"
#include "../db/dbrow.h"
#include "../lib/timeutil.h"
#include "../lib/jsonw.h"
#include "../lib/strbuf.h"
#include "audit.h"
#include "events.h"

const ident_principal ts_anonymous = {.kind = IDENT_NONE};

static ident_grant operator_grant = {.role = ROLE_SYSTEM_ADMIN,
                                     .agency_id = 0,
                                     .agency_code = "",
                                     .agency_name = "",
                                     .agency_path = "/"};
const ident_principal ts_operator = {
    .kind = IDENT_BOOTSTRAP, .full_name = "Operator", .ngrants = 1, .grants = &operator_grant};

void ts_ctx_init(ts_ctx *x, db_conn *c, arena *a, const ident_principal *who, const char *actor,
                 ts_err *err)
{
    memset(x, 0, sizeof *x);
    x->db = c;
    x->a = a;
    x->who = who ? who : &ts_anonymous;
    x->actor = actor ? actor : "system";
    x->now_us = time_now_us();
    x->err = err;
}

bool ts_may(const ts_ctx *x, const char *role, const char *agency_path)
{
    return ident_has_role(x->who, role, agency_path);
}

ts_code ts_forbidden(ts_ctx *x)
{
    return ts_err_set(x->err, TS_EFORBIDDEN, M_AUTH_FORBIDDEN, NULL);
}

ts_code ts_require(ts_ctx *x, const char *role, const char *agency_path)
{
    if (ts_may(x, role, agency_path)) return TS_OK;
    return ts_forbidden(x);
}

const char **ts_role_paths(const ts_ctx *x, const char *role, int *n)
{
    *n = 0;
    if (ident_has_role(x->who, ROLE_SYSTEM_ADMIN, NULL)) return NULL;
    const char **ps = arena_alloc(x->a, sizeof(char *) * (size_t)(x->who->ngrants + 1));
    for (int i = 0; i < x->who->ngrants; i++)
        if (!strcmp(ident_grant_role(&x->who->grants[i]), role))
            ps[(*n)++] = x->who->grants[i].agency_path;
    return ps;
}

const char *ts_now(ts_ctx *x)
{
    char b[40];
    time_iso_us(x->now_us, b, sizeof b);
    return arena_strdup(x->a, b);
}

typedef struct write_run {
    ts_ctx *x;
    ts_write_fn fn;
    void *arg;
} write_run;

static ts_code write_tx(db_conn *c, void *argp, ts_err *err)
{
    write_run *w = argp;
    (void)c;
    (void)err;
    return w->fn(w->x, w->arg);
}

ts_code ts_write(ts_ctx *x, ts_write_fn fn, void *arg)
{
    /* the hooks fn registers ride on the connection (db_on_commit): they
     * run after the commit, and a rollback or a retried attempt drops them */
    return db_transact(x->db, write_tx, &(write_run){x, fn, arg}, x->err);
}

ts_code ts_audit(ts_ctx *x, const char *action, const char *object_type, const char *object_id,
                 const char *agency, const json_t *summary)
{
    json_t *empty = summary ? NULL : json_object();
    audit_entry e = {.actor = x->actor,
                     .agency = agency,
                     .action = action,
                     .object_type = object_type,
                     .object_id = object_id,
                     .summary = summary ? summary : empty};
    ts_code rc = audit_append(x->db, &e, &x->audit_seq, x->err);
    json_decref(empty);
    if (rc != TS_OK) return rc;
    /* the same change as an event for live views, delivered after commit:
     * topic = the action ("agency.update"), payload = where to look */
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kint(&w, "seq", x->audit_seq);
    jw_kstr(&w, "object_type", object_type);
    jw_kstr(&w, "object_id", object_id);
    jw_kstr(&w, "agency", e.agency);
    jw_kstr(&w, "actor", x->actor);
    jw_obj_end(&w);
    rc = events_publish(x->db, action, sb.buf, x->err);
    sb_release(&sb);
    return rc;
}

void ts_after_commit(ts_ctx *x, void (*fn)(void *arg), void *arg)
{
    db_on_commit(x->db, fn, NULL, arg);
}

void ts_staff_scope(ts_ctx *x, dbw *w, const char *path_expr, const char *wrap)
{
    static const char *const roles[] = {ROLE_OFFICER, ROLE_LEADER, ROLE_AGENCY_ADMIN};
    int cap = 8, n = 0;
    db_val *v = arena_calloc(x->a, sizeof *v * (size_t)cap);
    const char *pred = NULL;
    for (int r = 0; r < 3; r++) {
        int k;
        const char **paths = ts_role_paths(x, roles[r], &k);
        if (!paths && !k) return; /* everything */
        for (int i = 0; i < k; i++) {
            v = dbrow_grow(x->a, v, sizeof *v, n, &cap);
            v[n++] = DBV_T(arena_printf(x->a, "%s%%", paths[i]));
            pred = pred ? arena_printf(x->a, "%s OR %s LIKE ?", pred, path_expr)
                        : arena_printf(x->a, "%s LIKE ?", path_expr);
        }
    }
    if (!n) {
        dbw_add(w, "0 = 1", NULL, 0);
        return;
    }
    const char *at = strstr(wrap, "%s");
    if (!at) { /* a caller's mistake: never an unscoped listing */
        dbw_add(w, "0 = 1", NULL, 0);
        return;
    }
    dbw_add(w, arena_printf(x->a, "%.*s%s%s", (int)(at - wrap), wrap, pred, at + 2), v, n);
}
