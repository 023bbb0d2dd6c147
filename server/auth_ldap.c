/*
 * auth_ldap.c — directory sign-in over LDAP with OpenLDAP's libldap
 * (auth_ldap.h), on the directory's own worker thread so that a directory
 * that is slow to answer never holds up the loop or the local sign-ins that
 * must keep working without it (break-glass). One connection per job: the
 * URL's scheme (ldaps://) or StartTLS with the server's certificate checked
 * against ca_file (or the system's CAs), network and operation timeouts of
 * timeout_ms, a simple bind as the service account, the user searched with
 * the escaped name, disabled_filter tried on the user's entry, the groups
 * read (group_attr, or a search under group_base) and mapped, and last a
 * bind as the user with the password. An empty password never reaches the
 * server: a simple bind without one is an anonymous bind, which succeeds.
 * The directory being unreachable is logged once per outage (and once when it
 * answers again); why a user is refused is logged at info, never the password.
 */
#include "auth_ldap.h"

#include <errno.h>
#include <ldap.h>
#include <stdlib.h>
#include <string.h>

#include "auth_int.h"
#include "util.h"

/* ---- the shared configuration ---- */

char *auth__ldap_dn_norm(const char *dn)
{
	char *out = NULL;
	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out, LDAP_DN_FORMAT_LDAPV3) !=
		LDAP_SUCCESS ||
	    !out) {
		return xstrdup(dn);
	}
	char *copy = xstrdup(out);
	ldap_memfree(out);
	return copy;
}

/* A deep copy of the string s, or NULL. */
static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct auth__ldap_conf *auth__ldap_conf_new(const struct config_ldap *l)
{
	if (!l)
		return NULL;
	struct auth__ldap_conf *c = xcalloc(1, sizeof(*c));
	struct config_ldap *d = xcalloc(1, sizeof(*d));
	*d = *l; /* the scalars; every pointer is replaced by a copy below */
	d->url = xstrdup(l->url);
	d->ca_file = dup_or_null(l->ca_file);
	d->bind_dn = dup_or_null(l->bind_dn);
	d->bind_password_file = dup_or_null(l->bind_password_file);
	d->bind_password = dup_or_null(l->bind_password);
	d->user_base = xstrdup(l->user_base);
	d->user_filter = xstrdup(l->user_filter);
	d->group_attr = xstrdup(l->group_attr);
	d->group_base = dup_or_null(l->group_base);
	d->group_filter = dup_or_null(l->group_filter);
	d->disabled_filter = dup_or_null(l->disabled_filter);
	d->groups = xcalloc(l->ngroups ? l->ngroups : 1, sizeof(*d->groups));
	c->group_dn = xcalloc(l->ngroups ? l->ngroups : 1, sizeof(*c->group_dn));
	for (size_t i = 0; i < l->ngroups; i++) {
		struct config_ldap_group *g = &d->groups[i];
		*g = l->groups[i];
		g->dn = xstrdup(l->groups[i].dn);
		g->services = xcalloc(g->nservices ? g->nservices : 1, sizeof(*g->services));
		for (size_t k = 0; k < g->nservices; k++)
			g->services[k] = xstrdup(l->groups[i].services[k]);
		c->group_dn[i] = auth__ldap_dn_norm(g->dn);
	}
	c->c = d;
	c->refs = 1;
	return c;
}

struct auth__ldap_conf *auth__ldap_conf_get(struct auth__ldap *x)
{
	if (!x)
		return NULL;
	pthread_mutex_lock(&x->mu);
	struct auth__ldap_conf *c = x->conf;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&x->mu);
	return c;
}

void auth__ldap_conf_unref(struct auth__ldap *x, struct auth__ldap_conf *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&x->mu);
	bool last = --c->refs == 0;
	pthread_mutex_unlock(&x->mu);
	if (!last)
		return;
	for (size_t i = 0; i < c->c->ngroups; i++)
		free(c->group_dn[i]);
	free(c->group_dn);
	config_ldap_free(c->c);
	free(c);
}

