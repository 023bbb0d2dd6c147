/*
 * test_notices.c — unit tests of the notices: the pure opening-hours logic with dated
 * exceptions (hours.c's hours_cal_*: an exception day closed, a shortened day, a range,
 * the next opening skipping a holiday, a service's own hours under an exception, an
 * always-open week), and the configuration's "exceptions" and "messages"
 * (config_notices.c): what a valid file gives, which exception holds for a service on a
 * date, which message is for which display or kiosk, and the exact error of each kind
 * of bad value. Runs as its own process; the last line is the tally.
 */
#include "config.h"
#include "hours.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the pure hours ---- */

/* A small list of exceptions for hours_cal's find (tag unused). */
struct list {
	const struct hours_exception *v;
	size_t n;
};

/* hours_cal's find over a struct list. */
static const struct hours_exception *list_find(const void *arg, int tag, int32_t date)
{
	const struct list *l = arg;
	(void)tag;
	for (size_t i = 0; i < l->n; i++)
		if (date >= l->v[i].from && date <= l->v[i].to)
			return &l->v[i];
	return NULL;
}

/* Mon-Fri 08:00-16:00. */
static void weekdays(struct hours *h)
{
	hours_set_closed(h);
	for (int d = 1; d <= 5; d++)
		hours_add_span(h, d, 8 * 60, 16 * 60);
}

static void test_exception_days(void)
{
	struct hours week;
	weekdays(&week);
	const struct hours_exception ex[] = {
	    {.from = 20261224, .to = 20261224},				/* Thursday: closed */
	    {.from = 20261225, .to = 20261227},				/* a range, closed */
	    {.from = 20261231, .to = 20261231, 1, {{8 * 60, 12 * 60}}}, /* shortened */
	};
	struct list l = {ex, 3};
	struct hours_cal cal = {&week, list_find, &l, 0};
	int32_t date;
	int minute;
	/* an ordinary Wednesday is the week's */
	CHECK(hours_cal_exception(&cal, 20261223) == NULL);
	CHECK(hours_cal_open(&cal, 20261223, 10 * 60));
	CHECK(!hours_cal_open(&cal, 20261223, 16 * 60));
	/* the closed day, all of it */
	CHECK(hours_cal_exception(&cal, 20261224) == &ex[0]);
	CHECK(!hours_cal_open(&cal, 20261224, 0));
	CHECK(!hours_cal_open(&cal, 20261224, 10 * 60));
	/* the range: Friday (a weekday) closed too */
	CHECK(!hours_cal_open(&cal, 20261225, 10 * 60));
	CHECK(hours_cal_exception(&cal, 20261227) == &ex[1]);
	/* next opening from Christmas Eve skips the holiday and the weekend: Monday 28th */
	CHECK(hours_cal_next_open(&cal, 20261224, 10 * 60, &date, &minute) == 0);
	CHECK(date == 20261228 && minute == 8 * 60);
	/* from the evening before, too */
	CHECK(hours_cal_next_open(&cal, 20261223, 17 * 60, &date, &minute) == 0);
	CHECK(date == 20261228 && minute == 8 * 60);
	/* open now: now itself */
	CHECK(hours_cal_next_open(&cal, 20261223, 9 * 60, &date, &minute) == 0);
	CHECK(date == 20261223 && minute == 9 * 60);
	/* the shortened day: open until 12, then Friday 1 January at 8 */
	CHECK(hours_cal_open(&cal, 20261231, 11 * 60 + 59));
	CHECK(!hours_cal_open(&cal, 20261231, 12 * 60));
	CHECK(!hours_cal_open(&cal, 20261231, 14 * 60)); /* the week would be open */
	CHECK(hours_cal_next_open(&cal, 20261231, 7 * 60, &date, &minute) == 0);
	CHECK(date == 20261231 && minute == 8 * 60);
	CHECK(hours_cal_next_open(&cal, 20261231, 12 * 60, &date, &minute) == 0);
	CHECK(date == 20270101 && minute == 8 * 60);
	/* no exceptions at all: the week alone */
	struct hours_cal plain = {&week, NULL, NULL, 0};
	CHECK(hours_cal_open(&plain, 20261224, 10 * 60));
	CHECK(hours_cal_exception(&plain, 20261224) == NULL);
}

