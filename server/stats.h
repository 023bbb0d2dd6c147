/*
 * stats.h — wait statistics of the floor. Figures are built in two steps.
 * First each local day of the floor is reduced to anonymous cells: per (hour
 * of day, service, counter) the counts and the sorted lists of wait and
 * service durations, per (hour, service) the queue length, per (hour,
 * counter) the open and busy time, and per (from, to) service the transfers.
 * Cells hold durations only: no ticket, number or exact moment. Then cells of
 * any date range are merged into rows of one grouping (service, counter, day
 * or hour of day), plus a total, the queue by hour and the transfer matrix.
 * The store builds cells from its legs and journal for recent days and keeps
 * them in aggregate tables for days whose ticket-level history the retention
 * purge has deleted, so a day's figures are the same before and after the
 * purge. This file's functions are pure (no I/O, no SQLite): stats.c builds
 * the cells of a day and stats_result.c merges days into a result, counting
 * days with hours.h's calendar; store_stats.c and store_purge.c read and write
 * the tables, stats_run.c runs them off the loop, stats_out.c renders JSON and
 * CSV.
 *
 * Definitions (all per leg: a transferred visit counts in each service):
 * arrivals = legs that joined a service's queue (new tickets and transfers in),
 * counted in the hour they joined; wait = first call minus joining the queue,
 * counted in the hour of the call; target met = called legs whose wait was at
 * most the service's target; served = legs whose meeting took place (ended done
 * or transferred on), service time = from start (or the call, when never
 * started) to the end, counted in the hour of the end, as are no-shows,
 * cancellations and transfers out. Busy = a counter's time from calling a leg
 * to the leg's end; open = from counter.opened to counter.closed, less breaks
 * (counter.break to counter.back, or to the close). Intervals
 * are cut to the floor's local day and, for today, to now.
 */
#ifndef TORG_STATS_H
#define TORG_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "floor.h"
#include "hours.h" /* the calendar of days (yyyymmdd) the figures are kept by */

#define STATS_HOURS	 24
#define STATS_MAX_DAYS	 3700 /* longest range a query may span (about ten years) */
#define STATS_HIST_BIN_S 300
#define STATS_HIST_BINS	 13 /* 0-5 min, ..., 55-60 min, 60 min and more */

enum stats_group {
	STATS_GROUP_SERVICE = 0,
	STATS_GROUP_COUNTER = 1,
	STATS_GROUP_DAY = 2,
	STATS_GROUP_HOUR = 3,
};

/* A growable list of durations in ms. */
struct stats_durs {
	int32_t *v;
	size_t n, cap;
};

/* One leg as the store holds it; a time of 0 means "did not happen (yet)". */
struct stats_leg {
	uint32_t visit;	     /* the ticket's handle within its day */
	uint16_t leg, nlegs; /* 1-based leg and the visit's number of legs so far */
	int16_t service;     /* -1: a service no longer configured (the leg is skipped) */
	int16_t counter;     /* counter that called it, -1 none */
	int64_t issued_ms, queued_ms, called_ms, started_ms, ended_ms;
	enum floor_state outcome; /* a transferred leg ends FLOOR_DONE */
};

/* A counter.opened / counter.closed event, or (pause) a counter.back (open) /
 * counter.break (not open): a break is no open time. */
struct stats_ctr_event {
	int16_t counter;
	bool open;
	bool pause;
	int64_t at_ms;
};

/* Figures of one (day, hour, service, counter); counter -1 for legs never called. */
struct stats_cell {
	int32_t day;
	int8_t hour;
	int16_t service, counter;
	uint32_t arrivals, issued, transfers_in, called, target_met;
	uint32_t served, no_shows, cancelled, transfers_out;
	struct stats_durs waits, services; /* ms; stored sorted, in any order while built */
};

/* Queue of one (day, hour, service); service -1 is the whole floor. */
struct stats_qcell {
	int32_t day;
	int8_t hour;
	int16_t service;
	int64_t area_ms; /* integral of the queue length over the hour, in ticket-ms */
	uint32_t max;
};

/* Open and busy time of one (day, hour, counter). */
struct stats_ccell {
	int32_t day;
	int8_t hour;
	int16_t counter;
	int64_t open_ms, busy_ms;
};

/* Transfers of one day from one service to another. */
struct stats_tcell {
	int32_t day;
	int16_t from, to;
	uint32_t visitors;
	int64_t floor_ms; /* sum over those visits of issue to the end of their last leg */
};

