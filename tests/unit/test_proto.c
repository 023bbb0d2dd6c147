/* test_proto.c: unit tests of proto/, the client-message and request-body parsers. Every
 * message and body type is parsed valid, then broken in each way PROTOCOL.md names, and
 * the exact return value, error code, field path and message prefix are checked. Runs as
 * its own process; the last line is "proto: N passed, 0 failed". */
#include "proto.h"

#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Checks that an error has this rc, code, field (NULL: none) and message prefix, and that
 * message and field are valid UTF-8 (jansson accepts them), then clears it. */
static void check_err(int line, int rc, int want_rc, struct proto_error *e, const char *code,
		      const char *field, const char *msg_prefix)
{
	bool ok = rc == want_rc && str_eq(e->code, code) && str_eq(e->field, field) && e->message &&
		  (!msg_prefix || !strncmp(e->message, msg_prefix, strlen(msg_prefix)));
	json_t *m = e->message ? json_string(e->message) : NULL;
	json_t *f = e->field ? json_string(e->field) : NULL;
	ok = ok && m && (!e->field || f);
	json_decref(m);
	json_decref(f);
	if (ok) {
		passed++;
	} else {
		failed++;
		fprintf(stderr,
			"%s:%d: want rc %d code %s field %s msg %s...; got rc %d code %s field %s "
			"msg %s\n",
			__FILE__, line, want_rc, code, field ? field : "(none)",
			msg_prefix ? msg_prefix : "", rc, e->code ? e->code : "(none)",
			e->field ? e->field : "(none)", e->message ? e->message : "(none)");
	}
	proto_error_clear(e);
}

/* Parses s as a client frame and expects an error with code and field. */
static void client_err(int line, const char *s, const char *code, const char *field,
		       const char *msg_prefix)
{
	struct proto_client_msg m;
	struct proto_error e = {0};
	int rc = proto_parse_client(s, strlen(s), &m, &e);
	check_err(line, rc, -EINVAL, &e, code, field, msg_prefix);
	CHECK(m.hello.services == NULL && m.cmd.counter == NULL && m.type == 0);
}
#define CLIENT_ERR(s, code, field, prefix) client_err(__LINE__, s, code, field, prefix)

/* Parses s as the body of op and expects an error with code and field. */
static void body_err(int line, enum proto_op op, const char *s, const char *code, const char *field,
		     const char *msg_prefix)
{
	struct proto_cmd c;
	struct proto_error e = {0};
	int rc = proto_parse_cmd_body(op, s, strlen(s), &c, &e);
	check_err(line, rc, -EINVAL, &e, code, field, msg_prefix);
	CHECK(c.services == NULL && c.number == NULL && c.service == NULL);
}
#define BODY_ERR(op, s, code, field, prefix) body_err(__LINE__, op, s, code, field, prefix)

/* Parses s as a ticket request and expects an error with code and field. */
static void ticket_err(int line, const char *s, const char *code, const char *field,
		       const char *msg_prefix)
{
	struct proto_ticket_req r;
	struct proto_error e = {0};
	int rc = proto_parse_ticket_req(s, strlen(s), &r, &e);
	check_err(line, rc, -EINVAL, &e, code, field, msg_prefix);
	CHECK(r.service == NULL && r.lang == NULL);
}
#define TICKET_ERR(s, code, field, prefix) ticket_err(__LINE__, s, code, field, prefix)

/* Parses s as a login request and expects an error with code and field. */
static void login_err(int line, const char *s, const char *code, const char *field,
		      const char *msg_prefix)
{
	struct proto_login_req r;
	struct proto_error e = {0};
	int rc = proto_parse_login_req(s, strlen(s), &r, &e);
	check_err(line, rc, -EINVAL, &e, code, field, msg_prefix);
	CHECK(r.name == NULL && r.password == NULL);
}
#define LOGIN_ERR(s, code, field, prefix) login_err(__LINE__, s, code, field, prefix)

#define TICKET_ID "9f0c4e5d1a2b3c4d5e6f708192a3b4c5"
#define TOKEN	  TICKET_ID TICKET_ID

