/* render.c: what torg-display draws. It owns the layout of the full-screen board (title
 * line with the floor's name, the link state and the floor's clock; the newest call with
 * its number and counter name in block letters as large as the terminal allows; the last
 * calls; per service the number waiting and the estimated wait), mirrored for a language
 * written right to left (columns in reverse order, rows aligned right, numbers left to
 * right), and the plain-text board printed by --once or when stdout is not a terminal.
 * Its texts are the web pages' (i18n.h). Output is built in one buffer and written by the
 * caller in one go, so the screen never flickers. */
#include "display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROW_CELLS   16	      /* cells in one line of the board */
#define BIG_MAX	    8	      /* largest block-font scale */
#define BIG_LINES   3	      /* lines a counter name may wrap to */
#define CALL_NUM_W  7	      /* columns of a number in the calls list */
#define NOTICE_MAX  4	      /* messages drawn at once */
#define NOTICE_CODE "1;30;43" /* the notices band: bold black on yellow */

/* The language index of d: --lang, else the board's first one we have, else 0. */
static int lang_index(const struct display *d)
{
	int i = i18n_find(d->lang);
	for (size_t k = 0; i < 0 && k < d->board.nlanguages; k++)
		i = i18n_find(d->board.languages[k]);
	return i < 0 ? 0 : i;
}

const char *render_lang(const struct display *d)
{
	return i18n_langs[lang_index(d)].tag;
}

const char *render_text(const struct display *d, enum i18n_key key)
{
	const char *t = i18n_text(lang_index(d), key);
	if (d->utf8)
		return t;
	/* a terminal without UTF-8: the punctuation in ASCII, the rest as it is */
	static char ascii[I18N_NKEYS][128];
	char *p = ascii[key];
	size_t n = 0;
	for (; *t && n < sizeof(ascii[0]) - 4; t++) {
		if (!strncmp(t, "\xe2\x80\xa6", 3)) {
			memcpy(p + n, "...", 3);
			n += 3;
			t += 2;
		} else if (!strncmp(t, "\xe2\x80\x93", 3)) {
			p[n++] = '-';
			t += 2;
		} else {
			p[n++] = *t;
		}
	}
	p[n] = '\0';
	return p;
}

/* "HH:MM" of an ISO-8601 UTC time in the time zone of TZ (the floor's once a snapshot
 * came), or "" when it cannot be read. */
static void local_hhmm(const char *iso, char *buf, size_t n)
{
	struct tm tm = {0};
	buf[0] = '\0';
	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	struct tm lt;
	if (localtime_r(&t, &lt))
		strftime(buf, n, "%H:%M", &lt);
}

/* The counter's name in the board's language (its id when it has none); borrowed. */
static const char *counter_name(const struct display *d, const char *id)
{
	if (!id)
		return "";
	const struct proto_board_counter *c = proto_board_counter(&d->board, id);
	return c ? proto_board_name(&c->name, render_lang(d), id) : id;
}

/* The estimated wait as the web screen words it ("ca. 12 min"; "" with nobody waiting). */
static void eta_text(const struct display *d, const struct proto_board_service *s, char *buf,
		     size_t n)
{
	char num[24];
	if (!s->open)
		snprintf(buf, n, "%s", render_text(d, I18N_kiosk_closed));
	else if (!s->waiting)
		buf[0] = '\0';
	else if (s->eta_s < 0)
		snprintf(buf, n, "%s", render_text(d, I18N_wait_unknown));
	else if (s->eta_s < 60)
		snprintf(buf, n, "%s", render_text(d, I18N_wait_under_minute));
	else if (s->eta_s < 3600 - 59) {
		snprintf(num, sizeof(num), "%lld", (long long)((s->eta_s + 59) / 60));
		i18n_fill(buf, n, render_text(d, I18N_wait_minutes), "n", num);
	} else {
		/* an hour or more: to the nearest five minutes, as the web screen says it */
		long long min = (s->eta_s + 59) / 60, five = (min + 2) / 5 * 5;
		char h[24], m[24], part[128];
		snprintf(h, sizeof(h), "%lld", five / 60);
		snprintf(m, sizeof(m), "%lld", five % 60);
		if (five % 60 == 0) {
			i18n_fill(buf, n, render_text(d, I18N_wait_hours), "h", h);
		} else {
			i18n_fill(part, sizeof(part), render_text(d, I18N_wait_hours_minutes), "h",
				  h);
			i18n_fill(buf, n, part, "m", m);
		}
	}
}

