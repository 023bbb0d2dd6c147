/* test_proto_encode.c: unit tests of proto/proto_encode.c, the encoders of everything torgd
 * sends, against proto/PROTOCOL.md itself, and of proto/names.c, the vocabulary.
 *
 * The doc examples are read from PROTOCOL.md when the test runs (argv[1], else the source
 * tree's copy), so the doc and the encoders cannot drift apart. Every ```json block is
 * parsed (a block may hold several values one after another), after a pre-pass that makes
 * the doc's bare `…` parseable: in an object where a key would be (`{…}`, `, …}`) it
 * becomes the key OPEN_KEY, "this object may have more keys"; anywhere else (`[ … ]`, a
 * value) the string ANY, "any value; in an array's last place, any further elements".
 * A doc object with the key "…" is open too (the statistics' "total"). Then an encoder's
 * output matches a doc example when every key the doc shows is there with an equal value,
 * and there is no other key unless the doc's object is open; a doc string containing "…"
 * stands for any string or null; arrays match element by element (a trailing ANY allows
 * more); object key order is not compared (the exact bytes of the important shapes are
 * checked separately, below).
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
 *     ticket.issued, ticket.called, ticket.transferred, counter.opened and floor.day, the
 *     phone's ticket status, the replies ok and error, and the error message;
 *   - the two batches (arrays): events 1043 and 1044, and a skip before its event.
 * Each example is filled into the encoder's struct with the example's own values, and the
 * encoder's output compared. Examples no encoder of proto/ makes are listed in not_ours():
 * the client's cmd (parsed by proto.c, tested in test_proto.c) and the statistics
 * (server/stats_out.c); any other example that no check used fails the test, so a new doc
 * example needs a check here.
 *
 * Besides the doc: the exact bytes of each shape (key order is what torgd has always sent),
 * escaping, null for NULL strings and for time 0, times out of the four-digit years, the
 * gone ticket status and the buffer rule of proto_encode_ticket_status, and names.c's
 * tables both ways. Runs as its own process; the last line is
 * "proto_encode: N passed, 0 failed". */
#include "proto_encode.h"

#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"

#ifndef TORG_SOURCE_ROOT
#define TORG_SOURCE_ROOT "."
#endif

#define ELLIPSIS "\xe2\x80\xa6" /* … */
#define OPEN_KEY "\x01open"	/* the pre-pass's key for a bare … in an object */
#define ANY                                                                                        \
	"\x01"                                                                                     \
	"any" /* the pre-pass's value for a bare … elsewhere */

#define T_DOC 1795340467123LL /* 2026-11-22T09:41:07.123Z, the doc's example time */
#define T_MIN 60000LL	      /* one minute */
#define ID    "9f0c4e5d1a2b3c4d5e6f708192a3b4c5"

/* ---- reading PROTOCOL.md ---- */

/* One JSON example of the doc. */
struct example {
	char *heading; /* the nearest heading above it */
	int line;      /* of its block's opening fence */
	json_t *v;
	bool used; /* a check compared something with it */
};

#define MAX_EXAMPLES 64
static struct example examples[MAX_EXAMPLES];
static size_t nexamples;
static char *doc_text;

/* A growing text. */
struct buf {
	char *s;
	size_t len, cap;
};

/* Appends n bytes of s. */
static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = 2 * (b->len + n + 1);
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* The doc's JSON made parseable: each bare … outside strings becomes OPEN_KEY: null where
 * an object's key would be, else the string ANY (see the top of the file). */
static char *desugar(const char *s, size_t n)
{
	struct buf b = {0};
	char stack[64];
	int depth = 0;
	bool in_str = false, esc = false;
	char last = 0; /* the last character outside strings that is not white space */
	put(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			put(&b, &c, 1);
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false, last = '"';
			continue;
		}
		if (!strncmp(s + i, ELLIPSIS, 3)) {
			bool key =
			    depth > 0 && stack[depth - 1] == '{' && (last == '{' || last == ',');
			const char *r = key ? "\"\\u0001open\": null" : "\"\\u0001any\"";
			put(&b, r, strlen(r));
			i += 2;
			last = '"';
			continue;
		}
		if ((c == '{' || c == '[') && depth < (int)sizeof(stack))
			stack[depth++] = c;
		else if ((c == '}' || c == ']') && depth > 0)
			depth--;
		if (c == '"')
			in_str = true;
		if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
			last = c;
		put(&b, &c, 1);
	}
	return b.s;
}

/* Parses the values of one block (one after another) into examples; 0 or -1. */
static int add_block(const char *heading, int line, const char *text, size_t n)
{
	char *j = desugar(text, n);
	size_t len = strlen(j), at = 0;
	int rc = 0;
	for (;;) {
		while (at < len && strchr(" \t\r\n", j[at]))
			at++;
		if (at == len)
			break;
		json_error_t err;
		json_t *v =
		    json_loadb(j + at, len - at, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &err);
		if (!v || nexamples == MAX_EXAMPLES) {
			fprintf(stderr, "PROTOCOL.md:%d: a ```json block does not parse: %s\n",
				line, v ? "too many examples" : err.text);
			json_decref(v);
			rc = -1;
			break;
		}
		examples[nexamples++] = (struct example){xstrdup(heading), line, v, false};
		at += (size_t)err.position;
	}
	free(j);
	return rc;
}

