/*
 * test_config.c — unit tests for the configuration parser (config.c,
 * config_json.c) and the opening-hours and local-day logic (hours.c): the demo
 * floor parses completely, defaults apply, every class of error gives its
 * exact path-named message, the pure hours functions at their edges, and the
 * floor's local day across the day-start hour and both DST changes in
 * Europe/Oslo. Runs as its own process; the last line is the tally.
 */
#include "config.h"
#include "hours.h"

#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__,    \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                           \
			ok = false;                                                                \
		}                                                                                  \
	} while (0)

/* Runs one test function and counts its result. */
static void run(const char *name, bool (*fn)(void))
{
	bool ok = fn();
	if (ok)
		passed++;
	else
		failed++;
	fprintf(stderr, "%s %s\n", ok ? "ok  " : "FAIL", name);
}

/* Copies s with every ' turned into " (keeps JSON in C strings readable); caller frees. */
static char *dq(const char *s)
{
	char *r = strdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

#define NAMES4(x)	"{'nb': '" x "', 'nn': '" x "', 'sv': '" x "', 'en': '" x "'}"
#define FLOOR_OK	"'floor': {'id': 'f', 'name': " NAMES4("F") ", 'timezone': 'Europe/Oslo'}"
#define SVC(id, prefix) "{'id': '" id "', 'prefix': '" prefix "', 'name': " NAMES4(id) "}"
#define SVCS_OK		"'services': [" SVC("a", "A") ", " SVC("b", "B") "]"
#define CTRS_OK		"'counters': [{'id': 'c1', 'services': ['a', 'b']}]"

/* Parses the '-quoted JSON text; returns the config or NULL with *cause set. */
static struct config *parse(const char *text, char **cause, int *rc)
{
	char *json = dq(text);
	struct config *cfg = NULL;
	*cause = NULL;
	*rc = config_parse(json, strlen(json), &cfg, cause);
	free(json);
	return cfg;
}

/* True when text fails to parse and its first error is exactly the message want (printed
 * otherwise); the errors that follow it are other tests' business. */
static bool fails_with(const char *text, const char *want)
{
	bool ok = true;
	char *cause;
	int rc;
	struct config *cfg = parse(text, &cause, &rc);
	CHECK(rc == -EINVAL);
	CHECK(cfg == NULL);
	if (cause && strchr(cause, '\n'))
		*strchr(cause, '\n') = '\0';
	CHECK_STR(cause, want);
	free(cause);
	config_free(cfg);
	return ok;
}

/* True when text fails to parse with exactly the errors want ("path: message" lines
 * joined by "\n", in order), through config_parse_all and config_parse alike. */
static bool fails_all(const char *text, const char *want)
{
	bool ok = true;
	char *json = dq(text), *cause = NULL;
	struct config *cfg = NULL;
	struct config_errors errs;
	CHECK(config_parse_all(json, strlen(json), &cfg, &errs) == -EINVAL && cfg == NULL);
	char *got = config_errors_text(&errs);
	CHECK_STR(got, want);
	size_t lines = 1;
	for (const char *c = want; *c; c++)
		lines += *c == '\n';
	CHECK(errs.n == lines && errs.total == lines);
	CHECK(config_parse(json, strlen(json), &cfg, &cause) == -EINVAL && cfg == NULL);
	CHECK_STR(cause, want);
	free(got);
	free(cause);
	free(json);
	config_errors_free(&errs);
	return ok;
}

/* Builds {FLOOR_OK, <extra>, SVCS_OK, CTRS_OK}-style documents for error tests. */
#define DOC(...) "{" __VA_ARGS__ "}"

/* The demo floor parses with 13 services in 4 languages, 16 counters and 2 displays. */
static bool test_demo_floor(void)
{
	bool ok = true;
	char *cause = NULL;
	struct config *cfg = NULL;
	int rc = config_load(TORG_SOURCE_ROOT "/config/demo-floor.json", &cfg, &cause);
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return false;
	}
	CHECK(cfg->nservices == 13);
	for (size_t i = 0; i < cfg->nservices; i++) {
		const struct config_service *s = &cfg->services[i];
		CHECK(s->name.n == 4);
		const char *langs[] = {"nb", "nn", "sv", "en"};
		for (size_t k = 0; k < 4; k++)
			CHECK(config_name_get(&s->name, langs[k]) != NULL);
		CHECK(s->icon && *s->icon);
		CHECK(strlen(s->prefix) >= 1);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(cfg->services[j].prefix, s->prefix) != 0);
	}
	CHECK(cfg->ncounters == 16);
	CHECK(cfg->ndisplays == 2);
	CHECK_STR(cfg->floor_id, "stovner");
	CHECK_STR(cfg->timezone, "Europe/Oslo");
	CHECK(cfg->day_start_min == 240);
	CHECK(cfg->kiosk_policy == CONFIG_KIOSK_PUBLIC);
	int housing = config_service_index(cfg, "housing");
	CHECK(housing >= 0);
	CHECK_STR(config_name_get(&cfg->services[housing].name, "nn"), "Bustad");
	CHECK_STR(config_name_get(&cfg->services[housing].name, "sv"), "Boende");
	/* Floor hours: weekdays only, Thursday longer; the volunteer centre has its own. */
	CHECK(hours_open(&cfg->hours, 1, 8 * 60));
	CHECK(!hours_open(&cfg->hours, 1, 15 * 60 + 30));
	CHECK(hours_open(&cfg->hours, 4, 17 * 60));
	CHECK(!hours_open(&cfg->hours, 6, 12 * 60));
	int vol = config_service_index(cfg, "volunteer");
	CHECK(vol >= 0 && cfg->services[vol].own_hours);
	CHECK(!hours_open(&cfg->services[vol].hours, 1, 9 * 60));
	CHECK(!hours_open(&cfg->services[vol].hours, 5, 11 * 60));
	CHECK(hours_open(&cfg->services[housing].hours, 5, 11 * 60));
	/* floor_def mirrors the services and counters and is accepted by the floor model. */
	CHECK(cfg->floor_def.nservices == 13 && cfg->floor_def.ncounters == 16);
	CHECK_STR(cfg->floor_def.services[housing].prefix, cfg->services[housing].prefix);
	int s1 = config_counter_index(cfg, "s1");
	CHECK(s1 == 0);
	CHECK(cfg->floor_def.counters[s1].services ==
	      ((UINT64_C(1) << config_service_index(cfg, "reception")) |
	       (UINT64_C(1) << config_service_index(cfg, "service_desk"))));
	CHECK(cfg->counters[s1].policy == FLOOR_POLICY_ORDERED);
	CHECK(cfg->counters[config_counter_index(cfg, "m1")].kind == CONFIG_KIND_ROOM);
	struct floor *f = floor_create(&cfg->floor_def);
	CHECK(f != NULL);
	floor_free(f);
	const struct config_display *hall = config_display_find(cfg, "hall");
	const struct config_display *first = config_display_find(cfg, "first-floor");
	CHECK(hall && hall->all_services && hall->services == (UINT64_C(1) << 13) - 1);
	CHECK(first && !first->all_services && first->nlanguages == 2);
	CHECK(config_display_find(cfg, "roof") == NULL);
	config_free(cfg);
	return ok;
}

/* A minimal file gets every documented default. */
static bool test_defaults(void)
{
	bool ok = true;
	char *cause;
	int rc;
	struct config *cfg = parse(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK), &cause, &rc);
	CHECK(rc == 0 && cfg);
	if (!cfg) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return false;
	}
	CHECK(cfg->day_start_min == 240);
	CHECK(cfg->nlanguages == 4 && strcmp(cfg->languages[2], "sv") == 0);
	CHECK_STR(cfg->listen, "127.0.0.1:8080");
	CHECK_STR(cfg->database, "torg.db");
	CHECK(cfg->synchronous == CONFIG_SYNC_FULL);
	CHECK(cfg->public_url == NULL);
	CHECK(cfg->hours.always && hours_open(&cfg->hours, 0, 3 * 60));
	CHECK(cfg->services[0].target_wait_s == 600 && cfg->services[0].service_s == 300);
	CHECK_STR(cfg->services[0].icon, "ticket");
	CHECK(!cfg->services[0].own_hours && cfg->services[0].hours.always);
	CHECK_STR(config_name_get(&cfg->counters[0].name, "en"), "c1");
	CHECK(cfg->counters[0].kind == CONFIG_KIND_COUNTER);
	CHECK(cfg->counters[0].policy == FLOOR_POLICY_OVERDUE);
	CHECK(cfg->counters[0].norder == 2 && cfg->counters[0].order[1] == 1);
	CHECK(cfg->ndisplays == 0);
	CHECK(cfg->kiosk_policy == CONFIG_KIOSK_PUBLIC && cfg->kiosk_rate_per_minute == 20);
	CHECK(cfg->kiosk_idle_s == 60);
	CHECK(cfg->starvation_bound_s == 1200 && cfg->floor_def.starvation_bound_s == 1200);
	CHECK(cfg->retention_days == 90 && !cfg->per_staff);
	config_free(cfg);
	return ok;
}

