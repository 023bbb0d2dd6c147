/*
 * config_voice.c — what the floor's configuration says about spoken announcements: the
 * optional "voice" section (recorded clips, the cache's size), each display's
 * announcement languages (displays[].announce, default its languages) and each
 * counter's spoken name (counters[].spoken, default its name). Read after the counters
 * and displays, from the same JSON.
 */
#include "config_json.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* Parses voice.clips_dir and voice.cache_mb. */
static int parse_section(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"clips_dir", "cache_mb", NULL};
	size_t mark = p->nfailed;
	const char *dir = NULL;
	json_t *vo;
	struct stat st;
	config__get_typed(p, "", root, "voice", JSON_OBJECT, "an object", false, &vo);
	if (!vo)
		return config__failed_since(p, mark);
	config__check_keys(p, "voice", vo, keys);
	config__get_string(p, "voice", vo, "clips_dir", false, &dir);
	config__get_int(p, "voice", vo, "cache_mb", 1, 1024, &p->cfg->voice_cache_mb);
	if (!dir)
		return config__failed_since(p, mark);
	if (!*dir)
		return config__fail(p, "voice.clips_dir", "empty");
	if (stat(dir, &st) != 0)
		return config__fail(p, "voice.clips_dir", "cannot read %s: %s", dir,
				    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return config__fail(p, "voice.clips_dir", "%s is not a directory", dir);
	p->cfg->voice_clips_dir = xstrdup(dir);
	return config__failed_since(p, mark);
}

/* Whether s is one of the n languages in langs. */
static bool lang_in(char (*langs)[CONFIG_LANG_MAX], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(langs[i], s) == 0)
			return true;
	return false;
}

/* The index of the first entry of the array a that is the string s. */
static size_t first_index(json_t *a, const char *s)
{
	size_t i;
	json_t *t;
	json_array_foreach(a, i, t)
	{
		if (json_is_string(t) && strcmp(json_string_value(t), s) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Parses displays[i].announce, or copies the display's languages; every announced
 * language must be one the display shows. */
static int parse_announce(struct config__parse *p, json_t *o, size_t i)
{
	struct config_display *d = &p->cfg->displays[i];
	size_t mark = p->nfailed;
	char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN];
	json_t *v = json_is_object(o) ? json_object_get(o, "announce") : NULL;
	config__join_index(path, "displays", i);
	config__join(sub, path, "announce");
	if (!v) {
		d->nannounce = d->nlanguages;
		d->announce = xcalloc(d->nlanguages, CONFIG_LANG_MAX);
		if (d->nlanguages) /* none when the display's languages were refused */
			memcpy(d->announce, d->languages, d->nlanguages * CONFIG_LANG_MAX);
		return 0;
	}
	config__parse_langs(p, sub, v, true, &d->announce, &d->nannounce);
	for (size_t k = 0; k < json_array_size(v); k++) {
		const char *s = json_string_value(json_array_get(v, k));
		if (!s || !lang_in(d->announce, d->nannounce, s) || first_index(v, s) != k)
			continue; /* an entry parse_langs refused is its own error */
		config__join_index(path, sub, k);
		if (!lang_in(d->languages, d->nlanguages, s))
			config__fail(p, path, "%s is not one of the display's languages",
				     config__quote(p, s));
	}
	return config__failed_since(p, mark);
}

int config__parse_voice(struct config__parse *p, json_t *root)
{
	size_t mark = p->nfailed;
	char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN];
	json_t *a, *v;
	parse_section(p, root);
	a = json_object_get(root, "counters");
	for (size_t i = 0; i < p->cfg->ncounters; i++) {
		v = json_object_get(json_array_get(a, i), "spoken");
		if (!v)
			continue;
		config__join_index(path, "counters", i);
		config__join(sub, path, "spoken");
		config__parse_names(p, sub, v, &p->cfg->counters[i].spoken);
	}
	a = json_object_get(root, "displays");
	for (size_t i = 0; i < p->cfg->ndisplays; i++)
		parse_announce(p, json_array_get(a, i), i);
	return config__failed_since(p, mark);
}
