/* The worker's configuration as WCFG_* messages: see include/sslvpnd/wcfg.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/util.h"
#include "sslvpnd/wcfg.h"

/* ---- encoding */

struct out {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void out_put(struct out *o, const void *p, size_t n)
{
	if (o->err)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 65536;
		uint8_t *q;

		while (cap < o->len + n)
			cap *= 2;
		/* the old buffer may hold a key: never left behind by realloc */
		q = malloc(cap);
		if (!q) {
			o->err = 1;
			return;
		}
		if (o->p) {
			memcpy(q, o->p, o->len);
			explicit_bzero(o->p, o->len);
			free(o->p);
		}
		o->p = q;
		o->cap = cap;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

/* One message: encoded by its generated codec, framed, appended. */
static void rec(struct out *o, enum ipc_type type, const void *msg)
{
	static uint8_t buf[IPC_MAX_MSG];
	uint8_t hdr[IPC_HDR_LEN];
	int n = ipc_codecs[type].enc(msg, buf, sizeof(buf));

	if (n < 0 || (size_t)n > ipc_msgs[type].max_len) {
		o->err = 1;
		return;
	}
	ipc_frame_hdr(hdr, type, (uint32_t)n);
	out_put(o, hdr, sizeof(hdr));
	out_put(o, buf, (size_t)n);
	explicit_bzero(buf, (size_t)n);
}

static void enc_general(struct out *o, const struct wcfg *c)
{
	static struct ipc_wcfg_general g;
	const struct cfg_limits *l = &c->limits;
	const struct tls_material *t = &c->tls;

	memset(&g, 0, sizeof(g));
	g.log_format = (uint8_t)c->logging.format;
	g.log_to_syslog = (uint8_t)c->logging.to_syslog;
	g.log_facility = (uint32_t)c->logging.facility;
	g.log_debug = (uint8_t)c->logging.debug;
	g.log_debug_events = c->logging.trap >= LOG_DEBUG || c->logging.buffered >= LOG_DEBUG;
	util_strlcpy(g.user, c->user, sizeof(g.user));
	util_strlcpy(g.group, c->group, sizeof(g.group));
	util_strlcpy(g.sandbox_root, c->sandbox_root, sizeof(g.sandbox_root));
	g.lim_max_header_bytes = (uint32_t)l->max_header_bytes;
	g.lim_max_body_bytes = (uint32_t)l->max_body_bytes;
	g.lim_xml_max_bytes = (uint32_t)l->xml_max_bytes;
	g.lim_xml_max_depth = (uint32_t)l->xml_max_depth;
	g.lim_xml_max_elements = (uint32_t)l->xml_max_elements;
	g.lim_handshake_timeout = (uint32_t)l->handshake_timeout;
	g.lim_request_timeout = (uint32_t)l->request_timeout;
	g.lim_max_preauth_per_source = (uint32_t)l->max_preauth_per_source;
	g.lim_max_preauth_total = (uint32_t)l->max_preauth_total;
	g.lim_max_sessions = (uint32_t)l->max_sessions;
	g.tunnel_group_list = (uint8_t)c->tunnel_group_list;
	util_strlcpy(g.server_version, t->server_version, sizeof(g.server_version));
	util_strlcpy(g.cipher_tlsv1, t->cipher[CFG_TLSV1], sizeof(g.cipher_tlsv1));
	util_strlcpy(g.cipher_tlsv1_1, t->cipher[CFG_TLSV1_1], sizeof(g.cipher_tlsv1_1));
	util_strlcpy(g.cipher_tlsv1_2, t->cipher[CFG_TLSV1_2], sizeof(g.cipher_tlsv1_2));
	util_strlcpy(g.cipher_dtlsv1, t->cipher[CFG_DTLSV1], sizeof(g.cipher_dtlsv1));
	util_strlcpy(g.cipher_dtlsv1_2, t->cipher[CFG_DTLSV1_2], sizeof(g.cipher_dtlsv1_2));
	util_strlcpy(g.hsts, c->hsts, sizeof(g.hsts));
	util_strlcpy(g.cipher_tlsv1_3, t->cipher[CFG_TLSV1_3], sizeof(g.cipher_tlsv1_3));
	g.tls_session_timeout = (uint32_t)c->tls_session_timeout;
	g.ticket_lifetime = t->ticket_lifetime;
	rec(o, IPC_WCFG_GENERAL, &g);
}

static void enc_name(struct out *o, enum wcfg_name_kind kind, const char *name)
{
	struct ipc_wcfg_name n = { .kind = (uint8_t)kind };

	if (strlen(name) >= sizeof(n.name))
		o->err = 1;
	util_strlcpy(n.name, name, sizeof(n.name));
	rec(o, IPC_WCFG_NAME, &n);
}

/* A DER object in pieces of at most WCFG_DER_PIECE bytes. */
static void enc_der(struct out *o, enum wcfg_der_kind kind, uint8_t flags,
		    const char *name, const struct tls_blob *b)
{
	static struct ipc_wcfg_der d;
	size_t off = 0;

	do {
		size_t n = b->n - off > WCFG_DER_PIECE ? WCFG_DER_PIECE : b->n - off;

		memset(&d, 0, sizeof(d));
		d.kind = (uint8_t)kind;
		d.flags = flags;
		d.more = off + n < b->n;
		util_strlcpy(d.name, name, sizeof(d.name));
		if (n)
			memcpy(d.data, b->p + off, n);
		d.data_len = (uint16_t)n;
		rec(o, IPC_WCFG_DER, &d);
		off += n;
	} while (off < b->n);
}

/* An identity: its certificate, then the chain.  Never its key: the worker
 * gets keyprov_pkey (secmod does the private operations). */
static void enc_id(struct out *o, const struct tls_mat_id *id)
{
	enc_der(o, WCFG_DER_ID, 0, id->trustpoint, &id->cert);
	for (size_t i = 0; i < id->n_chain; i++)
		enc_der(o, WCFG_DER_CHAIN, 0, "", &id->chain[i]);
}

static void join_domains(char *out, size_t cap, const struct cfg_name_list *l, int *err)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		int w = snprintf(out + off, cap - off, "%s%s", i ? " " : "", l->v[i]);

