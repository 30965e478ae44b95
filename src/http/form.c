/*
 * form — application/x-www-form-urlencoded bodies (HTML forms, Open311's
 * POST): pairs split at '&', name and value at the first '=', '+' read as
 * a space and %XX percent-decoded, every decoded name and value checked to
 * be UTF-8 without NUL. An empty value counts as an absent one.
 */
#include <string.h>
#include <strings.h>

#include "../lib/text.h"
#include "http.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* s[0..n) decoded into the arena; NULL when an escape is bad or the text
 * is not UTF-8 (or holds NUL). */
static const char *decode(arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[k++] = ' ';
        } else if (s[i] == '%') {
            if (n - i < 3) return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return NULL;
            out[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return text_utf8_valid(out, k) ? out : NULL;
}

bool http_form_decode(arena *a, const char *body, size_t len, int max, http_form_pair **out, int *n)
{
    *out = NULL;
    *n = 0;
    int cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += body[i] == '&';
    if (cap > max) cap = max + 1; /* one more than allowed: refused below */
    http_form_pair *p = arena_calloc(a, sizeof *p * (size_t)cap);
    int k = 0;
    for (size_t i = 0; i <= len;) {
        const char *amp = i < len ? memchr(body + i, '&', len - i) : NULL;
        size_t end = amp ? (size_t)(amp - body) : len;
        if (end > i) {
            if (k >= max) return false;
            const char *eq = memchr(body + i, '=', end - i);
            size_t nend = eq ? (size_t)(eq - body) : end;
            const char *name = decode(a, body + i, nend - i);
            const char *value = eq ? decode(a, eq + 1, end - nend - 1) : "";
            if (!name || !value) return false;
            p[k].name = name;
            p[k].value = value;
            k++;
        }
        if (!amp) break;
        i = end + 1;
    }
    *out = p;
    *n = k;
    return true;
}

ts_code http_form_read(http_req *r)
{
    if (r->form_read) return TS_OK;
    const char *ct = http_header(r, "Content-Type");
    static const char want[] = "application/x-www-form-urlencoded";
    size_t wl = sizeof want - 1;
    if (!ct || strncasecmp(ct, want, wl) || (ct[wl] && ct[wl] != ';' && ct[wl] != ' '))
        return ts_err_set(&r->err, TS_EMEDIATYPE, M_MEDIA_TYPE, want);
    if (!http_form_decode(r->a, r->body ? r->body : "", r->body_len, HTTP_FORM_MAX_PAIRS, &r->form,
                          &r->nform))
        return ts_err_set(&r->err, TS_EINVAL, M_FORM_MALFORMED, NULL);
    r->form_read = true;
    return TS_OK;
}

const char *http_form(http_req *r, const char *name)
{
    for (int i = 0; i < r->nform; i++)
        if (!strcmp(r->form[i].name, name)) return r->form[i].value[0] ? r->form[i].value : NULL;
    return NULL;
}

bool http_form_next(http_req *r, const char *prefix, int *i, const char **key, const char **value)
{
    size_t pl = strlen(prefix);
    for (; *i < r->nform; (*i)++) {
        const http_form_pair *p = &r->form[*i];
        if (strncmp(p->name, prefix, pl) || p->name[pl] != '[' || !p->value[0]) continue;
        const char *k = p->name + pl + 1, *close = strchr(k, ']');
        if (!close || close == k) continue;
        if (close[1] && strcmp(close + 1, "[]")) continue;
        *key = arena_strndup(r->a, k, (size_t)(close - k));
        *value = p->value;
        (*i)++;
        return true;
    }
    return false;
}