/* The server section's network keys: proxies, origins (normalised), limits, and the
 * public URL's origin among the allowed ones; and their errors. */
static bool test_server_network(void)
{
	bool ok = true;
	char *cause;
	int rc;
	struct config *cfg = parse(
	    DOC(FLOOR_OK ", 'server': {'trusted_proxies': ['127.0.0.1', '10.20.0.0/16', '::1'],"
			 " 'allowed_origins': ['HTTPS://Intranett.Kommune.no:443'],"
			 " 'frame_ancestors': ['http://signage.example:8000'],"
			 " 'public_url': 'https://torg.kommune.no/stovner',"
			 " 'max_connections': 500, 'max_connections_per_address': 7,"
			 " 'ws_ping_s': 20, 'ws_idle_close_s': 45}, " SVCS_OK ", " CTRS_OK),
	    &cause, &rc);
	CHECK(rc == 0 && cfg);
	if (!cfg) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return false;
	}
	CHECK(cfg->ntrusted_proxies == 3);
	struct netaddr a;
	CHECK(netaddr_parse("10.20.30.40", 11, &a) == 0 &&
	      netaddr_in(&a, &cfg->trusted_proxies[1]));
	CHECK(netaddr_parse("10.21.0.1", 9, &a) == 0 && !netaddr_in(&a, &cfg->trusted_proxies[1]));
	CHECK(cfg->nallowed_origins == 2);
	CHECK_STR(cfg->allowed_origins[0], "https://intranett.kommune.no");
	CHECK_STR(cfg->allowed_origins[1], "https://torg.kommune.no");
	CHECK(cfg->nframe_ancestors == 1);
	CHECK_STR(cfg->frame_ancestors[0], "http://signage.example:8000");
	CHECK(cfg->max_connections == 500 && cfg->max_connections_per_address == 7);
	CHECK(cfg->ws_ping_s == 20 && cfg->ws_idle_close_s == 45);
	config_free(cfg);
	cfg = parse(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK), &cause, &rc);
	CHECK(cfg && cfg->ntrusted_proxies == 0 && cfg->nallowed_origins == 0 &&
	      cfg->max_connections == 20000 && cfg->max_connections_per_address == 256);
	CHECK(cfg && cfg->ws_ping_s == 30 && cfg->ws_idle_close_s == 70);
	config_free(cfg);
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'trusted_proxies': ['10.0.0.1/8']}"),
			 "server.trusted_proxies[0]: \"10.0.0.1/8\" has host bits set "
			 "(the network is 10.0.0.0/8)");
	ok &= fails_with(
	    DOC(FLOOR_OK ", 'server': {'trusted_proxies': ['proxy.example']}"),
	    "server.trusted_proxies[0]: \"proxy.example\" is not an IPv4 or IPv6 address "
	    "or network");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'trusted_proxies': '127.0.0.1'}"),
			 "server.trusted_proxies: expected an array, got string");
	ok &=
	    fails_with(DOC(FLOOR_OK ", 'server': {'allowed_origins': ['https://x.example/path']}"),
		       "server.allowed_origins[0]: \"https://x.example/path\" is not an origin "
		       "(scheme://host[:port], http or https, no path)");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'frame_ancestors': [1]}"),
			 "server.frame_ancestors[0]: expected a string, got integer");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'max_connections': 0}"),
			 "server.max_connections: expected a positive integer, got 0");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'ws_ping_s': 70}, " SVCS_OK ", " CTRS_OK),
			 "server.ws_idle_close_s: 70 must be more than server.ws_ping_s (70): a "
			 "session is pinged before it is closed");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'ws_ping_s': 0}"),
			 "server.ws_ping_s: expected a positive integer, got 0");
	return ok;
}

/* server.tls: two readable files (what they hold is checked when torgd listens, not
 * here), and each way the section or a file can be wrong. */
static bool test_server_tls(void)
{
	bool ok = true;
	char *cause, file[] = "/tmp/torg-test-tls-XXXXXX";
	int rc, fd = mkstemp(file);
	CHECK(fd >= 0);
	if (fd < 0)
		return false;
	close(fd);
	char doc[1024];
	snprintf(doc, sizeof(doc),
		 "{" FLOOR_OK ", 'server': {'tls': {'cert': '%s', 'key': '%s'}}, " SVCS_OK
		 ", " CTRS_OK "}",
		 file, file);
	struct config *cfg = parse(doc, &cause, &rc);
	CHECK(rc == 0 && cfg && cfg->tls_cert && cfg->tls_key);
	CHECK(cfg && strcmp(cfg->tls_cert, file) == 0 && strcmp(cfg->tls_key, file) == 0);
	config_free(cfg);
	cfg = parse(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK), &cause, &rc);
	CHECK(cfg && !cfg->tls_cert && !cfg->tls_key);
	config_free(cfg);
	snprintf(doc, sizeof(doc),
		 "{" FLOOR_OK ", 'server': {'tls': {'cert': '%s', 'key': '/nonexistent/k.pem'}}}",
		 file);
	ok &= fails_with(
	    doc, "server.tls.key: cannot read /nonexistent/k.pem: No such file or directory");
	snprintf(doc, sizeof(doc),
		 "{" FLOOR_OK ", 'server': {'tls': {'cert': '/tmp', 'key': '%s'}}}", file);
	ok &= fails_with(doc, "server.tls.cert: /tmp is not a file");
	snprintf(doc, sizeof(doc),
		 "{" FLOOR_OK ", 'server': {'public_url': 'http://x.example', 'tls': {'cert': "
		 "'%s', 'key': '%s'}}}",
		 file, file);
	ok &= fails_with(doc, "server.public_url: \"http://x.example\" is http://, but "
			      "with server.tls torgd answers only https");
	snprintf(doc, sizeof(doc), "{" FLOOR_OK ", 'server': {'tls': {'cert': '%s'}}}", file);
	ok &= fails_with(doc, "server.tls.key: missing");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'tls': {'cert': '', 'key': 'k'}}"),
			 "server.tls.cert: empty");
	snprintf(doc, sizeof(doc),
		 "{" FLOOR_OK ", 'server': {'tls': {'cert': '%s', 'key': '%s', 'ca': 'c'}}}", file,
		 file);
	ok &= fails_with(doc, "server.tls.ca: unknown key");
	/* Both files are checked, each in its own error. */
	ok &= fails_all(DOC(FLOOR_OK ", 'server': {'tls': {'cert': '/nonexistent/c.pem', 'key': "
				     "''}}, " SVCS_OK ", " CTRS_OK),
			"server.tls.cert: cannot read /nonexistent/c.pem: No such file or "
			"directory\n"
			"server.tls.key: empty");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'tls': true}"),
			 "server.tls: expected an object, got boolean");
	unlink(file);
	return ok;
}

