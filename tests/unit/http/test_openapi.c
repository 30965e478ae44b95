/*
 * test_openapi — docs/openapi.json (embedded into the binary and served at
 * /api/v1/openapi.json) against the route tables. Fails when a route is
 * missing from the document, when the document promises an operation no
 * route serves, when a path parameter is not declared, when an operation
 * has no operationId, or when a $ref does not resolve. Every message names
 * the route or path at fault.
 *
 * The tables come from src/domains/routes.c, the same list the server
 * is started with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/server.h"
#include "lib/embed.h"
#include "lib/strbuf.h"

#include "domains/routes.h"

#define route_tables tinhso_route_tables

/* Paths the document describes that are served outside the route tables. */
static const char *const unrouted_paths[] = {
    "/", /* the embedded web front end (static files) */
    NULL,
};

#define DOC_NAME "docs/openapi.json"

static const char *const oas_methods[] = {"get",  "put",   "post",  "delete", "options",
                                          "head", "patch", "trace", NULL};

/* ------------------------------------------------------------------ */
/* reading the document                                                  */

/* A local JSON pointer ("#/components/schemas/Unit"); NULL when absent. */
static json_t *pointer_get(json_t *doc, const char *ref)
{
    if (strncmp(ref, "#", 1)) return NULL; /* only local references */
    json_t *v = doc;
    const char *p = ref + 1;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char key[256];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof key; i++) {
            if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
                key[k++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                key[k++] = p[i];
            }
        }
        key[k] = '\0';
        if (json_is_object(v)) {
            v = json_object_get(v, key);
        } else if (json_is_array(v)) {
            char *e;
            unsigned long idx = strtoul(key, &e, 10);
            v = *e || !*key ? NULL : json_array_get(v, idx);
        } else {
            v = NULL;
        }
        if (!v) return NULL;
        p += n;
    }
    return *p ? NULL : v;
}

/* v itself, or what its $ref chain points at; NULL when a link is broken. */
static json_t *resolve(json_t *doc, json_t *v)
{
    for (int depth = 0; v && depth < 16; depth++) {
        json_t *ref = json_is_object(v) ? json_object_get(v, "$ref") : NULL;
        if (!ref) return v;
        v = json_is_string(ref) ? pointer_get(doc, json_string_value(ref)) : NULL;
    }
    return NULL;
}

static bool is_method_key(const char *k)
{
    for (int i = 0; oas_methods[i]; i++)
        if (!strcmp(oas_methods[i], k)) return true;
    return false;
}

static void lower(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out[i] = '\0';
}

/* True when params (an array, may hold $refs) declares name with in: path. */
static bool declares_path_param(json_t *doc, json_t *params, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        json_t *q = resolve(doc, p);
        if (!json_is_object(q)) continue;
        const char *in = json_string_value(json_object_get(q, "in"));
        const char *n = json_string_value(json_object_get(q, "name"));
        if (in && n && !strcmp(in, "path") && !strcmp(n, name) &&
            json_is_true(json_object_get(q, "required")))
            return true;
    }
    return false;
}

/* Calls fn for each "{name}" in a path pattern; stops at the first nonzero. */
static int each_template_param(const char *pattern, int (*fn)(const char *name, void *arg),
                               void *arg)
{
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end) return 0;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        int rc = fn(name, arg);
        if (rc) return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* the checks: each appends one line per problem to out, returns count  */

typedef struct param_ctx {
    json_t *doc, *item, *op;
    const char *route; /* "GET /api/v1/units/{code}" */
    strbuf *out;
    int problems;
} param_ctx;

static int check_one_param(const char *name, void *arg)
{
    param_ctx *c = arg;
    if (!declares_path_param(c->doc, json_object_get(c->op, "parameters"), name) &&
        !declares_path_param(c->doc, json_object_get(c->item, "parameters"), name)) {
        sb_addf(c->out,
                "route %s: path parameter {%s} is not declared (in: path, required: true) in "
                "the operation's or the path item's parameters\n",
                c->route, name);
        c->problems++;
    }
    return 0;
}

