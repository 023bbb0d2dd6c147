/* test_names.c: unit tests of proto/names.c, the protocol's vocabulary: its tables both
 * ways, the helpers on top of them, and a row in proto/PROTOCOL.md's table of event kinds
 * for each kind (the doc is read as test_proto_doc.c reads it: argv[1], else the source
 * tree's copy). Runs as its own process; the last line is "names: N passed, 0 failed". */
#include "names.h"

#include "check.h"

#include <stdio.h>
#include <string.h>

#include "protocol_doc.h"

/* Every name maps back to its number, numbers outside a table give NULL, and names that are
 * not one give -1; plus the helpers on top of the tables. (The op names and paths' own
 * checks are in test_proto.c.) */
static void test_names(void)
{
	for (int m = 0; m <= PROTO_MSG_MAX; m++) {
		CHECK(proto_msg_name(m) != NULL);
		for (int k = 0; k < m; k++)
			CHECK(strcmp(proto_msg_name(m), proto_msg_name(k)) != 0);
	}
	CHECK(proto_msg_name(-1) == NULL && proto_msg_name(PROTO_MSG_MAX + 1) == NULL);
	CHECK(str_eq(proto_msg_name(PROTO_MSG_SNAPSHOT), "snapshot"));

	for (int k = PROTO_EV_ISSUED; k <= PROTO_EV_KIND_MAX; k++) {
		CHECK(proto_event_name(k) != NULL);
		CHECK(proto_event_from_name(proto_event_name(k)) == k);
		/* the doc's table of kinds has a row for each */
		char row[64];
		snprintf(row, sizeof(row), "| `%s` |", proto_event_name(k));
		CHECK(strstr(doc_text(), row) != NULL);
	}
	CHECK(proto_event_name(0) == NULL && proto_event_name(PROTO_EV_KIND_MAX + 1) == NULL);
	CHECK(proto_event_name(-1) == NULL);
	CHECK(proto_event_from_name("ticket.") == -1 && proto_event_from_name("called") == -1);
	CHECK(proto_event_from_name("") == -1 && proto_event_from_name(NULL) == -1);

	for (int k = -1; k <= PROTO_EV_KIND_MAX + 1; k++)
		CHECK(proto_event_has_ticket(k) ==
		      (k >= PROTO_EV_ISSUED && k <= PROTO_EV_CANCELLED));
	static const int after[][2] = {
	    {PROTO_EV_ISSUED, PROTO_STATE_WAITING},
	    {PROTO_EV_CALLED, PROTO_STATE_CALLED},
	    {PROTO_EV_RECALLED, PROTO_STATE_CALLED},
	    {PROTO_EV_SERVING, PROTO_STATE_SERVING},
	    {PROTO_EV_DONE, PROTO_STATE_DONE},
	    {PROTO_EV_NO_SHOW, PROTO_STATE_NO_SHOW},
	    {PROTO_EV_TRANSFERRED, PROTO_STATE_WAITING},
	    {PROTO_EV_CANCELLED, PROTO_STATE_CANCELLED},
	    {PROTO_EV_COUNTER_OPENED, -1},
	    {PROTO_EV_COUNTER_CLOSED, -1},
	    {PROTO_EV_DAY, -1},
	    {PROTO_EV_COUNTER_BREAK, -1},
	    {PROTO_EV_COUNTER_BACK, -1},
	    {0, -1},
	    {-1, -1},
	    {PROTO_EV_KIND_MAX + 1, -1},
	};
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		CHECK(proto_state_after(after[i][0]) == after[i][1]);

	for (int s = 0; s <= PROTO_STATE_MAX; s++) {
		CHECK(proto_state_name(s) != NULL);
		CHECK(proto_state_from_name(proto_state_name(s)) == s);
	}
	CHECK(proto_state_name(-1) == NULL && proto_state_name(PROTO_STATE_MAX + 1) == NULL);
	CHECK(proto_state_from_name("transferred") == -1 && proto_state_from_name(NULL) == -1);

	for (int s = 0; s <= PROTO_STATE_MAX; s++) {
		const char *o = proto_outcome_name(s, false), *h = proto_outcome_name(s, true);
		if (s < PROTO_STATE_DONE)
			CHECK(o == NULL && h == NULL);
		else
			CHECK(str_eq(o, proto_state_name(s)) &&
			      str_eq(h, s == PROTO_STATE_DONE ? "transferred" : o));
	}

	CHECK(proto_reason_name(PROTO_REASON_NONE) == NULL);
	for (int r = PROTO_REASON_VISITOR; r <= PROTO_REASON_MAX; r++) {
		CHECK(proto_reason_name(r) != NULL);
		CHECK(proto_reason_from_name(proto_reason_name(r)) == r);
	}
	CHECK(proto_reason_name(-1) == NULL && proto_reason_name(PROTO_REASON_MAX + 1) == NULL);
	CHECK(proto_reason_from_name("none") == -1 && proto_reason_from_name(NULL) == -1);

	for (int p = 0; p < PROTO_PRIORITIES; p++)
		CHECK(proto_priority_from_name(proto_priority_name(p)) == p);
	CHECK(proto_priority_name(PROTO_PRIORITIES) == NULL);
	CHECK(proto_priority_from_name("urgent") == -1 && proto_priority_from_name(NULL) == -1);

	CHECK(str_eq(proto_position_name(true), "front"));
	CHECK(str_eq(proto_position_name(false), "back"));

	for (int op = 0; op <= PROTO_OP_MAX; op++)
		CHECK(proto_op_path(op) != NULL && proto_op_from_path(proto_op_path(op)) == op);
	CHECK(proto_op_path(-1) == NULL && proto_op_path(PROTO_OP_MAX + 1) == NULL);
}

int main(int argc, char **argv)
{
	if (doc_load(argc > 1 ? argv[1] : NULL) != 0)
		return 1;
	test_names();
	doc_free();
	return check_report("names");
}
