/* IPC between main and workers over SOCK_SEQPACKET socketpairs.
 *
 * Each message is one datagram: a fixed header {type, flags, len, seq} then
 * the payload, with at most one descriptor riding along (SCM_RIGHTS).  The
 * table in msgs.def declares every message; ipc_recv enforces it before any
 * decoder runs, and every decoder rejects trailing bytes.  Decoders never
 * allocate: strings land in the fixed-size fields of the structs below.
 */
#ifndef SSLVPND_IPC_H
#define SSLVPND_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/aclfilter.h"
#include "sslvpnd/config.h"

/* IPC_M2S / IPC_S2M: the channel between main and sslvpnd-secmod. */
enum ipc_dir { IPC_M2W = 1, IPC_W2M = 2, IPC_M2S = 3, IPC_S2M = 4 };
enum ipc_fdpol { IPC_FD_NONE = 0, IPC_FD_ONE = 1 };

enum ipc_type {
	IPC__NONE = 0,
#define IPCMSG(name, dir, max, fd) IPC_##name,
#include "sslvpnd/msgs.def"
#undef IPCMSG
	IPC__COUNT
};

struct ipc_msg_info {
	const char *name;
	enum ipc_dir dir;
	size_t max_len;
	enum ipc_fdpol fd;
};
extern const struct ipc_msg_info ipc_msgs[IPC__COUNT];

/* The largest payload is TUNNEL_REP's (msgs.def). */
enum { IPC_HDR_LEN = 12, IPC_MAX_MSG = 24576 + IPC_HDR_LEN };

struct ipc_hdr {
	uint16_t type;
	uint16_t flags;
	uint32_t len;
	uint32_t seq;
};

/* ipc_send: send one message (payload len bytes) with optional fd (-1 =
 * none).  Refuses (-1, nothing sent) what the table forbids.  Blocking
 * semantics are the socket's; returns 0 or -1 (errno set). */
int ipc_send(int sock, enum ipc_type type, uint32_t seq, const void *payload,
	     size_t len, int fd);

/* ipc_recv: receive one message as `receiver` (IPC_M2W: we are a worker).
 * On success returns 1 with hdr, payload in buf (hdr->len bytes) and *fd
 * (-1 when none).  Returns 0 on EOF/EAGAIN with nothing read (errno tells
 * which: 0 for EOF), -1 on a transport error or a table violation (a received
 * fd is closed; errno EPROTO for violations). */
int ipc_recv(int sock, enum ipc_dir receiver, struct ipc_hdr *hdr, void *buf,
	     size_t cap, int *fd);

/* ---- payloads ---- */

struct ipc_worker_ready {
	uint32_t worker_id;
};

struct ipc_tun_fd {
	char ifname[32];
	uint32_t mtu;
};

struct ipc_conn_new {
	uint32_t conn_id;
	char iface[CFG_NAME_MAX];
	char peer[64];
	uint16_t peer_port;
	char local[64];
	uint16_t local_port;
};

/* How far a connection got, for the handshake metrics: past the TLS
 * handshake, or closed during it (failure, timeout, peer gone). */
enum ipc_handshake { IPC_HS_UNKNOWN = 0, IPC_HS_COMPLETED = 1, IPC_HS_FAILED = 2 };

/* CONN_TAKEN: the worker received CONN_NEW conn_id with its socket.  Until
 * then main keeps a copy of the socket: a worker that dies with CONN_NEW
 * unread in its channel would otherwise take the client's connection with
 * it (main hands it to the next ready worker instead). */
struct ipc_conn_taken {
	uint32_t conn_id;
};

/* SRC_EVENT: a failure main cannot see itself (a refused client
 * certificate, a malformed request) from the client address peer; main adds
 * the cause's points to that address (src/main/mban.c).  cause is an enum
 * ban_cause (include/sslvpnd/bancause.def), checked by main. */
struct ipc_src_event {
	uint8_t cause;
	char peer[64];
};