/* Appends an SGR sequence when colours are on. */
static void sgr(struct out *o, const struct display *d, const char *code)
{
	if (d->color)
		out_fmt(o, "\x1b[%sm", code);
}

/* Ends a full-screen line: clears the rest of it and moves to the next. */
static void eol(struct out *o, const struct display *d)
{
	sgr(o, d, "0");
	out_str(o, d->fullscreen ? "\x1b[K\r\n" : "\n");
}

/* One line of the board as cells, emitted in reverse order for right to left. */
struct row {
	struct out c[ROW_CELLS];
	int n;
};

/* The next cell of r, starting with SGR code (NULL: none). */
static struct out *row_cell(struct row *r, const struct display *d, const char *code)
{
	struct out *c = &r->c[r->n < ROW_CELLS - 1 ? r->n++ : r->n];
	if (code)
		sgr(c, d, code);
	return c;
}

/* Appends the cells of r in reading order and ends the line; frees the cells. */
static void row_end(struct out *o, const struct display *d, struct row *r)
{
	for (int i = 0; i < r->n; i++) {
		struct out *c = &r->c[d->rtl ? r->n - 1 - i : i];
		if (c->s)
			out_add(o, c->s, c->len);
		sgr(o, d, "0");
	}
	for (int i = 0; i < r->n; i++)
		free(r->c[i].s);
	memset(r, 0, sizeof(*r));
	eol(o, d);
}

/* Alignment at the start of the line (left, or right when right to left). */
static int start(const struct display *d)
{
	return d->rtl ? 1 : 0;
}

/* Alignment at the end of the line (numbers in a column). */
static int end(const struct display *d)
{
	return d->rtl ? 0 : 1;
}

/* The arrow from a number to its counter, pointing the way the line reads (an ASCII
 * arrow is turned by the right-to-left order of out_cell). */
static const char *arrow(const struct display *d)
{
	if (!d->utf8)
		return "->";
	return d->rtl ? "\xe2\x86\x90" : "\xe2\x86\x92";
}

int64_t render_now_ms(const struct display *d)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + d->skew_ms;
}

uint64_t render_notices_sig(const struct display *d)
{
	const struct proto_board_message *m[NOTICE_MAX];
	size_t n = proto_board_messages_at(&d->board, render_now_ms(d), m, NOTICE_MAX);
	uint64_t h = d->board.notices.today ? 1469598103934665603ULL : 7;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint64_t)(uintptr_t)m[i]) * 1099511628211ULL;
	return h;
}

/* Today's exception in words, "Julaften: Stengt i dag" (or "Åpent i dag 08:00-12:00"),
 * into buf; "" when today has none. */
static void today_text(const struct display *d, char *buf, size_t n)
{
	const struct proto_board_notices *x = &d->board.notices;
	char what[160];
	buf[0] = '\0';
	if (!x->today)
		return;
	if (x->today_closed)
		snprintf(what, sizeof(what), "%s", render_text(d, I18N_notice_closed_today));
	else
		i18n_fill(what, sizeof(what), render_text(d, I18N_notice_hours_today), "hours",
			  x->today_hours ? x->today_hours : "");
	const char *note = proto_board_name(&x->today_note, render_lang(d), NULL);
	if (note)
		snprintf(buf, n, "%s: %s", note, what);
	else
		snprintf(buf, n, "%s", what);
}

/* Draws s in the notices band, wrapped at spaces into at most maxl lines of the board's
 * width (the last one cut with an ellipsis when more is left); returns the lines. */
static int draw_band_text(struct out *o, struct display *d, const char *s, int cols, int maxl)
{
	int w = cols - 4, n = 0;
	char *line = xmalloc(strlen(s) + 1);
	const char *p = s;
	while (*p == ' ')
		p++;
	while (*p && n < maxl) {
		size_t best = 0;
		for (const char *e = p;;) {
			while (*e == ' ')
				e++;
			while (*e && *e != ' ')
				e++;
			memcpy(line, p, (size_t)(e - p));
			line[e - p] = '\0';
			if (text_width(line) > w)
				break;
			best = (size_t)(e - p);
			if (!*e)
				break;
		}
		if (!best || n == maxl - 1)
			best = strlen(p); /* a word wider than the line, or the last line: cut */
		memcpy(line, p, best);
		line[best] = '\0';
		struct row r = {0};
		out_spaces(row_cell(&r, d, NOTICE_CODE), 2);
		out_cell(row_cell(&r, d, NOTICE_CODE), d, line, w, start(d));
		out_spaces(row_cell(&r, d, NOTICE_CODE), 2);
		row_end(o, d, &r);
		for (p += best; *p == ' ';)
			p++;
		n++;
	}
	free(line);
	return n;
}

