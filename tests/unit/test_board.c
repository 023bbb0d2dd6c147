/* test_board.c: unit tests of proto/board, the client-side board model. A snapshot in the
 * shape torgd sends is applied and every field checked; then events of each kind,
 * batches, gaps, stale and unknown messages, resumes, server errors, the ten-call cap,
 * control characters and each malformed shape, where the exact cause is checked and the
 * board must be byte-for-byte what it was (compared through proto_board_dump). Runs as its
 * own process; the last line is "board: N passed, M failed". */
#include "board.h"

#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A snapshot like torgd's: two services, two counters, two calls, seq 40. */
static const char SNAPSHOT[] =
    "{\"type\":\"snapshot\",\"protocol\":\"torg.v1\",\"seq\":40,\"day\":\"2026-11-22\","
    "\"server_time\":\"2026-11-22T09:41:07.123Z\","
    "\"floor\":{\"id\":\"stovner\",\"name\":{\"nb\":\"Stovner velferdstorg\",\"en\":\"Stovner "
    "welfare floor\"},\"timezone\":\"Europe/Oslo\",\"languages\":[\"nb\",\"nn\",\"sv\",\"en\"]},"
    "\"services\":[{\"id\":\"reception\",\"waiting\":1,\"eta_s\":300,\"longest_wait_s\":20,"
    "\"counters_open\":1,\"prefix\":\"A\",\"name\":{\"nb\":\"Mottak\",\"en\":\"Reception\"},"
    "\"icon\":\"door\",\"target_wait_s\":600,\"open\":true,\"opens_at\":null,\"queue\":[]},"
    "{\"id\":\"nav\",\"waiting\":3,\"eta_s\":540,\"longest_wait_s\":610,\"counters_open\":2,"
    "\"prefix\":\"B\",\"name\":{\"nb\":\"NAV\"},\"open\":false,\"opens_at\":\"2026-11-23T07:00:"
    "00.000Z\",\"queue\":[{\"number\":\"B005\",\"priority\":\"normal\",\"queued_at\":\"x\"}]}],"
    "\"counters\":[{\"id\":\"c1\",\"name\":{\"nb\":\"Skranke 1\",\"en\":\"Counter 1\"},\"kind\":"
    "\"counter\",\"open\":true,\"services\":[\"reception\",\"nav\"],\"current\":{\"number\":"
    "\"B004\",\"service\":\"nav\",\"state\":\"serving\",\"leg\":1,\"called_at\":\"t\","
    "\"started_at\":\"t\"}},{\"id\":\"c2\",\"name\":{},\"kind\":\"counter\",\"open\":false,"
    "\"services\":[],\"current\":null}],"
    "\"calls\":[{\"number\":\"B004\",\"service\":\"nav\",\"counter\":\"c1\",\"at\":\"2026-11-"
    "22T09:40:00.000Z\",\"recall\":false},{\"number\":\"A001\",\"service\":\"reception\","
    "\"counter\":null,\"at\":\"2026-11-22T09:30:00.000Z\",\"recall\":true}]}";

/* Applies text to b; returns the rc and leaves *res filled (caller clears). */
static int apply(struct proto_board *b, const char *text, struct proto_board_result *res,
		 char **cause)
{
	*cause = NULL;
	return proto_board_apply(b, text, strlen(text), res, cause);
}

/* Applies text expecting success; returns the result's flags and clears it. */
static unsigned apply_ok(struct proto_board *b, const char *text)
{
	struct proto_board_result r;
	char *cause = NULL;
	int rc = apply(b, text, &r, &cause);
	if (rc != 0)
		fprintf(stderr, "unexpected failure %d: %s\n  for %s\n", rc, cause, text);
	CHECK(rc == 0 && cause == NULL);
	free(cause);
	unsigned f = r.flags;
	proto_board_result_clear(&r);
	return f;
}

/* A board with SNAPSHOT applied. */
static void base(struct proto_board *b)
{
	proto_board_init(b);
	CHECK(apply_ok(b, SNAPSHOT) == (PROTO_BOARD_SNAPSHOT | PROTO_BOARD_CHANGED));
}

/* Checks that text fails with rc and exactly this cause, leaving b unchanged. */
static void check_bad(int line, struct proto_board *b, const char *text, int want_rc,
		      const char *want_cause)
{
	char *before = proto_board_dump(b), *cause = NULL;
	struct proto_board_result r;
	int rc = proto_board_apply(b, text, strlen(text), &r, &cause);
	char *after = proto_board_dump(b);
	bool ok = rc == want_rc && str_eq(cause, want_cause) && !strcmp(before, after) &&
		  r.flags == 0 && r.ncalls == 0 && r.calls == NULL && r.error == NULL;
	if (ok) {
		passed++;
	} else {
		failed++;
		fprintf(stderr, "%s:%d: want %d \"%s\", got %d \"%s\"%s\n", __FILE__, line, want_rc,
			want_cause, rc, cause ? cause : "(null)",
			strcmp(before, after) ? " and the board changed" : "");
	}
	free(cause);
	free(before);
	free(after);
	proto_board_result_clear(&r);
}
#define BAD(b, text, cause) check_bad(__LINE__, (b), (text), -EINVAL, (cause))

