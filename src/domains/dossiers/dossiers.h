/*
 * dossiers — administrative dossiers (hồ sơ thủ tục hành chính): filed
 * online by a citizen or a business from a draft, or taken in at the counter
 * or from the post by an officer; coded `<receiving agency>-<yyMMdd>-<NNNN>`;
 * processed by the one-stop shop through the outer statuses of DOMAIN.md §3
 * and, inside them, the procedure's internal steps, each with its agency,
 * role and share of the deadline; deadlines in working time from the
 * calendar, stopped while a supplement is awaited; followed by anyone with
 * the code. Every change is one write with one audit entry and one history
 * event. See docs/decisions.md §38.
 *
 *   filing.c   drafts, their files, submission, counter intake, the code
 *   flow.c     the transitions, the steps, the deadlines
 *   dossiers.c reads: one dossier with its history, listings, the lookup
 */
#ifndef TS_DOSSIERS_H
#define TS_DOSSIERS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../platform/ctx.h"

/* clang-format off */
#define DOSSIERS_MESSAGES(X)                                                                       \
    X(M_DOSSIER_NOT_FOUND, "Không tìm thấy hồ sơ %s.", "Dossier %s not found.")                    \
    X(M_DOSSIER_CODE, "Mã hồ sơ có dạng 000.20.01.H06-261202-0007 (mã cơ quan tiếp nhận, ngày yyMMdd, số thứ tự).", \
      "A dossier code looks like 000.20.01.H06-261202-0007 (receiving agency, date yyMMdd, number).") \
    X(M_DRAFT_NOT_FOUND, "Không tìm thấy hồ sơ nháp %s.", "Draft %s not found.")                   \
    X(M_DOSSIER_CASE, "Thủ tục không có trường hợp số %s.", "The procedure has no case %s.")       \
    X(M_DOSSIER_CHANNEL, "Thủ tục không nhận hồ sơ qua kênh này.",                                 \
      "The procedure does not take dossiers through this channel.")                                \
    X(M_DOSSIER_UNIT_NEEDED, "Thủ tục cấp xã cần chọn xã, phường nơi nộp hồ sơ.",                  \
      "A commune-level procedure needs the commune or ward to file with.")                         \
    X(M_DOSSIER_UNIT_NO_AGENCY, "Xã, phường %s chưa có cơ quan tiếp nhận hồ sơ.",                  \
      "Commune or ward %s has no agency taking dossiers.")                                         \
    X(M_DOSSIER_RECEIVING, "Cơ quan %s không tiếp nhận hồ sơ của thủ tục này.",                    \
      "Agency %s does not take dossiers of this procedure.")                                       \
    X(M_DOSSIER_MISSING, "Còn thiếu thành phần hồ sơ bắt buộc: %s.",                               \
      "Required papers are missing: %s.")                                                          \
    X(M_DOSSIER_COMPONENT, "Thủ tục không có thành phần hồ sơ số %s.",                             \
      "The procedure has no paper number %s.")                                                     \
    X(M_DOSSIER_FILES_FULL, "Hồ sơ đã đủ số tệp hoặc dung lượng tối đa (%s).",                     \
      "The dossier has reached its limit of files or size (%s).")                                  \
    X(M_DOSSIER_REUSE_UNKNOWN, "Không có giấy tờ này trong kho dữ liệu của bạn.",                  \
      "This paper is not in your document store.")                                                 \
    X(M_DOSSIER_FILE_NOT_FOUND, "Hồ sơ không có tệp %s.", "The dossier has no file %s.")          \
    X(M_DOSSIER_PROC_CHANGED, "Thủ tục đã được cập nhật (phiên bản %s); hãy kiểm tra lại hồ sơ trước khi nộp.", \
      "The procedure has been updated (version %s); check the dossier again before filing.")       \
    X(M_DOSSIER_STATE_DRAFT, "Hồ sơ đang là bản nháp: không thể thực hiện thao tác này.", \
      "The dossier is a draft: this action is not possible now.") \
    X(M_DOSSIER_STATE_SUBMITTED, "Hồ sơ mới đăng ký, chưa được tiếp nhận: không thể thực hiện thao tác này.", \
      "The dossier has been submitted and not yet received: this action is not possible now.") \
    X(M_DOSSIER_STATE_RECEIVED, "Hồ sơ đã được tiếp nhận: không thể thực hiện thao tác này.", \
      "The dossier has been received: this action is not possible now.") \
    X(M_DOSSIER_STATE_REFUSED, "Hồ sơ không được tiếp nhận: không thể thực hiện thao tác này.", \
      "The dossier was refused at intake: this action is not possible now.") \
    X(M_DOSSIER_STATE_PROCESSING, "Hồ sơ đang được xử lý: không thể thực hiện thao tác này.", \
      "The dossier is being processed: this action is not possible now.") \
    X(M_DOSSIER_STATE_SUPPLEMENT, "Hồ sơ đang chờ bổ sung: không thể thực hiện thao tác này.", \
      "The dossier is waiting for a supplement: this action is not possible now.") \
    X(M_DOSSIER_STATE_FEE_DUE, "Hồ sơ đang chờ thực hiện nghĩa vụ tài chính: không thể thực hiện thao tác này.", \
      "The dossier is waiting for the fee to be paid: this action is not possible now.") \
    X(M_DOSSIER_STATE_WITHDRAWN, "Hồ sơ đã được rút: không thể thực hiện thao tác này.", \
      "The dossier has been withdrawn: this action is not possible now.") \
    X(M_DOSSIER_STATE_STOPPED, "Hồ sơ đã dừng xử lý: không thể thực hiện thao tác này.", \
      "The dossier has been stopped: this action is not possible now.") \
    X(M_DOSSIER_STATE_DONE, "Hồ sơ đã xử lý xong: không thể thực hiện thao tác này.", \
      "The dossier is done: this action is not possible now.") \
    X(M_DOSSIER_STATE_RETURNED, "Hồ sơ đã trả kết quả: không thể thực hiện thao tác này.", \
      "The dossier has been returned: this action is not possible now.") \
    X(M_DOSSIER_STALE, "Hồ sơ vừa được người khác cập nhật (phiên bản %s); hãy tải lại.",          \
      "Someone else has just changed the dossier (revision %s); reload it.")                        \
    X(M_DOSSIER_REASON, "Cần ghi rõ lý do.", "A reason is required.")                              \
    X(M_DOSSIER_RESULT, "Cần số, ký hiệu kết quả và người ký.",                                     \
      "The result's number and its signer are required.")                                          \
    X(M_DOSSIER_LAST_STEP, "Đây là bước cuối của quy trình: hãy hoàn thành hồ sơ.",                \
      "This is the last step of the process: finish the dossier.")                                 \
    X(M_DOSSIER_NOT_LAST_STEP, "Hồ sơ chưa qua đủ các bước xử lý (đang ở bước %s).",               \
      "The dossier has not been through every step yet (it is at step %s).")                       \
    X(M_DOSSIER_FIRST_STEP, "Hồ sơ đang ở bước đầu tiên, không thể trả lại bước trước.",           \
      "The dossier is at its first step; there is no step to send it back to.")                    \
    X(M_DOSSIER_SUPPLEMENT_AGAIN, "Hồ sơ đã yêu cầu bổ sung %s lần; yêu cầu thêm lần nữa sẽ bị tính là trễ hạn theo Bộ chỉ số 766. Gửi lại với confirm_late = true nếu vẫn yêu cầu.", \
      "The dossier has already been asked for a supplement %s time(s); another request counts it as late in the Decision 766 index. Send again with confirm_late = true to go on.") \
    X(M_DOSSIER_ASSIGNEE, "Người được giao không thuộc cơ quan xử lý bước này hoặc không có vai trò phù hợp.", \
      "The assignee does not belong to this step's agency or lacks its role.")                     \
    X(M_DOSSIER_EXTEND_ONCE, "Hồ sơ đã được gia hạn một lần; không thể gia hạn thêm.",             \
      "The dossier has already been extended once.")                                               \
    X(M_DOSSIER_EXTEND_DATE, "Ngày hẹn mới phải sau ngày hẹn hiện tại (%s).",                      \
      "The new appointment must come after the current one (%s).")                                 \
    X(M_DOSSIER_FEE, "Cần số tiền phải nộp (đồng).", "The amount due (VND) is required.")          \
    X(M_DOSSIER_PAY_WAY, "Hình thức nộp %s cần được thanh toán qua cổng thanh toán, không xác nhận tại quầy.", \
      "Payments by %s go through the payment gateway; they are not confirmed at the desk.")     \
    X(M_DOSSIER_PAY_REF, "Nộp qua chuyển khoản cần mã giao dịch của ngân hàng.",                  \
      "A bank transfer needs the bank's transaction reference.")                                  \
    X(M_DOSSIER_NO_DEADLINE, "Không tính được hạn giải quyết với lịch làm việc hiện có.",          \
      "The deadline cannot be computed with the calendar as it stands.")                           \
    X(M_DOSSIER_RATED, "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.",              \
      "This dossier has been rated already; a dossier is rated once.")                              \
    X(M_DOSSIER_RATING, "Mức độ hài lòng từ 1 (rất không hài lòng) đến 5 (rất hài lòng).",          \
      "Satisfaction is from 1 (very dissatisfied) to 5 (very satisfied).")                         \
    X(M_DOSSIER_PERIOD, "Khoảng thời gian không hợp lệ: từ ngày phải trước đến ngày, tối đa 5 năm.", \
      "The period is not valid: from must come before to, at most five years.")                     \
    X(M_DOSSIER_FORM_NA, "Hồ sơ chưa có giấy tờ \"%s\" (chưa đến bước đó).",                       \
      "The dossier has no \"%s\" paper (it has not come to that).")                                 \
    X(M_DOSSIER_FORM_UNKNOWN, "Không có mẫu giấy tờ %s; dùng một trong: receipt, supplement, refusal, apology, stop, control, fee.", \
      "No form %s; use one of: receipt, supplement, refusal, apology, stop, control, fee.")              \
    X(M_DOSSIER_BULK_COUNT, "Mỗi lần từ 1 đến %s mã hồ sơ.", "From 1 to %s dossier codes at a time.") \
    X(M_DOSSIER_BULK_TWICE, "Mã hồ sơ %s có hai lần trong danh sách.", "Dossier code %s is in the list twice.") \
    X(M_DOSSIER_BULK_REVS, "Cần đúng một phiên bản cho mỗi mã hồ sơ (%s).", \
      "One revision is needed for each dossier code (%s).")                                      \
    X(M_DOSSIER_LOOKUP_LIMITED, "Tra cứu mã không tồn tại quá nhiều lần từ địa chỉ này; vui lòng thử lại sau %s giây.", \
      "Too many lookups of codes that do not exist from this address; try again in %s seconds.")