/* The notices band under the title: today's exception, then each message showing now in
 * the primary language; at most max lines. Returns the lines drawn. */
static int draw_notices(struct out *o, struct display *d, int cols, int max)
{
	const struct proto_board_message *m[NOTICE_MAX];
	size_t n = proto_board_messages_at(&d->board, render_now_ms(d), m, NOTICE_MAX);
	char today[512];
	int used = 0;
	d->notices_sig = render_notices_sig(d);
	today_text(d, today, sizeof(today));
	if (today[0] && used < max)
		used += draw_band_text(o, d, today, cols, 1);
	for (size_t i = 0; i < n && used < max; i++) {
		const char *s = proto_board_name(&m[i]->text, render_lang(d), "");
		/* the last message gets what is left; the others two lines each at most */
		int lines = i + 1 < n ? 2 : max - used;
		used += draw_band_text(o, d, s, cols, lines < max - used ? lines : max - used);
	}
	return used;
}

/* The title line: floor name, link state, clock. */
static void draw_title(struct out *o, struct display *d, int cols)
{
	const char *name = proto_board_name(&d->board.floor_name, render_lang(d),
					    d->board.floor_id ? d->board.floor_id : "torg");
	const char *mark = d->link == DISPLAY_LIVE	   ? ""
			   : d->link == DISPLAY_CONNECTING ? render_text(d, I18N_loading)
							   : render_text(d, I18N_reconnecting);
	char clock[8];
	time_t now = time(NULL);
	struct tm lt;
	localtime_r(&now, &lt);
	strftime(clock, sizeof(clock), "%H:%M", &lt);
	snprintf(d->last_clock, sizeof(d->last_clock), "%s", clock);
	int mw = *mark ? text_width(mark) + 2 : 0;
	struct row r = {0};
	out_cell(row_cell(&r, d, "1;7"), d, " ", 1, 0);
	out_cell(row_cell(&r, d, "1;7"), d, name, cols - mw - 8, start(d));
	if (*mark) {
		struct out *c = row_cell(&r, d, "1;37;41");
		out_spaces(c, 1);
		out_cell(c, d, mark, mw - 2, 0);
		out_spaces(c, 1);
	}
	struct out *c = row_cell(&r, d, "1;7");
	out_fmt(c, " %s ", clock);
	row_end(o, d, &r);
}

/* How the newest call is drawn: the number at scale kn, the counter's name at kc (0:
 * plain text) in nlines lines, beside the number (side) or under it. */
struct plan {
	int kn, kc, nlines, rows;
	bool side;
	char lines[BIG_LINES][PROTO_BOARD_MAX_STRING];
};

/* The columns s takes at scale k (0: plain text), -1 when the font lacks a character. */
static int scaled_width(const char *s, int k)
{
	return k ? big_width(s, k) : text_width(s);
}

/* Wraps s at spaces into at most BIG_LINES lines of width w at scale k; returns the
 * number of lines, or -1 when it does not fit. */
static int wrap(const char *s, int k, int w, char lines[][PROTO_BOARD_MAX_STRING])
{
	int n = 0;
	lines[0][0] = '\0';
	char word[PROTO_BOARD_MAX_STRING];
	while (*s) {
		size_t len = strcspn(s, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, s);
		s += len + (s[len] == ' ');
		if (!len)
			continue;
		char next[2 * PROTO_BOARD_MAX_STRING];
		snprintf(next, sizeof(next), "%s%s%s", lines[n], lines[n][0] ? " " : "", word);
		int nw = scaled_width(next, k);
		if (nw >= 0 && nw <= w && strlen(next) < PROTO_BOARD_MAX_STRING) {
			snprintf(lines[n], PROTO_BOARD_MAX_STRING, "%s", next);
			continue;
		}
		int ww = scaled_width(word, k);
		if (ww < 0 || ww > w || !lines[n][0] || n + 1 == BIG_LINES)
			return -1;
		snprintf(lines[++n], PROTO_BOARD_MAX_STRING, "%s", word);
	}
	return lines[0][0] ? n + 1 : 0;
}

/* True when scale k can be drawn on d (without UTF-8 only whole rows: even scales). */
static bool scale_ok(const struct display *d, int k)
{
	return d->utf8 || k % 2 == 0;
}

