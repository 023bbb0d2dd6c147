/*
 * api.h — torgd's network face: one libwebsockets context on the libuv loop
 * serving the HTTP JSON API, the WebSocket protocol (proto/PROTOCOL.md) and
 * the browser pages. It turns requests into engine commands and answers only
 * when the engine says the change is durable.
 */
#ifndef TORG_API_H
#define TORG_API_H

#include <uv.h>

#include "auth.h"
#include "config.h"
#include "engine.h"

struct api;

struct stats_run;

struct api_opts {
	const char *listen;	 /* "ADDR:PORT" */
	const char *www;	 /* folder of the browser pages */
	struct clock *clock;	 /* the floor's clock (borrowed; set by the test-clock route) */
	struct stats_run *stats; /* the statistics runner (borrowed) */
	/* PUT /api/v1/admin/config hands the new document (JSON text, len bytes) here (main's
	 * live.c); by is the staff name. It calls done exactly once, on the loop: status 0
	 * when applied (seq: its floor.config event, not yet durable), -EINVAL with errors
	 * ("path: message" lines), -EBUSY (another change is under way), -EIO (the file
	 * could not be written: errors says why). Returns 0, or what done would have had. */
	int (*reconfigure)(void *arg, const char *doc, size_t len, const char *by,
			   void (*done)(int status, const char *errors, uint64_t seq, void *darg),
			   void *darg);
	void *reconfigure_arg;
};

/** Checks a listen address ("127.0.0.1:8080", "[::1]:8080", "localhost:8080"; the host
 *  must be an IP address or localhost). Returns 0 or -EINVAL with *cause malloc'd. */
int api_listen_check(const char *listen, char **cause);
/** Creates the lws context on loop and starts listening. Returns 0 with *out set, or
 *  -errno with *cause malloc'd (port in use, bad address). */
int api_create(uv_loop_t *loop, const struct api_opts *opts, const struct config *cfg,
	       struct engine *e, struct auth *auth, struct api **out, char **cause);
/** First half of shutdown: stops accepting, closes every connection. The loop must
 *  then run until it has nothing left; call api_free() after uv_run returns. */
void api_stop(struct api *a);
/** Second half: destroys what is left of the lws context and frees the api. */
void api_free(struct api *a);
/** Engine hooks that route durable events to the WebSocket sessions. */
void api_engine_hooks(struct api *a, struct engine_hooks *hooks);
/** SIGHUP: reads server.tls's certificate and key again for new handshakes (open
 *  connections keep theirs). 0 when the new pair is in use; 1 when torgd has no TLS;
 *  -EINVAL with *cause (malloc'd, naming the file) when the new pair is refused and
 *  the running one stays. */
int api_tls_reload(struct api *a, char **cause);

#endif