/* Reads the doc at path: every ```json block, and the inline me answer. 0 or -1. */
static int load_doc(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	put(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&b, chunk, n);
	fclose(f);
	doc_text = b.s;
	int rc = 0, lineno = 0, block_line = 0;
	const char *heading = "", *block = NULL;
	char *head = xstrdup("");
	for (const char *p = doc_text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		lineno++;
		if (block && len == 3 && !strncmp(p, "```", 3)) {
			if (add_block(heading, block_line, block, (size_t)(p - block)) != 0)
				rc = -1;
			block = NULL;
		} else if (!block && len == 7 && !strncmp(p, "```json", 7)) {
			block = eol ? eol + 1 : p + len;
			block_line = lineno;
		} else if (!block && *p == '#') {
			free(head);
			head = xstrndup(p, len);
			heading = head;
		}
		p = eol ? eol + 1 : p + len;
	}
	/* "`GET /api/v1/me` answers `{"user": {…}}`": the only answer shown inline */
	const char *me = strstr(doc_text, "`GET /api/v1/me` answers `");
	if (me) {
		me += strlen("`GET /api/v1/me` answers `");
		const char *end = strchr(me, '`');
		if (end && add_block("inline: GET /api/v1/me", 0, me, (size_t)(end - me)) != 0)
			rc = -1;
	}
	free(head);
	return rc;
}

/* True when every key of want (a JSON object) is in v with an equal value. */
static bool has_fields(json_t *v, json_t *want)
{
	const char *k;
	json_t *w;
	if (!json_is_object(v))
		return false;
	json_object_foreach(want, k, w)
	{
		if (!json_equal(json_object_get(v, k), w))
			return false;
	}
	return true;
}

/* The one example under a heading containing heading (NULL: any) that has want's fields
 * (for a batch: its first element has them); NULL, reported, when there is none or more
 * than one. */
static json_t *doc_find(const char *heading, bool batch, const char *want_json)
{
	json_t *want = json_loads(want_json, 0, NULL), *found = NULL;
	int n = 0;
	for (size_t i = 0; i < nexamples; i++) {
		struct example *x = &examples[i];
		json_t *v = batch ? json_array_get(x->v, 0) : x->v;
		if (heading && !strstr(x->heading, heading))
			continue;
		if (batch != json_is_array(x->v) || !want || !has_fields(v, want))
			continue;
		n++;
		found = x->v;
		x->used = true;
	}
	json_decref(want);
	if (n != 1) {
		fprintf(stderr, "PROTOCOL.md: %d examples of %s%s%s, want 1\n", n, want_json,
			heading ? " under " : "", heading ? heading : "");
		return NULL;
	}
	return found;
}

/* ---- comparing ---- */

/* True for the pre-pass's ANY. */
static bool is_any(const json_t *d)
{
	return json_is_string(d) && !strcmp(json_string_value(d), ANY);
}

/* Prints one mismatch at path. */
static void mismatch(const char *what, const char *path, const char *why, const json_t *doc,
		     const json_t *got)
{
	char *ds = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *gs = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	fprintf(stderr, "%s: %s: %s (doc %s, encoder %s)\n", what, *path ? path : "(top)", why,
		ds ? ds : "-", gs ? gs : "-");
	free(ds);
	free(gs);
}

/* Compares an encoder's got with the doc's example at path; returns the mismatches. */
static int match(const char *what, const char *path, const json_t *doc, const json_t *got)
{
	char sub[256];
	int bad = 0;
	if (is_any(doc))
		return 0;
	if (json_is_string(doc) && strstr(json_string_value(doc), ELLIPSIS)) {
		if (json_is_string(got) || json_is_null(got))
			return 0;
		mismatch(what, path, "not a string or null", doc, got);
		return 1;
	}
	if (json_is_object(doc)) {
		if (!json_is_object(got)) {
			mismatch(what, path, "not an object", doc, got);
			return 1;
		}
		bool open = json_object_get(doc, OPEN_KEY) || json_object_get(doc, ELLIPSIS);
		const char *k;
		json_t *d;
		json_object_foreach((json_t *)doc, k, d)
		{
			if (!strcmp(k, OPEN_KEY) || !strcmp(k, ELLIPSIS))
				continue;
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			json_t *g = json_object_get(got, k);
			if (!g) {
				mismatch(what, sub, "missing", d, NULL);
				bad++;
			} else {
				bad += match(what, sub, d, g);
			}
		}
		json_object_foreach((json_t *)got, k, d)
		{
			if (!open && !json_object_get(doc, k)) {
				snprintf(sub, sizeof(sub), "%s.%s", path, k);
				mismatch(what, sub, "a key the doc does not show", NULL, d);
				bad++;
			}
		}
		return bad;
	}
	if (json_is_array(doc)) {
		size_t nd = json_array_size(doc), ng = json_array_size(got);
		bool open = nd > 0 && is_any(json_array_get(doc, nd - 1));
		if (!json_is_array(got) || (open ? ng < nd - 1 : ng != nd)) {
			mismatch(what, path, "not an array of that many elements", doc, got);
			return 1;
		}
		for (size_t i = 0; i < (open ? nd - 1 : nd); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			bad += match(what, sub, json_array_get(doc, i), json_array_get(got, i));
		}
		return bad;
	}
	if (!json_equal((json_t *)doc, (json_t *)got)) {
		mismatch(what, path, "differs", doc, got);
		return 1;
	}
	return 0;
}

