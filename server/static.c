/*
 * static.c — serves the browser pages and their assets from the www folder
 * (torgd --www, default the source tree's server/www). Page routes carry ids
 * (/display/hall, /kiosk/k1, /t/<ticket>) that the page itself reads from its
 * URL, so each maps to one HTML file. Paths are checked character by
 * character: nothing outside the folder can be named.
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* MIME type for a file name's extension. */
static const char *mime_of(const char *path)
{
	static const struct {
		const char *ext, *mime;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".json", "application/json"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".mp3", "audio/mpeg"},
	    {".ogg", "audio/ogg"},
	    {".wav", "audio/wav"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < ARRAY_SIZE(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return "application/octet-stream";
}

/* True for a safe relative asset path: [A-Za-z0-9._-] segments, no "..". */
static bool safe_path(const char *p)
{
	if (!*p || strstr(p, "..") || p[0] == '/')
		return false;
	for (; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

/* True for one path segment of id characters. */
static bool id_segment(const char *p)
{
	if (!*p || strlen(p) > 64)
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

int api__static_serve(struct api *a, struct lws *wsi, const char *path)
{
	const char *file = NULL;
	char rel[300];
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
		file = "index.html";
	else if (strncmp(path, "/display/", 9) == 0 && id_segment(path + 9))
		file = "display.html";
	else if (strcmp(path, "/kiosk") == 0 ||
		 (strncmp(path, "/kiosk/", 7) == 0 && id_segment(path + 7)))
		file = "kiosk.html";
	else if (strcmp(path, "/counter") == 0)
		file = "counter.html";
	else if (strcmp(path, "/dashboard") == 0)
		file = "dashboard.html";
	else if (strncmp(path, "/t/", 3) == 0 && id_segment(path + 3))
		file = "ticket.html";
	else if (strncmp(path, "/static/", 8) == 0 && safe_path(path + 8)) {
		snprintf(rel, sizeof(rel), "static/%s", path + 8);
		file = rel;
	}
	if (!file)
		return 1;
	char full[1024];
	snprintf(full, sizeof(full), "%s/%s", a->www, file);
	struct stat st;
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return 1;
	static const char headers[] = "x-content-type-options: nosniff\x0d\x0a"
				      "cache-control: no-cache\x0d\x0a"
				      "referrer-policy: no-referrer\x0d\x0a";
	int rc = lws_serve_http_file(wsi, full, mime_of(full), headers, (int)strlen(headers));
	if (rc < 0)
		return -1;
	if (rc > 0 && lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}
