/*
 * validate — the one definition of each field format people send: e-mail,
 * phone, web address, calendar date. Route tables and domains name a
 * ts_format (the check and the field error it gives) in their field specs
 * (jsonx.h); a domain defines its own formats (agency codes, unit codes)
 * the same way, next to its rules.
 */
#ifndef TS_VALIDATE_H
#define TS_VALIDATE_H

#include <stdbool.h>

#include "arena.h"
#include "err.h"

typedef struct ts_format {
    bool (*ok)(const char *v); /* v is trimmed, NFC, non-empty */
    ts_msg msg;                /* the field error when it is not */
    const char *arg;           /* msg's %s argument, or NULL */
} ts_format;

/* local@domain.tld: at most 254 characters, the local part at most 64, no
 * spaces or specials outside quotes, a dotted domain of letters, digits, -. */
bool v_email(const char *s);
/* 8–15 digits (E.164's longest; 1900/1800 hotlines are 8), a + only first,
 * and spaces, -, ., ( ) between: "0222 3822 111", "+84 912 345 678". */
bool v_phone(const char *s);
/* The digits of a valid phone number ("+84 912..." -> "84912..."), NULL when not. */
char *v_phone_digits(arena *a, const char *s);
/* http:// or https:// with a host, no spaces or <>"`{}|\^, at most 300. */
bool v_url(const char *s);
/* A calendar date YYYY-MM-DD that exists. */
bool v_date(const char *s);

extern const ts_format FMT_EMAIL, FMT_PHONE, FMT_URL, FMT_DATE;

#endif
