/* fuzz_dates.c: libFuzzer driver for the date and time-of-day parsers: hours_parse_date
 * (server/hours.h, the from/to of the statistics) and hours_parse_hhmm (server/hours.h,
 * opening hours and day_starts). An input is one string (up to its first NUL). The driver
 * aborts when a contract breaks: a verdict that differs from a reference reading
 * (exactly "YYYY-MM-DD", a real Gregorian date from 1970 on; exactly "HH:MM" from 00:00
 * to 23:59, and 24:00 only when allowed), an accepted date that hours_format_date does
 * not give back as the same text or whose day number does not round-trip through
 * hours_day_from_number, or an accepted time that hours_format_hhmm does not give back. */
#include "hours.h"
#include "stats.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

/* The reference date check: digits in place, month 1..12, day within its month. */
static bool ref_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	if (strlen(s) != 10)
		return false;
	for (int i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != '-')
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

/* The reference time check; returns the minutes or -1. */
static int ref_hhmm(const char *s, bool allow_24)
{
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	int h = atoi(s), m = atoi(s + 3);
	if (allow_24 && h == 24 && m == 0)
		return 1440;
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';

	int32_t day = -1;
	int rc = hours_parse_date(s, &day);
	want((rc == 0) == ref_date(s));
	if (rc == 0) {
		char back[32];
		hours_format_date(day, back, sizeof(back));
		want(!strcmp(back, s));
		want(hours_day_from_number(hours_day_number(day)) == day);
		want(hours_day_number(day) >= 0);
	}
	want(hours_parse_date(NULL, &day) != 0);

	for (int allow = 0; allow < 2; allow++) {
		int m = hours_parse_hhmm(s, allow);
		want(m == ref_hhmm(s, allow));
		if (m >= 0) {
			char back[6];
			hours_format_hhmm(m, back);
			want(!strcmp(back, s));
		}
	}
	return 0;
}