/* Checks got (reference taken) against the doc example doc (may be NULL: not found, which
 * fails). */
static void check_doc(const char *what, const json_t *doc, json_t *got)
{
	CHECK(doc != NULL);
	CHECK(got != NULL);
	if (doc && got) {
		int bad = match(what, "", doc, got);
		if (bad)
			fprintf(stderr, "%s: %d mismatches with PROTOCOL.md\n", what, bad);
		CHECK(bad == 0);
	}
	json_decref(got);
}

/* A dumped message parsed back (s is freed). */
static json_t *parsed(char *s)
{
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	return v;
}

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

/* True when s (freed) is exactly want. */
static bool is_text(char *s, const char *want)
{
	bool ok = s && !strcmp(s, want);
	if (!ok)
		fprintf(stderr, "want %s\n got %s\n", want, s ? s : "(null)");
	free(s);
	return ok;
}

/* ---- the examples' values ---- */

static const char *const nav[] = {"nav"};
static const char *const nav_social[] = {"nav", "social"};
static const char *const nav_social_housing[] = {"nav", "social", "housing"};
static const char *const nav_housing[] = {"nav", "housing"};
static const char *const floor_langs[] = {"nb", "nn", "sv", "en"};
static const char *const nb_en[] = {"nb", "en"};
static const char *const reception_nav[] = {"reception", "nav"};
static const struct proto_text c4_name[] = {{"nb", "Skranke 4"}, {"en", "Counter 4"}};

/* A struct proto_ids initializer for an array of ids. */
#define IDS(a)                                                                                     \
	{                                                                                          \
		(a), sizeof(a) / sizeof((a)[0])                                                    \
	}

/* The counter of the counter action answer: c4 calling B007. */
static const struct proto_current c4_current = {
    "B007", "nav", PROTO_STATE_CALLED, 1, T_DOC + 5 * T_MIN, 0};
static const struct proto_counter c4 = {
    .id = "c4",
    .name = {c4_name, 2},
    .kind = "counter",
    .open = true,
    .services = IDS(nav_social),
    .gives = IDS(nav_social_housing),
    .current = &c4_current,
};
/* Its ticket, staff's view with legs. */
static const struct proto_leg b007_leg = {
    .service = "nav",
    .queued_ms = T_DOC,
    .called_ms = T_DOC + 312000,
    .wait_s = 312,
    .state = PROTO_STATE_CALLED,
};
static const struct proto_ticket b007_staff = {
    .flags = PROTO_TICKET_LEGS,
    .number = "B007",
    .service = "nav",
    .state = PROTO_STATE_CALLED,
    .leg = 1,
    .priority = PROTO_PRIO_NORMAL,
    .issued_ms = T_DOC,
    .legs = &b007_leg,
    .nlegs = 1,
};

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
	    .id = ID,
	    .number = "B007",
	    .service = "nav",
	    .state = PROTO_STATE_WAITING,
	    .leg = 1,
	    .priority = PROTO_PRIO_NORMAL,
	    .position = 3,
	    .eta_s = 540,
	    .counter = NULL,
	    .issued_ms = T_DOC,
	    .lang = "nb",
	};
	check_doc("ticket answer", doc_find("### `POST /api/v1/tickets`", false, "{}"),
		  proto_encode_ticket_answer(&t));

	struct proto_leg legs[] = {
	    {"nav", T_DOC, T_DOC + 312000, T_DOC + 320000, T_DOC + 900000, 312, PROTO_STATE_DONE,
	     true},
	    {"housing", T_DOC + 900000, T_DOC + 995000, 0, 0, 95, PROTO_STATE_CALLED, false},
	};
	struct proto_ticket h = {
	    .flags = PROTO_TICKET_HOLDER | PROTO_TICKET_LEGS,
	    .id = ID,
	    .number = "B007",
	    .service = "housing",
	    .state = PROTO_STATE_CALLED,
	    .leg = 2,
	    .priority = PROTO_PRIO_NORMAL,
	    .position = 0,
	    .eta_s = -1,
	    .counter = "c7",
	    .issued_ms = T_DOC,
	    .legs = legs,
	    .nlegs = 2,
	};
	check_doc("holder's view", doc_find("### `GET /api/v1/tickets/{id}`", false, "{}"),
		  proto_encode_ticket_answer(&h));
}

/* Login and me. */
static void test_doc_users(void)
{
	struct proto_user kari = {"kari", "counter", IDS(nav_housing)};
	check_doc("login answer", doc_find("### `POST /api/v1/login`", false, "{}"),
		  proto_encode_login_answer("64 hex digits", T_DOC + 12 * 60 * T_MIN, &kari));
	check_doc("me answer", doc_find("inline: GET /api/v1/me", false, "{}"),
		  proto_encode_me_answer(&kari));
}

