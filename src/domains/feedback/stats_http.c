/*
 * stats_http — GET /api/v1/stats/feedback: the feedback figures per agency,
 * category or commune for a period, as JSON (with the leader page's
 * choropleth in mind: one row per commune code), CSV or Excel.
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/validate.h"
#include "../../platform/sheet.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "feedback_http.h"

static const char *const bys[] = {"agency", "category", "unit", NULL};
static const char *const formats[] = {"json", "csv", "xlsx", NULL};
typedef struct stats_in {
    const char *by, *agency, *from, *to, *format;
} stats_in;
#define Q(m) JX_INTO(stats_in, m)
const jx_field fb_stats_query[] = {
    {.name = "by",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = bys,
     .enum_list = "agency, category, unit",
     Q(by)},
    {.name = "agency",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     Q(agency)},
    JX_DATE("from", Q(from)),
    JX_DATE("to", Q(to)),
    {.name = "format",
     .type = JX_STRING,
     .max_chars = 4,
     .enums = formats,
     .enum_list = "json, csv, xlsx",
     Q(format)},
    {0},
};
#undef Q

static int64_t day_start(const char *d)
{
    int y, m, dd;
    return sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) == 3 ? wt_local(y, m, dd, 0, 0) : 0;
}

static const char *day_of(arena *a, int64_t t)
{
    int y, m, d, hh, mm;
    wt_local_split(t, &y, &m, &d, &hh, &mm);
    return arena_printf(a, "%04d-%02d-%02d", y, m, d);
}

static double avg_hours(const fb_stats_row *r)
{
    return r->handled ? (double)r->handled_wmin / 60.0 / (double)r->handled : -1;
}
static double avg_rating(const fb_stats_row *r)
{
    int64_t sum = 0;
    for (int k = 1; k <= 5; k++)
        sum += k * r->ratings[k];
    return r->rated ? (double)sum / (double)r->rated : -1;
}

/* The columns, in order: key, Vietnamese heading. */
static const struct {
    const char *key, *vi;
} cols[] = {
    {"received", "Tiếp nhận"},
    {"rejected", "Không tiếp nhận"},
    {"merged", "Gộp (trùng lặp)"},
    {"answered_on_time", "Trả lời đúng hạn"},
    {"answered_late", "Trả lời quá hạn"},
    {"open_within", "Đang xử lý trong hạn"},
    {"open_overdue", "Đang xử lý quá hạn"},
    {"on_time_percent", "Tỷ lệ đúng hạn (%)"},
    {"average_hours", "Thời gian xử lý trung bình (giờ làm việc)"},
    {"rated", "Số lượt đánh giá"},
    {"average_rating", "Điểm đánh giá trung bình (1–5)"},
    {"satisfied_percent", "Tỷ lệ hài lòng (%)"},
    {"fixed_percent", "Tỷ lệ đã khắc phục (%)"},
};
#define NCOLS ((int)(sizeof cols / sizeof cols[0]))

static void values(const fb_stats_row *r, double v[NCOLS])
{
    int64_t answered = r->on_time + r->late;
    double d[NCOLS] = {(double)r->received,
                       (double)r->rejected,
                       (double)r->merged,
                       (double)r->on_time,
                       (double)r->late,
                       (double)r->open_within,
                       (double)r->open_overdue,
                       fb_pct(r->on_time, answered),
                       avg_hours(r),
                       (double)r->rated,
                       avg_rating(r),
                       fb_pct(r->ratings[4] + r->ratings[5], r->rated),
                       fb_pct(r->fixed_yes, r->fixed_said)};
    memcpy(v, d, sizeof d);
}
static bool is_decimal(int i)
{
    return i == 7 || i == 8 || i == 10 || i == 11 || i == 12;
}

