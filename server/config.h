/*
 * config.h — the floor configuration: one JSON file (see config/README.md)
 * parsed and validated into a struct config that callers read directly. The
 * parser rejects anything doubtful — unknown keys, duplicates, bad ids, missing
 * translations — with a message naming the exact place, JSON-path style
 * ("counters[2].services[0]: unknown service \"nva\""), and reports every error of
 * a file at once (struct config_errors), in document order. Besides reading the
 * file, the only I/O is checking that the time zone exists under
 * /usr/share/zoneinfo. The config owns every string and array it holds,
 * including the arrays behind floor_def, so floor_create(&cfg->floor_def)
 * works for as long as the config lives.
 */
#ifndef TORG_CONFIG_H
#define TORG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "floor.h"
#include "hours.h"
#include "netaddr.h"

struct config_ldap;

#define CONFIG_MAX_SERVICES  FLOOR_MAX_SERVICES /* 64 */
#define CONFIG_MAX_COUNTERS  FLOOR_MAX_COUNTERS /* 1024 */
#define CONFIG_MAX_DISPLAYS  64
#define CONFIG_MAX_KEYS	     256
#define CONFIG_MAX_LANGUAGES 32
#define CONFIG_ID_MAX	     32	 /* ids are [a-z0-9_-]{1,32} */
#define CONFIG_LANG_MAX	     16	 /* language tag with NUL, e.g. "nb", "pt-BR" */
#define CONFIG_KEY_MIN	     16	 /* shortest kiosk key */
#define CONFIG_KEY_MAX	     256 /* longest kiosk key */
#define CONFIG_IDLE_MIN_S    3	 /* shortest kiosks.idle_s */
#define CONFIG_MAX_PROXIES   64
#define CONFIG_MAX_ORIGINS   16
#define CONFIG_MAX_ERRORS    200 /* errors listed; past it one line says how many more */

/* notices (config_notices.c) */
#define CONFIG_MAX_EXCEPTIONS 400 /* dated opening-hours exceptions */
#define CONFIG_MAX_MESSAGES   64  /* screen messages */
#define CONFIG_MESSAGE_MAX    280 /* characters of a message's text */
#define CONFIG_EXCEPTION_DAYS 366 /* longest from..to of an exception */

/* SQLite's synchronous mode for the store. */
enum config_sync {
	CONFIG_SYNC_NORMAL = 1,
	CONFIG_SYNC_FULL = 2, /* default */
	CONFIG_SYNC_EXTRA = 3,
};

enum config_counter_kind {
	CONFIG_KIND_COUNTER = 0, /* a desk in the open hall (default) */
	CONFIG_KIND_ROOM = 1,	 /* a closed meeting room */
};

enum config_kiosk_policy {
	CONFIG_KIOSK_PUBLIC = 0, /* anyone may take a ticket (kiosks, phones); default */
	CONFIG_KIOSK_KEY = 1,	 /* POST /tickets needs a configured kiosk key */
};

/* One text in one language. */
struct config_name {
	char lang[CONFIG_LANG_MAX];
	char *text;
};

/* A text in several languages, in the order the file gives them. */
struct config_names {
	size_t n;
	struct config_name *v;
};

struct config_service {
	char *id;
	char *prefix; /* 1-2 capital ASCII letters */
	struct config_names name;
	int target_wait_s;  /* default 600 */
	int service_s;	    /* default 300: first guess of one meeting's length */
	char *icon;	    /* icon name, default "ticket" */
	bool own_hours;	    /* the service set "hours" itself */
	struct hours hours; /* effective hours: its own, else a copy of the floor's */
	/* Set by config_merge() only (a file never says them): */
	bool retired;	 /* removed while the floor ran; kept for the day's tickets */
	bool gone;	 /* retired, and no ticket of the day was in it at the last merge */
	size_t naliases; /* earlier ids of this service today (renamed, same prefix) */
	char **aliases;
};

struct config_counter {
	char *id;
	struct config_names name; /* default: the id, in every floor language */
	enum config_counter_kind kind;
	uint64_t services; /* mask of service indexes */
	size_t norder;	   /* services in the order the file lists them (for "ordered") */
	uint8_t order[CONFIG_MAX_SERVICES];
	enum floor_policy policy;   /* default FLOOR_POLICY_OVERDUE */
	struct config_names spoken; /* announced name per language; default the name */
	bool retired, gone;	    /* as for services, set by config_merge() */
};