/* Explicit values for every optional key are read back; "_" keys are comments. */
static bool test_explicit_values(void)
{
	bool ok = true;
	char *cause;
	int rc;
	struct config *cfg = parse(
	    DOC("'_comment': 'ignored', "
		"'floor': {'id': 'x', 'timezone': 'UTC', 'day_starts': '05:30',"
		" 'languages': ['en', 'nb', 'nn', 'sv', 'ar'],"
		" 'name': {'nb': 'X', 'nn': 'X', 'sv': 'X', 'en': 'X', 'ar': 'س'}}, "
		"'server': {'listen': '[::1]:9000', 'database': '/var/lib/torg/x.db',"
		" 'synchronous': 'normal', 'public_url': 'https://torg.example/x'}, "
		"'hours': 'always', "
		"'services': [{'id': 'a', 'prefix': 'AB', 'target_wait_s': 60, 'service_s': 30,"
		" 'icon': 'door', 'name': {'nb': 'a', 'nn': 'a', 'sv': 'a', 'en': 'a', 'ar': 'a'},"
		" 'hours': {'sat': [['10:00', '12:00'], ['13:00', '24:00']]}}], "
		"'counters': [{'id': 'r1', 'kind': 'room', 'policy': 'fifo', 'services': ['a'],"
		" 'name': {'nb': 'R', 'nn': 'R', 'sv': 'R', 'en': 'Room', 'ar': 'R'}}], "
		"'displays': [{'id': 'd', 'name': 'Hall', 'services': ['a'], 'languages': "
		"['ar']}], "
		"'kiosks': {'policy': 'key', 'rate_per_minute': 0, 'idle_s': 3,"
		" 'keys': [{'id': 'k1', 'key': '0123456789abcdef'}, {'id': 'k2', 'key': "
		"'fedcba9876543210x'}]}, "
		"'routing': {'starvation_bound_s': 300}, "
		"'statistics': {'retention_days': 30, 'per_staff': true}"),
	    &cause, &rc);
	CHECK(rc == 0 && cfg);
	if (!cfg) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return false;
	}
	CHECK(cfg->day_start_min == 330);
	CHECK(cfg->nlanguages == 5 && config_has_language(cfg, "ar"));
	CHECK_STR(cfg->listen, "[::1]:9000");
	CHECK_STR(cfg->database, "/var/lib/torg/x.db");
	CHECK(cfg->synchronous == CONFIG_SYNC_NORMAL);
	CHECK_STR(config_sync_name(cfg->synchronous), "NORMAL");
	CHECK_STR(cfg->public_url, "https://torg.example/x");
	CHECK_STR(cfg->services[0].prefix, "AB");
	CHECK(cfg->services[0].own_hours && !cfg->services[0].hours.always);
	CHECK(hours_open(&cfg->services[0].hours, 6, 23 * 60 + 59));
	CHECK(!hours_open(&cfg->services[0].hours, 6, 12 * 60 + 30));
	CHECK(cfg->counters[0].kind == CONFIG_KIND_ROOM);
	CHECK(cfg->counters[0].policy == FLOOR_POLICY_FIFO);
	CHECK_STR(config_policy_name(cfg->counters[0].policy), "fifo");
	CHECK_STR(config_kind_name(cfg->counters[0].kind), "room");
	CHECK_STR(config_name_best(&cfg->counters[0].name, "de"), "Room");
	CHECK_STR(config_name_best(&cfg->counters[0].name, "ar"), "R");
	CHECK(cfg->displays[0].nlanguages == 1 && strcmp(cfg->displays[0].languages[0], "ar") == 0);
	CHECK(cfg->kiosk_policy == CONFIG_KIOSK_KEY && cfg->nkiosk_keys == 2);
	CHECK(cfg->kiosk_rate_per_minute == 0 && cfg->kiosk_idle_s == 3);
	const struct config_kiosk_key *k = config_kiosk_key_find(cfg, "fedcba9876543210x");
	CHECK(k && strcmp(k->id, "k2") == 0);
	CHECK(config_kiosk_key_find(cfg, "fedcba9876543210") == NULL);
	CHECK(config_kiosk_key_find(cfg, "") == NULL);
	CHECK(cfg->starvation_bound_s == 300 && cfg->floor_def.starvation_bound_s == 300);
	CHECK(cfg->retention_days == 30 && cfg->per_staff);
	CHECK(config_service_by_prefix(cfg, "AB") == 0 && config_service_by_prefix(cfg, "A") == -1);
	CHECK(config_service_index(cfg, "zz") == -1 && config_counter_index(cfg, "zz") == -1);
	config_free(cfg);
	return ok;
}

/* JSON syntax errors give line and column; the top level must be an object. */
static bool test_err_syntax(void)
{
	bool ok = true;
	char *cause = NULL;
	struct config *cfg = NULL;
	const char *text = "{\n  \"floor\": {\n    \"id\": \"x\",,\n  }\n}";
	CHECK(config_parse(text, strlen(text), &cfg, &cause) == -EINVAL);
	CHECK_STR(cause, "line 3, column 15: string or '}' expected near ','");
	free(cause);
	cause = NULL;
	CHECK(config_parse("", 0, &cfg, &cause) == -EINVAL && cause &&
	      strncmp(cause, "line 1, column 0: ", 18) == 0);
	free(cause);
	ok &= fails_with("[1, 2]", "expected an object at the top level, got array");
	ok &= fails_with("{'floor': {}, 'floor': {}}",
			 "line 1, column 21: duplicate object key near '\"floor\"'");
	return ok;
}

/* Unknown keys are errors at every level, naming the path. */
static bool test_err_unknown_key(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'sevrices': []"), "sevrices: unknown key");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("a", "A") ", " SVC(
			     "b", "B") ", "
				       "{'id': 'c', 'prefix': 'C', 'colour': 'red'}]"),
			 "services[2].colour: unknown key");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'tz': 'UTC'}"), "floor.tz: unknown key");
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': {'monday': []}"), "hours.monday: unknown key");
	ok &= fails_with(DOC(FLOOR_OK ", 'a b\\n': 1"), "\"a b\\u000a\": unknown key");
	return ok;
}

/* Required keys name themselves when missing; wrong types say what was expected. */
static bool test_err_missing_and_types(void)
{
	bool ok = true;
	ok &= fails_with("{}", "floor: missing");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'name': " NAMES4("F") "}"),
			 "floor.timezone: missing");
	ok &= fails_with(DOC(FLOOR_OK), "services: missing");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': []"), "services: must list at least one");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK), "counters: missing");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': " NAMES4(
			     "a") ", 'target_wait_s': '600'}]"),
			 "services[0].target_wait_s: expected a positive integer, got string");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': " NAMES4(
			     "a") ", 'service_s': 0}]"),
			 "services[0].service_s: expected a positive integer, got 0");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': " NAMES4(
			     "a") ", 'service_s': 1.5}]"),
			 "services[0].service_s: expected a positive integer, got number with a "
			 "fraction");
	ok &= fails_with(
	    DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'routing': {'starvation_bound_s': 100000}"),
	    "routing.starvation_bound_s: 100000 is more than the maximum 86400");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'statistics': {'per_staff': 1}"),
			 "statistics.per_staff: expected true or false, got integer");
	ok &=
	    fails_with(DOC(FLOOR_OK ", 'services': {}"), "services: expected an array, got object");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [7]"),
			 "services[0]: expected an object, got integer");
	return ok;
}

/* Time zones must exist and be plain names. */
static bool test_err_timezone(void)
{
	bool ok = true;
	ok &= fails_with(DOC("'floor': {'id': 'f', 'name': " NAMES4("F") ", 'timezone': "
									 "'Europe/Olso'}"),
			 "floor.timezone: \"Europe/Olso\" is not a known time zone (see "
			 "/usr/share/zoneinfo)");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'name': " NAMES4("F") ", 'timezone': "
									 "'../../etc/passwd'}"),
			 "floor.timezone: \"../../etc/passwd\" is not a known time zone (see "
			 "/usr/share/zoneinfo)");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'name': " NAMES4("F") ", 'timezone': 'Europe'}"),
			 "floor.timezone: \"Europe\" is not a known time zone (see "
			 "/usr/share/zoneinfo)");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'name': " NAMES4("F") ", 'timezone': 'UTC', "
									 "'day_starts': '4:00'}"),
			 "floor.day_starts: \"4:00\" is not a time HH:MM");
	return ok;
}