/* Op names, path segments and priority names map both ways. */
static void test_names(void)
{
	CHECK(!strcmp(PROTO_VERSION, "torg.v1"));
	CHECK(PROTO_MAX_MESSAGE == 16384);
	CHECK(str_eq(proto_op_name(PROTO_OP_CALL_NEXT), "call_next"));
	CHECK(str_eq(proto_op_name(PROTO_OP_NO_SHOW), "no_show"));
	CHECK(str_eq(proto_op_name(PROTO_OP_TRANSFER), "transfer"));
	CHECK(str_eq(proto_op_name((enum proto_op)99), "?"));
	CHECK(proto_op_from_path("call-next") == PROTO_OP_CALL_NEXT);
	CHECK(proto_op_from_path("no-show") == PROTO_OP_NO_SHOW);
	CHECK(proto_op_from_path("open") == PROTO_OP_OPEN);
	CHECK(proto_op_from_path("call_next") == -1);
	CHECK(proto_op_from_path("") == -1);
	CHECK(proto_op_from_path(NULL) == -1);
	CHECK(proto_op_from_name("call_next") == PROTO_OP_CALL_NEXT);
	CHECK(proto_op_from_name("call-next") == -1);
	CHECK(proto_op_from_name("CALL") == -1);
	for (int op = PROTO_OP_OPEN; op <= PROTO_OP_TRANSFER; op++)
		CHECK(proto_op_from_name(proto_op_name((enum proto_op)op)) == op);
	CHECK(str_eq(proto_priority_name(0), "normal"));
	CHECK(str_eq(proto_priority_name(1), "appointment"));
	CHECK(str_eq(proto_priority_name(2), "accessibility"));
	CHECK(proto_priority_name(3) == NULL && proto_priority_name(-1) == NULL);
}

/* A full hello and an empty hello parse into the right fields. */
static void test_hello_valid(void)
{
	const char *s =
	    "{\"type\":\"hello\",\"since\":1042,\"services\":[\"nav\",\"social-2\"],"
	    "\"display\":\"hall\",\"ticket\":\"" TICKET_ID "\",\"token\":\"" TOKEN "\"}";
	struct proto_client_msg m;
	struct proto_error e = {0};
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(e.code == NULL && e.message == NULL);
	CHECK(m.type == PROTO_MSG_HELLO);
	CHECK(m.hello.has_since && m.hello.since == 1042);
	CHECK(m.hello.has_services && m.hello.nservices == 2);
	CHECK(m.hello.nservices == 2 && str_eq(m.hello.services[0], "nav") &&
	      str_eq(m.hello.services[1], "social-2"));
	CHECK(str_eq(m.hello.display, "hall"));
	CHECK(str_eq(m.hello.ticket, TICKET_ID));
	CHECK(str_eq(m.hello.token, TOKEN));
	proto_client_msg_clear(&m);
	CHECK(m.hello.services == NULL && m.hello.display == NULL);

	s = " {\"type\" : \"hello\"}\n";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.type == PROTO_MSG_HELLO && !m.hello.has_since && !m.hello.has_services);
	CHECK(m.hello.display == NULL && m.hello.ticket == NULL && m.hello.token == NULL);
	proto_client_msg_clear(&m);

	s = "{\"type\":\"hello\",\"since\":0}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.hello.has_since && m.hello.since == 0);
	proto_client_msg_clear(&m);

	s = "{\"type\":\"hello\",\"since\":9223372036854775807}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.hello.has_since && m.hello.since == 9223372036854775807ULL);
	proto_client_msg_clear(&m);

	/* a services array of exactly 64 distinct ids is the maximum */
	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "{\"type\":\"hello\",\"services\":[");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"s%d\"", i ? "," : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	CHECK(proto_parse_client(buf, strlen(buf), &m, &e) == 0);
	CHECK(m.hello.nservices == 64 && str_eq(m.hello.services[63], "s63"));
	proto_client_msg_clear(&m);
}

