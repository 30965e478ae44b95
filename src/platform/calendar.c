/* calendar — solar and Vietnamese lunar dates; see calendar.h. */
#include "calendar.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEG (M_PI / 180.0)
#define SYNODIC 29.530588861   /* mean days from one new moon to the next */
#define NM_EPOCH 2451550.09766 /* JDE of the mean new moon k = 0 (2000-01-06) */

int64_t cal_jdn(int y, int m, int d)
{
    int64_t a = (14 - m) / 12, yy = (int64_t)y + 4800 - a, mm = m + 12 * a - 3;
    return d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - yy / 100 + yy / 400 - 32045;
}

cal_date cal_from_jdn(int64_t jdn)
{
    int64_t a = jdn + 32044, b = (4 * a + 3) / 146097, c = a - 146097 * b / 4;
    int64_t d = (4 * c + 3) / 1461, e = c - 1461 * d / 4, m = (5 * e + 2) / 153;
    cal_date r = {(int)(100 * b + d - 4800 + m / 10), (int)(m + 3 - 12 * (m / 10)),
                  (int)(e - (153 * m + 2) / 5 + 1)};
    return r;
}

bool cal_date_valid(int y, int m, int d)
{
    if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > 31) return false;
    cal_date back = cal_from_jdn(cal_jdn(y, m, d));
    return back.y == y && back.m == m && back.d == d;
}

int cal_weekday(int64_t jdn)
{
    return (int)((jdn + 1) % 7);
}

bool cal_parse_date(const char *s, cal_date *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) continue;
        if (s[i] < '0' || s[i] > '9') return false;
        v[k++] = s[i] - '0';
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (!cal_date_valid(y, m, d)) return false;
    *out = (cal_date){y, m, d};
    return true;
}

/* ---- astronomy ---------------------------------------------------------- */

/* TT - UT in days around decimal year y (Espenak and Meeus's polynomials,
 * 1900-2150): a minute at most, but it decides the day of a new moon that
 * falls near local midnight. */
static double delta_t(double y)
{
    double t, s;
    if (y < 1920) {
        t = y - 1900;
        s = -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t -
            0.000197 * t * t * t * t;
    } else if (y < 1941) {
        t = y - 1920;
        s = 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
    } else if (y < 1961) {
        t = y - 1950;
        s = 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
    } else if (y < 1986) {
        t = y - 1975;
        s = 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
    } else if (y < 2005) {
        t = y - 2000;
        s = 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t +
            0.000651814 * t * t * t * t + 0.00002373599 * t * t * t * t * t;
    } else if (y < 2050) {
        t = y - 2000;
        s = 62.92 + 0.32217 * t + 0.005589 * t * t;
    } else {
        t = (y - 1820) / 100;
        s = -20 + 32 * t * t - 0.5628 * (2150 - y);
    }
    return s / 86400.0;
}

/* The instant (JDE, dynamical time) of the true new moon of lunation k
 * (k = 0: 2000-01-06), Meeus ch. 49: the mean phase and the periodic terms
 * of the Sun, the Moon and the planets. */
