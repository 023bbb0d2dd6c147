/*
 * config_live.c — a floor whose configuration changes while it runs (config.h,
 * "a floor that changes while it runs"). The floor model, the store's batches and
 * every WebSocket filter name services and counters by index, so a change never
 * moves one: config_merge() lays the new file's services and counters over the
 * running ones by id, keeps what the file removed (retired) while the day still
 * has tickets in it, treats a new id with a kept prefix as a rename of the same
 * service, and appends what is new. The file's own order is kept as listed/clisted
 * for what the screens show.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "config_json.h"
#include "util.h"

/* Keys whose change needs a restart: what was bound, opened or set process-wide at start. */
static const char *const restart_keys[] = {"server", "voice", NULL};
static const char *const restart_floor_keys[] = {"id", "timezone", "day_starts", NULL};

void config__set_doc(struct config *cfg, json_t *root)
{
	free(cfg->doc);
	cfg->doc = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!cfg->doc)
		fatal("config: cannot encode the document");
	free(cfg->listed);
	free(cfg->clisted);
	cfg->nlisted = cfg->nservices;
	cfg->nclisted = cfg->ncounters;
	cfg->listed = xcalloc(cfg->nservices ? cfg->nservices : 1, sizeof(*cfg->listed));
	cfg->clisted = xcalloc(cfg->ncounters ? cfg->ncounters : 1, sizeof(*cfg->clisted));
	for (size_t i = 0; i < cfg->nservices; i++)
		cfg->listed[i] = (int16_t)i;
	for (size_t i = 0; i < cfg->ncounters; i++)
		cfg->clisted[i] = (int16_t)i;
}

void config_version(const struct config *cfg, char out[17])
{
	static const uint64_t key[2] = {0x746f72672d636667ULL, 0x76657273696f6e31ULL};
	uint64_t h = util_siphash(key, cfg->doc ? cfg->doc : "", cfg->doc ? strlen(cfg->doc) : 0);
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(h >> (56 - 8 * i));
	util_hex(b, 8, out);
}

/* The two documents parsed again (cold path), or false when either is missing. */
static bool docs(const struct config *a, const struct config *b, json_t **ja, json_t **jb)
{
	*ja = a->doc ? json_loads(a->doc, 0, NULL) : NULL;
	*jb = b->doc ? json_loads(b->doc, 0, NULL) : NULL;
	if (*ja && *jb)
		return true;
	json_decref(*ja);
	json_decref(*jb);
	return false;
}

/* Appends key to the NULL-terminated list v of n entries (static key strings only). */
static const char **key_push(const char **v, size_t *n, const char *key)
{
	v = xrealloc(v, (*n + 2) * sizeof(*v));
	v[(*n)++] = key;
	v[*n] = NULL;
	return v;
}

const char **config_changed_keys(const struct config *a, const struct config *b)
{
	static const char *const known[] = {
	    "floor",   "server",     "hours", "services",   "counters", "displays", "kiosks",
	    "routing", "statistics", "voice", "exceptions", "messages", "auth",	    NULL};
	json_t *ja, *jb;
	const char **v = NULL;
	size_t n = 0;
	if (!docs(a, b, &ja, &jb))
		return key_push(v, &n, "floor");
	for (size_t i = 0; known[i]; i++)
		if (!json_equal(json_object_get(ja, known[i]), json_object_get(jb, known[i])) &&
		    (json_object_get(ja, known[i]) || json_object_get(jb, known[i])))
			v = key_push(v, &n, known[i]);
	json_decref(ja);
	json_decref(jb);
	return v;
}

/* Appends one "path: message" line to errs. */
static void err_line(struct util_text *errs, const char *path, const char *msg)
{
	util_text_printf(errs, "%s%s: %s", errs->len ? "\n" : "", path, msg);
}

/* The errors of a change that only a restart can make (server, voice, the floor's id,
 * time zone and day start). */
