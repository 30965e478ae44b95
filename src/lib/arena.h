/*
 * arena — a bump allocator with cleanup hooks.
 * One arena per request (or per CLI command): allocate freely, never free
 * piecemeal; arena_free() releases everything and runs the cleanups.
 */
#ifndef TS_ARENA_H
#define TS_ARENA_H

#include <stddef.h>
#include <stdarg.h>

typedef struct arena arena;

/* Create an arena whose first block holds at least `first` bytes. */
arena *arena_new(size_t first);
/* Run cleanups (last registered first) and release all memory. NULL is fine. */
void arena_free(arena *a);
/* Run cleanups and forget all allocations, keeping the first block. */
void arena_reset(arena *a);

/* Allocate n bytes aligned for any type; never returns NULL (aborts on OOM). */
void *arena_alloc(arena *a, size_t n);
/* Zeroed allocation. */
void *arena_calloc(arena *a, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Register fn(p) to run when the arena is reset or freed. */
void arena_cleanup_add(arena *a, void (*fn)(void *), void *p);

/* Bytes handed out since creation or the last reset (for metrics/tests). */
size_t arena_used(const arena *a);

#endif
