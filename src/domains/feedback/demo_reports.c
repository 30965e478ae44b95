/*
 * demo_reports — a year of the demo province's feedback (`tinhso demo
 * --reports N`): categories weighted as a province's intake point sees
 * them (rubbish, roads and lights first), points inside the communes (and
 * a few outside the province), submission times through the day, the
 * intake point's decision within hours, answers mostly on time and some
 * late, rejections, duplicates merged, the newest still open, ratings
 * (most satisfied, as Huế reports) and "was it fixed?". Deterministic (a
 * fixed seed), in batches of one write each (one audit entry,
 * feedback.demo_reports, per batch), written straight to the tables: a
 * live report goes through submit.c and lifecycle.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/text.h"
#include "../../platform/worktime.h"
#include "../schedules/schedules.h"
#include "../units/units.h"
#include "feedback_int.h"

static const struct {
    const char *code;
    double weight;
    const char *titles[3];
    const char *text;
} kinds[] = {
    {"rac-thai",
     22,
     {"Rác thải tồn đọng nhiều ngày", "Bãi rác tự phát cạnh đường",
      "Rác không được thu gom đúng giờ"},
     "Rác sinh hoạt tồn đọng, bốc mùi hôi, ảnh hưởng đến sinh hoạt của người dân xung quanh."},
    {"duong-via-he",
     14,
     {"Ổ gà lớn giữa đường", "Vỉa hè bị vỡ, sụt lún", "Mặt đường hư hỏng sau mưa"},
     "Mặt đường hư hỏng nặng, nhiều ổ gà, xe máy đi qua dễ gặp tai nạn, nhất là buổi tối."},
    {"chieu-sang",
     10,
     {"Đèn đường không sáng", "Cột đèn nghiêng có nguy cơ đổ", "Đèn chiếu sáng bật cả ban ngày"},
     "Hệ thống đèn chiếu sáng công cộng không hoạt động, đoạn đường tối, mất an toàn."},
    {"trat-tu-do-thi",
     10,
     {"Buôn bán lấn chiếm vỉa hè", "Để vật liệu xây dựng dưới lòng đường",
      "Trông giữ xe trái phép trên vỉa hè"},
     "Vỉa hè, lòng đường bị lấn chiếm, người đi bộ phải xuống lòng đường."},
    {"o-nhiem",
     8,
     {"Xưởng sản xuất gây ồn ban đêm", "Khói bụi từ cơ sở đốt rác", "Xả nước thải ra kênh"},
     "Cơ sở sản xuất gây ô nhiễm kéo dài, người dân đã nhiều lần nhắc nhở nhưng không khắc phục."},
    {"xay-dung",
     7,
     {"Công trình xây dựng không phép", "Xây dựng sai phép lấn sang nhà bên",
      "Công trình không che chắn an toàn"},
     "Công trình đang thi công không có biển báo giấy phép, vật liệu rơi vãi ra đường."},
    {"ngap-ung",
     6,
     {"Đường ngập sâu sau mưa", "Cống thoát nước bị tắc", "Nắp cống bị mất"},
     "Sau mỗi trận mưa đường ngập sâu, nước không thoát được, xe chết máy hàng loạt."},
    {"cay-xanh",
     5,
     {"Cây xanh nghiêng sắp đổ", "Cành cây gãy chắn đường", "Cây che khuất đèn tín hiệu"},
     "Cây xanh có nguy cơ gãy đổ, nguy hiểm cho người và phương tiện qua lại."},
    {"an-toan-thuc-pham",
     4,
     {"Cơ sở bán thực phẩm không rõ nguồn gốc", "Quán ăn mất vệ sinh",
      "Bán thực phẩm quá hạn sử dụng"},
     "Cơ sở kinh doanh thực phẩm không bảo đảm vệ sinh an toàn thực phẩm."},
    {"thu-tuc-hanh-chinh",
     4,
     {"Hồ sơ giải quyết chậm so với giấy hẹn", "Cán bộ hướng dẫn chưa rõ ràng",
      "Đề nghị bổ sung hình thức nộp trực tuyến"},
     "Kiến nghị về việc giải quyết thủ tục hành chính tại bộ phận một cửa."},
    {"y-te",
     3,
     {"Thái độ phục vụ tại trạm y tế", "Thời gian chờ khám quá lâu", "Thiếu thuốc bảo hiểm y tế"},
     "Phản ánh về chất lượng khám chữa bệnh và thái độ phục vụ."},
    {"an-ninh-trat-tu",
     3,
     {"Nhóm thanh niên tụ tập gây ồn", "Đua xe trái phép ban đêm", "Mất trộm xe máy nhiều lần"},
     "Tình hình an ninh trật tự phức tạp, đề nghị cơ quan chức năng tăng cường tuần tra."},
    {"giao-duc",
     2,
     {"Khoản thu đầu năm học chưa hợp lý", "Sân trường xuống cấp",
      "Đề nghị bố trí giáo viên đủ môn"},
     "Kiến nghị liên quan đến hoạt động của trường học trên địa bàn."},
    {"khac",
     2,
     {"Đề nghị lắp gương cầu tại khúc cua", "Kiến nghị làm thêm biển chỉ dẫn",
      "Đề xuất trồng thêm cây xanh"},
     "Kiến nghị của người dân về các vấn đề dân sinh trên địa bàn."},
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

static const char *const family[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ",
                                     "Đặng",   "Bùi",  "Đỗ", "Ngô",  "Dương", "Lý"};
static const char *const middle[] = {"Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quang"};
static const char *const given[] = {
    "An",  "Bình", "Chi",    "Dũng", "Giang", "Hà",  "Hải",  "Hoa",   "Hùng", "Lan", "Linh",
    "Mai", "Nam",  "Phương", "Quân", "Sơn",   "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến"};
static const char *const streets[] = {
    "Nguyễn Gia Thiều", "Lý Thái Tổ",    "Trần Hưng Đạo",    "Ngô Gia Tự",  "Lê Lợi",
    "Hùng Vương",       "Nguyễn Văn Cừ", "Kinh Dương Vương", "Lý Anh Tông", "Xương Giang"};
static const char *const answers[] = {
    "Đơn vị đã cử cán bộ kiểm tra hiện trường và xử lý dứt điểm nội dung phản ánh. Cảm ơn ông/bà "
    "đã phối hợp cùng chính quyền.",
    "Qua kiểm tra, nội dung phản ánh là đúng. Đơn vị đã yêu cầu tổ chức, cá nhân liên quan khắc "
    "phục và sẽ tiếp tục theo dõi.",
    "Đơn vị đã phối hợp với đơn vị chuyên môn khắc phục; dự kiến hoàn thành trong tuần. Đề nghị "
    "ông/bà tiếp tục thông tin khi có phát sinh.",
};

typedef struct cat_info {
    const char *code, *route, *agency, *path;
    int days, priority;
    double cum;
} cat_info;
typedef struct commune {
    const char *unit, *name, *agency, *path;
    double bbox[4]; /* min_lon, min_lat, max_lon, max_lat */
} commune;