/* The cells of one day (or, when loaded, of any set of cells). */
struct stats_day {
	int32_t day;
	struct stats_cell *cells;
	size_t ncells, cells_cap;
	struct stats_qcell *q;
	size_t nq, q_cap;
	struct stats_ccell *c;
	size_t nc, c_cap;
	struct stats_tcell *t;
	size_t nt, t_cap;
};

/* What a day build needs to know about the floor. */
struct stats_env {
	const struct floor_def *def; /* ids and target waits (borrowed) */
	int day_start_min;	     /* the floor's local day starts at this minute */
	int64_t now_ms;		     /* intervals still open end here */
};

/* Figures of one row (a group, or the total). */
struct stats_fig {
	uint32_t arrivals, issued, transfers_in, transfers_out;
	uint32_t called, target_met, served, no_shows, cancelled;
	struct stats_durs waits, services;
	int64_t open_ms, busy_ms;
	uint32_t queue_max;
};

/* Summary numbers of a durations list, in seconds; valid only when n > 0. */
struct stats_summary {
	size_t n;
	double mean_s, median_s, p90_s, max_s;
};

struct stats_query {
	int32_t from, to; /* local days yyyymmdd, inclusive */
	enum stats_group group;
};

/* The answer to a query. */
struct stats_result {
	struct stats_query q;
	size_t nservices, ncounters;
	size_t nrows;
	int32_t *keys; /* per row: service index, counter index (-1: never called), day
			  yyyymmdd or hour */
	struct stats_fig *rows;
	struct stats_fig total;
	uint32_t ndays_data;		/* days of the range with any figure */
	int64_t *queue_area;		/* [hour * nservices + service] */
	uint32_t *queue_max;		/* [hour * nservices + service] */
	uint32_t *tr_visits;		/* [from * nservices + to] */
	int64_t *tr_floor_ms;		/* [from * nservices + to] */
	uint32_t hist[STATS_HIST_BINS]; /* waits of the range, in 5-minute bins */
	/* accumulation state */
	size_t ndays;
	bool *day_seen;
};

/* The cells of a day and the duration lists (stats.c). */

/** Builds the cells of one local day from its legs (grouped by visit, legs in order)
 *  and its counter events (in journal order) into *out (emptied first, storage kept).
 *  Returns 0, or -EINVAL for a leg or event naming an index outside env->def. */
int stats_day_build(struct stats_day *out, int32_t day, const struct stats_env *env,
		    const struct stats_leg *legs, size_t nlegs, const struct stats_ctr_event *ev,
		    size_t nev);
/** Empties a day's cell lists, keeping their storage. */
void stats_day_reset(struct stats_day *d, int32_t day);
/** Frees the storage of a day's cells. */
void stats_day_free(struct stats_day *d);
/** Appends an empty cell for (day, hour, service, counter) to d; returns it (valid until
 *  the next append). For loading stored cells. */
struct stats_cell *stats_day_add_cell(struct stats_day *d, int32_t day, int hour, int service,
				      int counter);
/** Appends a queue, counter or transfer cell to d (copied). */
void stats_day_add_q(struct stats_day *d, const struct stats_qcell *q);
void stats_day_add_c(struct stats_day *d, const struct stats_ccell *c);
void stats_day_add_t(struct stats_day *d, const struct stats_tcell *t);

/** Appends one duration (ms) to a list. */
void stats_durs_push(struct stats_durs *d, int32_t ms);
/** Sorts a list ascending (values must not be negative). */
void stats_durs_sort(struct stats_durs *d);
/** Summary of a sorted durations list: mean, median (the middle value, or the mean of
 *  the two middle values), 90th percentile (nearest rank: the value at rank
 *  ceil(0.9 n)) and max. */
struct stats_summary stats_summarise(const struct stats_durs *d);

/* The merge of days into a result (stats_result.c). */

/** A new, empty result for q over a floor of nservices and ncounters; NULL when the
 *  range is invalid (to before from, or longer than STATS_MAX_DAYS). Free with
 *  stats_result_free. */
struct stats_result *stats_result_create(const struct stats_query *q, size_t nservices,
					 size_t ncounters);
/** Merges a day's cells into the result (cells outside the range are ignored). */
void stats_result_add(struct stats_result *r, const struct stats_day *d);
/** Sorts the duration lists; call once after the last stats_result_add. */
void stats_result_finish(struct stats_result *r);
/** Frees a result. NULL is fine. */
void stats_result_free(struct stats_result *r);

#endif
