/*
 * lifecycle — what happens to a report after it is sent (the lessons of
 * FixMyStreet and DIGIT's PGR): the intake point accepts it (routing it to
 * the agency responsible) or rejects it with a reason; the agency assigns
 * an officer, who works on it and answers; the answer is published and the
 * reporter rates it, or may reopen it within the window; the intake point
 * re-routes, merges duplicates (their followers carried over) and
 * moderates what the public sees. Each action names the statuses it starts
 * from and who may take it; a stale revision or a wrong status is 409.
 * The periodic jobs escalate overdue reports to the parent agency's
 * leaders and close answered reports nobody rated.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbrow.h"
#include "../../platform/identity.h"
#include "../../platform/notify.h"
#include "../agencies/agencies.h"
#include "feedback_int.h"

/* ---- who may do what ------------------------------------------------------------------ */

enum who {
    W_INTAKE,   /* an officer or leader of the intake point */
    W_ASSIGNER, /* a leader or agency admin of the handling agency, or an officer taking it */
    W_HANDLER,  /* the assignee, or an officer of the agency when none, or its leader */
    W_REPORTER, /* the person who sent it */
};

#define B(s) (1u << (s))
static const struct rule {
    const char *name;
    unsigned from;
    enum who who;
} rules[] = {
    {"accept", B(FS_SUBMITTED), W_INTAKE},
    {"reject", B(FS_SUBMITTED), W_INTAKE},
    {"route", B(FS_SUBMITTED) | B(FS_ACCEPTED) | B(FS_ASSIGNED) | B(FS_IN_PROGRESS), W_INTAKE},
    {"assign", B(FS_ACCEPTED) | B(FS_ASSIGNED) | B(FS_IN_PROGRESS), W_ASSIGNER},
    {"start", B(FS_ACCEPTED) | B(FS_ASSIGNED), W_HANDLER},
    {"answer", B(FS_ACCEPTED) | B(FS_ASSIGNED) | B(FS_IN_PROGRESS), W_HANDLER},
    {"rate", B(FS_ANSWERED) | B(FS_CLOSED), W_REPORTER},
    {"reopen", B(FS_ANSWERED) | B(FS_CLOSED), W_REPORTER},
    {"merge", B(FS_SUBMITTED) | B(FS_ACCEPTED) | B(FS_ASSIGNED) | B(FS_IN_PROGRESS), W_INTAKE},
    {"moderate", 0x1FEu, W_INTAKE},
};
#define NRULES ((int)(sizeof rules / sizeof rules[0]))

const char *const feedback_actions[] = {"accept", "reject", "route", "assign",   "start", "answer",
                                        "rate",   "reopen", "merge", "moderate", NULL};

static bool is_reporter(const ts_ctx *x, const fb_report *r)
{
    return x->who->account_id && x->who->account_id == r->reporter_id;
}

static bool token_ok(const fb_report *r, const char *token)
{
    return token && r->token && strlen(token) == strlen(r->token) &&
           !CRYPTO_memcmp(token, r->token, strlen(token));
}

static bool may(ts_ctx *x, const fb_report *r, const struct rule *ru, bool by_token)
{
    switch (ru->who) {
    case W_INTAKE:
        return fb_is_intake(x);
    case W_ASSIGNER:
        return ts_may(x, ROLE_LEADER, r->agency_path) ||
               ts_may(x, ROLE_AGENCY_ADMIN, r->agency_path) ||
               ts_may(x, ROLE_OFFICER, r->agency_path);
    case W_HANDLER:
        if (ts_may(x, ROLE_LEADER, r->agency_path)) return true;
        return ts_may(x, ROLE_OFFICER, r->agency_path) &&
               (!r->assignee_id || r->assignee_id == x->who->account_id);
    case W_REPORTER:
        return is_reporter(x, r) || by_token;
    }
    return false;
}

static const struct rule *rule_of(const char *name)
{
    for (int i = 0; i < NRULES; i++)
        if (!strcmp(rules[i].name, name)) return &rules[i];
    return NULL;
}