/* Each way a hello can be wrong gives its code and field. */
static void test_hello_errors(void)
{
	CLIENT_ERR("{\"type\":\"hello\",\"since\":\"5\"}", "bad_request", "since",
		   "hello.since: expected a non-negative integer, got string");
	CLIENT_ERR("{\"type\":\"hello\",\"since\":-1}", "bad_request", "since",
		   "hello.since: expected a non-negative integer");
	CLIENT_ERR("{\"type\":\"hello\",\"since\":1.5}", "bad_request", "since", "hello.since:");
	CLIENT_ERR("{\"type\":\"hello\",\"since\":null}", "bad_request", "since", "hello.since:");
	CLIENT_ERR("{\"type\":\"hello\",\"since\":true}", "bad_request", "since", "hello.since:");
	CLIENT_ERR("{\"type\":\"hello\",\"since\":99999999999999999999}", "bad_json", NULL,
		   "line 1, column ");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":\"nav\"}", "bad_request", "services",
		   "hello.services: expected an array");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":[]}", "bad_request", "services",
		   "hello.services: expected 1 to 64 ids, got 0");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":[\"nav\",5]}", "bad_request", "services[1]",
		   "hello.services[1]: expected a string, got number");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":[\"nav\",\"Nav\"]}", "bad_request",
		   "services[1]", "hello.services[1]: expected an id");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":[\"nav\",\"hus\",\"nav\"]}", "bad_request",
		   "services[2]", "hello.services[2]: duplicate of services[0]");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":[\"\"]}", "bad_request", "services[0]",
		   "hello.services[0]: must not be empty");
	CLIENT_ERR("{\"type\":\"hello\",\"services\":[\"abcdefghijklmnopqrstuvwxyz0123456\"]}",
		   "bad_request", "services[0]", "hello.services[0]: expected an id");
	CLIENT_ERR("{\"type\":\"hello\",\"display\":\"hall way\"}", "bad_request", "display",
		   "hello.display: expected an id");
	CLIENT_ERR("{\"type\":\"hello\",\"display\":7}", "bad_request", "display",
		   "hello.display: expected a string, got number");
	CLIENT_ERR("{\"type\":\"hello\",\"ticket\":\"9F0C4E5D1A2B3C4D5E6F708192A3B4C5\"}",
		   "bad_request", "ticket", "hello.ticket: expected a ticket id");
	CLIENT_ERR("{\"type\":\"hello\",\"ticket\":\"9f0c4e5d1a2b3c4d5e6f708192a3b4c\"}",
		   "bad_request", "ticket", "hello.ticket:");
	CLIENT_ERR("{\"type\":\"hello\",\"ticket\":\"" TICKET_ID "0\"}", "bad_request", "ticket",
		   "hello.ticket:");
	CLIENT_ERR("{\"type\":\"hello\",\"token\":\"" TICKET_ID "\"}", "bad_request", "token",
		   "hello.token: expected a token");
	CLIENT_ERR("{\"type\":\"hello\",\"token\":\"\"}", "bad_request", "token",
		   "hello.token: must not be empty");
	CLIENT_ERR("{\"type\":\"hello\",\"sinse\":4}", "unknown_field", "sinse",
		   "hello.sinse: unknown field");
	CLIENT_ERR("{\"type\":\"hello\",\"id\":4}", "unknown_field", "id", "hello.id:");

	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "{\"type\":\"hello\",\"services\":[");
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"s%d\"", i ? "," : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	CLIENT_ERR(buf, "bad_request", "services", "hello.services: expected 1 to 64 ids, got 65");
}

/* Every op parses as a WS cmd with its own fields. */
static void test_cmd_valid(void)
{
	struct proto_client_msg m;
	struct proto_error e = {0};
	const char *s = "{\"type\":\"cmd\",\"id\":7,\"op\":\"call_next\",\"counter\":\"c4\"}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.type == PROTO_MSG_CMD && m.cmd.id == 7 && m.cmd.op == PROTO_OP_CALL_NEXT);
	CHECK(str_eq(m.cmd.counter, "c4") && !m.cmd.has_services && m.cmd.number == NULL);
	proto_client_msg_clear(&m);

	s = "{\"type\":\"cmd\",\"id\":0,\"op\":\"open\",\"counter\":\"c4\",\"services\":[\"nav\","
	    "\"social\"]}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.cmd.op == PROTO_OP_OPEN && m.cmd.id == 0 && m.cmd.has_services);
	CHECK(m.cmd.nservices == 2 && str_eq(m.cmd.services[1], "social"));
	proto_client_msg_clear(&m);

	s = "{\"type\":\"cmd\",\"id\":1,\"op\":\"open\",\"counter\":\"c4\"}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.cmd.op == PROTO_OP_OPEN && !m.cmd.has_services && m.cmd.services == NULL);
	proto_client_msg_clear(&m);

	s = "{\"op\":\"call\",\"number\":\"AB1234\",\"type\":\"cmd\",\"counter\":\"c4\","
	    "\"id\":9223372036854775807}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.cmd.op == PROTO_OP_CALL && str_eq(m.cmd.number, "AB1234"));
	CHECK(m.cmd.id == INT64_MAX);
	proto_client_msg_clear(&m);

	s = "{\"type\":\"cmd\",\"id\":3,\"op\":\"transfer\",\"counter\":\"c4\",\"service\":"
	    "\"housing\",\"position\":\"front\"}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.cmd.op == PROTO_OP_TRANSFER && str_eq(m.cmd.service, "housing") && m.cmd.front);
	proto_client_msg_clear(&m);

	s = "{\"type\":\"cmd\",\"id\":3,\"op\":\"transfer\",\"counter\":\"c4\",\"service\":"
	    "\"housing\",\"position\":\"back\"}";
	CHECK(proto_parse_client(s, strlen(s), &m, &e) == 0);
	CHECK(m.cmd.op == PROTO_OP_TRANSFER && !m.cmd.front);
	proto_client_msg_clear(&m);

	static const char *const simple[] = {"close", "recall", "start", "finish", "no_show"};
	for (size_t i = 0; i < 5; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"cmd\",\"id\":%zu,\"op\":\"%s\",\"counter\":\"x_1\"}", i,
			 simple[i]);
		CHECK(proto_parse_client(buf, strlen(buf), &m, &e) == 0);
		CHECK((int)m.cmd.op == proto_op_from_name(simple[i]) && m.cmd.id == (int64_t)i);
		proto_client_msg_clear(&m);
	}
	CHECK(e.code == NULL);
}