/* A service's own hours (Saturday only) with an exception that gives it a weekday, and
 * an always-open week with a closed day. */
static void test_own_hours_and_always(void)
{
	struct hours sat;
	hours_set_closed(&sat);
	hours_add_span(&sat, 6, 10 * 60, 14 * 60);
	const struct hours_exception ex[] = {
	    {.from = 20261226, .to = 20261226},				/* its Saturday closed */
	    {.from = 20261229, .to = 20261229, 1, {{9 * 60, 11 * 60}}}, /* a Tuesday open */
	};
	struct list l = {ex, 2};
	struct hours_cal cal = {&sat, list_find, &l, 0};
	int32_t date;
	int minute;
	CHECK(hours_cal_open(&cal, 20261219, 11 * 60)); /* an ordinary Saturday */
	CHECK(!hours_cal_open(&cal, 20261226, 11 * 60));
	CHECK(hours_cal_next_open(&cal, 20261226, 11 * 60, &date, &minute) == 0);
	CHECK(date == 20261229 && minute == 9 * 60);
	CHECK(hours_cal_next_open(&cal, 20261229, 11 * 60, &date, &minute) == 0);
	CHECK(date == 20270102 && minute == 10 * 60);

	struct hours always;
	hours_set_always(&always);
	const struct hours_exception closed[] = {{.from = 20261224, .to = 20261224}};
	struct list lc = {closed, 1};
	struct hours_cal ac = {&always, list_find, &lc, 0};
	CHECK(hours_cal_open(&ac, 20261223, 23 * 60 + 59));
	CHECK(!hours_cal_open(&ac, 20261224, 12 * 60));
	CHECK(hours_cal_next_open(&ac, 20261224, 12 * 60, &date, &minute) == 0);
	CHECK(date == 20261225 && minute == 0);

	/* never open: -ENOENT, after looking a bounded way ahead */
	struct hours never;
	hours_set_closed(&never);
	struct hours_cal nc = {&never, NULL, NULL, 0};
	CHECK(hours_cal_next_open(&nc, 20261224, 0, &date, &minute) < 0);
}

/* The local view of an instant carries the wall-clock date beside the floor's day. */
static void test_local_date(void)
{
	struct tm tm = {.tm_year = 126, .tm_mon = 11, .tm_mday = 24, .tm_hour = 2, .tm_wday = 4};
	struct hours_local loc;
	hours_local_from_tm(&tm, 4 * 60, &loc);
	CHECK(loc.date == 20261224 && loc.day == 20261223 && loc.minute == 120);
}

/* ---- the configuration ---- */

