/* Unit tests: the worker's configuration (include/sslvpnd/wcfg.h) survives
 * encode -> framed WCFG_* messages -> ipc_admit + the per-message decoders,
 * whole: settings, names, interfaces with SNI contexts, identities (never
 * their keys) and chains, CA certificates, CRLs (one larger than a message: pieces).
 * Records that do not fit the order, or a cut buffer, are refused. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/util.h"
#include "sslvpnd/wcfg.h"

static void blob(struct tls_blob *b, size_t n, unsigned seed)
{
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
	ck_assert_int_eq(tls_blob_set(b, p, n), 0);
	free(p);
}

static void add_id(struct tls_mat_ctx *c, const char *tp, size_t cert, size_t chain, unsigned seed)
{
	struct tls_mat_id *id = &c->ids[c->n_ids++];

	util_strlcpy(id->trustpoint, tp, sizeof(id->trustpoint));
	blob(&id->key, 1200, seed + 1);
	blob(&id->cert, cert, seed);
	for (size_t i = 0; i < chain; i++)
		blob(tls_mat_add_chain(id), 900 + i, seed + 2 + (unsigned)i);
}

static void sample(struct wcfg *w)
{
	struct tls_material *t = &w->tls;
	struct tls_mat_iface *f;
	struct tls_mat_ctx *c;
	static char paths[2][CFG_URL_MAX] = { "/phone", "/staff" };
	static char aliases[3][CFG_NAME_MAX] = { "Phones", "Staff", "Lab" };

	memset(w, 0, sizeof(*w));
	w->logging = (struct cfg_logging){ .format = 1, .to_syslog = 1, .facility = 160, .debug = 7,
					  .trap = 7 };
	w->limits = (struct cfg_limits){ 16384, 262144, 65536, 32, 2000, 10, 30, 20, 1000, 5000 };
	util_strlcpy(w->user, "sslvpnd", sizeof(w->user));
	util_strlcpy(w->group, "sslvpnd", sizeof(w->group));
	util_strlcpy(w->sandbox_root, "/var/lib/sslvpnd/empty", sizeof(w->sandbox_root));
	w->tunnel_group_list = 1;
	w->paths = malloc(sizeof(paths));
	w->aliases = malloc(sizeof(aliases));
	memcpy(w->paths, paths, sizeof(paths));
	memcpy(w->aliases, aliases, sizeof(aliases));
	w->n_paths = 2;
	w->n_aliases = 3;
	util_strlcpy(w->hsts, "max-age=31536000; includeSubDomains", sizeof(w->hsts));
	/* S7 profiles: a small one and one of two pieces */
	w->profiles = calloc(2, sizeof(*w->profiles));
	w->n_profiles = 2;
	util_strlcpy(w->profiles[0].name, "MGMT", sizeof(w->profiles[0].name));
	blob(&w->profiles[0].data, 300, 70);
	util_strlcpy(w->profiles[1].name, "Big", sizeof(w->profiles[1].name));
	blob(&w->profiles[1].data, WCFG_DER_PIECE + 9, 71);
	util_strlcpy(t->server_version, "tlsv1.1", sizeof(t->server_version));
	for (int v = 0; v < CFG_SSLVER__COUNT; v++)
		snprintf(t->cipher[v], CFG_CIPHERS_MAX, "LIST-%d:AES128-SHA", v);
	for (unsigned i = 0; i < 3; i++) {
		struct tls_mat_ca *ca = tls_mat_add_ca(t);

		snprintf(ca->name, sizeof(ca->name), "CA%u", i);
		ca->flags = (uint8_t)i;
		blob(&ca->der, 700 + i, 40 + i);
	}
	blob(tls_mat_add_crl(t), 100, 60);
	blob(tls_mat_add_crl(t), 3 * WCFG_DER_PIECE + 5, 61); /* four pieces */
	f = tls_mat_add_iface(t);
	util_strlcpy(f->name, "outside", sizeof(f->name));
	f->dtls_port = 443;
	c = tls_mat_add_ctx(f);
	add_id(c, "", 800, 0, 1);
	add_id(c, "RSA", WCFG_DER_PIECE + 1, 2, 5);     /* a leaf in two pieces */
	c = tls_mat_add_ctx(f);
	util_strlcpy(c->trustpoint, "SNI", sizeof(c->trustpoint));
	c->domains.n = 2;
	util_strlcpy(c->domains.v[0], "vpn.example.com", CFG_NAME_MAX);
	util_strlcpy(c->domains.v[1], "*.lab.example.com", CFG_NAME_MAX);
	add_id(c, "SNI", 640, 1, 9);
	f = tls_mat_add_iface(t);
	util_strlcpy(f->name, "inside", sizeof(f->name));
	f->dtls_port = 8443;
	add_id(tls_mat_add_ctx(f), "", 500, 0, 20);
}

