/*
 * api_voice.c — GET /api/v1/announce/{lang}/{number}/{counter}.wav: the spoken
 * announcement of a call, as the wall displays play it after the chime. Only a number
 * issued today, a configured counter and a floor language torgd has words for can be
 * asked for, so the route can never be made to say anything else; the sentence is made
 * here from fixed words and the configuration, and rendered by voice.c (clips or
 * espeak-ng, one thread, a bounded cache and queue: a flood gets 503 with Retry-After).
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_parse.h"
#include "util.h"
#include "voice.h"

#define VOICE_QUEUE   8	 /* sentences waiting for the voice thread */
#define VOICE_WAITERS 64 /* requests waiting for one sentence */

/* The words of one language: its espeak-ng voice, "number", and the kind words that
 * name a counter with no name in that language. */
static const struct words {
	const char *lang, *espeak, *number, *counter, *room;
} words[] = {
    {"nb", "nb", "Nummer", "skranke", "møterom"}, {"nn", "nb", "Nummer", "skranke", "møterom"},
    {"sv", "sv", "Nummer", "lucka", "rum"},	  {"en", "en", "Number", "counter", "room"},
    {"ar", "ar", "رقم", "الشباك", "الغرفة"},
};

/* The renderer, and which counters have a clip of their own per floor language (looked
 * up once at start, so that no request waits for the disk on the loop). */
struct api_voice {
	struct voice *v;
	bool *own_clip; /* [counter * nlanguages + language] */
};

/* A request waiting for its sound. */
struct announce_req {
	struct http_req *r;	/* while answered inside voice_render */
	struct api_deferred *d; /* after */
	char sentence[17];	/* X-Torg-Sentence: the hash of the text */
	bool answered;
};

/* The words of lang, or NULL. */
static const struct words *words_of(const char *lang)
{
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(words[i].lang, lang) == 0)
			return &words[i];
	return NULL;
}

/* The digits at the end of a counter id ("s3" -> "3"), or the whole id. */
static const char *id_tail(const char *id)
{
	const char *t = id + strlen(id);
	while (t > id && t[-1] >= '0' && t[-1] <= '9')
		t--;
	return *t ? t : id;
}

/* Checks {number} ("B007": a prefix of the floor and a number issued today, written as
 * the floor writes it). Returns 0 with the service's prefix length, or -ENOENT. */
static int number_ok(struct api *a, const char *number, size_t *plen)
{
	size_t p = 0;
	while (number[p] >= 'A' && number[p] <= 'Z' && p < 2)
		p++;
	char prefix[3] = {0}, canon[16];
	memcpy(prefix, number, p);
	int s = p ? config_service_by_prefix(a->cfg, prefix) : -1;
	const char *digits = number + p;
	if (s < 0 || !*digits || strlen(digits) > 5 ||
	    strspn(digits, "0123456789") != strlen(digits))
		return -ENOENT;
	int n = atoi(digits);
	const struct floor *f = engine_floor(a->engine);
	if (floor_ticket_by_number(f, s, n) == FLOOR_NONE)
		return -ENOENT;
	floor_format_number(f, s, n, canon, sizeof(canon));
	if (strcmp(canon, number) != 0)
		return -ENOENT;
	*plen = p;
	return 0;
}

/* The spoken name of counter c in lang: spoken, else its name, else (no name in lang, or
 * only the default name, its id) the kind word and the digits of the id. */
static void counter_phrase(const struct config_counter *c, const struct words *w, char *out,
			   size_t len)
{
	const char *t = config_name_get(&c->spoken, w->lang);
	if (!t)
		t = config_name_get(&c->name, w->lang);
	if (t && strcmp(t, c->id) == 0)
		t = NULL;
	if (t)
		snprintf(out, len, "%s", t);
	else
		snprintf(out, len, "%s %s", c->kind == CONFIG_KIND_ROOM ? w->room : w->counter,
			 id_tail(c->id));
}

/* Adds the clip file of one word to s (paths kept in store). */
static void add_clip(struct voice_sentence *s, char store[][300], const char *dir, const char *lang,
		     const char *word)
{
	if (s->nclips >= VOICE_CLIPS_MAX)
		return;
	snprintf(store[s->nclips], 300, "%s/%s/%s.wav", dir, lang, word);
	s->clips[s->nclips] = store[s->nclips];
	s->nclips++;
}

