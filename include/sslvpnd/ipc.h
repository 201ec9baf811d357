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

/* IPC_M2S / IPC_S2M: the channel between main and sslvpnd-secmod;
 * IPC_W2S / IPC_S2W: a worker's key channel to secmod. */
enum ipc_dir { IPC_M2W = 1, IPC_W2M = 2, IPC_M2S = 3, IPC_S2M = 4, IPC_W2S = 5,
	       IPC_S2W = 6 };
enum ipc_fdpol { IPC_FD_NONE = 0, IPC_FD_ONE = 1 };

enum ipc_type {
	IPC__NONE = 0,
#define IPCMSG(name, low, dir, max, fd, body, st, fl, h) IPC_##name,
#include "sslvpnd/msgs.def"
#undef IPCMSG
	IPC__COUNT
};

/* msgs.def's states column: the receiver's view of its channel. */
enum ipc_state { IPC_ST_STARTING = 1, IPC_ST_READY = 2 };
/* msgs.def's flags column */
enum { IPC_ONCE = 1 };

struct ipc_msg_info {
	const char *name;
	enum ipc_dir dir;
	size_t max_len;
	enum ipc_fdpol fd;
	unsigned states;              /* mask of enum ipc_state */
	unsigned flags;               /* IPC_ONCE */
};
extern const struct ipc_msg_info ipc_msgs[IPC__COUNT];

/* The IPC_ONCE messages a channel has carried: bit (1 << type). */
typedef uint64_t ipc_seen_t;
_Static_assert(IPC__COUNT <= 64, "ipc_seen_t holds a bit per message");

enum ipc_verdict {
	IPC_ADMIT = 0,
	IPC_REFUSE_DIR = 1,           /* unknown, or not for this receiver */
	IPC_REFUSE_STATE = 2,         /* not allowed in the current state */
	IPC_REFUSE_AGAIN = 3,         /* IPC_ONCE, and seen before */
};

/* ipc_admit: may `receiver`, whose view of the channel is `state` and
 * which has seen the IPC_ONCE messages `seen`, take a message of `type`
 * by table tab (ipc_msgs; IPC__COUNT rows)?  Pure: the caller records an
 * admitted message with ipc_seen_note.  Every process runs it before its
 * generated dispatch. */
enum ipc_verdict ipc_admit(const struct ipc_msg_info *tab, enum ipc_dir receiver,
			   enum ipc_state state, ipc_seen_t seen, unsigned type);
void ipc_seen_note(const struct ipc_msg_info *tab, ipc_seen_t *seen, unsigned type);
/* "starting", "ready"; the refusal's reason for a log line. */
const char *ipc_state_name(enum ipc_state state);
const char *ipc_verdict_name(enum ipc_verdict v);

/* The largest payload is TUNNEL_REP's (msgs.def). */
enum { IPC_HDR_LEN = 12, IPC_MAX_MSG = 25600 + IPC_HDR_LEN };

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

/* Messages kept in memory (the worker's configuration in a memfd), framed
 * as on a channel: header + payload, one after the other.
 * ipc_frame_hdr: the header of a message of type with len payload bytes.
 * ipc_frame_next: the next message from r (read position advances): 1 with
 * hdr and *payload set, 0 at the end, -1 when it breaks its row (unknown
 * type, wrong direction for receiver, too long, a row that needs a
 * descriptor, cut short) - the checks ipc_recv makes. */
void ipc_frame_hdr(uint8_t out[IPC_HDR_LEN], enum ipc_type type, uint32_t len);
struct rbuf;
int ipc_frame_next(struct rbuf *r, enum ipc_dir receiver, struct ipc_hdr *hdr,
		   const uint8_t **payload);

/* ---- payloads ---- */

/* How far a connection got, for the handshake metrics: past the TLS
 * handshake, or closed during it (failure, timeout, peer gone). */
enum ipc_handshake { IPC_HS_UNKNOWN = 0, IPC_HS_COMPLETED = 1, IPC_HS_FAILED = 2,
		     IPC_HS_RESUMED = 3 /* completed by a session ticket (S11) */ };

