/*
 * api_stats.c — the statistics routes (/api/v1/stats, /api/v1/stats.csv) for
 * managers. Not built yet: the statistics issue fills this file; until then the
 * routes answer 404 like any unknown route.
 */
#include "api_int.h"

bool api__stats_route(struct api *a, struct http_req *r, const char *path)
{
	(void)a;
	(void)r;
	(void)path;
	return false;
}
