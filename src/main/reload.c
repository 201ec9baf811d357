/* Configuration reload: SIGHUP and `sslvpnctl reload` share reload_run().
 *
 * The file is loaded into a new object and checked completely (libconfig
 * validation, then what only OpenSSL can judge: DTLS cipher lists and every
 * interface's identity and CA files, read here as root).  Anything wrong:
 * the running snapshot stays, every file:line error goes back to the caller
 * and to the log.  All good: the new snapshot becomes current.
 *   - New logins are decided under it; each session keeps a reference to
 *     the snapshot it was admitted under, and its reconnects (CONNECT)
 *     get their parameters from that one (sessions.c).
 *   - Workers read no file: main builds what they are told (mwcfg.c:
 *     interfaces, TLS material read from the trustpoint files here, ssl
 *     lists, limits, group-url paths and aliases, logging).  When its
 *     encoding differs from the running generation's (SHA-256), a new
 *     worker generation starts for new connections; the earlier one keeps
 *     every TLS and DTLS connection it holds and stops when the last one
 *     closed (proc.c).  Otherwise (policies, pools, users, ACLs, DAP) the
 *     running workers stay.  A crashed worker restarts with its
 *     generation's configuration, held by main: no file is read again.
 *   - Pools are matched by name: an unchanged pool is kept as it is; a
 *     changed one is rebuilt and the leases that still fit move over with
 *     the same address; a removed pool, and the leases that no longer fit,
 *     stay on a retired pool object until their sessions end.
 * Listeners are not reopened: a reload that changes an interface's
 * address or ports is refused (restart for that). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fleet_lease.h"
#include "main.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

/* The contexts the new workers will build, built once here: a missing key,
 * a key that does not match its certificate or an unreadable CA file is a
 * reload error, not a worker that dies at start. */
static void check_tls(const struct sslvpnd_config *cfg, struct cfg_errors *errs)
{
	char err[512];

	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &cfg->interfaces[i];
		struct tls_server *s = tls_server_new(cfg, ifc, err, sizeof(err));

		if (!s)
			snapshot_error(errs, cfg->source, ifc->line, "interface %s: %.200s",
				       ifc->name, err);
		tls_server_free(s);
	}
}

/* The sandboxed workers and secmod run as general.user/group: a missing
 * account is the administrator's to create, named with its line. */
static void check_run_user(const struct sslvpnd_config *cfg, struct cfg_errors *errs)
{
	const struct cfg_general *g = &cfg->general;

	if (!getpwnam(g->user))
		snapshot_error(errs, cfg->source, g->user_line,
			       "general.user \"%s\"%s: no such user; the workers and "
			       "sslvpnd-secmod run as it. Create it: useradd --system "
			       "--no-create-home --shell /usr/sbin/nologin %s (make install "
			       "does), or name an existing unprivileged user", g->user,
			       g->user_line ? "" : " (the default)", g->user);
	if (!getgrnam(g->group))
		snapshot_error(errs, cfg->source, g->group_line,
			       "general.group \"%s\"%s: no such group; create it: "
			       "groupadd --system %s (useradd --system %s creates it with "
			       "the user), or name an existing group", g->group,
			       g->group_line ? "" : " (the default)", g->group, g->group);
}

struct sslvpnd_config *reload_load(const char *path, const char *state_dir, int tls,
				   struct cfg_errors *errs)
{
	struct sslvpnd_config *cfg = NULL;

	if (config_load(path, state_dir, &cfg, errs) < 0)
		return NULL;
	tls_config_check(cfg, errs);
	check_run_user(cfg, errs);
	if (tls && errs->n == 0)
		check_tls(cfg, errs);
	if (errs->n || errs->dropped) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* What a running daemon cannot change without a restart. */
static void check_fixed(const struct mainctx *m, const struct sslvpnd_config *next,
			struct cfg_errors *errs)
{
	const struct sslvpnd_config *cur = m->cfg;