/* The counter action answer, and the replies. */
static void test_doc_counter(void)
{
	check_doc("counter answer", doc_find("### Counter actions", false, "{}"),
		  proto_encode_counter_answer(&c4, &b007_staff));
	check_doc("reply ok",
		  doc_find("### cmd / reply", false, "{\"type\": \"reply\", \"ok\": true}"),
		  proto_encode_reply(7, true, proto_encode_counter_answer(&c4, &b007_staff)));
	check_doc("reply error",
		  doc_find("### cmd / reply", false, "{\"type\": \"reply\", \"ok\": false}"),
		  proto_encode_reply(
		      8, false,
		      proto_encode_error_body("counter_busy",
					      "the counter already has a current ticket", NULL)));
}

/* The snapshot. */
static void test_doc_snapshot(void)
{
	static const struct proto_text floor_name[] = {{"nb", "Stovner velferdstorg"},
						       {"en", "Stovner welfare floor"}};
	static const struct proto_text nav_name[] = {
	    {"nb", "NAV"}, {"nn", "NAV"}, {"sv", "NAV"}, {"en", "NAV"}};
	static const struct proto_queued queue[] = {{"B005", PROTO_PRIO_NORMAL, T_DOC - T_MIN}};
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
	    "B004", "nav", PROTO_STATE_SERVING, 1, T_DOC - 3 * T_MIN, T_DOC - 2 * T_MIN};
	static const struct proto_counter counters[] = {{
	    .id = "c4",
	    .name = {c4_name, 2},
	    .kind = "counter",
	    .open = true,
	    .services = IDS(nav),
	    .gives = IDS(nav_social),
	    .current = &cur,
	}};
	static const struct proto_call calls[] = {{"B004", "nav", "c4", T_DOC - 3 * T_MIN, false}};
	/* the doc's display shows no name: torgd has one (the id by default), see the report */
	static const struct proto_display display = {"hall", NULL, IDS(reception_nav), IDS(nb_en)};
	struct proto_snapshot s = {
	    .seq = 1042,
	    .day = 20261122,
	    .server_ms = T_DOC,
	    .floor_id = "stovner",
	    .timezone = "Europe/Oslo",
	    .floor_name = {floor_name, 2},
	    .languages = IDS(floor_langs),
	    .display = &display,
	    .services = services,
	    .nservices = 1,
	    .counters = counters,
	    .ncounters = 1,
	    .calls = calls,
	    .ncalls = 1,
	};
	check_doc("snapshot", doc_find(NULL, false, "{\"type\": \"snapshot\"}"),
		  proto_encode_snapshot(&s));
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
	check_doc("ticket status", doc_find(NULL, false, "{\"type\": \"ticket\"}"),
		  json_loads(buf, 0, NULL));
}

/* The hello torg-display sends (with every field the doc shows). */
static void test_doc_hello(void)
{
	struct proto_hello_out h = {
	    .has_since = true,
	    .since = 1042,
	    .services = IDS(nav),
	    .display = "hall",
	    .ticket = ID,
	    .token = "64 hex digits",
	};
	check_doc("hello", doc_find(NULL, false, "{\"type\": \"hello\"}"),
		  parsed(proto_encode_hello(&h, NULL)));
}

/* The public view of a ticket inside an event. */
static struct proto_ticket public_ticket(const char *number, const char *service, int kind, int leg)
{
	return (struct proto_ticket){
	    .number = number,
	    .service = service,
	    .state = proto_state_after(kind),
	    .leg = leg,
	    .priority = PROTO_PRIO_NORMAL,
	};
}