/* clang-format on */
DOSSIERS_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg dossiers_messages[];

/* The statuses (DOMAIN.md §3), 0 for a draft. */
enum {
    DS_DRAFT = 0,
    DS_SUBMITTED = 1,
    DS_RECEIVED = 2,
    DS_REFUSED = 3,
    DS_PROCESSING = 4,
    DS_SUPPLEMENT = 5,
    DS_FEE_DUE = 6,
    DS_WITHDRAWN = 7,
    DS_STOPPED = 8,
    DS_DONE = 9,
    DS_RETURNED = 10,
};
/* The status's API word ("received") and Vietnamese name ("được tiếp nhận"). */
const char *dossier_status_word(int status);
const char *dossier_status_name(int status, int lang);

/* An action's name for people ("Chuyển xử lý"; lang 1: English). */
const char *dossier_action_name(const char *action, int lang);

/* The channels as the national portal numbers them. */
enum { DCH_COUNTER = 1, DCH_ONLINE = 2, DCH_POST = 3 };
const char *dossier_channel_word(int channel); /* counter, online, post */

/* The bits of dossier.flags (what the Decision 766 indicators ask). */
enum {
    DF_TOAN_TRINH = 1,     /* filed under a fully online (toàn trình) procedure version */
    DF_POPULATION = 2,     /* the procedure takes a paper from the population database */
    DF_PAID_ONLINE = 4,    /* its fee was paid online */
    DF_RESULT_ONLINE = 8,  /* its result was returned online */
    DF_DIGITISED = 16,     /* some paper is a file */
    DF_REUSED = 32,        /* some paper was taken from the owner's store */
    DF_SUPPLEMENTS_2 = 64, /* more than one supplement request: late for the index */
};

