/*
 * config_json.h — internal to the config module: the JSON-reading toolkit that
 * config.c's section parsers share (config_json.c). Every helper names the
 * JSON path of what it checks in its errors, records each in the parse state, and
 * returns 0 or -EINVAL. A parser that meets an error records it and goes on with
 * whatever does not depend on the failed value (the next key, entry or section), so
 * that one run reports everything; it returns -EINVAL only to say "this value is not
 * usable" to a caller that depends on it. Not for use outside server/config*.c.
 */
#ifndef TORG_CONFIG_JSON_H
#define TORG_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"

#define CONFIG__NAME_MAX  200 /* longest name text, in bytes */
#define CONFIG__PATH_LEN  192 /* JSON paths: ids are short, array indexes small */
#define CONFIG__QUOTE_MAX 48  /* bytes of a file string shown in a message */

/* The state of one parse: the config being filled and the errors found so far. */
struct config__parse {
	struct config *cfg;
	json_t *root;		   /* the document (borrowed) */
	struct config_errors errs; /* the first CONFIG_MAX_ERRORS found, in the order found */
	size_t nfailed;		   /* every error found, past the cap too */
	bool services_known;	   /* "services" is a non-empty array: ids are looked up */
	char qbuf[4][CONFIG__QUOTE_MAX * 6 + 8];
	int qnext;
};

/* Records "path: message" among the parse's errors; returns -EINVAL. */
int config__fail(struct config__parse *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* -EINVAL when an error was recorded since p->nfailed was mark, else 0: a parser that
 * goes on past errors returns this to say whether its value is usable. */
int config__failed_since(const struct config__parse *p, size_t mark);

/* Sorts the recorded errors into document order and adds the "… and N more errors"
 * line when some were past the cap (config_errors.c); then hands them to *out (or frees
 * them when out is NULL). */
void config__errors_finish(struct config__parse *p, struct config_errors *out);

/* A file string as a short, escaped, double-quoted literal for a message (rotating buffers). */
const char *config__quote(struct config__parse *p, const char *s);

/* JSON type name for messages ("string", "integer", ...). */
const char *config__type_name(const json_t *v);

/* Writes "path.key" into buf (just "key" at the top level). */
void config__join(char *buf, const char *path, const char *key);

/* Writes "path[i]" into buf. */
void config__join_index(char *buf, const char *path, size_t i);

/* Fails on every key of obj not in the NULL-terminated list allowed (or starting with '_'). */
int config__check_keys(struct config__parse *p, const char *path, json_t *obj,
		       const char *const *allowed);

/* Fetches obj[key] as an object/array/etc. of type t; *out NULL when absent and optional. */
int config__get_typed(struct config__parse *p, const char *path, json_t *obj, const char *key,
		      json_type t, const char *what, bool required, json_t **out);

/* Reads obj[key] as a string into *out (borrowed from the JSON); keeps *out when absent. */
int config__get_string(struct config__parse *p, const char *path, json_t *obj, const char *key,
		       bool required, const char **out);

/* Reads obj[key] as an integer in [min, max] into *out; keeps *out when absent. */
int config__get_int(struct config__parse *p, const char *path, json_t *obj, const char *key,
		    int min, int max, int *out);

/* Reads obj[key] as a boolean into *out; keeps *out when absent. */
int config__get_bool(struct config__parse *p, const char *path, json_t *obj, const char *key,
		     bool *out);

/* Maps s to the index of an entry of the NULL-terminated list names, or fails. */
int config__get_enum(struct config__parse *p, const char *path, const char *s,
		     const char *const *names);

/* True when s is an id: [a-z0-9_-]{1,CONFIG_ID_MAX}. */
bool config__valid_id(const char *s);

/* True when s is a language tag: [a-z]{2,3}(-[A-Za-z0-9]{1,8})*, shorter than CONFIG_LANG_MAX. */
bool config__valid_lang(const char *s);

/* Reads obj[key] as an id into *out (xstrdup'd); required ids fail when absent. */
int config__get_id(struct config__parse *p, const char *path, json_t *obj, const char *key,
		   bool required, char **out);

/* Fills cfg->floor_def (and its arrays) from cfg's services and counters. */
void config__fill_floor_def(struct config *cfg);

/* Keeps root as cfg->doc (compact, sorted keys) and the identity order as listed/clisted. */
void config__set_doc(struct config *cfg, json_t *root);

/* Frees the texts of a names set. */
void config__names_free(struct config_names *names);

/* Parses a {lang: text} object at path into *out; every floor language must be there. */
int config__parse_names(struct config__parse *p, const char *path, json_t *v,
			struct config_names *out);

/* Parses an array of language tags at path into *out and *n (xcalloc'd); floor_only
 * restricts them to the floor's languages. */
int config__parse_langs(struct config__parse *p, const char *path, json_t *v, bool floor_only,
			char (**out)[CONFIG_LANG_MAX], size_t *n);

/* Parses "always" or {"mon": [["08:00","15:30"], ...], ...} at path into *h. */
int config__parse_hours(struct config__parse *p, const char *path, json_t *v, struct hours *h);

/* True when the zone name is plain and /usr/share/zoneinfo/<tz> is a regular file. */
bool config__tz_exists(const char *tz);

/* Parses a display's language_mode, logo and colors at path into *d, after its
 * languages (config_display.c). */
int config__parse_display_look(struct config__parse *p, const char *path, json_t *o,
			       struct config_display *d);

/* Parses the "server" section (config_server.c). */
int config__parse_server(struct config__parse *p, json_t *root);
/** Parses the optional "voice" section, displays[].announce and counters[].spoken
 *  (config_voice.c), after the counters and displays. */
int config__parse_voice(struct config__parse *p, json_t *root);
/** Parses the optional top-level "exceptions" and "messages" (config_notices.c), after
 *  the services and displays they name. */
int config__parse_exceptions(struct config__parse *p, json_t *root);
int config__parse_messages(struct config__parse *p, json_t *root);
/** Parses the optional "auth" section (config_ldap.c), after the services. */
int config__parse_auth(struct config__parse *p, json_t *root);

#endif
