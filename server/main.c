/*
 * main.c — torgd's command line and life cycle: load and check the floor's
 * configuration, run the `user`, `backup`, `restore` and `check` subcommands,
 * or open the store, replay the journal, and serve until SIGINT/SIGTERM (SIGHUP
 * re-reads server.tls's certificate and key). Shutdown closes every connection,
 * commits what is pending, closes every handle, and checks that uv_loop_close()
 * returns 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "api.h"
#include "auth.h"
#include "cli_backup.h"
#include "cli_user.h"
#include "config.h"
#include "db_lock.h"
#include "engine.h"
#include "live.h"
#include "paths.h"
#include "sdnotify.h"
#include "stats_run.h"
#include "store.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/torg/floor.json"

struct torgd {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm, sighup;
	uv_timer_t watchdog; /* systemd's, see sdnotify.h */
	struct config *cfg;
	struct store *store;
	struct auth *auth;
	struct clock clock;
	struct engine *engine;
	struct api *api;
	struct stats_run *stats;
	struct live *live;
	int stopping_parts;
	bool stopping;
};

static void usage(FILE *f)
{
	fputs("usage: torgd [--config PATH] [--listen ADDR:PORT] [--db PATH] [--www DIR]\n"
	      "             [--log-level error|warn|info|debug] [--test-clock]\n"
	      "       torgd --check-config [--config PATH] [--db PATH]\n"
	      "       torgd user add NAME --role counter|manager|admin [--services a,b]\n"
	      "       torgd user list\n"
	      "       torgd user remove NAME\n"
	      "       torgd user passwd NAME\n"
	      "       torgd user disable NAME | user enable NAME\n"
	      "       torgd user set NAME [--role ROLE] [--services a,b|*]\n"
	      "       torgd backup PATH [--force] [--progress]\n"
	      "       torgd restore PATH\n"
	      "       torgd check\n"
	      "       torgd --version | --help\n"
	      "\n"
	      "Runs the torg queue server for one floor. The configuration is a JSON file\n"
	      "(default " DEFAULT_CONFIG ", or $TORG_CONFIG); --listen and --db override its\n"
	      "server.listen and server.database. The subcommands take the same --config and\n"
	      "--db before their word; `user add` and `user passwd` read the password from\n"
	      "standard input. `user passwd`, `disable`, `set` and `remove` end the user's\n"
	      "sessions (a running torgd within about a second).\n"
	      "`backup` copies the database while torgd runs (a consistent snapshot, staff\n"
	      "users kept, sign-in sessions left out); `restore` puts a backup in place of a\n"
	      "stopped torgd's database (the old one kept beside it); `check` verifies the\n"
	      "database and its journal (exit 1 and one line per problem).\n"
	      "--test-clock is for tests only: it lets an admin set the floor's clock\n"
	      "(POST /api/v1/test/clock) and run the retention purge at once.\n",
	      f);
}

/* One part of the shutdown finished; when all have, close the signals. */
static void part_done(void *arg)
{
	struct torgd *t = arg;
	if (--t->stopping_parts == 0) {
		uv_close((uv_handle_t *)&t->sigint, NULL);
		uv_close((uv_handle_t *)&t->sigterm, NULL);
		uv_close((uv_handle_t *)&t->watchdog, NULL);
		uv_close((uv_handle_t *)&t->sighup, NULL);
	}
}

/* SIGHUP (systemctl reload): re-reads what can change without a restart — server.tls's
 * certificate and key (for new connections; open ones keep going) — between systemd's
 * RELOADING=1 and READY=1. Anything else to re-read on SIGHUP belongs here too. */
static void sighup_cb(uv_signal_t *h, int signum)
{
	(void)signum;
	struct torgd *t = h->data;
	char *cause = NULL;
	if (t->stopping)
		return;
	sdnotify_reloading();
	live_reload(t->live);
	int rc = api_tls_reload(t->api, &cause);
	sdnotify_ready(NULL);
	if (rc == 0)
		log_info("SIGHUP: server.tls certificate and key read again (%s)",
			 t->cfg->tls_cert);
	else if (rc > 0)
		log_info("SIGHUP: nothing to read again (no server.tls)");
	else
		log_err("SIGHUP: %s; the running certificate stays", cause);
	free(cause);
}