/* How a display shows its languages other than the first (the primary). */
enum config_language_mode {
	CONFIG_LANGUAGE_PRIMARY,     /* the primary language only */
	CONFIG_LANGUAGE_SECOND_LINE, /* the others as a quieter second line */
	CONFIG_LANGUAGE_ROTATE,	     /* the second line turns slowly through the others */
};

/** The configuration name of a language mode ("primary", "second_line", "rotate"). */
const char *config_language_mode_name(enum config_language_mode m);

struct config_display {
	char *id;
	char *name;	   /* default: the id */
	bool all_services; /* "services" absent: shows every service */
	uint64_t
	    services; /* mask of service indexes (all bits of all services when all_services) */
	size_t nlanguages;
	char (*languages)[CONFIG_LANG_MAX];	 /* default: the floor's languages */
	enum config_language_mode language_mode; /* default: second line when >1 language */
	char *logo;	   /* file name under <pages>/static/logos/, or NULL */
	char colors[3][8]; /* background, foreground, accent: "#rrggbb" or "" (unset) */
	size_t nannounce;  /* the languages calls are announced in: default its languages */
	char (*announce)[CONFIG_LANG_MAX];
};

struct config_kiosk_key {
	char *id;
	char *key; /* secret, >= CONFIG_KEY_MIN chars; never log it */
};

/* A dated exception to the opening hours (exceptions[]): its dates and spans (none:
 * closed), for the floor and every service or for some services, with a note. */
struct config_exception {
	struct hours_exception h;
	bool all_services;	  /* "services" absent */
	uint64_t services;	  /* mask of service indexes (every service when all_services) */
	struct config_names note; /* n 0 when none */
};

/* A local wall-clock moment of the floor ("2026-12-01T08:00"), date 0 when unset. */
struct config_local_time {
	int32_t date; /* yyyymmdd */
	int minute;   /* 0..1439 */
};

/* A screen message (messages[]). */
struct config_message {
	char *id;
	struct config_names text;	      /* every floor language */
	struct config_local_time from, until; /* each optional */
	bool all_displays;		      /* "displays" absent: every display */
	uint64_t displays;		      /* mask of display indexes */
	bool kiosks;			      /* also on kiosks (default true) */
};

struct config {
	/* floor */
	char *floor_id;
	struct config_names floor_name;
	char *timezone;	   /* e.g. "Europe/Oslo"; exists under /usr/share/zoneinfo */
	int day_start_min; /* default 240 (04:00) */
	size_t nlanguages; /* default nb, nn, sv, en; always contains these four */
	char (*languages)[CONFIG_LANG_MAX];

	/* server */
	char *listen;	/* default "127.0.0.1:8080" */
	char *database; /* default "torg.db" (relative to the working directory) */
	enum config_sync synchronous;
	char *public_url; /* NULL when not set */
	/* Proxies whose X-Forwarded-For/-Proto are believed (server.trusted_proxies). */
	size_t ntrusted_proxies;
	struct netaddr_cidr *trusted_proxies;
	/* Origins (normalised "scheme://host[:port]") that may send cookie-authenticated
	 * state-changing requests and open WebSockets, besides the floor's own
	 * (server.allowed_origins; public_url's origin is added). */
	size_t nallowed_origins;
	char **allowed_origins;
	/* Origins that may frame the wall display (server.frame_ancestors). */
	size_t nframe_ancestors;
	char **frame_ancestors;
	int max_connections;		 /* default 20000 */
	int max_connections_per_address; /* default 256 */
	int ws_ping_s;			 /* a quiet WebSocket is pinged after this; default 30 */
	int ws_idle_close_s;		 /* and closed when quiet this long; default 70 */
	/* TLS on torgd's own port (server.tls): PEM certificate chain and private key
	 * files, both NULL when torgd speaks plain HTTP. */
	char *tls_cert, *tls_key;

	struct hours hours; /* default: always open */

	size_t nservices;
	struct config_service *services;
	size_t ncounters;
	struct config_counter *counters;
	size_t ndisplays;
	struct config_display *displays;

	/* kiosks */
	enum config_kiosk_policy kiosk_policy;
	size_t nkiosk_keys;
	struct config_kiosk_key *kiosk_keys;
	int kiosk_rate_per_minute; /* tickets per minute per client address; default 20, 0 = no
				      limit */
	int kiosk_idle_s;	   /* a ticket screen untouched this long goes back; default 60 */

