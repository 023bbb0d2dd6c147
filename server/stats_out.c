/*
 * stats_out.c — renders a statistics result (stats.h) as the JSON of
 * GET /api/v1/stats and the CSV of /api/v1/stats.csv (proto/PROTOCOL.md,
 * "Statistics"). Durations are seconds rounded to the millisecond, shares
 * fractions of 1; a figure with nothing to measure is null in JSON and an
 * empty cell in CSV. The CSV has a header row, one row per group, ISO dates,
 * CRLF line ends (RFC 4180), so it opens as it is in a spreadsheet. The
 * per-staff answer (group=staff, stats_staff.h) has its own rows and columns.
 */
#include "stats_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const group_names[] = {"service", "counter", "day", "hour"};

/* Columns of a row after its key, in CSV order. */
static const char *const columns[] = {
    "arrivals",	     "issued",	      "transfers_in", "transfers_out", "called",
    "served",	     "no_shows",      "cancelled",    "target_met",    "target_met_share",
    "wait_mean_s",   "wait_median_s", "wait_p90_s",   "wait_max_s",    "service_mean_s",
    "service_p90_s", "open_s",	      "busy_s",	      "utilisation",   "queue_max",
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* A column value: integer, number or null. */
struct val {
	enum { V_NULL, V_INT, V_NUM } t;
	long long i;
	double d;
};

/* Rounds to the millisecond (or 1e-3 of a share). */
static double milli(double x)
{
	return round(x * 1000.0) / 1000.0;
}

/* The values of one row, in column order. */
static void row_values(const struct stats_fig *f, struct val v[NCOLS])
{
	uint32_t ints[] = {f->arrivals, f->issued,   f->transfers_in, f->transfers_out, f->called,
			   f->served,	f->no_shows, f->cancelled,    f->target_met};
	size_t k = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
		v[k++] = (struct val){V_INT, ints[i], 0};
	v[k++] = f->called ? (struct val){V_NUM, 0, milli((double)f->target_met / f->called)}
			   : (struct val){V_NULL, 0, 0};
	struct stats_summary w = stats_summarise(&f->waits), s = stats_summarise(&f->services);
	double wv[] = {w.mean_s, w.median_s, w.p90_s, w.max_s};
	for (size_t i = 0; i < 4; i++)
		v[k++] = w.n ? (struct val){V_NUM, 0, milli(wv[i])} : (struct val){V_NULL, 0, 0};
	v[k++] = s.n ? (struct val){V_NUM, 0, milli(s.mean_s)} : (struct val){V_NULL, 0, 0};
	v[k++] = s.n ? (struct val){V_NUM, 0, milli(s.p90_s)} : (struct val){V_NULL, 0, 0};
	v[k++] = (struct val){V_NUM, 0, milli(f->open_ms / 1000.0)};
	v[k++] = (struct val){V_NUM, 0, milli(f->busy_ms / 1000.0)};
	v[k++] = f->open_ms ? (struct val){V_NUM, 0, milli((double)f->busy_ms / f->open_ms)}
			    : (struct val){V_NULL, 0, 0};
	v[k++] = (struct val){V_INT, f->queue_max, 0};
}

/* True when a row has no figure at all. */
static bool fig_empty(const struct stats_fig *f)
{
	return !f->arrivals && !f->called && !f->served && !f->no_shows && !f->cancelled &&
	       !f->transfers_out && !f->open_ms && !f->busy_ms && !f->queue_max;
}

/* The figures object of a row. */
static json_t *fig_json(const struct stats_fig *f)
{
	struct val v[NCOLS];
	row_values(f, v);
	json_t *o = json_object();
	for (size_t i = 0; i < NCOLS; i++)
		json_object_set_new(o, columns[i],
				    v[i].t == V_NULL  ? json_null()
				    : v[i].t == V_INT ? json_integer(v[i].i)
						      : json_real(v[i].d));
	return o;
}

/* Sets the row's key field. */
static void key_json(json_t *o, const struct stats_result *r, const struct config *cfg, size_t i)
{
	int32_t k = r->keys[i];
	char day[16];
	switch (r->q.group) {
	case STATS_GROUP_SERVICE:
		json_object_set_new(o, "service", json_string(cfg->services[k].id));
		break;
	case STATS_GROUP_COUNTER:
		json_object_set_new(o, "counter",
				    k < 0 ? json_null() : json_string(cfg->counters[k].id));
		break;
	case STATS_GROUP_DAY:
		hours_format_date(k, day, sizeof(day));
		json_object_set_new(o, "day", json_string(day));
		break;
	case STATS_GROUP_HOUR:
		json_object_set_new(o, "hour", json_integer(k));
		break;
	}
}

/* Whether row i is shown: every row, except the counter group's "never called" row
 * when it is empty. */
static bool row_shown(const struct stats_result *r, size_t i)
{
	return !(r->q.group == STATS_GROUP_COUNTER && r->keys[i] < 0 && fig_empty(&r->rows[i]));
}

json_t *stats_out_json(const struct stats_result *r, const struct config *cfg)
{
	char from[16], to[16];
	hours_format_date(r->q.from, from, sizeof(from));
	hours_format_date(r->q.to, to, sizeof(to));
	json_t *o = json_object();
	json_object_set_new(o, "from", json_string(from));
	json_object_set_new(o, "to", json_string(to));
	json_object_set_new(o, "group", json_string(group_names[r->q.group]));
	json_object_set_new(o, "days_with_data", json_integer(r->ndays_data));
	json_object_set_new(o, "per_staff", json_boolean(cfg->per_staff));
	json_t *rows = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		if (!row_shown(r, i))
			continue;
		json_t *row = fig_json(&r->rows[i]);
		key_json(row, r, cfg, i);
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "total", fig_json(&r->total));

	json_t *targets = json_object();
	for (size_t s = 0; s < r->nservices; s++)
		json_object_set_new(targets, cfg->services[s].id,
				    json_integer(cfg->services[s].target_wait_s));
	json_object_set_new(o, "target_wait_s", targets);

	json_t *queue = json_array();
	for (int h = 0; h < STATS_HOURS; h++) {
		for (size_t s = 0; s < r->nservices; s++) {
			size_t k = (size_t)h * r->nservices + s;
			if (!r->queue_area[k] && !r->queue_max[k])
				continue;
			json_t *q = json_object();
			json_object_set_new(q, "hour", json_integer(h));
			json_object_set_new(q, "service", json_string(cfg->services[s].id));
			double mean = r->ndays_data
					  ? (double)r->queue_area[k] / (3600000.0 * r->ndays_data)
					  : 0;
			json_object_set_new(q, "mean", json_real(milli(mean)));
			json_object_set_new(q, "max", json_integer(r->queue_max[k]));
			json_array_append_new(queue, q);
		}
	}
	json_object_set_new(o, "queue_by_hour", queue);

	json_t *tr = json_array();
	for (size_t f = 0; f < r->nservices; f++) {
		for (size_t t = 0; t < r->nservices; t++) {
			uint32_t n = r->tr_visits[f * r->nservices + t];
			if (!n)
				continue;
			int64_t ms = r->tr_floor_ms[f * r->nservices + t];
			json_t *x = json_object();
			json_object_set_new(x, "from", json_string(cfg->services[f].id));
			json_object_set_new(x, "to", json_string(cfg->services[t].id));
			json_object_set_new(x, "visitors", json_integer(n));
			json_object_set_new(x, "floor_time_total_s", json_real(milli(ms / 1000.0)));
			json_object_set_new(x, "floor_time_mean_s",
					    json_real(milli(ms / 1000.0 / n)));
			json_array_append_new(tr, x);
		}
	}
	json_object_set_new(o, "transfers", tr);

	json_t *hist = json_object(), *counts = json_array();
	for (size_t i = 0; i < STATS_HIST_BINS; i++)
		json_array_append_new(counts, json_integer(r->hist[i]));
	json_object_set_new(hist, "bin_s", json_integer(STATS_HIST_BIN_S));
	json_object_set_new(hist, "counts", counts);
	json_object_set_new(o, "wait_histogram", hist);
	return o;
}