ts_code fb_allowed(ts_ctx *x, fb_view *v)
{
    v->actions = arena_calloc(x->a, sizeof *v->actions * (NRULES + 1));
    int k = 0;
    for (int i = 0; i < NRULES; i++) {
        const struct rule *ru = &rules[i];
        if (!(ru->from & B(v->r.status))) continue;
        if (!strcmp(ru->name, "rate") && v->r.rating) continue;
        if (may(x, &v->r, ru, false)) v->actions[k++] = ru->name;
    }
    return TS_OK;
}

/* ---- saving ------------------------------------------------------------------------------ */

static db_val opt(int64_t v)
{
    return v ? DBV_I(v) : DBV_NULL_VAL;
}

static ts_code save(ts_ctx *x, fb_report *r, int64_t old_rev)
{
    int64_t changes = 0;
    r->updated_at = ts_now(x);
    const db_val v[] = {
        DBV_I(old_rev + 1),
        DBV_I(r->status),
        DBV_T(r->agency),
        DBV_T(r->agency_path),
        opt(r->assignee_id),
        opt(r->accepted_at),
        DBV_I(r->due_at),
        opt(r->answered_at),
        opt(r->closed_at),
        DBV_T(r->answer),
        DBV_T(r->answer_agency),
        DBV_T(r->reason),
        r->rating ? DBV_I(r->rating) : DBV_NULL_VAL,
        r->fixed >= 0 ? DBV_I(r->fixed) : DBV_NULL_VAL,
        DBV_I(r->reopened),
        DBV_I(r->private_),
        DBV_T(r->public_title),
        DBV_T(r->public_description),
        DBV_I(r->show_name),
        DBV_T(r->merged_into),
        DBV_I(r->escalations),
        DBV_T(r->updated_at),
        DBV_I(r->id),
        DBV_I(old_rev),
    };
    TS_TRY(db_run_vals(x->db,
                       "UPDATE feedback_reports SET rev = ?, status = ?, agency = ?, agency_path = "
                       "?, assignee_id = ?, accepted_at = ?, due_at = ?, answered_at = ?, "
                       "closed_at = ?, answer = ?, answer_agency = ?, reason = ?, rating = ?, "
                       "fixed = ?, reopened = ?, private = ?, public_title = ?, "
                       "public_description = ?, show_name = ?, merged_into = ?, escalations = ?, "
                       "updated_at = ? WHERE id = ? AND rev = ?",
                       v, (int)(sizeof v / sizeof v[0]), &changes, x->err));
    if (changes != 1) {
        int64_t now_rev = 0;
        TS_TRY(db_int(x->db, x->err, &now_rev, 0, "SELECT rev FROM feedback_reports WHERE id = ?",
                      DBV_I(r->id)));
        return ts_err_set(x->err, TS_ECONFLICT, M_FB_STALE,
                          arena_printf(x->a, "%lld", (long long)now_rev));
    }
    r->rev = old_rev + 1;
    return TS_OK;
}

static ts_code audit(ts_ctx *x, const fb_report *r, const char *action, int from, const char *note)
{
    json_t *sum =
        json_pack("{s:s,s:s,s:s,s:s,s:s?}", "code", r->code, "from", feedback_status_word(from),
                  "to", feedback_status_word(r->status), "agency", r->agency, "note", note);
    ts_code rc =
        ts_audit(x, arena_printf(x->a, "feedback.%s", action), "feedback", r->code, r->agency, sum);
    json_decref(sum);
    return rc;
}

/* ---- telling people ------------------------------------------------------------------------- */

