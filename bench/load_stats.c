/*
 * load_stats.c — what torg-load measures and reports: log-linear latency histograms; the
 * scanner's helpers that find "seq", "kind" and a ticket's "number" in messages and
 * answers, and the keys made of them; the tables that pair each operation (by key) with
 * its event (by seq), so that every delivery is timed from its operation's scheduled send
 * time even when it arrives before the acknowledgement; the server's CPU and memory from
 * /proc; and the report line of a step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "load.h"

#define HIST_BUCKETS 17408 /* hist_index of 2^40 us and below */
#define KEY_NONE     1	   /* an event no operation of ours made */

/* An operation's key → its scheduled time, or the seq of its event seen first. */
struct opent {
	uint64_t key, seq;
	int64_t sched;
};

struct evrec *evs;
uint64_t seq_base, nevs;
struct opent *optab;
size_t opcap, opused;
struct hist h_ack, h_send, h_last, h_all, h_kind[SUB_KINDS];
uint64_t deliveries, unresolved, unmatched, frames, msgs, lost, repeated, closed, close_codes[5000];

/* The histogram bucket of a value in us: exact below 1024, then 512 per power of two. */
static unsigned hist_index(uint64_t us)
{
	if (us < 1024)
		return (unsigned)us;
	int msb = 63 - __builtin_clzll(us);
	if (msb > 40)
		return HIST_BUCKETS - 1;
	int shift = msb - 9;
	return 1024 + (unsigned)(shift - 1) * 512 + (unsigned)((us >> shift) - 512);
}

/* The middle of a bucket, in us. */
static double hist_value(unsigned i)
{
	if (i < 1024)
		return i;
	unsigned shift = (i - 1024) / 512 + 1, sub = (i - 1024) % 512 + 512;
	return ((double)sub + 0.5) * (double)(1u << shift);
}

/* Adds one latency in ns (negative ones, from clock jitter, count as 0). */
void load_hist_add(struct hist *h, int64_t ns)
{
	uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0;
	if (!h->b)
		h->b = load_xrealloc(NULL, HIST_BUCKETS * sizeof(*h->b));
	if (h->n == 0)
		memset(h->b, 0, HIST_BUCKETS * sizeof(*h->b));
	h->b[hist_index(us)]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

/* The p-quantile (nearest rank) in ms, or -1 when empty. */
double load_hist_ms(const struct hist *h, double p)
{
	if (h->n == 0)
		return -1;
	uint64_t rank = (uint64_t)(p * (double)h->n + 0.999999), seen = 0;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			double v = hist_value(i);
			return (v > (double)h->max_us ? (double)h->max_us : v) / 1000.0;
		}
	}
	return (double)h->max_us / 1000.0;
}

/* FNV-1a of kind "|" number: the key shared by an acknowledgement and its event. */
uint64_t load_key_of(const char *kind, size_t klen, const char *num, size_t nlen)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < klen; i++)
		h = (h ^ (unsigned char)kind[i]) * 1099511628211ULL;
	h = (h ^ '|') * 1099511628211ULL;
	for (size_t i = 0; i < nlen; i++)
		h = (h ^ (unsigned char)num[i]) * 1099511628211ULL;
	return h < 2 ? h + 2 : h;
}

/* The key of bare-lws' event seq (and of its acknowledgement). */
uint64_t load_key_of_seq(uint64_t seq)
{
	return seq | UINT64_C(1) << 62;
}

/* Finds a string in [p, end); NULL when absent. */
const char *load_find(const char *p, const char *end, const char *what)
{
	return p < end ? memmem(p, (size_t)(end - p), what, strlen(what)) : NULL;
}

/* The string value after the literal what (which ends in a quote), its length in *len. */
const char *load_str_after(const char *p, const char *end, const char *what, size_t *len)
{
	const char *s = load_find(p, end, what);
	if (!s)
		return NULL;
	s += strlen(what);
	const char *q = memchr(s, '"', (size_t)(end - s));
	if (!q)
		return NULL;
	*len = (size_t)(q - s);
	return s;
}

/* The number after "seq": in [p, end), 0 when absent. */
uint64_t load_seq_in(const char *p, const char *end)
{
	const char *s = load_find(p, end, "\"seq\":");
	uint64_t v = 0;
	if (!s)
		return 0;
	for (s += 6; s < end && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

/* The ticket number of a body or event: the first "number" inside "ticket":{…}. */
const char *load_ticket_number(const char *p, const char *end, size_t *len)
{
	const char *t = load_find(p, end, "\"ticket\":{");
	return t ? load_str_after(t, end, "\"number\":\"", len) : NULL;
}

/* The operation-table slot of key: its entry, or the empty slot where it belongs. */
static struct opent *optab_slot(uint64_t key)
{
	if (opused * 2 >= opcap) {
		struct opent *old = optab;
		size_t oldcap = opcap;
		opcap = opcap ? opcap * 2 : 4096;
		optab = load_xrealloc(NULL, opcap * sizeof(*optab));
		memset(optab, 0, opcap * sizeof(*optab));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].key) {
				size_t j = old[i].key & (opcap - 1);
				while (optab[j].key)
					j = (j + 1) & (opcap - 1);
				optab[j] = old[i];
			}
		free(old);
	}
	size_t j = key & (opcap - 1);
	while (optab[j].key && optab[j].key != key)
		j = (j + 1) & (opcap - 1);
	return &optab[j];
}

