/*
 * test_auth_ldap.c — the directory's pure parts and its guards, without a
 * directory: values escaped for filters as RFC 4515 says (a typed name never
 * widens a search), placeholders filled in, groups mapped to the highest role
 * and the union of services (a group without services: all; DNs compared
 * without regard to case), and, with auth started against a port where
 * nothing listens, that an empty password or a name that is no user name is
 * refused before any LDAP call (-EACCES, not -EHOSTDOWN), that a reachable
 * name gets -EHOSTDOWN, and that a local user still signs in. The real
 * directory is tests/integration/test_ldap.py's. Ends with "auth_ldap: N
 * passed, M failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "auth_ldap.h"
#include "auth_test.h"
#include "config_ldap.h"

/* Checks that escaping value gives want. */
static void escape_is(const char *value, const char *want)
{
	char *got = auth__ldap_escape(value);
	CHECK(strcmp(got, want) == 0);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "escape(%s) = %s, want %s\n", value, got, want);
	free(got);
}

/* RFC 4515's escapes and the placeholders. */
static void test_escape(void)
{
	escape_is("ann", "ann");
	escape_is("*)(uid=*", "\\2a\\29\\28uid=\\2a");
	escape_is("a\\b", "a\\5cb");
	escape_is("x\ny", "x\\0ay");
	escape_is("", "");
	char *f = auth__ldap_expand("(&(uid={name})(cn={name}))", "{name}", "a*");
	CHECK(strcmp(f, "(&(uid=a\\2a)(cn=a\\2a))") == 0);
	free(f);
	f = auth__ldap_expand("(member={dn})", "{dn}", "uid=a(b),ou=p");
	CHECK(strcmp(f, "(member=uid=a\\28b\\29,ou=p)") == 0);
	free(f);
	f = auth__ldap_expand("(objectClass=person)", "{name}", "x");
	CHECK(strcmp(f, "(objectClass=person)") == 0);
	free(f);
}

static char *nav_svc[] = {"nav"}, *house_nav[] = {"housing", "nav"};

/* A configuration of four groups: nav counter, housing+nav counter, manager, all counter. */
static struct auth__ldap_conf *four_groups(void)
{
	struct config_ldap_group g[] = {
	    {"cn=Nav,ou=g,dc=x", 1, 1, nav_svc},
	    {"cn=house,ou=g,dc=x", 1, 2, house_nav},
	    {"cn=mgr,ou=g,dc=x", 2, 0, NULL},
	    {"cn=all,ou=g,dc=x", 1, 0, NULL},
	};
	struct config_ldap l = {.url = "ldap://127.0.0.1:1",
				.user_base = "ou=p,dc=x",
				.user_filter = "(uid={name})",
				.group_attr = "memberOf",
				.timeout_ms = 500,
				.recheck_s = 300,
				.ngroups = 4,
				.groups = g};
	return auth__ldap_conf_new(&l);
}

/* Maps the groups (normalised) and returns the status, with the user in *u. */
static int map(struct auth__ldap_conf *c, const char *g1, const char *g2, struct auth_user *u)
{
	char *v[2] = {NULL, NULL};
	size_t n = 0;
	if (g1)
		v[n++] = auth__ldap_dn_norm(g1);
	if (g2)
		v[n++] = auth__ldap_dn_norm(g2);
	memset(u, 0, sizeof(*u));
	int rc = auth__ldap_map(c, v, n, u);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	return rc;
}

/* Frees what map() put in u. */
static void user_clear(struct auth_user *u)
{
	for (size_t i = 0; i < u->nservices; i++)
		free(u->services[i]);
	free(u->services);
}

