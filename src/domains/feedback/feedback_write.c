/* feedback_write — the one JSON shape of a report, its view and a category. */
#include <stdio.h>
#include <string.h>

#include "../../platform/worktime.h"
#include "feedback_int.h"

void fb_kmin(jsonw *w, const char *k, int64_t t)
{
    char buf[32];
    jw_kstr(w, k, t ? wt_format_local(t, buf, sizeof buf) : NULL);
}

static void kdouble(jsonw *w, const char *k, double v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%.6f", v);
    jw_key(w, k);
    jw_raw(w, buf, (size_t)n);
}

void fb_write_report(jsonw *w, const void *obj)
{
    const fb_report *r = obj;
    jw_obj_begin(w);
    jw_kstr(w, "code", r->code);
    jw_kint(w, "rev", r->rev);
    jw_kstr(w, "status", feedback_status_word(r->status));
    jw_kstr(w, "status_name", feedback_status_name(r->status, 0));
    jw_kstr(w, "status_name_en", feedback_status_name(r->status, 1));
    jw_kbool(w, "open", feedback_status_open(r->status));
    jw_kstr(w, "category", r->category);
    jw_kstr(w, "title", r->title);
    jw_kstr(w, "description", r->description);
    if (r->has_point) {
        kdouble(w, "lat", r->lat);
        kdouble(w, "lon", r->lon);
    } else {
        jw_key(w, "lat");
        jw_null(w);
        jw_key(w, "lon");
        jw_null(w);
    }
    jw_kstr(w, "address", r->address);
    jw_kstr(w, "unit_code", r->unit_code);
    jw_kstr(w, "unit_name", r->unit_name);
    jw_kbool(w, "outside", r->outside);
    jw_kstr(w, "agency", r->agency);
    jw_kstr(w, "agency_name", r->agency_name);
    jw_kint(w, "priority", r->priority);
    fb_kmin(w, "submitted_at", r->submitted_at);
    fb_kmin(w, "accepted_at", r->accepted_at);
    fb_kmin(w, "due_at", r->due_at);
    fb_kmin(w, "answered_at", r->answered_at);
    fb_kmin(w, "closed_at", r->closed_at);
    jw_kbool(w, "late", r->late);
    jw_kstr(w, "answer", r->answer);
    jw_kstr(w, "reason", r->status == FS_REJECTED ? r->reason : NULL);
    jw_kstr(w, "merged_into", r->merged_into);
    if (r->rating)
        jw_kint(w, "rating", r->rating);
    else {
        jw_key(w, "rating");
        jw_null(w);
    }
    if (r->fixed >= 0)
        jw_kbool(w, "fixed", r->fixed == 1);
    else {
        jw_key(w, "fixed");
        jw_null(w);
    }
    jw_kint(w, "reopened", r->reopened);
    jw_kint(w, "followers", r->followers);
    jw_kint(w, "photo_count", r->photos);
    jw_kstr(w, "reporter_name", r->reporter_name);
    jw_kstr(w, "created_at", r->created_at);
    jw_kstr(w, "updated_at", r->updated_at);
    if (r->token) { /* staff's and the reporter's view */
        jw_kstr(w, "token", r->token);
        jw_kstr(w, "channel", r->channel);
        jw_kstr(w, "client", r->client);
        jw_kstr(w, "reporter_phone", r->reporter_phone);
        jw_kstr(w, "reporter_email", r->reporter_email);
        jw_kbool(w, "show_name", r->show_name);
        jw_kbool(w, "private", r->private_);
        jw_kstr(w, "public_title", r->public_title);
        jw_kstr(w, "public_description", r->public_description);
        if (r->assignee_id) jw_kint(w, "assignee_id", r->assignee_id);
        jw_kstr(w, "assignee_name", r->assignee_name);
        fb_kmin(w, "intake_due", r->intake_due);
        jw_kint(w, "escalations", r->escalations);
        jw_kstr(w, "located", r->located);
        if (r->attrs) {
            jw_key(w, "attributes");
            jw_raw(w, r->attrs, strlen(r->attrs));
        }
    }
}

void fb_write_view(jsonw *w, const void *obj)
{
    const fb_view *v = obj;
    fb_write_report(w, &v->r);
    jw_key(w, "events");
    jw_arr_begin(w);
    for (int i = 0; i < v->nevents; i++) {
        const fb_event *e = &v->events[i];
        jw_obj_begin(w);
        jw_kstr(w, "at", e->at);
        jw_kstr(w, "action", e->action);
        jw_kstr(w, "from", feedback_status_word(e->from));
        jw_kstr(w, "to", feedback_status_word(e->to));
        jw_kstr(w, "to_name", feedback_status_name(e->to, 0));
        jw_kstr(w, "to_name_en", feedback_status_name(e->to, 1));
        jw_kstr(w, "agency", e->agency);
        jw_kstr(w, "agency_name", e->agency_name);
        if (v->staff) {
            jw_kstr(w, "actor", e->actor);
            jw_kstr(w, "actor_name", e->actor_name);
            jw_kbool(w, "public", e->public_);
        }
        jw_kstr(w, "note", e->note);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "photos");
    jw_arr_begin(w);
    for (int i = 0; i < v->nphotos; i++) {
        const fb_photo *p = &v->photos[i];
        jw_obj_begin(w);
        jw_kint(w, "n", p->n);
        jw_kstr(w, "state", p->state);
        jw_kint(w, "width", p->width);
        jw_kint(w, "height", p->height);
        bool ready = !strcmp(p->state, "ready");
        char url[96];
        snprintf(url, sizeof url, "/api/v1/public/feedback/%s/photos/%d", v->r.code, p->n);
        jw_kstr(w, "url", ready ? url : NULL);
        snprintf(url, sizeof url, "/api/v1/public/feedback/%s/photos/%d/thumb", v->r.code, p->n);
        jw_kstr(w, "thumb_url", ready ? url : NULL);
        if (v->staff) {
            snprintf(url, sizeof url, "/api/v1/feedback/%s/photos/%d/original", v->r.code, p->n);
            jw_kstr(w, "original_url", url);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "actions");
    jw_arr_begin(w);
    for (int i = 0; v->actions && v->actions[i]; i++)
        jw_str(w, v->actions[i]);
    jw_arr_end(w);
    jw_kbool(w, "following", v->following);
}

void fb_write_category(jsonw *w, const void *obj)
{
    const fb_category *c = obj;
    jw_obj_begin(w);
    jw_kstr(w, "code", c->code);
    jw_kstr(w, "name", c->name);
    jw_kstr(w, "name_en", c->name_en);
    jw_kstr(w, "group", c->group);
    jw_kstr(w, "group_en", c->group_en);
    jw_kstr(w, "description", c->description);
    jw_kstr(w, "route", c->route);
    jw_kint(w, "deadline_days", c->deadline_days);
    jw_kint(w, "priority", c->priority);
    jw_kstr(w, "location", c->location);
    jw_key(w, "attributes");
    jw_raw(w, c->attributes, strlen(c->attributes));
    jw_kbool(w, "active", c->active);
}