struct ipc_conn_done {
	uint32_t conn_id;
	uint8_t handshake;            /* enum ipc_handshake */
};

enum ipc_flow { IPC_FLOW_XML = 1, IPC_FLOW_SVC = 2 };
enum ipc_cert { IPC_CERT_NONE = 0, IPC_CERT_OK = 1 };

struct ipc_auth_req {
	uint32_t conn_id;
	uint8_t flow;                 /* enum ipc_flow */
	uint8_t cert;                 /* enum ipc_cert: verified certificate present */
	uint8_t client_cert_fail;     /* client said <client-cert-fail/> */
	uint16_t local_port;
	char host[256];               /* Host header without port */
	char path[256];
	char group_select[128];
	char user_agent[256];
	char device_id[64];
	char username[256];
	char password[256];           /* never logged */
	char peer[64];
	char cert_cn[256];
	char cert_o[256];
	char cert_ou[256];
	char cert_email[256];
	char cert_upn[256];
	char cert_subject[512];
	char cert_issuer[512];
	char cert_serial[64];
	char cert_trustpoint[64];     /* CA trustpoint the chain validated against */
};

enum ipc_auth_result {
	IPC_AUTH_OK = 0,
	IPC_AUTH_NEED_CERT = 1,      /* <client-cert-request/> */
	IPC_AUTH_NEED_FORM = 2,      /* username/password form */
	IPC_AUTH_FAIL = 3,           /* refused: no cookie */
	IPC_AUTH_CERT_FAIL = 4,      /* Certificate Validation Failure */
	IPC_AUTH_UNKNOWN_GROUP = 5,
};

struct ipc_auth_rep {
	uint32_t conn_id;
	uint8_t result;               /* enum ipc_auth_result */
	char cookie[64];              /* on IPC_AUTH_OK */
	char username[256];
	char tunnel_group[CFG_NAME_MAX];
	char group_alias[CFG_NAME_MAX];
	char group_policy[CFG_NAME_MAX];
	char message[256];            /* shown to the user on failure */
	char banner[1024];            /* on IPC_AUTH_OK: the policy's banner */
};

struct ipc_tunnel_req {
	uint32_t conn_id;
	char cookie[64];
	char peer[64];
	uint16_t peer_port;
	char user_agent[256];
	char hostname[64];
	uint16_t base_mtu;            /* X-CSTP-Base-MTU (0 = absent) */
	uint16_t req_mtu;             /* X-CSTP-MTU (0 = absent) */
	char tls_version[16];
	char tls_cipher[64];
	/* appended for S4 IPv6 pools: the client announced full IPv6 support
	 * (X-CSTP-Full-IPv6-Capability, IPv6 in X-CSTP-Address-Type), so
	 * main leases it an IPv6 address when its policy has an IPv6 pool. */
	uint8_t want_ipv6;
};

enum ipc_tunnel_result {
	IPC_TUNNEL_OK = 0,
	IPC_TUNNEL_BAD_COOKIE = 1,    /* 401 */
	IPC_TUNNEL_NO_RESOURCES = 2,  /* 503 + X-Reason */
};

/* IPC_FILTER_ENTRIES: entries of a tunnel's vpn-filter (all its lists,
 * remarks left out) that TUNNEL_REP carries: four full access lists
 * (ACL_MAX_ENTRIES each) of IPv6 entries fit the message; a filter with
 * more is refused by main (100251, the tunnel passes nothing). */
enum { IPC_MAX_DNS = 3, IPC_MAX_ROUTES = 64, IPC_FILTER_MAX = 512,
       IPC_FILTER_ENTRIES = 256 };

struct ipc_route4 {
	uint32_t addr, mask;          /* network byte order */
};

struct ipc_route6 {
	uint8_t addr[16];             /* network byte order */
	uint8_t plen;                 /* 0..128 */
};

