/*
 * voice.c — the announcement renderer of voice.h. The cache is a short list of finished
 * WAV files, least recently used first out, bounded in bytes; a rendering in flight is a
 * job with the requests waiting for it, so a hundred screens asking for one sentence
 * cost one rendering. The one worker thread joins the sentence's clips when every clip
 * is a readable 16-bit PCM mono file of one sample rate, else asks espeak-ng, whose
 * library keeps global state: it is initialised, used and (after the thread is joined)
 * terminated from that thread's side only, never from two threads at once.
 */
#include "voice.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <espeak-ng/speak_lib.h>

#include "util.h"
#include "worker.h"

#define CLIP_MAX_BYTES (4u << 20) /* a clip file larger than this is refused */
#define GAP_MS	       120	  /* silence between two clips */
#define SPEAK_RATE     150	  /* espeak-ng words per minute (its default is 175) */

/* A finished sentence. */
struct entry {
	struct entry *next;
	char *key;
	char *wav;
	size_t len;
	uint64_t used; /* v->tick when last served */
};

/* A request waiting for a rendering. */
struct waiter {
	struct waiter *next;
	voice_cb cb;
	void *arg;
};

/* A rendering: the sentence (copied), then the result the thread made. */
struct job {
	struct worker_job wj;
	struct voice *v;
	struct job *next; /* in v->jobs */
	char *key, *espeak, *text;
	char *clips[VOICE_CLIPS_MAX];
	size_t nclips;
	struct waiter *waiters;
	size_t nwaiters;
	/* made on the thread */
	struct util_text pcm;
	unsigned rate;
	bool from_clips;
	int status;
};

struct voice {
	uv_loop_t *loop;
	struct voice_opts opts;
	struct worker *worker;
	bool running, stopping;
	struct entry *entries;
	size_t bytes, nentries;
	uint64_t tick;
	struct job *jobs; /* in flight */
	void (*done_cb)(void *arg);
	void *done_arg;
	struct voice_stats st;
	bool warned_espeak; /* the failure of espeak-ng was logged */
	/* the thread's (espeak-ng's state is global; only the thread touches it) */
	int espeak_rate; /* sample rate once initialised, 0 before, -1 when it failed */
};

/* ---- on the worker thread ---- */

/* espeak-ng's synthesis callback: appends the samples to the job's buffer. */
static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	struct job *j = ev ? ev->user_data : NULL;
	if (j && wav && n > 0)
		util_text_put(&j->pcm, (const char *)wav, (size_t)n * sizeof(short));
	return 0;
}

/* Renders j->text with espeak-ng (initialised on first use, on this thread). */
static int speak(struct voice *v, struct job *j)
{
	if (v->espeak_rate == 0) {
		int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, 0);
		v->espeak_rate = rate > 0 ? rate : -1;
		if (rate > 0)
			espeak_SetSynthCallback(synth_cb);
	}
	if (v->espeak_rate < 0)
		return -EIO;
	if (espeak_SetVoiceByName(j->espeak) != EE_OK)
		return -EIO;
	espeak_SetParameter(espeakRATE, SPEAK_RATE, 0);
	j->rate = (unsigned)v->espeak_rate;
	j->pcm.len = 0;
	if (espeak_Synth(j->text, strlen(j->text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL,
			 j) != EE_OK ||
	    espeak_Synchronize() != EE_OK || j->pcm.len == 0)
		return -EIO;
	return 0;
}

