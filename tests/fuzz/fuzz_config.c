/*
 * fuzz_config.c — libFuzzer target for the configuration parser: feeds each
 * input to config_parse_all() and, when it is accepted, walks what the parser
 * built (lookups, names, hours) so that a config that parses but is
 * inconsistent trips the sanitizers; when it is refused, checks the list of
 * errors (at least one, capped, each with a path and a message) and its text.
 * Going on past errors means parsing half-filled entries: the parse must never
 * crash or leak, whatever the bytes.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Checks the invariants a parsed config promises; aborts when one is broken. */
static void check_config(const struct config *cfg)
{
	if (cfg->nservices < 1 || cfg->nservices > CONFIG_MAX_SERVICES)
		abort();
	for (size_t i = 0; i < cfg->nservices; i++) {
		const struct config_service *s = &cfg->services[i];
		if (config_service_index(cfg, s->id) != (int)i ||
		    config_service_by_prefix(cfg, s->prefix) != (int)i)
			abort();
		for (size_t k = 0; k < cfg->nlanguages; k++)
			if (!config_name_get(&s->name, cfg->languages[k]))
				abort();
		struct hours_when w;
		(void)hours_next_open(&s->hours, (int)(i % 7), (int)(i * 37 % 1440), &w);
	}
	for (size_t i = 0; i < cfg->ncounters; i++) {
		const struct config_counter *c = &cfg->counters[i];
		if (config_counter_index(cfg, c->id) != (int)i || c->services == 0 ||
		    (cfg->nservices < 64 && c->services >> cfg->nservices != 0) ||
		    !config_name_best(&c->name, "xx"))
			abort();
	}
	for (size_t i = 0; i < cfg->ndisplays; i++)
		if (config_display_find(cfg, cfg->displays[i].id) != &cfg->displays[i])
			abort();
	for (size_t i = 0; i < cfg->nkiosk_keys; i++)
		if (!config_kiosk_key_find(cfg, cfg->kiosk_keys[i].key))
			abort();
	if (cfg->floor_def.nservices != cfg->nservices ||
	    cfg->floor_def.ncounters != cfg->ncounters)
		abort();
}

/* Checks what a refused parse promises about its errors; aborts when one is broken. */
static void check_errors(const struct config_errors *errs)
{
	bool capped = errs->n == CONFIG_MAX_ERRORS + 1;
	if (errs->n == 0 || errs->n > CONFIG_MAX_ERRORS + 1 ||
	    (capped ? errs->total <= CONFIG_MAX_ERRORS : errs->total != errs->n))
		abort();
	for (size_t i = 0; i < errs->n; i++)
		if (!errs->v[i].path || !errs->v[i].message || !*errs->v[i].message)
			abort();
	char *text = config_errors_text(errs);
	size_t lines = 1;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	if (lines != errs->n) /* one line each, whatever bytes the file's strings hold */
		abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	struct config_errors errs;
	if (config_parse_all((const char *)data, size, &cfg, &errs) == 0) {
		if (errs.n || errs.total || !cfg)
			abort();
		check_config(cfg);
	} else {
		if (cfg)
			abort();
		check_errors(&errs);
	}
	config_errors_free(&errs);
	config_free(cfg);
	return 0;
}
