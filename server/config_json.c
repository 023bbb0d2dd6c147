/*
 * config_json.c — the JSON-reading toolkit of the config module (see
 * config_json.h): quoting of file strings in messages, typed getters with ranges, unknown-key
 * checks, ids, language tags, multilingual names, and opening hours in their JSON form.
 */
#include "config_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* A file string as a short, escaped, double-quoted literal for a message (rotating buffers). */
const char *config__quote(struct config__parse *p, const char *s)
{
	char *out = p->qbuf[p->qnext];
	p->qnext = (p->qnext + 1) % 4;
	size_t o = 0, len = strlen(s), cut = len;
	if (cut > CONFIG__QUOTE_MAX) {
		cut = CONFIG__QUOTE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--; /* do not split a UTF-8 sequence */
	}
	out[o++] = '"';
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		else if (c == '"' || c == '\\')
			o += (size_t)sprintf(out + o, "\\%c", c);
		else
			out[o++] = (char)c;
	}
	if (cut < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* JSON type name for messages ("string", "integer", ...). */
const char *config__type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

/* Writes "path.key" into buf (just "key" at the top level). */
void config__join(char *buf, const char *path, const char *key)
{
	if (snprintf(buf, CONFIG__PATH_LEN, "%s%s%.40s", path, *path ? "." : "", key) >=
	    CONFIG__PATH_LEN)
		memcpy(buf + CONFIG__PATH_LEN - 4, "...", 4); /* only with absurd paths */
}

/* Writes "path[i]" into buf. */
void config__join_index(char *buf, const char *path, size_t i)
{
	if (snprintf(buf, CONFIG__PATH_LEN, "%s[%zu]", path, i) >= CONFIG__PATH_LEN)
		memcpy(buf + CONFIG__PATH_LEN - 4, "...", 4); /* only with absurd paths */
}

/* Fails on every key of obj not in the NULL-terminated list allowed (or starting with '_'). */
int config__check_keys(struct config__parse *p, const char *path, json_t *obj,
		       const char *const *allowed)
{
	size_t mark = p->nfailed;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (key[0] == '_')
			continue;
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			char sub[CONFIG__PATH_LEN];
			bool plain =
			    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789_-") == strlen(key) &&
			    *key;
			config__join(sub, path, plain ? key : config__quote(p, key));
			config__fail(p, sub, "unknown key");
		}
	}
	return config__failed_since(p, mark);
}

/* Fetches obj[key] as an object/array/etc. of type t; *out NULL when absent and optional. */
int config__get_typed(struct config__parse *p, const char *path, json_t *obj, const char *key,
		      json_type t, const char *what, bool required, json_t **out)
{
	char sub[CONFIG__PATH_LEN];
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	config__join(sub, path, key);
	if (!v)
		return required ? config__fail(p, sub, "missing") : 0;
	if (json_typeof(v) != t)
		return config__fail(p, sub, "expected %s, got %s", what, config__type_name(v));
	*out = v;
	return 0;
}

/* Reads obj[key] as a string into *out (borrowed from the JSON); keeps *out when absent. */
int config__get_string(struct config__parse *p, const char *path, json_t *obj, const char *key,
		       bool required, const char **out)
{
	json_t *v;
	int r = config__get_typed(p, path, obj, key, JSON_STRING, "a string", required, &v);
	if (r == 0 && v)
		*out = json_string_value(v);
	return r;
}

/* Reads obj[key] as an integer in [min, max] into *out; keeps *out when absent. */
int config__get_int(struct config__parse *p, const char *path, json_t *obj, const char *key,
		    int min, int max, int *out)
{
	const char *what = min > 0 ? "a positive integer" : "a non-negative integer";
	char sub[CONFIG__PATH_LEN];
	json_t *v;
	int r = config__get_typed(p, path, obj, key, JSON_INTEGER, what, false, &v);
	if (r < 0 || !v)
		return r;
	config__join(sub, path, key);
	json_int_t n = json_integer_value(v);
	if (n < min)
		return config__fail(p, sub, "expected %s, got %lld", what, (long long)n);
	if (n > max)
		return config__fail(p, sub, "%lld is more than the maximum %d", (long long)n, max);
	*out = (int)n;
	return 0;
}