/* What the worker does with WORKER_CONFIG's content: admit, then the
 * decoder of the row.  0, or -1 at the first refusal. */
static int apply(struct wcfg *w, const uint8_t *buf, size_t len)
{
	static int (*const dec[IPC__COUNT])(struct wcfg *, const uint8_t *, size_t) = {
		[IPC_WCFG_GENERAL] = wcfg_on_general, [IPC_WCFG_NAME] = wcfg_on_name,
		[IPC_WCFG_CTX] = wcfg_on_ctx, [IPC_WCFG_DER] = wcfg_on_der,
	};
	ipc_seen_t seen = (ipc_seen_t)1 << IPC_WORKER_CONFIG;
	const uint8_t *p;
	struct ipc_hdr h;
	struct rbuf r;
	int rc;

	rbuf_init(&r, buf, len);
	while ((rc = ipc_frame_next(&r, IPC_M2W, &h, &p)) == 1) {
		if (ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, seen, h.type) != IPC_ADMIT ||
		    !dec[h.type] || dec[h.type](w, p, h.len) < 0)
			return -1;
		ipc_seen_note(ipc_msgs, &seen, h.type);
	}
	return rc < 0 ? -1 : wcfg_complete(w);
}

static void blob_eq(const struct tls_blob *a, const struct tls_blob *b)
{
	ck_assert_uint_eq(a->n, b->n);
	ck_assert(a->n == 0 || !memcmp(a->p, b->p, a->n));
}

static void id_eq(const struct tls_mat_id *a, const struct tls_mat_id *b)
{
	ck_assert_str_eq(a->trustpoint, b->trustpoint);
	blob_eq(&a->cert, &b->cert);
	/* the material main gathers has the key: the encoding never does */
	ck_assert_uint_gt(a->key.n, 0);
	ck_assert_uint_eq(b->key.n, 0);
	ck_assert_uint_eq(a->n_chain, b->n_chain);
	for (size_t i = 0; i < a->n_chain; i++)
		blob_eq(&a->chain[i], &b->chain[i]);
}

static void material_eq(const struct tls_material *a, const struct tls_material *b)
{
	ck_assert_str_eq(a->server_version, b->server_version);
	for (int v = 0; v < CFG_SSLVER__COUNT; v++)
		ck_assert_str_eq(a->cipher[v], b->cipher[v]);
	ck_assert_uint_eq(a->n_cas, b->n_cas);
	for (size_t i = 0; i < a->n_cas; i++) {
		ck_assert_str_eq(a->cas[i].name, b->cas[i].name);
		ck_assert_uint_eq(a->cas[i].flags, b->cas[i].flags);
		blob_eq(&a->cas[i].der, &b->cas[i].der);
	}
	ck_assert_uint_eq(a->n_crls, b->n_crls);
	for (size_t i = 0; i < a->n_crls; i++)
		blob_eq(&a->crls[i], &b->crls[i]);
	ck_assert_uint_eq(a->n_ifaces, b->n_ifaces);
	for (size_t i = 0; i < a->n_ifaces; i++) {
		const struct tls_mat_iface *fa = &a->ifaces[i], *fb = &b->ifaces[i];

		ck_assert_str_eq(fa->name, fb->name);
		ck_assert_uint_eq(fa->dtls_port, fb->dtls_port);
		ck_assert_uint_eq(fa->n_ctx, fb->n_ctx);
		for (size_t c = 0; c < fa->n_ctx; c++) {
			ck_assert_str_eq(fa->ctx[c].trustpoint, fb->ctx[c].trustpoint);
			ck_assert_uint_eq(fa->ctx[c].domains.n, fb->ctx[c].domains.n);
			for (size_t d = 0; d < fa->ctx[c].domains.n; d++)
				ck_assert_str_eq(fa->ctx[c].domains.v[d], fb->ctx[c].domains.v[d]);
			ck_assert_uint_eq(fa->ctx[c].n_ids, fb->ctx[c].n_ids);
			for (size_t k = 0; k < fa->ctx[c].n_ids; k++)
				id_eq(&fa->ctx[c].ids[k], &fb->ctx[c].ids[k]);
		}
	}
}

