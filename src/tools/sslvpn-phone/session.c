/* One emulated phone: TCP, TLS with its MIC, server pinning and host-ID
 * check, SVC (or XML) login, CONNECT, CSTP, DTLS, DPD/keepalive, traffic,
 * reconnect with the cookie, URL failover after failConnectTime, at the
 * first login and when an established tunnel is lost.
 *
 * Everything is non-blocking on the run's libev loop.  One ev_io watches the
 * TCP socket; sess_drive() advances the state machine until it would block.
 * Each URL attempt is bounded by failConnectTime, the tunnel by DPD, and the
 * whole session by the hold time the run gives it.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "phone.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/util.h"

enum sstate { S_IDLE, S_TCP, S_TLS, S_HTTP, S_TUNNEL, S_DONE };
enum step { STEP_GET, STEP_POST, STEP_XML_INIT, STEP_XML_REPLY, STEP_CONNECT };

struct hdr {
	char *name, *value;
};

struct resp {
	int status;
	struct hdr h[PH_MAX_HDRS];
	int nh;
	char *body;
	size_t body_len;
	size_t consumed;
	char copy[PH_INBUF];
};

struct session {
	struct phone_run *run;
	unsigned idx;
	char tag[48];
	X509 *cert;
	EVP_PKEY *key;
	/* where */
	int url_i;
	char host[PH_HOST_MAX], path[PH_URL_MAX];
	uint16_t port;
	struct sockaddr_in srv;
	struct in_addr src;
	int have_src;
	/* TCP/TLS */
	int fd;
	SSL *ssl;
	ev_io io;
	ev_timer tmo;
	ev_timer tick;
	ev_timer traffic;
	enum sstate st;
	enum step step;
	uint8_t in[PH_INBUF];
	size_t in_len;
	char req[8192];
	size_t req_len, req_off;
	uint8_t pend[CSTP_HDR_LEN + CSTP_MAX_PAYLOAD];
	size_t pend_len;
	char opaque[2048];
	/* session */
	char cookie[PH_COOKIE_MAX];
	char addr[INET_ADDRSTRLEN], prev_addr[INET_ADDRSTRLEN];
	struct in_addr my_ip;
	int dpd, keepalive, mtu;
	uint64_t last_rx_ms, last_tx_ms, last_dpd_ms;
	/* DTLS */
	struct dtls *dtls;
	int udp_fd;
	ev_io uio;
	ev_timer dtmo;
	int dtls_state; /* 0 none, 1 handshaking, 2 up, -1 failed */
	uint8_t master[48];
	uint8_t sid[32];
	int have_sid;
	char suite[64];
	int suite12;
	uint16_t dtls_port;
	int dtls_dpd;
	int dtls_ever_ver;       /* version of the last DTLS that came up */
	char dtls_ever_suite[64];
	uint64_t dtls_start_ms, dtls_last_rx_ms;
	uint64_t dtls_up_ms;     /* when the current DTLS came up */
	int dtls_rebinds;
	uint16_t udp_port;       /* local port of udp_fd */
	uint16_t dtls_first_port, dtls_last_port;
	/* timing and results */
	double setup_ms;
	uint64_t t_start_us, up_at_ms, end_at_ms, traffic_end_ms;
	int up_once, reconnecting, reconnects, same_addr, retries;
	SSL_SESSION *tls_sess;   /* --resume: offered at the next connect */
	int resumed;
	uint64_t lost_at_ms, back_at_ms; /* last tunnel loss and reconnect (monotonic) */
	/* failover after a loss: the URL that issued the cookie, the URL the
	 * tunnel was on when lost, URLs tried in this outage, and whether the
	 * tunnel came back by a fresh login (the cookie refused elsewhere) */
	int cookie_url, lost_url, urls_tried, relogin, failovers;
	uint64_t voice_rx_at_back;
	int redirects;           /* followed in this login (load balancing) */
	ev_timer retry;
	ev_timer dretry;         /* next DTLS attempt (--dtls-retry) */
	int dtls_failures;
	char rd_err[128];
	enum ph_notify fail;
	char fail_desc[160];
	char tls_version[16], tls_cipher[64];
	/* traffic */
	uint16_t ping_id, ping_seq, voice_seq;
	int ping_left;
	int voice_left;
	unsigned ticks;
	int traffic_started;
	struct ph_stats st_;
};

static void sess_drive(struct session *s);
static void sess_fail(struct session *s, enum ph_notify n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tunnel_lost(struct session *s, const char *why);

static uint64_t now_ms(void)
{
	return now_us() / 1000u;
}

/* ------------------------------------------------------------ TLS context */

static int ssl_idx = -1;

static int verify_cb(X509_STORE_CTX *xs, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct session *s = SSL_get_ex_data(ssl, ssl_idx);
	X509 *leaf = X509_STORE_CTX_get0_cert(xs);
	char hex[41] = "";

	(void)arg;
	if (!leaf)
		return 0;
	char subj[256];

	X509_NAME_oneline(X509_get_subject_name(leaf), subj, sizeof(subj));
	vpnc_log("cert_vfy_cb", "%s depth:0, subject: <%s>", s->tag, subj);
	if (!opt.no_pin) {
		int pinned = pin_check(&opt.vg, leaf, hex);

		vpnc_log("cert_vfy_cb", "%s Leaf cert hash = %s", s->tag, hex);
		if (!pinned) {
			vpnc_log("cert_vfy_cb",
				 "%s VPN cert chain verification failed, issuer certificate not found and leaf not trusted",
				 s->tag);
			s->fail = NT_SRVCERT;
			snprintf(s->fail_desc, sizeof(s->fail_desc),
				 "alert: Unknown CA (server cert)");
			/* makes libssl send the phone's alert, code 48 unknown CA */
			X509_STORE_CTX_set_error(xs, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
			return 0;
		}
	}
	if (opt.vg.host_id_check && !hostid_check(s->host, leaf)) {
		s->fail = NT_HOSTID;
		snprintf(s->fail_desc, sizeof(s->fail_desc), "hostIDCheck failed for %s",
			 s->host);
		X509_STORE_CTX_set_error(xs, X509_V_ERR_HOSTNAME_MISMATCH);
		return 0;
	}
	return 1;
}

/* --resume: the phone keeps the session the headend gave it (a TLS 1.3
 * ticket arrives after the handshake, a TLS 1.2 one within it; a resumed
 * handshake may renew it).  A copy: libssl marks the session of a
 * connection that ends in an error (the headend's restart) not
 * resumable, which is exactly when the phone wants it. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct session *s = SSL_get_ex_data(ssl, ssl_idx);
	SSL_SESSION *copy = s ? SSL_SESSION_dup(sess) : NULL;

	if (!copy)
		return 0;
	SSL_SESSION_free(s->tls_sess);
	s->tls_sess = copy;
	if (ph_verbose || opt.sessions <= 1)
		vpnc_log("create_ssl_connection", "%s TLS session kept (ticket %s)", s->tag,
			 SSL_SESSION_has_ticket(sess) ? "yes" : "no");
	return 0;
}

SSL_CTX *tlsctx_new(const struct ph_profile *p)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (ssl_idx < 0)
		ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	SSL_CTX_set_security_level(ctx, p->seclevel);
	SSL_CTX_set_min_proto_version(ctx, p->tls_min);
	SSL_CTX_set_max_proto_version(ctx, p->tls_max);
	if (p->tls_ciphers && !SSL_CTX_set_cipher_list(ctx, p->tls_ciphers)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* RELEASE_BUFFERS: an idle phone holds no 34 KB read and 17 KB write
	 * buffer (50,000 of them would be 2.5 GB of the emulator's memory). */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (opt.resume) {
		/* each phone keeps its own session (new_session_cb), none in
		 * the context's cache: 50,000 phones, 50,000 sessions */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
							    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
	} else {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, verify_cb, NULL);
	return ctx;
}

/* ------------------------------------------------------------ lifecycle */

static void io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void tmo_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void traffic_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void uio_cb(struct ev_loop *loop, ev_io *w, int revents);
static void dtmo_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void dretry_cb(struct ev_loop *loop, ev_timer *w, int revents);

struct session *session_new(struct phone_run *run, unsigned idx, X509 *cert,
			    EVP_PKEY *key)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->run = run;
	s->idx = idx;
	s->cert = cert;
	s->key = key;
	s->fd = -1;
	s->udp_fd = -1;
	s->same_addr = -1;
	s->ping_id = (uint16_t)(0x5000 + idx);
	snprintf(s->tag, sizeof(s->tag), "[%u]", idx);
	ev_init(&s->io, io_cb);
	ev_init(&s->tmo, tmo_cb);
	ev_init(&s->tick, tick_cb);
	ev_init(&s->traffic, traffic_cb);
	ev_init(&s->uio, uio_cb);
	ev_init(&s->dtmo, dtmo_cb);
	ev_init(&s->retry, retry_cb);
	ev_init(&s->dretry, dretry_cb);
	if (opt.have_src) {
		uint32_t lo = ntohl(opt.src_lo.s_addr), hi = ntohl(opt.src_hi.s_addr);

		s->src.s_addr = htonl(lo + idx % (hi - lo + 1));
		s->have_src = 1;
	}
	return s;
}

