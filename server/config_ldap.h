/*
 * config_ldap.h — the "auth.ldap" block of the floor's configuration: sign-in
 * through an LDAP or Active Directory server (see config/README.md). Parsed by
 * config_ldap.c into a struct config_ldap that struct config owns (cfg->ldap,
 * NULL when the block is absent); auth takes a copy of it. The service
 * account's password is read from bind_password_file while the configuration
 * is parsed and lives only here (wiped when freed): the JSON document keeps
 * the file's path, never the password.
 */
#ifndef TORG_CONFIG_LDAP_H
#define TORG_CONFIG_LDAP_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_LDAP_MAX_GROUPS 256
#define CONFIG_LDAP_DN_MAX     1024 /* longest DN or filter in the block, in bytes */
#define CONFIG_LDAP_PASS_MAX   1024 /* longest service password */

/* One directory group and what its members may do in torg. */
struct config_ldap_group {
	char *dn;
	int role;	  /* enum auth_role's values: 1 counter, 2 manager, 3 admin */
	size_t nservices; /* 0: every service */
	char **services;
};

struct config_ldap {
	char *url;		  /* "ldap://host[:port]" or "ldaps://host[:port]" */
	bool ldaps;		  /* the url's scheme is ldaps:// */
	bool starttls;		  /* StartTLS on an ldap:// url; default true, never with ldaps */
	char *ca_file;		  /* CA certificates (PEM) for the server's certificate, or NULL */
	char *bind_dn;		  /* service account, or NULL for an anonymous search */
	char *bind_password_file; /* where the service account's password is read from */
	char *bind_password;	  /* read from that file; never logged */
	char *user_base;
	char *user_filter;     /* with {name}; default "(&(objectClass=person)(uid={name}))" */
	char *group_attr;      /* the user's attribute naming groups; default "memberOf" */
	char *group_base;      /* group search instead of group_attr, or NULL */
	char *group_filter;    /* with {dn}; default "(member={dn})" */
	char *disabled_filter; /* matches disabled users, or NULL */
	int timeout_ms;	       /* default 3000 */
	int recheck_s;	       /* how often directory sessions are checked again; default 300 */
	size_t ngroups;
	struct config_ldap_group *groups;
};

/** Frees l and everything it holds, wiping the password. NULL is fine. */
void config_ldap_free(struct config_ldap *l);

#endif
