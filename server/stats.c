/*
 * stats.c — the core of the wait statistics (see stats.h): the reduction of
 * one day's legs and counter events to anonymous cells, cut into the local
 * hours of the floor's time zone (a queue sweep for the queue length, open and
 * busy time per counter, transfers per visit), the cell lists of a day, and the
 * duration lists with their sort and summary. The merge of days into the rows
 * of a grouping is stats_result.c; dates are hours.c's calendar, which the
 * stats_*date* and stats_day_* functions here only wrap for their callers. No
 * I/O: the only outside state read is the process's time zone (localtime_r,
 * mktime).
 */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hours.h"
#include "util.h"

/* ---- dates: thin wrappers of the calendar in hours.c, for the callers that use the
 * statistics' names (api_stats, stats_run, stats_out, store_staff, tests, bench) ---- */

/* ---- the local hours of a day ---- */

/* The local hours of one floor day: segment i is [b[i], b[i+1]) with hour h[i]. */
struct win {
	int64_t start, end, cap; /* cap: min(end, now), never before start */
	int n;
	int64_t b[32];
	int8_t h[32];
};

/* Fills the local hour segments of a day, cut at now. */
static void win_init(struct win *w, int32_t day, int day_start_min, int64_t now_ms)
{
	w->start = hours_day_start_ms(day, day_start_min);
	w->end = hours_day_start_ms(hours_day_add(day, 1), day_start_min);
	if (w->end <= w->start)
		w->end = w->start + 86400000;
	w->cap = now_ms < w->end ? now_ms : w->end;
	if (w->cap < w->start)
		w->cap = w->start;
	w->n = 0;
	int64_t t = w->start;
	while (t < w->end && w->n < 31) {
		time_t sec = (time_t)(t / 1000);
		struct tm tm;
		localtime_r(&sec, &tm);
		int64_t next =
		    t - ((int64_t)tm.tm_min * 60 + tm.tm_sec) * 1000 - t % 1000 + 3600000;
		if (next <= t)
			next = t + 3600000;
		if (next > w->end)
			next = w->end;
		w->b[w->n] = t;
		w->h[w->n] = (int8_t)tm.tm_hour;
		w->n++;
		t = next;
	}
	w->b[w->n] = w->end;
}

/* Clamps a moment into the day [start, end]. */
static int64_t win_clamp(const struct win *w, int64_t ms)
{
	return ms < w->start ? w->start : ms > w->end ? w->end : ms;
}

/* Moves the end of open intervals (now) to at least ms: a clock behind the events
 * (a test clock, a clock stepped back) never ends an interval before it began. */
static void win_cap_at_least(struct win *w, int64_t ms)
{
	ms = win_clamp(w, ms);
	if (ms > w->cap)
		w->cap = ms;
}

/* Segment index of a moment (clamped into the day). */
static int win_seg(const struct win *w, int64_t ms)
{
	int i = 0;
	while (i + 1 < w->n && ms >= w->b[i + 1])
		i++;
	return i;
}

/* Local hour of a moment (clamped into the day). */
static int win_hour(const struct win *w, int64_t ms)
{
	return w->h[win_seg(w, win_clamp(w, ms))];
}

/* ---- durations ---- */

/* Appends one duration. */
void stats_durs_push(struct stats_durs *d, int32_t ms)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n++] = ms;
}

/* Orders int32 values. */
static int i32_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* Sorts a list: insertion-free qsort when short, else an LSD radix sort (durations
 * are never negative), which is several times faster on a year's waits. */
void stats_durs_sort(struct stats_durs *d)
{
	if (d->n < 256) {
		if (d->n > 1)
			qsort(d->v, d->n, sizeof(*d->v), i32_cmp);
		return;
	}
	uint32_t *a = (uint32_t *)d->v, *b = xmalloc(d->n * sizeof(*b));
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < d->n; i++)
			count[((a[i] >> shift) & 0xff) + 1]++;
		if (count[1] == d->n && shift > 0)
			continue; /* every key's byte is 0: nothing to move */
		for (int k = 0; k < 256; k++)
			count[k + 1] += count[k];
		for (size_t i = 0; i < d->n; i++)
			b[count[(a[i] >> shift) & 0xff]++] = a[i];
		uint32_t *t = a;
		a = b;
		b = t;
	}
	if (a != (uint32_t *)d->v) {
		memcpy(d->v, a, d->n * sizeof(*a));
		free(a);
	} else {
		free(b);
	}
}

