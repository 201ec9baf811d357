/* Private to the worker process (unprivileged after setup). */
#ifndef SSLVPND_WORKER_H
#define SSLVPND_WORKER_H

#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "sslvpnd/compress.h"
#include "sslvpnd/config.h"
#include "sslvpnd/dtlsneg.h"
#include "sslvpnd/http.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/tunoff.h"
#include "sslvpnd/wcfg.h"

struct conn;
struct wbuf;
struct dtls09;
struct dtls12;
struct dtls12_ctx;
struct aclfilter;

/* ID_BUCKETS: connections by main's conn_id, looked up after every TLS
 * read and flush; a power of two (worker_conn_by_id hashes into it). */
enum { ADDR_BUCKETS = 4096, ID_BITS = 13, ID_BUCKETS = 1 << ID_BITS };

/* Packets read from tun per wake-up: bounded, so that the clients' sockets
 * and timers get their turn under a flood. */
enum { TUN_READS_PER_WAKE = 64 };

struct worker {
	struct ev_loop *loop;
	uint32_t id;
	struct wcfg wc;                  /* what main told it (WORKER_CONFIG) */
	int configured;                  /* wc complete and its contexts built */
	struct tls_server **servers;     /* parallel to wc.tls.ifaces */
	int ipc;
	ev_io ipc_io;
	enum ipc_state ipc_state;        /* main's channel: STARTING until TUN_FD */
	ipc_seen_t ipc_seen;             /* IPC_ONCE messages main sent */
	int tun;
	ev_io tun_io;
	char tun_name[32];
	struct conn *by_id[ID_BUCKETS];  /* all connections, by conn_id */
	unsigned n_conns;                /* in by_id */
	struct conn *by_addr[ADDR_BUCKETS]; /* tunnels by assigned address */
	ev_signal sigterm;
	ev_timer log_flush;              /* log_rl_flush */
	struct dtls12_ctx *dtls12;       /* DTLS 1.2 + PSK contexts */
	uint8_t pkt[TUNOFF_HDR + 65536]; /* one tun read (vnet header first) */
	/* tun offload (S11): tun_vnet = TUN_FD's enum ipc_tun_vnet bits; a
	 * TCP super packet is cut into seg one segment at a time; tso_seen
	 * says the first one was logged (debug) */
	uint8_t tun_vnet;
	int tso_seen;
	unsigned seg_unflushed;
	uint8_t seg[TUNOFF_SEG_MAX];
	/* upstream: segments joined until the end of the loop iteration
	 * (gro_flush, an ev_prepare watcher); gro_seen: first one logged */
	struct tunoff_gro gro;
	ev_prepare gro_flush;
	int gro_seen;
	/* tunnels that queued TLS frames in this tun batch, by conn_id: each
	 * is flushed once at its end (tunnel_tun_batch_end) */
	uint32_t tls_batch[TUN_READS_PER_WAKE];
	unsigned n_tls_batch;
	struct conn *by_addr6[ADDR_BUCKETS]; /* tunnels by IPv6 address */
	/* idle gathering (worker.c io_gather): a data packet or a new
	 * connection since the last 1 s tick, quiet ticks since, and whether
	 * the loop gathers readiness now; ev_iteration at the last tick */
	int busy, gathering;
	unsigned quiet_ticks, iters_seen;
	unsigned scratch_quiet;          /* ticks without a data packet (worker_scratch_rest) */
	/* the clock (util_now_ms) read once per wake-up (worker.c
	 * on_wake_cb), for the per-packet time stamps */
	uint64_t now_ms;
	ev_check wake;
};

/* When this wake-up of the loop began, in ms of util_now_ms: never later
 * than util_now_ms(), and one clock read per wake-up instead of several
 * per packet.  For stamps only (last_rx_ms, last_data_ms, ...): every
 * comparison with them takes the timers' own util_now_ms(), which is never
 * earlier, so the difference cannot wrap. */
static inline uint64_t worker_now(const struct worker *w)
{
	return w->now_ms;
}