/* The limits of one dossier's files. */
#define DOSSIER_MAX_FILES 40
#define DOSSIER_MAX_BYTES (50u << 20)

typedef struct dossier {
    int64_t id, rev;
    const char *code; /* NULL for a draft */
    int status;
    const char *procedure_code;
    int64_t procedure_version;
    int case_index, channel;
    int64_t owner_id;
    const char *applicant_kind; /* citizen, business */
    const char *applicant_name, *applicant_id_number, *applicant_phone, *applicant_email,
        *applicant_address;
    const char *unit_code; /* the commune of a commune-level procedure */
    const char *receiving, *implementing;
    const char *handler, *handler_path, *handler_role; /* whose queue now (NULL: nobody's) */
    int64_t assignee_id;
    int step;
    int64_t step_started, step_due;
    const char *form; /* JSON object text */
    const char *created_at, *created_by;
    /* local minutes (0: not yet) */
    int64_t submitted_at, received_at, counted_from, total_minutes, due_at, original_due;
    bool extended;
    int supplements;
    int64_t fee_vnd, paid_at;
    const char *payment_way;
    int64_t finished_at, returned_at, closed_at;
    const char *result_number, *result_signer, *return_way, *reason;
    int rating;
    int64_t flags;         /* DF_* */
    int64_t escalated_for; /* when the current step was escalated (0: not) */
    bool late;             /* past due as read (finished after the due instant, or open past it) */
    /* joined */
    const char *procedure_name, *procedure_name_en, *receiving_name, *implementing_name,
        *assignee_name;
} dossier;

