/* RADIUS accounting of the sessions (S15): Start at a session's first
 * tunnel, Interim-Update every interim-accounting-update seconds, Stop when
 * it ends, for sessions whose tunnel group has an accounting-server-group.
 * secmod sends them (it holds the keys and talks to the servers, with the
 * same failover as authentication) and answers each with ACCT_REP.
 *
 * A Stop is never lost: it stays queued here until a server acknowledged
 * it, is sent again every ACCT_RETRY_MS while no server answers, and the
 * queue of unacknowledged Stops is kept in <state-dir>/acct-stops (written
 * within a second of a change and at shutdown, atomically) and read back
 * at the next start, with Acct-Delay-Time saying how late it is.  A Start
 * or Interim-Update that no server took is dropped (logged): the Stop
 * carries the totals. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "main.h"
#include "sessions.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

enum { ACCT_QUEUE_MAX = 4096, ACCT_RETRY_MS = 30000, ACCT_FILE_LINE = 2048 };

struct acct_rec {
	int used, in_flight;
	uint64_t due_ms;               /* next send (not in flight) */
	time_t event;                  /* wall clock of the event (Acct-Delay-Time) */
	struct ipc_acct_req rq;
};

static struct acct_rec q[ACCT_QUEUE_MAX];
static uint32_t last_seq;
/* No record waits for a send before this: macct_tick walks the queue only
 * when one is due, not every second (S11). */
static uint64_t q_next_due = UINT64_MAX;
static int dirty;                      /* the Stops on disk are out of date */

static const char *status_name(uint8_t st)
{
	return st == IPC_ACCT_START ? "Start" : st == IPC_ACCT_STOP ? "Stop" : "Interim-Update";
}

static void due_at(struct acct_rec *r, uint64_t ms)
{
	r->due_ms = ms;
	if (ms < q_next_due)
		q_next_due = ms;
}

static void send_rec(struct mainctx *m, struct acct_rec *r)
{
	time_t now = time(NULL);

	r->rq.delay = now > r->event ? (uint32_t)(now - r->event) : 0;
	r->in_flight = msecmod_acct(m, &r->rq) == 0;
	if (!r->in_flight)
		due_at(r, util_now_ms() + ACCT_RETRY_MS);
}

static struct acct_rec *slot(void)
{
	for (size_t i = 0; i < ACCT_QUEUE_MAX; i++)
		if (!q[i].used)
			return &q[i];
	return NULL;
}

static uint32_t next_seq(void)
{
	if (++last_seq == 0)
		last_seq = 1;
	return last_seq;
}

/* Acct-Terminate-Cause from the session's end as 113019 words it. */
static uint8_t cause_of(const char *reason)
{
	static const struct { const char *reason; uint8_t cause; } map[] = {
		{ "User Requested", IPC_ACCT_USER_REQUEST },
		{ "Idle Timeout", IPC_ACCT_IDLE_TIMEOUT },
		{ "Max time exceeded", IPC_ACCT_SESSION_TIMEOUT },
		{ "Administrator Reset", IPC_ACCT_ADMIN_RESET },
		{ "Max logins exceeded", IPC_ACCT_NAS_REQUEST },
		{ "Peer dead (DPD)", IPC_ACCT_LOST_CARRIER },
		{ "Connection lost", IPC_ACCT_LOST_CARRIER },
	};

	for (size_t i = 0; reason && i < ARRAY_SIZE(map); i++)
		if (!strcmp(reason, map[i].reason))
			return map[i].cause;
	return IPC_ACCT_NAS_ERROR;
}

