/*
 * hours.h — opening hours of a floor or a service, the floor's local day, and
 * the calendar (dates as yyyymmdd, day numbers, "YYYY-MM-DD"), the only one in
 * torgd: the statistics count their days with it too. The hours logic and the
 * calendar are pure: they work on dates, a weekday and a minute of the local
 * wall-clock day and do no I/O and read no clock. The two functions that need
 * the time zone, hours_local_now() and hours_day_start_ms(), call localtime_r()
 * or mktime() and so use the process's TZ: torgd sets TZ to the floor's zone
 * (setenv("TZ", tz, 1) and tzset()) once at start-up, before any thread starts,
 * and never changes it. Weekdays are numbered as in struct tm: 0 = Sunday … 6 =
 * Saturday. Minutes run 0..1439; a span's close may be 1440 ("24:00").
 */
#ifndef TORG_HOURS_H
#define TORG_HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HOURS_MAX_SPANS 8 /* opening spans per weekday */
#define HOURS_DAY_MIN	1440

/* One opening span [open, close) in minutes of the local day; open < close. */
struct hours_span {
	int16_t open;
	int16_t close;
};

/* A week of opening hours. Spans of a day are sorted and do not overlap. */
struct hours {
	bool always; /* open 24/7; the spans are then unused */
	uint8_t nspans[7];
	struct hours_span spans[7][HOURS_MAX_SPANS];
};

/* A moment of the local week, as returned by hours_next_open(). */
struct hours_when {
	int wday;	/* 0 = Sunday … 6 = Saturday */
	int minute;	/* minute of that day, 0..1439 */
	int days_ahead; /* 0 = today, 1 = tomorrow, … up to 7 (same weekday next week) */
};

/* The floor's view of one instant, filled by hours_local_now()/hours_local_from_tm(). */
struct hours_local {
	int32_t day;  /* the floor's local day yyyymmdd (before day_start: the previous date) */
	int32_t date; /* the wall-clock date yyyymmdd (for dated exceptions) */
	int wday;     /* wall-clock weekday, 0 = Sunday (for hours_open) */
	int minute;   /* wall-clock minute of the day, 0..1439 (for hours_open) */
};

/** Sets *h to "always open". */
void hours_set_always(struct hours *h);
/** Sets *h to "never open" (no spans, not always). */
void hours_set_closed(struct hours *h);
/** Adds the span [open, close) to weekday wday, keeping spans sorted.
 *  Returns 0, -EINVAL for a bad weekday/minutes or an overlap, -ENOSPC when the day is full. */
int hours_add_span(struct hours *h, int wday, int open, int close);

/** True when the hours are open at minute_of_day (0..1439) of weekday wday (0..6). */
bool hours_open(const struct hours *h, int wday, int minute_of_day);
/** Finds the earliest moment at or after (wday, minute) when the hours are open;
 *  when open already that is (wday, minute) itself with days_ahead 0.
 *  Returns 0 with *out filled, or -ENOENT when the hours never open. */
int hours_next_open(const struct hours *h, int wday, int minute, struct hours_when *out);
/** Minute of today (1..1440) at which the span open at (wday, minute) closes; a span
 *  closing at 24:00 followed by one opening at 00:00 the next day is not joined.
 *  Returns -1 when closed at that moment and HOURS_DAY_MIN when always open. */
int hours_closes_at(const struct hours *h, int wday, int minute);

/* A dated exception: on every date from..to (yyyymmdd, inclusive) the week's hours are
 * replaced by these spans (none: closed all day). */
struct hours_exception {
	int32_t from, to;
	uint8_t nspans;
	struct hours_span spans[HOURS_MAX_SPANS]; /* sorted, not overlapping */
};

/* A week of hours with the dated exceptions that replace some of its days: find(arg,
 * tag, date) gives the exception on a wall-clock date (or NULL), so that callers keep
 * their exceptions however they like (the configuration: arg the config, tag the
 * service). find NULL: no exceptions. */
struct hours_cal {
	const struct hours *week;
	const struct hours_exception *(*find)(const void *arg, int tag, int32_t date);
	const void *arg;
	int tag;
};

/* How far ahead hours_cal_next_open() looks: an exception may close a year at most. */
#define HOURS_CAL_AHEAD_DAYS 400

/** The exception on date (borrowed), or NULL when the week's hours hold that day. */
const struct hours_exception *hours_cal_exception(const struct hours_cal *c, int32_t date);
/** True when open at minute (0..1439) of the wall-clock date (yyyymmdd). */
bool hours_cal_open(const struct hours_cal *c, int32_t date, int minute);
/** The earliest moment at or after (date, minute) when open: *date_out and *minute_out;
 *  the moment itself when open already. Returns 0, or -ENOENT when not open within
 *  HOURS_CAL_AHEAD_DAYS days. */
int hours_cal_next_open(const struct hours_cal *c, int32_t date, int minute, int32_t *date_out,
			int *minute_out);

/** Parses "HH:MM" (00:00..23:59, and "24:00" when allow_24 is true) into minutes;
 *  returns the minute count or -1 when s is not such a time. */
int hours_parse_hhmm(const char *s, bool allow_24);
/** Formats minutes (0..1440) as "HH:MM" into buf (>= 6 bytes). */
void hours_format_hhmm(int minute, char *buf);
/** Three-letter key of a weekday ("sun".."sat"); NULL when out of range. */
const char *hours_wday_key(int wday);

/** Pure: the floor's view of a broken-down local time tm: the local day
 *  (yyyymmdd; a time before day_start_min belongs to the previous date), wday, minute. */
void hours_local_from_tm(const struct tm *tm, int day_start_min, struct hours_local *out);
/** Uses the process TZ (see above): the floor's view of the UTC instant utc_ms.
 *  Returns 0, or -EINVAL when localtime_r fails (time out of range). */
int hours_local_now(int64_t utc_ms, int day_start_min, struct hours_local *out);
/** Pure: the date delta days after the date yyyymmdd (delta may be negative);
 *  returns yyyymmdd. */
int32_t hours_day_add(int32_t day, int delta);
/** Pure: the weekday (0 = Sunday) of the date yyyymmdd. */
int hours_day_wday(int32_t day);
/** Pure: days since 1970-01-01 of the date yyyymmdd (proleptic Gregorian; negative
 *  before 1970). */
int64_t hours_day_number(int32_t day);
/** Pure: the yyyymmdd date of a day number (the inverse of hours_day_number). */
int32_t hours_day_from_number(int64_t n);
/** Pure: parses "YYYY-MM-DD" (a real calendar date, year 1970 or later) into yyyymmdd;
 *  returns 0 or -EINVAL (*out unchanged). */
int hours_parse_date(const char *s, int32_t *out);
/** Pure: formats yyyymmdd as "YYYY-MM-DD" into buf (>= 11 bytes). */
void hours_format_date(int32_t day, char *buf, size_t len);
/** Uses the process TZ (see above): the UTC ms at which the floor's local day yyyymmdd
 *  starts, day_start_min minutes after that date's local midnight (mktime). */
int64_t hours_day_start_ms(int32_t day, int day_start_min);

#endif
