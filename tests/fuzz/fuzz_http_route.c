/* fuzz_http_route.c: libFuzzer driver for http_route() of server/http_parse.h. An input is
 * a method byte followed by a path (up to the first NUL). The driver aborts when the
 * contract breaks: a route outside the enum; a miss that leaves anything in the match; a
 * match whose Allow text is not one of the route table's or whose method_ok disagrees
 * with it; a path that cannot be rebuilt exactly from the route's template and what it
 * captured (so nothing is guessed, trimmed or decoded); an id or ticket of the wrong
 * shape; an admin user name or session id of the wrong shape, or not the one the path
 * holds; a counter action proto_op_from_path does not know, or an unknown one it does; a
 * static file that contains "..", starts with '/', has an empty or dot-led segment or a
 * character outside [A-Za-z0-9._-/]; an announcement whose language, number or counter
 * has a character its route does not take; anything matched from a path over 255 bytes. */
#include "http_parse.h"
#include "proto.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

/* True when s is [a-z0-9_-]{1,32}. */
static bool is_id(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* True when s is 32 lowercase hex digits. */
static bool is_ticket(const char *s)
{
	return strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

/* Checks a static file name "static/<path>". */
static void check_static(const char *file)
{
	want(!strncmp(file, "static/", 7));
	const char *p = file + 7;
	size_t n = strlen(p);
	want(n >= 1 && n <= HTTP_STATIC_PATH_MAX && p[0] != '/' && p[n - 1] != '/');
	want(!strstr(file, "..") && !strstr(p, "//") && !strstr(p, "/."));
	want(p[0] != '.');
	want(strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int method = data[0] % 8; /* 7: a value outside the enum */
	char path[512];
	size_t n = size - 1 < sizeof(path) - 1 ? size - 1 : sizeof(path) - 1;
	memcpy(path, data + 1, n);
	path[n] = '\0';
	size_t plen = strlen(path);

	struct http_match m;
	memset(&m, 0x5a, sizeof(m));
	int r = http_route(path, method, &m);
	want(r >= HTTP_ROUTE_NONE && r <= HTTP_ROUTE_MAX);
	want(strlen(http_route_name(r)) > 0);
	want(memchr(m.id, '\0', sizeof(m.id)) && memchr(m.op, '\0', sizeof(m.op)) &&
	     memchr(m.file, '\0', sizeof(m.file)) && memchr(m.lang, '\0', sizeof(m.lang)) &&
	     memchr(m.number, '\0', sizeof(m.number)) && memchr(m.name, '\0', sizeof(m.name)));
	if (r != HTTP_ROUTE_ADMIN_USER && r != HTTP_ROUTE_ADMIN_USER_RESET)
		want(!m.name[0]);
	/* A known counter action under a good id always routes to it. */
	if (!strncmp(path, "/api/v1/counters/", 17)) {
		const char *slash = strchr(path + 17, '/');
		if (slash && slash - (path + 17) <= 32) {
			char id[40];
			memcpy(id, path + 17, (size_t)(slash - (path + 17)));
			id[slash - (path + 17)] = '\0';
			if (is_id(id) && proto_op_from_path(slash + 1) >= 0)
				want(r == HTTP_ROUTE_COUNTER && !strcmp(m.op, slash + 1));
		}
	}
	if (r != HTTP_ROUTE_ANNOUNCE)
		want(!m.lang[0] && !m.number[0]);
	if (r == HTTP_ROUTE_NONE) {
		want(!m.allow && !m.method_ok && !m.id[0] && !m.op[0] && !m.file[0]);
		return 0;
	}
	want(plen <= HTTP_PATH_MAX && path[0] == '/');
	want(m.allow && (!strcmp(m.allow, "GET") || !strcmp(m.allow, "POST") ||
			 !strcmp(m.allow, "GET, DELETE") || !strcmp(m.allow, "GET, PUT") ||
			 !strcmp(m.allow, "GET, POST") || !strcmp(m.allow, "PATCH, DELETE") ||
			 !strcmp(m.allow, "DELETE")));
	bool get = method == HTTP_M_GET || method == HTTP_M_HEAD;
	bool ok = (get && strstr(m.allow, "GET")) ||
		  (method == HTTP_M_POST && strstr(m.allow, "POST")) ||
		  (method == HTTP_M_DELETE && strstr(m.allow, "DELETE")) ||
		  (method == HTTP_M_PUT && strstr(m.allow, "PUT")) ||
		  (method == HTTP_M_PATCH && strstr(m.allow, "PATCH"));
	want(m.method_ok == ok);

	/* Rebuild the path from what was captured. */
	char rebuilt[600];
	const char *file = m.file;
	switch (r) {
	case HTTP_ROUTE_TICKET:
	case HTTP_ROUTE_TICKET_QR:
		want(is_ticket(m.id) && !m.op[0] && !m.file[0]);
		snprintf(rebuilt, sizeof(rebuilt), "/api/v1/tickets/%s%s", m.id,
			 r == HTTP_ROUTE_TICKET_QR ? "/qr.svg" : "");
		want(!strcmp(m.allow, r == HTTP_ROUTE_TICKET ? "GET, DELETE" : "GET"));
		want(!strcmp(rebuilt, path));
		break;
	case HTTP_ROUTE_COUNTER:
		want(is_id(m.id) && proto_op_from_path(m.op) >= 0 && !m.file[0]);
		snprintf(rebuilt, sizeof(rebuilt), "/api/v1/counters/%s/%s", m.id, m.op);
		want(!strcmp(rebuilt, path) && !strcmp(m.allow, "POST"));
		break;
	case HTTP_ROUTE_COUNTER_BAD_OP: {
		want(is_id(m.id) && !m.op[0] && !m.file[0]);
		int len = snprintf(rebuilt, sizeof(rebuilt), "/api/v1/counters/%s/", m.id);
		const char *op = path + len;
		want(!strncmp(rebuilt, path, (size_t)len) && *op && !strchr(op, '/'));
		want(proto_op_from_path(op) < 0);
		break;
	}
	case HTTP_ROUTE_PAGE:
		want(!m.op[0] && !strcmp(m.allow, "GET"));
		if (!strcmp(file, "display.html") || !strcmp(file, "kiosk.html")) {
			if (m.id[0]) {
				want(is_id(m.id));
				snprintf(rebuilt, sizeof(rebuilt), "/%.*s/%s",
					 (int)(strlen(file) - 5), file, m.id);
			} else {
				want(!strcmp(file, "kiosk.html"));
				snprintf(rebuilt, sizeof(rebuilt), "/kiosk");
			}
		} else if (!strcmp(file, "ticket.html")) {
			want(is_ticket(m.id));
			snprintf(rebuilt, sizeof(rebuilt), "/t/%s", m.id);
		} else if (!strcmp(file, "index.html")) {
			want(!m.id[0]);
			want(!strcmp(path, "/") || !strcmp(path, "/index.html"));
			snprintf(rebuilt, sizeof(rebuilt), "%s", path);
		} else {
			want(!m.id[0] &&
			     (!strcmp(file, "counter.html") || !strcmp(file, "dashboard.html") ||
			      !strcmp(file, "admin.html") || !strcmp(file, "login.html")));
			snprintf(rebuilt, sizeof(rebuilt), "/%.*s", (int)(strlen(file) - 5), file);
		}
		want(!strcmp(rebuilt, path));
		break;
	case HTTP_ROUTE_STATIC:
		want(!m.id[0] && !m.op[0] && !strcmp(m.allow, "GET"));
		check_static(file);
		snprintf(rebuilt, sizeof(rebuilt), "/%s", file);
		want(!strcmp(rebuilt, path));
		break;
	case HTTP_ROUTE_ANNOUNCE:
		want(is_id(m.id) && !m.op[0] && !m.file[0] && !strcmp(m.allow, "GET"));
		want(m.lang[0] &&
		     strspn(m.lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-") == strlen(m.lang));
		want(m.number[0] &&
		     strspn(m.number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == strlen(m.number));
		snprintf(rebuilt, sizeof(rebuilt), "/api/v1/announce/%s/%s/%s.wav", m.lang,
			 m.number, m.id);
		want(!strcmp(rebuilt, path));
		break;
	case HTTP_ROUTE_ADMIN_SESSION: /* a session's 16 hex, else "" (no such session) */
		want(!m.op[0] && !m.file[0] && !strcmp(m.allow, "DELETE"));
		want(!m.id[0] || (strlen(m.id) == 16 && strspn(m.id, "0123456789abcdef") == 16));
		if (m.id[0]) {
			snprintf(rebuilt, sizeof(rebuilt), "/api/v1/admin/sessions/%s", m.id);
			want(!strcmp(rebuilt, path));
		}
		break;
	case HTTP_ROUTE_ADMIN_USER:
	case HTTP_ROUTE_ADMIN_USER_RESET: /* a user name, else "" (no such user) */
		want(!m.id[0] && !m.op[0] && !m.file[0]);
		want(!strcmp(m.allow, r == HTTP_ROUTE_ADMIN_USER ? "PATCH, DELETE" : "POST"));
		want(strlen(m.name) <= 64 &&
		     strspn(m.name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(m.name));
		if (m.name[0]) {
			snprintf(rebuilt, sizeof(rebuilt), "/api/v1/admin/users/%s%s", m.name,
				 r == HTTP_ROUTE_ADMIN_USER_RESET ? "/reset" : "");
			want(!strcmp(rebuilt, path));
		}
		break;
	default:
		want(!m.id[0] && !m.op[0] && !m.file[0]);
		want(strncmp(path, "/api/v1/tickets/", 16) != 0 &&
		     strncmp(path, "/api/v1/counters/", 17) != 0);
		break;
	}

	return 0;
}
