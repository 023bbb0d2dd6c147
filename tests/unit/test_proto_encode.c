/* test_proto_encode.c: unit tests of proto/proto_encode.c, the encoders of everything torgd
 * sends: the exact bytes of each shape (key order is what torgd has always sent), escaping,
 * null for NULL strings and for time 0, times out of the four-digit years, the gone ticket
 * status and the buffer rule of proto_encode_ticket_status. (Whether the encoders say what
 * proto/PROTOCOL.md's examples say is test_proto_doc.c's; the values filled in here are
 * mostly the doc's, from protocol_doc.h.) Runs as its own process; the last line is
 * "proto_encode: N passed, 0 failed". */
#include "proto_encode.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "protocol_doc.h"

static const char *const nav[] = {"nav"};
static const char *const nav_housing[] = {"nav", "housing"};
static const char *const nb_en[] = {"nb", "en"};

/* True when j dumps (compact, in order) to exactly want; j's reference is dropped. */
static bool dumps_to(json_t *j, const char *want)
{
	char *s = proto_dump(j, NULL);
	bool ok = !strcmp(s, want);
	if (!ok)
		fprintf(stderr, "want %s\n got %s\n", want, s);
	free(s);
	return ok;
}

/* s (freed) parsed back. */
static json_t *loads(char *s)
{
	json_t *v = json_loads(s, 0, NULL);
	free(s);
	return v;
}

/* True when s (freed) is exactly want. */
static bool is_text(char *s, const char *want)
{
	bool ok = s && !strcmp(s, want);
	if (!ok)
		fprintf(stderr, "want %s\n got %s\n", want, s ? s : "(null)");
	free(s);
	return ok;
}

/* ---- exact bytes ---- */

