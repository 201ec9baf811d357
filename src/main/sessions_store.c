/* The session registry: <state-dir>/sessions (format and checks:
 * sessfile.h), so that a restart of main (systemctl restart, an upgrade, a
 * crash) does not make every client log in again.
 *
 * Written with the pool leases (leases_tick: at most once per few seconds
 * after a change) and at shutdown, atomically (leases_write_atomic).  It
 * holds a SHA-256 of each cookie, never the cookie.  At start, after the
 * lease file: each session still within its cookie-timeout (counted from
 * when its tunnel went away; a session whose tunnel was up when main
 * stopped counts from this start, the moment its tunnel was lost at the
 * latest) and its vpn-session-timeout, whose tunnel group and group policy
 * still exist and whose addresses are still in the pools, comes back under
 * its id without a tunnel: the client's next CONNECT with its cookie gets
 * the same address, no new login.  The others are logged (100243) and
 * dropped.  Restored sessions use the current configuration: the snapshot
 * they were admitted under did not survive the restart. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "sessions.h"
#include "sslvpnd/log.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/sessfile.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

static const char SESSIONS_FILE[] = "sessions";

static void store_path(const struct mainctx *m, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", m->cfg->general.state_dir, SESSIONS_FILE);
}

static enum sessfile_state file_state(const struct session *s)
{
	return s->state == SS_ACTIVE ? SESSFILE_ACTIVE
	       : s->state == SS_AUTHENTICATED ? SESSFILE_WAITING : SESSFILE_INACTIVE;
}

/* Wall clock of a monotonic instant. */
static int64_t wall_of(uint64_t ms, uint64_t now_ms, int64_t now)
{
	return now - (int64_t)((now_ms - ms) / 1000);
}

static void to_record(const struct session *s, uint64_t now_ms, int64_t now,
		      struct sessfile_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = s->id;
	memcpy(r->cookie_hash, s->cookie_hash, sizeof(r->cookie_hash));
	r->state = (uint8_t)file_state(s);
	r->login_time = s->login_time;
	r->idle_since = s->state == SS_ACTIVE ? 0 : wall_of(s->idle_since_ms, now_ms, now);
	r->session_timeout = s->session_timeout;
	r->timeout_fixed = (uint8_t)s->timeout_set;
	r->bytes_in = s->bytes_in + (s->state == SS_ACTIVE ? s->stats.bytes_in : 0);
	r->bytes_out = s->bytes_out + (s->state == SS_ACTIVE ? s->stats.bytes_out : 0);
	if (s->pool) {
		util_strlcpy(r->pool, pool_name(s->pool), sizeof(r->pool));
		sessions_fmt4(s->addr, r->addr, sizeof(r->addr));
	}
	if (s->pool6) {
		util_strlcpy(r->pool6, pool_name(s->pool6), sizeof(r->pool6));
		sessions_fmt6(s->addr6, r->addr6, sizeof(r->addr6));
	}
	r->dap = (uint8_t)s->dap;
	r->dap_filter_flags = s->dap_filter_flags;
	util_strlcpy(r->user, s->user, sizeof(r->user));
	util_strlcpy(r->tunnel_group, s->tunnel_group, sizeof(r->tunnel_group));
	util_strlcpy(r->policy, s->policy, sizeof(r->policy));
	util_strlcpy(r->peer, s->peer, sizeof(r->peer));
	util_strlcpy(r->dap_records, s->dap_records, sizeof(r->dap_records));
	util_strlcpy(r->dap_filter, s->dap_filter, sizeof(r->dap_filter));
	util_strlcpy(r->user_agent, s->user_agent, sizeof(r->user_agent));
}

int sessions_store_save(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], *text = NULL;
	struct sessfile_rec *v = calloc(m->n_sessions + 1, sizeof(*v));
	uint64_t now_ms = util_now_ms();
	int64_t now = time(NULL);
	size_t n = 0, len = 0;
	int rc = -1;

	store_path(m, path, sizeof(path));
	errno = ENOMEM;
	for (struct session *s = m->sessions; v && s && n < m->n_sessions; s = s->next)
		to_record(s, now_ms, now, &v[n++]);
	if (v && sessfile_encode(v, n, &text, &len) == 0)
		rc = leases_write_atomic(m->cfg->general.state_dir, path, text, len);
	if (rc < 0)
		log_event(LM_SESSIONS_SAVE_FAILED, path, strerror(errno));
	if (v)
		OPENSSL_cleanse(v, (m->n_sessions + 1) * sizeof(*v));
	free(v);
	free(text);
	/* every page of both was touched (the records wiped): 10,000
	 * sessions are megabytes, which glibc keeps unless main trims (S11) */
	util_heap_freed((m->n_sessions + 1) * sizeof(*v) + len);
	return rc;
}

/* ---- restore */

/* Why r cannot come back under the current configuration, or NULL. */
static const char *stale(const struct mainctx *m, const struct sessfile_rec *r, int64_t now,
			 char *buf, size_t len)
{
	int64_t cookie = m->cfg->general.cookie_timeout;

	if (r->state != SESSFILE_ACTIVE && now - r->idle_since >= cookie) {
		snprintf(buf, len, "expired (%lld s without a tunnel, cookie-timeout %lld s)",
			 (long long)(now - r->idle_since), (long long)cookie);
		return buf;
	}
	if (r->timeout_fixed && r->session_timeout &&
	    now - r->login_time >= (int64_t)r->session_timeout)
		return "vpn-session-timeout reached";
	if (!config_tunnel_group(m->cfg, r->tunnel_group)) {
		snprintf(buf, len, "tunnel group %s no longer exists", r->tunnel_group);
		return buf;
	}
	if (!config_group_policy(m->cfg, r->policy)) {
		snprintf(buf, len, "group policy %s no longer exists", r->policy);
		return buf;
	}
	return NULL;
}

