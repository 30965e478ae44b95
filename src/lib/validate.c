/* validate — shared field formats; see validate.h. */
#include "validate.h"

#include <string.h>

#include "timeutil.h"

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alnum(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool v_email(const char *s)
{
    if (!s) return false;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n > 254 || !at || strchr(at + 1, '@')) return false;
    size_t local = (size_t)(at - s);
    const char *dom = at + 1;
    size_t dn = strlen(dom);
    if (local == 0 || local > 64 || dn < 3) return false;
    for (const char *p = s; p < at; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' || ch >= 0x7f || strchr("<>()[]\\,;:\"", ch)) return false;
    }
    if (s[0] == '.' || at[-1] == '.' || strstr(s, "..")) return false;
    int dots = 0;
    for (const char *p = dom; *p; p++) {
        if (*p == '.') {
            if (p == dom || p[1] == '\0' || p[1] == '.' || p[-1] == '-' || p[1] == '-')
                return false;
            dots++;
        } else if (!is_alnum(*p) && *p != '-') {
            return false;
        }
    }
    return dots > 0 && dom[0] != '-' && dom[dn - 1] != '-';
}

bool v_phone(const char *s)
{
    if (!s || strlen(s) > 30) return false;
    int n = 0;
    for (const char *p = s; *p; p++) {
        if (is_digit(*p))
            n++;
        else if (*p == '+') {
            if (p != s) return false;
        } else if (!strchr(" -.()", *p)) {
            return false;
        }
    }
    return n >= 8 && n <= 15;
}

char *v_phone_digits(arena *a, const char *s)
{
    if (!v_phone(s)) return NULL;
    char *o = arena_alloc(a, strlen(s) + 1), *q = o;
    for (const char *p = s; *p; p++)
        if (is_digit(*p)) *q++ = *p;
    *q = '\0';
    return o;
}

bool v_url(const char *s)
{
    if (!s) return false;
    size_t skip = !strncmp(s, "https://", 8) ? 8 : !strncmp(s, "http://", 7) ? 7 : 0;
    if (!skip || strlen(s) > 300 || !s[skip] || s[skip] == '/') return false;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' || ch == 0x7f || strchr("<>\"`{}|\\^", ch)) return false;
    }
    return true;
}

bool v_date(const char *s)
{
    return s && time_valid_date(s);
}

const ts_format FMT_EMAIL = {v_email, M_EMAIL_FORMAT, NULL};
const ts_format FMT_PHONE = {v_phone, M_PHONE_FORMAT, NULL};
const ts_format FMT_URL = {v_url, M_URL_FORMAT, NULL};
const ts_format FMT_DATE = {v_date, M_FIELD_FORMAT, "YYYY-MM-DD"};
