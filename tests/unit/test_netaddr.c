/*
 * test_netaddr.c — unit tests of server/netaddr.h: the accepted and refused address
 * texts, canonical formatting (RFC 5952) and round trips, IPv4-mapped addresses, CIDR
 * networks with their errors, membership, rate-limit identities (an IPv6 /64 shares one),
 * the real client behind trusted proxies from X-Forwarded-For (from the right, trusted
 * hops skipped, a malformed entry stops the walk, at most 32 entries), and
 * X-Forwarded-Proto.
 */
#include "netaddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"

/* Parses the C string s. */
static int parse(const char *s, struct netaddr *a)
{
	return netaddr_parse(s, strlen(s), a);
}

/* True when s parses and formats as want. */
static bool formats_as(const char *s, const char *want)
{
	struct netaddr a;
	char buf[NETADDR_STRLEN];
	if (parse(s, &a) != 0)
		return false;
	netaddr_format(&a, buf, sizeof(buf));
	if (!str_eq(buf, want)) {
		fprintf(stderr, "%s formats as %s, not %s\n", s, buf, want);
		return false;
	}
	struct netaddr b;
	return parse(buf, &b) == 0 && netaddr_equal(&a, &b);
}

static int test_parse_ok(void)
{
	REQUIRE(formats_as("1.2.3.4", "1.2.3.4"));
	REQUIRE(formats_as("0.0.0.0", "0.0.0.0"));
	REQUIRE(formats_as("255.255.255.255", "255.255.255.255"));
	REQUIRE(formats_as("::1", "::1"));
	REQUIRE(formats_as("[::1]", "::1"));
	REQUIRE(formats_as("::", "::"));
	REQUIRE(formats_as("FD00::A", "fd00::a"));
	REQUIRE(formats_as("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"));
	REQUIRE(formats_as("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"));
	REQUIRE(formats_as("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"));
	REQUIRE(formats_as("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"));
	REQUIRE(formats_as("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"));
	REQUIRE(formats_as("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"));
	REQUIRE(formats_as("1::", "1::"));
	REQUIRE(formats_as("::1.2.3.4", "::102:304"));
	REQUIRE(formats_as("64:ff9b::1.2.3.4", "64:ff9b::102:304"));
	/* IPv4-mapped IPv6 is IPv4. */
	struct netaddr a, b;
	REQUIRE(parse("::ffff:1.2.3.4", &a) == 0 && a.v4);
	REQUIRE(parse("1.2.3.4", &b) == 0 && b.v4 && netaddr_equal(&a, &b));
	REQUIRE(parse("::FFFF:0102:0304", &a) == 0 && netaddr_equal(&a, &b));
	REQUIRE(parse("[::ffff:1.2.3.4]", &a) == 0 && netaddr_equal(&a, &b));
	REQUIRE(formats_as("::ffff:1.2.3.4", "1.2.3.4"));
	REQUIRE(parse("::1", &a) == 0 && !a.v4);
	/* The length bounds the reading. */
	REQUIRE(netaddr_parse("1.2.3.45", 7, &a) == 0 && netaddr_equal(&a, &b));
	return 0;
}

