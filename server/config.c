/*
 * config.c — reads the floor's JSON configuration (jansson) and validates it
 * into a struct config (see config.h and config/README.md). Parsing walks the
 * document section by section with the helpers of config_json.c; every check
 * that fails stops the parse with one message that starts with the JSON path
 * of the offending value. Unknown keys are errors (keys starting with "_" are
 * comments and ignored). A kiosk key is never echoed in a message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_json.h"
#include "util.h"

#define CONFIG_FILE_MAX (16 << 20) /* largest configuration file read */

static const char *const base_langs[] = {"nb", "nn", "sv", "en"};

/* Parses the "floor" section. */
static int parse_floor(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"id",	 "name",      "timezone",
					   "day_starts", "languages", NULL};
	struct config *cfg = p->cfg;
	json_t *f, *v;
	const char *s;
	if (config__get_typed(p, "", root, "floor", JSON_OBJECT, "an object", true, &f) < 0 ||
	    config__check_keys(p, "floor", f, keys) < 0 ||
	    config__get_id(p, "floor", f, "id", true, &cfg->floor_id) < 0)
		return -EINVAL;
	if ((v = json_object_get(f, "languages"))) {
		if (config__parse_langs(p, "floor.languages", v, false, &cfg->languages,
					&cfg->nlanguages) < 0)
			return -EINVAL;
		for (size_t i = 0; i < ARRAY_SIZE(base_langs); i++)
			if (!config_has_language(cfg, base_langs[i]))
				return config__fail(p, "floor.languages", "must include \"%s\"",
						    base_langs[i]);
	} else {
		cfg->nlanguages = ARRAY_SIZE(base_langs);
		cfg->languages = xcalloc(cfg->nlanguages, CONFIG_LANG_MAX);
		for (size_t i = 0; i < cfg->nlanguages; i++)
			snprintf(cfg->languages[i], CONFIG_LANG_MAX, "%s", base_langs[i]);
	}
	if (config__get_typed(p, "floor", f, "name", JSON_OBJECT, "an object of language: text",
			      true, &v) < 0 ||
	    config__parse_names(p, "floor.name", v, &cfg->floor_name) < 0)
		return -EINVAL;
	s = NULL;
	if (config__get_string(p, "floor", f, "timezone", true, &s) < 0)
		return -EINVAL;
	if (!config__tz_exists(s))
		return config__fail(p, "floor.timezone",
				    "%s is not a known time zone (see /usr/share/zoneinfo)",
				    config__quote(p, s));
	cfg->timezone = xstrdup(s);
	s = NULL;
	if (config__get_string(p, "floor", f, "day_starts", false, &s) < 0)
		return -EINVAL;
	if (s && (cfg->day_start_min = hours_parse_hhmm(s, false)) < 0)
		return config__fail(p, "floor.day_starts", "%s is not a time HH:MM",
				    config__quote(p, s));
	return 0;
}

