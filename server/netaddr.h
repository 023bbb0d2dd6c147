/*
 * netaddr.h — client addresses for torgd's HTTP side: parsing and formatting IPv4 and
 * IPv6 addresses and CIDR networks (for server.trusted_proxies), the identity a rate
 * limit counts by (an IPv4 address whole, an IPv6 address by its /64, since one
 * subscriber gets a /64), and the real client behind trusted reverse proxies from
 * X-Forwarded-For and X-Forwarded-Proto. Pure: no I/O, no sockets, no globals; every
 * parser takes a length, never reads past it and accepts only the exact textual forms
 * listed below (no ports, zone ids or host names).
 */
#ifndef TORG_NETADDR_H
#define TORG_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETADDR_STRLEN	 48 /* bytes for any netaddr_format() text and its NUL */
#define NETADDR_XFF_MAX	 32 /* X-Forwarded-For entries netaddr_client() looks at */
#define NETADDR_KEY_LEN	 16 /* bytes of a rate-limit identity */
#define NETADDR_MAX_TEXT 64 /* longest address text netaddr_parse() considers */

/* An IPv4 or IPv6 address. b holds the IPv6 bytes, an IPv4 address as ::ffff:a.b.c.d
 * (v4 is true exactly for those), so ::ffff:1.2.3.4 and 1.2.3.4 are the same address. */
struct netaddr {
	bool v4;
	uint8_t b[16];
};

/* A network: addr with its host bits zero, and the prefix length in the address's own
 * family (0..32 for IPv4, 0..128 for IPv6). */
struct netaddr_cidr {
	struct netaddr addr;
	unsigned bits;
};

/** Parses "1.2.3.4" (four decimal parts, no leading zeros), an IPv6 address in RFC 4291
 *  text ("::1", "fd00::1", "::ffff:1.2.3.4") or one in brackets ("[::1]") from s[0..len).
 *  Returns 0 with *out set, or -EINVAL (then *out is zeroed). */
int netaddr_parse(const char *s, size_t len, struct netaddr *out);
/** Parses a network "10.0.0.0/8", "fd00::/8", or an address alone (its /32 or /128).
 *  A v4-mapped IPv6 network (::ffff:10.0.0.0/104) is the IPv4 one. Returns 0, or -EINVAL
 *  with *cause (when cause is not NULL) set to a malloc'd message the caller frees, e.g.
 *  for host bits set: "\"10.0.0.1/8\" has host bits set (the network is 10.0.0.0/8)". */
int netaddr_cidr_parse(const char *s, size_t len, struct netaddr_cidr *out, char **cause);
/** True when a lies in network c (an IPv4 address never lies in an IPv6 network). */
bool netaddr_in(const struct netaddr *a, const struct netaddr_cidr *c);
/** True when a and b are the same address. */
bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);
/** Formats a as text: dotted IPv4, or IPv6 in RFC 5952 form ("fd00::1"), into buf of
 *  len bytes (NETADDR_STRLEN is always enough; shorter buffers get a truncated text). */
void netaddr_format(const struct netaddr *a, char *buf, size_t len);
/** Writes the rate-limit identity of a: an IPv4 address's mapped bytes whole, an IPv6
 *  address's first 64 bits followed by zeros. Identities of IPv4 and IPv6 never meet. */
void netaddr_key(const struct netaddr *a, uint8_t key[NETADDR_KEY_LEN]);
/** The real client of a request from peer (the TCP peer) behind the trusted proxies:
 *  when peer is in none of trusted[0..ntrusted), peer itself. Otherwise X-Forwarded-For
 *  (xff[0..xfflen), may be NULL; comma-separated entries with optional spaces, several
 *  headers joined by ',') is walked from the right, skipping entries that are trusted
 *  themselves; the first untrusted one is the client. When the walk ends (no more entries,
 *  or NETADDR_XFF_MAX entries looked at) the last good address seen is the client.
 *  Returns 0, or -EINVAL when a malformed entry stopped the walk (*client is still set,
 *  to the last good address seen: at worst peer). */
int netaddr_client(const struct netaddr *peer, const char *xff, size_t xfflen,
		   const struct netaddr_cidr *trusted, size_t ntrusted, struct netaddr *client);
/** True when the rightmost comma-separated value of X-Forwarded-Proto (xfp[0..len), may be
 *  NULL) is "https" in any case. Only meaningful when the peer is a trusted proxy. */
bool netaddr_proto_https(const char *xfp, size_t len);

#endif