typedef struct gen {
    uint64_t rng;
    int total, done, batch;
    int64_t now, start;
    const wt_cal *cal;
    cat_info cats[NKINDS];
    double cum_total;
    commune *communes;
    int ncommunes;
    const char *intake, *intake_path;
    int64_t nguoidan1;
    int64_t *day_last; /* per day index from start: the last number */
    int ndays;
    const char *created;
    feedback_demo_result *res;
} gen;

static uint64_t next(gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}
static double unif(gen *g)
{
    return (double)(next(g) >> 11) / 9007199254740992.0;
}
static int pick(gen *g, int n)
{
    return (int)(next(g) % (uint64_t)n);
}

static ts_code load(ts_ctx *x, gen *g)
{
    TS_TRY(schedules_calendar(x, &g->cal));
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    if (!st.intake_agency) return ts_err_set(x->err, TS_EUNAVAIL, M_FB_NO_INTAKE, NULL);
    g->intake = st.intake_agency;
    TS_TRY(db_int(x->db, x->err, &g->nguoidan1, 0, "SELECT id FROM accounts WHERE username = ?",
                  DBV_T("nguoidan1")));
    db_stmt *s;
    TS_TRY(db_prepare(x->db, "SELECT path FROM agencies WHERE code = ?", &s, x->err));
    db_bind_list(s, DBV_T(g->intake));
    if (db_step(s, x->err) == DB_ROW) g->intake_path = db_col_dup(x->a, s, 0);
    db_reset(s);
    for (int i = 0; i < NKINDS; i++) {
        fb_category c;
        TS_TRY(feedback_category(x, kinds[i].code, &c));
        cat_info *ci = &g->cats[i];
        ci->code = c.code;
        ci->route = c.route;
        ci->days = c.deadline_days;
        ci->priority = c.priority;
        g->cum_total += kinds[i].weight;
        ci->cum = g->cum_total;
        if (strcmp(c.route, "commune")) {
            ci->agency = c.route;
            TS_TRY(db_prepare(x->db, "SELECT path FROM agencies WHERE code = ?", &s, x->err));
            db_bind_list(s, DBV_T(c.route));
            if (db_step(s, x->err) == DB_ROW) ci->path = db_col_dup(x->a, s, 0);
            db_reset(s);
            if (!ci->path) return ts_err_set(x->err, TS_EINTERNAL, M_FB_AGENCY, c.route);
        }
    }
    /* the communes with a boundary and a committee */
    unit_boundary *b;
    int nb;
    TS_TRY(units_boundaries_of(x, "24", 3, &b, &nb));
    g->communes = arena_calloc(x->a, sizeof *g->communes * (size_t)(nb ? nb : 1));
    TS_TRY(db_prepare(x->db,
                      "SELECT code, path FROM agencies WHERE unit_code = ? AND kind = "
                      "'commune_committee' AND valid_to IS NULL ORDER BY id LIMIT 1",
                      &s, x->err));
    for (int i = 0; i < nb; i++) {
        db_bind_list(s, DBV_T(b[i].code));
        if (db_step(s, x->err) == DB_ROW) {
            commune *c = &g->communes[g->ncommunes++];
            c->unit = b[i].code;
            c->name = b[i].name;
            c->agency = db_col_dup(x->a, s, 0);
            c->path = db_col_dup(x->a, s, 1);
            memcpy(c->bbox, b[i].bbox, sizeof c->bbox);
        }
        db_reset(s);
    }
    return TS_OK;
}