/* Reads obj[key] as a boolean into *out; keeps *out when absent. */
int config__get_bool(struct config__parse *p, const char *path, json_t *obj, const char *key,
		     bool *out)
{
	char sub[CONFIG__PATH_LEN];
	json_t *v = json_object_get(obj, key);
	config__join(sub, path, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return config__fail(p, sub, "expected true or false, got %s", config__type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* Maps s to the index of an entry of the NULL-terminated list names, or fails. */
int config__get_enum(struct config__parse *p, const char *path, const char *s,
		     const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	char list[160] = "";
	for (int i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
			 i ? ", " : "", names[i]);
	return config__fail(p, path, "%s is not one of %s", config__quote(p, s), list);
}

/* True when s is an id: [a-z0-9_-]{1,CONFIG_ID_MAX}. */
bool config__valid_id(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	return n > 0 && n <= CONFIG_ID_MAX && s[n] == '\0';
}

/* True when s is a language tag: [a-z]{2,3}(-[A-Za-z0-9]{1,8})*, shorter than CONFIG_LANG_MAX. */
bool config__valid_lang(const char *s)
{
	size_t len = strlen(s), n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
	if (len >= CONFIG_LANG_MAX || n < 2 || n > 3)
		return false;
	for (const char *t = s + n; *t;) {
		if (*t != '-')
			return false;
		size_t m =
		    strspn(t + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (m < 1 || m > 8)
			return false;
		t += 1 + m;
	}
	return true;
}

/* Reads obj[key] as an id into *out (xstrdup'd); required ids fail when absent. */
int config__get_id(struct config__parse *p, const char *path, json_t *obj, const char *key,
		   bool required, char **out)
{
	const char *s = NULL;
	char sub[CONFIG__PATH_LEN];
	int r = config__get_string(p, path, obj, key, required, &s);
	if (r < 0 || !s)
		return r;
	config__join(sub, path, key);
	if (!config__valid_id(s))
		return config__fail(p, sub, "%s is not an id (1 to %d of a-z, 0-9, _ and -)",
				    config__quote(p, s), CONFIG_ID_MAX);
	free(*out);
	*out = xstrdup(s);
	return 0;
}

/* Frees the texts of a names set. */
void config__names_free(struct config_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i].text);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}

/* Parses a {lang: text} object at path into *out; every floor language must be there
 * (each one missing is its own error). */
int config__parse_names(struct config__parse *p, const char *path, json_t *v,
			struct config_names *out)
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	const char *lang;
	json_t *t;
	if (!json_is_object(v))
		return config__fail(p, path, "expected an object of language: text, got %s",
				    config__type_name(v));
	out->v = xcalloc(json_object_size(v), sizeof(*out->v));
	json_object_foreach(v, lang, t)
	{
		if (lang[0] == '_')
			continue;
		if (!config__valid_lang(lang)) {
			config__join(sub, path, config__quote(p, lang));
			config__fail(p, sub, "not a language tag like \"nb\" or \"pt-BR\"");
			continue;
		}
		config__join(sub, path, lang);
		size_t len = json_is_string(t) ? json_string_length(t) : 0;
		if (!json_is_string(t))
			config__fail(p, sub, "expected a string, got %s", config__type_name(t));
		else if (len == 0)
			config__fail(p, sub, "empty");
		else if (len > CONFIG__NAME_MAX)
			config__fail(p, sub, "longer than %d bytes", CONFIG__NAME_MAX);
		snprintf(out->v[out->n].lang, CONFIG_LANG_MAX, "%s", lang);
		out->v[out->n++].text = xstrdup(json_is_string(t) ? json_string_value(t) : "");
	}
	for (size_t i = 0; i < p->cfg->nlanguages; i++)
		if (!config_name_get(out, p->cfg->languages[i])) {
			config__join(sub, path, p->cfg->languages[i]);
			config__fail(p, sub, "missing");
		}
	return config__failed_since(p, mark);
}

/* Checks one entry of a language list at path; 0 when it can be added to the n in out. */
static int check_lang(struct config__parse *p, const char *path, json_t *t, bool floor_only,
		      char (*out)[CONFIG_LANG_MAX], size_t n)
{
	if (!json_is_string(t))
		return config__fail(p, path, "expected a string, got %s", config__type_name(t));
	const char *s = json_string_value(t);
	if (!config__valid_lang(s))
		return config__fail(p, path, "%s is not a language tag like \"nb\" or \"pt-BR\"",
				    config__quote(p, s));
	for (size_t j = 0; j < n; j++)
		if (strcmp(out[j], s) == 0)
			return config__fail(p, path, "%s is listed twice", config__quote(p, s));
	if (floor_only && !config_has_language(p->cfg, s))
		return config__fail(p, path, "%s is not one of floor.languages",
				    config__quote(p, s));
	return 0;
}

/* Parses an array of language tags at path into *out and *n; floor_only restricts them to the
 * floor's languages. A bad entry is left out and the others are still read. */
int config__parse_langs(struct config__parse *p, const char *path, json_t *v, bool floor_only,
			char (**out)[CONFIG_LANG_MAX], size_t *n)
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	size_t i;
	json_t *t;
	if (!json_is_array(v))
		return config__fail(p, path, "expected an array of language tags, got %s",
				    config__type_name(v));
	if (json_array_size(v) == 0)
		return config__fail(p, path, "must list at least one language");
	if (json_array_size(v) > CONFIG_MAX_LANGUAGES)
		return config__fail(p, path, "more than %d languages", CONFIG_MAX_LANGUAGES);
	*out = xcalloc(json_array_size(v), CONFIG_LANG_MAX);
	*n = 0;
	json_array_foreach(v, i, t)
	{
		config__join_index(sub, path, i);
		if (check_lang(p, sub, t, floor_only, *out, *n) == 0)
			snprintf((*out)[(*n)++], CONFIG_LANG_MAX, "%s", json_string_value(t));
	}
	return config__failed_since(p, mark);
}

