/* sheet — tables of figures as CSV and Excel; see sheet.h. */
#include "sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../lib/strbuf.h"

sheet *sheet_new(arena *a, const char *title, const char *name, int ncols)
{
    sheet *s = arena_calloc(a, sizeof *s);
    s->a = a;
    s->title = title;
    s->name = name;
    s->ncols = ncols;
    s->heads = arena_calloc(a, sizeof *s->heads * (size_t)ncols);
    s->widths = arena_calloc(a, sizeof *s->widths * (size_t)ncols);
    return s;
}

void sheet_head(sheet *s, int col, const char *heading, int width)
{
    if (col < 0 || col >= s->ncols) return;
    s->heads[col] = heading;
    s->widths[col] = width;
}

void sheet_row(sheet *s, bool bold)
{
    if (s->nrows == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        sheet_cell *c = arena_calloc(s->a, sizeof *c * (size_t)cap * (size_t)s->ncols);
        bool *b = arena_calloc(s->a, sizeof *b * (size_t)cap);
        if (s->nrows) {
            memcpy(c, s->cells, sizeof *c * (size_t)s->nrows * (size_t)s->ncols);
            memcpy(b, s->bold, sizeof *b * (size_t)s->nrows);
        }
        s->cells = c;
        s->bold = b;
        s->cap = cap;
    }
    s->bold[s->nrows] = bold;
    s->nrows++;
}

static sheet_cell *cell(sheet *s, int col)
{
    if (!s->nrows || col < 0 || col >= s->ncols) return NULL;
    return &s->cells[(size_t)(s->nrows - 1) * (size_t)s->ncols + (size_t)col];
}

void sheet_text(sheet *s, int col, const char *text)
{
    sheet_cell *c = cell(s, col);
    if (c) *c = (sheet_cell){text ? SHEET_TEXT : SHEET_EMPTY, text, 0};
}

void sheet_int(sheet *s, int col, int64_t v)
{
    sheet_cell *c = cell(s, col);
    if (c) *c = (sheet_cell){SHEET_INT, NULL, (double)v};
}

void sheet_decimal(sheet *s, int col, double v)
{
    sheet_cell *c = cell(s, col);
    if (c) *c = (sheet_cell){v < 0 ? SHEET_EMPTY : SHEET_DECIMAL, NULL, v};
}

void sheet_csv(const sheet *s, const char **out, size_t *len)
{
    strbuf sb;
    sb_init(&sb);
    sb_adds(&sb, "\xef\xbb\xbf");
    for (int c = 0; c < s->ncols; c++)
        sb_csv(&sb, s->heads[c] ? s->heads[c] : "", c == s->ncols - 1);
    for (int r = 0; r < s->nrows; r++)
        for (int c = 0; c < s->ncols; c++) {
            const sheet_cell *x = &s->cells[(size_t)r * (size_t)s->ncols + (size_t)c];
            char buf[40];
            const char *t = "";
            if (x->kind == SHEET_TEXT)
                t = x->s;
            else if (x->kind == SHEET_INT)
                t = (snprintf(buf, sizeof buf, "%.0f", x->v), buf);
            else if (x->kind == SHEET_DECIMAL)
                t = (snprintf(buf, sizeof buf, "%.1f", x->v), buf);
            sb_csv(&sb, t, c == s->ncols - 1);
        }
    char *p = arena_alloc(s->a, sb.len + 1);
    memcpy(p, sb.buf ? sb.buf : "", sb.len);
    p[sb.len] = '\0';
    *out = p;
    *len = sb.len;
    sb_release(&sb);
}

ts_code sheet_xlsx(const sheet *s, const char **out, size_t *len, ts_err *err)
{
    /* libxlsxwriter writes a file; it lives for this call only */
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/tinhso-sheet-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "temporary file");
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, s->name) : NULL;
    if (!ws) {
        if (wb) workbook_close(wb);
        unlink(path);
        return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "workbook");
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_text_wrap(bold);
    lxw_format *dec = workbook_add_format(wb);
    format_set_num_format(dec, "0.0");
    lxw_format *bold_dec = workbook_add_format(wb);
    format_set_bold(bold_dec);
    format_set_num_format(bold_dec, "0.0");
    if (s->title) worksheet_write_string(ws, 0, 0, s->title, bold);
    lxw_row_t hr = 2;
    for (int c = 0; c < s->ncols; c++) {
        worksheet_write_string(ws, hr, (lxw_col_t)c, s->heads[c] ? s->heads[c] : "", bold);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, s->widths[c] ? s->widths[c] : 13,
                             NULL);
    }
    worksheet_set_row(ws, hr, 45, NULL);
    for (int r = 0; r < s->nrows; r++)
        for (int c = 0; c < s->ncols; c++) {
            const sheet_cell *x = &s->cells[(size_t)r * (size_t)s->ncols + (size_t)c];
            lxw_row_t rr = (lxw_row_t)(hr + 1 + r);
            bool b = s->bold[r];
            if (x->kind == SHEET_TEXT)
                worksheet_write_string(ws, rr, (lxw_col_t)c, x->s, b ? bold : NULL);
            else if (x->kind == SHEET_INT)
                worksheet_write_number(ws, rr, (lxw_col_t)c, x->v, b ? bold : NULL);
            else if (x->kind == SHEET_DECIMAL)
                worksheet_write_number(ws, rr, (lxw_col_t)c, x->v, b ? bold_dec : dec);
        }
    lxw_error e = workbook_close(wb);
    FILE *f = e == LXW_NO_ERROR ? fopen(path, "rb") : NULL;
    char *buf = NULL;
    long n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = arena_alloc(s->a, (size_t)n);
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) buf = NULL;
    }
    if (f) fclose(f);
    unlink(path);
    if (!buf) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "workbook");
    *out = buf;
    *len = (size_t)n;
    return TS_OK;
}