/* Mean, median, nearest-rank p90 and max of a sorted list, in seconds. */
struct stats_summary stats_summarise(const struct stats_durs *d)
{
	struct stats_summary s = {.n = d->n};
	if (d->n == 0)
		return s;
	int64_t sum = 0;
	for (size_t i = 0; i < d->n; i++)
		sum += d->v[i];
	s.mean_s = (double)sum / (double)d->n / 1000.0;
	if (d->n % 2)
		s.median_s = d->v[d->n / 2] / 1000.0;
	else
		s.median_s = ((double)d->v[d->n / 2 - 1] + (double)d->v[d->n / 2]) / 2000.0;
	size_t rank = (d->n * 9 + 9) / 10; /* ceil(0.9 n) */
	s.p90_s = d->v[rank - 1] / 1000.0;
	s.max_s = d->v[d->n - 1] / 1000.0;
	return s;
}

/* ---- the cells of a day ---- */

/* Empties the cell lists of a day. */
void stats_day_reset(struct stats_day *d, int32_t day)
{
	for (size_t i = 0; i < d->ncells; i++) {
		free(d->cells[i].waits.v);
		free(d->cells[i].services.v);
	}
	d->day = day;
	d->ncells = d->nq = d->nc = d->nt = 0;
}

/* Frees a day's storage. */
void stats_day_free(struct stats_day *d)
{
	stats_day_reset(d, 0);
	free(d->cells);
	free(d->q);
	free(d->c);
	free(d->t);
	memset(d, 0, sizeof(*d));
}

/* Grows an array of elements of size sz to hold one more. */
static void *grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * sz);
}

struct stats_cell *stats_day_add_cell(struct stats_day *d, int32_t day, int hour, int service,
				      int counter)
{
	d->cells = grow(d->cells, d->ncells, &d->cells_cap, sizeof(*d->cells));
	struct stats_cell *c = &d->cells[d->ncells++];
	memset(c, 0, sizeof(*c));
	c->day = day;
	c->hour = (int8_t)hour;
	c->service = (int16_t)service;
	c->counter = (int16_t)counter;
	return c;
}

void stats_day_add_q(struct stats_day *d, const struct stats_qcell *q)
{
	d->q = grow(d->q, d->nq, &d->q_cap, sizeof(*d->q));
	d->q[d->nq++] = *q;
}

void stats_day_add_c(struct stats_day *d, const struct stats_ccell *c)
{
	d->c = grow(d->c, d->nc, &d->c_cap, sizeof(*d->c));
	d->c[d->nc++] = *c;
}

void stats_day_add_t(struct stats_day *d, const struct stats_tcell *t)
{
	d->t = grow(d->t, d->nt, &d->t_cap, sizeof(*d->t));
	d->t[d->nt++] = *t;
}

/* Working state of one day build. */
struct build {
	struct stats_day *d;
	struct win w;
	size_t ns, nc;
	int32_t *first; /* [hour * ns + service] -> first cell index, -1 none */
	int32_t *next;	/* per cell: next cell of the same (hour, service) */
	size_t next_cap;
	int64_t *qarea; /* [hour * (ns + 1) + service], floor at service ns */
	uint32_t *qmax;
	int64_t *open, *busy; /* [hour * nc + counter] */
	uint32_t *tv;	      /* [from * ns + to] */
	int64_t *tms;
	/* queue sweep: +1/-1 steps */
	struct step {
		int64_t at;
		int16_t service;
		int8_t delta;
	} * steps;
	size_t nsteps, steps_cap;
};

