/*
 * clock.h — the floor's one clock: now in UTC milliseconds and the floor's local day
 * (which starts at the configured day start, in the process's time zone, the floor's).
 * The engine's commands, the api's positions, estimates and opening hours, and the
 * statistics all read this one object, so a test that sets it (torgd --test-clock)
 * moves all of them together; a set clock stands still until set again. Sessions,
 * throttles and rate limits keep real time (util_now_ms, util_mono_ns).
 */
#ifndef TORG_CLOCK_H
#define TORG_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "floor.h"

/* Embed it; clock_init first. */
struct clock {
	int day_start_min;
	bool settable;	/* torgd --test-clock */
	int64_t set_ms; /* the time it was set to, 0 while it runs */
};

/** A running clock for a floor whose day starts at day_start_min; settable only for
 *  tests. */
void clock_init(struct clock *c, int day_start_min, bool settable);
/** Now, in UTC milliseconds: the set time, else the system's. */
int64_t clock_now_ms(const struct clock *c);
/** Now as the floor model takes it: ms and the local day (day 0 when the time cannot be
 *  converted, which callers treat as "keep the floor's day"). */
struct floor_clock clock_floor_now(const struct clock *c);
/** Sets the clock to ms (> 0) and stops it there. Returns 0, -EPERM when the clock is
 *  not settable, -EINVAL for ms <= 0. */
int clock_set_ms(struct clock *c, int64_t ms);
/** Whether the clock may be set (torgd --test-clock). */
bool clock_settable(const struct clock *c);

#endif
