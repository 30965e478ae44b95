/*
 * escalate — the dossiers.escalate job (platform/jobs): a dossier whose
 * current step is past its step deadline is escalated to the step's
 * leaders once per step: an "escalate" event in its history, an audit entry,
 * a notice to the leaders of the step's agency (and to its assignee). What
 * it does follows from the rows (escalated_for, set by the job and cleared
 * when the dossier enters a step), so it
 * is idempotent, survives restarts and is safe in several processes at
 * once: the UPDATE that marks a dossier is the claim, one process wins it.
 */
#include <string.h>

#include "../../platform/notify.h"
#include "dossiers_int.h"

#define ESCALATE_BATCH 200

typedef struct esc_ctx {
    int64_t id;
    bool done;
} esc_ctx;

static ts_code escalate_tx(ts_ctx *x, void *argp)
{
    esc_ctx *ec = argp;
    ec->done = false;
    dossier d;
    bool found;
    TS_TRY(dossiers_load(x, NULL, ec->id, &d, &found));
    int64_t now = dossiers_now_min(x);
    if (!found || d.status != DS_PROCESSING || !d.step_due || d.step_due >= now || d.escalated_for)
        return TS_OK; /* moved on, or another process was first */
    int64_t changes = 0;
    TS_TRY(db_run_vals(x->db,
                       "UPDATE dossiers SET escalated_for = ?, rev = rev + 1 WHERE id = ? AND "
                       "rev = ?",
                       (const db_val[]){DBV_I(now), DBV_I(d.id), DBV_I(d.rev)}, 3, &changes,
                       x->err));
    if (changes != 1) return TS_OK; /* changed meanwhile: the next run looks again */
    const char *why = "Quá hạn xử lý của bước; chuyển lãnh đạo đơn vị xử lý bước.";
    TS_TRY(dz_event(x, &d, "escalate", d.status, d.status, d.handler, why));
    d.rev++;
    TS_TRY(dz_audit(x, &d, "escalate", d.status, d.handler, why));
    procedure p;
    json_t *doc;
    TS_TRY(dz_procedure(x, &d, &p, &doc));
    dossier_step *steps = NULL;
    int nsteps = 0;
    ts_code rc = dz_steps_of_doc(x, &d, doc, &steps, &nsteps);
    json_decref(doc);
    TS_TRY(rc);
    const char *step = d.step < nsteps ? steps[d.step].name : "";
    const char *step_en = d.step < nsteps && steps[d.step].name_en ? steps[d.step].name_en : step;
    const char *proc = d.procedure_name ? d.procedure_name : d.procedure_code;
    notify_msg m = {
        "dossier.escalated",
        d.code,
        arena_printf(x->a, "/ho-so/%s", d.code),
        NULL,
        arena_printf(x->a, "Hồ sơ %s quá hạn ở bước %d", d.code, d.step + 1),
        arena_printf(x->a, "Dossier %s is overdue at step %d", d.code, d.step + 1),
        arena_printf(x->a, "«%s» — bước «%s» quá hạn từ %s%s%s.", proc, step,
                     dz_when(x, d.step_due, 0), d.assignee_name ? "; người xử lý: " : "",
                     d.assignee_name ? d.assignee_name : ""),
        arena_printf(x->a, "“%s” — step “%s” overdue since %s%s%s.",
                     d.procedure_name_en ? d.procedure_name_en : proc, step_en,
                     dz_when(x, d.step_due, 1), d.assignee_name ? "; handled by " : "",
                     d.assignee_name ? d.assignee_name : ""),
    };
    notify_to leaders = {.queue_path = d.handler_path, .queue_role = ROLE_LEADER};
    if (d.handler_path) TS_TRY(notify_send(x, &m, &leaders));
    if (d.assignee_id) {
        notify_to who = {.account_id = d.assignee_id};
        TS_TRY(notify_send(x, &m, &who));
    }
    ec->done = true;
    return TS_OK;
}

typedef struct due_row {
    int64_t id;
} due_row;
static const db_colmap due_map[] = {DBC(I64, due_row, id)};
static const db_rowspec due_rs = {sizeof(due_row), due_map, 1, NULL};

ts_code dossiers_escalate(ts_ctx *x)
{
    due_row *rows;
    int n = 0;
    TS_TRY(db_query_all(x->db, x->a,
                        "SELECT id FROM dossiers WHERE status = ? AND step_due < ? AND "
                        "escalated_for IS NULL ORDER BY step_due, id",
                        (const db_val[]){DBV_I(DS_PROCESSING), DBV_I(dossiers_now_min(x))}, 2,
                        &due_rs, ESCALATE_BATCH, (void **)&rows, &n, x->err));
    for (int i = 0; i < n; i++) {
        esc_ctx ec = {rows[i].id, false};
        TS_TRY(ts_write(x, escalate_tx, &ec));
    }
    return TS_OK;
}
