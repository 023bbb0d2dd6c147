/*
 * api_admin_config.c — GET and PUT /api/v1/admin/config: the floor's
 * configuration as the administration page edits it (PROTOCOL.md,
 * "Administration: the floor"). GET gives the running document and its version;
 * PUT checks who may change what (an admin anything, a manager only the dated
 * exceptions and the screen messages), that nobody changed it meanwhile, and hands
 * the document to main's live.c, which validates it whole, writes the file and
 * puts it in place without a restart. The answer waits until the change's
 * floor.config event is durable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_int.h"
#include "http_parse.h"
#include "proto_encode.h"
#include "util.h"

/* What a manager may change; an admin changes anything ("*"). */
static const char *const manager_keys[] = {"exceptions", "messages", NULL};

/* Whether key is one a manager may change. */
static bool manager_may(const char *key)
{
	for (size_t i = 0; manager_keys[i]; i++)
		if (!strcmp(key, manager_keys[i]))
			return true;
	return false;
}

/* The running document, with the kiosk keys hidden unless for an admin. */
static json_t *doc_for(const struct config *cfg, bool admin)
{
	json_t *doc = json_loads(cfg->doc, 0, NULL);
	if (!doc)
		fatal("api: the running configuration's document does not parse");
	json_t *keys = json_object_get(json_object_get(doc, "kiosks"), "keys");
	size_t i;
	json_t *k;
	if (!admin)
		json_array_foreach(keys, i, k) if (json_object_get(k, "key"))
		    json_object_set_new(k, "key", json_string("(hidden)"));
	return doc;
}

/* The answer's "editable" list for a role. */
static json_t *editable_of(bool admin)
{
	json_t *v = json_array();
	if (admin) {
		json_array_append_new(v, json_string("*"));
		return v;
	}
	for (size_t i = 0; manager_keys[i]; i++)
		json_array_append_new(v, json_string(manager_keys[i]));
	return v;
}

static void get_config(struct api *a, struct http_req *r, bool admin)
{
	char version[17];
	config_version(a->cfg, version);
	json_t *o = json_object();
	json_object_set_new(o, "config", doc_for(a->cfg, admin));
	json_object_set_new(o, "version", json_string(version));
	json_object_set_new(o, "editable", editable_of(admin));
	api__http_json(r, 200, o);
	json_decref(o);
}

/* A manager's document made whole: the running one with only the keys a manager may
 * change taken from theirs. NULL, with *field, when theirs differs anywhere else. */
static json_t *manager_doc(const struct config *cfg, json_t *theirs, const char **field)
{
	json_t *shown = doc_for(cfg, false), *real = doc_for(cfg, true);
	const char *k;
	json_t *v;
	*field = NULL;
	json_object_foreach(shown, k,
			    v) if (!manager_may(k) && !json_equal(v, json_object_get(theirs, k)))
	{
		*field = k;
		break;
	}
	json_object_foreach(theirs, k,
			    v) if (!*field && !manager_may(k) && !json_object_get(shown, k))
	{
		*field = k;
		break;
	}
	static char keep[64];
	if (*field) {
		snprintf(keep, sizeof(keep), "%s", *field);
		*field = keep;
		json_decref(shown);
		json_decref(real);
		return NULL;
	}
	for (size_t i = 0; manager_keys[i]; i++) {
		json_t *x = json_object_get(theirs, manager_keys[i]);
		if (x)
			json_object_set(real, manager_keys[i], x);
		else
			json_object_del(real, manager_keys[i]);
	}
	json_decref(shown);
	return real;
}

/* One "path: message" line as an error entry. */
static json_t *error_entry(const char *line, size_t len)
{
	const char *sep = NULL;
	for (size_t i = 0; i + 1 < len && !sep; i++)
		if (line[i] == ':' && line[i + 1] == ' ')
			sep = line + i;
	json_t *e = json_object();
	if (sep) {
		json_object_set_new(e, "path", json_stringn(line, (size_t)(sep - line)));
		json_object_set_new(e, "message",
				    json_stringn(sep + 2, len - (size_t)(sep - line) - 2));
	} else {
		json_object_set_new(e, "path", json_string(""));
		json_object_set_new(e, "message", json_stringn(line, len));
	}
	return e;
}

/* 422 invalid_config with every error of the document, one per line of errors. */
static json_t *invalid_body(const char *errors)
{
	json_t *list = json_array();
	for (const char *p = errors; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len)
			json_array_append_new(list, error_entry(p, len));
		p = nl ? nl + 1 : NULL;
	}
	char *msg = xasprintf("the configuration has %zu error%s", json_array_size(list),
			      json_array_size(list) == 1 ? "" : "s");
	json_t *o = proto_encode_error_body("invalid_config", msg, NULL);
	free(msg);
	json_object_set_new(json_object_get(o, "error"), "errors", list);
	return o;
}

/* A PUT waiting for live.c. */
struct put {
	struct api *api;
	struct api_deferred *d;
};

