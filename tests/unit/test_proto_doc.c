/* test_proto_doc.c: unit tests of proto/proto_encode.c, the encoders of everything torgd
 * sends, against proto/PROTOCOL.md itself.
 *
 * The doc examples are read from PROTOCOL.md when the test runs (argv[1], else the source
 * tree's copy), so the doc and the encoders cannot drift apart; protocol_doc.h says how
 * they are read, and when an encoder's output matches one (key order is not compared: the
 * exact bytes of the important shapes are test_proto_encode.c's).
 *
 * Each example is found by what it is, and must be found exactly once:
 *   - under "## Errors": the error body {"error": …};
 *   - under "### `GET /healthz`": the health answer;
 *   - under "### `POST /api/v1/tickets`": the 201 ticket answer, with lang;
 *   - under "### `GET /api/v1/tickets/{id}`…": the holder's view with legs;
 *   - under "### `POST /api/v1/login`…": the login answer (the object with "token");
 *   - the inline code after "`GET /api/v1/me` answers": the me answer;
 *   - under "### Counter actions": the counter action answer;
 *   - by "type" (and "kind" or "ok"): the hello, the snapshot, resume, skip, the events
 *     ticket.issued, ticket.called, ticket.transferred, counter.opened, counter.break and
 *     floor.day, the phone's ticket status, the replies ok and error, and the error message;
 *   - the two batches (arrays): events 1043 and 1044, and a skip before its event.
 * Each example is filled into the encoder's struct with the example's own values, and the
 * encoder's output compared. Examples no encoder of proto/ makes are listed in not_ours():
 * the client's cmd (parsed by proto.c, tested in test_proto.c), the statistics
 * (server/stats_out.c) and the staff administration and one-counter errors
 * (server/api_admin_users.c and api.c, tested in test_admin_users.py); any other example that no
 * check used fails the test, so a new doc example needs a check here. test_matcher checks the
 * reading and comparing themselves. Runs as its own process; the last line is "proto_doc: N passed,
 * 0 failed". */
#include "proto_encode.h"

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "protocol_doc.h"

/* ---- the examples' values ---- */

static const char *const nav[] = {"nav"};
static const char *const nav_social[] = {"nav", "social"};
static const char *const nav_housing[] = {"nav", "housing"};
static const char *const floor_langs[] = {"nb", "nn", "sv", "en"};
static const char *const nb_en[] = {"nb", "en"};
static const char *const reception_nav[] = {"reception", "nav"};

/* ---- comparing ---- */

/* Checks got (reference taken) against the doc example doc (may be NULL: not found, which
 * fails). */
static void check_doc(const char *what, const json_t *doc, json_t *got)
{
	CHECK(doc != NULL);
	CHECK(got != NULL);
	if (doc && got)
		CHECK(doc_compare(what, doc, got) == 0);
	json_decref(got);
}

/* A dumped message parsed back (s is freed). */
static json_t *parsed(char *s)
{
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	return v;
}

/* ---- the doc's examples ---- */

/* The error body of "## Errors", and the error message. */
static void test_doc_errors(void)
{
	check_doc("error body", doc_find("## Errors", false, "{}"),
		  proto_encode_error_body(
		      "bad_request", "services[1]: expected a string, got number", "services[1]"));
	check_doc("error message", doc_find(NULL, false, "{\"type\": \"error\"}"),
		  proto_encode_error_msg("bad_json", "line 1, column 9: '}' expected", NULL));
}

/* GET /healthz. */
static void test_doc_health(void)
{
	check_doc("healthz", doc_find("### `GET /healthz`", false, "{}"),
		  proto_encode_health("0.1.0", 1042));
}