/* Every route of every table has paths[pattern][method], an operationId, its path params. */
static int check_routes_documented(json_t *doc, const http_route *const *tables, strbuf *out)
{
    int problems = 0;
    json_t *paths = json_object_get(doc, "paths");
    for (int t = 0; tables[t]; t++) {
        for (const http_route *r = tables[t]; r->method; r++) {
            char route[300], method[16];
            snprintf(route, sizeof route, "%s %s", r->method, r->pattern);
            lower(method, sizeof method, r->method);
            json_t *item = resolve(doc, json_object_get(paths, r->pattern));
            if (!json_is_object(item)) {
                sb_addf(out, "route %s is missing from " DOC_NAME ": no paths[\"%s\"]\n", route,
                        r->pattern);
                problems++;
                continue;
            }
            json_t *op = json_object_get(item, method);
            if (!json_is_object(op)) {
                sb_addf(out, "route %s is missing from " DOC_NAME ": no paths[\"%s\"].%s\n", route,
                        r->pattern, method);
                problems++;
                continue;
            }
            const char *id = json_string_value(json_object_get(op, "operationId"));
            if (!id || !*id) {
                sb_addf(out, "route %s: the operation has no operationId\n", route);
                problems++;
            }
            param_ctx c = {doc, item, op, route, out, 0};
            each_template_param(r->pattern, check_one_param, &c);
            problems += c.problems;
        }
    }
    return problems;
}

static bool route_exists(const http_route *const *tables, const char *method, const char *pattern)
{
    for (int t = 0; tables[t]; t++)
        for (const http_route *r = tables[t]; r->method; r++) {
            if (strcmp(r->pattern, pattern)) continue;
            if (!strcasecmp(r->method, method)) return true;
            /* the server answers HEAD with the GET route */
            if (!strcasecmp(method, "head") && !strcmp(r->method, "GET")) return true;
        }
    return false;
}

static bool is_unrouted(const char *path)
{
    for (int i = 0; unrouted_paths[i]; i++)
        if (!strcmp(unrouted_paths[i], path)) return true;
    return false;
}

/* Every operation in the document (but unrouted paths) is served by a route. */
static int check_no_phantoms(json_t *doc, const http_route *const *tables, strbuf *out)
{
    int problems = 0;
    const char *path, *key;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        if (is_unrouted(path)) continue;
        item = resolve(doc, item);
        json_object_foreach(item, key, op)
        {
            if (!is_method_key(key) || route_exists(tables, key, path)) continue;
            char up[16];
            snprintf(up, sizeof up, "%s", key);
            for (char *c = up; *c; c++)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
            sb_addf(out, DOC_NAME " documents %s %s, but no route table serves it\n", up, path);
            problems++;
        }
    }
    return problems;
}

static int template_has(const char *name, void *arg)
{
    return !strcmp(name, (const char *)arg);
}

/* Declared path parameters appear in the template. */
static int check_declared_in_template(json_t *doc, const char *path, const char *where,
                                      json_t *params, strbuf *out)
{
    int problems = 0;
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        json_t *q = resolve(doc, p);
        const char *in = json_string_value(json_object_get(q, "in"));
        const char *n = json_string_value(json_object_get(q, "name"));
        if (!in || strcmp(in, "path") || !n) continue;
        if (!each_template_param(path, template_has, (void *)n)) {
            sb_addf(out, "%s declares path parameter \"%s\", which is not in \"%s\"\n", where, n,
                    path);
            problems++;
        }
    }
    return problems;
}

/* Every operation has a unique operationId and responses; path params match templates. */
static int check_operations(json_t *doc, strbuf *out)
{
    int problems = 0;
    json_t *seen = json_object();
    const char *path, *key;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        item = resolve(doc, item);
        char where[300];
        snprintf(where, sizeof where, "paths[\"%s\"]", path);
        problems +=
            check_declared_in_template(doc, path, where, json_object_get(item, "parameters"), out);
        json_object_foreach(item, key, op)
        {
            if (!is_method_key(key)) continue;
            snprintf(where, sizeof where, "operation %s %s", key, path);
            const char *id = json_string_value(json_object_get(op, "operationId"));
            if (!id || !*id) {
                sb_addf(out, "%s has no operationId\n", where);
                problems++;
            } else if (json_object_get(seen, id)) {
                sb_addf(out, "%s: operationId \"%s\" is used twice\n", where, id);
                problems++;
            } else {
                json_object_set_new(seen, id, json_true());
            }
            if (!json_is_object(json_object_get(op, "responses")) ||
                !json_object_size(json_object_get(op, "responses"))) {
                sb_addf(out, "%s has no responses\n", where);
                problems++;
            }
            problems += check_declared_in_template(doc, path, where,
                                                   json_object_get(op, "parameters"), out);
        }
    }
    json_decref(seen);
    return problems;
}

/* Every $ref in the document points at something in it. */
static int check_refs(json_t *doc, json_t *v, strbuf *out)
{
    int problems = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c)
        {
            if (!strcmp(k, "$ref") && json_is_string(c)) {
                if (!resolve(doc, v)) {
                    sb_addf(out, "$ref \"%s\" does not resolve\n", json_string_value(c));
                    problems++;
                }
            } else {
                problems += check_refs(doc, c, out);
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) problems += check_refs(doc, c, out);
    }
    return problems;
}