/* Parses one service object at path into cfg->services[i]. */
static int parse_service(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"id",	"prefix", "name",  "target_wait_s",
					   "service_s", "icon",	  "hours", NULL};
	struct config *cfg = p->cfg;
	struct config_service *s = &cfg->services[i];
	char sub[CONFIG__PATH_LEN];
	const char *prefix = NULL;
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	if (config__check_keys(p, path, o, keys) < 0 ||
	    config__get_id(p, path, o, "id", true, &s->id) < 0)
		return -EINVAL;
	config__join(sub, path, "id");
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->services[j].id, s->id) == 0)
			return config__fail(p, sub, "%s is already used by services[%zu]",
					    config__quote(p, s->id), j);
	if (config__get_string(p, path, o, "prefix", true, &prefix) < 0)
		return -EINVAL;
	config__join(sub, path, "prefix");
	size_t plen = strlen(prefix);
	if (plen < 1 || plen > 2 || strspn(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != plen)
		return config__fail(p, sub, "%s is not 1 or 2 capital letters A-Z",
				    config__quote(p, prefix));
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->services[j].prefix, prefix) == 0)
			return config__fail(p, sub, "%s is already used by services[%zu]",
					    config__quote(p, prefix), j);
	s->prefix = xstrdup(prefix);
	if (config__get_typed(p, path, o, "name", JSON_OBJECT, "an object of language: text", true,
			      &v) < 0)
		return -EINVAL;
	config__join(sub, path, "name");
	if (config__parse_names(p, sub, v, &s->name) < 0)
		return -EINVAL;
	s->target_wait_s = 600;
	s->service_s = 300;
	if (config__get_int(p, path, o, "target_wait_s", 1, 86400, &s->target_wait_s) < 0 ||
	    config__get_int(p, path, o, "service_s", 1, 86400, &s->service_s) < 0 ||
	    config__get_id(p, path, o, "icon", false, &s->icon) < 0)
		return -EINVAL;
	if (!s->icon)
		s->icon = xstrdup("ticket");
	s->hours = cfg->hours;
	if ((v = json_object_get(o, "hours"))) {
		config__join(sub, path, "hours");
		if (config__parse_hours(p, sub, v, &s->hours) < 0)
			return -EINVAL;
		s->own_hours = true;
	}
	return 0;
}

/* Parses a list of service ids at path into a mask (and order when given); fails when empty. */
static int parse_service_list(struct config__parse *p, const char *path, json_t *v, uint64_t *mask,
			      uint8_t *order, size_t *norder)
{
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
		if (!json_is_string(t))
			return config__fail(p, sub, "expected a service id, got %s",
					    config__type_name(t));
		int k = config_service_index(p->cfg, json_string_value(t));
		if (k < 0)
			return config__fail(p, sub, "unknown service %s",
					    config__quote(p, json_string_value(t)));
		if (*mask & (UINT64_C(1) << k))
			return config__fail(p, sub, "%s is listed twice",
					    config__quote(p, json_string_value(t)));
		*mask |= UINT64_C(1) << k;
		if (order)
			order[(*norder)++] = (uint8_t)k;
	}
	return 0;
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
	char sub[CONFIG__PATH_LEN];
	const char *kind = NULL, *policy = NULL;
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	if (config__check_keys(p, path, o, keys) < 0 ||
	    config__get_id(p, path, o, "id", true, &c->id) < 0)
		return -EINVAL;
	config__join(sub, path, "id");
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->counters[j].id, c->id) == 0)
			return config__fail(p, sub, "%s is already used by counters[%zu]",
					    config__quote(p, c->id), j);
	if ((v = json_object_get(o, "name"))) {
		config__join(sub, path, "name");
		if (config__parse_names(p, sub, v, &c->name) < 0)
			return -EINVAL;
	} else {
		c->name.v = xcalloc(cfg->nlanguages, sizeof(*c->name.v));
		for (size_t k = 0; k < cfg->nlanguages; k++) {
			memcpy(c->name.v[k].lang, cfg->languages[k], CONFIG_LANG_MAX);
			c->name.v[k].text = xstrdup(c->id);
		}
		c->name.n = cfg->nlanguages;
	}
	if (config__get_string(p, path, o, "kind", false, &kind) < 0 ||
	    config__get_string(p, path, o, "policy", false, &policy) < 0 ||
	    config__get_typed(p, path, o, "services", JSON_ARRAY, "an array of service ids", true,
			      &v) < 0)
		return -EINVAL;
	config__join(sub, path, "kind");
	int k = kind ? config__get_enum(p, sub, kind, kinds) : 0;
	config__join(sub, path, "policy");
	int pol = policy ? config__get_enum(p, sub, policy, policies) : 0;
	if (k < 0 || pol < 0)
		return -EINVAL;
	c->kind = (enum config_counter_kind)k;
	c->policy = (enum floor_policy)pol;
	config__join(sub, path, "services");
	return parse_service_list(p, sub, v, &c->services, c->order, &c->norder);
}

