/* vpn-filter: access lists compiled for the per-packet check (see
 * include/sslvpnd/aclfilter.h for the ASA semantics and their sources).
 *
 * Compiled form: flat arrays per address family and protocol class (tcp,
 * udp, icmp/icmp6, everything), in evaluation order, holding only the
 * entries that can match there, with masks and pre-masked addresses, the
 * protocol, and each port operator normalised to a range [lo, lo + span]
 * (plus "not" for neq and for empty ranges such as "lt 0").  The check
 * parses the IP header once into a key (swapping the roles for traffic
 * towards the client) and walks one array (about one well-predicted branch
 * per entry that does not match); the first matching entry decides.  Pure: no I/O, no allocation
 * after compile.  The worker links this file alone (src/common); finding the
 * lists in a configuration is main's (src/policy/aclgather.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/aclfilter.h"

enum {
	LISTS_MAX = ACLF_LISTS_MAX,
	PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMP6 = 58,
	IP6_HBH = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_DSTOPTS = 60,
};

/* Rule flags. */
enum {
	R_PERMIT = 1,
	R_L4 = 2,         /* has a port operator: not checkable on a
			   * non-initial fragment */
};

/* What both families match besides the addresses.  Every test is an exact
 * compare, evaluated without branches once the addresses matched:
 *   protocol  (proto & pmask) == proto   (pmask 0 for "ip")
 *   port      (uint16_t)(port - lo) <= span, inverted by not */
struct match {
	uint16_t sp_lo, sp_span, dp_lo, dp_span;
	uint8_t proto, pmask;
	uint8_t snot, dnot;
	uint8_t flags;
	uint16_t meta;    /* index into aclfilter.meta */
};

struct rule4 {
	uint32_t src, smask, dst, dmask;  /* network order, pre-masked */
	struct match m;
};

struct rule6 {
	uint64_t src[2], smask[2], dst[2], dmask[2];  /* memory order */
	struct match m;
};

/* Entries are also kept per protocol class, in evaluation order: a UDP
 * packet walks only the entries for udp and ip.  PC_OTHER holds every
 * entry of the family (with the protocol compared). */
enum { PC_TCP, PC_UDP, PC_ICMP, PC_OTHER, PC_N };

struct meta {
	uint16_t list;   /* index into names */
	int line;
};

struct aclfilter {
	int pass_all;
	struct rule4 *r4[PC_N];
	struct rule6 *r6[PC_N];
	size_t n4[PC_N], n6[PC_N];
	struct meta *meta;
	size_t n_meta;
	size_t n_lists;
	const char *list[LISTS_MAX];   /* into names_buf */
	char names_buf[ACLF_NAMES_MAX];
};

/* The packet as the rules see it: "src" is the client side.  For traffic
 * towards the client the packet's destination is the client side, so the
 * parse stores it swapped. */
struct key {
	int af;
	int frag;         /* a non-initial fragment: no ports */
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t src4, dst4;
	uint64_t src6[2], dst6[2];
};

static unsigned pclass(int af, uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP: return PC_TCP;
	case PROTO_UDP: return PC_UDP;
	case PROTO_ICMP: return af == 4 ? PC_ICMP : PC_OTHER;
	case PROTO_ICMP6: return af == 6 ? PC_ICMP : PC_OTHER;
	default: return PC_OTHER;
	}
}

/* ---- compile */

static void port_norm(const struct acl_port *p, uint16_t *lo, uint16_t *span,
		      uint8_t *not)
{
	*lo = 0;
	*span = 65535;
	*not = 0;
	switch (p->op) {
	case ACL_OP_EQ:
	case ACL_OP_NEQ:
		*lo = p->lo;
		*span = 0;
		*not = p->op == ACL_OP_NEQ;
		break;
	case ACL_OP_LT:   /* lt 0 matches nothing: "not any" */
		if (p->lo == 0)
			*not = 1;
		else
			*span = (uint16_t)(p->lo - 1);
		break;
	case ACL_OP_GT:   /* gt 65535 matches nothing */
		if (p->lo == 65535) {
			*not = 1;
		} else {
			*lo = (uint16_t)(p->lo + 1);
			*span = (uint16_t)(65535 - *lo);
		}
		break;
	case ACL_OP_RANGE:
		*lo = p->lo;
		*span = (uint16_t)(p->hi - p->lo);
		break;
	default:
		break;
	}
}

