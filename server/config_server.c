/*
 * config_server.c — the "server" section of the floor's configuration (see
 * config/README.md): where torgd listens and stores, its public address, the
 * origins it trusts for browser requests, the reverse proxies whose
 * X-Forwarded-For it believes, the connection limits, and the TLS certificate
 * and key of its own port. Split from config.c, whose parse calls
 * config__parse_server() (config_json.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_json.h"
#include "http_parse.h"
#include "util.h"

/* Whether the n-byte host of a listen address is an IPv4 address, [IPv6] or localhost
 * (torgd binds addresses, never looks names up). */
static bool listen_host_ok(const char *host, size_t n)
{
	char buf[64];
	unsigned char addr[sizeof(struct in6_addr)];
	bool v6 = n >= 2 && host[0] == '[' && host[n - 1] == ']';
	if (v6) {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (!v6 && strcmp(buf, "localhost") == 0)
		return true;
	return inet_pton(v6 ? AF_INET6 : AF_INET, buf, addr) == 1;
}

#define CONFIG__ORIGIN_MAX 300

/* The origin ("scheme://host[:port]", normalised) of an http(s) URL; 0 or -EINVAL. */
static int origin_of_url(const char *url, char *out, size_t outlen)
{
	const char *host = strstr(url, "://");
	if (!host)
		return -EINVAL;
	size_t n = (size_t)(host + 3 - url) + strcspn(host + 3, "/?#");
	char buf[CONFIG__ORIGIN_MAX];
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, url, n);
	buf[n] = '\0';
	return http_origin_normalize(buf, out, outlen);
}

/* Parses the optional list of origins server.<key> into *out (normalised, xstrdup'd);
 * every entry (of the first CONFIG_MAX_ORIGINS) is checked. */
static int parse_origins(struct config__parse *p, json_t *sv, const char *key, char ***out,
			 size_t *n)
{
	size_t mark = p->nfailed;
	char path[CONFIG__PATH_LEN], sub[CONFIG__PATH_LEN];
	json_t *a;
	config__join(path, "server", key);
	config__get_typed(p, "server", sv, key, JSON_ARRAY, "an array", false, &a);
	size_t count = json_array_size(a);
	if (count > CONFIG_MAX_ORIGINS) {
		config__fail(p, path, "more than %d origins", CONFIG_MAX_ORIGINS);
		count = CONFIG_MAX_ORIGINS;
	}
	if (a)
		*out = xcalloc(count + 1, sizeof(char *));
	for (size_t i = 0; i < count; i++) {
		json_t *v = json_array_get(a, i);
		char origin[CONFIG__ORIGIN_MAX];
		config__join_index(sub, path, i);
		if (!json_is_string(v))
			config__fail(p, sub, "expected a string, got %s", config__type_name(v));
		else if (http_origin_normalize(json_string_value(v), origin, sizeof(origin)) != 0)
			config__fail(p, sub,
				     "%s is not an origin (scheme://host[:port], http or https, no "
				     "path)",
				     config__quote(p, json_string_value(v)));
		else
			(*out)[(*n)++] = xstrdup(origin);
	}
	return config__failed_since(p, mark);
}

/* Parses one entry of server.trusted_proxies at path into *out; 0 or -EINVAL. */
static int parse_proxy(struct config__parse *p, const char *path, json_t *v,
		       struct netaddr_cidr *out)
{
	if (!json_is_string(v))
		return config__fail(p, path, "expected a string, got %s", config__type_name(v));
	const char *text = json_string_value(v);
	char *why = NULL;
	if (netaddr_cidr_parse(text, strlen(text), out, &why) == 0)
		return 0;
	if (why)
		config__fail(p, path, "%s", why);
	else
		config__fail(p, path, "%s is not an IP address or CIDR block",
			     config__quote(p, text));
	free(why);
	return -EINVAL;
}

