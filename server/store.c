/*
 * store.c — opening the floor's SQLite file and its read side: WAL and
 * synchronous settings, the schema migrations of module "store" (kept in the
 * shared `schema` table, next to other modules' rows, which are never
 * touched), replay of the journal from the most recent day event, the recent
 * events' JSON for the fan-out log, and closing. The commit pipeline and the
 * SQL that writes events are in store_commit.c. Service and counter ids are
 * stored as TEXT; replay maps them back to the indexes of the current def.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Schema of module "store", one step per version; step i takes version i to i + 1. */
static const char *const migrations[] = {
    /* 0 -> 1: journal and current state. */
    "CREATE TABLE journal ("
    " seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, day INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, ticket INTEGER, service TEXT, from_service TEXT,"
    " counter TEXT, number INTEGER, leg INTEGER, priority INTEGER, front INTEGER,"
    " reason INTEGER, services TEXT, token BLOB, json TEXT);"
    "CREATE INDEX journal_day ON journal(day);"
    "CREATE INDEX journal_day_events ON journal(seq) WHERE kind = 11;"
    "CREATE TABLE tickets ("
    " day INTEGER NOT NULL, handle INTEGER NOT NULL, number INTEGER NOT NULL,"
    " first_service TEXT NOT NULL, service TEXT NOT NULL, state TEXT NOT NULL,"
    " priority INTEGER NOT NULL, legs INTEGER NOT NULL, issued_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, PRIMARY KEY (day, handle)) WITHOUT ROWID;"
    "CREATE TABLE legs ("
    " day INTEGER NOT NULL, handle INTEGER NOT NULL, leg INTEGER NOT NULL,"
    " service TEXT NOT NULL, counter TEXT, queued_ms INTEGER NOT NULL,"
    " called_ms INTEGER, started_ms INTEGER, ended_ms INTEGER, outcome TEXT NOT NULL,"
    " PRIMARY KEY (day, handle, leg)) WITHOUT ROWID;"
    "CREATE TABLE counters ("
    " id TEXT PRIMARY KEY, open INTEGER NOT NULL, services TEXT, ticket_day INTEGER,"
    " ticket_handle INTEGER, updated_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX counters_ticket ON counters(ticket_day, ticket_handle);",
    /* 1 -> 2: statistics (store_stats.c, store_purge.c): days folded by the retention
     * purge and their anonymous aggregates; counter events by day. */
    "CREATE TABLE stats_days (day INTEGER PRIMARY KEY, folded_ms INTEGER NOT NULL);"
    "CREATE TABLE stats_cells ("
    " day INTEGER NOT NULL, hour INTEGER NOT NULL, service TEXT NOT NULL,"
    " counter TEXT NOT NULL, arrivals INTEGER NOT NULL, issued INTEGER NOT NULL,"
    " transfers_in INTEGER NOT NULL, called INTEGER NOT NULL, target_met INTEGER NOT NULL,"
    " served INTEGER NOT NULL, no_shows INTEGER NOT NULL, cancelled INTEGER NOT NULL,"
    " transfers_out INTEGER NOT NULL, waits BLOB NOT NULL, services BLOB NOT NULL,"
    " PRIMARY KEY (day, hour, service, counter)) WITHOUT ROWID;"
    "CREATE TABLE stats_queue ("
    " day INTEGER NOT NULL, hour INTEGER NOT NULL, service TEXT NOT NULL,"
    " area_ms INTEGER NOT NULL, max INTEGER NOT NULL,"
    " PRIMARY KEY (day, hour, service)) WITHOUT ROWID;"
    "CREATE TABLE stats_counters ("
    " day INTEGER NOT NULL, hour INTEGER NOT NULL, counter TEXT NOT NULL,"
    " open_ms INTEGER NOT NULL, busy_ms INTEGER NOT NULL,"
    " PRIMARY KEY (day, hour, counter)) WITHOUT ROWID;"
    "CREATE TABLE stats_transfers ("
    " day INTEGER NOT NULL, from_service TEXT NOT NULL, to_service TEXT NOT NULL,"
    " visitors INTEGER NOT NULL, floor_ms INTEGER NOT NULL,"
    " PRIMARY KEY (day, from_service, to_service)) WITHOUT ROWID;"
    "CREATE INDEX journal_counter_events ON journal(day) WHERE kind IN (9, 10);",
    /* 2 -> 3: per-staff shifts (store_staff.c), written only when statistics.per_staff
     * is on: who was signed on at which counter from when to when (to_ms NULL while
     * open); deleted by the retention purge, never aggregated. */
    "CREATE TABLE staff_shifts ("
    " id INTEGER PRIMARY KEY, day INTEGER NOT NULL, counter TEXT NOT NULL,"
    " name TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER);"
    "CREATE INDEX staff_shifts_open ON staff_shifts(counter) WHERE to_ms IS NULL;"
    "CREATE INDEX staff_shifts_from ON staff_shifts(from_ms);"
    "CREATE INDEX staff_shifts_day ON staff_shifts(day);",
    /* 3 -> 4: the counters table of step 0 -> 1 was written at every counter and ticket
     * event but never read (counter state comes from replaying the journal, statistics
     * read the journal too): dropped, and no longer written. */
    "DROP INDEX IF EXISTS counters_ticket; DROP TABLE IF EXISTS counters;",
    /* 4 -> 5: who changed the floor's configuration while it ran, and to what: one row
     * per floor.config event, written in its commit (the event itself, public, names
     * nobody). */
    "CREATE TABLE IF NOT EXISTS config_history (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    " by TEXT NOT NULL, doc TEXT NOT NULL);",
};
#define STORE_VERSION ((int)ARRAY_SIZE(migrations))