/* A point inside commune c (rejection sampling in its box; the box's
 * centre after 30 misses). */
static void point_in(ts_ctx *x, gen *g, const commune *c, double *lat, double *lon)
{
    for (int t = 0; t < 30; t++) {
        double lo = c->bbox[0] + unif(g) * (c->bbox[2] - c->bbox[0]);
        double la = c->bbox[1] + unif(g) * (c->bbox[3] - c->bbox[1]);
        const char *u;
        bool inside;
        if (fb_locate(x, la, lo, &u, &inside) == TS_OK && inside && u && !strcmp(u, c->unit)) {
            *lat = la;
            *lon = lo;
            return;
        }
    }
    *lat = (c->bbox[1] + c->bbox[3]) / 2;
    *lon = (c->bbox[0] + c->bbox[2]) / 2;
}

static int64_t due_of(gen *g, int64_t t, int days)
{
    wt_deadline_in in = {.received = t, .unit = WT_WORKING_DAYS, .amount = days};
    wt_deadline out;
    return wt_deadline_compute(g->cal, &in, &out) && out.due > 0 ? out.due : t + days * 1440;
}
static int64_t after_working(gen *g, int64_t t, int64_t minutes)
{
    int64_t v = wt_add_working(g->cal, NULL, t, minutes, 0);
    return v > 0 ? v : t + minutes;
}

typedef struct ev {
    const char *action;
    int from, to;
    int64_t at;
    const char *agency, *note;
    bool public_;
} ev;

static const char *iso_of(ts_ctx *x, int64_t local_min)
{
    int y, m, d, hh, mm;
    wt_local_split(local_min - 7 * 60, &y, &m, &d, &hh, &mm);
    return arena_printf(x->a, "%04d-%02d-%02dT%02d:%02d:00.000000Z", y, m, d, hh, mm);
}