/* Each way a cmd can be wrong gives its code and field. */
static void test_cmd_errors(void)
{
	CLIENT_ERR("{\"type\":\"cmd\",\"op\":\"close\",\"counter\":\"c4\"}", "bad_request", "id",
		   "cmd.id: missing");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":\"7\",\"op\":\"close\",\"counter\":\"c4\"}",
		   "bad_request", "id", "cmd.id: expected a non-negative integer, got string");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":-7,\"op\":\"close\",\"counter\":\"c4\"}",
		   "bad_request", "id", "cmd.id:");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7.0,\"op\":\"close\",\"counter\":\"c4\"}",
		   "bad_request", "id", "cmd.id:");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"counter\":\"c4\"}", "bad_request", "op",
		   "cmd.op: missing");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"call-next\",\"counter\":\"c4\"}",
		   "bad_request", "op", "cmd.op: unknown op");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":[],\"counter\":\"c4\"}", "bad_request", "op",
		   "cmd.op: expected a string, got array");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"close\"}", "bad_request", "counter",
		   "cmd.counter: missing");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"close\",\"counter\":\"C4\"}", "bad_request",
		   "counter", "cmd.counter: expected an id");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"call\",\"counter\":\"c4\"}", "bad_request",
		   "number", "cmd.number: missing");
	static const char *const bad_numbers[] = {"b007", "ABC1", "A", "A12345", "7", "A1B", ""};
	for (size_t i = 0; i < 7; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"cmd\",\"id\":7,\"op\":\"call\",\"counter\":\"c4\","
			 "\"number\":\"%s\"}",
			 bad_numbers[i]);
		CLIENT_ERR(buf, "bad_request", "number", "cmd.number: ");
	}
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"transfer\",\"counter\":\"c4\","
		   "\"position\":\"front\"}",
		   "bad_request", "service", "cmd.service: missing");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"transfer\",\"counter\":\"c4\","
		   "\"service\":\"hus\"}",
		   "bad_request", "position", "cmd.position: missing");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"transfer\",\"counter\":\"c4\","
		   "\"service\":\"hus\",\"position\":\"middle\"}",
		   "bad_request", "position", "cmd.position: expected \"front\" or \"back\"");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"transfer\",\"counter\":\"c4\","
		   "\"service\":\"hus\",\"position\":true}",
		   "bad_request", "position", "cmd.position: expected a string, got boolean");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"open\",\"counter\":\"c4\","
		   "\"services\":[\"a\",\"a\"]}",
		   "bad_request", "services[1]", "cmd.services[1]: duplicate");
	/* fields of other ops are rejected */
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"call_next\",\"counter\":\"c4\","
		   "\"number\":\"B007\"}",
		   "unknown_field", "number", "cmd.number: not taken by op call_next");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"open\",\"counter\":\"c4\","
		   "\"service\":\"nav\"}",
		   "unknown_field", "service", "cmd.service:");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"transfer\",\"counter\":\"c4\","
		   "\"service\":\"nav\",\"position\":\"back\",\"services\":[\"a\"]}",
		   "unknown_field", "services", "cmd.services:");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"close\",\"counter\":\"c4\",\"x\":1}",
		   "unknown_field", "x", "cmd.x: unknown field");
	CLIENT_ERR("{\"type\":\"cmd\",\"id\":7,\"op\":\"close\",\"counter\":\"c4\",\"since\":1}",
		   "unknown_field", "since", "cmd.since:");
}

