/*
 * api_conn.c — the TCP connections themselves, before any HTTP: each accepted
 * connection gets a record (on lws's opaque user data) with its peer address; the
 * number of connections is bounded in total and per client address (a trusted proxy's
 * connections count only in the total: it carries many clients, and limits them
 * itself), a refusal closes the connection at once and is logged at most once a
 * minute with a count (never with the address: a keyed hash tags it instead, so lines
 * can be told apart without naming anyone). The total is kept below the open-file
 * limit, and when file descriptors run out anyway (lws's accept fails with EMFILE and
 * would retry on every loop turn, logging each time), a reserved descriptor is given
 * up for a moment to accept and close the waiting connection, so the listen socket
 * stops being readable and the loop sleeps again.
 */
#include "api_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define CONN_BUCKETS	 4096  /* per-address count table (chained, keyed hash) */
#define CONN_LOG_MS	 60000 /* refusals are logged at most this often */
#define CONN_FD_RESERVE	 64    /* descriptors kept for everything but connections */
#define CONN_LISTEN_SCAN 4096  /* descriptors looked at to find our listen socket */

/* The connections of one client address. */
struct conn_addr {
	struct conn_addr *next;
	uint8_t key[NETADDR_KEY_LEN];
	uint32_t n;
};

/* One accepted connection, found by its wsi. */
struct api_conn {
	struct api_conn *next;
	const struct lws *wsi;
	struct netaddr peer;
	struct conn_addr *addr; /* NULL when not counted per address (a trusted proxy) */
};

/* The bucket of the connection table for a wsi pointer. */
static struct api_conn **conn_bucket(struct api *a, const struct lws *wsi)
{
	uint64_t h = (uint64_t)(uintptr_t)wsi * 0x9e3779b97f4a7c15ULL;
	return &a->conns.by_wsi[(h >> 32) % CONN_BUCKETS];
}

/* The link that points at the record of wsi, or NULL. */
static struct api_conn **conn_find(struct api *a, const struct lws *wsi)
{
	if (!a->conns.by_wsi)
		return NULL;
	for (struct api_conn **pp = conn_bucket(a, wsi); *pp; pp = &(*pp)->next)
		if ((*pp)->wsi == wsi)
			return pp;
	return NULL;
}

/* Copies a socket address into a netaddr. */
static void netaddr_from_sockaddr(const struct sockaddr_storage *ss, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
		out->v4 = true;
		out->b[10] = out->b[11] = 0xff;
		memcpy(out->b + 12, &a4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
		memcpy(out->b, &a6->sin6_addr, 16);
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		out->v4 = memcmp(out->b, mapped, 12) == 0;
	}
}

/* Whether addr is one of the configured trusted proxies. */
bool api__trusted_proxy(const struct api *a, const struct netaddr *addr)
{
	for (size_t i = 0; i < a->cfg->ntrusted_proxies; i++)
		if (netaddr_in(addr, &a->cfg->trusted_proxies[i]))
			return true;
	return false;
}

/* A short stable tag for an address in logs (not the address itself). */
static unsigned addr_tag(const struct api *a, const uint8_t key[NETADDR_KEY_LEN])
{
	return (unsigned)(util_siphash(a->conns.seed, key, NETADDR_KEY_LEN) >> 40);
}

/* Logs the refusals counted since the last line, at most once a minute. */
static void log_refusals(struct api *a, const char *why, unsigned tag)
{
	int64_t now = util_now_ms();
	a->conns.refused_unlogged++;
	a->conns.refused++;
	if (a->conns.logged_at && now - a->conns.logged_at < CONN_LOG_MS)
		return;
	a->conns.logged_at = now;
	if (tag)
		log_warn("connections: refused %llu in the last minute: %s (client tag %06x)",
			 (unsigned long long)a->conns.refused_unlogged, why, tag);
	else
		log_warn("connections: refused %llu in the last minute: %s",
			 (unsigned long long)a->conns.refused_unlogged, why);
	a->conns.refused_unlogged = 0;
}

/* The per-address entry for key (made when absent and make is true), or NULL. */
static struct conn_addr *addr_find(struct api *a, const uint8_t key[NETADDR_KEY_LEN], bool make)
{
	struct conn_addr **head =
	    &a->conns.buckets[util_siphash(a->conns.seed, key, NETADDR_KEY_LEN) % CONN_BUCKETS];
	for (struct conn_addr *e = *head; e; e = e->next)
		if (memcmp(e->key, key, NETADDR_KEY_LEN) == 0)
			return e;
	if (!make)
		return NULL;
	struct conn_addr *e = xcalloc(1, sizeof(*e));
	memcpy(e->key, key, NETADDR_KEY_LEN);
	e->next = *head;
	*head = e;
	return e;
}

/* Drops one connection from its address's count (freeing the entry at zero). */
static void addr_release(struct api *a, struct conn_addr *e)
{
	if (!e || --e->n > 0)
		return;
	struct conn_addr **pp =
	    &a->conns.buckets[util_siphash(a->conns.seed, e->key, NETADDR_KEY_LEN) % CONN_BUCKETS];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	free(e);
}