/* Parses one span ["HH:MM", "HH:MM"] at path into day d of *h. */
static int parse_span(struct config__parse *p, const char *path, json_t *span, int d,
		      struct hours *h)
{
	json_t *a = json_array_get(span, 0), *b = json_array_get(span, 1);
	if (!json_is_array(span) || json_array_size(span) != 2 || !json_is_string(a) ||
	    !json_is_string(b))
		return config__fail(p, path, "expected [\"HH:MM\", \"HH:MM\"]");
	int open = hours_parse_hhmm(json_string_value(a), false);
	if (open < 0)
		return config__fail(p, path, "%s is not a time HH:MM",
				    config__quote(p, json_string_value(a)));
	int close = hours_parse_hhmm(json_string_value(b), true);
	if (close < 0)
		return config__fail(p, path, "%s is not a time HH:MM",
				    config__quote(p, json_string_value(b)));
	if (close <= open)
		return config__fail(p, path, "closes at %s, not after it opens at %s",
				    json_string_value(b), json_string_value(a));
	if (hours_add_span(h, d, open, close) < 0)
		return config__fail(p, path, "overlaps another span of the day");
	return 0;
}

/* Parses "always" or {"mon": [["08:00","15:30"], ...], ...} at path into *h; every day
 * and span is checked whatever the others hold. */
int config__parse_hours(struct config__parse *p, const char *path, json_t *v, struct hours *h)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};
	size_t mark = p->nfailed;
	char dpath[CONFIG__PATH_LEN], spath[CONFIG__PATH_LEN];
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "always") != 0)
			return config__fail(p, path,
					    "%s is not \"always\" or an object of weekdays",
					    config__quote(p, json_string_value(v)));
		hours_set_always(h);
		return 0;
	}
	if (!json_is_object(v))
		return config__fail(p, path, "expected \"always\" or an object of weekdays, got %s",
				    config__type_name(v));
	config__check_keys(p, path, v, days);
	hours_set_closed(h);
	for (int d = 0; d < 7; d++) {
		json_t *spans = json_object_get(v, days[d]), *span;
		size_t i;
		if (!spans)
			continue;
		config__join(dpath, path, days[d]);
		if (!json_is_array(spans)) {
			config__fail(p, dpath,
				     "expected an array of [\"HH:MM\", \"HH:MM\"], got %s",
				     config__type_name(spans));
			continue;
		}
		if (json_array_size(spans) > HOURS_MAX_SPANS) {
			config__fail(p, dpath, "more than %d opening spans", HOURS_MAX_SPANS);
			continue;
		}
		json_array_foreach(spans, i, span)
		{
			config__join_index(spath, dpath, i);
			parse_span(p, spath, span, d, h);
		}
	}
	return config__failed_since(p, mark);
}

/* True when the zone name is plain and /usr/share/zoneinfo/<tz> is a regular file. */
bool config__tz_exists(const char *tz)
{
	if (!*tz || strlen(tz) > 64 || tz[0] == '/' || strstr(tz, "..") ||
	    strspn(tz, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-") !=
		strlen(tz))
		return false;
	char file[128];
	struct stat st;
	snprintf(file, sizeof(file), "/usr/share/zoneinfo/%s", tz);
	return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}
