/*
 * feedback — citizen feedback (phản ánh, kiến nghị; DOMAIN.md §5): a
 * report of a problem or a petition, with a category, a text, a point on
 * the map and photos; one intake point checks it and routes it to the
 * agency responsible (the category says which: the committee of the
 * commune the point is in, or a department), that agency answers within
 * the category's working days, the answer is published, the reporter rates
 * it. Every change is one write with one audit entry and one timeline
 * event; 409 on a transition from the wrong status or a stale revision.
 * See docs/decisions.md §42.
 *
 *   feedback.c   reports: reading, listing, the public view, categories
 *   submit.c     filing a report: the code, the routing, the deadline
 *   lifecycle.c  the actions (accept, reject, route, assign, start, answer,
 *                rate, reopen, merge, moderate), following, the jobs
 *   open311.c    GeoReport v2 on top of the same calls
 */
#ifndef TS_FEEDBACK_H
#define TS_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../platform/ctx.h"

/* clang-format off */
#define FEEDBACK_MESSAGES(X)                                                                       \
    X(M_FB_NOT_FOUND, "Không tìm thấy phản ánh %s.", "Report %s not found.")                       \
    X(M_FB_CATEGORY_UNKNOWN, "Không có lĩnh vực phản ánh %s.", "No feedback category %s.")         \
    X(M_FB_LOCATION_NEEDED, "Lĩnh vực này cần vị trí: chọn một điểm trên bản đồ hoặc nhập địa chỉ.", \
      "This category needs a location: pick a point on the map or give an address.")             \
    X(M_FB_POINT_PAIR, "Cần cả vĩ độ và kinh độ.", "Both latitude and longitude are needed.")      \
    X(M_FB_LAT, "Vĩ độ phải là một số trong khoảng -90 đến 90.", "Latitude must be a number between -90 and 90.")    \
    X(M_FB_LON, "Kinh độ phải là một số trong khoảng -180 đến 180.", "Longitude must be a number between -180 and 180.") \
    X(M_FB_NOW_SUBMITTED, "Phản ánh mới gửi, chưa được tiếp nhận: không thể thực hiện thao tác này.", "The report has been sent and not yet accepted: this action is not possible now.") \
    X(M_FB_NOW_ACCEPTED, "Phản ánh đã được tiếp nhận, chưa giao cán bộ xử lý: không thể thực hiện thao tác này.", "The report has been accepted and not yet assigned: this action is not possible now.") \
    X(M_FB_NOW_REJECTED, "Phản ánh không được tiếp nhận: không thể thực hiện thao tác này.", "The report was rejected: this action is not possible now.") \
    X(M_FB_NOW_ASSIGNED, "Phản ánh đã được giao cán bộ xử lý: không thể thực hiện thao tác này.", "The report has been assigned: this action is not possible now.") \
    X(M_FB_NOW_IN_PROGRESS, "Phản ánh đang được xử lý: không thể thực hiện thao tác này.", "The report is being handled: this action is not possible now.") \
    X(M_FB_NOW_ANSWERED, "Phản ánh đã được trả lời: không thể thực hiện thao tác này.", "The report has been answered: this action is not possible now.") \
    X(M_FB_NOW_CLOSED, "Phản ánh đã đóng: không thể thực hiện thao tác này.", "The report is closed: this action is not possible now.") \
    X(M_FB_NOW_MERGED, "Phản ánh đã được gộp vào phản ánh khác: không thể thực hiện thao tác này.", "The report was merged into another: this action is not possible now.") \
    X(M_FB_STALE, "Phản ánh vừa được người khác cập nhật (phiên bản %s); hãy tải lại.",            \
      "Someone else has just changed the report (revision %s); reload it.")                       \
    X(M_FB_REASON, "Cần nêu lý do.", "A reason is needed.")                                       \
    X(M_FB_ANSWER, "Cần nội dung trả lời.", "The answer's text is needed.")                       \
    X(M_FB_RATING, "Đánh giá từ 1 đến 5.", "A rating is 1 to 5.")                                 \
    X(M_FB_NOT_REPORTER, "Chỉ người gửi phản ánh mới thực hiện được thao tác này.",                \
      "Only the person who sent the report can do this.")                                        \
    X(M_FB_REOPEN_LATE, "Đã quá %s ngày kể từ khi trả lời: không thể mở lại phản ánh.",           \
      "More than %s days have passed since the answer: the report cannot be reopened.")           \
    X(M_FB_AGENCY, "Cơ quan %s không nhận phản ánh.", "Agency %s does not take reports.")         \
    X(M_FB_ASSIGNEE, "Người được giao phải là cán bộ của cơ quan xử lý.",                           \
      "The assignee must be an officer of the handling agency.")                                  \
    X(M_FB_MERGE_SELF, "Không thể gộp phản ánh vào chính nó.", "A report cannot be merged into itself.") \
    X(M_FB_MERGE_TARGET, "Phản ánh %s đã đóng hoặc đã được gộp: không gộp vào được.",            \
      "Report %s is closed or merged: nothing can be merged into it.")                            \
    X(M_FB_NO_INTAKE, "Chưa cấu hình đầu mối tiếp nhận phản ánh.",                                \
      "No intake point for feedback has been set.")                                               \
    X(M_FB_TEMPLATE_NOT_FOUND, "Không tìm thấy mẫu trả lời %s.", "Response template %s not found.") \
    X(M_FB_SETTING, "Thiết lập %s không hợp lệ.", "Setting %s is not valid.")                     \
    X(M_FB_PHOTOS_FULL, "Mỗi phản ánh có tối đa %s ảnh.", "A report has at most %s photos.")      \
    X(M_FB_PHOTO_TIME, "Chỉ bổ sung ảnh khi phản ánh chưa được xử lý.",                           \
      "Photos can be added only before the report is handled.")                                   \
    X(M_FB_PHOTO_NOT_FOUND, "Phản ánh không có ảnh %s.", "The report has no photo %s.")           \
    X(M_FB_PHOTO_PENDING, "Ảnh đang được xử lý; hãy thử lại sau ít phút.",                        \
      "The photo is still being prepared; try again in a minute.")                               \
    X(M_FB_ANON_OFF, "Tỉnh chưa cho phép gửi phản ánh không cần đăng nhập: hãy đăng nhập để gửi.", \
      "This province does not take reports without signing in: sign in to send one.")            \
    X(M_FB_OTP_TARGET, "Cần số điện thoại hoặc địa chỉ thư điện tử để nhận mã xác nhận.",         \
      "A phone number or an e-mail address is needed to receive the confirmation code.")         \
    X(M_FB_OTP_LIMIT, "Đã gửi quá nhiều mã xác nhận tới %s; hãy thử lại sau một giờ.",             \
      "Too many confirmation codes were sent to %s; try again in an hour.")                      \
    X(M_FB_OTP_WRONG, "Mã xác nhận không đúng hoặc đã hết hạn.",                                   \
      "The confirmation code is wrong or has expired.")                                           \
    X(M_FB_FLOOD, "Địa chỉ của bạn đã gửi quá nhiều yêu cầu; hãy thử lại sau %s giây.",           \
      "Too many requests from your address; try again in %s seconds.")                            \
    X(M_FB_TOKEN, "Mã theo dõi của người gửi không đúng.", "The reporter's token is not right.")  \
    X(M_FB_PERIOD, "Khoảng thời gian không hợp lệ (từ ngày phải trước đến ngày).",                \
      "The period is not valid (from must come before to).")                                     \
    X(M_FB_TOKEN_NOT_FOUND, "Không có phản ánh nào mang mã %s.", "No report has the token %s.")  \
    X(M_FB_O311_NOTICE, "Đầu mối tiếp nhận kiểm tra phản ánh, rồi cơ quan có thẩm quyền trả lời trong %s ngày làm việc.", \
      "The intake point checks the report, then the agency responsible answers it within %s working days.") \
    X(M_FB_O311_MERGED, "Đã gộp vào phản ánh %s.", "Merged into report %s.")                      \
    X(M_FB_STATE_SUBMITTED, "mới gửi", "submitted")                                               \
    X(M_FB_STATE_ACCEPTED, "đã tiếp nhận", "accepted")                                            \
    X(M_FB_STATE_REJECTED, "không tiếp nhận", "rejected")                                         \
    X(M_FB_STATE_ASSIGNED, "đã giao xử lý", "assigned")                                           \
    X(M_FB_STATE_IN_PROGRESS, "đang xử lý", "in progress")                                        \
    X(M_FB_STATE_ANSWERED, "đã trả lời", "answered")                                              \
    X(M_FB_STATE_CLOSED, "đã đóng", "closed")                                                     \
    X(M_FB_STATE_MERGED, "đã gộp", "merged")
