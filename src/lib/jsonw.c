/* jsonw — streaming JSON writer; see jsonw.h. */
#include "jsonw.h"

#include <stdio.h>
#include <string.h>
#include <unistr.h>

#include "timeutil.h"

void jw_init(jsonw *w, strbuf *sb)
{
    w->sb = sb;
    w->depth = 0;
    w->need_comma = 0;
}

static void sep(jsonw *w)
{
    uint64_t bit = 1ULL << (w->depth & 63);
    if (w->need_comma & bit) sb_addc(w->sb, ',');
    w->need_comma |= bit;
}

static void open_(jsonw *w, char c)
{
    sep(w);
    sb_addc(w->sb, c);
    w->depth++;
    w->need_comma &= ~(1ULL << (w->depth & 63));
}

static void close_(jsonw *w, char c)
{
    w->depth--;
    sb_addc(w->sb, c);
}

void jw_obj_begin(jsonw *w)
{
    open_(w, '{');
}
void jw_obj_end(jsonw *w)
{
    close_(w, '}');
}
void jw_arr_begin(jsonw *w)
{
    open_(w, '[');
}
void jw_arr_end(jsonw *w)
{
    close_(w, ']');
}

static void put_string(strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    sb_addc(sb, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sb_add(sb, run, (size_t)(s - run));
        run = s + 1;
        switch (c) {
        case '"':
            sb_add(sb, "\\\"", 2);
            break;
        case '\\':
            sb_add(sb, "\\\\", 2);
            break;
        case '\n':
            sb_add(sb, "\\n", 2);
            break;
        case '\r':
            sb_add(sb, "\\r", 2);
            break;
        case '\t':
            sb_add(sb, "\\t", 2);
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_add(sb, u, 6);
        }
        }
    }
    sb_add(sb, run, (size_t)(s - run));
    sb_addc(sb, '"');
}

void jw_key(jsonw *w, const char *k)
{
    sep(w);
    put_string(w->sb, k);
    sb_addc(w->sb, ':');
    /* the value that follows must not add a comma; it sets the bit again */
    w->need_comma &= ~(1ULL << (w->depth & 63));
}

/* After a key, values set the comma bit again for the next member. */
static void value_sep(jsonw *w)
{
    sep(w);
}

void jw_str(jsonw *w, const char *s)
{
    value_sep(w);
    if (s)
        put_string(w->sb, s);
    else
        sb_add(w->sb, "null", 4);
}

void jw_int(jsonw *w, int64_t v)
{
    value_sep(w);
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    sb_add(w->sb, b, (size_t)n);
}

void jw_bool(jsonw *w, bool v)
{
    value_sep(w);
    if (v)
        sb_add(w->sb, "true", 4);
    else
        sb_add(w->sb, "false", 5);
}

void jw_null(jsonw *w)
{
    value_sep(w);
    sb_add(w->sb, "null", 4);
}

void jw_kstr(jsonw *w, const char *k, const char *s)
{
    jw_key(w, k);
    jw_str(w, s);
}

void jw_kstr_lossy(jsonw *w, const char *k, const char *s)
{
    if (!s) {
        jw_kstr(w, k, NULL);
        return;
    }
    /* a clean copy first: valid sequences kept, everything else replaced */
    strbuf clean;
    sb_init(&clean);
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s);
    while (n) {
        ucs4_t uc;
        int len = u8_mbtoucr(&uc, p, n);
        if (len <= 0) {
            sb_add(&clean, "\xef\xbf\xbd", 3); /* U+FFFD */
            len = 1;
        } else {
            sb_add(&clean, (const char *)p, (size_t)len);
        }
        p += len;
        n -= (size_t)len;
    }
    jw_key(w, k);
    value_sep(w);
    put_string(w->sb, clean.buf ? clean.buf : "");
    sb_release(&clean);
}

void jw_kint(jsonw *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int(w, v);
}

void jw_kbool(jsonw *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

void jw_raw(jsonw *w, const char *json, size_t n)
{
    value_sep(w);
    sb_add(w->sb, json, n);
}

void jw_fields(jsonw *w, const void *obj, const jw_field *fields, int n)
{
    const char *base = obj;
    for (int i = 0; i < n; i++) {
        const void *m = base + fields[i].off;
        jw_key(w, fields[i].name);
        switch (fields[i].type) {
        case JWF_STR:
            jw_str(w, *(const char *const *)m);
            break;
        case JWF_INT:
            jw_int(w, *(const int *)m);
            break;
        case JWF_I64:
            jw_int(w, *(const int64_t *)m);
            break;
        case JWF_BOOL:
            jw_bool(w, *(const int *)m != 0);
            break;
        }
    }
}

void jw_kepoch(jsonw *w, const char *k, int64_t t)
{
    jw_key(w, k);
    if (!t) {
        jw_null(w);
        return;
    }
    char b[40];
    time_iso_us(t * 1000000, b, sizeof b);
    jw_str(w, b);
}
