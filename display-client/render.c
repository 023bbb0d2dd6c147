/* render.c: what torg-display draws. It owns the layout of the full-screen board (title
 * line with the floor's name, the link state and a clock; the newest call in large block
 * letters with its counter; the last calls as text; per service the number waiting and
 * the estimated wait), the plain-text board printed by --once or when stdout is not a
 * terminal, the UI texts in bokmål, nynorsk, Swedish and English, the 5x5 block font,
 * and column-exact cutting and padding of UTF-8 text. Output is built in one buffer and
 * written by the caller in one go, so the screen never flickers. */
#include "display.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

/* A growing output buffer. */
struct out {
	char *s;
	size_t len, cap;
};

/* Appends n bytes. */
static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		while (cap < o->len + n + 1)
			cap *= 2;
		o->s = xrealloc(o->s, cap);
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

/* Appends a string. */
static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* Appends printf output. */
static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Decodes one UTF-8 sequence at s (valid UTF-8 is assumed, the board cleans its
 * strings); sets *cp and returns its length in bytes (1 for a stray byte). */
static size_t utf8_next(const char *s, wchar_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 1;
	wchar_t v = p[0] & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = '?';
			return 1;
		}
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = n == 1 ? '?' : v;
	return n;
}

/* Terminal columns a code point takes (0 for combining marks, 2 for wide ones). */
static int cp_width(wchar_t cp)
{
	int w = wcwidth(cp);
	return w < 0 ? 1 : w;
}

/* Returns the columns s takes on the terminal. */
static int text_width(const char *s)
{
	int w = 0;
	while (*s) {
		wchar_t cp;
		s += utf8_next(s, &cp);
		w += cp_width(cp);
	}
	return w;
}

/* Appends s cut to at most width columns and padded with spaces to exactly width (no
 * padding when pad is false); cut text ends with an ellipsis. Returns columns written. */
static int out_cell(struct out *o, const struct display *d, const char *s, int width, bool pad)
{
	int w = 0;
	if (width <= 0)
		return 0;
	bool cut = text_width(s) > width;
	int room = cut ? width - 1 : width;
	while (*s) {
		wchar_t cp;
		size_t n = utf8_next(s, &cp);
		int cw = cp_width(cp);
		if (w + cw > room)
			break;
		out_add(o, s, n);
		s += n;
		w += cw;
	}
	if (cut) {
		out_str(o, d->utf8 ? "\xe2\x80\xa6" : ".");
		w++;
	}
	for (; pad && w < width; w++)
		out_add(o, " ", 1);
	return w;
}

/* UI texts per language: key, nb, nn, sv, en. */
static const char *const texts[][5] = {
    {"last_calls", "Siste oppkall", "Siste oppkall", "Senaste uppropen", "Latest calls"},
    {"service", "Tjeneste", "Teneste", "Tjänst", "Service"},
    {"waiting", "Venter", "Ventar", "Väntar", "Waiting"},
    {"eta", "Ventetid", "Ventetid", "Väntetid", "Wait"},
    {"min", "min", "min", "min", "min"},
    {"closed", "stengt", "stengt", "stängt", "closed"},
    {"recall", "igjen", "igjen", "igen", "again"},
    {"connecting", "kobler til…", "koplar til…", "ansluter…", "connecting…"},
    {"reconnecting", "kobler til på nytt…", "koplar til på nytt…", "återansluter…",
     "reconnecting…"},
    {"no_calls", "Ingen oppkall ennå", "Ingen oppkall enno", "Inga upprop ännu", "No calls yet"},
    {"counter", "Skranke", "Skranke", "Disk", "Counter"},
};
static const char *const langs[] = {"nb", "nn", "sv", "en"};

const char *render_lang(const struct display *d)
{
	if (d->lang)
		return d->lang;
	if (d->board.nlanguages)
		return d->board.languages[0];
	return "nb";
}

const char *render_text(const struct display *d, const char *key)
{
	const char *lang = render_lang(d);
	size_t col = 4;
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(lang, langs[i]))
			col = i + 1;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(texts[i][0], key)) {
			const char *t = texts[i][col];
			if (!d->utf8 && !strcmp(t + strlen(t) - 3, "\xe2\x80\xa6"))
				return texts[i][4]; /* English ends in the ellipsis too */
			return t;
		}
	return key;
}