/* clang-format on */
FEEDBACK_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg feedback_messages[];

/* ---- statuses and actions ------------------------------------------------------------ */

enum {
    FS_SUBMITTED = 1,
    FS_ACCEPTED,
    FS_REJECTED,
    FS_ASSIGNED,
    FS_IN_PROGRESS,
    FS_ANSWERED,
    FS_CLOSED,
    FS_MERGED,
};
/* "submitted", ... (NULL outside 1..8); the name in a language (0 vi, 1 en). */
const char *feedback_status_word(int s);
const char *feedback_status_name(int s, int lang);
int feedback_status_parse(const char *w); /* 0 when unknown */
/* "The report is ...: this action is not possible now" for status s. */
ts_msg feedback_state_msg(int s);
/* Open311: open (submitted .. in progress) or closed (the rest). */
bool feedback_status_open(int s);

#define FB_TITLE_MAX 200
#define FB_DESCRIPTION_MAX 4000
#define FB_PHOTOS_MAX 5

/* ---- categories ------------------------------------------------------------------------ */

typedef struct fb_category {
    const char *code, *name, *name_en, *group, *group_en, *description, *keywords;
    const char *route;      /* "commune" or an agency code */
    int deadline_days;      /* working days to the answer */
    int priority;           /* 1 urgent, 2 high, 3 normal */
    const char *location;   /* "required" | "optional" */
    const char *attributes; /* JSON array (Open311 attributes) */
    bool active;
    int sort;
} fb_category;