/* Parses the optional server.trusted_proxies: addresses or CIDR blocks, each checked. */
static int parse_proxies(struct config__parse *p, json_t *sv)
{
	struct config *cfg = p->cfg;
	size_t mark = p->nfailed;
	char sub[CONFIG__PATH_LEN];
	json_t *a;
	config__get_typed(p, "server", sv, "trusted_proxies", JSON_ARRAY, "an array", false, &a);
	size_t count = json_array_size(a);
	if (count > CONFIG_MAX_PROXIES) {
		config__fail(p, "server.trusted_proxies", "more than %d entries",
			     CONFIG_MAX_PROXIES);
		count = CONFIG_MAX_PROXIES;
	}
	if (a)
		cfg->trusted_proxies = xcalloc(count + 1, sizeof(*cfg->trusted_proxies));
	for (size_t i = 0; i < count; i++) {
		config__join_index(sub, "server.trusted_proxies", i);
		if (parse_proxy(p, sub, json_array_get(a, i),
				&cfg->trusted_proxies[cfg->ntrusted_proxies]) == 0)
			cfg->ntrusted_proxies++;
	}
	return config__failed_since(p, mark);
}

/* Checks that path names a regular file torgd can read now (a certificate or key is
 * read again on SIGHUP, so it must stay readable by torgd's own user). The message
 * names the whole path, unquoted as OpenSSL's are (config__quote would shorten it). */
static int readable_file(struct config__parse *p, const char *where, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return config__fail(p, where, "cannot read %s: %s", path, strerror(errno));
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!regular)
		return config__fail(p, where, "%s is not a file", path);
	return 0;
}

/* Reads server.tls.<key> as a readable file's path into *out (xstrdup'd). */
static void parse_tls_file(struct config__parse *p, json_t *tv, const char *key, char **out)
{
	char path[CONFIG__PATH_LEN];
	const char *file = NULL;
	config__join(path, "server.tls", key);
	config__get_string(p, "server.tls", tv, key, true, &file);
	if (file && !*file)
		config__fail(p, path, "empty");
	else if (file && readable_file(p, path, file) == 0)
		*out = xstrdup(file);
}

/* Parses the optional server.tls: {"cert": PEM chain file, "key": PEM key file}. Whether
 * the files hold a certificate and its key is checked when the port is made (api_tls.c). */
static int parse_tls(struct config__parse *p, json_t *sv)
{
	static const char *const keys[] = {"cert", "key", NULL};
	size_t mark = p->nfailed;
	json_t *tv;
	config__get_typed(p, "server", sv, "tls", JSON_OBJECT, "an object", false, &tv);
	if (!tv)
		return config__failed_since(p, mark);
	config__check_keys(p, "server.tls", tv, keys);
	parse_tls_file(p, tv, "cert", &p->cfg->tls_cert);
	parse_tls_file(p, tv, "key", &p->cfg->tls_key);
	return config__failed_since(p, mark);
}

/* Parses server.listen into cfg->listen when it is a bindable host:port. */
static void parse_listen(struct config__parse *p, const char *listen)
{
	const char *colon = strrchr(listen, ':');
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == listen || !colon[1] || *end || port < 1 || port > 65535 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
		config__fail(p, "server.listen", "%s is not host:port", config__quote(p, listen));
	} else if (!listen_host_ok(listen, (size_t)(colon - listen))) {
		config__fail(p, "server.listen",
			     "%s: the host must be an IP address (127.0.0.1, 0.0.0.0, [::1], [::]) "
			     "or localhost",
			     config__quote(p, listen));
	} else {
		free(p->cfg->listen);
		p->cfg->listen = xstrdup(listen);
	}
}

/* Parses server.public_url (a string or null) into cfg->public_url. */
static void parse_public_url(struct config__parse *p, json_t *v)
{
	char origin[CONFIG__ORIGIN_MAX];
	if (!v || json_is_null(v))
		return;
	if (!json_is_string(v)) {
		config__fail(p, "server.public_url", "expected a string or null, got %s",
			     config__type_name(v));
		return;
	}
	const char *u = json_string_value(v);
	if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) || strlen(u) > 512 ||
	    origin_of_url(u, origin, sizeof(origin)) != 0)
		config__fail(p, "server.public_url", "%s is not an http:// or https:// URL",
			     config__quote(p, u));
	else
		p->cfg->public_url = xstrdup(u);
}