static ts_code tell_people(ts_ctx *x, const fb_report *r, const char *topic, const char *tvi,
                           const char *ten, const char *bvi, const char *ben)
{
    const char *link = arena_printf(x->a, "/phan-anh/%s", r->code);
    notify_msg m = {.topic = topic,
                    .subject = r->code,
                    .link = link,
                    .title_vi = tvi,
                    .title_en = ten,
                    .body_vi = bvi,
                    .body_en = ben};
    if (r->reporter_id || r->reporter_email || r->reporter_phone)
        TS_TRY(notify_send(x, &m,
                           &(notify_to){.account_id = r->reporter_id,
                                        .email = r->reporter_email,
                                        .phone = r->reporter_phone}));
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT account_id FROM feedback_followers WHERE report_id = ? AND "
                      "account_id <> ? ORDER BY account_id LIMIT 1000",
                      &s, x->err));
    db_bind_list(s, DBV_I(r->id), DBV_I(r->reporter_id ? r->reporter_id : -1));
    int64_t ids[1000];
    int n = 0, rr;
    while ((rr = db_step(s, x->err)) == DB_ROW)
        ids[n++] = db_col_int(s, 0);
    db_reset(s);
    if (rr < 0) return (ts_code)-rr;
    for (int i = 0; i < n; i++)
        TS_TRY(notify_send(x, &m, &(notify_to){.account_id = ids[i]}));
    return TS_OK;
}

static ts_code tell_queue(ts_ctx *x, const fb_report *r, const char *path, const char *role,
                          const char *topic, const char *tvi, const char *ten)
{
    notify_msg m = {.topic = topic,
                    .subject = r->code,
                    .link = arena_printf(x->a, "/phan-anh/%s", r->code),
                    .title_vi = tvi,
                    .title_en = ten,
                    .body_vi = r->title,
                    .body_en = r->title};
    return notify_send(x, &m, &(notify_to){.queue_path = path, .queue_role = role});
}

/* ---- the actions ---------------------------------------------------------------------------- */

typedef struct act_ctx {
    const char *code;
    const fb_action *a;
    fb_view *out;
} act_ctx;

static ts_code to_agency(ts_ctx *x, fb_report *r, const char *code)
{
    agency ag;
    ts_code rc = agencies_find(x, code, &ag);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(x->err, TS_EVALIDATION, "agency", M_FB_AGENCY, code);
    TS_TRY(rc);
    if (strcmp(r->agency, ag.code)) { /* the deadline in the new agency's hours */
        fb_category c;
        TS_TRY(feedback_category(x, r->category, &c));
        TS_TRY(fb_due(x, ag.code, r->submitted_at, c.deadline_days, &r->due_at));
    }
    r->agency = ag.code;
    r->agency_path = ag.path;
    r->agency_name = ag.name;
    r->assignee_id = 0;
    return TS_OK;
}

static ts_code check_assignee(ts_ctx *x, int64_t id, const char *path)
{
    ident_principal p = {0};
    int64_t enabled = 0;
    TS_TRY(db_int(x->db, x->err, &enabled, 0,
                  "SELECT 1 FROM accounts WHERE id = ? AND disabled = 0", DBV_I(id)));
    if (enabled) TS_TRY(ident_load_grants(x->db, x->a, id, &p, x->err));
    if (!enabled || !ident_has_role(&p, ROLE_OFFICER, path))
        return ts_err_field(x->err, TS_EVALIDATION, "assignee", M_FB_ASSIGNEE, NULL);
    return TS_OK;
}

/* The text of template id, one of the province's or of the agency answering. */
static ts_code template_text(ts_ctx *x, int64_t id, const char *agency_path, const char **body)
{
    db_stmt *s;
    TS_TRY(
        db_prepare(x->db,
                   "SELECT t.body FROM feedback_templates t WHERE t.id = ? AND (t.agency IS NULL "
                   "OR ? LIKE (SELECT ta.path FROM agencies ta WHERE ta.code = t.agency) || '%')",
                   &s, x->err));
    db_bind_list(s, DBV_I(id), DBV_T(agency_path));
    int rr = db_step(s, x->err);
    *body = rr == DB_ROW ? db_col_dup(x->a, s, 0) : NULL;
    db_reset(s);
    if (rr < 0) return (ts_code)-rr;
    if (!*body)
        return ts_err_field(x->err, TS_EVALIDATION, "template", M_FB_TEMPLATE_NOT_FOUND,
                            arena_printf(x->a, "%lld", (long long)id));
    return TS_OK;
}

