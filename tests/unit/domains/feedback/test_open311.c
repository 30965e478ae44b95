/*
 * Unit tests for the Open311 mapping (src/domains/feedback/open311.c) that
 * needs no database: date-times, attribute checking against a service
 * definition (every datatype, the demo categories have only two), status
 * notes, and the one writer giving the same record in JSON and XML.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <jansson.h>
#include <string.h>

#include "domains/feedback/open311.h"

static void test_times(void **state)
{
    (void)state;
    int64_t t;
    assert_true(o3_parse_time("1994-11-05T13:15:30Z", &t));
    assert_int_equal(t, 784041330);
    assert_true(o3_parse_time("1994-11-05T08:15:30-05:00", &t));
    assert_int_equal(t, 784041330);
    assert_true(o3_parse_time("1994-11-05T20:15:30+07:00", &t));
    assert_int_equal(t, 784041330);
    assert_true(o3_parse_time("1994-11-05T20:15:30 07:00", &t)); /* '+' read as a space */
    assert_int_equal(t, 784041330);
    assert_true(o3_parse_time("1994-11-05T20:15+07:00", &t));
    assert_int_equal(t, 784041300);
    assert_true(o3_parse_time("1994-11-05T13:15:30.123456Z", &t));
    assert_int_equal(t, 784041330);
    assert_true(o3_parse_time("2024-02-29T00:00:00Z", &t));
    static const char *const bad[] = {
        "",
        "1994-11-05",
        "1994-11-05T13:15:30",
        "1994-11-05T13:15:30+0700",
        "1994-11-05T13:15:30+7",
        "2023-02-29T00:00:00Z",
        "1994-13-05T13:15:30Z",
        "1994-11-31T13:15:30Z",
        "1994-11-05T24:00:00Z",
        "1994-11-05T13:60:00Z",
        "1994-11-05T13:15:61Z",
        "1994-11-05t13:15:30Z",
        "1994-11-05T13:15:30Zjunk",
        "1994-11-05T13:15:30.Z",
        "1994-11-05T13:15:30+15:00",
        "0001-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(o3_parse_time(bad[i], &t));
    char b[40];
    assert_string_equal(o3_format_time(784041330, b, sizeof b), "1994-11-05T20:15:30+07:00");
}

static const char DEF[] =
    "[{\"variable\":true,\"code\":\"kind\",\"datatype\":\"singlevaluelist\",\"required\":true,"
    "\"order\":1,\"description\":\"Kind\",\"values\":[{\"key\":\"a\",\"name\":\"A\"},{\"key\":7,"
    "\"name\":\"Seven\"}]},"
    "{\"variable\":true,\"code\":\"tags\",\"datatype\":\"multivaluelist\",\"required\":false,"
    "\"values\":[{\"key\":\"x\",\"name\":\"X\"},{\"key\":\"y\",\"name\":\"Y\"}]},"
    "{\"variable\":true,\"code\":\"depth\",\"datatype\":\"number\",\"required\":false},"
    "{\"variable\":true,\"code\":\"when\",\"datatype\":\"datetime\",\"required\":false},"
    "{\"variable\":true,\"code\":\"note\",\"datatype\":\"text\",\"required\":false},"
    "{\"variable\":false,\"code\":\"info\",\"datatype\":\"string\",\"required\":false,"
    "\"description\":\"Call 113 for emergencies\"}]";

static bool check(arena *a, const char *const *codes, const char *const *values, int n, char **out,
                  const char **why)
{
    fb_category c = {.code = "svc", .attributes = DEF};
    json_t *attrs;
    bool ok = o3_check_attributes(a, &c, codes, values, n, &attrs, why);
    *out = ok ? json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(attrs);
    return ok;
}