/* CONN_TAKEN: the worker received CONN_NEW conn_id with its socket.  Until
 * then main keeps a copy of the socket: a worker that dies with CONN_NEW
 * unread in its channel would otherwise take the client's connection with
 * it (main hands it to the next ready worker instead). */

/* SRC_EVENT: a failure main cannot see itself (a refused client
 * certificate, a malformed request) from the client address peer; main adds
 * the cause's points to that address (src/main/mban.c).  cause is an enum
 * ban_cause (include/sslvpnd/bancause.def), checked by main. */
enum ipc_flow { IPC_FLOW_XML = 1, IPC_FLOW_SVC = 2 };
enum ipc_cert { IPC_CERT_NONE = 0, IPC_CERT_OK = 1 };

enum ipc_auth_result {
	IPC_AUTH_OK = 0,
	IPC_AUTH_NEED_CERT = 1,      /* <client-cert-request/> */
	IPC_AUTH_NEED_FORM = 2,      /* username/password form */
	IPC_AUTH_FAIL = 3,           /* refused: no cookie */
	IPC_AUTH_CERT_FAIL = 4,      /* Certificate Validation Failure */
	IPC_AUTH_UNKNOWN_GROUP = 5,
	IPC_AUTH_CHALLENGE = 6,      /* AAA server challenge (S15): message +
				      * a response form (XML clients only) */
	IPC_AUTH_CSD = 7,            /* refused: host scan required (S7); an
				      * XML client gets the ASA's <host-scan> */
	IPC_AUTH_REDIRECT = 8,       /* load balancing: 302, Location in message */
};

/* S15 external AAA (main <-> secmod): AAA_REQ op, AAA_REP result.
 * IPC_AAA_UNREACHABLE: no host of the group answered (every one failed or
 * dead): the only result after which "NAME LOCAL" falls back to the local
 * database. */
enum ipc_aaa_op {
	IPC_AAA_AUTHENTICATE = 0,     /* check user's password (PAP) */
	IPC_AAA_AUTHORIZE = 1,        /* attributes only (certificate users) */
	IPC_AAA_TEST = 2,             /* test aaa-server: one host, no counters */
	IPC_AAA_OP__MAX = IPC_AAA_TEST,
};

enum ipc_aaa_result {
	IPC_AAA_ACCEPT = 0,
	IPC_AAA_REJECT = 1,           /* the server said no */
	IPC_AAA_CHALLENGE = 2,        /* Access-Challenge: reply_message + state */
	IPC_AAA_UNREACHABLE = 3,      /* no host answered in time */
	IPC_AAA_ERROR = 4,            /* bad reply, no such group, internal */
	IPC_AAA_BUSY = 5,             /* too many requests in flight */
	IPC_AAA__MAX = IPC_AAA_BUSY,
};

/* ACCT_REQ status (Acct-Status-Type) and cause (Acct-Terminate-Cause,
 * RFC 2866 5.10), as their RADIUS values. */
enum ipc_acct_status { IPC_ACCT_START = 1, IPC_ACCT_STOP = 2, IPC_ACCT_INTERIM = 3 };
enum ipc_acct_cause {
	IPC_ACCT_USER_REQUEST = 1, IPC_ACCT_LOST_CARRIER = 2, IPC_ACCT_IDLE_TIMEOUT = 4,
	IPC_ACCT_SESSION_TIMEOUT = 5, IPC_ACCT_ADMIN_RESET = 6, IPC_ACCT_ADMIN_REBOOT = 7,
	IPC_ACCT_NAS_ERROR = 9, IPC_ACCT_NAS_REQUEST = 10,
};

/* SECMOD_AAA: one host of one aaa-server group per message, generation gen;
 * flags as SECMOD_USERS (IPC_USERS_FIRST / IPC_USERS_LAST); a generation
 * without groups is one message with both flags and name "". */
