/*
 * hours.c — opening hours, the floor's local day and torg's one calendar (see
 * hours.h): day numbers, date arithmetic, weekdays, and dates as "YYYY-MM-DD",
 * used by the configuration and the statistics alike. Everything here is pure
 * arithmetic on weekdays, minutes and civil dates except hours_local_now() and
 * hours_day_start_ms(), which ask localtime_r() and mktime() (and so the
 * process's TZ) to go between a UTC instant and local wall-clock time.
 */
#include "hours.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const wday_keys[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

void hours_set_always(struct hours *h)
{
	memset(h, 0, sizeof(*h));
	h->always = true;
}

void hours_set_closed(struct hours *h)
{
	memset(h, 0, sizeof(*h));
}

int hours_add_span(struct hours *h, int wday, int open, int close)
{
	if (wday < 0 || wday > 6 || open < 0 || close > HOURS_DAY_MIN || open >= close)
		return -EINVAL;
	int n = h->nspans[wday];
	struct hours_span *v = h->spans[wday];
	for (int i = 0; i < n; i++)
		if (open < v[i].close && v[i].open < close)
			return -EINVAL;
	if (n >= HOURS_MAX_SPANS)
		return -ENOSPC;
	int at = n;
	while (at > 0 && v[at - 1].open > open) {
		v[at] = v[at - 1];
		at--;
	}
	v[at].open = (int16_t)open;
	v[at].close = (int16_t)close;
	h->nspans[wday] = (uint8_t)(n + 1);
	return 0;
}

bool hours_open(const struct hours *h, int wday, int minute_of_day)
{
	if (h->always)
		return true;
	if (wday < 0 || wday > 6)
		return false;
	for (int i = 0; i < h->nspans[wday]; i++)
		if (minute_of_day >= h->spans[wday][i].open &&
		    minute_of_day < h->spans[wday][i].close)
			return true;
	return false;
}

int hours_next_open(const struct hours *h, int wday, int minute, struct hours_when *out)
{
	if (wday < 0 || wday > 6)
		return -EINVAL;
	if (hours_open(h, wday, minute)) {
		*out = (struct hours_when){.wday = wday, .minute = minute, .days_ahead = 0};
		return 0;
	}
	/* Days 0..7: day 7 is the same weekday next week, for spans earlier today. */
	for (int ahead = 0; ahead <= 7; ahead++) {
		int d = (wday + ahead) % 7;
		for (int i = 0; i < h->nspans[d]; i++) {
			if (ahead == 0 && h->spans[d][i].open < minute)
				continue;
			*out = (struct hours_when){
			    .wday = d, .minute = h->spans[d][i].open, .days_ahead = ahead};
			return 0;
		}
	}
	return -ENOENT;
}

int hours_closes_at(const struct hours *h, int wday, int minute)
{
	if (h->always)
		return HOURS_DAY_MIN;
	if (wday < 0 || wday > 6)
		return -1;
	for (int i = 0; i < h->nspans[wday]; i++)
		if (minute >= h->spans[wday][i].open && minute < h->spans[wday][i].close)
			return h->spans[wday][i].close;
	return -1;
}

/* ---- the week with dated exceptions ---- */

const struct hours_exception *hours_cal_exception(const struct hours_cal *c, int32_t date)
{
	return c->find ? c->find(c->arg, c->tag, date) : NULL;
}

/* The spans of date into *spans and their count; -1 when open all day. */
static int cal_day(const struct hours_cal *c, int32_t date, const struct hours_span **spans)
{
	const struct hours_exception *x = hours_cal_exception(c, date);
	if (x) {
		*spans = x->spans;
		return x->nspans;
	}
	if (c->week->always)
		return -1;
	int wday = hours_day_wday(date);
	*spans = c->week->spans[wday];
	return c->week->nspans[wday];
}

bool hours_cal_open(const struct hours_cal *c, int32_t date, int minute)
{
	const struct hours_span *v = NULL;
	int n = cal_day(c, date, &v);
	if (n < 0)
		return true;
	for (int i = 0; i < n; i++)
		if (minute >= v[i].open && minute < v[i].close)
			return true;
	return false;
}

