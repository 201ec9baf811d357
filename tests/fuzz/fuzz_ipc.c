/* libFuzzer target: the IPC between main and the workers
 * (src/ipc/ipc.c, src/ipc/codec.c).  A worker is less trusted than main:
 * main decodes what a worker sends, and a worker what main sends, so every
 * message is fuzzed.  Byte 0 picks the message; the rest is its payload:
 *   - as one SOCK_SEQPACKET datagram through ipc_recv, both receivers
 *     (the table check on type, direction, length and fd policy);
 *   - through the message's decoder.  A payload a decoder accepts is
 *     encoded again; that encoding decodes and re-encodes to the same
 *     bytes (nothing accepted is misread or lost), and it fits the size
 *     msgs.def gives the message.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sslvpnd/ipc.h"
#include "fuzz.h"

/* Decode, encode, decode, encode: the two encodings are identical. */
#define ROUND_TRIP(name, st)                                                \
	static void rt_##name(const uint8_t *p, size_t n, size_t max)       \
	{                                                                   \
		static struct st a, b;                                      \
		static uint8_t e1[IPC_MAX_MSG], e2[IPC_MAX_MSG];            \
		int l1, l2;                                                 \
		if (ipc_dec_##name(&a, p, n))                               \
			return;                                             \
		l1 = ipc_enc_##name(&a, e1, sizeof(e1));                    \
		CHECK(l1 >= 0 && (size_t)l1 <= max);                        \
		CHECK(ipc_dec_##name(&b, e1, (size_t)l1) == 0);             \
		l2 = ipc_enc_##name(&b, e2, sizeof(e2));                    \
		CHECK(l2 == l1 && !memcmp(e1, e2, (size_t)l1));             \
	}
ROUND_TRIP(worker_ready, ipc_worker_ready)
ROUND_TRIP(tun_fd, ipc_tun_fd)
ROUND_TRIP(conn_new, ipc_conn_new)
ROUND_TRIP(conn_done, ipc_conn_done)
ROUND_TRIP(conn_taken, ipc_conn_taken)
ROUND_TRIP(auth_req, ipc_auth_req)
ROUND_TRIP(auth_rep, ipc_auth_rep)
ROUND_TRIP(tunnel_req, ipc_tunnel_req)
ROUND_TRIP(tunnel_rep, ipc_tunnel_rep)
ROUND_TRIP(tunnel_closed, ipc_tunnel_closed)
ROUND_TRIP(tunnel_kick, ipc_tunnel_kick)
ROUND_TRIP(dtls_hello, ipc_dtls_hello)
ROUND_TRIP(tunnel_stats, ipc_tunnel_stats)
ROUND_TRIP(log_levels, ipc_log_levels)
ROUND_TRIP(src_event, ipc_src_event)
ROUND_TRIP(secmod_users, ipc_secmod_users)
ROUND_TRIP(passwd_req, ipc_passwd_req)
ROUND_TRIP(passwd_rep, ipc_passwd_rep)

static const struct {
	enum ipc_type type;
	void (*rt)(const uint8_t *p, size_t n, size_t max);
} codecs[] = {
	{ IPC_WORKER_READY, rt_worker_ready }, { IPC_TUN_FD, rt_tun_fd },
	{ IPC_CONN_NEW, rt_conn_new },	       { IPC_CONN_DONE, rt_conn_done },
	{ IPC_CONN_TAKEN, rt_conn_taken },     { IPC_AUTH_REQ, rt_auth_req },
	{ IPC_AUTH_REP, rt_auth_rep },	       { IPC_TUNNEL_REQ, rt_tunnel_req },
	{ IPC_TUNNEL_REP, rt_tunnel_rep },     { IPC_TUNNEL_CLOSED, rt_tunnel_closed },
	{ IPC_TUNNEL_KICK, rt_tunnel_kick },   { IPC_DTLS_HELLO, rt_dtls_hello },
	{ IPC_TUNNEL_STATS, rt_tunnel_stats }, { IPC_LOG_LEVELS, rt_log_levels },
	{ IPC_SRC_EVENT, rt_src_event },       { IPC_SECMOD_USERS, rt_secmod_users },
	{ IPC_PASSWD_REQ, rt_passwd_req },     { IPC_PASSWD_REP, rt_passwd_rep },
};

/* The raw datagram (header included) through ipc_recv. */
static void transport(const uint8_t *p, size_t n)
{
	static int sv[2] = { -1, -1 };
	static uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd = -1;

	if (sv[0] < 0)
		CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) == 0);
	for (int dir = IPC_M2W; dir <= IPC_S2M; dir++) {
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
	i = data[0] % (sizeof(codecs) / sizeof(codecs[0]));
	codecs[i].rt(data + 1, size - 1, ipc_msgs[codecs[i].type].max_len);
	return 0;
}
