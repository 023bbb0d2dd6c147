/* test_display_i18n.c: holds torg-display's built-in texts (display-client/i18n.h, the
 * table gen_texts.py generates) to the web pages' strings: for every language file of
 * server/www/static/i18n that the table has, every key the client uses must be there
 * byte for byte, with the file's direction; the table must have every language file;
 * and the lookup must refuse unknown tags, fill placeholders and list the tags.
 *
 * Usage: test_display_i18n [I18N-DIR]; by default the source tree's. */
#include "i18n.h"

#include "check.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#ifndef TORG_SOURCE_ROOT
#define TORG_SOURCE_ROOT "."
#endif

/* The names of the keys, in enum order. */
#define I18N_NAME(k) #k,
static const char *const key_names[] = {I18N_KEYS(I18N_NAME)};

/* Compares every text of language index i with its JSON file in dir. */
static int check_language(const char *from, size_t i)
{
	char path[1024];
	json_error_t err;
	snprintf(path, sizeof(path), "%s/%s.json", from, i18n_langs[i].tag);
	json_t *o = json_load_file(path, 0, &err);
	if (!o)
		fprintf(stderr, "%s: %s\n", path, err.text);
	REQUIRE(o != NULL);
	const char *dirv = json_string_value(json_object_get(o, "_dir"));
	CHECK(i18n_rtl((int)i) == (dirv && !strcmp(dirv, "rtl")));
	for (size_t k = 0; k < I18N_NKEYS; k++) {
		const char *want = json_string_value(json_object_get(o, key_names[k]));
		bool same = want && !strcmp(want, i18n_text((int)i, (enum i18n_key)k));
		if (!same)
			fprintf(stderr, "%s: \"%s\" differs from torg-display's\n", path,
				key_names[k]);
		CHECK(same);
	}
	json_decref(o);
	return 0;
}

static const char *dir = TORG_SOURCE_ROOT "/server/www/static/i18n";

/* Every language file of the pages is in the table, and every table entry is a file. */
static int check_all(void)
{
	static const char *const files[] = {"nb", "nn", "sv", "en", "ar"};
	REQUIRE(i18n_nlangs == sizeof(files) / sizeof(files[0]));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK(i18n_find(files[i]) >= 0);
	for (size_t i = 0; i < i18n_nlangs; i++)
		CHECK(check_language(dir, i) == 0);
	return 0;
}

/* The lookup's edges: unknown tags, placeholders, the list. */
static int check_lookup(void)
{
	char buf[128];
	CHECK(i18n_find("de") < 0 && i18n_find("") < 0 && i18n_find(NULL) < 0);
	CHECK(i18n_find("NB") < 0);
	CHECK(i18n_rtl(i18n_find("ar")) && !i18n_rtl(i18n_find("nb")) && !i18n_rtl(99));
	CHECK(!strcmp(i18n_text(99, I18N_loading), i18n_text(0, I18N_loading)));
	CHECK(!strcmp(i18n_fill(buf, sizeof(buf), "ca. {n} min", "n", "12"), "ca. 12 min"));
	CHECK(!strcmp(i18n_fill(buf, sizeof(buf), "no mark", "n", "12"), "no mark"));
	CHECK(!strcmp(i18n_fill(buf, 6, "ca. {n} min", "n", "12"), "ca. 1"));
	CHECK(!strcmp(i18n_list(buf, sizeof(buf)), "nb, nn, sv, en, ar"));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		dir = argv[1];
	RUN(check_all);
	RUN(check_lookup);
	return check_report("display_i18n");
}