/* Ids have a fixed alphabet and length and are unique per list. */
static bool test_err_ids(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("Nav", "A") "]"),
			 "services[0].id: \"Nav\" is not an id (1 to 32 of a-z, 0-9, _ and -)");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("", "A") "]"),
			 "services[0].id: \"\" is not an id (1 to 32 of a-z, 0-9, _ and -)");
	ok &= fails_with(
	    DOC(FLOOR_OK ", 'services': [" SVC("a", "A") ", " SVC("b", "B") ", " SVC("a", "C") "]"),
	    "services[2].id: \"a\" is already used by services[0]");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c1', 'services': ['a']},"
				      " {'id': 'c1', 'services': ['b']}]"),
			 "counters[1].id: \"c1\" is already used by counters[0]");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'displays': [{'id': 'd'}, "
				      "{'id': 'd'}]"),
			 "displays[1].id: \"d\" is already used by displays[0]");
	ok &=
	    fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK
				    ", 'displays': [{'id': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}]"),
		       "displays[0].id: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not an id (1 to "
		       "32 of a-z, 0-9, _ and -)");
	return ok;
}

/* Prefixes are one or two capital letters and unique. */
static bool test_err_prefix(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("a", "A") ", " SVC("b", "D") ", " SVC(
			     "c", "C") ", " SVC("d", "D") "]"),
			 "services[3].prefix: \"D\" is already used by services[1]");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("a", "a") "]"),
			 "services[0].prefix: \"a\" is not 1 or 2 capital letters A-Z");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("a", "ABC") "]"),
			 "services[0].prefix: \"ABC\" is not 1 or 2 capital letters A-Z");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("a", "Å") "]"),
			 "services[0].prefix: \"Å\" is not 1 or 2 capital letters A-Z");
	return ok;
}

/* Names need every floor language; languages must include the four base ones. */
static bool test_err_languages(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': {'nb': "
				      "'a', 'nn': 'a', 'en': 'a'}}]"),
			 "services[0].name.sv: missing");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': {'nb': "
				      "'a', 'nn': '', 'sv': 'a', 'en': 'a'}}]"),
			 "services[0].name.nn: empty");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': {'NB': "
				      "'a'}}]"),
			 "services[0].name.\"NB\": not a language tag like \"nb\" or \"pt-BR\"");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'languages': ['nb', 'nn', 'en'], 'timezone': "
			     "'UTC', 'name': " NAMES4("F") "}"),
			 "floor.languages: must include \"sv\"");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'languages': ['nb', 'nn', 'sv', 'en', 'nb']}"),
			 "floor.languages[4]: \"nb\" is listed twice");
	ok &= fails_with(DOC("'floor': {'id': 'f', 'languages': ['nb', 'nn', 'sv', 'en', 'so'], "
			     "'timezone': 'UTC', 'name': " NAMES4("F") "}"),
			 "floor.name.so: missing");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK
				      ", 'displays': [{'id': 'd', 'languages': ['nb', 'ar']}]"),
			 "displays[0].languages[1]: \"ar\" is not one of floor.languages");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c', 'services': ['a'], "
				      "'name': {'nb': 'x'}}]"),
			 "counters[0].name.nn: missing");
	return ok;
}

/* Counter and display service lists must name known services, once, at least one. */
static bool test_err_service_lists(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c0', 'services': "
				      "['a']}, {'id': 'c1', 'services': ['a']}, {'id': "
				      "'c2', 'services': ['nva']}]"),
			 "counters[2].services[0]: unknown service \"nva\"");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c', 'services': ['a', "
				      "'b', 'a']}]"),
			 "counters[0].services[2]: \"a\" is listed twice");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c', 'services': []}]"),
			 "counters[0].services: must list at least one service");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c'}]"),
			 "counters[0].services: missing");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c', 'services': ['a'], "
				      "'policy': 'fast'}]"),
			 "counters[0].policy: \"fast\" is not one of \"overdue\", \"fifo\", "
			 "\"ordered\"");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c', 'services': ['a'], "
				      "'kind': 'desk'}]"),
			 "counters[0].kind: \"desk\" is not one of \"counter\", \"room\"");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK
				      ", 'displays': [{'id': 'd', 'services': ['b', 'x']}]"),
			 "displays[0].services[1]: unknown service \"x\"");
	return ok;
}

/* Opening hours: times, order, overlaps, and the "always" form. */
static bool test_err_hours(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': {'mon': [['08:00', '25:00']]}"),
			 "hours.mon[0]: \"25:00\" is not a time HH:MM");
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': {'tue': [['24:00', '24:00']]}"),
			 "hours.tue[0]: \"24:00\" is not a time HH:MM");
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': {'mon': [['09:00', '08:00']]}"),
			 "hours.mon[0]: closes at 08:00, not after it opens at 09:00");
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': {'fri': [['08:00', '12:00'], ['11:00', "
				      "'15:00']]}"),
			 "hours.fri[1]: overlaps another span of the day");
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': {'mon': ['08:00', '15:00']}"),
			 "hours.mon[0]: expected [\"HH:MM\", \"HH:MM\"]");
	ok &= fails_with(DOC(FLOOR_OK ", 'hours': 'sometimes'"),
			 "hours: \"sometimes\" is not \"always\" or an object of weekdays");
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [{'id': 'a', 'prefix': 'A', 'name': " NAMES4(
			     "a") ", 'hours': {'sun': [['8:00', '9:00']]}}]"),
			 "services[0].hours.sun[0]: \"8:00\" is not a time HH:MM");
	return ok;
}

/* Server, kiosk and limit checks. */
static bool test_err_sections(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'listen': '8080'}"),
			 "server.listen: \"8080\" is not host:port");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'listen': 'localhost:99999'}"),
			 "server.listen: \"localhost:99999\" is not host:port");
	/* torgd binds addresses and never looks a name up (lws would bind every interface). */
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'listen': 'torg.example:8080'}"),
			 "server.listen: \"torg.example:8080\": the host must be an IP address "
			 "(127.0.0.1, 0.0.0.0, [::1], [::]) or localhost");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'listen': '[1.2.3.4]:8080'}"),
			 "server.listen: \"[1.2.3.4]:8080\": the host must be an IP address "
			 "(127.0.0.1, 0.0.0.0, [::1], [::]) or localhost");
	ok &=
	    fails_with(DOC(FLOOR_OK ", 'server': {'synchronous': 'off'}"),
		       "server.synchronous: \"off\" is not one of \"normal\", \"full\", \"extra\"");
	ok &= fails_with(DOC(FLOOR_OK ", 'server': {'public_url': 'ftp://x'}"),
			 "server.public_url: \"ftp://x\" is not an http:// or https:// URL");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'kiosks': {'policy': 'key'}"),
			 "kiosks.keys: policy \"key\" needs at least one key");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK
				      ", 'kiosks': {'keys': [{'id': 'k', 'key': 'short-secret'}]}"),
			 "kiosks.keys[0].key: must be 16 to 256 characters");
	ok &=
	    fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK
				    ", 'kiosks': {'keys': [{'id': 'k', 'key': '0123456789abcdef'}, "
				    "{'id': 'l', 'key': '0123456789abcdef'}]}"),
		       "kiosks.keys[1].key: the same key as kiosks.keys[0]");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'kiosks': {'idle_s': 2}"),
			 "kiosks.idle_s: 2 s is less than the minimum 3 s");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'kiosks': {'idle_s': 3601}"),
			 "kiosks.idle_s: 3601 is more than the maximum 3600");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'kiosks': {'idle_s': '60'}"),
			 "kiosks.idle_s: expected a non-negative integer, got string");
	/* 65 services is one too many. */
	char doc[16384];
	size_t n = (size_t)snprintf(doc, sizeof(doc), "{" FLOOR_OK ", 'services': [");
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s{'id': 's%d', 'prefix': '%c%c'}",
				      i ? ", " : "", i, 'A' + i / 26, 'A' + i % 26);
	snprintf(doc + n, sizeof(doc) - n, "]}");
	ok &= fails_with(doc, "services: more than 64 entries");
	return ok;
}

/* Strings from the file are escaped and shortened in messages. */
static bool test_err_quoting(void)
{
	bool ok = true;
	ok &= fails_with(DOC(FLOOR_OK ", 'services': [" SVC("a", "A") "], 'counters': [{'id': 'c', "
								      "'services': "
								      "['x\\\"y\\ty']}]"),
			 "counters[0].services[0]: unknown service \"x\\\"y\\u0009y\"");
	ok &= fails_with(DOC(FLOOR_OK ", " SVCS_OK ", 'counters': [{'id': 'c', 'services': "
				      "['ææææææææææææææææææææææææææææææ']}]"),
			 "counters[0].services[0]: unknown service "
			 "\"ææææææææææææææææææææææææ...\"");
	return ok;
}

