/*
 * config_display.c — how one wall display looks (see config/README.md,
 * displays[]): how it shows its languages other than the first
 * (language_mode), an optional logo file and its three colours. Split from
 * config.c, whose parse_display() calls config__parse_display_look() after the
 * display's languages are known (the default mode depends on how many).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "config_json.h"
#include "util.h"

#define LOGO_NAME_MAX 64

static const char *const mode_names[] = {"primary", "second_line", "rotate", NULL};
static const char *const color_keys[] = {"background", "foreground", "accent", NULL};

const char *config_language_mode_name(enum config_language_mode m)
{
	return mode_names[m];
}

/* True when s ends with suffix. */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* True when s is a plain image file name: [A-Za-z0-9._-], no leading dot, an image
 * extension torgd serves (.png, .svg; assets go out with a CSP of default-src 'none',
 * so an SVG runs nothing); never a path, so the page asks only for a file in the logos
 * folder. */
static bool logo_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > LOGO_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return ends_with(s, ".png") || ends_with(s, ".svg");
}

/* True when s is "#rrggbb". */
static bool color_ok(const char *s)
{
	if (strlen(s) != 7 || s[0] != '#')
		return false;
	for (int i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Parses the "colors" object at path into d->colors (lower case), each colour checked. */
static int parse_colors(struct config__parse *p, const char *path, json_t *v,
			struct config_display *d)
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	if (!json_is_object(v))
		return config__fail(p, path, "expected an object, got %s", config__type_name(v));
	config__check_keys(p, path, v, color_keys);
	for (int i = 0; color_keys[i]; i++) {
		const char *c = NULL;
		config__get_string(p, path, v, color_keys[i], false, &c);
		if (!c)
			continue;
		config__join(sub, path, color_keys[i]);
		if (!color_ok(c)) {
			config__fail(p, sub, "%s is not a colour #rrggbb", config__quote(p, c));
			continue;
		}
		for (int k = 0; k < 7; k++)
			d->colors[i][k] = (char)tolower((unsigned char)c[k]);
	}
	return config__failed_since(p, mark);
}

int config__parse_display_look(struct config__parse *p, const char *path, json_t *o,
			       struct config_display *d)
{
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	const char *mode = NULL, *logo = NULL;
	json_t *v;
	config__get_string(p, path, o, "language_mode", false, &mode);
	config__get_string(p, path, o, "logo", false, &logo);
	d->language_mode =
	    d->nlanguages > 1 ? CONFIG_LANGUAGE_SECOND_LINE : CONFIG_LANGUAGE_PRIMARY;
	config__join(sub, path, "language_mode");
	int m = mode ? config__get_enum(p, sub, mode, mode_names) : -1;
	if (m >= 0)
		d->language_mode = (enum config_language_mode)m;
	config__join(sub, path, "logo");
	if (logo && !logo_name_ok(logo))
		config__fail(
		    p, sub,
		    "%s is not a file name in the logos folder (1 to %d of A-Z a-z 0-9 . _ "
		    "-, ending .png or .svg)",
		    config__quote(p, logo), LOGO_NAME_MAX);
	else if (logo)
		d->logo = xstrdup(logo);
	if ((v = json_object_get(o, "colors"))) {
		config__join(sub, path, "colors");
		parse_colors(p, sub, v, d);
	}
	return config__failed_since(p, mark);
}
