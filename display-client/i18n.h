/* i18n.h: the texts torg-display shows, the very strings of the web pages. The pages'
 * server/www/static/i18n/<lang>.json are the one source: at build time gen_texts.py
 * copies the keys listed in I18N_KEYS below, for every language file, into a generated
 * table (i18n_texts.c), so the program carries them built in and needs no file at run
 * time. i18n.c looks texts up, fills their {placeholders} and knows which languages it
 * has and which of them are written right to left. Pure: no I/O. */
#ifndef TORG_DISPLAY_I18N_H
#define TORG_DISPLAY_I18N_H

#include <stdbool.h>
#include <stddef.h>

/* The keys of the JSON files that torg-display uses (gen_texts.py reads this list). */
#define I18N_KEYS(X)                                                                               \
	X(loading)                                                                                 \
	X(reconnecting)                                                                            \
	X(display_latest)                                                                          \
	X(display_recent)                                                                          \
	X(display_queues)                                                                          \
	X(display_waiting)                                                                         \
	X(display_eta)                                                                             \
	X(display_no_calls)                                                                        \
	X(wait_unknown)                                                                            \
	X(wait_under_minute)                                                                       \
	X(wait_minutes)                                                                            \
	X(wait_hours_minutes)                                                                      \
	X(wait_hours)                                                                              \
	X(kiosk_closed)                                                                            \
	X(notice_closed_today)                                                                     \
	X(notice_hours_today)

#define I18N_ENUM(k) I18N_##k,
/* One text of a language. */
enum i18n_key { I18N_KEYS(I18N_ENUM) I18N_NKEYS };
#undef I18N_ENUM

/* One language of the table: its tag, direction and texts (static, generated). */
struct i18n_lang {
	const char *tag;
	bool rtl; /* "_dir": "rtl" */
	const char *text[I18N_NKEYS];
};

/* The generated table (i18n_texts.c), in the order of the JSON files given to it. */
extern const struct i18n_lang i18n_langs[];
extern const size_t i18n_nlangs;

/** Returns the index of the language tagged tag, or -1 when torg-display has none. */
int i18n_find(const char *tag);
/** Returns the text of key in language lang (an index of i18n_langs; out of range gives
 *  the first language); static. */
const char *i18n_text(int lang, enum i18n_key key);
/** Returns true when language lang is written right to left. */
bool i18n_rtl(int lang);
/** Writes text into buf (n bytes) with "{name}" replaced by value; returns buf. */
char *i18n_fill(char *buf, size_t n, const char *text, const char *name, const char *value);
/** Writes the tags of the built-in languages as "nb, nn, ..." into buf; returns buf. */
char *i18n_list(char *buf, size_t n);

#endif