void macct_event(struct mainctx *m, struct session *s, uint8_t status, const char *reason)
{
	struct acct_rec *r;
	char n[16];

	if (!s->acct_group[0] || (status != IPC_ACCT_START && !s->acct_started))
		return;
	if (!(r = slot())) {
		snprintf(n, sizeof(n), "%d", ACCT_QUEUE_MAX);
		log_warnx("accounting: %s record of %s dropped: %s records wait for the servers",
			  status_name(status), s->user, n);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->used = 1;
	r->event = time(NULL);
	r->rq.seq = next_seq();
	util_strlcpy(r->rq.group, s->acct_group, sizeof(r->rq.group));
	r->rq.status = status;
	/* fixed at the Start: the Audt Sess ID's first field is new at each
	 * start of main, and a session goes on across a restart */
	if (!s->acct_id[0])
		sessions_audit_id(m, s, s->acct_id);
	util_strlcpy(r->rq.session_id, s->acct_id, sizeof(r->rq.session_id));
	util_strlcpy(r->rq.user, s->user, sizeof(r->rq.user));
	util_strlcpy(r->rq.peer, s->peer, sizeof(r->rq.peer));
	r->rq.framed_ip = htonl(s->addr);
	util_strlcpy(r->rq.class_, s->acct_class, sizeof(r->rq.class_));
	r->rq.session_time = (uint32_t)((util_now_ms() - s->created_ms) / 1000);
	r->rq.bytes_in = s->bytes_in + s->stats.bytes_in;
	r->rq.bytes_out = s->bytes_out + s->stats.bytes_out;
	r->rq.pkts_in = s->pkts_in + s->stats.pkts_in;
	r->rq.pkts_out = s->pkts_out + s->stats.pkts_out;
	if (status == IPC_ACCT_STOP) {
		/* the tunnel's counters are settled into the session by now */
		r->rq.bytes_in = s->bytes_in;
		r->rq.bytes_out = s->bytes_out;
		r->rq.pkts_in = s->pkts_in;
		r->rq.pkts_out = s->pkts_out;
		r->rq.cause = cause_of(reason);
		dirty = 1;
	}
	r->rq.authentic = s->aaa_server[0] ? 1 : 2;  /* RADIUS or local */
	s->acct_started = 1;
	s->acct_interim_ms = util_now_ms();
	send_rec(m, r);
}

int macct_on_rep(struct mainctx *m, const struct ipc_acct_rep *rp)
{
	for (size_t i = 0; i < ACCT_QUEUE_MAX; i++) {
		struct acct_rec *r = &q[i];

		if (!r->used || r->rq.seq != rp->seq)
			continue;
		r->in_flight = 0;
		if (rp->result == IPC_AAA_ACCEPT) {
			log_debugc(LOGC_AAA, 1, "accounting %s of %s (%s) acknowledged by %s",
				   status_name(r->rq.status), r->rq.user, r->rq.session_id, rp->host);
			dirty |= r->rq.status == IPC_ACCT_STOP;
			memset(r, 0, sizeof(*r));
		} else if (r->rq.status == IPC_ACCT_STOP) {
			due_at(r, util_now_ms() + ACCT_RETRY_MS);
			log_warnx("accounting: no server of %s took the Stop of %s (%s): "
				  "kept, sent again in %d s", r->rq.group, r->rq.user,
				  r->rq.session_id, ACCT_RETRY_MS / 1000);
		} else {
			log_warnx("accounting: no server of %s took the %s of %s (%s): dropped "
				  "(the Stop carries the totals)", r->rq.group,
				  status_name(r->rq.status), r->rq.user, r->rq.session_id);
			memset(r, 0, sizeof(*r));
		}
		(void)m;
		return 0;
	}
	return -1;
}

/* secmod restarted: what it had in flight is sent again. */
void macct_secmod_lost(struct mainctx *m)
{
	(void)m;
	for (size_t i = 0; i < ACCT_QUEUE_MAX; i++)
		if (q[i].used && q[i].in_flight) {
			q[i].in_flight = 0;
			due_at(&q[i], util_now_ms() + 1000);
		}
}

/* ---- the Stops on disk */

static void hex(char *out, size_t cap, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 < cap; s++)
		o += (size_t)snprintf(out + o, cap - o, "%02x", (unsigned char)*s);
	out[o] = '\0';
}