static void restart_errors(const struct config *run, const struct config *next,
			   struct util_text *errs)
{
	json_t *ja, *jb;
	if (!docs(run, next, &ja, &jb))
		return;
	static const char *msg = "changes only when torgd restarts (edit the file, then restart)";
	for (size_t i = 0; restart_keys[i]; i++) {
		json_t *x = json_object_get(ja, restart_keys[i]),
		       *y = json_object_get(jb, restart_keys[i]);
		json_t *empty = json_object();
		const char *k;
		json_t *v;
		if (!x && json_is_object(y)) /* absent is every default: name the keys set */
			x = empty;
		if (!y && json_is_object(x))
			y = empty;
		if (json_is_object(x) && json_is_object(y)) {
			char path[CONFIG__PATH_LEN];
			json_object_foreach(x, k, v) if (!json_equal(v, json_object_get(y, k)))
			{
				config__join(path, restart_keys[i], k);
				err_line(errs, path, msg);
			}
			json_object_foreach(y, k, v) if (!json_object_get(x, k))
			{
				config__join(path, restart_keys[i], k);
				err_line(errs, path, msg);
			}
		} else if (!json_equal(x, y) && (x || y)) {
			err_line(errs, restart_keys[i], msg);
		}
		json_decref(empty);
	}
	json_t *fa = json_object_get(ja, "floor"), *fb = json_object_get(jb, "floor");
	for (size_t i = 0; restart_floor_keys[i]; i++) {
		json_t *x = json_object_get(fa, restart_floor_keys[i]),
		       *y = json_object_get(fb, restart_floor_keys[i]);
		if (!json_equal(x, y) && (x || y)) {
			char path[CONFIG__PATH_LEN];
			config__join(path, "floor", restart_floor_keys[i]);
			err_line(errs, path, msg);
		}
	}
	json_decref(ja);
	json_decref(jb);
}

void config_day_errors(const struct config *run, const char *text, size_t len,
		       const struct config_today *today, char **errors)
{
	struct config shadow = {.doc = NULL};
	json_t *root = json_loadb(text, len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	struct util_text errs = {0};
	if (*errors)
		util_text_printf(&errs, "%s", *errors);
	shadow.doc = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	restart_errors(run, &shadow, &errs);
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(root, "services"), i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		const char *prefix = json_string_value(json_object_get(s, "prefix"));
		for (size_t k = 0; id && prefix && today && k < today->nservices; k++) {
			const struct config_used *u = &today->services[k];
			if (u->prefix && !strcmp(u->id, id) && strcmp(u->prefix, prefix)) {
				char path[CONFIG__PATH_LEN], msg[160];
				snprintf(path, sizeof(path), "services[%zu].prefix", i);
				snprintf(
				    msg, sizeof(msg),
				    "today's tickets of this service carry \"%s\": a new prefix "
				    "can start with the next day",
				    u->prefix);
				err_line(&errs, path, msg);
			}
		}
	}
	free(shadow.doc);
	json_decref(root);
	free(*errors);
	*errors = errs.s;
}

/* ---- copies of what a running config keeps ---- */

static void names_dup(struct config_names *out, const struct config_names *in)
{
	out->n = in->n;
	out->v = xcalloc(in->n ? in->n : 1, sizeof(*out->v));
	for (size_t i = 0; i < in->n; i++) {
		memcpy(out->v[i].lang, in->v[i].lang, sizeof(out->v[i].lang));
		out->v[i].text = xstrdup(in->v[i].text);
	}
}

/* Names that are the id in every language of cfg (a service or counter known only from
 * the day's journal). */
static void names_of_id(struct config_names *out, const struct config *cfg, const char *id)
{
	out->n = cfg->nlanguages;
	out->v = xcalloc(out->n ? out->n : 1, sizeof(*out->v));
	for (size_t i = 0; i < out->n; i++) {
		memcpy(out->v[i].lang, cfg->languages[i], sizeof(out->v[i].lang));
		out->v[i].text = xstrdup(id);
	}
}

static void aliases_add(struct config_service *s, const char *id)
{
	if (!strcmp(s->id, id))
		return;
	for (size_t i = 0; i < s->naliases; i++)
		if (!strcmp(s->aliases[i], id))
			return;
	s->aliases = xrealloc(s->aliases, (s->naliases + 1) * sizeof(*s->aliases));
	s->aliases[s->naliases++] = xstrdup(id);
}