enum conn_state {
	CS_HANDSHAKE = 1,
	CS_HTTP,          /* reading requests */
	CS_WAIT_MAIN,     /* a request waits for main's decision */
	CS_TUNNEL,        /* CSTP */
	CS_CLOSING,       /* flushing the last bytes, then close */
};

/* Output queue of whole TLS writes: each entry is written with exactly one
 * SSL_write, so each CSTP frame is one TLS record. */
enum { OUTQ_BYTES = 65536 };

/* A tunnel's TLS write buffer (wire.c): the records of up to this many
 * bytes leave in one send(), about 23 full-size packets.  Allocated when a
 * tunnel first sends data over TLS (a phone on DTLS never does). */
enum { WIRE_BYTES = 32768 };

struct outq {
	uint8_t *buf;       /* ring of [u16 len][bytes] entries */
	size_t head, tail, used;
};

/* One DTLS channel: a connected UDP socket main handed over with a
 * ClientHello, and the DTLS state fed from it. */
struct wdtls_chan {
	struct conn *c;
	int fd;                     /* connected UDP socket, -1 = slot free */
	ev_io io;
	ev_timer hs;                /* handshake retransmission */
	struct dtls09 *d09;
	struct dtls12 *d12;
	char peer[64];
	uint16_t peer_port;
};

/* The DTLS side of a tunnel (wdtls.c).  Negotiated at CONNECT; channels
 * come later from main, one per ClientHello (dtlspath.h): "est" carries
 * traffic, "cand" is a handshake from another address that replaces it
 * only once completed; a forged hello costs the tunnel nothing. */
struct wdtls {
	enum dtls_mode mode;        /* DTLS_MODE_NONE: TLS only */
	char suite[DTLSNEG_SUITE_MAX];  /* OpenSSL name */
	char reply[DTLSNEG_SUITE_MAX];  /* name answered to the client */
	int legacy_header;          /* DTLS 1.2 answered in X-DTLS-CipherSuite */
	uint16_t suite_id;          /* DTLS 0.9 */
	uint8_t master[DTLSNEG_MASTER_LEN];
	uint8_t id[32];             /* session id / App-ID we announced */
	uint8_t psk[32];            /* PSK-NEGOTIATE key (TLS exporter) */
	unsigned link_mtu;          /* UDP payload budget */
	uint16_t mtu;               /* X-DTLS-MTU: largest packet over DTLS */
	uint16_t local_port;        /* our UDP port (X-DTLS-Port) */
	struct wdtls_chan slot[2];
	struct wdtls_chan *est;     /* handshake complete; NULL = none */
	struct wdtls_chan *cand;    /* handshake running; NULL = none */
	int active;                 /* downstream goes over DTLS (est only) */
	int dpd_pending;
	uint64_t last_rx_ms;
	uint64_t bad_prev;          /* refused records of freed channels */
};
struct tunnel_state {
	uint32_t session_id;
	uint32_t addr;              /* network order */
	uint32_t netmask;
	uint16_t mtu;
	uint16_t dpd, keepalive;
	uint32_t idle_timeout;
	uint64_t last_rx_ms, last_tx_ms, last_data_ms;
	int dpd_pending;
	uint64_t bytes_in, bytes_out, pkts_in, pkts_out, drops;
	uint64_t dtls_bytes_in, dtls_bytes_out, dtls_pkts_in, dtls_pkts_out;
	uint8_t close_reason;
	char user[256];
	char group_policy[CFG_NAME_MAX];
	struct wdtls dtls;
	/* vpn-filter (tunnel.c): compiled at tunnel_start from the worker's
	 * config; filter_closed when that failed (every packet dropped). */
	struct aclfilter *filter;
	int filter_closed;
	uint64_t filter_drops_in, filter_drops_out;
	uint64_t last_drop_ms;          /* keeps TUNNEL_STATS flowing */
	uint64_t filter_log_ms;         /* last 100250 line, 0 = none yet */
	uint64_t filter_log_hits;       /* denials since that line */
	/* IPv6 pool address (X-CSTP-Address-IP6), when the client asked for
	 * IPv6 and main leased one. */
	int has_addr6;
	uint8_t addr6[16];
	uint8_t plen6;
	/* Compression of each channel (wcomp.c); comp_failed: a malformed
	 * compressed packet arrived on DTLS, the tunnel closes at the next
	 * timer (not from inside the DTLS record loop). */
	struct comp_ctx comp_tls, comp_dtls;
	int comp_failed;
	int in_tls_batch;               /* listed in w->tls_batch */
};