		if (w < 0 || (size_t)w >= cap - off) {
			*err = 1;
			return;
		}
		off += (size_t)w;
	}
}

static void enc_iface(struct out *o, const struct tls_mat_iface *f)
{
	static struct ipc_wcfg_ctx x;

	for (size_t c = 0; c < f->n_ctx; c++) {
		const struct tls_mat_ctx *ctx = &f->ctx[c];

		memset(&x, 0, sizeof(x));
		x.sni = c > 0;
		util_strlcpy(x.ifname, f->name, sizeof(x.ifname));
		x.dtls_port = f->dtls_port;
		util_strlcpy(x.trustpoint, ctx->trustpoint, sizeof(x.trustpoint));
		join_domains(x.domains, sizeof(x.domains), &ctx->domains, &o->err);
		rec(o, IPC_WCFG_CTX, &x);
		for (size_t i = 0; i < ctx->n_ids; i++)
			enc_id(o, &ctx->ids[i]);
	}
}

int wcfg_encode(const struct wcfg *c, uint8_t **outp, size_t *len)
{
	struct out o = { 0 };
	const struct tls_material *t = &c->tls;

	enc_general(&o, c);
	for (size_t i = 0; i < c->n_paths; i++)
		enc_name(&o, WCFG_NAME_PATH, c->paths[i]);
	for (size_t i = 0; i < c->n_aliases; i++)
		enc_name(&o, WCFG_NAME_ALIAS, c->aliases[i]);
	for (size_t i = 0; i < t->n_cas; i++)
		enc_der(&o, WCFG_DER_CA, t->cas[i].flags, t->cas[i].name, &t->cas[i].der);
	for (size_t i = 0; i < t->n_crls; i++)
		enc_der(&o, WCFG_DER_CRL, 0, "", &t->crls[i]);
	for (size_t i = 0; i < t->n_ifaces; i++)
		enc_iface(&o, &t->ifaces[i]);
	for (size_t i = 0; i < c->n_profiles; i++)
		enc_der(&o, WCFG_DER_PROFILE, 0, c->profiles[i].name, &c->profiles[i].data);
	if (o.err) {
		if (o.p)
			explicit_bzero(o.p, o.len);
		free(o.p);
		return -1;
	}
	*outp = o.p;
	*len = o.len;
	return 0;
}

/* ---- decoding */

