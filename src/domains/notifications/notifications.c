/* notifications — one's notifications and the outbox; see notifications.h. */
#include "notifications.h"

#include <string.h>

#include "../../db/dbq.h"

NOTIFICATIONS_MESSAGES(TS_MSG_DEFINE)
const ts_msg notifications_messages[] = {NOTIFICATIONS_MESSAGES(TS_MSG_REF) NULL};

static int64_t account_of(const ts_ctx *x)
{
    return x->who->account_id ? x->who->account_id : x->who->owner_id;
}

/* what x->who may see: its own rows, and the queues of every role it holds
 * at an agency, or below it */
static void scope(ts_ctx *x, dbw *w)
{
    const ident_principal *p = x->who;
    int nv = 1 + 2 * p->ngrants;
    db_val *v = arena_alloc(x->a, sizeof *v * (size_t)nv);
    const char *pred = "(n.account_id = ?";
    v[0] = DBV_I(account_of(x) ? account_of(x) : -1);
    int k = 1;
    for (int i = 0; i < p->ngrants; i++) {
        const char *path = p->grants[i].agency_path;
        if (!path) continue;
        pred = arena_printf(x->a, "%s OR (n.queue_role = ? AND n.queue_path LIKE ?)", pred);
        v[k++] = DBV_T(ident_grant_role(&p->grants[i]));
        v[k++] = DBV_T(arena_printf(x->a, "%s%%", path)); /* paths: digits and slashes */
    }
    dbw_add(w, arena_printf(x->a, "%s)", pred), v, k);
}

static const db_colmap notif_map[] = {
    DBC(I64, notification, id),        DBC(TEXT, notification, at),
    DBC(TEXT, notification, topic),    DBC(TEXT, notification, subject),
    DBC(TEXT, notification, link),     DBC(TEXT, notification, title_vi),
    DBC(TEXT, notification, title_en), DBC(TEXT, notification, body_vi),
    DBC(TEXT, notification, body_en),  DBC(I64, notification, account_id),
};
static const db_rowspec notif_rs = {sizeof(notification), notif_map, 10, NULL};

ts_code notifications_mine(ts_ctx *x, int64_t limit, int64_t offset, bool unread_only,
                           notification_page *out)
{
    memset(out, 0, sizeof *out);
    out->limit = limit;
    out->offset = offset;
    int64_t me = account_of(x);
    if (me)
        TS_TRY(db_int(x->db, x->err, &out->seen_id, 0,
                      "SELECT seen_id FROM notification_seen WHERE account_id = ?", DBV_I(me)));
    dbw w;
    dbw_init(&w, x->a);
    scope(x, &w);
    dbw uw = w; /* the same scope, after what was read */
    dbw_and(&uw, "n.id > ?", DBV_I(out->seen_id));
    TS_TRY(db_int_vals(x->db,
                       arena_printf(x->a, "SELECT COUNT(*) FROM notifications n%s", dbw_where(&uw)),
                       uw.vals, uw.nvals, 0, &out->unread, x->err));
    dbw_page_q pq = {.cols = "n.id, n.at, n.topic, n.subject, n.link, n.title_vi, n.title_en, "
                             "n.body_vi, n.body_en, n.account_id",
                     .from = "notifications n",
                     .order = "n.id DESC",
                     .limit = limit,
                     .offset = offset};
    void *rows;
    TS_TRY(dbw_page(x->db, unread_only ? &uw : &w, &pq, &notif_rs, &rows, &out->n, &out->total,
                    x->err));
    out->items = rows;
    for (int i = 0; i < out->n; i++)
        out->items[i].read = out->items[i].id <= out->seen_id;
    return TS_OK;
}

typedef struct seen_ctx {
    int64_t up_to, *unread;
} seen_ctx;

static ts_code seen_tx(ts_ctx *x, void *argp)
{
    seen_ctx *sc = argp;
    int64_t me = account_of(x), top = 0;
    dbw w;
    dbw_init(&w, x->a);
    scope(x, &w);
    TS_TRY(db_int_vals(x->db,
                       arena_printf(x->a, "SELECT MAX(n.id) FROM notifications n%s", dbw_where(&w)),
                       w.vals, w.nvals, 0, &top, x->err));
    int64_t to = sc->up_to > 0 && sc->up_to < top ? sc->up_to : top;
    /* never backwards: what was read stays read */
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO notification_seen (account_id, seen_id) VALUES (?, ?) ON CONFLICT "
                  "(account_id) DO UPDATE SET seen_id = excluded.seen_id WHERE "
                  "notification_seen.seen_id < excluded.seen_id",
                  DBV_I(me), DBV_I(to)));
    int64_t seen = 0;
    TS_TRY(db_int(x->db, x->err, &seen, 0,
                  "SELECT seen_id FROM notification_seen WHERE account_id = ?", DBV_I(me)));
    dbw_and(&w, "n.id > ?", DBV_I(seen));
    return db_int_vals(x->db,
                       arena_printf(x->a, "SELECT COUNT(*) FROM notifications n%s", dbw_where(&w)),
                       w.vals, w.nvals, 0, sc->unread, x->err);
}