	int starvation_bound_s; /* default 1200 */
	int retention_days;	/* default 90 */
	char *voice_clips_dir;	/* voice.clips_dir: recorded clips, NULL for none */
	int voice_cache_mb;	/* voice.cache_mb: announcements kept in memory, default 16 */
	bool per_staff;		/* default false */

	/* The file's document as compact JSON with sorted keys (what "version" hashes and
	 * what a change is compared with). */
	char *doc;
	/* The services and counters in the file's order, as indexes: the same as 0..n-1 for
	 * a file's config, a permutation of the live ones after config_merge() (which keeps
	 * every index a running floor has handed out, appending new ones). */
	size_t nlisted, nclisted;
	int16_t *listed, *clisted;
	/* config_merge() kept a prefix or left a new service out until the day ends. */
	bool deferred;
	/* notices (config_notices.c): dated hours exceptions, screen messages */
	size_t nexceptions;
	struct config_exception *exceptions;
	int32_t exceptions_last; /* the latest "to" of them: no exception holds after it */
	size_t nmessages;
	struct config_message *messages;
	struct config_ldap *ldap; /* auth.ldap (config_ldap.h), NULL when not set */

	/* Filled from services/counters; arrays owned by the config. */
	struct floor_def floor_def;
	struct floor_service_def *floor_services;
	struct floor_counter_def *floor_counters;
};

/* One validation error: the JSON path of the value ("services[2].prefix", "" for the
 * file as a whole) and what is wrong with it. */
struct config_error {
	char *path;
	char *message;
};

/* Every error of one parse, in document order. When more than CONFIG_MAX_ERRORS were
 * found, v holds the first CONFIG_MAX_ERRORS the parser came to and then one more
 * entry, path "" and message "… and N more errors"; total counts every error found. */
struct config_errors {
	size_t n;
	struct config_error *v;
	size_t total;
};

/** Parses len bytes of JSON and reports every error at once. Returns 0 with *out a new
 *  config and errs empty, or -EINVAL with *out NULL and errs filled (free with
 *  config_errors_free). Checking stops early only where nothing after could be read: a
 *  JSON syntax error ("line L, column C: ...", path "") and a top level that is not an
 *  object. errs may be NULL. */
int config_parse_all(const char *json, size_t len, struct config **out, struct config_errors *errs);
/** Reads the file at path and parses it as config_parse_all does. When the file cannot
 *  be read, returns that negative errno (-ENOENT, -EACCES, -EFBIG, ...) with one error of
 *  path "" and strerror's message (the file's name is not in it). */
int config_load_all(const char *path, struct config **out, struct config_errors *errs);
/** Frees the errors' texts and array and empties errs. NULL is fine. */
void config_errors_free(struct config_errors *errs);
/** The errors as text, one "path: message" line each (just the message when the path is
 *  ""), joined by "\n" without a final one. Returns a malloc'd string (caller frees). */
char *config_errors_text(const struct config_errors *errs);

/** Reads and parses the file at path. Returns 0 with *out a new config (free with
 *  config_free), or a negative errno with *cause a malloc'd message (caller frees):
 *  -ENOENT/-EACCES/... when the file cannot be read (the message is strerror's),
 *  -EINVAL when it is not valid (every error, one line each: config_errors_text). The
 *  message does not name the file: callers print "<path>: <cause>". */
int config_load(const char *path, struct config **out, char **cause);
/** Parses len bytes of JSON (need not be NUL-terminated). Returns 0 with *out a new
 *  config, or -EINVAL with *cause a malloc'd message, every error one line each
 *  (config_errors_text; caller frees). */
int config_parse(const char *json, size_t len, struct config **out, char **cause);
/** Frees the config and everything it owns. NULL is fine. */
void config_free(struct config *cfg);

/* ---- a floor that changes while it runs (config_live.c) ---- */

/* What the floor's day holds of one service, for a merge: its id and the prefix its
 * numbers carry today (NULL when it issued none today). */
struct config_used {
	const char *id;
	const char *prefix;
};

/* The day's use of services and counters (by id): the services that issued numbers or
 * hold tickets, and the counters that are open or named by the day's events. */
struct config_today {
	size_t nservices, ncounters;
	const struct config_used *services;
	const char *const *counters;
};