/* The 5x5 block font: rows of '#' for 0-9 then A-Z. */
static const char *const font[36][5] = {
    {"#####", "#   #", "#   #", "#   #", "#####"}, {"  #  ", " ##  ", "  #  ", "  #  ", " ### "},
    {"#####", "    #", "#####", "#    ", "#####"}, {"#####", "    #", " ####", "    #", "#####"},
    {"#   #", "#   #", "#####", "    #", "    #"}, {"#####", "#    ", "#####", "    #", "#####"},
    {"#####", "#    ", "#####", "#   #", "#####"}, {"#####", "    #", "   # ", "  #  ", "  #  "},
    {"#####", "#   #", "#####", "#   #", "#####"}, {"#####", "#   #", "#####", "    #", "#####"},
    {" ### ", "#   #", "#####", "#   #", "#   #"}, {"#### ", "#   #", "#### ", "#   #", "#### "},
    {" ####", "#    ", "#    ", "#    ", " ####"}, {"#### ", "#   #", "#   #", "#   #", "#### "},
    {"#####", "#    ", "#### ", "#    ", "#####"}, {"#####", "#    ", "#### ", "#    ", "#    "},
    {" ####", "#    ", "#  ##", "#   #", " ####"}, {"#   #", "#   #", "#####", "#   #", "#   #"},
    {" ### ", "  #  ", "  #  ", "  #  ", " ### "}, {"  ###", "    #", "    #", "#   #", " ### "},
    {"#   #", "#  # ", "###  ", "#  # ", "#   #"}, {"#    ", "#    ", "#    ", "#    ", "#####"},
    {"#   #", "## ##", "# # #", "#   #", "#   #"}, {"#   #", "##  #", "# # #", "#  ##", "#   #"},
    {" ### ", "#   #", "#   #", "#   #", " ### "}, {"#### ", "#   #", "#### ", "#    ", "#    "},
    {" ### ", "#   #", "# # #", "#  # ", " ## #"}, {"#### ", "#   #", "#### ", "#  # ", "#   #"},
    {" ####", "#    ", " ### ", "    #", "#### "}, {"#####", "  #  ", "  #  ", "  #  ", "  #  "},
    {"#   #", "#   #", "#   #", "#   #", " ### "}, {"#   #", "#   #", "#   #", " # # ", "  #  "},
    {"#   #", "#   #", "# # #", "## ##", "#   #"}, {"#   #", " # # ", "  #  ", " # # ", "#   #"},
    {"#   #", " # # ", "  #  ", "  #  ", "  #  "}, {"#####", "   # ", "  #  ", " #   ", "#####"},
};

/* Returns the glyph of c, or NULL for a blank. */
static const char *const *glyph(char c)
{
	if (c >= '0' && c <= '9')
		return font[c - '0'];
	if (c >= 'A' && c <= 'Z')
		return font[10 + c - 'A'];
	if (c >= 'a' && c <= 'z')
		return font[10 + c - 'a'];
	return NULL;
}

/* Appends row r (0..5*scale-1) of text in block letters of this scale: a font pixel is
 * scale rows high and 2*scale columns wide, as terminal cells are about twice as tall as
 * they are wide. */
static void out_big_row(struct out *o, const struct display *d, const char *text, int r, int scale)
{
	const char *block = d->utf8 ? "\xe2\x96\x88" : "#";
	for (const char *c = text; *c; c++) {
		const char *const *g = glyph(*c);
		for (int x = 0; x < 5; x++)
			for (int k = 0; k < 2 * scale; k++)
				out_str(o, g && g[r / scale][x] == '#' ? block : " ");
		for (int k = 0; k < 2 * scale; k++)
			out_add(o, " ", 1);
	}
}

/* Local "HH:MM" of an ISO-8601 UTC time, or "" when it cannot be read. */
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

