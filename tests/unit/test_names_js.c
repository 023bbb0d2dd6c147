/* test_names_js.c: holds the pages' protocol names (server/www/static/protocol.js) to the
 * C side's one source of them (proto/names.h, names.c). protocol.js is read line by line in
 * its strictly regular format (comments, blank lines, `export const NAME = "value";`, and
 * `export const NAME = Object.freeze({` … one `KEY: "value",` per line … `});`); each
 * frozen object must hold exactly the names of its C table (every C name, nothing else,
 * each under the key that is its C enum constant's suffix: PROTO_EV_CALLED → EVENT.CALLED),
 * PROTOCOL must be PROTO_VERSION, and no other object may be there. Then every page script
 * under the same folder (not vendor/, i18n/ or protocol.js) is searched for a quoted event
 * kind or protocol version, so that those literals cannot creep back. The checkers are also
 * run on broken copies and a made-up folder, which they must reject.
 *
 * Usage: test_names_js [PROTOCOL.JS [STATIC-DIR]]; by default the source tree's
 * server/www/static/protocol.js and its folder. Runs as its own process; the last line is
 * "names_js: N passed, 0 failed". */
#include "names.h"

#include "check.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TORG_SOURCE_ROOT
#define TORG_SOURCE_ROOT "."
#endif

#define MAX_GROUPS  32
#define MAX_ENTRIES 64
#define MAX_TOKEN   64

/* One `KEY: "value",` line of a frozen object. */
struct js_entry {
	char key[MAX_TOKEN];
	char value[MAX_TOKEN];
};

/* One `export const NAME = …;` of protocol.js: a string constant or a frozen object. */
struct js_group {
	char name[MAX_TOKEN];
	bool is_object;
	char value[MAX_TOKEN]; /* a constant's value */
	int n;
	struct js_entry e[MAX_ENTRIES];
};

/* What protocol.js exports. */
struct js {
	int n;
	struct js_group g[MAX_GROUPS];
};

static bool quiet; /* the self-tests on broken copies print nothing */

/* Prints a problem unless quiet. */
static void say(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* Reads a whole file into a NUL-terminated buffer (free it), or NULL. */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len - 1 == 0) {
			char *more = realloc(buf, cap * 2);
			if (!more) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Matches the literal s at *p and moves past it. */
static bool lit(const char **p, const char *s)
{
	size_t n = strlen(s);
	if (strncmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/* Reads an upper-case identifier ([A-Z_][A-Z0-9_]*) at *p into out. */
static bool ident(const char **p, char *out)
{
	const char *s = *p;
	size_t n = 0;
	while ((s[n] >= 'A' && s[n] <= 'Z') || s[n] == '_' || (n > 0 && s[n] >= '0' && s[n] <= '9'))
		n++;
	if (n == 0 || n >= MAX_TOKEN)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	*p = s + n;
	return true;
}

/* Reads a double-quoted string without escapes or control characters into out. */
static bool string(const char **p, char *out)
{
	const char *s = *p;
	if (*s != '"')
		return false;
	size_t n = 0;
	while (s[1 + n] && s[1 + n] != '"') {
		unsigned char c = (unsigned char)s[1 + n];
		if (c < 0x20 || c == '\\' || c == '\'' || c == '`')
			return false;
		n++;
	}
	if (s[1 + n] != '"' || n == 0 || n >= MAX_TOKEN)
		return false;
	memcpy(out, s + 1, n);
	out[n] = '\0';
	*p = s + n + 2;
	return true;
}

/* The group called name, or NULL. */
static const struct js_group *find_group(const struct js *js, const char *name)
{
	for (int i = 0; i < js->n; i++)
		if (!strcmp(js->g[i].name, name))
			return &js->g[i];
	return NULL;
}

/* The value under key in g, or NULL. */
static const char *find_key(const struct js_group *g, const char *key)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->e[i].key, key))
			return g->e[i].value;
	return NULL;
}

/* True when g holds value under some key. */
static bool has_value(const struct js_group *g, const char *value)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->e[i].value, value))
			return true;
	return false;
}