/* config_load reports unreadable files with their path and errno. */
static bool test_load_errors(void)
{
	bool ok = true;
	char *cause = NULL;
	struct config *cfg = NULL;
	CHECK(config_load("/nonexistent/torg.json", &cfg, &cause) == -ENOENT);
	CHECK_STR(cause, "No such file or directory");
	CHECK(cfg == NULL);
	free(cause);
	cause = NULL;
	CHECK(config_load("/", &cfg, &cause) == -EISDIR);
	free(cause);
	return ok;
}

/* Pure hours: open/closed at span edges, add_span checks, HH:MM parsing and formatting. */
static bool test_hours_pure(void)
{
	bool ok = true;
	struct hours h;
	hours_set_closed(&h);
	CHECK(hours_add_span(&h, 1, 13 * 60, 15 * 60) == 0);
	CHECK(hours_add_span(&h, 1, 8 * 60, 12 * 60) == 0);
	CHECK(h.spans[1][0].open == 8 * 60); /* kept sorted */
	CHECK(hours_add_span(&h, 1, 11 * 60, 13 * 60) == -EINVAL);
	CHECK(hours_add_span(&h, 1, 12 * 60, 13 * 60) == 0); /* touching is fine */
	CHECK(hours_add_span(&h, 7, 0, 60) == -EINVAL);
	CHECK(hours_add_span(&h, 2, 60, 60) == -EINVAL);
	CHECK(hours_add_span(&h, 2, 0, 1441) == -EINVAL);
	for (int i = 0; i < HOURS_MAX_SPANS; i++)
		CHECK(hours_add_span(&h, 3, i * 10, i * 10 + 5) == 0);
	CHECK(hours_add_span(&h, 3, 500, 600) == -ENOSPC);
	CHECK(!hours_open(&h, 1, 8 * 60 - 1));
	CHECK(hours_open(&h, 1, 8 * 60));
	CHECK(hours_open(&h, 1, 15 * 60 - 1));
	CHECK(!hours_open(&h, 1, 15 * 60));
	CHECK(!hours_open(&h, 0, 10 * 60));
	CHECK(!hours_open(&h, -1, 10 * 60));
	CHECK(hours_closes_at(&h, 1, 9 * 60) == 12 * 60);
	CHECK(hours_closes_at(&h, 1, 7 * 60) == -1);
	hours_set_always(&h);
	CHECK(hours_open(&h, 6, 0) && hours_closes_at(&h, 6, 0) == HOURS_DAY_MIN);
	CHECK(hours_parse_hhmm("00:00", false) == 0);
	CHECK(hours_parse_hhmm("23:59", false) == 1439);
	CHECK(hours_parse_hhmm("24:00", false) == -1);
	CHECK(hours_parse_hhmm("24:00", true) == 1440);
	CHECK(hours_parse_hhmm("24:01", true) == -1);
	CHECK(hours_parse_hhmm("12:60", false) == -1);
	CHECK(hours_parse_hhmm("1200", false) == -1);
	CHECK(hours_parse_hhmm("12:3a", false) == -1);
	CHECK(hours_parse_hhmm("12:30 ", false) == -1);
	char buf[6];
	hours_format_hhmm(8 * 60 + 5, buf);
	CHECK_STR(buf, "08:05");
	hours_format_hhmm(1440, buf);
	CHECK_STR(buf, "24:00");
	CHECK_STR(hours_wday_key(1), "mon");
	CHECK(hours_wday_key(7) == NULL);
	return ok;
}

/* Next opening: now when open, later today, after a weekend, a week ahead, never. */
static bool test_hours_next_open(void)
{
	bool ok = true;
	struct hours h;
	struct hours_when w;
	hours_set_closed(&h);
	CHECK(hours_next_open(&h, 1, 0, &w) == -ENOENT);
	for (int d = 1; d <= 5; d++)
		CHECK(hours_add_span(&h, d, 8 * 60, 15 * 60 + 30) == 0);
	CHECK(hours_add_span(&h, 3, 17 * 60, 19 * 60) == 0);
	CHECK(hours_next_open(&h, 1, 9 * 60, &w) == 0);
	CHECK(w.wday == 1 && w.minute == 9 * 60 && w.days_ahead == 0);
	CHECK(hours_next_open(&h, 1, 7 * 60, &w) == 0);
	CHECK(w.wday == 1 && w.minute == 8 * 60 && w.days_ahead == 0);
	CHECK(hours_next_open(&h, 3, 16 * 60, &w) == 0); /* the evening span */
	CHECK(w.wday == 3 && w.minute == 17 * 60 && w.days_ahead == 0);
	CHECK(hours_next_open(&h, 1, 16 * 60, &w) == 0);
	CHECK(w.wday == 2 && w.minute == 8 * 60 && w.days_ahead == 1);
	CHECK(hours_next_open(&h, 5, 15 * 60 + 30, &w) == 0); /* Friday closing → Monday */
	CHECK(w.wday == 1 && w.minute == 8 * 60 && w.days_ahead == 3);
	CHECK(hours_next_open(&h, 6, 12 * 60, &w) == 0);
	CHECK(w.wday == 1 && w.days_ahead == 2);
	hours_set_closed(&h);
	CHECK(hours_add_span(&h, 1, 8 * 60, 9 * 60) == 0);
	CHECK(hours_next_open(&h, 1, 10 * 60, &w) == 0); /* only Mondays: a week ahead */
	CHECK(w.wday == 1 && w.minute == 8 * 60 && w.days_ahead == 7);
	CHECK(hours_next_open(&h, 9, 0, &w) == -EINVAL);
	return ok;
}

/* Civil date arithmetic: month and year ends, leap years, weekdays. */
static bool test_day_arith(void)
{
	bool ok = true;
	CHECK(hours_day_add(20260301, -1) == 20260228);
	CHECK(hours_day_add(20240301, -1) == 20240229);
	CHECK(hours_day_add(20000228, 1) == 20000229);
	CHECK(hours_day_add(21000228, 1) == 21000301);
	CHECK(hours_day_add(20261231, 1) == 20270101);
	CHECK(hours_day_add(20270101, -1) == 20261231);
	CHECK(hours_day_add(20260115, 365) == 20270115);
	CHECK(hours_day_wday(19700101) == 4);
	CHECK(hours_day_wday(20260329) == 0);
	CHECK(hours_day_wday(20261123) == 1);
	CHECK(hours_day_wday(19691231) == 3);
	return ok;
}

/* Pure local-day rule on a broken-down time: before day_start is the previous date. */
static bool test_local_from_tm(void)
{
	bool ok = true;
	struct hours_local l;
	struct tm tm = {
	    .tm_year = 126, .tm_mon = 2, .tm_mday = 1, .tm_hour = 3, .tm_min = 59, .tm_wday = 0};
	hours_local_from_tm(&tm, 240, &l);
	CHECK(l.day == 20260228 && l.wday == 0 && l.minute == 239);
	tm.tm_hour = 4;
	tm.tm_min = 0;
	hours_local_from_tm(&tm, 240, &l);
	CHECK(l.day == 20260301 && l.minute == 240);
	hours_local_from_tm(&tm, 0, &l);
	CHECK(l.day == 20260301);
	return ok;
}

/* Checks one instant in the process TZ: local day, weekday and minute. */
static bool local_is(int64_t ms, int day_start, int32_t day, int wday, int minute)
{
	struct hours_local l;
	if (hours_local_now(ms, day_start, &l) != 0)
		return false;
	if (l.day != day || l.wday != wday || l.minute != minute) {
		fprintf(stderr, "  %lld: got day %d wday %d minute %d\n", (long long)ms, l.day,
			l.wday, l.minute);
		return false;
	}
	return true;
}

