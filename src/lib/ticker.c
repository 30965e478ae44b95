/* ticker — see ticker.h. */
#include "ticker.h"

#include <time.h>

static void *ticker_main(void *arg)
{
    ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        if (!t->stop && !t->kicked) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&t->cv, &t->mu, &ts);
        }
        bool stopping = t->stop;
        t->kicked = false;
        pthread_mutex_unlock(&t->mu);
        t->fn(t->arg, stopping);
        if (stopping) return NULL;
        pthread_mutex_lock(&t->mu);
    }
}

bool ticker_start(ticker *t, void (*fn)(void *arg, bool stopping), void *arg)
{
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->fn = fn;
    t->arg = arg;
    t->stop = false;
    t->kicked = false;
    t->running = pthread_create(&t->thread, NULL, ticker_main, t) == 0;
    if (!t->running) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
    }
    return t->running;
}

void ticker_kick(ticker *t)
{
    if (!t->running) return;
    pthread_mutex_lock(&t->mu);
    t->kicked = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void ticker_stop(ticker *t)
{
    if (!t->running) return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    t->running = false;
}
