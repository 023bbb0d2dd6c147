/* alloc.h: the one allocator family of torg, used by torgd (server/util.h includes this
 * header) and torg-display alike: malloc, calloc, realloc, strdup, strndup and asprintf
 * that abort with "<program>: fatal: out of memory" instead of returning NULL, so a caller
 * never checks. It lives in proto/ because proto/ is the only code both programs link; it
 * is its own small library (torgalloc, see proto/meson.build) below both the protocol
 * library and server/util, so neither has to link the other to allocate. */
#ifndef TORG_PROTO_ALLOC_H
#define TORG_PROTO_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

/** malloc of at least one byte that aborts on out-of-memory; never returns NULL. */
void *xmalloc(size_t n);
/** calloc of at least one element of at least one byte; aborts on out-of-memory. */
void *xcalloc(size_t nmemb, size_t size);
/** realloc to at least one byte that aborts on out-of-memory. */
void *xrealloc(void *p, size_t n);
/** strdup that aborts on out-of-memory; NULL in gives NULL out. */
char *xstrdup(const char *s);
/** strndup that aborts on out-of-memory. */
char *xstrndup(const char *s, size_t n);
/** asprintf that aborts on out-of-memory; returns the new string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** vasprintf that aborts on out-of-memory; returns the new string (caller frees). */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