static int check_header(json_t *doc, strbuf *out)
{
    int problems = 0;
    const char *v = json_string_value(json_object_get(doc, "openapi"));
    if (!v || strncmp(v, "3.1.", 4)) {
        sb_addf(out, "\"openapi\" is %s, want 3.1.x\n", v ? v : "missing");
        problems++;
    }
    json_t *info = json_object_get(doc, "info");
    if (!json_is_string(json_object_get(info, "title")) ||
        !json_is_string(json_object_get(info, "version"))) {
        sb_adds(out, "info.title and info.version are required\n");
        problems++;
    }
    if (!json_is_object(json_object_get(doc, "paths"))) {
        sb_adds(out, "\"paths\" is missing or not an object\n");
        problems++;
    }
    return problems;
}

static int check_all(json_t *doc, const http_route *const *tables, strbuf *out)
{
    return check_header(doc, out) + check_routes_documented(doc, tables, out) +
           check_no_phantoms(doc, tables, out) + check_operations(doc, out) +
           check_refs(doc, doc, out);
}

/* ------------------------------------------------------------------ */
/* tests on the embedded document                                        */

static int load_doc(void **state)
{
    const ts_embedded *e = ts_embedded_find(ts_data_files, DOC_NAME);
    if (!e) {
        print_error(DOC_NAME " is not embedded (ts_data_files)\n");
        return -1;
    }
    json_error_t je;
    json_t *doc = json_loadb((const char *)e->data, e->len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(doc)) {
        print_error(DOC_NAME " is not a JSON object: %s (line %d, column %d)\n", je.text, je.line,
                    je.column);
        json_decref(doc);
        return -1;
    }
    *state = doc;
    return 0;
}

static int free_doc(void **state)
{
    json_decref(*state);
    return 0;
}

static void expect_clean(const char *what, int problems, strbuf *out)
{
    if (problems) fail_msg("%s: %d problem(s) in " DOC_NAME ":\n%s", what, problems, out->buf);
}

static void test_openapi_version(void **state)
{
    strbuf out;
    sb_init(&out);
    int n = check_header(*state, &out);
    expect_clean("document header", n, &out);
    sb_release(&out);
}

static void test_every_route_documented(void **state)
{
    strbuf out;
    sb_init(&out);
    int n = check_routes_documented(*state, route_tables, &out);
    expect_clean("routes not documented", n, &out);
    sb_release(&out);
}

static void test_no_undocumented_promises(void **state)
{
    strbuf out;
    sb_init(&out);
    int n = check_no_phantoms(*state, route_tables, &out);
    expect_clean("operations without a route", n, &out);
    sb_release(&out);
}

static void test_operations_well_formed(void **state)
{
    strbuf out;
    sb_init(&out);
    int n = check_operations(*state, &out);
    expect_clean("operations", n, &out);
    sb_release(&out);
}

static void test_refs_resolve(void **state)
{
    strbuf out;
    sb_init(&out);
    int n = check_refs(*state, *state, &out);
    expect_clean("references", n, &out);
    sb_release(&out);
}

/* The core tables are really in route_tables (a guard against an empty list). */
static void test_tables_not_empty(void **state)
{
    (void)state;
    int n = 0;
    for (int t = 0; route_tables[t]; t++)
        for (const http_route *r = route_tables[t]; r->method; r++)
            n++;
    assert_true(n >= 4);
}

/* ------------------------------------------------------------------ */
/* the checker itself, on small documents: each gap must be reported      */

static ts_code h_dummy(http_req *r, ts_ctx *x)
{
    (void)r;
    (void)x;
    return TS_OK;
}

static const http_route self_routes[] = {
    {"GET", "/a", h_dummy, PERM_PUBLIC, .query = NULL},
    {"PATCH", "/a/{id}", h_dummy, PERM_PUBLIC, .body = NULL},
    {0},
};
static const http_route *const self_tables[] = {self_routes, NULL};

/* JSON in C strings reads better unwrapped. */
/* clang-format off */
#define DOC_START "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{"
#define OP(id) "{\"operationId\":\"" id "\",\"responses\":{\"200\":{\"description\":\"ok\"}}}"
#define ID_PARAM "{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}"
#define A_ID_OK "\"/a/{id}\":{\"parameters\":[" ID_PARAM "],\"patch\":" OP("b") "}"