static ts_code one(ts_ctx *x, gen *g, db_stmt *ins, db_stmt *evs, int idx)
{
    /* the category and the place */
    double u = unif(g) * g->cum_total;
    int k = 0;
    while (k < NKINDS - 1 && g->cats[k].cum < u)
        k++;
    const cat_info *c = &g->cats[k];
    const commune *cm = g->ncommunes ? &g->communes[pick(g, g->ncommunes)] : NULL;
    bool outside = unif(g) < 0.02 || !cm;
    double lat = 0, lon = 0;
    bool has_point = true;
    if (outside) {
        lat = 20.95 + unif(g) * 0.1; /* Hà Nội */
        lon = 105.75 + unif(g) * 0.1;
    } else if (!strcmp(c->route, "commune") || unif(g) < 0.7) {
        point_in(x, g, cm, &lat, &lon);
    } else {
        has_point = false; /* a petition about a service: no place */
    }
    const char *agency = outside ? g->intake : c->agency ? c->agency : cm->agency;
    const char *path = outside ? g->intake_path : c->path ? c->path : cm->path;
    const char *ucode = outside || !has_point ? NULL : cm->unit;

    /* when: a year, more by day than by night */
    int day = pick(g, g->ndays);
    int hour = 6 + (int)(16 * sqrt(unif(g)) * unif(g) + 16 * unif(g) * 0.5);
    if (hour > 22) hour = 22;
    int64_t sub = g->start + (int64_t)day * 1440 + hour * 60 + pick(g, 60);
    if (sub >= g->now) sub = g->now - 1 - pick(g, 600);
    day = (int)((sub - g->start) / 1440);
    int64_t no = ++g->day_last[day];
    int y, mo, d, hh, mm;
    wt_local_split(sub, &y, &mo, &d, &hh, &mm);
    const char *code = arena_printf(x->a, "PA-%02d%02d%02d-%06lld", y % 100, mo, d, (long long)no);
    int64_t due = due_of(g, sub, c->days);
    int64_t intake_due = due_of(g, sub, 2);
    int64_t age = g->now - sub;

    /* what has become of it */
    int status = FS_SUBMITTED;
    int64_t accepted = 0, answered = 0, closed = 0, wmin = 0;
    int rating = 0, fixed = -1;
    const char *answer = NULL, *reason = NULL, *merged = NULL;
    double fate = unif(g);
    int64_t acc_at = after_working(g, sub, 30 + pick(g, 600));
    if (acc_at < g->now) {
        if (fate < 0.04) {
            status = FS_REJECTED;
            reason = "Nội dung không thuộc phạm vi tiếp nhận phản ánh, kiến nghị hoặc không đủ "
                     "thông tin để xác minh.";
            closed = acc_at;
        } else if (fate < 0.06 && no > 1) { /* the same as the day's previous report */
            status = FS_MERGED;
            merged =
                arena_printf(x->a, "PA-%02d%02d%02d-%06lld", y % 100, mo, d, (long long)(no - 1));
            closed = acc_at;
        } else {
            status = FS_ACCEPTED;
            accepted = acc_at;
            int64_t total =
                (due - sub) > 0 ? wt_working_minutes(g->cal, NULL, sub, due, 0, NULL, 0) : 480;
            bool late = unif(g) < 0.08;
            int64_t work = late ? total + 60 + pick(g, (int)(total / 2 + 480))
                                : (int64_t)((0.2 + 0.75 * unif(g)) * (double)total);
            int64_t ans = after_working(g, sub, work);
            if (ans < g->now && unif(g) > 0.01) {
                status = FS_ANSWERED;
                answered = ans;
                answer = answers[pick(g, 3)];
                wmin = wt_working_minutes(g->cal, NULL, sub, ans, 0, NULL, 0);
                if (unif(g) < 0.72 && ans + 1440 < g->now) {
                    double sat = unif(g);
                    rating = sat < 0.55 ? 5 : sat < 0.92 ? 4 : sat < 0.97 ? 3 : sat < 0.99 ? 2 : 1;
                    fixed = rating >= 3 ? 1 : (unif(g) < 0.5);
                    status = FS_CLOSED;
                    closed = ans + 60 + pick(g, 4000);
                    if (closed > g->now) closed = g->now;
                } else if (ans + 7 * 1440 < g->now) {
                    status = FS_CLOSED;
                    closed = ans + 7 * 1440;
                }
            } else {
                status = age > 2 * 1440 ? FS_IN_PROGRESS : FS_ASSIGNED;
            }
        }
    }
    const char *name =
        arena_printf(x->a, "%s %s %s", family[pick(g, 12)], middle[pick(g, 8)], given[pick(g, 22)]);
    const char *addr =
        arena_printf(x->a, "Số %d đường %s%s%s", 1 + pick(g, 250), streets[pick(g, 10)],
                     ucode ? ", " : "", ucode && cm->name ? cm->name : "");
    const char *title = kinds[k].titles[pick(g, 3)];
    const char *desc = kinds[k].text;
    char tok[25];
    snprintf(tok, sizeof tok, "%08llx%08llx%08llx", (unsigned long long)(next(g) & 0xffffffffu),
             (unsigned long long)(next(g) & 0xffffffffu),
             (unsigned long long)(next(g) & 0xffffffffu));
    const char *created = iso_of(x, sub);
    int64_t last = closed ? closed : answered ? answered : accepted ? accepted : sub;
    const char *key = arena_printf(x->a, "%s %s %s %s", code, title, desc, addr);
    const char *fold = text_fold(x->a, key, strlen(key));
    const char *channels[] = {"web", "web", "app", "app", "app", "hotline", "open311"};
    const char *channel = channels[pick(g, 7)];
    int64_t reporter = idx < 40 && g->nguoidan1 ? g->nguoidan1 : 0;
    const db_val v[] = {
        DBV_T(code),
        DBV_T(tok),
        DBV_I(status),
        DBV_T(c->code),
        DBV_T(title),
        DBV_T(desc),
        has_point ? DBV_D(lat) : DBV_NULL_VAL,
        has_point ? DBV_D(lon) : DBV_NULL_VAL,
        DBV_T(addr),
        DBV_T(ucode),
        DBV_I(outside),
        DBV_T(has_point ? "point" : NULL),
        DBV_T(channel),
        DBV_T(!strcmp(channel, "open311") ? "demo" : NULL),
        reporter ? DBV_I(reporter) : DBV_NULL_VAL,
        DBV_T(reporter ? "Nguyễn Thị Thu" : name),
        DBV_T(arena_printf(x->a, "09%08d", pick(g, 100000000))),
        DBV_I(unif(g) < 0.3),
        DBV_T(agency),
        DBV_T(path),
        DBV_I(c->priority),
        DBV_I(sub),
        DBV_I(intake_due),
        accepted ? DBV_I(accepted) : DBV_NULL_VAL,
        DBV_I(due),
        answered ? DBV_I(answered) : DBV_NULL_VAL,
        answered ? DBV_I(wmin) : DBV_NULL_VAL,
        closed ? DBV_I(closed) : DBV_NULL_VAL,
        DBV_T(answer),
        DBV_T(answer ? agency : NULL),
        DBV_T(reason),
        rating ? DBV_I(rating) : DBV_NULL_VAL,
        fixed >= 0 ? DBV_I(fixed) : DBV_NULL_VAL,
        DBV_T(merged),
        DBV_T(created),
        DBV_T(iso_of(x, last)),
        DBV_T(fold),
    };
    db_bind_vals(ins, 1, v, (int)(sizeof v / sizeof v[0]));
    int64_t id = 0;
    if (db_step(ins, x->err) == DB_ROW) id = db_col_int(ins, 0);
    db_reset(ins);
    if (!id) return x->err->code ? x->err->code : TS_EDB;

    ev e[6];
    int ne = 0;
    e[ne++] = (ev){"submit", 0, FS_SUBMITTED, sub, agency, NULL, true};
    if (status == FS_REJECTED)
        e[ne++] = (ev){"reject", FS_SUBMITTED, FS_REJECTED, closed, agency, reason, true};
    else if (status == FS_MERGED)
        e[ne++] = (ev){"merge", FS_SUBMITTED, FS_MERGED, closed, agency, merged, true};
    else if (accepted) {
        e[ne++] = (ev){"accept", FS_SUBMITTED, FS_ACCEPTED, accepted, agency, NULL, true};
        if (status != FS_ACCEPTED)
            e[ne++] = (ev){"assign", FS_ACCEPTED, FS_ASSIGNED, accepted + 30, agency, NULL, true};
        if (status >= FS_IN_PROGRESS)
            e[ne++] =
                (ev){"start", FS_ASSIGNED, FS_IN_PROGRESS, accepted + 120, agency, NULL, true};
        if (answered)
            e[ne++] = (ev){"answer", FS_IN_PROGRESS, FS_ANSWERED, answered, agency, answer, true};
        if (status == FS_CLOSED)
            e[ne++] =
                (ev){rating ? "rate" : "close", FS_ANSWERED, FS_CLOSED, closed, agency, NULL, true};
    }
    for (int i = 0; i < ne; i++) {
        const db_val ev_v[] = {DBV_I(id),          DBV_T(iso_of(x, e[i].at)),
                               DBV_I(e[i].at),     DBV_T(e[i].action),
                               DBV_I(e[i].from),   DBV_I(e[i].to),
                               DBV_T(e[i].agency), DBV_T("demo"),
                               DBV_T(e[i].note),   DBV_I(e[i].public_)};
        db_bind_vals(evs, 1, ev_v, (int)(sizeof ev_v / sizeof ev_v[0]));
        int r = db_step(evs, x->err);
        db_reset(evs);
        if (r < 0) return (ts_code)-r;
    }
    g->res->by_status[status]++;
    return TS_OK;
}

