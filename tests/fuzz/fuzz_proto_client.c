/* fuzz_proto_client.c: libFuzzer driver for proto/'s parsers. Each input goes through
 * proto_parse_client, proto_parse_cmd_body (op from the first byte, body the rest),
 * proto_parse_ticket_req and proto_parse_login_req, and the driver aborts when a parser
 * breaks its contract: a result outside 0 / -EINVAL / -E2BIG, an error without code or
 * message, an error text that is not valid UTF-8, a success that leaves the error set or a
 * failure that leaves output allocated, or an accepted value of the wrong shape. proto.c is
 * included here (not only linked) for its shape checks (is_id, is_number, ...); the library
 * archive's copy is then never pulled in. */
#include "proto.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

/* Checks a parser's result against its error and returns whether it succeeded. */
static bool check_result(int rc, size_t len, struct proto_error *e)
{
	if (rc == 0) {
		want(e->code == NULL && e->message == NULL && e->field == NULL);
		return true;
	}
	want(rc == -EINVAL || rc == -E2BIG);
	want((rc == -E2BIG) == (len > PROTO_MAX_MESSAGE));
	want(e->code != NULL && e->message != NULL && e->message[0] != '\0');
	json_t *m = json_string(e->message);
	want(m != NULL);
	json_decref(m);
	if (e->field) {
		json_t *f = json_string(e->field);
		want(f != NULL);
		json_decref(f);
	}
	proto_error_clear(e);
	return false;
}

/* Checks the shape of an accepted services array. */
static void check_services(bool has, char **v, size_t n)
{
	want(has == (v != NULL));
	want(!has || (n >= 1 && n <= PROTO_MAX_SERVICES));
	for (size_t i = 0; i < n; i++) {
		want(is_id(v[i]));
		for (size_t j = 0; j < i; j++)
			want(strcmp(v[i], v[j]) != 0);
	}
}

/* Checks the fields an accepted counter action carries for its op. */
static void check_cmd(const struct proto_cmd *c)
{
	want((unsigned)c->op <= PROTO_OP_MAX);
	want(c->id >= 0);
	check_services(c->has_services, c->services, c->nservices);
	want(!c->has_services || c->op == PROTO_OP_OPEN);
	want((c->number != NULL) == (c->op == PROTO_OP_CALL));
	want(!c->number || is_number(c->number));
	want((c->service != NULL) == (c->op == PROTO_OP_TRANSFER));
	want(!c->service || is_id(c->service));
	want(!c->front || c->op == PROTO_OP_TRANSFER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct proto_error e = {0};

	struct proto_client_msg m;
	if (check_result(proto_parse_client(buf, size, &m, &e), size, &e)) {
		want(m.type == PROTO_MSG_HELLO || m.type == PROTO_MSG_CMD);
		if (m.type == PROTO_MSG_HELLO) {
			check_services(m.hello.has_services, m.hello.services, m.hello.nservices);
			want(!m.hello.display || is_id(m.hello.display));
			want(!m.hello.ticket || is_ticket_id(m.hello.ticket));
			want(!m.hello.token || is_token(m.hello.token));
			want(!m.hello.has_since || m.hello.since <= INT64_MAX);
		} else {
			check_cmd(&m.cmd);
			want(m.cmd.counter && is_id(m.cmd.counter));
		}
	} else {
		want(m.type == 0 && m.hello.services == NULL && m.cmd.counter == NULL);
	}
	proto_client_msg_clear(&m);

	if (size > 0) {
		struct proto_cmd c;
		enum proto_op op = (enum proto_op)(data[0] % (PROTO_OP_MAX + 1));
		if (check_result(proto_parse_cmd_body(op, buf + 1, size - 1, &c, &e), size - 1,
				 &e)) {
			want(c.op == op && c.id == 0 && c.counter == NULL);
			check_cmd(&c);
		} else {
			want(c.services == NULL && c.number == NULL && c.service == NULL);
		}
		proto_cmd_clear(&c);
	}

	struct proto_ticket_req t;
	if (check_result(proto_parse_ticket_req(buf, size, &t, &e), size, &e)) {
		want(t.service && is_id(t.service));
		want(!t.lang || is_lang(t.lang));
		want(proto_priority_name(t.priority) != NULL);
	} else {
		want(t.service == NULL && t.lang == NULL);
	}
	proto_ticket_req_clear(&t);

	struct proto_login_req l;
	if (check_result(proto_parse_login_req(buf, size, &l, &e), size, &e)) {
		want(l.name && l.password && l.name[0] && l.password[0]);
		want(strlen(l.name) <= PROTO_MAX_STRING && strlen(l.password) <= PROTO_MAX_STRING);
	} else {
		want(l.name == NULL && l.password == NULL);
	}
	proto_login_req_clear(&l);
	return 0;
}