/* The monotonic instant age seconds ago, never before the clock's start
 * (a session older than this boot is simply "old"). */
static uint64_t mono_of(int64_t age, uint64_t now_ms)
{
	uint64_t ms = (uint64_t)age * 1000;

	return ms < now_ms ? now_ms - ms : 0;
}

static struct session *from_record(struct mainctx *m, const struct sessfile_rec *r,
				   uint64_t now_ms, int64_t now)
{
	struct session *s = calloc(1, sizeof(*s));
	int64_t since_login = now > r->login_time ? now - r->login_time : 0;
	int64_t idle = r->state == SESSFILE_ACTIVE || now < r->idle_since ? 0
		       : now - r->idle_since;

	if (!s)
		return NULL;
	s->id = r->id;
	memcpy(s->cookie_hash, r->cookie_hash, sizeof(s->cookie_hash));
	snprintf(s->cookie_tag, sizeof(s->cookie_tag), "%08x", r->id);
	util_strlcpy(s->user, r->user, sizeof(s->user));
	util_strlcpy(s->tunnel_group, r->tunnel_group, sizeof(s->tunnel_group));
	util_strlcpy(s->policy, r->policy, sizeof(s->policy));
	util_strlcpy(s->peer, r->peer, sizeof(s->peer));
	util_strlcpy(s->user_agent, r->user_agent, sizeof(s->user_agent));
	s->snap = snapshot_ref(m->snap);
	s->state = r->state == SESSFILE_WAITING ? SS_AUTHENTICATED : SS_DISCONNECTED;
	s->created_ms = mono_of(since_login, now_ms);
	s->idle_since_ms = mono_of(idle, now_ms);
	s->traffic_ms = s->idle_since_ms;
	s->login_time = (time_t)r->login_time;
	s->session_timeout = r->session_timeout;
	s->timeout_set = r->timeout_fixed;
	s->bytes_in = r->bytes_in;
	s->bytes_out = r->bytes_out;
	s->dap = r->dap;
	s->dap_filter_flags = r->dap_filter_flags;
	util_strlcpy(s->dap_records, r->dap_records, sizeof(s->dap_records));
	util_strlcpy(s->dap_filter, r->dap_filter, sizeof(s->dap_filter));
	return s;
}

struct session *sessions_store_rebuild(struct mainctx *m, const struct sessfile_rec *r,
				       char *buf, size_t len, const char **why)
{
	uint64_t now_ms = util_now_ms();
	int64_t now = time(NULL);
	struct session *s = NULL;

	*why = stale(m, r, now, buf, len);
	if (!*why && !(s = from_record(m, r, now_ms, now)))
		*why = "out of memory";
	return s;
}

void sessions_store_record(const struct session *s, struct sessfile_rec *r)
{
	to_record(s, util_now_ms(), time(NULL), r);
}

/* 0 restored, -1 dropped (logged). */
static int restore_one(struct mainctx *m, const struct sessfile_rec *r)
{
	char buf[256], id[16];
	const char *why = NULL;
	struct session *s = NULL;

	if (sessions_by_id(m, r->id)) /* one bucket: restore stays linear */
		why = "its session id appears twice in the file";
	else
		s = sessions_store_rebuild(m, r, buf, sizeof(buf), &why);
	if (!why && sessions_lease_take(m, s, r->pool, r->addr, r->pool6, r->addr6, buf,
					sizeof(buf), &why) == 0) {
		if (sessions_insert(m, s) == 0) {
			if (r->id > m->next_session_id)
				m->next_session_id = r->id;
			return 0;
		}
		sessions_lease_release(m, s);
		why = "out of memory";
	}
	sessions_free(s);
	snprintf(id, sizeof(id), "%u", r->id);
	log_event(LM_SESSION_NOT_RESTORED, id, r->user, why);
	return -1;
}

void sessions_store_load(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], num[24], dropped[24], *buf;
	struct sessfile_rec *v = NULL;
	const char *why = NULL;
	size_t len = 0, kept = 0;
	long n = -1;

	store_path(m, path, sizeof(path));
	buf = leases_read(path, SESSFILE_MAX, &len, &why);
	if (buf)
		n = sessfile_decode(buf, len, &v, &why);
	free(buf);
	if (why) {
		log_event(LM_SESSIONS_IGNORED, path, why);
		return;
	}
	if (n < 0)
		return; /* no registry: a first start */
	for (long i = 0; i < n; i++)
		kept += restore_one(m, &v[i]) == 0;
	if (v)
		OPENSSL_cleanse(v, (size_t)n * sizeof(*v));
	free(v);
	snprintf(num, sizeof(num), "%zu", kept);
	snprintf(dropped, sizeof(dropped), "%zu", (size_t)n - kept);
	log_event(LM_SESSIONS_RESTORED, num, path, dropped);
}