static void service_dup(struct config_service *out, const struct config_service *in)
{
	*out = *in;
	out->id = xstrdup(in->id);
	out->prefix = xstrdup(in->prefix);
	out->icon = in->icon ? xstrdup(in->icon) : NULL;
	names_dup(&out->name, &in->name);
	out->naliases = 0;
	out->aliases = NULL;
	for (size_t i = 0; i < in->naliases; i++)
		aliases_add(out, in->aliases[i]);
}

static void service_clear(struct config_service *s)
{
	free(s->id);
	free(s->prefix);
	free(s->icon);
	config__names_free(&s->name);
	for (size_t i = 0; i < s->naliases; i++)
		free(s->aliases[i]);
	free(s->aliases);
	memset(s, 0, sizeof(*s));
}

static void counter_dup(struct config_counter *out, const struct config_counter *in)
{
	*out = *in;
	out->id = xstrdup(in->id);
	names_dup(&out->name, &in->name);
	names_dup(&out->spoken, &in->spoken);
}

static void counter_clear(struct config_counter *c)
{
	free(c->id);
	config__names_free(&c->name);
	config__names_free(&c->spoken);
	memset(c, 0, sizeof(*c));
}

/* ---- the merge ---- */

/* The merge's working state. */
struct merge {
	const struct config *run;
	struct config *next;
	const struct config_today *today;
	bool strict;
	struct util_text errs;
	struct config_service svc[2 * CONFIG_MAX_SERVICES];
	bool claimed[2 * CONFIG_MAX_SERVICES];
	size_t nsvc;
	int16_t perm[CONFIG_MAX_SERVICES]; /* file's service j -> slot */
	uint64_t retired_used;		   /* retired slots the day uses */
	struct config_counter *ctr;
	bool *cclaimed;
	size_t nctr;
	int16_t *cperm;
};

/* Whether the service s is one the day names (by its id or an earlier one); *prefix gets
 * the prefix its numbers carry today (NULL when it issued none). */
static bool service_used(const struct merge *m, const struct config_service *s, const char **prefix)
{
	*prefix = NULL;
	for (size_t i = 0; i < m->today->nservices; i++) {
		const struct config_used *u = &m->today->services[i];
		bool hit = !strcmp(u->id, s->id);
		for (size_t k = 0; !hit && k < s->naliases; k++)
			hit = !strcmp(u->id, s->aliases[k]);
		if (hit) {
			*prefix = u->prefix;
			return true;
		}
	}
	return false;
}

static bool counter_used(const struct merge *m, const char *id)
{
	for (size_t i = 0; i < m->today->ncounters; i++)
		if (!strcmp(m->today->counters[i], id))
			return true;
	return false;
}

/* The slots a merge starts from: the running ones, or those the day's journal names. */
static void base_services(struct merge *m)
{
	if (m->run) {
		for (size_t i = 0; i < m->run->nservices; i++)
			service_dup(&m->svc[m->nsvc++], &m->run->services[i]);
		return;
	}
	for (size_t i = 0; i < m->today->nservices && m->nsvc < CONFIG_MAX_SERVICES; i++) {
		const struct config_used *u = &m->today->services[i];
		if (config_service_index(m->next, u->id) >= 0)
			continue; /* the file has it: it takes the file's place (and its prefix lock
				   * is looked up by id when claimed) */
		struct config_service *s = &m->svc[m->nsvc++];
		memset(s, 0, sizeof(*s));
		s->id = xstrdup(u->id);
		s->prefix = xstrdup(u->prefix ? u->prefix : "");
		s->icon = xstrdup("ticket");
		s->target_wait_s = 600;
		s->service_s = 300;
		hours_set_always(&s->hours);
		names_of_id(&s->name, m->next, u->id);
	}
}

/* Puts the file's service j into slot i (the file's entry moves; the slot's old one
 * goes, its ids kept as aliases when they differ). */