struct ipc_tunnel_rep {
	uint32_t conn_id;
	uint8_t result;               /* enum ipc_tunnel_result */
	char reason[128];
	uint32_t session_id;
	char username[256];
	char tunnel_group[CFG_NAME_MAX];
	char group_policy[CFG_NAME_MAX];
	uint32_t addr, netmask;       /* network byte order */
	uint16_t mtu;
	uint16_t keepalive;
	uint16_t dpd;
	uint32_t idle_timeout;        /* seconds, 0 = none */
	uint32_t session_timeout;     /* seconds, 0 = none */
	uint32_t session_remaining;   /* seconds, 0 = none */
	uint32_t disconnected_timeout;
	uint8_t n_dns;
	uint32_t dns[IPC_MAX_DNS];
	uint8_t n_nbns;
	uint32_t nbns[IPC_MAX_DNS];
	char default_domain[256];
	uint8_t split_mode;           /* 0 tunnelall, 1 include, 2 exclude */
	uint16_t n_split;
	struct ipc_route4 split[IPC_MAX_ROUTES];
	uint8_t client_bypass;
	uint8_t dtls;                 /* DTLS allowed by policy */
	char dtls_id[65];             /* 64 hex: X-DTLS-Session-ID / App-ID
				       * main routes ClientHellos by (when dtls) */
	char banner[1024];
	uint8_t resumed;              /* replaced an earlier tunnel of the session */
	/* appended for S3 split tunnelling (same split_mode as split[]): */
	uint16_t n_split6;
	struct ipc_route6 split6[IPC_MAX_ROUTES];
	char split_dns[256];          /* split-dns domains, space separated */
	/* appended for S4 vpn-filter: the access lists filtering the
	 * tunnel's traffic, by name, space separated, evaluated in order as
	 * one list (first match wins, implicit deny at the end); "" = none.
	 * Main decides (group policy vpn-filter, DAP network ACLs) and sends
	 * their entries too (filter_e below, from the session's snapshot): a
	 * worker never looks access lists up in its own configuration, which
	 * a reload of access lists alone does not renew. */
	char filter[IPC_FILTER_MAX];
	uint8_t filter_flags;         /* IPC_FILTER_* */
	/* appended for S4 IPv6 pools: the session's IPv6 address and the
	 * prefix length of its pool (X-CSTP-Address-IP6); plen6 0 = none. */
	uint8_t addr6[16];            /* network byte order */
	uint8_t plen6;
	/* The client's DPD interval (anyconnect dpd-interval client), for
	 * X-CSTP-DPD / X-DTLS-DPD; dpd above is the headend's own (gateway).
	 * 0 = the client sends no DPD. */
	uint16_t dpd_client;
	/* The entries of the lists in filter, in list order (remarks left
	 * out); entry.list indexes the names in filter.  Meaningful when
	 * filter is set and IPC_FILTER_CLOSED is not. */
	uint16_t n_filter_e;
	struct aclfilter_entry filter_e[IPC_FILTER_ENTRIES];
};

/* ipc_tunnel_rep.filter_flags */
enum {
	IPC_FILTER_DENY_FIRST = 1,    /* all deny entries of the lists before
				       * any permit (DAP aggregation) */
	IPC_FILTER_CLOSED = 2,        /* main could not build the filter
				       * (logged as 100251): drop everything */
};

enum ipc_close_reason {
	IPC_CLOSE_USER = 1,       /* DISCONNECT 0xb0: session ends */
	IPC_CLOSE_LOST = 2,       /* TLS closed / error: session resumable */
	IPC_CLOSE_DPD = 3,        /* peer dead: resumable */
	IPC_CLOSE_KICKED = 4,     /* main asked (logoff, replaced) */
	IPC_CLOSE_IDLE = 5,       /* idle timeout: session ends */
	IPC_CLOSE_PROTOCOL = 6,   /* protocol violation: resumable */
};