typedef struct dossier_event {
    const char *at;
    int64_t at_min;
    const char *action;
    int from_status, to_status, step;
    const char *agency, *agency_name, *actor, *actor_name;
    int64_t step_due;
    const char *reason;
} dossier_event;

typedef struct dossier_pause {
    int64_t from, to; /* to 0: still paused */
    const char *reason;
} dossier_pause;

typedef struct dossier_file {
    int64_t id;
    const char *kind; /* component, result, scan */
    int component;    /* -1: not one of the procedure's papers */
    const char *sha256, *filename, *media_type;
    int64_t size;
    const char *reused_from, *added_at;
} dossier_file;

/* A payment of its fees (the pay action, platform/pay). */
typedef struct dossier_payment {
    int seq;
    int64_t amount_vnd;
    const char *way, *provider;
    bool online;
    const char *reference, *receipt_no, *paid_at;
    int64_t paid_min;
    const char *confirmed_by, *confirmed_name;
} dossier_payment;

/* A step of the internal process, its agency resolved for one dossier. */
typedef struct dossier_step {
    const char *name, *name_en, *role, *agency;
    int share_percent;
} dossier_step;

/* A dossier with everything its page shows. */
typedef struct dossier_view {
    dossier d;
    dossier_event *events;
    int nevents;
    dossier_pause *pauses;
    int npauses;
    dossier_file *files;
    int nfiles;
    dossier_payment *payments;
    int npayments;
    dossier_step *steps;
    int nsteps;
    const char *components; /* the procedure version's components (JSON array text) */
    const char *case_json;  /* its case (JSON object text) */
    bool late;              /* past due now (or finished past due) */
    bool owner;             /* x->who owns it */
    bool public_view;       /* the public lookup's: no papers, no actions */
    const char **actions;   /* what x->who may do now, NULL-terminated */
} dossier_view;

/* True when s has the shape of a dossier code. */
bool dossiers_code_valid(const char *s);

/* ---- filing (filing.c) --------------------------------------------------- */

/* The code generator (DOMAIN.md §3: keep it pluggable): the code of a
 * dossier received by agency at local minute at, inside the filing's write
 * (a failed filing must give its number back). The default is
 * `<agency>-<yyMMdd>-<NNNN>` from a daily counter per agency. */
typedef ts_code (*dossier_codegen)(ts_ctx *x, const char *agency, int64_t at, const char **code);
extern dossier_codegen dossiers_codegen;

typedef struct dossier_applicant {
    const char *kind, *name, *id_number, *phone, *email, *address;
} dossier_applicant;

