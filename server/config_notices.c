/*
 * config_notices.c — the floor's notices in its configuration (config/README.md,
 * "exceptions" and "messages"): dated exceptions to the opening hours (a public
 * holiday closed, a shortened day, for the floor or some services, with a note in
 * the floor's languages) and screen messages (a text in every floor language,
 * shown on some or all displays and kiosks between an optional from and until in
 * the floor's local time). Both are top-level keys, read after the services and
 * displays they name; what the api and the snapshot make of them is read from the
 * struct config alone (the running configuration may be swapped).
 */
#include "config_json.h"

#include <errno.h>
#include <string.h>

#include "util.h"

/* Formats a local moment as "YYYY-MM-DDTHH:MM" into buf (>= 17 bytes). */
static void format_local(struct config_local_time t, char *buf, size_t len)
{
	char d[16], hm[8];
	hours_format_date(t.date, d, sizeof(d));
	hours_format_hhmm(t.minute, hm);
	snprintf(buf, len, "%sT%s", d, hm);
}

/* Reads obj[key] as a date YYYY-MM-DD into *out (kept when absent). */
static int get_date(struct config__parse *p, const char *path, json_t *obj, const char *key,
		    int32_t *out)
{
	char sub[CONFIG__PATH_LEN];
	const char *s = NULL;
	if (config__get_string(p, path, obj, key, false, &s) < 0)
		return -EINVAL;
	config__join(sub, path, key);
	if (s && hours_parse_date(s, out) < 0)
		return config__fail(p, sub, "%s is not a date YYYY-MM-DD", config__quote(p, s));
	return 0;
}

/* Parses the dates of exception o: "date", or "from" and "to". */
static int parse_dates(struct config__parse *p, const char *path, json_t *o,
		       struct hours_exception *h)
{
	char sub[CONFIG__PATH_LEN], a[16], b[16];
	bool date = json_object_get(o, "date"), from = json_object_get(o, "from"),
	     to = json_object_get(o, "to");
	if (date && (from || to)) {
		config__join(sub, path, from ? "from" : "to");
		return config__fail(p, sub, "not together with \"date\"");
	}
	if (!date && !from && !to)
		return config__fail(p, path, "needs \"date\", or \"from\" and \"to\"");
	if (!date && (!from || !to)) {
		config__join(sub, path, from ? "to" : "from");
		return config__fail(p, sub, "missing");
	}
	if (get_date(p, path, o, "date", &h->from) < 0 ||
	    get_date(p, path, o, "from", &h->from) < 0 || get_date(p, path, o, "to", &h->to) < 0)
		return -EINVAL;
	if (date)
		h->to = h->from;
	config__join(sub, path, "to");
	hours_format_date(h->from, a, sizeof(a));
	hours_format_date(h->to, b, sizeof(b));
	if (h->to < h->from)
		return config__fail(p, sub, "%s is before from %s", b, a);
	if (hours_day_number(h->to) - hours_day_number(h->from) >= CONFIG_EXCEPTION_DAYS)
		return config__fail(p, sub, "%s is more than %d days from %s", b,
				    CONFIG_EXCEPTION_DAYS, a);
	return 0;
}

/* Parses an exception's "hours": 1..HOURS_MAX_SPANS spans ["HH:MM", "HH:MM"]. */
static int parse_spans(struct config__parse *p, const char *path, json_t *v,
		       struct hours_exception *h)
{
	char sub[CONFIG__PATH_LEN];
	struct hours day;
	json_t *span;
	size_t i;
	if (!json_is_array(v))
		return config__fail(p, path, "expected an array of [\"HH:MM\", \"HH:MM\"], got %s",
				    config__type_name(v));
	if (json_array_size(v) == 0)
		return config__fail(p, path,
				    "must list at least one span (or say \"closed\": true)");
	if (json_array_size(v) > HOURS_MAX_SPANS)
		return config__fail(p, path, "more than %d opening spans", HOURS_MAX_SPANS);
	hours_set_closed(&day);
	json_array_foreach(v, i, span)
	{
		config__join_index(sub, path, i);
		json_t *a = json_array_get(span, 0), *b = json_array_get(span, 1);
		if (!json_is_array(span) || json_array_size(span) != 2 || !json_is_string(a) ||
		    !json_is_string(b))
			return config__fail(p, sub, "expected [\"HH:MM\", \"HH:MM\"]");
		int open = hours_parse_hhmm(json_string_value(a), false);
		int close = hours_parse_hhmm(json_string_value(b), true);
		if (open < 0 || close < 0)
			return config__fail(p, sub, "%s is not a time HH:MM",
					    config__quote(p, json_string_value(open < 0 ? a : b)));
		if (close <= open)
			return config__fail(p, sub, "closes at %s, not after it opens at %s",
					    json_string_value(b), json_string_value(a));
		if (hours_add_span(&day, 0, open, close) < 0)
			return config__fail(p, sub, "overlaps another span of the day");
	}
	h->nspans = day.nspans[0];
	memcpy(h->spans, day.spans[0], sizeof(h->spans));
	return 0;
}

