/* Unit tests for lib/jsonw: output parses back (jansson) to what was written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <jansson.h>
#include <string.h>

#include "lib/jsonw.h"

static void test_nested_document(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "name", "Bắc Ninh");
    jw_kint(&w, "level", 1);
    jw_kstr(&w, "none", NULL);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (int i = 0; i < 3; i++) {
        jw_obj_begin(&w);
        jw_kint(&w, "i", i);
        jw_key(&w, "ok");
        jw_bool(&w, i % 2);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "empty");
    jw_arr_begin(&w);
    jw_arr_end(&w);
    jw_key(&w, "obj");
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_kint(&w, "big", INT64_MIN);
    jw_obj_end(&w);
    assert_string_equal(sb.buf,
                        "{\"name\":\"Bắc Ninh\",\"level\":1,\"none\":null,\"items\":[{\"i\":0,"
                        "\"ok\":false},{\"i\":1,\"ok\":true},{\"i\":2,\"ok\":false}],"
                        "\"empty\":[],\"obj\":{},\"big\":-9223372036854775808}");
    sb_release(&sb);
}

static void test_escaping_round_trips(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "plain",
        "quote \" and backslash \\",
        "tab\tnew\nline\rcr",
        "\x01\x1f control",
        "<script>alert('x')</script>",
        "Robert'); DROP TABLE admin_units;--",
        "Đặc khu Phú Quốc",
        "",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf sb;
        sb_init(&sb);
        jsonw w;
        jw_init(&w, &sb);
        jw_arr_begin(&w);
        jw_str(&w, cases[i]);
        jw_arr_end(&w);
        json_error_t je;
        json_t *v = json_loads(sb.buf, 0, &je);
        if (!v) fail_msg("case %zu does not parse: %s: %s", i, sb.buf, je.text);
        assert_string_equal(json_string_value(json_array_get(v, 0)), cases[i]);
        json_decref(v);
        sb_release(&sb);
    }
}

typedef struct sample {
    int64_t id;
    const char *name, *note;
    int level, active;
} sample;

/* A member table writes each member by its type, NULL text as null, in order. */
static void test_fields(void **state)
{
    (void)state;
    static const jw_field fields[] = {
        JWF(I64, sample, id),    JWF(STR, sample, name),    JWF(STR, sample, note),
        JWF(INT, sample, level), JWF(BOOL, sample, active),
    };
    sample x = {.id = 9007199254740993LL, .name = "Sở \"Tư\" pháp", .level = -2, .active = 7};
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_fields(&w, &x, fields, JW_NFIELDS(fields));
    jw_obj_end(&w);
    sb_addc(&sb, '\0');
    assert_string_equal(sb.buf, "{\"id\":9007199254740993,\"name\":\"Sở \\\"Tư\\\" pháp\","
                                "\"note\":null,\"level\":-2,\"active\":true}");
    sb_release(&sb);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_fields), cmocka_unit_test(test_nested_document),
             cmocka_unit_test(test_escaping_round_trips))