static void claim(struct merge *m, size_t i, size_t j, const char *path)
{
	struct config_service *fs = &m->next->services[j];
	struct config_service *s = &m->svc[i];
	const char *lock;
	bool used = service_used(m, s, &lock);
	if (lock && strcmp(lock, fs->prefix)) {
		char sub[CONFIG__PATH_LEN], msg[160];
		config__join(sub, path, "prefix");
		snprintf(msg, sizeof(msg),
			 "today's tickets of this service carry \"%s\": a new prefix can start "
			 "with the next day",
			 lock);
		if (m->strict)
			err_line(&m->errs, sub, msg);
		else
			log_warn("config: %s: %s (kept \"%s\" for today)", sub, msg, lock);
		m->next->deferred = true;
		free(fs->prefix);
		fs->prefix = xstrdup(lock);
	}
	struct config_service old = *s;
	*s = *fs;
	memset(fs, 0, sizeof(*fs));
	s->naliases = 0;
	s->aliases = NULL;
	if (used) { /* the day's journal names the old ids: the store must still read them */
		aliases_add(s, old.id);
		for (size_t k = 0; k < old.naliases; k++)
			aliases_add(s, old.aliases[k]);
	}
	service_clear(&old);
	m->claimed[i] = true;
	m->perm[j] = (int16_t)i;
}

static void file_order_first(struct merge *m);

/* Lays the file's services over the slots: by id, then by prefix (a rename), then new. */
static void merge_services(struct merge *m)
{
	struct config *next = m->next;
	bool done[CONFIG_MAX_SERVICES] = {false};
	char path[CONFIG__PATH_LEN];
	size_t nbase = m->nsvc;
	for (size_t j = 0; j < next->nservices; j++)
		for (size_t i = 0; i < nbase && !done[j]; i++) {
			struct config_service *s = &m->svc[i];
			bool hit = !strcmp(s->id, next->services[j].id);
			for (size_t k = 0; !hit && k < s->naliases; k++)
				hit = !strcmp(s->aliases[k], next->services[j].id);
			if (hit && !m->claimed[i]) {
				config__join_index(path, "services", j);
				claim(m, i, j, path);
				done[j] = true;
			}
		}
	for (size_t j = 0; j < next->nservices; j++)
		for (size_t i = 0; i < nbase && !done[j]; i++)
			if (!m->claimed[i] && *m->svc[i].prefix &&
			    !strcmp(m->svc[i].prefix, next->services[j].prefix)) {
				config__join_index(path, "services", j);
				claim(m, i, j, path);
				done[j] = true;
			}
	for (size_t j = 0; j < next->nservices; j++) {
		if (done[j])
			continue;
		size_t i = m->nsvc++;
		memset(&m->svc[i], 0, sizeof(m->svc[i]));
		m->svc[i].id = xstrdup(next->services[j].id); /* claim() frees what it replaces */
		m->svc[i].prefix = xstrdup("");
		config__join_index(path, "services", j);
		claim(m, i, j, path);
	}
	file_order_first(m);
	for (size_t i = 0; i < m->nsvc; i++) {
		const char *lock;
		bool used = service_used(m, &m->svc[i], &lock);
		if (!m->claimed[i]) {
			m->svc[i].retired = true;
			m->svc[i].gone = !used;
			if (used && i < CONFIG_MAX_SERVICES)
				m->retired_used |= UINT64_C(1) << i;
		} else {
			m->svc[i].retired = m->svc[i].gone = false;
		}
	}
}

/* At start-up nothing has an index yet: the file's services take the first ones, in its
 * order, and what only the day's journal names follows. */
