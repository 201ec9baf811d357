/* RADIUS packets: building requests, checking and decoding replies (pure;
 * see include/sslvpnd/radius.h).  RFC 2865 (access), 2866 (accounting),
 * 2869/3579 (Message-Authenticator), 5176 (Disconnect / CoA). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sslvpnd/radius.h"
#include "sslvpnd/util.h"

enum { MD5_LEN = 16, MA_ATTR_LEN = 18, PW_MAX = 128 };

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t get16(const uint8_t *p)
{
	return ((size_t)p[0] << 8) | p[1];
}

/* MD5 of up to three pieces (the RADIUS authenticators). */
static int md5_3(const void *a, size_t al, const void *b, size_t bl, const void *c, size_t cl,
		 uint8_t out[MD5_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
		 EVP_DigestUpdate(ctx, a, al) && (!bl || EVP_DigestUpdate(ctx, b, bl)) &&
		 (!cl || EVP_DigestUpdate(ctx, c, cl)) && EVP_DigestFinal_ex(ctx, out, &n);

	EVP_MD_CTX_free(ctx);
	return ok && n == MD5_LEN ? 0 : -1;
}

static int hmac_md5(const char *secret, const uint8_t *data, size_t len, uint8_t out[MD5_LEN])
{
	size_t n = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, secret, strlen(secret), data, len, out,
		       MD5_LEN, &n))
		return -1;
	return n == MD5_LEN ? 0 : -1;
}

void radius_init(struct radius_pkt *p, uint8_t code, uint8_t id, const uint8_t *auth)
{
	memset(p->b, 0, RADIUS_HDR);
	p->b[0] = code;
	p->b[1] = id;
	if (auth)
		memcpy(p->b + 4, auth, RADIUS_AUTH_LEN);
	p->len = RADIUS_HDR;
	put16(p->b + 2, p->len);
}

int radius_add(struct radius_pkt *p, uint8_t type, const void *v, size_t len)
{
	if (len > 253 || p->len + 2 + len > RADIUS_MAX)
		return -1;
	p->b[p->len] = type;
	p->b[p->len + 1] = (uint8_t)(len + 2);
	if (len)
		memcpy(p->b + p->len + 2, v, len);
	p->len += 2 + len;
	put16(p->b + 2, p->len);
	return 0;
}

int radius_add_str(struct radius_pkt *p, uint8_t type, const char *s)
{
	size_t n = strlen(s);

	return n ? radius_add(p, type, s, n) : 0;  /* an empty string is no attribute */
}

int radius_add_u32(struct radius_pkt *p, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return radius_add(p, type, b, sizeof(b));
}

int radius_add_octets(struct radius_pkt *p, uint8_t low, uint8_t giga, uint64_t v)
{
	if (radius_add_u32(p, low, (uint32_t)v) < 0)
		return -1;
	return v >> 32 ? radius_add_u32(p, giga, (uint32_t)(v >> 32)) : 0;
}

/* RFC 2865 5.2: the password padded to 16-byte blocks, each XORed with
 * MD5(secret + previous block), the first with the Request Authenticator. */