static int test_parse_bad(void)
{
	static const char *const bad[] = {
	    "",
	    "1.2.3",
	    "1.2.3.4.5",
	    "256.1.1.1",
	    "01.2.3.4",
	    "1.2.3.04",
	    "1.2.3.4 ",
	    " 1.2.3.4",
	    "1.2.3.4:80",
	    "1..3.4",
	    "1.2.3.",
	    "a.b.c.d",
	    "1.2.3.4/8",
	    "[1.2.3.4]",
	    ":",
	    ":::",
	    "1:::2",
	    "::1::",
	    "1::2::3",
	    "12345::",
	    "1:2:3:4:5:6:7:8:9",
	    "1:2:3:4:5:6:7",
	    ":1:2:3:4:5:6:7",
	    "1:2:3:4:5:6:7:",
	    "fe80::1%eth0",
	    "[::1]:80",
	    "[::1",
	    "::1]",
	    "[]",
	    "g::1",
	    "::1.2.3",
	    "::1.2.3.4.5",
	    "1.2.3.4::",
	    "1:2:3:4:5:6:7:1.2.3.4",
	    "localhost",
	    "::ffff:256.1.1.1",
	    "1:2:3:4:5:6:1.2.3.4:5",
	};
	struct netaddr a;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse(bad[i], &a) != -EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			return -1;
		}
	}
	REQUIRE(netaddr_parse(NULL, 0, &a) == -EINVAL);
	REQUIRE(netaddr_parse("1.2.3.4\0", 8, &a) == -EINVAL);
	char longer[100];
	memset(longer, '0', sizeof(longer) - 1);
	memcpy(longer, "::", 2);
	longer[sizeof(longer) - 1] = '\0';
	REQUIRE(parse(longer, &a) == -EINVAL);
	REQUIRE(parse("1:2:3:4:5:6:1.2.3.4", &a) == 0); /* six groups and IPv4 fit */
	return 0;
}

/* Parses the C string s as a network. */
static int cidr(const char *s, struct netaddr_cidr *c, char **cause)
{
	return netaddr_cidr_parse(s, strlen(s), c, cause);
}

