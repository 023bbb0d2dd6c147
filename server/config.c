/*
 * config.c — reads the floor's JSON configuration (jansson) and validates it
 * into a struct config (see config.h and config/README.md). Parsing walks the
 * document section by section with the helpers of config_json.c; every check
 * that fails records a message that starts with the JSON path of the offending
 * value (config_errors.c) and the parse goes on with whatever does not depend
 * on it, so that one run names every error. Unknown keys are errors (keys
 * starting with "_" are comments and ignored). A kiosk key is never echoed in a
 * message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_json.h"
#include "config_ldap.h"
#include "util.h"

#define CONFIG_FILE_MAX (16 << 20) /* largest configuration file read */

static const char *const base_langs[] = {"nb", "nn", "sv", "en"};

/* Sets the floor's languages to the four base ones (no usable floor.languages). */
static void default_languages(struct config *cfg)
{
	free(cfg->languages);
	cfg->nlanguages = ARRAY_SIZE(base_langs);
	cfg->languages = xcalloc(cfg->nlanguages, CONFIG_LANG_MAX);
	for (size_t i = 0; i < cfg->nlanguages; i++)
		snprintf(cfg->languages[i], CONFIG_LANG_MAX, "%s", base_langs[i]);
}

/* Parses floor.languages, which must include the four base ones. A base language left
 * out is reported and still added, so that every name is checked in it too: the file
 * will need those texts once the list is fixed. */
static void parse_floor_languages(struct config__parse *p, json_t *v)
{
	struct config *cfg = p->cfg;
	config__parse_langs(p, "floor.languages", v, false, &cfg->languages, &cfg->nlanguages);
	if (cfg->nlanguages == 0) /* not a list of tags at all */
		return;
	for (size_t i = 0; i < ARRAY_SIZE(base_langs); i++) {
		if (config_has_language(cfg, base_langs[i]))
			continue;
		config__fail(p, "floor.languages", "must include \"%s\"", base_langs[i]);
		cfg->languages =
		    xrealloc(cfg->languages, (cfg->nlanguages + 1) * sizeof(*cfg->languages));
		snprintf(cfg->languages[cfg->nlanguages++], CONFIG_LANG_MAX, "%s", base_langs[i]);
	}
}

/* Parses the "floor" section; the floor's languages are set even when it fails, since
 * every name is checked against them. */
static int parse_floor(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"id",	 "name",      "timezone",
					   "day_starts", "languages", NULL};
	struct config *cfg = p->cfg;
	size_t mark = p->nfailed;
	json_t *f, *v;
	const char *s = NULL;
	config__get_typed(p, "", root, "floor", JSON_OBJECT, "an object", true, &f);
	if (f && (v = json_object_get(f, "languages")))
		parse_floor_languages(p, v);
	if (cfg->nlanguages == 0)
		default_languages(cfg);
	if (!f)
		return -EINVAL;
	config__check_keys(p, "floor", f, keys);
	config__get_id(p, "floor", f, "id", true, &cfg->floor_id);
	config__get_typed(p, "floor", f, "name", JSON_OBJECT, "an object of language: text", true,
			  &v);
	if (v)
		config__parse_names(p, "floor.name", v, &cfg->floor_name);
	config__get_string(p, "floor", f, "timezone", true, &s);
	if (s && !config__tz_exists(s))
		config__fail(p, "floor.timezone",
			     "%s is not a known time zone (see /usr/share/zoneinfo)",
			     config__quote(p, s));
	else if (s)
		cfg->timezone = xstrdup(s);
	s = NULL;
	config__get_string(p, "floor", f, "day_starts", false, &s);
	int start = s ? hours_parse_hhmm(s, false) : cfg->day_start_min;
	if (start < 0)
		config__fail(p, "floor.day_starts", "%s is not a time HH:MM", config__quote(p, s));
	else
		cfg->day_start_min = start;
	return config__failed_since(p, mark);
}