typedef struct dossier_new {
    const char *procedure; /* code */
    int case_index;
    const char *unit;      /* commune code (commune-level procedures) */
    const char *receiving; /* a receiving agency among the procedure's (NULL: the first) */
    const char *channel;   /* counter, post (intake); online for drafts */
    dossier_applicant applicant;
    const char *form;     /* JSON object text, NULL: {} */
    const char *owner;    /* intake: the applicant's account (username), NULL: none */
    const char *idem_key; /* Idempotency-Key */
} dossier_new;

/* A new draft of x->who's (any signed-in account): the procedure version
 * in force today; the applicant defaults to the account's name and contacts.
 * Audited as dossier.draft. */
ts_code dossiers_draft_create(ts_ctx *x, const dossier_new *in, dossier_view *out);
/* The owner's drafts, newest first. */
ts_code dossiers_drafts(ts_ctx *x, dossier **items, int *n);
/* One draft of x->who's: 404 for anyone else's. */
ts_code dossiers_draft_get(ts_ctx *x, int64_t id, dossier_view *out);
/* Change a draft's case, unit, receiving agency, applicant or form (NULL
 * members unchanged). */
ts_code dossiers_draft_update(ts_ctx *x, int64_t id, const dossier_new *in, dossier_view *out);
ts_code dossiers_draft_delete(ts_ctx *x, int64_t id);

/*
 * Add a file to a dossier: a draft of x->who's (by id) or a dossier by code
 * (the owner while a supplement is awaited; an officer of the receiving
 * agency: scans; an officer at the current step: results). kind component
 * (component: the paper's index, -1 another), scan or result. Checked by
 * content (files_check), within DOSSIER_MAX_FILES / DOSSIER_MAX_BYTES.
 * Audited as dossier.file_add.
 */
typedef struct dossier_file_in {
    int64_t draft_id;
    const char *code;
    const char *kind;
    int component;
    const char *filename, *claimed_type;
    const void *data;
    size_t len;
    const char *reuse; /* instead of data: the SHA-256 of a paper in the owner's store */
} dossier_file_in;
ts_code dossiers_file_add(ts_ctx *x, const dossier_file_in *in, dossier_file *out);
/* Take a file out of a draft. */
ts_code dossiers_file_remove(ts_ctx *x, int64_t draft_id, int64_t file_id);
/* A file's bytes, for whoever may read the dossier (draft_id or code). */
ts_code dossiers_file_get(ts_ctx *x, int64_t draft_id, const char *code, const char *sha256,
                          dossier_file *out, const void **data);
/* The owner's document store: every paper filed in the owner's dossiers and
 * every result issued to them, once per SHA-256, newest first. */
ts_code dossiers_documents(ts_ctx *x, dossier_file **items, int *n);

/*
 * Submit a draft (status 1, channel online, coded): every required paper
 * present (422 naming the missing ones), the procedure version still in
 * force (409 otherwise, the draft moved to the new version). Submitting a
 * submitted draft again answers the same dossier (*created false).
 * Audited as dossier.submit.
 */
ts_code dossiers_submit(ts_ctx *x, int64_t draft_id, dossier_view *out, bool *created);

/*
 * Counter or postal intake by an officer of the receiving agency on a
 * person's behalf: coded and received at once (status 2, deadline
 * counted). The same Idempotency-Key from the same officer answers the
 * same dossier (*created false). Audited as dossier.intake.
 */
ts_code dossiers_intake(ts_ctx *x, const dossier_new *in, dossier_view *out, bool *created);

/* ---- processing (flow.c) ------------------------------------------------- */

typedef struct dossier_action {
    const char *action; /* see dossier_actions */
    int64_t rev;        /* the revision it was decided on (0: not checked) */
    const char *reason;
    int64_t assignee; /* account id: assign, forward */
    const char *result_number, *signer;
    const char *way;       /* return: online, counter, post; pay: counter, bank_transfer */
    const char *reference; /* pay: the bank's transaction reference (a transfer needs it) */
    const char *new_due;   /* extend: YYYY-MM-DDTHH:MM */
    int64_t amount_vnd;    /* fee_due */
    bool confirm_late;     /* request_supplement a second time */
    int rating;            /* rate: 5 rất hài lòng .. 1 rất không hài lòng */
} dossier_action;

/* receive, refuse, forward, send_back, assign, request_supplement,
 * supplement, fee_due, pay, finish, return, withdraw, stop, extend, rate. */
extern const char *const dossier_actions[];