ts_code feedback_categories(ts_ctx *x, bool all, fb_category **out, int *n);
ts_code feedback_category(ts_ctx *x, const char *code, fb_category *out);

/* A response template (mẫu trả lời): agency and category NULL = for every one. */
typedef struct fb_template {
    int64_t id;
    const char *agency, *category, *title, *body;
} fb_template;

/* The templates an officer may answer with: the province's and those of
 * the agencies one works in. */
ts_code feedback_templates(ts_ctx *x, fb_template **out, int *n);
/* Keep a template for an agency (its leaders and administrators; for the
 * province, the system administrator); remove one the same way. */
ts_code feedback_template_add(ts_ctx *x, const fb_template *in, fb_template *out);
ts_code feedback_template_remove(ts_ctx *x, int64_t id);

/* ---- settings ---------------------------------------------------------------------------- */

typedef struct fb_settings {
    const char *intake_agency; /* NULL: not set */
    bool anonymous;
    int intake_days, reopen_days, close_days;
} fb_settings;
ts_code feedback_settings(ts_ctx *x, fb_settings *out);
/* Change the named settings (system_admin); NULL members stay. */
typedef struct fb_settings_in {
    const char *intake_agency;
    int anonymous;                            /* -1 stay, 0, 1 */
    int intake_days, reopen_days, close_days; /* 0 stay */
} fb_settings_in;
ts_code feedback_settings_set(ts_ctx *x, const fb_settings_in *in, fb_settings *out);

/* ---- reports ------------------------------------------------------------------------------- */

typedef struct fb_report {
    int64_t id;
    const char *code, *token;
    int64_t rev;
    int status;
    const char *category, *title, *description;
    bool has_point;
    double lat, lon;
    const char *address, *unit_code, *unit_name;
    bool outside;
    const char *located; /* "point" | "photo" | NULL */
    const char *attrs;   /* JSON object or NULL */
    const char *channel, *client;
    int64_t reporter_id;
    const char *reporter_name, *reporter_phone, *reporter_email;
    bool show_name;
    const char *agency, *agency_name, *agency_path;
    int64_t assignee_id;
    const char *assignee_name;
    int priority;
    int64_t submitted_at, intake_due, accepted_at, due_at, answered_at, closed_at;
    const char *answer, *answer_agency, *reason;
    int rating, fixed; /* fixed: -1 not said, 0 no, 1 yes */
    int reopened;
    bool private_;
    const char *public_title, *public_description;
    const char *merged_into;
    int followers, photos, escalations;
    const char *created_at, *updated_at;
    bool late;       /* due passed and not answered (or answered after due) */
    int first_photo; /* the Open311 listing: n of the first published photo (0: none) */
} fb_report;

