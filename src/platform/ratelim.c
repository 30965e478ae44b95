/* ratelim — per-key fixed-window counters in memory; see ratelim.h. */
#include "ratelim.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of key (a free or the oldest one of its 8-way set when it has
 * none); NULL when the table cannot be allocated. */
static ratelim_slot *slot_of(ratelim *l, const char *key, int64_t now, bool *fresh)
{
    if (!l->slots) {
        l->slots = calloc(RATELIM_SLOTS, sizeof *l->slots);
        if (!l->slots) return NULL;
    }
    size_t set = (hash(key) % (RATELIM_SLOTS / 8)) * 8;
    ratelim_slot *old = NULL;
    for (size_t i = set; i < set + 8; i++) {
        ratelim_slot *s = &l->slots[i];
        if (s->key[0] && !strncmp(s->key, key, RATELIM_KEY - 1)) {
            *fresh = now - s->start >= l->window_s;
            return s;
        }
        if (!old || !s->key[0] || (old->key[0] && s->start < old->start)) old = s;
    }
    *fresh = true;
    strncpy(old->key, key, RATELIM_KEY - 1);
    old->key[RATELIM_KEY - 1] = '\0';
    return old;
}

static bool check(ratelim *l, const char *key, int64_t now, int *retry_after, bool take)
{
    *retry_after = 0;
    pthread_mutex_lock(&l->mu);
    bool fresh, ok = true;
    ratelim_slot *s = slot_of(l, key, now, &fresh);
    if (s) {
        if (fresh) {
            s->start = now;
            s->count = 0;
        }
        if (s->count >= l->max) {
            ok = false;
            *retry_after = (int)(s->start + l->window_s - now);
            if (*retry_after < 1) *retry_after = 1;
        } else if (take) {
            s->count++;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

bool ratelim_take(ratelim *l, const char *key, int64_t now, int *retry_after)
{
    return check(l, key, now, retry_after, true);
}

bool ratelim_blocked(ratelim *l, const char *key, int64_t now, int *retry_after)
{
    return !check(l, key, now, retry_after, false);
}
