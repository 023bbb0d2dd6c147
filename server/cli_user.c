/*
 * cli_user.c — the "torgd user" command line: parses add/list/remove, reads
 * the new user's password from standard input (without echo on a terminal),
 * checks service ids against the configured ones and calls the synchronous
 * auth user functions; passwd, disable, enable and set run auth ops (which
 * end the user's sessions in a running torgd within about a second). Every
 * change is audited with "cli" as who made it. Owns nothing beyond one
 * command's run.
 */
#include "cli_user.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "auth_int.h"
#include "util.h"

/* Prints the usage text to stderr and returns the usage exit code. */
static int usage(void)
{
	fprintf(stderr, "usage: torgd user add NAME --role counter|manager|admin [--services a,b]\n"
			"       torgd user list\n"
			"       torgd user remove NAME\n"
			"       torgd user passwd NAME\n"
			"       torgd user disable NAME\n"
			"       torgd user enable NAME\n"
			"       torgd user set NAME [--role R] [--services a,b|*]\n");
	return 2;
}

/* Reads one line from f without its newline; returns it malloc'd or NULL at end of input. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	return line;
}

/* Wipes and frees a secret string; NULL is fine. */
static void secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Asks for one line on the terminal with echo off; returns it malloc'd or NULL. */
static char *prompt_noecho(const char *prompt)
{
	struct termios old, quiet;
	char *line;
	fputs(prompt, stderr);
	fflush(stderr);
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	line = read_line(stdin);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return line;
}

/* Gets the new password from stdin (twice on a terminal); returns it malloc'd or NULL. */
static char *read_password(const char *action)
{
	if (!isatty(STDIN_FILENO)) {
		char *pw = read_line(stdin);
		if (!pw)
			fprintf(stderr, "user %s: no password on standard input\n", action);
		return pw;
	}
	char *pw = prompt_noecho("Password: "), *again = NULL;
	if (pw)
		again = prompt_noecho("Repeat password: ");
	if (!pw || !again || strcmp(pw, again) != 0) {
		fprintf(stderr, "user %s: %s\n", action,
			pw && again ? "passwords do not match" : "no password given");
		secret_free(pw);
		pw = NULL;
	}
	secret_free(again);
	return pw;
}

