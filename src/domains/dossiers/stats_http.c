/*
 * stats_http — GET /api/v1/stats/dossiers: the standard statistics form per
 * agency as JSON, CSV (with a BOM, so a spreadsheet reads the Vietnamese)
 * or an Excel workbook (libxlsxwriter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../lib/strbuf.h"
#include "../../lib/validate.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "dossiers_int.h"

static const char *const bys[] = {"implementing", "receiving", NULL};
static const char *const formats[] = {"json", "csv", "xlsx", NULL};
#define Q(m) JX_INTO(dossier_stats_q, m)
/* the period and the agency, as both doors take them */
#define PERIOD                                                                                     \
    {.name = "agency",                                                                             \
     .type = JX_STRING,                                                                            \
     .max_chars = AGENCY_CODE_MAX,                                                                 \
     .format = &FMT_AGENCY_CODE,                                                                   \
     Q(agency)},                                                                                   \
        JX_DATE("from", Q(from)), JX_DATE("to", Q(to))
const jx_field dossier_stats_query[] = {
    PERIOD,
    {.name = "by",
     .type = JX_STRING,
     .max_chars = 12,
     .enums = bys,
     .enum_list = "implementing, receiving",
     Q(by)},
    {.name = "format",
     .type = JX_STRING,
     .max_chars = 4,
     .enums = formats,
     .enum_list = "json, csv, xlsx",
     Q(format)},
    {0},
};

/* The columns, in the form's order: key, Vietnamese heading, the count. */
typedef struct col {
    const char *key, *vi;
    size_t off; /* offset of the int64_t in dossier_stats_row; 0: computed */
} col;
#define C(k, vi, m)                                                                                \
    {                                                                                              \
        k, vi, offsetof(dossier_stats_row, m)                                                      \
    }
static const col cols[] = {
    C("carried_over", "Kỳ trước chuyển qua", carried),
    C("received_online", "Tiếp nhận trực tuyến", rec_online),
    C("received_counter", "Tiếp nhận trực tiếp", rec_counter),
    C("received_post", "Tiếp nhận qua bưu chính", rec_post),
    C("finished_early", "Đã giải quyết trước hạn", early),
    C("finished_on_time", "Đã giải quyết đúng hạn", on_time),
    C("finished_late", "Đã giải quyết quá hạn", late),
    C("in_progress_within", "Đang giải quyết trong hạn", in_within),
    C("in_progress_overdue", "Đang giải quyết quá hạn", in_overdue),
    C("supplement_requests", "Yêu cầu bổ sung", supplements),
    C("withdrawn", "Rút hồ sơ", withdrawn),
    C("refused", "Không được tiếp nhận", refused),
    C("stopped", "Dừng xử lý", stopped),
};
#undef C
#define NCOLS ((int)(sizeof cols / sizeof cols[0]))

static int64_t at(const dossier_stats_row *r, int i)
{
    return *(const int64_t *)((const char *)r + cols[i].off);
}

/* Ratings: how many, and the share "satisfied" (hài lòng or rất hài lòng). */
static int64_t rated(const dossier_stats_row *r)
{
    return r->rated[1] + r->rated[2] + r->rated[3] + r->rated[4] + r->rated[5];
}
static double on_time_pct(const dossier_stats_row *r)
{
    int64_t fin = r->early + r->on_time + r->late;
    return fin ? 100.0 * (double)(r->early + r->on_time) / (double)fin : -1;
}
static double satisfied_pct(const dossier_stats_row *r)
{
    int64_t n = rated(r);
    return n ? 100.0 * (double)(r->rated[4] + r->rated[5]) / (double)n : -1;
}