enum { IPC_AAA_STATE_MAX = 253, IPC_AAA_ATTRS_MAX = 3072, IPC_LDAP_CA_MAX = 2048 };

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

enum { IPC_HELLO_MAX = 2048 };

/* AUTH_REQ's client chain (DER, leaf first): a phone's LSC or MIC plus a
 * CA or two is 1-4 KiB; 16 KiB holds a four-deep chain of RSA-4096
 * certificates and keeps AUTH_REQ (its strings are about 6 KiB) in one
 * message below IPC_MAX_MSG, so the chain travels in the login it belongs
 * to (no second row to order, match and bound). */
enum { IPC_CHAIN_MAX = 16384 };

/* The ticket keys' wire form (tkeys.h: TKEYS_WIRE_MAX, two keys). */
enum { IPC_TKEYS_MAX = 176 };

/* Test aid (man sslvpnd(8)): worker 1 forges AUTH_REQs ("cert": a
 * made-up chain; "conn[:SECONDS]": a connection it never got).  main
 * removes it for restarts, so only a worker's first run forges. */
#define IPC_TEST_FORGE_ENV "SSLVPND_TEST_FORGE"

/* The worker's configuration (WORKER_CONFIG, WCFG_*; include/sslvpnd/wcfg.h). */
enum { WCFG_DER_PIECE = 16384 };
enum wcfg_name_kind { WCFG_NAME_PATH = 1, WCFG_NAME_ALIAS = 2 };
/* PROFILE: an AnyConnect profile's bytes (name: its name), S7 */
enum wcfg_der_kind { WCFG_DER_ID = 1, WCFG_DER_CHAIN, WCFG_DER_CA, WCFG_DER_CRL,
		     WCFG_DER_PROFILE };

/* DTLS_HELLO: main read a ClientHello for the session's DTLS id from a new
 * peer address; the fd is a UDP socket bound to the same local address and
 * port and connected to that peer, so the rest of the peer's datagrams go
 * straight to the worker. */
enum ipc_dtls_state {
	IPC_DTLS_NONE = 0,        /* no DTLS negotiated */
	IPC_DTLS_OFFERED = 1,     /* announced at CONNECT, no handshake yet */
	IPC_DTLS_UP = 2,          /* established, carrying traffic */
	IPC_DTLS_FALLBACK = 3,    /* established but silent: traffic on TLS */
	IPC_DTLS_FAILED = 4,      /* handshake failed */
};

/* TUNNEL_STATS: sent when the DTLS state changes (and with the counters
 * of that moment), so main's session listing stays current. */
enum ipc_kick_reason {
	IPC_KICK_REPLACED = 1,    /* a new connection took over the session */
	IPC_KICK_ADMIN = 2,       /* administrator logoff */
	IPC_KICK_TIMEOUT = 3,     /* session timeout */
};

/* LOG_LEVELS: the level 0..255 of each debug class (enum log_class order);
 * main sends it when a worker is ready and after each debug command.  A
 * worker ignores classes it does not know (a longer list from a newer main
 * would be cut, never misread). */
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

/* PASSWD_REQ: is password user's?  req_id comes back in PASSWD_REP; main
 * keeps the login waiting meanwhile.  Both sides wipe password after use. */
enum ipc_passwd_result {
	IPC_PASSWD_OK = 0,
	IPC_PASSWD_BAD = 1,           /* wrong password */
	IPC_PASSWD_NO_USER = 2,       /* no such local user (the KDF ran anyway) */
	IPC_PASSWD_ERROR = 3,         /* the hash does not parse, KDF failed */
	IPC_PASSWD_BUSY = 4,          /* secmod's queue is full: not checked */
	IPC_PASSWD_LIMITED = 5,       /* over the user's attempt rate: not checked */
	IPC_PASSWD__MAX = IPC_PASSWD_LIMITED,
};

/* SECMOD_KEY: flags; IPC_KEY_DER_MAX holds an RSA 8192 key's DER. */
enum { IPC_KEYS_FIRST = 1, IPC_KEYS_LAST = 2, IPC_KEY_DER_MAX = 8192 };