START_TEST(roundtrip_whole)
{
	struct wcfg a, b = { 0 };
	uint8_t *buf;
	size_t len;

	sample(&a);
	ck_assert_int_eq(wcfg_encode(&a, &buf, &len), 0);
	ck_assert_int_eq(apply(&b, buf, len), 0);
	ck_assert(!memcmp(&a.logging, &b.logging, sizeof(a.logging)));
	ck_assert(!memcmp(&a.limits, &b.limits, sizeof(a.limits)));
	ck_assert_str_eq(a.user, b.user);
	ck_assert_str_eq(a.group, b.group);
	ck_assert_str_eq(a.sandbox_root, b.sandbox_root);
	ck_assert_int_eq(a.tunnel_group_list, b.tunnel_group_list);
	ck_assert_uint_eq(b.n_paths, 2);
	ck_assert_str_eq(b.paths[1], "/staff");
	ck_assert_uint_eq(b.n_aliases, 3);
	ck_assert_str_eq(b.aliases[2], "Lab");
	material_eq(&a.tls, &b.tls);
	ck_assert_str_eq(a.hsts, b.hsts);
	ck_assert_uint_eq(b.n_profiles, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(a.profiles[i].name, b.profiles[i].name);
		blob_eq(&a.profiles[i].data, &b.profiles[i].data);
	}
	ck_assert_ptr_eq(wcfg_profile(&b, "Big"), &b.profiles[1]);
	ck_assert_ptr_null(wcfg_profile(&b, "../Big"));
	ck_assert(wcfg_path_known(&b, "/staff/"));
	ck_assert(wcfg_path_known(&b, "/"));
	ck_assert(!wcfg_path_known(&b, "/other"));
	/* the same configuration encodes to the same bytes (main's hash) */
	uint8_t *again;
	size_t len2;

	ck_assert_int_eq(wcfg_encode(&b, &again, &len2), 0);
	ck_assert_uint_eq(len, len2);
	ck_assert(!memcmp(buf, again, len));
	free(again);
	free(buf);
	wcfg_free(&a);
	wcfg_free(&b);
}
END_TEST

/* A content cut inside any record is refused.  (A cut between records is
 * the memfd's length and SHA-256 to catch: the worker checks both first.) */
START_TEST(cut_is_refused)
{
	struct wcfg a;
	uint8_t *buf;
	size_t len, n = 0;
	const uint8_t *p;
	struct ipc_hdr h;
	struct rbuf r;

	sample(&a);
	ck_assert_int_eq(wcfg_encode(&a, &buf, &len), 0);
	rbuf_init(&r, buf, len);
	while (ipc_frame_next(&r, IPC_M2W, &h, &p) == 1) {
		size_t end = (size_t)(p - buf) + h.len;
		struct wcfg b = { 0 };

		ck_assert_msg(apply(&b, buf, end - 1) < 0, "cut at %zu of %zu accepted", end - 1, len);
		wcfg_free(&b);
		n++;
	}
	ck_assert_uint_gt(n, 10);
	free(buf);
	wcfg_free(&a);
}
END_TEST

/* Order: an SNI context before any interface, a
 * second WCFG_GENERAL (IPC_ONCE), a message of the READY state. */
START_TEST(out_of_order_is_refused)
{
	struct wcfg w = { 0 };
	struct ipc_wcfg_ctx x = { .sni = 1 };
	uint8_t buf[IPC_MAX_MSG];
	int n;

	n = ipc_enc_wcfg_ctx(&x, buf, sizeof(buf));
	ck_assert_int_lt(wcfg_on_ctx(&w, buf, (size_t)n), 0);
	ck_assert_int_lt(wcfg_complete(&w), 0);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, (ipc_seen_t)1 << IPC_WCFG_GENERAL,
				   IPC_WCFG_GENERAL), IPC_REFUSE_AGAIN);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_READY, 0, IPC_WCFG_DER),
			 IPC_REFUSE_STATE);
	ck_assert_int_eq(ipc_admit(ipc_msgs, IPC_M2W, IPC_ST_STARTING, 0, IPC_CONN_NEW),
			 IPC_REFUSE_STATE);
	wcfg_free(&w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wcfg");
	TCase *core = tcase_create("core");

	tcase_add_test(core, roundtrip_whole);
	tcase_add_test(core, cut_is_refused);
	tcase_add_test(core, out_of_order_is_refused);
	suite_add_tcase(s, core);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
