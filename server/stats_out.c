/*
 * stats_out.c — renders a statistics result (stats.h) as the JSON of
 * GET /api/v1/stats and the CSV of /api/v1/stats.csv (proto/PROTOCOL.md,
 * "Statistics"). Durations are seconds rounded to the millisecond, shares
 * fractions of 1; a figure with nothing to measure is null in JSON and an
 * empty cell in CSV. The CSV is written in a language's conventions (a spreadsheet
 * in that language opens it as it is): a UTF-8 byte order mark, a header row naming
 * each column in the language, ';' and a decimal comma for nb, nn and sv (',' and a
 * point for English), one row per group with service and counter names beside their
 * ids, ISO dates, cells quoted as RFC 4180 asks, CRLF line ends. The
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

/* How a CSV is written for one language: separator, decimal mark, and the header's
 * column names (key columns, then the figures in `columns` order, then the staff figures in
 * `staff_columns` order). Languages without a table use English's. */
struct csv_lang {
	const char *lang;
	char sep, dec;
	const char *key[6]; /* service id, service, counter id, counter, day, hour */
	const char *never_called;
	const char *fig[20];
	const char *staff[8]; /* staff, then its figures */
};

static const struct csv_lang csv_langs[] = {
    {"nb",
     ';',
     ',',
     {"Tjeneste-ID", "Tjeneste", "Skranke-ID", "Skranke", "Dag", "Time"},
     "ikke kalt opp",
     {"Ankomster",
      "Trekte billetter",
      "Overført inn",
      "Overført ut",
      "Kalt opp",
      "Betjent",
      "Møtte ikke",
      "Avbrutt",
      "Innenfor målet",
      "Andel innenfor målet",
      "Snittventetid (s)",
      "Median ventetid (s)",
      "Ventetid 90. persentil (s)",
      "Lengste ventetid (s)",
      "Snitt behandlingstid (s)",
      "Behandlingstid 90. persentil (s)",
      "Åpen tid (s)",
      "Opptatt tid (s)",
      "Utnyttelse",
      "Lengste kø"},
     {"Ansatt", "Betjent", "Møtte ikke", "Snitt behandlingstid (s)",
      "Behandlingstid 90. persentil (s)", "Pålogget tid (s)", "Opptatt tid (s)", "Andel opptatt"}},
    {"nn",
     ';',
     ',',
     {"Teneste-ID", "Teneste", "Skranke-ID", "Skranke", "Dag", "Time"},
     "ikkje kalla opp",
     {"Ankomstar",
      "Trekte billettar",
      "Overført inn",
      "Overført ut",
      "Kalla opp",
      "Betente",
      "Møtte ikkje",
      "Avbrotne",
      "Innanfor målet",
      "Del innanfor målet",
      "Snittventetid (s)",
      "Median ventetid (s)",
      "Ventetid 90. persentil (s)",
      "Lengste ventetid (s)",
      "Snitt handsamingstid (s)",
      "Handsamingstid 90. persentil (s)",
      "Open tid (s)",
      "Oppteken tid (s)",
      "Utnytting",
      "Lengste kø"},
     {"Tilsett", "Betente", "Møtte ikkje", "Snitt handsamingstid (s)",
      "Handsamingstid 90. persentil (s)", "Pålogga tid (s)", "Oppteken tid (s)", "Del oppteken"}},
    {"sv",
     ';',
     ',',
     {"Tjänst-ID", "Tjänst", "Disk-ID", "Disk", "Dag", "Timme"},
     "aldrig uppropad",
     {"Ankomster",
      "Dragna nummerlappar",
      "Överförda in",
      "Överförda ut",
      "Uppropade",
      "Betjänade",
      "Uteblivna",
      "Avbrutna",
      "Inom målet",
      "Andel inom målet",
      "Medelväntetid (s)",
      "Medianväntetid (s)",
      "Väntetid 90:e percentil (s)",
      "Längsta väntetid (s)",
      "Medelbetjäningstid (s)",
      "Betjäningstid 90:e percentil (s)",
      "Öppen tid (s)",
      "Upptagen tid (s)",
      "Nyttjandegrad",
      "Längsta kö"},
     {"Personal", "Betjänade", "Uteblivna", "Medelbetjäningstid (s)",
      "Betjäningstid 90:e percentil (s)", "Inloggad tid (s)", "Upptagen tid (s)",
      "Andel upptagen"}},
    {"en",
     ',',
     '.',
     {"Service ID", "Service", "Counter ID", "Counter", "Day", "Hour"},
     "never called",
     {"Arrivals",
      "Tickets issued",
      "Transferred in",
      "Transferred out",
      "Called",
      "Served",
      "No-shows",
      "Cancelled",
      "Within target",
      "Share within target",
      "Mean wait (s)",
      "Median wait (s)",
      "90th percentile wait (s)",
      "Longest wait (s)",
      "Mean service time (s)",
      "90th percentile service time (s)",
      "Open time (s)",
      "Busy time (s)",
      "Utilisation",
      "Longest queue"},
     {"Staff", "Served", "No-shows", "Mean service time (s)", "90th percentile service time (s)",
      "Signed-on time (s)", "Busy time (s)", "Busy share"}},
};
_Static_assert(ARRAY_SIZE(csv_langs[0].fig) == NCOLS, "a header name per figure");