static void dtls_close(struct session *s)
{
	ev_io_stop(s->run->loop, &s->uio);
	ev_timer_stop(s->run->loop, &s->dtmo);
	dtls_free(s->dtls);
	s->dtls = NULL;
	if (s->udp_fd >= 0)
		close(s->udp_fd);
	s->udp_fd = -1;
	if (s->dtls_state > 0)
		s->dtls_state = 0;
}

static void tcp_close(struct session *s)
{
	ev_io_stop(s->run->loop, &s->io);
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->in_len = 0;
	s->pend_len = 0;
	s->req_len = s->req_off = 0;
}

static void finish(struct session *s)
{
	struct ev_loop *loop = s->run->loop;

	ev_timer_stop(loop, &s->tmo);
	ev_timer_stop(loop, &s->tick);
	ev_timer_stop(loop, &s->traffic);
	ev_timer_stop(loop, &s->retry);
	ev_timer_stop(loop, &s->dretry);
	dtls_close(s);
	tcp_close(s);
	if (s->st == S_DONE)
		return;
	s->st = S_DONE;
	s->run->n_done++;
	if (s->run->on_done)
		s->run->on_done(s->run, s);
}

void session_free(struct session *s)
{
	if (!s)
		return;
	if (s->st != S_DONE) {
		s->run->on_done = NULL;
		finish(s);
	}
	OPENSSL_cleanse(s->cookie, sizeof(s->cookie));
	OPENSSL_cleanse(s->master, sizeof(s->master));
	SSL_SESSION_free(s->tls_sess);
	free(s);
}

static void set_io(struct session *s, int events)
{
	struct ev_loop *loop = s->run->loop;

	if (ev_is_active(&s->io) && s->io.events == events)
		return;
	ev_io_stop(loop, &s->io);
	ev_io_set(&s->io, s->fd, events);
	ev_io_start(loop, &s->io);
}

static void sess_fail(struct session *s, enum ph_notify n, const char *fmt, ...)
{
	va_list ap;

	if (s->fail == NT_OK || (n != NT_TLS && n != NT_CONNECT)) {
		s->fail = n;
		va_start(ap, fmt);
		vsnprintf(s->fail_desc, sizeof(s->fail_desc), fmt, ap);
		va_end(ap);
	}
	vpnc_log("protocol_handler", "%s %s", s->tag, s->fail_desc);
}

/* ------------------------------------------------------------ connect */

static void attempt_failed(struct session *s);

static int resolve(struct session *s)
{
	s->srv.sin_family = AF_INET;
	s->srv.sin_port = htons(s->port);
	if (opt.have_resolve && !strcasecmp(opt.resolve_name, s->host)) {
		s->srv.sin_addr = opt.resolve_addr;
		return 0;
	}
	if (inet_pton(AF_INET, s->host, &s->srv.sin_addr) == 1)
		return 0;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;

	if (getaddrinfo(s->host, NULL, &hints, &ai) != 0)
		return -1;
	s->srv.sin_addr = ((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
	freeaddrinfo(ai);
	return 0;
}

static void tcp_start(struct session *s)
{
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0) {
		sess_fail(s, NT_CONNECT, "socket: %s", strerror(errno));
		attempt_failed(s);
		return;
	}
	util_nonblock(s->fd);
	int one = 1;

	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->have_src) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = s->src };

		if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			sess_fail(s, NT_CONNECT, "bind %s: %s", inet_ntoa(s->src), strerror(errno));
			attempt_failed(s);
			return;
		}
	}
	if (connect(s->fd, (struct sockaddr *)&s->srv, sizeof(s->srv)) < 0 &&
	    errno != EINPROGRESS) {
		sess_fail(s, NT_CONNECT, "connect: %s", strerror(errno));
		attempt_failed(s);
		return;
	}
	s->st = S_TCP;
	set_io(s, EV_WRITE);
}

static void url_attempt(struct session *s)
{
	const char *url = opt.vg.url[s->url_i];

	if (url_split(url, s->host, sizeof(s->host), &s->port, s->path, sizeof(s->path)) < 0) {
		sess_fail(s, NT_CONFIG, "parse URL failed -> %s", url);
		attempt_failed(s);
		return;
	}
	s->redirects = 0;
	if (!s->reconnecting)
		vpnc_log("do_login", "%s URL -> %s", s->tag, url);
	ev_timer_stop(s->run->loop, &s->tmo);
	ev_timer_set(&s->tmo, opt.vg.fail_connect_time, 0);
	ev_timer_start(s->run->loop, &s->tmo);
	if (resolve(s) < 0) {
		vpnc_log("parse_url", "%s gethostbyname failed <%s>", s->tag, s->host);
		sess_fail(s, NT_DNS, "url hostname lookup err");
		attempt_failed(s);
		return;
	}
	tcp_start(s);
}

void session_start(struct session *s)
{
	s->t_start_us = now_us();
	s->url_i = 0;
	s->run->n_started++;
	url_attempt(s);
}

/* The attempt on this URL failed: the phone tells, then tries the next URL;
 * after the last one the session ends with the last failure. */
static void attempt_failed(struct session *s)
{
	tcp_close(s);
	dtls_close(s);
	ev_timer_stop(s->run->loop, &s->tmo);
	if (s->reconnecting) {
		tunnel_lost(s, s->fail_desc);
		return;
	}
	if (!ph_quiet || opt.sessions <= 1)
		notify_print(s->tag, s->fail, s->fail_desc);
	if (s->fail != NT_LOGIN && s->url_i + 1 < opt.vg.n_url) {
		s->url_i++;
		vpnc_log("do_login", "%s failing over to url%d", s->tag, s->url_i + 1);
		s->fail = NT_OK;
		url_attempt(s);
		return;
	}
	finish(s);
}

static void tmo_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, tmo);

	(void)loop;
	(void)revents;
	vpnc_log("vpnc_control", "%s conn timer expired, to abort connect", s->tag);
	sess_fail(s, NT_TIMEOUT, "conn timer expired after %d s (failConnectTime)",
		  opt.vg.fail_connect_time);
	attempt_failed(s);
}

/* ------------------------------------------------------------ HTTP */

static void http_begin(struct session *s, enum step step);

static void cookie_header(struct session *s, char *out, size_t cap, enum step step)
{
	out[0] = 0;
	if (step == STEP_POST)
		snprintf(out, cap, "Cookie: webvpnlogin=1\r\n");
	else if (step == STEP_CONNECT || (step == STEP_XML_REPLY && s->cookie[0]))
		snprintf(out, cap, "Cookie: webvpn=%s\r\n", s->cookie);
}

static const char *dtls_offer(struct session *s)
{
	const char *o = opt.prof->dtls_ciphers;

	return strcmp(o, "=") ? o : s->tls_cipher;
}

static void build_connect(struct session *s)
{
	char mhex[97], prev[64] = "", dtls12[256] = "", host[96] = "";
	const char *ua = opt.prof->user_agent;
	X509 *mine = s->ssl ? SSL_get_certificate(s->ssl) : NULL;

	/* the phone names itself by its device name, the MIC's CN */
	if (!mine || X509_NAME_get_text_by_NID(X509_get_subject_name(mine), NID_commonName,
					       host, sizeof(host)) <= 0)
		snprintf(host, sizeof(host), "sslvpn-phone-%u", s->idx);

	util_random(s->master, sizeof(s->master));
	util_hex(mhex, s->master, sizeof(s->master), 1);
	if (s->prev_addr[0])
		snprintf(prev, sizeof(prev), "X-CSTP-Address: %s\r\n", s->prev_addr);
	if (opt.prof->dtls12_ciphers && !opt.no_dtls)
		snprintf(dtls12, sizeof(dtls12), "X-DTLS12-CipherSuite: %s\r\n",
			 opt.prof->dtls12_ciphers);
	char cookie[PH_COOKIE_MAX + 32];

	cookie_header(s, cookie, sizeof(cookie), STEP_CONNECT);
	int n = snprintf(s->req, sizeof(s->req),
			 "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n%s"
			 "X-CSTP-Version: 1\r\nX-CSTP-Hostname: %s\r\n"
			 "X-CSTP-MTU: %d\r\nX-CSTP-Base-MTU: %d\r\nX-CSTP-Address-Type: IPv4\r\n%s"
			 "X-DTLS-Master-Secret: %s\r\n%s%s%s%s\r\n",
			 s->host, ua, cookie, host, opt.vg.mtu, opt.vg.mtu + 110, prev, mhex,
			 opt.no_dtls ? "" : "X-DTLS-CipherSuite: ",
			 opt.no_dtls ? "" : dtls_offer(s), opt.no_dtls ? "" : "\r\n", dtls12);
	OPENSSL_cleanse(mhex, sizeof(mhex));
	OPENSSL_cleanse(cookie, sizeof(cookie));
	s->req_len = n > 0 && (size_t)n < sizeof(s->req) ? (size_t)n : 0;
}