/* POST /api/v1/tickets' 201, and the holder's view with legs. */
static void test_doc_tickets(void)
{
	struct proto_ticket t = {
	    .flags = PROTO_TICKET_HOLDER,
	    .id = DOC_ID,
	    .number = "B007",
	    .service = "nav",
	    .state = PROTO_STATE_WAITING,
	    .leg = 1,
	    .priority = PROTO_PRIO_NORMAL,
	    .position = 3,
	    .eta_s = 540,
	    .counter = NULL,
	    .issued_ms = DOC_TIME,
	    .lang = "nb",
	};
	check_doc("ticket answer", doc_find("### `POST /api/v1/tickets`", false, "{}"),
		  parsed(proto_encode_ticket_answer(&t, NULL)));
	static const struct proto_text jul[] = {{"nb", "Julaften"}, {"en", "Christmas Eve"}};
	check_doc("service closed", doc_find("#### A closed service", false, "{}"),
		  proto_encode_service_closed("the service is closed now", 1798441200000LL,
					      (struct proto_texts){jul, 2}));

	struct proto_leg legs[] = {
	    {"nav", DOC_TIME, DOC_TIME + 312000, DOC_TIME + 320000, DOC_TIME + 900000, 312,
	     PROTO_STATE_DONE, true},
	    {"housing", DOC_TIME + 900000, DOC_TIME + 995000, 0, 0, 95, PROTO_STATE_CALLED, false},
	};
	struct proto_ticket h = {
	    .flags = PROTO_TICKET_HOLDER | PROTO_TICKET_LEGS,
	    .id = DOC_ID,
	    .number = "B007",
	    .service = "housing",
	    .state = PROTO_STATE_CALLED,
	    .leg = 2,
	    .priority = PROTO_PRIO_NORMAL,
	    .position = 0,
	    .eta_s = -1,
	    .counter = "c7",
	    .issued_ms = DOC_TIME,
	    .legs = legs,
	    .nlegs = 2,
	};
	check_doc("holder's view", doc_find("### `GET /api/v1/tickets/{id}`", false, "{}"),
		  parsed(proto_encode_ticket_answer(&h, NULL)));
}

/* Login and me. */
static void test_doc_users(void)
{
	struct proto_user kari = {"kari", "counter", DOC_IDS(nav_housing)};
	check_doc("login answer", doc_find("### `POST /api/v1/login`", false, "{}"),
		  proto_encode_login_answer("64 hex digits", DOC_TIME + 12 * 60 * DOC_MIN, &kari));
	check_doc("me answer", doc_find("inline: GET /api/v1/me", false, "{}"),
		  proto_encode_me_answer(&kari, "c2"));
}

/* The counter action answer, and the replies. */
static void test_doc_counter(void)
{
	check_doc("counter answer", doc_find("### Counter actions", false, "{}"),
		  parsed(proto_encode_counter_answer(&doc_c4, &doc_b007_staff, NULL)));
	check_doc("reply ok",
		  doc_find("### cmd / reply", false, "{\"type\": \"reply\", \"ok\": true}"),
		  parsed(proto_encode_reply(
		      7, true, proto_encode_counter_answer(&doc_c4, &doc_b007_staff, NULL), NULL)));
	check_doc(
	    "reply error",
	    doc_find("### cmd / reply", false, "{\"type\": \"reply\", \"ok\": false}"),
	    parsed(proto_encode_reply(
		8, false,
		proto_dump(proto_encode_error_body(
			       "counter_busy", "the counter already has a current ticket", NULL),
			   NULL),
		NULL)));
}

