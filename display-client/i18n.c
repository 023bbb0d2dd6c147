/* i18n.c: looks up torg-display's built-in texts (the generated table of the web pages'
 * strings), fills their placeholders and names the languages it has. */
#include "i18n.h"

#include <stdio.h>
#include <string.h>

int i18n_find(const char *tag)
{
	for (size_t i = 0; tag && i < i18n_nlangs; i++)
		if (!strcmp(i18n_langs[i].tag, tag))
			return (int)i;
	return -1;
}

const char *i18n_text(int lang, enum i18n_key key)
{
	if (lang < 0 || (size_t)lang >= i18n_nlangs)
		lang = 0;
	return key < I18N_NKEYS ? i18n_langs[lang].text[key] : "";
}

bool i18n_rtl(int lang)
{
	return lang >= 0 && (size_t)lang < i18n_nlangs && i18n_langs[lang].rtl;
}

char *i18n_fill(char *buf, size_t n, const char *text, const char *name, const char *value)
{
	char mark[64];
	snprintf(mark, sizeof(mark), "{%s}", name);
	const char *at = strstr(text, mark);
	if (!at)
		snprintf(buf, n, "%s", text);
	else
		snprintf(buf, n, "%.*s%s%s", (int)(at - text), text, value, at + strlen(mark));
	return buf;
}

char *i18n_list(char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < i18n_nlangs && len < n; i++)
		len +=
		    (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", i18n_langs[i].tag);
	return buf;
}