/* Whether counter c has its own clip (counter-<id>.wav) in lang, as found at start. */
static bool own_clip(struct api *a, const struct config_counter *c, const char *lang)
{
	const struct config *cfg = a->cfg;
	for (size_t l = 0; l < cfg->nlanguages; l++)
		if (strcmp(cfg->languages[l], lang) == 0)
			return a->voice
			    ->own_clip[(size_t)(c - cfg->counters) * cfg->nlanguages + l];
	return false;
}

/* The clip files of a sentence: number, letters, digits, then the counter's own clip
 * (counter-<id>) when there is one, else its kind word and the digits of its id. */
static void sentence_clips(struct api *a, struct voice_sentence *s, char store[][300],
			   const char *lang, const char *number, const struct config_counter *c)
{
	const char *dir = a->cfg->voice_clips_dir;
	char word[48];
	add_clip(s, store, dir, lang, "number");
	for (const char *p = number; *p; p++) {
		word[0] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
		word[1] = '\0';
		add_clip(s, store, dir, lang, word);
	}
	snprintf(word, sizeof(word), "counter-%s", c->id);
	if (own_clip(a, c, lang)) {
		add_clip(s, store, dir, lang, word);
		return;
	}
	add_clip(s, store, dir, lang, c->kind == CONFIG_KIND_ROOM ? "room" : "counter");
	const char *tail = id_tail(c->id);
	for (const char *p = tail; *p; p++) {
		if (*p < '0' || *p > '9') {
			s->nclips = 0; /* an id without digits has no clips to say it */
			return;
		}
		word[0] = *p;
		word[1] = '\0';
		add_clip(s, store, dir, lang, word);
	}
}

/* Answers with the WAV (taken) and the sentence's hash: now on r, or through d. */
static void answer_wav(struct announce_req *ar, char *wav, size_t len)
{
	struct http_req *r = ar->d ? api__deferred_req(ar->d) : ar->r;
	if (r) {
		api__http_header(r, "x-torg-sentence", ar->sentence);
		api__http_header(r, "cache-control", "private, max-age=3600");
	}
	if (ar->d)
		api__deferred_text(ar->d, 200, "audio/wav", wav, len);
	else
		api__http_text(r, 200, "audio/wav", wav, len);
}

/* Answers with an error (503 with Retry-After when busy): now on r, or through d. */
static void answer_fail(struct announce_req *ar, int status)
{
	struct http_req *r = ar->d ? api__deferred_req(ar->d) : ar->r;
	bool busy = status == -EAGAIN || status == -ECANCELED;
	int code = busy ? 503 : 500;
	const char *ecode = busy ? "unavailable" : "internal";
	const char *msg = busy ? "too many announcements at once; try again"
			       : "cannot make the announcement's sound";
	if (r && busy)
		api__http_header(r, "retry-after", "1");
	if (ar->d)
		api__deferred_fail(ar->d, code, ecode, msg, NULL);
	else
		api__http_fail(r, code, ecode, msg, NULL);
}

/* voice_render callback: answers, and frees ar when the answer was deferred. */
static void rendered_cb(int status, char *wav, size_t len, void *arg)
{
	struct announce_req *ar = arg;
	ar->answered = true;
	if (status == 0)
		answer_wav(ar, wav, len);
	else
		answer_fail(ar, status);
	if (ar->d)
		free(ar);
}

void api__voice_route(struct api *a, struct http_req *r)
{
	const struct http_match *m = api__http_match(r);
	const struct words *w = words_of(m->lang);
	if (!config_has_language(a->cfg, m->lang) || !w) {
		api__http_fail(r, 404, "unknown_language",
			       "announcements are not made in that language here", NULL);
		return;
	}
	size_t plen;
	if (number_ok(a, m->number, &plen) != 0) {
		api__http_fail(r, 404, "unknown_ticket", "no ticket with that number today", NULL);
		return;
	}
	int ci = config_counter_index(a->cfg, m->id);
	if (ci < 0) {
		api__http_fail(r, 404, "unknown_counter", "no such counter", NULL);
		return;
	}
	const struct config_counter *c = &a->cfg->counters[ci];
	char spelled[40] = "", phrase[256], text[400], key[96];
	for (const char *p = m->number; *p; p++) {
		size_t l = strlen(spelled);
		snprintf(spelled + l, sizeof(spelled) - l, "%s%c", l ? " " : "", *p);
	}
	counter_phrase(c, w, phrase, sizeof(phrase));
	/* Arabic takes its own comma; the digits and letter stay as written */
	snprintf(text, sizeof(text), "%s %s%s %s", w->number, spelled,
		 strcmp(w->lang, "ar") == 0 ? "،" : ",", phrase);
	snprintf(key, sizeof(key), "%s/%s/%s", m->lang, m->number, c->id);
	struct voice_sentence s = {.key = key, .espeak = w->espeak, .text = text};
	char store[VOICE_CLIPS_MAX][300];
	if (a->cfg->voice_clips_dir)
		sentence_clips(a, &s, store, m->lang, m->number, c);
	struct announce_req *ar = xcalloc(1, sizeof(*ar));
	ar->r = r;
	snprintf(ar->sentence, sizeof(ar->sentence), "%016llx",
		 (unsigned long long)util_siphash(a->conns.seed, text, strlen(text)));
	int rc = voice_render(a->voice->v, &s, rendered_cb, ar);
	if (rc != 0 || ar->answered) {
		if (rc != 0)
			answer_fail(ar, rc);
		free(ar);
		return;
	}
	ar->r = NULL;
	ar->d = api__http_defer(r);
}

