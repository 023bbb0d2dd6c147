/*
 * stats_result.c — the second step of the statistics (see stats.h): a result
 * for a query (a date range and a grouping by service, counter, day or hour of
 * day) and the merge of days' cells into its rows, its total, the queue by
 * hour, the transfer matrix and the wait histogram; the rows' durations are
 * sorted once at the end for their percentiles (stats_summarise, stats.c).
 * Pure: no I/O, no time zone; days are counted with hours.c's calendar.
 */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "util.h"

/* Appends a whole list. */
static void durs_append(struct stats_durs *d, const struct stats_durs *s)
{
	if (s->n == 0)
		return;
	if (d->n + s->n > d->cap) {
		d->cap = d->n + s->n > 2 * d->cap ? d->n + s->n : 2 * d->cap;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	memcpy(d->v + d->n, s->v, s->n * sizeof(*s->v));
	d->n += s->n;
}

/* A new empty result. */
struct stats_result *stats_result_create(const struct stats_query *q, size_t nservices,
					 size_t ncounters)
{
	if (q->to < q->from)
		return NULL;
	int64_t ndays = hours_day_number(q->to) - hours_day_number(q->from) + 1;
	if (ndays > STATS_MAX_DAYS)
		return NULL;
	struct stats_result *r = xcalloc(1, sizeof(*r));
	r->q = *q;
	r->nservices = nservices;
	r->ncounters = ncounters;
	r->ndays = (size_t)ndays;
	switch (q->group) {
	case STATS_GROUP_SERVICE:
		r->nrows = nservices;
		break;
	case STATS_GROUP_COUNTER:
		r->nrows = ncounters + 1;
		break;
	case STATS_GROUP_DAY:
		r->nrows = r->ndays;
		break;
	case STATS_GROUP_HOUR:
		r->nrows = STATS_HOURS;
		break;
	}
	r->keys = xcalloc(r->nrows ? r->nrows : 1, sizeof(*r->keys));
	r->rows = xcalloc(r->nrows ? r->nrows : 1, sizeof(*r->rows));
	int64_t d0 = hours_day_number(q->from);
	for (size_t i = 0; i < r->nrows; i++) {
		if (q->group == STATS_GROUP_DAY)
			r->keys[i] = hours_day_from_number(d0 + (int64_t)i);
		else if (q->group == STATS_GROUP_COUNTER && i == ncounters)
			r->keys[i] = -1;
		else
			r->keys[i] = (int32_t)i;
	}
	size_t ns = nservices ? nservices : 1;
	r->queue_area = xcalloc(STATS_HOURS * ns, sizeof(*r->queue_area));
	r->queue_max = xcalloc(STATS_HOURS * ns, sizeof(*r->queue_max));
	r->tr_visits = xcalloc(ns * ns, sizeof(*r->tr_visits));
	r->tr_floor_ms = xcalloc(ns * ns, sizeof(*r->tr_floor_ms));
	r->day_seen = xcalloc(r->ndays, sizeof(*r->day_seen));
	return r;
}

/* Row index of a cell in the grouping, or -1 when the grouping has no row for it. */
static long row_of(const struct stats_result *r, int32_t day, int hour, int service, int counter)
{
	switch (r->q.group) {
	case STATS_GROUP_SERVICE:
		return service >= 0 && (size_t)service < r->nservices ? service : -1;
	case STATS_GROUP_COUNTER:
		return counter < 0			? (long)r->ncounters
		       : (size_t)counter < r->ncounters ? counter
							: -1;
	case STATS_GROUP_DAY:
		return (long)(hours_day_number(day) - hours_day_number(r->q.from));
	case STATS_GROUP_HOUR:
		return hour >= 0 && hour < STATS_HOURS ? hour : -1;
	}
	return -1;
}

/* Adds a cell's counts and durations to a row. */
static void fig_add(struct stats_fig *f, const struct stats_cell *c)
{
	f->arrivals += c->arrivals;
	f->issued += c->issued;
	f->transfers_in += c->transfers_in;
	f->transfers_out += c->transfers_out;
	f->called += c->called;
	f->target_met += c->target_met;
	f->served += c->served;
	f->no_shows += c->no_shows;
	f->cancelled += c->cancelled;
	durs_append(&f->waits, &c->waits);
	durs_append(&f->services, &c->services);
}

/* True when day is inside the range; marks it as a day with data. */
static bool in_range(struct stats_result *r, int32_t day)
{
	if (day < r->q.from || day > r->q.to)
		return false;
	r->day_seen[hours_day_number(day) - hours_day_number(r->q.from)] = true;
	return true;
}

/* Merges one day's cells. */
void stats_result_add(struct stats_result *r, const struct stats_day *d)
{
	size_t ns = r->nservices;
	for (size_t i = 0; i < d->ncells; i++) {
		const struct stats_cell *c = &d->cells[i];
		if (c->service < 0 || (size_t)c->service >= ns || !in_range(r, c->day))
			continue;
		long row = row_of(r, c->day, c->hour, c->service, c->counter);
		if (row >= 0)
			fig_add(&r->rows[row], c);
		fig_add(&r->total, c);
		for (size_t k = 0; k < c->waits.n; k++) {
			size_t bin = (size_t)(c->waits.v[k] / (STATS_HIST_BIN_S * 1000));
			r->hist[bin < STATS_HIST_BINS ? bin : STATS_HIST_BINS - 1]++;
		}
	}
	for (size_t i = 0; i < d->nq; i++) {
		const struct stats_qcell *q = &d->q[i];
		if ((q->service >= 0 && (size_t)q->service >= ns) || q->hour < 0 ||
		    q->hour >= STATS_HOURS || !in_range(r, q->day))
			continue;
		bool floor = q->service < 0;
		if (floor && q->max > r->total.queue_max)
			r->total.queue_max = q->max;
		if (!floor) {
			size_t k = (size_t)q->hour * ns + (size_t)q->service;
			r->queue_area[k] += q->area_ms;
			if (q->max > r->queue_max[k])
				r->queue_max[k] = q->max;
		}
		/* the service rows take their own queue, day and hour rows the floor's */
		if (floor == (r->q.group == STATS_GROUP_SERVICE) ||
		    r->q.group == STATS_GROUP_COUNTER)
			continue;
		long row = row_of(r, q->day, q->hour, q->service, -1);
		if (row >= 0 && q->max > r->rows[row].queue_max)
			r->rows[row].queue_max = q->max;
	}
	for (size_t i = 0; i < d->nc; i++) {
		const struct stats_ccell *c = &d->c[i];
		if (c->counter < 0 || (size_t)c->counter >= r->ncounters || !in_range(r, c->day))
			continue;
		r->total.open_ms += c->open_ms;
		r->total.busy_ms += c->busy_ms;
		if (r->q.group == STATS_GROUP_SERVICE)
			continue;
		long row = row_of(r, c->day, c->hour, -1, c->counter);
		if (row >= 0) {
			r->rows[row].open_ms += c->open_ms;
			r->rows[row].busy_ms += c->busy_ms;
		}
	}
	for (size_t i = 0; i < d->nt; i++) {
		const struct stats_tcell *t = &d->t[i];
		if (t->from < 0 || t->to < 0 || (size_t)t->from >= ns || (size_t)t->to >= ns ||
		    !in_range(r, t->day))
			continue;
		r->tr_visits[(size_t)t->from * ns + (size_t)t->to] += t->visitors;
		r->tr_floor_ms[(size_t)t->from * ns + (size_t)t->to] += t->floor_ms;
	}
}

/* Sorts the rows' lists and counts the days with data. */
void stats_result_finish(struct stats_result *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		stats_durs_sort(&r->rows[i].waits);
		stats_durs_sort(&r->rows[i].services);
	}
	stats_durs_sort(&r->total.waits);
	stats_durs_sort(&r->total.services);
	r->ndays_data = 0;
	for (size_t i = 0; i < r->ndays; i++)
		r->ndays_data += r->day_seen[i];
}

/* Frees a result. */
void stats_result_free(struct stats_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows; i++) {
		free(r->rows[i].waits.v);
		free(r->rows[i].services.v);
	}
	free(r->total.waits.v);
	free(r->total.services.v);
	free(r->keys);
	free(r->rows);
	free(r->queue_area);
	free(r->queue_max);
	free(r->tr_visits);
	free(r->tr_floor_ms);
	free(r->day_seen);
	free(r);
}
