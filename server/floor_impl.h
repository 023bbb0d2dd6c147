/*
 * floor_impl.h — private to the floor model (floor.c, floor_query.c): the state
 * structures and the few helpers the two files share. Nothing outside the floor
 * model includes it.
 */
#ifndef TORG_FLOOR_IMPL_H
#define TORG_FLOOR_IMPL_H

#include "floor.h"

#define FLOOR__TOP   (FLOOR_PRIORITIES - 1)
#define FLOOR__BACK  0
#define FLOOR__FRONT 1

/* One leg of a visit; legs of a ticket are chained backwards through prev. */
struct leg {
	int64_t queued_ms, called_ms, started_ms, ended_ms;
	uint32_t prev;
	int16_t service, counter;
	uint8_t outcome;
};

struct ticket {
	uint8_t token[FLOOR_TOKEN_LEN];
	int64_t issued_ms, queued_ms, last_called_ms;
	int64_t key;	     /* queue order within the service; lower goes first */
	uint32_t leg;	     /* index of the current leg in floor.legs */
	uint32_t prev, next; /* links in the queue while waiting */
	int16_t service, first_service, counter;
	uint16_t number, nlegs;
	uint8_t state, priority, side;
};

/* A queue of waiting tickets in ascending key order. */
struct tlist {
	uint32_t head, tail, n;
};

struct service {
	struct tlist q[FLOOR_PRIORITIES][2]; /* [class][FLOOR__BACK / FLOOR__FRONT] */
	int64_t lo, hi;			     /* last keys handed out at the front / back */
	uint32_t nwait, issued;
	uint32_t *by_number; /* number - 1 -> handle, for today's numbers */
	size_t by_number_cap;
	int64_t mean_ms; /* running mean of a meeting's length */
	int open_counters;
};

struct counter {
	bool open;
	uint64_t services;
	uint32_t ticket;
	int64_t opened_ms;
};

struct floor {
	const struct floor_def *def;
	uint64_t seq;
	int32_t day;
	int64_t last_ms, bound_ms;
	struct service *svc;
	struct counter *ctr;
	struct ticket *t;
	size_t nt, capt;
	struct leg *legs;
	size_t nlegs, caplegs;
	uint32_t *tok; /* open addressing, FLOOR_NONE marks a free slot */
	size_t tokcap;
	size_t nactive; /* tickets waiting, called or serving */
	size_t nopen;	/* open counters */
};

/* Links waiting ticket h into its service's queue at the front or back of its class. */
void floor__q_insert(struct floor *f, uint32_t h, bool front);
/* Unlinks waiting ticket h from its queue. */
void floor__q_remove(struct floor *f, uint32_t h);
/* The ticket counter c would call next at now by its policy, or FLOOR_NONE. */
uint32_t floor__route(const struct floor *f, int c, int64_t now);

#endif
