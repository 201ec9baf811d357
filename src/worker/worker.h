/* Private to the worker process (unprivileged after setup). */
#ifndef SSLVPND_WORKER_H
#define SSLVPND_WORKER_H

#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "sslvpnd/config.h"
#include "sslvpnd/http.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/tls.h"

struct conn;

enum { ADDR_BUCKETS = 4096 };

struct worker {
	struct ev_loop *loop;
	uint32_t id;
	struct sslvpnd_config *cfg;
	struct tls_server **servers;     /* parallel to cfg->interfaces */
	int ipc;
	ev_io ipc_io;
	int tun;
	ev_io tun_io;
	char tun_name[32];
	struct conn *conns;              /* all connections */
	struct conn *by_addr[ADDR_BUCKETS]; /* tunnels by assigned address */
	ev_signal sigterm;
	uint8_t pkt[65536];              /* one tun read */
};

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

struct outq {
	uint8_t *buf;       /* ring of [u16 len][bytes] entries */
	size_t head, tail, used;
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
	uint8_t close_reason;
	char user[256];
	char group_policy[CFG_NAME_MAX];
};

struct conn {
	struct worker *w;
	struct conn *next, *hnext;
	uint32_t id;
	int fd;
	ev_io io;
	ev_timer timer;
	SSL *ssl;
	const struct tls_server *srv;
	struct tls_conn_info info;
	struct ipc_conn_new meta;
	enum conn_state state;
	int want_write;
	uint8_t *in;              /* request bytes / CSTP stream */
	size_t in_len, in_cap;
	struct http_request *req; /* during CS_HTTP / CS_WAIT_MAIN */
	struct outq out;
	int close_after_flush;
	int phone;                /* User-Agent is a Cisco IP phone */
	char user_agent[256];
	struct tunnel_state t;
};

/* worker.c */
void worker_send(struct worker *w, enum ipc_type type, const uint8_t *buf, int len);
struct conn *worker_conn_by_id(struct worker *w, uint32_t id);
void worker_tun_write(struct worker *w, const uint8_t *pkt, size_t len);

/* conn.c */
void conn_new(struct worker *w, int fd, const struct ipc_conn_new *meta);
void conn_close(struct conn *c, const char *why);
int conn_queue(struct conn *c, const void *a, size_t alen, const void *b, size_t blen);
void conn_flush(struct conn *c);
void conn_set_timer(struct conn *c, double seconds);

/* wauth.c: HTTP requests before the tunnel */
void wauth_on_readable(struct conn *c);
void wauth_on_auth_rep(struct worker *w, const uint8_t *buf, size_t len);
void wauth_on_tunnel_rep(struct worker *w, const uint8_t *buf, size_t len);
void wauth_send_status(struct conn *c, int status, const char *extra_headers);
void wauth_process_buffer(struct conn *c);

/* tunnel.c: CSTP */
int tunnel_start(struct conn *c, const struct ipc_tunnel_rep *rp);
void tunnel_on_readable(struct conn *c);
void tunnel_on_timer(struct conn *c);
void tunnel_on_tun_packet(struct worker *w, const uint8_t *pkt, size_t len);
void tunnel_on_kick(struct worker *w, const uint8_t *buf, size_t len);
void tunnel_end(struct conn *c);

#endif