/* SIGINT/SIGTERM: stop accepting, commit what is pending, close everything. */
static void signal_cb(uv_signal_t *h, int signum)
{
	struct torgd *t = h->data;
	if (t->stopping)
		return;
	t->stopping = true;
	log_info("%s: shutting down", signum == SIGINT ? "SIGINT" : "SIGTERM");
	sdnotify_stopping();
	api_stop(t->api);
	t->stopping_parts = 4;
	live_stop(t->live, part_done, t);
	stats_run_stop(t->stats, part_done, t);
	engine_stop(t->engine, part_done, t);
	auth_stop(t->auth, part_done, t);
}

/* Splits argv at a subcommand word (user, backup, restore, check): the options before it
 * are torgd's. */
static int find_subcommand(int argc, char **argv)
{
	static const char *const words[] = {"user", "backup", "restore", "check"};
	for (int i = 1; i < argc; i++) {
		for (size_t w = 0; w < ARRAY_SIZE(words); w++)
			if (strcmp(argv[i], words[w]) == 0)
				return i;
		if (argv[i][0] != '-')
			return -1;
		if (strchr(argv[i], '=') == NULL &&
		    (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--db") == 0 ||
		     strcmp(argv[i], "--listen") == 0 || strcmp(argv[i], "--www") == 0 ||
		     strcmp(argv[i], "--log-level") == 0))
			i++;
	}
	return -1;
}

/* Creates the missing directories above the database (mode 0750, like `mkdir -p`), so
 * that `torgd user add` works before the first start: with a plain `meson install`
 * neither /var/lib/torg nor /var/lib/torg/FLOOR exists yet (systemd's StateDirectory=
 * makes both, and hands them to the service's user, only at the first start). The path
 * is the operator's own configuration; each directory made is logged, so a typo shows.
 * Returns 0, or -1 with *cause naming the path. */
static int make_db_dir(const char *db, char **cause)
{
	char *dir = xstrdup(db);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir)
		*slash = '\0';
	else
		dir[slash ? 1 : 0] = '\0'; /* "/torg.db" lives in "/", "torg.db" in "." */
	for (char *p = dir + 1; dir[0] && rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		struct stat st;
		if (mkdir(dir, 0750) == 0)
			log_info("created the database's directory %s", dir);
		else if (errno != EEXIST)
			*cause = xasprintf("cannot create the database's directory %s: %s", dir,
					   strerror(errno));
		else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			*cause = xasprintf(
			    "%s is in the database's path (%s) but is not a directory", dir, db);
		rc = *cause ? -1 : 0;
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return rc;
}