struct conn {
	struct worker *w;
	struct conn *idnext, *hnext;    /* by_id, by_addr chains */
	uint32_t id;
	int fd;
	ev_io io;
	ev_timer timer;
	uint64_t timer_due;             /* in a tunnel: when the timer fires (ms) */
	SSL *ssl;
	const struct tls_server *srv;
	struct tls_conn_info info;
	struct ipc_conn_new meta;
	enum conn_state state;
	int want_write;
	int wire_buffered;          /* 1 records go through a wire.c buffer,
				     * -1 could not get one */
	int cipher_told;            /* 725012 logged */
	int resumed;                /* the handshake resumed a ticket's session (100114) */
	uint8_t *in;              /* request bytes / CSTP stream */
	size_t in_len, in_cap;
	size_t in_hwm;            /* bytes of in ever written: what a wipe covers */
	struct http_request *req; /* during CS_HTTP / CS_WAIT_MAIN; kept after
				   * it is complete for main's answer */
	int req_started;          /* req initialised (http_request_init) */
	struct outq out;
	int close_after_flush;
	int phone;                /* User-Agent is a Cisco IP phone */
	char user_agent[256];
	char want_profile[CFG_NAME_MAX]; /* a profile GET waiting for main (S7) */
	struct tunnel_state t;
	struct conn *hnext6;      /* by_addr6 chain */
	/* conn_rest_tick, per channel (TLS, DTLS): data packets at the last
	 * tick, since when (ms) they have not changed, whether the buffers
	 * rest. */
	struct conn_rest {
		uint64_t seen;
		uint64_t quiet_since;
		uint8_t resting;
	} rest_tls, rest_dtls;
	uint8_t rd_drained;       /* the socket's last read() was short or
				   * found nothing (conn_read_watch) */
};

/* worker.c */
void worker_send(struct worker *w, enum ipc_type type, const uint8_t *buf, int len);
void worker_tun_write(struct worker *w, const uint8_t *pkt, size_t len);

/* connid.c */
/* worker_conn_by_id: the live connection main numbered id, or NULL (it
 * closed: main never reuses an id, so a stale one finds nothing).
 * worker_conn_add / worker_conn_remove: c enters / leaves that index. */
struct conn *worker_conn_by_id(struct worker *w, uint32_t id);
void worker_conn_add(struct worker *w, struct conn *c);
void worker_conn_remove(struct worker *w, struct conn *c);

/* conn.c */
void conn_new(struct worker *w, int fd, const struct ipc_conn_new *meta);
void conn_close(struct conn *c, const char *why);
/* conn_key_ready: secmod answered the key request of connection id's
 * handshake, or a handshake held back by wkey_defer has its turn (wkey.c):
 * it goes on.  0 when no such handshake is left. */
int conn_key_ready(struct worker *w, uint32_t id);
int conn_queue(struct conn *c, const void *a, size_t alen, const void *b, size_t blen);
void conn_flush(struct conn *c);
void conn_wire_buffer(struct conn *c);
int conn_out_pending(struct conn *c);
int conn_ssl_error(struct conn *c, int r);
void conn_read_watch(struct conn *c);
int conn_read_drained(const struct conn *c);
void conn_set_timer(struct conn *c, double seconds);
/* conn_traffic: data (or denied packets) on a tunnel at now: a timer asleep
 * past the next statistics report is brought forward; one compare when not.
 * conn_timer_rearm: a deadline may have come nearer (DTLS came up): the
 * tunnel's timer is brought forward to tunnel_next_due if it is earlier. */
void conn_traffic(struct conn *c, uint64_t now);
void conn_timer_rearm(struct conn *c);
/* TUNNEL_STATS while data flows: at most one per period (wdtls_report). */
enum { TUNNEL_STATS_PERIOD_MS = 5000 };
/* conn_in_reserve: grow the input buffer to cap bytes (keeping its data);
 * 0, or -1 out of memory.  conn_in_free: wipe (the bytes that ever held
 * data) and drop it.  conn_in_got: n bytes were read in at in_len. */
