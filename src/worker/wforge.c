/* Test aid SSLVPND_TEST_FORGE (man sslvpnd(8)): worker 1 behaves as a
 * compromised worker would, so the tests can show main takes no worker's
 * word for who a client is:
 *   cert          every AUTH_REQ it sends carries a chain made up here (a
 *                 self-signed certificate, subject CN=forged-admin): main
 *                 must find it does not verify (100519), refuse the login
 *                 and kill this worker;
 *   conn[:SECS]   SECS (default 3) seconds after its start it sends an
 *                 AUTH_REQ for connection 4294967281, which main never
 *                 handed it: main must kill it (100518).
 * It fires in a worker's first run only (main drops the variable for
 * restarts). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sslvpnd/log.h"
#include "sslvpnd/util.h"
#include "worker.h"

enum { FORGE_CONN = 4294967281u };

static uint8_t forged[2048];
static int forged_len;

/* A self-signed P-256 certificate with a made-up subject, as DER. */
static int make_chain(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = x ? X509_get_subject_name(x) : NULL;
	unsigned char *p = forged;
	int len = -1;

	if (k && n && X509_set_version(x, 2) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				       (const unsigned char *)"forged-admin", -1, -1, 0) &&
	    X509_set_issuer_name(x, n) && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) && X509_set_pubkey(x, k) &&
	    X509_sign(x, k, EVP_sha256()) && i2d_X509(x, NULL) <= (int)sizeof(forged))
		len = i2d_X509(x, &p);
	X509_free(x);
	EVP_PKEY_free(k);
	return len;
}

void wforge_auth_req(struct worker *w, struct ipc_auth_req *rq)
{
	if (w->id != 1 || forged_len <= 0)
		return;
	memcpy(rq->chain, forged, (size_t)forged_len);
	rq->chain_len = (uint16_t)forged_len;
	rq->cert = IPC_CERT_OK;
	log_warnx("worker %u: test aid: AUTH_REQ of connection %u sent with a forged chain",
		  w->id, rq->conn_id);
}

static void on_forge_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = t->data;
	static struct ipc_auth_req rq;
	static uint8_t buf[IPC_MAX_MSG];

	(void)loop;
	(void)revents;
	memset(&rq, 0, sizeof(rq));
	rq.conn_id = FORGE_CONN;
	rq.flow = IPC_FLOW_XML;
	util_strlcpy(rq.username, "forged-admin", sizeof(rq.username));
	log_warnx("worker %u: test aid: AUTH_REQ for connection %u, never handed to us",
		  w->id, rq.conn_id);
	worker_send(w, IPC_AUTH_REQ, buf, ipc_enc_auth_req(&rq, buf, sizeof(buf)));
}

void wforge_arm(struct worker *w)
{
	static ev_timer t;
	const char *v = getenv(IPC_TEST_FORGE_ENV);

	if (w->id != 1 || !v)
		return;
	if (!strcmp(v, "cert")) {
		forged_len = make_chain();
		if (forged_len <= 0)
			log_warnx("worker %u: test aid: cannot make a forged chain", w->id);
		return;
	}
	if (strncmp(v, "conn", 4) != 0)
		return;
	ev_timer_init(&t, on_forge_cb, v[4] == ':' ? atof(v + 5) : 3., 0.);
	t.data = w;
	ev_timer_start(w->loop, &t);
}