/* Appends the values of one CSV row after its key cell, each after a comma (a null one
 * as an empty cell), and the row's CRLF. */
static void csv_values(struct util_text *t, const struct val *v, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		if (v[c].t == V_NULL)
			util_text_printf(t, ",");
		else if (v[c].t == V_INT)
			util_text_printf(t, ",%lld", v[c].i);
		else
			util_text_printf(t, ",%.3f", v[c].d);
	}
	util_text_printf(t, "\r\n");
}

char *stats_out_csv(const struct stats_result *r, const struct config *cfg, size_t *len)
{
	struct util_text t = {0};
	util_text_printf(&t, "%s", group_names[r->q.group]);
	for (size_t c = 0; c < NCOLS; c++)
		util_text_printf(&t, ",%s", columns[c]);
	util_text_printf(&t, "\r\n");
	for (size_t i = 0; i < r->nrows; i++) {
		if (!row_shown(r, i))
			continue;
		int32_t k = r->keys[i];
		char day[16];
		switch (r->q.group) {
		case STATS_GROUP_SERVICE:
			util_text_printf(&t, "%s", cfg->services[k].id);
			break;
		case STATS_GROUP_COUNTER:
			util_text_printf(&t, "%s", k < 0 ? "none" : cfg->counters[k].id);
			break;
		case STATS_GROUP_DAY:
			hours_format_date(k, day, sizeof(day));
			util_text_printf(&t, "%s", day);
			break;
		case STATS_GROUP_HOUR:
			util_text_printf(&t, "%d", k);
			break;
		}
		struct val v[NCOLS];
		row_values(&r->rows[i], v);
		csv_values(&t, v, NCOLS);
	}
	*len = t.len;
	return t.s;
}