/* Apply an action to dossier code: 409 when the status does not allow it
 * or rev is not the current one, 403 for the wrong role or agency, 422 for
 * a missing reason or result. Audited as dossier.ACTION. */
ts_code dossiers_act(ts_ctx *x, const char *code, const dossier_action *a, dossier_view *out);

/* Several dossiers at once (the staff's queue): each item's action in its
 * own write, as dossiers_act would take it, so one that fails (another
 * agency's, stale, not found, the wrong status) leaves the others done.
 * items[i].rc is TS_OK with rev the dossier's new revision, or the
 * failure's code with err its problem. A failure of the server or its
 * storage (5xx) stops there: the codes after it get that failure too,
 * and when no code was done before it, it is returned (x->err set) and
 * nothing has changed. */
#define DOSSIER_BULK_MAX 100
typedef struct dossier_bulk_item {
    const char *code;
    int64_t rev; /* in: the revision it was decided on (0: not checked); out: the new one */
    ts_code rc;
    ts_err err;
} dossier_bulk_item;
ts_code dossiers_act_each(ts_ctx *x, const dossier_action *a, dossier_bulk_item *items, int n);

/* Whom a dossier waiting at agency_code for role may be given (assign,
 * forward): the enabled accounts holding role there or above, by name. For the
 * agency's leaders and agency admins and the holders of role there (403
 * for anyone else); 404 for an agency that does not exist. */
ts_code dossiers_assignees(ts_ctx *x, const char *agency_code, const char *role,
                           ident_holder **items, int *n);

/* ---- statistics (stats.c) ------------------------------------------------- */

/* One agency's figures over a period (see stats.c for the definitions). */
typedef struct dossier_stats_row {
    const char *agency, *agency_name;
    /* the counts, contiguous (DOSSIER_STATS_NCOUNTS of them, from carried) */
    int64_t carried, rec_online, rec_counter, rec_post, early, on_time, late, in_within, in_overdue,
        withdrawn, refused, stopped;
    int64_t rated[6]; /* [1..5]: ratings of dossiers finished in the period */
    int64_t supplements;
} dossier_stats_row;
#define DOSSIER_STATS_NCOUNTS 19

typedef struct dossier_stats_q {
    const char *agency;    /* that agency and its subtree; NULL: the province */
    const char *from, *to; /* YYYY-MM-DD, both included; default this year to today */
    const char *by;        /* implementing (default) or receiving */
    const char *format;    /* the HTTP layer's: json, csv, xlsx */
} dossier_stats_q;

typedef struct dossier_stats {
    int64_t from_min, to_min; /* [from, to) in local minutes */
    dossier_stats_row *rows;  /* per agency, by code */
    int n;
    dossier_stats_row total;
} dossier_stats;

/* The standard statistics form per agency (public: aggregates only). */
ts_code dossiers_stats(ts_ctx *x, const dossier_stats_q *q, dossier_stats *out);
/* A period's [from, to) in local minutes from YYYY-MM-DD days (400 naming
 * the field when malformed, reversed or longer than five years). */
ts_code dossiers_period(ts_ctx *x, const char *from, const char *to, int64_t *f, int64_t *t);

/* The Decision 766 scorecard (service_index.c) of the province and every
 * agency implementing procedures (agency: that subtree only), over the
 * period, written to w as GET /api/v1/service-index answers it. */
struct jsonw;
ts_code dossiers_service_index(ts_ctx *x, const dossier_stats_q *q, struct jsonw *w);

/* ---- the national portal's feed (feed.c) --------------------------------- */

/* One change of a dossier: an event (not `assign`) with the portal's
 * fields of its dossier as that change left them (instants in local
 * minutes, 0: none; rating 0: not rated). */
typedef struct dossier_change {
    int64_t id; /* the event's: the cursor */
    const char *at;
    int64_t at_min;
    const char *action;
    int from_status, to_status, step;
    const char *agency; /* the acting agency (NULL: the applicant) */
    int64_t step_due, received_at, due_at, finished_at, returned_at, paid_at, fee_vnd;
    int supplements;
    int64_t flags; /* DF_* */
    int rating;
    /* the dossier's (they never change once it is filed) */
    const char *code, *procedure_code;
    int64_t procedure_version;
    int channel;
    const char *applicant_kind, *receiving, *implementing;
    int64_t submitted_at;
} dossier_change;