static void xml_escape(char *dst, size_t cap, const char *src)
{
	size_t o = 0;

	for (; *src && o + 7 < cap; src++) {
		const char *r = *src == '<' ? "&lt;" : *src == '>' ? "&gt;" : *src == '&' ? "&amp;" : NULL;

		if (r) {
			memcpy(dst + o, r, strlen(r));
			o += strlen(r);
		} else {
			dst[o++] = *src;
		}
	}
	dst[o] = 0;
}

static void build_request(struct session *s, enum step step)
{
	char cookie[PH_COOKIE_MAX + 32], body[4096] = "";
	const char *ua = opt.prof->user_agent;
	const char *method = step == STEP_GET ? "GET" : "POST";
	const char *ctype = "";

	if (step == STEP_CONNECT) {
		build_connect(s);
		return;
	}
	cookie_header(s, cookie, sizeof(cookie), step);
	if (step == STEP_POST) {
		ctype = "Content-Type: application/x-www-form-urlencoded\r\n";
		if (opt.vg.auth_method != 2)
			snprintf(body, sizeof(body), "username=%s&password=%s",
				 opt.vg.auth_method == 0 && opt.username ? opt.username : "",
				 opt.password ? opt.password : "");
	} else if (step == STEP_XML_INIT || step == STEP_XML_REPLY) {
		char url[PH_URL_MAX * 2], u[256] = "", p[256] = "";

		ctype = "Content-Type: application/x-www-form-urlencoded\r\nX-Transcend-Version: 1\r\n"
			"X-Aggregate-Auth: 1\r\n";
		xml_escape(url, sizeof(url), opt.vg.url[s->url_i]);
		if (step == STEP_XML_INIT) {
			snprintf(body, sizeof(body),
				 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<config-auth client=\"vpn\" type=\"init\" aggregate-auth-version=\"2\">"
				 "<version who=\"vpn\">4.10.07061</version><device-id>linux-64</device-id>"
				 "<group-access>%s</group-access></config-auth>\n",
				 url);
		} else {
			xml_escape(u, sizeof(u), opt.username ? opt.username : "");
			xml_escape(p, sizeof(p), opt.password ? opt.password : "");
			snprintf(body, sizeof(body),
				 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<config-auth client=\"vpn\" type=\"auth-reply\" aggregate-auth-version=\"2\">"
				 "<version who=\"vpn\">4.10.07061</version><device-id>linux-64</device-id>"
				 "%s<auth><username>%s</username><password>%s</password></auth>"
				 "</config-auth>\n",
				 s->opaque, u, p);
			OPENSSL_cleanse(p, sizeof(p));
		}
	}
	int n = snprintf(s->req, sizeof(s->req),
			 "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
			 "Accept-Encoding: identity\r\n%s%sContent-Length: %zu\r\n\r\n%s",
			 method, s->path, s->host, ua, cookie, ctype, strlen(body), body);

	/* a request that does not fit is not sent (req_len 0): the login then
	 * times out, which the failConnectTime bound reports */
	s->req_len = n > 0 && (size_t)n < sizeof(s->req) ? (size_t)n : 0;
	OPENSSL_cleanse(body, sizeof(body));
	OPENSSL_cleanse(cookie, sizeof(cookie));
}

static void http_begin(struct session *s, enum step step)
{
	s->step = step;
	s->st = S_HTTP;
	build_request(s, step);
	s->req_off = 0;
	if (ph_verbose) {
		const char *names[] = { "GET", "POST", "XML init", "XML auth-reply", "CONNECT" };

		vpnc_log("do_login", "%s %s %s", s->tag, names[step], s->path);
	}
}

/* Parse one response at s->in; 1 complete, 0 need more, -1 malformed. */
static int parse_resp(struct session *s, struct resp *r)
{
	uint8_t *end = memmem(s->in, s->in_len, "\r\n\r\n", 4);

	if (!end)
		return s->in_len >= sizeof(s->in) - 1 ? -1 : 0;
	size_t hlen = (size_t)(end - s->in) + 4;

	memcpy(r->copy, s->in, hlen);
	r->copy[hlen - 2] = 0;
	r->nh = 0;
	r->status = 0;
	if (strncmp(r->copy, "HTTP/1.", 7) || strlen(r->copy) < 12)
		return -1;
	r->status = atoi(r->copy + 9);
	char *line = strstr(r->copy, "\r\n");
	size_t clen = 0;

	while (line && r->nh < PH_MAX_HDRS) {
		*line = 0;
		line += 2;
		char *next = strstr(line, "\r\n"), *colon;

		if (next)
			*next = 0;
		if ((colon = strchr(line, ':'))) {
			*colon = 0;
			char *v = colon + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			r->h[r->nh].name = line;
			r->h[r->nh++].value = v;
			if (!strcasecmp(line, "Content-Length"))
				clen = strtoul(v, NULL, 10);
		}
		if (next)
			*next = '\r';
		line = next;
	}
	if (s->step == STEP_CONNECT && r->status == 200)
		clen = 0; /* CSTP frames follow the blank line */
	if (hlen + clen > sizeof(s->in) || hlen + clen >= sizeof(r->copy))
		return -1;
	if (s->in_len < hlen + clen)
		return 0;
	memcpy(r->copy + hlen, s->in + hlen, clen);
	r->copy[hlen + clen] = 0;
	r->body = r->copy + hlen;
	r->body_len = clen;
	r->consumed = hlen + clen;
	return 1;
}

static const char *resp_hdr(const struct resp *r, const char *name)
{
	for (int i = 0; i < r->nh; i++)
		if (!strcasecmp(r->h[i].name, name))
			return r->h[i].value;
	return NULL;
}

/* The value of Set-Cookie NAME=..., its attributes in *attrs; NULL if absent.
 * The last one wins (servers clear, then set). */
static const char *set_cookie(const struct resp *r, const char *name, char *val,
			      size_t cap, const char **attrs)
{
	const char *found = NULL;
	size_t nl = strlen(name);

	for (int i = 0; i < r->nh; i++) {
		const char *v = r->h[i].value;

		if (strcasecmp(r->h[i].name, "Set-Cookie") || strncmp(v, name, nl) || v[nl] != '=')
			continue;
		const char *semi = strchr(v + nl + 1, ';');
		size_t n = semi ? (size_t)(semi - v - nl - 1) : strlen(v + nl + 1);

		if (n >= cap)
			continue;
		memcpy(val, v + nl + 1, n);
		val[n] = 0;
		if (attrs)
			*attrs = semi ? semi : "";
		found = val;
	}
	return found;
}

static void tunnel_up(struct session *s, const struct resp *r);

/* The login is done: CONNECT on this connection, or on a new one when the
 * server said it closes this one (the cookie is all CONNECT needs). */
static void next_connect(struct session *s, const struct resp *r)
{
	const char *c = resp_hdr(r, "Connection");

	if (c && !strcasecmp(c, "close")) {
		tcp_close(s);
		tcp_start(s);
		return;
	}
	http_begin(s, STEP_CONNECT);
}

static void on_svc_get(struct session *s, const struct resp *r)
{
	char v[PH_COOKIE_MAX], l[64];
	const char *attrs = "";

	if (r->status != 200) {
		sess_fail(s, NT_LOGIN, "GET %s: HTTP %d", s->path, r->status);
		attempt_failed(s);
		return;
	}
	/* The phone posts only after a webvpn cookie carrying an expiry and a
	 * non-empty webvpnlogin cookie (phones.md 2). */
	int has_webvpn = set_cookie(r, "webvpn", v, sizeof(v), &attrs) && strcasestr(attrs, "expires=");
	int has_login = set_cookie(r, "webvpnlogin", l, sizeof(l), NULL) && l[0];

	if (!has_webvpn || !has_login) {
		sess_fail(s, NT_LOGIN, "GET %s: no %s cookie (not an SVC login page)", s->path,
			  !has_login ? "webvpnlogin" : "expiring webvpn");
		attempt_failed(s);
		return;
	}
	http_begin(s, STEP_POST);
}