/* Tries the counter at kc (0: plain) under the number at the largest scale that fits in
 * w x h; keeps it in *best when it beats it. */
static void try_stacked(const struct display *d, const char *num, const char *name, int kc, int w,
			int h, struct plan *best)
{
	struct plan p = {.kc = kc};
	p.nlines = wrap(name, kc, w, p.lines);
	if (p.nlines < 0)
		return;
	int name_rows = kc ? p.nlines * big_rows(d, kc) + p.nlines - 1 : p.nlines;
	for (int kn = BIG_MAX; kn >= (kc ? kc : 1); kn--) {
		if (!scale_ok(d, kn) || big_width(num, kn) > w)
			continue;
		p.rows = big_rows(d, kn) + 1 + name_rows;
		if (p.rows > h)
			continue;
		p.kn = kn;
		if (p.kc > best->kc || (p.kc == best->kc && p.kn > best->kn))
			*best = p;
		return;
	}
}

/* Chooses how to draw number and counter name in w x h (best->kn 0: no block letters). */
static void plan_newest(const struct display *d, const char *num, const char *name, int w, int h,
			struct plan *best)
{
	memset(best, 0, sizeof(*best));
	for (int k = 1; k <= BIG_MAX; k++) {
		if (!scale_ok(d, k))
			continue;
		try_stacked(d, num, name, k, w, h, best);
		char side[PROTO_BOARD_MAX_STRING];
		snprintf(side, sizeof(side), "%s %s %s", d->rtl ? name : num,
			 d->rtl ? "\xe2\x86\x90" : "\xe2\x86\x92", d->rtl ? num : name);
		int sw = big_width(side, k);
		if (sw >= 0 && sw <= w && big_rows(d, k) <= h && k > best->kc) {
			*best = (struct plan){.kn = k, .kc = k, .nlines = 1, .side = true};
			best->rows = big_rows(d, k);
			snprintf(best->lines[0], sizeof(best->lines[0]), "%s", side);
		}
	}
	if (!best->kn)
		try_stacked(d, num, name, 0, w, h, best);
}

/* Appends one line of block letters (or plain bold text at k 0), aligned to the start. */
static void draw_big_line(struct out *o, struct display *d, const char *s, int k, int cols,
			  const char *code)
{
	int rows = k ? big_rows(d, k) : 1, w = scaled_width(s, k);
	for (int r = 0; r < rows; r++) {
		out_spaces(o, d->rtl ? cols - 2 - w : 2);
		sgr(o, d, code);
		if (k)
			out_big_row(o, d, s, k, r);
		else
			out_cell(o, d, s, cols - 4, -1);
		eol(o, d);
	}
}

/* The newest call: a label, then number and counter name as large as w x h allows;
 * returns rows used. */
static int draw_newest(struct out *o, struct display *d, int cols, int h)
{
	const struct proto_board_call *c = d->board.ncalls ? &d->board.calls[0] : NULL;
	struct row r = {0};
	out_spaces(row_cell(&r, d, NULL), 2);
	out_cell(row_cell(&r, d, "1"), d,
		 render_text(d, c ? I18N_display_latest : I18N_display_no_calls), cols - 4,
		 start(d));
	out_spaces(row_cell(&r, d, NULL), 2);
	row_end(o, d, &r);
	if (!c)
		return 1;
	const char *cname = counter_name(d, c->counter);
	struct plan p;
	plan_newest(d, c->number, cname, cols - 4, h - 1, &p);
	if (!p.kn) {
		out_spaces(row_cell(&r, d, NULL), 2);
		out_fmt(row_cell(&r, d, "1;33"), "%s", c->number);
		int aw = text_width(arrow(d)) + 2;
		struct out *a = row_cell(&r, d, NULL);
		out_spaces(a, 1);
		out_str(a, arrow(d));
		out_spaces(a, 1);
		out_cell(row_cell(&r, d, "1"), d, cname, cols - 4 - aw - (int)strlen(c->number),
			 start(d));
		row_end(o, d, &r);
		return 2;
	}
	if (p.side) {
		draw_big_line(o, d, p.lines[0], p.kn, cols, "1;33");
		return 1 + p.rows;
	}
	draw_big_line(o, d, c->number, p.kn, cols, "1;33");
	eol(o, d);
	for (int i = 0; i < p.nlines; i++) {
		if (i && p.kc)
			eol(o, d);
		draw_big_line(o, d, p.lines[i], p.kc, cols, "1");
	}
	return 1 + p.rows;
}