static ts_code merge_into(ts_ctx *x, fb_report *r, const char *into)
{
    if (!into || !*into)
        return ts_err_field(x->err, TS_EVALIDATION, "into", M_FIELD_REQUIRED, NULL);
    if (!strcmp(into, r->code))
        return ts_err_field(x->err, TS_EVALIDATION, "into", M_FB_MERGE_SELF, NULL);
    fb_report t;
    bool found = false;
    if (fb_code_valid(into)) TS_TRY(fb_load(x, into, &t, &found));
    if (!found) return ts_err_field(x->err, TS_EVALIDATION, "into", M_FB_NOT_FOUND, into);
    if (!feedback_status_open(t.status))
        return ts_err_field(x->err, TS_ECONFLICT, "into", M_FB_MERGE_TARGET, into);
    /* the reporter and the followers follow the report kept */
    if (r->reporter_id)
        TS_TRY(db_run(x->db, x->err,
                      "INSERT INTO feedback_followers (report_id, account_id, since) VALUES (?, ?, "
                      "?) ON CONFLICT DO NOTHING",
                      DBV_I(t.id), DBV_I(r->reporter_id), DBV_T(ts_now(x))));
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO feedback_followers (report_id, account_id, since) SELECT ?, "
                  "account_id, since FROM feedback_followers WHERE report_id = ? ON CONFLICT DO "
                  "NOTHING",
                  DBV_I(t.id), DBV_I(r->id)));
    TS_TRY(db_run(x->db, x->err,
                  "UPDATE feedback_reports SET followers = (SELECT COUNT(*) FROM "
                  "feedback_followers WHERE report_id = ?), rev = rev + 1, updated_at = ? WHERE id "
                  "= ?",
                  DBV_I(t.id), DBV_T(ts_now(x)), DBV_I(t.id)));
    TS_TRY(fb_event_add(x, &t, "merged_in", t.status, r->code, false));
    r->merged_into = t.code;
    return TS_OK;
}