static void on_svc_post(struct session *s, const struct resp *r)
{
	char v[PH_COOKIE_MAX];

	if (r->status == 401) {
		sess_fail(s, NT_LOGIN, "POST %s: 401 authentication failed", s->path);
		attempt_failed(s);
		return;
	}
	if (r->status != 200 || !set_cookie(r, "webvpn", v, sizeof(v), NULL) || !v[0]) {
		sess_fail(s, NT_LOGIN, "POST %s: HTTP %d without a session cookie%s", s->path,
			  r->status,
			  set_cookie(r, "webvpnlogin", v, sizeof(v), NULL) ? " (re-prompted)" : "");
		attempt_failed(s);
		return;
	}
	util_strlcpy(s->cookie, v, sizeof(s->cookie));
	OPENSSL_cleanse(v, sizeof(v));
	s->cookie_url = s->url_i;
	next_connect(s, r);
}

/* Copy the text of <tag>..</tag> (first) from body; 0 found. */
static int xml_text(const char *body, const char *tag, char *out, size_t cap)
{
	char open[64], close_[64];

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close_, sizeof(close_), "</%s>", tag);
	const char *a = strstr(body, open), *b;

	if (!a || !(b = strstr(a, close_)))
		return -1;
	a += strlen(open);
	if ((size_t)(b - a) >= cap)
		return -1;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = 0;
	return 0;
}

static void on_xml(struct session *s, const struct resp *r)
{
	char v[PH_COOKIE_MAX] = "";

	if (r->status != 200) {
		sess_fail(s, NT_LOGIN, "XML login: HTTP %d", r->status);
		attempt_failed(s);
		return;
	}
	if (strstr(r->body, "type=\"complete\"")) {
		if (!set_cookie(r, "webvpn", v, sizeof(v), NULL) || !v[0])
			xml_text(r->body, "session-token", v, sizeof(v));
		if (!v[0]) {
			sess_fail(s, NT_LOGIN, "XML complete without a session token");
			attempt_failed(s);
			return;
		}
		util_strlcpy(s->cookie, v, sizeof(s->cookie));
		OPENSSL_cleanse(v, sizeof(v));
		s->cookie_url = s->url_i;
		next_connect(s, r);
		return;
	}
	if (strstr(r->body, "<client-cert-request")) {
		sess_fail(s, NT_LOGIN, "server asks for a client certificate (MIC not accepted)");
		attempt_failed(s);
		return;
	}
	const char *op = strstr(r->body, "<opaque"), *ope = op ? strstr(op, "</opaque>") : NULL;

	if (s->step == STEP_XML_INIT && strstr(r->body, "name=\"password\"") && opt.password) {
		s->opaque[0] = 0;
		if (op && ope && (size_t)(ope + 9 - op) < sizeof(s->opaque)) {
			memcpy(s->opaque, op, (size_t)(ope + 9 - op));
			s->opaque[ope + 9 - op] = 0;
		}
		char ctx[PH_COOKIE_MAX];

		if (set_cookie(r, "webvpncontext", ctx, sizeof(ctx), NULL))
			util_strlcpy(s->cookie, ctx, sizeof(s->cookie)); /* see cookie_header */
		http_begin(s, STEP_XML_REPLY);
		return;
	}
	char err[160] = "";

	xml_text(r->body, "error", err, sizeof(err));
	sess_fail(s, NT_LOGIN, "XML login not completed%s%s", err[0] ? ": " : "", err);
	attempt_failed(s);
}

/* After a failover the phone first presents the cookie of the URL it lost
 * (a fleet's nodes share sessions, so the next one may continue it and keep
 * the address); a server that refuses it gets a fresh login, on a new
 * connection, inside the same failConnectTime.  1 = handled. */
static int cookie_refused(struct session *s, const struct resp *r)
{
	if (!s->reconnecting || s->url_i == s->cookie_url || !s->cookie[0])
		return 0;
	vpnc_log("do_login", "%s url%d refused the cookie of url%d (HTTP %d), logging in afresh",
		 s->tag, s->url_i + 1, s->cookie_url + 1, r->status);
	OPENSSL_cleanse(s->cookie, sizeof(s->cookie));
	s->cookie[0] = 0;
	s->relogin = 1;
	tcp_close(s);
	tcp_start(s);
	return 1;
}

static void on_connect(struct session *s, const struct resp *r)
{
	if (r->status != 200) {
		const char *why = resp_hdr(r, "X-Reason");

		if (cookie_refused(s, r))
			return;

		sess_fail(s, NT_TUNNEL, "CONNECT: HTTP %d%s%s", r->status, why ? " " : "",
			  why ? why : "");
		attempt_failed(s);
		return;
	}
	tunnel_up(s, r);
}

/* A 3xx during login (an ASA cluster's load-balancing redirect): the
 * phone follows Location to the other node like any HTTP client, but it
 * still pins the certificates of its vpnGroup, so a node with another
 * certificate fails the handshake there (seed 001).  1 = handled. */
static int follow_redirect(struct session *s, const struct resp *r)
{
	const char *loc = resp_hdr(r, "Location");

	if (r->status < 300 || r->status > 399 || s->step == STEP_CONNECT)
		return 0;
	if (!loc || s->redirects >= PH_MAX_REDIRECTS ||
	    url_split(loc, s->host, sizeof(s->host), &s->port, s->path, sizeof(s->path)) < 0) {
		sess_fail(s, NT_LOGIN, "HTTP %d redirect %s%s", r->status,
			  !loc ? "without Location" : s->redirects >= PH_MAX_REDIRECTS ?
			  "after too many redirects: " : "to an unusable URL: ", loc ? loc : "");
		attempt_failed(s);
		return 1;
	}
	s->redirects++;
	vpnc_log("do_login", "%s HTTP %d redirect -> %s", s->tag, r->status, loc);
	tcp_close(s);
	if (resolve(s) < 0) {
		vpnc_log("parse_url", "%s gethostbyname failed <%s>", s->tag, s->host);
		sess_fail(s, NT_DNS, "url hostname lookup err");
		attempt_failed(s);
		return 1;
	}
	tcp_start(s);
	return 1;
}

static void on_response(struct session *s, const struct resp *r)
{
	if (follow_redirect(s, r))
		return;
	switch (s->step) {
	case STEP_GET:
		on_svc_get(s, r);
		break;
	case STEP_POST:
		on_svc_post(s, r);
		break;
	case STEP_XML_INIT:
	case STEP_XML_REPLY:
		on_xml(s, r);
		break;
	case STEP_CONNECT:
		on_connect(s, r);
		break;
	}
}

/* ------------------------------------------------------------ CSTP */

static int cstp_send(struct session *s, uint8_t type, const uint8_t *p, size_t n)
{
	if (s->st != S_TUNNEL || !s->ssl || n > CSTP_MAX_PAYLOAD)
		return -1;
	if (s->pend_len) {
		s->st_.tx_drop++;
		return -1;
	}
	cstp_hdr(s->pend, type, (uint16_t)n);
	if (n)
		memcpy(s->pend + CSTP_HDR_LEN, p, n);
	s->pend_len = CSTP_HDR_LEN + n;
	int r = SSL_write(s->ssl, s->pend, (int)s->pend_len);

	if (r > 0) {
		s->pend_len = 0;
		s->last_tx_ms = now_ms();
		return 0;
	}
	int e = SSL_get_error(s->ssl, r);

	ERR_clear_error();
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
		set_io(s, EV_READ | EV_WRITE);
		return 0;
	}
	s->pend_len = 0;
	return -1;
}

static void send_packet(struct session *s, const uint8_t *pkt, size_t len)
{
	if (s->dtls_state == 2) {
		uint8_t buf[1 + 2048];

		if (len > sizeof(buf) - 1)
			return;
		buf[0] = CSTP_DATA;
		memcpy(buf + 1, pkt, len);
		if (dtls_write(s->dtls, buf, len + 1) > 0) {
			s->st_.dtls_pkts++;
			return;
		}
	}
	if (cstp_send(s, CSTP_DATA, pkt, len) == 0)
		s->st_.cstp_pkts++;
}