int hours_cal_next_open(const struct hours_cal *c, int32_t date, int minute, int32_t *date_out,
			int *minute_out)
{
	if (hours_cal_open(c, date, minute)) {
		*date_out = date;
		*minute_out = minute;
		return 0;
	}
	for (int ahead = 0; ahead <= HOURS_CAL_AHEAD_DAYS; ahead++) {
		int32_t d = ahead ? hours_day_add(date, ahead) : date;
		const struct hours_span *v = NULL;
		int n = cal_day(c, d, &v);
		if (n < 0) { /* an always-open day after a closed one opens at midnight */
			*date_out = d;
			*minute_out = 0;
			return 0;
		}
		for (int i = 0; i < n; i++) {
			if (ahead == 0 && v[i].open < minute)
				continue;
			*date_out = d;
			*minute_out = v[i].open;
			return 0;
		}
	}
	return -ENOENT;
}

int hours_parse_hhmm(const char *s, bool allow_24)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int hh = (s[0] - '0') * 10 + (s[1] - '0');
	int mm = (s[3] - '0') * 10 + (s[4] - '0');
	if (mm > 59)
		return -1;
	if (hh == 24 && mm == 0 && allow_24)
		return HOURS_DAY_MIN;
	if (hh > 23)
		return -1;
	return hh * 60 + mm;
}

void hours_format_hhmm(int minute, char *buf)
{
	if (minute < 0 || minute > HOURS_DAY_MIN)
		minute = 0;
	snprintf(buf, 6, "%02d:%02d", minute / 60, minute % 60);
}

const char *hours_wday_key(int wday)
{
	return wday >= 0 && wday <= 6 ? wday_keys[wday] : NULL;
}

/* ---- the calendar: proleptic Gregorian dates as yyyymmdd ---- */

/* True for a leap year. */
static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1-12) of year y. */
static int mdays(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of a day count since 1970-01-01, as yyyymmdd. */
static int32_t civil_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	return (int32_t)(y * 10000 + m * 100 + d);
}

/* Days since 1970-01-01 of the date yyyymmdd. */
int64_t hours_day_number(int32_t day)
{
	return days_from_civil(day / 10000, (day / 100) % 100, day % 100);
}

/* The yyyymmdd date of a day number. */
int32_t hours_day_from_number(int64_t n)
{
	return civil_from_days(n);
}

/* The date delta days after day. */
int32_t hours_day_add(int32_t day, int delta)
{
	return civil_from_days(hours_day_number(day) + delta);
}

/* The weekday of day, 0 = Sunday. */
int hours_day_wday(int32_t day)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (hours_day_number(day) + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* Parses a YYYY-MM-DD calendar date of 1970 or later. */
int hours_parse_date(const char *s, int32_t *out)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays(y, m))
		return -EINVAL;
	*out = y * 10000 + m * 100 + d;
	return 0;
}

/* Formats yyyymmdd as YYYY-MM-DD. */
void hours_format_date(int32_t day, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
}

/* UTC ms at which the local day starts (mktime, so the process's TZ). */
int64_t hours_day_start_ms(int32_t day, int day_start_min)
{
	struct tm tm = {0};
	tm.tm_year = day / 10000 - 1900;
	tm.tm_mon = day / 100 % 100 - 1;
	tm.tm_mday = day % 100;
	tm.tm_hour = day_start_min / 60;
	tm.tm_min = day_start_min % 60;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

void hours_local_from_tm(const struct tm *tm, int day_start_min, struct hours_local *out)
{
	int32_t date =
	    (int32_t)((tm->tm_year + 1900) * 10000 + (tm->tm_mon + 1) * 100 + tm->tm_mday);
	out->date = date;
	out->wday = tm->tm_wday;
	out->minute = tm->tm_hour * 60 + tm->tm_min;
	out->day = out->minute < day_start_min ? hours_day_add(date, -1) : date;
}

int hours_local_now(int64_t utc_ms, int day_start_min, struct hours_local *out)
{
	int64_t s = utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000);
	time_t t = (time_t)s;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return -EINVAL;
	hours_local_from_tm(&tm, day_start_min, out);
	return 0;
}