int radius_add_password(struct radius_pkt *p, const char *pw, const char *secret)
{
	size_t n = strlen(pw), padded = n ? (n + 15) / 16 * 16 : 16;
	uint8_t out[PW_MAX], h[MD5_LEN];
	const uint8_t *prev = p->b + 4;
	int rc = 0;

	if (n > PW_MAX)
		return -1;
	memset(out, 0, sizeof(out));
	memcpy(out, pw, n);
	for (size_t i = 0; i < padded && rc == 0; i += 16) {
		rc = md5_3(secret, strlen(secret), prev, 16, NULL, 0, h);
		for (size_t k = 0; k < 16; k++)
			out[i + k] ^= h[k];
		prev = out + i;
	}
	if (rc == 0)
		rc = radius_add(p, RA_USER_PASSWORD, out, padded);
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

static int computed_authenticator(uint8_t code)
{
	return code == RADIUS_ACCOUNTING_REQUEST || code == RADIUS_DISCONNECT_REQUEST ||
	       code == RADIUS_COA_REQUEST;
}

int radius_finish(struct radius_pkt *p, const char *secret, int ma)
{
	uint8_t zero[MD5_LEN] = { 0 }, mac[MD5_LEN];
	int computed = computed_authenticator(p->b[0]);
	size_t at = p->len;

	if (p->b[0] == RADIUS_ACCESS_REQUEST)
		ma = 1;
	if (computed)
		memset(p->b + 4, 0, RADIUS_AUTH_LEN);  /* RFC 5176 3.3: MA over a zero authenticator */
	if (ma) {
		if (radius_add(p, RA_MESSAGE_AUTHENTICATOR, zero, sizeof(zero)) < 0 ||
		    hmac_md5(secret, p->b, p->len, mac) < 0)
			return -1;
		memcpy(p->b + at + 2, mac, MD5_LEN);
	}
	if (computed &&
	    md5_3(p->b, p->len, secret, strlen(secret), NULL, 0, mac) < 0)
		return -1;
	if (computed)
		memcpy(p->b + 4, mac, MD5_LEN);
	return 0;
}

int radius_finish_response(struct radius_pkt *p, const uint8_t *req, const char *secret)
{
	uint8_t zero[MD5_LEN] = { 0 }, mac[MD5_LEN];
	size_t at = p->len;

	memcpy(p->b + 4, req + 4, RADIUS_AUTH_LEN);
	if (radius_add(p, RA_MESSAGE_AUTHENTICATOR, zero, sizeof(zero)) < 0 ||
	    hmac_md5(secret, p->b, p->len, mac) < 0)
		return -1;
	memcpy(p->b + at + 2, mac, MD5_LEN);
	if (md5_3(p->b, p->len, secret, strlen(secret), NULL, 0, mac) < 0)
		return -1;
	memcpy(p->b + 4, mac, MD5_LEN);
	return 0;
}

int radius_well_formed(const uint8_t *buf, size_t len, const char **why)
{
	size_t n, off;

	if (len < RADIUS_HDR) {
		*why = "shorter than a RADIUS header";
		return -1;
	}
	n = get16(buf + 2);
	if (n < RADIUS_HDR || n > RADIUS_MAX || n > len) {
		*why = "length field does not match the datagram";
		return -1;
	}
	for (off = RADIUS_HDR; off < n; off += buf[off + 1]) {
		if (off + 2 > n || buf[off + 1] < 2 || off + buf[off + 1] > n) {
			*why = "malformed attribute";
			return -1;
		}
	}
	return 0;
}

int radius_attr_next(const uint8_t *buf, size_t len, size_t *off, uint8_t *type,
		     const uint8_t **v, size_t *vlen)
{
	size_t n = get16(buf + 2) < len ? get16(buf + 2) : len;

	if (*off + 2 > n || buf[*off + 1] < 2 || *off + buf[*off + 1] > n)
		return 0;
	*type = buf[*off];
	*v = buf + *off + 2;
	*vlen = buf[*off + 1] - 2u;
	*off += buf[*off + 1];
	return 1;
}

/* The offset of the one Message-Authenticator (0 when none, -1 when
 * several or of the wrong length). */
static long ma_offset(const uint8_t *buf, size_t len)
{
	size_t off = RADIUS_HDR, vlen;
	const uint8_t *v;
	uint8_t type;
	long at = 0;

	while (radius_attr_next(buf, len, &off, &type, &v, &vlen)) {
		if (type != RA_MESSAGE_AUTHENTICATOR)
			continue;
		if (at || vlen != MD5_LEN)
			return -1;
		at = (long)(v - buf);
	}
	return at;
}

/* HMAC-MD5 of the packet with its authenticator field replaced by auth
 * (the request's, for a reply) and the Message-Authenticator zeroed. */
static int ma_check(const uint8_t *buf, size_t n, long at, const uint8_t *auth,
		    const char *secret)
{
	uint8_t copy[RADIUS_MAX], mac[MD5_LEN];

	memcpy(copy, buf, n);
	if (auth)
		memcpy(copy + 4, auth, RADIUS_AUTH_LEN);
	memset(copy + at, 0, MD5_LEN);
	if (hmac_md5(secret, copy, n, mac) < 0)
		return -1;
	return CRYPTO_memcmp(mac, buf + at, MD5_LEN) == 0 ? 0 : -1;
}

static int reply_code_ok(uint8_t req, uint8_t rep)
{
	switch (req) {
	case RADIUS_ACCESS_REQUEST:
		return rep == RADIUS_ACCESS_ACCEPT || rep == RADIUS_ACCESS_REJECT ||
		       rep == RADIUS_ACCESS_CHALLENGE;
	case RADIUS_ACCOUNTING_REQUEST:
		return rep == RADIUS_ACCOUNTING_RESPONSE;
	default:
		return 0;
	}
}

/* Response Authenticator: MD5(code id length RequestAuth attributes secret) */
static int response_auth(const uint8_t *buf, size_t n, const uint8_t *req_auth,
			 const char *secret, uint8_t h[MD5_LEN])
{
	uint8_t copy[RADIUS_MAX];

	memcpy(copy, buf, n);
	memcpy(copy + 4, req_auth, RADIUS_AUTH_LEN);
	return md5_3(copy, n, secret, strlen(secret), NULL, 0, h);
}

int radius_check_reply(const uint8_t *buf, size_t len, const struct radius_pkt *req,
		       const char *secret, int need_ma, const char **why)
{
	uint8_t h[MD5_LEN];
	size_t n;
	long at;

	if (radius_well_formed(buf, len, why) < 0)
		return -1;
	n = get16(buf + 2);
	if (buf[1] != req->b[1]) {
		*why = "identifier matches no request";
		return -1;
	}
	if (!reply_code_ok(req->b[0], buf[0])) {
		*why = "unexpected code for the request";
		return -1;
	}
	if (response_auth(buf, n, req->b + 4, secret, h) < 0) {
		*why = "MD5 unavailable";
		return -1;
	}
	if (CRYPTO_memcmp(h, buf + 4, MD5_LEN) != 0) {
		*why = "bad Response Authenticator (wrong key, or a forged reply)";
		return -1;
	}
	at = ma_offset(buf, n);
	if (at < 0) {
		*why = "malformed Message-Authenticator";
		return -1;
	}
	if (!at && need_ma) {
		*why = "no Message-Authenticator (required on every reply)";
		return -1;
	}
	if (at && ma_check(buf, n, at, req->b + 4, secret) < 0) {
		*why = "bad Message-Authenticator (wrong key, or a forged reply)";
		return -1;
	}
	return 0;
}

int radius_check_request(const uint8_t *buf, size_t len, const char *secret, const char **why)
{
	static const uint8_t zero[RADIUS_AUTH_LEN];
	uint8_t h[MD5_LEN], copy[RADIUS_MAX];
	size_t n;
	long at;

	if (radius_well_formed(buf, len, why) < 0)
		return -1;
	n = get16(buf + 2);
	if (!computed_authenticator(buf[0])) {
		*why = "not a Disconnect-Request or CoA-Request";
		return -1;
	}
	memcpy(copy, buf, n);
	memset(copy + 4, 0, RADIUS_AUTH_LEN);
	if (md5_3(copy, n, secret, strlen(secret), NULL, 0, h) < 0) {
		*why = "MD5 unavailable";
		return -1;
	}
	if (CRYPTO_memcmp(h, buf + 4, MD5_LEN) != 0) {
		*why = "bad Request Authenticator (wrong key, or a forged request)";
		return -1;
	}
	at = ma_offset(buf, n);
	if (at < 0 || (at && ma_check(buf, n, at, zero, secret) < 0)) {
		*why = "bad Message-Authenticator";
		return -1;
	}
	return 0;
}

/* ---- decoding a reply */

static uint32_t u32_of(const uint8_t *v)
{
	return ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) | ((uint32_t)v[2] << 8) | v[3];
}

