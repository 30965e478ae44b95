/*
 * notice — what a dossier's change tells people (dossiers_int.h dz_notify),
 * written through platform/notify in the change's own transaction.
 */
#include <stdio.h>
#include <string.h>

#include "../../platform/notify.h"
#include "../../platform/worktime.h"
#include "dossiers_int.h"

/* local minutes -> "17:00 ngày 05/12/2026" (en: "17:00 on 05/12/2026") */
const char *dz_when(ts_ctx *x, int64_t t, int lang)
{
    char b[32];
    const char *s = wt_format_local(t, b, sizeof b); /* YYYY-MM-DDTHH:MM */
    if (!s || strlen(s) < 16) return "—";
    return arena_printf(x->a, "%.5s %s %.2s/%.2s/%.4s", s + 11, lang ? "on" : "ngày", s + 8, s + 5,
                        s);
}

const char *dz_money(arena *a, int64_t v)
{
    char d[32], o[48];
    int n = snprintf(d, sizeof d, "%lld", (long long)(v < 0 ? 0 : v)), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) o[k++] = '.';
        o[k++] = d[i];
    }
    o[k] = '\0';
    return arena_strdup(a, o);
}

typedef struct text4 {
    const char *tvi, *ten, *bvi, *ben;
} text4;

/* what the applicant is told of action (false: nothing) */
static bool applicant_text(ts_ctx *x, const dossier *d, const char *action, const dz_prev *p,
                           text4 *t)
{
    const char *c = d->code;
    const char *proc = d->procedure_name ? d->procedure_name : d->procedure_code;
    const char *proc_en = d->procedure_name_en ? d->procedure_name_en : proc;
    const char *rcv = d->receiving_name ? d->receiving_name : d->receiving;
    const char *why = d->reason ? d->reason : "";
    if (!strcmp(action, "submit")) {
        *t = (text4){
            arena_printf(x->a, "Đã nộp hồ sơ %s", c), arena_printf(x->a, "Dossier %s filed", c),
            arena_printf(x->a, "Hồ sơ «%s» đã được gửi đến %s và đang chờ tiếp nhận.", proc, rcv),
            arena_printf(x->a,
                         "The dossier “%s” has been sent to %s and waits to be "
                         "received.",
                         proc_en, rcv)};
    } else if (!strcmp(action, "receive") || !strcmp(action, "intake")) {
        *t = (text4){arena_printf(x->a, "Hồ sơ %s đã được tiếp nhận", c),
                     arena_printf(x->a, "Dossier %s received", c),
                     arena_printf(x->a, "Hồ sơ «%s» đã được %s tiếp nhận. Hẹn trả kết quả: %s.",
                                  proc, rcv, dz_when(x, d->due_at, 0)),
                     arena_printf(x->a, "%s has received the dossier “%s”. Result due: %s.", rcv,
                                  proc_en, dz_when(x, d->due_at, 1))};
    } else if (!strcmp(action, "request_supplement")) {
        *t = (text4){arena_printf(x->a, "Hồ sơ %s cần bổ sung", c),
                     arena_printf(x->a, "Dossier %s needs a supplement", c),
                     arena_printf(x->a,
                                  "Nội dung cần bổ sung: %s. Thời hạn giải quyết tạm dừng "
                                  "cho đến khi hồ sơ được bổ sung.",
                                  why),
                     arena_printf(x->a,
                                  "To supplement: %s. The processing time stands still "
                                  "until the dossier is supplemented.",
                                  why)};
    } else if (!strcmp(action, "fee_due")) {
        *t = (text4){arena_printf(x->a, "Hồ sơ %s: đề nghị nộp phí, lệ phí", c),
                     arena_printf(x->a, "Dossier %s: a fee is due", c),
                     arena_printf(x->a, "Số tiền phải nộp: %s đồng.", dz_money(x->a, d->fee_vnd)),
                     arena_printf(x->a, "Amount due: VND %s.", dz_money(x->a, d->fee_vnd))};
    } else if (!strcmp(action, "pay")) {
        *t = (text4){
            arena_printf(x->a, "Đã ghi nhận nộp phí hồ sơ %s", c),
            arena_printf(x->a, "Payment for dossier %s recorded", c),
            arena_printf(x->a, "Đã nộp %s đồng; hồ sơ tiếp tục được xử lý.",
                         dz_money(x->a, d->fee_vnd)),
            arena_printf(x->a, "VND %s paid; the dossier goes on.", dz_money(x->a, d->fee_vnd))};
    } else if (!strcmp(action, "finish")) {
        bool online = d->channel == DCH_ONLINE;
        *t = (text4){
            arena_printf(x->a, "Hồ sơ %s đã có kết quả", c),
            arena_printf(x->a, "Dossier %s has its result", c),
            arena_printf(x->a, "Kết quả số %s. %s", d->result_number ? d->result_number : "",
                         online ? "Kết quả được trả trực tuyến và lưu trong kho dữ liệu "
                                  "của bạn."
                                : "Mời ông/bà nhận kết quả tại nơi nộp hồ sơ."),
            arena_printf(x->a, "Result no. %s. %s", d->result_number ? d->result_number : "",
                         online ? "It is returned online and kept in your document store."
                                : "Please collect it where the dossier was filed.")};
    } else if (!strcmp(action, "return")) {
        *t = (text4){arena_printf(x->a, "Hồ sơ %s đã trả kết quả", c),
                     arena_printf(x->a, "Dossier %s returned", c),
                     arena_printf(x->a, "Cảm ơn ông/bà đã sử dụng dịch vụ. Mời đánh giá mức độ hài "
                                        "lòng với việc giải quyết hồ sơ."),
                     arena_printf(x->a, "Thank you. Please rate how satisfied you are with how "
                                        "the dossier was handled.")};
    } else if (!strcmp(action, "extend")) {
        *t = (text4){arena_printf(x->a, "Hồ sơ %s được hẹn lại ngày trả kết quả", c),
                     arena_printf(x->a, "Dossier %s has a new appointment", c),
                     arena_printf(x->a,
                                  "Cơ quan xin lỗi vì chậm trễ. Hẹn trả kết quả mới: %s. "
                                  "Lý do: %s.",
                                  dz_when(x, d->due_at, 0), why),
                     arena_printf(x->a,
                                  "We apologise for the delay. New appointment: %s. "
                                  "Reason: %s.",
                                  dz_when(x, d->due_at, 1), why)};
    } else if (d->status != p->status &&
               (d->status == DS_REFUSED || d->status == DS_WITHDRAWN || d->status == DS_STOPPED)) {
        *t = (text4){arena_printf(x->a, "Hồ sơ %s: %s", c, dossier_status_name(d->status, 0)),
                     arena_printf(x->a, "Dossier %s: %s", c, dossier_status_name(d->status, 1)),
                     *why ? arena_printf(x->a, "Lý do: %s.", why) : "",
                     *why ? arena_printf(x->a, "Reason: %s.", why) : ""};
    } else {
        return false;
    }
    return true;
}