static void write_row(jsonw *w, const fb_stats_row *r)
{
    jw_obj_begin(w);
    jw_kstr(w, "key", r->key);
    jw_kstr(w, "name", r->name);
    double v[NCOLS];
    values(r, v);
    for (int i = 0; i < NCOLS; i++) {
        jw_key(w, cols[i].key);
        if (!is_decimal(i)) {
            jw_int(w, (int64_t)v[i]);
        } else if (v[i] < 0) {
            jw_null(w);
        } else {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%.1f", v[i]);
            jw_raw(w, buf, (size_t)n);
        }
    }
    jw_key(w, "ratings");
    jw_arr_begin(w);
    for (int k = 1; k <= 5; k++)
        jw_int(w, r->ratings[k]);
    jw_arr_end(w);
    jw_obj_end(w);
}

static sheet *to_sheet(http_req *r, const fb_stats *st)
{
    const char *what = !strcmp(st->by, "category") ? "Lĩnh vực"
                       : !strcmp(st->by, "unit")   ? "Xã, phường"
                                                   : "Cơ quan";
    sheet *sh =
        sheet_new(r->a,
                  arena_printf(r->a, "Tình hình tiếp nhận, xử lý phản ánh, kiến nghị từ %s đến %s",
                               day_of(r->a, st->from), day_of(r->a, st->to - 1440)),
                  "Phản ánh kiến nghị", NCOLS + 2);
    sheet_head(sh, 0, "Mã", 16);
    sheet_head(sh, 1, what, 44);
    for (int i = 0; i < NCOLS; i++)
        sheet_head(sh, i + 2, cols[i].vi, 13);
    for (int k = 0; k <= st->n; k++) {
        const fb_stats_row *row = k < st->n ? &st->rows[k] : &st->total;
        sheet_row(sh, k == st->n);
        sheet_text(sh, 0, k < st->n ? (row->key ? row->key : "") : "");
        sheet_text(sh, 1,
                   k < st->n ? (row->name ? row->name : (row->key ? row->key : "Chưa xác định"))
                             : "Tổng cộng");
        double v[NCOLS];
        values(row, v);
        for (int i = 0; i < NCOLS; i++) {
            if (is_decimal(i))
                sheet_decimal(sh, i + 2, v[i]);
            else
                sheet_int(sh, i + 2, (int64_t)v[i]);
        }
    }
    return sh;
}

ts_code feedback_h_stats(http_req *r, ts_ctx *x)
{
    stats_in in = {0};
    http_query_read(r, &in);
    fb_stats_q q = {.by = in.by, .agency = in.agency};
    int64_t today = feedback_now_min(x);
    today -= today % 1440;
    int y, m, d, hh, mm;
    wt_local_split(today, &y, &m, &d, &hh, &mm);
    q.from = in.from ? day_start(in.from) : wt_local(y, 1, 1, 0, 0);
    q.to = in.to ? day_start(in.to) + 1440 : today + 1440;
    fb_stats st;
    TS_TRY(feedback_stats(x, &q, &st));
    const char *fname = arena_printf(r->a, "thong-ke-phan-anh-%s-%s", day_of(r->a, st.from),
                                     day_of(r->a, st.to - 1440));
    if (in.format && strcmp(in.format, "json")) {
        sheet *sh = to_sheet(r, &st);
        const char *buf;
        size_t len;
        bool csv = !strcmp(in.format, "csv");
        if (csv)
            sheet_csv(sh, &buf, &len);
        else
            TS_TRY(sheet_xlsx(sh, &buf, &len, x->err));
        http_add_header(r, "Content-Disposition",
                        arena_printf(r->a, "attachment; filename=\"%s.%s\"", fname, in.format));
        return http_reply(r, 200,
                          csv ? "text/csv; charset=utf-8; header=present"
                              : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          buf, len);
    }
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "by", st.by);
    jw_kstr(w, "agency", q.agency);
    jw_kstr(w, "from", day_of(r->a, st.from));
    jw_kstr(w, "to", day_of(r->a, st.to - 1440));
    jw_key(w, "rows");
    jw_arr_begin(w);
    for (int i = 0; i < st.n; i++)
        write_row(w, &st.rows[i]);
    jw_arr_end(w);
    jw_key(w, "total");
    write_row(w, &st.total);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}
