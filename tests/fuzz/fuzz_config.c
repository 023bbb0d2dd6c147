/*
 * fuzz_config.c — libFuzzer target for the configuration parser: feeds each
 * input to config_parse() and, when it is accepted, walks what the parser
 * built (lookups, names, hours) so that a config that parses but is
 * inconsistent trips the sanitizers. The parse must never crash or leak,
 * whatever the bytes.
 */
#include "config.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	char *cause = NULL;
	if (config_parse((const char *)data, size, &cfg, &cause) == 0) {
		if (cause)
			abort();
		check_config(cfg);
	} else if (!cause || cfg) {
		abort();
	}
	free(cause);
	config_free(cfg);
	return 0;
}