/* Copies s with every ' turned into " (JSON in C strings); caller frees. */
static char *dq(const char *s)
{
	char *r = strdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

#define NAMES4(x) "{'nb': '" x "', 'nn': '" x "', 'sv': '" x "', 'en': '" x "'}"
#define BASE                                                                                       \
	"'floor': {'id': 'f', 'name': " NAMES4(                                                    \
	    "F") ", 'timezone': 'Europe/Oslo'}, "                                                  \
		 "'hours': {'mon': [['08:00', '16:00']], 'thu': [['08:00', '16:00']]}, "           \
		 "'services': [{'id': 'a', 'prefix': 'A', 'name': " NAMES4(                        \
		     "a") "}, "                                                                    \
			  "{'id': 'b', 'prefix': 'B', 'name': " NAMES4(                            \
			      "b") ", 'hours': 'always'}], "                                       \
				   "'counters': [{'id': 'c1', 'services': ['a', 'b']}], "          \
				   "'displays': [{'id': 'hall'}, {'id': 'up', 'services': ['b']}]"

/* Parses {BASE, extra}; the config, or NULL with *cause. */
static struct config *parse(const char *extra, char **cause)
{
	char *doc = malloc(strlen(BASE) + strlen(extra) + 8);
	sprintf(doc, "{%s%s%s}", BASE, *extra ? ", " : "", extra);
	char *text = dq(doc);
	struct config *cfg = NULL;
	*cause = NULL;
	config_parse(text, strlen(text), &cfg, cause);
	free(text);
	free(doc);
	return cfg;
}

/* True when {BASE, extra} fails with exactly want. */
static bool fails_with(const char *extra, const char *want)
{
	char *cause = NULL;
	struct config *cfg = parse(extra, &cause);
	/* the first error is want; every other error of the text follows it, a line each */
	size_t n = strlen(want);
	bool ok =
	    !cfg && cause && strncmp(cause, want, n) == 0 && (cause[n] == '\0' || cause[n] == '\n');
	if (!ok)
		fprintf(stderr, "want %s\n got %s\n", want, cause ? cause : "(parsed)");
	config_free(cfg);
	free(cause);
	return ok;
}

static void test_config_valid(void)
{
	char *cause = NULL;
	struct config *cfg = parse(
	    "'exceptions': [{'date': '2026-12-24', 'closed': true, 'note': " NAMES4(
		"Jul") "},"
		       " {'from': '2026-12-28', 'to': '2026-12-30', 'hours': [['10:00', '12:00'],"
		       " ['08:00', '09:00']], 'services': ['b']},"
		       " {'date': '2026-12-29', 'closed': true, 'services': ['a']}], "
		       "'messages': [{'id': 'early', 'text': " NAMES4(
			   "Closes at 14") ","
					   " 'from': '2026-12-01T08:00', 'until': "
					   "'2026-12-01T14:00', 'displays': ['up']},"
					   " {'id': 'all', 'text': " NAMES4(
					       "Hei") ", 'kiosks': false}]",
	    &cause);
	CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return;
	}
	CHECK(cfg->nexceptions == 3 && cfg->nmessages == 2);
	const struct config_exception *x = &cfg->exceptions[0];
	CHECK(x->all_services && x->services == 3 && x->h.from == 20261224 && x->h.to == 20261224);
	CHECK(x->h.nspans == 0 && x->note.n == 4 &&
	      !strcmp(config_name_get(&x->note, "nb"), "Jul"));
	x = &cfg->exceptions[1];
	CHECK(!x->all_services && x->services == 2 && x->h.to == 20261230 && x->note.n == 0);
	/* spans sorted */
	CHECK(x->h.nspans == 2 && x->h.spans[0].open == 8 * 60 && x->h.spans[1].close == 12 * 60);
	/* which exception holds for whom */
	CHECK(config_exception_on(cfg, -1, 20261224) == &cfg->exceptions[0]);
	CHECK(config_exception_on(cfg, 0, 20261224) == &cfg->exceptions[0]);
	CHECK(config_exception_on(cfg, -1, 20261229) == NULL);
	CHECK(config_exception_on(cfg, 0, 20261229) == &cfg->exceptions[2]);
	CHECK(config_exception_on(cfg, 1, 20261229) == &cfg->exceptions[1]);
	CHECK(config_exception_on(cfg, 1, 20261231) == NULL);
	/* a service's calendar: b is always open but for its exception's spans */
	struct hours_cal cal;
	config_hours_cal(cfg, 1, &cal);
	CHECK(hours_cal_open(&cal, 20261227, 3 * 60));
	CHECK(!hours_cal_open(&cal, 20261228, 9 * 60 + 30));
	CHECK(hours_cal_open(&cal, 20261228, 11 * 60));
	config_hours_cal(cfg, 0, &cal); /* a: the floor's Monday and Thursday */
	int32_t date;
	int minute;
	CHECK(hours_cal_next_open(&cal, 20261224, 9 * 60, &date, &minute) == 0);
	CHECK(date == 20261228 && minute == 8 * 60);
	/* messages */
	const struct config_message *m = &cfg->messages[0];
	CHECK(!strcmp(m->id, "early") && m->from.date == 20261201 && m->from.minute == 8 * 60);
	CHECK(m->until.minute == 14 * 60 && !m->all_displays && m->displays == 2 && m->kiosks);
	CHECK(!config_message_for(m, 0) && config_message_for(m, 1) && config_message_for(m, -1));
	m = &cfg->messages[1];
	CHECK(m->all_displays && !m->kiosks && m->from.date == 0);
	CHECK(config_message_for(m, 0) && config_message_for(m, 1) && !config_message_for(m, -1));
	CHECK(config_local_ms(m->from) == 0);
	config_free(cfg);
}

