/* fuzz_board.c: libFuzzer driver for proto/board, the client's handling of incoming
 * frames. An input is a sequence of server frames separated by NUL bytes; when its first
 * byte is odd a valid snapshot is applied first, so events, resumes and gaps are reached.
 * Each frame goes through proto_board_apply and the driver aborts when the contract
 * breaks: a result outside 0 / -EINVAL / -E2BIG, a failure without a cause or that
 * changes the board or leaves anything in the result, a success with a cause, more than
 * ten calls, a new call without number or service, seq going back without a snapshot, a
 * stored string holding a control character, or a board whose dump is not valid JSON.
 * Leaks are caught by libFuzzer's leak checker. board.c and board_read.c are included (not
 * only linked) for their internals.
 *
 * Speed: whether a frame changed the board is told by a fingerprint of every field of the
 * board (a 64-bit FNV-1a over its strings and numbers, no allocation), so the JSON dump
 * and its re-parse run only for frames that changed the board; they used to run three
 * times for every frame, which with ASan's allocator kept the driver near 100 exec/s. */
#include "board.c"
#include "board_read.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

static const char SNAPSHOT[] =
    "{\"type\":\"snapshot\",\"seq\":5,\"day\":\"2026-11-22\",\"floor\":{\"id\":\"f\","
    "\"name\":{\"nb\":\"Torg\"},\"languages\":[\"nb\",\"en\"]},\"services\":[{\"id\":\"nav\","
    "\"prefix\":\"B\",\"name\":{\"nb\":\"NAV\"},\"waiting\":1,\"eta_s\":60,\"longest_wait_s\":"
    "3,\"counters_open\":1}],\"counters\":[{\"id\":\"c1\",\"name\":{\"en\":\"Counter 1\"},"
    "\"open\":true,\"current\":null}],\"calls\":[{\"number\":\"B001\",\"service\":\"nav\","
    "\"counter\":\"c1\",\"at\":null,\"recall\":false}]}";

/* Checks that s is NULL or free of C0 controls, DEL and C1 controls. */
static void check_clean(const char *s)
{
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		want(*p >= 0x20 && *p != 0x7f);
		want(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
	}
}

/* Folds n bytes of p into the FNV-1a hash *h. */
static void fp_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
}

/* Folds a string (NULL distinct from "") into *h. */
static void fp_str(uint64_t *h, const char *s)
{
	if (!s) {
		fp_bytes(h, "\xff\xfe", 2);
		return;
	}
	fp_bytes(h, s, strlen(s) + 1);
}

/* Folds a number into *h. */
static void fp_num(uint64_t *h, uint64_t v)
{
	fp_bytes(h, &v, sizeof(v));
}

/* Folds a names object into *h. */
static void fp_names(uint64_t *h, const struct proto_board_names *n)
{
	fp_num(h, n->n);
	for (size_t i = 0; i < n->n; i++) {
		fp_str(h, n->lang[i]);
		fp_str(h, n->text[i]);
	}
}

/* A fingerprint of every field of the board. */
static uint64_t fingerprint(const struct proto_board *b)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	fp_num(&h, b->have_base);
	fp_num(&h, b->seq);
	fp_str(&h, b->day);
	fp_str(&h, b->floor_id);
	fp_names(&h, &b->floor_name);
	fp_num(&h, b->nlanguages);
	for (size_t i = 0; i < b->nlanguages; i++)
		fp_str(&h, b->languages[i]);
	fp_str(&h, b->display_id);
	fp_str(&h, b->display_name);
	fp_num(&h, b->nservices);
	for (size_t i = 0; i < b->nservices; i++) {
		const struct proto_board_service *s = &b->services[i];
		fp_str(&h, s->id);
		fp_str(&h, s->prefix);
		fp_names(&h, &s->name);
		fp_num(&h, s->open);
		fp_num(&h, (uint64_t)s->waiting);
		fp_num(&h, (uint64_t)s->eta_s);
		fp_num(&h, (uint64_t)s->longest_wait_s);
		fp_num(&h, (uint64_t)s->counters_open);
	}
	fp_num(&h, b->ncounters);
	for (size_t i = 0; i < b->ncounters; i++) {
		const struct proto_board_counter *c = &b->counters[i];
		fp_str(&h, c->id);
		fp_names(&h, &c->name);
		fp_num(&h, c->open);
		fp_str(&h, c->current);
		fp_str(&h, c->current_service);
		fp_num(&h, c->serving);
	}
	fp_num(&h, b->ncalls);
	for (size_t i = 0; i < b->ncalls && i < PROTO_BOARD_MAX_CALLS; i++) {
		const struct proto_board_call *c = &b->calls[i];
		fp_str(&h, c->number);
		fp_str(&h, c->service);
		fp_str(&h, c->counter);
		fp_str(&h, c->at);
		fp_num(&h, c->recall);
	}
	return h;
}