static bool is_actor(const ts_ctx *x, int64_t account)
{
    return account && x->who->account_id == account;
}

ts_code dz_notify(ts_ctx *x, const dossier *d, const dossier_step *steps, int nsteps,
                  const char *action, const dz_prev *p)
{
    const char *own = arena_printf(x->a, "/ho-so/%s", d->code);
    const char *pub = arena_printf(x->a, "/tra-cuu/%s", d->code);
    text4 t;
    /* the applicant: told of their own filing (the code, by e-mail/SMS), not of
     * their other own acts */
    if ((!is_actor(x, d->owner_id) || !strcmp(action, "submit")) &&
        applicant_text(x, d, action, p, &t)) {
        notify_msg m = {arena_printf(x->a, "dossier.%s", action),
                        d->code,
                        own,
                        pub,
                        t.tvi,
                        t.ten,
                        t.bvi,
                        t.ben};
        if (!d->owner_id) m.link = pub;
        notify_to to = {.account_id = is_actor(x, d->owner_id) ? 0 : d->owner_id,
                        .email = d->applicant_email,
                        .phone = d->applicant_phone};
        TS_TRY(notify_send(x, &m, &to));
    }
    /* whoever has it now, when that changed */
    bool active = d->status == DS_RECEIVED || d->status == DS_PROCESSING ||
                  d->status == DS_SUBMITTED || d->status == DS_FEE_DUE || d->status == DS_DONE;
    bool moved = !p->handler_path || !d->handler_path || strcmp(p->handler_path, d->handler_path) ||
                 !p->handler_role || !d->handler_role || strcmp(p->handler_role, d->handler_role);
    bool assigned = d->assignee_id && d->assignee_id != p->assignee_id;
    if (!active || !d->handler_path || !d->handler_role || !(moved || assigned)) return TS_OK;
    if (d->assignee_id && is_actor(x, d->assignee_id)) return TS_OK; /* took it themselves */
    const char *step = d->step >= 0 && d->step < nsteps ? steps[d->step].name : "";
    const char *step_en =
        d->step >= 0 && d->step < nsteps && steps[d->step].name_en ? steps[d->step].name_en : step;
    const char *proc = d->procedure_name ? d->procedure_name : d->procedure_code;
    const char *proc_en = d->procedure_name_en ? d->procedure_name_en : proc;
    int64_t due = d->step_due ? d->step_due : d->due_at;
    notify_msg m = {
        assigned ? "dossier.assigned" : "dossier.queued",
        d->code,
        own,
        NULL,
        assigned ? arena_printf(x->a, "Hồ sơ %s được giao cho bạn xử lý", d->code)
                 : arena_printf(x->a, "Hồ sơ %s chờ xử lý", d->code),
        assigned ? arena_printf(x->a, "Dossier %s assigned to you", d->code)
                 : arena_printf(x->a, "Dossier %s waits in your queue", d->code),
        *step ? arena_printf(x->a, "«%s» — bước %d: %s.%s", proc, d->step + 1, step,
                             due ? arena_printf(x->a, " Hạn xử lý bước: %s.", dz_when(x, due, 0))
                                 : "")
        : d->status == DS_SUBMITTED
            ? arena_printf(x->a, "«%s» — hồ sơ nộp trực tuyến, chờ tiếp nhận.", proc)
            : arena_printf(x->a, "«%s».", proc),
        *step ? arena_printf(x->a, "“%s” — step %d: %s.%s", proc_en, d->step + 1, step_en,
                             due ? arena_printf(x->a, " Step due: %s.", dz_when(x, due, 1)) : "")
        : d->status == DS_SUBMITTED
            ? arena_printf(x->a, "“%s” — filed online, waiting to be received.", proc_en)
            : arena_printf(x->a, "“%s”.", proc_en),
    };
    notify_to to = {0};
    if (d->assignee_id) {
        to.account_id = d->assignee_id;
    } else {
        to.queue_path = d->handler_path;
        to.queue_role = d->handler_role;
    }
    return notify_send(x, &m, &to);
}