/* Parses one line outside an object: true when it is one of the allowed forms. */
static bool parse_outside(const char *s, struct js *js, bool *opened)
{
	if (*s == '\0' || lit(&s, "//"))
		return true;
	struct js_group g = {0};
	if (!lit(&s, "export const ") || !ident(&s, g.name) || !lit(&s, " = "))
		return false;
	if (lit(&s, "Object.freeze({")) {
		if (*s)
			return false;
		g.is_object = true;
		*opened = true;
	} else if (!string(&s, g.value) || !lit(&s, ";") || *s) {
		return false;
	}
	if (find_group(js, g.name) || js->n == MAX_GROUPS)
		return false;
	js->g[js->n++] = g;
	return true;
}

/* Parses one line inside an object: an entry, or the end (sets *closed). */
static bool parse_inside(const char *s, struct js_group *g, bool *closed)
{
	if (!strcmp(s, "});")) {
		*closed = true;
		return true;
	}
	struct js_entry e;
	if (*s != '\t' && *s != ' ')
		return false;
	while (*s == '\t' || *s == ' ')
		s++;
	if (!ident(&s, e.key) || !lit(&s, ": ") || !string(&s, e.value) || !lit(&s, ",") || *s)
		return false;
	if (find_key(g, e.key) || g->n == MAX_ENTRIES)
		return false;
	g->e[g->n++] = e;
	return true;
}

/* Parses protocol.js's text (what names it in messages); 0, or -1 after saying why. */
static int parse_js(const char *text, const char *what, struct js *js)
{
	memset(js, 0, sizeof(*js));
	struct js_group *open = NULL;
	int lineno = 0;
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		char line[512];
		lineno++;
		if (n >= sizeof(line)) {
			say("%s:%d: line too long\n", what, lineno);
			return -1;
		}
		memcpy(line, s, n);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		line[n] = '\0';
		s = nl ? nl + 1 : s + strlen(s);
		bool ok, flag = false;
		if (open) {
			ok = parse_inside(line, open, &flag);
			if (ok && flag)
				open = NULL;
		} else {
			ok = parse_outside(line, js, &flag);
			if (ok && flag)
				open = &js->g[js->n - 1];
		}
		if (!ok) {
			say("%s:%d: not in protocol.js's format (or a duplicate name): %s\n", what,
			    lineno, line);
			return -1;
		}
	}
	if (open) {
		say("%s: %s is not closed with \"});\"\n", what, open->name);
		return -1;
	}
	return 0;
}

/* ---- what the C side says ---- */

/* A JS key and the C number it stands for (the key is the enum constant's suffix). */
struct key {
	const char *key;
	int n;
};
#define K(prefix, e)                                                                               \
	{                                                                                          \
#e, prefix##e                                                                      \
	}

typedef const char *(*name_fn)(int);

/* Positions: 0 front, 1 back. */
static const char *position_name(int i)
{
	return i == 0 || i == 1 ? proto_position_name(i == 0) : NULL;
}

static const struct key msg_keys[] = {
    K(PROTO_MSG_, SNAPSHOT), K(PROTO_MSG_, RESUME), K(PROTO_MSG_, EVENT),
    K(PROTO_MSG_, SKIP),     K(PROTO_MSG_, TICKET), K(PROTO_MSG_, REPLY),
    K(PROTO_MSG_, ERROR),    K(PROTO_MSG_, HELLO),  K(PROTO_MSG_, CMD),
};
static const struct key event_keys[] = {
    K(PROTO_EV_, ISSUED),	  K(PROTO_EV_, CALLED),	   K(PROTO_EV_, RECALLED),
    K(PROTO_EV_, SERVING),	  K(PROTO_EV_, DONE),	   K(PROTO_EV_, NO_SHOW),
    K(PROTO_EV_, TRANSFERRED),	  K(PROTO_EV_, CANCELLED), K(PROTO_EV_, COUNTER_OPENED),
    K(PROTO_EV_, COUNTER_CLOSED), K(PROTO_EV_, DAY),	   K(PROTO_EV_, COUNTER_BREAK),
    K(PROTO_EV_, COUNTER_BACK),	  K(PROTO_EV_, CONFIG),
};
static const struct key state_keys[] = {
    K(PROTO_STATE_, WAITING), K(PROTO_STATE_, CALLED),	K(PROTO_STATE_, SERVING),
    K(PROTO_STATE_, DONE),    K(PROTO_STATE_, NO_SHOW), K(PROTO_STATE_, CANCELLED),
};
static const struct key reason_keys[] = {
    K(PROTO_REASON_, VISITOR),
    K(PROTO_REASON_, DAY_END),
    K(PROTO_REASON_, STAFF),
};
static const struct key priority_keys[] = {
    K(PROTO_PRIO_, NORMAL),
    K(PROTO_PRIO_, APPOINTMENT),
    K(PROTO_PRIO_, ACCESSIBILITY),
};
static const struct key position_keys[] = {{"FRONT", 0}, {"BACK", 1}};
static const struct key op_keys[] = {
    K(PROTO_OP_, OPEN),	    K(PROTO_OP_, CLOSE), K(PROTO_OP_, CALL_NEXT), K(PROTO_OP_, CALL),
    K(PROTO_OP_, RECALL),   K(PROTO_OP_, START), K(PROTO_OP_, FINISH),	  K(PROTO_OP_, NO_SHOW),
    K(PROTO_OP_, TRANSFER), K(PROTO_OP_, BREAK),
};

