/* fieldcheck — shared checks on text fields; see fieldcheck.h. */
#include "fieldcheck.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

void fc_text(const char *field, const char *v, size_t max, ts_err *err)
{
    if (!v) return;
    size_t n = strlen(v);
    if (!text_utf8_valid(v, n))
        ts_err_field(err, TS_EVALIDATION, field, M_FIELD_UTF8, NULL);
    else if (n == 0)
        ts_err_field(err, TS_EVALIDATION, field, M_FIELD_EMPTY, NULL);
    else if (text_utf8_chars(v, n) > max) {
        char m[24];
        snprintf(m, sizeof m, "%zu", max);
        ts_err_field(err, TS_EVALIDATION, field, M_FIELD_TOO_LONG, m);
    }
}

void fc_text_required(const char *field, const char *v, size_t max, ts_err *err)
{
    if (!v)
        ts_err_field(err, TS_EVALIDATION, field, M_FIELD_REQUIRED, NULL);
    else
        fc_text(field, v, max, err);
}

bool fc_same(const char *x, const char *y)
{
    return (!x && !y) || (x && y && !strcmp(x, y));
}
