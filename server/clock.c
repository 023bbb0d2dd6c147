/*
 * clock.c — the floor's clock (see clock.h): the system's UTC time or, for tests, a
 * time that was set, and the floor's local day of it through hours.c.
 */
#include "clock.h"

#include <errno.h>

#include "hours.h"
#include "util.h"

void clock_init(struct clock *c, int day_start_min, bool settable)
{
	c->day_start_min = day_start_min;
	c->settable = settable;
	c->set_ms = 0;
}

int64_t clock_now_ms(const struct clock *c)
{
	return c->set_ms ? c->set_ms : util_now_ms();
}

struct floor_clock clock_floor_now(const struct clock *c)
{
	struct floor_clock fc = {.ms = clock_now_ms(c), .day = 0};
	struct hours_local loc;
	if (hours_local_now(fc.ms, c->day_start_min, &loc) == 0)
		fc.day = loc.day;
	return fc;
}

int clock_set_ms(struct clock *c, int64_t ms)
{
	if (!c->settable)
		return -EPERM;
	if (ms <= 0)
		return -EINVAL;
	c->set_ms = ms;
	return 0;
}

bool clock_settable(const struct clock *c)
{
	return c->settable;
}