#define KEYS(a) a, sizeof(a) / sizeof((a)[0])

/* Each frozen object of protocol.js: its C names are fn(lo) … fn(hi). */
static const struct spec {
	const char *group;
	name_fn fn;
	int lo, hi;
	const struct key *keys;
	size_t nkeys;
} specs[] = {
    {"MSG", proto_msg_name, 0, PROTO_MSG_MAX, KEYS(msg_keys)},
    {"EVENT", proto_event_name, PROTO_EV_ISSUED, PROTO_EV_KIND_MAX, KEYS(event_keys)},
    {"STATE", proto_state_name, 0, PROTO_STATE_MAX, KEYS(state_keys)},
    {"REASON", proto_reason_name, PROTO_REASON_VISITOR, PROTO_REASON_MAX, KEYS(reason_keys)},
    {"PRIORITY", proto_priority_name, 0, PROTO_PRIORITIES - 1, KEYS(priority_keys)},
    {"POSITION", position_name, 0, 1, KEYS(position_keys)},
    {"OP", proto_op_name, 0, PROTO_OP_MAX, KEYS(op_keys)},
    {"OP_PATH", proto_op_path, 0, PROTO_OP_MAX, KEYS(op_keys)},
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

/* Checks one frozen object against its C table; returns the number of problems. */
static int check_group(const struct js *js, const struct spec *sp)
{
	const struct js_group *g = find_group(js, sp->group);
	if (!g || !g->is_object) {
		say("protocol.js: no \"export const %s = Object.freeze({\"\n", sp->group);
		return 1;
	}
	int bad = 0;
	int count = sp->hi - sp->lo + 1;
	if (sp->nkeys != (size_t)count) {
		say("test_names_js.c: its key table for %s has %zu keys but the C side %d names: "
		    "update the table (an enum grew?)\n",
		    sp->group, sp->nkeys, count);
		bad++;
	}
	for (int i = sp->lo; i <= sp->hi; i++) {
		const char *name = sp->fn(i);
		if (!name) {
			say("names.c: %s has no name for %d (below its MAX)\n", sp->group, i);
			bad++;
		} else if (!has_value(g, name)) {
			say("protocol.js: %s lacks the C name \"%s\" (number %d)\n", sp->group,
			    name, i);
			bad++;
		}
	}
	for (int j = 0; j < g->n; j++) {
		bool known = false;
		for (int i = sp->lo; i <= sp->hi && !known; i++)
			known = str_eq(sp->fn(i), g->e[j].value);
		if (!known) {
			say("protocol.js: %s.%s = \"%s\" is not a C name\n", sp->group, g->e[j].key,
			    g->e[j].value);
			bad++;
		}
	}
	for (size_t k = 0; k < sp->nkeys; k++) {
		const char *want = sp->fn(sp->keys[k].n);
		const char *got = find_key(g, sp->keys[k].key);
		if (!str_eq(got, want)) {
			say("protocol.js: %s.%s should be \"%s\", is %s%s%s\n", sp->group,
			    sp->keys[k].key, want ? want : "(no C name)", got ? "\"" : "",
			    got ? got : "missing", got ? "\"" : "");
			bad++;
		}
	}
	if (g->n != count) {
		say("protocol.js: %s has %d names, the C side %d\n", sp->group, g->n, count);
		bad++;
	}
	return bad;
}

/* Checks all of protocol.js; returns the number of problems. */
static int check_js(const struct js *js)
{
	int bad = 0;
	const struct js_group *v = find_group(js, "PROTOCOL");
	if (!v || v->is_object || strcmp(v->value, PROTO_VERSION) != 0) {
		say("protocol.js: want export const PROTOCOL = \"%s\";\n", PROTO_VERSION);
		bad++;
	}
	for (size_t i = 0; i < NSPECS; i++)
		bad += check_group(js, &specs[i]);
	for (int j = 0; j < js->n; j++) {
		bool known = !strcmp(js->g[j].name, "PROTOCOL");
		for (size_t i = 0; i < NSPECS && !known; i++)
			known = !strcmp(js->g[j].name, specs[i].group);
		if (!known) {
			say("protocol.js: %s is not a group this test knows (add it here, with its "
			    "C "
			    "table)\n",
			    js->g[j].name);
			bad++;
		}
	}
	return bad;
}

/* ---- no literals in the page scripts ---- */

/* True when name ends in suffix. */
static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	return n >= m && !strcmp(name + n - m, suffix);
}