static const struct {
    const char *name;
    const char *doc;
    const char *expect; /* substring of the report; NULL = no problem at all */
} self_cases[] = {
    {"complete",
     DOC_START "\"/a\":{\"get\":" OP("a") "},"
               "\"/a/{id}\":{\"patch\":{\"operationId\":\"b\",\"parameters\":[" ID_PARAM "],"
               "\"responses\":{\"200\":{\"description\":\"ok\"}}}},"
               "\"/\":{\"get\":" OP("web") "}}}",
     NULL},
    {"path parameter by $ref on the path item; HEAD served by the GET route",
     "{\"openapi\":\"3.1.1\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{"
     "\"/a\":{\"get\":" OP("a") ",\"head\":" OP("ah") "},"
     "\"/a/{id}\":{\"parameters\":[{\"$ref\":\"#/components/parameters/Id\"}],\"patch\":" OP("b") "}},"
     "\"components\":{\"parameters\":{\"Id\":" ID_PARAM "}}}",
     NULL},
    {"wrong version",
     "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{}}",
     "want 3.1.x"},
    {"missing path",
     DOC_START A_ID_OK "}}",
     "route GET /a is missing"},
    {"missing method",
     DOC_START "\"/a\":{\"get\":" OP("a") "},\"/a/{id}\":{\"get\":" OP("b") "}}}",
     "route PATCH /a/{id} is missing"},
    {"undeclared path parameter",
     DOC_START "\"/a\":{\"get\":" OP("a") "},\"/a/{id}\":{\"patch\":" OP("b") "}}}",
     "route PATCH /a/{id}: path parameter {id} is not declared"},
    {"path parameter declared in the query",
     DOC_START "\"/a\":{\"get\":" OP("a") "},"
               "\"/a/{id}\":{\"patch\":{\"operationId\":\"b\","
               "\"parameters\":[{\"name\":\"id\",\"in\":\"query\"}],\"responses\":{\"200\":{}}}}}}",
     "path parameter {id} is not declared"},
    {"no operationId",
     DOC_START "\"/a\":{\"get\":{\"responses\":{\"200\":{}}}}," A_ID_OK "}}",
     "route GET /a: the operation has no operationId"},
    {"operation without a route",
     DOC_START "\"/a\":{\"get\":" OP("a") ",\"delete\":" OP("c") "}," A_ID_OK "}}",
     "documents DELETE /a, but no route table serves it"},
    {"path without a route",
     DOC_START "\"/a\":{\"get\":" OP("a") "},\"/b\":{\"get\":" OP("x") "}," A_ID_OK "}}",
     "documents GET /b, but no route table serves it"},
    {"broken $ref",
     DOC_START "\"/a\":{\"get\":" OP("a") "},"
               "\"/a/{id}\":{\"parameters\":[{\"$ref\":\"#/components/parameters/Nope\"}],"
               "\"patch\":" OP("b") "}}}",
     "$ref \"#/components/parameters/Nope\" does not resolve"},
    {"duplicate operationId",
     DOC_START "\"/a\":{\"get\":" OP("a") "},"
               "\"/a/{id}\":{\"parameters\":[" ID_PARAM "],\"patch\":" OP("a") "}}}",
     "operationId \"a\" is used twice"},
    {"declared path parameter not in the template",
     DOC_START "\"/a\":{\"get\":{\"operationId\":\"a\",\"parameters\":[" ID_PARAM "],"
               "\"responses\":{\"200\":{}}}}," A_ID_OK "}}",
     "declares path parameter \"id\", which is not in \"/a\""},
};
/* clang-format on */

static void test_checker_reports_gaps(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof self_cases / sizeof self_cases[0]; i++) {
        json_error_t je;
        json_t *doc = json_loads(self_cases[i].doc, JSON_REJECT_DUPLICATES, &je);
        if (!doc) fail_msg("case \"%s\": bad JSON in the test: %s", self_cases[i].name, je.text);
        strbuf out;
        sb_init(&out);
        int n = check_all(doc, self_tables, &out);
        if (!self_cases[i].expect && n)
            fail_msg("case \"%s\": expected no problem, got:\n%s", self_cases[i].name, out.buf);
        if (self_cases[i].expect && (!n || !strstr(out.buf, self_cases[i].expect)))
            fail_msg("case \"%s\": expected a report containing \"%s\", got:\n%s",
                     self_cases[i].name, self_cases[i].expect, out.buf);
        sb_release(&out);
        json_decref(doc);
    }
}

int main(void)
{
    const struct CMUnitTest doc_tests[] = {
        cmocka_unit_test(test_openapi_version),
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_no_undocumented_promises),
        cmocka_unit_test(test_operations_well_formed),
        cmocka_unit_test(test_refs_resolve),
        cmocka_unit_test(test_tables_not_empty),
    };
    const struct CMUnitTest checker_tests[] = {
        cmocka_unit_test(test_checker_reports_gaps),
    };
    int failed = cmocka_run_group_tests_name("openapi document", doc_tests, load_doc, free_doc);
    failed += cmocka_run_group_tests_name("openapi checker", checker_tests, NULL, NULL);
    return failed ? 1 : 0;
}
