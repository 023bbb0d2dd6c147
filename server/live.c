/*
 * live.c — the floor's configuration while torgd runs (live.h): laid over the
 * day's journal at start-up, changed from the administration page or by the
 * file and SIGHUP, and laid over the new day when the day rolls over. Every
 * change is validated whole (config_parse, then config_merge against the running
 * floor), put in place on the loop without a restart (the engine, the store's
 * ids, the api's sessions, the statistics), and journaled as floor.config with
 * who made it. A change from the page is written to the file first, off the loop
 * (write, fsync, rename, fsync of the folder), so that what runs is what a
 * restart reads. Every configuration that ran stays allocated until torgd stops:
 * events, snapshots and statistics jobs in flight borrow its strings, and changes
 * are rare (a few kB each).
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "engine.h"
#include "stats_run.h"
#include "store.h"
#include "util.h"
#include "worker.h"

#define LIVE_DAY_CHECK_MS 1000

/* A change from the page: written to the file, then applied. */
struct live_put {
	struct worker_job job;
	struct live *l;
	char *path, *text, *by, *cause;
	size_t len;
	void (*done)(int status, const char *errors, uint64_t seq, void *darg);
	void *darg;
};

struct live {
	uv_loop_t *loop;
	char *path; /* the configuration file */
	struct config *cfg;
	struct config **kept; /* every config that ran, freed by live_free */
	size_t nkept;
	struct engine *engine;
	struct stats_run *stats;
	struct auth *auth;     /* the audit log */
	struct worker *worker; /* "torg-config": the file's writes */
	uv_timer_t day_timer;
	int32_t day;
	bool busy, stopping;
	void (*stopped_cb)(void *arg);
	void *stopped_arg;
	int parts;
};

/* Logs each line of text ("path: message" lines) at level. */
static void log_lines(enum log_level level, const char *text)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		log_msg(level, "  %.*s", len, p);
		p = nl ? nl + 1 : NULL;
	}
}

/* ---- start-up: the file over the day's journal ---- */

struct today_buf {
	struct config_used *svc;
	char **ctr;
	size_t nsvc, nctr;
};

static void today_service(const char *id, const char *prefix, void *arg)
{
	struct today_buf *t = arg;
	t->svc = xrealloc(t->svc, (t->nsvc + 1) * sizeof(*t->svc));
	t->svc[t->nsvc++] = (struct config_used){xstrdup(id), prefix ? xstrdup(prefix) : NULL};
}

static void today_counter(const char *id, void *arg)
{
	struct today_buf *t = arg;
	t->ctr = xrealloc(t->ctr, (t->nctr + 1) * sizeof(*t->ctr));
	t->ctr[t->nctr++] = xstrdup(id);
}

static void today_free(struct today_buf *t)
{
	for (size_t i = 0; i < t->nsvc; i++) {
		free((char *)t->svc[i].id);
		free((char *)t->svc[i].prefix);
	}
	for (size_t i = 0; i < t->nctr; i++)
		free(t->ctr[i]);
	free(t->svc);
	free(t->ctr);
}

int live_merge_journal(struct config *cfg, struct store *st, bool all, bool strict, char **cause)
{
	struct today_buf t = {0};
	int rc = store_today(st, all, today_service, today_counter, &t, cause);
	if (rc == 0) {
		struct config_today today = {.nservices = t.nsvc,
					     .ncounters = t.nctr,
					     .services = t.svc,
					     .counters = (const char *const *)t.ctr};
		rc = config_merge(NULL, cfg, &today, strict, cause);
	}
	today_free(&t);
	return rc;
}

int live_merge_db(struct config *cfg, const char *db, bool all, bool strict, char **cause)
{
	struct store *st = NULL;
	struct store_opts o = {.read_only = true};
	int rc = store_open(db, &cfg->floor_def, &o, &st, cause);
	if (rc == 0)
		rc = live_merge_journal(cfg, st, all, strict, cause);
	store_free(st);
	return rc;
}

/* ---- a change ---- */

/* Keeps cfg until live_free. */
static void keep(struct live *l, struct config *cfg)
{
	l->kept = xrealloc(l->kept, (l->nkept + 1) * sizeof(*l->kept));
	l->kept[l->nkept++] = cfg;
}

/* Merges next (owned; freed on failure) over the running floor and puts it in place.
 * Returns 0 with *seq the floor.config event's, or -EINVAL with *errors. */
