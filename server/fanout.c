/*
 * fanout.c — the ring of pre-encoded events shared by all sessions (see
 * fanout.h). Indexing is seq modulo the capacity, so a lookup is O(1).
 */
#include "fanout.h"

#include <stdlib.h>

#include "util.h"

void fanout_init(struct fanout *fo, uint64_t next)
{
	fo->ring = xcalloc(FANOUT_CAP, sizeof(*fo->ring));
	fo->first = fo->next = next;
	fo->bytes = 0;
}

void fanout_close(struct fanout *fo)
{
	for (uint64_t s = fo->first; s < fo->next; s++)
		free(fo->ring[s & (FANOUT_CAP - 1)].json);
	free(fo->ring);
	fo->ring = NULL;
	fo->first = fo->next = 0;
}

void fanout_push(struct fanout *fo, uint64_t seq, uint64_t mask, char *json, size_t len)
{
	if (fo->first == fo->next && seq != fo->next)
		fo->first = fo->next = seq; /* empty log: start where the journal is */
	if (seq != fo->next)
		fatal("fanout: event %llu pushed after %llu", (unsigned long long)seq,
		      (unsigned long long)fo->next);
	if (fo->next - fo->first == FANOUT_CAP) {
		free(fo->ring[fo->first & (FANOUT_CAP - 1)].json);
		fo->first++;
	}
	struct fanout_entry *e = &fo->ring[seq & (FANOUT_CAP - 1)];
	e->seq = seq;
	e->mask = mask;
	e->json = json;
	e->len = len;
	fo->bytes += len;
	e->end = fo->bytes;
	fo->next = seq + 1;
}

const struct fanout_entry *fanout_get(const struct fanout *fo, uint64_t seq)
{
	if (seq < fo->first || seq >= fo->next)
		return NULL;
	return &fo->ring[seq & (FANOUT_CAP - 1)];
}

uint64_t fanout_bytes_from(const struct fanout *fo, uint64_t seq)
{
	if (seq >= fo->next)
		return 0;
	if (seq < fo->first)
		return UINT64_MAX;
	const struct fanout_entry *e = &fo->ring[seq & (FANOUT_CAP - 1)];
	return fo->bytes - (e->end - e->len);
}