static void unhex(char *out, size_t cap, const char *h)
{
	size_t o = 0;
	unsigned v;

	for (; h[0] && h[1] && o + 1 < cap && sscanf(h, "%2x", &v) == 1; h += 2)
		out[o++] = (char)v;
	out[o] = '\0';
}

static void stops_path(const struct mainctx *m, char *path, size_t len)
{
	snprintf(path, len, "%s/acct-stops", m->cfg->general.state_dir);
}

/* One line per Stop: event time, group, session id, then hex user, peer,
 * class, and the numbers. */
static int stops_write(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], line[ACCT_FILE_LINE], u[600], c[600];
	char *text = NULL;
	size_t len = 0, n = 0;
	FILE *fp = open_memstream(&text, &len);
	int rc;

	if (!fp)
		return -1;
	for (size_t i = 0; i < ACCT_QUEUE_MAX; i++) {
		const struct ipc_acct_req *r = &q[i].rq;

		if (!q[i].used || r->status != IPC_ACCT_STOP)
			continue;
		hex(u, sizeof(u), r->user);
		hex(c, sizeof(c), r->class_);
		snprintf(line, sizeof(line), "%lld %s %s %s %s %s %u %u %llu %llu %llu %llu %u\n",
			 (long long)q[i].event, r->group, r->session_id, u[0] ? u : "-",
			 r->peer, c[0] ? c : "-", r->framed_ip, r->session_time,
			 (unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out,
			 (unsigned long long)r->pkts_in, (unsigned long long)r->pkts_out, r->cause);
		fputs(line, fp);
		n++;
	}
	fclose(fp);
	stops_path(m, path, sizeof(path));
	if (!n) {
		free(text);
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	}
	rc = leases_write_atomic(m->cfg->general.state_dir, path, text, len);
	free(text);
	return rc;
}

static int stop_parse(const char *line, struct acct_rec *r)
{
	char u[600], c[600];
	unsigned long long bi, bo, pi, po;
	unsigned cause;
	long long ev;
	int n;

	memset(r, 0, sizeof(*r));
	n = sscanf(line, "%lld %64s %31s %599s %63s %599s %u %u %llu %llu %llu %llu %u", &ev,
		   r->rq.group, r->rq.session_id, u, r->rq.peer, c, &r->rq.framed_ip,
		   &r->rq.session_time, &bi, &bo, &pi, &po, &cause);
	if (n != 13)
		return -1;
	unhex(r->rq.user, sizeof(r->rq.user), strcmp(u, "-") ? u : "");
	unhex(r->rq.class_, sizeof(r->rq.class_), strcmp(c, "-") ? c : "");
	r->event = (time_t)ev;
	r->rq.bytes_in = bi;
	r->rq.bytes_out = bo;
	r->rq.pkts_in = pi;
	r->rq.pkts_out = po;
	r->rq.cause = (uint8_t)cause;
	r->rq.status = IPC_ACCT_STOP;
	r->rq.authentic = 1;
	r->used = 1;
	return 0;
}

/* ---- what the server said about sessions kept across a restart
 *
 * The session registry (sessfile) keeps a session's address and policy;
 * what its AAA server decided (filter, idle timeout, server) and its
 * accounting (group, Class, Acct-Session-Id, packets) go to
 * <state-dir>/aaa-sessions beside it, written at shutdown and read back
 * once the registry's sessions are restored. */
struct kept {
	uint32_t id;
	char user[256], acct_group[CFG_NAME_MAX], acct_class[254], acct_id[25];
	char aaa_filter[1024], aaa_server[CFG_NAME_MAX];
	int acct_started;
	uint32_t aaa_idle_timeout, aaa_session_timeout;
	uint64_t pkts_in, pkts_out;
};

static struct kept *kept;
static size_t n_kept, cap_kept;