/* The snapshot. */
static void test_doc_snapshot(void)
{
	static const struct proto_text floor_name[] = {{"nb", "Stovner velferdstorg"},
						       {"en", "Stovner welfare floor"}};
	static const struct proto_text nav_name[] = {
	    {"nb", "NAV"}, {"nn", "NAV"}, {"sv", "NAV"}, {"en", "NAV"}};
	static const struct proto_queued queue[] = {
	    {"B005", PROTO_PRIO_NORMAL, DOC_TIME - DOC_MIN}};
	static const struct proto_service services[] = {{
	    .id = "nav",
	    .prefix = "B",
	    .icon = "briefcase",
	    .name = {nav_name, 4},
	    .target_wait_s = 900,
	    .open = true,
	    .queue_figs = {NULL, 3, 540, 610, 2},
	    .queue = queue,
	    .nqueue = 1,
	}};
	static const struct proto_current cur = {
	    "B004", "nav", PROTO_STATE_SERVING, 1, DOC_TIME - 3 * DOC_MIN, DOC_TIME - 2 * DOC_MIN};
	static const struct proto_counter counters[] = {{
	    .id = "c4",
	    .name = {doc_c4_name, 2},
	    .kind = "counter",
	    .open = true,
	    .services = DOC_IDS(nav),
	    .gives = DOC_IDS(nav_social),
	    .current = &cur,
	}};
	static const struct proto_call calls[] = {
	    {"B004", "nav", "c4", DOC_TIME - 3 * DOC_MIN, false}};
	static const struct proto_display display = {.id = "hall",
						     .name = "Hall",
						     .services = DOC_IDS(reception_nav),
						     .languages = DOC_IDS(nb_en),
						     .language_mode = "second_line",
						     .announce = DOC_IDS(nb_en)};
	struct proto_snapshot s = {
	    .seq = 1042,
	    .day = 20261122,
	    .server_ms = DOC_TIME,
	    .floor_id = "stovner",
	    .timezone = "Europe/Oslo",
	    .floor_name = {floor_name, 2},
	    .languages = DOC_IDS(floor_langs),
	    .kiosk_idle_s = 60,
	    .display = &display,
	    .services = services,
	    .nservices = 1,
	    .counters = counters,
	    .ncounters = 1,
	    .calls = calls,
	    .ncalls = 1,
	    .notices = &(struct proto_notices){0},
	};
	check_doc("snapshot", doc_find(NULL, false, "{\"type\": \"snapshot\"}"),
		  parsed(proto_encode_snapshot(&s, NULL)));

	/* its notices */
	static const struct proto_text jul[] = {{"nb", "Julaften"}, {"en", "Christmas Eve"}};
	static const struct proto_text early[] = {
	    {"nb", "Servicetorget stenger kl. 14 i dag"},
	    {"en", "The service floor closes at 14:00 today"}};
	static const struct proto_span short_day[] = {{8 * 60, 12 * 60}};
	static const struct proto_exception today = {
	    .from = 20261224, .to = 20261224, .note = {jul, 2}};
	static const struct proto_exception upcoming = {.from = 20261231,
							.to = 20261231,
							.spans = short_day,
							.nspans = 1,
							.services = DOC_IDS(nav)};
	static const struct proto_message msg = {
	    "closing-early", {early, 2}, 1798095600000LL, 1798117200000LL};
	struct proto_notices notices = {&today, &upcoming, 1, &msg, 1};
	s.notices = &notices;
	json_t *got = parsed(proto_encode_snapshot(&s, NULL)), *o = json_object();
	json_object_set(o, "notices", json_object_get(got, "notices"));
	json_decref(got);
	check_doc("snapshot notices", doc_find("The snapshot's notices", false, "{}"), o);
}

/* Resume, skip and the phone's ticket status. */
static void test_doc_small(void)
{
	char buf[PROTO_TICKET_STATUS_MAX];
	check_doc("resume", doc_find(NULL, false, "{\"type\": \"resume\"}"),
		  parsed(proto_encode_resume(1030, 1042, NULL)));
	proto_encode_skip(buf, sizeof(buf), 1057);
	check_doc("skip", doc_find(NULL, false, "{\"type\": \"skip\"}"), json_loads(buf, 0, NULL));
	struct proto_ticket_status st = {
	    .seq = 1044,
	    .number = "B007",
	    .service = "nav",
	    .state = PROTO_STATE_WAITING,
	    .position = 2,
	    .eta_s = 360,
	    .counter = NULL,
	    .leg = 1,
	};
	proto_encode_ticket_status(buf, sizeof(buf), &st);
	check_doc("ticket status", doc_find(NULL, false, "{\"type\": \"ticket\", \"seq\": 1044}"),
		  json_loads(buf, 0, NULL));
	struct proto_ticket_status gone = {.seq = 1050, .gone = true};
	proto_encode_ticket_status(buf, sizeof(buf), &gone);
	check_doc("ticket gone", doc_find(NULL, false, "{\"type\": \"ticket\", \"seq\": 1050}"),
		  json_loads(buf, 0, NULL));
}