/* The snapshot's every field lands in the board. */
static void test_snapshot(void)
{
	struct proto_board b;
	base(&b);
	CHECK(b.have_base && b.seq == 40);
	CHECK(str_eq(b.day, "2026-11-22") && str_eq(b.floor_id, "stovner"));
	CHECK(str_eq(b.timezone, "Europe/Oslo"));
	CHECK(str_eq(proto_board_name(&b.floor_name, "nb", "?"), "Stovner velferdstorg"));
	CHECK(str_eq(proto_board_name(&b.floor_name, "sv", "?"), "Stovner welfare floor"));
	CHECK(b.nlanguages == 4 && str_eq(b.languages[0], "nb") && str_eq(b.languages[3], "en"));
	CHECK(b.display_id == NULL && b.display_name == NULL);
	CHECK(b.nservices == 2);
	const struct proto_board_service *s = proto_board_service(&b, "nav");
	CHECK(s == &b.services[1]);
	CHECK(s && str_eq(s->prefix, "B") && s->waiting == 3 && s->eta_s == 540 &&
	      s->longest_wait_s == 610 && s->counters_open == 2 && !s->open);
	CHECK(s && str_eq(proto_board_name(&s->name, "nn", "?"), "NAV"));
	CHECK(b.services[0].open && b.services[0].waiting == 1);
	CHECK(proto_board_service(&b, "housing") == NULL);
	CHECK(b.ncounters == 2);
	const struct proto_board_counter *c = proto_board_counter(&b, "c1");
	CHECK(c && c->open && str_eq(c->current, "B004") && str_eq(c->current_service, "nav") &&
	      c->serving);
	CHECK(c && str_eq(proto_board_name(&c->name, "en", "?"), "Counter 1"));
	c = proto_board_counter(&b, "c2");
	CHECK(c && !c->open && c->current == NULL && c->current_service == NULL && !c->serving);
	CHECK(c && str_eq(proto_board_name(&c->name, "nb", "c2"), "c2"));
	CHECK(b.ncalls == 2);
	CHECK(str_eq(b.calls[0].number, "B004") && str_eq(b.calls[0].counter, "c1") &&
	      str_eq(b.calls[0].service, "nav") && !b.calls[0].recall &&
	      str_eq(b.calls[0].at, "2026-11-22T09:40:00.000Z"));
	CHECK(str_eq(b.calls[1].number, "A001") && b.calls[1].counter == NULL && b.calls[1].recall);

	/* A second snapshot replaces everything, even with a lower seq; display languages win. */
	CHECK(apply_ok(
		  &b,
		  "{\"type\":\"snapshot\",\"seq\":7,\"display\":{\"id\":\"hall\",\"name\":"
		  "\"Hall\",\"services\":[\"nav\"],\"languages\":[\"en\"]},\"floor\":{\"id\":"
		  "\"f\",\"languages\":[\"nb\"]},\"services\":[],\"counters\":[],\"calls\":[]}") ==
	      (PROTO_BOARD_SNAPSHOT | PROTO_BOARD_CHANGED));
	CHECK(b.seq == 7 && b.nservices == 0 && b.ncounters == 0 && b.ncalls == 0);
	CHECK(b.day == NULL && str_eq(b.display_id, "hall") && str_eq(b.display_name, "Hall"));
	CHECK(b.nlanguages == 1 && str_eq(b.languages[0], "en") && b.floor_name.n == 0);
	proto_board_close(&b);
	CHECK(b.services == NULL && b.seq == 0 && !b.have_base);
}