/* Frees a connection record and its counts. */
static void conn_free(struct api *a, struct api_conn *c)
{
	if (!c)
		return;
	addr_release(a, c->addr);
	a->conns.total--;
	free(c);
}

int api__conn_filter(struct api *a, const struct lws_filter_network_conn_args *f)
{
	/* a connection lws accepted but never adopted (no WSI_CREATE came) */
	if (a->conns.pending) {
		conn_free(a, a->conns.pending);
		a->conns.pending = NULL;
	}
	if (a->stopping)
		return 1;
	if (a->conns.total >= a->conns.max_total) {
		log_refusals(
		    a, "the limit of connections in all (server.max_connections) is reached", 0);
		return 1;
	}
	struct api_conn *c = xcalloc(1, sizeof(*c));
	netaddr_from_sockaddr(&f->cli_addr, &c->peer);
	if (!api__trusted_proxy(a, &c->peer)) {
		uint8_t key[NETADDR_KEY_LEN];
		netaddr_key(&c->peer, key);
		struct conn_addr *e = addr_find(a, key, true);
		if (e->n >= (uint32_t)a->cfg->max_connections_per_address) {
			free(c);
			log_refusals(a,
				     "one client address reached its limit of connections "
				     "(server.max_connections_per_address)",
				     addr_tag(a, key));
			return 1;
		}
		e->n++;
		c->addr = e;
	}
	a->conns.total++;
	a->conns.pending = c;
	return 0;
}

void api__conn_created(struct api *a, struct lws *wsi)
{
	/* lws adopts the connection it just let us filter right away: the next wsi it makes
	 * is that connection's (its descriptor is not set yet, and lws clears its opaque
	 * user data after this callback, so the record is kept in a table by wsi). */
	struct api_conn *c = a->conns.pending;
	if (!c)
		return;
	a->conns.pending = NULL;
	c->wsi = wsi;
	struct api_conn **head = conn_bucket(a, wsi);
	c->next = *head;
	*head = c;
}

void api__conn_destroyed(struct api *a, struct lws *wsi)
{
	struct api_conn **pp = conn_find(a, wsi);
	if (!pp)
		return;
	struct api_conn *c = *pp;
	*pp = c->next;
	conn_free(a, c);
}

const struct netaddr *api__conn_peer(struct api *a, const struct lws *wsi)
{
	struct api_conn **pp = conn_find(a, wsi);
	return pp ? &(*pp)->peer : NULL;
}

/* Finds the descriptor of our listening socket (lws does not hand it out). */
static int find_listen_fd(int port)
{
	for (int fd = 0; fd < CONN_LISTEN_SCAN; fd++) {
		int on = 0;
		socklen_t ol = sizeof(on);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 || !on ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
			continue;
		int p = ss.ss_family == AF_INET	   ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
			: ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
						   : -1;
		if (p == port)
			return fd;
	}
	return -1;
}

void api__conn_start(struct api *a, int port)
{
	util_random(a->conns.seed, sizeof(a->conns.seed));
	a->conns.buckets = xcalloc(CONN_BUCKETS, sizeof(*a->conns.buckets));
	a->conns.by_wsi = xcalloc(CONN_BUCKETS, sizeof(*a->conns.by_wsi));
	a->conns.max_total = a->cfg->max_connections;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > 2 * CONN_FD_RESERVE ? rl.rlim_cur - CONN_FD_RESERVE
								: rl.rlim_cur / 2;
		if ((rlim_t)a->conns.max_total > room) {
			a->conns.max_total = (int)room;
			log_info("connections: at most %d at once (server.max_connections is %d, "
				 "but the open-file limit is %llu)",
				 a->conns.max_total, a->cfg->max_connections,
				 (unsigned long long)rl.rlim_cur);
		}
	}
	a->conns.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	a->conns.listen_fd = find_listen_fd(port);
}

void api__conn_out_of_fds(struct api *a)
{
	if (a->conns.listen_fd < 0)
		return;
	if (a->conns.reserve_fd >= 0)
		close(a->conns.reserve_fd);
	int c = accept4(a->conns.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c >= 0)
		close(c);
	a->conns.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_refusals(a, "torgd is out of file descriptors", 0);
}

void api__conn_stop(struct api *a)
{
	if (a->conns.pending) {
		conn_free(a, a->conns.pending);
		a->conns.pending = NULL;
	}
	if (a->conns.reserve_fd >= 0)
		close(a->conns.reserve_fd);
	a->conns.reserve_fd = -1;
	for (size_t i = 0; a->conns.buckets && i < CONN_BUCKETS; i++) {
		for (struct conn_addr *e = a->conns.buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(a->conns.buckets);
	a->conns.buckets = NULL;
	for (size_t i = 0; a->conns.by_wsi && i < CONN_BUCKETS; i++) {
		for (struct api_conn *c = a->conns.by_wsi[i], *next; c; c = next) {
			next = c->next;
			free(c);
		}
	}
	free(a->conns.by_wsi);
	a->conns.by_wsi = NULL;
}
