/* sslvpn-phone: a Cisco IP phone emulator and load generator.
 *
 * One process runs one libev loop and any number of sessions.  A session is
 * what one phone does: TLS to url1..3 with its MIC, the SVC (or XML) login,
 * CONNECT, CSTP, optional DTLS, DPD/keepalive, reconnect with the cookie, and
 * traffic it originates itself (no tun device): ICMP echo and a G.711-like
 * UDP voice stream to an echo service behind the headend.
 *
 * Failures end a session with a notify code (phone-style log lines, notify.c)
 * and each notify code maps to one documented exit code.
 */
#ifndef SSLVPN_PHONE_H
#define SSLVPN_PHONE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <netinet/in.h>

#include <ev.h>
#include <openssl/ssl.h>

enum {
	PH_MAX_URLS = 3,
	PH_MAX_HASHES = 10,
	PH_URL_MAX = 256,
	PH_HOST_MAX = 128,
	PH_MAX_REDIRECTS = 3,  /* per login, as an HTTP client bounds them */
	PH_COOKIE_MAX = 512,
	PH_INBUF = 24576,
	PH_MAX_HDRS = 64,
};

/* ---- profiles (profile.c): one table row per phone model */
enum ph_flow { FLOW_SVC = 0, FLOW_XML = 1 };

struct ph_profile {
	const char *name;
	int tls_min, tls_max;       /* TLS1_VERSION .. */
	const char *tls_ciphers;    /* ClientHello offer (TLS <= 1.2) */
	const char *dtls_ciphers;   /* X-DTLS-CipherSuite; "=" = the TLS cipher */
	const char *dtls12_ciphers; /* X-DTLS12-CipherSuite or NULL */
	const char *user_agent;
	enum ph_flow flow;
	const char *mic_digest;     /* "sha1" / "sha256" for generated MICs */
	const char *mic_cn_prefix;  /* CN of MIC n: prefix + 6 hex digits of n */
	int seclevel;               /* OpenSSL security level of the client */
};

const struct ph_profile *profile_find(const char *name);
void profile_list(FILE *f);

/* ---- notify codes and exit codes (notify.c) */
enum ph_notify {
	NT_OK = 0,
	NT_USAGE,
	NT_CONFIG,
	NT_DNS,
	NT_CONNECT,
	NT_TLS,
	NT_SRVCERT,
	NT_HOSTID,
	NT_LOGIN,
	NT_TUNNEL,
	NT_LOST,
	NT_SERVER_BYE,
	NT_DTLS,
	NT_TRAFFIC,
	NT_TIMEOUT,
	NT_LOAD,
	NT_INTERNAL,
	NT__COUNT
};

struct ph_notify_row {
	enum ph_notify id;
	const char *name;   /* notify code name printed in brackets */
	int code;           /* number printed as "notify code: N" */
	int exit_code;
	const char *desc;   /* default description */
};

const struct ph_notify_row *notify_row(enum ph_notify id);
/* notify_print: the phone's LoginFailed/notify block on stderr, with desc
 * (NULL = the row's default) for session tag. */