/* called, recalled, serving, done, no_show, transferred, cancelled, issued. */
static void test_ticket_events(void)
{
	struct proto_board b;
	struct proto_board_result r;
	char *cause;
	base(&b);
	int rc = apply(
	    &b,
	    "{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.called\",\"at\":\"2026-11-22T10:"
	    "00:00.000Z\",\"ticket\":{\"number\":\"B005\",\"service\":\"nav\",\"state\":"
	    "\"called\",\"leg\":1,\"priority\":\"normal\"},\"counter\":\"c2\",\"queues\":[{"
	    "\"service\":\"nav\",\"waiting\":2,\"eta_s\":360,\"longest_wait_s\":402,"
	    "\"counters_open\":2,\"new_field\":1}]}",
	    &r, &cause);
	CHECK(rc == 0 && cause == NULL && r.flags == PROTO_BOARD_CHANGED);
	CHECK(r.ncalls == 1 && str_eq(r.calls[0].number, "B005") &&
	      str_eq(r.calls[0].counter, "c2") && str_eq(r.calls[0].service, "nav") &&
	      !r.calls[0].recall && str_eq(r.calls[0].at, "2026-11-22T10:00:00.000Z"));
	proto_board_result_clear(&r);
	CHECK(r.calls == NULL && r.ncalls == 0);
	CHECK(b.seq == 41 && b.ncalls == 3 && str_eq(b.calls[0].number, "B005") &&
	      str_eq(b.calls[1].number, "B004") && str_eq(b.calls[2].number, "A001"));
	const struct proto_board_service *nav = proto_board_service(&b, "nav");
	CHECK(nav->waiting == 2 && nav->eta_s == 360 && nav->longest_wait_s == 402);
	const struct proto_board_counter *c2 = proto_board_counter(&b, "c2");
	CHECK(str_eq(c2->current, "B005") && !c2->serving);

	/* A batch: recall, serving, then a call at a counter the board does not know. */
	rc = apply(&b,
		   "[{\"type\":\"event\",\"seq\":42,\"kind\":\"ticket.recalled\",\"ticket\":{"
		   "\"number\":\"B005\",\"service\":\"nav\"},\"counter\":\"c2\",\"queues\":[]},"
		   "{\"type\":\"event\",\"seq\":43,\"kind\":\"ticket.serving\",\"ticket\":{"
		   "\"number\":\"B005\",\"service\":\"nav\"},\"counter\":\"c2\",\"queues\":[]},"
		   "{\"type\":\"event\",\"seq\":44,\"kind\":\"ticket.called\",\"ticket\":{"
		   "\"number\":\"A002\",\"service\":\"reception\"},\"counter\":\"r9\"}]",
		   &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_CHANGED && r.ncalls == 2);
	CHECK(r.ncalls == 2 && str_eq(r.calls[0].number, "B005") && r.calls[0].recall &&
	      str_eq(r.calls[1].number, "A002") && !r.calls[1].recall &&
	      str_eq(r.calls[1].counter, "r9") && r.calls[1].at == NULL);
	proto_board_result_clear(&r);
	CHECK(b.seq == 44 && b.ncalls == 5 && str_eq(b.calls[0].number, "A002") &&
	      str_eq(b.calls[1].number, "B005") && b.calls[1].recall);
	c2 = proto_board_counter(&b, "c2"); /* apply replaces the board's arrays */
	CHECK(str_eq(c2->current, "B005") && c2->serving);

	/* done clears the counter; done of another number at c1 leaves c1's. */
	apply_ok(&b, "{\"type\":\"event\",\"seq\":45,\"kind\":\"ticket.done\",\"ticket\":{"
		     "\"number\":\"B005\",\"service\":\"nav\"},\"counter\":\"c2\",\"queues\":[]}");
	c2 = proto_board_counter(&b, "c2");
	CHECK(c2->current == NULL && c2->current_service == NULL && !c2->serving);
	apply_ok(&b, "{\"type\":\"event\",\"seq\":46,\"kind\":\"ticket.no_show\",\"ticket\":{"
		     "\"number\":\"B999\",\"service\":\"nav\"},\"counter\":\"c1\",\"queues\":[]}");
	CHECK(str_eq(proto_board_counter(&b, "c1")->current, "B004"));
	apply_ok(&b,
		 "{\"type\":\"event\",\"seq\":47,\"kind\":\"ticket.transferred\",\"ticket\":{"
		 "\"number\":\"B004\",\"service\":\"reception\"},\"counter\":\"c1\",\"from\":"
		 "\"nav\",\"to\":\"reception\",\"position\":\"front\",\"queues\":[{\"service\":"
		 "\"reception\",\"waiting\":2,\"eta_s\":0,\"longest_wait_s\":0,\"counters_open\":"
		 "1},{\"service\":\"elsewhere\",\"waiting\":9,\"eta_s\":9,\"longest_wait_s\":9,"
		 "\"counters_open\":9}]}");
	CHECK(proto_board_counter(&b, "c1")->current == NULL);
	CHECK(b.services[0].waiting == 2 && b.services[0].eta_s == 0);
	apply_ok(&b, "{\"type\":\"event\",\"seq\":48,\"kind\":\"ticket.issued\",\"ticket\":{"
		     "\"number\":\"B010\",\"service\":\"nav\"},\"queues\":[{\"service\":\"nav\","
		     "\"waiting\":3,\"eta_s\":-1,\"longest_wait_s\":0,\"counters_open\":0}]}");
	nav = proto_board_service(&b, "nav");
	CHECK(nav->waiting == 3 && nav->eta_s == -1 && nav->counters_open == 0 && b.seq == 48);
	CHECK(b.ncalls == 5);
	apply_ok(&b, "{\"type\":\"event\",\"seq\":49,\"kind\":\"ticket.cancelled\",\"ticket\":{"
		     "\"number\":\"B010\",\"service\":\"nav\"},\"reason\":\"visitor\"}");
	CHECK(b.seq == 49 && proto_board_service(&b, "nav")->waiting == 3);
	proto_board_close(&b);
}

/* counter.opened / counter.closed, floor.day. */
static void test_counter_and_day(void)
{
	struct proto_board b;
	base(&b);
	apply_ok(&b,
		 "{\"type\":\"event\",\"seq\":41,\"kind\":\"counter.opened\",\"counter\":\"c2\","
		 "\"services\":[\"nav\"],\"queues\":[]}");
	CHECK(proto_board_counter(&b, "c2")->open);
	apply_ok(&b,
		 "{\"type\":\"event\",\"seq\":42,\"kind\":\"counter.closed\",\"counter\":\"c1\","
		 "\"reason\":\"staff\",\"queues\":[]}");
	const struct proto_board_counter *c1 = proto_board_counter(&b, "c1");
	CHECK(!c1->open && c1->current == NULL);
	apply_ok(&b,
		 "{\"type\":\"event\",\"seq\":43,\"kind\":\"counter.opened\",\"counter\":\"zz\","
		 "\"services\":[]}");
	CHECK(b.seq == 43);
	apply_ok(&b, "{\"type\":\"event\",\"seq\":44,\"kind\":\"ticket.called\",\"ticket\":{"
		     "\"number\":\"B006\",\"service\":\"nav\"},\"counter\":\"c2\"}");
	CHECK(b.ncalls == 3 && str_eq(proto_board_counter(&b, "c2")->current, "B006"));
	apply_ok(&b, "{\"type\":\"event\",\"seq\":45,\"kind\":\"floor.day\",\"day\":\"2026-11-23\","
		     "\"queues\":[]}");
	CHECK(b.seq == 45 && str_eq(b.day, "2026-11-23") && b.ncalls == 0);
	CHECK(proto_board_counter(&b, "c2")->current == NULL);
	CHECK(proto_board_counter(&b, "c2")->open);
	proto_board_close(&b);
}

