/* worktime — working days, holidays and deadlines; see worktime.h. */
#include "worktime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

#define JDN_1970 2440588
#define DAY_MIN 1440
#define MAX_AMOUNT 3650

static const char *const kind_names[] = {NULL,           NULL,       "holiday",
                                         "compensatory", "swap_off", "swap_work"};

const char *wt_kind_name(wt_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : NULL;
}

int wt_kind_parse(const char *s)
{
    for (int k = WT_HOLIDAY; s && k <= WT_SWAP_WORK; k++)
        if (!strcmp(s, kind_names[k])) return k;
    return -1;
}

void wt_hours_default(wt_hours *h)
{
    memset(h, 0, sizeof *h);
    for (int wd = 1; wd <= 5; wd++) {
        h->p[wd][0][0] = 7 * 60 + 30;
        h->p[wd][0][1] = 11 * 60 + 30;
        h->p[wd][1][0] = 13 * 60;
        h->p[wd][1][1] = 17 * 60;
    }
}

void wt_hours_saturday_morning(wt_hours *h)
{
    h->p[6][0][0] = 7 * 60 + 30;
    h->p[6][0][1] = 11 * 60 + 30;
    h->p[6][1][0] = h->p[6][1][1] = 0;
}

/* ---- the shipped official schedules ---------------------------------------- */

#define REF_BLLD "Bộ luật Lao động 2019, Điều 112"
#define REF_2025                                                                                                        \
    "Bộ luật Lao động 2019, Điều 112; lịch nghỉ năm 2025 theo phương án Thủ tướng Chính phủ " \
    "quyết định, Bộ Lao động – Thương binh và Xã hội thông báo"
#define REF_2025_SWAP                                                                                                \
    "Hoán đổi ngày làm việc dịp 30/4–1/5/2025 đối với cán bộ, công chức, viên chức, theo " \
    "thông báo của Bộ Nội vụ"
#define REF_2026                                                                                                        \
    "Bộ luật Lao động 2019, Điều 112; lịch nghỉ năm 2026 theo phương án Thủ tướng Chính phủ " \
    "quyết định, Bộ Nội vụ thông báo"

#define N_NEWYEAR "Tết Dương lịch", "New Year's Day"
#define N_TET "Tết Nguyên đán", "Lunar New Year (Tết)"
#define N_HUNG "Giỗ Tổ Hùng Vương (10/3 âm lịch)", "Hùng Kings' Commemoration Day (10/3 lunar)"
#define N_APR30 "Ngày Chiến thắng (30/4)", "Reunification Day (30 April)"
#define N_MAY1 "Ngày Quốc tế Lao động (1/5)", "International Labour Day (1 May)"
#define N_SEP2 "Quốc khánh (2/9)", "National Day (2 September)"

