/*
 * config_voice.c — what the floor's configuration says about spoken announcements: the
 * optional "voice" section (recorded clips, the cache's size), each display's
 * announcement languages (displays[].announce, default its languages) and each
 * counter's spoken name (counters[].spoken, default its name). Read after the counters
 * and displays, from the same JSON.
 */
#include "config_json.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* Parses voice.clips_dir and voice.cache_mb. */
static int parse_section(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"clips_dir", "cache_mb", NULL};
	const char *dir = NULL;
	json_t *vo;
	struct stat st;
	if (config__get_typed(p, "", root, "voice", JSON_OBJECT, "an object", false, &vo) < 0)
		return -EINVAL;
	if (!vo)
		return 0;
	if (config__check_keys(p, "voice", vo, keys) < 0 ||
	    config__get_string(p, "voice", vo, "clips_dir", false, &dir) < 0 ||
	    config__get_int(p, "voice", vo, "cache_mb", 1, 1024, &p->cfg->voice_cache_mb) < 0)
		return -EINVAL;
	if (!dir)
		return 0;
	if (!*dir)
		return config__fail(p, "voice.clips_dir", "empty");
	if (stat(dir, &st) != 0)
		return config__fail(p, "voice.clips_dir", "cannot read %s: %s", dir,
				    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return config__fail(p, "voice.clips_dir", "%s is not a directory", dir);
	p->cfg->voice_clips_dir = xstrdup(dir);
	return 0;
}

/* Parses displays[i].announce, or copies the display's languages. */
static int parse_announce(struct config__parse *p, json_t *o, size_t i)
{
	struct config_display *d = &p->cfg->displays[i];
	char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN];
	json_t *v = json_is_object(o) ? json_object_get(o, "announce") : NULL;
	config__join_index(path, "displays", i);
	config__join(sub, path, "announce");
	if (v) {
		if (config__parse_langs(p, sub, v, true, &d->announce, &d->nannounce) < 0)
			return -EINVAL;
		for (size_t k = 0; k < d->nannounce; k++) {
			bool shown = false;
			for (size_t j = 0; j < d->nlanguages; j++)
				shown = shown || strcmp(d->languages[j], d->announce[k]) == 0;
			config__join_index(path, sub, k);
			if (!shown)
				return config__fail(p, path,
						    "%s is not one of the display's languages",
						    config__quote(p, d->announce[k]));
		}
		return 0;
	}
	d->nannounce = d->nlanguages;
	d->announce = xcalloc(d->nlanguages, CONFIG_LANG_MAX);
	memcpy(d->announce, d->languages, d->nlanguages * CONFIG_LANG_MAX);
	return 0;
}

int config__parse_voice(struct config__parse *p, json_t *root)
{
	char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN];
	json_t *a, *v;
	if (parse_section(p, root) < 0)
		return -EINVAL;
	a = json_object_get(root, "counters");
	for (size_t i = 0; i < p->cfg->ncounters; i++) {
		v = json_object_get(json_array_get(a, i), "spoken");
		if (!v)
			continue;
		config__join_index(path, "counters", i);
		config__join(sub, path, "spoken");
		if (config__parse_names(p, sub, v, &p->cfg->counters[i].spoken) < 0)
			return -EINVAL;
	}
	a = json_object_get(root, "displays");
	for (size_t i = 0; i < p->cfg->ndisplays; i++)
		if (parse_announce(p, json_array_get(a, i), i) < 0)
			return -EINVAL;
	return 0;
}