/* Parses the four connection limits and checks the ping against the idle close (only
 * when both parsed: a bad one is its own error). */
static void parse_limits(struct config__parse *p, json_t *sv)
{
	struct config *cfg = p->cfg;
	config__get_int(p, "server", sv, "max_connections", 1, 1000000, &cfg->max_connections);
	config__get_int(p, "server", sv, "max_connections_per_address", 1, 1000000,
			&cfg->max_connections_per_address);
	int ping = config__get_int(p, "server", sv, "ws_ping_s", 1, 3600, &cfg->ws_ping_s);
	int idle =
	    config__get_int(p, "server", sv, "ws_idle_close_s", 2, 7200, &cfg->ws_idle_close_s);
	if (ping == 0 && idle == 0 && cfg->ws_idle_close_s <= cfg->ws_ping_s)
		config__fail(p, "server.ws_idle_close_s",
			     "%d must be more than server.ws_ping_s (%d): a session is pinged "
			     "before it is closed",
			     cfg->ws_idle_close_s, cfg->ws_ping_s);
}

/* Parses the optional "server" section; each key is checked whatever the others hold. */
int config__parse_server(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {
	    "listen",
	    "database",
	    "synchronous",
	    "public_url",
	    "trusted_proxies",
	    "allowed_origins",
	    "frame_ancestors",
	    "max_connections",
	    "max_connections_per_address",
	    "ws_ping_s",
	    "ws_idle_close_s",
	    "tls",
	    NULL,
	};
	static const char *const syncs[] = {"normal", "full", "extra", NULL};
	struct config *cfg = p->cfg;
	size_t mark = p->nfailed;
	const char *listen = NULL, *db = NULL, *sync = NULL;
	json_t *sv;
	config__get_typed(p, "", root, "server", JSON_OBJECT, "an object", false, &sv);
	if (!sv)
		return config__failed_since(p, mark);
	config__check_keys(p, "server", sv, keys);
	config__get_string(p, "server", sv, "listen", false, &listen);
	config__get_string(p, "server", sv, "database", false, &db);
	config__get_string(p, "server", sv, "synchronous", false, &sync);
	if (listen)
		parse_listen(p, listen);
	if (db && !*db) {
		config__fail(p, "server.database", "empty");
	} else if (db) {
		free(cfg->database);
		cfg->database = xstrdup(db);
	}
	int i = sync ? config__get_enum(p, "server.synchronous", sync, syncs) : -1;
	if (i >= 0)
		cfg->synchronous = (enum config_sync)(i + 1);
	parse_public_url(p, json_object_get(sv, "public_url"));
	parse_limits(p, sv);
	parse_proxies(p, sv);
	parse_tls(p, sv);
	parse_origins(p, sv, "allowed_origins", &cfg->allowed_origins, &cfg->nallowed_origins);
	parse_origins(p, sv, "frame_ancestors", &cfg->frame_ancestors, &cfg->nframe_ancestors);
	/* server.tls as given, whether or not its files are readable: they are another error */
	if (json_is_object(json_object_get(sv, "tls")) && cfg->public_url &&
	    strncmp(cfg->public_url, "https://", 8) != 0)
		config__fail(p, "server.public_url",
			     "%s is http://, but with server.tls torgd answers only https",
			     config__quote(p, cfg->public_url));
	if (cfg->public_url) { /* the floor's public address is always an allowed origin */
		char origin[CONFIG__ORIGIN_MAX];
		if (origin_of_url(cfg->public_url, origin, sizeof(origin)) == 0) {
			cfg->allowed_origins = xrealloc(
			    cfg->allowed_origins, (cfg->nallowed_origins + 1) * sizeof(char *));
			cfg->allowed_origins[cfg->nallowed_origins++] = xstrdup(origin);
		}
	}
	return config__failed_since(p, mark);
}
