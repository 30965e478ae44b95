/*
 * dossiers_int — what filing.c, flow.c and dossiers.c share inside the
 * domain: the procedure version of a dossier, the saving of a changed row,
 * the history event, the deadline and the step arithmetic.
 */
#ifndef TS_DOSSIERS_INT_H
#define TS_DOSSIERS_INT_H

#include <jansson.h>

#include "../../lib/jsonx.h"

#include "../procedures/procedures.h"
#include "dossiers.h"

/* The procedure version d was filed under, its document parsed (the
 * caller json_decrefs it). */
ts_code dz_procedure(ts_ctx *x, const dossier *d, procedure *p, json_t **doc);

/* The steps of doc (its "steps", or the default four) for d, agencies
 * resolved. */
ts_code dz_steps_of_doc(ts_ctx *x, const dossier *d, const json_t *doc, dossier_step **out, int *n);

/* What a dossier's page needs of a procedure version, parsed once
 * (pcache.c): steps with "receiving"/"implementing" unresolved, the papers
 * and each case as JSON text. Immutable; valid for the call at least. */
typedef struct dz_pv {
    const char *code;
    int64_t version;
    dossier_step *steps;
    int nsteps;
    const char *components;
    const char **cases;
    int ncases;
} dz_pv;
ts_code dz_pv_get(ts_ctx *x, const dossier *d, const dz_pv **out);

/* The time the case's channel allows: unit and amount, same_day. false
 * when the case has no time (then the counter's, then any, is used). */
typedef struct dz_time {
    int unit; /* wt_unit */
    int amount;
    bool same_day;
} dz_time;
bool dz_case_time(const json_t *doc, int case_index, int channel, dz_time *t);

/* Write every changed column of d where its rev is still old_rev, with rev
 * old_rev + 1; 409 M_DOSSIER_STALE when another write came first. */
ts_code dz_save(ts_ctx *x, dossier *d, int64_t old_rev);

/* The DF_* bits of d that its own fields decide (the filing's and the
 * files' bits aside). */
int64_t dz_flags(const dossier *d);
/* The DF_* bits a procedure version gives its dossiers. */
int64_t dz_procedure_flags(const procedure *p, const json_t *doc);

/* Append a history event (who: x->who; agency: the acting agency). */
ts_code dz_event(ts_ctx *x, const dossier *d, const char *action, int from, int to,
                 const char *ag_code, const char *reason);

/* Receive d now: count its deadline (the case's time for its channel, the
 * receiving agency's hours on the day, the calendar) and put it at its
 * first step (status 2). */
ts_code dz_receive(ts_ctx *x, dossier *d, const json_t *doc);

/* Put d at step k (its agency, role, queue and the step's deadline). */
ts_code dz_enter_step(ts_ctx *x, dossier *d, const dossier_step *steps, int nsteps, int k);

/* Count d's due instant again from received_at with its pauses (after a
 * supplement came in). */
ts_code dz_recount(ts_ctx *x, dossier *d, const json_t *doc);

/* A dossier_file from the columns id, kind, component, sha256, filename,
 * media_type, size, reused_from, added_at (dossiers.c). */
#include "../../db/dbq.h"
extern const db_rowspec dz_file_spec;

/* The 409 message of an action the status does not allow. */
ts_msg dz_state_msg(int status);

/* The agency path of code (in the arena), 404 when there is none. */
ts_code dz_agency_path(ts_ctx *x, const char *code, const char **path);

/* The audit summary of a change of d: {code, from, to, step, reason}. */
ts_code dz_audit(ts_ctx *x, const dossier *d, const char *action, int from, const char *ag_code,
                 const char *reason);

/* What a change tells people (notice.c): the applicant (in-app when the
 * dossier has an owner, e-mail/SMS to the applicant's contacts) when its
 * status or appointment changes, and whoever now has it (the assignee, or
 * the queue of the step's role at its agency) when it lands somewhere new.
 * prev: d as it was before the action. */
typedef struct dz_prev {
    int status;
    const char *handler_path, *handler_role;
    int64_t assignee_id;
} dz_prev;
ts_code dz_notify(ts_ctx *x, const dossier *d, const dossier_step *steps, int nsteps,
                  const char *action, const dz_prev *prev);

/* Local minutes t as "17:00 ngày 05/12/2026" (lang 1: "17:00 on 05/12/2026"). */
const char *dz_when(ts_ctx *x, int64_t t, int lang);

/* An amount of đồng with dots between thousands: 1500000 -> "1.500.000". */
const char *dz_money(arena *a, int64_t v);

/* The figures of the statistics form (stats.c), by name: the dossiers
 * behind one, for a period (from, to: YYYY-MM-DD, as the form takes them),
 * as a condition added to w. 400 naming measure or the period's field. */
extern const char *const dossier_measures[];
ts_code dossiers_measure(ts_ctx *x, const char *measure, const char *from, const char *to, dbw *w);

/* The dossiers.escalate job (escalate.c): escalate the overdue steps. */
ts_code dossiers_escalate(ts_ctx *x);

/* The statistics door (stats_http.c), served from dossiers_http.c's table. */
struct http_req;
ts_code dossiers_h_stats(struct http_req *r, ts_ctx *x);
extern const jx_field dossier_stats_query[];
ts_code dossiers_h_service_index(struct http_req *r, ts_ctx *x);
extern const jx_field dossier_index_query[];
ts_code dossiers_h_feed(struct http_req *r, ts_ctx *x); /* feed.c */
extern const jx_field dossier_feed_query[];

#endif
