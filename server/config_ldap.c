/*
 * config_ldap.c — the optional top-level "auth" section of the floor's
 * configuration, whose one block "ldap" sets up sign-in through a directory
 * (config_ldap.h, config/README.md): the server's URL and TLS, the service
 * account, where users and their groups are found, and which groups map to
 * which torg role and services. Everything is checked here, before torgd
 * talks to any server: URLs, DNs, filters (balanced, with their
 * placeholders), attribute names, files (readable), services (known). The
 * service account's password is read from its file during the parse; no
 * message ever shows what the file holds.
 */
#include "config_ldap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_json.h"
#include "util.h"

#define LDAP_USER_FILTER_DEFAULT  "(&(objectClass=person)(uid={name}))"
#define LDAP_GROUP_FILTER_DEFAULT "(member={dn})"

/* Whether s is "ldap://" or "ldaps://", a host name, IPv4 or [IPv6] address, an optional
 * port 1..65535 and an optional "/"; sets *ldaps. */
static bool url_ok(const char *s, bool *ldaps)
{
	const char *h;
	if (strncmp(s, "ldap://", 7) == 0)
		h = s + 7, *ldaps = false;
	else if (strncmp(s, "ldaps://", 8) == 0)
		h = s + 8, *ldaps = true;
	else
		return false;
	size_t n = *h == '[' ? strspn(h + 1, "0123456789abcdefABCDEF:.") + 2
			     : strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789.-");
	if (n == 0 || (*h == '[' && h[n - 1] != ']') || n > 253)
		return false;
	h += n;
	if (*h == ':') {
		size_t d = strspn(h + 1, "0123456789");
		long port = d && d <= 5 ? strtol(h + 1, NULL, 10) : 0;
		if (port < 1 || port > 65535)
			return false;
		h += 1 + d;
	}
	return *h == '\0' || strcmp(h, "/") == 0;
}

/* Whether s is printable text of 1..CONFIG_LDAP_DN_MAX bytes (no control characters). */
static bool text_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > CONFIG_LDAP_DN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Checks a DN at path: printable, bounded, with at least one "attr=value". */
static int check_dn(struct config__parse *p, const char *path, const char *s)
{
	if (!text_ok(s))
		return config__fail(p, path, "must be 1 to %d printable bytes", CONFIG_LDAP_DN_MAX);
	if (!strchr(s, '=') || *s == '=')
		return config__fail(p, path, "%s is not a DN like \"ou=people,dc=example,dc=org\"",
				    config__quote(p, s));
	return 0;
}

/* Checks a search filter at path: printable, in parentheses that balance (escaped ones are
 * \28 and \29), and with placeholder (e.g. "{name}") where one is wanted (else none). */
static int check_filter(struct config__parse *p, const char *path, const char *s,
			const char *placeholder)
{
	int depth = 0;
	if (!text_ok(s))
		return config__fail(p, path, "must be 1 to %d printable bytes", CONFIG_LDAP_DN_MAX);
	for (const char *c = s; *c; c++) {
		depth += *c == '(' ? 1 : *c == ')' ? -1 : 0;
		if (depth < 0 || (depth == 0 && c[1] != '\0'))
			break;
	}
	if (s[0] != '(' || depth != 0 || s[strlen(s) - 1] != ')')
		return config__fail(p, path,
				    "%s is not one filter in balanced parentheses, like "
				    "\"(uid={name})\"",
				    config__quote(p, s));
	for (const char *c = strchr(s, '{'); c; c = strchr(c + 1, '{'))
		if (!placeholder || strncmp(c, placeholder, strlen(placeholder)) != 0)
			return config__fail(p, path, "%s: only %s may stand in braces",
					    config__quote(p, s),
					    placeholder ? placeholder : "nothing");
	if (placeholder && !strstr(s, placeholder))
		return config__fail(p, path, "%s must contain %s", config__quote(p, s),
				    placeholder);
	return 0;
}

/* Whether s is an attribute name (a letter, then letters, digits, '-') or an OID. */
static bool attr_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return false;
	if (s[0] >= '0' && s[0] <= '9')
		return strspn(s, "0123456789.") == n && s[n - 1] != '.' && !strstr(s, "..");
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n &&
	       s[0] != '-';
}