/* Frame-level errors: syntax, top level, type, size, duplicates, NULs. */
static void test_frame_errors(void)
{
	CLIENT_ERR("{\"type\":\"hello\",}", "bad_json", NULL, "line 1, column 17: ");
	CLIENT_ERR("{\"type\":\n \"hello\"", "bad_json", NULL, "line 2, column ");
	CLIENT_ERR("", "bad_json", NULL, "line ");
	CLIENT_ERR("{\"type\":\"hello\"} x", "bad_json", NULL, "line 1, column ");
	CLIENT_ERR("{\"type\":\"hello\"}{}", "bad_json", NULL, "line 1, column ");
	CLIENT_ERR("[{\"type\":\"hello\"}]", "bad_json", NULL, "expected a JSON object, got array");
	CLIENT_ERR("\"hello\"", "bad_json", NULL, "expected a JSON object, got string");
	CLIENT_ERR("42", "bad_json", NULL, "expected a JSON object, got number");
	CLIENT_ERR("{\"type\":\"hello\",\"type\":\"hello\"}", "bad_json", NULL, "line 1, column ");
	CLIENT_ERR("{\"type\":\"hel\\u0000lo\"}", "bad_json", NULL, "line 1, column ");
	CLIENT_ERR("{\"ty\\u0000pe\":\"hello\"}", "bad_json", NULL, "line 1, column ");
	CLIENT_ERR("{\"type\":\"hello\",\"display\":\"\xff\"}", "bad_json", NULL, "line 1, ");
	CLIENT_ERR("{}", "bad_request", "type", "type: missing");
	CLIENT_ERR("{\"since\":1}", "bad_request", "type", "type: missing");
	CLIENT_ERR("{\"type\":1}", "bad_request", "type", "type: expected a string, got number");
	CLIENT_ERR("{\"type\":\"snapshot\"}", "unknown_type", "type", "type: unknown message type");
	CLIENT_ERR("{\"type\":\"Hello\"}", "unknown_type", "type", NULL);

	/* a raw NUL byte inside the buffer */
	{
		static const char raw[] = "{\"type\":\"hello\",\"display\":\"a\0b\"}";
		struct proto_client_msg m;
		struct proto_error e = {0};
		int rc = proto_parse_client(raw, sizeof(raw) - 1, &m, &e);
		check_err(__LINE__, rc, -EINVAL, &e, "bad_json", NULL, "line 1, column ");
	}
	/* over the size limit: too_big and -E2BIG; exactly at the limit parses */
	{
		size_t n = PROTO_MAX_MESSAGE + 1;
		char *big = malloc(n + 1);
		memset(big, ' ', n);
		memcpy(big, "{\"type\":\"hello\"}", 16);
		big[n] = '\0';
		struct proto_client_msg m;
		struct proto_error e = {0};
		int rc = proto_parse_client(big, n, &m, &e);
		check_err(__LINE__, rc, -E2BIG, &e, "too_big", NULL, "message of 16385 bytes");
		rc = proto_parse_client(big, n - 1, &m, &e);
		CHECK(rc == 0 && m.type == PROTO_MSG_HELLO);
		proto_client_msg_clear(&m);
		struct proto_cmd c;
		rc = proto_parse_cmd_body(PROTO_OP_CLOSE, big, n, &c, &e);
		check_err(__LINE__, rc, -E2BIG, &e, "too_big", NULL, NULL);
		struct proto_ticket_req t;
		rc = proto_parse_ticket_req(big, n, &t, &e);
		check_err(__LINE__, rc, -E2BIG, &e, "too_big", NULL, NULL);
		struct proto_login_req l;
		rc = proto_parse_login_req(big, n, &l, &e);
		check_err(__LINE__, rc, -E2BIG, &e, "too_big", NULL, NULL);
		free(big);
	}
	/* a string of exactly 256 bytes is allowed, 257 is not (the name of a login here) */
	{
		char buf[600], nm[258];
		memset(nm, 'n', 257);
		nm[257] = '\0';
		snprintf(buf, sizeof(buf), "{\"name\":\"%s\",\"password\":\"pw\"}", nm);
		LOGIN_ERR(buf, "bad_request", "name", "name: longer than 256 bytes");
		nm[256] = '\0';
		snprintf(buf, sizeof(buf), "{\"name\":\"%s\",\"password\":\"pw\"}", nm);
		struct proto_login_req l;
		struct proto_error e = {0};
		CHECK(proto_parse_login_req(buf, strlen(buf), &l, &e) == 0);
		CHECK(l.name && strlen(l.name) == 256);
		proto_login_req_clear(&l);
	}
	/* a password may be as long as `torgd user add` allows: 1024 bytes, not 1025 */
	{
		char buf[1200], pw[1026];
		CHECK(PROTO_MAX_PASSWORD == 1024);
		memset(pw, 'p', 1025);
		pw[1025] = '\0';
		snprintf(buf, sizeof(buf), "{\"name\":\"kari\",\"password\":\"%s\"}", pw);
		LOGIN_ERR(buf, "bad_request", "password", "password: longer than 1024 bytes");
		pw[1024] = '\0';
		snprintf(buf, sizeof(buf), "{\"name\":\"kari\",\"password\":\"%s\"}", pw);
		struct proto_login_req l;
		struct proto_error e = {0};
		CHECK(proto_parse_login_req(buf, strlen(buf), &l, &e) == 0);
		CHECK(l.password && strlen(l.password) == 1024);
		proto_login_req_clear(&l);
		/* 257 bytes: past the other strings' limit, fine for a password */
		pw[257] = '\0';
		snprintf(buf, sizeof(buf), "{\"name\":\"kari\",\"password\":\"%s\"}", pw);
		CHECK(proto_parse_login_req(buf, strlen(buf), &l, &e) == 0);
		CHECK(l.password && strlen(l.password) == 257);
		proto_login_req_clear(&l);
		/* the limit counts bytes, not characters: 512 two-byte characters are 1024 */
		char *u = buf;
		u += sprintf(u, "{\"name\":\"kari\",\"password\":\"");
		for (int i = 0; i < 513; i++)
			u += sprintf(u, "\xc3\xa5");
		sprintf(u, "\"}");
		LOGIN_ERR(buf, "bad_request", "password", "password: longer than 1024 bytes");
	}
	/* jansson's text for invalid UTF-8 is sanitized into valid UTF-8 */
	{
		const char *s = "{\"\xc3";
		struct proto_client_msg m;
		struct proto_error e = {0};
		int rc = proto_parse_client(s, strlen(s), &m, &e);
		check_err(__LINE__, rc, -EINVAL, &e, "bad_json", NULL, "line 1");
	}
}

