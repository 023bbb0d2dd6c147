/*
 * check.h — what the C unit tests share: counted checks, a way to end a test function
 * at its first failed requirement, and the closing line "name: N passed, M failed"
 * that tests/run and CI read. Include it once, in the test's own .c file.
 */
#ifndef TORG_CHECK_H
#define TORG_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

/* Counts one check; prints the failing expression with its place and goes on. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

/* In a test function returning 0 or -1: a failed requirement ends the test. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

/* Runs a test function returning 0 or -1 and counts it. */
#define RUN(t)                                                                                     \
	do {                                                                                       \
		if (t() == 0) {                                                                    \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "FAIL %s\n", #t);                                          \
		}                                                                                  \
	} while (0)

/* True when a and b are both NULL or equal strings. */
static inline bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/* Prints the closing line and returns the process's exit code. */
static inline int check_report(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, passed, failed);
	return failed ? 1 : 0;
}

#endif