static void kpct(jsonw *w, const char *k, double v)
{
    jw_key(w, k);
    if (v < 0) {
        jw_null(w);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f", v);
    jw_raw(w, buf, strlen(buf));
}

static void write_row(jsonw *w, const dossier_stats_row *r)
{
    jw_obj_begin(w);
    jw_kstr(w, "agency", r->agency);
    jw_kstr(w, "agency_name", r->agency_name);
    for (int i = 0; i < NCOLS; i++)
        jw_kint(w, cols[i].key, at(r, i));
    jw_kint(w, "received", r->rec_online + r->rec_counter + r->rec_post);
    jw_kint(w, "finished", r->early + r->on_time + r->late);
    jw_kint(w, "in_progress", r->in_within + r->in_overdue);
    kpct(w, "on_time_percent", on_time_pct(r));
    jw_key(w, "ratings");
    jw_arr_begin(w);
    for (int k = 1; k <= 5; k++)
        jw_int(w, r->rated[k]);
    jw_arr_end(w);
    jw_kint(w, "rated", rated(r));
    kpct(w, "satisfied_percent", satisfied_pct(r));
    jw_obj_end(w);
}

static const char *day_of(arena *a, int64_t t)
{
    int y, m, d, hh, mm;
    wt_local_split(t, &y, &m, &d, &hh, &mm);
    return arena_printf(a, "%04d-%02d-%02d", y, m, d);
}

static ts_code reply_json(http_req *r, const dossier_stats_q *q, const dossier_stats *st)
{
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "from", day_of(r->a, st->from_min));
    jw_kstr(w, "to", day_of(r->a, st->to_min - 1440));
    jw_kstr(w, "by", q->by ? q->by : "implementing");
    jw_kstr(w, "agency", q->agency);
    jw_key(w, "rows");
    jw_arr_begin(w);
    for (int i = 0; i < st->n; i++)
        write_row(w, &st->rows[i]);
    jw_arr_end(w);
    jw_key(w, "total");
    write_row(w, &st->total);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static const char *file_name(arena *a, const dossier_stats *st, const char *ext)
{
    return arena_printf(a, "attachment; filename=\"thong-ke-ho-so-%s-%s.%s\"",
                        day_of(a, st->from_min), day_of(a, st->to_min - 1440), ext);
}

static void pct_text(char *buf, size_t n, double v)
{
    if (v < 0)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "%.1f", v);
}

static ts_code reply_csv(http_req *r, const dossier_stats *st)
{
    strbuf sb;
    sb_init(&sb);
    sb_adds(&sb, "\xef\xbb\xbf"); /* BOM: spreadsheets read UTF-8 then */
    sb_csv(&sb, "Mã cơ quan", false);
    sb_csv(&sb, "Cơ quan", false);
    for (int i = 0; i < NCOLS; i++)
        sb_csv(&sb, cols[i].vi, false);
    sb_csv(&sb, "Tỷ lệ đúng hạn (%)", false);
    sb_csv(&sb, "Số lượt đánh giá", false);
    sb_csv(&sb, "Tỷ lệ hài lòng (%)", true);
    for (int k = 0; k <= st->n; k++) {
        const dossier_stats_row *row = k < st->n ? &st->rows[k] : &st->total;
        sb_csv(&sb, k < st->n ? row->agency : "", false);
        sb_csv(&sb, k < st->n ? row->agency_name : "Tổng cộng", false);
        char buf[32];
        for (int i = 0; i < NCOLS; i++) {
            snprintf(buf, sizeof buf, "%lld", (long long)at(row, i));
            sb_csv(&sb, buf, false);
        }
        pct_text(buf, sizeof buf, on_time_pct(row));
        sb_csv(&sb, buf, false);
        snprintf(buf, sizeof buf, "%lld", (long long)rated(row));
        sb_csv(&sb, buf, false);
        pct_text(buf, sizeof buf, satisfied_pct(row));
        sb_csv(&sb, buf, true);
    }
    ts_code rc = http_reply_sb(r, 200, &sb);
    r->ctype = "text/csv; charset=utf-8; header=present";
    http_add_header(r, "Content-Disposition", file_name(r->a, st, "csv"));
    return rc;
}

