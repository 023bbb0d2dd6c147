/*
 * auth_map.c — the live sessions of a started auth (loop thread only): a hash
 * map keyed by the SHA-256 of each token (already uniformly distributed, so
 * its first bytes pick the bucket), and the two-step graveyard that keeps
 * users handed out as borrowed pointers alive until the loop has turned once
 * (a uv_check empties it).
 */
#include <stdlib.h>
#include <string.h>

#include "auth_int.h"
#include "util.h"

/* The bucket index of a token hash (already uniformly distributed). */
static size_t bucket_of(const struct auth *a, const uint8_t hash[32])
{
	uint64_t x;
	memcpy(&x, hash, sizeof x);
	return (size_t)(x & (a->nbuckets - 1));
}

/* Doubles the bucket array (or makes the first) and rehashes. */
static void map_grow(struct auth *a)
{
	struct auth_session **old = a->buckets;
	size_t oldn = a->nbuckets;
	a->nbuckets = oldn ? oldn * 2 : 64;
	a->buckets = xcalloc(a->nbuckets, sizeof *a->buckets);
	for (size_t i = 0; i < oldn; i++) {
		for (struct auth_session *s = old[i], *next; s; s = next) {
			size_t b = bucket_of(a, s->hash);
			next = s->next;
			s->next = a->buckets[b];
			a->buckets[b] = s;
		}
	}
	free(old);
}

/* Adds a session taking ownership of u; returns it. */
struct auth_session *auth__map_add(struct auth *a, const uint8_t hash[32], int64_t created_ms,
				   int64_t expires_ms, uint64_t login_no, struct auth_user *u)
{
	if (a->nsessions >= a->nbuckets)
		map_grow(a);
	struct auth_session *s = xcalloc(1, sizeof *s);
	memcpy(s->hash, hash, sizeof s->hash);
	s->expires_ms = expires_ms;
	s->created_ms = created_ms;
	s->login_no = login_no;
	s->born = a->gen;
	s->user = u;
	size_t b = bucket_of(a, hash);
	s->next = a->buckets[b];
	a->buckets[b] = s;
	a->nsessions++;
	return s;
}

/* The link that points at the session with this hash, or NULL. */
struct auth_session **auth__map_find(struct auth *a, const uint8_t hash[32])
{
	if (a->nbuckets == 0)
		return NULL;
	for (struct auth_session **pp = &a->buckets[bucket_of(a, hash)]; *pp; pp = &(*pp)->next)
		if (memcmp((*pp)->hash, hash, 32) == 0)
			return pp;
	return NULL;
}

/* Frees the users waiting in a graveyard and empties it. */
static void grave_clear(struct auth_grave *g)
{
	for (size_t i = 0; i < g->n; i++)
		auth__user_free(g->v[i]);
	g->n = 0;
}

/* Frees every session and the graveyards (auth_free's share of the map). */
void auth__sessions_free(struct auth *a)
{
	for (size_t i = 0; i < a->nbuckets; i++) {
		for (struct auth_session *s = a->buckets[i], *next; s; s = next) {
			next = s->next;
			auth__user_free(s->user);
			free(s);
		}
	}
	free(a->buckets);
	grave_clear(&a->grave_new);
	grave_clear(&a->grave_old);
	free(a->grave_new.v);
	free(a->grave_old.v);
}

/* Frees every session and empties the map and graveyards (a start that failed). */
void auth__map_clear(struct auth *a)
{
	auth__sessions_free(a);
	a->buckets = NULL;
	a->nbuckets = a->nsessions = 0;
	memset(&a->grave_new, 0, sizeof a->grave_new);
	memset(&a->grave_old, 0, sizeof a->grave_old);
}

/* Frees the two-turn-old graveyard and ages the new one; stops when both are empty. */
static void check_cb(uv_check_t *h)
{
	struct auth *a = h->data;
	struct auth_grave t = a->grave_old;
	grave_clear(&t);
	a->grave_old = a->grave_new;
	a->grave_new = t;
	if (a->grave_old.n == 0)
		uv_check_stop(h);
}

/* Puts u in the graveyard: freed after the loop has turned at least once. */
void auth__grave_add(struct auth *a, struct auth_user *u)
{
	struct auth_grave *g = &a->grave_new;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->v = xrealloc(g->v, g->cap * sizeof *g->v);
	}
	g->v[g->n++] = u;
	if (a->started && !a->stopping)
		uv_check_start(&a->check, check_cb);
}

/* Removes the session *pp points at; its user goes to the graveyard. */
void auth__map_unlink(struct auth *a, struct auth_session **pp)
{
	struct auth_session *s = *pp;
	*pp = s->next;
	auth__grave_add(a, s->user);
	free(s);
	a->nsessions--;
}