/* The cells of one line of the calls list, w columns. */
static void draw_call(struct row *r, struct display *d, const struct proto_board_call *c,
		      bool newest, int w)
{
	char hhmm[8];
	local_hhmm(c->at, hhmm, sizeof(hhmm));
	const char *code = newest ? "1;33" : NULL;
	out_spaces(row_cell(r, d, NULL), 2);
	out_cell(row_cell(r, d, code), d, c->number, CALL_NUM_W, start(d));
	int aw = text_width(arrow(d)) + 1;
	struct out *a = row_cell(r, d, code);
	if (d->rtl)
		out_spaces(a, 1);
	out_cell(a, d, arrow(d), aw - 1, -1);
	if (!d->rtl)
		out_spaces(a, 1);
	out_cell(row_cell(r, d, code), d, counter_name(d, c->counter), w - CALL_NUM_W - 11 - aw,
		 start(d));
	out_cell(row_cell(r, d, "36"), d, c->recall ? (d->utf8 ? " \xe2\x86\xbb" : " R") : "", 3,
		 0);
	out_spaces(row_cell(r, d, NULL), 1);
	out_cell(row_cell(r, d, NULL), d, hhmm, 5, 0);
}

/* The cells of one line of the services table (or its heading when s is NULL). */
static void draw_service(struct row *r, struct display *d, const struct proto_board_service *s,
			 int w)
{
	char eta[64], waiting[24];
	const char *name = render_text(d, I18N_display_queues);
	const char *code = s ? NULL : "1;4";
	if (s) {
		eta_text(d, s, eta, sizeof(eta));
		snprintf(waiting, sizeof(waiting), "%lld", (long long)s->waiting);
		name = proto_board_name(&s->name, render_lang(d), s->id);
	} else {
		snprintf(eta, sizeof(eta), "%s", render_text(d, I18N_display_eta));
		snprintf(waiting, sizeof(waiting), "%s", render_text(d, I18N_display_waiting));
	}
	out_spaces(row_cell(r, d, NULL), 1);
	out_cell(row_cell(r, d, code), d, name, w - 29, start(d));
	out_cell(row_cell(r, d, code), d, waiting, 10, end(d));
	out_spaces(row_cell(r, d, NULL), 2);
	out_cell(row_cell(r, d, code), d, eta, 16, start(d));
}

/* The heading of the calls list, w columns. */
static void draw_calls_head(struct row *r, struct display *d, int w)
{
	out_spaces(row_cell(r, d, NULL), 2);
	out_cell(row_cell(r, d, "1;4"), d, render_text(d, I18N_display_recent), w - 2, start(d));
}

/* The separator between the two columns. */
static void draw_bar(struct row *r, struct display *d)
{
	out_str(row_cell(r, d, NULL), d->utf8 ? "\xe2\x94\x82" : "|");
}

/* Splits `left` rows between the calls and the services of a one-column board. */
static void split_rows(const struct display *d, int left, size_t *ncalls, size_t *nserv)
{
	size_t want_c = d->board.ncalls + 1, want_s = d->board.nservices + 1;
	if ((int)(want_c + want_s) > left) {
		want_c = (size_t)left / 2 > want_c ? want_c : (size_t)left / 2;
		want_s = (size_t)left - want_c;
	}
	*ncalls = want_c > 0 ? want_c - 1 : 0;
	*nserv = want_s > 0 ? want_s - 1 : 0;
	if (*ncalls > d->board.ncalls)
		*ncalls = d->board.ncalls;
	if (*nserv > d->board.nservices)
		*nserv = d->board.nservices;
}

/* The lists under the newest call; returns rows used. */
static int draw_lists(struct out *o, struct display *d, int cols, int left)
{
	/* Two columns when there is room: calls first, services second; else stacked. */
	bool two = cols >= 90;
	int lw = two ? cols / 2 - 1 : cols, rw = two ? cols - lw - 1 : cols, used = 0;
	size_t ncalls = d->board.ncalls, nserv = d->board.nservices;
	struct row r = {0};
	if (!two) {
		split_rows(d, left, &ncalls, &nserv);
	} else {
		if ((int)ncalls > left - 1)
			ncalls = (size_t)(left - 1);
		if ((int)nserv > left - 1)
			nserv = (size_t)(left - 1);
	}
	draw_calls_head(&r, d, lw);
	if (two) {
		draw_bar(&r, d);
		draw_service(&r, d, NULL, rw);
	}
	row_end(o, d, &r);
	used++;
	size_t nlines = two ? (ncalls > nserv ? ncalls : nserv) : ncalls;
	for (size_t i = 0; i < nlines; i++, used++) {
		if (i < ncalls)
			draw_call(&r, d, &d->board.calls[i], i == 0, lw);
		else
			out_spaces(row_cell(&r, d, NULL), lw);
		if (two) {
			draw_bar(&r, d);
			if (i < nserv)
				draw_service(&r, d, &d->board.services[i], rw);
			else
				out_spaces(row_cell(&r, d, NULL), rw);
		}
		row_end(o, d, &r);
	}
	if (!two && nserv) {
		draw_service(&r, d, NULL, cols);
		row_end(o, d, &r);
		used++;
		for (size_t i = 0; i < nserv; i++, used++) {
			draw_service(&r, d, &d->board.services[i], cols);
			row_end(o, d, &r);
		}
	}
	return used;
}