/* The ASA's convention: Class "OU=GroupPolicyName;" (the ";" optional). */
static void class_group_policy(const uint8_t *v, size_t n, char *out, size_t cap)
{
	size_t k;

	if (n < 4 || strncasecmp((const char *)v, "OU=", 3) != 0)
		return;
	for (k = 3; k < n && v[k] != ';' && v[k] != '\0'; k++)
		;
	if (k - 3 >= cap || k == 3)
		return;
	memcpy(out, v + 3, k - 3);
	out[k - 3] = '\0';
}

static void text_append(char *dst, size_t cap, const char *sep, const uint8_t *v, size_t n)
{
	size_t at = strlen(dst);

	if (at && at + strlen(sep) < cap) {
		memcpy(dst + at, sep, strlen(sep) + 1);
		at += strlen(sep);
	}
	for (size_t i = 0; i < n && at + 1 < cap; i++)
		dst[at++] = v[i] >= 0x20 && v[i] != 0x7f ? (char)v[i] : '?';
	dst[at] = '\0';
}

/* Cisco-AVPair "ip:inacl#N=ACE": one filter entry per pair. */
static void cisco_avpair(struct radius_reply *r, const uint8_t *v, size_t n)
{
	static const char inacl[] = "ip:inacl#";
	const uint8_t *eq;

	if (n < 6 || u32_of(v) != RADIUS_VENDOR_CISCO || v[4] != RADIUS_CISCO_AVPAIR ||
	    v[5] < 2 || (size_t)v[5] + 4 > n)
		return;
	n = v[5] - 2u;
	v += 6;
	if (n <= sizeof(inacl) - 1 || memcmp(v, inacl, sizeof(inacl) - 1) != 0)
		return;
	eq = memchr(v, '=', n);
	if (!eq || eq + 1 >= v + n)
		return;
	if (r->filter[0] && !r->filter_is_aces)
		r->filter[0] = '\0';  /* downloaded entries win over a Filter-Id */
	r->filter_is_aces = 1;
	text_append(r->filter, sizeof(r->filter), "", eq + 1, (size_t)(v + n - eq - 1));
	if (strlen(r->filter) + 1 < sizeof(r->filter))
		strcat(r->filter, "\n");
}