static void rx_packet(struct session *s, uint8_t *p, size_t len)
{
	if (len < 28 || (p[0] >> 4) != 4 || memcmp(p + 16, &s->my_ip, 4))
		return;
	size_t ihl = (size_t)(p[0] & 15) * 4;
	uint8_t proto = p[9];
	uint64_t t;

	if (ihl < 20 || len < ihl + 8)
		return;
	if (proto == IPPROTO_ICMP && p[ihl] == 0 && len >= ihl + 16 &&
	    ((p[ihl + 4] << 8) | p[ihl + 5]) == s->ping_id) {
		memcpy(&t, p + ihl + 8, 8);
		s->st_.ping_rx++;
		if (ph_verbose)
			vpnc_log("ping", "%s reply seq %u from %s: %.2f ms", s->tag,
				 (p[ihl + 6] << 8) | p[ihl + 7],
				 inet_ntoa(*(struct in_addr *)(void *)(p + 12)),
				 (double)(now_us() - t) / 1000.0);
		return;
	}
	if (proto == IPPROTO_ICMP && p[ihl] == 8) {
		size_t n = pkt_icmp_reply(p, len, s->my_ip);

		if (n)
			send_packet(s, p, n);
		return;
	}
	if (proto == IPPROTO_UDP && len >= ihl + 8 + 16 &&
	    !memcmp(p + 12, &opt.voice_dst.sin_addr, 4) &&
	    !memcmp(p + ihl, &opt.voice_dst.sin_port, 2) && !memcmp(p + ihl + 8 + 12, "VOIC", 4)) {
		memcpy(&t, p + ihl + 8 + 4, 8);
		double rtt = (double)(now_us() - t) / 1000.0;

		s->st_.voice_rx++;
		stats_rtt(&s->st_, rtt);
	}
}

static void on_frame(struct session *s, uint8_t type, uint8_t *p, size_t n, int dtls)
{
	uint64_t t = now_ms();

	s->last_rx_ms = t;
	if (dtls)
		s->dtls_last_rx_ms = t;
	switch (type) {
	case CSTP_DATA:
		rx_packet(s, p, n);
		break;
	case CSTP_DPD_REQ:
		if (dtls) {
			uint8_t buf[2048];

			if (n + 1 <= sizeof(buf)) {
				buf[0] = CSTP_DPD_RESP;
				memcpy(buf + 1, p, n);
				dtls_write(s->dtls, buf, n + 1);
			}
		} else {
			cstp_send(s, CSTP_DPD_RESP, p, n);
		}
		break;
	case CSTP_DISCONNECT:
	case CSTP_TERMINATE:
		sess_fail(s, NT_SERVER_BYE, "server sent %s%s%s", cstp_type_name(type),
			  n ? ": " : "", n ? cstp_bye_name(p[0]) : "");
		notify_print(s->tag, s->fail, s->fail_desc);
		finish(s);
		break;
	default: /* DPD-RESP, KEEPALIVE: liveness only */
		break;
	}
}

static void cstp_read(struct session *s)
{
	size_t off = 0;

	while (s->st == S_TUNNEL && off < s->in_len) {
		uint8_t type;
		const uint8_t *pl;
		uint16_t plen;
		int r = cstp_parse(s->in + off, s->in_len - off, &type, &pl, &plen);

		if (r == 0)
			break;
		if (r < 0) {
			tunnel_lost(s, "CSTP framing error");
			return;
		}
		off += (size_t)r;
		on_frame(s, type, (uint8_t *)(uintptr_t)pl, plen, 0);
	}
	if (s->st != S_TUNNEL)
		return;
	memmove(s->in, s->in + off, s->in_len - off);
	s->in_len -= off;
}

/* ------------------------------------------------------------ DTLS */

static void dtls_arm_timer(struct session *s)
{
	long ms = s->dtls ? dtls_timeout_ms(s->dtls) : -1;

	ev_timer_stop(s->run->loop, &s->dtmo);
	if (ms >= 0) {
		ev_timer_set(&s->dtmo, ms / 1000.0 + 0.001, 0);
		ev_timer_start(s->run->loop, &s->dtmo);
	}
}

static void traffic_start(struct session *s);

/* The firmware's lines for a resumption answered with another suite
 * (seed 000, 88xx log 3249-3258). */
static void log_old_cipher(struct session *s, const char *why)
{
	if (!strstr(why, "old session cipher not returned"))
		return;
	vpnc_log("dtls_state_cb", "%s DTLSv0.9: write: alert: fatal:illegal parameter", s->tag);
	vpnc_log("alert_err", "%s DTLS write alert: code 47, illegal parameter", s->tag);
	vpnc_log("DTLS", "%s SSL_connect: %s", s->tag, why);
	vpnc_log("create_dtls_connection", "%s DTLS setup failure, cleanup", s->tag);
	vpnc_log("do_dtls_connect", "%s create_dtls_connection failed", s->tag);
	vpnc_log("protocol_handler", "%s connect: do_dtls_connect failed", s->tag);
}

static void dtls_failed(struct session *s, const char *why)
{
	vpnc_log("create_dtls_connection", "%s DTLS setup failure: %s", s->tag, why);
	log_old_cipher(s, why);
	dtls_close(s);
	s->dtls_state = -1;
	s->dtls_failures++;
	/* The phone knows DTLS is enabled, so it tries again and again
	 * (seed 000) while its traffic runs over TLS. */
	if (s->dtls_failures <= opt.dtls_retry && s->st == S_TUNNEL && s->have_sid &&
	    s->suite[0]) {
		vpnc_log("protocol_handler", "%s connect : err: SSL success DTLS fail, DTLS retry %d of %d in 2 s",
			 s->tag, s->dtls_failures, opt.dtls_retry);
		ev_timer_set(&s->dretry, 2.0, 0);
		ev_timer_start(s->run->loop, &s->dretry);
	}
	if (opt.require_dtls) {
		sess_fail(s, NT_DTLS, "dtls setup failure: %s", why);
		notify_print(s->tag, s->fail, s->fail_desc);
		finish(s);
		return;
	}
	traffic_start(s);
}

static void dtls_step(struct session *s)
{
	char err[256];

	if (s->dtls_state == 1) {
		int r = dtls_handshake(s->dtls, err, sizeof(err));

		if (r < 0) {
			dtls_failed(s, err);
			return;
		}
		if (r == 0) {
			if (now_ms() - s->dtls_start_ms > (uint64_t)opt.dtls_timeout * 1000u)
				dtls_failed(s, "no answer");
			else
				dtls_arm_timer(s);
			return;
		}
		s->dtls_state = 2;
		s->dtls_last_rx_ms = s->dtls_up_ms = now_ms();
		if (!s->dtls_first_port)
			s->dtls_first_port = s->udp_port;
		s->dtls_last_port = s->udp_port;
		s->dtls_ever_ver = dtls_version(s->dtls);
		util_strlcpy(s->dtls_ever_suite, dtls_cipher(s->dtls), sizeof(s->dtls_ever_suite));
		ev_timer_stop(s->run->loop, &s->dtmo);
		vpnc_log("create_dtls_connection", "%s DTLS%s connected, cipher %s, local port %u",
			 s->tag, dtls_version(s->dtls) == DTLS1_BAD_VER ? "v0.9" : "v1.2",
			 dtls_cipher(s->dtls), s->udp_port);
		traffic_start(s);
	}
	uint8_t buf[4096];

	for (int i = 0; i < 64 && s->dtls_state == 2; i++) {
		int n = dtls_read(s->dtls, buf, sizeof(buf));

		if (n < 0) {
			vpnc_log("dtls", "%s DTLS read error, back to TLS", s->tag);
			dtls_close(s);
			s->dtls_state = -1;
			return;
		}
		if (n == 0)
			break;
		on_frame(s, buf[0], buf + 1, (size_t)n - 1, 1);
	}
}

static void uio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct session *s = container_of(w, struct session, uio);

	(void)loop;
	(void)revents;
	dtls_step(s);
}

static void dtmo_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, dtmo);

	(void)loop;
	(void)revents;
	if (!s->dtls)
		return;
	dtls_on_timeout(s->dtls);
	dtls_step(s);
}