/* Checks services[i].prefix at path: 1-2 capital letters, not an earlier service's. */
static int check_prefix(struct config__parse *p, const char *path, const char *prefix, size_t i)
{
	struct config *cfg = p->cfg;
	char sub[CONFIG__PATH_LEN];
	size_t plen = strlen(prefix);
	config__join(sub, path, "prefix");
	if (plen < 1 || plen > 2 || strspn(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != plen)
		return config__fail(p, sub, "%s is not 1 or 2 capital letters A-Z",
				    config__quote(p, prefix));
	for (size_t j = 0; j < i; j++)
		if (cfg->services[j].prefix && strcmp(cfg->services[j].prefix, prefix) == 0)
			return config__fail(p, sub, "%s is already used by services[%zu]",
					    config__quote(p, prefix), j);
	return 0;
}

/* Fails at path.id when id (NULL when it did not parse) is the id of one of the i earlier
 * entries of list; first points at entry 0's id (char *), entry j's is j * stride bytes
 * further (one helper for services, counters, displays and kiosk keys). */
static void check_unique(struct config__parse *p, const char *path, const char *list,
			 const char *id, const void *first, size_t stride, size_t i)
{
	char sub[CONFIG__PATH_LEN];
	config__join(sub, path, "id");
	for (size_t j = 0; id && j < i; j++) {
		const char *other = *(char *const *)((const char *)first + j * stride);
		if (other && strcmp(other, id) == 0) {
			config__fail(p, sub, "%s is already used by %s[%zu]", config__quote(p, id),
				     list, j);
			return;
		}
	}
}

/* Parses one service object at path into cfg->services[i]. */
static int parse_service(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"id",	"prefix", "name",  "target_wait_s",
					   "service_s", "icon",	  "hours", NULL};
	struct config *cfg = p->cfg;
	struct config_service *s = &cfg->services[i];
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	const char *prefix = NULL;
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	config__check_keys(p, path, o, keys);
	config__get_id(p, path, o, "id", true, &s->id);
	check_unique(p, path, "services", s->id, &cfg->services[0].id, sizeof(*s), i);
	config__get_string(p, path, o, "prefix", true, &prefix);
	if (prefix && check_prefix(p, path, prefix, i) == 0)
		s->prefix = xstrdup(prefix);
	config__get_typed(p, path, o, "name", JSON_OBJECT, "an object of language: text", true, &v);
	config__join(sub, path, "name");
	if (v)
		config__parse_names(p, sub, v, &s->name);
	s->target_wait_s = 600;
	s->service_s = 300;
	config__get_int(p, path, o, "target_wait_s", 1, 86400, &s->target_wait_s);
	config__get_int(p, path, o, "service_s", 1, 86400, &s->service_s);
	config__get_id(p, path, o, "icon", false, &s->icon);
	if (!s->icon)
		s->icon = xstrdup("ticket");
	s->hours = cfg->hours;
	if ((v = json_object_get(o, "hours"))) {
		config__join(sub, path, "hours");
		config__parse_hours(p, sub, v, &s->hours);
		s->own_hours = true;
	}
	return config__failed_since(p, mark);
}

/* Parses a list of service ids at path into a mask (and order when given); fails when empty.
 * Every entry is checked; when "services" itself is unusable, ids are not looked up. */
static int parse_service_list(struct config__parse *p, const char *path, json_t *v, uint64_t *mask,
			      uint8_t *order, size_t *norder)
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	size_t i;
	json_t *t;
	if (!json_is_array(v))
		return config__fail(p, path, "expected an array of service ids, got %s",
				    config__type_name(v));
	if (json_array_size(v) == 0)
		return config__fail(p, path, "must list at least one service");
	*mask = 0;
	json_array_foreach(v, i, t)
	{
		config__join_index(sub, path, i);
		if (!json_is_string(t)) {
			config__fail(p, sub, "expected a service id, got %s", config__type_name(t));
			continue;
		}
		if (!p->services_known)
			continue;
		int k = config_service_index(p->cfg, json_string_value(t));
		if (k < 0) {
			config__fail(p, sub, "unknown service %s",
				     config__quote(p, json_string_value(t)));
		} else if (*mask & (UINT64_C(1) << k)) {
			config__fail(p, sub, "%s is listed twice",
				     config__quote(p, json_string_value(t)));
		} else {
			*mask |= UINT64_C(1) << k;
			if (order)
				order[(*norder)++] = (uint8_t)k;
		}
	}
	return config__failed_since(p, mark);
}

/* Reads the optional string obj[key] at path as one of names into *out; keeps *out when
 * absent or wrong. */
