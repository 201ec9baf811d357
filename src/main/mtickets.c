/* main's side of the TLS session ticket keys (S11, ssl session-resumption).
 *
 * secmod makes and rotates the keys (smtickets.c); main keeps the last set
 * secmod sent in <state-dir>/ticket-keys (0600, written like the session
 * registry: tmp + fsync + rename) so that tickets issued before a restart
 * of sslvpnd still open after it, hands the set to a secmod that (re)starts
 * (SECMOD_TICKETS), and to every worker (WORKER_TICKETS) when it is ready
 * and whenever secmod sends new keys.  Off: no keys anywhere, the file
 * removed.
 *
 * The file: a first line "sslvpnd-ticket-keys 1", one line per key
 * ("created name aes hmac", the secrets in hex) and the recfile end line
 * (count + CRC-32): a torn or altered file is ignored whole (100245) and
 * secmod makes new keys. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "main.h"
#include "sslvpnd/log.h"
#include "sslvpnd/recfile.h"
#include "sslvpnd/tkeys.h"
#include "sslvpnd/util.h"

static const char MAGIC[] = "sslvpnd-ticket-keys 1\n";
static const char FILE_NAME[] = "ticket-keys";
enum { TKFILE_MAX = 4096 };

static struct {
	struct tkeys keys;
	uint32_t lifetime;
} mt;

static void file_path(const struct mainctx *m, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", m->cfg->general.state_dir, FILE_NAME);
}

static uint32_t lifetime_of(const struct sslvpnd_config *cfg)
{
	return cfg->ssl.session_resumption ? (uint32_t)cfg->ssl.resumption_lifetime : 0;
}

/* ---- the file */

static int encode(const struct tkeys *t, char **out, size_t *len)
{
	struct recfile_out o = { .max = TKFILE_MAX };
	char line[256], name[2 * TKEY_NAME_LEN + 1], aes[2 * TKEY_AES_LEN + 1],
		hmac[2 * TKEY_HMAC_LEN + 1];

	recfile_put(&o, MAGIC, sizeof(MAGIC) - 1);
	for (unsigned i = 0; i < t->n; i++) {
		util_hex(name, t->k[i].name, TKEY_NAME_LEN, 0);
		util_hex(aes, t->k[i].aes, TKEY_AES_LEN, 0);
		util_hex(hmac, t->k[i].hmac, TKEY_HMAC_LEN, 0);
		int n = snprintf(line, sizeof(line), "%" PRId64 " %s %s %s\n", t->k[i].created, name,
				 aes, hmac);

		recfile_put(&o, line, (size_t)n);
	}
	explicit_bzero(line, sizeof(line));
	explicit_bzero(aes, sizeof(aes));
	explicit_bzero(hmac, sizeof(hmac));
	return recfile_finish(&o, t->n, out, len);
}

static int parse_key(char *line, struct tkey *k)
{
	char name[2 * TKEY_NAME_LEN + 1], aes[2 * TKEY_AES_LEN + 1], hmac[2 * TKEY_HMAC_LEN + 1];
	long long created;
	int ok = sscanf(line, "%lld %32s %64s %64s", &created, name, aes, hmac) == 4 &&
		 util_unhex(k->name, TKEY_NAME_LEN, name, strlen(name)) == 0 &&
		 util_unhex(k->aes, TKEY_AES_LEN, aes, strlen(aes)) == 0 &&
		 util_unhex(k->hmac, TKEY_HMAC_LEN, hmac, strlen(hmac)) == 0;

	k->created = (int64_t)created;
	explicit_bzero(aes, sizeof(aes));
	explicit_bzero(hmac, sizeof(hmac));
	return ok ? 0 : -1;
}

