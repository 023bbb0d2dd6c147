/* proto: the torg wire protocol shared by torgd and torg-display. It owns the
 * protocol version, the size limit on client input, and the strict parsers for
 * what clients send: WebSocket client frames (hello, cmd) and the JSON bodies of
 * the HTTP counter actions, ticket requests and staff logins. Parsers reject
 * anything not in PROTOCOL.md (unknown fields, wrong types, bad shapes) with a
 * stable error code, a human message and the JSON path of the offending field.
 * Parsed structs own their strings (malloc'd); the matching _clear frees them.
 * No dependency on server/: this library is linked by the native display too. */
#ifndef TORG_PROTO_H
#define TORG_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

#define PROTO_MAX_MESSAGE 16384 /* bytes, client frames and HTTP bodies */

/* A parse failure: code is a static snake_case string (bad_json, bad_request,
 * unknown_field, unknown_type, too_big); message and field are malloc'd or NULL. */
struct proto_error {
	const char *code;
	char *message;
	char *field;
};
/** Frees message and field and resets *e to all NULL; safe on a zeroed error. */
void proto_error_clear(struct proto_error *e);

/* A counter action, from a WS cmd or an HTTP body. All strings malloc'd, owned. */
struct proto_cmd {
	int64_t id; /* WS cmd id; 0 for HTTP */
	enum proto_op op;
	char *counter; /* WS only (HTTP has it in the path) */
	bool has_services;
	char **services;
	size_t nservices; /* open */
	char *number;	  /* call: "B007" (validated shape: 1-2 capital letters + 1-4 digits) */
	char *service;	  /* transfer */
	bool front;	  /* transfer: position "front" (true) / "back" */
	bool on;	  /* break: true goes on a break, false comes back */
	bool move;	  /* open: close the user's other counter first */
};
/* A client's hello. All strings malloc'd, owned; absent optional ones NULL. */
struct proto_hello {
	bool has_since;
	uint64_t since;
	bool has_services;
	char **services;
	size_t nservices;
	char *display;
	char *ticket;
	char *token;
};
/* One client frame: hello is filled for PROTO_MSG_HELLO, cmd for PROTO_MSG_CMD
 * (names.h). */
struct proto_client_msg {
	enum proto_msg type;
	struct proto_hello hello;
	struct proto_cmd cmd;
};

/** Parses one client WebSocket frame. 0 on success; on failure -EINVAL (or -E2BIG when len >
 *  PROTO_MAX_MESSAGE) with err filled: code bad_json / bad_request / unknown_field /
 *  unknown_type / too_big, message human ("line 1, column 9: ..." for JSON syntax;
 *  "hello.since: expected a non-negative integer, got string"), field the JSON path.
 *  field is the path inside the object ("since", "services[1]"; NULL for bad_json/too_big);
 *  the message prefixes it with the message type ("hello.", "cmd."). *out is overwritten
 *  (not freed first) and left cleared on failure; *err is written only on failure (pass it
 *  zeroed), and message/field are valid UTF-8. The caller owns *out and *err and frees them
 *  with proto_client_msg_clear / proto_error_clear. */
int proto_parse_client(const char *buf, size_t len, struct proto_client_msg *out,
		       struct proto_error *err);
/** Frees everything *m owns and zeroes it; safe on a zeroed message. */
void proto_client_msg_clear(struct proto_client_msg *m);

/** Parses the JSON body of an HTTP counter action (op from the path) into *out, same
 *  validation and errors; an empty body (len 0) is `{}`. Returns 0 or -EINVAL / -E2BIG;
 *  the caller owns *out (proto_cmd_clear) and *err (proto_error_clear). */
int proto_parse_cmd_body(enum proto_op op, const char *buf, size_t len, struct proto_cmd *out,
			 struct proto_error *err);
/** Frees everything *c owns and zeroes it; safe on a zeroed command. */
void proto_cmd_clear(struct proto_cmd *c);

/* POST /api/v1/tickets body. service and lang malloc'd (lang NULL when absent). */
struct proto_ticket_req {
	char *service;
	char *lang;
	int priority; /* 0 normal,1 appointment,2 accessibility */
};
/** Parses a ticket request body. Returns 0 or -EINVAL / -E2BIG with *err filled; the
 *  caller owns *out (proto_ticket_req_clear) and *err (proto_error_clear). */
int proto_parse_ticket_req(const char *buf, size_t len, struct proto_ticket_req *out,
			   struct proto_error *err);
/** Frees everything *r owns and zeroes it. */
void proto_ticket_req_clear(struct proto_ticket_req *r);

/* The longest password a login body may carry, in bytes: the same limit as `torgd user
 * add` (auth's AUTH_PASSWORD_MAX), so every user that can be added can sign in. Other
 * strings stay at 256 bytes. */
#define PROTO_MAX_PASSWORD 1024

/* POST /api/v1/login body; both strings malloc'd. */
struct proto_login_req {
	char *name;
	char *password;
};
/** Parses a login body. Returns 0 or -EINVAL / -E2BIG with *err filled; the caller owns
 *  *out (proto_login_req_clear, which wipes the password) and *err (proto_error_clear). */
int proto_parse_login_req(const char *buf, size_t len, struct proto_login_req *out,
			  struct proto_error *err);
/** Frees everything *r owns (overwriting the password first) and zeroes it. */
void proto_login_req_clear(struct proto_login_req *r);

#endif