/* Runs the server until a signal stops it; returns the exit code. */
static int serve(struct config *cfg, const char *path, const char *db, const char *listen,
		 const char *www, bool test_clock)
{
	struct torgd t;
	memset(&t, 0, sizeof(t));
	t.cfg = cfg;
	char *cause = NULL;
	int code = 1, lock_fd = -1;
	sdnotify_init();
	if (api_listen_check(listen, &cause) != 0) {
		log_refusal("%s", cause);
		goto out;
	}
	lock_fd = db_lock(db, &cause);
	if (lock_fd < 0) {
		log_refusal("%s: %s", db, cause);
		goto out;
	}
	struct store_opts sopts = {.sync_normal = cfg->synchronous == CONFIG_SYNC_NORMAL};
	if (store_open(db, &cfg->floor_def, &sopts, &t.store, &cause) != 0) {
		log_refusal("%s: %s", db, cause);
		goto out;
	}
	if (auth_open(db, &t.auth, &cause) != 0) {
		log_refusal("%s: %s", db, cause);
		goto out;
	}
	/* what the file removed or renamed but the day's tickets still name stays for the day */
	if (live_merge_journal(cfg, t.store, false, false, &cause) != 0 ||
	    store_redefine(t.store, &cfg->floor_def, &cause) != 0) {
		log_refusal("%s: %s", db, cause);
		goto out;
	}
	auth_set_ldap(t.auth, cfg->ldap);
	uv_loop_init(&t.loop);
	clock_init(&t.clock, cfg->day_start_min, test_clock);
	uint64_t t0 = util_mono_ns();
	if (engine_create(&t.loop, cfg, t.store, &t.clock, &t.engine, &cause) != 0) {
		log_refusal("%s: %s", db, cause);
		goto out_loop;
	}
	t.stats = stats_run_create(&t.loop, db, cfg, &t.clock);
	if (live_create(&t.loop, path, cfg, t.engine, t.stats, t.auth, &t.live) != 0) {
		log_refusal("cannot start the configuration's writer thread");
		goto out_loop;
	}
	if (test_clock)
		log_warn("--test-clock: the floor's clock can be set over HTTP (tests only)");
	log_info("journal replayed to seq %llu in %.1f ms",
		 (unsigned long long)engine_applied_seq(t.engine), (util_mono_ns() - t0) / 1e6);
	struct api_opts aopts = {.listen = listen,
				 .www = www,
				 .clock = &t.clock,
				 .stats = t.stats,
				 .reconfigure = live_put,
				 .reconfigure_arg = t.live};
	if (api_create(&t.loop, &aopts, cfg, t.engine, t.auth, &t.api, &cause) != 0) {
		log_refusal("%s", cause);
		goto out_loop;
	}
	struct engine_hooks hooks;
	api_engine_hooks(t.api, &hooks);
	/* auth first: when the engine then fails, nothing of it runs (an engine that ran
	 * would keep the loop alive with its tick) */
	if (auth_start(t.auth, &t.loop) != 0 || engine_start(t.engine, &hooks) != 0) {
		log_refusal("cannot start the store or the sign-in service");
		auth_stop(t.auth, NULL, NULL);
		api_stop(t.api);
		goto out_loop;
	}
	if (stats_run_start(t.stats) != 0)
		log_warn("statistics are not available (no worker thread)");
	uv_signal_init(&t.loop, &t.sigint);
	uv_signal_init(&t.loop, &t.sigterm);
	uv_signal_init(&t.loop, &t.sighup);
	t.sigint.data = t.sigterm.data = t.sighup.data = &t;
	uv_signal_start(&t.sigint, signal_cb, SIGINT);
	uv_signal_start(&t.sigterm, signal_cb, SIGTERM);
	uv_signal_start(&t.sighup, sighup_cb, SIGHUP);
	log_info("floor %s: %zu services, %zu counters, %zu displays", cfg->floor_id, cfg->nlisted,
		 cfg->nclisted, cfg->ndisplays);
	if (cfg->nservices > cfg->nlisted || cfg->ncounters > cfg->nclisted)
		log_info("kept for the day's tickets, though the file has them no more: %zu "
			 "services, %zu counters",
			 cfg->nservices - cfg->nlisted, cfg->ncounters - cfg->nclisted);
	log_info("listening on %s://%s", cfg->tls_cert ? "https" : "http", listen);
	/* the listener is up and the journal replayed: systemd may now start what needs us */
	if (sdnotify_watchdog_start(&t.loop, &t.watchdog) != 0)
		log_warn("cannot start the systemd watchdog timer");
	char *status = xasprintf("floor %s: listening on %s", cfg->floor_id, listen);
	sdnotify_ready(status);
	free(status);
	uv_run(&t.loop, UV_RUN_DEFAULT);
	code = 0;
out_loop:
	if (t.api) {
		api_stop(t.api);
		uv_run(&t.loop, UV_RUN_DEFAULT);
		api_free(t.api);
	}
	if (t.stats && !t.stopping) {
		stats_run_stop(t.stats, NULL, NULL);
		uv_run(&t.loop, UV_RUN_DEFAULT);
	}
	if (t.live && !t.stopping) {
		live_stop(t.live, NULL, NULL);
		uv_run(&t.loop, UV_RUN_DEFAULT);
	}
	stats_run_free(t.stats);
	engine_free(t.engine);
	live_free(t.live, cfg); /* main frees cfg */
	uv_run(&t.loop, UV_RUN_DEFAULT);
	int rc = uv_loop_close(&t.loop);
	if (rc != 0) {
		log_err("uv_loop_close: %s (a handle was left open)", uv_strerror(rc));
		code = 1;
	}
out:
	auth_free(t.auth);
	store_free(t.store);
	if (lock_fd >= 0)
		close(lock_fd); /* the lock goes with it, after the database is closed */
	free(cause);
	if (code == 0)
		log_info("stopped cleanly");
	return code;
}

/* Prints every error of the configuration file at path, one line each, and then (when
 * the file was read) how many there were. */