bool auth__ldap_enabled(struct auth *a)
{
	struct auth__ldap *x = a->ldap;
	if (!x)
		return false;
	pthread_mutex_lock(&x->mu);
	bool on = x->conf != NULL;
	pthread_mutex_unlock(&x->mu);
	return on;
}

/* Notes the directory's state: logs the first failure of an outage (with libldap's reason)
 *  and the first success after one. */
static void note_state(struct auth *a, const struct auth__ldap_conf *c, bool up, const char *why)
{
	struct auth__ldap *x = a->ldap;
	pthread_mutex_lock(&x->mu);
	bool changed = x->down == up;
	x->down = !up;
	pthread_mutex_unlock(&x->mu);
	if (changed && up)
		log_info("directory %s answers again", c->c->url);
	else if (changed)
		log_warn("directory %s cannot be reached: %s (directory sign-ins get 503 until it "
			 "answers; local users still sign in)",
			 c->c->url, why);
}

/* ---- LDAP ---- */

/* Whether an LDAP result code means the server could not be reached or used. */
static bool unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
	       rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED ||
	       rc == LDAP_LOCAL_ERROR || rc == LDAP_NO_MEMORY;
}

/* libldap's diagnostic for the last operation on ld, else the result code's text. */
static void diag_of(LDAP *ld, int rc, char *buf, size_t len)
{
	char *msg = NULL;
	if (ld)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg);
	snprintf(buf, len, "%s%s%s", ldap_err2string(rc), msg && *msg ? ": " : "",
		 msg && *msg ? msg : "");
	ldap_memfree(msg);
	for (char *p = buf; *p; p++) /* the server's words: one line in the log */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Simple bind as dn with password; returns the LDAP result code. */
static int bind_as(LDAP *ld, const char *dn, const char *password)
{
	struct berval cred = {.bv_len = strlen(password), .bv_val = (char *)password};
	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* Opens a connection as c says and binds as the service account (or stays anonymous).
 *  Returns 0 and *out, or -EHOSTDOWN with why filled (and *out NULL). */
static int conn_open(const struct auth__ldap_conf *c, LDAP **out, char *why, size_t whylen)
{
	const struct config_ldap *l = c->c;
	struct timeval tv = {.tv_sec = l->timeout_ms / 1000,
			     .tv_usec = l->timeout_ms % 1000 * 1000};
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc;
	LDAP *ld = NULL;
	*out = NULL;
	if ((rc = ldap_initialize(&ld, l->url)) != LDAP_SUCCESS) {
		diag_of(NULL, rc, why, whylen);
		return -EHOSTDOWN;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
	if (l->ca_file)
		ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, l->ca_file);
	/* the options above take effect in a TLS context of this connection's own */
	rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	if (rc == LDAP_SUCCESS && l->starttls)
		rc = ldap_start_tls_s(ld, NULL, NULL);
	if (rc == LDAP_SUCCESS && l->bind_dn)
		rc = bind_as(ld, l->bind_dn, l->bind_password);
	if (rc != LDAP_SUCCESS) {
		diag_of(ld, rc, why, whylen);
		if (rc == LDAP_INVALID_CREDENTIALS)
			snprintf(why, whylen,
				 "the service account %s was refused (bind_dn, "
				 "bind_password_file)",
				 l->bind_dn);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return -EHOSTDOWN;
	}
	*out = ld;
	return 0;
}

/* Searches base for filter, asking for attrs; *res is the result (free with ldap_msgfree)
 *  even on failure. Returns the LDAP result code. */
static int search(LDAP *ld, const struct config_ldap *l, const char *base, int scope,
		  const char *filter, char **attrs, int sizelimit, LDAPMessage **res)
{
	struct timeval tv = {.tv_sec = l->timeout_ms / 1000,
			     .tv_usec = l->timeout_ms % 1000 * 1000};
	*res = NULL;
	return ldap_search_ext_s(ld, base, scope, filter, attrs, 0, NULL, NULL, &tv, sizelimit,
				 res);
}

/* The user's groups as normalised DNs into *out (n in *n): the values of group_attr in the
 *  user's entry, or the DNs a search under group_base finds. Returns an LDAP result code. */
static int read_groups(LDAP *ld, const struct config_ldap *l, LDAPMessage *entry, const char *dn,
		       char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!l->group_base) {
		struct berval **v = ldap_get_values_len(ld, entry, l->group_attr);
		for (size_t i = 0; v && v[i]; i++) {
			char *s = xstrndup(v[i]->bv_val, v[i]->bv_len);
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = auth__ldap_dn_norm(s);
			free(s);
		}
		ldap_value_free_len(v);
		return LDAP_SUCCESS;
	}
	char *filter = auth__ldap_expand(l->group_filter, "{dn}", dn);
	char *attrs[] = {LDAP_NO_ATTRS, NULL};
	LDAPMessage *res = NULL;
	int rc = search(ld, l, l->group_base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, &res);
	free(filter);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
		for (LDAPMessage *e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
			char *gdn = ldap_get_dn(ld, e);
			if (!gdn)
				continue;
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = auth__ldap_dn_norm(gdn);
			ldap_memfree(gdn);
		}
		rc = LDAP_SUCCESS;
	}
	ldap_msgfree(res);
	return rc;
}

