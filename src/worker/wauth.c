/* The HTTP phase: AnyConnect XML ("aggregate auth"), the Cisco IP phone
 * SVC login, and CONNECT.  The worker gathers facts and asks main; main
 * decides (mauth.c).  Every malformed or unknown request gets a 4xx and
 * the connection closes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "sslvpnd/ban.h"
#include "sslvpnd/buf.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "sslvpnd/xmlauth.h"
#include "worker.h"

#define PHONE_UA "Cisco SVC IPPhone Client"
#define EXPIRED "expires=Thu, 01 Jan 1970 22:00:00 GMT"
#define COMMON_HEADERS                                                       \
	"X-Transcend-Version: 1\r\n"                                         \
	"X-Frame-Options: deny\r\n"                                          \
	"X-Content-Type-Options: nosniff\r\n"                                \
	"Cache-Control: no-store\r\n"

enum { RESP_MAX = 16384 };

/* Every HTTPS reply carries Strict-Transport-Security when webvpn hsts is
 * on (the ASA's default): spliced in before the blank line that ends the
 * head, so no reply can forget it. */
static void send_raw(struct conn *c, const char *head, const char *body)
{
	static char withhsts[4096];
	const char *hsts = c->w->wc.hsts;
	size_t hl = strlen(head);

	if (hsts[0] && hl >= 2 && hl + strlen(hsts) + 40 < sizeof(withhsts)) {
		snprintf(withhsts, sizeof(withhsts), "%.*sStrict-Transport-Security: %s\r\n\r\n",
			 (int)(hl - 2), head, hsts);
		head = withhsts;
		hl = strlen(head);
	}
	if (conn_queue(c, head, hl, body, body ? strlen(body) : 0) < 0)
		c->close_after_flush = 1;
	conn_flush(c);
	OPENSSL_cleanse(withhsts, sizeof(withhsts));
}

static void bad_request(struct conn *c, int status, const char *why);

void wauth_hash_profiles(struct wcfg *wc)
{
	uint8_t md[20];

	for (size_t i = 0; i < wc->n_profiles; i++) {
		if (!EVP_Digest(wc->profiles[i].data.p, wc->profiles[i].data.n, md, NULL,
				EVP_sha1(), NULL))
			fatalx("worker: cannot hash AnyConnect profile %s", wc->profiles[i].name);
		util_hex(wc->profiles[i].sha1, md, sizeof(md), 1);
	}
}

static const char *profile_sha1(const void *ctx, const char *name)
{
	const struct wcfg_profile *p = wcfg_profile(ctx, name);

	return p ? p->sha1 : NULL;
}

/* GET /CACHE/stc/profiles/NAME: main says whether the cookie's session is
 * offered profile NAME (PROFILE_REQ); the bytes are the worker's own copy,
 * found by name in the table main sent: no path is ever made from a
 * request.  Anything else is a 404 without body, whether the profile
 * exists or not. */
#define PROFILE_PREFIX "/CACHE/stc/profiles/"
static void profile_get(struct conn *c, const struct http_request *req)
{
	struct ipc_profile_req rq = { .conn_id = c->id };
	uint8_t buf[256];
	int n;

	http_cookie_get(req, "webvpn", rq.cookie, sizeof(rq.cookie));
	if (!rq.cookie[0] || util_strlcpy(rq.name, req->path + strlen(PROFILE_PREFIX),
					  sizeof(rq.name)) >= sizeof(rq.name) ||
	    !wcfg_profile(&c->w->wc, rq.name)) {
		OPENSSL_cleanse(rq.cookie, sizeof(rq.cookie));
		bad_request(c, 404, "no such profile, or no webvpn cookie");
		return;
	}
	util_strlcpy(c->want_profile, rq.name, sizeof(c->want_profile));
	n = ipc_enc_profile_req(&rq, buf, sizeof(buf));
	OPENSSL_cleanse(rq.cookie, sizeof(rq.cookie));
	c->state = CS_WAIT_MAIN;
	worker_send(c->w, IPC_PROFILE_REQ, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf));
}

static void profile_send(struct conn *c, const struct wcfg_profile *p)
{
	char head[512];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
		 COMMON_HEADERS "\r\n", p->data.n);
	send_raw(c, head, NULL);
	if (conn_queue(c, "", 0, (const char *)p->data.p, p->data.n) < 0)
		c->close_after_flush = 1;
	conn_flush(c);
}

