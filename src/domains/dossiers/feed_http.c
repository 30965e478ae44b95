/*
 * feed_http — the door of the national portal's feed (feed.c):
 * GET /api/v1/integration/dossier-changes, served from dossiers_http.c's
 * route table: the query checked, the page written.
 */
#include <string.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "dossiers_int.h"

/* ---- the door ------------------------------------------------------------------------ */

#define F(m) JX_INTO(dossier_feed_q, m)
const jx_field dossier_feed_query[] = {
    {.name = "after", .type = JX_INT, .min = 0, .max = 9007199254740991LL, .def = 0, F(after)},
    {.name = "limit", .type = JX_INT, .min = 1, .max = 1000, .def = 200, F(limit)},
    {.name = "agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     F(agency)},
    {0},
};
#undef F

static void ktime(jsonw *w, const char *k, int64_t t)
{
    char buf[32];
    jw_kstr(w, k, t ? wt_format_local(t, buf, sizeof buf) : NULL);
}

static void write_change(jsonw *w, const dossier_change *c)
{
    jw_obj_begin(w);
    jw_kint(w, "id", c->id);
    jw_kstr(w, "code", c->code);
    jw_kstr(w, "procedure_code", c->procedure_code);
    jw_kint(w, "procedure_version", c->procedure_version);
    jw_kstr(w, "receiving_agency", c->receiving);
    jw_kstr(w, "implementing_agency", c->implementing);
    jw_kint(w, "channel_code", c->channel);
    jw_kstr(w, "channel", dossier_channel_word(c->channel));
    jw_kstr(w, "applicant_kind", c->applicant_kind);
    jw_kstr(w, "action", c->action);
    jw_kint(w, "from_status", c->from_status);
    jw_kint(w, "status", c->to_status);
    jw_kstr(w, "status_word", dossier_status_word(c->to_status));
    jw_kstr(w, "status_name", dossier_status_name(c->to_status, 0));
    ktime(w, "changed_at", c->at_min);
    jw_kstr(w, "changed_at_exact", c->at);
    ktime(w, "submitted_at", c->submitted_at);
    ktime(w, "received_at", c->received_at);
    ktime(w, "due_at", c->due_at);
    ktime(w, "finished_at", c->finished_at);
    ktime(w, "returned_at", c->returned_at);
    jw_kint(w, "step", c->step);
    ktime(w, "step_due", c->step_due);
    jw_kstr(w, "acting_agency", c->agency);
    jw_kint(w, "fee_vnd", c->fee_vnd);
    ktime(w, "paid_at", c->paid_at);
    jw_kbool(w, "paid_online", c->flags & DF_PAID_ONLINE);
    jw_kbool(w, "fully_online", c->flags & DF_TOAN_TRINH);
    jw_kbool(w, "digitised", c->flags & DF_DIGITISED);
    jw_kbool(w, "reused", c->flags & DF_REUSED);
    jw_kbool(w, "result_online", c->flags & DF_RESULT_ONLINE);
    jw_kint(w, "supplements", c->supplements);
    jw_key(w, "rating");
    if (c->rating)
        jw_int(w, c->rating);
    else
        jw_null(w);
    jw_obj_end(w);
}

ts_code dossiers_h_feed(http_req *r, ts_ctx *x)
{
    dossier_feed_q q = {0};
    http_query_read(r, &q);
    dossier_feed f;
    TS_TRY(dossiers_feed(x, &q, &f));
    http_add_header(r, "Cache-Control", "no-store");
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    for (int i = 0; i < f.n; i++)
        write_change(w, &f.items[i]);
    jw_arr_end(w);
    jw_kint(w, "next", f.next);
    jw_kbool(w, "more", f.more);
    jw_kint(w, "limit", q.limit);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}