int wcfg_on_general(struct wcfg *c, const uint8_t *buf, size_t len)
{
	static struct ipc_wcfg_general g;
	struct cfg_limits *l = &c->limits;
	struct tls_material *t = &c->tls;

	if (ipc_dec_wcfg_general(&g, buf, len) < 0)
		return -1;
	c->logging.format = (enum log_format)g.log_format;
	c->logging.to_syslog = g.log_to_syslog;
	c->logging.facility = (int)g.log_facility;
	c->logging.debug = g.log_debug;
	if (g.log_debug_events) /* all the worker needs of the sinks' levels */
		c->logging.trap = LOG_DEBUG;
	util_strlcpy(c->user, g.user, sizeof(c->user));
	util_strlcpy(c->group, g.group, sizeof(c->group));
	util_strlcpy(c->sandbox_root, g.sandbox_root, sizeof(c->sandbox_root));
	l->max_header_bytes = (int)g.lim_max_header_bytes;
	l->max_body_bytes = (int)g.lim_max_body_bytes;
	l->xml_max_bytes = (int)g.lim_xml_max_bytes;
	l->xml_max_depth = (int)g.lim_xml_max_depth;
	l->xml_max_elements = (int)g.lim_xml_max_elements;
	l->handshake_timeout = (int)g.lim_handshake_timeout;
	l->request_timeout = (int)g.lim_request_timeout;
	l->max_preauth_per_source = (int)g.lim_max_preauth_per_source;
	l->max_preauth_total = (int)g.lim_max_preauth_total;
	l->max_sessions = (int)g.lim_max_sessions;
	c->tunnel_group_list = g.tunnel_group_list;
	util_strlcpy(t->server_version, g.server_version, sizeof(t->server_version));
	util_strlcpy(t->cipher[CFG_TLSV1], g.cipher_tlsv1, CFG_CIPHERS_MAX);
	util_strlcpy(t->cipher[CFG_TLSV1_1], g.cipher_tlsv1_1, CFG_CIPHERS_MAX);
	util_strlcpy(t->cipher[CFG_TLSV1_2], g.cipher_tlsv1_2, CFG_CIPHERS_MAX);
	util_strlcpy(t->cipher[CFG_DTLSV1], g.cipher_dtlsv1, CFG_CIPHERS_MAX);
	util_strlcpy(t->cipher[CFG_DTLSV1_2], g.cipher_dtlsv1_2, CFG_CIPHERS_MAX);
	util_strlcpy(c->hsts, g.hsts, sizeof(c->hsts));
	util_strlcpy(t->cipher[CFG_TLSV1_3], g.cipher_tlsv1_3, CFG_CIPHERS_MAX);
	c->tls_session_timeout = (int)g.tls_session_timeout;
	t->ticket_lifetime = g.ticket_lifetime;
	c->has_general = 1;
	return 0;
}

/* Append s to an array of strings of width bytes each. */
static int push_str(void **arr, size_t *n, size_t width, const char *s)
{
	char *p;

	if (strlen(s) >= width)
		return -1;
	p = realloc(*arr, (*n + 1) * width);
	if (!p)
		return -1;
	*arr = p;
	util_strlcpy(p + (*n)++ * width, s, width);
	return 0;
}

int wcfg_on_name(struct wcfg *c, const uint8_t *buf, size_t len)
{
	struct ipc_wcfg_name n;

	if (ipc_dec_wcfg_name(&n, buf, len) < 0)
		return -1;
	if (n.kind == WCFG_NAME_ALIAS)
		return push_str((void **)&c->aliases, &c->n_aliases, CFG_NAME_MAX, n.name);
	if (n.kind == WCFG_NAME_PATH)
		return push_str((void **)&c->paths, &c->n_paths, CFG_URL_MAX, n.name);
	return -1;
}

static int split_domains(struct cfg_name_list *l, const char *s)
{
	char copy[CFG_LIST_MAX * CFG_NAME_MAX], *save = NULL;

	util_strlcpy(copy, s, sizeof(copy));
	l->n = 0;
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (l->n >= CFG_LIST_MAX || strlen(tok) >= CFG_NAME_MAX)
			return -1;
		util_strlcpy(l->v[l->n++], tok, CFG_NAME_MAX);
	}
	return 0;
}