/* counter.break / counter.back: the counter stays open, on a break; closing ends it; a
 * snapshot says it (on_break, false when left out). No kind of them is skipped. */
static void test_break(void)
{
	struct proto_board b;
	struct proto_board_result r;
	char *cause;
	base(&b);
	CHECK(!proto_board_counter(&b, "c1")->on_break);
	int rc =
	    apply(&b,
		  "{\"type\":\"event\",\"seq\":41,\"kind\":\"counter.break\",\"counter\":\"c1\","
		  "\"queues\":[{\"service\":\"nav\",\"waiting\":3,\"eta_s\":-1,"
		  "\"longest_wait_s\":610,\"counters_open\":0}]}",
		  &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_CHANGED && r.skipped == 0 && b.seq == 41);
	proto_board_result_clear(&r);
	/* the board is rebuilt by each frame: look the counter up after each */
#define C1 proto_board_counter(&b, "c1")
	CHECK(C1->open && C1->on_break);
	CHECK(proto_board_service(&b, "nav")->counters_open == 0);
	CHECK(proto_board_service(&b, "nav")->eta_s == -1);
	apply_ok(&b, "{\"type\":\"event\",\"seq\":42,\"kind\":\"counter.back\",\"counter\":\"c1\","
		     "\"queues\":[]}");
	CHECK(C1->open && !C1->on_break && b.seq == 42);
	/* one of an unknown counter changes nothing but the seq */
	apply_ok(&b, "{\"type\":\"event\",\"seq\":43,\"kind\":\"counter.break\",\"counter\":\"zz\","
		     "\"queues\":[]}");
	CHECK(b.seq == 43 && !C1->on_break);
	apply_ok(&b, "{\"type\":\"event\",\"seq\":44,\"kind\":\"counter.break\",\"counter\":\"c1\","
		     "\"queues\":[]}");
	CHECK(C1->on_break);
	apply_ok(&b,
		 "{\"type\":\"event\",\"seq\":45,\"kind\":\"counter.closed\",\"counter\":\"c1\","
		 "\"reason\":\"staff\",\"queues\":[]}");
	CHECK(!C1->open && !C1->on_break);
	/* a counter.break without its counter is malformed, and changes nothing */
	char *before = proto_board_dump(&b);
	rc = apply(&b, "{\"type\":\"event\",\"seq\":46,\"kind\":\"counter.break\"}", &r, &cause);
	CHECK(rc == -EINVAL && cause != NULL && strstr(cause, "counter") != NULL);
	free(cause);
	proto_board_result_clear(&r);
	char *after = proto_board_dump(&b);
	CHECK(str_eq(before, after) && b.seq == 45);
	free(before);
	free(after);
	proto_board_close(&b);
	/* the snapshot's on_break; a wrong type is an error naming it */
	proto_board_init(&b);
	char *snap = strdup(SNAPSHOT),
	     *at = strstr(snap, "\"open\":true,\"services\":[\"reception\"");
	CHECK(at != NULL);
	size_t len = strlen(snap) + 32;
	char *text = malloc(len);
	snprintf(text, len, "%.*s\"on_break\":true,%s", (int)(at - snap), snap, at);
	apply_ok(&b, text);
	CHECK(proto_board_counter(&b, "c1")->on_break && !proto_board_counter(&b, "c2")->on_break);
	proto_board_close(&b);
	proto_board_init(&b);
	snprintf(text, len, "%.*s\"on_break\":1,%s", (int)(at - snap), snap, at);
	rc = apply(&b, text, &r, &cause);
	CHECK(rc == -EINVAL && cause && strstr(cause, "counters[0].on_break") != NULL);
	free(cause);
	proto_board_result_clear(&r);
	free(text);
	free(snap);
	proto_board_close(&b);
#undef C1
}