static void parse_enum_key(struct config__parse *p, const char *path, json_t *obj, const char *key,
			   const char *const *names, int *out)
{
	char sub[CONFIG__PATH_LEN];
	const char *s = NULL;
	config__get_string(p, path, obj, key, false, &s);
	config__join(sub, path, key);
	int i = s ? config__get_enum(p, sub, s, names) : -1;
	if (i >= 0)
		*out = i;
}

/* Parses one counter object at path into cfg->counters[i]. */
static int parse_counter(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"id",     "name",   "kind", "services",
					   "policy", "spoken", NULL};
	static const char *const kinds[] = {"counter", "room", NULL};
	static const char *const policies[] = {"overdue", "fifo", "ordered", NULL};
	struct config *cfg = p->cfg;
	struct config_counter *c = &cfg->counters[i];
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	int kind = CONFIG_KIND_COUNTER, policy = FLOOR_POLICY_OVERDUE;
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	config__check_keys(p, path, o, keys);
	config__get_id(p, path, o, "id", true, &c->id);
	check_unique(p, path, "counters", c->id, &cfg->counters[0].id, sizeof(*c), i);
	if ((v = json_object_get(o, "name"))) {
		config__join(sub, path, "name");
		config__parse_names(p, sub, v, &c->name);
	} else if (c->id) {
		c->name.v = xcalloc(cfg->nlanguages, sizeof(*c->name.v));
		for (size_t k = 0; k < cfg->nlanguages; k++) {
			memcpy(c->name.v[k].lang, cfg->languages[k], CONFIG_LANG_MAX);
			c->name.v[k].text = xstrdup(c->id);
		}
		c->name.n = cfg->nlanguages;
	}
	parse_enum_key(p, path, o, "kind", kinds, &kind);
	parse_enum_key(p, path, o, "policy", policies, &policy);
	c->kind = (enum config_counter_kind)kind;
	c->policy = (enum floor_policy)policy;
	config__get_typed(p, path, o, "services", JSON_ARRAY, "an array of service ids", true, &v);
	config__join(sub, path, "services");
	if (v)
		parse_service_list(p, sub, v, &c->services, c->order, &c->norder);
	return config__failed_since(p, mark);
}

/* Parses one display object at path into cfg->displays[i]. */
static int parse_display(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"id",	"name",		 "services",
					   "languages", "language_mode", "logo",
					   "colors",	"announce",	 NULL};
	struct config *cfg = p->cfg;
	struct config_display *d = &cfg->displays[i];
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	const char *name = NULL;
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	config__check_keys(p, path, o, keys);
	config__get_id(p, path, o, "id", true, &d->id);
	check_unique(p, path, "displays", d->id, &cfg->displays[0].id, sizeof(*d), i);
	config__get_string(p, path, o, "name", false, &name);
	config__join(sub, path, "name");
	if (name && (!*name || strlen(name) > CONFIG__NAME_MAX))
		config__fail(p, sub, "must be 1 to %d bytes", CONFIG__NAME_MAX);
	else if (name || d->id)
		d->name = xstrdup(name ? name : d->id);
	if ((v = json_object_get(o, "services"))) {
		config__join(sub, path, "services");
		parse_service_list(p, sub, v, &d->services, NULL, NULL);
	} else {
		d->all_services = true;
		for (size_t k = 0; k < cfg->nservices; k++)
			d->services |= UINT64_C(1) << k;
	}
	if ((v = json_object_get(o, "languages"))) {
		config__join(sub, path, "languages");
		config__parse_langs(p, sub, v, true, &d->languages, &d->nlanguages);
	} else {
		d->nlanguages = cfg->nlanguages;
		d->languages = xcalloc(d->nlanguages, CONFIG_LANG_MAX);
		memcpy(d->languages, cfg->languages, d->nlanguages * CONFIG_LANG_MAX);
	}
	config__parse_display_look(p, path, o, d);
	return config__failed_since(p, mark);
}

/* Parses the "services", "counters" or "displays" array with one item parser: every
 * entry, or the first max of a longer list. */