void wauth_send_status(struct conn *c, int status, const char *extra)
{
	char head[1024];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n"
		 COMMON_HEADERS "%s\r\n",
		 status, http_status_text(status), extra ? extra : "");
	c->close_after_flush = 1;
	send_raw(c, head, NULL);
}

/* A refused request: the answer is the last thing the connection does, so
 * an answer of main still on its way finds it closing (CS_CLOSING). */
static void refuse(struct conn *c, int status)
{
	if (c->state == CS_WAIT_MAIN)
		c->state = CS_CLOSING;
	wauth_send_status(c, status, NULL);
}

static void bad_request(struct conn *c, int status, const char *why)
{
	char port[8];

	snprintf(port, sizeof(port), "%u", c->meta.peer_port);
	log_event_rl(LM_HTTP_BAD_REQUEST, c->meta.peer, port, why);
	/* Unparsable bytes earn ban points; an unknown path or method (a
	 * browser, a scanner's probe) does not. */
	if (status == 400 || status == 431)
		conn_report_source(c, BAN_MALFORMED);
	refuse(c, status);
}

/* A request over one of the limits group's limits (event 100320); a header
 * block over the limit earns ban points like unparsable bytes. */
static void over_limit(struct conn *c, int status, const char *what, size_t limit)
{
	char port[8], st[64], lim[24];

	snprintf(port, sizeof(port), "%u", c->meta.peer_port);
	snprintf(st, sizeof(st), "%d %s", status, http_status_text(status));
	snprintf(lim, sizeof(lim), "%zu", limit);
	log_event_rl(LM_HTTP_LIMIT, c->meta.peer, port, st, what, lim);
	if (status == 431)
		conn_report_source(c, BAN_MALFORMED);
	refuse(c, status);
}

static void host_only(const char *host, char *out, size_t cap)
{
	util_strlcpy(out, host ? host : "", cap);
	if (out[0] == '[') {  /* [v6]:port */
		char *e = strchr(out, ']');

		if (e) {
			memmove(out, out + 1, (size_t)(e - out - 1));
			out[e - out - 1] = 0;
		}
		return;
	}
	char *colon = strchr(out, ':');

	if (colon && !strchr(colon + 1, ':'))
		*colon = 0;
}

/* The chain the handshake verified, as DER: main reads the facts from it
 * and verifies it again itself (it takes no worker's word for who the
 * client is).  A chain too large for AUTH_REQ goes as none. */
static void fill_cert(struct conn *c, struct ipc_auth_req *rq)
{
	struct tls_peer_cert pc;
	int n;

	tls_peer_cert_get(c->ssl, &pc);
	if (!pc.present || !pc.verified)
		return;
	n = tls_chain_der(c->ssl, rq->chain, sizeof(rq->chain));
	if (n <= 0) {
		log_warnx("connection %u: client chain %s; sent without it", c->id,
			  n < 0 ? "larger than an AUTH_REQ holds" : "missing");
		return;
	}
	rq->cert = IPC_CERT_OK;
	rq->chain_len = (uint16_t)n;
}

static void base_auth_req(struct conn *c, const struct http_request *req,
			  struct ipc_auth_req *rq, uint8_t flow)
{
	memset(rq, 0, sizeof(*rq));
	rq->conn_id = c->id;
	rq->flow = flow;
	rq->local_port = c->meta.local_port;
	host_only(http_header_get(req, "Host"), rq->host, sizeof(rq->host));
	util_strlcpy(rq->path, req->path, sizeof(rq->path));
	util_strlcpy(rq->user_agent, c->user_agent, sizeof(rq->user_agent));
	fill_cert(c, rq);
	wforge_auth_req(c->w, rq);
}