/* The cell of (hour, service, counter), created when missing. */
static struct stats_cell *cell_at(struct build *b, int hour, int service, int counter)
{
	int32_t *head = &b->first[hour * b->ns + service];
	for (int32_t i = *head; i >= 0; i = b->next[i])
		if (b->d->cells[i].counter == counter)
			return &b->d->cells[i];
	struct stats_cell *c = stats_day_add_cell(b->d, b->d->day, hour, service, counter);
	int32_t idx = (int32_t)(b->d->ncells - 1);
	b->next = grow(b->next, (size_t)idx, &b->next_cap, sizeof(*b->next));
	b->next[idx] = *head;
	*head = idx;
	return c;
}

/* Adds the parts of [from, to) to per-hour slots: acc[hour * stride + col] += length. */
static void split_add(const struct win *w, int64_t from, int64_t to, int64_t *acc, size_t stride,
		      size_t col)
{
	from = win_clamp(w, from);
	to = win_clamp(w, to);
	for (int i = win_seg(w, from); from < to && i < w->n; i++) {
		int64_t e = w->b[i + 1] < to ? w->b[i + 1] : to;
		if (e > from)
			acc[(size_t)w->h[i] * stride + col] += e - from;
		from = e;
	}
}

/* Queue sweep of one column (a service, or ns for the floor) over [from, to) at
 * length count: area and max per hour. */
static void queue_span(struct build *b, size_t col, int64_t from, int64_t to, uint32_t count)
{
	if (count == 0 || to <= from)
		return;
	size_t stride = b->ns + 1;
	for (int i = win_seg(&b->w, from); from < to && i < b->w.n; i++) {
		int64_t e = b->w.b[i + 1] < to ? b->w.b[i + 1] : to;
		if (e > from) {
			size_t k = (size_t)b->w.h[i] * stride + col;
			b->qarea[k] += (e - from) * (int64_t)count;
			if (count > b->qmax[k])
				b->qmax[k] = count;
		}
		from = e;
	}
}

/* Adds one queue step. */
static void step_push(struct build *b, int64_t at, int service, int delta)
{
	b->steps = grow(b->steps, b->nsteps, &b->steps_cap, sizeof(*b->steps));
	b->steps[b->nsteps++] =
	    (struct step){.at = at, .service = (int16_t)service, .delta = (int8_t)delta};
}

/* Orders steps by time, leaving the queue before joining it at the same moment. */
static int step_cmp(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->at != y->at)
		return (x->at > y->at) - (x->at < y->at);
	return x->delta - y->delta;
}

/* Runs the queue sweep over the collected steps. */
static void queue_sweep(struct build *b)
{
	qsort(b->steps, b->nsteps, sizeof(*b->steps), step_cmp);
	size_t cols = b->ns + 1;
	uint32_t *count = xcalloc(cols, sizeof(*count));
	int64_t *since = xcalloc(cols, sizeof(*since));
	for (size_t i = 0; i < b->nsteps; i++) {
		const struct step *s = &b->steps[i];
		size_t cs[2] = {(size_t)s->service, b->ns};
		for (int k = 0; k < 2; k++) {
			size_t c = cs[k];
			queue_span(b, c, since[c], s->at, count[c]);
			if (s->delta > 0 || count[c] > 0)
				count[c] = (uint32_t)((int64_t)count[c] + s->delta);
			since[c] = s->at;
			if (s->delta > 0) {
				size_t q = (size_t)win_hour(&b->w, s->at) * cols + c;
				if (count[c] > b->qmax[q])
					b->qmax[q] = count[c];
			}
		}
	}
	for (size_t c = 0; c < cols; c++)
		queue_span(b, c, since[c], b->w.cap, count[c]);
	free(count);
	free(since);
}