/* "aaa.radius.N=VALUE" for DAP, as the ASA names them: text attributes as
 * text, integers and addresses as numbers; the secrets and the State are
 * left out. */
static void dap_attr(struct radius_reply *r, uint8_t type, const uint8_t *v, size_t n)
{
	char line[300], val[260];
	struct in_addr a;

	switch (type) {
	case RA_USER_PASSWORD: case RA_STATE: case RA_MESSAGE_AUTHENTICATOR:
	case RA_VENDOR_SPECIFIC:
		return;
	case RA_FRAMED_IP_ADDRESS: case RA_NAS_IP_ADDRESS:
		if (n != 4)
			return;
		memcpy(&a, v, 4);
		inet_ntop(AF_INET, &a, val, sizeof(val));
		break;
	case RA_SERVICE_TYPE: case RA_SESSION_TIMEOUT: case RA_IDLE_TIMEOUT:
		if (n != 4)
			return;
		snprintf(val, sizeof(val), "%u", u32_of(v));
		break;
	default:
		val[0] = '\0';
		text_append(val, sizeof(val), "", v, n);
		break;
	}
	snprintf(line, sizeof(line), "aaa.radius.%u=%s\n", type, val);
	if (strlen(r->attrs) + strlen(line) < sizeof(r->attrs))
		strcat(r->attrs, line);
}

static int decode_one(struct radius_reply *r, uint8_t type, const uint8_t *v, size_t n,
		      const char **why)
{
	switch (type) {
	case RA_FRAMED_IP_ADDRESS: case RA_SESSION_TIMEOUT: case RA_IDLE_TIMEOUT:
		if (n != 4) {
			*why = "integer or address attribute of the wrong length";
			return -1;
		}
		if (type == RA_FRAMED_IP_ADDRESS)
			memcpy(&r->framed_ip, v, 4);
		else if (type == RA_SESSION_TIMEOUT)
			r->session_timeout = u32_of(v);
		else
			r->idle_timeout = u32_of(v);
		break;
	case RA_CLASS:
		if (!r->class_[0]) {
			text_append(r->class_, sizeof(r->class_), "", v, n);
			class_group_policy(v, n, r->group_policy, sizeof(r->group_policy));
		}
		break;
	case RA_FILTER_ID:
		if (!r->filter_is_aces) {
			r->filter[0] = '\0';
			text_append(r->filter, sizeof(r->filter), "", v, n);
		}
		break;
	case RA_REPLY_MESSAGE:
		text_append(r->reply_message, sizeof(r->reply_message), " ", v, n);
		break;
	case RA_STATE:
		memcpy(r->state, v, n);
		r->state_len = n;
		break;
	case RA_VENDOR_SPECIFIC:
		cisco_avpair(r, v, n);
		break;
	default:
		break;
	}
	dap_attr(r, type, v, n);
	return 0;
}

int radius_decode_reply(const uint8_t *buf, size_t len, struct radius_reply *r,
			const char **why)
{
	size_t off = RADIUS_HDR, vlen;
	const uint8_t *v;
	uint8_t type;

	memset(r, 0, sizeof(*r));
	if (radius_well_formed(buf, len, why) < 0)
		return -1;
	while (radius_attr_next(buf, len, &off, &type, &v, &vlen))
		if (decode_one(r, type, v, vlen, why) < 0)
			return -1;
	return 0;
}