static void test_attributes(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    char *out;
    const char *why;
    {
        const char *codes[] = {"kind", "tags", "tags", "depth", "when", "note"};
        const char *values[] = {"7", "x", "y", "12.5", "2026-12-01T08:00:00+07:00", "<b>&"};
        assert_true(check(a, codes, values, 6, &out, &why));
        assert_string_equal(out, "{\"depth\":12.5,\"kind\":\"7\",\"note\":\"<b>&\",\"tags\":[\"x\","
                                 "\"y\"],\"when\":\"2026-12-01T08:00:00+07:00\"}");
        free(out);
    }
    struct {
        const char *code, *value, *why;
    } bad[] = {
        {"kind", "b", "b is not one of its values"},
        {"tags", "z", "z is not one of its values"},
        {"depth", "deep", "must be a number"},
        {"depth", "inf", "must be a number"},
        {"when", "tomorrow", "ISO 8601"},
        {"info", "x", "no attribute info"}, /* not variable: takes no value */
        {"nope", "x", "no attribute nope"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* a value's error comes before a missing required one */
        const char *codes[] = {bad[i].code}, *values[] = {bad[i].value};
        assert_false(check(a, codes, values, 1, &out, &why));
        if (!strstr(why, bad[i].why)) fail_msg("%s: %s", bad[i].code, why);
    }
    {
        const char *codes[] = {"kind", "kind"}, *values[] = {"a", "7"};
        assert_false(check(a, codes, values, 2, &out, &why));
        assert_non_null(strstr(why, "takes one value"));
    }
    {
        const char *codes[] = {"depth"}, *values[] = {"1"};
        assert_false(check(a, codes, values, 1, &out, &why));
        assert_string_equal(why, "attribute[kind] is required for service svc.");
    }
    {
        char *long_text = arena_alloc(a, O3_ATTR_TEXT_MAX + 2);
        memset(long_text, 'x', O3_ATTR_TEXT_MAX + 1);
        long_text[O3_ATTR_TEXT_MAX + 1] = '\0';
        const char *codes[] = {"kind", "note"}, *values[] = {"a", long_text};
        assert_false(check(a, codes, values, 2, &out, &why));
        assert_non_null(strstr(why, "longer than"));
    }
    arena_free(a);
}

static void test_status_notes(void **state)
{
    (void)state;
    arena *a = arena_new(512);
    fb_report r = {.reason = "Không thuộc thẩm quyền",
                   .answer = "Đã xử lý",
                   .merged_into = "PA-261204-000007"};
    for (int s = FS_SUBMITTED; s <= FS_MERGED; s++) {
        r.status = s;
        const char *n = o3_status_notes(a, &r, 1);
        if (s == FS_REJECTED)
            assert_string_equal(n, r.reason);
        else if (s == FS_ANSWERED || s == FS_CLOSED)
            assert_string_equal(n, r.answer);
        else if (s == FS_MERGED)
            assert_string_equal(n, "Merged into report PA-261204-000007.");
        else
            assert_null(n);
        assert_int_equal(feedback_status_open(s), s == FS_SUBMITTED || s == FS_ACCEPTED ||
                                                      s == FS_ASSIGNED || s == FS_IN_PROGRESS);
    }
    arena_free(a);
}

static char *record(o3_format f, const fb_report *r)
{
    fb_category cat = {
        .code = "cay-xanh", .name = "Cây xanh", .name_en = "Trees", .deadline_days = 3};
    o3_ctx c = {.public_url = "https://tinhso.example.vn", .lang = 1, .cats = &cat, .ncats = 1};
    o3w w;
    o3_begin(&w, f);
    o3_arr(&w, NULL, "service_requests");
    o3_write_request(&w, &c, r);
    o3_arr_end(&w);
    assert_true(o3_ok(&w));
    size_t n;
    return o3_take(&w, &n);
}

static void test_record_both_formats(void **state)
{
    (void)state;
    fb_report r = {.code = "PA-261204-000001",
                   .status = FS_ANSWERED,
                   .category = "cay-xanh",
                   .description = "Cây đổ <ngay> cửa & \"nhà\"",
                   .agency_name = "UBND phường",
                   .answer = "Đã dọn",
                   .created_at = "2026-12-04T03:29:26.123456Z",
                   .updated_at = "2026-12-04T04:00:00.000000Z",
                   .due_at = 0,
                   .has_point = true,
                   .lat = 21.186,
                   .lon = 106.076,
                   .first_photo = 2};
    char *j = record(O3_JSON, &r);
    assert_string_equal(
        j,
        "[{\"service_request_id\":\"PA-261204-000001\",\"status\":\"closed\",\"status_notes\":"
        "\"Đã dọn\",\"service_name\":\"Trees\",\"service_code\":\"cay-xanh\",\"description\":"
        "\"Cây đổ <ngay> cửa & \\\"nhà\\\"\",\"agency_responsible\":\"UBND phường\","
        "\"service_notice\":\"The intake point checks the report, then the agency responsible "
        "answers it within 3 working days.\",\"requested_datetime\":\"2026-12-04T10:29:26+07:00\","
        "\"updated_datetime\":\"2026-12-04T11:00:00+07:00\",\"expected_datetime\":null,"
        "\"address\":null,\"address_id\":null,\"zipcode\":null,\"lat\":21.186000,\"long\":106."
        "076000,"
        "\"media_url\":\"https://tinhso.example.vn/api/v1/public/feedback/PA-261204-000001/photos/"
        "2\"}]");
    free(j);
    char *x = record(O3_XML, &r);
    assert_non_null(strstr(x,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service_requests><request>"
                           "<service_request_id>PA-261204-000001</service_request_id>"));
    assert_non_null(
        strstr(x, "<description>Cây đổ &lt;ngay&gt; cửa &amp; &quot;nhà&quot;</description>"));
    assert_non_null(
        strstr(x, "<expected_datetime/><address/><address_id/><zipcode/><lat>21.186000</lat>"));
    free(x);
    /* text XML cannot carry: the writer says so */
    r.description = "bell \x07";
    o3w w;
    o3_begin(&w, O3_XML);
    fb_category cat = {.code = "cay-xanh", .name = "Cây xanh"};
    o3_ctx c = {.public_url = "", .cats = &cat, .ncats = 1};
    o3_write_request(&w, &c, &r);
    assert_false(o3_ok(&w));
    o3_release(&w);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_times), cmocka_unit_test(test_attributes),
             cmocka_unit_test(test_status_notes), cmocka_unit_test(test_record_both_formats))
