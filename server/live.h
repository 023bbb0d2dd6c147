/*
 * live.h — the floor's configuration while torgd runs (part of main): laid over
 * the day's journal at start-up, changed from the administration page
 * (PUT /api/v1/admin/config, through api_opts.reconfigure) or by the file and
 * SIGHUP, and laid over each new day; every change validated whole, applied
 * without a restart, and journaled as floor.config with who made it.
 */
#ifndef TORG_LIVE_H
#define TORG_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"

struct auth;
struct engine;
struct stats_run;
struct store;
struct live;

/** Lays cfg (just loaded from the file) over the services and counters the journal's day
 *  names (config_merge with the day from store_today): lenient at start-up (torgd always
 *  starts: what the file removed is kept for the day), strict for --check-config --db.
 *  Returns 0, or -EINVAL / -errno with *cause ("path: message" lines). */
int live_merge_journal(struct config *cfg, struct store *st, bool all, bool strict, char **cause);
/** The same with the database at db opened read-only for it (all: every day it keeps, for
 *  `torgd check`; else the day, for --check-config --db). */
int live_merge_db(struct config *cfg, const char *db, bool all, bool strict, char **cause);
/** Takes over cfg (the running config, merged) for the engine e; path is the file a
 *  change from the page is written to; each change goes to auth's audit log. Returns 0 or
 *  a negative errno. */
int live_create(uv_loop_t *loop, const char *path, struct config *cfg, struct engine *e,
		struct stats_run *stats, struct auth *auth, struct live **out);
/** api_opts.reconfigure: a new document from the page (see api.h). */
int live_put(void *arg, const char *text, size_t len, const char *by,
	     void (*done)(int status, const char *errors, uint64_t seq, void *darg), void *darg);
/** SIGHUP: reads the file again; a changed one is applied like a change from the page (by
 *  "file"); one with errors is refused whole, each error logged. */
void live_reload(struct live *l);
/** Stops the day timer and the file's writer; done_cb(arg) runs on the loop after. */
void live_stop(struct live *l, void (*done_cb)(void *arg), void *arg);
/** Frees every configuration that ran, but keep_cfg (the caller's). NULL is fine. */
void live_free(struct live *l, struct config *keep_cfg);

#endif
