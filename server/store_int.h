/*
 * store_int.h — the store's insides, shared by its own files only: store.c
 * (opening, migrations, replay and the read side) and store_commit.c (the
 * batch queue, the commit job on the store's own worker and the SQL that writes one
 * event into the journal and the current-state tables, and the per-staff
 * shift of a counter.opened or counter.closed, in the same transaction).
 * Nothing outside server/store*.c includes this.
 */
#ifndef TORG_STORE_INT_H
#define TORG_STORE_INT_H

#include <sqlite3.h>

#include "store.h"
#include "worker.h"

/* Prepared statements of the write side, reused for every batch. */
/* The store's SQL names some event kinds by their numbers, which the journal keeps
 * (proto/names.h): partial indexes (journal_day_events, journal_counter_events) hold only
 * when the query's WHERE repeats their literal. */
_Static_assert(FLOOR_EV_COUNTER_OPENED == 9 && FLOOR_EV_COUNTER_CLOSED == 10 &&
		   FLOOR_EV_COUNTER_BREAK == 12 && FLOOR_EV_COUNTER_BACK == 13,
	       "store.c and store_stats.c spell counter.opened, counter.closed, counter.break and "
	       "counter.back as 9, 10, 12 and 13");
_Static_assert(FLOOR_EV_DAY == 11, "store.c and store_purge.c spell floor.day as 11");

enum store__stmt {
	STORE__BEGIN,
	STORE__COMMIT,
	STORE__ROLLBACK,
	STORE__INS_JOURNAL,
	STORE__INS_TICKET,
	STORE__INS_LEG,
	STORE__INS_LEG_NEXT,
	STORE__UPD_TICKET_STATE,
	STORE__UPD_TICKET_TRANSFER,
	STORE__UPD_LEG_CALLED,
	STORE__UPD_LEG_STARTED,
	STORE__UPD_LEG_END,
	STORE__STAFF_END,
	STORE__STAFF_BEGIN,
	STORE__CONFIG,
	STORE__NSTMT,
};

/* A batch of queued events: the events by value and their JSON in one buffer. */
struct store__batch {
	struct floor_event *ev;
	size_t *json_off, *json_len;
	size_t n, cap;
	char *buf;
	size_t blen, bcap;
	/* Who signs on with the counter.opened event at index idx (per_staff on only). */
	struct store__signon {
		size_t idx;
		char *name; /* owned */
		char *doc;  /* floor.config: the configuration's document, owned */
	} * sign;
	size_t nsign, sign_cap;
	/* Filled by the commit job on the worker thread. */
	char *cause;	 /* malloc'd when the commit failed */
	uint64_t dur_us; /* BEGIN to COMMIT */
};

/* An id of the floor def with its index, for lookups by binary search. */
struct store__id {
	const char *id;
	int idx;
};

/** Builds the sorted id table of n ids taken every stride bytes from base (*out
 *  malloc'd); returns 0 or -EINVAL with *cause naming a duplicate or missing id. */
int store__ids_build(const void *base, size_t n, size_t stride, const char *what,
		     struct store__id **out, char **cause);
/** Index of id in a sorted id table of n entries; -1 when absent, NULL or empty. */
int store__ids_find(const struct store__id *v, size_t n, const char *id);

struct store {
	sqlite3 *db;
	const struct floor_def *def;
	struct store_opts opts;
	sqlite3_stmt *st[STORE__NSTMT];
	struct store__id *svc_ids, *ctr_ids; /* sorted by id; services with their aliases */
	size_t nsvc_ids;
	char *svc_text; /* scratch for counter.opened services, worker only */
	size_t svc_text_cap;
	int32_t ticket_day; /* the day today's ticket handles belong to, worker only */
	uint64_t last_seq;  /* highest committed seq */
	uint64_t appended_seq;

	/* The commit pipeline; everything below is touched on the loop thread only,
	 * except the in-flight batch, which belongs to the worker while in_flight. */
	uv_loop_t *loop;
	struct worker *worker; /* one thread of its own, from store_start to the stop's end */
	struct worker_job job;
	/* the end of a loop turn in which events were appended with nothing in flight: the
	 * check handle sends them as one commit, the idle one keeps that turn from blocking */
	uv_check_t turn_check;
	uv_idle_t turn_idle;
	int open_handles; /* of those two, not yet closed at the stop */
	struct store__batch batch[2];
	int pending; /* index of the batch being filled; the other one is in flight */
	bool started, in_flight, stopping, failed, done;
	bool closing; /* the worker is stopping: nothing more is committed */
	void (*durable_cb)(uint64_t seq, void *arg);
	void (*fail_cb)(const char *cause, void *arg);
	void *arg;
	void (*done_cb)(void *arg);
	void *done_arg;
	struct store_stats stats;
};

/** SQL of the write-side statements, indexed by enum store__stmt. */
extern const char *const store__stmt_sql[STORE__NSTMT];
/** The store schema version this torgd writes (the number of its migrations). */
int store__version(void);
/** Maps an SQLite result code to a negative errno. */
int store__errno(int rc);
/* Runs one SQL text that returns no rows (possibly several statements); returns 0 or
 * -errno with *cause ("store: WHAT: sqlite's message"). */
int store__exec(sqlite3 *db, const char *sql, const char *what, char **cause);
/** Frees a batch's storage. */
void store__batch_free(struct store__batch *b);

#endif
