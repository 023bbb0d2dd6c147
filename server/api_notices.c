/*
 * api_notices.c — keeps the screens' notices current without a reconnect: a snapshot's
 * "notices" (today's exception, the next ones, the messages that have not ended) depend
 * on the time, so one timer on the loop wakes at the next boundary (a message's from or
 * until, the local midnight, the floor's day start) and, when what a snapshot says of
 * them changed, every subscribed session is sent a fresh snapshot. Clients also show and
 * hide messages at from/until by their own clock; the push is for the ones that did not.
 * Everything is read from the configuration the engine runs with, so a swapped
 * configuration is followed at the next look (api__notices_check).
 */
#include "api_int.h"

#include <stdlib.h>

#include "config.h"
#include "engine.h"
#include "util.h"

/* Has every subscribed session sent a fresh snapshot at its next writable turn. */
static void resnapshot_all(struct api *a)
{
	free(a->snap.text); /* encoded before the boundary: not to be reused */
	a->snap.text = NULL;
	for (struct ws_session *s = a->subscribers; s; s = s->sub_next) {
		if (s->closing)
			continue;
		s->resnapshot = true;
		lws_callback_on_writable(s->wsi);
	}
}

/* The timer: a boundary (or the longest wait) passed. */
static void notices_timer_cb(uv_timer_t *t)
{
	api__notices_check(t->data);
}

/* Arms the timer for the boundary next; a set test clock stands still, and is looked at
 * again when it is set (api_stats.c), so it arms nothing. */
static void arm(struct api *a, int64_t now, int64_t next)
{
	if (a->clock->set_ms) {
		uv_timer_stop(&a->notices_timer);
		return;
	}
	uv_timer_start(&a->notices_timer, notices_timer_cb, (uint64_t)(next - now), 0);
}

void api__notices_check(struct api *a)
{
	if (!a->notices_on)
		return;
	int64_t now = clock_now_ms(a->clock), next;
	uint64_t key = config_notices_phase(engine_config(a->engine), now, &next);
	if (key != a->notices_key) {
		a->notices_key = key;
		resnapshot_all(a);
	}
	arm(a, now, next);
}

void api__notices_start(struct api *a)
{
	int64_t now = clock_now_ms(a->clock), next;
	uv_timer_init(a->loop, &a->notices_timer);
	a->notices_timer.data = a;
	a->notices_on = true;
	a->notices_key = config_notices_phase(engine_config(a->engine), now, &next);
	arm(a, now, next);
}

void api__notices_stop(struct api *a)
{
	if (!a->notices_on)
		return;
	a->notices_on = false;
	uv_close((uv_handle_t *)&a->notices_timer, NULL);
}