/* Parses one display object at path into cfg->displays[i]. */
static int parse_display(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"id",	"name",		 "services",
					   "languages", "language_mode", "logo",
					   "colors",	"announce",	 NULL};
	struct config *cfg = p->cfg;
	struct config_display *d = &cfg->displays[i];
	char sub[CONFIG__PATH_LEN];
	const char *name = NULL;
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	if (config__check_keys(p, path, o, keys) < 0 ||
	    config__get_id(p, path, o, "id", true, &d->id) < 0)
		return -EINVAL;
	config__join(sub, path, "id");
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->displays[j].id, d->id) == 0)
			return config__fail(p, sub, "%s is already used by displays[%zu]",
					    config__quote(p, d->id), j);
	if (config__get_string(p, path, o, "name", false, &name) < 0)
		return -EINVAL;
	config__join(sub, path, "name");
	if (name && (!*name || strlen(name) > CONFIG__NAME_MAX))
		return config__fail(p, sub, "must be 1 to %d bytes", CONFIG__NAME_MAX);
	d->name = xstrdup(name ? name : d->id);
	if ((v = json_object_get(o, "services"))) {
		config__join(sub, path, "services");
		if (parse_service_list(p, sub, v, &d->services, NULL, NULL) < 0)
			return -EINVAL;
	} else {
		d->all_services = true;
		for (size_t k = 0; k < cfg->nservices; k++)
			d->services |= UINT64_C(1) << k;
	}
	if ((v = json_object_get(o, "languages"))) {
		config__join(sub, path, "languages");
		if (config__parse_langs(p, sub, v, true, &d->languages, &d->nlanguages) < 0)
			return -EINVAL;
	} else {
		d->nlanguages = cfg->nlanguages;
		d->languages = xcalloc(d->nlanguages, CONFIG_LANG_MAX);
		memcpy(d->languages, cfg->languages, d->nlanguages * CONFIG_LANG_MAX);
	}
	return config__parse_display_look(p, path, o, d);
}