/* Gaps, stale events, events without a base, resume, unknown types and kinds, errors. */
static void test_sequence(void)
{
	struct proto_board b;
	struct proto_board_result r;
	char *cause;
	proto_board_init(&b);
	/* An event before any snapshot cannot be applied: a gap. */
	int rc = apply(&b,
		       "{\"type\":\"event\",\"seq\":3,\"kind\":\"ticket.issued\",\"ticket\":{"
		       "\"number\":\"A1\",\"service\":\"x\"}}",
		       &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_GAP && r.gap_seq == 3 && b.seq == 0 &&
	      !b.have_base);
	proto_board_result_clear(&r);
	/* A resume without a base is a gap too. */
	rc = apply(&b, "{\"type\":\"resume\",\"since\":0,\"seq\":5}", &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_GAP);
	proto_board_result_clear(&r);
	CHECK(!b.have_base && b.seq == 0);
	proto_board_close(&b);

	base(&b);
	rc = apply(&b, "{\"type\":\"resume\",\"since\":40,\"seq\":42}", &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_RESUME && b.seq == 40);
	proto_board_result_clear(&r);
	rc = apply(&b, "{\"type\":\"resume\",\"since\":39,\"seq\":42}", &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_GAP && r.gap_seq == 39);
	proto_board_result_clear(&r);

	/* 41 applies, 43 is a gap, and 44 after it in the same frame is not looked at. */
	rc = apply(&b,
		   "[{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.called\",\"ticket\":{"
		   "\"number\":\"B005\",\"service\":\"nav\"},\"counter\":\"c2\"},"
		   "{\"type\":\"event\",\"seq\":43,\"kind\":\"ticket.called\",\"ticket\":{"
		   "\"number\":\"B006\",\"service\":\"nav\"},\"counter\":\"c1\"},"
		   "{\"type\":\"event\",\"seq\":44,\"kind\":\"ticket.called\"}]",
		   &r, &cause);
	CHECK(rc == 0 && r.flags == (PROTO_BOARD_CHANGED | PROTO_BOARD_GAP) && r.gap_seq == 43);
	CHECK(r.ncalls == 1 && str_eq(r.calls[0].number, "B005"));
	CHECK(b.seq == 41 && b.ncalls == 3 && str_eq(b.calls[0].number, "B005"));
	proto_board_result_clear(&r);

	/* Events already applied are stale and change nothing. */
	char *before = proto_board_dump(&b);
	rc = apply(&b,
		   "[{\"type\":\"event\",\"seq\":40,\"kind\":\"ticket.called\",\"ticket\":{"
		   "\"number\":\"B009\",\"service\":\"nav\"},\"counter\":\"c1\"},"
		   "{\"type\":\"event\",\"seq\":41,\"kind\":\"x\"}]",
		   &r, &cause);
	char *after = proto_board_dump(&b);
	CHECK(rc == 0 && r.flags == 0 && r.stale == 2 && r.ncalls == 0 && !strcmp(before, after));
	free(before);
	free(after);
	proto_board_result_clear(&r);

	/* Unknown message types and event kinds are skipped; an unknown kind still
	 * advances seq and applies its queues. */
	rc = apply(&b,
		   "[{\"type\":\"ticket\",\"seq\":41,\"ticket\":{}},{\"type\":\"hologram\"},"
		   "{\"type\":\"event\",\"seq\":42,\"kind\":\"floor.fire_drill\",\"queues\":[{"
		   "\"service\":\"nav\",\"waiting\":7,\"eta_s\":1,\"longest_wait_s\":2,"
		   "\"counters_open\":3}]},{\"type\":\"reply\",\"id\":1,\"ok\":true}]",
		   &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_CHANGED && r.skipped == 4 && b.seq == 42);
	CHECK(proto_board_service(&b, "nav")->waiting == 7);
	proto_board_result_clear(&r);

	/* A server error message is handed back. */
	rc = apply(&b,
		   "{\"type\":\"error\",\"error\":{\"code\":\"unknown_display\",\"message\":"
		   "\"no display \\\"x\\\"\"}}",
		   &r, &cause);
	CHECK(rc == 0 && r.flags == 0 && str_eq(r.error, "unknown_display: no display \"x\""));
	proto_board_result_clear(&r);
	CHECK(r.error == NULL);
	rc = apply(&b, "{\"type\":\"error\",\"error\":{\"code\":\"bad_json\"}}", &r, &cause);
	CHECK(rc == 0 && str_eq(r.error, "bad_json: bad_json"));
	proto_board_result_clear(&r);
	proto_board_close(&b);
}

/* An event of the board's services, as a filtered session gets it. */
#define CALLED(seq, number)                                                                        \
	"{\"type\":\"event\",\"seq\":" #seq ",\"kind\":\"ticket.called\",\"ticket\":{\"number\":"  \
	"\"" number "\",\"service\":\"nav\"},\"counter\":\"c2\"}"

/* A filtered session's skips: they move the seq so the next event follows; they never go
 * back, never count before a base and never explain a later jump. */