/* The hello torg-display sends (with every field the doc shows). */
static void test_doc_hello(void)
{
	struct proto_hello_out h = {
	    .has_since = true,
	    .since = 1042,
	    .services = DOC_IDS(nav),
	    .display = "hall",
	    .ticket = DOC_ID,
	    .token = "64 hex digits",
	};
	check_doc("hello", doc_find(NULL, false, "{\"type\": \"hello\"}"),
		  parsed(proto_encode_hello(&h, NULL)));
}

/* The event examples, each kind the doc shows, and the batches. */
static void test_doc_events(void)
{
	struct proto_ticket b008 = doc_public_ticket("B008", "nav", PROTO_EV_ISSUED, 1);
	struct proto_queue q_issued = {"nav", 4, 720, 610, 2};
	struct proto_event issued = {
	    .seq = 1043,
	    .kind = PROTO_EV_ISSUED,
	    .at_ms = DOC_TIME,
	    .ticket = &b008,
	    .queues = &q_issued,
	    .nqueues = 1,
	};
	check_doc("ticket.issued", doc_find("### event", false, "{\"kind\": \"ticket.issued\"}"),
		  parsed(proto_encode_event(&issued, NULL)));

	struct proto_ticket b005 = doc_public_ticket("B005", "nav", PROTO_EV_CALLED, 1);
	struct proto_queue q_called = {"nav", 3, 540, 402, 2};
	struct proto_event called = {
	    .seq = 1044,
	    .kind = PROTO_EV_CALLED,
	    .at_ms = DOC_TIME + DOC_MIN,
	    .ticket = &b005,
	    .counter = "c4",
	    .queues = &q_called,
	    .nqueues = 1,
	};
	check_doc("ticket.called",
		  doc_find("### event", false, "{\"kind\": \"ticket.called\", \"seq\": 1044}"),
		  parsed(proto_encode_event(&called, NULL)));

	struct proto_ticket b004 = doc_public_ticket("B004", "housing", PROTO_EV_TRANSFERRED, 2);
	struct proto_queue q_tr = {"housing", 1, 300, 0, 1};
	struct proto_event transferred = {
	    .seq = 1045,
	    .kind = PROTO_EV_TRANSFERRED,
	    .at_ms = DOC_TIME + 2 * DOC_MIN,
	    .ticket = &b004,
	    .counter = "c4",
	    .from = "nav",
	    .to = "housing",
	    .front = true,
	    .queues = &q_tr,
	    .nqueues = 1,
	};
	check_doc("ticket.transferred",
		  doc_find("### event", false, "{\"kind\": \"ticket.transferred\"}"),
		  parsed(proto_encode_event(&transferred, NULL)));

	struct proto_queue q_open[] = {{"nav", 3, 300, 402, 3}, {"social", 0, 0, 0, 1}};
	struct proto_event opened = {
	    .seq = 1046,
	    .kind = PROTO_EV_COUNTER_OPENED,
	    .at_ms = DOC_TIME + 3 * DOC_MIN,
	    .counter = "c5",
	    .services = DOC_IDS(nav_social),
	    .queues = q_open,
	    .nqueues = 2,
	};
	check_doc("counter.opened", doc_find("### event", false, "{\"kind\": \"counter.opened\"}"),
		  parsed(proto_encode_event(&opened, NULL)));

	struct proto_queue q_break[] = {{"nav", 3, 540, 462, 2}, {"social", 0, 0, 0, 0}};
	struct proto_event on_break = {
	    .seq = 1047,
	    .kind = PROTO_EV_COUNTER_BREAK,
	    .at_ms = DOC_TIME + 4 * DOC_MIN,
	    .counter = "c5",
	    .queues = q_break,
	    .nqueues = 2,
	};
	check_doc("counter.break", doc_find("### event", false, "{\"kind\": \"counter.break\"}"),
		  parsed(proto_encode_event(&on_break, NULL)));

	struct proto_event day = {.seq = 1050,
				  .kind = PROTO_EV_DAY,
				  .at_ms = DOC_TIME + 20 * 60 * DOC_MIN,
				  .day = 20261123};
	check_doc("floor.day", doc_find("### event", false, "{\"kind\": \"floor.day\"}"),
		  parsed(proto_encode_event(&day, NULL)));

	/* the batch of events 1043 and 1044 */
	json_t *batch = json_array();
	json_array_append_new(batch, parsed(proto_encode_event(&issued, NULL)));
	json_array_append_new(batch, parsed(proto_encode_event(&called, NULL)));
	check_doc("event batch", doc_find("### event", true, "{\"type\": \"event\"}"), batch);

	/* a skip before the event it explains */
	char buf[64];
	called.seq = 1058;
	proto_encode_skip(buf, sizeof(buf), 1057);
	batch = json_array();
	json_array_append_new(batch, json_loads(buf, 0, NULL));
	json_array_append_new(batch, parsed(proto_encode_event(&called, NULL)));
	check_doc("skip batch", doc_find("### skip", true, "{\"type\": \"skip\"}"), batch);
}