static void print_config_errors(const char *path, const struct config_errors *errs, bool count)
{
	for (size_t i = 0; i < errs->n; i++) {
		const struct config_error *e = &errs->v[i];
		log_refusal("%s: %s%s%s", path, e->path, *e->path ? ": " : "", e->message);
	}
	if (count)
		log_refusal("%zu error%s", errs->total, errs->total == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	const char *config_path = getenv("TORG_CONFIG");
	const char *listen = NULL, *db = NULL, *www = NULL;
	bool check = false, test_clock = false;
	int user_at = find_subcommand(argc, argv);
	int own_argc = user_at > 0 ? user_at : argc;
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"listen", required_argument, NULL, 'l'},
	    {"db", required_argument, NULL, 'd'},
	    {"www", required_argument, NULL, 'w'},
	    {"log-level", required_argument, NULL, 'L'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"version", no_argument, NULL, 'V'},
	    {"test-clock", no_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(own_argc, argv, "c:l:d:w:L:CVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'w':
			www = optarg;
			break;
		case 'L':
			if (strcmp(optarg, "error") == 0)
				log_set_level(LOG_ERR);
			else if (strcmp(optarg, "warn") == 0)
				log_set_level(LOG_WARN);
			else if (strcmp(optarg, "info") == 0)
				log_set_level(LOG_INFO);
			else if (strcmp(optarg, "debug") == 0)
				log_set_level(LOG_DEBUG);
			else {
				fprintf(stderr,
					"torgd: --log-level: \"%s\" is not one of error, "
					"warn, info, debug\n",
					optarg);
				return 2;
			}
			break;
		case 'C':
			check = true;
			break;
		case 'T':
			test_clock = true;
			break;
		case 'V':
			printf("torgd %s (protocol torg.v1)\n", TORG_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < own_argc) {
		fprintf(stderr, "torgd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!config_path)
		config_path = DEFAULT_CONFIG;
	struct config *cfg = NULL;
	struct config_errors errs;
	char *cause = NULL;
	int rc = config_load_all(config_path, &cfg, &errs);
	if (rc != 0) {
		print_config_errors(config_path, &errs, rc == -EINVAL);
		config_errors_free(&errs);
		return 2;
	}
	if (check && db && access(db, F_OK) == 0 &&
	    live_merge_db(cfg, db, false, true, &cause) != 0) {
		/* what a running torgd on that database would refuse of this file today */
		fprintf(stderr, "%s: not for the floor's day in %s:\n%s\n", config_path, db, cause);
		free(cause);
		config_free(cfg);
		return 1;
	}
	if (check) {
		printf("%s: ok (floor %s: %zu services, %zu counters, %zu displays)\n", config_path,
		       cfg->floor_id, cfg->nlisted, cfg->nclisted, cfg->ndisplays);
		config_free(cfg);
		return 0;
	}
	/* The floor's clock: local days and opening hours follow its time zone. */
	setenv("TZ", cfg->timezone, 1);
	tzset();
	if (!db)
		db = cfg->database;
	int code;
	if (make_db_dir(db, &cause) != 0) {
		log_refusal("%s", cause);
		free(cause);
		code = 1;
	} else if (user_at > 0 && strcmp(argv[user_at], "check") == 0 && access(db, F_OK) == 0 &&
		   live_merge_db(cfg, db, true, false, &cause) != 0) {
		log_refusal("%s: %s", db,
			    cause); /* the ids of every day it keeps, for the replay */
		free(cause);
		code = 1;
	} else if (user_at > 0 && strcmp(argv[user_at], "user") != 0) {
		code = cli_backup_main(db, &cfg->floor_def, argc - user_at, argv + user_at);
	} else if (user_at > 0) {
		const char **ids = xcalloc(cfg->nservices, sizeof(*ids));
		for (size_t i = 0; i < cfg->nservices; i++)
			ids[i] = cfg->services[i].id;
		code = cli_user_main(db, argc - user_at, argv + user_at, ids, cfg->nservices);
		free(ids);
	} else {
		char *pages = www ? xstrdup(www) : paths_default_www();
		signal(SIGPIPE, SIG_IGN);
		if (paths_check_www(pages, &cause) != 0) {
			log_refusal("%s", cause);
			free(cause);
			code = 1;
		} else {
			code = serve(cfg, config_path, db, listen ? listen : cfg->listen, pages,
				     test_clock);
		}
		free(pages);
	}
	config_free(cfg);
	return code;
}