static ts_code act_tx(ts_ctx *x, void *arg)
{
    act_ctx *ac = arg;
    const fb_action *a = ac->a;
    fb_report *r = &ac->out->r;
    TS_TRY(fb_must_load(x, ac->code, r));
    const struct rule *ru = rule_of(a->action);
    if (!ru) return ts_err_field(x->err, TS_EVALIDATION, "action", M_FIELD_FORMAT, a->action);
    bool by_token = token_ok(r, a->token);
    if (a->token && !by_token)
        return ts_err_field(x->err, TS_EFORBIDDEN, "token", M_FB_TOKEN, NULL);
    bool visible = is_reporter(x, r) || by_token || feedback_is_staff_for(x, r);
    TS_TRY(fb_poisoned(x));
    if (!visible) return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, ac->code);
    bool allowed = may(x, r, ru, by_token);
    TS_TRY(fb_poisoned(x));
    if (!allowed) {
        if (ru->who == W_REPORTER)
            return ts_err_set(x->err, TS_EFORBIDDEN, M_FB_NOT_REPORTER, NULL);
        return ts_forbidden(x);
    }
    if (a->rev && a->rev != r->rev)
        return ts_err_set(x->err, TS_ECONFLICT, M_FB_STALE,
                          arena_printf(x->a, "%lld", (long long)r->rev));
    if (!(ru->from & B(r->status)) || (!strcmp(ru->name, "rate") && r->rating))
        return ts_err_set(x->err, TS_ECONFLICT, feedback_state_msg(r->status), NULL);
    int from = r->status;
    int64_t old_rev = r->rev, now = feedback_now_min(x);
    const char *note = NULL;
    bool public_ = true;
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    const char *name = ru->name;
    if (!strcmp(name, "accept")) {
        if (a->agency) TS_TRY(to_agency(x, r, a->agency));
        r->status = FS_ACCEPTED;
        r->accepted_at = now;
        note = a->note;
    } else if (!strcmp(name, "reject")) {
        if (!a->reason || !*a->reason)
            return ts_err_field(x->err, TS_EVALIDATION, "reason", M_FB_REASON, NULL);
        r->status = FS_REJECTED;
        r->reason = a->reason;
        r->closed_at = now;
        note = a->reason;
    } else if (!strcmp(name, "route")) {
        if (!a->agency)
            return ts_err_field(x->err, TS_EVALIDATION, "agency", M_FIELD_REQUIRED, NULL);
        TS_TRY(to_agency(x, r, a->agency));
        r->status = FS_ACCEPTED;
        if (!r->accepted_at) r->accepted_at = now;
        note = a->note;
    } else if (!strcmp(name, "assign")) {
        int64_t who = a->assignee ? a->assignee : x->who->account_id;
        bool lead =
            ts_may(x, ROLE_LEADER, r->agency_path) || ts_may(x, ROLE_AGENCY_ADMIN, r->agency_path);
        if (!lead && who != x->who->account_id) return ts_forbidden(x); /* an officer takes it */
        if (!lead && r->assignee_id && r->assignee_id != who) return ts_forbidden(x);
        TS_TRY(check_assignee(x, who, r->agency_path));
        r->assignee_id = who;
        if (r->status == FS_ACCEPTED) r->status = FS_ASSIGNED;
        public_ = from != r->status;
    } else if (!strcmp(name, "start")) {
        if (!r->assignee_id) r->assignee_id = x->who->account_id;
        r->status = FS_IN_PROGRESS;
    } else if (!strcmp(name, "answer")) {
        const char *text = a->answer;
        if ((!text || !*text) && a->template_id)
            TS_TRY(template_text(x, a->template_id, r->agency_path, &text));
        if (!text || !*text)
            return ts_err_field(x->err, TS_EVALIDATION, "answer", M_FB_ANSWER, NULL);
        r->status = FS_ANSWERED;
        r->answer = text;
        r->answer_agency = r->agency;
        r->answered_at = now;
        if (!r->assignee_id) r->assignee_id = x->who->account_id;
        note = text;
    } else if (!strcmp(name, "rate")) {
        if (a->rating < 1 || a->rating > 5)
            return ts_err_field(x->err, TS_EVALIDATION, "rating", M_FB_RATING, NULL);
        r->rating = a->rating;
        r->fixed = a->fixed;
        r->status = FS_CLOSED;
        if (!r->closed_at) r->closed_at = now;
        public_ = from != r->status;
        note = a->note;
    } else if (!strcmp(name, "reopen")) {
        if (!a->reason || !*a->reason)
            return ts_err_field(x->err, TS_EVALIDATION, "reason", M_FB_REASON, NULL);
        if (now - r->answered_at > (int64_t)st.reopen_days * 1440)
            return ts_err_set(x->err, TS_ECONFLICT, M_FB_REOPEN_LATE,
                              arena_printf(x->a, "%d", st.reopen_days));
        fb_category c;
        TS_TRY(feedback_category(x, r->category, &c));
        TS_TRY(fb_due(x, r->agency, now, c.deadline_days, &r->due_at));
        r->status = FS_IN_PROGRESS;
        r->reopened++;
        r->answered_at = r->closed_at = 0;
        r->rating = 0;
        r->fixed = -1;
        note = a->reason;
    } else if (!strcmp(name, "merge")) {
        TS_TRY(merge_into(x, r, a->into));
        r->status = FS_MERGED;
        r->closed_at = now;
        note = r->merged_into;
    } else if (!strcmp(name, "moderate")) {
        if (a->public_title) r->public_title = *a->public_title ? a->public_title : NULL;
        if (a->public_description)
            r->public_description = *a->public_description ? a->public_description : NULL;
        if (a->private_ >= 0) r->private_ = a->private_;
        if (a->show_name >= 0) r->show_name = a->show_name;
        if (a->hide_photo) {
            int64_t ch = 0;
            TS_TRY(db_run_vals(x->db,
                               "UPDATE feedback_photos SET state = 'hidden' WHERE report_id = ? "
                               "AND n = ?",
                               (const db_val[]){DBV_I(r->id), DBV_I(a->hide_photo)}, 2, &ch,
                               x->err));
            if (!ch)
                return ts_err_field(x->err, TS_EVALIDATION, "hide_photo", M_FB_PHOTO_NOT_FOUND,
                                    arena_printf(x->a, "%d", a->hide_photo));
        }
        public_ = false;
        note = a->note;
    }
    TS_TRY(save(x, r, old_rev));
    if (!strcmp(name, "answer") || !strcmp(name, "reopen")) {
        int64_t wmin = 0;
        if (r->answered_at)
            TS_TRY(fb_working_minutes(x, r->agency, r->submitted_at, r->answered_at, &wmin));
        TS_TRY(db_run(x->db, x->err, "UPDATE feedback_reports SET handled_wmin = ? WHERE id = ?",
                      r->answered_at ? DBV_I(wmin) : DBV_NULL_VAL, DBV_I(r->id)));
    }
    if (!strcmp(name, "moderate"))
        TS_TRY(db_run(x->db, x->err, "UPDATE feedback_reports SET search_key = ? WHERE id = ?",
                      DBV_T(fb_search_key(x, r)), DBV_I(r->id)));
    TS_TRY(fb_event_add(x, r, name, from, note, public_));
    TS_TRY(audit(x, r, name, from, note));

    /* who hears of it */
    const char *sw = feedback_status_name(r->status, 0), *se = feedback_status_name(r->status, 1);
    if (!strcmp(name, "accept") || !strcmp(name, "route")) {
        TS_TRY(tell_queue(x, r, r->agency_path, ROLE_OFFICER, "feedback.routed",
                          arena_printf(x->a, "Phản ánh %s được chuyển đến đơn vị", r->code),
                          arena_printf(x->a, "Report %s sent to your agency", r->code)));
    } else if (!strcmp(name, "assign") && r->assignee_id != x->who->account_id) {
        notify_msg m = {.topic = "feedback.assigned",
                        .subject = r->code,
                        .link = arena_printf(x->a, "/phan-anh/%s", r->code),
                        .title_vi = arena_printf(x->a, "Bạn được giao xử lý phản ánh %s", r->code),
                        .title_en = arena_printf(x->a, "Report %s assigned to you", r->code),
                        .body_vi = r->title,
                        .body_en = r->title};
        TS_TRY(notify_send(x, &m, &(notify_to){.account_id = r->assignee_id}));
    } else if (!strcmp(name, "reopen")) {
        TS_TRY(tell_queue(x, r, r->agency_path, ROLE_OFFICER, "feedback.reopened",
                          arena_printf(x->a, "Phản ánh %s được mở lại", r->code),
                          arena_printf(x->a, "Report %s reopened", r->code)));
    }
    if (from != r->status && strcmp(name, "rate") && strcmp(name, "reopen")) {
        const char *bvi =
            !strcmp(name, "answer") ? "Cơ quan có thẩm quyền đã trả lời phản ánh. Mời bạn đánh giá "
                                      "mức độ hài lòng và cho biết vấn đề đã được khắc phục chưa."
            : r->status == FS_REJECTED ? arena_printf(x->a, "Lý do: %s", r->reason)
                                       : arena_printf(x->a, "Trạng thái mới: %s.", sw);
        const char *ben = !strcmp(name, "answer")
                              ? "The agency responsible has answered the report. Please rate "
                                "the answer and tell us whether the problem was fixed."
                          : r->status == FS_REJECTED ? arena_printf(x->a, "Reason: %s", r->reason)
                                                     : arena_printf(x->a, "New status: %s.", se);
        TS_TRY(tell_people(x, r, arena_printf(x->a, "feedback.%s", feedback_status_word(r->status)),
                           arena_printf(x->a, "Phản ánh %s: %s", r->code, sw),
                           arena_printf(x->a, "Report %s: %s", r->code, se), bvi, ben));
    }
    TS_TRY(fb_must_load(x, r->code, r));
    TS_TRY(fb_view_fill(x, ac->out));
    if (by_token && !is_reporter(x, r)) { /* the reporter without an account: their actions */
        ac->out->actions = arena_calloc(x->a, sizeof *ac->out->actions * 3);
        int k = 0;
        if ((r->status == FS_ANSWERED || r->status == FS_CLOSED) && !r->rating)
            ac->out->actions[k++] = "rate";
        if (r->status == FS_ANSWERED || r->status == FS_CLOSED) ac->out->actions[k++] = "reopen";
    }
    return TS_OK;
}

