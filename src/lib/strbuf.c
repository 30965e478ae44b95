/* strbuf — growable buffer; see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char sb_empty[1];

void sb_init(strbuf *sb)
{
    sb->buf = sb_empty;
    sb->len = 0;
    sb->cap = 0;
}

void sb_release(strbuf *sb)
{
    if (sb->cap) free(sb->buf);
    sb_init(sb);
}

void sb_clear(strbuf *sb)
{
    sb->len = 0;
    if (sb->cap) sb->buf[0] = '\0';
}

void sb_grow(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *nb = sb->cap ? realloc(sb->buf, cap) : malloc(cap);
    if (!nb) {
        fputs("tinhso: out of memory\n", stderr);
        abort();
    }
    if (!sb->cap) nb[0] = '\0';
    sb->buf = nb;
    sb->cap = cap;
}

void sb_add(strbuf *sb, const void *data, size_t n)
{
    sb_grow(sb, n);
    if (n) memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_adds(strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addc(strbuf *sb, char c)
{
    sb_add(sb, &c, 1);
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        sb_add(sb, tmp, (size_t)n);
        return;
    }
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *sb_detach(strbuf *sb, size_t *len)
{
    char *b;
    if (!sb->cap) {
        b = malloc(1);
        if (!b) abort();
        b[0] = '\0';
    } else {
        b = sb->buf;
    }
    if (len) *len = sb->len;
    sb_init(sb);
    return b;
}

void sb_csv(strbuf *sb, const char *s, bool last)
{
    s = s ? s : "";
    bool formula = s[0] && strchr("=+-@\t\r", s[0]);
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote) sb_addc(sb, '"');
    if (formula) sb_addc(sb, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"') sb_addc(sb, '"');
        sb_addc(sb, *p);
    }
    if (quote) sb_addc(sb, '"');
    sb_adds(sb, last ? "\r\n" : ",");
}