static const struct shipped {
    int y, m, d;
    wt_kind kind;
    const char *name, *name_en, *ref;
} shipped[] = {
    /* 2025 */
    {2025, 1, 1, WT_HOLIDAY, N_NEWYEAR, REF_2025},
    {2025, 1, 27, WT_HOLIDAY, N_TET, REF_2025}, /* 28 tháng Chạp .. mùng 3 */
    {2025, 1, 28, WT_HOLIDAY, N_TET, REF_2025},
    {2025, 1, 29, WT_HOLIDAY, N_TET, REF_2025},
    {2025, 1, 30, WT_HOLIDAY, N_TET, REF_2025},
    {2025, 1, 31, WT_HOLIDAY, N_TET, REF_2025},
    {2025, 4, 7, WT_HOLIDAY, N_HUNG, REF_2025},
    {2025, 4, 26, WT_SWAP_WORK, "Làm việc bù cho thứ Sáu 2/5", "Worked in place of Friday 2 May",
     REF_2025_SWAP},
    {2025, 4, 30, WT_HOLIDAY, N_APR30, REF_2025},
    {2025, 5, 1, WT_HOLIDAY, N_MAY1, REF_2025},
    {2025, 5, 2, WT_SWAP_OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 26/4)",
     "Day off swapped (worked on Saturday 26 April)", REF_2025_SWAP},
    {2025, 9, 1, WT_HOLIDAY, N_SEP2, REF_2025},
    {2025, 9, 2, WT_HOLIDAY, N_SEP2, REF_2025},
    /* 2026 */
    {2026, 1, 1, WT_HOLIDAY, N_NEWYEAR, REF_2026},
    {2026, 1, 2, WT_SWAP_OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 10/1)",
     "Day off swapped (worked on Saturday 10 January)", REF_2026},
    {2026, 1, 10, WT_SWAP_WORK, "Làm việc bù cho thứ Sáu 2/1",
     "Worked in place of Friday 2 January", REF_2026},
    {2026, 2, 16, WT_HOLIDAY, N_TET, REF_2026}, /* 29 tháng Chạp .. mùng 4 */
    {2026, 2, 17, WT_HOLIDAY, N_TET, REF_2026},
    {2026, 2, 18, WT_HOLIDAY, N_TET, REF_2026},
    {2026, 2, 19, WT_HOLIDAY, N_TET, REF_2026},
    {2026, 2, 20, WT_HOLIDAY, N_TET, REF_2026},
    {2026, 4, 26, WT_HOLIDAY, N_HUNG, REF_2026},
    {2026, 4, 27, WT_COMPENSATORY, "Nghỉ bù Giỗ Tổ Hùng Vương (trùng Chủ nhật)",
     "In place of Hùng Kings' day (a Sunday)", REF_2026},
    {2026, 4, 30, WT_HOLIDAY, N_APR30, REF_2026},
    {2026, 5, 1, WT_HOLIDAY, N_MAY1, REF_2026},
    {2026, 8, 22, WT_SWAP_WORK, "Làm việc bù cho thứ Hai 31/8",
     "Worked in place of Monday 31 August", REF_2026},
    {2026, 8, 31, WT_SWAP_OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 22/8)",
     "Day off swapped (worked on Saturday 22 August)", REF_2026},
    {2026, 9, 1, WT_HOLIDAY, N_SEP2, REF_2026},
    {2026, 9, 2, WT_HOLIDAY, N_SEP2, REF_2026},
};

/* ---- the calendar object ----------------------------------------------------- */

#define NYEARS (CAL_YEAR_MAX - CAL_YEAR_MIN + 1)
#define LAW_BIT 0x80 /* a holiday added by law holds in years with an official schedule too */

struct wt_cal {
    wt_hours h;
    int64_t first; /* jdn of 1900-01-01 */
    int ndays;
    uint8_t *base_kind; /* per day: the baseline's kind */
    int32_t *base_why;  /* per day: index into base[] or -1 */
    wt_entry *base;     /* the baseline's entries */
    int nbase;
    wt_entry *sched; /* official schedules: sorted by (year, entered, jdn) */
    int nsched;
    int ystart[NYEARS + 1]; /* sched[] of year y: [ystart[y], ystart[y + 1]) */
    /* the fast path: each day's kind with everything known (now_kind), its
     * year, and from which day on a question sees that (known_from) */
    uint8_t *now_kind;
    uint8_t *year_off;
    int64_t known_from[NYEARS];
    char *strings; /* copies of the extra entries' and rules' texts */
};

static wt_kind day_slow(const wt_cal *c, int64_t jdn, int64_t as_of, const wt_entry **why);

static int year_of(int64_t jdn)
{
    return cal_from_jdn(jdn).y;
}

static bool weekly_off(const wt_hours *h, int64_t jdn)
{
    int wd = cal_weekday(jdn);
    return h->p[wd][0][1] <= h->p[wd][0][0] && h->p[wd][1][1] <= h->p[wd][1][0];
}

typedef struct base_build {
    wt_entry *e;
    bool *law; /* the entry comes from a holiday added by law (a wt_rule) */
    int n, cap;
} base_build;

static void base_add(base_build *b, int64_t jdn, wt_kind k, const char *name, const char *name_en,
                     const char *ref)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->e = realloc(b->e, sizeof *b->e * (size_t)b->cap);
        b->law = realloc(b->law, sizeof *b->law * (size_t)b->cap);
        if (!b->e || !b->law) abort();
    }
    b->law[b->n] = false;
    b->e[b->n++] = (wt_entry){jdn, k, name, name_en, ref, 0, false};
}

