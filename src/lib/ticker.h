/*
 * ticker — a background thread that calls fn(arg, false) about once a
 * second (sooner when kicked), and fn(arg, true) once when stopped (the last
 * chance to write what is pending). Used by the audit signer, the
 * security-event writer and the notification outbox.
 */
#ifndef TS_TICKER_H
#define TS_TICKER_H

#include <pthread.h>
#include <stdbool.h>

typedef struct ticker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stop, kicked;
    void (*fn)(void *arg, bool stopping);
    void *arg;
} ticker;

/* false when the thread cannot be started */
bool ticker_start(ticker *t, void (*fn)(void *arg, bool stopping), void *arg);
/* wakes the thread now for one more fn(arg, false) (work is waiting); any thread */
void ticker_kick(ticker *t);
/* wakes the thread, which calls fn(arg, true) and ends; no-op when not running */
void ticker_stop(ticker *t);

#endif