static int parse_list(struct config__parse *p, json_t *root, const char *key, bool required,
		      size_t max, size_t item_size, void **items, size_t *n,
		      int (*item)(struct config__parse *, const char *, json_t *, size_t))
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	json_t *a;
	config__get_typed(p, "", root, key, JSON_ARRAY, "an array", required, &a);
	if (!a)
		return config__failed_since(p, mark);
	size_t count = json_array_size(a);
	if (required && count == 0)
		return config__fail(p, key, "must list at least one");
	if (count > max) {
		config__fail(p, key, "more than %zu entries", max);
		count = max;
	}
	*items = xcalloc(count, item_size);
	for (size_t i = 0; i < count; i++) {
		config__join_index(sub, key, i);
		*n = i + 1;
		item(p, sub, json_array_get(a, i), i);
	}
	return config__failed_since(p, mark);
}

/* Checks the secret of kiosks.keys[i] at path: length, alphabet, not an earlier key. */
static int check_secret(struct config__parse *p, const char *path, const char *secret, size_t i)
{
	struct config *cfg = p->cfg;
	char sub[CONFIG__PATH_LEN];
	size_t len = strlen(secret);
	config__join(sub, path, "key");
	if (len < CONFIG_KEY_MIN || len > CONFIG_KEY_MAX)
		return config__fail(p, sub, "must be %d to %d characters", CONFIG_KEY_MIN,
				    CONFIG_KEY_MAX);
	for (size_t c = 0; c < len; c++)
		if (secret[c] <= 0x20 || secret[c] >= 0x7f)
			return config__fail(p, sub,
					    "only printable ASCII without spaces is allowed");
	for (size_t j = 0; j < i; j++)
		if (cfg->kiosk_keys[j].key && strcmp(cfg->kiosk_keys[j].key, secret) == 0)
			return config__fail(p, sub, "the same key as kiosks.keys[%zu]", j);
	return 0;
}

/* Parses kiosks.keys[i] (never echoing the secret). */
static int parse_kiosk_key(struct config__parse *p, json_t *o, size_t i)
{
	static const char *const keys[] = {"id", "key", NULL};
	struct config_kiosk_key *key = &p->cfg->kiosk_keys[i];
	size_t mark = p->nfailed;
	char path[CONFIG__PATH_LEN];
	const char *secret = NULL;
	config__join_index(path, "kiosks.keys", i);
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	config__check_keys(p, path, o, keys);
	config__get_id(p, path, o, "id", true, &key->id);
	check_unique(p, path, "kiosks.keys", key->id, &p->cfg->kiosk_keys[0].id, sizeof(*key), i);
	config__get_string(p, path, o, "key", true, &secret);
	if (secret && check_secret(p, path, secret, i) == 0)
		key->key = xstrdup(secret);
	return config__failed_since(p, mark);
}

/* Parses the optional "kiosks" section. */
static int parse_kiosks(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"policy", "keys", "rate_per_minute", "idle_s", NULL};
	static const char *const policies[] = {"public", "key", NULL};
	struct config *cfg = p->cfg;
	size_t mark = p->nfailed;
	int policy = CONFIG_KIOSK_PUBLIC;
	json_t *k, *a;
	config__get_typed(p, "", root, "kiosks", JSON_OBJECT, "an object", false, &k);
	if (!k)
		return config__failed_since(p, mark);
	config__check_keys(p, "kiosks", k, keys);
	parse_enum_key(p, "kiosks", k, "policy", policies, &policy);
	cfg->kiosk_policy = (enum config_kiosk_policy)policy;
	config__get_int(p, "kiosks", k, "rate_per_minute", 0, 100000, &cfg->kiosk_rate_per_minute);
	if (config__get_int(p, "kiosks", k, "idle_s", 0, 3600, &cfg->kiosk_idle_s) == 0 &&
	    cfg->kiosk_idle_s < CONFIG_IDLE_MIN_S) /* too short to read the number */
		config__fail(p, "kiosks.idle_s", "%d s is less than the minimum %d s",
			     cfg->kiosk_idle_s, CONFIG_IDLE_MIN_S);
	config__get_typed(p, "kiosks", k, "keys", JSON_ARRAY, "an array", false, &a);
	size_t count = json_array_size(a);
	if (count > CONFIG_MAX_KEYS) {
		config__fail(p, "kiosks.keys", "more than %d keys", CONFIG_MAX_KEYS);
		count = CONFIG_MAX_KEYS;
	}
	if (a) {
		cfg->kiosk_keys = xcalloc(count + 1, sizeof(*cfg->kiosk_keys));
		cfg->nkiosk_keys = count;
	}
	for (size_t i = 0; i < count; i++)
		parse_kiosk_key(p, json_array_get(a, i), i);
	json_t *given = json_object_get(k, "keys"); /* a wrong type is its own error */
	if (cfg->kiosk_policy == CONFIG_KIOSK_KEY && (!given || (a && count == 0)))
		config__fail(p, "kiosks.keys", "policy \"key\" needs at least one key");
	return config__failed_since(p, mark);
}

