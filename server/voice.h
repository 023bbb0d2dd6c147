/*
 * voice.h — torgd's announcements as sound: a sentence (what a wall display says when a
 * number is called) rendered once into a WAV file (16-bit PCM, mono) and kept in a
 * bounded cache. A sentence comes from the floor's recorded clips when all of its
 * words have one, else from espeak-ng. Rendering runs on a worker thread of its own
 * ("torg-voice", one thread: espeak-ng keeps global state and is used from that thread
 * only); at most a few renderings wait for it, and requests for a sentence being
 * rendered wait for that one rendering. Everything here is called on the loop thread;
 * callbacks run there too. Which sentences may be asked for is the caller's rule.
 */
#ifndef TORG_VOICE_H
#define TORG_VOICE_H

#include <stddef.h>

#include <uv.h>

struct voice;

#define VOICE_CLIPS_MAX 24 /* clip files one sentence may join */

/** One sentence to render. Strings are borrowed for the call (voice_render copies them). */
struct voice_sentence {
	const char *key;    /* the cache key: equal keys are equal sound */
	const char *espeak; /* espeak-ng voice name ("nb", "en", "ar") */
	const char *text;   /* UTF-8 text espeak-ng reads when the clips cannot be used */
	const char *clips[VOICE_CLIPS_MAX]; /* clip file paths in order, or none */
	size_t nclips;
};

struct voice_opts {
	size_t cache_bytes; /* WAV bytes kept (least recently used go first) */
	size_t max_queued;  /* renderings waiting for the thread; more get -EAGAIN */
	size_t max_waiters; /* requests waiting for one rendering; more get -EAGAIN */
};

/** The answer: 0 with wav (malloc'd, the callback's to free) and its length, or a negative
 *  errno (-ECANCELED when stopping, -EIO when espeak-ng cannot speak) and wav NULL. */
typedef void (*voice_cb)(int status, char *wav, size_t len, void *arg);

/** Creates the renderer on loop; nothing runs until voice_start. Returns it (never NULL). */
struct voice *voice_create(uv_loop_t *loop, const struct voice_opts *opts);
/** Starts the worker thread. Returns 0 or a negative errno (then renders get -EAGAIN). */
int voice_start(struct voice *v);
/** Renders s (or takes it from the cache: then cb runs before this returns). Returns 0
 *  (cb will run exactly once), or -EAGAIN when the queue is full or the voice is not
 *  running (cb will not run). */
int voice_render(struct voice *v, const struct voice_sentence *s, voice_cb cb, void *arg);
/** Stops: renderings not started get -ECANCELED, the running one finishes; then
 *  done_cb(arg) on the loop thread (at once when never started). */
void voice_stop(struct voice *v, void (*done_cb)(void *arg), void *arg);
/** Frees the renderer after voice_stop's callback (or if never started). NULL is fine. */
void voice_free(struct voice *v);

/* Figures for /metrics. */
struct voice_stats {
	unsigned long long hits, rendered, espeak, clips, refused, failed;
	size_t cached_bytes, cached;
};
void voice_get_stats(const struct voice *v, struct voice_stats *out);

/* voice_wav.c: the WAV format (pure, no I/O). */

/** Finds the samples of a WAV file: 16-bit PCM mono. Sets *rate, *pcm (into buf) and
 *  *nbytes and returns 0, or -EINVAL with *cause (static) saying what is wrong. */
int voice_wav_parse(const unsigned char *buf, size_t len, unsigned *rate, const unsigned char **pcm,
		    size_t *nbytes, const char **cause);
/** Writes the 44-byte header of a 16-bit PCM mono WAV file of nbytes of samples. */
void voice_wav_header(unsigned char out[44], unsigned rate, size_t nbytes);

#endif