static void match_of(const struct acl_entry *e, uint16_t meta, struct match *m)
{
	memset(m, 0, sizeof(*m));
	port_norm(&e->sport, &m->sp_lo, &m->sp_span, &m->snot);
	port_norm(&e->dport, &m->dp_lo, &m->dp_span, &m->dnot);
	m->pmask = e->proto == ACL_PROTO_IP ? 0 : 0xff;
	m->proto = (uint8_t)(e->proto & m->pmask);
	if (e->permit)
		m->flags |= R_PERMIT;
	if (e->sport.op != ACL_OP_NONE || e->dport.op != ACL_OP_NONE)
		m->flags |= R_L4;
	m->meta = meta;
}

static void addr4(const struct acl_addr *a, uint32_t *addr, uint32_t *mask)
{
	uint32_t m = a->af == ACL_AF_4 && a->plen ? htonl(0xffffffffu << (32 - a->plen)) : 0;
	uint32_t v;

	memcpy(&v, a->a, 4);
	*mask = m;
	*addr = v & m;
}

static void addr6(const struct acl_addr *a, uint64_t addr[2], uint64_t mask[2])
{
	uint8_t m[16] = { 0 }, v[16];
	int plen = a->af == ACL_AF_6 ? a->plen : 0;

	for (int i = 0; i < 16; i++) {
		int keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;

		m[i] = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
		v[i] = a->a[i] & m[i];
	}
	memcpy(mask, m, 16);
	memcpy(addr, v, 16);
}

/* Can an entry with this match fall in protocol class c of family af? */
static int in_class(unsigned c, int af, const struct match *m)
{
	if (c == PC_OTHER || m->pmask == 0)
		return 1;
	return pclass(af, m->proto) == c;
}

/* Places one entry in every array it belongs to; with count set, only
 * counts (the first of the two passes that size the arrays exactly). */
static void add_entry(struct aclfilter *f, const struct acl_entry *e, uint16_t list,
		      int count)
{
	int v4 = e->src.af != ACL_AF_6 && e->dst.af != ACL_AF_6;
	int v6 = e->src.af != ACL_AF_4 && e->dst.af != ACL_AF_4;
	struct rule4 r4;
	struct rule6 r6;

	match_of(e, (uint16_t)f->n_meta, &r4.m);
	if (!count)
		f->meta[f->n_meta] = (struct meta){ .list = list, .line = e->line };
	f->n_meta++;
	r6.m = r4.m;
	addr4(&e->src, &r4.src, &r4.smask);
	addr4(&e->dst, &r4.dst, &r4.dmask);
	addr6(&e->src, r6.src, r6.smask);
	addr6(&e->dst, r6.dst, r6.dmask);
	for (unsigned c = 0; c < PC_N; c++) {
		if (v4 && in_class(c, 4, &r4.m)) {
			if (!count)
				f->r4[c][f->n4[c]] = r4;
			f->n4[c]++;
		}
		if (v6 && in_class(c, 6, &r6.m)) {
			if (!count)
				f->r6[c][f->n6[c]] = r6;
			f->n6[c]++;
		}
	}
}

/* Every entry in evaluation order: pass 0 takes every entry (or only the
 * denies with deny-first), pass 1 the permits with deny-first. */
static void add_all(struct aclfilter *f, const struct aclfilter_entry *e, size_t n,
		    int deny_first, int count)
{
	for (int pass = 0; pass <= deny_first; pass++)
		for (size_t i = 0; i < n; i++) {
			if (e[i].e.remark)
				continue;
			if (deny_first && (pass == 0) != !e[i].e.permit)
				continue;
			add_entry(f, &e[i].e, e[i].list, count);
		}
}

