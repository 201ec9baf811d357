/* libFuzzer target: the IPC between main and the workers
 * (src/ipc/ipc.c, src/ipc/codec.c).  A worker is less trusted than main:
 * main decodes what a worker sends, and a worker what main sends, so every
 * message is fuzzed.  Byte 0 picks the message; the rest is its payload:
 *   - as one SOCK_SEQPACKET datagram through ipc_recv, both receivers
 *     (the table check on type, direction, length and fd policy);
 *   - through ipc_admit, the table's state and once check;
 *   - through the message's decoder (ipc_codecs: every row of msgs.def,
 *     byte 0 in msgs.def order).  A payload a decoder accepts is
 *     encoded again; that encoding decodes and re-encodes to the same
 *     bytes (nothing accepted is misread or lost), and it fits the size
 *     msgs.def gives the message.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sslvpnd/ipc.h"
#include "fuzz.h"

/* Decode, encode, decode, encode: the two encodings are identical.  Every
 * message of msgs.def, through ipc_codecs (generated from the table): a
 * new message is fuzzed without a line here. */
static void round_trip(enum ipc_type type, const uint8_t *p, size_t n)
{
	static union { max_align_t align; uint8_t b[65536]; } a, b;
	static uint8_t e1[IPC_MAX_MSG], e2[IPC_MAX_MSG];
	const struct ipc_codec *c = &ipc_codecs[type];
	int l1, l2;

	CHECK(c->enc && c->dec && c->size <= sizeof(a.b));
	if (c->dec(a.b, p, n))
		return;
	l1 = c->enc(a.b, e1, sizeof(e1));
	CHECK(l1 >= 0 && (size_t)l1 <= ipc_msgs[type].max_len);
	CHECK(c->dec(b.b, e1, (size_t)l1) == 0);
	l2 = c->enc(b.b, e2, sizeof(e2));
	CHECK(l2 == l1 && !memcmp(e1, e2, (size_t)l1));
}

/* The central check (ipc_admit) with a state and once-set from the input:
 * whatever it admits is of the receiver's direction, allowed in that state
 * and, when IPC_ONCE, not seen before. */
static void admit(const uint8_t *p, size_t n)
{
	if (n < 6)
		return;
	enum ipc_dir dir = (enum ipc_dir)(IPC_M2W + p[0] % 4);
	enum ipc_state st = p[1] & 1 ? IPC_ST_READY : IPC_ST_STARTING;
	ipc_seen_t seen = (ipc_seen_t)p[2] << 24 | (ipc_seen_t)p[3] << 16 |
			  (ipc_seen_t)p[4] << 8 | p[5];
	unsigned type = p[0] >> 2;

	if (ipc_admit(ipc_msgs, dir, st, seen, type) != IPC_ADMIT)
		return;
	CHECK(type > IPC__NONE && type < IPC__COUNT && ipc_msgs[type].dir == dir);
	CHECK(ipc_msgs[type].states & st);
	CHECK(!(ipc_msgs[type].flags & IPC_ONCE) || !(seen & (1u << type)));
}

/* The raw datagram (header included) through ipc_recv. */
static void transport(const uint8_t *p, size_t n)
{
	static int sv[2] = { -1, -1 };
	static uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd = -1;

	if (sv[0] < 0)
		CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) == 0);
	for (int dir = IPC_M2W; dir <= IPC_S2W; dir++) {
		while (recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			; /* nothing left over from an earlier input */
		if (send(sv[1], p, n, MSG_DONTWAIT) != (ssize_t)n)
			return;
		int r = ipc_recv(sv[0], (enum ipc_dir)dir, &h, buf, sizeof(buf), &fd);

		CHECK(r == 1 || r == -1 || (r == 0 && n == 0));
		if (r == 1) {
			CHECK(h.type > IPC__NONE && h.type < IPC__COUNT);
			CHECK(ipc_msgs[h.type].dir == (enum ipc_dir)dir);
			CHECK(h.len <= ipc_msgs[h.type].max_len && h.len + IPC_HDR_LEN == n);
			CHECK(fd == -1);
		}
		if (r == 0 && n == 0) /* an empty datagram reads as EOF */
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	if (size < 1)
		return 0;
	transport(data + 1, size - 1);
	admit(data + 1, size - 1);
	i = IPC__NONE + 1 + data[0] % (IPC__COUNT - IPC__NONE - 1);
	round_trip((enum ipc_type)i, data + 1, size - 1);
	return 0;
}
