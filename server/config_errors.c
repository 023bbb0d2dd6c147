/*
 * config_errors.c — the errors of one configuration parse (config.h,
 * struct config_errors): config__fail records each "path: message" (the first
 * CONFIG_MAX_ERRORS of them, and counts the rest), and at the end they are put
 * into the order of the document. Parsing visits sections in its own order
 * (counters[].spoken only after the displays, a missing key at the end of its
 * object), so the order comes from walking each error's path through the JSON
 * document: the position of each key among its object's keys, or the index.
 */
#include "config_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ORDER_DEPTH 32 /* steps of a path compared; deeper ones count as equal */

/* One stored error with where it sits in the document. */
struct ordered {
	struct config_error e;
	size_t nkey;
	size_t key[ORDER_DEPTH];
};

int config__fail(struct config__parse *p, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	p->nfailed++;
	if (p->errs.n >= CONFIG_MAX_ERRORS)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A file name quoted whole (server.tls, voice.clips_dir) may hold any byte; an error
	 * stays one line. */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (!p->errs.v)
		p->errs.v = xcalloc(CONFIG_MAX_ERRORS + 1, sizeof(*p->errs.v));
	p->errs.v[p->errs.n++] = (struct config_error){xstrdup(path), xstrdup(msg)};
	return -EINVAL;
}

int config__failed_since(const struct config__parse *p, size_t mark)
{
	return p->nfailed > mark ? -EINVAL : 0;
}

/* Whether the path at s starts with key as config__join wrote it there (as it is or
 * quoted, cut after 40 bytes) and the step ends after it; *len is then its length. */
static bool step_is(struct config__parse *p, const char *s, const char *key, size_t *len)
{
	const char *form = *s == '"' ? config__quote(p, key) : key; /* as-is keys never start so */
	size_t n = strnlen(form, 40);
	if (n == 0 || strncmp(s, form, n) != 0 || (s[n] != '\0' && s[n] != '.' && s[n] != '['))
		return false;
	*len = n;
	return true;
}

/* Fills o->key with the position of each step of o's path in the document: an index, or
 * the place of a key among its object's keys (jansson keeps their order). A step that is
 * not in the document (a missing key) counts as after everything its object holds, and
 * ends the walk. */
static void order_of(struct config__parse *p, struct ordered *o)
{
	json_t *node = p->root;
	const char *s = o->e.path;
	o->nkey = 0;
	while (*s && o->nkey < ORDER_DEPTH) {
		size_t pos = SIZE_MAX, len = 0, i = 0;
		if (*s == '[') {
			char *end;
			unsigned long long k = strtoull(s + 1, &end, 10);
			if (*end != ']')
				break;
			pos = (size_t)k;
			node = json_array_get(node, pos);
			s = end + 1;
		} else {
			const char *key;
			json_t *v, *next = NULL;
			s += *s == '.';
			json_object_foreach(node, key, v)
			{
				if (step_is(p, s, key, &len)) {
					pos = i;
					next = v;
					break;
				}
				i++;
			}
			node = next;
			s += len;
		}
		o->key[o->nkey++] = pos;
		if (pos == SIZE_MAX)
			break;
	}
}

/* Whether a comes before b in the document (an object before what it holds). */
static bool before(const struct ordered *a, const struct ordered *b)
{
	for (size_t i = 0; i < a->nkey && i < b->nkey; i++)
		if (a->key[i] != b->key[i])
			return a->key[i] < b->key[i];
	return a->nkey < b->nkey;
}

void config__errors_finish(struct config__parse *p, struct config_errors *out)
{
	size_t n = p->errs.n;
	struct ordered *o = xcalloc(n ? n : 1, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		o[i].e = p->errs.v[i];
		order_of(p, &o[i]);
	}
	for (size_t i = 1; i < n; i++) { /* insertion sort: stable, and n is small */
		struct ordered t = o[i];
		size_t j = i;
		for (; j > 0 && before(&t, &o[j - 1]); j--)
			o[j] = o[j - 1];
		o[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		p->errs.v[i] = o[i].e;
	free(o);
	if (p->nfailed > n)
		p->errs.v[p->errs.n++] = (struct config_error){
		    xstrdup(""), xasprintf("… and %zu more errors", p->nfailed - n)};
	p->errs.total = p->nfailed;
	if (out)
		*out = p->errs;
	else
		config_errors_free(&p->errs);
	p->errs = (struct config_errors){0};
}

void config_errors_free(struct config_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++) {
		free(errs->v[i].path);
		free(errs->v[i].message);
	}
	free(errs->v);
	*errs = (struct config_errors){0};
}

char *config_errors_text(const struct config_errors *errs)
{
	struct util_text t = {0};
	util_text_put(&t, "", 0);
	for (size_t i = 0; errs && i < errs->n; i++) {
		const struct config_error *e = &errs->v[i];
		util_text_printf(&t, "%s%s%s%s", i ? "\n" : "", e->path, *e->path ? ": " : "",
				 e->message);
	}
	return t.s;
}