static const char *decode(char *buf, size_t len, struct tkeys *t)
{
	size_t ml = sizeof(MAGIC) - 1, records;
	char *body = buf + ml, *body_end;
	const char *why;

	memset(t, 0, sizeof(*t));
	if (len < ml || memcmp(buf, MAGIC, ml))
		return "not a ticket-key file (bad first line)";
	if ((why = recfile_trailer(buf, len, buf + ml, &body_end, &records)))
		return why;
	if (records > TKEYS_MAX)
		return "too many keys";
	while (body < body_end) {
		char *nl = memchr(body, '\n', (size_t)(body_end - body));

		if (!nl || t->n == records)
			return "key count mismatch";
		*nl = 0;
		if (parse_key(body, &t->k[t->n++]) < 0)
			return "garbled key";
		body = nl + 1;
	}
	return t->n == records ? NULL : "key count mismatch";
}

static void save(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], *text = NULL;
	size_t len = 0;
	int rc = -1;

	file_path(m, path, sizeof(path));
	errno = ENOMEM;
	if (encode(&mt.keys, &text, &len) == 0)
		rc = leases_write_atomic(m->cfg->general.state_dir, path, text, len);
	if (rc < 0)
		log_event(LM_TICKET_KEYS_SAVE_FAILED, path, strerror(errno));
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
}

void mtickets_load(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], *buf;
	const char *why = NULL;
	size_t len = 0;

	explicit_bzero(&mt, sizeof(mt));
	mt.lifetime = lifetime_of(m->cfg);
	file_path(m, path, sizeof(path));
	if (!mt.lifetime) {
		(void)unlink(path);  /* off: no key is left on disk */
		return;
	}
	buf = leases_read(path, TKFILE_MAX, &len, &why);
	if (buf && (why = decode(buf, len, &mt.keys)))
		explicit_bzero(&mt.keys, sizeof(mt.keys));
	if (why)
		log_event(LM_TICKET_KEYS_IGNORED, path, why);
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	/* what no longer opens a ticket is not handed to anyone */
	tkeys_prune(&mt.keys, (int64_t)time(NULL), mt.lifetime);
}

/* ---- to secmod and the workers */

int mtickets_secmod_msg(struct ipc_secmod_tickets *msg)
{
	int n = tkeys_encode(&mt.keys, msg->keys, sizeof(msg->keys));

	msg->lifetime = mt.lifetime;
	msg->keys_len = (uint16_t)(n < 0 ? 0 : n);
	return 0;
}

void mtickets_worker(struct worker_proc *w)
{
	static struct ipc_worker_tickets msg;
	uint8_t buf[512];
	int n;

	if (w->sock < 0 || !w->ready)
		return;
	n = tkeys_encode(&mt.keys, msg.keys, sizeof(msg.keys));
	msg.keys_len = (uint16_t)(n < 0 ? 0 : n);
	msg.lifetime = mt.lifetime;
	n = ipc_enc_worker_tickets(&msg, buf, sizeof(buf));
	if (n > 0 && proc_send(w, IPC_WORKER_TICKETS, buf, n, -1) < 0)
		log_warn("worker %u: cannot hand over the TLS ticket keys", w->id);
	explicit_bzero(&msg, sizeof(msg));
	explicit_bzero(buf, sizeof(buf));
}

static void to_workers(struct mainctx *m)
{
	for (size_t i = 0; i < MAIN_MAX_WORKERS; i++)
		if (m->workers[i].pid > 0)
			mtickets_worker(&m->workers[i]);
}

void mtickets_on_keys(struct mainctx *m, const struct ipc_ticket_keys *k)
{
	struct tkeys t;

	if (!mt.lifetime)
		return;  /* turned off while it was on its way */
	if (tkeys_decode(&t, k->keys, k->keys_len) < 0)
		return;
	mt.keys = t;
	explicit_bzero(&t, sizeof(t));
	save(m);
	to_workers(m);
}

int mtickets_reload(struct mainctx *m)
{
	uint32_t life = lifetime_of(m->cfg);
	char path[CFG_PATH_MAX + 16];

	if (life == mt.lifetime)
		return 0;
	mt.lifetime = life;
	if (!life) {
		explicit_bzero(&mt.keys, sizeof(mt.keys));
		file_path(m, path, sizeof(path));
		(void)unlink(path);
		to_workers(m);
	}
	return 1;  /* secmod must be told */
}