/* Per-tunnel counters (worker -> main) in TUNNEL_CLOSED and TUNNEL_STATS:
 * in = from the client, out = to the client; dtls_* count the part that
 * went over DTLS; drops = packets refused (spoofed source, too big, queue
 * full); dtls_bad = DTLS records dropped (bad MAC/padding, replay, epoch,
 * malformed); filter_drops_in/_out = packets the vpn-filter denied from /
 * towards the client (counted in bytes_in/pkts_in when from the client,
 * never in bytes_out/pkts_out). */
#define IPC_COUNTERS_F(X) X(U64, bytes_in) X(U64, bytes_out) X(U64, pkts_in) \
	X(U64, pkts_out) X(U64, drops) X(U64, dtls_bytes_in) \
	X(U64, dtls_bytes_out) X(U64, dtls_pkts_in) X(U64, dtls_pkts_out) \
	X(U64, dtls_bad) X(U64, filter_drops_in) X(U64, filter_drops_out)

struct ipc_tunnel_closed {
	uint32_t conn_id;
	uint32_t session_id;
	uint8_t reason;               /* enum ipc_close_reason */
	uint64_t bytes_in, bytes_out, pkts_in, pkts_out, drops;
	uint64_t dtls_bytes_in, dtls_bytes_out, dtls_pkts_in, dtls_pkts_out;
	uint64_t dtls_bad;
	uint64_t filter_drops_in, filter_drops_out;
};

enum { IPC_HELLO_MAX = 2048 };

/* DTLS_HELLO: main read a ClientHello for the session's DTLS id from a new
 * peer address; the fd is a UDP socket bound to the same local address and
 * port and connected to that peer, so the rest of the peer's datagrams go
 * straight to the worker. */
struct ipc_dtls_hello {
	uint32_t conn_id;
	uint32_t session_id;
	char peer[64];
	uint16_t peer_port;
	uint16_t hello_len;
	uint8_t hello[IPC_HELLO_MAX];
};

enum ipc_dtls_state {
	IPC_DTLS_NONE = 0,        /* no DTLS negotiated */
	IPC_DTLS_OFFERED = 1,     /* announced at CONNECT, no handshake yet */
	IPC_DTLS_UP = 2,          /* established, carrying traffic */
	IPC_DTLS_FALLBACK = 3,    /* established but silent: traffic on TLS */
	IPC_DTLS_FAILED = 4,      /* handshake failed */
};

/* TUNNEL_STATS: sent when the DTLS state changes (and with the counters
 * of that moment), so main's session listing stays current. */
struct ipc_tunnel_stats {
	uint32_t conn_id;
	uint32_t session_id;
	uint8_t dtls_state;           /* enum ipc_dtls_state */
	char dtls_mode[16];           /* "DTLSv0.9", "DTLSv1.2", "PSK-NEGOTIATE" */
	char dtls_cipher[64];
	uint64_t bytes_in, bytes_out, pkts_in, pkts_out, drops;
	uint64_t dtls_bytes_in, dtls_bytes_out, dtls_pkts_in, dtls_pkts_out;
	uint64_t dtls_bad;
	uint64_t filter_drops_in, filter_drops_out;
	/* UDP ports of the established DTLS channel (client's, ours); 0 when
	 * none is established. */
	uint16_t udp_src_port, udp_dst_port;
};

enum ipc_kick_reason {
	IPC_KICK_REPLACED = 1,    /* a new connection took over the session */
	IPC_KICK_ADMIN = 2,       /* administrator logoff */
	IPC_KICK_TIMEOUT = 3,     /* session timeout */
};

struct ipc_tunnel_kick {
	uint32_t session_id;
	uint32_t conn_id;
	uint8_t reason;               /* enum ipc_kick_reason */
};

/* LOG_LEVELS: the level 0..255 of each debug class (enum log_class order);
 * main sends it when a worker is ready and after each debug command.  A
 * worker ignores classes it does not know (a longer list from a newer main
 * would be cut, never misread). */
struct ipc_log_levels {
	uint16_t levels_len;
	uint8_t levels[32];
};

