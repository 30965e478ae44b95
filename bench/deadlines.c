/*
 * bench/deadlines.c — how fast deadlines in working time are computed: N
 * random intake instants (2025-2026, any minute) and durations (1-60
 * working days; every tenth in working hours, every tenth in calendar
 * days), one thread. Build and run:
 *   gcc -O2 -Isrc -o /tmp/deadlines bench/deadlines.c src/platform/calendar.c \
 *       src/platform/worktime.c -lm && /tmp/deadlines 1000000
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "platform/worktime.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wt_cal *c = wt_cal_new(NULL, NULL, 0, NULL, 0);
    if (!c) return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t from = wt_local(2025, 1, 1, 0, 0), span = wt_local(2027, 1, 1, 0, 0) - from;
    unsigned long long sum = 0, seed = 42;
    long failed = 0;
    for (long i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        wt_deadline_in in = {.received = from + (int64_t)((seed >> 20) % (unsigned long long)span),
                             .unit = i % 10 == 0   ? WT_WORKING_HOURS
                                     : i % 10 == 1 ? WT_CALENDAR_DAYS
                                                   : WT_WORKING_DAYS,
                             .amount = 1 + (int)((seed >> 8) % 60),
                             .same_day = i % 7 == 0};
        wt_deadline out;
        if (!wt_deadline_compute(c, &in, &out)) failed++;
        sum += (unsigned long long)out.due;
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    double build = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    double run = (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9;
    printf("calendar built in %.1f ms (1900-2100); %ld deadlines in %.3f s (%.0f ns each), %ld "
           "refused, checksum %llu\n",
           build * 1e3, n, run, run / n * 1e9, failed, sum % 1000000007ULL);
    wt_cal_free(c);
    return failed != 0;
}