static void ask_main_auth(struct conn *c, struct ipc_auth_req *rq)
{
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_auth_req(rq, buf, sizeof(buf));

	OPENSSL_cleanse(rq->password, sizeof(rq->password));
	if (n < 0) {
		bad_request(c, 400, "login request fields too long");
		return;
	}
	c->state = CS_WAIT_MAIN;
	c->phone = rq->flow == IPC_FLOW_SVC;
	worker_send(c->w, IPC_AUTH_REQ, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* A refused config-auth document: a limit (100320) or malformed (100301). */
static void xml_refused(struct conn *c, enum xmlauth_err err, const struct xmlauth_limits *lim)
{
	switch (err) {
	case XAE_SIZE:
		over_limit(c, 413, xmlauth_err_text(err), lim->max_bytes);
		break;
	case XAE_DEPTH:
		over_limit(c, 400, xmlauth_err_text(err), (size_t)lim->max_depth);
		break;
	case XAE_ELEMENTS:
		over_limit(c, 400, xmlauth_err_text(err), lim->max_elements);
		break;
	default:
		bad_request(c, 400, "malformed config-auth XML");
	}
}

static void xml_login(struct conn *c, const struct http_request *req)
{
	static struct xmlauth_req x;
	struct ipc_auth_req rq;
	const struct cfg_limits *cl = &c->w->wc.limits;
	const struct xmlauth_limits lim = {
		.max_bytes = (size_t)cl->xml_max_bytes,
		.max_depth = cl->xml_max_depth,
		.max_elements = (size_t)cl->xml_max_elements,
	};
	enum xmlauth_err err;

	memset(&x, 0, sizeof(x));
	if (req->body_len && xmlauth_parse_limited(&x, req->body, req->body_len, &lim, &err) < 0) {
		OPENSSL_cleanse(&x, sizeof(x)); /* may hold part of a password */
		xml_refused(c, err, &lim);
		return;
	}
	base_auth_req(c, req, &rq, IPC_FLOW_XML);
	util_strlcpy(rq.group_select, x.group_select[0] ? x.group_select :
		     x.group_list[0] ? x.group_list : x.opaque_tunnel_group,
		     sizeof(rq.group_select));
	util_strlcpy(rq.device_id, x.device_id, sizeof(rq.device_id));
	util_strlcpy(rq.username, x.username, sizeof(rq.username));
	util_strlcpy(rq.password, x.password, sizeof(rq.password));
	rq.client_cert_fail = (uint8_t)x.client_cert_fail;
	OPENSSL_cleanse(&x, sizeof(x));
	ask_main_auth(c, &rq);
}

/* Form-encoded answers: the phone's SVC POST and openconnect's legacy
 * (non-XML) mode. */
static void form_login(struct conn *c, const struct http_request *req, uint8_t flow)
{
	struct ipc_auth_req rq;

	base_auth_req(c, req, &rq, flow);
	http_form_get(req->body, req->body_len, "username", rq.username, sizeof(rq.username));
	http_form_get(req->body, req->body_len, "password", rq.password, sizeof(rq.password));
	if (http_form_get(req->body, req->body_len, "group_list", rq.group_select,
			  sizeof(rq.group_select)) < 0)
		http_form_get(req->body, req->body_len, "group%5flist", rq.group_select,
			      sizeof(rq.group_select));
	ask_main_auth(c, &rq);
}

/* Phone step 1 (phones.md 2): a webvpn cookie carrying an expiry and a
 * non-empty webvpnlogin cookie are what make the phone POST next. */
static void svc_get(struct conn *c)
{
	send_raw(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
		    "Set-Cookie: webvpn=; " EXPIRED "; path=/; secure\r\n"
		    "Set-Cookie: webvpnlogin=1; secure\r\n" COMMON_HEADERS "\r\n",
		 NULL);
}

/* MTU headers of CONNECT: decimal, within range, or the request is
 * refused (a value cut to 16 bits would mean something else). */
static const char *const mtu_headers[] = { "X-CSTP-MTU", "X-CSTP-Base-MTU", "X-DTLS-MTU" };

enum { MTU_HDR_MIN = 256, MTU_HDR_MAX = 65535 };

static int mtu_value(const char *v, uint16_t *out)
{
	unsigned long n = 0;

	if (!*v || strlen(v) > 5)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (n < MTU_HDR_MIN || n > MTU_HDR_MAX)
		return -1;
	*out = (uint16_t)n;
	return 0;
}

static int mtu_headers_ok(struct conn *c, const struct http_request *req)
{
	char why[96];
	uint16_t v;

	for (size_t i = 0; i < ARRAY_SIZE(mtu_headers); i++) {
		const char *s = http_header_get(req, mtu_headers[i]);

		if (s && mtu_value(s, &v) < 0) {
			snprintf(why, sizeof(why), "%s is not an integer %d-%d", mtu_headers[i],
				 MTU_HDR_MIN, MTU_HDR_MAX);
			bad_request(c, 400, why);
			return 0;
		}
	}
	return 1;
}

static void tunnel_request(struct conn *c, const struct http_request *req)
{
	struct ipc_tunnel_req rq = { .conn_id = c->id };
	const char *v;
	uint8_t buf[IPC_MAX_MSG];

	if (!mtu_headers_ok(c, req))
		return;

	http_cookie_get(req, "webvpn", rq.cookie, sizeof(rq.cookie));
	util_strlcpy(rq.user_agent, c->user_agent, sizeof(rq.user_agent));
	if ((v = http_header_get(req, "X-CSTP-Hostname")))
		util_strlcpy(rq.hostname, v, sizeof(rq.hostname));
	if ((v = http_header_get(req, "X-CSTP-Base-MTU")))
		mtu_value(v, &rq.base_mtu);
	if ((v = http_header_get(req, "X-CSTP-MTU")))
		mtu_value(v, &rq.req_mtu);
	util_strlcpy(rq.tls_version, SSL_get_version(c->ssl), sizeof(rq.tls_version));
	util_strlcpy(rq.tls_cipher, SSL_get_cipher_name(c->ssl), sizeof(rq.tls_cipher));
	rq.want_ipv6 = (uint8_t)tunnel_client_ipv6(req);
	int n = ipc_enc_tunnel_req(&rq, buf, sizeof(buf));

	OPENSSL_cleanse(rq.cookie, sizeof(rq.cookie));
	c->state = CS_WAIT_MAIN;
	worker_send(c->w, IPC_TUNNEL_REQ, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf));
}

static int is_tunnel_path(const char *p)
{
	return !strcmp(p, "/CSCOSSLC/tunnel") || !strcmp(p, "CSCOSSLC/tunnel");
}

static void handle_request(struct conn *c, const struct http_request *req)
{
	const char *ua = http_header_get(req, "User-Agent");

	util_strlcpy(c->user_agent, ua ? ua : "", sizeof(c->user_agent));
	int phone = util_prefix_ci(c->user_agent, PHONE_UA);

	static const char *const methods[] = { "(other)", "GET", "POST", "HEAD", "CONNECT" };

	log_debugc(LOGC_WEBVPN, 1, "conn %u from %s: %s %.200s, %zu body bytes, "
		   "User-Agent \"%.200s\"", c->id, c->meta.peer,
		   (unsigned)req->method < ARRAY_SIZE(methods) ? methods[req->method] : "?",
		   req->path, req->body_len, c->user_agent);

	if (req->method == HTTP_M_CONNECT) {
		if (is_tunnel_path(req->path))
			tunnel_request(c, req);
		else
			bad_request(c, 404, "CONNECT to an unknown path");
		return;
	}
	if (req->method == HTTP_M_GET && util_prefix_ci(req->path, PROFILE_PREFIX)) {
		profile_get(c, req);
		return;
	}
	if (!wcfg_path_known(&c->w->wc, req->path)) {
		bad_request(c, 404, "unknown path");
		return;
	}
	switch (req->method) {
	case HTTP_M_HEAD:
		send_raw(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" COMMON_HEADERS "\r\n",
			 NULL);
		break;
	case HTTP_M_GET:
		if (phone)
			svc_get(c);
		else
			xml_login(c, req); /* legacy GET: answer like an init */
		break;
	case HTTP_M_POST:
		if (xmlauth_is_xml(req->body, req->body_len))
			xml_login(c, req);
		else
			form_login(c, req, phone ? IPC_FLOW_SVC : IPC_FLOW_XML);
		break;
	default:
		bad_request(c, 405, "method not allowed");
	}
}

/* What the input buffer may grow to for the request being read: its
 * header block limit until that is complete, then exactly the request.
 * (A request with consumed set is the previous one, kept for main's
 * answer: the next one starts from scratch.) */
static size_t in_limit(const struct conn *c)
{
	const struct http_request *req = c->req;

	if (req && !req->consumed && http_header_block_done(req))
		return req->pos + req->content_length;
	return (size_t)c->w->wc.limits.max_header_bytes;
}

enum { IN_FIRST = 4096 };

/* Room for the next read: the buffer starts at IN_FIRST bytes when the
 * first byte of a request is due and doubles up to in_limit().  0, or -1
 * after closing (out of memory). */
static int in_room(struct conn *c)
{
	size_t lim = in_limit(c), want;

	if (c->in_len < c->in_cap)
		return 0;
	want = c->in_cap ? c->in_cap * 2 : IN_FIRST;
	if (want > lim)
		want = lim > c->in_len ? lim : c->in_len + 1;
	if (conn_in_reserve(c, want) < 0) {
		conn_close(c, "out of memory");
		return -1;
	}
	return 0;
}

static int only_blank_lines(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* A parse failure: a limit (100320) or a malformed request (100301). */
static void parse_refused(struct conn *c, int status)
{
	const struct cfg_limits *lim = &c->w->wc.limits;

	if (!c->req->limit_hit)
		bad_request(c, status, "malformed HTTP request");
	else if (status == 413)
		over_limit(c, 413, "Content-Length", (size_t)lim->max_body_bytes);
	else
		over_limit(c, 431, "header block", (size_t)lim->max_header_bytes);
}

/* One request in flight: bytes after a complete request, other than the
 * blank lines some clients send after a body, are a pipelined request. */
static void pipelined(struct conn *c)
{
	over_limit(c, 400, "pipelined request (one at a time)", 1);
}

static void request_start(struct conn *c)
{
	const struct cfg_limits *lim = &c->w->wc.limits;

	http_request_init(c->req, (size_t)lim->max_header_bytes, (size_t)lim->max_body_bytes);
}

void wauth_process_buffer(struct conn *c)
{
	while (c->state == CS_HTTP && c->in_len && !c->close_after_flush) {
		if (!c->req && !(c->req = malloc(sizeof(*c->req)))) {
			conn_close(c, "out of memory");
			return;
		}
		if (!c->req_started || c->req->consumed) {
			request_start(c);
			c->req_started = 1;
		}
		int r = http_parse_more(c->req, c->in, c->in_len);

		if (r == 0)
			return;
		if (r < 0) {
			parse_refused(c, -r);
			return;
		}
		size_t used = c->req->consumed;
		uint32_t id = c->id;
		struct worker *w = c->w;

		if (!only_blank_lines(c->in + used, c->in_len - used)) {
			pipelined(c);
			return;
		}
		/* the next request has a budget of its own */
		conn_set_timer(c, w->wc.limits.request_timeout);
		handle_request(c, c->req);
		if (!worker_conn_by_id(w, id))
			return;
		if (c->state == CS_TUNNEL)
			return;
		OPENSSL_cleanse(c->in, used);
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		if (!c->in_len)
			conn_in_free(c); /* idle until the next request */
	}
}

/* A connection that is answering its last response reads nothing more:
 * what arrives is dropped so the read event does not fire again. */
static void drain(struct conn *c)
{
	uint8_t junk[512];

	for (int i = 0; i < 16; i++) {
		ERR_clear_error();
		int r = SSL_read(c->ssl, junk, sizeof(junk));

		if (r > 0)
			continue;
		int e = conn_ssl_error(c, r);

		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			conn_close(c, "peer closed");
		return;
	}
}

void wauth_on_readable(struct conn *c)
{
	uint32_t id = c->id;
	struct worker *w = c->w;

	for (int i = 0; i < 16; i++) {
		if (c->close_after_flush || c->state == CS_CLOSING) {
			drain(c);
			return;
		}
		if (in_room(c) < 0)
			return;
		ERR_clear_error(); /* see conn_ssl_error */
		int r = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));

		if (r <= 0) {
			int e = conn_ssl_error(c, r);

			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				break;
			conn_close(c, "peer closed");
			return;
		}
		conn_in_got(c, (size_t)r);
		if (c->state == CS_WAIT_MAIN) {
			if (!only_blank_lines(c->in, c->in_len)) {
				pipelined(c);
				return;
			}
			continue;
		}
		wauth_process_buffer(c);
		if (!worker_conn_by_id(w, id) || c->state == CS_TUNNEL)
			return;
	}
}