/* HTTP counter-action bodies: each op, empty bodies, and each error class. */
static void test_cmd_body(void)
{
	struct proto_cmd c;
	struct proto_error e = {0};
	for (int op = PROTO_OP_OPEN; op <= PROTO_OP_TRANSFER; op++) {
		if (op == PROTO_OP_CALL || op == PROTO_OP_TRANSFER)
			continue;
		CHECK(proto_parse_cmd_body((enum proto_op)op, "", 0, &c, &e) == 0);
		CHECK(c.op == (enum proto_op)op && c.id == 0 && c.counter == NULL);
		proto_cmd_clear(&c);
		CHECK(proto_parse_cmd_body((enum proto_op)op, NULL, 0, &c, &e) == 0);
		proto_cmd_clear(&c);
		CHECK(proto_parse_cmd_body((enum proto_op)op, " {} ", 4, &c, &e) == 0);
		proto_cmd_clear(&c);
	}
	const char *s = "{\"services\":[\"nav\"]}";
	CHECK(proto_parse_cmd_body(PROTO_OP_OPEN, s, strlen(s), &c, &e) == 0);
	CHECK(c.op == PROTO_OP_OPEN && c.has_services && c.nservices == 1 &&
	      str_eq(c.services[0], "nav"));
	proto_cmd_clear(&c);
	s = "{\"number\":\"B007\"}";
	CHECK(proto_parse_cmd_body(PROTO_OP_CALL, s, strlen(s), &c, &e) == 0);
	CHECK(c.op == PROTO_OP_CALL && str_eq(c.number, "B007"));
	proto_cmd_clear(&c);
	s = "{\"position\":\"front\",\"service\":\"housing\"}";
	CHECK(proto_parse_cmd_body(PROTO_OP_TRANSFER, s, strlen(s), &c, &e) == 0);
	CHECK(c.op == PROTO_OP_TRANSFER && str_eq(c.service, "housing") && c.front);
	proto_cmd_clear(&c);
	CHECK(e.code == NULL);

	BODY_ERR(PROTO_OP_CALL, "", "bad_request", "number", "number: missing");
	BODY_ERR(PROTO_OP_CALL, "{}", "bad_request", "number", "number: missing");
	BODY_ERR(PROTO_OP_CALL, "{\"number\":\"b7\"}", "bad_request", "number",
		 "number: expected a ticket number");
	BODY_ERR(PROTO_OP_TRANSFER, "{\"service\":\"h\"}", "bad_request", "position",
		 "position: missing");
	BODY_ERR(PROTO_OP_TRANSFER, "{\"service\":\"H\",\"position\":\"back\"}", "bad_request",
		 "service", "service: expected an id");
	BODY_ERR(PROTO_OP_OPEN, "{\"services\":[\"nav\",1]}", "bad_request", "services[1]",
		 "services[1]: expected a string, got number");
	BODY_ERR(PROTO_OP_OPEN, "{\"services\":{}}", "bad_request", "services",
		 "services: expected an array of ids, got object");
	BODY_ERR(PROTO_OP_CALL_NEXT, "{\"number\":\"B007\"}", "unknown_field", "number",
		 "number: unknown field");
	BODY_ERR(PROTO_OP_FINISH, "{\"id\":1}", "unknown_field", "id", "id: unknown field");
	BODY_ERR(PROTO_OP_CLOSE, "{\"counter\":\"c4\"}", "unknown_field", "counter", NULL);
	BODY_ERR(PROTO_OP_OPEN, "{\"op\":\"open\"}", "unknown_field", "op", NULL);
	BODY_ERR(PROTO_OP_RECALL, "[]", "bad_json", NULL, "expected a JSON object, got array");
	BODY_ERR(PROTO_OP_RECALL, "null", "bad_json", NULL, "expected a JSON object, got null");
	BODY_ERR(PROTO_OP_RECALL, " ", "bad_json", NULL, "line ");
	BODY_ERR(PROTO_OP_START, "{", "bad_json", NULL, "line 1, column ");
	BODY_ERR(PROTO_OP_NO_SHOW, "{\"a\":1,\"a\":1}", "bad_json", NULL, "line 1, column ");
	BODY_ERR((enum proto_op)42, "{}", "bad_request", NULL, "unknown op");
}