/* The baseline of one year into b: statutory days, then their compensation. */
static void baseline_year(const wt_cal *c, int y, const wt_rule *rules, int nrules, base_build *b)
{
    int from = b->n;
    base_add(b, cal_jdn(y, 1, 1), WT_HOLIDAY, N_NEWYEAR, REF_BLLD);
    int64_t tet;
    if (cal_from_lunar(&(cal_lunar){1, 1, y, false}, &tet))
        for (int i = -1; i <= 3; i++)
            base_add(b, tet + i, WT_HOLIDAY, N_TET, REF_BLLD);
    int64_t hung;
    if (cal_from_lunar(&(cal_lunar){10, 3, y, false}, &hung))
        base_add(b, hung, WT_HOLIDAY, N_HUNG, REF_BLLD);
    base_add(b, cal_jdn(y, 4, 30), WT_HOLIDAY, N_APR30, REF_BLLD);
    base_add(b, cal_jdn(y, 5, 1), WT_HOLIDAY, N_MAY1, REF_BLLD);
    int64_t sep1 = cal_jdn(y, 9, 1);
    base_add(b, weekly_off(&c->h, sep1) ? sep1 + 2 : sep1, WT_HOLIDAY, N_SEP2, REF_BLLD);
    base_add(b, sep1 + 1, WT_HOLIDAY, N_SEP2, REF_BLLD);
    for (int r = 0; r < nrules; r++) {
        const wt_rule *ru = &rules[r];
        int64_t d0;
        if (ru->lunar) {
            if (!cal_from_lunar(&(cal_lunar){ru->day, ru->month, y, false}, &d0)) continue;
        } else {
            if (!cal_date_valid(y, ru->month, ru->day)) continue;
            d0 = cal_jdn(y, ru->month, ru->day);
        }
        for (int i = 0; i < (ru->ndays > 0 ? ru->ndays : 1); i++)
            if (d0 + i >= ru->from && (!ru->until || d0 + i <= ru->until)) {
                base_add(b, d0 + i, WT_HOLIDAY, ru->name, ru->name_en, ru->ref);
                b->law[b->n - 1] = true;
            }
    }
    /* a statutory day on the weekly day off: off on the next working day */
    int nstat = b->n;
    for (int i = from; i < nstat; i++) {
        if (!weekly_off(&c->h, b->e[i].jdn)) continue;
        for (int64_t d = b->e[i].jdn + 1;; d++) {
            bool taken = weekly_off(&c->h, d);
            for (int k = from; !taken && k < b->n; k++)
                taken = b->e[k].jdn == d;
            if (taken) continue;
            base_add(b, d, WT_COMPENSATORY, b->e[i].name, b->e[i].name_en,
                     b->law[i] ? b->e[i].ref : REF_BLLD);
            b->law[b->n - 1] = b->law[i];
            break;
        }
    }
}

static int cmp_sched(const void *pa, const void *pb)
{
    const wt_entry *a = pa, *b = pb;
    int ya = year_of(a->jdn), yb = year_of(b->jdn);
    if (ya != yb) return ya < yb ? -1 : 1;
    int64_t ea = a->retroactive ? INT64_MAX : a->entered,
            eb = b->retroactive ? INT64_MAX : b->entered;
    if (ea != eb) return ea < eb ? -1 : 1;
    return a->jdn < b->jdn ? -1 : a->jdn > b->jdn;
}

static int cmp_jdn(const void *pa, const void *pb)
{
    const wt_entry *a = pa, *b = pb;
    return a->jdn < b->jdn ? -1 : a->jdn > b->jdn;
}

/* Copy s into the string area at *at (sized beforehand). */
static const char *keep(char **at, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    const char *r = *at;
    *at += n;
    return r;
}

