/*
 * fieldcheck — the checks every domain makes on the text fields people
 * send, after jsonx has checked the shape: valid UTF-8, not empty, at most
 * so many characters. Each failure is a TS_EVALIDATION field error naming
 * the field, so one request collects them all.
 */
#ifndef TS_FIELDCHECK_H
#define TS_FIELDCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* An optional text field (NULL: absent, nothing to check): valid UTF-8,
 * not empty, at most max characters. */
void fc_text(const char *field, const char *v, size_t max, ts_err *err);
/* A required text field: M_FIELD_REQUIRED when NULL, else as fc_text. */
void fc_text_required(const char *field, const char *v, size_t max, ts_err *err);
/* Two optional values are the same: both absent, or equal text. */
bool fc_same(const char *x, const char *y);

#endif
