/*
 * test_config_live.c — config_merge (config_live.c) and floor_redefine: a configuration
 * laid over a running floor keeps every index, keeps what it removed for the day's
 * tickets, takes a new id with a kept prefix as a rename, refuses what the day forbids
 * when strict and defers it when lenient; the floor model takes the merged definition
 * and keeps its tickets working.
 */
#include "config.h"
#include "floor.h"

#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NAMES4(x)	"{'nb': '" x "', 'nn': '" x "', 'sv': '" x "', 'en': '" x "'}"
#define FLOOR		"'floor': {'id': 'f', 'name': " NAMES4("F") ", 'timezone': 'Europe/Oslo'}"
#define SVC(id, prefix) "{'id': '" id "', 'prefix': '" prefix "', 'name': " NAMES4(id) "}"

/* Parses '-quoted JSON; NULL with the cause printed on failure. */
static struct config *parse(const char *text)
{
	char *json = strdup(text);
	for (char *p = json; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct config *cfg = NULL;
	char *cause = NULL;
	if (config_parse(json, strlen(json), &cfg, &cause) != 0)
		fprintf(stderr, "parse: %s\n", cause);
	free(cause);
	free(json);
	return cfg;
}

/* The running floor: services a (A), b (B), c (C); counters c1 (a, b), c2 (c). */
static const char *run_text = "{" FLOOR ", 'services': [" SVC("a", "A") ", " SVC("b", "B") ", " SVC(
    "c",
    "C") "],"
	 " 'counters': [{'id': 'c1', 'services': ['a', 'b']}, {'id': 'c2', 'services': ['c']}],"
	 " 'displays': [{'id': 'hall'}, {'id': 'up', 'services': ['b', 'c']}]}";

static int index_of(const struct config *cfg, const char *id)
{
	return config_service_index(cfg, id);
}

/* A start-up config: merged over an empty day, as torgd does. */
static struct config *running(void)
{
	struct config *cfg = parse(run_text);
	if (cfg && config_merge(NULL, cfg, NULL, false, NULL) != 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Removing b while the day uses it keeps b (retired) at its index, for counters that gave
 * it and the display that showed it; a service added is appended; the file's order is the
 * listed order. */
static int test_remove_and_add(void)
{
	struct config *run = running();
	REQUIRE(run);
	struct config *next = parse("{" FLOOR ", 'services': [" SVC("d", "D") ", " SVC(
	    "a", "A") ", " SVC("c", "C") "], 'counters': [{'id': 'c1', 'services': ['a']},"
					 " {'id': 'c2', 'services': ['c', 'd']}],"
					 " 'displays': [{'id': 'hall'}, {'id': 'up', 'services': "
					 "['c']}]}");
	REQUIRE(next);
	struct config_used used[] = {{"b", "B"}};
	struct config_today today = {.nservices = 1, .services = used};
	char *cause = NULL;
	REQUIRE(config_merge(run, next, &today, true, &cause) == 0);
	CHECK(next->nservices == 4 && next->nlisted == 3);
	CHECK(index_of(next, "a") == 0 && index_of(next, "b") == 1 && index_of(next, "c") == 2);
	CHECK(index_of(next, "d") == 3);
	CHECK(next->services[1].retired && !next->services[1].gone);
	CHECK(!next->services[0].retired && !next->services[3].retired);
	CHECK(next->listed[0] == 3 && next->listed[1] == 0 && next->listed[2] == 2);
	/* c1 gave b: it still does for the day; c2 gave no b and gets none */
	CHECK(next->counters[0].services == ((1u << 0) | (1u << 1)));
	CHECK(next->counters[1].services == ((1u << 2) | (1u << 3)));
	/* the display that showed b shows it for the day; "hall" shows everything live */
	const struct config_display *up = config_display_find(next, "up");
	CHECK(up && up->services == ((1u << 2) | (1u << 1)));
	CHECK(config_display_find(next, "hall")->services == 0xf);
	/* the floor definition says the same, and the floor takes it */
	CHECK(next->floor_def.nservices == 4 && next->floor_def.services[1].retired);
	struct floor *f = floor_create(&run->floor_def);
	REQUIRE(f);
	struct floor_events ev = {0};
	struct floor_clock now = {1767600000000LL, 20260105};
	uint8_t tok[FLOOR_TOKEN_LEN] = {1};
	REQUIRE(floor_issue(f, now, 1, 0, tok, &ev, NULL) == 0);
	REQUIRE(floor_counter_open(f, now, 0, 3, &ev) == 0);
	CHECK(floor_redefine(f, &next->floor_def) == 0);
	tok[0] = 2;
	CHECK(floor_issue(f, now, 1, 0, tok, &ev, NULL) == FLOOR_E_SERVICE); /* retired */
	CHECK(floor_issue(f, now, 3, 0, tok, &ev, NULL) == 0);		     /* new */
	CHECK(floor_call_next(f, now, 0, &ev) == 0);			     /* b's ticket */
	CHECK(floor_transfer(f, now, 0, 1, false, &ev) == FLOOR_E_SERVICE);
	CHECK(floor_transfer(f, now, 0, 3, true, &ev) == 0);
	CHECK(floor_note_config(f, now, &ev) == 0 && ev.v[ev.n - 1].kind == FLOOR_EV_CONFIG);
	/* a definition that drops an index does not fit */
	CHECK(floor_redefine(f, &run->floor_def) == FLOOR_E_INVAL);
	floor_events_free(&ev);
	floor_free(f);
	config_free(next);
	config_free(run);
	return 0;
}

/* A new id with the prefix of a removed one is a rename: same index, the old id kept as
 * an alias while the day names it; a new prefix for a service that issued today is refused
 * when strict and kept for the day when lenient. */
static int test_rename_and_prefix_lock(void)
{
	struct config *run = running();
	REQUIRE(run);
	struct config *next = parse("{" FLOOR ", 'services': [" SVC("a", "A") ", " SVC(
	    "b2", "B") ", " SVC("c", "C") "], 'counters': [{'id': 'c1', 'services': ['a', 'b2']},"
					  " {'id': 'c2', 'services': ['c']}]}");
	REQUIRE(next);
	struct config_used used[] = {{"b", "B"}};
	struct config_today today = {.nservices = 1, .services = used};
	REQUIRE(config_merge(run, next, &today, true, NULL) == 0);
	CHECK(next->nservices == 3 && index_of(next, "b2") == 1);
	CHECK(next->services[1].naliases == 1 && !strcmp(next->services[1].aliases[0], "b"));
	CHECK(next->floor_def.services[1].naliases == 1);
	config_free(next);

	const char *reprefix = "{" FLOOR ", 'services': [" SVC("a", "A") ", " SVC(
	    "b", "Q") ", " SVC("c", "C") "], 'counters': [{'id': 'c1', 'services': ['a', 'b']},"
					 " {'id': 'c2', 'services': ['c']}]}";
	next = parse(reprefix);
	REQUIRE(next);
	char *cause = NULL;
	CHECK(config_merge(run, next, &today, true, &cause) == -EINVAL);
	CHECK(cause && strstr(cause, "services[1].prefix: today's tickets of this service carry "
				     "\"B\""));
	free(cause);
	config_free(next);
	next = parse(reprefix);
	REQUIRE(next);
	CHECK(config_merge(run, next, &today, false, NULL) == 0);
	CHECK(!strcmp(next->services[1].prefix, "B") && next->deferred);
	config_free(next);
	/* nothing issued today: the new prefix applies at once */
	next = parse(reprefix);
	REQUIRE(next);
	CHECK(config_merge(run, next, NULL, true, NULL) == 0);
	CHECK(!strcmp(next->services[1].prefix, "Q") && !next->deferred);
	config_free(next);
	config_free(run);
	return 0;
}

/* Start-up over a day whose journal names what the file lacks: the file's services take
 * the first indexes in its order, the journal's others follow, retired, with the prefix
 * their numbers carry (or none), and every counter may call them. */
static int test_startup_over_the_journal(void)
{
	struct config *next = parse(run_text);
	REQUIRE(next);
	struct config_used used[] = {{"x", "X"}, {"b", "B"}, {"y", NULL}};
	const char *ctrs[] = {"c9", "c1"};
	struct config_today today = {
	    .nservices = 3, .services = used, .ncounters = 2, .counters = ctrs};
	REQUIRE(config_merge(NULL, next, &today, false, NULL) == 0);
	CHECK(next->nservices == 5 && next->nlisted == 3);
	CHECK(index_of(next, "a") == 0 && index_of(next, "b") == 1 && index_of(next, "c") == 2);
	CHECK(index_of(next, "x") == 3 && next->services[3].retired &&
	      !strcmp(next->services[3].prefix, "X"));
	CHECK(index_of(next, "y") == 4 && !strcmp(next->services[4].prefix, ""));
	CHECK(next->ncounters == 3 && config_counter_index(next, "c9") == 2);
	CHECK(next->counters[2].retired && next->counters[2].services == 0x1f);
	CHECK((next->counters[0].services & 0x18) == 0x18); /* c1 may call x's and y's */
	struct floor *f = floor_create(&next->floor_def);
	CHECK(f != NULL);
	floor_free(f);
	config_free(next);
	return 0;
}

/* What needs a restart is refused while running, each key named. */
static int test_restart_keys(void)
{
	struct config *run = running();
	REQUIRE(run);
	struct config *next = parse("{'floor': {'id': 'g', 'name': " NAMES4(
	    "F") ", 'timezone': 'Europe/Oslo'}, 'server': {'listen': '127.0.0.1:9'}, 'services': "
		 "[" SVC("a", "A") ", " SVC("b", "B") ", " SVC(
		     "c", "C") "], 'counters': [{'id': "
			       "'c1', 'services': ['a', 'b']}, {'id': 'c2', 'services': ['c']}]}");
	REQUIRE(next);
	char *cause = NULL;
	CHECK(config_merge(run, next, NULL, true, &cause) == -EINVAL);
	CHECK(cause && strstr(cause, "server.listen: changes only when torgd restarts") &&
	      strstr(cause, "floor.id: changes only when torgd restarts"));
	free(cause);
	config_free(next);
	const char **keys = NULL;
	next = parse(run_text);
	REQUIRE(next && config_merge(run, next, NULL, true, NULL) == 0);
	keys = config_changed_keys(run, next);
	CHECK(keys == NULL);
	free(keys);
	char a[17], b[17];
	config_version(run, a);
	config_version(next, b);
	CHECK(strlen(a) == 16 && !strcmp(a, b));
	config_free(next);
	config_free(run);
	return 0;
}

int main(void)
{
	RUN(test_remove_and_add);
	RUN(test_rename_and_prefix_lock);
	RUN(test_startup_over_the_journal);
	RUN(test_restart_keys);
	return check_report("config_live");
}
