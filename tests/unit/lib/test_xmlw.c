/* Unit tests for lib/xmlw: documents, escaping, and what the writer refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <string.h>

#include "lib/xmlw.h"

static void test_document(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    xmlw w;
    xw_init(&w, &sb);
    xw_decl(&w);
    xw_begin(&w, "services");
    xw_begin(&w, "service");
    xw_elem(&w, "service_code", "cay-xanh");
    xw_elem(&w, "service_name", "Cây xanh gãy đổ");
    xw_elem(&w, "description", NULL);
    xw_elem(&w, "keywords", "");
    xw_end(&w);
    xw_end(&w);
    assert_true(xw_ok(&w));
    assert_string_equal(sb.buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<services><service><service_code>cay-xanh</service_code>"
                                "<service_name>Cây xanh gãy đổ</service_name><description/>"
                                "<keywords/></service></services>");
    sb_release(&sb);
}

static void test_escaping(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    xmlw w;
    xw_init(&w, &sb);
    xw_elem(&w, "t", "a & b < c > d \"e\" 'f'\tg\nh\ri");
    assert_true(xw_ok(&w));
    assert_string_equal(sb.buf,
                        "<t>a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;\tg\nh&#13;i</t>");
    sb_release(&sb);
}

static void test_refused_text(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "bell \x07",             /* a C0 control */
        "nul-free but \x1b[31m", /* escape */
        "\xc3\x28",              /* invalid UTF-8 */
        "\xc0\xaf",              /* overlong */
        "\xed\xa0\x80",          /* a surrogate */
        "\xef\xbf\xbe",          /* U+FFFE */
        "\xef\xbf\xbf",          /* U+FFFF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strbuf sb;
        sb_init(&sb);
        xmlw w;
        xw_init(&w, &sb);
        xw_begin(&w, "r");
        xw_elem(&w, "t", bad[i]);
        xw_end(&w);
        assert_false(xw_ok(&w));
        assert_null(strstr(sb.buf, bad[i]));
        assert_false(xw_text_valid(bad[i], strlen(bad[i])));
        sb_release(&sb);
    }
    assert_true(xw_text_valid("Phường Đông Ba, Huế — ok ✓", strlen("Phường Đông Ba, Huế — ok ✓")));
}

static void test_names_and_nesting(void **state)
{
    (void)state;
    assert_true(xw_name_valid("service_request_id"));
    assert_true(xw_name_valid("a-b.c1"));
    assert_false(xw_name_valid(""));
    assert_false(xw_name_valid("1a"));
    assert_false(xw_name_valid("-a"));
    assert_false(xw_name_valid("a b"));
    assert_false(xw_name_valid("a<b"));
    assert_false(xw_name_valid("xmlfoo"));
    assert_false(xw_name_valid("tên"));
    strbuf sb;
    sb_init(&sb);
    xmlw w;
    xw_init(&w, &sb);
    xw_begin(&w, "a");
    assert_false(xw_ok(&w)); /* still open */
    xw_end(&w);
    assert_true(xw_ok(&w));
    xw_end(&w); /* nothing open */
    assert_false(xw_ok(&w));
    sb_release(&sb);
    sb_init(&sb);
    xw_init(&w, &sb);
    for (int i = 0; i < XW_MAX_DEPTH + 1; i++)
        xw_begin(&w, "d");
    assert_false(xw_ok(&w));
    xw_init(&w, &sb);
    xw_text(&w, "outside", 7); /* text outside any element */
    assert_false(xw_ok(&w));
    sb_release(&sb);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_document), cmocka_unit_test(test_escaping),
             cmocka_unit_test(test_refused_text), cmocka_unit_test(test_names_and_nesting))