/* Parses "closed": true or "hours" of exception o into *h. */
static int parse_opening(struct config__parse *p, const char *path, json_t *o,
			 struct hours_exception *h)
{
	char sub[CONFIG__PATH_LEN];
	json_t *closed = json_object_get(o, "closed"), *hours = json_object_get(o, "hours");
	config__join(sub, path, "closed");
	if (closed && !json_is_true(closed))
		return config__fail(p, sub,
				    "expected true, got %s (give \"hours\" for a shorter day)",
				    json_is_false(closed) ? "false" : config__type_name(closed));
	if (closed && hours) {
		config__join(sub, path, "hours");
		return config__fail(p, sub, "not together with \"closed\"");
	}
	if (!closed && !hours)
		return config__fail(p, path, "needs \"closed\": true or \"hours\"");
	h->nspans = 0;
	config__join(sub, path, "hours");
	return hours ? parse_spans(p, sub, hours, h) : 0;
}

/* Parses an array of ids at path into a mask of indexes by index_of (at least one). */
static int parse_id_mask(struct config__parse *p, const char *path, json_t *v, const char *what,
			 int (*index_of)(const struct config *, const char *), uint64_t *mask)
{
	char sub[CONFIG__PATH_LEN];
	json_t *t;
	size_t i;
	if (!json_is_array(v))
		return config__fail(p, path, "expected an array of %s ids, got %s", what,
				    config__type_name(v));
	if (json_array_size(v) == 0)
		return config__fail(p, path, "must list at least one %s", what);
	*mask = 0;
	json_array_foreach(v, i, t)
	{
		config__join_index(sub, path, i);
		if (!json_is_string(t))
			return config__fail(p, sub, "expected a %s id, got %s", what,
					    config__type_name(t));
		int k = index_of(p->cfg, json_string_value(t));
		if (k < 0)
			return config__fail(p, sub, "unknown %s %s", what,
					    config__quote(p, json_string_value(t)));
		if (*mask & (UINT64_C(1) << k))
			return config__fail(p, sub, "%s is listed twice",
					    config__quote(p, json_string_value(t)));
		*mask |= UINT64_C(1) << k;
	}
	return 0;
}

/* Index of the display with that id, or -1. */
static int display_index(const struct config *cfg, const char *id)
{
	const struct config_display *d = config_display_find(cfg, id);
	return d ? (int)(d - cfg->displays) : -1;
}

/* Fails when exception i shares a date and a service with an earlier one. */
static int check_overlap(struct config__parse *p, const char *path, size_t i)
{
	const struct config_exception *x = &p->cfg->exceptions[i];
	for (size_t j = 0; j < i; j++) {
		const struct config_exception *y = &p->cfg->exceptions[j];
		uint64_t both = x->services & y->services;
		if (x->h.from > y->h.to || y->h.from > x->h.to || !both)
			continue;
		char day[16];
		hours_format_date(x->h.from > y->h.from ? x->h.from : y->h.from, day, sizeof(day));
		if (x->all_services || y->all_services)
			return config__fail(p, path, "overlaps exceptions[%zu] on %s", j, day);
		return config__fail(p, path, "overlaps exceptions[%zu] on %s for service %s", j,
				    day,
				    config__quote(p, p->cfg->services[__builtin_ctzll(both)].id));
	}
	return 0;
}

/* Parses exceptions[i]. */
static int parse_exception(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"date",  "from",	"to",	"closed",
					   "hours", "services", "note", NULL};
	struct config *cfg = p->cfg;
	struct config_exception *x = &cfg->exceptions[i];
	char sub[CONFIG__PATH_LEN];
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	if (config__check_keys(p, path, o, keys) < 0 || parse_dates(p, path, o, &x->h) < 0 ||
	    parse_opening(p, path, o, &x->h) < 0)
		return -EINVAL;
	if ((v = json_object_get(o, "services"))) {
		config__join(sub, path, "services");
		if (parse_id_mask(p, sub, v, "service", config_service_index, &x->services) < 0)
			return -EINVAL;
	} else {
		x->all_services = true;
		x->services =
		    cfg->nservices >= 64 ? UINT64_MAX : (UINT64_C(1) << cfg->nservices) - 1;
	}
	if ((v = json_object_get(o, "note"))) {
		config__join(sub, path, "note");
		if (config__parse_names(p, sub, v, &x->note) < 0)
			return -EINVAL;
	}
	if (x->h.to > cfg->exceptions_last)
		cfg->exceptions_last = x->h.to;
	return check_overlap(p, path, i);
}