/* Europe/Oslo: the day boundary at 04:00 local across both DST changes and New Year. */
static bool test_local_day_oslo(void)
{
	bool ok = true;
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	/* Saturday 2026-03-28, CET (+1): 02:59Z is 03:59, 03:00Z is 04:00. */
	CHECK(local_is(1774666740000, 240, 20260327, 6, 239));
	CHECK(local_is(1774666800000, 240, 20260328, 6, 240));
	/* Sunday 2026-03-29, clocks go 02:00 → 03:00 at 01:00Z. */
	CHECK(local_is(1774745940000, 240, 20260328, 0, 119)); /* 01:59 CET */
	CHECK(local_is(1774747800000, 240, 20260328, 0, 210)); /* 03:30 CEST */
	CHECK(local_is(1774749600000, 240, 20260329, 0, 240)); /* 04:00 CEST = 02:00Z */
	/* Sunday 2026-10-25, clocks go 03:00 → 02:00 at 01:00Z: 02:59 happens twice. */
	CHECK(local_is(1792889940000, 240, 20261024, 0, 179)); /* 02:59 CEST */
	CHECK(local_is(1792893540000, 240, 20261024, 0, 179)); /* 02:59 CET */
	CHECK(local_is(1792897140000, 240, 20261024, 0, 239)); /* 03:59 CET */
	CHECK(local_is(1792897200000, 240, 20261025, 0, 240)); /* 04:00 CET = 03:00Z */
	/* New Year: 03:30 local on 1 January still belongs to 31 December. */
	CHECK(local_is(1798757940000, 240, 20261231, 4, 1439));
	CHECK(local_is(1798774200000 - 3600000, 240, 20261231, 5, 210));
	CHECK(local_is(1798774200000, 240, 20270101, 5, 270));
	/* Day start at midnight: the date itself. */
	CHECK(local_is(1774745940000, 0, 20260329, 0, 119));
	return ok;
}

#define DISPLAYS(d) DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'displays': [" d "]")

/* A display's language mode, logo and colours: defaults, values read back, and bad ones
 * refused with the key named. */
static bool test_display_look(void)
{
	bool ok = true;
	char *cause;
	int rc;
	struct config *cfg = parse(DISPLAYS("{'id': 'd'}, {'id': 'e', 'languages': ['en']}, "
					    "{'id': 'f', 'language_mode': 'rotate', 'logo': "
					    "'torg-logo_2.png', 'colors': {'background': "
					    "'#0B1D33', 'accent': '#ffd54a'}}"),
				   &cause, &rc);
	CHECK(rc == 0 && cfg);
	if (!cfg) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return false;
	}
	CHECK(cfg->displays[0].language_mode == CONFIG_LANGUAGE_SECOND_LINE);
	CHECK(cfg->displays[0].logo == NULL && cfg->displays[0].colors[0][0] == '\0');
	CHECK(cfg->displays[1].language_mode == CONFIG_LANGUAGE_PRIMARY);
	CHECK(cfg->displays[2].language_mode == CONFIG_LANGUAGE_ROTATE);
	CHECK_STR(config_language_mode_name(cfg->displays[2].language_mode), "rotate");
	CHECK_STR(cfg->displays[2].logo, "torg-logo_2.png");
	CHECK_STR(cfg->displays[2].colors[0], "#0b1d33");
	CHECK(cfg->displays[2].colors[1][0] == '\0');
	CHECK_STR(cfg->displays[2].colors[2], "#ffd54a");
	config_free(cfg);
	ok &= fails_with(DISPLAYS("{'id': 'd', 'language_mode': 'cycle'}"),
			 "displays[0].language_mode: \"cycle\" is not one of \"primary\", "
			 "\"second_line\", \"rotate\"");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'language_mode': 2}"),
			 "displays[0].language_mode: expected a string, got integer");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'logo': '../config.json'}"),
			 "displays[0].logo: \"../config.json\" is not a file name in the logos "
			 "folder (1 to 64 of A-Z a-z 0-9 . _ -, ending .png or .svg)");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'logo': '.hidden.png'}"),
			 "displays[0].logo: \".hidden.png\" is not a file name in the logos "
			 "folder (1 to 64 of A-Z a-z 0-9 . _ -, ending .png or .svg)");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'logo': 'logo.gif'}"),
			 "displays[0].logo: \"logo.gif\" is not a file name in the logos "
			 "folder (1 to 64 of A-Z a-z 0-9 . _ -, ending .png or .svg)");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'colors': '#ffffff'}"),
			 "displays[0].colors: expected an object, got string");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'colors': {'text': '#ffffff'}}"),
			 "displays[0].colors.text: unknown key");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'colors': {'accent': 'red'}}"),
			 "displays[0].colors.accent: \"red\" is not a colour #rrggbb");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'colors': {'background': '#12345g'}}"),
			 "displays[0].colors.background: \"#12345g\" is not a colour #rrggbb");
	ok &= fails_with(DISPLAYS("{'id': 'd', 'colors': {'foreground': '#fff'}}"),
			 "displays[0].colors.foreground: \"#fff\" is not a colour #rrggbb");
	return ok;
}

/* A file with many independent errors in every section gets all of them at once, each
 * with its exact path, in the order of the document. */
static bool test_all_errors(void)
{
	bool ok = true;
	ok &= fails_all(
	    DOC("'floor': {'id': 'f', 'name': " NAMES4(
		"F") ", 'timezone': 'Europe/Olso'}, "
		     "'server': {'listen': '8080', 'ws_ping_s': 0,"
		     " 'trusted_proxies': ['10.0.0.1/8', '127.0.0.1', 'x']}, "
		     "'services': [" SVC(
			 "Nav", "A") ", "
				     "{'id': 'b', 'prefix': 'a', 'name': " NAMES4(
					 "b") ", 'colour': 'red'}, "
					      "{'id': 'c', 'prefix': 'C', 'name': {'nb': 'c', "
					      "'nn': 'c', 'en': 'c'},"
					      " 'target_wait_s': 'soon'}, " SVC(
						  "d",
						  "C") "], "
						       "'counters': [{'id': 'c1', 'services': "
						       "['b', 'nva']},"
						       " {'id': 'c2', 'services': ['nva', 'c'], "
						       "'policy': 'fast'},"
						       " {'id': 'c1', 'services': ['d']}], "
						       "'displays': [{'id': 'hall', 'languages': "
						       "['nb', 'ar'], 'colors': {'accent': 'red'}},"
						       " {'id': 'hall', 'logo': '../x'}], "
						       "'kiosks': {'policy': 'key', 'keys': "
						       "[{'id': 'k1', 'key': 'short'},"
						       " {'id': 'k2', 'key': '0123456789abcdef'}, "
						       "{'id': 'k3', 'key': '0123456789abcdef'}],"
						       " 'idle_s': 2}, "
						       "'routing': {'starvation_bound_s': 0}"),
	    "floor.timezone: \"Europe/Olso\" is not a known time zone (see /usr/share/zoneinfo)\n"
	    "server.listen: \"8080\" is not host:port\n"
	    "server.ws_ping_s: expected a positive integer, got 0\n"
	    "server.trusted_proxies[0]: \"10.0.0.1/8\" has host bits set (the network is "
	    "10.0.0.0/8)\n"
	    "server.trusted_proxies[2]: \"x\" is not an IPv4 or IPv6 address or network\n"
	    "services[0].id: \"Nav\" is not an id (1 to 32 of a-z, 0-9, _ and -)\n"
	    "services[1].prefix: \"a\" is not 1 or 2 capital letters A-Z\n"
	    "services[1].colour: unknown key\n"
	    "services[2].name.sv: missing\n"
	    "services[2].target_wait_s: expected a positive integer, got string\n"
	    "services[3].prefix: \"C\" is already used by services[2]\n"
	    "counters[0].services[1]: unknown service \"nva\"\n"
	    "counters[1].services[0]: unknown service \"nva\"\n"
	    "counters[1].policy: \"fast\" is not one of \"overdue\", \"fifo\", \"ordered\"\n"
	    "counters[2].id: \"c1\" is already used by counters[0]\n"
	    "displays[0].languages[1]: \"ar\" is not one of floor.languages\n"
	    "displays[0].colors.accent: \"red\" is not a colour #rrggbb\n"
	    "displays[1].id: \"hall\" is already used by displays[0]\n"
	    "displays[1].logo: \"../x\" is not a file name in the logos folder (1 to 64 of "
	    "A-Z a-z 0-9 . _ -, ending .png or .svg)\n"
	    "kiosks.keys[0].key: must be 16 to 256 characters\n"
	    "kiosks.keys[2].key: the same key as kiosks.keys[1]\n"
	    "kiosks.idle_s: 2 s is less than the minimum 3 s\n"
	    "routing.starvation_bound_s: expected a positive integer, got 0");
	/* The same through the structure: path and message apart, the path never quoted
	 * into the message. */
	char *json = dq(DOC(FLOOR_OK ", 'services': [" SVC("a", "A") ", " SVC(
	    "b", "a") "], "
		      "'counters': [{'id': 'c1', 'services': ['x']}]"));
	struct config *cfg = NULL;
	struct config_errors errs;
	CHECK(config_parse_all(json, strlen(json), &cfg, &errs) == -EINVAL && !cfg);
	CHECK(errs.n == 2 && errs.total == 2);
	if (errs.n == 2) {
		CHECK_STR(errs.v[0].path, "services[1].prefix");
		CHECK_STR(errs.v[0].message, "\"a\" is not 1 or 2 capital letters A-Z");
		CHECK_STR(errs.v[1].path, "counters[0].services[0]");
		CHECK_STR(errs.v[1].message, "unknown service \"x\"");
	}
	config_errors_free(&errs);
	CHECK(errs.n == 0 && errs.v == NULL);
	config_errors_free(NULL);
	free(json);
	return ok;
}