static void test_config_errors(void)
{
	CHECK(fails_with("'exceptions': [5]", "exceptions[0]: expected an object, got integer"));
	CHECK(fails_with("'exceptions': [{'date': '24.12.2026', 'closed': true}]",
			 "exceptions[0].date: \"24.12.2026\" is not a date YYYY-MM-DD"));
	CHECK(fails_with("'exceptions': [{'to': '2026-12-24', 'closed': true}]",
			 "exceptions[0].from: missing"));
	CHECK(
	    fails_with("'exceptions': [{'from': '2026-01-01', 'to': '2027-01-02', 'closed': true}]",
		       "exceptions[0].to: 2027-01-02 is more than 366 days from 2026-01-01"));
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'closed': 1}]",
			 "exceptions[0].closed: expected true, got integer (give \"hours\" for a "
			 "shorter day)"));
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'hours': []}]",
			 "exceptions[0].hours: must list at least one span (or say \"closed\": "
			 "true)"));
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'hours': [['08:00', '12:00'],"
			 " ['11:00', '13:00']]}]",
			 "exceptions[0].hours[1]: overlaps another span of the day"));
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'hours': [['8:00', '12:00']]}]",
			 "exceptions[0].hours[0]: \"8:00\" is not a time HH:MM"));
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'hours': 'short'}]",
			 "exceptions[0].hours: expected an array of [\"HH:MM\", \"HH:MM\"], got "
			 "string"));
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'closed': true, 'services': ['a',"
			 " 'a']}]",
			 "exceptions[0].services[1]: \"a\" is listed twice"));
	/* the same day for different services is fine; for the same one it is not */
	CHECK(fails_with("'exceptions': [{'date': '2026-12-24', 'closed': true, 'services': ['a']},"
			 " {'date': '2026-12-24', 'closed': true, 'services': ['b']},"
			 " {'from': '2026-12-20', 'to': '2026-12-26', 'closed': true}]",
			 "exceptions[2]: overlaps exceptions[0] on 2026-12-24"));
	CHECK(fails_with("'messages': [{'text': " NAMES4("x") "}]", "messages[0].id: missing"));
	CHECK(fails_with("'messages': [{'id': 'Bad Id', 'text': " NAMES4("x") "}]",
			 "messages[0].id: \"Bad Id\" is not an id (1 to 32 of a-z, 0-9, _ and -)"));
	CHECK(fails_with("'messages': [{'id': 'm'}]", "messages[0].text: missing"));
	CHECK(fails_with("'messages': [{'id': 'm', 'text': {'nb': '', 'nn': 'x', 'sv': 'x', 'en': "
			 "'x'}}]",
			 "messages[0].text.nb: must be 1 to 280 characters"));
	CHECK(fails_with("'messages': [{'id': 'm', 'text': {'nb': 5}}]",
			 "messages[0].text.nb: expected a string, got integer"));
	CHECK(fails_with("'messages': [{'id': 'm', 'text': " NAMES4("x") ", 'until': "
									 "'2026-12-01T24:00'}]",
			 "messages[0].until: \"2026-12-01T24:00\" is not a local time "
			 "YYYY-MM-DDTHH:MM"));
	CHECK(fails_with("'messages': [{'id': 'm', 'text': " NAMES4("x") ", 'displays': 'hall'}]",
			 "messages[0].displays: expected an array of display ids, got string"));
	CHECK(fails_with("'messages': [{'id': 'm', 'text': " NAMES4("x") ", 'where': 'hall'}]",
			 "messages[0].where: unknown key"));
	CHECK(fails_with("'messages': {}", "messages: expected an array, got object"));
}