/* The estimated wait as text ("12 min", "–"). */
static void eta_text(const struct display *d, const struct proto_board_service *s, char *buf,
		     size_t n)
{
	if (!s->open)
		snprintf(buf, n, "%s", render_text(d, "closed"));
	else if (s->eta_s < 0)
		snprintf(buf, n, "%s", d->utf8 ? "\xe2\x80\x93" : "-");
	else
		snprintf(buf, n, "%lld %s", (long long)((s->eta_s + 59) / 60),
			 render_text(d, "min"));
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

/* The title line: floor name, link state, clock. */
static void draw_title(struct out *o, struct display *d, int cols)
{
	const char *lang = render_lang(d);
	const char *name = proto_board_name(&d->board.floor_name, lang,
					    d->board.floor_id ? d->board.floor_id : "torg");
	const char *mark = d->link == DISPLAY_LIVE	   ? ""
			   : d->link == DISPLAY_CONNECTING ? render_text(d, "connecting")
							   : render_text(d, "reconnecting");
	char clock[8];
	time_t now = time(NULL);
	struct tm lt;
	localtime_r(&now, &lt);
	strftime(clock, sizeof(clock), "%H:%M", &lt);
	snprintf(d->last_clock, sizeof(d->last_clock), "%s", clock);
	int right = text_width(mark) + (*mark ? 3 : 0) + 6;
	sgr(o, d, "1;7");
	out_add(o, " ", 1);
	out_cell(o, d, name, cols - right - 1, true);
	if (*mark) {
		sgr(o, d, "1;37;41");
		out_add(o, " ", 1);
		out_cell(o, d, mark, cols, false);
		out_add(o, " ", 1);
		sgr(o, d, "0;1;7");
		out_add(o, " ", 1);
	}
	out_fmt(o, "%s ", clock);
	eol(o, d);
}

/* The newest call in block letters, with its counter; returns rows used. */
static int draw_newest(struct out *o, struct display *d, int cols, int rows)
{
	const struct proto_board_call *c = d->board.ncalls ? &d->board.calls[0] : NULL;
	if (!c) {
		eol(o, d);
		out_add(o, "  ", 2);
		out_cell(o, d, render_text(d, "no_calls"), cols - 2, false);
		eol(o, d);
		return 2;
	}
	const char *cname = counter_name(d, c->counter);
	int len = (int)strlen(c->number);
	int scale = 1;
	while (scale < 4 && len * 12 * (scale + 1) + text_width(cname) + 8 <= cols &&
	       5 * (scale + 1) * 5 <= rows * 2)
		scale++;
	bool fits = len * 12 * scale + 2 <= cols && 5 * scale <= rows;
	eol(o, d);
	if (!fits) {
		sgr(o, d, "1;33");
		out_fmt(o, "  %s  ", c->number);
		sgr(o, d, "1");
		out_cell(o, d, cname, cols - len - 4, false);
		eol(o, d);
		return 2;
	}
	int h = 5 * scale;
	for (int r = 0; r < h; r++) {
		out_add(o, "  ", 2);
		sgr(o, d, "1;33");
		out_big_row(o, d, c->number, r, scale);
		sgr(o, d, "0");
		if (r == h / 2) {
			sgr(o, d, "1");
			out_str(o, d->utf8 ? " \xe2\x86\x92 " : " -> ");
			out_cell(o, d, cname, cols - 2 - len * 12 * scale - 4, false);
		}
		eol(o, d);
	}
	return h + 1;
}

/* One line of the calls list into a cell of width w. */
static void draw_call(struct out *o, struct display *d, const struct proto_board_call *c,
		      bool newest, int w)
{
	char hhmm[8], line[400];
	local_hhmm(c->at, hhmm, sizeof(hhmm));
	snprintf(line, sizeof(line), "%-6s %s %s", c->number, d->utf8 ? "\xe2\x86\x92" : "->",
		 counter_name(d, c->counter));
	int tw = 6 + (c->recall ? text_width(render_text(d, "recall")) + 3 : 0);
	if (newest)
		sgr(o, d, "1;33");
	out_add(o, "  ", 2);
	out_cell(o, d, line, w - tw - 2, true);
	sgr(o, d, "0");
	if (c->recall) {
		sgr(o, d, "36");
		out_fmt(o, "(%s) ", render_text(d, "recall"));
		sgr(o, d, "0");
	}
	out_cell(o, d, hhmm, 6, true);
}

/* One line of the services table into a cell of width w. */
static void draw_service(struct out *o, struct display *d, const struct proto_board_service *s,
			 int w)
{
	char eta[32], waiting[24];
	eta_text(d, s, eta, sizeof(eta));
	snprintf(waiting, sizeof(waiting), "%lld", (long long)s->waiting);
	const char *name = proto_board_name(&s->name, render_lang(d), s->id);
	out_add(o, " ", 1);
	out_cell(o, d, name, w - 24, true);
	out_fmt(o, "%8s  ", waiting);
	out_cell(o, d, eta, 13, true);
}

char *render_board(struct display *d, int cols, int rows, size_t *len)
{
	struct out o = {0};
	if (cols < 20)
		cols = 20;
	if (rows < 6)
		rows = 6;
	if (d->fullscreen)
		out_str(&o, "\x1b[H");
	int used = 0;
	draw_title(&o, d, cols);
	used++;
	used += draw_newest(&o, d, cols, rows - 8);
	eol(&o, d);
	used++;
	/* Two columns when there is room: calls left, services right; else stacked. */
	bool two = cols >= 90;
	int lw = two ? cols / 2 - 1 : cols, rw = two ? cols - lw - 1 : cols;
	int left = rows - used - 1;
	if (left < 1)
		left = 1;
	size_t ncalls = d->board.ncalls, nserv = d->board.nservices;
	if (!two) {
		/* split the rows: calls first, then the services table */
		size_t want_c = ncalls + 1, want_s = nserv + 1;
		if ((int)(want_c + want_s) > left) {
			want_c = (size_t)left / 2 > want_c ? want_c : (size_t)left / 2;
			want_s = (size_t)left - want_c;
		}
		ncalls = want_c > 0 ? want_c - 1 : 0;
		nserv = want_s > 0 ? want_s - 1 : 0;
		if (ncalls > d->board.ncalls)
			ncalls = d->board.ncalls;
		if (nserv > d->board.nservices)
			nserv = d->board.nservices;
	} else {
		if ((int)ncalls > left - 1)
			ncalls = (size_t)(left - 1);
		if ((int)nserv > left - 1)
			nserv = (size_t)(left - 1);
	}
	char head[160];
	snprintf(head, sizeof(head), "%s", render_text(d, "last_calls"));
	/* header line(s) */
	sgr(&o, d, "1;4");
	out_add(&o, "  ", 2);
	out_cell(&o, d, head, lw - 2, true);
	if (two) {
		sgr(&o, d, "0");
		out_str(&o, d->utf8 ? "\xe2\x94\x82" : "|");
		sgr(&o, d, "1;4");
		out_add(&o, " ", 1);
		out_cell(&o, d, render_text(d, "service"), rw - 25, true);
		out_fmt(&o, "%8s  ", render_text(d, "waiting"));
		out_cell(&o, d, render_text(d, "eta"), 13, true);
	}
	eol(&o, d);
	used++;
	size_t nlines = two ? (ncalls > nserv ? ncalls : nserv) : ncalls;
	for (size_t i = 0; i < nlines; i++) {
		if (i < ncalls)
			draw_call(&o, d, &d->board.calls[i], i == 0, lw);
		else
			out_cell(&o, d, "", lw, true);
		if (two) {
			out_str(&o, d->utf8 ? "\xe2\x94\x82" : "|");
			if (i < nserv)
				draw_service(&o, d, &d->board.services[i], rw);
		}
		eol(&o, d);
		used++;
	}
	if (!two && nserv) {
		sgr(&o, d, "1;4");
		out_add(&o, " ", 1);
		out_cell(&o, d, render_text(d, "service"), cols - 25, true);
		out_fmt(&o, "%8s  ", render_text(d, "waiting"));
		out_cell(&o, d, render_text(d, "eta"), 13, true);
		eol(&o, d);
		used++;
		for (size_t i = 0; i < nserv; i++) {
			draw_service(&o, d, &d->board.services[i], cols);
			eol(&o, d);
			used++;
		}
	}
	if (d->fullscreen) {
		/* the last row: the newest log line, dimmed */
		out_str(&o, "\x1b[J");
		if (d->log_line[0] && used < rows) {
			out_fmt(&o, "\x1b[%d;1H", rows);
			sgr(&o, d, "2");
			out_cell(&o, d, d->log_line, cols - 1, false);
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
	out_fmt(&o, "\n%s:\n", render_text(d, "last_calls"));
	if (!b->ncalls)
		out_fmt(&o, "  %s\n", render_text(d, "no_calls"));
	for (size_t i = 0; i < b->ncalls; i++) {
		const struct proto_board_call *c = &b->calls[i];
		char hhmm[8];
		local_hhmm(c->at, hhmm, sizeof(hhmm));
		out_fmt(&o, "  %-6s -> %s  %s%s%s\n", c->number, counter_name(d, c->counter), hhmm,
			c->recall ? "  " : "", c->recall ? render_text(d, "recall") : "");
	}
	out_fmt(&o, "\n%s:\n", render_text(d, "service"));
	for (size_t i = 0; i < b->nservices; i++) {
		const struct proto_board_service *s = &b->services[i];
		char eta[32];
		eta_text(d, s, eta, sizeof(eta));
		out_fmt(&o, "  %s %s: %s %lld, %s %s\n", s->prefix,
			proto_board_name(&s->name, lang, s->id), render_text(d, "waiting"),
			(long long)s->waiting, render_text(d, "eta"), eta);
	}
	*len = o.len;
	return o.s ? o.s : xcalloc(1, 1);
}