static void test_skip(void)
{
	struct proto_board b;
	struct proto_board_result r;
	char *cause;

	/* A skip before any snapshot: nothing to move, and not a gap to reconnect for. */
	proto_board_init(&b);
	int rc = apply(&b, "{\"type\":\"skip\",\"seq\":12}", &r, &cause);
	CHECK(rc == 0 && r.flags == 0 && r.stale == 1 && !b.have_base && b.seq == 0);
	proto_board_result_clear(&r);
	proto_board_close(&b);

	/* A skip, then in another frame the event after it: applied, no gap. */
	base(&b);
	rc = apply(&b, "{\"type\":\"skip\",\"seq\":45}", &r, &cause);
	CHECK(rc == 0 && r.flags == (PROTO_BOARD_SKIP | PROTO_BOARD_CHANGED) && r.stale == 0);
	CHECK(b.seq == 45 && b.ncalls == 2);
	proto_board_result_clear(&r);
	rc = apply(&b, CALLED(46, "B010"), &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_CHANGED && r.ncalls == 1 && b.seq == 46);
	CHECK(str_eq(b.calls[0].number, "B010"));
	proto_board_result_clear(&r);

	/* A skip going back (or to the board's seq) changes nothing, and is no gap. */
	char *before = proto_board_dump(&b);
	rc = apply(&b, "[{\"type\":\"skip\",\"seq\":44},{\"type\":\"skip\",\"seq\":46}]", &r,
		   &cause);
	char *after = proto_board_dump(&b);
	CHECK(rc == 0 && r.flags == 0 && r.stale == 2 && b.seq == 46 && !strcmp(before, after));
	free(before);
	free(after);
	proto_board_result_clear(&r);

	/* The batch torgd sends: [skip, event] in one frame; the call is announced. */
	rc = apply(&b, "[{\"type\":\"skip\",\"seq\":57}," CALLED(58, "B011") "]", &r, &cause);
	CHECK(rc == 0 && r.flags == (PROTO_BOARD_SKIP | PROTO_BOARD_CHANGED));
	CHECK(r.ncalls == 1 && str_eq(r.calls[0].number, "B011") && b.seq == 58);
	CHECK(str_eq(b.calls[0].number, "B011") &&
	      str_eq(proto_board_counter(&b, "c2")->current, "B011"));
	proto_board_result_clear(&r);

	/* A real gap after a skip is still a gap: the skip is kept (since = 60) and the
	 * event that did not follow it is not applied. */
	rc = apply(&b, "[{\"type\":\"skip\",\"seq\":60}," CALLED(62, "B012") "]", &r, &cause);
	CHECK(rc == 0 && r.flags == (PROTO_BOARD_SKIP | PROTO_BOARD_CHANGED | PROTO_BOARD_GAP));
	CHECK(r.gap_seq == 62 && r.ncalls == 0 && b.seq == 60);
	CHECK(str_eq(b.calls[0].number, "B011"));
	proto_board_result_clear(&r);
	/* A skip does not make up for a jump that came before it either. */
	rc = apply(&b, "[" CALLED(63, "B013") ",{\"type\":\"skip\",\"seq\":70}]", &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_GAP && r.gap_seq == 63 && b.seq == 60);
	proto_board_result_clear(&r);

	/* The resume after it continues from the skipped-to seq. */
	rc = apply(&b, "{\"type\":\"resume\",\"since\":60,\"seq\":75}", &r, &cause);
	CHECK(rc == 0 && r.flags == PROTO_BOARD_RESUME && b.seq == 60);
	proto_board_result_clear(&r);
	rc = apply(&b, "[{\"type\":\"skip\",\"seq\":74}," CALLED(75, "B014") "]", &r, &cause);
	CHECK(rc == 0 && r.ncalls == 1 && b.seq == 75 && !(r.flags & PROTO_BOARD_GAP));
	proto_board_result_clear(&r);

	/* A malformed skip is rejected like any malformed message, the whole frame with it. */
	BAD(&b, "[{\"type\":\"skip\",\"seq\":80}," CALLED(81, "B015") ",{\"type\":\"skip\"}]",
	    "[2].seq: expected an integer, got missing");
	BAD(&b, "{\"type\":\"skip\",\"seq\":-3}", "seq: expected an integer >= 0, got -3");
	CHECK(b.seq == 75);
	proto_board_close(&b);
}

/* Only the ten newest calls are kept; the snapshot's extra calls are dropped. */
static void test_call_cap(void)
{
	struct proto_board b;
	base(&b);
	char buf[256];
	for (int i = 0; i < 12; i++) {
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"event\",\"seq\":%d,\"kind\":\"ticket.called\",\"ticket\":{"
			 "\"number\":\"B%03d\",\"service\":\"nav\"},\"counter\":\"c1\"}",
			 41 + i, 100 + i);
		apply_ok(&b, buf);
	}
	CHECK(b.ncalls == PROTO_BOARD_MAX_CALLS && b.seq == 52);
	CHECK(str_eq(b.calls[0].number, "B111") && str_eq(b.calls[9].number, "B102"));

	char snap[4096];
	size_t n = (size_t)snprintf(snap, sizeof(snap),
				    "{\"type\":\"snapshot\",\"seq\":1,\"services\":[],"
				    "\"counters\":[],\"calls\":[");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(snap + n, sizeof(snap) - n,
				      "%s{\"number\":\"A%03d\",\"service\":\"s\",\"counter\":\"c\","
				      "\"at\":null,\"recall\":false}",
				      i ? "," : "", i);
	snprintf(snap + n, sizeof(snap) - n, "]}");
	apply_ok(&b, snap);
	CHECK(b.ncalls == 10 && str_eq(b.calls[0].number, "A000") &&
	      str_eq(b.calls[9].number, "A009") && b.calls[0].at == NULL);
	proto_board_close(&b);
}

/* Control characters in strings never reach the board. */
static void test_control_characters(void)
{
	struct proto_board b;
	proto_board_init(&b);
	apply_ok(&b,
		 "{\"type\":\"snapshot\",\"seq\":1,\"floor\":{\"name\":{\"nb\":\"a\\u001b[2Jb"
		 "\\u009bc\\u007fd\\u00e6\"}},\"services\":[{\"id\":\"s\\n\",\"prefix\":\"A\","
		 "\"name\":{},\"waiting\":0,\"eta_s\":0,\"longest_wait_s\":0,\"counters_open\":0"
		 "}],\"counters\":[],\"calls\":[]}");
	CHECK(str_eq(b.floor_name.text[0], "a?[2Jb?c?d\xc3\xa6"));
	CHECK(str_eq(b.services[0].id, "s?"));
	proto_board_close(&b);
}