wt_cal *wt_cal_new(const wt_hours *h, const wt_rule *rules, int nrules, const wt_entry *extra,
                   int nextra)
{
    wt_cal *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (h)
        c->h = *h;
    else
        wt_hours_default(&c->h);
    c->first = cal_jdn(CAL_YEAR_MIN, 1, 1);
    c->ndays = (int)(cal_jdn(CAL_YEAR_MAX, 12, 31) - c->first + 1);
    c->base_kind = calloc((size_t)c->ndays, 1);
    c->base_why = malloc(sizeof *c->base_why * (size_t)c->ndays);
    size_t sn = 0;
    for (int i = 0; i < nextra; i++)
        sn += (extra[i].name ? strlen(extra[i].name) + 1 : 0) +
              (extra[i].name_en ? strlen(extra[i].name_en) + 1 : 0) +
              (extra[i].ref ? strlen(extra[i].ref) + 1 : 0);
    for (int i = 0; i < nrules; i++)
        sn += (rules[i].name ? strlen(rules[i].name) + 1 : 0) +
              (rules[i].name_en ? strlen(rules[i].name_en) + 1 : 0) +
              (rules[i].ref ? strlen(rules[i].ref) + 1 : 0);
    c->strings = malloc(sn ? sn : 1);
    int nship = (int)(sizeof shipped / sizeof shipped[0]);
    c->sched = malloc(sizeof *c->sched * (size_t)(nship + nextra + 1));
    wt_rule *rcopy = malloc(sizeof *rcopy * (size_t)(nrules + 1));
    if (!c->base_kind || !c->base_why || !c->strings || !c->sched || !rcopy) {
        free(rcopy);
        wt_cal_free(c);
        return NULL;
    }
    char *at = c->strings;
    for (int i = 0; i < nrules; i++) {
        rcopy[i] = rules[i];
        rcopy[i].name = keep(&at, rules[i].name);
        rcopy[i].name_en = keep(&at, rules[i].name_en);
        rcopy[i].ref = keep(&at, rules[i].ref);
    }
    /* the baseline, every year */
    base_build b = {0};
    for (int y = CAL_YEAR_MIN; y <= CAL_YEAR_MAX; y++)
        baseline_year(c, y, rcopy, nrules, &b);
    free(rcopy);
    /* the law flag rides in the entry's retroactive field while sorting */
    for (int i = 0; i < b.n; i++)
        b.e[i].retroactive = b.law[i];
    free(b.law);
    qsort(b.e, (size_t)b.n, sizeof *b.e, cmp_jdn);
    c->base = b.e;
    c->nbase = b.n;
    for (int i = 0; i < c->ndays; i++) {
        c->base_kind[i] = weekly_off(&c->h, c->first + i) ? WT_WEEKLY_OFF : WT_WORKING;
        c->base_why[i] = -1;
    }
    for (int i = 0; i < b.n; i++) {
        int64_t o = b.e[i].jdn - c->first;
        bool law = b.e[i].retroactive;
        b.e[i].retroactive = false;
        if (o < 0 || o >= c->ndays || c->base_why[o] >= 0) continue;
        c->base_kind[o] = (uint8_t)(b.e[i].kind | (law ? LAW_BIT : 0));
        c->base_why[o] = i;
    }
    /* the official schedules: shipped, then the extra ones */
    for (int i = 0; i < nship; i++) {
        const struct shipped *s = &shipped[i];
        c->sched[c->nsched++] =
            (wt_entry){cal_jdn(s->y, s->m, s->d), s->kind, s->name, s->name_en, s->ref, 0, false};
    }
    for (int i = 0; i < nextra; i++) {
        if (extra[i].jdn < c->first || extra[i].jdn >= c->first + c->ndays) continue;
        wt_entry e = extra[i];
        e.name = keep(&at, extra[i].name);
        e.name_en = keep(&at, extra[i].name_en);
        e.ref = keep(&at, extra[i].ref);
        c->sched[c->nsched++] = e;
    }
    qsort(c->sched, (size_t)c->nsched, sizeof *c->sched, cmp_sched);
    int k = 0;
    for (int y = 0; y <= NYEARS; y++) {
        while (k < c->nsched && year_of(c->sched[k].jdn) < CAL_YEAR_MIN + y)
            k++;
        c->ystart[y] = k;
    }
    c->now_kind = malloc((size_t)c->ndays);
    c->year_off = malloc((size_t)c->ndays);
    if (!c->now_kind || !c->year_off) {
        wt_cal_free(c);
        return NULL;
    }
    for (int y = 0; y < NYEARS; y++) { /* the latest schedule wins: seen from when it was entered */
        int lo = c->ystart[y], hi = c->ystart[y + 1];
        c->known_from[y] = lo < hi && !c->sched[hi - 1].retroactive ? c->sched[hi - 1].entered : 0;
    }
    for (int i = 0; i < c->ndays; i++) {
        c->now_kind[i] = (uint8_t)day_slow(c, c->first + i, 0, NULL);
        c->year_off[i] = (uint8_t)(year_of(c->first + i) - CAL_YEAR_MIN);
    }
    return c;
}

void wt_cal_free(wt_cal *c)
{
    if (!c) return;
    free(c->base_kind);
    free(c->base_why);
    free(c->base);
    free(c->sched);
    free(c->strings);
    free(c->now_kind);
    free(c->year_off);
    free(c);
}