/* Frees n strings and their array. */
static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Looks name up (ld bound as the service): its DN into *dn (owned by the caller), whether
 *  it is allowed, and its role and services into u. Returns 0 (allowed), -ENOENT (refused,
 *  *why says why), or -EHOSTDOWN/-EIO with why filled. */
static int lookup(LDAP *ld, const struct auth__ldap_conf *c, const char *name, char **dn,
		  struct auth_user *u, const char **why, char *diag, size_t dlen)
{
	const struct config_ldap *l = c->c;
	char *filter = auth__ldap_expand(l->user_filter, "{name}", name);
	char *attrs[] = {l->group_base ? LDAP_NO_ATTRS : l->group_attr, NULL};
	char **groups = NULL;
	size_t ngroups = 0;
	LDAPMessage *res = NULL, *dres = NULL;
	int rc = search(ld, l, l->user_base, LDAP_SCOPE_SUBTREE, filter, attrs, 2, &res), out;
	free(filter);
	*dn = NULL;
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
		goto ldap_fail;
	int n = ldap_count_entries(ld, res);
	if (n != 1 || rc == LDAP_SIZELIMIT_EXCEEDED) {
		*why = n == 0 ? "no such user in the directory"
			      : "more than one directory entry matches (user_filter)";
		out = -ENOENT;
		goto done;
	}
	LDAPMessage *e = ldap_first_entry(ld, res);
	char *d = ldap_get_dn(ld, e);
	if (!d || !*d) { /* a bind with an empty DN would be anonymous */
		ldap_memfree(d);
		*why = "the directory entry has no DN";
		out = -ENOENT;
		goto done;
	}
	*dn = xstrdup(d);
	ldap_memfree(d);
	if (l->disabled_filter) {
		char *none[] = {LDAP_NO_ATTRS, NULL};
		rc = search(ld, l, *dn, LDAP_SCOPE_BASE, l->disabled_filter, none, 1, &dres);
		if (rc == LDAP_SUCCESS && ldap_count_entries(ld, dres) > 0) {
			*why = "disabled in the directory (disabled_filter)";
			out = -ENOENT;
			goto done;
		}
		if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT)
			goto ldap_fail;
	}
	if ((rc = read_groups(ld, l, e, *dn, &groups, &ngroups)) != LDAP_SUCCESS)
		goto ldap_fail;
	out = auth__ldap_map(c, groups, ngroups, u);
	if (out < 0)
		*why = "in none of the groups of auth.ldap.groups";
	goto done;
ldap_fail:
	diag_of(ld, rc, diag, dlen);
	out = unreachable(rc) ? -EHOSTDOWN : -EIO;
done:
	strings_free(groups, ngroups);
	ldap_msgfree(res);
	ldap_msgfree(dres);
	return out;
}

/* Lowercases name in place; returns whether it is then a torg user name. */
static bool name_fold(char *name)
{
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return auth__name_valid(name);
}