static void dtls_start(struct session *s)
{
	char err[256];
	struct sockaddr_in sa = s->srv;

	sa.sin_port = htons(s->dtls_port);
	s->udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (s->udp_fd < 0) {
		dtls_failed(s, strerror(errno));
		return;
	}
	util_nonblock(s->udp_fd);
	if (s->have_src) {
		struct sockaddr_in ba = { .sin_family = AF_INET, .sin_addr = s->src };

		bind(s->udp_fd, (struct sockaddr *)&ba, sizeof(ba));
	}
	if (connect(s->udp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		dtls_failed(s, strerror(errno));
		return;
	}
	struct sockaddr_in la;
	socklen_t ll = sizeof(la);

	s->udp_port = getsockname(s->udp_fd, (struct sockaddr *)&la, &ll) == 0
			      ? ntohs(la.sin_port) : 0;
	vpnc_log("create_dtls_connection", "%s cipher list: %s (%s)", s->tag, s->suite,
		 s->suite12 ? "X-DTLS12-CipherSuite, DTLS 1.2" : "X-DTLS-CipherSuite, DTLS 0.9");
	/* a profile asking DTLS for its TLS suite ("=") resumes a session of
	 * that suite whatever the server named */
	const char *sess_suite = !s->suite12 && !strcmp(opt.prof->dtls_ciphers, "=")
					 ? s->tls_cipher : s->suite;

	s->dtls = dtls_new(s, s->udp_fd, s->suite, sess_suite, s->suite12, s->master, s->sid,
			   sizeof(s->sid), err, sizeof(err));
	if (!s->dtls) {
		dtls_failed(s, err);
		return;
	}
	s->dtls_state = 1;
	s->dtls_start_ms = now_ms();
	ev_io_set(&s->uio, s->udp_fd, EV_READ);
	ev_io_start(s->run->loop, &s->uio);
	dtls_step(s);
}

/* ------------------------------------------------------------ tunnel */

static int hdr_int(const struct resp *r, const char *name, int dflt)
{
	const char *v = resp_hdr(r, name);

	return v && atoi(v) > 0 ? atoi(v) : dflt;
}

static void tunnel_up(struct session *s, const struct resp *r)
{
	const char *a = resp_hdr(r, "X-CSTP-Address");

	if (!a || inet_pton(AF_INET, a, &s->my_ip) != 1) {
		sess_fail(s, NT_TUNNEL, "CONNECT reply without an IPv4 X-CSTP-Address");
		attempt_failed(s);
		return;
	}
	util_strlcpy(s->addr, a, sizeof(s->addr));
	s->dpd = opt.dpd_override ? opt.dpd_override : hdr_int(r, "X-CSTP-DPD", 30);
	s->keepalive = hdr_int(r, "X-CSTP-Keepalive", 20);
	s->mtu = hdr_int(r, "X-CSTP-MTU", opt.vg.mtu);
	s->dtls_dpd = hdr_int(r, "X-DTLS-DPD", s->dpd);
	s->dtls_port = (uint16_t)hdr_int(r, "X-DTLS-Port", 443);
	const char *sid = resp_hdr(r, "X-DTLS-Session-ID");
	const char *s12 = resp_hdr(r, "X-DTLS12-CipherSuite");
	const char *s09 = resp_hdr(r, "X-DTLS-CipherSuite");

	s->have_sid = sid && strlen(sid) == 64 && util_unhex(s->sid, 32, sid, 64) == 0;
	/* whichever header carries the suite tells the protocol */
	s->suite[0] = 0;
	if (s12 && *s12) {
		util_strlcpy(s->suite, s12, sizeof(s->suite));
		s->suite12 = 1;
	} else if (s09 && *s09) {
		util_strlcpy(s->suite, s09, sizeof(s->suite));
		s->suite12 = 0;
	}
	if (s->suite[0])
		vpnc_log("process_connect", "%s x-dtls%s-ciphersuite: %s", s->tag,
			 s->suite12 ? "12" : "", s->suite);
	uint64_t t = now_ms();

	s->last_rx_ms = s->last_tx_ms = s->last_dpd_ms = t;
	s->st = S_TUNNEL;
	ev_timer_stop(s->run->loop, &s->tmo);
	if (s->reconnecting) {
		s->same_addr = !strcmp(s->prev_addr, s->addr);
		s->reconnecting = 0;
		s->reconnects++;
		s->back_at_ms = t;
		s->voice_rx_at_back = s->st_.voice_rx;
		vpnc_log("protocol_handler", "%s reconnected %s, address %s (%s), on url%d",
			 s->tag, s->relogin ? "by a fresh login" : "with the cookie", s->addr,
			 s->same_addr ? "same" : "CHANGED", s->url_i + 1);
	} else {
		s->setup_ms = (double)(now_us() - s->t_start_us) / 1000.0;
		s->up_once = 1;
		s->up_at_ms = t;
		s->run->n_up++;
		vpnc_log("protocol_handler", "%s connected: %s %s, address %s, mtu %d, dpd %d, keepalive %d, setup %.1f ms",
			 s->tag, s->tls_version, s->tls_cipher, s->addr, s->mtu, s->dpd,
			 s->keepalive, s->setup_ms);
		if (opt.sessions <= 1)
			notify_print(s->tag, NT_OK, NULL);
		if (s->run->on_up)
			s->run->on_up(s->run, s);
	}
	ev_timer_set(&s->tick, 1.0, 1.0);
	ev_timer_start(s->run->loop, &s->tick);
	/* the rest of the buffer is CSTP */
	memmove(s->in, s->in + r->consumed, s->in_len - r->consumed);
	s->in_len -= r->consumed;
	if (!opt.no_dtls && s->have_sid && s->suite[0]) {
		dtls_start(s);
	} else {
		if (!opt.no_dtls)
			vpnc_log("process_connect", "%s server offered no DTLS", s->tag);
		if (opt.require_dtls && !opt.no_dtls) {
			s->dtls_state = 1; /* dtls_failed() reads it */
			dtls_failed(s, "server offered no DTLS (no X-DTLS-Session-ID/CipherSuite)");
			return;
		}
		traffic_start(s);
	}
	if (s->st == S_TUNNEL)
		cstp_read(s);
}

/* The URL the phone lost gave up (failConnectTime, or every retry failed):
 * the next URL in the vpnGroup's order, wrapping, each tried once per
 * outage and bounded by its own failConnectTime (url_attempt), so an outage
 * lasts at most n_url x failConnectTime.  Its certificate is checked against
 * the whole certHash list (verify_cb), as at the first login. */
static void url_failover(struct session *s, const char *why)
{
	int from = s->url_i;

	ev_timer_stop(s->run->loop, &s->retry);
	tcp_close(s);
	dtls_close(s);
	s->url_i = (s->url_i + 1) % opt.vg.n_url;
	s->urls_tried++;
	s->failovers++;
	s->retries = 0;
	s->fail = NT_OK;
	vpnc_log("do_login", "%s url%d gave up (%s), failing over to url%d -> %s", s->tag,
		 from + 1, why, s->url_i + 1, opt.vg.url[s->url_i]);
	url_attempt(s);
}

/* Reconnect with the cookie after the TLS path died; bounded by
 * failConnectTime per URL, the URLs of the vpnGroup, and 3 reconnects. */
static void tunnel_lost(struct session *s, const char *why_in)
{
	char why[160];

	if (s->st == S_DONE)
		return;
	/* why_in may be s->fail_desc, which sess_fail() rewrites */
	util_strlcpy(why, why_in, sizeof(why));
	/* A failed reconnect attempt is retried after a second,
	 * --reconnect-retries times (3), all within failConnectTime (the tmo
	 * timer keeps running). */
	if (s->reconnecting && s->fail != NT_OK && s->fail != NT_TIMEOUT &&
	    s->retries < opt.reconnect_retries) {
		s->retries++;
		vpnc_log("protocol_handler", "%s reconnect attempt failed (%s), retry %d in 1 s",
			 s->tag, why, s->retries);
		tcp_close(s);
		dtls_close(s);
		ev_timer_set(&s->retry, 1.0, 0);
		ev_timer_start(s->run->loop, &s->retry);
		return;
	}
	if (s->reconnecting && s->fail != NT_OK && s->urls_tried < opt.vg.n_url) {
		url_failover(s, why);
		return;
	}
	if (s->reconnects >= 3 || (s->reconnecting && s->fail != NT_OK)) {
		sess_fail(s, NT_LOST, "tunnel lost (%s), reconnect failed%s", why,
			  opt.vg.n_url > 1 ? " on every URL" : "");
		notify_print(s->tag, s->fail, s->fail_desc);
		s->reconnecting = 0;
		finish(s);
		return;
	}
	vpnc_log("protocol_handler", "%s tunnel lost (%s), reconnecting with the cookie",
		 s->tag, why);
	util_strlcpy(s->prev_addr, s->addr, sizeof(s->prev_addr));
	s->lost_at_ms = now_ms();
	s->lost_url = s->url_i;
	s->urls_tried = 1;
	s->relogin = 0;
	tcp_close(s);
	dtls_close(s);
	ev_timer_stop(s->run->loop, &s->tick);
	ev_timer_stop(s->run->loop, &s->traffic);
	s->reconnecting = 1;
	s->retries = 0;
	s->fail = NT_OK;
	ev_timer_set(&s->tmo, opt.vg.fail_connect_time, 0);
	ev_timer_start(s->run->loop, &s->tmo);
	tcp_start(s);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, retry);

	(void)loop;
	(void)revents;
	s->fail = NT_OK;
	tcp_start(s);
}