/* The event examples, each kind the doc shows, and the batches. */
static void test_doc_events(void)
{
	struct proto_ticket b008 = public_ticket("B008", "nav", PROTO_EV_ISSUED, 1);
	struct proto_queue q_issued = {"nav", 4, 720, 610, 2};
	struct proto_event issued = {
	    .seq = 1043,
	    .kind = PROTO_EV_ISSUED,
	    .at_ms = T_DOC,
	    .ticket = &b008,
	    .queues = &q_issued,
	    .nqueues = 1,
	};
	check_doc("ticket.issued", doc_find("### event", false, "{\"kind\": \"ticket.issued\"}"),
		  parsed(proto_encode_event(&issued, NULL)));

	struct proto_ticket b005 = public_ticket("B005", "nav", PROTO_EV_CALLED, 1);
	struct proto_queue q_called = {"nav", 3, 540, 402, 2};
	struct proto_event called = {
	    .seq = 1044,
	    .kind = PROTO_EV_CALLED,
	    .at_ms = T_DOC + T_MIN,
	    .ticket = &b005,
	    .counter = "c4",
	    .queues = &q_called,
	    .nqueues = 1,
	};
	check_doc("ticket.called",
		  doc_find("### event", false, "{\"kind\": \"ticket.called\", \"seq\": 1044}"),
		  parsed(proto_encode_event(&called, NULL)));

	struct proto_ticket b004 = public_ticket("B004", "housing", PROTO_EV_TRANSFERRED, 2);
	struct proto_queue q_tr = {"housing", 1, 300, 0, 1};
	struct proto_event transferred = {
	    .seq = 1045,
	    .kind = PROTO_EV_TRANSFERRED,
	    .at_ms = T_DOC + 2 * T_MIN,
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
	    .at_ms = T_DOC + 3 * T_MIN,
	    .counter = "c5",
	    .services = IDS(nav_social),
	    .queues = q_open,
	    .nqueues = 2,
	};
	check_doc("counter.opened", doc_find("### event", false, "{\"kind\": \"counter.opened\"}"),
		  parsed(proto_encode_event(&opened, NULL)));

	struct proto_event day = {
	    .seq = 1050, .kind = PROTO_EV_DAY, .at_ms = T_DOC + 20 * 60 * T_MIN, .day = 20261123};
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

/* Examples no encoder of proto/ makes: the client's cmd (proto.c parses it) and the
 * statistics' answers (server/stats_out.c). */
static bool not_ours(const struct example *x)
{
	return str_eq(json_string_value(json_object_get(x->v, "type")), "cmd") ||
	       strstr(x->heading, "/api/v1/stats") || strstr(x->heading, "group=staff");
}

/* Every doc example was checked above or is on the list of those that are not ours. */
static void test_doc_all_checked(void)
{
	CHECK(nexamples >= 20);
	for (size_t i = 0; i < nexamples; i++) {
		const struct example *x = &examples[i];
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
	char *j = desugar("{\"a\": [ … ], \"b\": {…}, \"c\": \"x…\", …}",
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
	CHECK(match("matcher", "", doc, ok) == 0);
	CHECK(match("matcher", "", doc, bad) == 2);
	json_t *closed = json_loads("{\"a\": 1, \"b\": [1, {\"c\": \"x\"}]}", 0, NULL);
	json_t *extra = json_loads("{\"a\": 1, \"b\": [1, {\"c\": \"x\", \"d\": 2}]}", 0, NULL);
	CHECK(match("matcher", "", closed, closed) == 0);
	CHECK(match("matcher", "", closed, extra) == 1);
	json_decref(doc);
	json_decref(ok);
	json_decref(bad);
	json_decref(closed);
	json_decref(extra);
}

/* ---- exact bytes ---- */

/* Each shape's keys in the order torgd sends them. */
static void test_exact(void)
{
	struct proto_ticket t = {
	    .flags = PROTO_TICKET_HOLDER,
	    .id = ID,
	    .number = "B007",
	    .service = "nav",
	    .state = PROTO_STATE_WAITING,
	    .leg = 1,
	    .priority = PROTO_PRIO_APPOINTMENT,
	    .position = 3,
	    .eta_s = 540,
	    .issued_ms = T_DOC,
	    .lang = "nb",
	};
	CHECK(dumps_to(proto_encode_ticket_answer(&t),
		       "{\"ticket\":{\"id\":\"" ID "\",\"url\":\"/t/" ID "?lang=nb\","
		       "\"number\":\"B007\",\"service\":\"nav\",\"state\":\"waiting\",\"leg\":1,"
		       "\"priority\":\"appointment\",\"position\":3,\"eta_s\":540,\"counter\":null,"
		       "\"issued_at\":\"2026-11-22T09:41:07.123Z\",\"lang\":\"nb\"}}"));
	t.lang = NULL;
	t.flags |= PROTO_TICKET_LEGS;
	t.counter = "c2";
	CHECK(
	    dumps_to(proto_encode_ticket(&t),
		     "{\"id\":\"" ID "\",\"url\":\"/t/" ID "\",\"number\":\"B007\","
		     "\"service\":\"nav\",\"state\":\"waiting\",\"leg\":1,"
		     "\"priority\":\"appointment\",\"position\":3,\"eta_s\":540,\"counter\":\"c2\","
		     "\"issued_at\":\"2026-11-22T09:41:07.123Z\",\"legs\":[]}"));
	CHECK(dumps_to(proto_encode_ticket_answer(NULL), "{\"ticket\":null}"));
	CHECK(
	    dumps_to(proto_encode_counter_answer(&c4, &b007_staff),
		     "{\"counter\":{\"id\":\"c4\",\"name\":{\"nb\":\"Skranke 4\",\"en\":\"Counter "
		     "4\"},\"kind\":\"counter\",\"open\":true,\"services\":[\"nav\",\"social\"],"
		     "\"gives\":[\"nav\",\"social\",\"housing\"],\"current\":{\"number\":\"B007\","
		     "\"service\":\"nav\",\"state\":\"called\",\"leg\":1,"
		     "\"called_at\":\"2026-11-22T09:46:07.123Z\",\"started_at\":null}},"
		     "\"ticket\":{\"number\":\"B007\",\"service\":\"nav\",\"state\":\"called\","
		     "\"leg\":1,\"priority\":\"normal\",\"issued_at\":\"2026-11-22T09:41:07.123Z\","
		     "\"legs\":[{\"service\":\"nav\",\"queued_at\":\"2026-11-22T09:41:07.123Z\","
		     "\"called_at\":\"2026-11-22T09:46:19.123Z\",\"started_at\":null,"
		     "\"ended_at\":null,\"wait_s\":312,\"outcome\":null}]}}"));
	struct proto_counter closed = {.id = "r1", .kind = "room"};
	CHECK(dumps_to(proto_encode_counter_answer(&closed, NULL),
		       "{\"counter\":{\"id\":\"r1\",\"name\":{},\"kind\":\"room\",\"open\":false,"
		       "\"services\":[],\"gives\":[],\"current\":null}}"));
	struct proto_user all = {"ola", "admin", {NULL, 0}};
	CHECK(dumps_to(proto_encode_login_answer("ab", T_DOC, &all),
		       "{\"token\":\"ab\",\"expires_at\":\"2026-11-22T09:41:07.123Z\","
		       "\"user\":{\"name\":\"ola\",\"role\":\"admin\",\"services\":[]}}"));
	CHECK(dumps_to(proto_encode_me_answer(&all),
		       "{\"user\":{\"name\":\"ola\",\"role\":\"admin\",\"services\":[]}}"));
	CHECK(dumps_to(proto_encode_health("0.1.0", 7),
		       "{\"status\":\"ok\",\"version\":\"0.1.0\",\"protocol\":\"torg.v1\","
		       "\"seq\":7}"));
	CHECK(
	    dumps_to(proto_encode_service_closed("the service is closed now", T_DOC),
		     "{\"error\":{\"code\":\"service_closed\",\"message\":\"the service is closed "
		     "now\",\"opens_at\":\"2026-11-22T09:41:07.123Z\"}}"));
	CHECK(dumps_to(proto_encode_service_closed(NULL, 0),
		       "{\"error\":{\"code\":\"service_closed\",\"message\":\"service_closed\","
		       "\"opens_at\":null}}"));
	struct proto_queue q = {"nav", 1, -1, 0, 0};
	CHECK(dumps_to(proto_encode_queue(&q), "{\"service\":\"nav\",\"waiting\":1,\"eta_s\":-1,"
					       "\"longest_wait_s\":0,\"counters_open\":0}"));
}

/* Each event kind's fields in torgd's order. */
static void test_exact_events(void)
{
	struct proto_ticket b004 = public_ticket("B004", "housing", PROTO_EV_TRANSFERRED, 2);
	struct proto_queue q[] = {{"nav", 0, -1, 0, 1}, {"housing", 1, 300, 0, 1}};
	struct proto_event ev = {
	    .seq = 9,
	    .kind = PROTO_EV_TRANSFERRED,
	    .at_ms = T_DOC,
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
	struct proto_ticket b001 = public_ticket("A001", "reception", PROTO_EV_CANCELLED, 1);
	b001.priority = PROTO_PRIO_ACCESSIBILITY;
	ev = (struct proto_event){.seq = 10,
				  .kind = PROTO_EV_CANCELLED,
				  .at_ms = T_DOC,
				  .ticket = &b001,
				  .reason = PROTO_REASON_DAY_END};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":10,\"kind\":\"ticket.cancelled\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"ticket\":{\"number\":\"A001\","
		      "\"service\":\"reception\",\"state\":\"cancelled\",\"leg\":1,"
		      "\"priority\":\"accessibility\"},\"reason\":\"day_end\",\"queues\":[]}"));
	/* a ticket event whose ticket is unknown has "ticket": null */
	ev = (struct proto_event){
	    .seq = 11, .kind = PROTO_EV_CALLED, .at_ms = T_DOC, .counter = "c1"};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":11,\"kind\":\"ticket.called\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"ticket\":null,\"counter\":\"c1\","
		      "\"queues\":[]}"));
	ev = (struct proto_event){.seq = 12,
				  .kind = PROTO_EV_COUNTER_CLOSED,
				  .at_ms = T_DOC,
				  .counter = "c1",
				  .reason = PROTO_REASON_STAFF};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":12,\"kind\":\"counter.closed\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"counter\":\"c1\",\"reason\":\"staff\","
		      "\"queues\":[]}"));
	ev = (struct proto_event){
	    .seq = 13, .kind = PROTO_EV_COUNTER_OPENED, .at_ms = T_DOC, .counter = "c1"};
	ev.services = (struct proto_ids)IDS(nav_housing);
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":13,\"kind\":\"counter.opened\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"counter\":\"c1\","
		      "\"services\":[\"nav\",\"housing\"],\"queues\":[]}"));
	ev = (struct proto_event){.seq = 14, .kind = PROTO_EV_DAY, .at_ms = T_DOC, .day = 20270101};
	CHECK(is_text(proto_encode_event(&ev, NULL),
		      "{\"type\":\"event\",\"seq\":14,\"kind\":\"floor.day\","
		      "\"at\":\"2026-11-22T09:41:07.123Z\",\"day\":\"2027-01-01\",\"queues\":[]}"));
}