/* Adds one leg's figures. */
static void add_leg(struct build *b, const struct stats_leg *l, const struct floor_def *def)
{
	const struct win *w = &b->w;
	int s = l->service;
	struct stats_cell *c = cell_at(b, win_hour(w, l->queued_ms), s, -1);
	c->arrivals++;
	if (l->leg <= 1)
		c->issued++;
	else
		c->transfers_in++;
	int64_t wait_end = l->called_ms ? l->called_ms : l->ended_ms ? l->ended_ms : w->cap;
	int64_t q0 = win_clamp(w, l->queued_ms), q1 = win_clamp(w, wait_end);
	if (q1 < q0)
		q1 = q0;
	step_push(b, q0, s, +1);
	step_push(b, q1, s, -1);
	if (l->called_ms) {
		int64_t wait = l->called_ms - l->queued_ms;
		if (wait < 0)
			wait = 0;
		c = cell_at(b, win_hour(w, l->called_ms), s, l->counter);
		c->called++;
		stats_durs_push(&c->waits, (int32_t)(wait > INT32_MAX ? INT32_MAX : wait));
		if (wait <= (int64_t)def->services[s].target_wait_s * 1000)
			c->target_met++;
		if (l->counter >= 0)
			split_add(w, l->called_ms, l->ended_ms ? l->ended_ms : w->cap, b->busy,
				  b->nc, (size_t)l->counter);
	}
	if (!l->ended_ms)
		return;
	c = cell_at(b, win_hour(w, l->ended_ms), s, l->counter);
	switch (l->outcome) {
	case FLOOR_DONE: {
		c->served++;
		if (l->leg < l->nlegs)
			c->transfers_out++;
		int64_t from = l->started_ms ? l->started_ms : l->called_ms;
		if (from) {
			int64_t d = l->ended_ms - from;
			stats_durs_push(&c->services, (int32_t)(d < 0		? 0
								: d > INT32_MAX ? INT32_MAX
										: d));
		}
		break;
	}
	case FLOOR_NO_SHOW:
		c->no_shows++;
		break;
	case FLOOR_CANCELLED:
		c->cancelled++;
		break;
	default:
		break;
	}
}

/* Adds the transfers of one visit: legs[0..n) are its legs in order. */
static void add_visit(struct build *b, const struct stats_leg *legs, size_t n)
{
	if (n < 2)
		return;
	const struct stats_leg *last = &legs[n - 1];
	int64_t end = last->ended_ms ? last->ended_ms : b->w.cap;
	int64_t on_floor = end - legs[0].issued_ms;
	if (on_floor < 0)
		on_floor = 0;
	for (size_t i = 1; i < n; i++) {
		if (legs[i - 1].service < 0 || legs[i].service < 0)
			continue;
		size_t k = (size_t)legs[i - 1].service * b->ns + (size_t)legs[i].service;
		b->tv[k]++;
		b->tms[k] += on_floor;
	}
}

/* Adds the counters' open time from their events; a break's time is not open time. A
 * close with no open before it closes what was open since the day's start, unless the
 * counter was on a break. */
static void add_open(struct build *b, const struct stats_ctr_event *ev, size_t nev)
{
	int64_t *since = xcalloc(b->nc ? b->nc : 1, sizeof(*since));
	bool *open = xcalloc(b->nc ? b->nc : 1, sizeof(*open));
	bool *paused = xcalloc(b->nc ? b->nc : 1, sizeof(*paused));
	for (size_t i = 0; i < nev; i++) {
		size_t c = (size_t)ev[i].counter;
		if (ev[i].open) {
			if (open[c])
				split_add(&b->w, since[c], ev[i].at_ms, b->open, b->nc, c);
			open[c] = true;
			since[c] = ev[i].at_ms;
		} else if (open[c] || (!paused[c] && !ev[i].pause)) {
			split_add(&b->w, open[c] ? since[c] : b->w.start, ev[i].at_ms, b->open,
				  b->nc, c);
			open[c] = false;
		}
		paused[c] = ev[i].pause && !ev[i].open;
	}
	for (size_t c = 0; c < b->nc; c++)
		if (open[c])
			split_add(&b->w, since[c], b->w.cap, b->open, b->nc, c);
	free(since);
	free(open);
	free(paused);
}

