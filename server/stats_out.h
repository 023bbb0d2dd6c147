/*
 * stats_out.h — the wire forms of a statistics result: the JSON object of
 * GET /api/v1/stats and the CSV text of /api/v1/stats.csv (group=staff too), as
 * proto/PROTOCOL.md ("Statistics") describes them.
 */
#ifndef TORG_STATS_OUT_H
#define TORG_STATS_OUT_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "stats.h"
#include "stats_staff.h"

/** The JSON answer for r (new reference); ids come from cfg (borrowed). */
json_t *stats_out_json(const struct stats_result *r, const struct config *cfg);
/** The CSV answer for r in lang's conventions (separator, decimal mark, header names,
 *  service and counter names; English's for a language without its own): BOM, header
 *  row, one row per group, CRLF line ends. Returns malloc'd text and its length in *len. */
char *stats_out_csv(const struct stats_result *r, const struct config *cfg, const char *lang,
		    size_t *len);
/** The JSON answer of group=staff (new reference). */
json_t *stats_out_staff_json(const struct stats_staff *r);
/** The CSV answer of group=staff in lang's conventions: BOM, header row, one row per staff member,
 * CRLF line ends. Returns malloc'd text and its length in *len. */
char *stats_out_staff_csv(const struct stats_staff *r, const char *lang, size_t *len);
/** The wire name of a grouping ("service", "counter", "day", "hour"). */
const char *stats_out_group_name(enum stats_group g);

#endif
