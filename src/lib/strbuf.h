/*
 * strbuf — a growable byte buffer (malloc-backed), always NUL-terminated.
 * Use for output whose size is unknown; sb_release() frees it.
 */
#ifndef TS_STRBUF_H
#define TS_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;  /* NUL-terminated contents (never NULL after sb_init) */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
} strbuf;

void sb_init(strbuf *sb);
void sb_release(strbuf *sb);
void sb_clear(strbuf *sb);
void sb_grow(strbuf *sb, size_t extra);
void sb_add(strbuf *sb, const void *data, size_t n);
void sb_adds(strbuf *sb, const char *s);
void sb_addc(strbuf *sb, char c);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the buffer to the caller (who frees it) and re-init the strbuf. */
char *sb_detach(strbuf *sb, size_t *len);

/* One CSV field (RFC 4180) and its separator (a comma, or CRLF after the
 * last of a row): quoted when it holds a comma, a quote or a line break; a
 * leading = + - @ (or tab, CR) is defused with an apostrophe, so that a
 * spreadsheet never runs a value as a formula (OWASP "CSV injection").
 * NULL is an empty field. */
void sb_csv(strbuf *sb, const char *s, bool last);

#endif