	snapshot_check_listeners(m->listen_snap->cfg, next, errs);
	if (strcmp(cur->general.state_dir, next->general.state_dir))
		snapshot_error(errs, next->source, 0,
			       "general.state-dir \"%s\": the running daemon uses \"%s\"; "
			       "it changes only at a restart",
			       next->general.state_dir, cur->general.state_dir);
}

/* ---- pools */

static struct pool *find_pool(struct mainctx *m, const char *name, size_t *idx)
{
	for (size_t i = 0; i < m->cfg->n_pools; i++)
		if (m->pools[i] && !strcmp(m->cfg->pools[i].name, name)) {
			*idx = i;
			return m->pools[i];
		}
	return NULL;
}

static int same_pool(const struct cfg_pool *a, const struct cfg_pool *b)
{
	return a->first == b->first && a->last == b->last && a->mask == b->mask;
}

/* The pool array of next, parallel to next->pools: unchanged pools are the
 * running objects (marked in reused[]), the others new and empty.  Nothing
 * running changes here, so a failure loses nothing. */
static struct pool **pools_prepare(struct mainctx *m, const struct sslvpnd_config *next,
				   char *reused, struct cfg_errors *errs)
{
	struct pool **np = calloc(next->n_pools + 1, sizeof(*np));

	for (size_t i = 0; np && i < next->n_pools; i++) {
		const struct cfg_pool *p = &next->pools[i];
		size_t j;
		struct pool *old = find_pool(m, p->name, &j);

		if (old && same_pool(&m->cfg->pools[j], p)) {
			np[i] = old;
			reused[i] = 1;
			continue;
		}
		np[i] = pool_new(p->name, p->first, p->last, p->mask);
		if (np[i])
			fleet_lease_cut(m, np[i]);
		if (!np[i]) {
			snapshot_error(errs, next->source, p->line,
				       "ip local pool %s: cannot create (out of memory)", p->name);
			for (size_t k = 0; k < i; k++)
				if (!reused[k])
					pool_free(np[k]);
			free(np);
			return NULL;
		}
	}
	if (!np)
		snapshot_error(errs, next->source, 0, "out of memory");
	return np;
}

void reload_retire_pool(struct mainctx *m, struct pool *p, int v6)
{
	char n[24];
	struct pool **r;

	if (pool_in_use(p) == 0) {
		pool_free(p);
		return;
	}
	r = realloc(m->retired, (m->n_retired + 1) * sizeof(*r));
	if (!r) {
		/* Cannot track it: leak it rather than free live leases. */
		log_warnx("%s local pool %s: out of memory retiring it", v6 ? "ipv6" : "ip",
			  pool_name(p));
		return;
	}
	m->retired = r;
	m->retired[m->n_retired++] = p;
	if (v6)
		return;
	snprintf(n, sizeof(n), "%zu", pool_in_use(p));
	log_event(LM_POOL_RETIRED, pool_name(p), n);
}

/* Swap in the prepared pools (m->cfg is still the old configuration).
 * Every live lease whose address a new pool object covers moves into it,
 * whatever pool it came from (changed, renamed, or retired earlier): an
 * address is then accounted in exactly one object, and the new pool can
 * never hand it out twice.  Pools of one configuration do not overlap
 * (config.c), so a kept pool covers no lease of another object.  The
 * rest, and removed pools, retire. */
static void pools_commit(struct mainctx *m, const struct sslvpnd_config *next,
			 struct pool **np, const char *reused)
{
	for (size_t i = 0; i < next->n_pools; i++) {
		pool_set_window(np[i], (uint32_t)next->general.address_reuse_window);
		if (reused[i])
			continue;
		for (size_t j = 0; j < m->cfg->n_pools; j++)
			if (m->pools[j])
				sessions_move_leases(m, m->pools[j], np[i]);
		for (size_t k = 0; k < m->n_retired; k++)
			sessions_move_leases(m, m->retired[k], np[i]);
	}
	for (size_t j = 0; j < m->cfg->n_pools; j++) {
		int kept = 0;

		for (size_t i = 0; i < next->n_pools && !kept; i++)
			kept = reused[i] && np[i] == m->pools[j];
		if (!kept && m->pools[j])
			reload_retire_pool(m, m->pools[j], 0);
	}
	free(m->pools);
	m->pools = np;
}

void reload_tick(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_retired;) {
		struct pool *p = m->retired[i];

		if (pool_in_use(p)) {
			i++;
			continue;
		}
		log_event(LM_POOL_FREED, pool_name(p));
		pool_free(p);
		m->retired[i] = m->retired[--m->n_retired];
	}
}

/* ---- the reload */

static void report_errors(struct mainctx *m, const struct cfg_errors *errs, FILE *out)
{
	char *text = NULL, n[16], gen[16];
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	if (fp) {
		config_errors_print(fp, errs);
		fclose(fp);
	}
	for (char *line = text, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		log_event(LM_RELOAD_ERROR, line);
		fprintf(out, "%s\n", line);
	}
	free(text);
	snprintf(n, sizeof(n), "%zu", errs->n + errs->dropped);
	snprintf(gen, sizeof(gen), "%u", m->snap->gen);
	log_event(LM_RELOAD_FAILED, m->config_path ? m->config_path : CFG_EMBEDDED_NAME, n, gen);
	fprintf(out, "%s: configuration has errors; still running the configuration "
		"loaded as generation %s\n",
		m->config_path ? m->config_path : CFG_EMBEDDED_NAME, gen);
}

static void pools_discard(struct pool **np, const char *reused, size_t n)
{
	for (size_t i = 0; np && i < n; i++)
		if (!reused[i])
			pool_free(np[i]);
	free(np);
}

/* Workers for the new configuration: a new generation when anything they
 * load changed, else the running ones stay (and any that is down waiting
 * for a restart starts now).  0, or -1 with err filled. */
static int start_workers(struct mainctx *m, int fresh, char *err, size_t errlen)
{
	uint32_t old_gen = m->worker_gen;

	if (!fresh) {
		proc_respawn_down(m);
		return 0;
	}
	m->worker_gen = m->snap->gen;
	if (proc_start_generation(m, err, errlen) < 0) {
		m->worker_gen = old_gen;
		return -1;
	}
	return 0;
}