static void dretry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, dretry);

	(void)loop;
	(void)revents;
	if (s->st == S_TUNNEL && !s->dtls)
		dtls_start(s);
}

static void traffic_start(struct session *s)
{
	uint64_t t = now_ms();
	uint64_t need = 0;

	if (ev_is_active(&s->traffic))
		return;
	if (s->traffic_started) {
		/* after a reconnect: carry on with what is left, no new stream */
		if (s->ping_left > 0 || s->voice_left > 0)
			ev_timer_start(s->run->loop, &s->traffic);
		return;
	}
	s->traffic_started = 1;

	s->ping_left = opt.ping_dst.s_addr ? opt.ping_count : 0;
	if (s->ping_left)
		need = (uint64_t)s->ping_left * 200u;
	/* counted, not timed: exactly secs x pps packets whatever the timer lag */
	s->voice_left = opt.voice_dst.sin_port && s->idx % (unsigned)opt.voice_every == 0
				? opt.voice_secs * opt.voice_pps : 0;
	if (s->voice_left && (uint64_t)opt.voice_secs * 1000u > need)
		need = (uint64_t)opt.voice_secs * 1000u;
	/* one second of grace for the last replies */
	s->traffic_end_ms = t + need + (need ? 1000u : 0u);
	if (!s->end_at_ms) {
		uint64_t hold = t + (uint64_t)opt.hold * 1000u;

		s->end_at_ms = hold > s->traffic_end_ms ? hold : s->traffic_end_ms;
	}
	if (need) {
		double iv = opt.voice_pps > 0 ? 1.0 / opt.voice_pps : 0.02;

		ev_timer_set(&s->traffic, iv, iv);
		ev_timer_start(s->run->loop, &s->traffic);
	}
}

static void traffic_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, traffic);
	uint8_t pkt[1600];

	(void)loop;
	(void)revents;
	if (s->st != S_TUNNEL)
		return;
	s->ticks++;
	unsigned every = opt.voice_pps > 0 ? (unsigned)opt.voice_pps / 5u : 10u;

	if (s->ping_left > 0 && (every == 0 || s->ticks % every == 1 || every == 1)) {
		size_t n = pkt_icmp_echo(pkt, s->my_ip, opt.ping_dst, s->ping_id, ++s->ping_seq, 84);

		s->ping_left--;
		s->st_.ping_tx++;
		send_packet(s, pkt, n);
	}
	if (s->voice_left > 0) {
		s->voice_left--;
		/* RTP-sized payload: 12-byte header + 160 bytes of G.711 = 200 B IP */
		uint8_t pl[1500];
		size_t plen = opt.voice_size > 28 ? (size_t)opt.voice_size - 28 : 172;
		uint64_t us = now_us();

		if (plen < 16)
			plen = 16;
		memset(pl, 0xd5, plen); /* G.711 A-law silence */
		pl[0] = 0x80;
		pl[1] = 8;
		pl[2] = (uint8_t)(s->voice_seq >> 8);
		pl[3] = (uint8_t)s->voice_seq;
		memcpy(pl + 4, &us, 8);
		memcpy(pl + 12, "VOIC", 4);
		s->voice_seq++;
		size_t n = pkt_udp(pkt, s->my_ip, &opt.voice_dst,
				   (uint16_t)(16384 + 2 * (s->idx % 8000)), pl, plen);

		s->st_.voice_tx++;
		send_packet(s, pkt, n);
	}
	if (s->ping_left <= 0 && s->voice_left <= 0)
		ev_timer_stop(s->run->loop, &s->traffic);
}

/* --dtls-rebind: the phone's UDP source port changes (a NAT rebinding, or
 * a client reconnecting DTLS from a new socket).  Like openconnect, the
 * phone drops its DTLS socket without a close_notify (the old path is
 * gone) and says hello from a new port with the same session id and
 * master secret; traffic goes over TLS until the new handshake is up. */
static void dtls_rebind(struct session *s)
{
	uint16_t old = s->udp_port;

	/* the old port stays taken until the new socket has its own, so the
	 * port really changes */
	int hold = dup(s->udp_fd);

	s->dtls_rebinds++;
	dtls_close(s);
	dtls_start(s);
	if (hold >= 0)
		close(hold);
	vpnc_log("create_dtls_connection", "%s DTLS rebinding: local UDP port %u -> %u", s->tag,
		 old, s->udp_port);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, tick);
	uint64_t t = now_ms();

	(void)loop;
	(void)revents;
	if (s->st != S_TUNNEL)
		return;
	if (s->end_at_ms && t >= s->end_at_ms) {
		session_stop(s, "hold time over");
		return;
	}
	if (opt.reconnect_after && !s->reconnects &&
	    t - s->up_at_ms >= (uint64_t)opt.reconnect_after * 1000u) {
		tunnel_lost(s, "reconnect test");
		return;
	}
	if (t - s->last_rx_ms > 2000u * (uint64_t)s->dpd) {
		tunnel_lost(s, "DPD: peer dead");
		return;
	}
	if (t - s->last_rx_ms > 1000u * (uint64_t)s->dpd &&
	    t - s->last_dpd_ms > 500u * (uint64_t)s->dpd) {
		s->last_dpd_ms = t;
		cstp_send(s, CSTP_DPD_REQ, NULL, 0);
		if (s->dtls_state == 2) {
			uint8_t b = CSTP_DPD_REQ;

			dtls_write(s->dtls, &b, 1);
		}
	}
	if (opt.dtls_rebind && s->dtls_state == 2 && !s->dtls_rebinds &&
	    t - s->dtls_up_ms >= (uint64_t)opt.dtls_rebind * 1000u) {
		dtls_rebind(s);
		return;
	}
	if (s->dtls_state == 2 && t - s->dtls_last_rx_ms > 3000u * (uint64_t)s->dtls_dpd) {
		vpnc_log("dtls", "%s DTLS dead (no frame for 3 x DPD), back to TLS", s->tag);
		dtls_close(s);
		s->dtls_state = -1;
	}
	if (t - s->last_tx_ms > 1000u * (uint64_t)s->keepalive)
		cstp_send(s, CSTP_KEEPALIVE, NULL, 0);
}

void session_stop(struct session *s, const char *why)
{
	if (s->st == S_DONE)
		return;
	if (s->st == S_TUNNEL) {
		uint8_t bye = CSTP_BYE_USER;

		if (ph_verbose)
			vpnc_log("vpn_stop", "%s %s: DISCONNECT", s->tag, why);
		if (s->dtls_state == 2) {
			uint8_t b[2] = { CSTP_DISCONNECT, CSTP_BYE_USER };

			dtls_write(s->dtls, b, 2);
		}
		s->pend_len = 0;
		cstp_send(s, CSTP_DISCONNECT, &bye, 1);
		if (s->ssl) {
			SSL_shutdown(s->ssl);
			ERR_clear_error(); /* the queue is shared by all sessions */
		}
	} else if (s->fail == NT_OK) {
		sess_fail(s, NT_TIMEOUT, "stopped before the tunnel came up (%s)", why);
	}
	finish(s);
}

/* ------------------------------------------------------------ I/O driver */

static void tls_step(struct session *s)
{
	int r = SSL_connect(s->ssl);

	if (r == 1) {
		if (SSL_session_reused(s->ssl)) {
			s->resumed++;
			if (ph_verbose || opt.sessions <= 1)
				vpnc_log("create_ssl_connection", "%s TLS session resumed", s->tag);
		}
		util_strlcpy(s->tls_version, SSL_get_version(s->ssl), sizeof(s->tls_version));
		util_strlcpy(s->tls_cipher, SSL_get_cipher_name(s->ssl), sizeof(s->tls_cipher));
		if (ph_verbose || opt.sessions <= 1)
			vpnc_log("create_ssl_connection", "%s %s: SSL_connect: ok, cipher %s",
				 s->tag, s->tls_version, s->tls_cipher);
		if (s->cookie[0])
			http_begin(s, STEP_CONNECT);
		else if ((opt.flow_override >= 0 ? opt.flow_override : (int)opt.prof->flow) == FLOW_XML)
			http_begin(s, STEP_XML_INIT);
		else
			http_begin(s, STEP_GET);
		return;
	}
	int e = SSL_get_error(s->ssl, r);

	if (e == SSL_ERROR_WANT_READ) {
		set_io(s, EV_READ);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		set_io(s, EV_READ | EV_WRITE);
		return;
	}
	unsigned long err = ERR_peek_last_error();
	char buf[200];

	ERR_error_string_n(err, buf, sizeof(buf));
	ERR_clear_error();
	if (s->fail == NT_SRVCERT)
		vpnc_log("alert_err", "%s SSL write alert: code 48, unknown CA", s->tag);
	if (s->fail == NT_SRVCERT || s->fail == NT_HOSTID) {
		vpnc_log("create_ssl_connection", "%s SSL setup failure: %s", s->tag, buf);
		attempt_failed(s);
		return;
	}
	sess_fail(s, NT_TLS, "SSL_connect: %s", err ? buf : "connection closed");
	attempt_failed(s);
}