const char *stats_out_group_name(enum stats_group g)
{
	return group_names[g];
}

/* Columns of a staff row after its key, in CSV order. */
static const char *const staff_columns[] = {
    "served", "no_shows", "service_mean_s", "service_p90_s", "signed_on_s", "busy_s", "busy_share",
};
#define NSTAFF (sizeof(staff_columns) / sizeof(staff_columns[0]))

/* The values of one staff row, in column order. */
static void staff_values(const struct stats_staff_row *row, struct val v[NSTAFF])
{
	struct stats_summary s = stats_summarise(&row->services);
	v[0] = (struct val){V_INT, row->served, 0};
	v[1] = (struct val){V_INT, row->no_shows, 0};
	v[2] = s.n ? (struct val){V_NUM, 0, milli(s.mean_s)} : (struct val){V_NULL, 0, 0};
	v[3] = s.n ? (struct val){V_NUM, 0, milli(s.p90_s)} : (struct val){V_NULL, 0, 0};
	v[4] = (struct val){V_NUM, 0, milli(row->signed_on_ms / 1000.0)};
	v[5] = (struct val){V_NUM, 0, milli(row->busy_ms / 1000.0)};
	v[6] = row->signed_on_ms
		   ? (struct val){V_NUM, 0, milli((double)row->busy_ms / row->signed_on_ms)}
		   : (struct val){V_NULL, 0, 0};
}

json_t *stats_out_staff_json(const struct stats_staff *r)
{
	char from[16], to[16];
	hours_format_date(r->from, from, sizeof(from));
	hours_format_date(r->to, to, sizeof(to));
	json_t *o = json_object();
	json_object_set_new(o, "from", json_string(from));
	json_object_set_new(o, "to", json_string(to));
	json_object_set_new(o, "group", json_string("staff"));
	json_object_set_new(o, "per_staff", json_true());
	json_t *rows = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		struct val v[NSTAFF];
		staff_values(&r->rows[i], v);
		json_t *row = json_object();
		json_object_set_new(row, "staff", json_string(r->rows[i].user));
		for (size_t c = 0; c < NSTAFF; c++)
			json_object_set_new(row, staff_columns[c],
					    v[c].t == V_NULL  ? json_null()
					    : v[c].t == V_INT ? json_integer(v[c].i)
							      : json_real(v[c].d));
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "rows", rows);
	return o;
}

char *stats_out_staff_csv(const struct stats_staff *r, size_t *len)
{
	struct util_text t = {0};
	util_text_printf(&t, "staff");
	for (size_t c = 0; c < NSTAFF; c++)
		util_text_printf(&t, ",%s", staff_columns[c]);
	util_text_printf(&t, "\r\n");
	for (size_t i = 0; i < r->nrows; i++) {
		/* quoted as RFC 4180 asks if a name ever holds a comma, quote or line end */
		const char *u = r->rows[i].user;
		if (strpbrk(u, ",\"\r\n")) {
			util_text_printf(&t, "\"");
			for (const char *p = u; *p; p++)
				if (*p == '"')
					util_text_printf(&t, "\"\"");
				else
					util_text_printf(&t, "%c", *p);
			util_text_printf(&t, "\"");
		} else {
			util_text_printf(&t, "%s", u);
		}
		struct val v[NSTAFF];
		staff_values(&r->rows[i], v);
		csv_values(&t, v, NSTAFF);
	}
	*len = t.len;
	return t.s;
}