typedef struct dossier_feed_q {
    int64_t after;      /* the last event id handled (0: from the start) */
    int64_t limit;      /* 1..1000 */
    const char *agency; /* that agency's subtree; NULL: all x may read */
} dossier_feed_q;

typedef struct dossier_feed {
    dossier_change *items;
    int n;
    int64_t next; /* the last item's id (q->after when none) */
    bool more;    /* more changes after next already */
} dossier_feed;

/* The changes after q->after, oldest first, of the dossiers received or
 * implemented in q->agency's subtree (an agency admin of it or above; 403
 * otherwise, 404 naming agency when there is none such) or, without one, in
 * every subtree x administers (a system admin: the province). */
ts_code dossiers_feed(ts_ctx *x, const dossier_feed_q *q, dossier_feed *out);

/* ---- printed forms (forms.c) -------------------------------------------- */

/* receipt, supplement, refusal, apology, stop, control */
extern const char *const dossier_forms[];
/* Form of dossier code as a PDF in x's arena, for whoever may read the
 * dossier: 409 (M_DOSSIER_FORM_NA) when the dossier has no such paper yet
 * (a refusal of a dossier that was not refused). The slip's QR code and
 * links point at public_url. */
ts_code dossiers_form(ts_ctx *x, const char *code, const char *form, const char *public_url,
                      const char **pdf, size_t *len);

/* ---- the demo (demo.c) ---------------------------------------------------- */

typedef struct dossiers_demo_result {
    int inserted;
    int64_t existing; /* demo dossiers there already: none were added */
    int by_status[11];
} dossiers_demo_result;
/* n dossiers over the last year (the operator; once: a database that has
 * demo dossiers gets none). progress (may be NULL) after each batch. */
ts_code dossiers_demo(ts_ctx *x, int n, void (*progress)(int done, int total),
                      dossiers_demo_result *out);

/* ---- reading (dossiers.c) ------------------------------------------------ */

/* One dossier with its history, files and steps, for its owner or the
 * staff of its agencies (404 for anyone else). */
ts_code dossiers_get(ts_ctx *x, const char *code, dossier_view *out);
/* The public lookup: anyone, no personal data (the HTTP layer writes only
 * what may be shown). 404 M_DOSSIER_NOT_FOUND. */
ts_code dossiers_lookup(ts_ctx *x, const char *code, dossier_view *out);

/* The current revision of filed dossier code (0: none such), one index
 * read: what a cached lookup answer is checked against. */
ts_code dossiers_rev(ts_ctx *x, const char *code, int64_t *rev);

typedef struct dossiers_query {
    const char *queue;  /* mine (assigned to me), agency (my agencies' queues, default), all
                           (every dossier of my agencies) */
    const char *status; /* a status word */
    const char *procedure, *agency, *q;
    bool overdue;
    /* the dossiers behind a figure of the statistics form (stats.c names):
     * measure for the period from..to, implementing: its row's agency */
    const char *measure, *from, *to, *implementing;
    int64_t limit, offset;
} dossiers_query;
/* The staff's listing, ordered by time left (overdue first). */
ts_code dossiers_list(ts_ctx *x, const dossiers_query *q, dossier **items, int *n, int64_t *total);
/* The owner's dossiers (not drafts), newest first. */
ts_code dossiers_mine(ts_ctx *x, int64_t limit, int64_t offset, dossier **items, int *n,
                      int64_t *total);

/* ---- internal, shared by the three files ---------------------------------- */

/* Read dossier by code (or id when code is NULL) without access checks. */
ts_code dossiers_load(ts_ctx *x, const char *code, int64_t id, dossier *out, bool *found);
/* Fill the view's history, files, steps and actions for d. */
ts_code dossiers_view_fill(ts_ctx *x, dossier_view *v);
/* What x->who may do to v->d now (v->actions). */
ts_code dossiers_allowed(ts_ctx *x, dossier_view *v);
/* x's clock in local minutes. */
int64_t dossiers_now_min(const ts_ctx *x);
/* May x->who read d (owner, or staff of its agencies)? */
ts_code dossiers_may_read(ts_ctx *x, const dossier *d, bool *may);

#endif