/* Columns replay reads, in this order. */
#define REPLAY_COLS                                                                                \
	"seq, at_ms, day, kind, ticket, service, from_service, counter, number, leg, priority,"    \
	" front, reason, services, token"

/* Maps an SQLite result code to a negative errno. */
int store__errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

/* Orders struct store__id by id. */
static int id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store__id *)a)->id, ((const struct store__id *)b)->id);
}

int store__ids_build(const void *base, size_t n, size_t stride, const char *what,
		     struct store__id **out, char **cause)
{
	struct store__id *v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].id = *(const char *const *)((const char *)base + i * stride);
		v[i].idx = (int)i;
		if (!v[i].id || !v[i].id[0]) {
			*cause = xasprintf("%s %zu has no id", what, i);
			free(v);
			return -EINVAL;
		}
	}
	qsort(v, n, sizeof(*v), id_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i - 1].id, v[i].id) == 0) {
			*cause = xasprintf("%s id \"%s\" appears twice", what, v[i].id);
			free(v);
			return -EINVAL;
		}
	}
	*out = v;
	return 0;
}

int store__ids_find(const struct store__id *v, size_t n, const char *id)
{
	if (!id || !*id)
		return -1;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, v[mid].id);
		if (c == 0)
			return v[mid].idx;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int store__exec(sqlite3 *db, const char *sql, const char *what, char **cause)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("store: %s: %s", what, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store__errno(rc);
	}
	return 0;
}

/* Runs a one-row, one-column integer query; *out gets the value (0 for NULL or no row).
 *  Returns 0 or -errno with *cause. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		*cause = xasprintf("store: %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : store__errno(rc);
}

/* Brings module "store" up to STORE_VERSION one step at a time, each step in its own
 *  transaction that re-reads the version (another process may migrate too).
 *  Returns 0 or -errno with *cause. */