/* ---- main's answers ---- */

static void xml_reply(struct conn *c, const char *cookie_headers, const char *body)
{
	char head[2048];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
		 "X-Aggregate-Auth: 1\r\n" COMMON_HEADERS "%s\r\n",
		 strlen(body), cookie_headers);
	send_raw(c, head, body);
}

static void xml_complete(struct conn *c, const struct ipc_auth_rep *rp)
{
	static char esc[sizeof(rp->banner) * 6], banner[sizeof(esc) + 32];
	char hash[41], cookies[512], tok[160];
	static char body[RESP_MAX], manifest[4096];

	uint8_t sha1[20];

	tls_conn_sha1(c->ssl, c->srv, sha1);
	util_hex(hash, sha1, 20, 1);
	xmlauth_escape(tok, sizeof(tok), rp->cookie);
	/* Post-login banner (anyconnect-protocol.md 1.9): AnyConnect shows it
	 * and asks the user to accept; CONNECT repeats it in X-CSTP-Banner. */
	banner[0] = '\0';
	if (rp->banner[0] && xmlauth_escape(esc, sizeof(esc), rp->banner) >= 0)
		snprintf(banner, sizeof(banner), "<banner>%s</banner>", esc);
	if (xmlauth_manifest(manifest, sizeof(manifest), rp->profiles, profile_sha1,
			     &c->w->wc) < 0)
		manifest[0] = '\0';
	snprintf(cookies, sizeof(cookies),
		 "Set-Cookie: webvpn=%s; Secure; HttpOnly\r\n"
		 "Set-Cookie: webvpnc=; " EXPIRED "; path=/; Secure\r\n"
		 "Set-Cookie: webvpnc=bu:/&p:t&iu:1/&sh:%s; path=/; Secure\r\n",
		 rp->cookie, hash);
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\">\n"
		 "<session-token>%s</session-token>\n"
		 "<auth id=\"success\">%s<message id=\"0\" param1=\"\" param2=\"\"></message></auth>\n"
		 "<capabilities><crypto-supported>ssl-dhe</crypto-supported></capabilities>\n"
		 "<config client=\"vpn\" type=\"private\"><vpn-base-config>"
		 "<server-cert-hash>%s</server-cert-hash></vpn-base-config>"
		 "<opaque is-for=\"vpn-client\"></opaque>%s</config>\n"
		 "</config-auth>\n",
		 tok, banner, hash, manifest);
	xml_reply(c, cookies, body);
	OPENSSL_cleanse(cookies, sizeof(cookies));
	OPENSSL_cleanse(body, sizeof(body));
	OPENSSL_cleanse(tok, sizeof(tok));
}

