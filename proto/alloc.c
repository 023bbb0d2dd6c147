/* alloc.c: the allocator family of alloc.h. Every function aborts on out-of-memory after
 * one line on stderr naming the program (program_invocation_short_name: "torgd",
 * "torg-display", a test) and the size asked for; a zero size is rounded up to one byte so
 * that a successful call never returns NULL. Nothing else: no state, no dependency beyond
 * libc, so any torg library can link it. */
#include "alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts with a message about the failed allocation of n bytes. */
static void oom(size_t n)
{
	fprintf(stderr, "%s: fatal: out of memory (%zu bytes)\n", program_invocation_short_name, n);
	abort();
}

/* Allocates n bytes (at least one) or aborts. */
void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

/* Allocates a zeroed array of nmemb elements of size bytes (at least one) or aborts. */
void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

/* Resizes p to n bytes (at least one) or aborts. */
void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

/* Duplicates s (NULL gives NULL) or aborts. */
char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *p = strdup(s);
	if (!p)
		oom(strlen(s) + 1);
	return p;
}

/* Duplicates at most n bytes of s or aborts. */
char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom(n + 1);
	return p;
}

/* Formats into a new string or aborts. */
char *xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	return s;
}

/* Formats into a new string or aborts. */
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}
