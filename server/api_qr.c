/*
 * api_qr.c — GET /api/v1/tickets/{id}/qr.svg: the QR code a kiosk shows and
 * prints on the ticket, opening the visitor's phone page for that ticket. It
 * is drawn server-side with libqrencode as one SVG path, so the kiosk needs no
 * script library and the receipt printer gets crisp vector output. The URL is
 * the configured public URL, or the Host the kiosk used.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "util.h"

/* The SVG of a QR code for text (malloc'd), or NULL when it cannot be encoded. */
char *api__qr_svg(const char *text, size_t *len)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return NULL;
	int w = qr->width, quiet = 4, size = w + 2 * quiet;
	struct util_text b = {0};
	char tmp[160];
	int n = snprintf(tmp, sizeof(tmp),
			 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
			 "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
			 "fill=\"#fff\"/><path fill=\"#000\" d=\"",
			 size, size, size, size);
	util_text_put(&b, tmp, (size_t)n);
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w; x++) {
			if (!(qr->data[y * w + x] & 1))
				continue;
			int run = 1;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			n = snprintf(tmp, sizeof(tmp), "M%d %dh%dv1h-%dz", x + quiet, y + quiet,
				     run, run);
			util_text_put(&b, tmp, (size_t)n);
			x += run - 1;
		}
	}
	util_text_put(&b, "\"/></svg>\n", 10);
	QRcode_free(qr);
	*len = b.len;
	return b.s;
}

void api__qr_route(struct api *a, struct http_req *r, const char *id)
{
	uint8_t token[FLOOR_TOKEN_LEN];
	if (util_unhex(id, 2 * FLOOR_TOKEN_LEN, token, sizeof(token)) != 0 ||
	    floor_ticket_by_token(engine_floor(a->engine), token) == FLOOR_NONE) {
		api__http_fail(r, 404, "unknown_ticket", "no such ticket today", NULL);
		return;
	}
	char base[300], host[256];
	if (a->cfg->public_url)
		snprintf(base, sizeof(base), "%s", a->cfg->public_url);
	else if (api__http_host(r, host, sizeof(host)))
		snprintf(base, sizeof(base), "%s://%s", api__http_https(r) ? "https" : "http",
			 host);
	else
		snprintf(base, sizeof(base), "%s://%s", api__tls_on(a) ? "https" : "http",
			 a->cfg->listen);
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		base[--bl] = '\0';
	char url[400];
	snprintf(url, sizeof(url), "%s/t/%.*s", base, 2 * FLOOR_TOKEN_LEN, id);
	size_t n;
	char *svg = api__qr_svg(url, &n);
	if (!svg) {
		api__http_fail(r, 500, "internal", "cannot draw the QR code", NULL);
		return;
	}
	api__http_text(r, 200, "image/svg+xml", svg, n);
}