/* Parses the "services", "counters" or "displays" array with one item parser. */
static int parse_list(struct config__parse *p, json_t *root, const char *key, bool required,
		      size_t max, size_t item_size, void **items, size_t *n,
		      int (*item)(struct config__parse *, const char *, json_t *, size_t))
{
	char sub[CONFIG__PATH_LEN];
	json_t *a, *o;
	size_t i;
	if (config__get_typed(p, "", root, key, JSON_ARRAY, "an array", required, &a) < 0)
		return -EINVAL;
	if (!a)
		return 0;
	if (required && json_array_size(a) == 0)
		return config__fail(p, key, "must list at least one");
	if (json_array_size(a) > max)
		return config__fail(p, key, "more than %zu entries", max);
	*items = xcalloc(json_array_size(a), item_size);
	json_array_foreach(a, i, o)
	{
		config__join_index(sub, key, i);
		*n = i + 1;
		if (item(p, sub, o, i) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Parses the optional "kiosks" section. */
static int parse_kiosks(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"policy", "keys", "rate_per_minute", "idle_s", NULL};
	static const char *const kkeys[] = {"id", "key", NULL};
	static const char *const policies[] = {"public", "key", NULL};
	struct config *cfg = p->cfg;
	char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN];
	const char *policy = NULL;
	json_t *k, *a, *o;
	size_t i;
	if (config__get_typed(p, "", root, "kiosks", JSON_OBJECT, "an object", false, &k) < 0)
		return -EINVAL;
	if (!k)
		return 0;
	if (config__check_keys(p, "kiosks", k, keys) < 0 ||
	    config__get_string(p, "kiosks", k, "policy", false, &policy) < 0 ||
	    config__get_int(p, "kiosks", k, "rate_per_minute", 0, 100000,
			    &cfg->kiosk_rate_per_minute) < 0 ||
	    config__get_int(p, "kiosks", k, "idle_s", 0, 3600, &cfg->kiosk_idle_s) < 0 ||
	    config__get_typed(p, "kiosks", k, "keys", JSON_ARRAY, "an array", false, &a) < 0)
		return -EINVAL;
	if (cfg->kiosk_idle_s < CONFIG_IDLE_MIN_S) /* too short to read the number */
		return config__fail(p, "kiosks.idle_s", "%d s is less than the minimum %d s",
				    cfg->kiosk_idle_s, CONFIG_IDLE_MIN_S);
	int pol = policy ? config__get_enum(p, "kiosks.policy", policy, policies) : 0;
	if (pol < 0)
		return -EINVAL;
	cfg->kiosk_policy = (enum config_kiosk_policy)pol;
	if (a && json_array_size(a) > CONFIG_MAX_KEYS)
		return config__fail(p, "kiosks.keys", "more than %d keys", CONFIG_MAX_KEYS);
	if (a)
		cfg->kiosk_keys = xcalloc(json_array_size(a) + 1, sizeof(*cfg->kiosk_keys));
	json_array_foreach(a, i, o)
	{
		struct config_kiosk_key *key = &cfg->kiosk_keys[i];
		const char *secret = NULL;
		config__join_index(path, "kiosks.keys", i);
		if (!json_is_object(o))
			return config__fail(p, path, "expected an object, got %s",
					    config__type_name(o));
		cfg->nkiosk_keys = i + 1;
		if (config__check_keys(p, path, o, kkeys) < 0 ||
		    config__get_id(p, path, o, "id", true, &key->id) < 0 ||
		    config__get_string(p, path, o, "key", true, &secret) < 0)
			return -EINVAL;
		config__join(sub, path, "id");
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->kiosk_keys[j].id, key->id) == 0)
				return config__fail(p, sub,
						    "%s is already used by kiosks.keys[%zu]",
						    config__quote(p, key->id), j);
		config__join(sub, path, "key");
		size_t len = strlen(secret);
		if (len < CONFIG_KEY_MIN || len > 256)
			return config__fail(p, sub, "must be %d to 256 characters", CONFIG_KEY_MIN);
		for (size_t c = 0; c < len; c++)
			if (secret[c] <= 0x20 || secret[c] >= 0x7f)
				return config__fail(
				    p, sub, "only printable ASCII without spaces is allowed");
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->kiosk_keys[j].key, secret) == 0)
				return config__fail(p, sub, "the same key as kiosks.keys[%zu]", j);
		key->key = xstrdup(secret);
	}
	if (cfg->kiosk_policy == CONFIG_KIOSK_KEY && cfg->nkiosk_keys == 0)
		return config__fail(p, "kiosks.keys", "policy \"key\" needs at least one key");
	return 0;
}

/* Parses the optional "routing" and "statistics" sections. */
static int parse_small_sections(struct config__parse *p, json_t *root)
{
	static const char *const rkeys[] = {"starvation_bound_s", NULL};
	static const char *const skeys[] = {"retention_days", "per_staff", NULL};
	struct config *cfg = p->cfg;
	json_t *r, *s;
	if (config__get_typed(p, "", root, "routing", JSON_OBJECT, "an object", false, &r) < 0 ||
	    config__get_typed(p, "", root, "statistics", JSON_OBJECT, "an object", false, &s) < 0)
		return -EINVAL;
	if (r && (config__check_keys(p, "routing", r, rkeys) < 0 ||
		  config__get_int(p, "routing", r, "starvation_bound_s", 1, 86400,
				  &cfg->starvation_bound_s) < 0))
		return -EINVAL;
	if (s && (config__check_keys(p, "statistics", s, skeys) < 0 ||
		  config__get_int(p, "statistics", s, "retention_days", 1, 3650,
				  &cfg->retention_days) < 0 ||
		  config__get_bool(p, "statistics", s, "per_staff", &cfg->per_staff) < 0))
		return -EINVAL;
	return 0;
}

