/*
 * api_static.c — serves the browser pages and their assets from the www folder
 * (torgd --www, default the source tree's server/www), with their security headers
 * (a Content-Security-Policy without inline script, frame-ancestors per page,
 * nosniff, no Referer). Which file a path names is decided by http_route (pages carry
 * ids the page reads from its own URL; asset paths are checked segment by segment, so
 * nothing outside the folder can be named): here the file is only looked up and sent.
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

/* The Content-Security-Policy of the pages: nothing inline, nothing from elsewhere;
 * frame_ancestors says who may frame the page. */
#define PAGE_CSP                                                                                   \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "         \
	"form-action 'self'; frame-ancestors "

void api__static_headers(struct api *a)
{
	static const char base[] = "x-content-type-options: nosniff\x0d\x0a"
				   "cache-control: no-cache\x0d\x0a"
				   "referrer-policy: no-referrer\x0d\x0a";
	/* With torgd's own TLS, pages also say: only over https, for a year. */
	char *common =
	    xasprintf("%s%s", base,
		      api__tls_on(a) ? "strict-transport-security: max-age=31536000\x0d\x0a" : "");
	/* Staff pages and the visitor's pages are never framed (clickjacking); a wall
	 * display may be, by the floor itself and by the signage origins configured. */
	a->page_headers = xasprintf("%scontent-security-policy: " PAGE_CSP "'none'\x0d\x0a"
				    "x-frame-options: DENY\x0d\x0a",
				    common);
	struct util_text anc = {0};
	util_text_printf(&anc, "'self'");
	for (size_t i = 0; i < a->cfg->nframe_ancestors; i++)
		util_text_printf(&anc, " %s", a->cfg->frame_ancestors[i]);
	a->display_headers =
	    xasprintf("%scontent-security-policy: " PAGE_CSP "%s\x0d\x0a", common, anc.s);
	free(anc.s);
	a->asset_headers = xasprintf("%scontent-security-policy: default-src 'none'; "
				     "frame-ancestors 'none'\x0d\x0a",
				     common);
	free(common);
}

int api__static_serve(struct api *a, struct lws *wsi, const char *file)
{
	char full[1024];
	snprintf(full, sizeof(full), "%s/%s", a->www, file);
	struct stat st;
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return 1;
	const char *headers = strncmp(file, "static/", 7) == 0	  ? a->asset_headers
			      : strcmp(file, "display.html") == 0 ? a->display_headers
								  : a->page_headers;
	int rc = lws_serve_http_file(wsi, full, mime_of(full), headers, (int)strlen(headers));
	if (rc < 0)
		return -1;
	if (rc > 0 && lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}
