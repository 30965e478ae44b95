/*
 * ticker — a background thread that calls fn(arg, false) about once a
 * second, and fn(arg, true) once when stopped (the last chance to write
 * what is pending). Used by the audit signer and the security-event writer.
 */
#ifndef TS_TICKER_H
#define TS_TICKER_H

#include <pthread.h>
#include <stdbool.h>

typedef struct ticker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stop;
    void (*fn)(void *arg, bool stopping);
    void *arg;
} ticker;

/* false when the thread cannot be started */
bool ticker_start(ticker *t, void (*fn)(void *arg, bool stopping), void *arg);
/* wakes the thread, which calls fn(arg, true) and ends; no-op when not running */
void ticker_stop(ticker *t);

#endif
