/*
 * test_voice.c — the announcements' renderer (server/voice.c) and its WAV reader and
 * writer: headers written are read back; clips that are not 16-bit PCM mono, cut short
 * or out of order are refused with a reason; a sentence of clips is the clips and their
 * gaps; espeak-ng speaks English for about two seconds; a second ask comes from the
 * cache before voice_render returns; a full queue answers -EAGAIN; asks for a sentence
 * in flight wait for the one rendering; stopping cancels what waits, and the loop
 * closes with nothing left.
 */
#include "voice.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "check.h"

/* A WAV file of n samples of value v (malloc'd): the writer's header, then the samples. */
static unsigned char *make_wav(unsigned rate, size_t n, int16_t v, size_t *len)
{
	unsigned char *b = malloc(44 + 2 * n);
	voice_wav_header(b, rate, 2 * n);
	for (size_t i = 0; i < n; i++) {
		b[44 + 2 * i] = (unsigned char)(v & 0xff);
		b[45 + 2 * i] = (unsigned char)((v >> 8) & 0xff);
	}
	*len = 44 + 2 * n;
	return b;
}

static int test_wav_round_trip(void)
{
	size_t len, nbytes = 0;
	unsigned rate = 0;
	const unsigned char *pcm = NULL;
	const char *cause = NULL;
	unsigned char *b = make_wav(22050, 100, 1234, &len);
	REQUIRE(voice_wav_parse(b, len, &rate, &pcm, &nbytes, &cause) == 0);
	CHECK(rate == 22050 && nbytes == 200 && pcm == b + 44);
	CHECK(pcm[0] == (1234 & 0xff) && pcm[1] == 1234 >> 8);
	/* a data chunk longer than the file: what is there, in whole samples */
	CHECK(voice_wav_parse(b, len - 3, &rate, &pcm, &nbytes, &cause) == 0 && nbytes == 196);
	free(b);
	return 0;
}

static int test_wav_refused(void)
{
	size_t len, nbytes;
	unsigned rate;
	const unsigned char *pcm;
	const char *cause = NULL;
	unsigned char *b = make_wav(16000, 10, 0, &len);
	CHECK(voice_wav_parse(b, 11, &rate, &pcm, &nbytes, &cause) == -EINVAL && cause);
	b[22] = 2; /* stereo */
	CHECK(voice_wav_parse(b, len, &rate, &pcm, &nbytes, &cause) == -EINVAL &&
	      strstr(cause, "mono"));
	b[22] = 1;
	b[34] = 8; /* 8-bit */
	CHECK(voice_wav_parse(b, len, &rate, &pcm, &nbytes, &cause) == -EINVAL);
	b[34] = 16;
	b[24] = 0x10; /* 16 Hz */
	b[25] = b[26] = b[27] = 0;
	CHECK(voice_wav_parse(b, len, &rate, &pcm, &nbytes, &cause) == -EINVAL &&
	      strstr(cause, "rate"));
	memcpy(b + 8, "AVI ", 4);
	CHECK(voice_wav_parse(b, len, &rate, &pcm, &nbytes, &cause) == -EINVAL);
	free(b);
	/* data before fmt, and no data at all */
	b = make_wav(16000, 10, 0, &len);
	unsigned char swapped[64];
	memcpy(swapped, b, 12);
	memcpy(swapped + 12, b + 36, 8 + 20);
	memcpy(swapped + 40, b + 12, 24);
	CHECK(voice_wav_parse(swapped, 64, &rate, &pcm, &nbytes, &cause) == -EINVAL &&
	      strstr(cause, "before"));
	CHECK(voice_wav_parse(b, 36, &rate, &pcm, &nbytes, &cause) == -EINVAL &&
	      strstr(cause, "no data"));
	free(b);
	/* an odd-sized chunk whose pad byte would be past the end (found by the fuzzer) */
	static const unsigned char odd[21] = "RIFF\xb4\x01\x05\0WAVEfmA \x01\0\0\0\x01";
	CHECK(voice_wav_parse(odd, sizeof(odd), &rate, &pcm, &nbytes, &cause) == -EINVAL);
	return 0;
}

/* What a render callback was given. */
struct got {
	int calls, status;
	size_t len;
	unsigned rate;
	double secs;
};

static void got_cb(int status, char *wav, size_t len, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->status = status;
	g->len = len;
	if (wav) {
		size_t nbytes = 0;
		const unsigned char *pcm;
		const char *cause;
		if (voice_wav_parse((unsigned char *)wav, len, &g->rate, &pcm, &nbytes, &cause) ==
		    0)
			g->secs = nbytes / 2.0 / g->rate;
	}
	free(wav);
}

static void stopped(void *arg)
{
	(*(int *)arg)++;
}

/* Writes a clip of secs seconds at rate into dir/name; returns its path (static). */
static const char *write_clip(const char *dir, const char *name, unsigned rate, double secs)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	size_t len;
	unsigned char *b = make_wav(rate, (size_t)(secs * rate), 8000, &len);
	snprintf(p, 256, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	fwrite(b, 1, len, f);
	fclose(f);
	free(b);
	return p;
}