/* Each shape's keys in the order torgd sends them. */
static void test_exact(void)
{
	struct proto_ticket t = {
	    .flags = PROTO_TICKET_HOLDER,
	    .id = DOC_ID,
	    .number = "B007",
	    .service = "nav",
	    .state = PROTO_STATE_WAITING,
	    .leg = 1,
	    .priority = PROTO_PRIO_APPOINTMENT,
	    .position = 3,
	    .eta_s = 540,
	    .issued_ms = DOC_TIME,
	    .lang = "nb",
	};
	CHECK(is_text(proto_encode_ticket_answer(&t, NULL),
		      "{\"ticket\":{\"id\":\"" DOC_ID "\",\"url\":\"/t/" DOC_ID "?lang=nb\","
		      "\"number\":\"B007\",\"service\":\"nav\",\"state\":\"waiting\",\"leg\":1,"
		      "\"priority\":\"appointment\",\"position\":3,\"eta_s\":540,\"counter\":null,"
		      "\"issued_at\":\"2026-11-22T09:41:07.123Z\",\"lang\":\"nb\"}}"));
	t.lang = NULL;
	t.flags |= PROTO_TICKET_LEGS;
	t.counter = "c2";
	CHECK(
	    is_text(proto_encode_ticket(&t, NULL),
		    "{\"id\":\"" DOC_ID "\",\"url\":\"/t/" DOC_ID "\",\"number\":\"B007\","
		    "\"service\":\"nav\",\"state\":\"waiting\",\"leg\":1,"
		    "\"priority\":\"appointment\",\"position\":3,\"eta_s\":540,\"counter\":\"c2\","
		    "\"issued_at\":\"2026-11-22T09:41:07.123Z\",\"legs\":[]}"));
	CHECK(is_text(proto_encode_ticket_answer(NULL, NULL), "{\"ticket\":null}"));
	CHECK(
	    is_text(proto_encode_counter_answer(&doc_c4, &doc_b007_staff, NULL),
		    "{\"counter\":{\"id\":\"c4\",\"name\":{\"nb\":\"Skranke 4\",\"en\":\"Counter "
		    "4\"},\"kind\":\"counter\",\"open\":true,\"on_break\":false,"
		    "\"break_since\":null,\"services\":[\"nav\",\"social\"],"
		    "\"gives\":[\"nav\",\"social\",\"housing\"],\"current\":{\"number\":\"B007\","
		    "\"service\":\"nav\",\"state\":\"called\",\"leg\":1,"
		    "\"called_at\":\"2026-11-22T09:46:07.123Z\",\"started_at\":null}},"
		    "\"ticket\":{\"number\":\"B007\",\"service\":\"nav\",\"state\":\"called\","
		    "\"leg\":1,\"priority\":\"normal\",\"issued_at\":\"2026-11-22T09:41:07.123Z\","
		    "\"legs\":[{\"service\":\"nav\",\"queued_at\":\"2026-11-22T09:41:07.123Z\","
		    "\"called_at\":\"2026-11-22T09:46:19.123Z\",\"started_at\":null,"
		    "\"ended_at\":null,\"wait_s\":312,\"outcome\":null}]}}"));
	struct proto_counter closed = {.id = "r1", .kind = "room"};
	CHECK(is_text(proto_encode_counter_answer(&closed, NULL, NULL),
		      "{\"counter\":{\"id\":\"r1\",\"name\":{},\"kind\":\"room\",\"open\":false,"
		      "\"on_break\":false,\"break_since\":null,\"services\":[],\"gives\":[],"
		      "\"current\":null}}"));
	/* on a break: open, since when, no current ticket */
	struct proto_counter paused = {.id = "c1",
				       .kind = "counter",
				       .open = true,
				       .on_break = true,
				       .break_ms = DOC_TIME,
				       .services = DOC_IDS(nav),
				       .gives = DOC_IDS(nav_housing)};
	CHECK(is_text(proto_encode_counter_answer(&paused, NULL, NULL),
		      "{\"counter\":{\"id\":\"c1\",\"name\":{},\"kind\":\"counter\",\"open\":true,"
		      "\"on_break\":true,\"break_since\":\"2026-11-22T09:41:07.123Z\","
		      "\"services\":[\"nav\"],\"gives\":[\"nav\",\"housing\"],\"current\":null}}"));
	/* break_since is null whenever the counter is not on a break */
	paused.on_break = false;
	CHECK(is_text(proto_encode_counter_answer(&paused, NULL, NULL),
		      "{\"counter\":{\"id\":\"c1\",\"name\":{},\"kind\":\"counter\",\"open\":true,"
		      "\"on_break\":false,\"break_since\":null,"
		      "\"services\":[\"nav\"],\"gives\":[\"nav\",\"housing\"],\"current\":null}}"));
	struct proto_user all = {"ola", "admin", {NULL, 0}};
	CHECK(dumps_to(proto_encode_login_answer("ab", DOC_TIME, &all),
		       "{\"token\":\"ab\",\"expires_at\":\"2026-11-22T09:41:07.123Z\","
		       "\"user\":{\"name\":\"ola\",\"role\":\"admin\",\"services\":[]}}"));
	CHECK(dumps_to(proto_encode_me_answer(&all, NULL),
		       "{\"user\":{\"name\":\"ola\",\"role\":\"admin\",\"services\":[]},"
		       "\"counter\":null}"));
	CHECK(dumps_to(proto_encode_me_answer(&all, "c2"),
		       "{\"user\":{\"name\":\"ola\",\"role\":\"admin\",\"services\":[]},"
		       "\"counter\":\"c2\"}"));
	CHECK(dumps_to(proto_encode_health("0.1.0", 7),
		       "{\"status\":\"ok\",\"version\":\"0.1.0\",\"protocol\":\"torg.v1\","
		       "\"seq\":7}"));
	CHECK(
	    dumps_to(proto_encode_service_closed("the service is closed now", DOC_TIME,
						 (struct proto_texts){0}),
		     "{\"error\":{\"code\":\"service_closed\",\"message\":\"the service is closed "
		     "now\",\"opens_at\":\"2026-11-22T09:41:07.123Z\"}}"));
	static const struct proto_text jul[] = {{"nb", "Julaften"}, {"en", "Christmas Eve"}};
	CHECK(dumps_to(proto_encode_service_closed(NULL, DOC_TIME, (struct proto_texts){jul, 2}),
		       "{\"error\":{\"code\":\"service_closed\",\"message\":\"service_closed\","
		       "\"opens_at\":\"2026-11-22T09:41:07.123Z\",\"note\":{\"nb\":\"Julaften\","
		       "\"en\":\"Christmas Eve\"}}}"));
	CHECK(dumps_to(proto_encode_service_closed(NULL, 0, (struct proto_texts){0}),
		       "{\"error\":{\"code\":\"service_closed\",\"message\":\"service_closed\","
		       "\"opens_at\":null}}"));
	struct proto_queue q = {"nav", 1, -1, 0, 0};
	CHECK(is_text(proto_encode_queue(&q, NULL),
		      "{\"service\":\"nav\",\"waiting\":1,\"eta_s\":-1,"
		      "\"longest_wait_s\":0,\"counters_open\":0}"));
}