static double new_moon_jde(int k)
{
    double T = k / 1236.85, T2 = T * T, T3 = T2 * T, T4 = T3 * T;
    double jde = NM_EPOCH + SYNODIC * k + 0.00015437 * T2 - 0.000000150 * T3 + 0.00000000073 * T4;
    double E = 1 - 0.002516 * T - 0.0000074 * T2;
    double M = (2.5534 + 29.10535670 * k - 0.0000014 * T2 - 0.00000011 * T3) * DEG;
    double Mp =
        (201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4) * DEG;
    double F =
        (160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4) * DEG;
    double Om = (124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3) * DEG;
    double c = -0.40720 * sin(Mp) + 0.17241 * E * sin(M) + 0.01608 * sin(2 * Mp) +
               0.01039 * sin(2 * F) + 0.00739 * E * sin(Mp - M) - 0.00514 * E * sin(Mp + M) +
               0.00208 * E * E * sin(2 * M) - 0.00111 * sin(Mp - 2 * F) -
               0.00057 * sin(Mp + 2 * F) + 0.00056 * E * sin(2 * Mp + M) - 0.00042 * sin(3 * Mp) +
               0.00042 * E * sin(M + 2 * F) + 0.00038 * E * sin(M - 2 * F) -
               0.00024 * E * sin(2 * Mp - M) - 0.00017 * sin(Om) - 0.00007 * sin(Mp + 2 * M) +
               0.00004 * sin(2 * Mp - 2 * F) + 0.00004 * sin(3 * M) +
               0.00003 * sin(Mp + M - 2 * F) + 0.00003 * sin(2 * Mp + 2 * F) -
               0.00003 * sin(Mp + M + 2 * F) + 0.00003 * sin(Mp - M + 2 * F) -
               0.00002 * sin(Mp - M - 2 * F) - 0.00002 * sin(3 * Mp + M) + 0.00002 * sin(4 * Mp);
    /* the planetary arguments A1..A14 and their coefficients */
    static const double pa[14][3] = {
        {299.77, 0.107408, 0.000325},  {251.88, 0.016321, 0.000165}, {251.83, 26.651886, 0.000164},
        {349.42, 36.412478, 0.000126}, {84.66, 18.206239, 0.000110}, {141.74, 53.303771, 0.000062},
        {207.14, 2.453732, 0.000060},  {154.84, 7.306860, 0.000056}, {34.52, 27.261239, 0.000047},
        {207.19, 0.121824, 0.000042},  {291.34, 1.844379, 0.000040}, {161.72, 24.198154, 0.000037},
        {239.56, 25.513099, 0.000035}, {331.55, 3.592518, 0.000023},
    };
    double p = 0;
    for (int i = 0; i < 14; i++) {
        double a = pa[i][0] + pa[i][1] * k - (i == 0 ? 0.009173 * T2 : 0);
        p += pa[i][2] * sin(a * DEG);
    }
    return jde + c + p;
}

/* The local day (JDN in time zone tz) on which lunation k begins. */
static int64_t nm_day(int k, int tz)
{
    double jde = new_moon_jde(k);
    double ut = jde - delta_t(2000 + k / 12.3685);
    return (int64_t)floor(ut + 0.5 + tz / 24.0);
}

/* The sun's apparent longitude in degrees [0, 360) at instant jde (Meeus
 * ch. 25, low accuracy: about 0.01°). */
static double sun_longitude(double jde)
{
    double T = (jde - 2451545.0) / 36525, T2 = T * T;
    double L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T2;
    double M = (357.52911 + 35999.05029 * T - 0.0001537 * T2) * DEG;
    double C = (1.914602 - 0.004817 * T - 0.000014 * T2) * sin(M) +
               (0.019993 - 0.000101 * T) * sin(2 * M) + 0.000289 * sin(3 * M);
    double om = (125.04 - 1934.136 * T) * DEG;
    double l = L0 + C - 0.00569 - 0.00478 * sin(om);
    l = fmod(l, 360.0);
    return l < 0 ? l + 360.0 : l;
}

/* Which of the twelve 30° arcs (0: 0°-30°, ... 9: the winter solstice's
 * 270°-300°) the sun is in at the local midnight that starts day jdn. A
 * month holds a major term when this changes between its first day and
 * the first day of the next month. */
static int sun_arc(int64_t jdn, int tz)
{
    double ut = (double)jdn - 0.5 - tz / 24.0;
    cal_date d = cal_from_jdn(jdn);
    return (int)(sun_longitude(ut + delta_t(d.y + (d.m - 0.5) / 12.0)) / 30.0);
}

/* The lunation in which local day jdn falls. */
static int lunation_of(int64_t jdn, int tz)
{
    int k = (int)floor(((double)jdn - NM_EPOCH) / SYNODIC);
    while (nm_day(k, tz) > jdn)
        k--;
    while (nm_day(k + 1, tz) <= jdn)
        k++;
    return k;
}

/* The lunation holding the winter solstice of solar year y: lunar month 11. */
static int month11(int y, int tz)
{
    int k = lunation_of(cal_jdn(y, 12, 31), tz);
    /* it begins after the solstice when the sun is already past 270° then */
    return sun_arc(nm_day(k, tz), tz) >= 9 ? k - 1 : k;
}

/* In a 13-month year beginning with month 11 at lunation a: the offset
 * (1..12) of the leap month, the first with no major term. */
static int leap_offset(int a, int tz)
{
    int arc = sun_arc(nm_day(a + 1, tz), tz);
    for (int i = 1; i <= 12; i++) {
        int next = sun_arc(nm_day(a + i + 1, tz), tz);
        if (next == arc) return i;
        arc = next;
    }
    return 12; /* not reached for a real 13-month year */
}

