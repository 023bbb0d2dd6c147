/*
 * encode.h — torgd's adapter to proto/proto_encode.h: it reads the floor's
 * state and events, the engine's recent calls and the configuration into the
 * protocol's plain structs and lets proto/ write the JSON of
 * proto/PROTOCOL.md, so the wire shape lives in proto/ alone. Every event is
 * encoded exactly once (by the engine); snapshots and ticket views are encoded
 * per request. Nothing here writes a ticket's token except the holder's views
 * (ENCODE_HOLDER), which only the ticket holder's own routes use.
 */
#ifndef TORG_ENCODE_H
#define TORG_ENCODE_H

#include <jansson.h>

#include "engine.h"
#include "proto_encode.h"

enum {
	ENCODE_HOLDER = PROTO_TICKET_HOLDER, /* id, url, position, eta_s, counter, issued_at:
						the ticket holder's view */
	ENCODE_LEGS = PROTO_TICKET_LEGS,     /* issued_at and the visit's legs */
};

#define ENCODE_MAX_LEGS	     64 /* legs a ticket object lists, first leg first */
#define ENCODE_UPCOMING	     3	/* a snapshot's notices.upcoming: exceptions listed */
#define ENCODE_UPCOMING_DAYS 14 /* and how far ahead they may start */

/** The event message as pushed to clients, from the event alone (and its queue figures in
 *  evs); malloc'd, NUL-terminated, *len its length. */
char *encode_event(const struct config *cfg, const struct floor_events *evs,
		   const struct floor_event *ev, size_t *len);
/** A floor.config event's message, with the top-level keys that changed (NULL-terminated,
 *  may be NULL); malloc'd like encode_event's. */
char *encode_config_event(const struct floor_event *ev, const char *const *changed, size_t *len);
/** {"ticket": {…}} for the holder's routes, with the fields of flags (ENCODE_*), null for a
 *  ticket the floor does not know; lang (may be NULL) is the visitor's language, echoed
 *  and carried in the url. Dumped: malloc'd, *len its length. */
char *encode_ticket_answer(const struct engine *e, uint32_t ticket, int64_t now_ms, unsigned flags,
			   const char *lang, size_t *len);
/** A counter action's answer: {"counter": {…}[, "ticket": {…} with its legs]}, ticket
 *  FLOOR_NONE leaving the ticket out; dumped. */
char *encode_counter_answer(const struct engine *e, int counter, uint32_t ticket, int64_t now_ms,
			    size_t *len);
/** The snapshot message for the services in mask; display may be NULL; dumped. */
char *encode_snapshot(const struct engine *e, const struct config_display *display, uint64_t mask,
		      int64_t now_ms, size_t *len);

#endif