/* KEY_REP: secmod's verdict on a KEY_REQ.  Everything but OK makes that
 * handshake fail (the worker logs the cause). */
enum ipc_key_result {
	IPC_KEY_OK = 0,
	IPC_KEY_UNKNOWN = 1,          /* no key with that id */
	IPC_KEY_NOT_ALLOWED = 2,      /* operation, padding or digest not one
				       * TLS uses with that key type */
	IPC_KEY_BAD_INPUT = 3,        /* input length wrong for key/digest */
	IPC_KEY_NO_CONN = 4,          /* connection not handed to that worker,
				       * or its handshake time is over */
	IPC_KEY_BUDGET = 5,           /* over the operations of one handshake */
	IPC_KEY_RATE = 6,             /* over the worker's rate */
	IPC_KEY_FAILED = 7,           /* the operation itself failed */
	IPC_KEY__MAX = IPC_KEY_FAILED,
};

/* TUN_FD vnet (S11): IPC_TUN_VNET every read and write of the fd has a
 * struct virtio_net_hdr first (IFF_VNET_HDR); IPC_TUN_TSO reads may be TCP
 * super packets and partial checksums (include/sslvpnd/tunoff.h). */
enum ipc_tun_vnet { IPC_TUN_VNET = 1, IPC_TUN_TSO = 2 };

/* ---- the payload structs, generated from ipcfields.def ---- */

#include "sslvpnd/ipcfields.def"

#define IPC_MEMBER_U8(f, n) uint8_t f;
#define IPC_MEMBER_U16(f, n) uint16_t f;
#define IPC_MEMBER_U32(f, n) uint32_t f;
#define IPC_MEMBER_U64(f, n) uint64_t f;
#define IPC_MEMBER_STR(f, n) char f[n];
#define IPC_MEMBER_BLOB(f, n) uint16_t f##_len; uint8_t f[n];
#define IPC_MEMBER(kind, f, n) IPC_MEMBER_##kind(f, n)
#define IPC_TAIL_IPC_BODY_LIST(low)
#define IPC_TAIL_IPC_BODY_TAIL(low) IPCT_##low
#define IPC_STRUCT(name, low, dir, max, fd, body, st, fl, h)                            \
	struct ipc_##low {                                                   \
		IPCF_##low(IPC_MEMBER)                                       \
		IPC_TAIL_##body(low)                                         \
	};
#define IPCMSG IPC_STRUCT
#include "sslvpnd/msgs.def"
#undef IPCMSG
#undef IPC_STRUCT

/* Codecs: encode into buf (cap bytes) returning the length or -1; decode
 * returns 0 or -1 (malformed, over-long string, trailing bytes). */
#define IPC_CODEC_PROTO(name, low, dir, max, fd, body, st, fl, h)                        \
	int ipc_enc_##low(const struct ipc_##low *m, uint8_t *buf, size_t cap); \
	int ipc_dec_##low(struct ipc_##low *m, const uint8_t *buf, size_t len);
#define IPCMSG IPC_CODEC_PROTO
#include "sslvpnd/msgs.def"
#undef IPCMSG
#undef IPC_CODEC_PROTO

/* ipc_codecs[type]: every message's codec behind one signature (the fuzzer,
 * tests): size of its struct, encode, decode. */
struct ipc_codec {
	size_t size;
	int (*enc)(const void *m, uint8_t *buf, size_t cap);
	int (*dec)(void *m, const uint8_t *buf, size_t len);
};
extern const struct ipc_codec ipc_codecs[IPC__COUNT];

/* ipc_send_msg helpers: encode + send in one call. */
#define IPC_SEND(sock, TYPE, name, msgp, seq, fd)                              \
	__extension__({                                                      \
		uint8_t _b[IPC_MAX_MSG];                                     \
		int _n = ipc_enc_##name((msgp), _b, sizeof(_b));             \
		_n < 0 ? -1 : ipc_send((sock), (TYPE), (seq), _b, (size_t)_n, (fd)); \
	})

#endif