int conn_in_reserve(struct conn *c, size_t cap);
void conn_in_free(struct conn *c);
void conn_in_got(struct conn *c, size_t n);
/* conn_in_room: room to read into: a first buffer of `first` bytes, grown
 * to `max` when it is full (a frame longer than it); 0, or -1 out of
 * memory. */
int conn_in_room(struct conn *c, size_t first, size_t max);
/* conn_rest_tick (at a tunnel's timer): after CONN_REST_MS without a data
 * packet over TLS, the connection's empty buffers and
 * OpenSSL's record buffers are freed and stay freed between keepalives
 * (SSL_MODE_RELEASE_BUFFERS); the first data packet over TLS ends the
 * rest.  The same for the DTLS 1.2 session's buffers and DTLS packets.
 * A phone's tunnel carries only control frames over TLS, and over DTLS
 * nothing between calls. */
enum { CONN_REST_MS = 3000 };
void conn_rest_tick(struct conn *c, uint64_t now);
/* conn_rest_due: the earlier of due and when a channel's rest begins (the
 * tunnel's timer must fire then: it no longer ticks every second). */
uint64_t conn_rest_due(const struct conn *c, uint64_t due);
/* conn_report_source: tells main that c's client address earned ban points
 * for cause (enum ban_cause): failures main cannot see itself. */
void conn_report_source(struct conn *c, int cause);

/* wcomp.c: tunnel compression (include/sslvpnd/compress.h) */
/* wcomp_offer: after wdtls_offer, picks each channel's algorithm (the
 * policy's, when the client offers it; DTLS only when DTLS was offered)
 * and adds the Content-Encoding headers to the CONNECT reply.
 * wcomp_pack: the packet compressed for that channel, *len updated, or
 * NULL to send it as it is; wcomp_unsent undoes the last TLS pack that
 * could not be queued.  wcomp_unpack: the packet decompressed (at most
 * the tunnel MTU), or NULL: dropped (nothing negotiated) or malformed
 * (logged, comp_failed set, the caller closes the tunnel). */
void wcomp_offer(struct conn *c, const struct http_request *req,
		 const struct ipc_tunnel_rep *rp, struct wbuf *b);
const uint8_t *wcomp_pack(struct conn *c, int dtls, const uint8_t *p, size_t *len);
void wcomp_unsent(struct conn *c);
const uint8_t *wcomp_unpack(struct conn *c, int dtls, const uint8_t *p, uint16_t *len);
void wcomp_end(struct conn *c);

/* wauth.c: HTTP requests before the tunnel */
void wauth_on_readable(struct conn *c);
void wauth_on_auth_rep(struct worker *w, const uint8_t *buf, size_t len);
void wauth_on_tunnel_rep(struct worker *w, const uint8_t *buf, size_t len);
void wauth_on_profile_rep(struct worker *w, const uint8_t *buf, size_t len);
void wauth_send_status(struct conn *c, int status, const char *extra_headers);
void wauth_process_buffer(struct conn *c);
/* SHA-1 of every profile of the worker's configuration (once, at start). */
void wauth_hash_profiles(struct wcfg *wc);

/* tunnel.c: CSTP */
int tunnel_start(struct conn *c, const struct ipc_tunnel_rep *rp);
/* tunnel_client_ipv6: 1 when the CONNECT request asks for IPv6 too. */
int tunnel_client_ipv6(const struct http_request *req);
void tunnel_on_readable(struct conn *c);
void tunnel_on_timer(struct conn *c);
/* tunnel_next_due: the earliest of the tunnel's deadlines after now (ms):
 * what tunnel_on_timer would act on, so the timer sleeps until then. */
