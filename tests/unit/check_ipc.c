/* Unit tests: IPC codecs (round trip, truncation, trailing bytes) and the
 * transport's enforcement of the message table. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sslvpnd/ipc.h"
#include "sslvpnd/util.h"

static void fill_auth_req(struct ipc_auth_req *m)
{
	memset(m, 0, sizeof(*m));
	m->conn_id = 7;
	m->flow = IPC_FLOW_SVC;
	m->cert = IPC_CERT_OK;
	m->local_port = 443;
	strcpy(m->host, "198.18.0.1");
	strcpy(m->path, "/phone");
	strcpy(m->user_agent, "Cisco SVC IPPhone Client v1.0");
	strcpy(m->cert_cn, "CP-8861-SEP682C7B40B5CE");
	strcpy(m->password, "secret");
	memset(m->cert_subject, 'x', sizeof(m->cert_subject) - 1);
	/* the longest chain a worker sends still fits the row */
	memset(m->chain, 0x30, sizeof(m->chain));
	m->chain_len = sizeof(m->chain);
}

START_TEST(auth_req_roundtrip)
{
	struct ipc_auth_req a, b;
	uint8_t buf[IPC_MAX_MSG];

	fill_auth_req(&a);
	int n = ipc_enc_auth_req(&a, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, (int)ipc_msgs[IPC_AUTH_REQ].max_len);
	ck_assert_int_eq(ipc_dec_auth_req(&b, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	/* every truncation fails, and so does a trailing byte */
	for (int cut = 0; cut < n; cut++)
		ck_assert_msg(ipc_dec_auth_req(&b, buf, (size_t)cut) < 0,
			      "decoded a message cut at %d of %d", cut, n);
	buf[n] = 0;
	ck_assert_int_lt(ipc_dec_auth_req(&b, buf, (size_t)n + 1), 0);
}
END_TEST

START_TEST(tunnel_rep_roundtrip)
{
	static struct ipc_tunnel_rep a, b;
	uint8_t buf[IPC_MAX_MSG];

	memset(&a, 0, sizeof(a));
	a.conn_id = 9;
	a.session_id = 3;
	a.addr = 0x010213c6;
	a.netmask = 0x00ffffff;
	a.mtu = 1406;
	a.n_dns = 2;
	a.dns[0] = 1;
	a.dns[1] = 2;
	a.split_mode = 1;
	a.n_split = IPC_MAX_ROUTES;
	for (int i = 0; i < IPC_MAX_ROUTES; i++)
		a.split[i].addr = (uint32_t)i;
	memset(a.banner, 'b', sizeof(a.banner) - 1);
	a.n_split6 = IPC_MAX_ROUTES;
	for (int i = 0; i < IPC_MAX_ROUTES; i++) {
		memset(a.split6[i].addr, i, sizeof(a.split6[i].addr));
		a.split6[i].plen = (uint8_t)(i * 2);
	}
	memset(a.split_dns, 'd', sizeof(a.split_dns) - 1);
	memset(a.filter, 'f', sizeof(a.filter) - 1);
	a.filter_flags = IPC_FILTER_DENY_FIRST;
	memset(a.addr6, 0x20, sizeof(a.addr6));
	a.plen6 = 64;
	a.dpd_client = 45;
	/* The largest filter: every entry IPv6 with both port operators. */
	a.n_filter_e = IPC_FILTER_ENTRIES;
	for (int i = 0; i < IPC_FILTER_ENTRIES; i++) {
		struct aclfilter_entry *x = &a.filter_e[i];

		x->list = (uint16_t)(i % 4);
		x->e.permit = (uint8_t)(i & 1);
		x->e.proto = i % 3 ? 6 : ACL_PROTO_IP;
		x->e.src = (struct acl_addr){ .af = ACL_AF_6, .plen = 128 };
		memset(x->e.src.a, i, 16);
		x->e.dst = (struct acl_addr){ .af = ACL_AF_6, .plen = 48 };
		memset(x->e.dst.a, 0xfe, 6);
		x->e.sport = (struct acl_port){ .op = ACL_OP_RANGE, .lo = 1024, .hi = 65535 };
		x->e.dport = (struct acl_port){ .op = ACL_OP_EQ, .lo = (uint16_t)i };
		x->e.line = 1000 + i;
	}
	int n = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, (int)ipc_msgs[IPC_TUNNEL_REP].max_len);
	ck_assert_int_eq(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	for (int cut = 0; cut < n; cut++)
		ck_assert_int_lt(ipc_dec_tunnel_rep(&b, buf, (size_t)cut), 0);
}
END_TEST

/* The vpn-filter entries: IPv4 entries are short; more entries than the
 * message carries are not encoded; a bad family, protocol or permit byte
 * is refused. */
START_TEST(tunnel_rep_filter_bounds)
{
	static struct ipc_tunnel_rep a, b;
	uint8_t buf[IPC_MAX_MSG];
	int n, n0;

	memset(&a, 0, sizeof(a));
	n0 = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));
	util_strlcpy(a.filter, "F1", sizeof(a.filter));
	a.n_filter_e = 1;
	a.filter_e[0].e = (struct acl_entry){ .permit = 1, .proto = 17, .line = 7,
		.src = { .af = ACL_AF_4, .plen = 32, .a = { 198, 19, 0, 10 } },
		.dst = { .af = ACL_AF_ANY },
		.dport = { .op = ACL_OP_EQ, .lo = 53 } };
	n = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));
	/* "F1" and one entry: IPv4 source, any destination: 27 bytes */
	ck_assert_int_eq(n, n0 + 2 + 27);
	ck_assert_int_eq(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&a.filter_e[0], &b.filter_e[0], sizeof(b.filter_e[0])), 0);
	/* layout from the end: ... proto(2) src af(1) plen(1) a(4) dst af(1)
	 * plen(1) ports(10) line(4) */
	buf[n - 14 - 2 - 4 - 2] = 5;           /* source family 5 */
	ck_assert_int_lt(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	buf[n - 14 - 2 - 4 - 2] = ACL_AF_4;
	buf[n - 14 - 2 - 4 - 2 - 2] = 0x01;    /* protocol 0x0111 */
	ck_assert_int_lt(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	buf[n - 14 - 2 - 4 - 2 - 2] = 0;
	buf[n - 14 - 2 - 4 - 2 - 3] = 2;       /* permit 2 */
	ck_assert_int_lt(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	a.n_filter_e = IPC_FILTER_ENTRIES + 1;
	ck_assert_int_lt(ipc_enc_tunnel_rep(&a, buf, sizeof(buf)), 0);
}
END_TEST

/* CONN_TAKEN: the worker confirms a CONN_NEW by its id; worker to main only,
 * never with a descriptor. */
START_TEST(conn_taken_roundtrip)
{
	struct ipc_conn_taken a = { .conn_id = 0x01020304 }, b = { 0 };
	uint8_t buf[32];
	int n = ipc_enc_conn_taken(&a, buf, sizeof(buf));

	ck_assert_int_eq(n, 4);
	ck_assert_int_le(n, (int)ipc_msgs[IPC_CONN_TAKEN].max_len);
	ck_assert_int_eq(ipc_msgs[IPC_CONN_TAKEN].dir, IPC_W2M);
	ck_assert_int_eq(ipc_dec_conn_taken(&b, buf, (size_t)n), 0);
	ck_assert_uint_eq(b.conn_id, a.conn_id);
	ck_assert_int_lt(ipc_dec_conn_taken(&b, buf, 3), 0);
}
END_TEST

/* SRC_EVENT: worker to main, no descriptor; it names a connection (main
 * knows its address), trailing bytes are refused. */
START_TEST(src_event_roundtrip)
{
	struct ipc_src_event a = { .cause = 3, .conn_id = 4294967295u }, b = { 0 };
	uint8_t buf[160];
	int n;

	n = ipc_enc_src_event(&a, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, (int)ipc_msgs[IPC_SRC_EVENT].max_len);
	ck_assert_int_eq(ipc_msgs[IPC_SRC_EVENT].dir, IPC_W2M);
	ck_assert_int_eq(ipc_dec_src_event(&b, buf, (size_t)n), 0);
	ck_assert_uint_eq(b.cause, 3);
	ck_assert_uint_eq(b.conn_id, a.conn_id);
	ck_assert_int_lt(ipc_dec_src_event(&b, buf, (size_t)n + 1), 0);
}
END_TEST

/* The S3 tail: an IPv6 prefix length over 128 or too many routes is refused. */
START_TEST(tunnel_rep_split6_bounds)
{
	static struct ipc_tunnel_rep a, b;
	uint8_t buf[IPC_MAX_MSG];
	int n;

	memset(&a, 0, sizeof(a));
	a.n_split6 = 1;
	a.split6[0].plen = 129;
	n = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	a.split6[0].plen = 32;
	n = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	ck_assert_uint_eq(b.n_split6, 1);
	ck_assert_uint_eq(b.split6[0].plen, 32);
}
END_TEST

/* The S4 IPv6 pool tail: no address is one byte; a prefix length over 128
 * is refused. */
START_TEST(tunnel_rep_addr6)
{
	static struct ipc_tunnel_rep a, b;
	uint8_t buf[IPC_MAX_MSG];
	int n, n0;

	memset(&a, 0, sizeof(a));
	n0 = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_tunnel_rep(&b, buf, (size_t)n0), 0);
	ck_assert_uint_eq(b.plen6, 0);
	a.addr6[0] = 0x20;
	a.addr6[1] = 0x01;
	a.addr6[15] = 0x10;
	a.plen6 = 64;
	n = ipc_enc_tunnel_rep(&a, buf, sizeof(buf));
	ck_assert_int_eq(n, n0 + 16);
	ck_assert_int_eq(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
	ck_assert_uint_eq(b.plen6, 64);
	ck_assert_int_eq(memcmp(b.addr6, a.addr6, 16), 0);
	buf[n - 21] = 129; /* the plen6 byte (before addr6, dpd_client and
			    * the filter entry count) */
	ck_assert_int_lt(ipc_dec_tunnel_rep(&b, buf, (size_t)n), 0);
}
END_TEST

/* The S4 tail of TUNNEL_REQ: the client's IPv6 wish survives; cut, refused. */
START_TEST(tunnel_req_want_ipv6)
{
	struct ipc_tunnel_req a = { .conn_id = 7, .want_ipv6 = 1 }, b;
	uint8_t buf[IPC_MAX_MSG];
	int n;

	strcpy(a.cookie, "c");
	strcpy(a.tls_cipher, "AES256-SHA");
	n = ipc_enc_tunnel_req(&a, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ipc_dec_tunnel_req(&b, buf, (size_t)n), 0);
	ck_assert_uint_eq(b.want_ipv6, 1);
	ck_assert_str_eq(b.tls_cipher, "AES256-SHA");
	ck_assert_int_lt(ipc_dec_tunnel_req(&b, buf, (size_t)n - 1), 0);
}
END_TEST

START_TEST(small_roundtrips)
{
	struct ipc_tunnel_closed c = { 1, 2, IPC_CLOSE_USER, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 }, c2;
	struct ipc_tunnel_kick k = { 5, 6, IPC_KICK_ADMIN }, k2;
	struct ipc_conn_done dn = { 7, IPC_HS_FAILED }, dn2;
	struct ipc_conn_new cn = { .conn_id = 4, .peer_port = 5555 }, cn2;
	uint8_t buf[IPC_MAX_MSG];
	int n;

	strcpy(cn.iface, "outside");
	strcpy(cn.peer, "198.18.0.2");
	n = ipc_enc_tunnel_closed(&c, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_tunnel_closed(&c2, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&c, &c2, sizeof(c)), 0);
	n = ipc_enc_tunnel_kick(&k, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_tunnel_kick(&k2, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&k, &k2, sizeof(k)), 0);
	n = ipc_enc_conn_done(&dn, buf, sizeof(buf));
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(ipc_dec_conn_done(&dn2, buf, (size_t)n), 0);
	ck_assert_uint_eq(dn2.conn_id, 7);
	ck_assert_uint_eq(dn2.handshake, IPC_HS_FAILED);
	n = ipc_enc_conn_new(&cn, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_conn_new(&cn2, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&cn, &cn2, sizeof(cn)), 0);
}
END_TEST

/* LOG_LEVELS: the class levels as a counted blob; a count past the array
 * is refused on both sides. */
START_TEST(log_levels_roundtrip)
{
	struct ipc_log_levels l = { .levels_len = 6, .levels = { 1, 255, 0, 7, 0, 2 } }, l2;
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_log_levels(&l, buf, sizeof(buf));

	ck_assert_int_eq(n, 2 + 6);
	ck_assert_int_eq(ipc_dec_log_levels(&l2, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&l, &l2, sizeof(l)), 0);
	ck_assert_int_eq(ipc_dec_log_levels(&l2, buf, (size_t)n - 1), -1);
	buf[0] = 0;
	buf[1] = (uint8_t)(sizeof(l.levels) + 1);
	ck_assert_int_eq(ipc_dec_log_levels(&l2, buf, (size_t)n), -1);
	l.levels_len = sizeof(l.levels) + 1;
	ck_assert_int_eq(ipc_enc_log_levels(&l, buf, sizeof(buf)), -1);
}
END_TEST

/* DTLS_HELLO carries the datagram as a counted blob: exact round trip,
 * every truncation refused, an over-long length refused. */
START_TEST(dtls_hello_blob)
{
	struct ipc_dtls_hello h = { .conn_id = 7, .session_id = 9, .peer_port = 443,
				    .hello_len = 200 }, h2;
	struct ipc_tunnel_stats st = { .conn_id = 1, .session_id = 2,
				       .dtls_state = IPC_DTLS_UP, .dtls_pkts_in = 5,
				       .dtls_bad = 3 }, st2;
	uint8_t buf[IPC_MAX_MSG];
	int n;

	strcpy(h.peer, "198.18.0.2");
	for (int i = 0; i < 200; i++)
		h.hello[i] = (uint8_t)i;
	n = ipc_enc_dtls_hello(&h, buf, sizeof(buf));
	ck_assert_int_gt(n, 200);
	ck_assert_int_eq(ipc_dec_dtls_hello(&h2, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&h, &h2, sizeof(h)), 0);
	for (int cut = 0; cut < n; cut++)
		ck_assert_int_lt(ipc_dec_dtls_hello(&h2, buf, (size_t)cut), 0);
	h.hello_len = IPC_HELLO_MAX + 1;
	ck_assert_int_lt(ipc_enc_dtls_hello(&h, buf, sizeof(buf)), 0);
	/* a forged length larger than the array */
	h.hello_len = 10;
	n = ipc_enc_dtls_hello(&h, buf, sizeof(buf));
	size_t at = (size_t)n - 10 - 2;

	buf[at] = 0xff;
	buf[at + 1] = 0xff;
	ck_assert_int_lt(ipc_dec_dtls_hello(&h2, buf, (size_t)n), 0);
	strcpy(st.dtls_mode, "DTLSv0.9");
	strcpy(st.dtls_cipher, "AES256-SHA");
	n = ipc_enc_tunnel_stats(&st, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_tunnel_stats(&st2, buf, (size_t)n), 0);
	ck_assert_int_eq(memcmp(&st, &st2, sizeof(st)), 0);
}
END_TEST

START_TEST(transport_enforces_table)
{
	int sv[2], fd;
	struct ipc_hdr h;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_conn_done d = { .conn_id = 42 };
	uint8_t pl[16];
	int n = ipc_enc_conn_done(&d, pl, sizeof(pl));

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* sender side refuses what the table forbids */
	ck_assert_int_eq(ipc_send(sv[0], IPC_CONN_DONE, 1, pl, (size_t)n, 0), -1);
	ck_assert_int_eq(ipc_send(sv[0], IPC_CONN_NEW, 1, pl, (size_t)n, -1), -1);
	ck_assert_int_eq(ipc_send(sv[0], (enum ipc_type)999, 1, pl, 1, -1), -1);
	/* right direction is accepted... */
	ck_assert_int_eq(ipc_send(sv[0], IPC_CONN_DONE, 1, pl, (size_t)n, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], IPC_W2M, &h, buf, sizeof(buf), &fd), 1);
	ck_assert_uint_eq(h.type, IPC_CONN_DONE);
	ck_assert_int_eq(fd, -1);
	/* ...the wrong receiver direction is a violation */
	ck_assert_int_eq(ipc_send(sv[0], IPC_CONN_DONE, 1, pl, (size_t)n, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], IPC_M2W, &h, buf, sizeof(buf), &fd), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* a descriptor rides with exactly the messages that carry one */
	int devnull = open("/dev/null", O_RDONLY);
	struct ipc_tun_fd t = { "sslvpn0", 1500 };

	n = ipc_enc_tun_fd(&t, buf, sizeof(buf));
	ck_assert_int_eq(ipc_send(sv[0], IPC_TUN_FD, 2, buf, (size_t)n, devnull), 0);
	ck_assert_int_eq(ipc_recv(sv[1], IPC_M2W, &h, buf, sizeof(buf), &fd), 1);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* a raw datagram with a lying length field is refused */
	uint8_t raw[12] = { 0, IPC_CONN_DONE, 0, 0, 0, 0, 0, 99, 0, 0, 0, 1 };

	ck_assert_int_eq(send(sv[0], raw, sizeof(raw), 0), (ssize_t)sizeof(raw));
	ck_assert_int_eq(ipc_recv(sv[1], IPC_W2M, &h, buf, sizeof(buf), &fd), -1);
	/* EOF */
	close(sv[0]);
	ck_assert_int_eq(ipc_recv(sv[1], IPC_W2M, &h, buf, sizeof(buf), &fd), 0);
	ck_assert_int_eq(errno, 0);
	close(sv[1]);
	close(devnull);
}
END_TEST

START_TEST(secmod_roundtrips)
{
	static struct ipc_secmod_users u, u2;
	struct ipc_passwd_req rq = { .req_id = 7 }, rq2;
	struct ipc_passwd_rep rp = { .req_id = 7, .result = IPC_PASSWD_LIMITED }, rp2;
	uint8_t buf[IPC_MAX_MSG];
	int n;

	u.gen = 3;
	u.flags = IPC_USERS_FIRST | IPC_USERS_LAST;
	u.n_users = IPC_SECMOD_USERS_MAX;
	for (int i = 0; i < IPC_SECMOD_USERS_MAX; i++) {
		memset(u.u[i].name, 'a' + i % 26, sizeof(u.u[i].name) - 1);
		memset(u.u[i].hash, '$', sizeof(u.u[i].hash) - 1);
	}
	n = ipc_enc_secmod_users(&u, buf, sizeof(buf));
	/* a full batch of the longest names and hashes fits its row */
	ck_assert_int_gt(n, 0);
	ck_assert_uint_le((size_t)n, ipc_msgs[IPC_SECMOD_USERS].max_len);
	ck_assert_int_eq(ipc_dec_secmod_users(&u2, buf, (size_t)n), 0);
	ck_assert_mem_eq(&u, &u2, sizeof(u));
	ck_assert_int_eq(ipc_dec_secmod_users(&u2, buf, (size_t)n - 1), -1);
	u.n_users = IPC_SECMOD_USERS_MAX + 1;
	ck_assert_int_eq(ipc_enc_secmod_users(&u, buf, sizeof(buf)), -1);

	strcpy(rq.user, "alice");
	strcpy(rq.password, "secret");
	n = ipc_enc_passwd_req(&rq, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ipc_dec_passwd_req(&rq2, buf, (size_t)n), 0);
	ck_assert_str_eq(rq2.user, "alice");
	ck_assert_str_eq(rq2.password, "secret");
	n = ipc_enc_passwd_rep(&rp, buf, sizeof(buf));
	ck_assert_int_eq(ipc_dec_passwd_rep(&rp2, buf, (size_t)n), 0);
	ck_assert_uint_eq(rp2.req_id, 7);
	ck_assert_uint_eq(rp2.result, IPC_PASSWD_LIMITED);
	/* a secmod message is a violation on a worker's channel and back */
	ck_assert_int_eq(ipc_msgs[IPC_PASSWD_REQ].dir, IPC_M2S);
	ck_assert_int_eq(ipc_msgs[IPC_PASSWD_REP].dir, IPC_S2M);
	ck_assert_int_eq(ipc_msgs[IPC_SECMOD_USERS].dir, IPC_M2S);
}
END_TEST

START_TEST(secmod_channel_enforced)
{
	int sv[2], fd;
	struct ipc_hdr h;
	uint8_t buf[IPC_MAX_MSG], pl[64];
	struct ipc_passwd_rep rp = { .req_id = 1 };
	int n = ipc_enc_passwd_rep(&rp, pl, sizeof(pl));

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* a worker cannot pass a verdict off as secmod's */
	ck_assert_int_eq(ipc_send(sv[0], IPC_PASSWD_REP, 1, pl, (size_t)n, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], IPC_W2M, &h, buf, sizeof(buf), &fd), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_int_eq(ipc_send(sv[0], IPC_PASSWD_REP, 1, pl, (size_t)n, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], IPC_S2M, &h, buf, sizeof(buf), &fd), 1);
	ck_assert_uint_eq(h.type, IPC_PASSWD_REP);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Every message of msgs.def has a codec, and a struct whose every listed
 * field is filled (integers with distinct values, strings and blobs to
 * their full size) encodes within the row's size and decodes to the same
 * struct.  Filled from the same field lists, so a new message or field is
 * covered without editing this test. */
#include "sslvpnd/ipcfields.def"
#define FILL_U8(f, n) m->f = (uint8_t)(seed++ & 0x7f);
#define FILL_U16(f, n) m->f = (uint16_t)(0x1200 + seed++);
#define FILL_U32(f, n) m->f = 0x12345600u + seed++;
#define FILL_U64(f, n) m->f = 0x123456789abc00ull + seed++;
#define FILL_STR(f, n) memset(m->f, 'a' + seed++ % 26, sizeof(m->f) - 1);
#define FILL_BLOB(f, n) m->f##_len = sizeof(m->f); \
	memset(m->f, seed++, sizeof(m->f));
#define FILL(kind, f, n) FILL_##kind(f, n)
#define FILLER(name, low, dir, max, fd, body, st, fl, h)                                \
	static void gen_fill_##low(void *p)                                      \
	{                                                                    \
		struct ipc_##low *m = p;                                     \
		unsigned seed = 1;                                           \
		IPCF_##low(FILL)                                             \
		(void)m;                                                     \
	}
#define IPCMSG FILLER
#include "sslvpnd/msgs.def"
#undef IPCMSG

static void (*const fillers[IPC__COUNT])(void *) = {
#define IPCMSG(name, low, dir, max, fd, body, st, fl, h) [IPC_##name] = gen_fill_##low,
#include "sslvpnd/msgs.def"
#undef IPCMSG
};

START_TEST(every_message_roundtrips)
{
	static _Alignas(max_align_t) uint8_t a[65536], b[65536];
	static uint8_t buf[IPC_MAX_MSG];
	int type = _i;
	const struct ipc_codec *c = &ipc_codecs[type];

	ck_assert_msg(c->enc && c->dec && c->size, "%s has no codec",
		      ipc_msgs[type].name);
	ck_assert_uint_le(c->size, sizeof(a));
	memset(a, 0, sizeof(a));
	memset(b, 0xee, sizeof(b));
	fillers[type](a);
	int n = c->enc(a, buf, sizeof(buf));

	ck_assert_msg(n > 0, "%s: a filled struct does not encode", ipc_msgs[type].name);
	ck_assert_msg((size_t)n <= ipc_msgs[type].max_len,
		      "%s: a filled struct encodes to %d bytes, over its row's %zu",
		      ipc_msgs[type].name, n, ipc_msgs[type].max_len);
	ck_assert_msg(c->dec(b, buf, (size_t)n) == 0, "%s: does not decode",
		      ipc_msgs[type].name);
	ck_assert_msg(!memcmp(a, b, c->size), "%s: decodes to another struct",
		      ipc_msgs[type].name);
	/* one byte less: refused */
	ck_assert_int_ne(c->dec(b, buf, (size_t)n - 1), 0);
}
END_TEST

/* ipc_msgs is msgs.def, column for column, and every row is usable: a
 * known direction, a state it is allowed in, a handler. */
START_TEST(table_matches_msgs_def)
{
	static const struct {
		const char *name, *handler;
		enum ipc_dir dir;
		size_t max;
		enum ipc_fdpol fd;
		unsigned states, flags;
	} rows[IPC__COUNT] = {
#define IPCMSG(name, low, dir, max, fd, body, st, fl, fn)                     \
		[IPC_##name] = { #name, #fn, dir, max, fd, st, fl },
#include "sslvpnd/msgs.def"
#undef IPCMSG
	};

	for (unsigned t = IPC__NONE + 1; t < IPC__COUNT; t++) {
		ck_assert_str_eq(ipc_msgs[t].name, rows[t].name);
		ck_assert_int_eq(ipc_msgs[t].dir, rows[t].dir);
		ck_assert_uint_eq(ipc_msgs[t].max_len, rows[t].max);
		ck_assert_int_eq(ipc_msgs[t].fd, rows[t].fd);
		ck_assert_uint_eq(ipc_msgs[t].states, rows[t].states);
		ck_assert_uint_eq(ipc_msgs[t].flags, rows[t].flags);
		ck_assert_msg(rows[t].dir >= IPC_M2W && rows[t].dir <= IPC_S2W,
			      "%s: no direction", rows[t].name);
		ck_assert_msg(rows[t].states & (IPC_ST_STARTING | IPC_ST_READY),
			      "%s: allowed in no state", rows[t].name);
		ck_assert_msg(rows[t].handler[0], "%s: no handler", rows[t].name);
		ck_assert_uint_le(rows[t].max + IPC_HDR_LEN, IPC_MAX_MSG);
	}
}
END_TEST

/* The central check, on the real table: the setup messages only while
 * starting and only once, the others only once ready, nothing of another
 * channel. */
START_TEST(admit_real_table)
{
	ipc_seen_t seen = 0;

	/* main's view of a worker */
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_STARTING, seen,
				   IPC_AUTH_REQ), IPC_REFUSE_STATE);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_STARTING, seen,
				   IPC_WORKER_READY), IPC_ADMIT);
	ipc_seen_note(ipc_msgs, &seen, IPC_WORKER_READY);
	ck_assert_uint_eq(seen, (ipc_seen_t)1 << IPC_WORKER_READY);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_STARTING, seen,
				   IPC_WORKER_READY), IPC_REFUSE_AGAIN);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC_WORKER_READY), IPC_REFUSE_STATE);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC_AUTH_REQ), IPC_ADMIT);
	ipc_seen_note(ipc_msgs, &seen, IPC_AUTH_REQ);
	ck_assert_uint_eq(seen, (ipc_seen_t)1 << IPC_WORKER_READY);  /* not IPC_ONCE */
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC_AUTH_REQ), IPC_ADMIT);
	/* a worker cannot send main's, secmod's or an unknown message */
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC_CONN_NEW), IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC_PASSWD_REP), IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC__NONE), IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen,
				   IPC__COUNT), IPC_REFUSE_DIR);
	/* a worker's view of main */
	seen = 0;
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, seen,
				   IPC_CONN_NEW), IPC_REFUSE_STATE);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, seen,
				   IPC_TUN_FD), IPC_ADMIT);
	ipc_seen_note(ipc_msgs, &seen, IPC_TUN_FD);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, seen,
				   IPC_TUN_FD), IPC_REFUSE_AGAIN);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_READY, seen,
				   IPC_CONN_NEW), IPC_ADMIT);
	/* secmod */
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2S, IPC_ST_READY, 0,
				   IPC_PASSWD_REQ), IPC_ADMIT);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2S, IPC_ST_READY, 0,
				   IPC_TUNNEL_KICK), IPC_REFUSE_DIR);
	/* a worker's key channel to secmod: only its key requests; main's
	 * messages to secmod (users, keys, connections) are refused there,
	 * and a key request is refused on main's channels */
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2S, IPC_ST_READY, 0, IPC_KEY_REQ), IPC_ADMIT);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2S, IPC_ST_READY, 0, IPC_SECMOD_USERS),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2S, IPC_ST_READY, 0, IPC_SECMOD_KEY),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2S, IPC_ST_READY, 0, IPC_SECMOD_CONN),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2S, IPC_ST_READY, 0, IPC_PASSWD_REQ),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2S, IPC_ST_READY, 0, IPC_KEY_REQ),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, 0, IPC_KEY_REQ),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_S2W, IPC_ST_READY, 0, IPC_KEY_REP), IPC_ADMIT);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_READY, 0, IPC_KEY_REP),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, 0, IPC_SECMOD_CHANNEL),
			 IPC_ADMIT);
	ck_assert_str_eq(ipc_verdict_name(IPC_REFUSE_AGAIN), "allowed once, sent again");
	ck_assert_str_eq(ipc_state_name(IPC_ST_STARTING), "starting");
}
END_TEST

