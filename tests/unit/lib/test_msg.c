/*
 * test_msg — every message of every floor and registered domain has both
 * languages, a unique name, placeholders that agree between the languages,
 * valid UTF-8 in NFC, and every error code has a status and titles in both
 * languages. A domain that registers a message missing a language, or a
 * code without a title, fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"

#include "domains/routes.h"
#include "lib/err.h"
#include "lib/text.h"
#include "platform/geo.h"
#include "platform/identity.h"
#include "platform/images.h"

/* How many "%s" a text holds (ts_msg_render substitutes only those; any
 * other % is literal text, like the "%00" of M_BAD_URI). */
static int placeholders(const char *t)
{
    int n = 0;
    for (const char *p = strstr(t, "%s"); p; p = strstr(p + 2, "%s"))
        n++;
    return n;
}

static int has_non_ascii(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t >= 0x80) return 1;
    return 0;
}

typedef struct seen {
    const char *ids[512];
    int n;
} seen;

static void check_list(const char *owner, const ts_msg *list, seen *sn)
{
    assert_non_null(list);
    int count = 0;
    for (const ts_msg *m = list; *m; m++, count++) {
        const ts_message *msg = *m;
        char what[160];
        snprintf(what, sizeof what, "%s: %s", owner, msg->id ? msg->id : "(no id)");
        if (!msg->id || !*msg->id) fail_msg("%s has no name", what);
        for (int lang = 0; lang < 2; lang++) {
            const char *t = msg->text[lang];
            if (!t || !*t) fail_msg("%s lacks its %s text", what, lang ? "English" : "Vietnamese");
            if (!text_utf8_valid(t, strlen(t))) fail_msg("%s: text is not UTF-8", what);
        }
        int pv = placeholders(msg->text[0]), pe = placeholders(msg->text[1]);
        if (pv != pe) fail_msg("%s: %d placeholders in Vietnamese, %d in English", what, pv, pe);
        if (pv > 1) fail_msg("%s: at most one %%s", what);
        if (!strcmp(msg->text[0], msg->text[1])) fail_msg("%s: not translated", what);
        /* Vietnamese without a single diacritic is almost always an English copy */
        if (!has_non_ascii(msg->text[0])) fail_msg("%s: Vietnamese text has no diacritics", what);
        /* ts_msg_text answers both languages */
        assert_string_equal(ts_msg_text(msg, 0), msg->text[0]);
        assert_string_equal(ts_msg_text(msg, 1), msg->text[1]);
        for (int i = 0; i < sn->n; i++)
            if (!strcmp(sn->ids[i], msg->id)) fail_msg("%s is registered twice", what);
        assert_true(sn->n < (int)(sizeof sn->ids / sizeof sn->ids[0]));
        sn->ids[sn->n++] = msg->id;
    }
    if (!count) fail_msg("%s registers no messages", owner);
}

static void every_registered_message_is_complete(void **state)
{
    (void)state;
    seen sn = {0};
    check_list("lib", ts_lib_messages, &sn);
    check_list("platform/identity", ident_messages, &sn);
    check_list("platform/images", images_messages, &sn);
    check_list("platform/geo", geo_messages, &sn);
    int domains = 0;
    for (const ts_domain *const *d = tinhso_domains; *d; d++, domains++) {
        assert_non_null((*d)->name);
        assert_non_null((*d)->routes);
        check_list((*d)->name, (*d)->messages, &sn);
    }
    assert_true(domains >= 3);
}

static void every_code_has_a_status_and_titles(void **state)
{
    (void)state;
    for (int c = 0; c < TS_CODE_COUNT; c++) {
        int st = ts_code_http_status((ts_code)c);
        assert_true(st >= 200 && st <= 599);
        for (int lang = 0; lang < 2; lang++) {
            const char *t = ts_code_title((ts_code)c, lang);
            if (!t || !*t) fail_msg("code %d lacks a %s title", c, lang ? "English" : "Vietnamese");
        }
        if (!strcmp(ts_code_title((ts_code)c, 0), ts_code_title((ts_code)c, 1)) && c != TS_OK)
            fail_msg("code %d: title not translated", c);
        assert_non_null(ts_code_slug((ts_code)c));
    }
}

static void no_message_renders_empty(void **state)
{
    (void)state;
    char out[512];
    ts_msg_render(out, sizeof out, M_NOT_FOUND_ROUTE, "/api/v1/x", 0);
    assert_string_equal(out, "Không tìm thấy địa chỉ /api/v1/x.");
    ts_msg_render(out, sizeof out, M_NOT_FOUND_ROUTE, "/api/v1/x", 1);
    assert_string_equal(out, "No resource at /api/v1/x.");
    assert_string_equal(ts_msg_text(M_NONE, 0), "");
    /* an error set with a message keeps it; a field error names the field */
    ts_err e;
    ts_err_clear(&e);
    ts_err_field(&e, TS_EVALIDATION, "email", M_EMAIL_FORMAT, NULL);
    assert_ptr_equal(e.msg, M_VALIDATION);
    assert_ptr_equal(e.fields[0].msg, M_EMAIL_FORMAT);
    assert_string_equal(e.fields[0].field, "email");
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(every_registered_message_is_complete),
             cmocka_unit_test(every_code_has_a_status_and_titles),
             cmocka_unit_test(no_message_renders_empty))
