/*
 * protocol_doc.h — what the unit tests of the protocol share: a reader of the JSON examples of
 * proto/PROTOCOL.md, a comparison of an encoder's output with one of them, and the doc's
 * example values that more than one test fills into proto_encode.h's structs.
 *
 * Reading: doc_load reads the doc and parses every ```json block (a block may hold several
 * values one after another), after a pre-pass (doc_desugar) that makes the doc's bare `…`
 * parseable: in an object where a key would be (`{…}`, `, …}`) it becomes a key meaning
 * "this object may have more keys"; anywhere else (`[ … ]`, a value) a string meaning "any
 * value; in an array's last place, any further elements". A doc object with the key "…" is
 * open too (the statistics' "total"). The one answer the doc shows inline (after
 * "`GET /api/v1/me` answers") is an example too, under the heading "inline: GET /api/v1/me".
 *
 * Comparing (doc_match): an encoder's output matches a doc example when every key the doc
 * shows is there with an equal value, and there is no other key unless the doc's object is
 * open; a doc string containing "…" stands for any string or null; arrays match element by
 * element (a trailing bare … allows more); object key order is not compared (the tests check
 * the exact bytes of the important shapes separately).
 *
 * Used by test_proto_doc.c (the doc's examples against the encoders), test_proto_encode.c
 * (the example values below, for its exact bytes) and test_names.c (doc_text, for the doc's
 * table of event kinds). It counts no checks itself (check.h's counters belong to the test's
 * own .c file): its functions say what they found, and the test checks that.
 */
#ifndef TORG_PROTOCOL_DOC_H
#define TORG_PROTOCOL_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "proto_encode.h"

/* ---- the doc's example values ---- */

#define DOC_TIME 1795340467123LL /* 2026-11-22T09:41:07.123Z, the doc's example time */
#define DOC_MIN	 60000LL	 /* one minute */
#define DOC_ID	 "9f0c4e5d1a2b3c4d5e6f708192a3b4c5"

/* A struct proto_ids initializer for an array of ids. */
#define DOC_IDS(a)                                                                                 \
	{                                                                                          \
		(a), sizeof(a) / sizeof((a)[0])                                                    \
	}

/* The name of counter c4: {"nb": "Skranke 4", "en": "Counter 4"}. */
extern const struct proto_text doc_c4_name[2];
/* The counter of the counter action answer: c4 calling B007. */
extern const struct proto_counter doc_c4;
/* Its ticket, staff's view with legs. */
extern const struct proto_ticket doc_b007_staff;

/* The public view of a ticket inside an event: in the state kind leaves it, priority normal. */
struct proto_ticket doc_public_ticket(const char *number, const char *service, int kind, int leg);

/* ---- reading PROTOCOL.md ---- */

/* One JSON example of the doc. */
struct doc_example {
	char *heading; /* the nearest heading above it */
	int line;      /* of its block's opening fence (0: inline) */
	json_t *v;
	bool used; /* a doc_find matched it */
};

/* Reads the doc at path (NULL: the source tree's proto/PROTOCOL.md): its text and every
 * example. 0, or -1 said on stderr. */
int doc_load(const char *path);

/* Frees what doc_load read. */
void doc_free(void);

/* The doc's whole text ("" before doc_load). */
const char *doc_text(void);

/* The number of examples, and the i-th (in the doc's order). */
size_t doc_count(void);
const struct doc_example *doc_example(size_t i);

/* The one example under a heading containing heading (NULL: any) that has want_json's fields
 * (for a batch, an array: its first element has them), marked used; NULL, said on stderr, when
 * there is none or more than one. Borrowed. */
json_t *doc_find(const char *heading, bool batch, const char *want_json);

/* ---- comparing ---- */

/* The doc's JSON text s (n bytes) made parseable (see the top); malloc'd. */
char *doc_desugar(const char *s, size_t n);

/* Compares got with the doc's example doc at path ("" for the top); prints each mismatch
 * under what's name and returns their number. */
int doc_match(const char *what, const char *path, const json_t *doc, const json_t *got);

/* doc_match from the top, with a closing line on stderr when anything differs. */
int doc_compare(const char *what, const json_t *doc, const json_t *got);

#endif