/* Highest role, services united, "all" wins, case does not matter, no group: -ENOENT. */
static void test_map(void)
{
	struct auth__ldap x = {0};
	pthread_mutex_init(&x.mu, NULL);
	struct auth__ldap_conf *c = four_groups();
	struct auth_user u;
	CHECK(map(c, "CN=nav, OU=g, DC=x", NULL, &u) == 0);
	CHECK(u.role == AUTH_ROLE_COUNTER && u.nservices == 1 && strcmp(u.services[0], "nav") == 0);
	user_clear(&u);
	CHECK(map(c, "cn=nav,ou=g,dc=x", "cn=house,ou=g,dc=x", &u) == 0);
	CHECK(u.role == AUTH_ROLE_COUNTER && u.nservices == 2);
	CHECK(strcmp(u.services[0], "nav") == 0 && strcmp(u.services[1], "housing") == 0);
	user_clear(&u);
	CHECK(map(c, "cn=nav,ou=g,dc=x", "cn=all,ou=g,dc=x", &u) == 0);
	CHECK(u.role == AUTH_ROLE_COUNTER && u.nservices == 0);
	user_clear(&u);
	CHECK(map(c, "cn=house,ou=g,dc=x", "cn=mgr,ou=g,dc=x", &u) == 0);
	CHECK(u.role == AUTH_ROLE_MANAGER);
	user_clear(&u);
	CHECK(map(c, "cn=other,ou=g,dc=x", NULL, &u) == -ENOENT);
	CHECK(u.nservices == 0);
	CHECK(map(c, NULL, NULL, &u) == -ENOENT);
	auth__ldap_conf_unref(&x, c);
	pthread_mutex_destroy(&x.mu);
}

/* Against a port nobody listens on: the guards answer before LDAP, the rest -EHOSTDOWN. */
static void test_guards(void)
{
	struct auth *a = open_auth();
	struct login_result r;
	struct auth__ldap x = {0};
	pthread_mutex_init(&x.mu, NULL);
	struct auth__ldap_conf *c = four_groups();
	add_ok(a, "local", AUTH_ROLE_ADMIN, NULL, 0, "local-password");
	auth_set_ldap(a, c->c);
	CHECK(auth_ldap_url(a) && strcmp(auth_ldap_url(a), "ldap://127.0.0.1:1") == 0);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "ann", "", &r) == -EACCES);
	CHECK(login(a, "*)(uid=*", "some-password", &r) == -EACCES);
	CHECK(login(a, "ann", "some-password", &r) == -EHOSTDOWN);
	CHECK(login(a, "local", "local-password", &r) == 0 && strcmp(r.name, "local") == 0);
	CHECK(login(a, "local", "wrong-password", &r) == -EACCES);
	auth_set_ldap(a, NULL);
	CHECK(!auth_ldap_url(a));
	CHECK(login(a, "ann", "some-password", &r) == -EACCES);
	stop_and_free(a);
	auth__ldap_conf_unref(&x, c);
	pthread_mutex_destroy(&x.mu);
}

struct many {
	int done, eagain, hostdown, other;
};

/* Counts one of many directory sign-ins by its status. */
static void many_cb(int status, const char *token, const struct auth_user *u, void *arg)
{
	struct many *m = arg;
	(void)token;
	(void)u;
	m->done++;
	if (status == -EAGAIN)
		m->eagain++;
	else if (status == -EHOSTDOWN)
		m->hostdown++;
	else
		m->other++;
}

/* A directory that takes connections and never answers: sign-ins wait timeout_ms each on
 * the directory's worker, at most AUTH__LDAP_LOGINS_MAX at a time (more: -EAGAIN at once),
 * and a local sign-in meanwhile is answered without waiting for them. */
static void test_silent_directory(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 64) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	char url[64];
	snprintf(url, sizeof(url), "ldap://127.0.0.1:%d", ntohs(sa.sin_port));
	struct auth__ldap_conf *c = four_groups();
	c->c->timeout_ms = 100;
	free(c->c->url);
	c->c->url = xstrdup(url);
	struct auth *a = open_auth();
	auth_set_ldap(a, c->c);
	CHECK(auth_start(a, &loop) == 0);
	struct many m = {0};
	for (int i = 0; i < 20; i++)
		CHECK(auth_login(a, "ann", "some-password", many_cb, &m) == 0);
	struct login_result r;
	uint64_t t0 = util_mono_ns();
	CHECK(login(a, "local", "local-password", &r) == 0);
	CHECK(util_mono_ns() - t0 < 1000000000ull); /* not behind 16 directory timeouts */
	for (int i = 0; i < 400 && m.done < 20; i++)
		run_for(10);
	CHECK(m.done == 20 && m.other == 0);
	CHECK(m.eagain >= 20 - AUTH__LDAP_LOGINS_MAX && m.hostdown >= 1);
	stop_and_free(a);
	close(fd);
	struct auth__ldap x = {0};
	pthread_mutex_init(&x.mu, NULL);
	auth__ldap_conf_unref(&x, c);
	pthread_mutex_destroy(&x.mu);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	auth_test_begin("auth-ldap");
	test_escape();
	test_map();
	test_guards();
	test_silent_directory();
	auth_test_end();
	return check_report("auth_ldap");
}
