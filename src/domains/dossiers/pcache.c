/*
 * pcache — what a dossier's page needs of the procedure version it was
 * filed under (its steps, its papers, its cases), parsed once per process:
 * a version is never changed once written (decisions §34), so the parse of
 * `code@version` holds for as long as the process serves that database.
 * The table is bounded; a version that finds no room is parsed for each
 * call instead.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/jsonx.h"
#include "dossiers_int.h"

#define SLOTS 2048

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static dz_pv *slots[SLOTS];

static unsigned slot_of(const char *code, int64_t version)
{
    uint32_t h = 2166136261u;
    for (const char *p = code; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ (uint32_t)version) * 16777619u;
    return h % SLOTS;
}

static char *dup_dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/* A new entry from a parsed document (malloc'd, kept for the process). */
static dz_pv *build(ts_ctx *x, const char *code, int64_t version, const json_t *doc)
{
    dz_pv *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->code = strdup(code);
    e->version = version;
    dossier none = {.receiving = "receiving", .implementing = "implementing"};
    dossier_step *st;
    int n;
    if (dz_steps_of_doc(x, &none, doc, &st, &n) != TS_OK) n = 0;
    e->steps = calloc((size_t)(n ? n : 1), sizeof *e->steps);
    for (int i = 0; i < n && e->steps; i++) {
        e->steps[i].name = strdup(st[i].name ? st[i].name : "");
        e->steps[i].name_en = st[i].name_en ? strdup(st[i].name_en) : NULL;
        e->steps[i].role = strdup(st[i].role);
        e->steps[i].agency = strdup(st[i].agency);
        e->steps[i].share_percent = st[i].share_percent;
    }
    e->nsteps = n;
    e->components = dup_dump(json_object_get(doc, "components"));
    const json_t *cases = json_object_get(doc, "cases");
    e->ncases = (int)json_array_size(cases);
    e->cases = calloc((size_t)(e->ncases ? e->ncases : 1), sizeof *e->cases);
    for (int i = 0; i < e->ncases && e->cases; i++)
        e->cases[i] = dup_dump(json_array_get(cases, (size_t)i));
    return e;
}

static void drop(dz_pv *e)
{
    if (!e) return;
    for (int i = 0; e->steps && i < e->nsteps; i++) {
        free((char *)e->steps[i].name);
        free((char *)e->steps[i].name_en);
        free((char *)e->steps[i].role);
        free((char *)e->steps[i].agency);
    }
    for (int i = 0; e->cases && i < e->ncases; i++)
        free((char *)e->cases[i]);
    free(e->steps);
    free(e->cases);
    free((char *)e->components);
    free((char *)e->code);
    free(e);
}

ts_code dz_pv_get(ts_ctx *x, const dossier *d, const dz_pv **out)
{
    unsigned s = slot_of(d->procedure_code, d->procedure_version);
    pthread_mutex_lock(&mu);
    dz_pv *e = slots[s];
    pthread_mutex_unlock(&mu);
    if (e && e->version == d->procedure_version && !strcmp(e->code, d->procedure_code)) {
        *out = e;
        return TS_OK;
    }
    procedure p;
    json_t *doc;
    TS_TRY(dz_procedure(x, d, &p, &doc));
    dz_pv *fresh = build(x, d->procedure_code, d->procedure_version, doc);
    json_decref(doc);
    if (!fresh || !fresh->steps || !fresh->cases)
        return drop(fresh), ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "out of memory");
    pthread_mutex_lock(&mu);
    if (!slots[s]) {
        slots[s] = fresh; /* published whole; never changed or freed after */
        *out = fresh;
        fresh = NULL;
    }
    pthread_mutex_unlock(&mu);
    if (fresh) { /* the slot holds another version: this call's copy lives in the arena's care */
        arena_cleanup_add(x->a, (void (*)(void *))drop, fresh);
        *out = fresh;
    }
    return TS_OK;
}