/* The record of seq (seq >= seq_base), grown as needed. */
static struct evrec *evrec_get(uint64_t seq)
{
	uint64_t i = seq - seq_base;
	if (i >= nevs) {
		uint64_t n = nevs ? nevs : 1024;
		while (n <= i)
			n *= 2;
		evs = load_xrealloc(evs, n * sizeof(*evs));
		memset(evs + nevs, 0, (n - nevs) * sizeof(*evs));
		nevs = n;
	}
	return &evs[i];
}

/* Counts one delivery whose operation's scheduled time is known. */
static void count_delivery(struct evrec *r, int64_t t, unsigned kind)
{
	load_hist_add(&h_all, t - r->sched);
	load_hist_add(&h_kind[kind], t - r->sched);
	if (t > r->last_recv)
		r->last_recv = t;
}

/* The scheduled time of seq's operation became known: counts the held deliveries. */
static void evrec_resolve(struct evrec *r, int64_t sched)
{
	r->sched = sched;
	for (uint32_t i = 0; i < r->npend; i++)
		count_delivery(r, (int64_t)(r->pend[i] >> 2), (unsigned)(r->pend[i] & 3));
	free(r->pend);
	r->pend = NULL;
	r->npend = r->cappend = 0;
}

/* An acknowledged operation with key and scheduled time: resolves its event or waits. */
void load_learn_ack(uint64_t key, int64_t sched)
{
	struct opent *e = optab_slot(key);
	if (e->key && e->seq) {
		evrec_resolve(evrec_get(e->seq), sched);
		return;
	}
	if (!e->key)
		opused++;
	e->key = key;
	e->sched = sched;
}

/* The first copy of event seq arrived with key: finds its operation's time or waits. */
static void learn_event(struct evrec *r, uint64_t seq, uint64_t key)
{
	r->key = key;
	if (key == KEY_NONE) {
		unmatched++;
		return;
	}
	struct opent *e = optab_slot(key);
	if (e->key && e->sched) {
		r->sched = e->sched;
		return;
	}
	if (!e->key)
		opused++;
	e->key = key;
	e->seq = seq;
}

/* A delivery of seq at time t to a subscriber; seg is the event's text (NULL for a
 * phone's ticket status, which names no kind). */
void load_deliver(struct sub *s, uint64_t seq, const char *seg, const char *end, int64_t t)
{
	if (!measuring || seq < seq_base)
		return;
	deliveries++;
	struct evrec *r = evrec_get(seq);
	if (!r->key && seg) {
		uint64_t key = KEY_NONE;
		size_t klen, nlen;
		const char *k = load_str_after(seg, end, "\"kind\":\"", &klen);
		const char *n = load_ticket_number(seg, end, &nlen);
		if (opt.bare)
			key = load_key_of_seq(seq);
		else if (k && n)
			key = load_key_of(k, klen, n, nlen);
		learn_event(r, seq, key);
	}
	if (r->sched) {
		count_delivery(r, t, s->kind);
		return;
	}
	if (r->npend == r->cappend) {
		r->cappend = r->cappend ? r->cappend * 2 : 16;
		r->pend = load_xrealloc(r->pend, r->cappend * sizeof(*r->pend));
	}
	r->pend[r->npend++] = (uint64_t)t << 2 | s->kind;
}

/* This process's own CPU time so far, in ms (user + system). */
double load_self_cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* A number of a /proc/PID file line "Name:  N kB", or of stat's utime+stime; -1 if
 * there is no --server-pid or the file cannot be read. */
long load_proc_figure(bool cpu)
{
	char path[64], buf[4096];
	if (opt.pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", opt.pid, cpu ? "stat" : "status");
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!cpu) {
		const char *v = strstr(buf, "VmRSS:");
		return v ? atol(v + 6) : -1;
	}
	const char *p = strrchr(buf, ')');
	long utime = 0, stime = 0;
	/* after ")": state, then fields 4.. ; utime and stime are fields 14 and 15 */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime,
			 &stime) != 2)
		return -1;
	return utime + stime;
}

/* Prints the figures as key=value pairs, and as JSON with --json. */
void load_report(const struct figure *f, size_t n)
{
	printf("server=%s", opt.bare ? "bare-lws" : "torgd");
	if (opt.label[0])
		printf(" label=%s", opt.label);
	for (size_t i = 0; i < n; i++)
		printf(" %s=%.*f", f[i].name, f[i].decimals, f[i].v);
	printf("\n");
	if (opt.json) {
		printf("{\"server\":\"%s\",\"label\":\"%s\"", opt.bare ? "bare-lws" : "torgd",
		       opt.label);
		for (size_t i = 0; i < n; i++)
			printf(",\"%s\":%.*f", f[i].name, f[i].decimals, f[i].v);
		printf("}\n");
	}
	fflush(stdout);
}