/* Counts (and reports) the quoted names of the forbidden kinds in one file's text. */
static int scan_text(const char *path, const char *text)
{
	int hits = 0;
	for (int k = PROTO_EV_ISSUED; k <= PROTO_EV_KIND_MAX + 1; k++) {
		const char *name = k <= PROTO_EV_KIND_MAX ? proto_event_name(k) : PROTO_VERSION;
		if (!name)
			continue;
		for (const char *q = "\"'`"; *q; q++) {
			char quoted[MAX_TOKEN + 2];
			snprintf(quoted, sizeof(quoted), "%c%s%c", *q, name, *q);
			for (const char *at = strstr(text, quoted); at;
			     at = strstr(at + 1, quoted)) {
				int line = 1;
				for (const char *c = text; c < at; c++)
					line += *c == '\n';
				say("%s:%d: %s: use protocol.js (EVENT.*, PROTOCOL), not the "
				    "literal\n",
				    path, line, quoted);
				hits++;
			}
		}
	}
	return hits;
}

/* Searches the page scripts under dir (not vendor/, i18n/, protocol.js) for quoted event
 * kinds and the protocol version; returns the number found, or -1 when dir cannot be read.
 * Counts the scripts read in *files. */
static int scan_dir(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	if (!d) {
		say("%s: cannot open the folder\n", dir);
		return -1;
	}
	int hits = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (strcmp(de->d_name, "vendor") != 0 && strcmp(de->d_name, "i18n") != 0) {
				int h = scan_dir(path, files);
				hits += h > 0 ? h : 0;
			}
			continue;
		}
		if (!S_ISREG(st.st_mode) || !strcmp(de->d_name, "protocol.js") ||
		    !(ends_with(de->d_name, ".js") || ends_with(de->d_name, ".mjs")))
			continue;
		char *text = read_all(path);
		if (!text) {
			say("%s: cannot read\n", path);
			hits++;
			continue;
		}
		(*files)++;
		hits += scan_text(path, text);
		free(text);
	}
	closedir(d);
	return hits;
}

/* Writes text to dir/name (creating dir/sub first when name has one level). */
static bool put_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	const char *slash = strchr(name, '/');
	if (slash) {
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - name), name);
		mkdir(path, 0700);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* ---- self-tests: the checkers reject what they must ---- */

static struct js real, mut;

/* The group called name in mut (it must be there). */
static struct js_group *mut_group(const char *name)
{
	for (int i = 0; i < mut.n; i++)
		if (!strcmp(mut.g[i].name, name))
			return &mut.g[i];
	return &mut.g[0];
}

