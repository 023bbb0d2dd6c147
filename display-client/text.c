/* text.c: the text primitives of torg-display's drawing. It owns the output buffer the
 * board is built in, UTF-8 decoding and terminal column widths, cutting a text to a cell
 * (with an ellipsis) and padding it to the left or right, the visual order of a
 * right-to-left line for terminals that do not reorder text themselves (the Linux console,
 * tmux: Arabic runs reversed, Latin words and numbers kept left to right, brackets
 * mirrored, Arabic letters in their joined presentation forms), and the 5x5 block font drawn at any
 * scale with half-block characters (or '#' rows without UTF-8). */
#include "display.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

void out_add(struct out *o, const char *s, size_t n)
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

void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

void out_fmt(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void out_spaces(struct out *o, int n)
{
	for (; n > 0; n--)
		out_add(o, " ", 1);
}

size_t text_next(const char *s, wchar_t *cp)
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

int text_width(const char *s)
{
	int w = 0;
	while (*s) {
		wchar_t cp;
		s += text_next(s, &cp);
		w += cp_width(cp);
	}
	return w;
}

/* True for a code point of a right-to-left script (Hebrew, Arabic and their forms). */
static bool cp_rtl(wchar_t cp)
{
	return (cp >= 0x0590 && cp <= 0x08ff) || (cp >= 0xfb1d && cp <= 0xfdff) ||
	       (cp >= 0xfe70 && cp <= 0xfefc);
}

/* True for a code point that is strong left to right or a digit (kept in order). */
static bool cp_ltr(wchar_t cp)
{
	return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
	       (cp >= 0xc0 && cp < 0x0590 && cp != 0xd7 && cp != 0xf7);
}

/* The mirror of a bracket in a right-to-left run, else cp. */
static wchar_t cp_mirror(wchar_t cp)
{
	static const char pairs[] = "()[]{}<>";
	const char *p = cp < 0x80 ? strchr(pairs, (int)cp) : NULL;
	if (!p || !cp)
		return cp;
	size_t i = (size_t)(p - pairs);
	return (wchar_t)pairs[i ^ 1];
}

/* Appends code point cp as UTF-8. */
static void out_cp(struct out *o, wchar_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	out_add(o, b, n);
}

/* The Arabic letters U+0621..U+064A: the first of their presentation forms (isolated,
 * final, initial, medial, in that order) and how many there are (0: not a letter). */
static const struct {
	unsigned short first;
	unsigned char n;
} arabic_forms[] = {
    {0xfe80, 1}, {0xfe81, 2}, {0xfe83, 2}, {0xfe85, 2}, {0xfe87, 2}, {0xfe89, 4}, {0xfe8d, 2},
    {0xfe8f, 4}, {0xfe93, 2}, {0xfe95, 4}, {0xfe99, 4}, {0xfe9d, 4}, {0xfea1, 4}, {0xfea5, 4},
    {0xfea9, 2}, {0xfeab, 2}, {0xfead, 2}, {0xfeaf, 2}, {0xfeb1, 4}, {0xfeb5, 4}, {0xfeb9, 4},
    {0xfebd, 4}, {0xfec1, 4}, {0xfec5, 4}, {0xfec9, 4}, {0xfecd, 4}, {0, 0},	  {0, 0},
    {0, 0},	 {0, 0},      {0, 0},	   {0, 4},	{0xfed1, 4}, {0xfed5, 4}, {0xfed9, 4},
    {0xfedd, 4}, {0xfee1, 4}, {0xfee5, 4}, {0xfee9, 4}, {0xfeed, 2}, {0xfeef, 2}, {0xfef1, 4},
};

/* The number of forms of cp (4: joins both ways, 2: only to the letter before, else 0). */
static int arabic_joins(wchar_t cp)
{
	if (cp < 0x621 || cp > 0x64a)
		return 0;
	int n = arabic_forms[cp - 0x621].n;
	return n >= 2 ? n : 0;
}

/* Shapes the Arabic letters of cps (logical order) into their presentation forms, as
 * terminals without Arabic shaping show them otherwise as unjoined letters. Marks
 * (harakat) between letters do not break a join; the tatweel joins both ways. */
static void arabic_shape(wchar_t *cps, size_t n)
{
	int prev = 0; /* joining type of the letter before, marks skipped */
	for (size_t i = 0; i < n; i++) {
		wchar_t cp = cps[i];
		int j = arabic_joins(cp);
		if (cp_width(cp) == 0 && cp != 0)
			continue;
		if (!j) {
			prev = cp == 0x640 ? 4 : 0;
			continue;
		}
		int next = 0;
		for (size_t k = i + 1; k < n; k++) {
			if (cp_width(cps[k]) == 0)
				continue;
			next = cps[k] == 0x640 ? 4 : arabic_joins(cps[k]);
			break;
		}
		bool before = prev == 4, after = j == 4 && next;
		int form = before && after ? 3 : after ? 2 : before ? 1 : 0;
		if (arabic_forms[cp - 0x621].first)
			cps[i] = arabic_forms[cp - 0x621].first + form;
		prev = j;
	}
}

/* Appends s (n code points in cps) in the visual order of a right-to-left line: the line
 * reversed, then every run of left-to-right letters and digits (with the spaces and
 * marks inside it) put back in reading order. A combining mark stays after its base. */
static void out_visual_rtl(struct out *o, const wchar_t *cps, size_t n)
{
	size_t i = n;
	while (i > 0) {
		size_t end = i; /* the run ends before end */
		if (cp_ltr(cps[i - 1])) {
			size_t start = i - 1;
			while (start > 0 && !cp_rtl(cps[start - 1])) {
				size_t k = start - 1;
				while (k > 0 && !cp_ltr(cps[k]) && !cp_rtl(cps[k]))
					k--;
				if (!cp_ltr(cps[k]))
					break;
				start = k;
			}
			for (size_t k = start; k < end; k++)
				out_cp(o, cps[k]);
			i = start;
			continue;
		}
		size_t base = i - 1;
		while (base > 0 && cp_width(cps[base]) == 0)
			base--;
		out_cp(o, cp_mirror(cps[base]));
		for (size_t k = base + 1; k < end; k++)
			out_cp(o, cps[k]);
		i = base;
	}
}

int out_cell(struct out *o, const struct display *d, const char *s, int width, int align)
{
	if (width <= 0)
		return 0;
	wchar_t cps[PROTO_BOARD_MAX_STRING * 2];
	size_t n = 0;
	int w = 0;
	bool cut = text_width(s) > width;
	int room = cut ? width - 1 : width;
	while (*s && n < sizeof(cps) / sizeof(cps[0]) - 1) {
		wchar_t cp;
		size_t len = text_next(s, &cp);
		int cw = cp_width(cp);
		if (w + cw > room)
			break;
		cps[n++] = cp;
		s += len;
		w += cw;
	}
	if (cut) {
		cps[n++] = d->utf8 ? 0x2026 : '.';
		w++;
	}
	if (align > 0)
		out_spaces(o, width - w);
	if (d->rtl) {
		arabic_shape(cps, n);
		out_visual_rtl(o, cps, n);
	} else {
		for (size_t i = 0; i < n; i++)
			out_cp(o, cps[i]);
	}
	if (align == 0)
		out_spaces(o, width - w);
	return align < 0 ? w : width;
}

/* The 5x5 block font: rows of '#' for 0-9, A-Z, then Æ Ø Å Ä Ö Ü, '-', '.', '/', '→',
 * '←'. */
static const char *const font[][5] = {
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
    {" ####", "# #  ", "#####", "# #  ", "# ###"}, {" ####", "#  ##", "# # #", "##  #", "#### "},
    {"  #  ", " ### ", "#   #", "#####", "#   #"}, {"#   #", " ### ", "#   #", "#####", "#   #"},
    {"#   #", " ### ", "#   #", "#   #", " ### "}, {"#   #", "     ", "#   #", "#   #", " ### "},
    {"     ", "     ", " ### ", "     ", "     "}, {"     ", "     ", "     ", "     ", "  #  "},
    {"    #", "   # ", "  #  ", " #   ", "#    "}, {"     ", "   # ", "#####", "   # ", "     "},
    {"     ", " #   ", "#####", " #   ", "     "},
};

/* Returns the glyph of code point cp, a blank glyph for a space, or NULL when the font
 * has none. */
static const char *const *glyph(wchar_t cp)
{
	static const char *const blank[5] = {"     ", "     ", "     ", "     ", "     "};
	static const wchar_t more[] = {0xc6, 0xd8, 0xc5, 0xc4,	 0xd6,	0xdc,
				       '-',  '.',  '/',	 0x2192, 0x2190};
	if (cp >= 'a' && cp <= 'z')
		cp -= 'a' - 'A';
	if (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7)
		cp -= 0x20; /* Latin-1 lower case to upper */
	if (cp == ' ')
		return blank;
	if (cp >= '0' && cp <= '9')
		return font[cp - '0'];
	if (cp >= 'A' && cp <= 'Z')
		return font[10 + cp - 'A'];
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (more[i] == cp)
			return font[36 + i];
	return NULL;
}

int big_width(const char *s, int k)
{
	int n = 0;
	while (*s) {
		wchar_t cp;
		s += text_next(s, &cp);
		if (!glyph(cp))
			return -1;
		n++;
	}
	return n ? 6 * k * n - k : 0;
}

int big_rows(const struct display *d, int k)
{
	return d->utf8 ? (5 * k + 1) / 2 : 5 * k / 2;
}

/* True when pixel (x, half-row h) of glyph g at scale k is set. */
static bool big_on(const char *const *g, int k, int x, int h)
{
	int r = h / k;
	return r < 5 && g[r][x / k] == '#';
}

void out_big_row(struct out *o, const struct display *d, const char *s, int k, int row)
{
	static const char *const half[4] = {" ", "\xe2\x96\x84", "\xe2\x96\x80", "\xe2\x96\x88"};
	bool first = true;
	while (*s) {
		wchar_t cp;
		s += text_next(s, &cp);
		const char *const *g = glyph(cp);
		if (!g)
			continue;
		if (!first)
			out_spaces(o, k);
		first = false;
		for (int x = 0; x < 5 * k; x++) {
			if (d->utf8) {
				int v =
				    big_on(g, k, x, 2 * row) << 1 | big_on(g, k, x, 2 * row + 1);
				out_str(o, half[v]);
			} else {
				out_str(o, big_on(g, k, x, 2 * row) ? "#" : " ");
			}
		}
	}
}