/* The UTC ms of a local Oslo moment (TZ is set in main). */
static int64_t oslo_ms(int32_t date, int minute)
{
	return hours_day_start_ms(date, minute);
}

/* The notices' phase key changes exactly at a message's from and until, midnight and the
 * day start, and the next boundary is the earliest of them. */
static void test_phase(void)
{
	char *cause = NULL;
	struct config *cfg =
	    parse("'messages': [{'id': 'early', 'text': " NAMES4(
		      "x") ","
			   " 'from': '2026-12-01T08:00', 'until': '2026-12-01T14:00'},"
			   " {'id': 'all', 'text': " NAMES4("y") "}]",
		  &cause);
	CHECK(cfg != NULL);
	if (!cfg) {
		free(cause);
		return;
	}
	int64_t next, next2;
	/* the next boundary, when it is less than the longest wait ahead */
	uint64_t k7 = config_notices_phase(cfg, oslo_ms(20261201, 7 * 60 + 50), &next);
	CHECK(next == oslo_ms(20261201, 8 * 60)); /* from */
	uint64_t k759 = config_notices_phase(cfg, oslo_ms(20261201, 7 * 60 + 59), &next2);
	CHECK(k7 == k759 && next2 == next);
	CHECK(config_notices_phase(cfg, oslo_ms(20261201, 7 * 60), &next) == k7 &&
	      next == oslo_ms(20261201, 7 * 60) + CONFIG_NOTICES_LOOK_MS);
	uint64_t k8 = config_notices_phase(cfg, oslo_ms(20261201, 8 * 60), &next);
	CHECK(k8 != k7);
	CHECK(config_notices_phase(cfg, oslo_ms(20261201, 13 * 60 + 55), &next) == k8 &&
	      next == oslo_ms(20261201, 14 * 60)); /* until */
	uint64_t k14 = config_notices_phase(cfg, oslo_ms(20261201, 14 * 60), &next);
	CHECK(k14 != k8);
	CHECK(config_notices_phase(cfg, oslo_ms(20261201, 23 * 60 + 50), &next) == k14 &&
	      next == oslo_ms(20261202, 0)); /* midnight */
	uint64_t k0 = config_notices_phase(cfg, oslo_ms(20261202, 0), &next);
	CHECK(k0 != k14);
	CHECK(config_notices_phase(cfg, oslo_ms(20261202, 3 * 60 + 59), &next) == k0 &&
	      next == oslo_ms(20261202, 4 * 60)); /* the day start */
	uint64_t k4 = config_notices_phase(cfg, oslo_ms(20261202, 4 * 60), &next);
	CHECK(k4 != k0);
	/* without messages the longest wait holds between boundaries that are far */
	config_free(cfg);
	cfg = parse("", &cause);
	CHECK(cfg && config_notices_phase(cfg, oslo_ms(20261202, 12 * 60), &next) &&
	      next == oslo_ms(20261202, 12 * 60) + CONFIG_NOTICES_LOOK_MS);
	config_free(cfg);
	free(cause);
}

/* 280 characters of two-byte letters are allowed; 281 are not. */
static void test_message_length(void)
{
	char text[281 * 2 + 1], extra[1400];
	for (int n = 280; n <= 281; n++) {
		text[0] = 0;
		for (int i = 0; i < n; i++)
			strcat(text, "\xc3\xa5");
		snprintf(extra, sizeof(extra),
			 "'messages': [{'id': 'm', 'text': {'nb': '%s', 'nn': 'x', 'sv': 'x', "
			 "'en': 'x'}}]",
			 text);
		char *cause = NULL;
		struct config *cfg = parse(extra, &cause);
		CHECK(n == 280 ? cfg != NULL : cfg == NULL);
		if (n == 281)
			CHECK(cause &&
			      !strcmp(cause, "messages[0].text.nb: must be 1 to 280 characters"));
		config_free(cfg);
		free(cause);
	}
}

int main(void)
{
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	test_exception_days();
	test_own_hours_and_always();
	test_local_date();
	test_config_valid();
	test_config_errors();
	test_message_length();
	test_phase();
	fprintf(stderr, "notices: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