static void xml_need_cert(struct conn *c)
{
	xml_reply(c, "",
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">\n"
		  "<client-cert-request/>\n</config-auth>\n");
}

/* authentication aaa: the username/password form (anyconnect-protocol.md
 * 1.5).  action is the path of the request being answered: openconnect
 * 9.x posts a form without action to "/", which would lose the group-url
 * that selected the tunnel group.  A group chosen by alias travels in the
 * opaque element the client echoes, which xml_login reads back as the
 * alias (only an alias: a tunnel group name from the client would let it
 * pick groups that are reachable by group-url only).  rp->message set =
 * a retry after a refusal. */
/* tunnel-group-list enable: the aliases to pick from, on the base URL only
 * (a group-url already fixed the tunnel group; offering others there would
 * let the client's echo of the first option move it elsewhere).  The
 * alias the session is on is selected. */
static void group_select(const struct conn *c, const struct ipc_auth_rep *rp,
			 char *out, size_t cap)
{
	const struct wcfg *wc = &c->w->wc;
	struct wbuf b;
	char esc[CFG_NAME_MAX * 6];
	size_t n = 0;

	out[0] = '\0';
	if (!wc->tunnel_group_list || !c->req || strcmp(c->req->path, "/"))
		return;
	wbuf_init(&b, out, cap - 1);
	wbuf_printf(&b, "<select name=\"group_list\" label=\"GROUP:\">");
	for (; n < wc->n_aliases; n++) {
		if (xmlauth_escape(esc, sizeof(esc), wc->aliases[n]) < 0)
			continue;
		wbuf_printf(&b, "<option%s>%s</option>",
			    strcmp(wc->aliases[n], rp->group_alias) ? "" : " selected=\"true\"",
			    esc);
	}
	wbuf_printf(&b, "</select>\n");
	if (!n || wbuf_ok(&b) < 0) {
		out[0] = '\0';
		return;
	}
	out[b.len] = '\0';
}