/* The CSV conventions of lang (English's for a language without its own). */
static const struct csv_lang *csv_lang(const char *lang)
{
	for (size_t i = 0; i < ARRAY_SIZE(csv_langs); i++)
		if (lang && strcmp(csv_langs[i].lang, lang) == 0)
			return &csv_langs[i];
	return &csv_langs[ARRAY_SIZE(csv_langs) - 1];
}

/* Appends one cell, after a separator unless it is the row's first; quoted as RFC 4180
 * asks when it holds the separator, a quote or a line end (a name can). */
static void csv_cell(struct util_text *t, const struct csv_lang *cl, bool first, const char *s)
{
	char special[] = {cl->sep, '"', '\r', '\n', 0};
	if (!first)
		util_text_put(t, &cl->sep, 1);
	if (!strpbrk(s, special)) {
		util_text_printf(t, "%s", s);
		return;
	}
	util_text_put(t, "\"", 1);
	for (const char *p = s; *p; p++) {
		util_text_put(t, p, 1);
		if (*p == '"')
			util_text_put(t, "\"", 1); /* a quote is doubled */
	}
	util_text_put(t, "\"", 1);
}

/* Appends the values of one CSV row after its key cells (a null one as an empty cell),
 * numbers with the language's decimal mark, and the row's CRLF. */
static void csv_values(struct util_text *t, const struct csv_lang *cl, const struct val *v,
		       size_t n)
{
	for (size_t c = 0; c < n; c++) {
		char num[48] = "";
		if (v[c].t == V_INT)
			snprintf(num, sizeof(num), "%lld", v[c].i);
		else if (v[c].t == V_NUM)
			snprintf(num, sizeof(num), "%.3f", v[c].d);
		char *dot = strchr(num, '.');
		if (dot)
			*dot = cl->dec;
		csv_cell(t, cl, false, num);
	}
	util_text_printf(t, "\r\n");
}

/* The UTF-8 byte order mark: spreadsheets read the file as UTF-8 only with it. */
static void csv_bom(struct util_text *t)
{
	util_text_put(t, "\xEF\xBB\xBF", 3);
}

/* The header row of a grouping: its key columns, then the figures. */
static void csv_header(struct util_text *t, const struct csv_lang *cl, enum stats_group g)
{
	if (g == STATS_GROUP_SERVICE || g == STATS_GROUP_COUNTER) {
		int k = g == STATS_GROUP_SERVICE ? 0 : 2;
		csv_cell(t, cl, true, cl->key[k]);
		csv_cell(t, cl, false, cl->key[k + 1]);
	} else {
		csv_cell(t, cl, true, cl->key[g == STATS_GROUP_DAY ? 4 : 5]);
	}
	for (size_t c = 0; c < NCOLS; c++)
		csv_cell(t, cl, false, cl->fig[c]);
	util_text_printf(t, "\r\n");
}

/* The key cells of row i: id and name in lang for services and counters, else the
 * ISO date or the hour. */
static void csv_key(struct util_text *t, const struct csv_lang *cl, const struct stats_result *r,
		    const struct config *cfg, const char *lang, size_t i)
{
	int32_t k = r->keys[i];
	char buf[16];
	const char *name;
	switch (r->q.group) {
	case STATS_GROUP_SERVICE:
		name = config_name_best(&cfg->services[k].name, lang);
		csv_cell(t, cl, true, cfg->services[k].id);
		csv_cell(t, cl, false, name ? name : cfg->services[k].id);
		break;
	case STATS_GROUP_COUNTER:
		name = k < 0 ? cl->never_called : config_name_best(&cfg->counters[k].name, lang);
		csv_cell(t, cl, true, k < 0 ? "" : cfg->counters[k].id);
		csv_cell(t, cl, false, name ? name : cfg->counters[k].id);
		break;
	case STATS_GROUP_DAY:
		hours_format_date(k, buf, sizeof(buf));
		csv_cell(t, cl, true, buf);
		break;
	case STATS_GROUP_HOUR:
		snprintf(buf, sizeof(buf), "%d", k);
		csv_cell(t, cl, true, buf);
		break;
	}
}

char *stats_out_csv(const struct stats_result *r, const struct config *cfg, const char *lang,
		    size_t *len)
{
	const struct csv_lang *cl = csv_lang(lang);
	struct util_text t = {0};
	csv_bom(&t);
	csv_header(&t, cl, r->q.group);
	for (size_t i = 0; i < r->nrows; i++) {
		if (!row_shown(r, i))
			continue;
		csv_key(&t, cl, r, cfg, lang, i);
		struct val v[NCOLS];
		row_values(&r->rows[i], v);
		csv_values(&t, cl, v, NCOLS);
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

char *stats_out_staff_csv(const struct stats_staff *r, const char *lang, size_t *len)
{
	const struct csv_lang *cl = csv_lang(lang);
	struct util_text t = {0};
	csv_bom(&t);
	for (size_t c = 0; c <= NSTAFF; c++)
		csv_cell(&t, cl, c == 0, cl->staff[c]);
	util_text_printf(&t, "\r\n");
	for (size_t i = 0; i < r->nrows; i++) {
		csv_cell(&t, cl, true, r->rows[i].user);
		struct val v[NSTAFF];
		staff_values(&r->rows[i], v);
		csv_values(&t, cl, v, NSTAFF);
	}
	*len = t.len;
	return t.s;
}