void notify_print(const char *tag, enum ph_notify id, const char *desc);
/* vpnc_log: one "VPNC: -func: text" line on stderr (quiet suppresses). */
void vpnc_log(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern int ph_quiet;
extern int ph_verbose;

/* ---- vpngroup (vpngroup.c): the phone's VPN configuration */
struct vpngroup {
	char url[PH_MAX_URLS][PH_URL_MAX];
	int n_url;
	int mtu;               /* default 1290 */
	int fail_connect_time; /* seconds, default 30 */
	int auth_method;       /* 0 user+pass, 1 password, 2 certificate */
	int host_id_check;     /* enableHostIDCheck */
	int hash_alg;          /* 0 = SHA-1 (the only one phones use) */
	uint8_t hash[PH_MAX_HASHES][20];
	int n_hash;
};

void vpngroup_defaults(struct vpngroup *g);
/* vpngroup_parse: read a CUCM <vpnGroup> document (element names compared
 * case-insensitively, wherever they sit).  Returns 0, or -1 with err set. */
int vpngroup_parse(struct vpngroup *g, const char *xml, size_t len,
		   char *err, size_t errlen);
/* vpngroup_add_hash: base64 (28 chars) or 40 hex digits of a SHA-1. */
int vpngroup_add_hash(struct vpngroup *g, const char *s);
int vpngroup_add_url(struct vpngroup *g, const char *s);
/* hostid_match: the phone's host-ID rule for one certificate name.  Returns
 * 1 match, 0 no match, -1 refused generic third-level wildcard. */
int hostid_match(const char *host, const char *pattern);
/* hostid_check: host against the certificate's DNS/IP SANs then subject CN;
 * 1 passes, 0 fails (logs like the phone). */
int hostid_check(const char *host, X509 *cert);
/* pin_check: SHA-1 of cert DER among g->hash; 1 pinned, 0 not.  leaf_hex
 * (41 bytes) receives the hex hash for the log. */
int pin_check(const struct vpngroup *g, X509 *cert, char leaf_hex[41]);

/* url_split: https://host[:port][/path] */
int url_split(const char *url, char *host, size_t hostlen, uint16_t *port,
	      char *path, size_t pathlen);

/* ---- traffic (traffic.c) */
struct ph_stats {
	uint64_t ping_tx, ping_rx;
	uint64_t voice_tx, voice_rx, voice_late;
	double rtt_sum_ms, rtt_max_ms;
	double jitter_ms;      /* RFC 3550 estimator over the RTT */
	double jitter_max_ms;
	double last_rtt_ms;
	uint64_t tx_drop;      /* frames we could not send (backpressure) */
	uint64_t dtls_pkts, cstp_pkts;
};

/* ---- the run (main.c) and sessions (session.c) */
struct phone_run;
struct session;

struct ph_opts {
	const struct ph_profile *prof;
	struct vpngroup vg;
	int no_pin;
	int flow_override;       /* -1 = profile's */
	const char *cert, *key;  /* single MIC */
	const char *mic_dir;     /* directory of leaf-N.pem/.key */
	const char *ca_cert, *ca_key; /* lab CA for generated MICs */
	const char *username, *password;
	char resolve_name[PH_HOST_MAX];
	struct in_addr resolve_addr;
	int have_resolve;
	int no_dtls, require_dtls;
	int dtls_timeout;        /* seconds */
	struct in_addr ping_dst; int ping_count;
	struct sockaddr_in voice_dst; int voice_secs; int voice_pps; int voice_size;
	int voice_every;         /* only sessions idx % every == 0 talk */
	double max_loss;         /* percent, -1 = do not judge */
	int reconnect_after;     /* seconds; 0 = never (test reconnect) */
	int reconnect_retries;   /* failed reconnect attempts retried (1 s apart) */
	int resume;              /* keep the TLS session, offer it on reconnect */
	int dtls_rebind;         /* seconds after DTLS up: move DTLS to a new UDP port; 0 = never */
	int dtls_retry;          /* DTLS attempts after a failed one (the firmware
				  * retries for ever; this bounds a run); 0 = none */
	int hold;                /* seconds to stay up after traffic */
	int sessions, procs;
	double rate;
	struct in_addr src_lo, src_hi; int have_src;
	int json;
	int deadline;            /* absolute bound for the whole run */
	int dpd_override;
	unsigned cn_base;
};

extern struct ph_opts opt;

/* session lifecycle */
struct session *session_new(struct phone_run *run, unsigned idx,
			    X509 *cert, EVP_PKEY *key);
void session_start(struct session *s);
void session_stop(struct session *s, const char *why);
void session_free(struct session *s);
/* results after the session ended or while it is up */
struct session_result {
	int up;                  /* tunnel came up */
	int up_now;              /* tunnel up at the moment of the query */
	int dtls_up;
	int dtls_version;        /* 0x0100 / 0xfefd */
	char dtls_suite[64];
	char tls_version[16], tls_cipher[64];
	char addr[INET_ADDRSTRLEN];
	double setup_ms;
	enum ph_notify fail;
	char fail_desc[160];
	int reconnects;
	int same_addr_after_reconnect; /* -1 unknown */
	int resumed;             /* TLS handshakes that resumed the kept session (--resume) */
	uint64_t lost_at_ms, back_at_ms; /* last loss / reconnect, monotonic ms; 0 none */
	int dtls_rebinds;        /* DTLS moved to a new local UDP port (--dtls-rebind) */
	int dtls_failures;       /* failed DTLS setups (--dtls-retry) */
	unsigned dtls_first_port, dtls_last_port; /* local UDP ports of the first/last DTLS that came up */
	/* the last outage: URLs are 1-based (url1..url3), 0 = none */
	int url_now, url_lost;
	int failovers;           /* moves to another URL after a loss */
	int relogin;             /* back by a fresh login (cookie refused) */
	char addr_before[INET_ADDRSTRLEN];
	uint64_t voice_rx_after; /* voice replies since the tunnel came back */
	struct ph_stats st;
};
void session_result(const struct session *s, struct session_result *r);

/* the run object the sessions report to */
struct phone_run {
	struct ev_loop *loop;
	SSL_CTX *tls;
	int running;
	unsigned n_up, n_done, n_started;
	void (*on_done)(struct phone_run *, struct session *);
	void (*on_up)(struct phone_run *, struct session *);
};

SSL_CTX *tlsctx_new(const struct ph_profile *p);

/* dtls.c */
struct dtls;
/* suite: the server's (X-DTLS*-CipherSuite), the client's cipher list;
 * sess_suite: the suite of the session being resumed (a 79xx keeps its TLS
 * suite there: a server answering another one gets "old session cipher not
 * returned", seed 000). */
struct dtls *dtls_new(struct session *s, int fd, const char *suite, const char *sess_suite, int v12,
		      const uint8_t master[48], const uint8_t *sid, size_t sidlen,
		      char *err, size_t errlen);
/* dtls_handshake: 1 done, 0 in progress, -1 failed */
int dtls_handshake(struct dtls *d, char *err, size_t errlen);
/* dtls_timeout_ms: milliseconds to the next retransmission, -1 none */
long dtls_timeout_ms(struct dtls *d);
void dtls_on_timeout(struct dtls *d);
/* dtls_read: one record into buf; >0 length, 0 none, -1 error */
int dtls_read(struct dtls *d, uint8_t *buf, size_t cap);
int dtls_write(struct dtls *d, const uint8_t *buf, size_t len);
const char *dtls_cipher(struct dtls *d);
int dtls_version(struct dtls *d);
void dtls_free(struct dtls *d);

/* traffic.c: packet building and parsing */
size_t pkt_icmp_echo(uint8_t *buf, struct in_addr src, struct in_addr dst,
		     uint16_t id, uint16_t seq, size_t total);
size_t pkt_udp(uint8_t *buf, struct in_addr src, const struct sockaddr_in *dst,
	       uint16_t sport, const uint8_t *payload, size_t plen);
/* pkt_icmp_reply: turn an echo request in buf into a reply in place;
 * returns its length or 0 when buf is not an echo request to me. */
size_t pkt_icmp_reply(uint8_t *buf, size_t len, struct in_addr me);
uint64_t now_us(void);
void stats_rtt(struct ph_stats *st, double rtt_ms);
int echo_server_main(const char *addrport, int lifetime);

/* scale.c: the arithmetic of large runs */
int src_range_parse(const char *text, struct in_addr *lo, struct in_addr *hi);
unsigned proc_share(unsigned total, unsigned procs, unsigned p, unsigned *base);
unsigned long nofile_need(unsigned n);
struct storm {
	unsigned lost, back;      /* sessions that lost the tunnel / came back */
	uint64_t p50_ms, p99_ms, max_ms; /* outage per session */
	uint64_t span_ms;         /* first loss to last return */
};
void storm_figures(const uint64_t *lost, const uint64_t *back, unsigned n, struct storm *st);

/* mic.c */
extern X509 *mic_chain; /* CA sent after generated MICs, or NULL */
int mic_make(X509 *ca, EVP_PKEY *cakey, EVP_PKEY *key, const char *cn,
	     const char *digest, X509 **out);
EVP_PKEY *mic_key_rsa(void);

#endif
