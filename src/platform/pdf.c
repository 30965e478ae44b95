/* pdf — printed forms with libharu and libqrencode; see pdf.h. */
#include "pdf.h"

#include <hpdf.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/log.h"

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define LEFT (20.0 * MM)
#define RIGHT (PAGE_W - 15.0 * MM)
#define TOP (PAGE_H - 15.0 * MM)
#define BOTTOM (15.0 * MM)

static pthread_mutex_t font_mu = PTHREAD_MUTEX_INITIALIZER;
/* Liberation Serif (fonts-liberation2): Times New Roman's metrics, as
 * official papers are set, and Vietnamese letters libharu 2.3 embeds whole
 * (DejaVu's stacked marks are composites of composites, which its font
 * subsetting drops: "ệ" printed as "e"; decisions §38) */
static char font_regular[512] = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";
static char font_bold[512] = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf";

void pdf_fonts(const char *regular, const char *bold)
{
    pthread_mutex_lock(&font_mu);
    if (regular) snprintf(font_regular, sizeof font_regular, "%s", regular);
    if (bold) snprintf(font_bold, sizeof font_bold, "%s", bold);
    pthread_mutex_unlock(&font_mu);
}

struct pdf_doc {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font regular, bold;
    double y; /* the cursor, points from the bottom */
    HPDF_STATUS failed;
};

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    pdf_doc *d = user;
    if (!d->failed)
        log_error("pdf: libharu error 0x%04x (detail %u)", (unsigned)error_no, (unsigned)detail_no);
    d->failed = error_no ? error_no : 1;
}

static void new_page(pdf_doc *d)
{
    d->page = HPDF_AddPage(d->doc);
    HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    d->y = TOP;
}

pdf_doc *pdf_new(const char *title, ts_err *err)
{
    pdf_doc *d = calloc(1, sizeof *d);
    if (!d) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "out of memory"), NULL;
    d->doc = HPDF_New(on_error, d);
    char reg[512], bold[512];
    pthread_mutex_lock(&font_mu);
    snprintf(reg, sizeof reg, "%s", font_regular);
    snprintf(bold, sizeof bold, "%s", font_bold);
    pthread_mutex_unlock(&font_mu);
    if (d->doc && (access(reg, R_OK) || access(bold, R_OK))) {
        log_error("pdf: the font %s or %s cannot be read (install fonts-liberation2, or set "
                  "pdf_font / pdf_font_bold)",
                  reg, bold);
        d->failed = 1;
    }
    if (d->doc && !d->failed) {
        HPDF_SetCompressionMode(d->doc, HPDF_COMP_ALL);
        HPDF_UseUTFEncodings(d->doc);
        HPDF_SetCurrentEncoder(d->doc, "UTF-8");
        const char *rn = HPDF_LoadTTFontFromFile(d->doc, reg, HPDF_TRUE);
        const char *bn = HPDF_LoadTTFontFromFile(d->doc, bold, HPDF_TRUE);
        if (rn && bn) {
            d->regular = HPDF_GetFont(d->doc, rn, "UTF-8");
            d->bold = HPDF_GetFont(d->doc, bn, "UTF-8");
        }
        if (title) HPDF_SetInfoAttr(d->doc, HPDF_INFO_TITLE, title);
        HPDF_SetInfoAttr(d->doc, HPDF_INFO_CREATOR, "tinhso");
        new_page(d);
    }
    if (!d->doc || d->failed || !d->regular || !d->bold) {
        pdf_free(d);
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "pdf");
        return NULL;
    }
    return d;
}

void pdf_free(pdf_doc *d)
{
    if (!d) return;
    if (d->doc) HPDF_Free(d->doc);
    free(d);
}

void pdf_keep(pdf_doc *d, double mm)
{
    if (d->y - mm * MM < BOTTOM) new_page(d);
}

void pdf_space(pdf_doc *d, double mm)
{
    d->y -= mm * MM;
    if (d->y < BOTTOM) new_page(d);
}

void pdf_down(pdf_doc *d, double mm)
{
    pdf_space(d, mm);
}

/* The width of n bytes of s in font at size (points). */
static double width(pdf_doc *d, HPDF_Font f, double size, const char *s, size_t n)
{
    char buf[1024];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    HPDF_TextWidth tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)buf, (HPDF_UINT)n);
    (void)d;
    return (double)tw.width * size / 1000.0;
}

/* Draw lines of s wrapped into [x0, x1] from the top at y; returns the
 * height used (points). When paginate, a line below the margin starts a
 * new page (the cursor then follows). */