/* Malformed frames: exact causes, board unchanged, nothing in the result. */
static void test_malformed(void)
{
	struct proto_board b;
	base(&b);
	BAD(&b, "", "frame: line 1, column 0: unexpected token near end of file");
	BAD(&b, "{\"type\":\"event\",",
	    "frame: line 1, column 16: string or '}' expected near end "
	    "of file");
	BAD(&b, "42", "frame: expected an object or an array, got number");
	BAD(&b, "[]", "frame: empty batch");
	BAD(&b, "{\"a\":1,\"a\":2}", "frame: line 1, column 10: duplicate object key near '\"a\"'");
	BAD(&b, "{\"seq\":41}", "type: expected a string, got missing");
	BAD(&b, "[{\"type\":\"hologram\"},7]", "[1].message: expected an object, got number");
	BAD(&b, "{\"type\":\"event\",\"seq\":\"41\",\"kind\":\"ticket.issued\"}",
	    "seq: expected an integer, got string");
	BAD(&b, "{\"type\":\"event\",\"seq\":0,\"kind\":\"ticket.issued\"}",
	    "seq: expected an integer >= 1, got 0");
	BAD(&b, "{\"type\":\"event\",\"seq\":41}", "kind: expected a string, got missing");
	BAD(&b, "{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.called\",\"counter\":\"c1\"}",
	    "ticket: expected an object, got missing");
	BAD(&b,
	    "{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.called\",\"ticket\":{\"number\":"
	    "\"B1\",\"service\":\"nav\"}}",
	    "counter: expected a string, got missing");
	BAD(&b,
	    "{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.called\",\"ticket\":{\"number\":"
	    "\"\",\"service\":\"nav\"},\"counter\":\"c1\"}",
	    "ticket.number: expected 1 to 256 bytes, got 0");
	BAD(&b,
	    "{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.issued\",\"ticket\":{\"number\":"
	    "\"B1\",\"service\":\"nav\"},\"queues\":{}}",
	    "queues: expected an array, got object");
	BAD(&b,
	    "{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.issued\",\"ticket\":{\"number\":"
	    "\"B1\",\"service\":\"nav\"},\"queues\":[{\"service\":\"nav\",\"waiting\":-1,"
	    "\"eta_s\":0,\"longest_wait_s\":0,\"counters_open\":0}]}",
	    "queues[0].waiting: expected an integer >= 0, got -1");
	BAD(&b, "{\"type\":\"event\",\"seq\":41,\"kind\":\"counter.opened\"}",
	    "counter: expected a string, got missing");
	BAD(&b, "{\"type\":\"event\",\"seq\":41,\"kind\":\"floor.day\",\"day\":20261123}",
	    "day: expected a string, got number");
	BAD(&b, "{\"type\":\"resume\",\"since\":40}", "seq: expected an integer, got missing");
	BAD(&b, "{\"type\":\"error\",\"error\":\"x\"}", "error: expected an object, got string");
	BAD(&b, "{\"type\":\"snapshot\",\"seq\":1,\"services\":[],\"counters\":[]}",
	    "calls: expected an array, got missing");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"floor\":{\"timezone\":1},\"services\":[],"
	    "\"counters\":[],\"calls\":[]}",
	    "floor.timezone: expected a string, got number");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"services\":[{\"id\":\"a\",\"prefix\":\"A\","
	    "\"waiting\":0,\"eta_s\":0,\"longest_wait_s\":0}],\"counters\":[],\"calls\":[]}",
	    "services[0].counters_open: expected an integer, got missing");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"services\":[{\"id\":\"a\",\"prefix\":\"A\","
	    "\"name\":{\"nb\":3},\"waiting\":0,\"eta_s\":0,\"longest_wait_s\":0,\"counters_open\":"
	    "0}],\"counters\":[],\"calls\":[]}",
	    "services[0].name.nb: expected a string, got number");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"services\":[],\"counters\":[{\"id\":\"c\","
	    "\"open\":true},{\"id\":\"c\",\"open\":false}],\"calls\":[]}",
	    "counters: two counters with the same id");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"services\":[],\"counters\":[{\"id\":\"c\","
	    "\"open\":true,\"current\":{\"service\":\"nav\"}}],\"calls\":[]}",
	    "counters[0].current.number: expected a string, got missing");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"services\":[],\"counters\":[],\"calls\":[{"
	    "\"number\":\"A1\",\"service\":\"s\",\"recall\":1}]}",
	    "calls[0].recall: expected a boolean, got number");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"floor\":[],\"services\":[],\"counters\":[],"
	    "\"calls\":[]}",
	    "floor: expected an object, got array");
	BAD(&b,
	    "{\"type\":\"snapshot\",\"seq\":1,\"display\":{\"id\":\"d\",\"languages\":[\"\"]},"
	    "\"services\":[],\"counters\":[],\"calls\":[]}",
	    "display.languages[0]: expected a non-empty string, got string");
	/* Atomic batches: a good event then a bad one applies neither. */
	BAD(&b,
	    "[{\"type\":\"event\",\"seq\":41,\"kind\":\"ticket.called\",\"ticket\":{\"number\":"
	    "\"B7\",\"service\":\"nav\"},\"counter\":\"c2\"},{\"type\":\"event\",\"seq\":42,"
	    "\"kind\":\"ticket.called\",\"ticket\":{\"number\":\"B8\"},\"counter\":\"c2\"}]",
	    "[1].ticket.service: expected a string, got missing");
	char big[300];
	memset(big, 'x', sizeof(big));
	char frame[512];
	snprintf(frame, sizeof(frame),
		 "{\"type\":\"event\",\"seq\":41,\"kind\":\"floor.day\",\"day\":\"%.*s\"}", 257,
		 big);
	BAD(&b, frame, "day: expected 1 to 256 bytes, got 257");

	/* Over the frame limit: -E2BIG, checked before parsing. */
	char *cause = NULL;
	struct proto_board_result r;
	CHECK(proto_board_apply(&b, "{}", (size_t)PROTO_BOARD_MAX_FRAME + 1, &r, &cause) == -E2BIG);
	CHECK(str_eq(cause, "frame: 8388609 bytes is over the limit of 8388608"));
	free(cause);
	CHECK(b.seq == 40 && b.ncalls == 2);
	proto_board_close(&b);
}