/* Splits a comma list into a new vector of new strings; returns count or -EINVAL for "". */
static int split_services(const char *list, char ***out)
{
	char **v = NULL;
	int n = 0;
	for (const char *p = list;; p++) {
		const char *end = strchrnul(p, ',');
		if (end == p) {
			for (int i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return -EINVAL;
		}
		v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
		v[n++] = xstrndup(p, (size_t)(end - p));
		if (!*end)
			break;
		p = end;
	}
	*out = v;
	return n;
}

/* Whether id is one of the known services (or there is no list to check against). */
static bool service_known(const char *id, const char *const *known, size_t nknown)
{
	if (!known)
		return true;
	for (size_t i = 0; i < nknown; i++)
		if (strcmp(id, known[i]) == 0)
			return true;
	return false;
}

/* Opens the database for one action; returns it or NULL after printing why. */
static struct auth *open_db(const char *db_path, const char *action)
{
	struct auth *a = NULL;
	char *cause = NULL;
	if (auth_open(db_path, &a, &cause) < 0) {
		fprintf(stderr, "user %s: %s\n", action, cause);
		free(cause);
		return NULL;
	}
	return a;
}

/* "user add NAME --role R [--services a,b]": returns the exit code. */
static int cmd_add(const char *db_path, int argc, char **argv, const char *const *known,
		   size_t nknown)
{
	const char *name = NULL, *role_s = NULL, *services_s = NULL;
	char **services = NULL, *password = NULL, *cause = NULL;
	int nservices = 0, rc = 2, role;
	struct auth *a = NULL;
	for (int i = 1; i < argc; i++) {
		const char **slot = NULL, *opt = argv[i];
		if (strncmp(opt, "--role", 6) == 0 && (opt[6] == '\0' || opt[6] == '='))
			slot = &role_s;
		else if (strncmp(opt, "--services", 10) == 0 && (opt[10] == '\0' || opt[10] == '='))
			slot = &services_s;
		if (slot) {
			const char *eq = strchr(opt, '=');
			if (!eq && i + 1 >= argc) {
				fprintf(stderr, "user add: %s needs a value\n", opt);
				goto out;
			}
			*slot = eq ? eq + 1 : argv[++i];
		} else if (opt[0] == '-') {
			fprintf(stderr, "user add: unknown option \"%s\"\n", opt);
			goto out;
		} else if (name) {
			fprintf(stderr, "user add: more than one user name (\"%s\")\n", opt);
			goto out;
		} else {
			name = opt;
		}
	}
	if (!name) {
		fprintf(stderr, "user add: no user name given\n");
		goto out;
	}
	if (!auth__name_valid(name)) {
		fprintf(stderr, "user add: user name \"%s\" must be 1 to 64 of a-z 0-9 . _ -\n",
			name);
		goto out;
	}
	if (!role_s) {
		fprintf(stderr, "user add: --role is required (counter, manager or admin)\n");
		goto out;
	}
	if ((role = auth_role_parse(role_s)) < 0) {
		fprintf(stderr, "user add: role \"%s\" is not one of counter, manager, admin\n",
			role_s);
		goto out;
	}
	if (services_s && (nservices = split_services(services_s, &services)) < 0) {
		nservices = 0;
		fprintf(stderr, "user add: --services needs service ids separated by commas\n");
		goto out;
	}
	for (int i = 0; i < nservices; i++) {
		if (!service_known(services[i], known, nknown)) {
			fprintf(stderr, "user add: unknown service \"%s\"\n", services[i]);
			goto out;
		}
	}
	rc = 1;
	if (!(a = open_db(db_path, "add")) || !(password = read_password("add")))
		goto out;
	if (auth_user_add(a, name, (enum auth_role)role, (const char *const *)services,
			  (size_t)nservices, password, &cause) < 0) {
		fprintf(stderr, "user add: %s\n", cause);
		goto out;
	}
	char *detail = xasprintf("role=%s services=%s", role_s, services_s ? services_s : "*");
	auth_audit(a, "cli", "user.add", name, detail);
	free(detail);
	rc = 0;
out:
	secret_free(password);
	free(cause);
	for (int i = 0; i < nservices; i++)
		free(services[i]);
	free(services);
	auth_free(a);
	return rc;
}

/* Prints one user as "name\trole\tservices", and "\tdisabled" when so. */
static void print_user_cb(const struct auth_user *u, void *arg)
{
	printf("%s\t%s\t", u->name, auth_role_name(u->role));
	if (u->nservices == 0)
		fputs("*", stdout);
	for (size_t i = 0; i < u->nservices; i++)
		printf("%s%s", i ? "," : "", u->services[i]);
	fputs(u->disabled ? "\tdisabled\n" : "\n", stdout);
}

/* "user list": returns the exit code. */
static int cmd_list(const char *db_path, int argc)
{
	if (argc != 1)
		return usage();
	struct auth *a = open_db(db_path, "list");
	if (!a)
		return 1;
	int rc = auth_user_list(a, print_user_cb, NULL);
	if (rc < 0)
		fprintf(stderr, "user list: cannot read the users table\n");
	auth_free(a);
	fflush(stdout);
	return rc < 0 ? 1 : 0;
}

/* "user remove NAME": returns the exit code. */
static int cmd_remove(const char *db_path, int argc, char **argv)
{
	char *cause = NULL;
	if (argc != 2 || argv[1][0] == '-')
		return usage();
	struct auth *a = open_db(db_path, "remove");
	if (!a)
		return 1;
	int rc = auth_user_remove(a, argv[1], &cause);
	if (rc < 0)
		fprintf(stderr, "user remove: %s\n", cause);
	else
		auth_audit(a, "cli", "user.remove", argv[1], NULL);
	free(cause);
	auth_free(a);
	return rc < 0 ? 1 : 0;
}

/* Runs op (name, by and kind already set) on a fresh connection; prints a failure as
 * "user ACTION: cause". Returns the exit code. */
static int run_op(const char *db_path, const char *action, struct auth_op *op)
{
	struct auth *a = open_db(db_path, action);
	int rc = 1;
	if (a) {
		if (auth_op_run(a, op) < 0)
			fprintf(stderr, "user %s: %s\n", action, op->cause ? op->cause : "failed");
		else
			rc = 0;
	}
	auth_op_clear(op);
	auth_free(a);
	return rc;
}

/* Fills the op's name from "ACTION NAME" (exactly one argument); false when not so. */
static bool op_name(struct auth_op *op, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-' || strlen(argv[1]) >= sizeof op->name)
		return false;
	snprintf(op->name, sizeof op->name, "%s", argv[1]);
	snprintf(op->by, sizeof op->by, "cli");
	return true;
}

/* "user passwd NAME" (password on stdin), "user disable NAME", "user enable NAME". */
static int cmd_simple(const char *db_path, int argc, char **argv)
{
	struct auth_op op = {0};
	if (argc != 2 || !op_name(&op, argc, argv))
		return usage();
	if (strcmp(argv[0], "passwd") == 0) {
		op.kind = AUTH_OP_PASSWORD;
		if (!(op.password = read_password("passwd")))
			return 1;
	} else {
		op.kind = AUTH_OP_PATCH;
		op.set_disabled = true;
		op.disabled = strcmp(argv[0], "disable") == 0;
	}
	return run_op(db_path, argv[0], &op);
}

/* "user set NAME [--role R] [--services a,b|*]": returns the exit code. */
static int cmd_set(const char *db_path, int argc, char **argv, const char *const *known,
		   size_t nknown)
{
	struct auth_op op = {.kind = AUTH_OP_PATCH};
	if (!op_name(&op, argc, argv))
		return usage();
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val || (strcmp(opt, "--role") != 0 && strcmp(opt, "--services") != 0)) {
			fprintf(stderr, "user set: %s \"%s\"\n",
				val ? "unknown option" : "missing value for", opt);
			goto bad;
		}
		i++;
		if (strcmp(opt, "--role") == 0) {
			int r = auth_role_parse(val);
			if (r < 0) {
				fprintf(
				    stderr,
				    "user set: role \"%s\" is not one of counter, manager, admin\n",
				    val);
				goto bad;
			}
			op.set_role = true;
			op.role = (enum auth_role)r;
			continue;
		}
		op.set_services = true;
		for (size_t k = 0; k < op.nservices; k++)
			free(op.services[k]);
		free(op.services);
		op.services = NULL;
		op.nservices = 0;
		int n = strcmp(val, "*") == 0 ? 0 : split_services(val, &op.services);
		if (n < 0) {
			fprintf(stderr,
				"user set: --services needs service ids separated by commas\n");
			goto bad;
		}
		op.nservices = (size_t)n;
		for (int k = 0; k < n; k++) {
			if (!service_known(op.services[k], known, nknown)) {
				fprintf(stderr, "user set: unknown service \"%s\"\n",
					op.services[k]);
				goto bad;
			}
		}
	}
	if (!op.set_role && !op.set_services) {
		fprintf(stderr, "user set: nothing to set (--role, --services)\n");
		goto bad;
	}
	return run_op(db_path, "set", &op);
bad:
	auth_op_clear(&op);
	return 2;
}

int cli_user_main(const char *db_path, int argc, char **argv, const char *const *known_services,
		  size_t nknown)
{
	if (argc > 0 && strcmp(argv[0], "user") == 0) {
		argc--;
		argv++;
	}
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "add") == 0)
		return cmd_add(db_path, argc, argv, known_services, nknown);
	if (strcmp(argv[0], "list") == 0)
		return cmd_list(db_path, argc);
	if (strcmp(argv[0], "remove") == 0)
		return cmd_remove(db_path, argc, argv);
	if (strcmp(argv[0], "passwd") == 0 || strcmp(argv[0], "disable") == 0 ||
	    strcmp(argv[0], "enable") == 0)
		return cmd_simple(db_path, argc, argv);
	if (strcmp(argv[0], "set") == 0)
		return cmd_set(db_path, argc, argv, known_services, nknown);
	fprintf(stderr, "user: unknown action \"%s\"\n", argv[0]);
	return usage();
}