/* Reads a whole file of at most CLIP_MAX_BYTES (malloc'd), or NULL. */
static unsigned char *read_clip(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = xmalloc(CLIP_MAX_BYTES);
	*len = fread(buf, 1, CLIP_MAX_BYTES, f);
	bool whole = feof(f) && !ferror(f);
	fclose(f);
	if (!whole) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Joins j's clips with short silences; 0, or -ENOENT when one cannot be used. */
static int join_clips(struct job *j)
{
	static const char zeros[512];
	j->pcm.len = 0;
	for (size_t i = 0; i < j->nclips; i++) {
		size_t len = 0, n = 0;
		unsigned rate = 0;
		const unsigned char *pcm = NULL;
		const char *cause = NULL;
		unsigned char *buf = read_clip(j->clips[i], &len);
		if (!buf || voice_wav_parse(buf, len, &rate, &pcm, &n, &cause) != 0 ||
		    (i > 0 && rate != j->rate)) {
			free(buf);
			return -ENOENT;
		}
		j->rate = rate;
		if (i > 0)
			for (size_t gap = (size_t)rate * 2 * GAP_MS / 1000; gap > 0;) {
				size_t k = gap < sizeof(zeros) ? gap : sizeof(zeros);
				util_text_put(&j->pcm, zeros, k);
				gap -= k;
			}
		util_text_put(&j->pcm, (const char *)pcm, n);
		free(buf);
	}
	return j->pcm.len > 0 ? 0 : -ENOENT;
}

/* worker: renders one sentence. */
static void render_work(struct worker_job *wj)
{
	struct job *j = wj->data;
	j->from_clips = j->nclips > 0 && join_clips(j) == 0;
	j->status = j->from_clips ? 0 : speak(j->v, j);
}

/* ---- on the loop thread ---- */

/* Drops least recently used entries until extra more bytes fit. */
static void cache_trim(struct voice *v, size_t extra)
{
	while (v->entries && v->bytes + extra > v->opts.cache_bytes) {
		struct entry **oldest = &v->entries;
		for (struct entry **e = &v->entries; *e; e = &(*e)->next)
			if ((*e)->used < (*oldest)->used)
				oldest = e;
		struct entry *gone = *oldest;
		*oldest = gone->next;
		v->bytes -= gone->len;
		v->nentries--;
		free(gone->key);
		free(gone->wav);
		free(gone);
	}
}

/* The cached sentence of key, or NULL. */
static struct entry *cache_find(struct voice *v, const char *key)
{
	for (struct entry *e = v->entries; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* A malloc'd copy of a cached sentence's WAV. */
static char *copy_wav(const struct entry *e)
{
	char *w = xmalloc(e->len);
	memcpy(w, e->wav, e->len);
	return w;
}

/* Keeps a finished WAV (taken) under key; NULL (wav untouched) when it is larger than
 * the whole cache. */
static struct entry *cache_put(struct voice *v, const char *key, char *wav, size_t len)
{
	if (len > v->opts.cache_bytes)
		return NULL;
	cache_trim(v, len);
	struct entry *e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->wav = wav;
	e->len = len;
	e->used = ++v->tick;
	e->next = v->entries;
	v->entries = e;
	v->bytes += len;
	v->nentries++;
	return e;
}

/* Frees a job and its copies. */
static void job_free(struct job *j)
{
	free(j->key);
	free(j->espeak);
	free(j->text);
	for (size_t i = 0; i < j->nclips; i++)
		free(j->clips[i]);
	free(j->pcm.s);
	free(j);
}

/* Takes j out of the jobs in flight. */
static void job_unlink(struct voice *v, struct job *j)
{
	for (struct job **p = &v->jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return;
		}
}

/* worker done: caches the sentence and answers everyone who waited for it. */
static void render_done(struct worker_job *wj, int status)
{
	struct job *j = wj->data;
	struct voice *v = j->v;
	struct entry *e = NULL, once = {0}; /* once: a sentence too large to keep */
	job_unlink(v, j);
	if (status == 0 && j->status == 0) {
		char *wav = xmalloc(44 + j->pcm.len);
		voice_wav_header((unsigned char *)wav, j->rate, j->pcm.len);
		memcpy(wav + 44, j->pcm.s, j->pcm.len);
		v->st.rendered++;
		if (j->from_clips)
			v->st.clips++;
		else
			v->st.espeak++;
		e = cache_put(v, j->key, wav, 44 + j->pcm.len);
		if (!e) { /* larger than the whole cache: served to these waiters only */
			once = (struct entry){.wav = wav, .len = 44 + j->pcm.len};
			e = &once;
		}
	} else if (status == 0) {
		/* said once: espeak-ng-data is missing, or lacks the voice */
		v->st.failed++;
		if (!v->warned_espeak)
			log_warn("announcements: espeak-ng cannot speak with voice \"%s\" (is "
				 "espeak-ng-data installed?)",
				 j->espeak);
		v->warned_espeak = true;
		status = j->status;
	}
	for (struct waiter *w = j->waiters, *next; w; w = next) {
		next = w->next;
		if (e)
			w->cb(0, copy_wav(e), e->len, w->arg);
		else
			w->cb(status, NULL, 0, w->arg);
		free(w);
	}
	free(once.wav);
	job_free(j);
}

struct voice *voice_create(uv_loop_t *loop, const struct voice_opts *opts)
{
	struct voice *v = xcalloc(1, sizeof(*v));
	v->loop = loop;
	v->opts = *opts;
	return v;
}

int voice_start(struct voice *v)
{
	if (v->running)
		return -EALREADY;
	int rc = worker_create(v->loop, "torg-voice", 1, v->opts.max_queued, &v->worker);
	if (rc != 0)
		return rc;
	v->running = true;
	return 0;
}

/* Adds a waiter to j; -EAGAIN when it has as many as allowed. */
static int job_wait(struct voice *v, struct job *j, voice_cb cb, void *arg)
{
	if (j->nwaiters >= v->opts.max_waiters)
		return -EAGAIN;
	struct waiter *w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->next = j->waiters;
	j->waiters = w;
	j->nwaiters++;
	return 0;
}

int voice_render(struct voice *v, const struct voice_sentence *s, voice_cb cb, void *arg)
{
	struct entry *e = cache_find(v, s->key);
	if (e) {
		e->used = ++v->tick;
		v->st.hits++;
		cb(0, copy_wav(e), e->len, arg);
		return 0;
	}
	if (!v->running || v->stopping) {
		v->st.refused++;
		return -EAGAIN;
	}
	for (struct job *j = v->jobs; j; j = j->next)
		if (strcmp(j->key, s->key) == 0) {
			int rc = job_wait(v, j, cb, arg);
			if (rc != 0)
				v->st.refused++;
			return rc;
		}
	struct job *j = xcalloc(1, sizeof(*j));
	j->v = v;
	j->wj.data = j;
	j->key = xstrdup(s->key);
	j->espeak = xstrdup(s->espeak);
	j->text = xstrdup(s->text);
	for (size_t i = 0; i < s->nclips && i < VOICE_CLIPS_MAX; i++)
		j->clips[j->nclips++] = xstrdup(s->clips[i]);
	job_wait(v, j, cb, arg);
	int rc = worker_queue(v->worker, &j->wj, render_work, render_done);
	if (rc != 0) {
		v->st.refused++;
		free(j->waiters);
		job_free(j);
		return -EAGAIN;
	}
	j->next = v->jobs;
	v->jobs = j;
	return 0;
}

/* The worker's threads are joined: espeak-ng is no thread's any more, so it is let go
 * here, then the caller hears of the stop. */
static void stopped_cb(void *arg)
{
	struct voice *v = arg;
	if (v->espeak_rate > 0)
		espeak_Terminate();
	v->espeak_rate = 0;
	worker_free(v->worker);
	v->worker = NULL;
	v->running = false;
	if (v->done_cb)
		v->done_cb(v->done_arg);
}

void voice_stop(struct voice *v, void (*done_cb)(void *arg), void *arg)
{
	if (v->stopping)
		return;
	v->stopping = true;
	v->done_cb = done_cb;
	v->done_arg = arg;
	if (!v->running) {
		if (done_cb)
			done_cb(arg);
		return;
	}
	worker_stop(v->worker, stopped_cb, v);
}

void voice_free(struct voice *v)
{
	if (!v)
		return;
	v->opts.cache_bytes = 0;
	cache_trim(v, 1);
	free(v);
}

void voice_get_stats(const struct voice *v, struct voice_stats *out)
{
	*out = v->st;
	out->cached_bytes = v->bytes;
	out->cached = v->nentries;
}