/** Makes next, a config just parsed from a file, the floor's config while it runs: every
 *  service and counter of run (the running config, or NULL at start-up, when the day's
 *  journal is all there is) keeps its index; one removed from the file is kept, retired,
 *  while the day uses it; one whose id changed but whose prefix stayed is a rename (it
 *  keeps its index and its numbering); new ones are appended; the masks are remapped.
 *  strict (a change to a running floor) refuses what the day forbids — a new prefix for a
 *  service that issued numbers today, more than CONFIG_MAX_SERVICES services with the
 *  retired ones — with one error each in errs; lenient (start-up: torgd must start)
 *  keeps today's prefix, leaves a clashing new service out until the day ends, and logs
 *  each. Returns 0, or -EINVAL with errs filled (next is then unusable: free it). */
int config_merge(const struct config *run, struct config *next, const struct config_today *today,
		 bool strict, char **cause);
/** For a document that does not parse (config_parse gave *errors): appends what a
 *  running floor would also refuse of it — keys that need a restart, a new prefix for a
 *  service that issued numbers today — so that every error comes at once. */
void config_day_errors(const struct config *run, const char *text, size_t len,
		       const struct config_today *today, char **errors);
/** The top-level keys whose values differ between two configs' documents, as a
 *  NULL-terminated array (free the array only; the strings are static), or NULL when the
 *  documents are the same. */
const char **config_changed_keys(const struct config *a, const struct config *b);
/** The document's version: 16 hex digits of a hash of its text, into out[17]. */
void config_version(const struct config *cfg, char out[17]);

/** Index of the service with that id, or -1. */
int config_service_index(const struct config *cfg, const char *id);
/** Index of the service with that prefix ("B"), or -1. */
int config_service_by_prefix(const struct config *cfg, const char *prefix);
/** Index of the counter with that id, or -1. */
int config_counter_index(const struct config *cfg, const char *id);
/** The display with that id (borrowed), or NULL. */
const struct config_display *config_display_find(const struct config *cfg, const char *id);
/** The kiosk key entry whose key equals key (constant-time compare), or NULL. */
const struct config_kiosk_key *config_kiosk_key_find(const struct config *cfg, const char *key);

/** The text for lang (borrowed), or NULL when names has none in that language. */
const char *config_name_get(const struct config_names *names, const char *lang);
/** The text for lang, else English, else bokmål, else the first given (borrowed);
 *  NULL only when names is empty. */
const char *config_name_best(const struct config_names *names, const char *lang);
/** True when lang is one of the floor's languages. */
bool config_has_language(const struct config *cfg, const char *lang);

/** The exception of service (index; -1: the floor-wide ones only) on the wall-clock date
 *  yyyymmdd (borrowed), or NULL. */
const struct config_exception *config_exception_on(const struct config *cfg, int service,
						   int32_t date);
/** Fills *cal with service's week (-1: the floor's) and the exceptions that apply to it. */
void config_hours_cal(const struct config *cfg, int service, struct hours_cal *cal);
/** Uses the process TZ (hours.h): the UTC ms of a local moment of the floor; 0 when unset. */
int64_t config_local_ms(struct config_local_time t);
/** True when message m is for the display d (index; CONFIG_MAX_DISPLAYS or more: a display
 *  not in this configuration, which gets only the messages for every display), or, with
 *  d -1, for kiosks. */
bool config_message_for(const struct config_message *m, int d);
#define CONFIG_NOTICES_LOOK_MS (15 * 60 * 1000) /* the longest wait between two looks */
/** Uses the process TZ (hours.h): a key of what the notices of a snapshot depend on at
 *  now_ms (the local date, the floor's day, each message's phase: not started, showing,
 *  ended), equal for two moments exactly when nothing of them changed between; *next_ms
 *  gets the next moment after now_ms when it may change (a message's from or until, the
 *  next midnight or day start), at most CONFIG_NOTICES_LOOK_MS ahead. */
uint64_t config_notices_phase(const struct config *cfg, int64_t now_ms, int64_t *next_ms);
/** Frees the exceptions and messages (config_free's part). */
void config_notices_free(struct config *cfg);

/** Wire name of a policy ("overdue", "fifo", "ordered"). */
const char *config_policy_name(enum floor_policy policy);
/** Wire name of a counter kind ("counter", "room"). */
const char *config_kind_name(enum config_counter_kind kind);
/** SQLite pragma value of a synchronous mode ("NORMAL", "FULL", "EXTRA"). */
const char *config_sync_name(enum config_sync sync);

#endif
