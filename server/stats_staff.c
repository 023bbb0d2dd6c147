/*
 * stats_staff.c — the pure part of the per-staff figures (see stats_staff.h):
 * shifts are indexed by counter and start, each called leg goes to the shift
 * of its counter that covered its first call, and intervals (shifts, busy
 * time) are cut to the range and to now. No I/O.
 */
#include "stats_staff.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Orders shifts by counter, then start. */
static int shift_cmp(const void *a, const void *b)
{
	const struct stats_shift *x = *(const struct stats_shift *const *)a;
	const struct stats_shift *y = *(const struct stats_shift *const *)b;
	if (x->counter != y->counter)
		return x->counter - y->counter;
	return (x->from_ms > y->from_ms) - (x->from_ms < y->from_ms);
}

/* Orders rows by user name. */
static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stats_staff_row *)a)->user,
		      ((const struct stats_staff_row *)b)->user);
}

/* Length of [from, to) inside [span->start_ms, cap), never negative. */
static int64_t clip(const struct stats_staff_span *span, int64_t cap, int64_t from, int64_t to)
{
	if (from < span->start_ms)
		from = span->start_ms;
	if (to > cap)
		to = cap;
	return to > from ? to - from : 0;
}

/* The shift of by[0..n) (sorted by counter, start) at counter c that covered moment t:
 *  the latest one starting at or before t, if it had not ended before t; or NULL. */
static const struct stats_shift *shift_at(const struct stats_shift *const *by, size_t n, int c,
					  int64_t t)
{
	size_t lo = 0, hi = n; /* first index after every (counter, from) <= (c, t) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (by[mid]->counter < c || (by[mid]->counter == c && by[mid]->from_ms <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct stats_shift *s = by[lo - 1];
	if (s->counter != c || (s->to_ms && s->to_ms < t))
		return NULL;
	return s;
}

struct stats_staff *stats_staff_build(const struct stats_staff_span *span, char **users,
				      size_t nusers, const struct stats_shift *shifts,
				      size_t nshifts, const struct stats_staff_leg *legs,
				      size_t nlegs)
{
	struct stats_staff *r = xcalloc(1, sizeof(*r));
	r->from = span->from;
	r->to = span->to;
	r->nrows = nusers;
	r->rows = xcalloc(nusers ? nusers : 1, sizeof(*r->rows));
	for (size_t i = 0; i < nusers; i++)
		r->rows[i].user = users[i];
	free(users);
	/* Open intervals end now, but never past the range. */
	int64_t cap = span->now_ms < span->end_ms ? span->now_ms : span->end_ms;

	const struct stats_shift **by = xmalloc((nshifts ? nshifts : 1) * sizeof(*by));
	size_t n = 0;
	for (size_t i = 0; i < nshifts; i++) {
		const struct stats_shift *s = &shifts[i];
		if (s->user >= nusers)
			continue;
		int64_t end = s->to_ms ? (s->to_ms < span->end_ms ? s->to_ms : span->end_ms) : cap;
		r->rows[s->user].signed_on_ms += clip(span, span->end_ms, s->from_ms, end);
		if (s->counter >= 0)
			by[n++] = s;
	}
	qsort(by, n, sizeof(*by), shift_cmp);

	for (size_t i = 0; i < nlegs; i++) {
		const struct stats_staff_leg *l = &legs[i];
		if (l->counter < 0 || !l->called_ms)
			continue;
		const struct stats_shift *s = shift_at(by, n, l->counter, l->called_ms);
		if (!s)
			continue;
		struct stats_staff_row *row = &r->rows[s->user];
		int64_t end =
		    l->ended_ms ? (l->ended_ms < span->end_ms ? l->ended_ms : span->end_ms) : cap;
		row->busy_ms += clip(span, span->end_ms, l->called_ms, end);
		if (!l->ended_ms)
			continue;
		if (l->outcome == FLOOR_DONE) {
			row->served++;
			int64_t d = l->ended_ms - (l->started_ms ? l->started_ms : l->called_ms);
			stats_durs_push(&row->services, (int32_t)(d < 0		  ? 0
								  : d > INT32_MAX ? INT32_MAX
										  : d));
		} else if (l->outcome == FLOOR_NO_SHOW) {
			row->no_shows++;
		}
	}
	free(by);
	for (size_t i = 0; i < r->nrows; i++)
		stats_durs_sort(&r->rows[i].services);
	if (r->nrows > 1)
		qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	return r;
}

void stats_staff_free(struct stats_staff *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows; i++) {
		free(r->rows[i].user);
		free(r->rows[i].services.v);
	}
	free(r->rows);
	free(r);
}