/* SECMOD_USERS: main hands secmod the local users' hashes in batches of
 * at most IPC_SECMOD_USERS_MAX.  A batch with IPC_USERS_FIRST starts a new
 * table of generation gen; the one with IPC_USERS_LAST replaces secmod's
 * table with it (a table never has half of one generation and half of
 * another).  hash is "" for a user without a usable hash. */
enum { IPC_SECMOD_USERS_MAX = 64, IPC_USERS_FIRST = 1, IPC_USERS_LAST = 2 };

struct ipc_secmod_user {
	char name[CFG_NAME_MAX];
	char hash[160];               /* PASSWD_HASH_MAX */
};

struct ipc_secmod_users {
	uint32_t gen;
	uint8_t flags;                /* IPC_USERS_FIRST | IPC_USERS_LAST */
	uint16_t n_users;
	struct ipc_secmod_user u[IPC_SECMOD_USERS_MAX];
};

/* PASSWD_REQ: is password user's?  req_id comes back in PASSWD_REP; main
 * keeps the login waiting meanwhile.  Both sides wipe password after use. */
struct ipc_passwd_req {
	uint32_t req_id;
	char user[CFG_NAME_MAX];
	char peer[64];                /* the client's address: the rate key with user */
	char password[256];           /* never logged */
};

enum ipc_passwd_result {
	IPC_PASSWD_OK = 0,
	IPC_PASSWD_BAD = 1,           /* wrong password */
	IPC_PASSWD_NO_USER = 2,       /* no such local user (the KDF ran anyway) */
	IPC_PASSWD_ERROR = 3,         /* the hash does not parse, KDF failed */
	IPC_PASSWD_BUSY = 4,          /* secmod's queue is full: not checked */
	IPC_PASSWD_LIMITED = 5,       /* over the user's attempt rate: not checked */
	IPC_PASSWD__MAX = IPC_PASSWD_LIMITED,
};

struct ipc_passwd_rep {
	uint32_t req_id;
	uint8_t result;               /* enum ipc_passwd_result */
};

/* Codecs: encode into buf (cap bytes) returning the length or -1; decode
 * returns 0 or -1 (malformed, over-long string, trailing bytes). */
#define IPC_CODEC(name, st)                                                  \
	int ipc_enc_##name(const struct st *m, uint8_t *buf, size_t cap);    \
	int ipc_dec_##name(struct st *m, const uint8_t *buf, size_t len);
IPC_CODEC(worker_ready, ipc_worker_ready)
IPC_CODEC(tun_fd, ipc_tun_fd)
IPC_CODEC(conn_new, ipc_conn_new)
IPC_CODEC(conn_done, ipc_conn_done)
IPC_CODEC(conn_taken, ipc_conn_taken)
IPC_CODEC(src_event, ipc_src_event)
IPC_CODEC(auth_req, ipc_auth_req)
IPC_CODEC(auth_rep, ipc_auth_rep)
IPC_CODEC(tunnel_req, ipc_tunnel_req)
IPC_CODEC(tunnel_rep, ipc_tunnel_rep)
IPC_CODEC(tunnel_closed, ipc_tunnel_closed)
IPC_CODEC(tunnel_kick, ipc_tunnel_kick)
IPC_CODEC(dtls_hello, ipc_dtls_hello)
IPC_CODEC(tunnel_stats, ipc_tunnel_stats)
IPC_CODEC(log_levels, ipc_log_levels)
IPC_CODEC(secmod_users, ipc_secmod_users)
IPC_CODEC(passwd_req, ipc_passwd_req)
IPC_CODEC(passwd_rep, ipc_passwd_rep)
#undef IPC_CODEC

/* ipc_send_msg helpers: encode + send in one call. */
#define IPC_SEND(sock, TYPE, name, msgp, seq, fd)                              \
	__extension__({                                                      \
		uint8_t _b[IPC_MAX_MSG];                                     \
		int _n = ipc_enc_##name((msgp), _b, sizeof(_b));             \
		_n < 0 ? -1 : ipc_send((sock), (TYPE), (seq), _b, (size_t)_n, (fd)); \
	})

#endif
