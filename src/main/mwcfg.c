/* The workers' configuration (mwcfg.h): main gathers everything a worker
 * uses from a snapshot and the trustpoint files, and nothing else (no
 * users, no password hash, no policy), encodes it once per worker
 * generation and hands it to each worker of that generation in a sealed
 * memfd. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mwcfg.h"
#include "sslvpnd/ipc.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "sslvpnd/wcfg.h"

static void fill_general(struct wcfg *w, const struct sslvpnd_config *cfg)
{
	w->logging = cfg->logging;
	w->limits = cfg->limits;
	util_strlcpy(w->user, cfg->general.user, sizeof(w->user));
	util_strlcpy(w->group, cfg->general.group, sizeof(w->group));
	snprintf(w->sandbox_root, sizeof(w->sandbox_root), "%s/" SANDBOX_EMPTY_DIR,
		 cfg->general.state_dir);
	w->tunnel_group_list = cfg->webvpn.tunnel_group_list;
	w->tls_session_timeout = cfg->general.cookie_timeout;
	if (cfg->webvpn.hsts)
		snprintf(w->hsts, sizeof(w->hsts), "max-age=%d%s%s", cfg->webvpn.hsts_max_age,
			 cfg->webvpn.hsts_include_sub_domains ? "; includeSubDomains" : "",
			 cfg->webvpn.hsts_preload ? "; preload" : "");
}

/* The profiles' bytes as main read them with the configuration: a worker
 * serves them from this table and opens no file. */
static int fill_profiles(struct wcfg *w, const struct sslvpnd_config *cfg)
{
	w->profiles = calloc(cfg->n_ac_profiles + 1, sizeof(*w->profiles));
	if (!w->profiles)
		return -1;
	for (size_t i = 0; i < cfg->n_ac_profiles; i++) {
		struct wcfg_profile *p = &w->profiles[w->n_profiles++];

		util_strlcpy(p->name, cfg->ac_profiles[i].name, sizeof(p->name));
		if (tls_blob_append(&p->data, cfg->ac_profiles[i].data, cfg->ac_profiles[i].len) < 0)
			return -1;
	}
	return 0;
}

/* The paths of enabled group-urls (a request for another path is a 404)
 * and the aliases of the group list, in file order. */
static int fill_names(struct wcfg *w, const struct sslvpnd_config *cfg)
{
	size_t np = 0, na = 0;

	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		np += cfg->tunnel_groups[i].n_urls;
		na += cfg->tunnel_groups[i].aliases.n;
	}
	w->paths = calloc(np + 1, sizeof(*w->paths));
	w->aliases = calloc(na + 1, sizeof(*w->aliases));
	if (!w->paths || !w->aliases)
		return -1;
	for (size_t i = 0; i < cfg->n_tunnel_groups; i++) {
		const struct cfg_tunnel_group *tg = &cfg->tunnel_groups[i];

		for (size_t j = 0; j < tg->n_urls && j < CFG_LIST_MAX; j++)
			if (tg->urls[j].enabled)
				util_strlcpy(w->paths[w->n_paths++], tg->urls[j].path, CFG_URL_MAX);
		for (size_t j = 0; j < tg->aliases.n; j++)
			util_strlcpy(w->aliases[w->n_aliases++], tg->aliases.v[j], CFG_NAME_MAX);
	}
	return 0;
}

int mwcfg_build(const struct sslvpnd_config *cfg, struct mwcfg *out, char *err,
		size_t errlen)
{
	struct wcfg w = { 0 };
	unsigned int mdlen = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	fill_general(&w, cfg);
	if (fill_names(&w, cfg) < 0 || fill_profiles(&w, cfg) < 0)
		snprintf(err, errlen, "workers' configuration: out of memory");
	else if (tls_material_gather(cfg, NULL, 0, &w.tls, err, errlen) < 0)
		;
	else if (!(out->verifier = tls_verifier_new(&w.tls, err, errlen)))
		;
	else if (wcfg_encode(&w, &out->buf, &out->len) < 0)
		snprintf(err, errlen, "workers' configuration: cannot encode "
			 "(out of memory?)");
	else if (!EVP_Digest(out->buf, out->len, out->sha256, &mdlen, EVP_sha256(), NULL))
		snprintf(err, errlen, "workers' configuration: SHA-256 failed");
	else
		rc = 0;
	wcfg_free(&w);
	if (rc < 0)
		mwcfg_free(out);
	return rc;
}

int mwcfg_same(const struct mwcfg *a, const struct mwcfg *b)
{
	return a->buf && b->buf && !memcmp(a->sha256, b->sha256, sizeof(a->sha256));
}

/* A memfd the worker cannot change and we cannot change after the hash:
 * write, then seal against writes and resizing. */
static int sealed_memfd(const struct mwcfg *c)
{
	int fd = memfd_create("sslvpnd-worker-config", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < c->len) {
		ssize_t n = write(fd, c->buf + off, c->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int mwcfg_send(const struct mwcfg *c, int sock)
{
	struct ipc_worker_config m = { .len = (uint32_t)c->len, .sha256_len = sizeof(c->sha256) };
	int fd, rc, e;

	if (!c->buf || c->len > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	fd = sealed_memfd(c);
	if (fd < 0)
		return -1;
	memcpy(m.sha256, c->sha256, sizeof(c->sha256));
	rc = IPC_SEND(sock, IPC_WORKER_CONFIG, worker_config, &m, 0, fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

void mwcfg_free(struct mwcfg *c)
{
	if (c->buf)
		explicit_bzero(c->buf, c->len);
	free(c->buf);
	tls_verifier_free(c->verifier);
	memset(c, 0, sizeof(*c));
}