/* Each event kind's fields in torgd's order. */
static void test_exact_events(void)
{
	struct proto_ticket b004 = doc_public_ticket("B004", "housing", PROTO_EV_TRANSFERRED, 2);
	struct proto_queue q[] = {{"nav", 0, -1, 0, 1}, {"housing", 1, 300, 0, 1}};
	struct proto_event ev = {
	    .seq = 9,
	    .kind = PROTO_EV_TRANSFERRED,
	    .at_ms = DOC_TIME,
	    .ticket = &b004,
	    .counter = "c4",
	    .from = "nav",
	    .to = "housing",
	    .front = false,
	    .queues = q,
	    .nqueues = 2,
	};
	size_t len = 0;
	char *s = proto_encode_event(&ev, &len);
	CHECK(s && len == strlen(s));
	CHECK(is_text(s,
		      "{\"type\":\"event\",\"seq\":9,\"kind\":\"ticket.transferred\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"ticket\":{\"number\":\"B004\","
		      "\"service\":\"housing\",\"state\":\"waiting\",\"leg\":2,"
		      "\"priority\":\"normal\"},\"counter\":\"c4\",\"from\":\"nav\","
		      "\"to\":\"housing\",\"position\":\"back\",\"queues\":[{\"service\":\"nav\","
		      "\"waiting\":0,\"eta_s\":-1,\"longest_wait_s\":0,\"counters_open\":1},"
		      "{\"service\":\"housing\",\"waiting\":1,\"eta_s\":300,\"longest_wait_s\":0,"
		      "\"counters_open\":1}]}"));
	struct proto_ticket b001 = doc_public_ticket("A001", "reception", PROTO_EV_CANCELLED, 1);
	b001.priority = PROTO_PRIO_ACCESSIBILITY;
	ev = (struct proto_event){.seq = 10,
				  .kind = PROTO_EV_CANCELLED,
				  .at_ms = DOC_TIME,
				  .ticket = &b001,
				  .reason = PROTO_REASON_DAY_END};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":10,\"kind\":\"ticket.cancelled\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"ticket\":{\"number\":\"A001\","
		      "\"service\":\"reception\",\"state\":\"cancelled\",\"leg\":1,"
		      "\"priority\":\"accessibility\"},\"reason\":\"day_end\",\"queues\":[]}"));
	/* a ticket event whose ticket is unknown has "ticket": null */
	ev = (struct proto_event){
	    .seq = 11, .kind = PROTO_EV_CALLED, .at_ms = DOC_TIME, .counter = "c1"};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":11,\"kind\":\"ticket.called\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"ticket\":null,\"counter\":\"c1\","
		      "\"queues\":[]}"));
	ev = (struct proto_event){.seq = 12,
				  .kind = PROTO_EV_COUNTER_CLOSED,
				  .at_ms = DOC_TIME,
				  .counter = "c1",
				  .reason = PROTO_REASON_STAFF};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":12,\"kind\":\"counter.closed\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"counter\":\"c1\",\"reason\":\"staff\","
		      "\"queues\":[]}"));
	ev = (struct proto_event){
	    .seq = 13, .kind = PROTO_EV_COUNTER_OPENED, .at_ms = DOC_TIME, .counter = "c1"};
	ev.services = (struct proto_ids)DOC_IDS(nav_housing);
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":13,\"kind\":\"counter.opened\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"counter\":\"c1\","
		      "\"services\":[\"nav\",\"housing\"],\"queues\":[]}"));
	/* counter.break and counter.back name the counter, with the figures it changed */
	static const struct proto_queue fig = {"nav", 4, -1, 120, 0};
	ev = (struct proto_event){.seq = 15,
				  .kind = PROTO_EV_COUNTER_BREAK,
				  .at_ms = DOC_TIME,
				  .counter = "c1",
				  .reason = PROTO_REASON_STAFF,
				  .queues = &fig,
				  .nqueues = 1};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":15,\"kind\":\"counter.break\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"counter\":\"c1\",\"queues\":[{"
		      "\"service\":\"nav\",\"waiting\":4,\"eta_s\":-1,\"longest_wait_s\":120,"
		      "\"counters_open\":0}]}"));
	ev = (struct proto_event){
	    .seq = 16, .kind = PROTO_EV_COUNTER_BACK, .at_ms = DOC_TIME, .counter = "c1"};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":16,\"kind\":\"counter.back\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"counter\":\"c1\",\"queues\":[]}"));
	ev = (struct proto_event){
	    .seq = 14, .kind = PROTO_EV_DAY, .at_ms = DOC_TIME, .day = 20270101};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":14,\"kind\":\"floor.day\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"day\":\"2027-01-01\",\"queues\":[]}"));
}