/* Parses the optional "routing" and "statistics" sections. */
static int parse_small_sections(struct config__parse *p, json_t *root)
{
	static const char *const rkeys[] = {"starvation_bound_s", NULL};
	static const char *const skeys[] = {"retention_days", "per_staff", NULL};
	struct config *cfg = p->cfg;
	size_t mark = p->nfailed;
	json_t *r, *s;
	config__get_typed(p, "", root, "routing", JSON_OBJECT, "an object", false, &r);
	config__get_typed(p, "", root, "statistics", JSON_OBJECT, "an object", false, &s);
	if (r) {
		config__check_keys(p, "routing", r, rkeys);
		config__get_int(p, "routing", r, "starvation_bound_s", 1, 86400,
				&cfg->starvation_bound_s);
	}
	if (s) {
		config__check_keys(p, "statistics", s, skeys);
		config__get_int(p, "statistics", s, "retention_days", 1, 3650,
				&cfg->retention_days);
		config__get_bool(p, "statistics", s, "per_staff", &cfg->per_staff);
	}
	return config__failed_since(p, mark);
}

/* Fills cfg->floor_def from the parsed services and counters (again after a merge). */
void config__fill_floor_def(struct config *cfg)
{
	free(cfg->floor_services);
	free(cfg->floor_counters);
	cfg->floor_services =
	    xcalloc(cfg->nservices ? cfg->nservices : 1, sizeof(*cfg->floor_services));
	for (size_t i = 0; i < cfg->nservices; i++)
		cfg->floor_services[i] = (struct floor_service_def){
		    .id = cfg->services[i].id,
		    .prefix = cfg->services[i].prefix,
		    .target_wait_s = cfg->services[i].target_wait_s,
		    .default_service_s = cfg->services[i].service_s,
		    .retired = cfg->services[i].retired,
		    .naliases = cfg->services[i].naliases,
		    .aliases = (const char *const *)cfg->services[i].aliases,
		};
	cfg->floor_counters =
	    xcalloc(cfg->ncounters ? cfg->ncounters : 1, sizeof(*cfg->floor_counters));
	for (size_t i = 0; i < cfg->ncounters; i++)
		cfg->floor_counters[i] = (struct floor_counter_def){
		    .id = cfg->counters[i].id,
		    .services = cfg->counters[i].services,
		    .policy = cfg->counters[i].policy,
		    .retired = cfg->counters[i].retired,
		};
	cfg->floor_def = (struct floor_def){
	    .nservices = cfg->nservices,
	    .services = cfg->floor_services,
	    .ncounters = cfg->ncounters,
	    .counters = cfg->floor_counters,
	    .starvation_bound_s = cfg->starvation_bound_s,
	};
}

/* A config holding every documented default, before the file is read. */
static struct config *config_defaults(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->day_start_min = 240;
	cfg->listen = xstrdup("127.0.0.1:8080");
	cfg->database = xstrdup("torg.db");
	cfg->synchronous = CONFIG_SYNC_FULL;
	hours_set_always(&cfg->hours);
	cfg->kiosk_policy = CONFIG_KIOSK_PUBLIC;
	cfg->kiosk_rate_per_minute = 20;
	cfg->kiosk_idle_s = 60;
	cfg->max_connections = 20000;
	cfg->max_connections_per_address = 256;
	cfg->ws_ping_s = 30;
	cfg->ws_idle_close_s = 70;
	cfg->starvation_bound_s = 1200;
	cfg->retention_days = 90;
	cfg->voice_cache_mb = 16;
	return cfg;
}

/* Parses every section of the top-level object; each goes on past its own errors, and
 * one section's errors stop no other. */