static ts_code batch_tx(ts_ctx *x, void *arg)
{
    gen *g = arg;
    int from = g->done, to = g->done + g->batch < g->total ? g->done + g->batch : g->total;
    db_stmt *ins, *evs;
    TS_TRY(db_prepare(
        x->db,
        "INSERT INTO feedback_reports (code, token, rev, status, category, title, description, "
        "lat, "
        "lon, address, unit_code, outside, located, channel, client, reporter_id, reporter_name, "
        "reporter_phone, show_name, agency, agency_path, priority, submitted_at, intake_due, "
        "accepted_at, due_at, answered_at, handled_wmin, closed_at, answer, answer_agency, reason, "
        "rating, fixed, merged_into, reopened, private, followers, photos, escalations, "
        "created_at, "
        "updated_at, search_key) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, ?, ?, ?) RETURNING id",
        &ins, x->err));
    TS_TRY(
        db_prepare(x->db,
                   "INSERT INTO feedback_events (report_id, at, at_min, action, from_status, "
                   "to_status, agency, actor, note, public) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   &evs, x->err));
    uint64_t rng0 = g->rng;
    int64_t *saved = arena_alloc(x->a, sizeof *saved * (size_t)g->ndays);
    memcpy(saved, g->day_last, sizeof *saved * (size_t)g->ndays);
    feedback_demo_result r0 = *g->res;
    for (int i = from; i < to; i++) {
        ts_code rc = one(x, g, ins, evs, i);
        if (rc != TS_OK) { /* a retried transaction starts from the same state */
            g->rng = rng0;
            memcpy(g->day_last, saved, sizeof *saved * (size_t)g->ndays);
            *g->res = r0;
            return rc;
        }
    }
    /* the counters as the batch leaves them */
    for (int dd = 0; dd < g->ndays; dd++) {
        if (g->day_last[dd] == saved[dd]) continue;
        int y, m, d, hh, mm;
        wt_local_split(g->start + (int64_t)dd * 1440, &y, &m, &d, &hh, &mm);
        TS_TRY(db_run(x->db, x->err,
                      "INSERT INTO feedback_counters (day, last) VALUES (?, ?) ON CONFLICT (day) "
                      "DO UPDATE SET last = excluded.last",
                      DBV_T(arena_printf(x->a, "%02d%02d%02d", y % 100, m, d)),
                      DBV_I(g->day_last[dd])));
    }
    json_t *sum = json_pack("{s:i,s:i}", "from", from, "to", to);
    ts_code rc = ts_audit(x, "feedback.demo_reports", "feedback", "demo", NULL, sum);
    json_decref(sum);
    TS_TRY(rc);
    g->done = to;
    return TS_OK;
}

ts_code feedback_demo_reports(ts_ctx *x, int n, void (*progress)(int done, int total),
                              feedback_demo_result *res)
{
    memset(res, 0, sizeof *res);
    TS_TRY(db_int(x->db, x->err, &res->existing, 0,
                  "SELECT COUNT(*) FROM feedback_reports WHERE id IN (SELECT report_id FROM "
                  "feedback_events WHERE actor = ? LIMIT 1)",
                  DBV_T("demo")));
    if (res->existing)
        TS_TRY(db_int_vals(x->db, "SELECT COUNT(*) FROM feedback_reports", NULL, 0, 0,
                           &res->existing, x->err));
    if (res->existing) return TS_OK;
    gen g = {.rng = 0x9e3779b97f4a7c15ull, .total = n, .batch = 20000, .res = res};
    g.now = feedback_now_min(x);
    g.ndays = 365;
    g.start = g.now - g.now % 1440 - (int64_t)(g.ndays - 1) * 1440;
    arena *a = x->a;
    TS_TRY(load(x, &g));
    g.day_last = arena_calloc(a, sizeof *g.day_last * (size_t)g.ndays);
    while (g.done < g.total) {
        arena *keep = x->a;
        x->a = arena_new(1 << 20);
        ts_code rc = ts_write(x, batch_tx, &g);
        arena_free(x->a);
        x->a = keep;
        TS_TRY(rc);
        if (progress) progress(g.done, g.total);
    }
    res->made = g.done;
    return db_exec(x->db, "ANALYZE", x->err);
}