ts_code feedback_act(ts_ctx *x, const char *code, const fb_action *a, fb_view *out)
{
    memset(out, 0, sizeof *out);
    act_ctx ac = {code, a, out};
    return ts_write(x, act_tx, &ac);
}

/* ---- following ---------------------------------------------------------------------------------
 */

typedef struct follow_ctx {
    const char *code;
    bool on;
    fb_view *out;
} follow_ctx;

static ts_code follow_tx(ts_ctx *x, void *arg)
{
    follow_ctx *fc = arg;
    fb_report *r = &fc->out->r;
    TS_TRY(fb_must_load(x, fc->code, r));
    bool staff = feedback_is_staff_for(x, r);
    TS_TRY(fb_poisoned(x));
    if (!fb_public_visible(r) && !is_reporter(x, r) && !staff)
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, fc->code);
    int64_t ch = 0;
    if (fc->on)
        TS_TRY(
            db_run_vals(x->db,
                        "INSERT INTO feedback_followers (report_id, account_id, since) VALUES "
                        "(?, ?, ?) ON CONFLICT DO NOTHING",
                        (const db_val[]){DBV_I(r->id), DBV_I(x->who->account_id), DBV_T(ts_now(x))},
                        3, &ch, x->err));
    else
        TS_TRY(db_run_vals(
            x->db, "DELETE FROM feedback_followers WHERE report_id = ? AND account_id = ?",
            (const db_val[]){DBV_I(r->id), DBV_I(x->who->account_id)}, 2, &ch, x->err));
    if (ch) {
        TS_TRY(db_run(x->db, x->err,
                      "UPDATE feedback_reports SET followers = followers + ? WHERE id = ?",
                      DBV_I(fc->on ? 1 : -1), DBV_I(r->id)));
        json_t *sum = json_pack("{s:s}", "code", r->code);
        ts_code rc = ts_audit(x, fc->on ? "feedback.follow" : "feedback.unfollow", "feedback",
                              r->code, NULL, sum);
        json_decref(sum);
        TS_TRY(rc);
    }
    TS_TRY(fb_must_load(x, r->code, r));
    if (staff || is_reporter(x, r)) return fb_view_fill(x, fc->out);
    return feedback_public(x, r->code, fc->out);
}