/* Parses a local moment "YYYY-MM-DDTHH:MM" at obj[key] (kept unset when absent). */
static int get_local(struct config__parse *p, const char *path, json_t *obj, const char *key,
		     struct config_local_time *out)
{
	char sub[CONFIG__PATH_LEN], date[11];
	const char *s = NULL;
	if (config__get_string(p, path, obj, key, false, &s) < 0)
		return -EINVAL;
	if (!s)
		return 0;
	config__join(sub, path, key);
	int minute = strlen(s) == 16 && s[10] == 'T' ? hours_parse_hhmm(s + 11, false) : -1;
	memcpy(date, s, 10);
	date[10] = 0;
	if (minute < 0 || hours_parse_date(date, &out->date) < 0)
		return config__fail(p, sub, "%s is not a local time YYYY-MM-DDTHH:MM",
				    config__quote(p, s));
	out->minute = minute;
	return 0;
}

/* Characters (UTF-8 code points) of s. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Parses a message's text: every floor language, each 1..CONFIG_MESSAGE_MAX characters
 * (not bytes: a message is measured as it is read). Like config__parse_names, each bad or
 * missing language is its own error. */
static int parse_text(struct config__parse *p, const char *path, json_t *v,
		      struct config_names *out)
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	const char *lang;
	json_t *t;
	if (!json_is_object(v))
		return config__fail(p, path, "expected an object of language: text, got %s",
				    config__type_name(v));
	out->v = xcalloc(json_object_size(v) + 1, sizeof(*out->v));
	json_object_foreach(v, lang, t)
	{
		if (lang[0] == '_')
			continue;
		config__join(sub, path, lang);
		size_t n = json_is_string(t) ? utf8_chars(json_string_value(t)) : 0;
		if (!config_has_language(p->cfg, lang))
			config__fail(p, sub, "not one of floor.languages");
		else if (!json_is_string(t))
			config__fail(p, sub, "expected a string, got %s", config__type_name(t));
		else if (n == 0 || n > CONFIG_MESSAGE_MAX ||
			 strlen(json_string_value(t)) != json_string_length(t))
			config__fail(p, sub, "must be 1 to %d characters", CONFIG_MESSAGE_MAX);
		else {
			snprintf(out->v[out->n].lang, CONFIG_LANG_MAX, "%s", lang);
			out->v[out->n++].text = xstrdup(json_string_value(t));
		}
	}
	for (size_t i = 0; i < p->cfg->nlanguages; i++)
		if (!config_name_get(out, p->cfg->languages[i]) &&
		    !json_object_get(v, p->cfg->languages[i])) {
			config__join(sub, path, p->cfg->languages[i]);
			config__fail(p, sub, "missing");
		}
	return config__failed_since(p, mark);
}

/* Parses messages[i]. */
static int parse_message(struct config__parse *p, const char *path, json_t *o, size_t i)
{
	static const char *const keys[] = {"id",       "text",	 "from", "until",
					   "displays", "kiosks", NULL};
	struct config *cfg = p->cfg;
	struct config_message *m = &cfg->messages[i];
	char sub[CONFIG__PATH_LEN], a[24], b[24];
	json_t *v;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	m->kiosks = true;
	if (config__check_keys(p, path, o, keys) < 0 ||
	    config__get_id(p, path, o, "id", true, &m->id) < 0)
		return -EINVAL;
	config__join(sub, path, "id");
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->messages[j].id, m->id) == 0)
			return config__fail(p, sub, "%s is already used by messages[%zu]",
					    config__quote(p, m->id), j);
	if (config__get_typed(p, path, o, "text", JSON_OBJECT, "an object of language: text", true,
			      &v) < 0)
		return -EINVAL;
	config__join(sub, path, "text");
	if (parse_text(p, sub, v, &m->text) < 0 || get_local(p, path, o, "from", &m->from) < 0 ||
	    get_local(p, path, o, "until", &m->until) < 0 ||
	    config__get_bool(p, path, o, "kiosks", &m->kiosks) < 0)
		return -EINVAL;
	int64_t from = (int64_t)m->from.date * HOURS_DAY_MIN + m->from.minute,
		until = (int64_t)m->until.date * HOURS_DAY_MIN + m->until.minute;
	if (m->from.date && m->until.date && until <= from) {
		format_local(m->from, a, sizeof(a));
		format_local(m->until, b, sizeof(b));
		config__join(sub, path, "until");
		return config__fail(p, sub, "%s is not after from %s", b, a);
	}
	if ((v = json_object_get(o, "displays"))) {
		config__join(sub, path, "displays");
		return parse_id_mask(p, sub, v, "display", display_index, &m->displays);
	}
	m->all_displays = true;
	return 0;
}