void api__voice_start(struct api *a)
{
	const struct config *cfg = a->cfg;
	struct voice_opts o = {
	    .cache_bytes = (size_t)cfg->voice_cache_mb << 20,
	    .max_queued = VOICE_QUEUE,
	    .max_waiters = VOICE_WAITERS,
	};
	a->voice = xcalloc(1, sizeof(*a->voice));
	a->voice->v = voice_create(a->loop, &o);
	api__voice_reconfigure(a);
	if (voice_start(a->voice->v) != 0)
		log_warn("announcements are not available (no voice thread)");
}

/* Looks up which counters have their own recorded name: a few access() calls per counter
 * and language, at start and after a configuration change (both rare). */
void api__voice_reconfigure(struct api *a)
{
	const struct config *cfg = a->cfg;
	if (!a->voice)
		return;
	free(a->voice->own_clip);
	a->voice->own_clip = xcalloc(cfg->ncounters * cfg->nlanguages + 1, sizeof(bool));
	for (size_t c = 0; cfg->voice_clips_dir && c < cfg->ncounters; c++)
		for (size_t l = 0; l < cfg->nlanguages; l++) {
			char *path = xasprintf("%s/%s/counter-%s.wav", cfg->voice_clips_dir,
					       cfg->languages[l], cfg->counters[c].id);
			a->voice->own_clip[c * cfg->nlanguages + l] = access(path, R_OK) == 0;
			free(path);
		}
}

void api__voice_stop(struct api *a)
{
	if (a->voice)
		voice_stop(a->voice->v, NULL, NULL);
}

void api__voice_free(struct api *a)
{
	if (!a->voice)
		return;
	voice_free(a->voice->v);
	free(a->voice->own_clip);
	free(a->voice);
	a->voice = NULL;
}

void api__voice_metrics(struct api *a, struct util_text *t)
{
	struct voice_stats st = {0};
	if (a->voice)
		voice_get_stats(a->voice->v, &st);
	util_text_printf(t,
			 "# HELP torg_announcements_rendered_total Announcements rendered, by "
			 "source.\n# TYPE torg_announcements_rendered_total counter\n"
			 "torg_announcements_rendered_total{source=\"clips\"} %llu\n"
			 "torg_announcements_rendered_total{source=\"espeak\"} %llu\n",
			 st.clips, st.espeak);
	util_text_printf(t,
			 "# HELP torg_announcements_cached_total Announcements served from the "
			 "cache.\n# TYPE torg_announcements_cached_total counter\n"
			 "torg_announcements_cached_total %llu\n",
			 st.hits);
	util_text_printf(t,
			 "# HELP torg_announcements_refused_total Announcements refused with 503 "
			 "(queue full).\n# TYPE torg_announcements_refused_total counter\n"
			 "torg_announcements_refused_total %llu\n",
			 st.refused);
	util_text_printf(t,
			 "# HELP torg_announcements_failed_total Announcements espeak-ng could not "
			 "render.\n# TYPE torg_announcements_failed_total counter\n"
			 "torg_announcements_failed_total %llu\n",
			 st.failed);
	util_text_printf(t,
			 "# HELP torg_announcement_cache_bytes WAV bytes kept in the "
			 "announcements' cache.\n# TYPE torg_announcement_cache_bytes gauge\n"
			 "torg_announcement_cache_bytes %zu\n",
			 st.cached_bytes);
}
