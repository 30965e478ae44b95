/*
 * xmlw — a small streaming XML writer into a strbuf: the declaration,
 * nested elements closed in order, text escaped (& < > " '). It writes
 * only what is well-formed: an element name must be an XML name of ASCII
 * letters, digits, '_', '-' and '.', not starting with a digit, '-' or
 * '.'; text must be UTF-8 with no character XML 1.0 forbids (the C0
 * controls but tab, newline and carriage return; U+FFFE, U+FFFF). What
 * breaks a rule is not written and marks the writer failed (xw_ok false),
 * so the caller answers an error instead of a broken document.
 */
#ifndef TS_XMLW_H
#define TS_XMLW_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define XW_MAX_DEPTH 32

typedef struct xmlw {
    strbuf *sb;
    int depth;
    const char *open[XW_MAX_DEPTH]; /* the names of the open elements (static text) */
    bool failed;
} xmlw;

void xw_init(xmlw *w, strbuf *sb);
/* <?xml version="1.0" encoding="UTF-8"?> and a newline. */
void xw_decl(xmlw *w);
/* <name> … xw_end writes </name>; name must outlive the element. */
void xw_begin(xmlw *w, const char *name);
void xw_end(xmlw *w);
/* Escaped text inside the open element. */
void xw_text(xmlw *w, const char *s, size_t len);
/* <name>text</name>; NULL or "" writes <name/>. */
void xw_elem(xmlw *w, const char *name, const char *text);
/* False once anything was refused, or while elements are still open. */
bool xw_ok(const xmlw *w);

/* Is s[0..len) text XML may carry (UTF-8, no forbidden character)? */
bool xw_text_valid(const char *s, size_t len);
/* Is name an element name xw_begin accepts? */
bool xw_name_valid(const char *name);

#endif
