/*
 * bench/geo.c — how fast platform/geo finds the commune of a map point:
 * geo_locate over Bắc Ninh's 99 communes (random points in the
 * province's bounding box, and points known to be inside a commune) and
 * over the 34 provinces (random points in Vietnam's box, and inside
 * points), on one thread and on two; the index's build time and memory.
 * Build and run from the repository root:
 *   gcc -O2 -Isrc -o /tmp/geo bench/geo.c src/platform/geo.c src/lib/strbuf.c \
 *       src/lib/jsonw.c src/lib/msg.c src/lib/timeutil.c -ljansson -lunistring -lm -lpthread
 *   /tmp/geo data/vn-admin/boundaries-24-communes.geojson \
 *       /work/shared/data/vn-admin/provinces 2000000
 * The provinces directory holds one {code}_{name}.geojson per province
 * (the vn-admin dataset; not shipped in the repository).
 */
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/strbuf.h"
#include "platform/geo.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

static json_t *load(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        fprintf(stderr, "%s: %s\n", path, je.text);
        exit(1);
    }
    return j;
}

static void die(const char *what, const ts_err *e)
{
    fprintf(stderr, "%s: %s (%s)\n", what, e->msg ? e->msg->text[1] : "?", e->arg);
    exit(1);
}

typedef struct pts {
    double *lat, *lon;
    long n;
} pts;

static unsigned long long seed = 42;
static double rnd(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(seed >> 11) / 9007199254740992.0;
}

/* n random points in bb; with inside, only points some region holds. */
static pts points(const geo_set *s, geo_bbox bb, long n, int inside)
{
    pts p = {malloc(sizeof(double) * n), malloc(sizeof(double) * n), 0};
    while (p.n < n) {
        double lat = bb.min_lat + rnd() * (bb.max_lat - bb.min_lat);
        double lon = bb.min_lon + rnd() * (bb.max_lon - bb.min_lon);
        geo_hit h;
        if (inside && geo_locate(s, lat, lon, &h) != TS_OK) continue;
        p.lat[p.n] = lat;
        p.lon[p.n++] = lon;
    }
    return p;
}

typedef struct run_arg {
    const geo_set *s;
    const pts *p;
    long from, to, found;
} run_arg;

static void *run(void *a)
{
    run_arg *r = a;
    geo_hit h;
    for (long i = r->from; i < r->to; i++)
        if (geo_locate(r->s, r->p->lat[i], r->p->lon[i], &h) == TS_OK) r->found++;
    return NULL;
}

/* Points per second over p on nthreads threads; *found: how many hit. */
static double rate(const geo_set *s, const pts *p, int nthreads, long *found)
{
    pthread_t t[8];
    run_arg a[8];
    double t0 = now_s();
    for (int i = 0; i < nthreads; i++) {
        a[i] = (run_arg){s, p, p->n * i / nthreads, p->n * (i + 1) / nthreads, 0};
        pthread_create(&t[i], NULL, run, &a[i]);
    }
    *found = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
        *found += a[i].found;
    }
    return p->n / (now_s() - t0);
}

static void report(const char *name, const geo_set *s, geo_bbox box, long n)
{
    pts any = points(s, box, n, 0), in = points(s, box, n / 4, 1);
    long f1, f2;
    rate(s, &any, 1, &f1); /* warm the caches once */
    for (int th = 1; th <= 2; th++) {
        double r1 = rate(s, &any, th, &f1), r2 = rate(s, &in, th, &f2);
        printf("%s, %d thread%s: random points in the box %.0f/s (%.1f%% found), inside points "
               "%.0f/s (%ld, %.0f ns each)\n",
               name, th, th > 1 ? "s" : "", r1, 100.0 * f1 / any.n, r2, in.n, 1e9 / r2 * th);
    }
    free(any.lat);
    free(any.lon);
    free(in.lat);
    free(in.lon);
}

