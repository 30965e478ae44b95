/*
 * xmlw — the XML writer (xmlw.h).
 */
#include "xmlw.h"

#include <string.h>

#include "text.h"

void xw_init(xmlw *w, strbuf *sb)
{
    memset(w, 0, sizeof *w);
    w->sb = sb;
}

void xw_decl(xmlw *w)
{
    sb_adds(w->sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

bool xw_name_valid(const char *name)
{
    if (!name || !*name) return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool other = (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!letter && (p == name || !other)) return false;
    }
    /* names starting with "xml" (any case) are reserved */
    return !((name[0] | 32) == 'x' && (name[1] | 32) == 'm' && (name[2] | 32) == 'l');
}

bool xw_text_valid(const char *s, size_t len)
{
    if (!text_utf8_valid(s, len)) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
        /* U+FFFE and U+FFFF: EF BF BE / EF BF BF */
        if (c == 0xEF && i + 2 < len && (unsigned char)s[i + 1] == 0xBF &&
            ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF))
            return false;
    }
    return true;
}

void xw_begin(xmlw *w, const char *name)
{
    if (w->failed) return;
    if (!xw_name_valid(name) || w->depth >= XW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->open[w->depth++] = name;
    sb_addc(w->sb, '<');
    sb_adds(w->sb, name);
    sb_addc(w->sb, '>');
}

void xw_end(xmlw *w)
{
    if (w->failed) return;
    if (!w->depth) {
        w->failed = true;
        return;
    }
    const char *name = w->open[--w->depth];
    sb_adds(w->sb, "</");
    sb_adds(w->sb, name);
    sb_addc(w->sb, '>');
}

void xw_text(xmlw *w, const char *s, size_t len)
{
    if (w->failed) return;
    if (!w->depth || !xw_text_valid(s, len)) {
        w->failed = true;
        return;
    }
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '&':
            esc = "&amp;";
            break;
        case '<':
            esc = "&lt;";
            break;
        case '>':
            esc = "&gt;";
            break;
        case '"':
            esc = "&quot;";
            break;
        case '\'':
            esc = "&apos;";
            break;
        case '\r':
            esc = "&#13;";
            break; /* a parser would turn a bare CR into LF */
        default:
            continue;
        }
        sb_add(w->sb, s + run, i - run);
        sb_adds(w->sb, esc);
        run = i + 1;
    }
    sb_add(w->sb, s + run, len - run);
}

void xw_elem(xmlw *w, const char *name, const char *text)
{
    if (w->failed) return;
    if (!text || !*text) {
        if (!xw_name_valid(name)) {
            w->failed = true;
            return;
        }
        sb_addc(w->sb, '<');
        sb_adds(w->sb, name);
        sb_adds(w->sb, "/>");
        return;
    }
    xw_begin(w, name);
    xw_text(w, text, strlen(text));
    xw_end(w);
}

bool xw_ok(const xmlw *w)
{
    return !w->failed && w->depth == 0;
}