enum { FORM_ACTION_MAX = HTTP_MAX_PATH * 6 + 16 };

/* The form posts back to the path it was asked on (group-url): its
 * action attribute, "" for none. */
static void form_action(const struct conn *c, char action[FORM_ACTION_MAX])
{
	char path[HTTP_MAX_PATH * 6];

	action[0] = '\0';
	if (c->req && c->req->path[0] == '/' &&
	    xmlauth_escape(path, sizeof(path), c->req->path) >= 0)
		snprintf(action, FORM_ACTION_MAX, " action=\"%s\"", path);
}

static void xml_need_form(struct conn *c, const struct ipc_auth_rep *rp)
{
	static char select[8192];
	char alias[CFG_NAME_MAX * 6], msg[sizeof(rp->message) * 6];
	char opaque[CFG_NAME_MAX * 12 + 128] = "", error[sizeof(msg) + 64] = "";
	char action[FORM_ACTION_MAX];
	static char body[RESP_MAX];

	form_action(c, action);

	if (rp->group_alias[0] && xmlauth_escape(alias, sizeof(alias), rp->group_alias) >= 0)
		snprintf(opaque, sizeof(opaque),
			 "<opaque is-for=\"sg\"><tunnel-group>%s</tunnel-group>"
			 "<group-alias>%s</group-alias></opaque>\n",
			 alias, alias);
	group_select(c, rp, select, sizeof(select));
	if (rp->message[0] && xmlauth_escape(msg, sizeof(msg), rp->message) >= 0)
		snprintf(error, sizeof(error),
			 "<error id=\"2\" param1=\"\" param2=\"\">%s</error>\n", msg);
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">\n"
		 "%s<auth id=\"main\">\n<title>Login</title>\n"
		 "<message>Please enter your username and password.</message>\n%s"
		 "<form method=\"post\"%s>\n"
		 "<input type=\"text\" name=\"username\" label=\"Username:\"></input>\n"
		 "<input type=\"password\" name=\"password\" label=\"Password:\"></input>\n"
		 "%s</form>\n</auth>\n</config-auth>\n",
		 opaque, error, action, select);
	xml_reply(c, "", body);
}