/* What follows a failed value is still checked where it does not depend on it: counters
 * against the services that did parse; nothing against a list of services that is not
 * there; a base language left out of floor.languages is reported and names still need
 * it. */
static bool test_errors_go_on(void)
{
	bool ok = true;
	ok &= fails_all(DOC(FLOOR_OK ", 'services': [" SVC("Nav", "A") ", " SVC(
			    "b", "B") "], "
				      "'counters': [{'id': 'c1', 'services': ['b']},"
				      " {'id': 'c2', 'services': ['Nav', 'x', 'b', 'b']}]"),
			"services[0].id: \"Nav\" is not an id (1 to 32 of a-z, 0-9, _ and -)\n"
			"counters[1].services[0]: unknown service \"Nav\"\n"
			"counters[1].services[1]: unknown service \"x\"\n"
			"counters[1].services[3]: \"b\" is listed twice");
	ok &= fails_all(DOC(FLOOR_OK ", " CTRS_OK ", 'displays': [{'id': 'd', 'services': ['q']}]"),
			"services: missing");
	ok &= fails_all(DOC(FLOOR_OK ", 'services': 'a', " CTRS_OK),
			"services: expected an array, got string");
	ok &= fails_all(
	    DOC("'floor': {'id': 'f', 'languages': ['nb', 'nn', 'en', 'nb', 7],"
		" 'timezone': 'UTC', 'name': {'nb': 'F', 'nn': 'F', 'en': 'F'}}, "
		"'services': [" SVC("a", "A") ", {'id': 'b', 'prefix': 'B', 'name': {'nb':"
					      " 'b', 'nn': 'b', 'sv': '', 'en': 'b'}}], " CTRS_OK),
	    "floor.languages: must include \"sv\"\n"
	    "floor.languages[3]: \"nb\" is listed twice\n"
	    "floor.languages[4]: expected a string, got integer\n"
	    "floor.name.sv: missing\n"
	    "services[1].name.sv: empty");
	/* Entries that are not objects, or lack their id or languages, are each reported and
	 * the ones after them still read (and nothing reads what they lack). */
	ok &= fails_all(
	    DOC("'floor': {'id': 'f', 'name': " NAMES4(
		"F") ", 'timezone': 'UTC', "
		     "'languages': 5}, 'services': [" SVC(
			 "a",
			 "A") "], "
			      "'counters': [{'id': 'c', 'services': ['a']}, 7, {'services': "
			      "['a']}], "
			      "'displays': [{'id': 'd', 'languages': 5}, {'languages': []}, 3], "
			      "'kiosks': {'keys': [1, {'key': 'x'}]}"),
	    "floor.languages: expected an array of language tags, got integer\n"
	    "counters[1]: expected an object, got integer\n"
	    "counters[2].id: missing\n"
	    "displays[0].languages: expected an array of language tags, got integer\n"
	    "displays[1].languages: must list at least one language\n"
	    "displays[1].id: missing\n"
	    "displays[2]: expected an object, got integer\n"
	    "kiosks.keys[0]: expected an object, got integer\n"
	    "kiosks.keys[1].key: must be 16 to 256 characters\n"
	    "kiosks.keys[1].id: missing");
	/* No floor: names are checked in the four base languages, nothing else about it. */
	ok &= fails_all(DOC("'services': [{'id': 'a', 'prefix': 'A', 'name': {'nb': 'a'}}], "
			    "'counters': [{'id': 'c', 'services': ['a']}]"),
			"services[0].name.nn: missing\n"
			"services[0].name.sv: missing\n"
			"services[0].name.en: missing\n"
			"floor: missing");
	/* Every day and span of opening hours, and every entry of the server's lists. */
	ok &=
	    fails_all(DOC(FLOOR_OK ", 'hours': {'mon': [['08:00', '25:00'], ['09:00', "
				   "'08:00']], 'tue': 'x', 'wed': [['10:00', '12:00']], 'fri': "
				   "[['8', '9']], 'sunday': []}, " SVCS_OK ", " CTRS_OK
				   ", 'server': {'allowed_origins': ['https://a.example', 'x', 2],"
				   " 'tls': {'cert': '', 'key': ''}}"),
		      "hours.mon[0]: \"25:00\" is not a time HH:MM\n"
		      "hours.mon[1]: closes at 08:00, not after it opens at 09:00\n"
		      "hours.tue: expected an array of [\"HH:MM\", \"HH:MM\"], got string\n"
		      "hours.fri[0]: \"8\" is not a time HH:MM\n"
		      "hours.sunday: unknown key\n"
		      "server.allowed_origins[1]: \"x\" is not an origin (scheme://host[:port], "
		      "http or https, no path)\n"
		      "server.allowed_origins[2]: expected a string, got integer\n"
		      "server.tls.cert: empty\n"
		      "server.tls.key: empty");
	return ok;
}

/* Enabling one more language with N names not yet translated gives N errors, one per
 * name, in the order of the file (a counter's spoken name, read after the displays, in
 * its place). */
static bool test_errors_new_language(void)
{
	bool ok = true;
	ok &= fails_all(
	    DOC("'floor': {'id': 'f', 'languages': ['nb', 'nn', 'sv', 'en', 'se'],"
		" 'timezone': 'UTC', 'name': {'nb': 'F', 'nn': 'F', 'sv': 'F', 'en': 'F', 'se': "
		"'F'}}, "
		"'services': [" SVC("a", "A") ", " SVC(
		    "b",
		    "B") ", {'id': 'c', 'prefix': 'C', "
			 "'name': {'nb': 'c', 'nn': 'c', 'sv': 'c', 'en': 'c', 'se': 'c'}}, " SVC(
			     "d",
			     "D") "], "
				  "'counters': [{'id': 'c1', 'services': ['a'], 'spoken': " NAMES4(
				      "en") "},"
					    " {'id': 'c2', 'services': ['b'], 'name': " NAMES4(
						"To") "}], "
						      "'displays': [{'id': 'hall', 'languages': "
						      "['nb', 'se'], 'announce': ['se', 'sv']}]"),
	    "services[0].name.se: missing\n"
	    "services[1].name.se: missing\n"
	    "services[3].name.se: missing\n"
	    "counters[0].spoken.se: missing\n"
	    "counters[1].name.se: missing\n"
	    "displays[0].announce[1]: \"sv\" is not one of the display's languages");
	/* The same language in twenty services: twenty errors, and nothing else. */
	char doc[16384];
	size_t n =
	    (size_t)snprintf(doc, sizeof(doc),
			     "{'floor': {'id': 'f', 'languages': ['nb', 'nn', 'sv', 'en', "
			     "'so'], 'timezone': 'UTC', 'name': {'nb': 'F', 'nn': 'F', 'sv': "
			     "'F', 'en': 'F', 'so': 'F'}}, 'services': [");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n,
				      "%s{'id': 's%d', 'prefix': '%c', 'name': " NAMES4("s") "}",
				      i ? ", " : "", i, 'A' + i);
	snprintf(doc + n, sizeof(doc) - n, "], 'counters': [{'id': 'c', 'services': ['s0']}]}");
	char want[4096];
	size_t w = 0;
	for (int i = 0; i < 20; i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%sservices[%d].name.so: missing",
				      i ? "\n" : "", i);
	ok &= fails_all(doc, want);
	return ok;
}