ts_code notifications_seen(ts_ctx *x, int64_t up_to, int64_t *unread)
{
    *unread = 0;
    if (!account_of(x)) return ts_forbidden(x); /* the bootstrap token has no list */
    seen_ctx sc = {up_to, unread};
    return ts_write(x, seen_tx, &sc);
}

/* ---- the outbox ------------------------------------------------------------------ */

#define OCOLS                                                                                      \
    "id, channel, recipient, topic, subject, title, state, created_at, sent_at, last_error, "      \
    "attempts, next_at"
static const db_colmap outbox_map[] = {
    DBC(I64, outbox_row, id),         DBC(TEXT, outbox_row, channel),
    DBC(TEXT, outbox_row, recipient), DBC(TEXT, outbox_row, topic),
    DBC(TEXT, outbox_row, subject),   DBC(TEXT, outbox_row, title),
    DBC(TEXT, outbox_row, state),     DBC(TEXT, outbox_row, created_at),
    DBC(TEXT, outbox_row, sent_at),   DBC(TEXT, outbox_row, last_error),
    DBC(INT, outbox_row, attempts),   DBC(I64, outbox_row, next_at),
};
static const db_rowspec outbox_rs = {sizeof(outbox_row), outbox_map, 12, NULL};

ts_code outbox_list(ts_ctx *x, const char *state, int64_t limit, int64_t offset, outbox_page *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    int64_t *counts[] = {&out->pending, &out->sent, &out->failed};
    static const char *const states[] = {"pending", "sent", "failed"};
    for (int i = 0; i < 3; i++)
        TS_TRY(db_int(x->db, x->err, counts[i], 0, "SELECT COUNT(*) FROM outbox WHERE state = ?",
                      DBV_T(states[i])));
    dbw w;
    dbw_init(&w, x->a);
    dbw_text(&w, "state = ?", state);
    dbw_page_q pq = {
        .cols = OCOLS, .from = "outbox", .order = "id DESC", .limit = limit, .offset = offset};
    void *rows;
    TS_TRY(dbw_page(x->db, &w, &pq, &outbox_rs, &rows, &out->n, &out->total, x->err));
    out->items = rows;
    return TS_OK;
}

typedef struct retry_ctx {
    int64_t id;
    outbox_row *out;
} retry_ctx;

static ts_code retry_tx(ts_ctx *x, void *argp)
{
    retry_ctx *rc = argp;
    bool found;
    TS_TRY(db_query_one(x->db, x->a, "SELECT " OCOLS " FROM outbox WHERE id = ?",
                        (const db_val[]){DBV_I(rc->id)}, 1, &outbox_rs, rc->out, &found, x->err));
    const char *id = arena_printf(x->a, "%lld", (long long)rc->id);
    if (!found) return ts_err_set(x->err, TS_ENOTFOUND, M_OUTBOX_NOT_FOUND, id);
    if (strcmp(rc->out->state, "failed"))
        return ts_err_set(x->err, TS_ECONFLICT, M_OUTBOX_NOT_FAILED, id);
    TS_TRY(db_run(x->db, x->err,
                  "UPDATE outbox SET state = 'pending', attempts = 0, next_at = ?, claimed_until "
                  "= 0 WHERE id = ? AND state = 'failed'",
                  DBV_I(x->now_us / 1000000), DBV_I(rc->id)));
    json_t *sum = json_pack("{s:s,s:s,s:i}", "channel", rc->out->channel, "topic", rc->out->topic,
                            "attempts", rc->out->attempts);
    ts_code r = ts_audit(x, "outbox.retry", "outbox", id, NULL, sum);
    json_decref(sum);
    TS_TRY(r);
    rc->out->state = "pending";
    rc->out->attempts = 0;
    rc->out->next_at = x->now_us / 1000000;
    return TS_OK;
}

ts_code outbox_retry(ts_ctx *x, int64_t id, outbox_row *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    retry_ctx rc = {id, out};
    return ts_write(x, retry_tx, &rc);
}