static int test_render(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct voice_opts o = {.cache_bytes = 1 << 20, .max_queued = 1, .max_waiters = 2};
	struct voice *v = voice_create(&loop, &o);
	struct got g[6] = {{0}};
	struct voice_sentence en = {
	    .key = "en/B007/c3", .espeak = "en", .text = "Number B 0 0 7, counter 3"};
	CHECK(voice_render(v, &en, got_cb, &g[0]) == -EAGAIN); /* not started */
	REQUIRE(voice_start(v) == 0);
	char dir[] = "/tmp/torg-voice-XXXXXX";
	REQUIRE(mkdtemp(dir));
	struct voice_sentence clips = {.key = "clips", .espeak = "en", .text = "x", .nclips = 2};
	clips.clips[0] = write_clip(dir, "a.wav", 16000, 0.5);
	clips.clips[1] = write_clip(dir, "b.wav", 16000, 0.25);
	REQUIRE(voice_render(v, &en, got_cb, &g[0]) == 0);
	CHECK(voice_render(v, &en, got_cb, &g[1]) == 0);       /* waits for the same rendering */
	CHECK(voice_render(v, &en, got_cb, &g[2]) == -EAGAIN); /* more than max_waiters */
	int rc = voice_render(v, &clips, got_cb, &g[3]); /* queued behind, or the queue full */
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(g[0].calls == 1 && g[0].status == 0 && g[1].calls == 1 && g[1].len == g[0].len);
	CHECK(g[0].rate == 22050 && g[0].secs >= 1.0 && g[0].secs <= 8.0);
	printf("espeak-ng en \"%s\": %.2f s\n", en.text, g[0].secs);
	CHECK(g[2].calls == 0);
	if (rc != 0)
		CHECK(voice_render(v, &clips, got_cb, &g[3]) == 0 &&
		      uv_run(&loop, UV_RUN_DEFAULT) == 0);
	CHECK(g[3].calls == 1 && g[3].status == 0 && g[3].rate == 16000);
	CHECK(g[3].secs > 0.869 && g[3].secs < 0.871); /* 0.5 + 0.12 + 0.25 */
	/* from the cache: answered before voice_render returns */
	CHECK(voice_render(v, &en, got_cb, &g[4]) == 0 && g[4].calls == 1 && g[4].len == g[0].len);
	/* a clip missing: espeak-ng says the text instead */
	struct voice_sentence miss = clips;
	miss.key = "miss";
	miss.text = "three";
	miss.clips[1] = "/nonexistent/b.wav";
	REQUIRE(voice_render(v, &miss, got_cb, &g[5]) == 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(g[5].status == 0 && g[5].rate == 22050);
	struct voice_stats st;
	voice_get_stats(v, &st);
	CHECK(st.espeak == 2 && st.clips == 1 && st.hits == 1 && st.refused == 2u + (rc != 0));
	CHECK(st.cached == 3 && st.cached_bytes == g[0].len + g[3].len + g[5].len);
	int n = 0;
	voice_stop(v, stopped, &n);
	CHECK(voice_render(v, &miss, got_cb, &g[5]) == 0 && g[5].calls == 2); /* cache */
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(n == 1);
	voice_free(v);
	CHECK(uv_loop_close(&loop) == 0);
	unlink(clips.clips[0]);
	unlink(clips.clips[1]);
	rmdir(dir);
	return 0;
}

/* A cache smaller than two sentences keeps the newest. */
static int test_cache_bound(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	char dir[] = "/tmp/torg-voice-XXXXXX";
	REQUIRE(mkdtemp(dir));
	struct voice_opts o = {.cache_bytes = 40000, .max_queued = 4, .max_waiters = 1};
	struct voice *v = voice_create(&loop, &o);
	REQUIRE(voice_start(v) == 0);
	struct voice_sentence s = {.key = "one", .espeak = "en", .text = "x", .nclips = 1};
	s.clips[0] = write_clip(dir, "one.wav", 16000, 0.5); /* 16 kB */
	struct got g[4] = {{0}};
	voice_render(v, &s, got_cb, &g[0]);
	uv_run(&loop, UV_RUN_DEFAULT);
	s.key = "two";
	voice_render(v, &s, got_cb, &g[1]);
	uv_run(&loop, UV_RUN_DEFAULT);
	s.key = "three";
	voice_render(v, &s, got_cb, &g[2]);
	uv_run(&loop, UV_RUN_DEFAULT);
	struct voice_stats st;
	voice_get_stats(v, &st);
	CHECK(st.cached == 2 && st.cached_bytes <= 40000);
	s.key = "one"; /* the oldest went: rendered again */
	voice_render(v, &s, got_cb, &g[3]);
	CHECK(g[3].calls == 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(g[3].calls == 1 && g[3].status == 0);
	voice_stop(v, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	voice_free(v);
	CHECK(uv_loop_close(&loop) == 0);
	unlink(s.clips[0]);
	rmdir(dir);
	return 0;
}

/* A sentence larger than the whole cache is served, not kept. */
static int test_too_large(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	char dir[] = "/tmp/torg-voice-XXXXXX";
	REQUIRE(mkdtemp(dir));
	struct voice_opts o = {.cache_bytes = 1000, .max_queued = 4, .max_waiters = 2};
	struct voice *v = voice_create(&loop, &o);
	REQUIRE(voice_start(v) == 0);
	struct voice_sentence s = {.key = "big", .espeak = "en", .text = "x", .nclips = 1};
	s.clips[0] = write_clip(dir, "big.wav", 16000, 0.5);
	struct got g[2] = {{0}};
	voice_render(v, &s, got_cb, &g[0]);
	voice_render(v, &s, got_cb, &g[1]);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(g[0].status == 0 && g[0].len == 44 + 16000 && g[1].len == g[0].len);
	struct voice_stats st;
	voice_get_stats(v, &st);
	CHECK(st.cached == 0 && st.cached_bytes == 0 && st.rendered == 1);
	voice_stop(v, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	voice_free(v);
	CHECK(uv_loop_close(&loop) == 0);
	unlink(s.clips[0]);
	rmdir(dir);
	return 0;
}

int main(void)
{
	RUN(test_wav_round_trip);
	RUN(test_wav_refused);
	RUN(test_render);
	RUN(test_cache_bound);
	RUN(test_too_large);
	return check_report("voice");
}