typedef struct fb_event {
    const char *at, *action, *agency, *agency_name, *actor, *actor_name, *note;
    int from, to;
    bool public_;
} fb_event;

typedef struct fb_photo {
    int n;
    const char *state, *mime;
    int width, height;
    const char *original, *published, *thumb;
} fb_photo;

typedef struct fb_view {
    fb_report r;
    fb_event *events;
    int nevents;
    fb_photo *photos;
    int nphotos;
    const char **actions; /* what x->who may do now, NULL-terminated */
    bool following;       /* x->who follows it */
    bool staff;           /* x->who sees it as staff (identity, originals, notes) */
} fb_view;

/* One report as its reporter or staff in scope see it (404 for anyone else). */
ts_code feedback_get(ts_ctx *x, const char *code, fb_view *out);
/* The public page: the moderated text, no identity unless allowed, public
 * events only; a private or rejected report is 404. */
ts_code feedback_public(ts_ctx *x, const char *code, fb_view *out);
/* May the principal see r as staff (intake, or the agency's subtree)? */
bool feedback_is_staff_for(ts_ctx *x, const fb_report *r);

/* ---- filing -------------------------------------------------------------------------- */

typedef struct fb_new {
    const char *category, *title, *description, *address;
    bool has_point;
    double lat, lon;
    const char *attrs; /* JSON object text or NULL */
    bool show_name;
    const char *name, *phone, *email; /* the reporter's contact (default: the account's) */
    const char *channel;              /* "web" | "open311" */
    const char *client;               /* the Open311 client's token name */
    const char *idem_key;
    const char *media_url;
    const char *otp; /* without signing in: the one-time code sent to phone or email */
} fb_new;

ts_code feedback_submit(ts_ctx *x, const fb_new *in, fb_view *out);

/* ---- photos ---------------------------------------------------------------------------- */

/* Add a photo (the reporter, while the report is submitted or accepted). */
ts_code feedback_photo_add(ts_ctx *x, const char *code, const void *data, size_t len,
                           const char *claimed_type, const char *filename, const char *token,
                           fb_view *out);
/* A photo's bytes: which "photo" or "thumb" (published: anyone who may see
 * the report's public page) or "original" (staff in scope). */
ts_code feedback_photo_get(ts_ctx *x, const char *code, int n, const char *which,
                           const char **media_type, const void **data, size_t *len);
/* Blur rectangles of photo n (the intake point): rects_json is an array
 * of {left, top, width, height} in the upright photo's pixels; the photo
 * is made again by the photo job. */
ts_code feedback_photo_blur(ts_ctx *x, const char *code, int n, const char *rects_json,
                            fb_view *out);
/* The job: publish pending photos. */
ts_code feedback_photos_publish(ts_ctx *x);

/* ---- without signing in ----------------------------------------------------------------- */

/* Send a one-time code to phone or email (exactly one), through the
 * outbox: 403 when the setting anonymous is off, 429 after 3 codes to the
 * same target within an hour. */
ts_code feedback_otp_send(ts_ctx *x, const char *phone, const char *email, const char *ip);
/* The one-time code's check, in the write of a report sent without
 * signing in (in->otp, in->phone or in->email). On a wrong code the try
 * is counted by feedback_otp_failed after the write rolled back. */
ts_code fb_otp_use(ts_ctx *x, const fb_new *in);
ts_code feedback_otp_failed(ts_ctx *x, const fb_new *in);

/* ---- actions ----------------------------------------------------------------------- */

