/*
 * pdf — printed forms: A4 pages of Vietnamese text in an embedded Unicode
 * TrueType font (libharu, UTF-8), wrapped to a width, with lines, two-column
 * signature blocks and a QR code (libqrencode). What official letters and
 * slips need, no more. Every call draws at the cursor and moves it down; a
 * paragraph that does not fit starts a new page.
 *
 * The fonts are files (default Liberation Serif, regular and bold, from
 * fonts-liberation2); pdf_fonts() overrides them (configuration). A
 * missing font fails the document with a clear error, never a PDF that
 * shows boxes for "ễ".
 */
#ifndef TS_PDF_H
#define TS_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/arena.h"
#include "../lib/err.h"

typedef struct pdf_doc pdf_doc;

/* The regular and bold font files of every document after this call
 * (NULL: keep). Call before serving. */
void pdf_fonts(const char *regular, const char *bold);

typedef enum { PDF_LEFT, PDF_CENTER, PDF_RIGHT, PDF_JUSTIFY } pdf_align;

/* A new document with one A4 page, margins 20 mm left, 15 mm right and
 * top. NULL with err set (500, the font named in the log) on failure. */
pdf_doc *pdf_new(const char *title, ts_err *err);
/* Free it (also after pdf_finish). */
void pdf_free(pdf_doc *d);

/* Text at the cursor: size in points, bold or not, aligned, wrapped to the
 * text width; the cursor moves below it. */
void pdf_text(pdf_doc *d, const char *utf8, double size, bool bold, pdf_align align);
/* Text wrapped into [x0, x1] mm from the page's left edge, starting at the
 * cursor; returns the height used (mm); the cursor does not move. */
double pdf_text_in(pdf_doc *d, double x0_mm, double x1_mm, const char *utf8, double size, bool bold,
                   pdf_align align);
/* Move the cursor down by mm (a new page when the page is full). */
void pdf_space(pdf_doc *d, double mm);
/* Start a new page when less than mm is left on this one. */
void pdf_keep(pdf_doc *d, double mm);
/* Move the cursor down by h mm (after pdf_text_in columns). */
void pdf_down(pdf_doc *d, double mm);
/* A horizontal line over [x0, x1] mm at the cursor. */
void pdf_rule(pdf_doc *d, double x0_mm, double x1_mm);
/* A QR code of text (error correction M), size mm square, its left edge at
 * x mm, its top at the cursor; the cursor does not move. false when text
 * cannot be encoded. */
bool pdf_qr(pdf_doc *d, const char *text, double x_mm, double size_mm);

/* The document's bytes, in a; NULL with err set on failure. */
const char *pdf_finish(pdf_doc *d, arena *a, size_t *len, ts_err *err);

#endif