static int migrate(sqlite3 *db, char **cause)
{
	int err = store__exec(db,
			      "CREATE TABLE IF NOT EXISTS schema(module TEXT PRIMARY KEY,"
			      " version INTEGER NOT NULL)",
			      "creating the schema table", cause);
	if (err)
		return err;
	for (;;) {
		int64_t v = 0;
		if ((err = store__exec(db, "BEGIN IMMEDIATE", "migration", cause)))
			return err;
		if ((err = query_int(db, "SELECT version FROM schema WHERE module = 'store'", &v,
				     cause)))
			goto fail;
		if (v > STORE_VERSION) {
			*cause = xasprintf("store: the database has store schema version %lld; "
					   "this torgd knows up to %d",
					   (long long)v, STORE_VERSION);
			err = -EPROTO;
			goto fail;
		}
		if (v == STORE_VERSION)
			return store__exec(db, "COMMIT", "migration", cause);
		if ((err = store__exec(db, migrations[v], "migration", cause)))
			goto fail;
		char *set =
		    xasprintf("INSERT INTO schema(module, version) VALUES('store', %lld)"
			      " ON CONFLICT(module) DO UPDATE SET version = excluded.version",
			      (long long)v + 1);
		err = store__exec(db, set, "migration", cause);
		free(set);
		if (err)
			goto fail;
		if ((err = store__exec(db, "COMMIT", "migration", cause)))
			goto fail;
		log_info("store: schema migrated to version %lld", (long long)v + 1);
	}
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

int store__version(void)
{
	return STORE_VERSION;
}

/* Read-only: checks that the database's store schema is exactly this torgd's (nothing
 * may be migrated); returns 0 or -errno with *cause. */
static int check_version(sqlite3 *db, char **cause)
{
	int64_t v = 0;
	int err = query_int(db, "SELECT version FROM schema WHERE module = 'store'", &v, cause);
	if (err) {
		free(*cause);
		*cause = xasprintf("store: not a torg database (%s)", sqlite3_errmsg(db));
		return -EPROTO;
	}
	if (v == 0) {
		*cause = xstrdup("store: not a torg database (it has no store schema)");
		return -EPROTO;
	}
	if (v != STORE_VERSION) {
		*cause = xasprintf("store: the database has store schema version %lld, this torgd "
				   "has %d (start torgd on it once to migrate)",
				   (long long)v, STORE_VERSION);
		return -EPROTO;
	}
	return 0;
}

/* The sorted table of the services' ids and their aliases (a rename's earlier ids). */
static int svc_ids_build(struct store *s, const struct floor_def *def, char **cause)
{
	size_t n = def->nservices;
	for (size_t i = 0; i < def->nservices; i++)
		n += def->services[i].naliases;
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	int *idx = xcalloc(n ? n : 1, sizeof(*idx));
	size_t k = 0;
	for (size_t i = 0; i < def->nservices; i++) {
		idx[k] = (int)i;
		ids[k++] = def->services[i].id;
		for (size_t a = 0; a < def->services[i].naliases; a++) {
			idx[k] = (int)i;
			ids[k++] = def->services[i].aliases[a];
		}
	}
	struct store__id *v = NULL;
	int err = store__ids_build(ids, n, sizeof(*ids), "service", &v, cause);
	if (!err) {
		for (size_t i = 0; i < n; i++) /* idx was the place in ids: make it the slot's */
			v[i].idx = idx[v[i].idx];
		free(s->svc_ids);
		s->svc_ids = v;
		s->nsvc_ids = n;
	}
	free(ids);
	free(idx);
	return err;
}

int store_redefine(struct store *s, const struct floor_def *def, char **cause)
{
	struct store__id *ctr = NULL;
	int err = store__ids_build(def->counters, def->ncounters, sizeof(*def->counters), "counter",
				   &ctr, cause);
	if (err)
		return err;
	/* The commit thread reads s->def for the ids of the batches the loop hands it; a batch
	 * handed over after this line was appended under def, and one handed over before only
	 * names indexes that every later def keeps with the same ids (or their aliases). */
	const struct floor_def *old = s->def;
	s->def = def;
	if ((err = svc_ids_build(s, def, cause))) {
		s->def = old;
		free(ctr);
		return err;
	}
	free(s->ctr_ids);
	s->ctr_ids = ctr;
	return 0;
}

/* Opens or creates the database, sets WAL and synchronous, migrates, prepares. */
int store_open(const char *path, const struct floor_def *def, const struct store_opts *opts,
	       struct store **out, char **cause)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int err, rc;
	*out = NULL;
	s->def = def;
	if (opts)
		s->opts = *opts;
	if (!sqlite3_threadsafe()) {
		*cause = xstrdup("store: SQLite is built without thread support");
		err = -ENOTSUP;
		goto fail;
	}
	if ((err = svc_ids_build(s, def, cause)))
		goto fail;
	if ((err = store__ids_build(def->counters, def->ncounters, sizeof(*def->counters),
				    "counter", &s->ctr_ids, cause)))
		goto fail;

	rc = sqlite3_open_v2(path, &s->db,
			     (s->opts.read_only ? SQLITE_OPEN_READONLY
						: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("store: cannot open %s: %s", path,
				   s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		err = store__errno(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);

	if (s->opts.read_only) {
		if ((err = check_version(s->db, cause)))
			goto fail;
		goto prepare;
	}
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
			*cause = xasprintf("store: %s: cannot use WAL mode (got %s)", path,
					   mode ? mode : "nothing");
			err = -ENOTSUP;
			sqlite3_finalize(st);
			goto fail;
		}
	} else {
		*cause = xasprintf("store: %s: setting WAL mode: %s", path, sqlite3_errmsg(s->db));
		err = store__errno(rc == SQLITE_OK ? sqlite3_errcode(s->db) : rc);
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	if ((err = store__exec(s->db,
			       s->opts.sync_normal ? "PRAGMA synchronous=NORMAL"
						   : "PRAGMA synchronous=FULL",
			       "setting synchronous", cause)))
		goto fail;
	if ((err = migrate(s->db, cause)))
		goto fail;
prepare:
	for (int i = 0; i < STORE__NSTMT; i++) {
		rc = sqlite3_prepare_v3(s->db, store__stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&s->st[i], NULL);
		if (rc != SQLITE_OK) {
			*cause = xasprintf("store: preparing statement %d: %s", i,
					   sqlite3_errmsg(s->db));
			err = store__errno(rc);
			goto fail;
		}
	}

	int64_t v;
	if ((err = query_int(s->db, "SELECT MAX(seq) FROM journal", &v, cause)))
		goto fail;
	s->last_seq = s->appended_seq = (uint64_t)v;
	/* Ticket handles belong to the newest of: the last ticket's day, the last day event. */
	if ((err = query_int(s->db, "SELECT MAX(day) FROM tickets", &v, cause)))
		goto fail;
	s->ticket_day = (int32_t)v;
	if ((err = query_int(s->db,
			     "SELECT day FROM journal WHERE seq = (SELECT MAX(seq) FROM journal"
			     " WHERE kind = 11)",
			     &v, cause)))
		goto fail;
	if ((int32_t)v > s->ticket_day)
		s->ticket_day = (int32_t)v;
	*out = s;
	return 0;
fail:
	store_free(s);
	return err;
}

/* Text of a column, or NULL. */
static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Maps a service id column to an index (-1 for NULL, and for an unknown id when cause is
 *  NULL); returns 0 or -EINVAL with *cause. */
static int replay_service(struct store *s, sqlite3_stmt *st, int col, uint64_t seq, int16_t *out,
			  char **cause)
{
	const char *id = col_text(st, col);
	*out = -1;
	if (!id)
		return 0;
	int i = store__ids_find(s->svc_ids, s->nsvc_ids, id);
	if (i < 0 && !cause)
		return 0;
	if (i < 0) {
		*cause = xasprintf("store: journal seq %llu names service \"%s\", which is not in "
				   "the floor configuration",
				   (unsigned long long)seq, id);
		return -EINVAL;
	}
	*out = (int16_t)i;
	return 0;
}

/* Rebuilds one event from a replay row; returns 0 or -EINVAL with *cause. With cause NULL
 *  an id the configuration does not know becomes -1 (or is left out of services). */
static int replay_row(struct store *s, sqlite3_stmt *st, struct floor_event *ev, char **cause)
{
	int err;
	memset(ev, 0, sizeof(*ev));
	ev->seq = (uint64_t)sqlite3_column_int64(st, 0);
	ev->at_ms = sqlite3_column_int64(st, 1);
	ev->day = sqlite3_column_int(st, 2);
	int kind = sqlite3_column_int(st, 3);
	if (kind < 1 || kind > FLOOR_EV_KIND_MAX) {
		*cause = xasprintf("store: journal seq %llu has unknown kind %d",
				   (unsigned long long)ev->seq, kind);
		return -EINVAL;
	}
	ev->kind = (uint8_t)kind;
	ev->ticket = sqlite3_column_type(st, 4) == SQLITE_NULL
			 ? FLOOR_NONE
			 : (uint32_t)sqlite3_column_int64(st, 4);
	if ((err = replay_service(s, st, 5, ev->seq, &ev->service, cause)) ||
	    (err = replay_service(s, st, 6, ev->seq, &ev->from_service, cause)))
		return err;
	const char *ctr = col_text(st, 7);
	ev->counter = -1;
	if (ctr) {
		int i = store__ids_find(s->ctr_ids, s->def->ncounters, ctr);
		if (i < 0 && !cause)
			i = -1;
		else if (i < 0) {
			*cause = xasprintf("store: journal seq %llu names counter \"%s\", which is "
					   "not in the floor configuration",
					   (unsigned long long)ev->seq, ctr);
			return -EINVAL;
		}
		ev->counter = (int16_t)i;
	}
	ev->number = (uint16_t)sqlite3_column_int(st, 8);
	ev->leg = (uint16_t)sqlite3_column_int(st, 9);
	ev->priority = (uint8_t)sqlite3_column_int(st, 10);
	ev->front = (uint8_t)sqlite3_column_int(st, 11);
	ev->reason = (uint8_t)sqlite3_column_int(st, 12);
	const char *svcs = col_text(st, 13);
	while (svcs && *svcs) {
		const char *end = strchr(svcs, ',');
		size_t len = end ? (size_t)(end - svcs) : strlen(svcs);
		char id[256];
		if (len >= sizeof(id))
			len = sizeof(id) - 1;
		memcpy(id, svcs, len);
		id[len] = '\0';
		int i = store__ids_find(s->svc_ids, s->nsvc_ids, id);
		if (i < 0 && cause) {
			*cause = xasprintf("store: journal seq %llu names service \"%s\", which is "
					   "not in the floor configuration",
					   (unsigned long long)ev->seq, id);
			return -EINVAL;
		}
		if (i >= 0)
			ev->services |= UINT64_C(1) << i;
		svcs = end ? end + 1 : NULL;
	}
	if (sqlite3_column_type(st, 14) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, 14) == FLOOR_TOKEN_LEN)
		memcpy(ev->token, sqlite3_column_blob(st, 14), FLOOR_TOKEN_LEN);
	return 0;
}

/* Feeds the journal's rows that sql selects to cb, mapping ids to indexes. */
static int replay_sql(struct store *s, const char *sql,
		      int (*cb)(const struct floor_event *ev, void *arg), void *arg, char **cause)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto sqlfail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct floor_event ev;
		if ((err = replay_row(s, st, &ev, cause)))
			goto fail;
		if ((err = cb(&ev, arg))) {
			*cause = xasprintf("store: replaying journal seq %llu failed (%d)",
					   (unsigned long long)ev.seq, err);
			goto fail;
		}
	}
	if (rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	return 0;
sqlfail:
	*cause = xasprintf("store: replay: %s", sqlite3_errmsg(s->db));
	err = store__errno(rc);
fail:
	sqlite3_finalize(st);
	return err;
}