static void parse_sections(struct config__parse *p)
{
	static const char *const keys[] = {
	    "floor",   "server",     "hours", "services",   "counters", "displays", "kiosks",
	    "routing", "statistics", "voice", "exceptions", "messages", "auth",	    NULL};
	struct config *cfg = p->cfg;
	json_t *root = p->root, *v;
	/* Without a list of services, the counters' and displays' ids are not looked up. */
	p->services_known = json_array_size(json_object_get(root, "services")) > 0;
	config__check_keys(p, "", root, keys);
	parse_floor(p, root);
	config__parse_server(p, root);
	if ((v = json_object_get(root, "hours")))
		config__parse_hours(p, "hours", v, &cfg->hours);
	parse_list(p, root, "services", true, CONFIG_MAX_SERVICES, sizeof(*cfg->services),
		   (void **)&cfg->services, &cfg->nservices, parse_service);
	parse_list(p, root, "counters", true, CONFIG_MAX_COUNTERS, sizeof(*cfg->counters),
		   (void **)&cfg->counters, &cfg->ncounters, parse_counter);
	parse_list(p, root, "displays", false, CONFIG_MAX_DISPLAYS, sizeof(*cfg->displays),
		   (void **)&cfg->displays, &cfg->ndisplays, parse_display);
	parse_kiosks(p, root);
	parse_small_sections(p, root);
	config__parse_voice(p, root);
	config__parse_exceptions(p, root);
	config__parse_messages(p, root);
	config__parse_auth(p, root);
}

int config_parse_all(const char *json, size_t len, struct config **out, struct config_errors *errs)
{
	struct config__parse p = {0};
	json_error_t jerr;
	struct config *cfg = config_defaults();
	p.cfg = cfg;
	*out = NULL;
	p.root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!p.root) /* nothing after a syntax error can be read */
		config__fail(&p, "", "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	else if (!json_is_object(p.root))
		config__fail(&p, "", "expected an object at the top level, got %s",
			     config__type_name(p.root));
	else
		parse_sections(&p);
	if (p.nfailed == 0) {
		config__fill_floor_def(cfg);
		config__set_doc(cfg, p.root);
		*out = cfg;
		cfg = NULL;
	}
	config__errors_finish(&p, errs);
	json_decref(p.root);
	config_free(cfg);
	return *out ? 0 : -EINVAL;
}

/* Hands the errors to *cause as text when r is an error (cause may be NULL), and frees
 * them. */
static void errors_to_cause(struct config_errors *errs, int r, char **cause)
{
	if (r != 0 && cause)
		*cause = config_errors_text(errs);
	config_errors_free(errs);
}

int config_parse(const char *json, size_t len, struct config **out, char **cause)
{
	struct config_errors errs;
	int r = config_parse_all(json, len, out, &errs);
	errors_to_cause(&errs, r, cause);
	return r;
}

/* Reads the whole file at path into *buf (caller frees) and *len; 0 or a negative errno. */
static int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (*len == cap) {
			if (cap >= CONFIG_FILE_MAX) {
				r = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 16384;
			*buf = xrealloc(*buf, cap);
		}
		ssize_t n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		*len += (size_t)n;
	}
	close(fd);
	return r;
}

int config_load_all(const char *path, struct config **out, struct config_errors *errs)
{
	char *buf = NULL;
	size_t len = 0;
	int r = read_file(path, &buf, &len);
	*out = NULL;
	if (r == 0) {
		r = config_parse_all(buf, len, out, errs);
	} else if (errs) {
		errs->v = xcalloc(1, sizeof(*errs->v));
		errs->v[0] = (struct config_error){xstrdup(""), xstrdup(strerror(-r))};
		errs->n = errs->total = 1;
	}
	free(buf);
	return r;
}