/* Ticket requests: service, lang, priority. */
static void test_ticket_req(void)
{
	struct proto_ticket_req r;
	struct proto_error e = {0};
	const char *s = "{\"service\":\"nav\"}";
	CHECK(proto_parse_ticket_req(s, strlen(s), &r, &e) == 0);
	CHECK(str_eq(r.service, "nav") && r.lang == NULL && r.priority == 0);
	proto_ticket_req_clear(&r);
	CHECK(r.service == NULL);
	s = "{\"service\":\"nav\",\"lang\":\"nb\",\"priority\":\"accessibility\"}";
	CHECK(proto_parse_ticket_req(s, strlen(s), &r, &e) == 0);
	CHECK(str_eq(r.lang, "nb") && r.priority == 2);
	proto_ticket_req_clear(&r);
	s = "{\"priority\":\"appointment\",\"lang\":\"pt-BR\",\"service\":\"a\"}";
	CHECK(proto_parse_ticket_req(s, strlen(s), &r, &e) == 0);
	CHECK(str_eq(r.lang, "pt-BR") && r.priority == 1 && str_eq(r.service, "a"));
	proto_ticket_req_clear(&r);
	static const char *const good_langs[] = {"en", "sme", "zh-Hant", "nb-NO", "ar-00000001"};
	for (size_t i = 0; i < 5; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "{\"service\":\"nav\",\"lang\":\"%s\"}", good_langs[i]);
		CHECK(proto_parse_ticket_req(buf, strlen(buf), &r, &e) == 0);
		CHECK(str_eq(r.lang, good_langs[i]));
		proto_ticket_req_clear(&r);
	}
	s = "{\"service\":\"nav\",\"priority\":\"normal\"}";
	CHECK(proto_parse_ticket_req(s, strlen(s), &r, &e) == 0);
	CHECK(r.priority == 0);
	proto_ticket_req_clear(&r);
	CHECK(e.code == NULL);

	TICKET_ERR("{}", "bad_request", "service", "service: missing");
	TICKET_ERR("{\"lang\":\"nb\"}", "bad_request", "service", "service: missing");
	TICKET_ERR("{\"service\":null}", "bad_request", "service",
		   "service: expected a string, got null");
	TICKET_ERR("{\"service\":\"NAV\"}", "bad_request", "service", "service: expected an id");
	TICKET_ERR("{\"service\":\"\"}", "bad_request", "service", "service: must not be empty");
	static const char *const bad_langs[] = {"n",	 "norw",	 "NB",	    "nb-",   "nb-x",
						"nb_NO", "nb-123456789", "nb-NO-x", "nb-N!", "e1"};
	for (size_t i = 0; i < 10; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "{\"service\":\"nav\",\"lang\":\"%s\"}", bad_langs[i]);
		TICKET_ERR(buf, "bad_request", "lang", "lang: expected a language tag");
	}
	TICKET_ERR("{\"service\":\"nav\",\"priority\":\"vip\"}", "bad_request", "priority",
		   "priority: expected \"normal\", \"appointment\" or \"accessibility\"");
	TICKET_ERR("{\"service\":\"nav\",\"priority\":1}", "bad_request", "priority",
		   "priority: expected a string, got number");
	TICKET_ERR("{\"service\":\"nav\",\"name\":\"Ola\"}", "unknown_field", "name",
		   "name: unknown field");
	TICKET_ERR("", "bad_json", NULL, "line ");
	TICKET_ERR("[\"nav\"]", "bad_json", NULL, "expected a JSON object");
}