/* Feeds the journal from the last day event to cb. */
int store_replay(struct store *s, int (*cb)(const struct floor_event *ev, void *arg), void *arg,
		 char **cause)
{
	return replay_sql(
	    s,
	    "SELECT " REPLAY_COLS " FROM journal WHERE seq >= "
	    "(SELECT COALESCE(MAX(seq), 0) FROM journal WHERE kind = 11) ORDER BY seq",
	    cb, arg, cause);
}

/* Feeds the whole kept journal to cb. */
int store_replay_all(struct store *s, int (*cb)(const struct floor_event *ev, void *arg), void *arg,
		     char **cause)
{
	return replay_sql(s, "SELECT " REPLAY_COLS " FROM journal ORDER BY seq", cb, arg, cause);
}

/* The prefix of a ticket's public number in an issued event's JSON ("number":"B007"). */
static char *number_prefix(const char *json)
{
	const char *p = json ? strstr(json, "\"number\":\"") : NULL;
	if (!p)
		return NULL;
	p += strlen("\"number\":\"");
	size_t n = 0;
	while (n < 2 && p[n] >= 'A' && p[n] <= 'Z')
		n++;
	return n ? xstrndup(p, n) : NULL;
}

int store_today(struct store *s, bool all,
		void (*cb_service)(const char *id, const char *prefix, void *arg),
		void (*cb_counter)(const char *id, void *arg), void *arg, char **cause)
{
	static const char *sql_today =
	    "WITH r AS (SELECT * FROM journal WHERE seq >= "
	    "(SELECT COALESCE(MAX(seq), 0) FROM journal WHERE kind = 11)) "
	    "SELECT";
	static const char *sql_all = "WITH r AS (SELECT * FROM journal) SELECT";
	static const char *sql_rest =
	    " 0, service, MIN(seq), (SELECT json FROM r AS i WHERE i.kind = 1 AND "
	    "i.service = r.service LIMIT 1) FROM r WHERE service IS NOT NULL GROUP BY service "
	    "UNION ALL SELECT 0, from_service, MIN(seq), NULL FROM r WHERE from_service IS NOT "
	    "NULL "
	    "GROUP BY from_service "
	    "UNION ALL SELECT 1, services, MIN(seq), NULL FROM r WHERE kind = 9 GROUP BY services "
	    "UNION ALL SELECT 2, counter, MIN(seq), NULL FROM r WHERE counter IS NOT NULL "
	    "GROUP BY counter ORDER BY 1, 3";
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("%s%s", all ? sql_all : sql_today, sql_rest);
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	free(sql);
	struct util_text seen = {0}; /* ",id," of the services given so far */
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		int what = sqlite3_column_int(st, 0);
		const char *text = col_text(st, 1);
		if (what == 2) {
			cb_counter(text, arg);
			continue;
		}
		char *prefix = what == 0 ? number_prefix(col_text(st, 3)) : NULL;
		for (const char *p = text; p && *p;) { /* one id, or counter.opened's list */
			const char *end = what == 1 ? strchr(p, ',') : NULL;
			size_t len = end ? (size_t)(end - p) : strlen(p);
			char *id = xstrndup(p, len), *key = xasprintf(",%s,", id);
			if (!seen.s || !strstr(seen.s, key)) {
				util_text_printf(&seen, "%s%s,", seen.len ? "" : ",", id);
				cb_service(id, prefix, arg);
			}
			free(key);
			free(id);
			p = end ? end + 1 : NULL;
		}
		free(prefix);
	}
	free(seen.s);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("store: reading the day's ids: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return store__errno(rc);
	}
	sqlite3_finalize(st);
	return 0;
}

