/*
 * fanout.h — the shared log of pre-encoded events that every WebSocket session
 * reads from. Each durable event is encoded once and pushed here with the mask
 * of the services it concerns; sessions keep only a sequence cursor into the
 * log, so a broadcast costs one push plus one copy per delivery, never a
 * re-encoding or a per-session queue. The log is a ring of the newest
 * FANOUT_CAP events; a session whose cursor falls out of it gets a snapshot.
 */
#ifndef TORG_FANOUT_H
#define TORG_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#define FANOUT_CAP 65536 /* events kept for resuming clients (power of two) */
#define FANOUT_ALL UINT64_MAX

struct fanout_entry {
	uint64_t seq;
	uint64_t mask; /* services the event concerns; FANOUT_ALL for floor-wide events */
	char *json;    /* the encoded event object, NUL-terminated; owned by the log */
	size_t len;
	uint64_t end; /* bytes of all events pushed up to and with this one */
};

struct fanout {
	struct fanout_entry *ring;
	uint64_t first; /* oldest seq kept; first == next when empty */
	uint64_t next;	/* one past the newest seq */
	uint64_t bytes; /* bytes of all events ever pushed */
};

/** Initialises an empty log that will start at seq next (the first push must be next). */
void fanout_init(struct fanout *fo, uint64_t next);
/** Frees every entry and the ring. */
void fanout_close(struct fanout *fo);
/** Appends the event seq (must equal fo->next, or fo is empty and seq > fo->next-1);
 *  takes ownership of json (malloc'd). Evicts the oldest entry when full. */
void fanout_push(struct fanout *fo, uint64_t seq, uint64_t mask, char *json, size_t len);
/** The entry for seq, or NULL when it was evicted or has not happened yet. Borrowed. */
const struct fanout_entry *fanout_get(const struct fanout *fo, uint64_t seq);
/** Bytes of the events from seq to the newest, O(1); 0 when seq is past the newest,
 *  UINT64_MAX when seq was evicted. */
uint64_t fanout_bytes_from(const struct fanout *fo, uint64_t seq);

#endif