ts_code feedback_follow(ts_ctx *x, const char *code, bool on, fb_view *out)
{
    memset(out, 0, sizeof *out);
    if (!x->who->account_id) return ts_err_set(x->err, TS_EUNAUTH, M_AUTH_REQUIRED, NULL);
    follow_ctx fc = {code, on, out};
    return ts_write(x, follow_tx, &fc);
}

/* ---- the jobs
 * ------------------------------------------------------------------------------------ */

typedef struct job_ctx {
    const char *code;
    int done;
} job_ctx;

static ts_code escalate_one_tx(ts_ctx *x, void *arg)
{
    job_ctx *jc = arg;
    fb_report r;
    TS_TRY(fb_must_load(x, jc->code, &r));
    int64_t now = feedback_now_min(x);
    int64_t due = r.status == FS_SUBMITTED ? r.intake_due : r.due_at;
    if (!feedback_status_open(r.status) || due >= now) return TS_OK;
    int64_t marker = 0;
    TS_TRY(db_int(x->db, x->err, &marker, 0,
                  "SELECT escalated_for FROM feedback_reports WHERE id = ?", DBV_I(r.id)));
    if (marker == due) return TS_OK; /* done already (another process, or before a restart) */
    /* the leaders of the agency above the one holding it */
    const char *path = NULL;
    if (r.status == FS_SUBMITTED) {
        fb_settings st;
        TS_TRY(feedback_settings(x, &st));
        agency ag;
        if (st.intake_agency && agencies_find(x, st.intake_agency, &ag) == TS_OK) path = ag.path;
    } else {
        agency ag, parent;
        TS_TRY(agencies_find(x, r.agency, &ag));
        path = ag.path;
        if (ag.parent_code && agencies_find(x, ag.parent_code, &parent) == TS_OK)
            path = parent.path;
    }
    TS_TRY(db_run(x->db, x->err,
                  "UPDATE feedback_reports SET escalated_for = ?, escalations = escalations + 1, "
                  "rev = rev + 1 WHERE id = ?",
                  DBV_I(due), DBV_I(r.id)));
    TS_TRY(fb_event_add(x, &r, "escalate", r.status, path, false));
    TS_TRY(audit(x, &r, "escalate", r.status, NULL));
    if (path)
        TS_TRY(tell_queue(x, &r, path, ROLE_LEADER, "feedback.overdue",
                          arena_printf(x->a, "Phản ánh %s quá hạn xử lý", r.code),
                          arena_printf(x->a, "Report %s is overdue", r.code)));
    jc->done++;
    return TS_OK;
}