static void kept_fill(struct kept *k, const struct session *s)
{
	memset(k, 0, sizeof(*k));
	k->id = s->id;
	util_strlcpy(k->user, s->user, sizeof(k->user));
	util_strlcpy(k->acct_group, s->acct_group, sizeof(k->acct_group));
	util_strlcpy(k->acct_class, s->acct_class, sizeof(k->acct_class));
	util_strlcpy(k->acct_id, s->acct_id, sizeof(k->acct_id));
	util_strlcpy(k->aaa_filter, s->aaa_filter, sizeof(k->aaa_filter));
	util_strlcpy(k->aaa_server, s->aaa_server, sizeof(k->aaa_server));
	k->acct_started = s->acct_started;
	k->aaa_idle_timeout = s->aaa_idle_timeout;
	k->aaa_session_timeout = s->aaa_session_timeout;
	k->pkts_in = s->pkts_in + (s->state == SS_ACTIVE ? s->stats.pkts_in : 0);
	k->pkts_out = s->pkts_out + (s->state == SS_ACTIVE ? s->stats.pkts_out : 0);
}

void macct_keep(const struct session *s)
{
	if (!s->acct_group[0] && !s->aaa_server[0])
		return;
	if (n_kept == cap_kept) {
		size_t nc = cap_kept ? cap_kept * 2 : 64;
		struct kept *nk = realloc(kept, nc * sizeof(*nk));

		if (!nk)
			return;
		kept = nk;
		cap_kept = nc;
	}
	kept_fill(&kept[n_kept++], s);
}

static void kept_path(const struct mainctx *m, char *path, size_t len)
{
	snprintf(path, len, "%s/aaa-sessions", m->cfg->general.state_dir);
}

/* One session's line of the file (no newline). */
static void kept_line(const struct kept *k, char *buf, size_t len)
{
	char u[600], c[600], f[2100];

	hex(u, sizeof(u), k->user);
	hex(c, sizeof(c), k->acct_class);
	hex(f, sizeof(f), k->aaa_filter);
	snprintf(buf, len, "%u %s %s %s %s %s %s %d %u %u %llu %llu", k->id, u[0] ? u : "-",
		 k->acct_group[0] ? k->acct_group : "-", c[0] ? c : "-",
		 k->acct_id[0] ? k->acct_id : "-", f[0] ? f : "-",
		 k->aaa_server[0] ? k->aaa_server : "-", k->acct_started, k->aaa_idle_timeout,
		 k->aaa_session_timeout, (unsigned long long)k->pkts_in,
		 (unsigned long long)k->pkts_out);
}

static int kept_write(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], line[MACCT_LINE_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	kept_path(m, path, sizeof(path));
	if (!n_kept)
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	if (!(fp = open_memstream(&text, &len)))
		return -1;
	for (size_t i = 0; i < n_kept; i++) {
		kept_line(&kept[i], line, sizeof(line));
		fprintf(fp, "%s\n", line);
	}
	fclose(fp);
	rc = leases_write_atomic(m->cfg->general.state_dir, path, text, len);
	free(text);
	return rc;
}

static void dash(char *s)
{
	if (!strcmp(s, "-"))
		s[0] = '\0';
}

/* One line back onto the restored session of that id and user (only: onto
 * that session, whatever its id). */
static void kept_apply(struct mainctx *m, const char *line, struct session *only)
{
	char u[600], g[CFG_NAME_MAX + 1], c[600], id[32], f[2100], srv[CFG_NAME_MAX + 1];
	char user[256];
	unsigned sid, idle, stmo;
	unsigned long long pi, po;
	int started;

	if (sscanf(line, "%u %599s %64s %599s %31s %2099s %64s %d %u %u %llu %llu", &sid, u, g, c,
		   id, f, srv, &started, &idle, &stmo, &pi, &po) != 12)
		return;
	dash(u), dash(g), dash(c), dash(id), dash(f), dash(srv);
	unhex(user, sizeof(user), u);
	struct session *s = only ? only : sessions_by_id(m, sid);

	if (s && !strcmp(s->user, user)) {
		util_strlcpy(s->acct_group, g, sizeof(s->acct_group));
		unhex(s->acct_class, sizeof(s->acct_class), c);
		util_strlcpy(s->acct_id, id, sizeof(s->acct_id));
		unhex(s->aaa_filter, sizeof(s->aaa_filter), f);
		util_strlcpy(s->aaa_server, srv, sizeof(s->aaa_server));
		s->acct_started = started;
		s->acct_interim_ms = util_now_ms();
		s->aaa_idle_timeout = idle;
		s->aaa_session_timeout = stmo;
		s->pkts_in = pi;
		s->pkts_out = po;
		sessions_rearm(m, s); /* its Interim-Updates go on */
	}
}