typedef struct fb_action {
    const char *action;
    int64_t rev; /* 0: whatever it is now */
    const char *reason, *note, *answer;
    const char *agency; /* accept / route: to this agency (NULL: the routed one) */
    int64_t assignee;   /* assign (0: to oneself) */
    int rating;         /* rate */
    int fixed;          /* rate: -1 not said */
    const char *into;   /* merge */
    int64_t template_id;
    /* moderate */
    const char *public_title, *public_description;
    int private_;      /* -1 stay */
    int show_name;     /* -1 stay */
    int hide_photo;    /* photo n to hide (0: none) */
    const char *token; /* the reporter's token (a report sent without signing in) */
} fb_action;
extern const char *const feedback_actions[];
ts_code feedback_act(ts_ctx *x, const char *code, const fb_action *a, fb_view *out);
ts_code feedback_follow(ts_ctx *x, const char *code, bool on, fb_view *out);

/* ---- listings -------------------------------------------------------------------------- */

typedef struct fb_query {
    const char *queue;  /* staff: "mine", "agency", "intake", NULL all in scope */
    const char *status; /* comma list of words; "open", "closed" */
    const char *category, *agency, *unit, *q;
    const char *ids;                       /* comma list of codes (Open311 service_request_id) */
    int64_t from, to;                      /* submitted in [from, to) local minutes; 0: open */
    const char *created_from, *created_to; /* ISO UTC on created_at (Open311 dates) */
    bool has_bbox;
    double s, w, n, e;
    bool has_circle; /* within radius_m of (clat, clon); in the Open311 listing only
                        the reports shown with their place */
    double clat, clon;
    int radius_m;
    bool overdue;
    bool mine;         /* reports sent or followed by x->who */
    bool public_;      /* the public map/list (moderated; no private or rejected) */
    bool open311;      /* the Open311 listing: as public_, but the reports not yet accepted
                          and the rejected ones are there too, without their title,
                          description, place or photos; items get first_photo */
    const char *order; /* "due" (staff inbox), default newest first */
    int64_t limit, offset;
} fb_query;
typedef struct fb_list {
    fb_report *items;
    int n;
    int64_t total; /* at most FB_COUNT_MAX ("that many or more"); -1 for Open311 */
} fb_list;
#define FB_COUNT_MAX 10000
ts_code feedback_list(ts_ctx *x, const fb_query *q, fb_list *out);

/* The code of the report whose token (fb_report.token, Open311's token)
 * is token; 404 naming "token" when there is none. */
ts_code feedback_code_of_token(ts_ctx *x, const char *token, const char **code);

/* Open reports of a category within radius_m of a point, nearest first. */
ts_code feedback_nearby(ts_ctx *x, const char *category, double lat, double lon, int radius_m,
                        int max, fb_list *out);

/* Local minutes of x's clock. */
int64_t feedback_now_min(const ts_ctx *x);

/* ---- statistics -------------------------------------------------------------------------- */

typedef struct fb_stats_q {
    const char *by;     /* "agency" (default), "category", "unit" */
    const char *agency; /* only this agency's reports */
    int64_t from, to;   /* submitted in [from, to), local minutes */
} fb_stats_q;
typedef struct fb_stats_row {
    const char *key, *name;
    int64_t received, rejected, merged, on_time, late, open_within, open_overdue;
    int64_t rated, ratings[6], fixed_yes, fixed_said, handled, handled_wmin;
} fb_stats_row;
typedef struct fb_stats {
    const char *by;
    int64_t from, to;
    fb_stats_row *rows;
    int n;
    fb_stats_row total;
} fb_stats;
ts_code feedback_stats(ts_ctx *x, const fb_stats_q *q, fb_stats *out);

/* ---- the jobs ------------------------------------------------------------------------- */

/* Overdue reports up to the parent agency's leaders (once per deadline). */
ts_code feedback_escalate(ts_ctx *x);
/* Answered reports not rated within close_days: closed. */
ts_code feedback_autoclose(ts_ctx *x);

/* The demo: the categories and settings of the demo province. */
ts_code feedback_demo_setup(ts_ctx *x);
/* A year of n demo reports (none when the database has demo reports). */
typedef struct feedback_demo_result {
    int64_t existing; /* reports there already (nothing made) */
    int made;
    int by_status[FS_MERGED + 1];
} feedback_demo_result;
ts_code feedback_demo_reports(ts_ctx *x, int n, void (*progress)(int done, int total),
                              feedback_demo_result *res);

#endif