static bool jdn_in_range(int64_t jdn)
{
    return jdn >= cal_jdn(CAL_YEAR_MIN, 1, 1) && jdn <= cal_jdn(CAL_YEAR_MAX, 12, 31);
}

bool cal_to_lunar_tz(int64_t jdn, int tz, cal_lunar *out)
{
    if (!jdn_in_range(jdn)) return false;
    int sy = cal_from_jdn(jdn).y;
    int k = lunation_of(jdn, tz);
    int m11 = month11(sy, tz), a, b, year;
    if (k >= m11) {
        a = m11;
        b = month11(sy + 1, tz);
        year = sy + 1;
    } else {
        a = month11(sy - 1, tz);
        b = m11;
        year = sy;
    }
    int diff = k - a, month = diff + 11;
    bool leap = false;
    if (b - a == 13) {
        int l = leap_offset(a, tz);
        if (diff >= l) {
            month = diff + 10;
            leap = diff == l;
        }
    }
    if (month > 12) month -= 12;
    if (month >= 11 && diff < 4) year--;
    *out = (cal_lunar){(int)(jdn - nm_day(k, tz) + 1), month, year, leap};
    return true;
}

bool cal_to_lunar(int64_t jdn, cal_lunar *out)
{
    return cal_to_lunar_tz(jdn, CAL_TZ_VIETNAM, out);
}

bool cal_from_lunar_tz(const cal_lunar *l, int tz, int64_t *jdn)
{
    if (l->year < CAL_YEAR_MIN - 1 || l->year > CAL_YEAR_MAX || l->month < 1 || l->month > 12 ||
        l->day < 1 || l->day > 30)
        return false;
    int a, b, o;
    if (l->month >= 11) {
        a = month11(l->year, tz);
        b = month11(l->year + 1, tz);
        o = l->month - 11;
    } else {
        a = month11(l->year - 1, tz);
        b = month11(l->year, tz);
        o = l->month + 1;
    }
    int p = o;
    if (b - a == 13) {
        int lo = leap_offset(a, tz);
        if (l->leap) {
            if (lo != o + 1) return false;
            p = lo;
        } else if (o >= lo) {
            p = o + 1;
        }
    } else if (l->leap) {
        return false;
    }
    int64_t first = nm_day(a + p, tz), len = nm_day(a + p + 1, tz) - first;
    if (l->day > len) return false;
    *jdn = first + l->day - 1;
    return jdn_in_range(*jdn);
}

bool cal_from_lunar(const cal_lunar *l, int64_t *jdn)
{
    return cal_from_lunar_tz(l, CAL_TZ_VIETNAM, jdn);
}

bool cal_to_lunar_range(int64_t jdn, int n, cal_lunar *out)
{
    if (n < 1 || !jdn_in_range(jdn) || !jdn_in_range(jdn + n - 1)) return false;
    for (int i = 0; i < n; i++) {
        /* within a month the day just counts on; near its end ask again */
        if (i > 0 && out[i - 1].day < 29) {
            out[i] = out[i - 1];
            out[i].day++;
        } else if (!cal_to_lunar(jdn + i, &out[i])) {
            return false;
        }
    }
    return true;
}

int cal_leap_month(int y)
{
    const int tz = CAL_TZ_VIETNAM;
    /* offset o repeats the month at o - 1: offsets 0, 1, 2.. are months
     * 11, 12, 1..; so o = 1, 2 are a leap 11 or 12 (of the year that month
     * 11 belongs to) and o >= 3 a leap o - 2 of the next year */
    int a = month11(y - 1, tz), b = month11(y, tz), c = month11(y + 1, tz);
    if (b - a == 13) {
        int o = leap_offset(a, tz);
        if (o >= 3) return o - 2;
    }
    if (c - b == 13) {
        int o = leap_offset(b, tz);
        if (o <= 2) return 10 + o;
    }
    return 0;
}

const char *cal_year_name(int lunar_year, char *buf, size_t n)
{
    static const char *const can[] = {"Giáp", "Ất",   "Bính", "Đinh", "Mậu",
                                      "Kỷ",   "Canh", "Tân",  "Nhâm", "Quý"};
    static const char *const chi[] = {"Tý",  "Sửu", "Dần",  "Mão", "Thìn", "Tỵ",
                                      "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"};
    int y = lunar_year < 0 ? 0 : lunar_year;
    snprintf(buf, n, "%s %s", can[(y + 6) % 10], chi[(y + 8) % 12]);
    return buf;
}