static int apply(struct live *l, struct config *next, const char *by, bool strict, uint64_t *seq,
		 char **errors)
{
	struct config_today today;
	engine_today(l->engine, &today);
	int rc = config_merge(l->cfg, next, &today, strict, errors);
	engine_today_free(&today);
	if (rc != 0) {
		config_free(next);
		return -EINVAL;
	}
	const char **changed = config_changed_keys(l->cfg, next);
	rc = engine_reconfigure(l->engine, next, by, changed, seq, errors);
	if (rc != 0) {
		free(changed);
		config_free(next);
		return -EINVAL;
	}
	char version[17];
	config_version(next, version);
	log_info("configuration changed by %s: version %s, %zu services, %zu counters", by, version,
		 next->nlisted, next->nclisted);
	struct util_text what = {0}; /* the audit log says which parts changed */
	for (size_t i = 0; changed && changed[i]; i++) {
		util_text_printf(&what, "%s%s", i ? ", " : "", changed[i]);
		if (!strcmp(changed[i], "auth")) /* the directory, now (only the file changes it) */
			auth_set_ldap(l->auth, next->ldap);
	}
	auth_audit(l->auth, by, "config.change", "floor", what.s ? what.s : "");
	free(what.s);
	free(changed);
	keep(l, next);
	l->cfg = next;
	stats_run_set_config(l->stats, next);
	return 0;
}

/* Parses text, or gives every error of it. */
static struct config *parse(const char *text, size_t len, char **errors)
{
	struct config *cfg = NULL;
	if (config_parse(text, len, &cfg, errors) != 0)
		return NULL;
	return cfg;
}

/* Writes text to path as a whole: a temporary file beside it, synced, renamed over it,
 * and the folder synced (worker thread). */