static int test_cidr(void)
{
	struct netaddr_cidr c;
	struct netaddr a;
	char *cause = NULL;
	REQUIRE(cidr("10.0.0.0/8", &c, &cause) == 0 && cause == NULL && c.bits == 8 && c.addr.v4);
	REQUIRE(parse("10.255.1.2", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("11.0.0.1", &a) == 0 && !netaddr_in(&a, &c));
	REQUIRE(parse("::ffff:10.1.2.3", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("::a01:203", &a) == 0 && !netaddr_in(&a, &c)); /* not mapped */
	REQUIRE(cidr("127.0.0.1", &c, NULL) == 0 && c.bits == 32);
	REQUIRE(parse("127.0.0.1", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("127.0.0.2", &a) == 0 && !netaddr_in(&a, &c));
	REQUIRE(cidr("::1/128", &c, NULL) == 0 && c.bits == 128 && !c.addr.v4);
	REQUIRE(parse("::1", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(cidr("::1", &c, NULL) == 0 && c.bits == 128);
	REQUIRE(cidr("fd00::/8", &c, NULL) == 0 && c.bits == 8);
	REQUIRE(parse("fdff:1::1", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("fe00::1", &a) == 0 && !netaddr_in(&a, &c));
	REQUIRE(parse("253.0.0.1", &a) == 0 && !netaddr_in(&a, &c)); /* never across families */
	REQUIRE(cidr("172.16.0.0/12", &c, NULL) == 0);
	REQUIRE(parse("172.31.255.255", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("172.32.0.0", &a) == 0 && !netaddr_in(&a, &c));
	REQUIRE(cidr("0.0.0.0/0", &c, NULL) == 0 && c.bits == 0);
	REQUIRE(parse("8.8.8.8", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("::1", &a) == 0 && !netaddr_in(&a, &c));
	REQUIRE(cidr("::/0", &c, NULL) == 0);
	REQUIRE(parse("2001:db8::1", &a) == 0 && netaddr_in(&a, &c));
	REQUIRE(parse("8.8.8.8", &a) == 0 && !netaddr_in(&a, &c));
	REQUIRE(cidr("::ffff:10.0.0.0/104", &c, NULL) == 0 && c.addr.v4 && c.bits == 8);
	REQUIRE(cidr("[fd00::]/8", &c, NULL) == 0 && c.bits == 8);
	/* Host bits set: a config error with a message naming the network. */
	REQUIRE(cidr("10.0.0.1/8", &c, &cause) == -EINVAL && cause);
	REQUIRE(strstr(cause, "host bits") && strstr(cause, "10.0.0.0/8"));
	free(cause);
	REQUIRE(cidr("fd00::1/8", &c, &cause) == -EINVAL && strstr(cause, "fd00::/8"));
	free(cause);
	static const char *const bad[] = {
	    "10.0.0.0/33",	  "::/129",	   "10.0.0.0/",	 "10.0.0.0/08", "10.0.0.0/-1",
	    "10.0.0.0/8/8",	  "10.0.0.0/ 8",   "nonsense/8", "/8",		"",
	    "::ffff:10.0.0.0/95", "10.0.0.0/1000",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cause = NULL;
		if (cidr(bad[i], &c, &cause) != -EINVAL || !cause || !cause[0]) {
			fprintf(stderr, "accepted network \"%s\"\n", bad[i]);
			return -1;
		}
		free(cause);
	}
	REQUIRE(cidr("10.0.0.0/33", &c, NULL) == -EINVAL);
	return 0;
}

static int test_key(void)
{
	struct netaddr a, b;
	uint8_t ka[NETADDR_KEY_LEN], kb[NETADDR_KEY_LEN];
	REQUIRE(parse("2001:db8:1:2:aaaa::1", &a) == 0 && parse("2001:db8:1:2:bbbb::9", &b) == 0);
	netaddr_key(&a, ka);
	netaddr_key(&b, kb);
	REQUIRE(memcmp(ka, kb, sizeof(ka)) == 0); /* one /64 */
	REQUIRE(parse("2001:db8:1:3::1", &b) == 0);
	netaddr_key(&b, kb);
	REQUIRE(memcmp(ka, kb, sizeof(ka)) != 0);
	REQUIRE(parse("10.0.0.1", &a) == 0 && parse("10.0.0.2", &b) == 0);
	netaddr_key(&a, ka);
	netaddr_key(&b, kb);
	REQUIRE(memcmp(ka, kb, sizeof(ka)) != 0); /* IPv4 whole */
	REQUIRE(parse("::ffff:10.0.0.1", &b) == 0);
	netaddr_key(&b, kb);
	REQUIRE(memcmp(ka, kb, sizeof(ka)) == 0);
	/* An IPv6 /64 whose prefix looks like a mapped address never meets IPv4 keys. */
	REQUIRE(parse("::", &b) == 0);
	netaddr_key(&b, kb);
	REQUIRE(memcmp(ka, kb, sizeof(ka)) != 0);
	return 0;
}

/* netaddr_client with peer and xff as C strings against the test's trusted networks. */
static int client(const char *peer, const char *xff, char *out)
{
	static const char *const nets[] = {"10.0.0.0/8", "fd00::/8", "127.0.0.1"};
	struct netaddr_cidr t[3];
	for (size_t i = 0; i < 3; i++)
		if (cidr(nets[i], &t[i], NULL))
			return -100;
	struct netaddr p, c;
	if (parse(peer, &p))
		return -101;
	int rc = netaddr_client(&p, xff, xff ? strlen(xff) : 0, t, 3, &c);
	netaddr_format(&c, out, NETADDR_STRLEN);
	return rc;
}

static int test_client(void)
{
	char out[NETADDR_STRLEN];
	/* An untrusted peer is the client, whatever it claims. */
	REQUIRE(client("203.0.113.9", "1.1.1.1", out) == 0 && str_eq(out, "203.0.113.9"));
	/* Behind one proxy: the rightmost entry. */
	REQUIRE(client("10.0.0.2", "198.51.100.7", out) == 0 && str_eq(out, "198.51.100.7"));
	/* A client forging entries on the left gets its own address, added by the proxy. */
	REQUIRE(client("10.0.0.2", "6.6.6.6, 198.51.100.7", out) == 0 &&
		str_eq(out, "198.51.100.7"));
	/* Trusted hops are skipped; several headers joined by ','. */
	REQUIRE(client("127.0.0.1", "198.51.100.7,10.1.1.1 , fd00::5", out) == 0 &&
		str_eq(out, "198.51.100.7"));
	REQUIRE(client("10.0.0.2", "2001:db8::7", out) == 0 && str_eq(out, "2001:db8::7"));
	REQUIRE(client("10.0.0.2", "[2001:db8::7]", out) == 0 && str_eq(out, "2001:db8::7"));
	/* No header, or only trusted entries: the last good address seen. */
	REQUIRE(client("10.0.0.2", NULL, out) == 0 && str_eq(out, "10.0.0.2"));
	REQUIRE(client("10.0.0.2", "", out) == 0 && str_eq(out, "10.0.0.2"));
	REQUIRE(client("10.0.0.2", "10.9.9.9, 10.8.8.8", out) == 0 && str_eq(out, "10.9.9.9"));
	/* A malformed entry stops the walk at the last good address. */
	REQUIRE(client("10.0.0.2", "198.51.100.7, unknown", out) == -EINVAL &&
		str_eq(out, "10.0.0.2"));
	REQUIRE(client("10.0.0.2", "198.51.100.7:443", out) == -EINVAL && str_eq(out, "10.0.0.2"));
	REQUIRE(client("10.0.0.2", "6.6.6.6, garbage, 10.3.3.3", out) == -EINVAL &&
		str_eq(out, "10.3.3.3"));
	REQUIRE(client("10.0.0.2", "6.6.6.6,,10.3.3.3", out) == -EINVAL && str_eq(out, "10.3.3.3"));
	REQUIRE(client("10.0.0.2", "1.1.1.1,", out) == -EINVAL && str_eq(out, "10.0.0.2"));
	/* At most 32 entries are looked at. */
	char xff[1200] = "6.6.6.6";
	for (int i = 0; i < 40; i++)
		strcat(xff, ", 10.0.0.1");
	REQUIRE(client("10.0.0.2", xff, out) == 0 && str_eq(out, "10.0.0.1"));
	strcpy(xff, "6.6.6.6");
	for (int i = 0; i < 31; i++)
		strcat(xff, ", 10.0.0.1");
	REQUIRE(client("10.0.0.2", xff, out) == 0 && str_eq(out, "6.6.6.6"));
	/* The length bounds the reading. */
	struct netaddr_cidr t;
	struct netaddr p, c;
	REQUIRE(cidr("10.0.0.0/8", &t, NULL) == 0 && parse("10.0.0.2", &p) == 0);
	REQUIRE(netaddr_client(&p, "1.2.3.4, 5.6.7.8", 7, &t, 1, &c) == 0);
	netaddr_format(&c, out, sizeof(out));
	REQUIRE(str_eq(out, "1.2.3.4"));
	return 0;
}

/* netaddr_proto_https over a C string. */
static bool https(const char *s)
{
	return netaddr_proto_https(s, strlen(s));
}

static int test_proto(void)
{
	REQUIRE(https("https") && https("HTTPS") && https(" https ") && https("http, https"));
	REQUIRE(!https("http") && !https("https, http") && !https("") && !https("httpsx"));
	REQUIRE(!https("https,") && !https("ws"));
	REQUIRE(!netaddr_proto_https(NULL, 0));
	REQUIRE(!netaddr_proto_https("https", 4));
	return 0;
}

static int test_format_small(void)
{
	struct netaddr a;
	char buf[6];
	REQUIRE(parse("192.168.100.200", &a) == 0);
	netaddr_format(&a, buf, sizeof(buf));
	REQUIRE(str_eq(buf, "192.1"));
	return 0;
}

int main(void)
{
	RUN(test_parse_ok);
	RUN(test_parse_bad);
	RUN(test_cidr);
	RUN(test_key);
	RUN(test_client);
	RUN(test_proto);
	RUN(test_format_small);
	return check_report("netaddr");
}
