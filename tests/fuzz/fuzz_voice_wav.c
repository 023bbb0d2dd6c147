/* fuzz_voice_wav.c: libFuzzer driver for voice_wav_parse() of server/voice.h, the reader
 * of a floor's recorded clips. An input is a whole file. The driver aborts when the
 * contract breaks: an accepted file whose samples lie outside it, are an odd number of
 * bytes, or come at a rate outside 8000-96000; a refusal without a reason; or a header
 * written by voice_wav_header for the found samples that does not read back the same. */
#include "voice.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned rate = 0;
	const unsigned char *pcm = NULL;
	size_t nbytes = 0;
	const char *cause = NULL;
	int rc = voice_wav_parse(data, size, &rate, &pcm, &nbytes, &cause);
	if (rc != 0) {
		want(rc == -EINVAL && cause && *cause);
		return 0;
	}
	want(pcm >= data && pcm + nbytes <= data + size && nbytes % 2 == 0);
	want(rate >= 8000 && rate <= 96000);
	unsigned char *again = malloc(44 + nbytes + 1);
	voice_wav_header(again, rate, nbytes);
	memcpy(again + 44, pcm, nbytes);
	unsigned rate2 = 0;
	const unsigned char *pcm2 = NULL;
	size_t n2 = 0;
	want(voice_wav_parse(again, 44 + nbytes, &rate2, &pcm2, &n2, &cause) == 0);
	want(rate2 == rate && n2 == nbytes && pcm2 == again + 44 && !memcmp(pcm2, pcm, nbytes));
	free(again);
	return 0;
}
