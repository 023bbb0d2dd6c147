/*
 * voice_wav.c — the little of the WAV (RIFF) format announcements need: reading the
 * samples out of a recorded clip (16-bit PCM, mono, any rate; other chunks skipped)
 * and writing the header of what torgd serves. Pure: no I/O, fuzzable.
 */
#include "voice.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The little-endian 16- and 32-bit numbers at p. */
static unsigned le16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

int voice_wav_parse(const unsigned char *buf, size_t len, unsigned *rate, const unsigned char **pcm,
		    size_t *nbytes, const char **cause)
{
	bool fmt_seen = false;
	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
		*cause = "not a RIFF WAVE file";
		return -EINVAL;
	}
	size_t at = 12;
	while (at <= len && len - at >= 8) { /* a pad byte may step past the end */
		uint32_t size = le32(buf + at + 4);
		const unsigned char *body = buf + at + 8;
		size_t room = len - at - 8;
		if (memcmp(buf + at, "fmt ", 4) == 0) {
			if (size < 16 || room < 16) {
				*cause = "its fmt chunk is too short";
				return -EINVAL;
			}
			if (le16(body) != 1 || le16(body + 2) != 1 || le16(body + 14) != 16) {
				*cause = "it is not 16-bit PCM mono";
				return -EINVAL;
			}
			*rate = le32(body + 4);
			if (*rate < 8000 || *rate > 96000) {
				*cause = "its sample rate is not 8000 to 96000";
				return -EINVAL;
			}
			fmt_seen = true;
		} else if (memcmp(buf + at, "data", 4) == 0) {
			if (!fmt_seen) {
				*cause = "its data chunk comes before fmt";
				return -EINVAL;
			}
			*pcm = body;
			*nbytes = (size > room ? room : size) & ~(size_t)1;
			return 0;
		}
		if (size > room)
			break;
		at += 8 + size + (size & 1);
	}
	*cause = "it has no data chunk";
	return -EINVAL;
}

void voice_wav_header(unsigned char out[44], unsigned rate, size_t nbytes)
{
	memcpy(out, "RIFF", 4);
	put32(out + 4, (uint32_t)(36 + nbytes));
	memcpy(out + 8, "WAVEfmt ", 8);
	put32(out + 16, 16);
	put16(out + 20, 1); /* PCM */
	put16(out + 22, 1); /* mono */
	put32(out + 24, rate);
	put32(out + 28, rate * 2);
	put16(out + 32, 2);
	put16(out + 34, 16);
	memcpy(out + 36, "data", 4);
	put32(out + 40, (uint32_t)nbytes);
}
