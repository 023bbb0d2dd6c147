/*
 * test_fanout.c — the shared log of pre-encoded events: pushing in order, looking up by
 * seq, evicting the oldest when full (a session whose cursor falls before `first` must
 * be given a snapshot), starting at the journal's position after a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "util.h"

#include "check.h"

/* Pushes event seq with a body naming it. */
static void push(struct fanout *fo, uint64_t seq, uint64_t mask)
{
	char *json = xasprintf("{\"seq\":%llu}", (unsigned long long)seq);
	fanout_push(fo, seq, mask, json, strlen(json));
}

/* Lookups in a log that has not wrapped. */
static void test_in_order(void)
{
	struct fanout fo;
	fanout_init(&fo, 1);
	CHECK(fo.first == 1 && fo.next == 1);
	CHECK(fanout_get(&fo, 1) == NULL);
	for (uint64_t s = 1; s <= 10; s++)
		push(&fo, s, s % 2 ? 1 : FANOUT_ALL);
	CHECK(fo.first == 1 && fo.next == 11);
	const struct fanout_entry *e = fanout_get(&fo, 7);
	CHECK(e && e->seq == 7 && strcmp(e->json, "{\"seq\":7}") == 0 && e->len == 9);
	CHECK(e && e->mask == 1);
	CHECK(fanout_get(&fo, 8) && fanout_get(&fo, 8)->mask == FANOUT_ALL);
	CHECK(fanout_get(&fo, 0) == NULL);
	CHECK(fanout_get(&fo, 11) == NULL);
	/* bytes from a seq to the newest: 1..9 are 9 bytes each, 10 is 10 */
	CHECK(fanout_bytes_from(&fo, 1) == 9 * 9 + 10);
	CHECK(fanout_bytes_from(&fo, 7) == 3 * 9 + 10);
	CHECK(fanout_bytes_from(&fo, 10) == 10);
	CHECK(fanout_bytes_from(&fo, 11) == 0);
	CHECK(fanout_bytes_from(&fo, 0) == UINT64_MAX);
	fanout_close(&fo);
}

/* A full log drops its oldest entry for each new one. */
static void test_eviction(void)
{
	struct fanout fo;
	fanout_init(&fo, 1);
	uint64_t last = FANOUT_CAP + 100;
	for (uint64_t s = 1; s <= last; s++)
		push(&fo, s, 1);
	CHECK(fo.next == last + 1);
	CHECK(fo.first == last + 1 - FANOUT_CAP);
	CHECK(fanout_get(&fo, 100) == NULL); /* evicted: such a client gets a snapshot */
	CHECK(fanout_bytes_from(&fo, 100) == UINT64_MAX);
	CHECK(fanout_bytes_from(&fo, last) == fanout_get(&fo, last)->len);
	CHECK(fanout_bytes_from(&fo, last - 1) ==
	      fanout_get(&fo, last)->len + fanout_get(&fo, last - 1)->len);
	CHECK(fanout_get(&fo, fo.first) && fanout_get(&fo, fo.first)->seq == fo.first);
	CHECK(fanout_get(&fo, last) && fanout_get(&fo, last)->seq == last);
	fanout_close(&fo);
}

/* After a restart the log starts where the journal is; refilled entries come first. */
static void test_start_at_journal(void)
{
	struct fanout fo;
	fanout_init(&fo, 501);
	CHECK(fo.first == 501 && fo.next == 501);
	push(&fo, 300, 1); /* refilling from the journal: the empty log moves to 300 */
	CHECK(fo.first == 300 && fo.next == 301);
	for (uint64_t s = 301; s <= 510; s++)
		push(&fo, s, 1);
	CHECK(fanout_get(&fo, 300) && fanout_get(&fo, 510) && !fanout_get(&fo, 299));
	fanout_close(&fo);
	CHECK(fo.ring == NULL && fo.first == 0 && fo.next == 0);
}

int main(void)
{
	test_in_order();
	test_eviction();
	test_start_at_journal();
	return check_report("fanout");
}
