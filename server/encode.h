/*
 * encode.h — turns the floor's state and events into the JSON of
 * proto/PROTOCOL.md. Every event is encoded exactly once (by the engine);
 * snapshots and ticket views are encoded per request. Nothing here writes a
 * ticket's token except encode_ticket() with ENCODE_HOLDER, which only the
 * ticket holder's own routes use.
 */
#ifndef TORG_ENCODE_H
#define TORG_ENCODE_H

#include <jansson.h>

#include "engine.h"

enum {
	ENCODE_HOLDER = 1, /* id, url, position, eta_s, counter: the ticket holder's view */
	ENCODE_LEGS = 2,   /* the visit's legs */
};

/** The event object as pushed to clients, from the event alone (and its queue figures in
 *  evs); malloc'd, NUL-terminated, *len its length. */
char *encode_event(const struct config *cfg, const struct floor_events *evs,
		   const struct floor_event *ev, size_t *len);
/** A ticket (new reference). */
json_t *encode_ticket(const struct engine *e, uint32_t ticket, int64_t now_ms, unsigned flags);
/** A counter with its current ticket (new reference). */
json_t *encode_counter(const struct engine *e, int counter, int64_t now_ms);
/** The queue figures of one service (new reference). */
json_t *encode_queue(const struct engine *e, int service, int64_t now_ms);
/** The snapshot message for the services in mask; display may be NULL (new reference). */
json_t *encode_snapshot(const struct engine *e, const struct config_display *display, uint64_t mask,
			int64_t now_ms);
/** {"error": {"code", "message"[, "field"]}} (new reference); field may be NULL. */
json_t *encode_error(const char *code, const char *message, const char *field);
/** ISO-8601 UTC string, or JSON null when ms is 0 (new reference). */
json_t *encode_time(int64_t ms);
/** Array of the ids of the services in mask (new reference). */
json_t *encode_service_ids(const struct engine *e, uint64_t mask);
/** Dumps compactly and drops the reference; malloc'd string, *len its length (may be NULL). */
char *encode_dump(json_t *j, size_t *len);

#endif
