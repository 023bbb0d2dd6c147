/*
 * stats_staff.h — per-staff figures, kept only when the floor's configuration
 * sets statistics.per_staff (workplace monitoring needs the staff
 * representatives' agreement). The store records shifts (who was signed on at
 * which counter, from when to when); a leg belongs to the staff member whose
 * shift at the leg's counter covered the leg's first call. Per staff member:
 * meetings served, no-shows, service time (mean, 90th percentile), time signed
 * on, busy time and busy share. The definitions of served, no-show, service
 * time and busy are those of stats.h. Nothing is aggregated or kept beyond the
 * retention: the purge deletes old shifts with the legs. This file's functions
 * are pure; store_staff.c reads the rows, stats_out.c renders the answer.
 */
#ifndef TORG_STATS_STAFF_H
#define TORG_STATS_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "floor.h"
#include "stats.h"

/* One shift: users[user] signed on at counter (-1: no longer configured). */
struct stats_shift {
	uint32_t user;
	int16_t counter;
	int64_t from_ms, to_ms; /* to_ms 0: still signed on */
};

/* What per-staff figures need of one called leg. */
struct stats_staff_leg {
	int16_t counter;			 /* the counter that called it */
	int64_t called_ms, started_ms, ended_ms; /* 0: did not happen (yet) */
	enum floor_state outcome;		 /* a transferred leg ends FLOOR_DONE */
};

/* Figures of one staff member. */
struct stats_staff_row {
	char *user; /* owned */
	uint32_t served, no_shows;
	struct stats_durs services; /* ms, sorted */
	int64_t signed_on_ms, busy_ms;
};

/* The per-staff answer for a range: one row per staff member with a shift in it, by
 * name. */
struct stats_staff {
	int32_t from, to; /* local days yyyymmdd, inclusive */
	struct stats_staff_row *rows;
	size_t nrows;
};

/* The time frame of a build: [start_ms, end_ms) is the range of local days; intervals
 * still open end at now_ms (never before they began, never after end_ms). */
struct stats_staff_span {
	int32_t from, to;
	int64_t start_ms, end_ms, now_ms;
};

/** Builds the figures: users[0..nusers) (takes ownership of the array and the strings)
 *  are the names shifts refer to; shifts (borrowed, any order) and legs (borrowed, the
 *  called legs of the range's days) are attributed and cut to the span. A leg no shift
 *  covers belongs to nobody. Returns a new result (free with stats_staff_free). */
struct stats_staff *stats_staff_build(const struct stats_staff_span *span, char **users,
				      size_t nusers, const struct stats_shift *shifts,
				      size_t nshifts, const struct stats_staff_leg *legs,
				      size_t nlegs);
/** Frees a result. NULL is fine. */
void stats_staff_free(struct stats_staff *r);

#endif