static double wrap(pdf_doc *d, double x0, double x1, const char *s, double size, bool bold,
                   pdf_align align, bool paginate)
{
    HPDF_Font f = bold ? d->bold : d->regular;
    double lead = size * 1.35, y = d->y, used = 0, w = x1 - x0;
    const char *p = s;
    while (*p) {
        /* the longest run of words that fits, or up to a newline */
        const char *line_end = p, *best = NULL;
        for (;;) {
            const char *q = line_end;
            while (*q && *q != ' ' && *q != '\n')
                q++;
            if (width(d, f, size, p, (size_t)(q - p)) > w && best) break;
            best = q;
            if (!*q || *q == '\n') break;
            line_end = q + 1;
        }
        if (!best) best = p + strlen(p);
        size_t n = (size_t)(best - p);
        if (paginate && y - lead < BOTTOM) {
            new_page(d);
            y = d->y;
        }
        double lw = width(d, f, size, p, n), x = x0;
        if (align == PDF_CENTER)
            x = x0 + (w - lw) / 2;
        else if (align == PDF_RIGHT)
            x = x1 - lw;
        char buf[1024];
        if (n >= sizeof buf) n = sizeof buf - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        HPDF_Page_BeginText(d->page);
        HPDF_Page_SetFontAndSize(d->page, f, (HPDF_REAL)size);
        bool last = !*best || *best == '\n';
        if (align == PDF_JUSTIFY && !last) {
            int spaces = 0;
            for (size_t i = 0; i < n; i++)
                spaces += buf[i] == ' ';
            if (spaces) HPDF_Page_SetWordSpace(d->page, (HPDF_REAL)((w - lw) / spaces));
        }
        HPDF_Page_TextOut(d->page, (HPDF_REAL)x, (HPDF_REAL)(y - size), buf);
        HPDF_Page_SetWordSpace(d->page, 0);
        HPDF_Page_EndText(d->page);
        y -= lead;
        used += lead;
        p = *best ? best + 1 : best;
        while (*p == ' ')
            p++;
    }
    if (paginate) d->y = y;
    return used;
}

void pdf_text(pdf_doc *d, const char *s, double size, bool bold, pdf_align align)
{
    if (!s || !*s) return;
    wrap(d, LEFT, RIGHT, s, size, bold, align, true);
}

double pdf_text_in(pdf_doc *d, double x0_mm, double x1_mm, const char *s, double size, bool bold,
                   pdf_align align)
{
    if (!s || !*s) return 0;
    return wrap(d, x0_mm * MM, x1_mm * MM, s, size, bold, align, false) / MM;
}

void pdf_rule(pdf_doc *d, double x0_mm, double x1_mm)
{
    HPDF_Page_SetLineWidth(d->page, 0.6);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)(x0_mm * MM), (HPDF_REAL)d->y);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)(x1_mm * MM), (HPDF_REAL)d->y);
    HPDF_Page_Stroke(d->page);
}

bool pdf_qr(pdf_doc *d, const char *text, double x_mm, double size_mm)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return false;
    double cell = size_mm * MM / (q->width + 8), x0 = x_mm * MM + 4 * cell, y0 = d->y - 4 * cell;
    HPDF_Page_SetRGBFill(d->page, 0, 0, 0);
    for (int r = 0; r < q->width; r++)
        for (int c = 0; c < q->width; c++)
            if (q->data[r * q->width + c] & 1)
                HPDF_Page_Rectangle(d->page, (HPDF_REAL)(x0 + c * cell),
                                    (HPDF_REAL)(y0 - (r + 1) * cell), (HPDF_REAL)cell,
                                    (HPDF_REAL)cell);
    HPDF_Page_Fill(d->page);
    QRcode_free(q);
    return true;
}

const char *pdf_finish(pdf_doc *d, arena *a, size_t *len, ts_err *err)
{
    *len = 0;
    if (d->failed || HPDF_SaveToStream(d->doc) != HPDF_OK) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "pdf");
        return NULL;
    }
    HPDF_UINT32 n = HPDF_GetStreamSize(d->doc);
    char *buf = arena_alloc(a, n ? n : 1);
    HPDF_UINT32 got = n;
    if (HPDF_ReadFromStream(d->doc, (HPDF_BYTE *)buf, &got) != HPDF_OK && got != n) {
        ts_err_set(err, TS_EINTERNAL, M_INTERNAL, "pdf");
        return NULL;
    }
    *len = got;
    return buf;
}