static ts_code reply_xlsx(http_req *r, ts_ctx *x, const dossier_stats *st)
{
    /* libxlsxwriter 1.1 writes a file; it lives for this request only */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/tinhso-stats-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "temporary file");
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "Thống kê hồ sơ") : NULL;
    if (!ws) {
        if (wb) workbook_close(wb);
        unlink(path);
        return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "workbook");
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_text_wrap(bold);
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.0");
    worksheet_write_string(
        ws, 0, 0,
        arena_printf(r->a, "Tình hình giải quyết thủ tục hành chính từ %s đến %s",
                     day_of(r->a, st->from_min), day_of(r->a, st->to_min - 1440)),
        bold);
    int hr = 2, c = 0;
    worksheet_write_string(ws, hr, c++, "Mã cơ quan", bold);
    worksheet_write_string(ws, hr, c++, "Cơ quan", bold);
    for (int i = 0; i < NCOLS; i++)
        worksheet_write_string(ws, hr, c++, cols[i].vi, bold);
    worksheet_write_string(ws, hr, c++, "Tỷ lệ đúng hạn (%)", bold);
    worksheet_write_string(ws, hr, c++, "Số lượt đánh giá", bold);
    worksheet_write_string(ws, hr, c++, "Tỷ lệ hài lòng (%)", bold);
    worksheet_set_column(ws, 0, 0, 16, NULL);
    worksheet_set_column(ws, 1, 1, 48, NULL);
    worksheet_set_column(ws, 2, (lxw_col_t)(c - 1), 13, NULL);
    worksheet_set_row(ws, (lxw_row_t)hr, 45, NULL);
    for (int k = 0; k <= st->n; k++) {
        const dossier_stats_row *row = k < st->n ? &st->rows[k] : &st->total;
        lxw_row_t rr = (lxw_row_t)(hr + 1 + k);
        c = 0;
        worksheet_write_string(ws, rr, c++, k < st->n ? row->agency : "", k < st->n ? NULL : bold);
        worksheet_write_string(ws, rr, c++,
                               k < st->n ? (row->agency_name ? row->agency_name : row->agency)
                                         : "Tổng cộng",
                               k < st->n ? NULL : bold);
        for (int i = 0; i < NCOLS; i++)
            worksheet_write_number(ws, rr, c++, (double)at(row, i), NULL);
        double p = on_time_pct(row);
        if (p >= 0) worksheet_write_number(ws, rr, c, p, pct);
        c++;
        worksheet_write_number(ws, rr, c++, (double)rated(row), NULL);
        p = satisfied_pct(row);
        if (p >= 0) worksheet_write_number(ws, rr, c, p, pct);
    }
    lxw_error e = workbook_close(wb);
    FILE *f = e == LXW_NO_ERROR ? fopen(path, "rb") : NULL;
    char *buf = NULL;
    long len = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = arena_alloc(r->a, (size_t)len);
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) buf = NULL;
    }
    if (f) fclose(f);
    unlink(path);
    if (!buf) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "workbook");
    http_add_header(r, "Content-Disposition", file_name(r->a, st, "xlsx"));
    return http_reply(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      buf, (size_t)len);
}

ts_code dossiers_h_stats(http_req *r, ts_ctx *x)
{
    dossier_stats_q q = {0};
    http_query_read(r, &q);
    dossier_stats st;
    TS_TRY(dossiers_stats(x, &q, &st));
    if (q.format && !strcmp(q.format, "csv")) return reply_csv(r, &st);
    if (q.format && !strcmp(q.format, "xlsx")) return reply_xlsx(r, x, &st);
    return reply_json(r, &q, &st);
}

const jx_field dossier_index_query[] = {PERIOD, {0}};
#undef PERIOD
#undef Q

ts_code dossiers_h_service_index(http_req *r, ts_ctx *x)
{
    dossier_stats_q q = {0};
    http_query_read(r, &q);
    jsonw *w = http_json(r);
    TS_TRY(dossiers_service_index(x, &q, w));
    return http_reply_w(r, 200, w);
}