/* The same line for a session that moves to another node (fleet_sess.c). */
int macct_state_line(const struct session *s, char *buf, size_t len)
{
	struct kept k;

	buf[0] = 0;
	if (!s->acct_group[0] && !s->aaa_server[0])
		return -1;
	kept_fill(&k, s);
	kept_line(&k, buf, len);
	OPENSSL_cleanse(&k, sizeof(k));
	return 0;
}

void macct_state_apply(struct mainctx *m, struct session *s, const char *line)
{
	kept_apply(m, line, s);
}

static void kept_read(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], line[MACCT_LINE_MAX];
	FILE *fp;

	kept_path(m, path, sizeof(path));
	if (!(fp = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), fp))
		kept_apply(m, line, NULL);
	fclose(fp);
	unlink(path);  /* the sessions have it now; written again at shutdown */
}

/* At start: the AAA state of the restored sessions, then the Stops a
 * previous run could not deliver. */
void macct_start(struct mainctx *m)
{
	char path[CFG_PATH_MAX + 16], line[ACCT_FILE_LINE];
	size_t n = 0, bad = 0;
	FILE *fp;

	kept_read(m);
	stops_path(m, path, sizeof(path));
	if (!(fp = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), fp)) {
		struct acct_rec *r = slot();

		if (!r || stop_parse(line, r) < 0) {
			bad++;
			continue;
		}
		r->rq.seq = next_seq();
		due_at(r, util_now_ms());  /* at the first tick: secmod is up */
		n++;
	}
	fclose(fp);
	if (n || bad)
		log_warnx("accounting: %zu Stop records of an earlier run to deliver "
			  "(%zu unreadable lines skipped) from %s", n, bad, path);
}

/* The sessions' Interim-Updates are their own deadlines (sessions_tick);
 * this resends what waits, when something does. */
void macct_tick(struct mainctx *m)
{
	uint64_t now = util_now_ms();

	if (now >= q_next_due) {
		q_next_due = UINT64_MAX;
		for (size_t i = 0; i < ACCT_QUEUE_MAX; i++) {
			if (!q[i].used || q[i].in_flight)
				continue;
			if (now >= q[i].due_ms)
				send_rec(m, &q[i]); /* a failure sets the next due */
			else if (q[i].due_ms < q_next_due)
				q_next_due = q[i].due_ms;
		}
	}
	if (dirty && stops_write(m) == 0)
		dirty = 0;
}

uint64_t macct_interim_due(const struct mainctx *m, const struct session *s)
{
	if (!s->acct_started || !s->acct_group[0])
		return 0;
	const struct cfg_aaa_server *as = config_aaa_server(m->cfg, s->acct_group);

	if (!as || as->interim_accounting_update <= 0)
		return 0;
	return s->acct_interim_ms + (uint64_t)as->interim_accounting_update * 1000;
}

void macct_stop(struct mainctx *m)
{
	if (stops_write(m) < 0)
		log_warn("accounting: cannot keep the undelivered Stop records");
	if (kept_write(m) < 0)
		log_warn("accounting: cannot keep the AAA state of the sessions kept for the restart");
	free(kept);
	kept = NULL;
	n_kept = cap_kept = 0;
}