int wcfg_on_ctx(struct wcfg *c, const uint8_t *buf, size_t len)
{
	static struct ipc_wcfg_ctx x;
	struct tls_material *t = &c->tls;
	struct tls_mat_iface *f;
	struct tls_mat_ctx *ctx;

	if (ipc_dec_wcfg_ctx(&x, buf, len) < 0 || c->der_open)
		return -1;
	if (!x.sni) {
		f = tls_mat_add_iface(t);
		if (!f)
			return -1;
		util_strlcpy(f->name, x.ifname, sizeof(f->name));
		f->dtls_port = x.dtls_port;
	} else if (t->n_ifaces == 0) {
		return -1;
	} else {
		f = &t->ifaces[t->n_ifaces - 1];
	}
	ctx = tls_mat_add_ctx(f);
	if (!ctx)
		return -1;
	util_strlcpy(ctx->trustpoint, x.trustpoint, sizeof(ctx->trustpoint));
	c->last_id = NULL;
	return split_domains(&ctx->domains, x.domains);
}

static struct tls_mat_ctx *last_ctx(struct wcfg *c)
{
	struct tls_material *t = &c->tls;
	struct tls_mat_iface *f = t->n_ifaces ? &t->ifaces[t->n_ifaces - 1] : NULL;

	return f && f->n_ctx ? &f->ctx[f->n_ctx - 1] : NULL;
}

static struct tls_blob *add_profile(struct wcfg *c, const char *name)
{
	struct wcfg_profile *p = realloc(c->profiles, (c->n_profiles + 1) * sizeof(*p));

	if (!p)
		return NULL;
	c->profiles = p;
	p = &c->profiles[c->n_profiles++];
	memset(p, 0, sizeof(*p));
	util_strlcpy(p->name, name, sizeof(p->name));
	return &p->data;
}

const struct wcfg_profile *wcfg_profile(const struct wcfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	return NULL;
}

/* Where a new DER object of d's kind goes; NULL when it fits nowhere. */
static struct tls_blob *der_target(struct wcfg *c, const struct ipc_wcfg_der *d)
{
	struct tls_mat_ctx *ctx = last_ctx(c);
	struct tls_mat_ca *ca;

	switch (d->kind) {
	case WCFG_DER_ID:
		if (!ctx || ctx->n_ids >= sizeof(ctx->ids) / sizeof(ctx->ids[0]))
			return NULL;
		c->last_id = &ctx->ids[ctx->n_ids++];
		util_strlcpy(c->last_id->trustpoint, d->name, sizeof(c->last_id->trustpoint));
		return &c->last_id->cert;
	case WCFG_DER_CHAIN:
		return c->last_id ? tls_mat_add_chain(c->last_id) : NULL;
	case WCFG_DER_CA:
		ca = tls_mat_add_ca(&c->tls);
		if (!ca)
			return NULL;
		util_strlcpy(ca->name, d->name, sizeof(ca->name));
		ca->flags = d->flags;
		return &ca->der;
	case WCFG_DER_CRL:
		return tls_mat_add_crl(&c->tls);
	case WCFG_DER_PROFILE:
		return add_profile(c, d->name);
	}
	return NULL;
}

int wcfg_on_der(struct wcfg *c, const uint8_t *buf, size_t len)
{
	static struct ipc_wcfg_der d;

	if (ipc_dec_wcfg_der(&d, buf, len) < 0)
		return -1;
	if (c->der_open && d.kind != c->der_kind)
		return -1;
	if (!c->der_open && !(c->der_into = der_target(c, &d)))
		return -1;
	if (tls_blob_append(c->der_into, d.data, d.data_len) < 0)
		return -1;
	c->der_open = d.more != 0;
	c->der_kind = d.kind;
	return 0;
}

int wcfg_complete(const struct wcfg *c)
{
	return c->has_general && c->tls.n_ifaces > 0 && !c->der_open ? 0 : -1;
}

int wcfg_path_known(const struct wcfg *c, const char *path)
{
	if (!path)
		return 0;
	if (util_path_eq(path, "/"))
		return 1;
	for (size_t i = 0; i < c->n_paths; i++)
		if (util_path_eq(c->paths[i], path))
			return 1;
	return 0;
}

void wcfg_free(struct wcfg *c)
{
	tls_material_free(&c->tls);
	for (size_t i = 0; i < c->n_profiles; i++)
		free(c->profiles[i].data.p);
	free(c->profiles);
	free(c->paths);
	free(c->aliases);
	memset(c, 0, sizeof(*c));
}
