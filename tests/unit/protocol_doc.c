/*
 * protocol_doc.c — the unit tests' reader of proto/PROTOCOL.md's JSON examples, the
 * comparison of an encoder's output with one of them, and the doc's example values that
 * more than one test uses. protocol_doc.h says what it does and which tests use it.
 */
#include "protocol_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#ifndef TORG_SOURCE_ROOT
#define TORG_SOURCE_ROOT "."
#endif

#define ELLIPSIS "\xe2\x80\xa6" /* … */
#define OPEN_KEY "\x01open"	/* the pre-pass's key for a bare … in an object */
#define ANY                                                                                        \
	"\x01"                                                                                     \
	"any" /* the pre-pass's value for a bare … elsewhere */

/* ---- the doc's example values ---- */

static const char *const nav_social[] = {"nav", "social"};
static const char *const nav_social_housing[] = {"nav", "social", "housing"};
const struct proto_text doc_c4_name[2] = {{"nb", "Skranke 4"}, {"en", "Counter 4"}};

static const struct proto_current c4_current = {
    "B007", "nav", PROTO_STATE_CALLED, 1, DOC_TIME + 5 * DOC_MIN, 0};
const struct proto_counter doc_c4 = {
    .id = "c4",
    .name = {doc_c4_name, 2},
    .kind = "counter",
    .open = true,
    .services = DOC_IDS(nav_social),
    .gives = DOC_IDS(nav_social_housing),
    .current = &c4_current,
};
static const struct proto_leg b007_leg = {
    .service = "nav",
    .queued_ms = DOC_TIME,
    .called_ms = DOC_TIME + 312000,
    .wait_s = 312,
    .state = PROTO_STATE_CALLED,
};
const struct proto_ticket doc_b007_staff = {
    .flags = PROTO_TICKET_LEGS,
    .number = "B007",
    .service = "nav",
    .state = PROTO_STATE_CALLED,
    .leg = 1,
    .priority = PROTO_PRIO_NORMAL,
    .issued_ms = DOC_TIME,
    .legs = &b007_leg,
    .nlegs = 1,
};

struct proto_ticket doc_public_ticket(const char *number, const char *service, int kind, int leg)
{
	return (struct proto_ticket){
	    .number = number,
	    .service = service,
	    .state = proto_state_after(kind),
	    .leg = leg,
	    .priority = PROTO_PRIO_NORMAL,
	};
}

/* ---- reading PROTOCOL.md ---- */

#define MAX_EXAMPLES 64
static struct doc_example examples[MAX_EXAMPLES];
static size_t nexamples;
static char *text; /* the whole doc */

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
 * an object's key would be, else the string ANY (see protocol_doc.h). */
char *doc_desugar(const char *s, size_t n)
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
static int add_block(const char *heading, int line, const char *s, size_t n)
{
	char *j = doc_desugar(s, n);
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
		examples[nexamples++] = (struct doc_example){xstrdup(heading), line, v, false};
		at += (size_t)err.position;
	}
	free(j);
	return rc;
}

/* Reads the doc at path: every ```json block, and the inline me answer. 0 or -1. */
static int read_doc(const char *path)
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
	text = b.s;
	int rc = 0, lineno = 0, block_line = 0;
	const char *heading = "", *block = NULL;
	char *head = xstrdup("");
	for (const char *p = text; *p;) {
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
	const char *me = strstr(text, "`GET /api/v1/me` answers `");
	if (me) {
		me += strlen("`GET /api/v1/me` answers `");
		const char *end = strchr(me, '`');
		if (end && add_block("inline: GET /api/v1/me", 0, me, (size_t)(end - me)) != 0)
			rc = -1;
	}
	free(head);
	return rc;
}

int doc_load(const char *path)
{
	if (!path)
		path = TORG_SOURCE_ROOT "/proto/PROTOCOL.md";
	if (read_doc(path) != 0) {
		fprintf(stderr, "%s: cannot read the doc's examples\n", path);
		doc_free();
		return -1;
	}
	return 0;
}

void doc_free(void)
{
	for (size_t i = 0; i < nexamples; i++) {
		free(examples[i].heading);
		json_decref(examples[i].v);
	}
	nexamples = 0;
	free(text);
	text = NULL;
}

const char *doc_text(void)
{
	return text ? text : "";
}

size_t doc_count(void)
{
	return nexamples;
}

const struct doc_example *doc_example(size_t i)
{
	return i < nexamples ? &examples[i] : NULL;
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
json_t *doc_find(const char *heading, bool batch, const char *want_json)
{
	json_t *want = json_loads(want_json, 0, NULL), *found = NULL;
	int n = 0;
	for (size_t i = 0; i < nexamples; i++) {
		struct doc_example *x = &examples[i];
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
int doc_match(const char *what, const char *path, const json_t *doc, const json_t *got)
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
				bad += doc_match(what, sub, d, g);
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
			bad += doc_match(what, sub, json_array_get(doc, i), json_array_get(got, i));
		}
		return bad;
	}
	if (!json_equal((json_t *)doc, (json_t *)got)) {
		mismatch(what, path, "differs", doc, got);
		return 1;
	}
	return 0;
}

int doc_compare(const char *what, const json_t *doc, const json_t *got)
{
	int bad = doc_match(what, "", doc, got);
	if (bad)
		fprintf(stderr, "%s: %d mismatches with PROTOCOL.md\n", what, bad);
	return bad;
}