/* The snapshot's shape, the messages printed into buffers, and the hello. */
static void test_exact_messages(void)
{
	static const struct proto_text nb[] = {{"nb", "Torg"}};
	static const struct proto_queued queue[] = {{"A001", PROTO_PRIO_NORMAL, DOC_TIME}};
	struct proto_service svc = {
	    .id = "nav",
	    .prefix = "A",
	    .icon = "ticket",
	    .name = {nb, 1},
	    .target_wait_s = 600,
	    .open = false,
	    .opens_at_ms = DOC_TIME,
	    .queue_figs = {"ignored", 1, -1, 0, 0},
	    .queue = queue,
	    .nqueue = 1,
	};
	struct proto_call call = {"A001", "nav", NULL, DOC_TIME, true};
	struct proto_display d = {.id = "hall",
				  .name = "Hall",
				  .services = DOC_IDS(nav),
				  .languages = DOC_IDS(nb_en),
				  .language_mode = "rotate",
				  .logo = "torg.png",
				  .background = "#0b1d33",
				  .accent = "#ffd54a"};
	struct proto_snapshot s = {
	    .seq = 3,
	    .day = 20261122,
	    .server_ms = DOC_TIME,
	    .floor_id = "f",
	    .timezone = "UTC",
	    .floor_name = {nb, 1},
	    .languages = DOC_IDS(nb_en),
	    .kiosk_idle_s = 60,
	    .display = &d,
	    .services = &svc,
	    .nservices = 1,
	    .calls = &call,
	    .ncalls = 1,
	};
	CHECK(is_text(
	    proto_encode_snapshot(&s, NULL),
	    "{\"type\":\"snapshot\",\"protocol\":\"torg.v1\",\"seq\":3,"
	    "\"day\":\"2026-11-22\",\"server_time\":\"2026-11-22T09:41:07.123Z\","
	    "\"floor\":{\"id\":\"f\",\"name\":{\"nb\":\"Torg\"},\"timezone\":\"UTC\","
	    "\"languages\":[\"nb\",\"en\"],\"kiosk_idle_s\":60},\"display\":{\"id\":\"hall\","
	    "\"name\":\"Hall\","
	    "\"services\":[\"nav\"],\"languages\":[\"nb\",\"en\"],\"language_mode\":\"rotate\","
	    "\"logo\":\"torg.png\",\"colors\":{\"background\":\"#0b1d33\","
	    "\"accent\":\"#ffd54a\"}},\"services\":[{"
	    "\"id\":\"nav\",\"waiting\":1,\"eta_s\":-1,\"longest_wait_s\":0,"
	    "\"counters_open\":0,\"prefix\":\"A\",\"name\":{\"nb\":\"Torg\"},"
	    "\"icon\":\"ticket\",\"target_wait_s\":600,\"open\":false,"
	    "\"opens_at\":\"2026-11-22T09:41:07.123Z\",\"queue\":[{\"number\":\"A001\","
	    "\"priority\":\"normal\",\"queued_at\":\"2026-11-22T09:41:07.123Z\"}]}],"
	    "\"counters\":[],\"calls\":[{\"number\":\"A001\",\"service\":\"nav\","
	    "\"counter\":null,\"at\":\"2026-11-22T09:41:07.123Z\",\"recall\":true}]}"));
	/* notices: today's exception, the next ones, the messages, after "calls" */
	static const struct proto_text jul[] = {{"nb", "Julaften"}, {"en", "Christmas Eve"}};
	static const struct proto_text early[] = {{"nb", "Stenger kl. 14 i dag"},
						  {"en", "Closes at 14 today"}};
	static const struct proto_span short_day[] = {{8 * 60, 12 * 60}, {13 * 60, 1440}};
	static const struct proto_exception upcoming[] = {
	    {.from = 20261225, .to = 20261227},
	    {.from = 20261231,
	     .to = 20261231,
	     .spans = short_day,
	     .nspans = 2,
	     .services = DOC_IDS(nav),
	     .note = {jul, 1}},
	};
	static const struct proto_exception today = {
	    .from = 20261124, .to = 20261124, .note = {jul, 2}};
	static const struct proto_message msgs[] = {
	    {"closing-early", {early, 2}, DOC_TIME, DOC_TIME + 60000}, {"all", {early, 1}, 0, 0}};
	struct proto_notices notices = {&today, upcoming, 2, msgs, 2};
	s.notices = &notices;
	char *with = proto_encode_snapshot(&s, NULL);
	const char *tail =
	    "\"recall\":true}],\"notices\":{\"today\":{\"from\":\"2026-11-24\",\"to\":\"2026-11-"
	    "24\","
	    "\"closed\":true,\"hours\":[],\"services\":null,\"note\":{\"nb\":\"Julaften\","
	    "\"en\":\"Christmas Eve\"}},\"upcoming\":[{\"from\":\"2026-12-25\",\"to\":"
	    "\"2026-12-27\",\"closed\":true,\"hours\":[],\"services\":null,\"note\":null},"
	    "{\"from\":\"2026-12-31\",\"to\":\"2026-12-31\",\"closed\":false,\"hours\":"
	    "[[\"08:00\",\"12:00\"],[\"13:00\",\"24:00\"]],\"services\":[\"nav\"],\"note\":"
	    "{\"nb\":\"Julaften\"}}],\"messages\":[{\"id\":\"closing-early\",\"text\":"
	    "{\"nb\":\"Stenger kl. 14 i dag\",\"en\":\"Closes at 14 today\"},\"from\":"
	    "\"2026-11-22T09:41:07.123Z\",\"until\":\"2026-11-22T09:42:07.123Z\"},{\"id\":"
	    "\"all\",\"text\":{\"nb\":\"Stenger kl. 14 i dag\"},\"from\":null,\"until\":null}]}}";
	CHECK(strlen(with) > strlen(tail) && !strcmp(with + strlen(with) - strlen(tail), tail));
	if (strlen(with) <= strlen(tail) || strcmp(with + strlen(with) - strlen(tail), tail))
		fprintf(stderr, "want ...%s\n got %s\n", tail, with);
	free(with);
	/* empty notices: null and two empty lists */
	notices = (struct proto_notices){0};
	with = proto_encode_snapshot(&s, NULL);
	CHECK(strstr(with, ",\"notices\":{\"today\":null,\"upcoming\":[],\"messages\":[]}}") !=
	      NULL);
	free(with);
	s.notices = NULL;
	/* open: opens_at is null whatever the field holds; no display: left out */
	svc.open = true;
	s.display = NULL;
	json_t *o = loads(proto_encode_snapshot(&s, NULL));
	CHECK(json_is_null(
	    json_object_get(json_array_get(json_object_get(o, "services"), 0), "opens_at")));
	CHECK(json_object_get(o, "display") == NULL);
	json_decref(o);

	struct proto_hello_out h = {0};
	size_t len = 0;
	char *hello = proto_encode_hello(&h, &len);
	CHECK(len == strlen("{\"type\":\"hello\"}"));
	CHECK(is_text(hello, "{\"type\":\"hello\"}"));
	h = (struct proto_hello_out){true, 0, DOC_IDS(nav_housing), "hall", NULL, NULL};
	CHECK(is_text(proto_encode_hello(&h, NULL),
		      "{\"type\":\"hello\",\"since\":0,\"services\":[\"nav\",\"housing\"],"
		      "\"display\":\"hall\"}"));
	CHECK(is_text(proto_encode_resume(0, 18446744073709551615ULL, &len),
		      "{\"type\":\"resume\",\"since\":0,\"seq\":18446744073709551615}"));
	char buf[48];
	CHECK(proto_encode_skip(buf, sizeof(buf), UINT64_MAX) == strlen(buf));
	CHECK(!strcmp(buf, "{\"type\":\"skip\",\"seq\":18446744073709551615}"));
	CHECK(is_text(proto_encode_reply(3, true, NULL, NULL),
		      "{\"type\":\"reply\",\"id\":3,\"ok\":true}"));
	CHECK(dumps_to(
	    proto_encode_error_msg("too_big", NULL, NULL),
	    "{\"type\":\"error\",\"error\":{\"code\":\"too_big\",\"message\":\"too_big\"}}"));
}