/* An Access-Challenge (S15): the server's message and one response field,
 * as the ASA's challenge form; the client answers it on this connection
 * (main keeps the challenge's State for it). */
static void xml_challenge(struct conn *c, const struct ipc_auth_rep *rp)
{
	char msg[sizeof(rp->message) * 6], action[FORM_ACTION_MAX];
	static char body[RESP_MAX];

	form_action(c, action);
	if (xmlauth_escape(msg, sizeof(msg), rp->message) < 0)
		util_strlcpy(msg, "Enter the response", sizeof(msg));
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">\n"
		 "<auth id=\"challenge\">\n<title>Login</title>\n"
		 "<message>%s</message>\n"
		 "<form method=\"post\"%s>\n"
		 "<input type=\"password\" name=\"password\" label=\"Response:\"></input>\n"
		 "</form>\n</auth>\n</config-auth>\n",
		 msg, action);
	xml_reply(c, "", body);
}

static void xml_denied(struct conn *c, const char *message)
{
	char msg[sizeof(((struct ipc_auth_rep *)0)->message) * 6];
	static char body[RESP_MAX];

	if (xmlauth_escape(msg, sizeof(msg), message) < 0)
		util_strlcpy(msg, "Login denied.", sizeof(msg));
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">\n"
		 "<auth id=\"main\">\n<title>Login</title>\n"
		 "<error id=\"13\" param1=\"\" param2=\"\">%s</error>\n"
		 "</auth>\n</config-auth>\n", msg);
	c->close_after_flush = 1;
	xml_reply(c, "Connection: close\r\n", body);
}

/* webvpn csd: what the ASA answers a client that must run host scan first
 * (the <host-scan> block of its auth-request, as openconnect's auth.c
 * documents it).  A host-scan client would fetch the stub below (a 404
 * here: no host scan is implemented) and come back without CSD data;
 * openconnect without --csd-wrapper stops at once.  Either way main has
 * refused the login (100810) and the connection closes. */
static void xml_host_scan(struct conn *c)
{
	static char body[RESP_MAX];
	uint8_t rnd[32];
	char ticket[33], token[33];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	util_hex(ticket, rnd, 16, 1);
	util_hex(token, rnd + 16, 16, 1);
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">\n"
		 "<auth id=\"main\">\n<title>Login</title>\n"
		 "<message>Please wait while your endpoint is scanned.</message>\n</auth>\n"
		 "<host-scan><host-scan-ticket>%s</host-scan-ticket>"
		 "<host-scan-token>%s</host-scan-token>"
		 "<host-scan-base-uri>/+CSCOE+/sdesktop/</host-scan-base-uri>"
		 "<host-scan-wait-uri>/+CSCOE+/sdesktop/wait.html</host-scan-wait-uri>"
		 "</host-scan>\n</config-auth>\n", ticket, token);
	c->close_after_flush = 1;
	xml_reply(c, "Connection: close\r\n", body);
}

static void svc_success(struct conn *c, const struct ipc_auth_rep *rp)
{
	char head[512];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n"
		 "Set-Cookie: webvpn=%s; secure\r\n" COMMON_HEADERS "\r\n",
		 rp->cookie);
	send_raw(c, head, NULL);
	OPENSSL_cleanse(head, sizeof(head));
}

/* Load balancing: the ASA's 302 to the chosen node, request path kept;
 * the client starts its login there on a new connection. */
static void lb_redirect(struct conn *c, const struct ipc_auth_rep *rp)
{
	char loc[sizeof(rp->message) + 16];

	snprintf(loc, sizeof(loc), "Location: %s\r\n", rp->message);
	wauth_send_status(c, 302, loc);
}