/* The LDAP part of a directory sign-in (see auth__ldap_login): 0, -EACCES with *why,
 *  -EHOSTDOWN or -EIO with diag. */
static int login_ldap(const struct auth__ldap_conf *c, const char *name, const char *password,
		      struct auth_user *u, const char **why, char *diag, size_t dlen)
{
	LDAP *ld = NULL;
	char *dn = NULL;
	int rc = conn_open(c, &ld, diag, dlen);
	if (rc < 0)
		return rc;
	rc = lookup(ld, c, name, &dn, u, why, diag, dlen);
	if (rc == 0 || rc == -ENOENT) {
		/* the password is checked for a refused user too: the log then says why */
		int b = dn ? bind_as(ld, dn, password) : LDAP_INVALID_CREDENTIALS;
		if (b == LDAP_INVALID_CREDENTIALS) {
			*why = dn ? "wrong password" : *why;
			rc = -EACCES;
		} else if (b != LDAP_SUCCESS) {
			diag_of(ld, b, diag, dlen);
			rc = unreachable(b) ? -EHOSTDOWN : -EACCES;
			*why = "the directory refused the bind";
		} else if (rc == -ENOENT) {
			rc = -EACCES;
		}
	}
	free(dn);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}

int auth__ldap_login(struct auth *a, char *name, const char *password, struct auth_user **out)
{
	struct auth__ldap_conf *c = auth__ldap_conf_get(a->ldap);
	struct auth_user *u = xcalloc(1, sizeof(*u));
	const char *why = "refused";
	char diag[256] = "";
	int rc = -EACCES;
	*out = NULL;
	if (!c) {
		why = "no directory is configured";
	} else if (!name_fold(name)) {
		why = "not a user name (1 to 64 of a-z 0-9 . _ -)";
	} else if (!*password) {
		why = "empty password (an anonymous bind is never a sign-in)";
	} else {
		rc = login_ldap(c, name, password, u, &why, diag, sizeof(diag));
	}
	if (rc == -EHOSTDOWN || rc == -EIO) {
		if (rc == -EHOSTDOWN)
			note_state(a, c, false, diag);
		else
			log_warn("directory %s: sign-in of %s failed: %s", c->c->url, name, diag);
	} else if (c) {
		note_state(a, c, true, NULL);
	}
	if (rc == -EACCES)
		log_info("directory sign-in of %s refused: %s",
			 auth__name_valid(name) ? name : "(bad name)", why);
	if (rc == 0) {
		snprintf(u->name, sizeof(u->name), "%s", name);
		u->directory = true;
		rc = auth__directory_put(a, u);
		if (rc == -EACCES)
			log_info("directory sign-in of %s refused: a local user has that name, or "
				 "torg has it disabled",
				 name);
	}
	if (rc == 0)
		*out = u;
	else
		auth__user_free(u);
	auth__ldap_conf_unref(a->ldap, c);
	return rc;
}

int auth__ldap_recheck(struct auth *a, struct auth__ldap_conf *c, char *const *names, size_t n,
		       enum auth__ldap_verdict *verdicts, struct auth_user *users, const char **why)
{
	LDAP *ld = NULL;
	char diag[256] = "";
	int rc = conn_open(c, &ld, diag, sizeof(diag));
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *dn = NULL;
		why[i] = NULL;
		int r = lookup(ld, c, names[i], &dn, &users[i], &why[i], diag, sizeof(diag));
		free(dn);
		if (r == 0 || r == -ENOENT)
			verdicts[i] = r == 0 ? AUTH__LDAP_OK : AUTH__LDAP_GONE;
		else
			rc = r;
	}
	if (ld)
		ldap_unbind_ext_s(ld, NULL, NULL);
	if (rc == -EHOSTDOWN)
		note_state(a, c, false, diag);
	else if (rc < 0)
		log_warn("directory %s: the check of directory sessions failed: %s", c->c->url,
			 diag);
	else
		note_state(a, c, true, NULL);
	return rc;
}