/* ---- direct cases ---- */

/* Quotes, backslashes and control characters come out as valid JSON: printed by the
 * ticket status's own writer, and by jansson everywhere else. */
static void test_escaping(void)
{
	const char *nasty = "B\"0\\7\n\x01\x1f/\xc3\xa6";
	char buf[PROTO_TICKET_STATUS_MAX];
	struct proto_ticket_status st = {.seq = 1,
					 .number = nasty,
					 .service = "a\tb",
					 .state = PROTO_STATE_CALLED,
					 .counter = "c\"",
					 .leg = 1};
	size_t n = proto_encode_ticket_status(buf, sizeof(buf), &st);
	CHECK(n == strlen(buf));
	CHECK(strstr(buf, "\"number\":\"B\\\"0\\\\7\\u000a\\u0001\\u001f/\xc3\xa6\"") != NULL);
	json_t *v = json_loads(buf, 0, NULL);
	json_t *t = json_object_get(v, "ticket");
	CHECK(v && str_eq(json_string_value(json_object_get(t, "number")), nasty));
	CHECK(str_eq(json_string_value(json_object_get(t, "service")), "a\tb"));
	CHECK(str_eq(json_string_value(json_object_get(t, "counter")), "c\""));
	json_decref(v);

	char *s = proto_dump(proto_encode_error_body("bad_request", nasty, "x\"y"), NULL);
	CHECK(strstr(s, "\"message\":\"B\\\"0\\\\7\\n\\u0001\\u001F/\xc3\xa6\"") != NULL);
	v = json_loads(s, 0, NULL);
	CHECK(v &&
	      str_eq(json_string_value(json_object_get(json_object_get(v, "error"), "message")),
		     nasty));
	CHECK(str_eq(json_string_value(json_object_get(json_object_get(v, "error"), "field")),
		     "x\"y"));
	json_decref(v);
	free(s);

	/* the writer of the hot paths: the same strings in a snapshot's texts, and one far
	 * longer than its first buffer, come back whole */
	char *longname = malloc(5001);
	for (int i = 0; i < 5000; i++)
		longname[i] = "\"\x01a\xc3\xa6"[i % 5];
	longname[5000] = '\0';
	struct proto_text names[] = {{"nb", nasty}, {"en", longname}};
	struct proto_counter c = {.id = "c\"1", .name = {names, 2}, .kind = "counter"};
	struct proto_snapshot snap = {.seq = 9,
				      .day = 20261122,
				      .floor_id = nasty,
				      .timezone = "UTC",
				      .floor_name = {names, 2},
				      .counters = &c,
				      .ncounters = 1};
	size_t len = 0;
	s = proto_encode_snapshot(&snap, &len);
	CHECK(len == strlen(s));
	v = json_loads(s, 0, NULL);
	CHECK(v != NULL);
	json_t *fl = json_object_get(v, "floor");
	CHECK(str_eq(json_string_value(json_object_get(fl, "id")), nasty));
	CHECK(str_eq(json_string_value(json_object_get(json_object_get(fl, "name"), "en")),
		     longname));
	json_t *c0 = json_array_get(json_object_get(v, "counters"), 0);
	CHECK(str_eq(json_string_value(json_object_get(c0, "id")), "c\"1"));
	CHECK(str_eq(json_string_value(json_object_get(json_object_get(c0, "name"), "nb")), nasty));
	CHECK(json_is_null(json_object_get(c0, "current")));
	json_decref(v);
	free(s);
	free(longname);
}