/* Each broken copy of the real protocol.js fails the check. */
static void self_test_check(void)
{
	quiet = true;
	mut = real; /* a name misspelt */
	snprintf(mut_group("STATE")->e[0].value, MAX_TOKEN, "wating");
	CHECK(check_js(&mut) > 0);
	mut = real; /* a name more than the C side has */
	struct js_group *g = mut_group("EVENT");
	if (g->n < MAX_ENTRIES)
		g->e[g->n++] = (struct js_entry){"EXTRA", "ticket.extra"};
	CHECK(check_js(&mut) > 0);
	mut = real; /* a name missing */
	mut_group("OP_PATH")->n--;
	CHECK(check_js(&mut) > 0);
	mut = real; /* two names under each other's keys */
	g = mut_group("OP");
	if (g->n >= 2) {
		struct js_entry e = g->e[0];
		snprintf(g->e[0].value, MAX_TOKEN, "%s", g->e[1].value);
		snprintf(g->e[1].value, MAX_TOKEN, "%s", e.value);
	}
	CHECK(check_js(&mut) > 0);
	mut = real; /* an op name where its path segment belongs */
	g = mut_group("OP_PATH");
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->e[i].key, "CALL_NEXT"))
			snprintf(g->e[i].value, MAX_TOKEN, "%s", proto_op_name(PROTO_OP_CALL_NEXT));
	CHECK(check_js(&mut) > 0);
	mut = real; /* another version */
	snprintf(mut_group("PROTOCOL")->value, MAX_TOKEN, "torg.v2");
	CHECK(check_js(&mut) > 0);
	mut = real; /* a group the test does not know */
	if (mut.n < MAX_GROUPS)
		mut.g[mut.n++] = (struct js_group){.name = "COLOUR", .is_object = true};
	CHECK(check_js(&mut) > 0);

	/* Lines outside the format, and a duplicate key, are refused. */
	static const char *const bad_text[] = {
	    "export const STATE = Object.freeze({\n\tWAITING: \"waiting\"\n});\n",
	    "export const STATE = Object.freeze({\n\tWAITING: 'waiting',\n});\n",
	    "export const STATE = Object.freeze({ WAITING: \"waiting\" });\n",
	    "export const STATE = Object.freeze({\n\tA: \"x\",\n\tA: \"y\",\n});\n",
	    "export const STATE = Object.freeze({\n\tWAITING: \"waiting\",\n",
	    "export const PROTOCOL = \"torg.v1\";\nexport const PROTOCOL = \"torg.v1\";\n",
	    "const x = 1;\n",
	};
	for (size_t i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++)
		CHECK(parse_js(bad_text[i], "bad", &mut) == -1);
	CHECK(parse_js("// c\n\nexport const A = \"b\";\nexport const B = Object.freeze({\n\tC: "
		       "\"d\",\n});\n",
		       "good", &mut) == 0 &&
	      mut.n == 2 && mut.g[1].n == 1 && !strcmp(mut.g[1].e[0].value, "d"));
	quiet = false;
}

/* A made-up static folder: only the page script's literal counts, not vendor/, i18n/ or
 * protocol.js, nor an unquoted mention in a comment. */
static void self_test_scan(void)
{
	char dir[] = "/tmp/test_names_js.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	CHECK(put_file(dir, "page.js",
		       "// after a ticket.called event\nconst k = 'counter.opened';\n"));
	CHECK(put_file(dir, "ok.js", "import { EVENT } from \"./protocol.js\";\nEVENT.CALLED;\n"));
	CHECK(put_file(dir, "protocol.js", "export const X = \"ticket.called\";\n"));
	CHECK(put_file(dir, "vendor/lib.js", "\"ticket.called\"\n"));
	CHECK(put_file(dir, "i18n/en.js", "\"ticket.called\"\n"));
	CHECK(put_file(dir, "sub/ws.js", "new WebSocket(u, `torg.v1`);\n"));
	int files = 0;
	quiet = true;
	int hits = scan_dir(dir, &files);
	quiet = false;
	CHECK(hits == 2);
	CHECK(files == 3);
	static const char *const made[] = {"page.js",	    "ok.js",	  "protocol.js",
					   "vendor/lib.js", "i18n/en.js", "sub/ws.js",
					   "vendor",	    "i18n",	  "sub"};
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, made[i]);
		remove(path);
	}
	CHECK(rmdir(dir) == 0);
}

int main(int argc, char **argv)
{
	const char *js_path =
	    argc > 1 ? argv[1] : TORG_SOURCE_ROOT "/server/www/static/protocol.js";
	char dir[4096];
	if (argc > 2) {
		snprintf(dir, sizeof(dir), "%s", argv[2]);
	} else {
		snprintf(dir, sizeof(dir), "%s", js_path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}

	char *text = read_all(js_path);
	if (!text)
		fprintf(stderr, "%s: cannot read\n", js_path);
	CHECK(text != NULL);
	int parsed = text ? parse_js(text, js_path, &real) : -1;
	free(text);
	CHECK(parsed == 0);
	if (parsed == 0)
		CHECK(check_js(&real) == 0);

	int files = 0;
	int hits = scan_dir(dir, &files);
	CHECK(hits == 0);
	CHECK(files > 0); /* the folder holds page scripts: the path is right */

	if (parsed == 0)
		self_test_check();
	self_test_scan();
	return check_report("names_js");
}