static void write_work(struct worker_job *job)
{
	struct live_put *p = job->data;
	char *tmp = xasprintf("%s.new", p->path);
	char *dir = xstrdup(p->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	else
		strcpy(dir, ".");
	struct stat st;
	mode_t mode = stat(p->path, &st) == 0 ? (st.st_mode & 07777) : 0640;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0)
		fchmod(fd, mode); /* the umask does not take from the file's own mode */
	size_t off = 0;
	while (fd >= 0 && off < p->len) {
		ssize_t n = write(fd, p->text + off, p->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (fd < 0 || off < p->len || fsync(fd) != 0 || rename(tmp, p->path) != 0) {
		p->cause =
		    xasprintf("%s: %s", fd < 0 || off < p->len ? tmp : p->path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	} else {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dir);
}

static void put_free(struct live_put *p)
{
	free(p->path);
	free(p->text);
	free(p->by);
	free(p->cause);
	free(p);
}

/* The file is written: the change runs now (lenient only in what the floor did while the
 * file was written: a prefix that a new ticket fixed meanwhile waits for the next day). */
static void write_done(struct worker_job *job, int status)
{
	struct live_put *p = job->data;
	struct live *l = p->l;
	l->busy = false;
	if (status != 0 || p->cause || l->stopping) {
		p->done(-EIO, p->cause ? p->cause : "torgd is stopping", 0, p->darg);
		put_free(p);
		return;
	}
	char *errors = NULL;
	uint64_t seq = 0;
	struct config *next = parse(p->text, p->len, &errors);
	int rc = next ? apply(l, next, p->by, false, &seq, &errors) : -EINVAL;
	p->done(rc, errors, seq, p->darg);
	free(errors);
	put_free(p);
}

int live_put(void *arg, const char *text, size_t len, const char *by,
	     void (*done)(int status, const char *errors, uint64_t seq, void *darg), void *darg)
{
	struct live *l = arg;
	if (l->busy || l->stopping) {
		done(-EBUSY, NULL, 0, darg);
		return -EBUSY;
	}
	char *errors = NULL;
	struct config *next = parse(text, len, &errors);
	struct config_today today;
	engine_today(l->engine, &today);
	if (next) /* the whole check now, on a copy: the file is written only when it holds */
		config_merge(l->cfg, next, &today, true, &errors);
	else
		config_day_errors(l->cfg, text, len, &today, &errors);
	engine_today_free(&today);
	config_free(next);
	if (errors) {
		done(-EINVAL, errors, 0, darg);
		free(errors);
		return -EINVAL;
	}
	struct live_put *p = xcalloc(1, sizeof(*p));
	*p = (struct live_put){.l = l,
			       .path = xstrdup(l->path),
			       .text = xstrndup(text, len),
			       .len = len,
			       .by = xstrdup(by),
			       .done = done,
			       .darg = darg};
	p->job.data = p;
	if (worker_queue(l->worker, &p->job, write_work, write_done) != 0) {
		done(-EIO, "the configuration writer is not running", 0, darg);
		put_free(p);
		return -EIO;
	}
	l->busy = true;
	return 0;
}

void live_reload(struct live *l)
{
	struct config *next = NULL;
	char *errors = NULL;
	if (config_load(l->path, &next, &errors) != 0) {
		log_err("SIGHUP: %s: the running configuration stays:", l->path);
		log_lines(LOG_ERR, errors);
		free(errors);
		return;
	}
	if (!strcmp(next->doc, l->cfg->doc)) {
		log_info("SIGHUP: %s is unchanged", l->path);
		config_free(next);
		return;
	}
	uint64_t seq;
	if (l->busy || apply(l, next, "file", true, &seq, &errors) != 0) {
		log_err("SIGHUP: %s: the running configuration stays:", l->path);
		log_lines(LOG_ERR, errors ? errors : "a change from the page is being saved");
		if (l->busy)
			config_free(next);
		free(errors);
		return;
	}
	log_info("SIGHUP: %s read again and in place (floor.config seq %llu)", l->path,
		 (unsigned long long)seq);
}

/* Whether the running config holds something only for the day: a removed service or
 * counter kept for its tickets, a prefix or a service waiting for the next day. */
static bool holds_for_the_day(const struct config *cfg)
{
	if (cfg->deferred)
		return true;
	for (size_t i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].retired && !cfg->services[i].gone)
			return true;
	for (size_t i = 0; i < cfg->ncounters; i++)
		if (cfg->counters[i].retired && !cfg->counters[i].gone)
			return true;
	return false;
}

/* Once a second: a new day lets go of what the old one held. */
static void day_cb(uv_timer_t *h)
{
	struct live *l = h->data;
	int32_t day = floor_day(engine_floor(l->engine));
	if (day == l->day || l->busy)
		return;
	l->day = day;
	if (!holds_for_the_day(l->cfg))
		return;
	char *errors = NULL;
	uint64_t seq;
	struct config *next = parse(l->cfg->doc, strlen(l->cfg->doc), &errors);
	if (!next || apply(l, next, "torgd", false, &seq, &errors) != 0) {
		log_err("the new day's configuration could not be laid over the floor:");
		log_lines(LOG_ERR, errors ? errors : "");
	}
	free(errors);
}

int live_create(uv_loop_t *loop, const char *path, struct config *cfg, struct engine *e,
		struct stats_run *stats, struct auth *auth, struct live **out)
{
	struct live *l = xcalloc(1, sizeof(*l));
	l->auth = auth;
	l->loop = loop;
	l->path = xstrdup(path);
	l->cfg = cfg;
	l->engine = e;
	l->stats = stats;
	keep(l, cfg);
	int rc = worker_create(loop, "torg-config", 1, 4, &l->worker);
	if (rc != 0) {
		free(l->kept);
		free(l->path);
		free(l);
		return rc;
	}
	l->day = floor_day(engine_floor(e));
	uv_timer_init(loop, &l->day_timer);
	l->day_timer.data = l;
	uv_timer_start(&l->day_timer, day_cb, LIVE_DAY_CHECK_MS, LIVE_DAY_CHECK_MS);
	uv_unref((uv_handle_t *)&l->day_timer);
	*out = l;
	return 0;
}

static void part_stopped(void *arg)
{
	struct live *l = arg;
	if (--l->parts == 0 && l->stopped_cb)
		l->stopped_cb(l->stopped_arg);
}

static void timer_closed(uv_handle_t *h)
{
	part_stopped(h->data);
}

void live_stop(struct live *l, void (*done_cb)(void *arg), void *arg)
{
	l->stopping = true;
	l->stopped_cb = done_cb;
	l->stopped_arg = arg;
	l->parts = 2;
	uv_close((uv_handle_t *)&l->day_timer, timer_closed);
	worker_stop(l->worker, part_stopped, l);
}

void live_free(struct live *l, struct config *keep_cfg)
{
	if (!l)
		return;
	worker_free(l->worker);
	for (size_t i = 0; i < l->nkept; i++)
		if (l->kept[i] != keep_cfg)
			config_free(l->kept[i]);
	free(l->kept);
	free(l->path);
	free(l);
}