/* Checks the names' shape and strings. */
static void check_names(const struct proto_board_names *n)
{
	want(n->n <= PROTO_BOARD_MAX_NAMES);
	for (size_t i = 0; i < n->n; i++) {
		want(n->lang[i] && n->text[i]);
		check_clean(n->lang[i]);
		check_clean(n->text[i]);
	}
}

/* Checks the board's invariants; with dump, also that its dump is valid JSON. */
static void check_board(const struct proto_board *b, bool dump)
{
	want(b->ncalls <= PROTO_BOARD_MAX_CALLS);
	want(b->nservices <= PROTO_BOARD_MAX_SERVICES && b->ncounters <= PROTO_BOARD_MAX_COUNTERS);
	want(b->have_base || (b->nservices == 0 && b->ncounters == 0 && b->ncalls == 0));
	check_clean(b->day);
	check_clean(b->floor_id);
	check_clean(b->display_id);
	check_clean(b->display_name);
	check_names(&b->floor_name);
	for (size_t i = 0; i < b->nlanguages; i++)
		check_clean(b->languages[i]);
	for (size_t i = 0; i < b->nservices; i++) {
		const struct proto_board_service *s = &b->services[i];
		want(s->id && s->prefix && s->waiting >= 0 && s->eta_s >= -1);
		check_clean(s->id);
		check_clean(s->prefix);
		check_names(&s->name);
	}
	for (size_t i = 0; i < b->ncounters; i++) {
		const struct proto_board_counter *c = &b->counters[i];
		want(c->id && (c->current != NULL) == (c->current_service != NULL));
		want(c->current || !c->serving);
		check_clean(c->id);
		check_clean(c->current);
		check_names(&c->name);
	}
	for (size_t i = 0; i < b->ncalls; i++) {
		want(b->calls[i].number && b->calls[i].service);
		check_clean(b->calls[i].number);
		check_clean(b->calls[i].counter);
		check_clean(b->calls[i].at);
	}
	if (!dump)
		return;
	char *text = proto_board_dump(b);
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);
	want(v != NULL);
	json_decref(v);
	free(text);
}

/* Applies one frame and checks the contract; *fp is the board's fingerprint, kept up to
 * date. */
static void apply_one(struct proto_board *b, const char *buf, size_t len, uint64_t *fp)
{
	struct proto_board_result r;
	char *cause = NULL;
	uint64_t seq = b->seq;
	int rc = proto_board_apply(b, buf, len, &r, &cause);
	uint64_t after = fingerprint(b);
	if (rc != 0) {
		want(rc == -EINVAL || rc == -E2BIG);
		want(cause && cause[0]);
		want(r.flags == 0 && r.calls == NULL && r.ncalls == 0 && r.error == NULL);
		want(after == *fp);
		free(cause);
	} else {
		want(cause == NULL);
		want((r.flags & PROTO_BOARD_SNAPSHOT) || b->seq >= seq);
		for (size_t i = 0; i < r.ncalls; i++) {
			want(r.calls[i].number && r.calls[i].service);
			check_clean(r.calls[i].number);
			check_clean(r.calls[i].service);
		}
		check_clean(r.error);
		if (!(r.flags & PROTO_BOARD_CHANGED))
			want(r.ncalls == 0);
		proto_board_result_clear(&r);
	}
	check_board(b, after != *fp);
	*fp = after;
}

/* libFuzzer entry: see the file comment for the input format. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_board b;
	proto_board_init(&b);
	uint64_t fp = fingerprint(&b);
	check_board(&b, true);
	if (size && (data[0] & 1))
		apply_one(&b, SNAPSHOT, strlen(SNAPSHOT), &fp);
	const char *p = (const char *)data + (size ? 1 : 0), *end = (const char *)data + size;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
		apply_one(&b, p, len, &fp);
		p += len + 1;
	}
	proto_board_close(&b);
	return 0;
}
