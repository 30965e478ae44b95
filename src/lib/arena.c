/*
 * arena — bump allocation in a chain of blocks, nginx-pool style cleanups.
 * Large allocations get their own block so a big body does not waste the
 * tail of the current one.
 */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define ARENA_ALIGN 16

typedef struct block {
    struct block *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[]; /* 16-aligned so every allocation is */
} block;

typedef struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *p;
} cleanup;

struct arena {
    block *first;
    block *cur;
    cleanup *cleanups;
    size_t total;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("tinhso: out of memory\n", stderr);
        abort();
    }
    return p;
}

static block *block_new(size_t cap)
{
    block *b = xmalloc(sizeof(block) + cap);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

arena *arena_new(size_t first)
{
    arena *a = xmalloc(sizeof(*a));
    if (first < 1024) first = 1024;
    a->first = a->cur = block_new(first);
    a->cleanups = NULL;
    a->total = 0;
    return a;
}

static void run_cleanups(arena *a)
{
    cleanup *c = a->cleanups;
    a->cleanups = NULL;
    while (c) {
        cleanup *next = c->next;
        c->fn(c->p);
        c = next;
    }
}

static void free_blocks_after_first(arena *a)
{
    block *b = a->first->next;
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
    a->first->next = NULL;
    a->first->used = 0;
    a->cur = a->first;
}

void arena_reset(arena *a)
{
    if (!a) return;
    run_cleanups(a);
    free_blocks_after_first(a);
    a->total = 0;
}

void arena_free(arena *a)
{
    if (!a) return;
    run_cleanups(a);
    free_blocks_after_first(a);
    free(a->first);
    free(a);
}

void *arena_alloc(arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0) need = ARENA_ALIGN;
    block *b = a->cur;
    if (b->cap - b->used < need) {
        size_t cap = b->cap * 2;
        if (cap < need) cap = need;
        if (cap > 1u << 20 && need < (1u << 20)) cap = 1u << 20;
        block *nb = block_new(cap);
        /* keep the chain: insert after cur so iteration frees everything */
        nb->next = b->next;
        b->next = nb;
        a->cur = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(arena *a, const char *s)
{
    if (!s) return NULL;
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) return arena_strdup(a, "");
    char *d = arena_alloc(a, (size_t)n + 1);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

void arena_cleanup_add(arena *a, void (*fn)(void *), void *p)
{
    cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t arena_used(const arena *a)
{
    return a->total;
}