char *render_board(struct display *d, int cols, int rows, size_t *len)
{
	struct out o = {0};
	/* the last column stays empty: with autowrap off the cursor stays on it after a
	 * write, and the erase at the end of the line would take the character away */
	cols--;
	if (cols < 30)
		cols = 30;
	if (rows < 8)
		rows = 8;
	d->rtl = i18n_rtl(lang_index(d));
	if (d->fullscreen)
		out_str(&o, "\x1b[H");
	int used = 0;
	draw_title(&o, d, cols);
	used++;
	used += draw_notices(&o, d, cols, rows / 4);
	/* the newest call gets at most about half the screen, the lists the rest */
	int left = rows - used + 1;
	int big = left * 55 / 100 < left - 10 ? left * 55 / 100 : left - 10;
	used += draw_newest(&o, d, cols, big < 2 ? 2 : big);
	eol(&o, d);
	used++;
	used += draw_lists(&o, d, cols, rows - used - 2 > 1 ? rows - used - 2 : 1);
	if (d->fullscreen) {
		/* the last row: the newest log line, dimmed */
		out_str(&o, "\x1b[J");
		if (d->log_line[0] && used < rows) {
			out_fmt(&o, "\x1b[%d;1H", rows);
			sgr(&o, d, "2");
			out_cell(&o, d, d->log_line, cols - 1, -1);
			sgr(&o, d, "0");
		}
	}
	*len = o.len;
	return o.s;
}

char *render_plain(struct display *d, size_t *len)
{
	struct out o = {0};
	const char *lang = render_lang(d);
	const struct proto_board *b = &d->board;
	out_fmt(&o, "%s", proto_board_name(&b->floor_name, lang, b->floor_id ? b->floor_id : ""));
	if (b->display_name)
		out_fmt(&o, " (%s)", b->display_name);
	out_fmt(&o, "\nday %s seq %llu\n", b->day ? b->day : "-", (unsigned long long)b->seq);
	char today[512];
	today_text(d, today, sizeof(today));
	if (today[0])
		out_fmt(&o, "! %s\n", today);
	const struct proto_board_message *m[NOTICE_MAX];
	size_t nm = proto_board_messages_at(b, render_now_ms(d), m, NOTICE_MAX);
	for (size_t i = 0; i < nm; i++)
		out_fmt(&o, "! %s\n", proto_board_name(&m[i]->text, lang, ""));
	out_fmt(&o, "\n%s:\n", render_text(d, I18N_display_recent));
	if (!b->ncalls)
		out_fmt(&o, "  %s\n", render_text(d, I18N_display_no_calls));
	for (size_t i = 0; i < b->ncalls; i++) {
		const struct proto_board_call *c = &b->calls[i];
		char hhmm[8];
		local_hhmm(c->at, hhmm, sizeof(hhmm));
		out_fmt(&o, "  %-6s -> %s  %s%s\n", c->number, counter_name(d, c->counter), hhmm,
			c->recall ? "  (R)" : "");
	}
	out_fmt(&o, "\n%s:\n", render_text(d, I18N_display_queues));
	for (size_t i = 0; i < b->nservices; i++) {
		const struct proto_board_service *s = &b->services[i];
		char eta[64];
		eta_text(d, s, eta, sizeof(eta));
		out_fmt(&o, "  %s %s: %s %lld", s->prefix, proto_board_name(&s->name, lang, s->id),
			render_text(d, I18N_display_waiting), (long long)s->waiting);
		if (eta[0])
			out_fmt(&o, ", %s %s", render_text(d, I18N_display_eta), eta);
		out_str(&o, "\n");
	}
	*len = o.len;
	return o.s ? o.s : xcalloc(1, 1);
}