/* NULL strings are null where the protocol has null, and so is a time of 0. */
static void test_nulls(void)
{
	char buf[PROTO_TICKET_STATUS_MAX];
	struct proto_ticket_status st = {
	    .seq = 2, .number = "A001", .service = "nav", .eta_s = -1, .leg = 1};
	proto_encode_ticket_status(buf, sizeof(buf), &st);
	CHECK(!strcmp(buf, "{\"type\":\"ticket\",\"seq\":2,\"ticket\":{\"number\":\"A001\","
			   "\"service\":\"nav\",\"state\":\"waiting\",\"leg\":1,\"position\":0,"
			   "\"eta_s\":-1,\"counter\":null}}"));
	char t0[32];
	proto_format_time(-1, t0, sizeof(t0));
	CHECK(str_eq(t0, "1969-12-31T23:59:59.999Z"));
	struct proto_leg leg = {.service = "nav", .state = PROTO_STATE_WAITING};
	struct proto_ticket t = {.flags = PROTO_TICKET_HOLDER | PROTO_TICKET_LEGS,
				 .id = DOC_ID,
				 .number = "A001",
				 .service = "nav",
				 .legs = &leg,
				 .nlegs = 1};
	json_t *o = loads(proto_encode_ticket(&t, NULL));
	json_t *l = json_array_get(json_object_get(o, "legs"), 0);
	CHECK(json_is_null(json_object_get(o, "counter")));
	CHECK(json_is_null(json_object_get(o, "issued_at")));
	CHECK(json_is_null(json_object_get(l, "queued_at")) &&
	      json_is_null(json_object_get(l, "ended_at")) &&
	      json_is_null(json_object_get(l, "outcome")));
	CHECK(json_object_get(o, "lang") == NULL);
	json_decref(o);
	/* a leg that ended: its outcome, and "transferred" for one handed on */
	leg.state = PROTO_STATE_NO_SHOW;
	o = loads(proto_encode_ticket(&t, NULL));
	l = json_array_get(json_object_get(o, "legs"), 0);
	CHECK(str_eq(json_string_value(json_object_get(l, "outcome")), "no_show"));
	json_decref(o);
	leg.state = PROTO_STATE_DONE;
	leg.handed_on = true;
	o = loads(proto_encode_ticket(&t, NULL));
	l = json_array_get(json_object_get(o, "legs"), 0);
	CHECK(str_eq(json_string_value(json_object_get(l, "outcome")), "transferred"));
	json_decref(o);
}