static void on_auth_answer(struct conn *c, const struct ipc_auth_rep *rp)
{
	c->state = CS_HTTP;
	switch (rp->result) {
	case IPC_AUTH_REDIRECT:
		lb_redirect(c, rp);
		break;
	case IPC_AUTH_OK:
		if (c->phone)
			svc_success(c, rp);
		else
			xml_complete(c, rp);
		break;
	case IPC_AUTH_NEED_CERT:
		xml_need_cert(c);
		break;
	case IPC_AUTH_CSD:
		if (c->phone)
			wauth_send_status(c, 401, NULL);
		else
			xml_host_scan(c);
		break;
	case IPC_AUTH_NEED_FORM:
		if (c->phone) {
			svc_get(c);  /* re-prompt, as the phone expects */
			break;
		}
		xml_need_form(c, rp);
		break;
	case IPC_AUTH_CHALLENGE:
		if (c->phone) {  /* main refuses those: a phone cannot answer */
			wauth_send_status(c, 401, NULL);
			break;
		}
		xml_challenge(c, rp);
		break;
	default:
		/* Final failure: no cookie, close.  The phone gets its 401 (one
		 * attempt per TLS connection); an XML client gets the reason
		 * for the user (a DAP user-message, "Login denied.") as an
		 * auth-request with an error and no form, which AnyConnect
		 * shows and openconnect prints before it stops. */
		if (c->phone || !rp->message[0]) {
			wauth_send_status(c, 401, NULL);
			break;
		}
		xml_denied(c, rp->message);
		break;
	}
}

void wauth_on_auth_rep(struct worker *w, const uint8_t *buf, size_t len)
{
	struct ipc_auth_rep rp;

	if (ipc_dec_auth_rep(&rp, buf, len) < 0)
		fatalx("worker %u: bad AUTH_REP from main", w->id);
	struct conn *c = worker_conn_by_id(w, rp.conn_id);

	if (c && c->state == CS_WAIT_MAIN) {
		uint32_t id = c->id;

		on_auth_answer(c, &rp);
		if (worker_conn_by_id(w, id))
			wauth_process_buffer(c);
	}
	OPENSSL_cleanse(&rp, sizeof(rp));
}

void wauth_on_tunnel_rep(struct worker *w, const uint8_t *buf, size_t len)
{
	static struct ipc_tunnel_rep rp;
	char extra[256];

	if (ipc_dec_tunnel_rep(&rp, buf, len) < 0)
		fatalx("worker %u: bad TUNNEL_REP from main", w->id);
	struct conn *c = worker_conn_by_id(w, rp.conn_id);

	if (!c || c->state != CS_WAIT_MAIN) {
		/* The client left while main was deciding: tell main the
		 * tunnel is gone so the session becomes resumable. */
		struct ipc_tunnel_closed tc = { .conn_id = rp.conn_id,
						.session_id = rp.session_id,
						.reason = IPC_CLOSE_LOST };
		uint8_t out[IPC_MAX_MSG];

		if (rp.result == IPC_TUNNEL_OK)
			worker_send(w, IPC_TUNNEL_CLOSED, out,
				    ipc_enc_tunnel_closed(&tc, out, sizeof(out)));
		return;
	}
	if (rp.result == IPC_TUNNEL_BAD_COOKIE) {
		c->close_after_flush = 1;
		send_raw(c, "HTTP/1.1 401 Cookie is not acceptable\r\nContent-Length: 0\r\n"
			    "Connection: close\r\n" COMMON_HEADERS "\r\n", NULL);
		return;
	}
	if (rp.result != IPC_TUNNEL_OK) {
		snprintf(extra, sizeof(extra), "X-Reason: %s\r\n", rp.reason);
		wauth_send_status(c, 503, extra);
		return;
	}
	tunnel_start(c, &rp);
}

void wauth_on_profile_rep(struct worker *w, const uint8_t *buf, size_t len)
{
	struct ipc_profile_rep rp;

	if (ipc_dec_profile_rep(&rp, buf, len) < 0)
		fatalx("worker %u: bad PROFILE_REP from main", w->id);
	struct conn *c = worker_conn_by_id(w, rp.conn_id);

	if (!c || c->state != CS_WAIT_MAIN)
		return;
	c->state = CS_HTTP;
	const struct wcfg_profile *p = wcfg_profile(&w->wc, c->want_profile);

	if (!rp.ok || !p) {
		bad_request(c, 404, "profile not offered to the cookie's session");
		return;
	}
	uint32_t id = c->id;

	profile_send(c, p);
	if (worker_conn_by_id(w, id))
		wauth_process_buffer(c);
}
