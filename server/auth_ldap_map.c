/*
 * auth_ldap_map.c — the pure half of directory sign-in (auth_ldap.h): values
 * escaped for search filters as RFC 4515 says, so that a typed name can
 * never widen a filter, the configured filters with their placeholders
 * filled in, and a user's groups mapped to a torg role and services. No
 * LDAP, no I/O: unit-tested on its own.
 */
#include "auth_ldap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth_int.h"
#include "util.h"

char *auth__ldap_escape(const char *value)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(value);
	char *out = xmalloc(3 * n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f) {
			*o++ = '\\';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

char *auth__ldap_expand(const char *filter, const char *key, const char *value)
{
	char *esc = auth__ldap_escape(value);
	size_t klen = strlen(key), elen = strlen(esc), n = 0;
	for (const char *p = strstr(filter, key); p; p = strstr(p + klen, key))
		n++;
	char *out = xmalloc(strlen(filter) + n * elen + 1), *o = out;
	for (const char *p = filter;;) {
		const char *q = strstr(p, key);
		size_t len = q ? (size_t)(q - p) : strlen(p);
		memcpy(o, p, len);
		o += len;
		if (!q)
			break;
		memcpy(o, esc, elen);
		o += elen;
		p = q + klen;
	}
	*o = '\0';
	free(esc);
	return out;
}

/* Adds the group's services to u's (no duplicates); a group without services means all. */
static void services_add(struct auth_user *u, const struct config_ldap_group *g, bool *all)
{
	if (g->nservices == 0)
		*all = true;
	for (size_t k = 0; k < g->nservices && !*all; k++) {
		bool have = false;
		for (size_t j = 0; j < u->nservices && !have; j++)
			have = strcmp(u->services[j], g->services[k]) == 0;
		if (have)
			continue;
		u->services = xrealloc(u->services, (u->nservices + 1) * sizeof(*u->services));
		u->services[u->nservices++] = xstrdup(g->services[k]);
	}
}

int auth__ldap_map(const struct auth__ldap_conf *c, char *const *groups, size_t ngroups,
		   struct auth_user *u)
{
	bool any = false, all = false;
	int role = 0;
	for (size_t i = 0; i < c->c->ngroups; i++) {
		bool member = false;
		for (size_t k = 0; k < ngroups && !member; k++)
			member = strcasecmp(c->group_dn[i], groups[k]) == 0;
		if (!member)
			continue;
		any = true;
		if (c->c->groups[i].role > role)
			role = c->c->groups[i].role;
		services_add(u, &c->c->groups[i], &all);
	}
	if (all || !any) {
		for (size_t j = 0; j < u->nservices; j++)
			free(u->services[j]);
		free(u->services);
		u->services = NULL;
		u->nservices = 0;
	}
	if (!any)
		return -ENOENT;
	u->role = (enum auth_role)role;
	return 0;
}