static ts_code close_one_tx(ts_ctx *x, void *arg)
{
    job_ctx *jc = arg;
    fb_report r;
    TS_TRY(fb_must_load(x, jc->code, &r));
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    int64_t now = feedback_now_min(x);
    if (r.status != FS_ANSWERED || now - r.answered_at < (int64_t)st.close_days * 1440)
        return TS_OK;
    int from = r.status;
    r.status = FS_CLOSED;
    r.closed_at = now;
    TS_TRY(save(x, &r, r.rev));
    TS_TRY(fb_event_add(x, &r, "close", from, NULL, true));
    TS_TRY(audit(x, &r, "close", from, NULL));
    jc->done++;
    return TS_OK;
}

/* Run fn on each code sql selects (at most 500 a run; the next run takes the rest). */
static ts_code each(ts_ctx *x, const char *sql, const db_val *v, int nv, ts_write_fn fn)
{
    db_stmt *s;
    TS_TRY(db_prepare(x->db, sql, &s, x->err));
    db_bind_vals(s, 1, v, nv);
    const char **codes = arena_calloc(x->a, sizeof *codes * 500);
    int n = 0, rr;
    while (n < 500 && (rr = db_step(s, x->err)) == DB_ROW)
        codes[n++] = db_col_dup(x->a, s, 0);
    db_reset(s);
    for (int i = 0; i < n; i++) {
        job_ctx jc = {codes[i], 0};
        ts_code rc = ts_write(x, fn, &jc);
        if (rc != TS_OK && rc != TS_ECONFLICT && rc != TS_ENOTFOUND) return rc;
    }
    return TS_OK;
}

ts_code feedback_escalate(ts_ctx *x)
{
    int64_t now = feedback_now_min(x);
    return each(x,
                "SELECT code FROM feedback_reports WHERE ((status IN (2, 4, 5) AND due_at < ? AND "
                "(escalated_for IS NULL OR escalated_for <> due_at)) OR (status = 1 AND intake_due "
                "< ? AND (escalated_for IS NULL OR escalated_for <> intake_due))) ORDER BY id",
                (const db_val[]){DBV_I(now), DBV_I(now)}, 2, escalate_one_tx);
}

ts_code feedback_autoclose(ts_ctx *x)
{
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    int64_t before = feedback_now_min(x) - (int64_t)st.close_days * 1440;
    return each(
        x, "SELECT code FROM feedback_reports WHERE status = 6 AND answered_at <= ? ORDER BY id",
        (const db_val[]){DBV_I(before)}, 1, close_one_tx);
}
