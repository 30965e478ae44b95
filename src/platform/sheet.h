/*
 * sheet — a table of figures as people download it: CSV (UTF-8 with a BOM,
 * so a spreadsheet reads the Vietnamese) or an Excel workbook
 * (libxlsxwriter), with a title line, bold headings and a bold total row.
 * Every statistics door of every domain writes its table once, into a
 * sheet, and gets both formats.
 */
#ifndef TS_SHEET_H
#define TS_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/arena.h"
#include "../lib/err.h"

typedef enum sheet_kind { SHEET_EMPTY = 0, SHEET_TEXT, SHEET_INT, SHEET_DECIMAL } sheet_kind;

typedef struct sheet_cell {
    sheet_kind kind;
    const char *s;
    double v;
} sheet_cell;

typedef struct sheet {
    arena *a;
    const char *title, *name; /* the title line; the worksheet's name (≤ 31 characters) */
    int ncols;
    const char **heads;
    int *widths;       /* column widths in characters (0: 13) */
    sheet_cell *cells; /* nrows × ncols */
    bool *bold;        /* per row */
    int nrows, cap;
} sheet;

/* A sheet of ncols columns in a (everything lives there). */
sheet *sheet_new(arena *a, const char *title, const char *name, int ncols);
void sheet_head(sheet *s, int col, const char *heading, int width);
/* Start a row (bold: a total); then set its cells. */
void sheet_row(sheet *s, bool bold);
void sheet_text(sheet *s, int col, const char *text);
void sheet_int(sheet *s, int col, int64_t v);
/* A decimal shown with one decimal (v < 0: empty — "no data"). */
void sheet_decimal(sheet *s, int col, double v);

/* The CSV text (with the BOM) in s's arena. */
void sheet_csv(const sheet *s, const char **out, size_t *len);
/* The workbook's bytes in s's arena; TS_EINTERNAL when it cannot be made. */
ts_code sheet_xlsx(const sheet *s, const char **out, size_t *len, ts_err *err);

#endif
