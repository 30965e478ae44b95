/*
 * fuzz_json_body — a request body through what the server does with it
 * before any handler runs: parse as one JSON object (jx_parse_object) and
 * check it against a declared spec with every kind of member (jx_check),
 * then read the members as handlers do. Any crash, leak or sanitizer
 * report is a bug; every input must end in TS_OK or a clear error whose
 * message renders in both languages.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/jsonx.h"
#include "lib/validate.h"

static const char *const colours[] = {"red", "green", "blue", NULL};
static const jx_field spec[] = {
    {.name = "code", .type = JX_STRING, .required = true, .max_chars = 32},
    {.name = "name", .type = JX_STRING, .max_chars = 200, .not_null = true},
    {.name = "email", .type = JX_STRING, .max_chars = 254, .nullable = true, .format = &FMT_EMAIL},
    {.name = "phone", .type = JX_STRING, .max_chars = 30, .nullable = true, .format = &FMT_PHONE},
    {.name = "website", .type = JX_STRING, .max_chars = 300, .format = &FMT_URL},
    {.name = "date", .type = JX_STRING, .max_chars = 10, .format = &FMT_DATE},
    {.name = "colour", .type = JX_STRING, .enums = colours, .enum_list = "red, green, blue"},
    {.name = "note", .type = JX_STRING, .allow_empty = true},
    {.name = "n", .type = JX_INT, .min = -5, .max = 5},
    {.name = "on", .type = JX_BOOL},
    {.name = "list", .type = JX_ARRAY},
    {.name = "obj", .type = JX_OBJECT},
    {.name = "any", .type = JX_ANY},
    {0},
};

static void render(const ts_err *e)
{
    char out[512];
    for (int lang = 0; lang < 2; lang++) {
        ts_msg_render(out, sizeof out, e->msg, e->arg, lang);
        for (int i = 0; i < e->nfields; i++)
            ts_msg_render(out, sizeof out, e->fields[i].msg, e->fields[i].arg, lang);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_err e;
    ts_err_clear(&e);
    json_t *in = NULL;
    if (jx_parse_object((const char *)data, size, &in, &e) != TS_OK) {
        render(&e);
        return 0;
    }
    ts_err_clear(&e);
    if (jx_check(in, spec, &e) == TS_OK) {
        arena *a = arena_new(1024);
        for (const jx_field *f = spec; f->name; f++)
            if (f->type == JX_STRING) (void)jx_str(a, in, f->name);
        arena_free(a);
    }
    render(&e);
    json_decref(in);
    return 0;
}