/* Parses the optional top-level array key with item, at most max entries. */
static int parse_array(struct config__parse *p, json_t *root, const char *key, size_t max,
		       size_t item_size, void **items, size_t *n,
		       int (*item)(struct config__parse *, const char *, json_t *, size_t))
{
	char sub[CONFIG__PATH_LEN];
	json_t *a, *o;
	size_t i;
	if (config__get_typed(p, "", root, key, JSON_ARRAY, "an array", false, &a) < 0)
		return -EINVAL;
	if (!a)
		return 0;
	if (json_array_size(a) > max)
		return config__fail(p, key, "more than %zu entries", max);
	*items = xcalloc(json_array_size(a) + 1, item_size);
	json_array_foreach(a, i, o)
	{
		config__join_index(sub, key, i);
		*n = i + 1;
		if (item(p, sub, o, i) < 0)
			return -EINVAL;
	}
	return 0;
}

int config__parse_exceptions(struct config__parse *p, json_t *root)
{
	struct config *cfg = p->cfg;
	return parse_array(p, root, "exceptions", CONFIG_MAX_EXCEPTIONS, sizeof(*cfg->exceptions),
			   (void **)&cfg->exceptions, &cfg->nexceptions, parse_exception);
}

int config__parse_messages(struct config__parse *p, json_t *root)
{
	struct config *cfg = p->cfg;
	return parse_array(p, root, "messages", CONFIG_MAX_MESSAGES, sizeof(*cfg->messages),
			   (void **)&cfg->messages, &cfg->nmessages, parse_message);
}

const struct config_exception *config_exception_on(const struct config *cfg, int service,
						   int32_t date)
{
	if (date > cfg->exceptions_last) /* the common case: a day after every exception */
		return NULL;
	for (size_t i = 0; i < cfg->nexceptions; i++) {
		const struct config_exception *x = &cfg->exceptions[i];
		if (date < x->h.from || date > x->h.to)
			continue;
		if (service < 0 ? x->all_services : (x->services >> service & 1))
			return x;
	}
	return NULL;
}

/* hours_cal's find: the exception of the service tag on date. */
static const struct hours_exception *cal_find(const void *arg, int tag, int32_t date)
{
	const struct config_exception *x = config_exception_on(arg, tag, date);
	return x ? &x->h : NULL;
}

void config_hours_cal(const struct config *cfg, int service, struct hours_cal *cal)
{
	*cal = (struct hours_cal){
	    .week = service < 0 ? &cfg->hours : &cfg->services[service].hours,
	    .find = cfg->nexceptions ? cal_find : NULL,
	    .arg = cfg,
	    .tag = service,
	};
}

int64_t config_local_ms(struct config_local_time t)
{
	return t.date ? hours_day_start_ms(t.date, t.minute) : 0;
}

bool config_message_for(const struct config_message *m, int d)
{
	if (d < 0)
		return m->kiosks;
	return m->all_displays || (d < CONFIG_MAX_DISPLAYS && (m->displays >> d & 1));
}

/* Mixes v into the key h (FNV-1a over its bytes). */
static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ULL;
	return h;
}

/* Lowers *next to t when t is after now and before it. */
static void sooner(int64_t *next, int64_t t, int64_t now)
{
	if (t > now && t < *next)
		*next = t;
}

uint64_t config_notices_phase(const struct config *cfg, int64_t now_ms, int64_t *next_ms)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	struct hours_local loc;
	*next_ms = now_ms + CONFIG_NOTICES_LOOK_MS;
	if (hours_local_now(now_ms, cfg->day_start_min, &loc) == 0) {
		h = mix(mix(h, (uint64_t)loc.date), (uint64_t)loc.day);
		sooner(next_ms, hours_day_start_ms(hours_day_add(loc.date, 1), 0), now_ms);
		sooner(next_ms, hours_day_start_ms(hours_day_add(loc.day, 1), cfg->day_start_min),
		       now_ms);
	}
	for (size_t i = 0; i < cfg->nmessages; i++) {
		int64_t from = config_local_ms(cfg->messages[i].from),
			until = config_local_ms(cfg->messages[i].until);
		h = mix(h, (uint64_t)(until && until <= now_ms ? 2 : from <= now_ms ? 1 : 0));
		sooner(next_ms, from, now_ms);
		sooner(next_ms, until, now_ms);
	}
	return h;
}

void config_notices_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nexceptions; i++)
		config__names_free(&cfg->exceptions[i].note);
	free(cfg->exceptions);
	for (size_t i = 0; i < cfg->nmessages; i++) {
		free(cfg->messages[i].id);
		config__names_free(&cfg->messages[i].text);
	}
	free(cfg->messages);
}
