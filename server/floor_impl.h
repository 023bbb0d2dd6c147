/*
 * floor_impl.h — private to the floor model (floor.c, floor_query.c): the state
 * structures and the few helpers the two files share. Nothing outside the floor
 * model includes it, except tests/unit/test_floor_rank.c (to see the order
 * statistics freed and doubled) and bench/bench_rank.c (which times the walk
 * positions were once computed by against the ranks of floor_query.c).
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

/* Tickets present per class: one node of a struct rank's Fenwick tree. */
struct rank_node {
	uint32_t n[FLOOR_PRIORITIES];
};

/* Order statistics of one side of a service's queue, over key offsets (back keys
 * 1, 2, ... and front keys -1, -2, ... at offsets 0, 1, ...): a Fenwick tree
 * counting the tickets present per class, and the queued_ms of the ticket each
 * key was handed to, which never falls along the offsets (time never goes back).
 * Both arrays grow by doubling and are freed at day start: 20 bytes per key handed
 * out today, at most twice over. */
struct rank {
	int64_t *ms;	       /* [offset] queued_ms of the ticket given that key */
	struct rank_node *fen; /* node i (1-based, up to cap) at fen[i - 1] */
	size_t n, cap;	       /* offsets handed out today; capacity, 0 or a power of two */
};

struct service {
	struct tlist q[FLOOR_PRIORITIES][2]; /* [class][FLOOR__BACK / FLOOR__FRONT] */
	struct rank rank[2];		     /* [FLOOR__BACK / FLOOR__FRONT] */
	int64_t lo, hi;			     /* last keys handed out at the front / back */
	uint32_t nwait, issued;
	uint32_t *by_number; /* number - 1 -> handle, for today's numbers */
	size_t by_number_cap;
	int64_t mean_ms;   /* running mean of a meeting's length */
	int open_counters; /* open counters giving it, not on a break */
};

struct counter {
	bool open;
	bool on_break; /* open, but not counted in its services' open_counters */
	uint64_t services;
	uint32_t ticket;
	int64_t opened_ms, break_ms;
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
/* Empties service s's order statistics and frees their memory, for a day that starts
 * with its keys at 0 again, or for floor_free(). */
void floor__q_reset(struct floor *f, int s);
/* The ticket counter c would call next at now by its policy, or FLOOR_NONE. */
uint32_t floor__route(const struct floor *f, int c, int64_t now);

#endif
