/*
 * ratelim — "at most N of these per address per window", in this process's
 * memory: for floods that must be stopped cheaply without writing to the
 * database (lookups of codes that do not exist). Each limiter is a small
 * fixed table of (key, window start, count) slots, replaced oldest first
 * when full; a key's count resets when its window has passed. Separate
 * processes count separately (a flood spread over them gets N per process;
 * the sign-in throttle, which must hold across processes, lives in the
 * database instead).
 */
#ifndef TS_RATELIM_H
#define TS_RATELIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define RATELIM_SLOTS 4096
#define RATELIM_KEY 64

typedef struct ratelim_slot {
    char key[RATELIM_KEY];
    int64_t start; /* window start, seconds */
    int count;
} ratelim_slot;

typedef struct ratelim {
    int max;      /* per window */
    int window_s; /* seconds */
    pthread_mutex_t mu;
    ratelim_slot *slots; /* RATELIM_SLOTS, allocated on first use */
} ratelim;

#define RATELIM_INIT(max_, window_)                                                                \
    {                                                                                              \
        (max_), (window_), PTHREAD_MUTEX_INITIALIZER, NULL                                         \
    }

/* Count one event of key at now (seconds). true when it is within the
 * limit; false (not counted) when the key has used its window up, with
 * *retry_after the seconds until the window ends. */
bool ratelim_take(ratelim *l, const char *key, int64_t now, int *retry_after);
/* Whether key would be refused now, without counting (*retry_after as above). */
bool ratelim_blocked(ratelim *l, const char *key, int64_t now, int *retry_after);

#endif