static void tcp_connected(struct session *s)
{
	int err = 0;
	socklen_t el = sizeof(err);

	getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		sess_fail(s, NT_CONNECT, "connect %s:%u: %s", inet_ntoa(s->srv.sin_addr),
			  s->port, strerror(err));
		attempt_failed(s);
		return;
	}
	s->ssl = SSL_new(s->run->tls);
	if (!s->ssl) {
		sess_fail(s, NT_INTERNAL, "SSL_new failed");
		attempt_failed(s);
		return;
	}
	SSL_set_ex_data(s->ssl, ssl_idx, s);
	SSL_set_fd(s->ssl, s->fd);
	SSL_SESSION *offer = s->tls_sess ? SSL_SESSION_dup(s->tls_sess) : NULL;

	if (offer && SSL_SESSION_is_resumable(offer) && SSL_set_session(s->ssl, offer) &&
	    (ph_verbose || opt.sessions <= 1))
		vpnc_log("create_ssl_connection", "%s offering the kept TLS session", s->tag);
	SSL_SESSION_free(offer);  /* the connection holds its own reference */
	struct in_addr tmp;

	if (inet_pton(AF_INET, s->host, &tmp) != 1)
		SSL_set_tlsext_host_name(s->ssl, s->host);
	if (s->cert && s->key) {
		SSL_use_certificate(s->ssl, s->cert);
		SSL_use_PrivateKey(s->ssl, s->key);
		if (mic_chain)
			SSL_add1_chain_cert(s->ssl, mic_chain);
	} else if (opt.cert) {
		if (SSL_use_certificate_chain_file(s->ssl, opt.cert) != 1 ||
		    SSL_use_PrivateKey_file(s->ssl, opt.key ? opt.key : opt.cert,
					    SSL_FILETYPE_PEM) != 1) {
			sess_fail(s, NT_CONFIG, "cannot load MIC %s", opt.cert);
			ERR_clear_error();
			attempt_failed(s);
			return;
		}
	}
	s->st = S_TLS;
	tls_step(s);
}

static void http_io(struct session *s)
{
	while (s->req_off < s->req_len) {
		int r = SSL_write(s->ssl, s->req + s->req_off, (int)(s->req_len - s->req_off));

		if (r <= 0) {
			int e = SSL_get_error(s->ssl, r);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
				set_io(s, EV_READ | EV_WRITE);
				return;
			}
			sess_fail(s, NT_LOGIN, "connection closed while sending the request");
			attempt_failed(s);
			return;
		}
		s->req_off += (size_t)r;
	}
	if (s->req_len) {
		OPENSSL_cleanse(s->req, s->req_len);
		s->req_len = s->req_off = 0;
	}
	set_io(s, EV_READ);
}

/* Read what TLS has; returns -1 when the connection ended (handled). */
static int tls_read_all(struct session *s)
{
	for (int i = 0; i < 64; i++) {
		if (s->in_len == sizeof(s->in))
			break;
		int r = SSL_read(s->ssl, s->in + s->in_len, (int)(sizeof(s->in) - s->in_len));

		if (r > 0) {
			s->in_len += (size_t)r;
			continue;
		}
		int e = SSL_get_error(s->ssl, r);
		unsigned long le = ERR_peek_last_error();

		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			ERR_clear_error();
			return 0;
		}
		if (e == SSL_ERROR_ZERO_RETURN)
			util_strlcpy(s->rd_err, "close_notify", sizeof(s->rd_err));
		else if (e == SSL_ERROR_SYSCALL)
			snprintf(s->rd_err, sizeof(s->rd_err), "EOF or %s", strerror(errno));
		else
			ERR_error_string_n(le, s->rd_err, sizeof(s->rd_err));
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static void sess_drive(struct session *s)
{
	static struct resp resp;

	switch (s->st) {
	case S_TCP:
	case S_TLS:
		if (s->st == S_TCP)
			tcp_connected(s);
		else
			tls_step(s);
		if (s->st == S_HTTP)
			sess_drive(s); /* send the first request now */
		break;
	case S_HTTP: {
		http_io(s);
		if (s->st != S_HTTP || s->req_len)
			break;
		int closed = tls_read_all(s);
		int r = parse_resp(s, &resp);

		if (r == 1) {
			enum step was = s->step;

			/* after CONNECT, tunnel_up() moves the CSTP bytes itself */
			if (was != STEP_CONNECT) {
				memmove(s->in, s->in + resp.consumed, s->in_len - resp.consumed);
				s->in_len -= resp.consumed;
			}
			on_response(s, &resp);
			if (s->st == S_HTTP && s->step != was)
				sess_drive(s);
		} else if (r < 0) {
			sess_fail(s, NT_LOGIN, "malformed HTTP response");
			attempt_failed(s);
		} else if (closed) {
			sess_fail(s, s->step == STEP_CONNECT ? NT_TUNNEL : NT_LOGIN,
				  "server closed the connection during %s (%s)",
				  s->step == STEP_CONNECT ? "CONNECT" : "login", s->rd_err);
			attempt_failed(s);
		}
		break;
	}
	case S_TUNNEL: {
		if (s->pend_len) {
			int r = SSL_write(s->ssl, s->pend, (int)s->pend_len);

			if (r > 0) {
				s->pend_len = 0;
				s->last_tx_ms = now_ms();
			} else {
				int e = SSL_get_error(s->ssl, r);

				ERR_clear_error();
				if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
					tunnel_lost(s, "TLS write failed");
					return;
				}
			}
		}
		int closed = tls_read_all(s);

		cstp_read(s);
		if (s->st != S_TUNNEL)
			break;
		if (closed) {
			char why[192];

			snprintf(why, sizeof(why), "TLS connection closed by the server: %s", s->rd_err);
			tunnel_lost(s, why);
			break;
		}
		set_io(s, s->pend_len ? EV_READ | EV_WRITE : EV_READ);
		break;
	}
	default:
		break;
	}
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct session *s = container_of(w, struct session, io);

	(void)loop;
	(void)revents;
	sess_drive(s);
}

void session_result(const struct session *s, struct session_result *r)
{
	memset(r, 0, sizeof(*r));
	r->up = s->up_once;
	r->up_now = s->st == S_TUNNEL;
	r->dtls_up = s->dtls_ever_ver != 0;
	r->dtls_version = s->dtls_ever_ver;
	util_strlcpy(r->dtls_suite, s->dtls_ever_suite, sizeof(r->dtls_suite));
	util_strlcpy(r->tls_version, s->tls_version, sizeof(r->tls_version));
	util_strlcpy(r->tls_cipher, s->tls_cipher, sizeof(r->tls_cipher));
	util_strlcpy(r->addr, s->addr, sizeof(r->addr));
	r->setup_ms = s->setup_ms;
	r->fail = s->fail;
	util_strlcpy(r->fail_desc, s->fail_desc, sizeof(r->fail_desc));
	r->reconnects = s->reconnects;
	r->same_addr_after_reconnect = s->same_addr;
	r->resumed = s->resumed;
	r->lost_at_ms = s->lost_at_ms;
	r->back_at_ms = s->back_at_ms;
	r->dtls_rebinds = s->dtls_rebinds;
	r->dtls_failures = s->dtls_failures;
	r->dtls_first_port = s->dtls_first_port;
	r->dtls_last_port = s->dtls_last_port;
	r->url_now = s->up_once ? s->url_i + 1 : 0;
	r->url_lost = s->lost_at_ms ? s->lost_url + 1 : 0;
	r->failovers = s->failovers;
	r->relogin = s->relogin;
	util_strlcpy(r->addr_before, s->prev_addr, sizeof(r->addr_before));
	r->voice_rx_after = s->back_at_ms ? s->st_.voice_rx - s->voice_rx_at_back : 0;
	r->st = s->st_;
}