/* The check follows whatever table it is given: a row changed to
 * IPC_ONCE or to another state changes the verdicts. */
START_TEST(admit_synthetic_table)
{
	struct ipc_msg_info t[IPC__COUNT];
	ipc_seen_t seen = 0;

	memcpy(t, ipc_msgs, sizeof(t));
	t[IPC_CONN_TAKEN].flags = IPC_ONCE;
	t[IPC_CONN_TAKEN].states = IPC_ST_STARTING | IPC_ST_READY;
	ck_assert_int_eq(ipc_admit(t, IPC_W2M, IPC_ST_STARTING, seen, IPC_CONN_TAKEN),
			 IPC_ADMIT);
	ipc_seen_note(t, &seen, IPC_CONN_TAKEN);
	ck_assert_int_eq(ipc_admit(t, IPC_W2M, IPC_ST_READY, seen, IPC_CONN_TAKEN),
			 IPC_REFUSE_AGAIN);
	/* the real table: not once, not while starting */
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_READY, seen, IPC_CONN_TAKEN),
			 IPC_ADMIT);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_W2M, IPC_ST_STARTING, 0, IPC_CONN_TAKEN),
			 IPC_REFUSE_STATE);
	t[IPC_AUTH_REQ].dir = IPC_S2M;
	ck_assert_int_eq(ipc_admit(t, IPC_W2M, IPC_ST_READY, 0, IPC_AUTH_REQ),
			 IPC_REFUSE_DIR);
	ck_assert_int_eq(ipc_admit(t, IPC_S2M, IPC_ST_READY, 0, IPC_AUTH_REQ), IPC_ADMIT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *core = tcase_create("core");
	TCase *lim = tcase_create("limits");

	tcase_add_test(core, auth_req_roundtrip);
	tcase_add_test(core, tunnel_rep_roundtrip);
	tcase_add_test(core, tunnel_rep_filter_bounds);
	tcase_add_test(core, conn_taken_roundtrip);
	tcase_add_test(core, src_event_roundtrip);
	tcase_add_test(core, tunnel_rep_split6_bounds);
	tcase_add_test(core, tunnel_rep_addr6);
	tcase_add_test(core, tunnel_req_want_ipv6);
	tcase_add_test(core, small_roundtrips);
	tcase_add_test(core, log_levels_roundtrip);
	tcase_add_test(core, dtls_hello_blob);
	tcase_add_test(core, secmod_roundtrips);
	tcase_add_loop_test(core, every_message_roundtrips, 1, IPC__COUNT);
	tcase_add_test(lim, secmod_channel_enforced);
	tcase_add_test(lim, table_matches_msgs_def);
	tcase_add_test(lim, admit_real_table);
	tcase_add_test(lim, admit_synthetic_table);
	tcase_add_test(lim, transport_enforces_table);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