uint64_t tunnel_next_due(const struct conn *c, uint64_t now);
void tunnel_on_tun_packet(struct worker *w, const uint8_t *pkt, size_t len);
void tunnel_tun_batch_end(struct worker *w);
void tunnel_on_kick(struct worker *w, const uint8_t *buf, size_t len);
void tunnel_end(struct conn *c);
/* A frame that arrived over DTLS (type byte + payload). */
void tunnel_on_dtls_frame(struct conn *c, const uint8_t *frame, size_t len);
/* Counters for TUNNEL_STATS / TUNNEL_CLOSED. */
void tunnel_counters(const struct conn *c, struct ipc_tunnel_stats *st);

/* wdtls.c: the DTLS channel of a tunnel */
int wdtls_init(struct worker *w);
/* wdtls_scratch_release: the receive slots and record buffers go back to
 * the kernel (S11: between wake-ups they hold nothing); about how many
 * bytes. */
size_t wdtls_scratch_release(void);
/* wdtls_reset: an empty DTLS side (no channel) after zeroing. */
void wdtls_reset(struct wdtls *d);
/* At CONNECT: negotiate (dtlsneg.h) and append the X-DTLS-* reply headers
 * to b; the tunnel runs over TLS alone when nothing is appended. */
void wdtls_offer(struct conn *c, const struct http_request *req,
		 const struct ipc_tunnel_rep *rp, struct wbuf *b);
void wdtls_on_hello(struct worker *w, const uint8_t *buf, size_t len, int fd);
/* Sends one frame over DTLS when the channel is up, active and the frame
 * fits; returns 0 when sent, -1 when the caller must use TLS. */
int wdtls_send(struct conn *c, uint8_t type, const uint8_t *p, size_t len);
/* The client sent a data packet of len bytes over TLS. */
void wdtls_on_tls_data(struct conn *c, size_t len);
void wdtls_on_timer(struct conn *c, uint64_t now);
/* Periodic TUNNEL_STATS to main while data flows (tunnel_on_timer). */
void wdtls_report(struct conn *c, uint64_t now);
/* wdtls_next_due: when wdtls_on_timer or wdtls_report next has something
 * to do (UINT64_MAX: nothing until traffic, conn_traffic). */
uint64_t wdtls_next_due(const struct conn *c, uint64_t now);
/* An authentic DTLS record of this type arrived. */
void wdtls_on_rx(struct conn *c, uint8_t type);
/* Refused DTLS records so far (all channels of the tunnel). */
uint64_t wdtls_bad(const struct conn *c);
void wdtls_end(struct conn *c);

/* wkey.c: private-key operations through sslvpnd-secmod.  wkey_init: the
 * key channel (fd 4), the remote key provider, certificate-only identities
 * (before the TLS contexts are built).  wkey_conn: the connection whose
 * handshake runs now (named in each request and in the 100714 line). */
int wkey_init(struct worker *w);
/* wkey_start: once the loop exists, secmod's answers are read by it and a
 * handshake paused in its libssl job (SSL_MODE_ASYNC) is resumed when its
 * answer is in (conn_key_ready). */
void wkey_start(struct worker *w);
void wkey_conn(uint32_t conn_id, const char *peer, const char *iface);
/* wkey_conn_closing: 1 when the connection's handshake is paused on a key
 * request (or its answer is not yet taken): the request now fails, and the
 * caller must resume the handshake once so that its job ends. */
int wkey_conn_closing(uint32_t conn_id);
/* wkey_defer: 1 when every request slot is taken: the handshake of conn_id
 * is held back (its ClientHello waits in the socket, no job is started)
 * and goes on by conn_key_ready once a slot is free; 0: go on now. */
int wkey_defer(uint32_t conn_id);
void on_secmod_channel(struct worker *w, const uint8_t *buf, size_t len, int fd);
/* wkey_arm_probe: the SSLVPND_TEST_KEY_PROBE test aid (man sslvpnd(8)). */
void wkey_arm_probe(struct worker *w);

/* wforge.c: the SSLVPND_TEST_FORGE test aid (man sslvpnd(8)).
 * wforge_arm: worker 1 reads it after entering the sandbox ("conn": arms
 * the forged message); wforge_auth_req: "cert" replaces rq's chain with a
 * made-up one. */
void wforge_arm(struct worker *w);
void wforge_auth_req(struct worker *w, struct ipc_auth_req *rq);

#endif