static void file_order_first(struct merge *m)
{
	if (m->run)
		return;
	struct config_service v[2 * CONFIG_MAX_SERVICES];
	bool claimed[2 * CONFIG_MAX_SERVICES];
	int16_t to[2 * CONFIG_MAX_SERVICES];
	size_t n = 0;
	for (size_t j = 0; j < m->next->nservices; j++)
		to[m->perm[j]] = (int16_t)n++;
	for (size_t i = 0; i < m->nsvc; i++)
		if (!m->claimed[i])
			to[i] = (int16_t)n++;
	for (size_t i = 0; i < m->nsvc; i++) {
		v[to[i]] = m->svc[i];
		claimed[to[i]] = m->claimed[i];
	}
	memcpy(m->svc, v, m->nsvc * sizeof(*v));
	memcpy(m->claimed, claimed, m->nsvc * sizeof(*claimed));
	for (size_t j = 0; j < m->next->nservices; j++)
		m->perm[j] = to[m->perm[j]];
}

/* A prefix carried by two slots: the new service (the one that issued nothing today)
 * gives way — an error when strict, else left out until the day ends. */
static void prefix_clashes(struct merge *m)
{
	for (size_t i = 0; i < m->nsvc; i++)
		for (size_t k = 0; k < i; k++) {
			struct config_service *a = &m->svc[k], *b = &m->svc[i];
			if (!*a->prefix || strcmp(a->prefix, b->prefix))
				continue;
			struct config_service *young = m->claimed[i] ? b : a,
					      *old = young == b ? a : b;
			size_t j = 0;
			while (j < m->next->nservices && m->perm[j] != (int16_t)(young - m->svc))
				j++;
			char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN], msg[160];
			config__join_index(path, "services", j);
			config__join(sub, path, "prefix");
			snprintf(msg, sizeof(msg),
				 "\"%s\" is carried today by the tickets of service \"%s\"",
				 young->prefix, old->id);
			if (m->strict) {
				err_line(&m->errs, sub, msg);
			} else {
				log_warn("config: %s: %s; service \"%s\" waits for the next day",
					 sub, msg, young->id);
				young->retired = young->gone = true;
				young->prefix[0] = '\0';
				m->next->deferred = true;
			}
		}
}

/* The counters: by id, the day's removed ones kept, new ones appended. */
static void merge_counters(struct merge *m)
{
	const struct config *run = m->run;
	struct config *next = m->next;
	/* at start-up the file's counters come first (nothing has an index yet), then those
	 * only the day's journal names */
	size_t nbase = run ? run->ncounters : 0, nday = run ? 0 : m->today->ncounters;
	m->ctr = xcalloc(nbase + nday + next->ncounters + 1, sizeof(*m->ctr));
	m->cclaimed = xcalloc(nbase + nday + next->ncounters + 1, sizeof(*m->cclaimed));
	m->cperm = xcalloc(next->ncounters + 1, sizeof(*m->cperm));
	for (size_t i = 0; i < nbase; i++)
		counter_dup(&m->ctr[m->nctr++], &run->counters[i]);
	for (size_t j = 0; j < next->ncounters; j++) {
		struct config_counter *fc = &next->counters[j];
		size_t i = 0;
		while (i < nbase && (m->cclaimed[i] || strcmp(m->ctr[i].id, fc->id)))
			i++;
		/* the retired services the day still uses: at start-up nobody knows who gave
		 * them, so every counter may call their tickets; while running, those that
		 * gave them */
		uint64_t keep = run ? 0 : m->retired_used;
		if (i == nbase)
			i = m->nctr++;
		else if (run)
			keep = m->ctr[i].services & m->retired_used;
		counter_clear(&m->ctr[i]);
		m->ctr[i] = *fc;
		memset(fc, 0, sizeof(*fc));
		uint64_t mask = 0;
		for (size_t b = 0; b < next->nservices; b++)
			if (m->ctr[i].services >> b & 1)
				mask |= UINT64_C(1) << m->perm[b];
		m->ctr[i].services = mask | keep;
		for (size_t k = 0; k < m->ctr[i].norder; k++)
			m->ctr[i].order[k] = (uint8_t)m->perm[m->ctr[i].order[k]];
		m->cclaimed[i] = true;
		m->cperm[j] = (int16_t)i;
	}
	for (size_t k = 0; k < nday; k++) {
		const char *id = m->today->counters[k];
		size_t i = 0;
		while (i < m->nctr && strcmp(m->ctr[i].id, id))
			i++;
		if (i < m->nctr)
			continue; /* the file has it */
		struct config_counter *c = &m->ctr[m->nctr++];
		c->id = xstrdup(id);
		names_of_id(&c->name, next, c->id);
		names_of_id(&c->spoken, next, c->id);
	}
	uint64_t all = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		all |= UINT64_C(1) << i;
	for (size_t i = 0; i < m->nctr; i++) {
		struct config_counter *c = &m->ctr[i];
		c->retired = !m->cclaimed[i];
		c->gone = c->retired && !counter_used(m, c->id);
		if (c->retired && !run)
			c->services = all; /* the journal's counter: whatever it held today */
	}
}