/* live.c's answer to a PUT. */
static void put_done(int status, const char *errors, uint64_t seq, void *arg)
{
	struct put *p = arg;
	struct api_deferred *d = p->d;
	struct api *a = p->api;
	free(p);
	struct http_req *r = api__deferred_req(d);
	if (status == -EINVAL) {
		api__deferred_json(d, 422, invalid_body(errors));
	} else if (status == -EBUSY) {
		api__deferred_fail(d, 409, "config_busy",
				   "another change of the configuration is under way; try again",
				   NULL);
	} else if (status != 0) {
		log_err("admin: the configuration could not be saved: %s", errors ? errors : "");
		api__deferred_fail(d, 500, "config_not_saved",
				   errors ? errors : "the configuration file could not be written",
				   NULL);
	} else if (!r) {
		api__deferred_json(d, 200, NULL); /* gone: nothing to answer */
	} else {
		char version[17];
		config_version(a->cfg, version);
		json_t *o = json_object();
		json_object_set_new(o, "version", json_string(version));
		json_object_set_new(o, "seq", json_integer((json_int_t)seq));
		char *text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		api__deferred_durable(d, 200, text, strlen(text));
	}
}

/* The body's {"config": {...}, "version": "..."}; NULL after answering 400. */
static json_t *put_body(struct http_req *r, const char **version)
{
	size_t len;
	const char *body = api__http_body(r, &len);
	json_error_t jerr;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *field = NULL, *msg = NULL;
	const char *k;
	json_t *v;
	if (!json_is_object(o)) {
		msg = "the body is not a JSON object";
	} else {
		json_object_foreach(o, k, v) if (strcmp(k, "config") && strcmp(k, "version"))
		{
			field = k;
			msg = "unknown field";
		}
		if (!msg && !json_is_object(json_object_get(o, "config")))
			field = "config", msg = "expected the configuration as an object";
		if (!msg && !json_is_string(json_object_get(o, "version")))
			field = "version",
			msg = "expected the version the change was made on (from GET), a string";
	}
	if (msg) {
		char buf[96];
		snprintf(buf, sizeof(buf), "%s", field ? field : "");
		api__http_fail(r, 400,
			       field && !strcmp(msg, "unknown field") ? "unknown_field"
								      : "bad_request",
			       msg, field ? buf : NULL);
		json_decref(o);
		return NULL;
	}
	*version = json_string_value(json_object_get(o, "version"));
	return o;
}

static void put_config(struct api *a, struct http_req *r, const struct auth_user *u)
{
	const char *version;
	json_t *o = put_body(r, &version);
	if (!o)
		return;
	char now[17];
	config_version(a->cfg, now);
	if (strcmp(version, now)) {
		json_t *e = proto_encode_error_body(
		    "version_conflict", "the configuration was changed meanwhile: reload it", NULL);
		json_object_set_new(json_object_get(e, "error"), "version", json_string(now));
		api__http_json(r, 409, e);
		json_decref(e);
		json_decref(o);
		return;
	}
	json_t *doc = json_incref(json_object_get(o, "config"));
	json_decref(o);
	json_t *running = doc_for(a->cfg, true);
	bool same_auth =
	    json_equal(json_object_get(running, "auth"), json_object_get(doc, "auth")) ||
	    (!json_object_get(running, "auth") && !json_object_get(doc, "auth"));
	json_decref(running);
	if (!same_auth) { /* it names a file torgd sends as a password: the file's own business */
		json_decref(doc);
		api__http_fail(
		    r, 403, "forbidden",
		    "the directory settings (auth) change only in the file, with a reload", "auth");
		return;
	}
	if (u->role != AUTH_ROLE_ADMIN) {
		const char *field;
		json_t *whole = manager_doc(a->cfg, doc, &field);
		json_decref(doc);
		if (!whole) {
			char *msg =
			    xasprintf("a manager may change only the dated exceptions and the "
				      "screen messages, not \"%s\"",
				      field);
			api__http_fail(r, 403, "forbidden", msg, field);
			free(msg);
			return;
		}
		doc = whole;
	}
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		fatal("api: cannot encode a configuration");
	struct util_text t = {0};
	util_text_printf(&t, "%s\n", text);
	free(text);
	struct put *p = xmalloc(sizeof(*p));
	*p = (struct put){a, api__http_defer(r)};
	int rc = a->reconfigure(a->reconfigure_arg, t.s, t.len, u->name, put_done, p);
	free(t.s);
	(void)rc; /* put_done has answered, or will */
}

void api__admin_config_route(struct api *a, struct http_req *r)
{
	const struct auth_user *u = api__http_user(r);
	if (!u) {
		api__http_fail(r, 401, "unauthorized", "sign in first", NULL);
		return;
	}
	if (u->role < AUTH_ROLE_MANAGER) {
		api__http_fail(r, 403, "forbidden",
			       "only a manager or an admin sees the floor's setup", NULL);
		return;
	}
	if (api__http_method(r) == HTTP_M_PUT) {
		if (!a->reconfigure)
			api__http_fail(r, 503, "unavailable", "the configuration cannot change now",
				       NULL);
		else
			put_config(a, r, u);
		return;
	}
	get_config(a, r, u->role == AUTH_ROLE_ADMIN);
}