/* The official schedule of year y as known on as_of: [*from, *to) of
 * sched[], empty when none (the baseline holds). A year's schedule is the
 * group of its entries sharing the latest entered date seen by then. */
static void schedule_of(const wt_cal *c, int y, int64_t as_of, int *from, int *to)
{
    *from = *to = 0;
    if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX) return;
    int a = c->ystart[y - CAL_YEAR_MIN], b = c->ystart[y - CAL_YEAR_MIN + 1];
    /* groups run in increasing entered order (retroactive last): the last
     * visible one wins */
    for (int i = b; i > a; i--) {
        const wt_entry *e = &c->sched[i - 1];
        if (!as_of || e->retroactive || e->entered <= as_of) {
            int start = i - 1;
            while (start > a && c->sched[start - 1].entered == e->entered &&
                   c->sched[start - 1].retroactive == e->retroactive)
                start--;
            *from = start;
            *to = i;
            return;
        }
    }
}

static wt_kind day_slow(const wt_cal *c, int64_t jdn, int64_t as_of, const wt_entry **why)
{
    if (why) *why = NULL;
    int64_t o = jdn - c->first;
    if (o < 0 || o >= c->ndays) return WT_WEEKLY_OFF;
    int a, b;
    schedule_of(c, year_of(jdn), as_of, &a, &b);
    for (int i = a; i < b; i++) /* a year's schedule is a few dozen days at most */
        if (c->sched[i].jdn == jdn) {
            if (why) *why = &c->sched[i];
            return c->sched[i].kind;
        }
    if (a == b || (c->base_kind[o] & LAW_BIT)) { /* the baseline, or a holiday added by law */
        if (why && c->base_why[o] >= 0) *why = &c->base[c->base_why[o]];
        return (wt_kind)(c->base_kind[o] & ~LAW_BIT);
    }
    return weekly_off(&c->h, jdn) ? WT_WEEKLY_OFF : WT_WORKING;
}

wt_kind wt_day(const wt_cal *c, int64_t jdn, int64_t as_of, const wt_entry **why)
{
    int64_t o = jdn - c->first;
    if (why || o < 0 || o >= c->ndays) return day_slow(c, jdn, as_of, why);
    if (!as_of || as_of >= c->known_from[c->year_off[o]]) return (wt_kind)c->now_kind[o];
    return day_slow(c, jdn, as_of, NULL);
}

bool wt_year_official(const wt_cal *c, int year, int64_t as_of)
{
    int a, b;
    schedule_of(c, year, as_of, &a, &b);
    return a < b;
}

int wt_year(const wt_cal *c, int year, int64_t as_of, wt_entry *out, int cap)
{
    if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX) return 0;
    int n = 0;
    for (int64_t d = cal_jdn(year, 1, 1), end = cal_jdn(year, 12, 31); d <= end; d++) {
        const wt_entry *why;
        wt_kind k = wt_day(c, d, as_of, &why);
        if (k == WT_WORKING || k == WT_WEEKLY_OFF || !why) continue;
        if (n < cap) out[n] = *why;
        n++;
    }
    return n;
}

/* ---- time ------------------------------------------------------------------- */