/* Splits names into f->list (pointers into f->names_buf); no lookup. */
static int split_names(struct aclfilter *f, const char *names, char *err, size_t errlen)
{
	char *save = NULL, *tok;

	if (strlen(names) >= sizeof(f->names_buf)) {
		snprintf(err, errlen, "the list of access lists is too long");
		return -1;
	}
	memcpy(f->names_buf, names, strlen(names) + 1);
	for (tok = strtok_r(f->names_buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (f->n_lists == LISTS_MAX) {
			snprintf(err, errlen, "more than %d access lists", LISTS_MAX);
			return -1;
		}
		f->list[f->n_lists++] = tok;
	}
	return 0;
}

static int addr_ok(const struct acl_addr *a)
{
	switch (a->af) {
	case ACL_AF_ANY: return a->plen == 0;
	case ACL_AF_4: return a->plen <= 32;
	case ACL_AF_6: return a->plen <= 128;
	default: return 0;
	}
}

static int port_ok(const struct acl_port *p)
{
	return p->op <= ACL_OP_RANGE && (p->op != ACL_OP_RANGE || p->lo <= p->hi);
}

/* Entries may come from another process: nothing out of range reaches the
 * compiler (a range with lo > hi would wrap its span). */
static int entry_ok(const struct aclfilter_entry *x, size_t n_lists)
{
	return x->list < n_lists && addr_ok(&x->e.src) && addr_ok(&x->e.dst) &&
	       x->e.proto >= ACL_PROTO_IP && x->e.proto <= 255 &&
	       port_ok(&x->e.sport) && port_ok(&x->e.dport);
}

/* Sizes every array from a counting pass, then zeroes the counts for the
 * filling pass.  One spare element each: calloc(0) may return NULL. */
static int allocate(struct aclfilter *f, const struct aclfilter_entry *e, size_t n,
		    int deny_first)
{
	add_all(f, e, n, deny_first, 1);
	for (unsigned c = 0; c < PC_N; c++) {
		f->r4[c] = calloc(f->n4[c] + 1, sizeof(*f->r4[c]));
		f->r6[c] = calloc(f->n6[c] + 1, sizeof(*f->r6[c]));
		if (!f->r4[c] || !f->r6[c])
			return -1;
		f->n4[c] = f->n6[c] = 0;
	}
	f->meta = calloc(f->n_meta + 1, sizeof(*f->meta));
	f->n_meta = 0;
	return f->meta ? 0 : -1;
}

struct aclfilter *aclfilter_build(const char *names, const struct aclfilter_entry *e,
				  size_t n, unsigned flags, char *err, size_t errlen)
{
	struct aclfilter *f = calloc(1, sizeof(*f));
	int deny_first = (flags & ACLF_DENY_FIRST) != 0;

	if (errlen)
		err[0] = '\0';
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (split_names(f, names ? names : "", err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (!entry_ok(&e[i], f->n_lists)) {
			snprintf(err, errlen, "entry %zu of %zu is malformed", i + 1, n);
			goto fail;
		}
	f->pass_all = f->n_lists == 0;
	if (allocate(f, e, n, deny_first) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	add_all(f, e, n, deny_first, 0);
	return f;
fail:
	aclfilter_free(f);
	return NULL;
}


void aclfilter_free(struct aclfilter *f)
{
	if (!f)
		return;
	for (unsigned c = 0; c < PC_N; c++) {
		free(f->r4[c]);
		free(f->r6[c]);
	}
	free(f->meta);
	free(f);
}

size_t aclfilter_size(const struct aclfilter *f)
{
	return f ? f->n4[PC_OTHER] + f->n6[PC_OTHER] : 0;
}

/* ---- packet parsing */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ports (TCP/UDP) and the minimal header of the protocols we look into;
 * nothing to check in a non-initial fragment. */
static int parse_l4(const uint8_t *p, size_t len, struct key *k)
{
	size_t need;

	k->sport = k->dport = 0;
	if (k->frag)
		return 0;
	switch (k->proto) {
	case PROTO_TCP:   need = 20; break;
	case PROTO_UDP:   need = 8; break;
	case PROTO_ICMP:  need = 8; break;
	case PROTO_ICMP6: need = 4; break;
	default:          return 0;
	}
	if (len < need)
		return -1;
	if (k->proto == PROTO_TCP || k->proto == PROTO_UDP) {
		k->sport = rd16(p);
		k->dport = rd16(p + 2);
	}
	return 0;
}

static int parse4(const uint8_t *p, size_t len, struct key *k)
{
	size_t hl, tot;
	uint16_t fo;

	if (len < 20)
		return -1;
	hl = (size_t)(p[0] & 15) * 4;
	tot = rd16(p + 2);
	if (hl < 20 || tot < hl || tot > len)
		return -1;
	fo = rd16(p + 6) & 0x1fff;
	k->af = 4;
	k->proto = p[9];
	k->frag = fo != 0;
	/* RFC 1858: a TCP fragment at offset 8 bytes can only be an attempt
	 * to overwrite the flags of the first one. */
	if (fo == 1 && k->proto == PROTO_TCP)
		return -1;
	memcpy(&k->src4, p + 12, 4);
	memcpy(&k->dst4, p + 16, 4);
	return parse_l4(p + hl, tot - hl, k);
}

/* Walks the extension headers that may precede the upper layer; anything
 * else (AH and ESP included) is the protocol the entries see. */
static int parse6_ext(const uint8_t *p, size_t len, struct key *k, size_t *off)
{
	uint8_t nh = p[6];

	for (int i = 0;; i++) {
		size_t hl;

		if (nh != IP6_HBH && nh != IP6_ROUTING && nh != IP6_DSTOPTS &&
		    nh != IP6_FRAGMENT)
			break;
		if (i == ACLF_EXT_MAX || *off + 8 > len)
			return -1;
		if (nh == IP6_FRAGMENT) {
			uint16_t fo = rd16(p + *off + 2) >> 3;

			nh = p[*off];
			*off += 8;
			if (fo == 1 && nh == PROTO_TCP)
				return -1;
			if (fo) {   /* the rest is payload, not headers */
				k->frag = 1;
				break;
			}
			continue;
		}
		hl = ((size_t)p[*off + 1] + 1) * 8;
		if (*off + hl > len)
			return -1;
		nh = p[*off];
		*off += hl;
	}
	k->proto = nh;
	return 0;
}

static int parse6(const uint8_t *p, size_t len, struct key *k)
{
	size_t off = 40;

	if (len < 40)
		return -1;
	if ((size_t)rd16(p + 4) + 40 > len)
		return -1;
	len = (size_t)rd16(p + 4) + 40;
	k->af = 6;
	k->frag = 0;
	memcpy(k->src6, p + 8, 16);
	memcpy(k->dst6, p + 24, 16);
	if (parse6_ext(p, len, k, &off) < 0)
		return -1;
	return parse_l4(p + off, len - off, k);
}

static void key_swap(struct key *k)
{
	uint16_t port = k->sport;

	k->sport = k->dport;
	k->dport = port;
	if (k->af == 4) {
		uint32_t a = k->src4;

		k->src4 = k->dst4;
		k->dst4 = a;
	} else {
		uint64_t b[2];

		memcpy(b, k->src6, 16);
		memcpy(k->src6, k->dst6, 16);
		memcpy(k->dst6, b, 16);
	}
}

static int parse(const uint8_t *p, size_t len, enum aclfilter_dir dir, struct key *k)
{
	int r;

	if (len < 1)
		return -1;
	switch (p[0] >> 4) {
	case 4: r = parse4(p, len, k); break;
	case 6: r = parse6(p, len, k); break;
	default: return -1;
	}
	if (r == 0 && dir == ACLF_DOWN)
		key_swap(k);
	return r;
}

/* ---- matching */

/* The destination (the protected network) first: it tells most entries
 * apart, so the walk costs about one well-predicted branch per entry that
 * does not match (measured: bench/acl, short-circuit 0.4 ns per entry,
 * all-bitwise 1.8 ns). */
static inline int addr4_ok(const struct rule4 *r, const struct key *k)
{
	return (k->dst4 & r->dmask) == r->dst && (k->src4 & r->smask) == r->src;
}

static inline int addr6_ok(const struct rule6 *r, const struct key *k)
{
	return (k->dst6[0] & r->dmask[0]) == r->dst[0] &&
	       (((k->dst6[1] & r->dmask[1]) == r->dst[1]) &
		((k->src6[0] & r->smask[0]) == r->src[0]) &
		((k->src6[1] & r->smask[1]) == r->src[1]));
}

static inline unsigned rest_ok(const struct match *m, const struct key *k)
{
	return ((k->proto & m->pmask) == m->proto) &
	       (((uint16_t)(k->sport - m->sp_lo) <= m->sp_span) ^ m->snot) &
	       (((uint16_t)(k->dport - m->dp_lo) <= m->dp_span) ^ m->dnot);
}

/* A non-initial fragment against an entry: the protocol must match; an
 * entry with ports decides only when it permits (see the header). */
static inline unsigned frag_ok(const struct match *m, const struct key *k)
{
	return ((k->proto & m->pmask) == m->proto) &
	       ((m->flags & (R_L4 | R_PERMIT)) != R_L4);
}

/* The first matching entry's match part, NULL for none. */
static const struct match *first4(const struct aclfilter *f, const struct key *k)
{
	unsigned c = pclass(4, k->proto);
	const struct rule4 *r = f->r4[c], *end = r + f->n4[c];

	if (k->frag) {
		for (; r < end; r++)
			if (addr4_ok(r, k) && frag_ok(&r->m, k))
				return &r->m;
		return NULL;
	}
	for (; r < end; r++)
		if (addr4_ok(r, k) && rest_ok(&r->m, k))
			return &r->m;
	return NULL;
}

static const struct match *first6(const struct aclfilter *f, const struct key *k)
{
	unsigned c = pclass(6, k->proto);
	const struct rule6 *r = f->r6[c], *end = r + f->n6[c];

	for (; r < end; r++)
		if (addr6_ok(r, k) && (k->frag ? frag_ok(&r->m, k) : rest_ok(&r->m, k)))
			return &r->m;
	return NULL;
}

enum aclfilter_verdict aclfilter_check(const struct aclfilter *f,
				       const uint8_t *pkt, size_t len,
				       enum aclfilter_dir dir)
{
	const struct match *m;
	struct key k;

	if (f->pass_all)
		return ACLF_PERMIT;
	if (parse(pkt, len, dir, &k) < 0)
		return ACLF_MALFORMED;
	m = k.af == 4 ? first4(f, &k) : first6(f, &k);
	return m && (m->flags & R_PERMIT) ? ACLF_PERMIT : ACLF_DENY;
}

void aclfilter_explain(const struct aclfilter *f, const uint8_t *pkt, size_t len,
		       enum aclfilter_dir dir, struct aclfilter_info *out)
{
	const struct match *m;
	struct key k;

	memset(out, 0, sizeof(*out));
	out->acl = f->n_lists ? f->list[0] : "";
	out->verdict = aclfilter_check(f, pkt, len, dir);
	if (f->pass_all || parse(pkt, len, ACLF_UP, &k) < 0)
		return;
	out->af = k.af;
	out->proto = k.proto;
	out->sport = k.sport;
	out->dport = k.dport;
	if (k.af == 4) {
		memcpy(out->src, &k.src4, 4);
		memcpy(out->dst, &k.dst4, 4);
	} else {
		memcpy(out->src, k.src6, 16);
		memcpy(out->dst, k.dst6, 16);
	}
	if (dir == ACLF_DOWN)
		key_swap(&k);
	m = k.af == 4 ? first4(f, &k) : first6(f, &k);
	out->implicit = m == NULL;
	if (m) {
		out->acl = f->list[f->meta[m->meta].list];
		out->line = f->meta[m->meta].line;
	}
}

size_t aclfilter_lists(const struct aclfilter *f)
{
	return f->n_lists;
}

const char *aclfilter_list(const struct aclfilter *f, size_t i)
{
	return i < f->n_lists ? f->list[i] : "";
}