/* proto_format_time: milliseconds, the epoch, and times outside four-digit years clamped
 * rather than printed as a made-up date (util_iso8601's cases, whose place this took). */
static void test_times(void)
{
	char buf[40];
	proto_format_time(0, buf, sizeof(buf));
	CHECK(strcmp(buf, "1970-01-01T00:00:00.000Z") == 0);
	proto_format_time(1795772467123LL, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-11-27T09:41:07.123Z") == 0);
	proto_format_time(DOC_TIME, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-11-22T09:41:07.123Z") == 0);
	proto_format_time(-1, buf, sizeof(buf));
	CHECK(strcmp(buf, "1969-12-31T23:59:59.999Z") == 0);
	proto_format_time(253402300799999LL, buf, sizeof(buf));
	CHECK(strcmp(buf, "9999-12-31T23:59:59.999Z") == 0);
	proto_format_time(253402300800000LL * 10, buf, sizeof(buf));
	CHECK(strcmp(buf, "9999-12-31T23:59:59.999Z") == 0);
	proto_format_time(INT64_MAX, buf, sizeof(buf));
	CHECK(strcmp(buf, "9999-12-31T23:59:59.999Z") == 0);
	proto_format_time(INT64_MIN / 2, buf, sizeof(buf));
	CHECK(strcmp(buf, "0000-01-01T00:00:00.000Z") == 0);
	proto_format_time(INT64_MIN, buf, sizeof(buf));
	CHECK(strcmp(buf, "0000-01-01T00:00:00.000Z") == 0);
	proto_format_time(DOC_TIME, buf, 24); /* under the documented size: empty, no overflow */
	CHECK(buf[0] == '\0');
	/* the writer's integers, at both ends of their range */
	struct proto_queue q = {"nav", INT64_MIN, INT64_MAX, 0, -7};
	CHECK(is_text(proto_encode_queue(&q, NULL),
		      "{\"service\":\"nav\",\"waiting\":-9223372036854775808,"
		      "\"eta_s\":9223372036854775807,\"longest_wait_s\":0,\"counters_open\":-7}"));
	proto_format_day(20261122, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-11-22") == 0);
	proto_format_day(10101, buf, sizeof(buf));
	CHECK(strcmp(buf, "0001-01-01") == 0);
}

/* A ticket that is gone says only that it was cancelled. */
static void test_gone(void)
{
	char buf[PROTO_TICKET_STATUS_MAX];
	struct proto_ticket_status st = {.seq = 77, .gone = true, .number = "ignored"};
	size_t n = proto_encode_ticket_status(buf, sizeof(buf), &st);
	CHECK(
	    !strcmp(buf, "{\"type\":\"ticket\",\"seq\":77,\"ticket\":{\"state\":\"cancelled\"}}"));
	CHECK(n == strlen(buf));
}

/* proto_encode_ticket_status follows snprintf's rule: it returns the length it needs,
 * writes at most cap bytes with a NUL in the last, and PROTO_TICKET_STATUS_MAX is enough
 * for the longest status there can be. */
static void test_ticket_status_buffer(void)
{
	char full[PROTO_TICKET_STATUS_MAX], small[PROTO_TICKET_STATUS_MAX];
	struct proto_ticket_status st = {
	    .seq = UINT64_MAX,
	    .number = "AB9999",
	    .service = "abcdefghijklmnopqrstuvwxyz012345",
	    .state = PROTO_STATE_CANCELLED,
	    .position = INT64_MIN,
	    .eta_s = INT64_MIN,
	    .counter = "abcdefghijklmnopqrstuvwxyz-_6789",
	    .leg = INT32_MIN,
	};
	size_t n = proto_encode_ticket_status(full, sizeof(full), &st);
	CHECK(n < PROTO_TICKET_STATUS_MAX && n == strlen(full));
	for (size_t cap = 0; cap <= n + 1; cap++) {
		memset(small, 'x', sizeof(small));
		size_t m = proto_encode_ticket_status(small, cap, &st);
		bool ok = m == n && small[cap] == 'x';
		if (cap > 0)
			ok = ok && strlen(small) == (cap - 1 < n ? cap - 1 : n) &&
			     !strncmp(small, full, cap - 1);
		else
			ok = ok && small[0] == 'x';
		if (!ok)
			fprintf(stderr, "ticket status into %zu bytes: %zu, \"%.*s\"\n", cap, m,
				(int)(cap ? cap : 1), small);
		CHECK(ok);
	}
	/* and it is JSON (with a seq jansson can read: seqs stay below 2^62) */
	st.seq = INT64_MAX;
	proto_encode_ticket_status(full, sizeof(full), &st);
	json_t *v = json_loads(full, 0, NULL);
	CHECK(v != NULL);
	json_decref(v);
}

int main(void)
{
	test_exact();
	test_exact_events();
	test_exact_messages();
	test_escaping();
	test_nulls();
	test_times();
	test_gone();
	test_ticket_status_buffer();
	return check_report("proto_encode");
}