/* Errors are sorted into the order of the document, whatever order the parser visits
 * the sections and keys in (and with quoted keys in the paths). */
static bool test_errors_document_order(void)
{
	bool ok = true;
	ok &= fails_all(
	    DOC("'kiosks': {'idle_s': 1}, "
		"'counters': [{'services': ['a'], 'id': 'C'}], "
		"'services': [{'name': {'N B': 'x', 'nb': 'a', 'nn': 'a', 'sv': 'a', 'en':"
		" 'a'}, 'id': 'a', 'prefix': 'a'}], " FLOOR_OK ", 'x\\ty': 1"),
	    "kiosks.idle_s: 1 s is less than the minimum 3 s\n"
	    "counters[0].id: \"C\" is not an id (1 to 32 of a-z, 0-9, _ and -)\n"
	    "services[0].name.\"N B\": not a language tag like \"nb\" or \"pt-BR\"\n"
	    "services[0].prefix: \"a\" is not 1 or 2 capital letters A-Z\n"
	    "\"x\\u0009y\": unknown key");
	/* Keys cut after 40 bytes in the path (one of them inside its quoted form) keep
	 * their place too. */
#define A45 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	ok &= fails_all(DOC("'" A45 "': 1, " FLOOR_OK ", 'b\\t" A45 "': 2, 'zz': 3"),
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: unknown key\n"
			"\"b\\u0009aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: unknown key\n"
			"zz: unknown key\n"
			"services: missing\n"
			"counters: missing");
#undef A45
	return ok;
}

/* Past CONFIG_MAX_ERRORS errors the list stops, and one last line says how many more. */
static bool test_errors_cap(void)
{
	bool ok = true;
	static char doc[65536];
	size_t n = (size_t)snprintf(doc, sizeof(doc), "{" FLOOR_OK ", " SVCS_OK ", 'counters': [");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n,
				      "%s{'id': 'c%d', 'services': ['x']}", i ? ", " : "", i);
	snprintf(doc + n, sizeof(doc) - n, "]}");
	char *json = dq(doc), *cause = NULL;
	struct config *cfg = NULL;
	struct config_errors errs;
	CHECK(config_parse_all(json, strlen(json), &cfg, &errs) == -EINVAL && !cfg);
	CHECK(errs.n == CONFIG_MAX_ERRORS + 1 && errs.total == 300);
	if (errs.n == CONFIG_MAX_ERRORS + 1) {
		CHECK_STR(errs.v[0].path, "counters[0].services[0]");
		CHECK_STR(errs.v[199].path, "counters[199].services[0]");
		CHECK_STR(errs.v[199].message, "unknown service \"x\"");
		CHECK_STR(errs.v[200].path, "");
		CHECK_STR(errs.v[200].message, "… and 100 more errors");
	}
	char *text = config_errors_text(&errs);
	const char *last = strrchr(text, '\n');
	CHECK(last && strcmp(last + 1, "… and 100 more errors") == 0);
	CHECK(strncmp(text, "counters[0].services[0]: unknown service \"x\"\n", 45) == 0);
	CHECK(config_parse(json, strlen(json), &cfg, &cause) == -EINVAL);
	CHECK_STR(cause, text);
	free(cause);
	free(text);
	config_errors_free(&errs);
	free(json);
	/* Exactly the cap: no extra line. */
	n = (size_t)snprintf(doc, sizeof(doc), "{" FLOOR_OK ", " SVCS_OK ", 'counters': [");
	for (int i = 0; i < CONFIG_MAX_ERRORS; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n,
				      "%s{'id': 'c%d', 'services': ['x']}", i ? ", " : "", i);
	snprintf(doc + n, sizeof(doc) - n, "]}");
	json = dq(doc);
	CHECK(config_parse_all(json, strlen(json), &cfg, &errs) == -EINVAL);
	CHECK(errs.n == CONFIG_MAX_ERRORS && errs.total == CONFIG_MAX_ERRORS);
	CHECK(errs.n && strcmp(errs.v[errs.n - 1].path, "counters[199].services[0]") == 0);
	config_errors_free(&errs);
	free(json);
	return ok;
}

/* A valid file has no errors; a syntax error or a top level that is not an object is one
 * error, path "", and stops there; an unreadable file is one error too. */
static bool test_errors_single(void)
{
	bool ok = true;
	struct config *cfg = NULL;
	struct config_errors errs;
	CHECK(config_load_all(TORG_SOURCE_ROOT "/config/demo-floor.json", &cfg, &errs) == 0);
	CHECK(cfg && errs.n == 0 && errs.v == NULL && errs.total == 0);
	char *text = config_errors_text(&errs);
	CHECK_STR(text, "");
	free(text);
	config_free(cfg);
	char *json = dq(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK));
	CHECK(config_parse_all(json, strlen(json), &cfg, &errs) == 0 && cfg && errs.n == 0);
	config_free(cfg);
	free(json);
	CHECK(config_parse_all("{}", 2, &cfg, NULL) == -EINVAL && !cfg);
	const char *bad = "{\n  \"floor\": {\n    \"id\": \"x\",,\n  },\n  \"sevrices\": 1\n}";
	CHECK(config_parse_all(bad, strlen(bad), &cfg, &errs) == -EINVAL && !cfg);
	CHECK(errs.n == 1 && errs.total == 1);
	if (errs.n == 1) {
		CHECK_STR(errs.v[0].path, "");
		CHECK_STR(errs.v[0].message, "line 3, column 15: string or '}' expected near ','");
	}
	config_errors_free(&errs);
	ok &= fails_all("[{'floor': 1}]", "expected an object at the top level, got array");
	CHECK(config_load_all("/nonexistent/torg.json", &cfg, &errs) == -ENOENT && !cfg);
	CHECK(errs.n == 1 && errs.total == 1);
	if (errs.n == 1) {
		CHECK_STR(errs.v[0].path, "");
		CHECK_STR(errs.v[0].message, "No such file or directory");
	}
	config_errors_free(&errs);
	/* A file name from the file stays on its one line. */
	ok &= fails_all(DOC(FLOOR_OK ", " SVCS_OK ", " CTRS_OK ", 'voice': {'clips_dir': "
				     "'/nonexistent/a\\nb'}"),
			"voice.clips_dir: cannot read /nonexistent/a?b: No such file or directory");
	return ok;
}

int main(void)
{
	run("demo_floor", test_demo_floor);
	run("defaults", test_defaults);
	run("explicit_values", test_explicit_values);
	run("server_network", test_server_network);
	run("server_tls", test_server_tls);
	run("err_syntax", test_err_syntax);
	run("err_unknown_key", test_err_unknown_key);
	run("err_missing_and_types", test_err_missing_and_types);
	run("err_timezone", test_err_timezone);
	run("err_ids", test_err_ids);
	run("err_prefix", test_err_prefix);
	run("err_languages", test_err_languages);
	run("err_service_lists", test_err_service_lists);
	run("err_hours", test_err_hours);
	run("err_sections", test_err_sections);
	run("err_quoting", test_err_quoting);
	run("load_errors", test_load_errors);
	run("all_errors", test_all_errors);
	run("errors_go_on", test_errors_go_on);
	run("errors_new_language", test_errors_new_language);
	run("errors_document_order", test_errors_document_order);
	run("errors_cap", test_errors_cap);
	run("errors_single", test_errors_single);
	run("display_look", test_display_look);
	run("hours_pure", test_hours_pure);
	run("hours_next_open", test_hours_next_open);
	run("day_arith", test_day_arith);
	run("local_from_tm", test_local_from_tm);
	run("local_day_oslo", test_local_day_oslo);
	return check_report("config");
}
