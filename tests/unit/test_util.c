/* test_util.c — unit tests of util.c's pure helpers: SipHash-2-4 against the reference
 * vectors of its authors' paper and code, hex round trips, the growing text, the latency
 * histogram's buckets, log lines on the journal. */
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* SipHash-2-4 with key 00..0f over messages 00..(n-1): the first reference outputs
 * (vectors.h of the reference implementation, read as little-endian 64-bit words). */
static int test_siphash_vectors(void)
{
	static const uint64_t want[] = {
	    0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	    0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	    0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	    0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	    0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	    0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL,
	};
	uint8_t k[16], m[64];
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	uint64_t key[2];
	memcpy(&key[0], k, 8); /* little-endian machine (x86_64): as the reference reads it */
	memcpy(&key[1], k + 8, 8);
	for (size_t n = 0; n < ARRAY_SIZE(want); n++)
		CHECK(util_siphash(key, m, n) == want[n]);
	/* another key gives another hash */
	uint64_t other[2] = {key[0] ^ 1, key[1]};
	CHECK(util_siphash(other, m, 15) != want[15]);
	return 0;
}

/* util_hex and util_unhex round-trip, and unhex refuses wrong lengths and digits. */
static int test_hex(void)
{
	uint8_t in[5] = {0x00, 0x7f, 0x80, 0xab, 0xff}, out[5];
	char hex[11];
	util_hex(in, sizeof(in), hex);
	CHECK(strcmp(hex, "007f80abff") == 0);
	CHECK(util_unhex(hex, 10, out, sizeof(out)) == 0 && memcmp(in, out, 5) == 0);
	CHECK(util_unhex("007F80ABFF", 10, out, sizeof(out)) == 0 && memcmp(in, out, 5) == 0);
	CHECK(util_unhex(hex, 9, out, sizeof(out)) != 0);
	CHECK(util_unhex("007f80abfg", 10, out, sizeof(out)) != 0);
	return 0;
}

/* util_text grows and keeps a NUL-terminated text. */
static int test_text(void)
{
	struct util_text t = {0};
	for (int i = 0; i < 1000; i++)
		util_text_printf(&t, "%d,", i);
	util_text_put(&t, "end", 3);
	CHECK(t.len == strlen(t.s));
	CHECK(strncmp(t.s, "0,1,2,", 6) == 0);
	CHECK(strcmp(t.s + t.len - 7, "999,end") == 0);
	free(t.s);
	return 0;
}

/* util_hist puts each observation in the first bucket whose bound holds it (bounds are
 * inclusive, as Prometheus's le), and past the last bound only in the count. */
static int test_hist(void)
{
	struct util_hist h = {0};
	for (size_t i = 1; i < UTIL_HIST_BUCKETS; i++)
		CHECK(util_hist_bounds_us[i] > util_hist_bounds_us[i - 1]);
	util_hist_add(&h, 0);
	util_hist_add(&h, 500);	    /* on the first bound: in it */
	util_hist_add(&h, 501);	    /* just past: the next */
	util_hist_add(&h, 2500000); /* the last bound */
	util_hist_add(&h, 9000000); /* past every bound: +Inf only */
	CHECK(h.count == 5 && h.sum_us == 500 + 501 + 2500000 + 9000000);
	CHECK(h.bucket[0] == 2 && h.bucket[1] == 1 && h.bucket[UTIL_HIST_BUCKETS - 1] == 1);
	uint64_t in = 0;
	for (size_t i = 0; i < UTIL_HIST_BUCKETS; i++)
		in += h.bucket[i];
	CHECK(in == 4);
	return 0;
}

/* With stderr the journal ($JOURNAL_STREAM = its dev:ino), every line of a message gets
 * the priority prefix, and a trailing newline adds no empty line. Runs first: the logger
 * looks at $JOURNAL_STREAM once. */
static int test_journal_lines(void)
{
	char path[] = "/tmp/torg-test-util-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;
	CHECK(fd >= 0 && saved >= 0 && fstat(fd, &st) == 0);
	char env[64];
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	log_warn("one\ntwo\n");
	log_err("three");
	log_debug("not at the default level");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	char buf[256] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strcmp(buf, "<4>warn: one\n<4>warn: two\n<3>error: three\n") == 0);
	close(fd);
	unlink(path);
	return 0;
}

int main(void)
{
	RUN(test_journal_lines);
	RUN(test_siphash_vectors);
	RUN(test_hex);
	RUN(test_text);
	RUN(test_hist);
	return check_report("util");
}