/* The snapshot's shape, the messages printed into buffers, and the hello. */
static void test_exact_messages(void)
{
	static const struct proto_text nb[] = {{"nb", "Torg"}};
	static const struct proto_queued queue[] = {{"A001", PROTO_PRIO_NORMAL, T_DOC}};
	struct proto_service svc = {
	    .id = "nav",
	    .prefix = "A",
	    .icon = "ticket",
	    .name = {nb, 1},
	    .target_wait_s = 600,
	    .open = false,
	    .opens_at_ms = T_DOC,
	    .queue_figs = {"ignored", 1, -1, 0, 0},
	    .queue = queue,
	    .nqueue = 1,
	};
	struct proto_call call = {"A001", "nav", NULL, T_DOC, true};
	struct proto_display d = {"hall", "Hall", IDS(nav), IDS(nb_en)};
	struct proto_snapshot s = {
	    .seq = 3,
	    .day = 20261122,
	    .server_ms = T_DOC,
	    .floor_id = "f",
	    .timezone = "UTC",
	    .floor_name = {nb, 1},
	    .languages = IDS(nb_en),
	    .display = &d,
	    .services = &svc,
	    .nservices = 1,
	    .calls = &call,
	    .ncalls = 1,
	};
	CHECK(dumps_to(
	    proto_encode_snapshot(&s),
	    "{\"type\":\"snapshot\",\"protocol\":\"torg.v1\",\"seq\":3,"
	    "\"day\":\"2026-11-22\",\"server_time\":\"2026-11-22T09:41:07.123Z\","
	    "\"floor\":{\"id\":\"f\",\"name\":{\"nb\":\"Torg\"},\"timezone\":\"UTC\","
	    "\"languages\":[\"nb\",\"en\"]},\"display\":{\"id\":\"hall\",\"name\":\"Hall\","
	    "\"services\":[\"nav\"],\"languages\":[\"nb\",\"en\"]},\"services\":[{"
	    "\"id\":\"nav\",\"waiting\":1,\"eta_s\":-1,\"longest_wait_s\":0,"
	    "\"counters_open\":0,\"prefix\":\"A\",\"name\":{\"nb\":\"Torg\"},"
	    "\"icon\":\"ticket\",\"target_wait_s\":600,\"open\":false,"
	    "\"opens_at\":\"2026-11-22T09:41:07.123Z\",\"queue\":[{\"number\":\"A001\","
	    "\"priority\":\"normal\",\"queued_at\":\"2026-11-22T09:41:07.123Z\"}]}],"
	    "\"counters\":[],\"calls\":[{\"number\":\"A001\",\"service\":\"nav\","
	    "\"counter\":null,\"at\":\"2026-11-22T09:41:07.123Z\",\"recall\":true}]}"));
	/* open: opens_at is null whatever the field holds; no display: left out */
	svc.open = true;
	s.display = NULL;
	json_t *o = proto_encode_snapshot(&s);
	CHECK(json_is_null(
	    json_object_get(json_array_get(json_object_get(o, "services"), 0), "opens_at")));
	CHECK(json_object_get(o, "display") == NULL);
	json_decref(o);

	struct proto_hello_out h = {0};
	size_t len = 0;
	char *hello = proto_encode_hello(&h, &len);
	CHECK(len == strlen("{\"type\":\"hello\"}"));
	CHECK(is_text(hello, "{\"type\":\"hello\"}"));
	h = (struct proto_hello_out){true, 0, IDS(nav_housing), "hall", NULL, NULL};
	CHECK(is_text(proto_encode_hello(&h, NULL),
		      "{\"type\":\"hello\",\"since\":0,\"services\":[\"nav\",\"housing\"],"
		      "\"display\":\"hall\"}"));
	CHECK(is_text(proto_encode_resume(0, 18446744073709551615ULL, &len),
		      "{\"type\":\"resume\",\"since\":0,\"seq\":18446744073709551615}"));
	char buf[48];
	CHECK(proto_encode_skip(buf, sizeof(buf), UINT64_MAX) == strlen(buf));
	CHECK(!strcmp(buf, "{\"type\":\"skip\",\"seq\":18446744073709551615}"));
	CHECK(dumps_to(proto_encode_reply(3, true, NULL),
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
	json_t *t0 = proto_time(0);
	CHECK(json_is_null(t0));
	json_decref(t0);
	t0 = proto_time(-1);
	CHECK(str_eq(json_string_value(t0), "1969-12-31T23:59:59.999Z"));
	json_decref(t0);
	struct proto_leg leg = {.service = "nav", .state = PROTO_STATE_WAITING};
	struct proto_ticket t = {.flags = PROTO_TICKET_HOLDER | PROTO_TICKET_LEGS,
				 .id = ID,
				 .number = "A001",
				 .service = "nav",
				 .legs = &leg,
				 .nlegs = 1};
	json_t *o = proto_encode_ticket(&t);
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
	o = proto_encode_ticket(&t);
	l = json_array_get(json_object_get(o, "legs"), 0);
	CHECK(str_eq(json_string_value(json_object_get(l, "outcome")), "no_show"));
	json_decref(o);
	leg.state = PROTO_STATE_DONE;
	leg.handed_on = true;
	o = proto_encode_ticket(&t);
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
	proto_format_time(T_DOC, buf, sizeof(buf));
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

/* ---- names.c ---- */

/* Every name maps back to its number, numbers outside a table give NULL, and names that are
 * not one give -1; plus the helpers on top of the tables. (The op names and paths' own
 * checks are in test_proto.c.) */
static void test_names(void)
{
	for (int m = 0; m <= PROTO_MSG_MAX; m++) {
		CHECK(proto_msg_name(m) != NULL);
		for (int k = 0; k < m; k++)
			CHECK(strcmp(proto_msg_name(m), proto_msg_name(k)) != 0);
	}
	CHECK(proto_msg_name(-1) == NULL && proto_msg_name(PROTO_MSG_MAX + 1) == NULL);
	CHECK(str_eq(proto_msg_name(PROTO_MSG_SNAPSHOT), "snapshot"));

	for (int k = PROTO_EV_ISSUED; k <= PROTO_EV_KIND_MAX; k++) {
		CHECK(proto_event_name(k) != NULL);
		CHECK(proto_event_from_name(proto_event_name(k)) == k);
		/* the doc's table of kinds has a row for each */
		char row[64];
		snprintf(row, sizeof(row), "| `%s` |", proto_event_name(k));
		CHECK(strstr(doc_text, row) != NULL);
	}
	CHECK(proto_event_name(0) == NULL && proto_event_name(PROTO_EV_KIND_MAX + 1) == NULL);
	CHECK(proto_event_name(-1) == NULL);
	CHECK(proto_event_from_name("ticket.") == -1 && proto_event_from_name("called") == -1);
	CHECK(proto_event_from_name("") == -1 && proto_event_from_name(NULL) == -1);

	for (int k = -1; k <= PROTO_EV_KIND_MAX + 1; k++)
		CHECK(proto_event_has_ticket(k) ==
		      (k >= PROTO_EV_ISSUED && k <= PROTO_EV_CANCELLED));
	static const int after[][2] = {
	    {PROTO_EV_ISSUED, PROTO_STATE_WAITING},
	    {PROTO_EV_CALLED, PROTO_STATE_CALLED},
	    {PROTO_EV_RECALLED, PROTO_STATE_CALLED},
	    {PROTO_EV_SERVING, PROTO_STATE_SERVING},
	    {PROTO_EV_DONE, PROTO_STATE_DONE},
	    {PROTO_EV_NO_SHOW, PROTO_STATE_NO_SHOW},
	    {PROTO_EV_TRANSFERRED, PROTO_STATE_WAITING},
	    {PROTO_EV_CANCELLED, PROTO_STATE_CANCELLED},
	    {PROTO_EV_COUNTER_OPENED, -1},
	    {PROTO_EV_COUNTER_CLOSED, -1},
	    {PROTO_EV_DAY, -1},
	    {0, -1},
	    {-1, -1},
	    {PROTO_EV_KIND_MAX + 1, -1},
	};
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		CHECK(proto_state_after(after[i][0]) == after[i][1]);

	for (int s = 0; s <= PROTO_STATE_MAX; s++) {
		CHECK(proto_state_name(s) != NULL);
		CHECK(proto_state_from_name(proto_state_name(s)) == s);
	}
	CHECK(proto_state_name(-1) == NULL && proto_state_name(PROTO_STATE_MAX + 1) == NULL);
	CHECK(proto_state_from_name("transferred") == -1 && proto_state_from_name(NULL) == -1);

	for (int s = 0; s <= PROTO_STATE_MAX; s++) {
		const char *o = proto_outcome_name(s, false), *h = proto_outcome_name(s, true);
		if (s < PROTO_STATE_DONE)
			CHECK(o == NULL && h == NULL);
		else
			CHECK(str_eq(o, proto_state_name(s)) &&
			      str_eq(h, s == PROTO_STATE_DONE ? "transferred" : o));
	}

	CHECK(proto_reason_name(PROTO_REASON_NONE) == NULL);
	for (int r = PROTO_REASON_VISITOR; r <= PROTO_REASON_MAX; r++) {
		CHECK(proto_reason_name(r) != NULL);
		CHECK(proto_reason_from_name(proto_reason_name(r)) == r);
	}
	CHECK(proto_reason_name(-1) == NULL && proto_reason_name(PROTO_REASON_MAX + 1) == NULL);
	CHECK(proto_reason_from_name("none") == -1 && proto_reason_from_name(NULL) == -1);

	for (int p = 0; p < PROTO_PRIORITIES; p++)
		CHECK(proto_priority_from_name(proto_priority_name(p)) == p);
	CHECK(proto_priority_name(PROTO_PRIORITIES) == NULL);
	CHECK(proto_priority_from_name("urgent") == -1 && proto_priority_from_name(NULL) == -1);

	CHECK(str_eq(proto_position_name(true), "front"));
	CHECK(str_eq(proto_position_name(false), "back"));

	for (int op = 0; op <= PROTO_OP_MAX; op++)
		CHECK(proto_op_path(op) != NULL && proto_op_from_path(proto_op_path(op)) == op);
	CHECK(proto_op_path(-1) == NULL && proto_op_path(PROTO_OP_MAX + 1) == NULL);
}

int main(int argc, char **argv)
{
	const char *doc = argc > 1 ? argv[1] : TORG_SOURCE_ROOT "/proto/PROTOCOL.md";
	if (load_doc(doc) != 0) {
		fprintf(stderr, "%s: cannot read the doc's examples\n", doc);
		return 1;
	}
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
	test_exact();
	test_exact_events();
	test_exact_messages();
	test_escaping();
	test_nulls();
	test_times();
	test_gone();
	test_ticket_status_buffer();
	test_names();
	for (size_t i = 0; i < nexamples; i++) {
		free(examples[i].heading);
		json_decref(examples[i].v);
	}
	free(doc_text);
	return check_report("proto_encode");
}
