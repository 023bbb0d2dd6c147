/* test_display_text.c: the text primitives of torg-display (display-client/text.c):
 * cutting and aligning a cell, the visual order and joined letters of a right-to-left
 * cell (Arabic reversed, Latin words and numbers kept, brackets mirrored), and the block
 * font's widths and rows. */
#include "display.h"

#include "check.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

/* The cell of s in width columns and alignment align, for d. */
static char *cell(const struct display *d, const char *s, int width, int align)
{
	static char buf[1024];
	struct out o = {0};
	out_cell(&o, d, s, width, align);
	snprintf(buf, sizeof(buf), "%s", o.s ? o.s : "");
	free(o.s);
	return buf;
}

/* Cutting and aligning, left to right. */
static int check_ltr(void)
{
	struct display d = {.utf8 = true};
	CHECK(!strcmp(cell(&d, "abcdef", 4, 0), "abc\xe2\x80\xa6"));
	CHECK(!strcmp(cell(&d, "ab", 5, 0), "ab   "));
	CHECK(!strcmp(cell(&d, "ab", 5, 1), "   ab"));
	CHECK(!strcmp(cell(&d, "ab", 5, -1), "ab"));
	CHECK(!strcmp(cell(&d, "Bolig", 0, 0), ""));
	d.utf8 = false;
	CHECK(!strcmp(cell(&d, "abcdef", 4, 0), "abc."));
	return 0;
}

/* Right to left: visual order, joined letters, mirrored brackets. */
static int check_rtl(void)
{
	struct display d = {.utf8 = true, .rtl = true};
	/* ناف 12: nun initial, alef final, feh alone; reversed, the number kept */
	CHECK(!strcmp(cell(&d, "\xd9\x86\xd8\xa7\xd9\x81 12", 6, -1),
		      "12 \xef\xbb\x91\xef\xba\x8e\xef\xbb\xa7"));
	/* Room 6 غرفة: the Latin run with its digit kept in order, at the left; ghain
	 * initial, reh final, feh initial again (reh joins only the letter before), teh
	 * marbuta final */
	CHECK(!strcmp(cell(&d, "Room 6 \xd8\xba\xd8\xb1\xd9\x81\xd8\xa9", 11, -1),
		      "\xef\xba\x94\xef\xbb\x93\xef\xba\xae\xef\xbb\x8f Room 6"));
	/* (ناف): the brackets mirrored, so they still enclose */
	CHECK(!strcmp(cell(&d, "(\xd9\x86\xd8\xa7\xd9\x81)", 5, -1),
		      "(\xef\xbb\x91\xef\xba\x8e\xef\xbb\xa7)"));
	/* aligned to the right; a cut text's ellipsis at its end, the left */
	CHECK(!strcmp(cell(&d, "A1", 4, 1), "  A1"));
	CHECK(!strncmp(cell(&d, "\xd9\x86\xd8\xa7\xd9\x81\xd9\x86\xd8\xa7\xd9\x81", 3, -1),
		       "\xe2\x80\xa6", 3));
	return 0;
}

/* The block font: widths, rows, half blocks. */
static int check_big(void)
{
	struct display d = {.utf8 = true};
	struct out o = {0};
	CHECK(big_width("A1", 1) == 11 && big_width("A1", 3) == 33);
	CHECK(big_width("\xc3\xa6r 3", 1) == 23); /* æ is drawn as Æ */
	CHECK(big_width("\xd9\x86", 1) == -1);	  /* no Arabic glyphs */
	CHECK(big_rows(&d, 1) == 3 && big_rows(&d, 2) == 5 && big_rows(&d, 3) == 8);
	out_big_row(&o, &d, "1", 1, 0);
	CHECK(o.s && !strcmp(o.s, " \xe2\x96\x84\xe2\x96\x88  "));
	free(o.s);
	memset(&o, 0, sizeof(o));
	d.utf8 = false;
	CHECK(big_rows(&d, 2) == 5);
	out_big_row(&o, &d, "1", 2, 0);
	CHECK(o.s && !strcmp(o.s, "    ##    "));
	free(o.s);
	return 0;
}

int main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	RUN(check_ltr);
	RUN(check_rtl);
	RUN(check_big);
	return check_report("display_text");
}
