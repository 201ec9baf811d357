/* Tunnel compression in the worker: which algorithm each channel uses,
 * the CONNECT reply's headers, and the packet hooks of tunnel.c.  The
 * algorithms themselves are src/common/compress.c. */
#include "config.h"

#include "sslvpnd/buf.h"
#include "sslvpnd/cstp.h"
#include "sslvpnd/http.h"
#include "sslvpnd/log.h"
#include "worker.h"

/* One worker runs one packet at a time: one buffer each way. */
static uint8_t unpack_buf[CSTP_MAX_PAYLOAD], pack_buf[CSTP_MAX_PAYLOAD];

static const char *alg_text(enum comp_alg a)
{
	const char *w = comp_wire_name(a);

	return w ? w : "none";
}

static enum comp_alg pick(struct comp_ctx *ctx, enum comp_alg want, const char *accept,
			  int dtls)
{
	enum comp_alg a = comp_choose(want, accept, dtls);

	/* Out of memory for deflate's streams: no compression, the tunnel
	 * still works. */
	if (comp_start(ctx, a) < 0)
		return COMP_NONE;
	return a;
}

void wcomp_offer(struct conn *c, const struct http_request *req,
		 const struct ipc_tunnel_rep *rp, struct wbuf *b)
{
	struct tunnel_state *t = &c->t;
	enum comp_alg want_tls = comp_by_name(rp->ssl_compression);
	enum comp_alg want_dtls = comp_by_name(rp->dtls_compression);
	const char *acc_tls = req ? http_header_get(req, "X-CSTP-Accept-Encoding") : NULL;
	const char *acc_dtls = req ? http_header_get(req, "X-DTLS-Accept-Encoding") : NULL;
	enum comp_alg tls, dtls = COMP_NONE;

	tls = pick(&t->comp_tls, want_tls, acc_tls, 0);
	if (t->dtls.mode != DTLS_MODE_NONE)
		dtls = pick(&t->comp_dtls, want_dtls, acc_dtls, 1);
	if (tls != COMP_NONE)
		wbuf_printf(b, "X-CSTP-Content-Encoding: %s\r\n", comp_wire_name(tls));
	if (dtls != COMP_NONE)
		wbuf_printf(b, "X-DTLS-Content-Encoding: %s\r\n", comp_wire_name(dtls));
	if (want_tls != COMP_NONE || want_dtls != COMP_NONE)
		log_event(LM_COMPRESSION, t->group_policy, t->user, c->meta.peer, alg_text(tls),
			  alg_text(dtls), acc_tls ? acc_tls : "nothing");
}

const uint8_t *wcomp_pack(struct conn *c, int dtls, const uint8_t *p, size_t *len)
{
	struct tunnel_state *t = &c->t;
	struct comp_ctx *ctx = dtls ? &t->comp_dtls : &t->comp_tls;
	int n;

	if (ctx->alg == COMP_NONE || (dtls && !(t->dtls.est && t->dtls.active)))
		return NULL;
	n = comp_pack(ctx, p, *len, pack_buf, sizeof(pack_buf));
	if (n <= 0)
		return NULL;
	*len = (size_t)n;
	return pack_buf;
}

void wcomp_unsent(struct conn *c)
{
	comp_unsend(&c->t.comp_tls);
}

const uint8_t *wcomp_unpack(struct conn *c, int dtls, const uint8_t *p, uint16_t *len)
{
	struct tunnel_state *t = &c->t;
	struct comp_ctx *ctx = dtls ? &t->comp_dtls : &t->comp_tls;
	size_t cap = t->mtu < sizeof(unpack_buf) ? t->mtu : sizeof(unpack_buf);
	const char *why;
	int n;

	if (ctx->alg == COMP_NONE) {
		t->drops++;     /* never negotiated: as any unknown packet */
		return NULL;
	}
	n = comp_unpack(ctx, p, *len, unpack_buf, cap, &why);
	if (n < 0) {
		log_event(LM_COMPRESS_BAD, t->group_policy, t->user, c->meta.peer,
			  dtls ? "DTLS" : "TLS", why);
		t->comp_failed = 1;
		t->close_reason = IPC_CLOSE_PROTOCOL;
		return NULL;
	}
	*len = (uint16_t)n;
	return unpack_buf;
}

void wcomp_end(struct conn *c)
{
	comp_end(&c->t.comp_tls);
	comp_end(&c->t.comp_dtls);
}