/* Examples no encoder of proto/ makes: the client's cmd (proto.c parses it), the
 * statistics' answers (server/stats_out.c) and the floor's configuration routes
 * (server/api_admin_config.c, tested end to end by test_live_config.py). */
static bool not_ours(const struct doc_example *x)
{
	return str_eq(json_string_value(json_object_get(x->v, "type")), "cmd") ||
	       strstr(x->heading, "/api/v1/stats") || strstr(x->heading, "group=staff") ||
	       strstr(x->heading, "/api/v1/admin/config") ||
	       strstr(x->heading, "Administration: staff") ||
	       strstr(x->heading, "One counter per user");
}

/* Every doc example was checked above or is on the list of those that are not ours. */
static void test_doc_all_checked(void)
{
	CHECK(doc_count() >= 20);
	for (size_t i = 0; i < doc_count(); i++) {
		const struct doc_example *x = doc_example(i);
		if (x->used || not_ours(x))
			continue;
		char *s = json_dumps(x->v, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(stderr, "PROTOCOL.md:%d: an example no check compares with: %.80s\n",
			x->line, s);
		free(s);
		CHECK(!"every doc example is checked");
	}
}

/* The pre-pass and the comparison themselves: what must match does, what must not does
 * not. */
static void test_matcher(void)
{
	char *j = doc_desugar("{\"a\": [ … ], \"b\": {…}, \"c\": \"x…\", …}",
			      strlen("{\"a\": [ … ], \"b\": {…}, \"c\": \"x…\", …}"));
	json_t *doc = json_loads(j, 0, NULL);
	free(j);
	CHECK(doc != NULL);
	if (!doc)
		return;
	json_t *ok =
	    json_loads("{\"a\": [1, 2], \"b\": {\"z\": 1}, \"c\": null, \"d\": 4}", 0, NULL);
	json_t *bad = json_loads("{\"a\": 1, \"b\": {}, \"c\": 5}", 0, NULL);
	fputs("(expected: three mismatches follow)\n", stderr);
	CHECK(doc_match("matcher", "", doc, ok) == 0);
	CHECK(doc_match("matcher", "", doc, bad) == 2);
	json_t *closed = json_loads("{\"a\": 1, \"b\": [1, {\"c\": \"x\"}]}", 0, NULL);
	json_t *extra = json_loads("{\"a\": 1, \"b\": [1, {\"c\": \"x\", \"d\": 2}]}", 0, NULL);
	CHECK(doc_match("matcher", "", closed, closed) == 0);
	CHECK(doc_match("matcher", "", closed, extra) == 1);
	json_decref(doc);
	json_decref(ok);
	json_decref(bad);
	json_decref(closed);
	json_decref(extra);
}

int main(int argc, char **argv)
{
	if (doc_load(argc > 1 ? argv[1] : NULL) != 0)
		return 1;
	test_matcher();
	test_doc_errors();
	test_doc_health();
	test_doc_tickets();
	test_doc_users();
	test_doc_counter();
	test_doc_snapshot();
	test_doc_small();
	test_doc_hello();
	test_doc_events();
	test_doc_all_checked();
	doc_free();
	return check_report("proto_doc");
}