/* The displays' service masks in slot indexes, with the retired services the day uses. */
static void merge_displays(struct merge *m)
{
	uint64_t live = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		if (!m->svc[i].gone)
			live |= UINT64_C(1) << i;
	for (size_t d = 0; d < m->next->ndisplays; d++) {
		struct config_display *dp = &m->next->displays[d];
		if (dp->all_services) {
			dp->services = live;
			continue;
		}
		uint64_t mask = 0;
		for (size_t b = 0; b < m->next->nservices; b++)
			if (dp->services >> b & 1)
				mask |= UINT64_C(1) << m->perm[b];
		const struct config_display *was =
		    m->run ? config_display_find(m->run, dp->id) : NULL;
		dp->services = mask | ((was ? was->services : UINT64_MAX) & m->retired_used);
	}
}

/* Moves the merge's slots into next. */
static void install(struct merge *m)
{
	struct config *next = m->next;
	for (size_t j = 0; j < next->nservices; j++)
		service_clear(&next->services[j]); /* all moved out: only their husks */
	free(next->services);
	next->services = xcalloc(m->nsvc ? m->nsvc : 1, sizeof(*next->services));
	memcpy(next->services, m->svc, m->nsvc * sizeof(*m->svc));
	size_t nfile = next->nservices, ncfile = next->ncounters;
	next->nservices = m->nsvc;
	m->nsvc = 0;
	for (size_t j = 0; j < ncfile; j++)
		counter_clear(&next->counters[j]);
	free(next->counters);
	next->counters = m->ctr;
	next->ncounters = m->nctr;
	m->ctr = NULL;
	next->nlisted = nfile;
	next->nclisted = ncfile;
	for (size_t j = 0; j < nfile; j++)
		next->listed[j] = m->perm[j];
	free(next->clisted);
	next->clisted = m->cperm;
	m->cperm = NULL;
	config__fill_floor_def(next);
}

int config_merge(const struct config *run, struct config *next, const struct config_today *today,
		 bool strict, char **cause)
{
	static const struct config_today none = {0};
	struct merge *m = xcalloc(1, sizeof(*m));
	*m = (struct merge){
	    .run = run, .next = next, .today = today ? today : &none, .strict = strict};
	if (run && strict)
		restart_errors(run, next, &m->errs);
	base_services(m);
	merge_services(m);
	if (m->nsvc > CONFIG_MAX_SERVICES) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "%zu services with those removed today are more than %d (the removed "
			 "ones are freed when torgd restarts)",
			 m->nsvc, CONFIG_MAX_SERVICES);
		err_line(&m->errs, "services", msg);
	} else {
		prefix_clashes(m);
		merge_counters(m);
		if (m->nctr > CONFIG_MAX_COUNTERS)
			err_line(&m->errs, "counters",
				 "more counters with those removed today than 1024");
		merge_displays(m);
	}
	int rc = 0;
	if (m->errs.len) {
		rc = -EINVAL;
		if (cause)
			*cause = m->errs.s;
		else
			free(m->errs.s);
		m->errs.s = NULL;
	} else {
		install(m);
	}
	for (size_t i = 0; i < m->nsvc; i++)
		service_clear(&m->svc[i]);
	for (size_t i = 0; m->ctr && i < m->nctr; i++)
		counter_clear(&m->ctr[i]);
	free(m->ctr);
	free(m->cclaimed);
	free(m->cperm);
	free(m->errs.s);
	free(m);
	return rc;
}