int config_load(const char *path, struct config **out, char **cause)
{
	struct config_errors errs = {0};
	int r = config_load_all(path, out, &errs);
	errors_to_cause(&errs, r, cause);
	return r;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->floor_id);
	config__names_free(&cfg->floor_name);
	free(cfg->timezone);
	free(cfg->languages);
	free(cfg->listen);
	free(cfg->database);
	free(cfg->public_url);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->trusted_proxies);
	for (size_t i = 0; i < cfg->nallowed_origins; i++)
		free(cfg->allowed_origins[i]);
	free(cfg->allowed_origins);
	for (size_t i = 0; i < cfg->nframe_ancestors; i++)
		free(cfg->frame_ancestors[i]);
	free(cfg->frame_ancestors);
	for (size_t i = 0; i < cfg->nservices; i++) {
		free(cfg->services[i].id);
		free(cfg->services[i].prefix);
		config__names_free(&cfg->services[i].name);
		free(cfg->services[i].icon);
		for (size_t k = 0; k < cfg->services[i].naliases; k++)
			free(cfg->services[i].aliases[k]);
		free(cfg->services[i].aliases);
	}
	free(cfg->services);
	for (size_t i = 0; i < cfg->ncounters; i++) {
		free(cfg->counters[i].id);
		config__names_free(&cfg->counters[i].name);
		config__names_free(&cfg->counters[i].spoken);
	}
	free(cfg->counters);
	for (size_t i = 0; i < cfg->ndisplays; i++) {
		free(cfg->displays[i].id);
		free(cfg->displays[i].name);
		free(cfg->displays[i].languages);
		free(cfg->displays[i].logo);
		free(cfg->displays[i].announce);
	}
	free(cfg->displays);
	for (size_t i = 0; i < cfg->nkiosk_keys; i++) {
		free(cfg->kiosk_keys[i].id);
		if (cfg->kiosk_keys[i].key)
			explicit_bzero(cfg->kiosk_keys[i].key, strlen(cfg->kiosk_keys[i].key));
		free(cfg->kiosk_keys[i].key);
	}
	free(cfg->kiosk_keys);
	free(cfg->floor_services);
	free(cfg->floor_counters);
	free(cfg->voice_clips_dir);
	free(cfg->doc);
	free(cfg->listed);
	free(cfg->clisted);
	config_notices_free(cfg);
	config_ldap_free(cfg->ldap);
	free(cfg);
}

int config_service_index(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].id && strcmp(cfg->services[i].id, id) == 0)
			return (int)i;
	return -1;
}

int config_service_by_prefix(const struct config *cfg, const char *prefix)
{
	for (size_t i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].prefix && strcmp(cfg->services[i].prefix, prefix) == 0)
			return (int)i;
	return -1;
}

int config_counter_index(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->ncounters; i++)
		if (cfg->counters[i].id && strcmp(cfg->counters[i].id, id) == 0)
			return (int)i;
	return -1;
}

const struct config_display *config_display_find(const struct config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->ndisplays; i++)
		if (strcmp(cfg->displays[i].id, id) == 0)
			return &cfg->displays[i];
	return NULL;
}

const struct config_kiosk_key *config_kiosk_key_find(const struct config *cfg, const char *key)
{
	size_t klen = strlen(key);
	const struct config_kiosk_key *found = NULL;
	for (size_t i = 0; i < cfg->nkiosk_keys; i++) {
		const char *s = cfg->kiosk_keys[i].key;
		size_t slen = strlen(s);
		unsigned char diff = slen != klen;
		for (size_t j = 0; j < slen; j++)
			diff |= (unsigned char)(s[j] ^ (j < klen ? key[j] : 0));
		if (!diff)
			found = &cfg->kiosk_keys[i];
	}
	return found;
}

const char *config_name_get(const struct config_names *names, const char *lang)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i].lang, lang) == 0)
			return names->v[i].text;
	return NULL;
}

const char *config_name_best(const struct config_names *names, const char *lang)
{
	const char *s = lang ? config_name_get(names, lang) : NULL;
	if (!s)
		s = config_name_get(names, "en");
	if (!s)
		s = config_name_get(names, "nb");
	if (!s && names->n > 0)
		s = names->v[0].text;
	return s;
}

bool config_has_language(const struct config *cfg, const char *lang)
{
	for (size_t i = 0; i < cfg->nlanguages; i++)
		if (strcmp(cfg->languages[i], lang) == 0)
			return true;
	return false;
}

const char *config_policy_name(enum floor_policy policy)
{
	switch (policy) {
	case FLOOR_POLICY_FIFO:
		return "fifo";
	case FLOOR_POLICY_ORDERED:
		return "ordered";
	default:
		return "overdue";
	}
}

const char *config_kind_name(enum config_counter_kind kind)
{
	return kind == CONFIG_KIND_ROOM ? "room" : "counter";
}

const char *config_sync_name(enum config_sync sync)
{
	switch (sync) {
	case CONFIG_SYNC_NORMAL:
		return "NORMAL";
	case CONFIG_SYNC_EXTRA:
		return "EXTRA";
	default:
		return "FULL";
	}
}