static uint32_t vertices(const geo_set *s, const json_t *fc)
{
    (void)s;
    uint32_t n = 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(fc, "features"), i, f)
    {
        geo_shape *sh;
        ts_err e;
        ts_err_clear(&e);
        if (geo_shape_from_json(f, &sh, &e) != TS_OK) die("shape", &e);
        n += sh->npts;
        geo_shape_free(sh);
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: geo COMMUNES.geojson [PROVINCES_DIR] [N]\n");
        return 2;
    }
    long n = argc > 3 ? atol(argv[3]) : 2000000;
    ts_err e;
    ts_err_clear(&e);

    /* Bắc Ninh's communes */
    long rss0 = rss_kb();
    double t0 = now_s();
    json_t *fc = load(argv[1]);
    double t1 = now_s();
    geo_set *s = geo_set_new();
    if (geo_set_add_features(s, fc, &e) != TS_OK) die("communes", &e);
    double t2 = now_s();
    if (geo_set_build(s, &e) != TS_OK) die("build", &e);
    double t3 = now_s();
    uint32_t nv = vertices(s, fc);
    json_decref(fc);
    long rss1 = rss_kb();
    printf("communes: %d regions, %u vertices; JSON read %.0f ms, shapes %.0f ms, index %.1f ms; "
           "set %.1f MiB (%.0f bytes/vertex), RSS +%.1f MiB\n",
           geo_set_size(s), nv, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
           geo_set_bytes(s) / 1048576.0, (double)geo_set_bytes(s) / nv, (rss1 - rss0) / 1024.0);
    report("communes", s, geo_set_bbox(s), n);

    /* simplification for display */
    fc = load(argv[1]);
    size_t i;
    json_t *f;
    for (int k = 0; k < 4; k++) {
        static const double tol[] = {5, 10, 20, 50};
        uint32_t before = 0, after = 0;
        size_t bytes = 0;
        double ts0 = now_s();
        json_array_foreach(json_object_get(fc, "features"), i, f)
        {
            geo_shape *sh, *d;
            if (geo_shape_from_json(f, &sh, &e) != TS_OK) die("shape", &e);
            d = geo_shape_simplify(sh, tol[k]);
            strbuf sb;
            sb_init(&sb);
            geo_shape_write(&sb, d, 5);
            bytes += sb.len;
            sb_release(&sb);
            before += sh->npts;
            after += d->npts;
            geo_shape_free(sh);
            geo_shape_free(d);
        }
        printf("simplified at %.0f m: %u -> %u vertices, %.0f KiB of geometry at 5 decimals "
               "(%.0f ms with parsing)\n",
               tol[k], before, after, bytes / 1024.0, (now_s() - ts0) * 1e3);
    }
    json_decref(fc);
    geo_set_free(s);

    /* the 34 provinces */
    if (argc > 2) {
        DIR *d = opendir(argv[2]);
        if (!d) {
            perror(argv[2]);
            return 1;
        }
        geo_set *p = geo_set_new();
        struct dirent *de;
        uint32_t pv = 0;
        t0 = now_s();
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (len < 9 || strcmp(de->d_name + len - 8, ".geojson")) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[2], de->d_name);
            json_t *j = load(path);
            pv += vertices(p, j);
            if (geo_set_add_features(p, j, &e) != TS_OK) die(path, &e);
            json_decref(j);
        }
        closedir(d);
        t1 = now_s();
        if (geo_set_build(p, &e) != TS_OK) die("build", &e);
        t2 = now_s();
        printf("provinces: %d regions, %u vertices; read %.0f ms, index %.1f ms; set %.1f MiB "
               "(%.0f bytes/vertex)\n",
               geo_set_size(p), pv, (t1 - t0) * 1e3, (t2 - t1) * 1e3, geo_set_bytes(p) / 1048576.0,
               (double)geo_set_bytes(p) / pv);
        report("provinces", p, geo_set_bbox(p), n);
        geo_set_free(p);
    }
    return 0;
}