/* Builds one day's cells. */
int stats_day_build(struct stats_day *out, int32_t day, const struct stats_env *env,
		    const struct stats_leg *legs, size_t nlegs, const struct stats_ctr_event *ev,
		    size_t nev)
{
	const struct floor_def *def = env->def;
	struct build b = {.d = out, .ns = def->nservices, .nc = def->ncounters};
	stats_day_reset(out, day);
	for (size_t i = 0; i < nlegs; i++)
		if (legs[i].service >= (int)b.ns || legs[i].counter >= (int)b.nc ||
		    legs[i].counter < -1)
			return -EINVAL;
	for (size_t i = 0; i < nev; i++)
		if (ev[i].counter < 0 || ev[i].counter >= (int)b.nc)
			return -EINVAL;
	win_init(&b.w, day, env->day_start_min, env->now_ms);
	for (size_t i = 0; i < nlegs; i++) {
		const struct stats_leg *l = &legs[i];
		win_cap_at_least(&b.w, l->queued_ms);
		win_cap_at_least(&b.w, l->called_ms);
		win_cap_at_least(&b.w, l->started_ms);
		win_cap_at_least(&b.w, l->ended_ms);
	}
	for (size_t i = 0; i < nev; i++)
		win_cap_at_least(&b.w, ev[i].at_ms);
	size_t ns = b.ns ? b.ns : 1, nc = b.nc ? b.nc : 1;
	b.first = xmalloc(STATS_HOURS * ns * sizeof(*b.first));
	memset(b.first, 0xff, STATS_HOURS * ns * sizeof(*b.first));
	b.qarea = xcalloc(STATS_HOURS * (ns + 1), sizeof(*b.qarea));
	b.qmax = xcalloc(STATS_HOURS * (ns + 1), sizeof(*b.qmax));
	b.open = xcalloc(STATS_HOURS * nc, sizeof(*b.open));
	b.busy = xcalloc(STATS_HOURS * nc, sizeof(*b.busy));
	b.tv = xcalloc(ns * ns, sizeof(*b.tv));
	b.tms = xcalloc(ns * ns, sizeof(*b.tms));

	size_t v0 = 0;
	for (size_t i = 0; i < nlegs; i++) {
		if (legs[i].service >= 0 && legs[i].queued_ms)
			add_leg(&b, &legs[i], def);
		if (i + 1 == nlegs || legs[i + 1].visit != legs[i].visit) {
			add_visit(&b, &legs[v0], i + 1 - v0);
			v0 = i + 1;
		}
	}
	queue_sweep(&b);
	add_open(&b, ev, nev);

	for (int h = 0; h < STATS_HOURS; h++) {
		for (size_t s = 0; s <= b.ns; s++) {
			size_t k = (size_t)h * (b.ns + 1) + s;
			if (b.qarea[k] || b.qmax[k])
				stats_day_add_q(out, &(struct stats_qcell){
							 .day = day,
							 .hour = (int8_t)h,
							 .service = s == b.ns ? -1 : (int16_t)s,
							 .area_ms = b.qarea[k],
							 .max = b.qmax[k]});
		}
		for (size_t c = 0; c < b.nc; c++) {
			size_t k = (size_t)h * b.nc + c;
			if (b.open[k] || b.busy[k])
				stats_day_add_c(out, &(struct stats_ccell){.day = day,
									   .hour = (int8_t)h,
									   .counter = (int16_t)c,
									   .open_ms = b.open[k],
									   .busy_ms = b.busy[k]});
		}
	}
	for (size_t f = 0; f < b.ns; f++)
		for (size_t t = 0; t < b.ns; t++)
			if (b.tv[f * b.ns + t])
				stats_day_add_t(
				    out, &(struct stats_tcell){.day = day,
							       .from = (int16_t)f,
							       .to = (int16_t)t,
							       .visitors = b.tv[f * b.ns + t],
							       .floor_ms = b.tms[f * b.ns + t]});
	free(b.first);
	free(b.next);
	free(b.qarea);
	free(b.qmax);
	free(b.open);
	free(b.busy);
	free(b.tv);
	free(b.tms);
	free(b.steps);
	return 0;
}
