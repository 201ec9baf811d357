/* Encode/decode pairs for every IPC payload.  Each message's fields are
 * listed once (IPCF_<name> in ipcfields.def): its struct (ipc.h), encoder
 * and decoder are generated from that list, so they cannot drift apart.
 * The messages with a tail (IPC_BODY_TAIL in msgs.def) code it by hand
 * below, after their list. */
#include "config.h"

#include <string.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/ipc.h"

#define ENC_U8(f) wbuf_put_u8(&w, m->f);
#define ENC_U16(f) wbuf_put_u16(&w, m->f);
#define ENC_U32(f) wbuf_put_u32(&w, m->f);
#define ENC_U64(f) wbuf_put_u64(&w, m->f);
#define ENC_STR(f) wbuf_put_str(&w, m->f);
#define DEC_U8(f) rbuf_get_u8(&r, &m->f);
#define DEC_U16(f) rbuf_get_u16(&r, &m->f);
#define DEC_U32(f) rbuf_get_u32(&r, &m->f);
#define DEC_U64(f) rbuf_get_u64(&r, &m->f);
#define DEC_STR(f) rbuf_get_str(&r, m->f, sizeof(m->f));
/* BLOB: u16 length + bytes, length field named <f>_len, bounded by the
 * array. */
#define ENC_BLOB(f) \
	wbuf_put_u16(&w, m->f##_len); \
	if (m->f##_len > sizeof(m->f)) w.err = 1; \
	else wbuf_put_bytes(&w, m->f, m->f##_len);
#define DEC_BLOB(f) \
	if (rbuf_get_u16(&r, &m->f##_len) == 0 && m->f##_len > sizeof(m->f)) \
		r.err = 1; \
	else rbuf_get_bytes(&r, m->f, m->f##_len);
#define ENC(kind, f, n) ENC_##kind(f)
#define DEC(kind, f, n) DEC_##kind(f)

#define CODEC(name, st, FIELDS)                                              \
	int ipc_enc_##name(const struct st *m, uint8_t *buf, size_t cap)     \
	{                                                                    \
		struct wbuf w;                                               \
		wbuf_init(&w, buf, cap);                                     \
		FIELDS(ENC)                                                  \
		return wbuf_ok(&w) ? -1 : (int)w.len;                        \
	}                                                                    \
	int ipc_dec_##name(struct st *m, const uint8_t *buf, size_t len)     \
	{                                                                    \
		struct rbuf r;                                               \
		memset(m, 0, sizeof(*m));                                    \
		rbuf_init(&r, buf, len);                                     \
		FIELDS(DEC)                                                  \
		return rbuf_done(&r);                                        \
	}

/* Every IPC_BODY_LIST message: its codec from its list alone. */
#define CODEC_IPC_BODY_LIST(low) CODEC(low, ipc_##low, IPCF_##low)
#define CODEC_IPC_BODY_TAIL(low)
#define IPCMSG(name, low, dir, max, fd, body, st, fl, h) CODEC_##body(low)
#include "sslvpnd/msgs.def"
#undef IPCMSG

/* SECMOD_USERS: the fixed part from its field list, then u16 count and
 * name + hash per user. */

int ipc_enc_secmod_users(const struct ipc_secmod_users *m, uint8_t *buf, size_t cap)
{
	struct wbuf w;

	wbuf_init(&w, buf, cap);
	IPCF_secmod_users(ENC)
	if (m->n_users > IPC_SECMOD_USERS_MAX)
		return -1;
	wbuf_put_u16(&w, m->n_users);
	for (uint16_t i = 0; i < m->n_users; i++) {
		wbuf_put_str(&w, m->u[i].name);
		wbuf_put_str(&w, m->u[i].hash);
	}
	return wbuf_ok(&w) ? -1 : (int)w.len;
}

int ipc_dec_secmod_users(struct ipc_secmod_users *m, const uint8_t *buf, size_t len)
{
	struct rbuf r;

	memset(m, 0, sizeof(*m));
	rbuf_init(&r, buf, len);
	IPCF_secmod_users(DEC)
	if (rbuf_get_u16(&r, &m->n_users) || m->n_users > IPC_SECMOD_USERS_MAX)
		return -1;
	for (uint16_t i = 0; i < m->n_users; i++) {
		rbuf_get_str(&r, m->u[i].name, sizeof(m->u[i].name));
		rbuf_get_str(&r, m->u[i].hash, sizeof(m->u[i].hash));
	}
	return rbuf_done(&r);
}

/* TUNNEL_REP carries counted arrays, so its variable part is hand-written;
 * the fixed part still comes from the field list. */
static void enc_u32_array(struct wbuf *w, const uint32_t *v, uint8_t n)
{
	wbuf_put_u8(w, n);
	for (uint8_t i = 0; i < n; i++)
		wbuf_put_u32(w, v[i]);
}

static void dec_u32_array(struct rbuf *r, uint32_t *v, uint8_t *n, uint8_t max)
{
	if (rbuf_get_u8(r, n) || *n > max) {
		r->err = 1;
		return;
	}
	for (uint8_t i = 0; i < *n; i++)
		rbuf_get_u32(r, &v[i]);
}

/* An ACL address: family, prefix length, then 0, 4 or 16 address bytes
 * by family (IPv4 entries stay small: about 30 bytes an entry). */
static size_t addr_len(uint8_t af)
{
	return af == ACL_AF_4 ? 4 : af == ACL_AF_6 ? 16 : 0;
}

static void enc_acl_addr(struct wbuf *w, const struct acl_addr *a)
{
	wbuf_put_u8(w, a->af);
	wbuf_put_u8(w, a->plen);
	wbuf_put_bytes(w, a->a, addr_len(a->af));
}

static void dec_acl_addr(struct rbuf *r, struct acl_addr *a)
{
	rbuf_get_u8(r, &a->af);
	rbuf_get_u8(r, &a->plen);
	if (a->af != ACL_AF_ANY && a->af != ACL_AF_4 && a->af != ACL_AF_6) {
		r->err = 1;
		return;
	}
	rbuf_get_bytes(r, a->a, addr_len(a->af));
}

static void enc_acl_port(struct wbuf *w, const struct acl_port *p)
{
	wbuf_put_u8(w, p->op);
	wbuf_put_u16(w, p->lo);
	wbuf_put_u16(w, p->hi);
}

static void dec_acl_port(struct rbuf *r, struct acl_port *p)
{
	rbuf_get_u8(r, &p->op);
	rbuf_get_u16(r, &p->lo);
	rbuf_get_u16(r, &p->hi);
}

/* The vpn-filter entries: u16 count, then per entry list u16, permit u8,
 * proto u16 (0xffff = ip), source, destination, source and destination
 * ports, config line u32.  More than IPC_FILTER_ENTRIES fails the encode
 * (main refuses such a filter before: sessions.c). */
static void enc_filter(struct wbuf *w, const struct ipc_tunnel_rep *m)
{
	if (m->n_filter_e > IPC_FILTER_ENTRIES) {
		w->err = 1;
		return;
	}
	wbuf_put_u16(w, m->n_filter_e);
	for (uint16_t i = 0; i < m->n_filter_e; i++) {
		const struct aclfilter_entry *x = &m->filter_e[i];

		wbuf_put_u16(w, x->list);
		wbuf_put_u8(w, x->e.permit);
		wbuf_put_u16(w, (uint16_t)x->e.proto);
		enc_acl_addr(w, &x->e.src);
		enc_acl_addr(w, &x->e.dst);
		enc_acl_port(w, &x->e.sport);
		enc_acl_port(w, &x->e.dport);
		wbuf_put_u32(w, (uint32_t)(x->e.line < 0 ? 0 : x->e.line));
	}
}

static int dec_filter(struct rbuf *r, struct ipc_tunnel_rep *m)
{
	if (rbuf_get_u16(r, &m->n_filter_e) || m->n_filter_e > IPC_FILTER_ENTRIES)
		return -1;
	for (uint16_t i = 0; i < m->n_filter_e && !r->err; i++) {
		struct aclfilter_entry *x = &m->filter_e[i];
		uint16_t proto;
		uint32_t line;

		rbuf_get_u16(r, &x->list);
		rbuf_get_u8(r, &x->e.permit);
		rbuf_get_u16(r, &proto);
		x->e.proto = proto == 0xffff ? ACL_PROTO_IP : (int16_t)proto;
		if ((proto > 255 && proto != 0xffff) || x->e.permit > 1)
			r->err = 1;
		dec_acl_addr(r, &x->e.src);
		dec_acl_addr(r, &x->e.dst);
		dec_acl_port(r, &x->e.sport);
		dec_acl_port(r, &x->e.dport);
		rbuf_get_u32(r, &line);
		x->e.line = line > 0x7fffffff ? 0 : (int)line;
	}
	return r->err ? -1 : 0;
}

int ipc_enc_tunnel_rep(const struct ipc_tunnel_rep *m, uint8_t *buf, size_t cap)
{
	struct wbuf w;

	wbuf_init(&w, buf, cap);
	IPCF_tunnel_rep(ENC)
	enc_u32_array(&w, m->dns, m->n_dns > IPC_MAX_DNS ? IPC_MAX_DNS : m->n_dns);
	enc_u32_array(&w, m->nbns, m->n_nbns > IPC_MAX_DNS ? IPC_MAX_DNS : m->n_nbns);
	uint16_t ns = m->n_split > IPC_MAX_ROUTES ? IPC_MAX_ROUTES : m->n_split;

	wbuf_put_u16(&w, ns);
	for (uint16_t i = 0; i < ns; i++) {
		wbuf_put_u32(&w, m->split[i].addr);
		wbuf_put_u32(&w, m->split[i].mask);
	}
	ns = m->n_split6 > IPC_MAX_ROUTES ? IPC_MAX_ROUTES : m->n_split6;
	wbuf_put_u16(&w, ns);
	for (uint16_t i = 0; i < ns; i++) {
		wbuf_put_bytes(&w, m->split6[i].addr, sizeof(m->split6[i].addr));
		wbuf_put_u8(&w, m->split6[i].plen);
	}
	wbuf_put_str(&w, m->split_dns);
	wbuf_put_str(&w, m->filter);
	wbuf_put_u8(&w, m->filter_flags);
	wbuf_put_u8(&w, m->plen6 > 128 ? 0 : m->plen6);
	if (m->plen6 && m->plen6 <= 128)
		wbuf_put_bytes(&w, m->addr6, sizeof(m->addr6));
	wbuf_put_u16(&w, m->dpd_client);
	enc_filter(&w, m);
	return wbuf_ok(&w) ? -1 : (int)w.len;
}

int ipc_dec_tunnel_rep(struct ipc_tunnel_rep *m, const uint8_t *buf, size_t len)
{
	struct rbuf r;

	memset(m, 0, sizeof(*m));
	rbuf_init(&r, buf, len);
	IPCF_tunnel_rep(DEC)
	dec_u32_array(&r, m->dns, &m->n_dns, IPC_MAX_DNS);
	dec_u32_array(&r, m->nbns, &m->n_nbns, IPC_MAX_DNS);
	if (rbuf_get_u16(&r, &m->n_split) || m->n_split > IPC_MAX_ROUTES)
		return -1;
	for (uint16_t i = 0; i < m->n_split; i++) {
		rbuf_get_u32(&r, &m->split[i].addr);
		rbuf_get_u32(&r, &m->split[i].mask);
	}
	if (rbuf_get_u16(&r, &m->n_split6) || m->n_split6 > IPC_MAX_ROUTES)
		return -1;
	for (uint16_t i = 0; i < m->n_split6; i++) {
		rbuf_get_bytes(&r, m->split6[i].addr, sizeof(m->split6[i].addr));
		if (rbuf_get_u8(&r, &m->split6[i].plen) || m->split6[i].plen > 128)
			return -1;
	}
	rbuf_get_str(&r, m->split_dns, sizeof(m->split_dns));
	rbuf_get_str(&r, m->filter, sizeof(m->filter));
	rbuf_get_u8(&r, &m->filter_flags);
	if (rbuf_get_u8(&r, &m->plen6) || m->plen6 > 128)
		return -1;
	if (m->plen6)
		rbuf_get_bytes(&r, m->addr6, sizeof(m->addr6));
	rbuf_get_u16(&r, &m->dpd_client);
	if (dec_filter(&r, m) < 0)
		return -1;
	return rbuf_done(&r);
}

/* ipc_codecs: each codec behind the one signature. */
#define ANY_CODEC(name, low, dir, max, fd, body, st, fl, h)                             \
	static int any_enc_##low(const void *m, uint8_t *buf, size_t cap)    \
	{                                                                    \
		return ipc_enc_##low(m, buf, cap);                           \
	}                                                                    \
	static int any_dec_##low(void *m, const uint8_t *buf, size_t len)    \
	{                                                                    \
		return ipc_dec_##low(m, buf, len);                           \
	}
#define IPCMSG ANY_CODEC
#include "sslvpnd/msgs.def"
#undef IPCMSG

const struct ipc_codec ipc_codecs[IPC__COUNT] = {
#define IPCMSG(name, low, dir, max, fd, body, st, fl, h)                                \
	[IPC_##name] = { sizeof(struct ipc_##low), any_enc_##low, any_dec_##low },
#include "sslvpnd/msgs.def"
#undef IPCMSG
};