/* Fills cfg->floor_def from the parsed services and counters. */
static void fill_floor_def(struct config *cfg)
{
	cfg->floor_services = xcalloc(cfg->nservices, sizeof(*cfg->floor_services));
	for (size_t i = 0; i < cfg->nservices; i++)
		cfg->floor_services[i] = (struct floor_service_def){
		    .id = cfg->services[i].id,
		    .prefix = cfg->services[i].prefix,
		    .target_wait_s = cfg->services[i].target_wait_s,
		    .default_service_s = cfg->services[i].service_s,
		};
	cfg->floor_counters = xcalloc(cfg->ncounters, sizeof(*cfg->floor_counters));
	for (size_t i = 0; i < cfg->ncounters; i++)
		cfg->floor_counters[i] = (struct floor_counter_def){
		    .id = cfg->counters[i].id,
		    .services = cfg->counters[i].services,
		    .policy = cfg->counters[i].policy,
		};
	cfg->floor_def = (struct floor_def){
	    .nservices = cfg->nservices,
	    .services = cfg->floor_services,
	    .ncounters = cfg->ncounters,
	    .counters = cfg->floor_counters,
	    .starvation_bound_s = cfg->starvation_bound_s,
	};
}

int config_parse(const char *json, size_t len, struct config **out, char **cause)
{
	static const char *const keys[] = {
	    "floor",   "server",     "hours", "services",   "counters", "displays", "kiosks",
	    "routing", "statistics", "voice", "exceptions", "messages", NULL};
	struct config__parse p = {0};
	json_error_t jerr;
	json_t *root = NULL, *v;
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
	p.cfg = cfg;
	*out = NULL;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		p.cause = xasprintf("line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		goto fail;
	}
	if (!json_is_object(root)) {
		config__fail(&p, "", "expected an object at the top level, got %s",
			     config__type_name(root));
		goto fail;
	}
	if (config__check_keys(&p, "", root, keys) < 0 || parse_floor(&p, root) < 0 ||
	    config__parse_server(&p, root) < 0)
		goto fail;
	if ((v = json_object_get(root, "hours")) &&
	    config__parse_hours(&p, "hours", v, &cfg->hours) < 0)
		goto fail;
	if (parse_list(&p, root, "services", true, CONFIG_MAX_SERVICES, sizeof(*cfg->services),
		       (void **)&cfg->services, &cfg->nservices, parse_service) < 0 ||
	    parse_list(&p, root, "counters", true, CONFIG_MAX_COUNTERS, sizeof(*cfg->counters),
		       (void **)&cfg->counters, &cfg->ncounters, parse_counter) < 0 ||
	    parse_list(&p, root, "displays", false, CONFIG_MAX_DISPLAYS, sizeof(*cfg->displays),
		       (void **)&cfg->displays, &cfg->ndisplays, parse_display) < 0 ||
	    parse_kiosks(&p, root) < 0 || parse_small_sections(&p, root) < 0 ||
	    config__parse_voice(&p, root) < 0)
		goto fail;
	if (config__parse_exceptions(&p, root) < 0)
		goto fail;
	if (config__parse_messages(&p, root) < 0)
		goto fail;
	fill_floor_def(cfg);
	json_decref(root);
	*out = cfg;
	return 0;
fail:
	json_decref(root);
	config_free(cfg);
	if (cause)
		*cause = p.cause;
	else
		free(p.cause);
	return -EINVAL;
}

int config_load(const char *path, struct config **out, char **cause)
{
	int fd = -1, r;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto io_fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= CONFIG_FILE_MAX) {
				r = -EFBIG;
				goto io_fail;
			}
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto io_fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	r = config_parse(buf, len, out, cause);
	free(buf);
	return r;
io_fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (cause)
		*cause = xstrdup(strerror(-r));
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
	config_notices_free(cfg);
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