/* Fails at path unless the file exists, is a regular file and can be read. */
static int check_readable(struct config__parse *p, const char *path, const char *file)
{
	struct stat st;
	int fd;
	if (!*file)
		return config__fail(p, path, "empty");
	if (stat(file, &st) != 0)
		return config__fail(p, path, "cannot read %s: %s", config__quote(p, file),
				    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return config__fail(p, path, "%s is not a regular file", config__quote(p, file));
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return config__fail(p, path, "cannot read %s: %s", config__quote(p, file),
				    strerror(errno));
	close(fd);
	return 0;
}

/* Reads the service password from file: one line (a final newline is dropped), 1 to
 * CONFIG_LDAP_PASS_MAX bytes. Messages never show the file's content. */
static int read_password(struct config__parse *p, const char *path, const char *file, char **out)
{
	char buf[CONFIG_LDAP_PASS_MAX + 3];
	ssize_t n = 0, r;
	int fd;
	if (check_readable(p, path, file) < 0)
		return -EINVAL;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return config__fail(p, path, "cannot read %s: %s", config__quote(p, file),
				    strerror(errno));
	while ((size_t)n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - (size_t)n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return config__fail(p, path, "cannot read %s: %s", config__quote(p, file),
					    strerror(e));
		}
		n += r;
	}
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	bool one_line =
	    memchr(buf, '\n', (size_t)n) == NULL && memchr(buf, '\0', (size_t)n) == NULL;
	if (n < 1 || n > CONFIG_LDAP_PASS_MAX || !one_line) {
		explicit_bzero(buf, sizeof(buf));
		return config__fail(p, path, "%s must hold one line of 1 to %d bytes: the password",
				    config__quote(p, file), CONFIG_LDAP_PASS_MAX);
	}
	*out = xstrndup(buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* Reads the string at path.key (printable, bounded) into a fresh copy in *out (kept when
 * absent). */
static int get_text(struct config__parse *p, const char *path, json_t *o, const char *key,
		    bool required, char **out)
{
	char sub[CONFIG__PATH_LEN];
	const char *s = NULL;
	if (config__get_string(p, path, o, key, required, &s) < 0)
		return -EINVAL;
	if (!s)
		return 0;
	config__join(sub, path, key);
	if (!text_ok(s))
		return config__fail(p, sub, "must be 1 to %d printable bytes", CONFIG_LDAP_DN_MAX);
	free(*out);
	*out = xstrdup(s);
	return 0;
}

/* Parses groups[i].services at sub (an array) into g; goes on past a bad entry. */
static int parse_group_services(struct config__parse *p, const char *sub, json_t *a,
				struct config_ldap_group *g)
{
	char item[CONFIG__PATH_LEN];
	json_t *t;
	size_t k;
	int bad = 0;
	if (json_array_size(a) == 0 || json_array_size(a) > CONFIG_MAX_SERVICES)
		return config__fail(p, sub, "must list 1 to %d services (leave it out for all)",
				    CONFIG_MAX_SERVICES);
	g->services = xcalloc(json_array_size(a), sizeof(*g->services));
	json_array_foreach(a, k, t)
	{
		const char *id = json_string_value(t);
		bool twice = false;
		config__join_index(item, sub, k);
		for (size_t j = 0; id && j < g->nservices; j++)
			twice = twice || strcmp(g->services[j], id) == 0;
		if (!id)
			bad |= config__fail(p, item, "expected a service id, got %s",
					    config__type_name(t));
		else if (config_service_index(p->cfg, id) < 0)
			bad |= config__fail(p, item, "unknown service %s", config__quote(p, id));
		else if (twice)
			bad |= config__fail(p, item, "%s is listed twice", config__quote(p, id));
		else
			g->services[g->nservices++] = xstrdup(id);
	}
	return bad ? -EINVAL : 0;
}

/* Parses groups[i] at path into l->groups[i]; DNs must differ from earlier groups' (case
 * aside). Goes on past an error to the group's other keys. */
static int parse_group(struct config__parse *p, const char *path, json_t *o, struct config_ldap *l,
		       size_t i)
{
	static const char *const keys[] = {"dn", "role", "services", NULL};
	static const char *const roles[] = {"counter", "manager", "admin", NULL};
	struct config_ldap_group *g = &l->groups[i];
	char sub[CONFIG__PATH_LEN];
	const char *role = NULL;
	json_t *a = NULL;
	int bad = 0;
	if (!json_is_object(o))
		return config__fail(p, path, "expected an object, got %s", config__type_name(o));
	config__join(sub, path, "dn");
	bad |= config__check_keys(p, path, o, keys);
	if (get_text(p, path, o, "dn", true, &g->dn) < 0 || check_dn(p, sub, g->dn) < 0)
		bad = -EINVAL;
	for (size_t j = 0; g->dn && j < i; j++)
		if (l->groups[j].dn && strcasecmp(l->groups[j].dn, g->dn) == 0)
			bad |= config__fail(p, sub, "%s is already used by auth.ldap.groups[%zu]",
					    config__quote(p, g->dn), j);
	config__join(sub, path, "role");
	if (config__get_string(p, path, o, "role", true, &role) < 0)
		bad = -EINVAL;
	int r = role ? config__get_enum(p, sub, role, roles) : -EINVAL;
	g->role = r < 0 ? 0 : r + 1;
	bad |= r < 0 ? -EINVAL : 0;
	config__join(sub, path, "services");
	if (config__get_typed(p, path, o, "services", JSON_ARRAY, "an array of service ids", false,
			      &a) < 0 ||
	    (a && parse_group_services(p, sub, a, g) < 0))
		bad = -EINVAL;
	return bad ? -EINVAL : 0;
}

/* Parses the URL and TLS keys of auth.ldap. */
static int parse_url(struct config__parse *p, json_t *o, struct config_ldap *l)
{
	const char *P = "auth.ldap";
	int bad = 0;
	if (get_text(p, P, o, "url", true, &l->url) < 0)
		bad = -EINVAL;
	else if (!url_ok(l->url, &l->ldaps))
		bad = config__fail(p, "auth.ldap.url",
				   "%s is not \"ldap://host[:port]\" or \"ldaps://host[:port]\"",
				   config__quote(p, l->url));
	l->starttls = !l->ldaps;
	if (config__get_bool(p, P, o, "starttls", &l->starttls) < 0)
		bad = -EINVAL;
	else if (l->ldaps && l->starttls)
		bad = config__fail(p, "auth.ldap.starttls",
				   "cannot be used with ldaps:// (that connection is TLS already)");
	if (get_text(p, P, o, "ca_file", false, &l->ca_file) < 0 ||
	    (l->ca_file && check_readable(p, "auth.ldap.ca_file", l->ca_file) < 0))
		bad = -EINVAL;
	return bad;
}

/* Parses the service account: bind_dn and the password from bind_password_file. */
static int parse_bind(struct config__parse *p, json_t *o, struct config_ldap *l)
{
	const char *P = "auth.ldap";
	int bad = 0;
	/* Active Directory also binds with "svc@domain" or "DOMAIN\\svc" */
	if (get_text(p, P, o, "bind_dn", false, &l->bind_dn) < 0 ||
	    (l->bind_dn && !strpbrk(l->bind_dn, "@\\") &&
	     check_dn(p, "auth.ldap.bind_dn", l->bind_dn) < 0))
		bad = -EINVAL;
	if (get_text(p, P, o, "bind_password_file", false, &l->bind_password_file) < 0)
		return -EINVAL;
	if (!json_object_get(o, "bind_dn") != !l->bind_password_file)
		return config__fail(
		    p, l->bind_password_file ? "auth.ldap.bind_dn" : "auth.ldap.bind_password_file",
		    "bind_dn and bind_password_file go together (leave both out for "
		    "an anonymous search)");
	if (l->bind_password_file && read_password(p, "auth.ldap.bind_password_file",
						   l->bind_password_file, &l->bind_password) < 0)
		bad = -EINVAL;
	return bad;
}

/* Parses where users are found and when they are disabled. */
static int parse_users(struct config__parse *p, json_t *o, struct config_ldap *l)
{
	const char *P = "auth.ldap";
	int bad = 0;
	if (get_text(p, P, o, "user_base", true, &l->user_base) < 0 ||
	    check_dn(p, "auth.ldap.user_base", l->user_base) < 0)
		bad = -EINVAL;
	if (get_text(p, P, o, "user_filter", false, &l->user_filter) < 0 ||
	    check_filter(p, "auth.ldap.user_filter", l->user_filter, "{name}") < 0)
		bad = -EINVAL;
	if (get_text(p, P, o, "disabled_filter", false, &l->disabled_filter) < 0 ||
	    (l->disabled_filter &&
	     check_filter(p, "auth.ldap.disabled_filter", l->disabled_filter, NULL) < 0))
		bad = -EINVAL;
	return bad;
}

/* Parses how a user's groups are found: group_attr, or group_base and group_filter. */
static int parse_group_search(struct config__parse *p, json_t *o, struct config_ldap *l)
{
	const char *P = "auth.ldap";
	int bad = 0;
	if (get_text(p, P, o, "group_base", false, &l->group_base) < 0 ||
	    (l->group_base && check_dn(p, "auth.ldap.group_base", l->group_base) < 0))
		bad = -EINVAL;
	if (json_object_get(o, "group_attr") && json_object_get(o, "group_base"))
		return config__fail(p, "auth.ldap.group_attr",
				    "use group_attr (the user's groups) or group_base (a group "
				    "search), not both");
	if (get_text(p, P, o, "group_attr", false, &l->group_attr) < 0)
		bad = -EINVAL;
	else if (!attr_ok(l->group_attr))
		bad = config__fail(p, "auth.ldap.group_attr", "%s is not an attribute name",
				   config__quote(p, l->group_attr));
	if (get_text(p, P, o, "group_filter", false, &l->group_filter) < 0)
		return -EINVAL;
	if (l->group_filter && !json_object_get(o, "group_base"))
		return config__fail(p, "auth.ldap.group_filter", "needs group_base");
	if (json_object_get(o, "group_base") && !l->group_filter)
		l->group_filter = xstrdup(LDAP_GROUP_FILTER_DEFAULT);
	if (l->group_filter &&
	    check_filter(p, "auth.ldap.group_filter", l->group_filter, "{dn}") < 0)
		bad = -EINVAL;
	return bad;
}

/* Parses auth.ldap (an object) into a new *out; every part is checked, whatever another
 * part's errors. */
static int parse_ldap(struct config__parse *p, json_t *o, struct config_ldap **out)
{
	static const char *const keys[] = {
	    "url",	 "starttls",	"ca_file",    "bind_dn",	 "bind_password_file",
	    "user_base", "user_filter", "group_attr", "group_base",	 "group_filter",
	    "groups",	 "timeout_ms",	"recheck_s",  "disabled_filter", NULL};
	char sub[CONFIG__PATH_LEN];
	struct config_ldap *l = xcalloc(1, sizeof(*l));
	json_t *a = NULL, *g;
	size_t i;
	int bad = 0;
	*out = l; /* owned by the config from here on, whatever fails */
	l->user_filter = xstrdup(LDAP_USER_FILTER_DEFAULT);
	l->group_attr = xstrdup("memberOf");
	l->timeout_ms = 3000;
	l->recheck_s = 300;
	bad |= config__check_keys(p, "auth.ldap", o, keys);
	bad |= parse_url(p, o, l);
	bad |= parse_bind(p, o, l);
	bad |= parse_users(p, o, l);
	bad |= parse_group_search(p, o, l);
	bad |= config__get_int(p, "auth.ldap", o, "timeout_ms", 100, 60000, &l->timeout_ms);
	bad |= config__get_int(p, "auth.ldap", o, "recheck_s", 1, 86400, &l->recheck_s);
	if (config__get_typed(p, "auth.ldap", o, "groups", JSON_ARRAY, "an array", true, &a) < 0)
		return -EINVAL;
	if (json_array_size(a) == 0 || json_array_size(a) > CONFIG_LDAP_MAX_GROUPS)
		return config__fail(p, "auth.ldap.groups",
				    "must list 1 to %d groups (nobody could sign in without one)",
				    CONFIG_LDAP_MAX_GROUPS);
	l->groups = xcalloc(json_array_size(a), sizeof(*l->groups));
	json_array_foreach(a, i, g)
	{
		config__join_index(sub, "auth.ldap.groups", i);
		l->ngroups = i + 1;
		bad |= parse_group(p, sub, g, l, i);
	}
	return bad ? -EINVAL : 0;
}

int config__parse_auth(struct config__parse *p, json_t *root)
{
	static const char *const keys[] = {"ldap", NULL};
	json_t *o, *l;
	if (config__get_typed(p, "", root, "auth", JSON_OBJECT, "an object", false, &o) < 0)
		return -EINVAL;
	if (!o)
		return 0;
	if (config__check_keys(p, "auth", o, keys) < 0 ||
	    config__get_typed(p, "auth", o, "ldap", JSON_OBJECT, "an object", false, &l) < 0)
		return -EINVAL;
	return l ? parse_ldap(p, l, &p->cfg->ldap) : 0;
}

void config_ldap_free(struct config_ldap *l)
{
	if (!l)
		return;
	free(l->url);
	free(l->ca_file);
	free(l->bind_dn);
	free(l->bind_password_file);
	if (l->bind_password)
		explicit_bzero(l->bind_password, strlen(l->bind_password));
	free(l->bind_password);
	free(l->user_base);
	free(l->user_filter);
	free(l->group_attr);
	free(l->group_base);
	free(l->group_filter);
	free(l->disabled_filter);
	for (size_t i = 0; i < l->ngroups; i++) {
		free(l->groups[i].dn);
		for (size_t k = 0; k < l->groups[i].nservices; k++)
			free(l->groups[i].services[k]);
		free(l->groups[i].services);
	}
	free(l->groups);
	free(l);
}
