/* fuzz_ws_rx.c: libFuzzer driver for server/ws_rx.h. An input is two bytes of max
 * (little-endian, taken modulo 20,000) and then fragments: a flags byte (bit 0 binary,
 * bit 1 final, bit 2 a two-byte length follows instead of one) with its length and that
 * many bytes (cut to what is left). Each fragment goes to ws_rx_feed; each complete
 * message goes to proto_parse_client, as torgd does. A model of the contract runs beside
 * it and the driver aborts when they differ: another result, a delivered message that is
 * not the concatenation of its fragments, a single final fragment that was copied, a
 * gathered message without its NUL, more than max bytes held or a buffer larger than
 * max + 1, a refused message whose later fragments are not dropped, or a parser result
 * outside 0 / -EINVAL / -E2BIG. */
#include "proto.h"
#include "ws_rx.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

/* What the contract says: the message gathered so far and whether one is dropped. */
struct model {
	char *acc;
	size_t len;
	bool in_message, dropping;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = (size_t)(data[0] | data[1] << 8) % 20000;
	struct ws_rx rx = {0};
	struct model md = {0};
	md.acc = malloc(max + 1);
	size_t i = 2;
	while (i < size) {
		uint8_t flags = data[i++];
		bool binary = flags & 1, final = flags & 2;
		size_t len = 0;
		if (flags & 4) {
			if (i + 2 > size)
				break;
			len = (size_t)(data[i] | data[i + 1] << 8);
			i += 2;
		} else if (i < size) {
			len = data[i++];
		}
		if (len > size - i)
			len = size - i;
		const char *frag = (const char *)data + i;
		i += len;

		/* The model's verdict. */
		int expect;
		bool whole = false;
		if (md.dropping) {
			md.dropping = !final;
			expect = WS_RX_MORE;
		} else if (binary || md.len + len > max) {
			expect = binary ? -EPROTO : -E2BIG;
			md.len = 0;
			md.in_message = false;
			md.dropping = !final;
		} else {
			whole = !md.in_message && final;
			memcpy(md.acc + md.len, frag, len);
			md.len += len;
			md.in_message = !final;
			expect = final ? WS_RX_MESSAGE : WS_RX_MORE;
		}

		const char *msg = (const char *)1;
		size_t msglen = 12345;
		int rc = ws_rx_feed(&rx, len ? frag : NULL, len, binary, final, max, &msg, &msglen);
		want(rc == expect);
		want(rx.len <= max && rx.cap <= max + 1 && (rx.buf != NULL || rx.cap == 0));
		want(rx.dropping == md.dropping);
		if (rc != WS_RX_MESSAGE) {
			want(msg == NULL && msglen == 0);
			continue;
		}
		want(msglen == md.len && msglen <= max &&
		     (msglen == 0 || !memcmp(msg, md.acc, msglen)));
		if (whole && len)
			want(msg == frag);
		else
			want(msg[msglen] == '\0');
		md.len = 0;

		struct proto_client_msg cm;
		struct proto_error err = {0};
		int prc = proto_parse_client(msg, msglen, &cm, &err);
		want(prc == 0 || prc == -EINVAL || prc == -E2BIG);
		want(prc != 0 || err.code == NULL);
		proto_client_msg_clear(&cm);
		proto_error_clear(&err);
	}
	ws_rx_clear(&rx);
	want(rx.buf == NULL && rx.len == 0 && !rx.dropping);
	free(md.acc);
	return 0;
}