/* Login requests: name and password. */
static void test_login_req(void)
{
	struct proto_login_req r;
	struct proto_error e = {0};
	const char *s = "{\"name\":\"kari\",\"password\":\"h\\u00e5rd \\\"pass\\\"\"}";
	CHECK(proto_parse_login_req(s, strlen(s), &r, &e) == 0);
	CHECK(str_eq(r.name, "kari") && str_eq(r.password, "h\xc3\xa5rd \"pass\""));
	proto_login_req_clear(&r);
	CHECK(r.name == NULL && r.password == NULL);
	CHECK(e.code == NULL);

	LOGIN_ERR("{\"name\":\"kari\"}", "bad_request", "password", "password: missing");
	LOGIN_ERR("{\"password\":\"x\"}", "bad_request", "name", "name: missing");
	LOGIN_ERR("{\"name\":\"\",\"password\":\"x\"}", "bad_request", "name",
		  "name: must not be empty");
	LOGIN_ERR("{\"name\":\"kari\",\"password\":\"\"}", "bad_request", "password",
		  "password: must not be empty");
	LOGIN_ERR("{\"name\":\"kari\",\"password\":123}", "bad_request", "password",
		  "password: expected a string, got number");
	LOGIN_ERR("{\"name\":\"kari\",\"password\":\"x\",\"remember\":true}", "unknown_field",
		  "remember", "remember: unknown field");
	LOGIN_ERR("{\"name\":\"kari\",\"password\":\"x\\u0000y\"}", "bad_json", NULL, "line 1, ");
	LOGIN_ERR("{\"name\":\"kari\",\"password\":\"x\",\"name\":\"ola\"}", "bad_json", NULL,
		  "line 1, ");
	LOGIN_ERR("true", "bad_json", NULL, "expected a JSON object, got boolean");
}

/* proto_error_clear and the _clear functions are safe on zeroed structs and twice. */
static void test_clear(void)
{
	struct proto_error e = {0};
	proto_error_clear(&e);
	proto_error_clear(&e);
	CHECK(e.code == NULL && e.message == NULL && e.field == NULL);
	struct proto_client_msg m = {0};
	proto_client_msg_clear(&m);
	proto_client_msg_clear(&m);
	struct proto_cmd c = {0};
	proto_cmd_clear(&c);
	struct proto_ticket_req t = {0};
	proto_ticket_req_clear(&t);
	struct proto_login_req l = {0};
	proto_login_req_clear(&l);
	CHECK(m.type == 0 && c.counter == NULL && t.service == NULL && l.name == NULL);
}

int main(void)
{
	test_names();
	test_hello_valid();
	test_hello_errors();
	test_cmd_valid();
	test_cmd_errors();
	test_frame_errors();
	test_cmd_body();
	test_ticket_req();
	test_login_req();
	test_clear();
	return check_report("proto");
}
