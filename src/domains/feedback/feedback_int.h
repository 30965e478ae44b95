/* feedback_int — what the files of the feedback domain share. */
#ifndef TS_FEEDBACK_INT_H
#define TS_FEEDBACK_INT_H

#include "../../db/dbq.h"
#include "../../lib/jsonw.h"
#include "feedback.h"

#define FB_COLS                                                                                    \
    "f.id, f.code, f.token, f.rev, f.status, f.category, f.title, f.description, f.lat, f.lon, "   \
    "f.address, f.unit_code, f.outside, f.located, f.attrs, f.channel, f.client, f.reporter_id, "  \
    "f.reporter_name, f.reporter_phone, f.reporter_email, f.show_name, f.agency, f.agency_path, "  \
    "f.assignee_id, f.priority, f.submitted_at, f.intake_due, f.accepted_at, f.due_at, "           \
    "f.answered_at, f.closed_at, f.answer, f.answer_agency, f.reason, f.rating, f.fixed, "         \
    "f.reopened, f.private, f.public_title, f.public_description, f.merged_into, f.followers, "    \
    "f.photos, f.escalations, f.created_at, f.updated_at, ag.name, (SELECT u.full_name FROM "      \
    "admin_units u WHERE u.code = f.unit_code AND u.valid_to IS NULL), asg.full_name"
#define FB_FROM                                                                                    \
    "feedback_reports f LEFT JOIN agencies ag ON ag.code = f.agency LEFT JOIN accounts asg ON "    \
    "asg.id = f.assignee_id"

extern const db_rowspec fb_spec;

bool fb_code_valid(const char *code);
ts_code fb_load(ts_ctx *x, const char *code, fb_report *out, bool *found);
/* 404 naming "code" when there is no such report. */
ts_code fb_must_load(ts_ctx *x, const char *code, fb_report *out);
/* Does x->who act for the intake point? (A storage failure reading the
 * setting answers false and leaves its error in x->err: check
 * fb_poisoned before acting on the answer.) */
bool fb_is_intake(ts_ctx *x);
ts_code fb_poisoned(const ts_ctx *x);
/* Events, photos, following and the allowed actions of v->r for x->who. */
ts_code fb_view_fill(ts_ctx *x, fb_view *v);
ts_code fb_allowed(ts_ctx *x, fb_view *v);
bool fb_public_visible(const fb_report *r);
/* Take out of r what the public must not see, and put in the moderated text. */
void fb_moderate_public(fb_report *r);
double fb_metres(double lat1, double lon1, double lat2, double lon2);

/* The serializers (feedback_write.c): the report as the tinhso API shows
 * it, without the closing brace (http_reply_one / http_reply_page). */
void fb_write_report(jsonw *w, const void *report);
void fb_write_view(jsonw *w, const void *view);
void fb_write_category(jsonw *w, const void *category);
/* "YYYY-MM-DDTHH:MM+07:00" of local minutes t (0: null). */
void fb_kmin(jsonw *w, const char *k, int64_t t);

/* The time the stats and the due dates use: a category's working days
 * from t for the agency (its hours on t's day). */
ts_code fb_due(ts_ctx *x, const char *agency, int64_t t, int days, int64_t *due);

/* A timeline event of r's change from status from (r as it is now). */
ts_code fb_event_add(ts_ctx *x, const fb_report *r, const char *action, int from, const char *note,
                     bool public_);
/* The folded text a search matches. */
const char *fb_search_key(ts_ctx *x, const fb_report *r);

/* Working minutes from a to b in the agency's hours. */
ts_code fb_working_minutes(ts_ctx *x, const char *agency, int64_t a, int64_t b, int64_t *out);

/* 100 × num ÷ den, or -1 when den is 0 (no data). */
double fb_pct(int64_t num, int64_t den);

/* Route a report still waiting for the intake point again (its point changed). */
ts_code fb_reroute(ts_ctx *x, const char *code);

/* The commune whose boundary holds the point (units_locate): *unit its
 * code, or NULL with *inside false when no stored commune holds it. */
ts_code fb_locate(ts_ctx *x, double lat, double lon, const char **unit, bool *inside);

struct http_req;
struct ts_ctx;
#endif