/* proto_board_name falls back to en, then the first, then the fallback. */
static void test_names(void)
{
	char *lang[] = {"nb", "en"}, *text[] = {"Bolig", "Housing"};
	struct proto_board_names n = {2, lang, text}, e = {0};
	CHECK(str_eq(proto_board_name(&n, "nb", "?"), "Bolig"));
	CHECK(str_eq(proto_board_name(&n, "ar", "?"), "Housing"));
	CHECK(str_eq(proto_board_name(&n, NULL, "?"), "Housing"));
	n.n = 1;
	CHECK(str_eq(proto_board_name(&n, "ar", "?"), "Bolig"));
	CHECK(str_eq(proto_board_name(&e, "nb", "fb"), "fb"));
}

/* Runs every test and prints the count line. */
/* A snapshot with notices: today's note and spans, a message that shows from 09:00 to
 * 10:00 and one without limits, texts longer than other strings may be; an event keeps
 * them; a bad notice rejects the snapshot with its place. */
static void test_notices(void)
{
	char text[700], snap[sizeof(SNAPSHOT) + 2000];
	memset(text, 'x', 600);
	text[600] = 0;
	snprintf(snap, sizeof(snap),
		 "%.*s,\"notices\":{\"today\":{\"from\":\"2026-11-22\",\"to\":\"2026-11-22\","
		 "\"closed\":false,\"hours\":[[\"08:00\",\"12:00\"],[\"13:00\",\"15:00\"]],"
		 "\"services\":null,\"note\":{\"nb\":\"Kort dag\"}},\"upcoming\":[],\"messages\":["
		 "{\"id\":\"early\",\"text\":{\"nb\":\"%s\",\"en\":\"Closes\"},\"from\":"
		 "\"2026-11-22T09:00:00.000Z\",\"until\":\"2026-11-22T10:00:00Z\"},{\"id\":\"all\","
		 "\"text\":{\"nb\":\"Hei\"},\"from\":null,\"until\":null}]}}",
		 (int)strlen(SNAPSHOT) - 1, SNAPSHOT, text);
	struct proto_board b;
	proto_board_init(&b);
	CHECK(apply_ok(&b, snap) & PROTO_BOARD_SNAPSHOT);
	const struct proto_board_notices *n = &b.notices;
	CHECK(n->today && !n->today_closed && n->today_hours &&
	      !strcmp(n->today_hours, "08:00-12:00, 13:00-15:00"));
	CHECK(!strcmp(proto_board_name(&n->today_note, "nb", ""), "Kort dag"));
	CHECK(n->nmessages == 2 && strlen(n->messages[0].text.text[0]) == 600);
	int64_t nine = 0;
	CHECK(proto_board_parse_time("2026-11-22T09:00:00.000Z", &nine) == 0);
	CHECK(nine == 1795338000000LL && b.server_ms == 1795340467123LL);
	CHECK(n->messages[0].from_ms == nine && n->messages[0].until_ms == nine + 3600000);
	const struct proto_board_message *at[4];
	CHECK(proto_board_messages_at(&b, nine - 1, at, 4) == 1 && at[0] == &n->messages[1]);
	CHECK(proto_board_messages_at(&b, nine, at, 4) == 2 && at[0] == &n->messages[0]);
	CHECK(proto_board_messages_at(&b, nine + 3600000, at, 4) == 1);
	CHECK(proto_board_messages_at(&b, nine, at, 1) == 1);
	/* an event keeps the notices */
	apply_ok(&b, "{\"type\":\"event\",\"seq\":41,\"kind\":\"counter.closed\",\"at\":\"t\","
		     "\"counter\":\"c2\",\"reason\":\"staff\",\"queues\":[]}");
	CHECK(b.seq == 41 && b.notices.nmessages == 2 && b.notices.today);
	/* bad shapes */
	check_bad(__LINE__, &b,
		  "{\"type\":\"snapshot\",\"seq\":50,\"services\":[],\"counters\":[],\"calls\":[],"
		  "\"notices\":{\"messages\":5}}",
		  -EINVAL, "notices.messages: expected an array, got number");
	check_bad(__LINE__, &b,
		  "{\"type\":\"snapshot\",\"seq\":50,\"services\":[],\"counters\":[],\"calls\":[],"
		  "\"notices\":{\"messages\":[{"
		  "\"id\":\"m\",\"text\":{\"nb\":\"x\"},\"from\":\"yesterday\"}]}}",
		  -EINVAL, "notices.messages[0].from: not an ISO-8601 UTC time");
	check_bad(__LINE__, &b,
		  "{\"type\":\"snapshot\",\"seq\":50,\"services\":[],\"counters\":[],\"calls\":[],"
		  "\"notices\":{\"today\":{"
		  "\"closed\":true,\"hours\":{}}}}",
		  -EINVAL, "notices.today.hours: expected an array of spans");
	CHECK(proto_board_parse_time("2026-11-22T09:00:00+01:00", &nine) == -EINVAL);
	proto_board_close(&b);
}

int main(void)
{
	test_snapshot();
	test_ticket_events();
	test_counter_and_day();
	test_break();
	test_sequence();
	test_skip();
	test_call_cap();
	test_control_characters();
	test_malformed();
	test_names();
	test_notices();
	return check_report("board");
}