/* Highest committed seq (kept in memory, so safe while running). */
uint64_t store_last_seq(struct store *s)
{
	return s->last_seq;
}

/* Gives cb the newest max events after a seq and their JSON, oldest first. */
int store_recent(struct store *s, uint64_t after, size_t max,
		 void (*cb)(const struct floor_event *ev, const char *json, size_t len, void *arg),
		 void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT " REPLAY_COLS ", json FROM (SELECT * FROM journal"
				    " WHERE seq > ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 2, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct floor_event ev;
		const char *json = col_text(st, 15);
		size_t len = (size_t)sqlite3_column_bytes(st, 15);
		if (replay_row(s, st, &ev, NULL) != 0) { /* an unknown kind: nobody can use it */
			memset(&ev, 0, sizeof(ev));
			ev.seq = (uint64_t)sqlite3_column_int64(st, 0);
			ev.service = ev.from_service = ev.counter = -1;
		}
		cb(&ev, json ? json : "", json ? len : 0, arg);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("store: reading recent events: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return store__errno(rc);
}

/* Copies the commit counters. */
void store_get_stats(const struct store *s, struct store_stats *out)
{
	*out = s->stats;
}

/* Finalizes the statements, closes the database, frees the store. */
void store_free(struct store *s)
{
	if (!s)
		return;
	if (s->in_flight)
		fatal("store_free while a commit is in flight (call store_stop first)");
	if (s->worker)
		fatal("store_free before store_stop's done_cb");
	for (int i = 0; i < STORE__NSTMT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		log_err("store: closing the database: %s", sqlite3_errmsg(s->db));
	store__batch_free(&s->batch[0]);
	store__batch_free(&s->batch[1]);
	free(s->svc_ids);
	free(s->ctr_ids);
	free(s->svc_text);
	free(s);
}