int64_t wt_local(int y, int m, int d, int hh, int mm)
{
    return (cal_jdn(y, m, d) - JDN_1970) * DAY_MIN + hh * 60 + mm;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void wt_local_split(int64_t t, int *y, int *m, int *d, int *hh, int *mm)
{
    int64_t day = floor_div(t, DAY_MIN), min = t - day * DAY_MIN;
    cal_date x = cal_from_jdn(day + JDN_1970);
    *y = x.y;
    *m = x.m;
    *d = x.d;
    *hh = (int)(min / 60);
    *mm = (int)(min % 60);
}

bool wt_parse_local(const char *s, int64_t *t)
{
    if (!s || strlen(s) < 16 || s[10] != 'T' || s[13] != ':') return false;
    const char *rest = s + 16;
    if (*rest && strcmp(rest, "+07:00") && strcmp(rest, ":00") && strcmp(rest, ":00+07:00"))
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    cal_date d;
    if (!cal_parse_date(date, &d)) return false;
    if (s[11] < '0' || s[11] > '9' || s[12] < '0' || s[12] > '9' || s[14] < '0' || s[14] > '9' ||
        s[15] < '0' || s[15] > '9')
        return false;
    int hh = (s[11] - '0') * 10 + s[12] - '0', mm = (s[14] - '0') * 10 + s[15] - '0';
    if (hh > 23 || mm > 59) return false;
    *t = wt_local(d.y, d.m, d.d, hh, mm);
    return true;
}

/* Two digits of v at p. */
static void two(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

const char *wt_format_local(int64_t t, char *buf, int n)
{
    int y, m, d, hh, mm;
    wt_local_split(t, &y, &m, &d, &hh, &mm);
    if (n < 23 || y < 0 || y > 9999) { /* the general form (answers write many of these) */
        snprintf(buf, (size_t)n, "%04d-%02d-%02dT%02d:%02d+07:00", y, m, d, hh, mm);
        return buf;
    }
    two(buf, y / 100);
    two(buf + 2, y % 100);
    buf[4] = '-';
    two(buf + 5, m);
    buf[7] = '-';
    two(buf + 8, d);
    buf[10] = 'T';
    two(buf + 11, hh);
    buf[13] = ':';
    two(buf + 14, mm);
    memcpy(buf + 16, "+07:00", 7);
    return buf;
}

/* ---- deadlines ---------------------------------------------------------------- */

/* The working periods of day jdn (as known on as_of) under hours h (NULL:
 * the calendar's): into p, returns how many. Days off by law or by the
 * official schedule are off whatever the hours; a weekly day off is worked
 * where h has hours on that weekday (a centre open Saturday mornings), and
 * a working day where h has none is not; a swapped working day keeps
 * Monday's hours. */
static int periods(const wt_cal *c, const wt_hours *h, int64_t jdn, int64_t as_of, int p[2][2])
{
    wt_kind k = wt_day(c, jdn, as_of, NULL);
    if (k != WT_WORKING && k != WT_SWAP_WORK && k != WT_WEEKLY_OFF) return 0;
    if (!h) h = &c->h;
    if (k == WT_WEEKLY_OFF && h == &c->h) return 0;
    int wd = k == WT_SWAP_WORK ? 1 : cal_weekday(jdn), n = 0;
    for (int i = 0; i < 2; i++)
        if (h->p[wd][i][1] > h->p[wd][i][0]) {
            p[n][0] = h->p[wd][i][0];
            p[n][1] = h->p[wd][i][1];
            n++;
        }
    return n;
}

static bool in_range(const wt_cal *c, int64_t t)
{
    int64_t day = floor_div(t, DAY_MIN) + JDN_1970;
    return day >= c->first && day < c->first + c->ndays;
}

/* The first working instant at or after t, counting an intake at or after
 * the cut-off (minutes after midnight) from the next working morning. */
static int64_t clock_start(const wt_cal *c, const wt_hours *h, int64_t t, int cutoff, int64_t as_of)
{
    int64_t day = floor_div(t, DAY_MIN);
    int min = (int)(t - day * DAY_MIN);
    for (int i = 0; i < 400; i++, min = 0) {
        int p[2][2], n = periods(c, h, day + i + JDN_1970, as_of, p);
        if (n && (i > 0 || min < cutoff))
            for (int k = 0; k < n; k++)
                if (min < p[k][1]) return (day + i) * DAY_MIN + (min > p[k][0] ? min : p[k][0]);
    }
    return -1;
}

/* Walk working time from t, the pauses stopping the clock, until need
 * minutes are used or the instant stop is reached (whichever comes first;
 * stop < 0: no stop): the instant reached, with the minutes walked added to
 * *walked. -1 when a pause that has not ended comes first, or the
 * calendar ends, before need is used. */
static int64_t walk(const wt_cal *c, const wt_hours *h, int64_t t, int64_t need, int64_t stop,
                    int64_t as_of, const wt_pause *ps, int np, int64_t *walked)
{
    int pi = 0;
    for (int64_t day = floor_div(t, DAY_MIN); in_range(c, day * DAY_MIN); day++) {
        if (stop >= 0 && day * DAY_MIN >= stop) return stop;
        int p[2][2], n = periods(c, h, day + JDN_1970, as_of, p);
        for (int k = 0; k < n; k++) {
            int64_t a = day * DAY_MIN + p[k][0], b = day * DAY_MIN + p[k][1];
            if (a < t) a = t;
            if (stop >= 0 && b > stop) b = stop;
            while (a < b) {
                while (pi < np && ps[pi].to >= 0 && ps[pi].to <= a)
                    pi++;
                if (pi < np && ps[pi].from <= a) { /* inside a pause */
                    if (ps[pi].to < 0) return stop >= 0 ? stop : -1;
                    a = ps[pi].to;
                    continue;
                }
                int64_t end = pi < np && ps[pi].from < b ? ps[pi].from : b;
                if (need <= end - a) {
                    *walked += need;
                    return a + need;
                }
                need -= end - a;
                *walked += end - a;
                a = end;
            }
        }
    }
    return stop >= 0 ? stop : -1;
}

int64_t wt_working_minutes(const wt_cal *c, const wt_hours *h, int64_t a, int64_t b, int64_t as_of,
                           const wt_pause *pauses, int npauses)
{
    int64_t sum = 0;
    if (b > a) walk(c, h, a, INT64_MAX, b, as_of, pauses, npauses, &sum);
    return sum;
}

int64_t wt_add_working(const wt_cal *c, const wt_hours *h, int64_t t, int64_t minutes,
                       int64_t as_of)
{
    if (!in_range(c, t)) return -1;
    if (!as_of) as_of = floor_div(t, DAY_MIN) + JDN_1970;
    int64_t walked = 0;
    int64_t start = clock_start(c, h, t, DAY_MIN, as_of);
    if (start < 0) return -1;
    if (minutes <= 0) return start;
    return walk(c, h, start, minutes, -1, as_of, NULL, 0, &walked);
}

bool wt_status(const wt_cal *c, const wt_deadline_in *in, const wt_deadline *d, int64_t at,
               wt_standing *out)
{
    memset(out, 0, sizeof *out);
    if (!in_range(c, at)) return false;
    int64_t as_of = in->as_of ? in->as_of : floor_div(in->received, DAY_MIN) + JDN_1970;
    if (d->due < 0) { /* an open pause: the clock stands, nothing is late */
        out->paused = true;
        if (in->unit != WT_CALENDAR_DAYS) {
            int64_t used = wt_working_minutes(c, in->hours, d->counted_from, at, as_of, in->pauses,
                                              in->npauses);
            out->remaining = d->total > used ? d->total - used : 0;
        }
        return true;
    }
    if (at < d->due) {
        /* working time still left before the due instant; the pauses that
         * lie ahead are not known yet */
        int64_t from = at > d->counted_from ? at : d->counted_from;
        out->remaining = wt_working_minutes(c, in->hours, from, d->due, as_of, NULL, 0);
    } else {
        out->overdue = wt_working_minutes(c, in->hours, d->due, at, as_of, NULL, 0);
        out->late = at > d->due;
    }
    return true;
}

bool wt_deadline_compute(const wt_cal *c, const wt_deadline_in *in, wt_deadline *out)
{
    memset(out, 0, sizeof *out);
    if (in->amount < 1 || in->amount > MAX_AMOUNT || !in_range(c, in->received)) return false;
    if (in->unit != WT_WORKING_DAYS && in->unit != WT_WORKING_HOURS && in->unit != WT_CALENDAR_DAYS)
        return false;
    int64_t as_of = in->as_of ? in->as_of : floor_div(in->received, DAY_MIN) + JDN_1970;
    int cutoff = in->same_day ? 15 * 60 : 17 * 60;
    out->counted_from = clock_start(c, in->hours, in->received, cutoff, as_of);
    if (out->counted_from < 0) return false;
    if (in->unit == WT_CALENDAR_DAYS) {
        /* the same clock time N days on (the pauses added), then the next
         * working instant when that is not within working hours */
        int64_t paused = 0;
        for (int i = 0; i < in->npauses; i++) {
            if (in->pauses[i].to < 0) {
                out->due = -1;
                return true;
            }
            paused += in->pauses[i].to - in->pauses[i].from;
        }
        int64_t t = out->counted_from + (int64_t)in->amount * DAY_MIN + paused;
        if (!in_range(c, t)) return false;
        out->due = clock_start(c, in->hours, t, DAY_MIN, as_of);
        return out->due >= 0;
    }
    out->total = (int64_t)in->amount * (in->unit == WT_WORKING_DAYS ? 8 * 60 : 60);
    int64_t walked = 0;
    out->due = walk(c, in->hours, out->counted_from, out->total, -1, as_of, in->pauses, in->npauses,
                    &walked);
    if (out->due < 0) {
        bool open = in->npauses && in->pauses[in->npauses - 1].to < 0;
        if (!open) return false; /* past 2100 */
    }
    return true;
}