/* Make next current (ownership of next moves here in every case); 0, or
 * -1 with errs filled and nothing changed.  *fresh: a new worker
 * generation started. */
static int swap_in(struct mainctx *m, struct sslvpnd_config *next, int *fresh,
		   struct cfg_errors *errs)
{
	char *reused = calloc(next->n_pools + 1, 1), err[512], source[CFG_PATH_MAX];
	struct pool **np = reused ? pools_prepare(m, next, reused, errs) : NULL;
	struct cfg_snapshot *old = m->snap, *snap;
	struct sslvpnd_config *old_cfg = m->cfg;
	size_t n_pools = next->n_pools;
	struct mwcfg wcfg, old_wcfg = m->wcfg;

	util_strlcpy(source, next->source, sizeof(source));
	if (np && mwcfg_build(next, &wcfg, err, sizeof(err)) < 0) {
		snapshot_error(errs, source, 0, "%s", err);
		config_free(next);
		pools_discard(np, reused, n_pools);
		free(reused);
		return -1;
	}
	/* A new generation exactly when what the workers are told changed. */
	*fresh = np && !mwcfg_same(&wcfg, &m->wcfg);
	snap = np ? snapshot_new(next, old->gen + 1) : NULL;  /* frees next on failure */
	if (!snap) {
		if (np || !reused)
			snapshot_error(errs, source, 0, "out of memory");
		if (!np)
			config_free(next);
		else
			mwcfg_free(&wcfg);
		pools_discard(np, reused, n_pools);
		free(reused);
		return -1;
	}
	m->snap = snap;
	m->cfg = next;
	if (*fresh)
		m->wcfg = wcfg;
	if (start_workers(m, *fresh, err, sizeof(err)) < 0) {
		m->snap = old;
		m->cfg = old_cfg;
		m->wcfg = old_wcfg;
		mwcfg_free(&wcfg);
		snapshot_error(errs, source, 0, "%s", err);
		pools_discard(np, reused, n_pools);
		free(reused);
		snapshot_unref(snap);
		return -1;
	}
	/* the running generation's, or an identical one */
	if (*fresh)
		mwcfg_free(&old_wcfg);
	else
		mwcfg_free(&wcfg);
	/* pools_commit compares against the old configuration's names. */
	m->cfg = old_cfg;
	pools_commit(m, next, np, reused);
	sessions_pools6_reload(m, next); /* IPv6 pools: same rules (sessions_lease.c) */
	m->cfg = next;
	sessions_rearm_all(m);           /* interim-accounting-update may have changed */
	leases_dirty();                  /* the lease file lists the new pools */
	free(reused);
	snapshot_unref(old);
	return 0;
}

static void relog(const struct mainctx *m)
{
	const struct cfg_logging *lgc = &m->cfg->logging;

	log_init("sslvpnd", m->foreground || !lgc->to_syslog, lgc->facility, lgc->format,
		 m->debug ? m->debug : lgc->debug);
}

int reload_run(struct mainctx *m, FILE *out)
{
	struct cfg_errors *errs = calloc(1, sizeof(*errs));
	struct sslvpnd_config *next;
	char gen[16], n[16];
	int rc = -1, fresh = 0;

	if (!errs) {
		fprintf(out, "reload: out of memory\n");
		return -1;
	}
	reload_notify("RELOADING=1");
	msecmod_heap_guard(1);  /* the new file's hashes: see msecmod.c */
	next = reload_load(m->config_path, m->state_dir_arg, 1, errs);
	if (next) {
		check_fixed(m, next, errs);
		if (errs->n || errs->dropped) {
			config_free(next);
			next = NULL;
		}
	}
	if (next && swap_in(m, next, &fresh, errs) == 0) {
		const char *wk = fresh ? "a new worker generation serves new connections"
				       : "the workers stay (nothing they load changed)";

		relog(m);
		msecmod_users(m, m->cfg);  /* secmod's table now; main's copy wiped */
		msecmod_keys(m, m->cfg);   /* the keys the new workers present */
		if (mtickets_reload(m))    /* ssl session-resumption changed */
			msecmod_tickets(m);
		snprintf(gen, sizeof(gen), "%u", m->snap->gen);
		snprintf(n, sizeof(n), "%zu", m->n_sessions);
		log_event(LM_RELOAD_OK, m->cfg->source, gen, n, wk);
		fprintf(out, "%s: configuration reloaded (generation %s); new logins use it, "
			"%s established sessions keep theirs; %s\n", m->cfg->source, gen, n, wk);
		rc = 0;
	} else {
		report_errors(m, errs, out);
	}
	free(errs);
	msecmod_heap_scrub();
	msecmod_heap_guard(0);
	reload_notify("READY=1");
	return rc;
}

/* ---- systemd readiness (Type=notify), without libsystemd */

void reload_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;   /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		log_debug("sd_notify %s: %s", state, strerror(errno));
	close(fd);
}
