/* Worker processes: start, feed, watch, restart.
 *
 * Each worker gets a SEQPACKET channel and its own tun device.  main keeps
 * a copy of every tun fd so the device and its host routes survive a worker
 * crash; the restarted worker receives the same device. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "main.h"
#include "mban.h"
#include "metrics.h"
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

enum { WORKER_TUN_MTU = 1500, RESTART_BACKOFF_MS = 1000, WORKER_CHANNEL_SNDBUF = 16 << 20 };

static void on_worker_msg_cb(struct ev_loop *loop, ev_io *io, int revents);
static void on_child_cb(struct ev_loop *loop, ev_child *cw, int revents);

size_t proc_worker_count(const struct sslvpnd_config *cfg)
{
	long n = cfg->general.workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > MAIN_MAX_WORKERS ? MAIN_MAX_WORKERS : (size_t)n;
}

static void exec_worker(struct mainctx *m, struct worker_proc *w, int sock, int keys, int logs)
{
	char id[16], dbg[16];
	const char *argv[20];
	int a = 0;

	/* The worker gets exactly stdin/stdout/stderr, main's channel as fd
	 * 3, its key channel to secmod as fd 4 and its log socket as fd 5
	 * (LOG_FWD_WORKER_FD).  Our own descriptors are close-on-exec, but
	 * whatever main inherited without it (a shell's redirections, a
	 * supervisor's sockets) would otherwise reach the unprivileged
	 * worker.  All are moved above 5 first so no dup2 overwrites another. */
	sock = fcntl(sock, F_DUPFD, 6);
	keys = fcntl(keys, F_DUPFD, 6);
	logs = fcntl(logs, F_DUPFD, 6);
	if (sock < 0 || keys < 0 || logs < 0 || dup2(sock, 3) < 0 || dup2(keys, 4) < 0 ||
	    dup2(logs, LOG_FWD_WORKER_FD) < 0)
		_exit(127);
	if (util_close_from(6) < 0)
		_exit(127);
	/* The test aid fires in a worker's first run only: its restart
	 * serves on (man sslvpnd(8), SSLVPND_TEST_SECCOMP_PROBE). */
	if (w->restarts) {
		unsetenv(SANDBOX_PROBE_ENV);
		unsetenv(IPC_TEST_FORGE_ENV);
	}
	snprintf(id, sizeof(id), "%u", w->id);
	snprintf(dbg, sizeof(dbg), "%d", m->debug);
	argv[a++] = "sslvpnd-worker";
	argv[a++] = "--id";
	argv[a++] = id;
	/* No configuration path: main tells the worker its configuration
	 * (WORKER_CONFIG, spawn) and the worker reads no file. */
	argv[a++] = "-d";
	argv[a++] = dbg;
	if (m->foreground)
		argv[a++] = "-f";
	argv[a] = NULL;
	execv(m->worker_path, (char *const *)(uintptr_t)argv);
	fprintf(stderr, "sslvpnd: cannot execute worker %s: %s\n", m->worker_path,
		strerror(errno));
	_exit(127);
}

static void close_pair(const int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

/* A worker's key channel to secmod: with asynchronous key operations a
 * worker has up to 64 requests out and secmod as many answers queued
 * (about 2 KB of skb each); at the default 208 KB a burst of eight
 * workers' answers would fill it and secmod drops an answer it cannot
 * send (that handshake then fails). */
static int key_pair(int kv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, kv) < 0)
		return -1;
	(void)util_sndbuf(kv[0], WORKER_CHANNEL_SNDBUF);
	(void)util_sndbuf(kv[1], WORKER_CHANNEL_SNDBUF);
	return 0;
}

static int spawn(struct mainctx *m, struct worker_proc *w)
{
	int sv[2], kv[2], lv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("worker %u: socketpair", w->id);
		return -1;
	}
	if (key_pair(kv) < 0) {
		log_warn("worker %u: socketpair", w->id);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	/* Each end may queue a burst while the other is busy: at the default
	 * 208 KB a few dozen TUNNEL_REQ/REP (a few KB of skb each) fill it,
	 * and a full channel loses a login (main) or ends the worker (a send
	 * to main that fails is fatal there) -- 2,000 phones at 100/s on a
	 * loaded 2-core machine did both.  Memory is taken only while queued. */
	(void)util_sndbuf(sv[0], WORKER_CHANNEL_SNDBUF);
	(void)util_sndbuf(sv[1], WORKER_CHANNEL_SNDBUF);
	if (mlog_pair(lv) < 0) {
		log_warn("worker %u: log socketpair", w->id);
		close_pair(sv);
		close_pair(kv);
		return -1;
	}
	pid_t pid = fork();

	if (pid < 0) {
		log_warn("worker %u: fork", w->id);
		close_pair(sv);
		close_pair(kv);
		close_pair(lv);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		close(kv[0]);
		close(lv[0]);
		exec_worker(m, w, sv[1], kv[1], lv[1]);
	}
	close(sv[1]);
	close(kv[1]);
	close(lv[1]);
	mlog_start(m->loop, &w->log, lv[0], "sslvpnd-worker", pid);
	msecmod_worker(m, w->id, pid, kv[0]);  /* secmod's end; closed here */
	util_nonblock(sv[0]);
	w->pid = pid;
	w->sock = sv[0];
	w->ready = 0;
	w->ipc_seen = 0;
	w->conns = 0;
	w->started_ms = util_now_ms();
	ev_io_init(&w->io, on_worker_msg_cb, w->sock, EV_READ);
	w->io.data = w;
	ev_io_start(m->loop, &w->io);
	ev_child_init(&w->child, on_child_cb, pid, 0);
	w->child.data = w;
	ev_child_start(m->loop, &w->child);

	/* Its configuration first (the worker waits for it, then sets up
	 * and enters the sandbox); then its tun device. */
	if (mwcfg_send(&m->wcfg, w->sock) < 0)
		log_warn("worker %u: cannot send its configuration", w->id);

	struct ipc_tun_fd t = { .mtu = WORKER_TUN_MTU, .vnet = w->tun_vnet };

	util_strlcpy(t.ifname, w->tun_name, sizeof(t.ifname));
	if (IPC_SEND(w->sock, IPC_TUN_FD, tun_fd, &t, 0, w->tun_fd) < 0)
		log_warn("worker %u: cannot hand over %s", w->id, w->tun_name);
	return 0;
}

static void release_slot(struct worker_proc *w);

static void on_restart_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker_proc *w = t->data;

	if (w->m->stopping || w->pid != 0 || !w->used)
		return;
	if (w->gen == w->m->worker_gen)
		spawn(w->m, w);
	else
		release_slot(w);  /* a reload replaced it while it was down */
}

/* The worker's tun with offload (S11, src/common/tunoff.c) unless the
 * test aid SSLVPND_TEST_NO_TUN_OFFLOAD asks for the plain device (the
 * path a kernel without IFF_VNET_HDR would get; bench comparisons). */
static int tun_create(struct mainctx *m, struct worker_proc *w)
{
	const char *off = getenv("SSLVPND_TEST_NO_TUN_OFFLOAD");
	int tso = 0, fd;

	if (off && *off && strcmp(off, "0") != 0) {
		w->tun_vnet = 0;
		return net_tun_create(m->net, w->tun_name, WORKER_TUN_MTU, &w->tun_ifindex);
	}
	fd = net_tun_create_vnet(m->net, w->tun_name, WORKER_TUN_MTU, &w->tun_ifindex, &tso);
	w->tun_vnet = (uint8_t)(IPC_TUN_VNET | (tso ? IPC_TUN_TSO : 0));
	return fd;
}

static int start_one(struct mainctx *m, uint32_t id)
{
	struct worker_proc *w = &m->workers[id];
	char idstr[16];

	w->m = m;
	ev_timer_init(&w->restart, on_restart_cb, 1., 0.);
	w->restart.data = w;
	w->id = id;
	w->sock = -1;
	w->log.fd = -1;
	w->pid = 0;
	w->ready = 0;
	w->ipc_seen = 0;
	w->conns = 0;
	w->restarts = 0;
	w->used = 1;
	w->gen = m->worker_gen;
	w->draining = 0;
	tls_verifier_free(w->verifier);
	w->verifier = tls_verifier_ref(m->wcfg.verifier);
	snprintf(w->tun_name, sizeof(w->tun_name), "sslvpn%u", id);
	w->tun_fd = tun_create(m, w);
	if (w->tun_fd < 0)
		return -1;
	snprintf(idstr, sizeof(idstr), "%u", id);
	log_event(LM_TUN_CREATED, w->tun_name, idstr);
	return spawn(m, w);
}

int proc_start_all(struct mainctx *m)
{
	m->n_workers = proc_worker_count(m->cfg);
	for (size_t i = 0; i < m->n_workers; i++)
		if (start_one(m, (uint32_t)i) < 0)
			return -1;
	return 0;
}

/* Free slots: never used (beyond n_workers) or released by a drained
 * worker.  Slot i always runs on tun device sslvpn<i>. */
static size_t free_slots(const struct mainctx *m)
{
	size_t n = MAIN_MAX_WORKERS - m->n_workers;

	for (size_t i = 0; i < m->n_workers; i++)
		n += !m->workers[i].used;
	return n;
}

static size_t count_gen(const struct mainctx *m, int draining_only)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_workers; i++) {
		const struct worker_proc *w = &m->workers[i];

		if (w->used && w->gen != m->worker_gen && (!draining_only || w->draining))
			n++;
	}
	return n;
}

int proc_start_generation(struct mainctx *m, char *err, size_t errlen)
{
	size_t want = proc_worker_count(m->cfg), started = 0;

	if (free_slots(m) < want) {
		snprintf(err, errlen, "%zu workers of earlier configurations still serve "
			 "tunnels and only %zu of the %d worker slots are free for the %zu "
			 "new workers; retry when sessions have moved on",
			 count_gen(m, 0), free_slots(m), MAIN_MAX_WORKERS, want);
		return -1;
	}
	for (uint32_t i = 0; i < MAIN_MAX_WORKERS && started < want; i++) {
		if (i < m->n_workers && m->workers[i].used)
			continue;
		if (i >= m->n_workers)
			m->n_workers = i + 1;
		if (start_one(m, i) < 0) {
			/* The slot stays free; the earlier generation serves on
			 * until the new one is complete. */
			m->workers[i].used = 0;
			log_warnx("reload: worker slot %u could not start", i);
			continue;
		}
		started++;
	}
	if (!started) {
		snprintf(err, errlen, "no worker of the new configuration could start "
			 "(tun device or fork failed; see the log)");
		return -1;
	}
	return 0;
}

/* secmod restarted: every live worker gets a new key channel (its old one
 * ended with the old secmod). */
void proc_secmod_channels(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];
		struct ipc_secmod_channel c = { .gen = 0 };
		int kv[2];

		if (!w->used || w->pid <= 0 || w->sock < 0)
			continue;
		if (key_pair(kv) < 0) {
			log_warn("worker %u: socketpair", w->id);
			continue;
		}
		if (IPC_SEND(w->sock, IPC_SECMOD_CHANNEL, secmod_channel, &c, 0, kv[1]) < 0)
			log_warn("worker %u: cannot hand over its new key channel", w->id);
		close(kv[1]);
		msecmod_worker(m, w->id, w->pid, kv[0]);
	}
}

void proc_respawn_down(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		if (!w->used || w->pid != 0 || w->gen != m->worker_gen)
			continue;
		ev_timer_stop(m->loop, &w->restart);
		spawn(m, w);
	}
}

/* A draining worker with nothing left to serve stops; its slot (and tun
 * device, which carries no route any more) becomes free. */
static void maybe_retire(struct worker_proc *w)
{
	char ids[16], pids[16], gen[16];

	if (w->draining != 1 || w->conns || w->pid <= 0)
		return;
	w->draining = 2;  /* told to stop */
	snprintf(ids, sizeof(ids), "%u", w->id);
	snprintf(pids, sizeof(pids), "%d", (int)w->pid);
	snprintf(gen, sizeof(gen), "%u", w->gen);
	log_event(LM_WORKER_DRAINED, ids, pids, gen);
	kill(w->pid, SIGTERM);
}

/* The whole current generation is ready: every earlier worker drains. */
static void switch_generation(struct mainctx *m)
{
	uint32_t conns = 0;
	char gen[16], n[16], c[16];

	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		if (!w->used)
			continue;
		if (w->gen == m->worker_gen && !w->ready)
			return;
	}
	if (count_gen(m, 0) == count_gen(m, 1))
		return;  /* nothing new to drain */
	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		if (w->used && w->gen != m->worker_gen && w->pid == 0)
			release_slot(w);  /* was down, waiting for a respawn */
		if (w->used && w->gen != m->worker_gen && !w->draining)
			w->draining = 1;
		if (w->used && w->draining)
			conns += w->conns;
	}
	snprintf(gen, sizeof(gen), "%u", m->worker_gen);
	snprintf(n, sizeof(n), "%zu", count_gen(m, 1));
	snprintf(c, sizeof(c), "%u", conns);
	log_event(LM_WORKERS_DRAINING, gen, n, c);
	for (size_t i = 0; i < m->n_workers; i++)
		maybe_retire(&m->workers[i]);
}

/* A worker of an earlier generation is gone (drained or crashed): it is
 * not restarted; its clients reconnect to the current generation. */
static void release_slot(struct worker_proc *w)
{
	ev_timer_stop(w->m->loop, &w->restart);
	if (w->tun_fd >= 0)
		close(w->tun_fd);
	w->tun_fd = -1;
	w->used = 0;
	w->draining = 0;
	tls_verifier_free(w->verifier);
	w->verifier = NULL;
}

static void close_channel(struct worker_proc *w)
{
	if (w->sock < 0)
		return;
	ev_io_stop(w->m->loop, &w->io);
	close(w->sock);
	w->sock = -1;
	w->ready = 0;
}

static void end_worker(struct worker_proc *w)
{
	close_channel(w);
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
}

void proc_kill(struct worker_proc *w, const char *why)
{
	log_warnx("worker %u (pid %d): %s; killing it", w->id, (int)w->pid, why);
	end_worker(w);
}

void proc_stop_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		ev_timer_stop(m->loop, &w->restart);
		ev_child_stop(m->loop, &w->child);
		close_channel(w);
		for (size_t j = 0; j < w->n_inflight; j++)
			close(w->inflight[j].fd);
		w->n_inflight = 0;
		if (w->pid > 0)
			kill(w->pid, SIGTERM);
	}
	/* Bounded wait: a worker that ignores SIGTERM for 2 s is killed. */
	for (int round = 0; round < 40; round++) {
		int alive = 0;

		for (size_t i = 0; i < m->n_workers; i++) {
			struct worker_proc *w = &m->workers[i];

			if (w->pid > 0 && waitpid(w->pid, NULL, WNOHANG) == 0)
				alive = 1;
			else
				w->pid = 0;
		}
		if (!alive)
			break;
		usleep(50000);
	}
	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		if (w->pid > 0) {
			kill(w->pid, SIGKILL);
			waitpid(w->pid, NULL, 0);
			w->pid = 0;
		}
		if (w->tun_fd >= 0)
			close(w->tun_fd);
		w->tun_fd = -1;
		mlog_stop(&w->log);  /* what it wrote while stopping */
	}
}

static void on_child_cb(struct ev_loop *loop, ev_child *cw, int revents)
{
	struct worker_proc *w = cw->data;
	struct mainctx *m = w->m;
	char why[96], ids[16], pids[16];

	ev_child_stop(loop, cw);
	util_wait_status(cw->rstatus, why, sizeof(why));
	snprintf(ids, sizeof(ids), "%u", w->id);
	snprintf(pids, sizeof(pids), "%d", (int)w->pid);
	close_channel(w);
	mlog_stop(&w->log);  /* its last lines before the line on its death */
	w->pid = 0;
	sessions_on_worker_lost(w);
	listen_take_back(w);
	if (m->stopping)
		return;
	if (w->gen != m->worker_gen) {
		if (!w->draining || !WIFEXITED(cw->rstatus) || WEXITSTATUS(cw->rstatus))
			log_warnx("worker %s (pid %s) of configuration generation %u ended: %s",
				  ids, pids, w->gen, why);
		release_slot(w);
		return;
	}
	log_event(LM_WORKER_DIED, ids, pids, why);
	/* A worker that dies at once (bad binary, bad config) must not
	 * turn main into a fork loop: respawn it a second later. */
	w->restarts++;
	metrics_count(MET_WORKER_RESTART, NULL);
	if (util_now_ms() - w->started_ms < RESTART_BACKOFF_MS) {
		ev_timer_stop(loop, &w->restart);
		ev_timer_set(&w->restart, RESTART_BACKOFF_MS / 1000.0, 0.);
		ev_timer_start(loop, &w->restart);
		return;
	}
	spawn(m, w);
}

/* New connections go to the current generation; until all of it is
 * ready (just after a reload) the earlier one still takes them. */
struct worker_proc *proc_least_loaded(struct mainctx *m)
{
	struct worker_proc *best = NULL;
	int best_cur = 0;

	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];
		int cur = w->gen == m->worker_gen;

		if (!w->used || w->sock < 0 || !w->ready || w->draining)
			continue;
		if (!best || cur > best_cur || (cur == best_cur && w->conns < best->conns)) {
			best = w;
			best_cur = cur;
		}
	}
	return best;
}

int proc_send(struct worker_proc *w, enum ipc_type type, const uint8_t *buf,
	      int len, int fd)
{
	if (w->sock < 0 || len < 0)
		return -1;
	if (ipc_send(w->sock, type, 0, buf, (size_t)len, fd) < 0) {
		int dead = errno == EPIPE || errno == ECONNRESET;

		log_warn("worker %u: cannot send %s", w->id, ipc_msgs[type].name);
		/* The worker is gone and its EOF not read yet (it died in this
		 * loop turn): nothing more goes to it; SIGCHLD does the rest. */
		if (dead)
			close_channel(w);
		return -1;
	}
	return 0;
}

/* Listen only once every worker is ready: a client that connects as soon
 * as the port opens must find someone to serve it. */
static void maybe_listen(struct mainctx *m)
{
	if (m->listening)
		return;
	for (size_t i = 0; i < m->n_workers; i++)
		if (m->workers[i].used && !m->workers[i].ready)
			return;
	m->listening = 1;
	/* UDP first: once the TCP listeners log 100007, DTLS works too. */
	if (udp_start_all(m) < 0 || listen_start_all(m) < 0) {
		log_warnx("cannot open the listeners: stopping");
		m->failed = 1;
		m->stopping = 1;
		ev_break(m->loop, EVBREAK_ALL);
		return;
	}
	reload_notify("READY=1");
}

static void on_ready(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_worker_ready r;
	char ids[16], pids[16];

	if (ipc_dec_worker_ready(&r, buf, len) < 0 || r.worker_id != w->id) {
		proc_kill(w, "bad WORKER_READY");
		return;
	}
	w->ready = 1;
	ctl_send_log_levels(w);
	mtickets_worker(w);
	snprintf(ids, sizeof(ids), "%u", w->id);
	snprintf(pids, sizeof(pids), "%d", (int)w->pid);
	log_event(LM_WORKER_STARTED, ids, pids);
	maybe_listen(w->m);
	listen_resume_all(w->m);
	if (w->gen == w->m->worker_gen)
		switch_generation(w->m);
}

static void on_conn_done(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_conn_done d;

	if (ipc_dec_conn_done(&d, buf, len) < 0 || d.handshake > IPC_HS_RESUMED) {
		proc_kill(w, "bad CONN_DONE");
		return;
	}
	if (!mconn_check(w, d.conn_id, IPC_CONN_DONE))
		return;
	if (d.handshake != IPC_HS_UNKNOWN)
		metrics_count(MET_TLS_HANDSHAKE,
			      d.handshake == IPC_HS_COMPLETED ? "completed"
			      : d.handshake == IPC_HS_RESUMED ? "resumed" : "failed");
	if (w->conns)
		w->conns--;
	maybe_retire(w);
}

static void on_conn_taken(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_conn_taken t;

	if (ipc_dec_conn_taken(&t, buf, len) < 0) {
		proc_kill(w, "bad CONN_TAKEN");
		return;
	}
	if (!mconn_check(w, t.conn_id, IPC_CONN_TAKEN))
		return;
	listen_taken(w, t.conn_id);
}

/* A failure only the worker sees.  Wrong passwords and unknown cookies are
 * main's own findings: a worker reporting them breaks the protocol. */
static void on_src_event(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_src_event e;
	const struct mconn *c;

	if (ipc_dec_src_event(&e, buf, len) < 0 ||
	    (e.cause != BAN_CERT && e.cause != BAN_MALFORMED)) {
		proc_kill(w, "bad SRC_EVENT");
		return;
	}
	if ((c = mconn_check(w, e.conn_id, IPC_SRC_EVENT)))
		mban_event(w->m, c->peer, (enum ban_cause)e.cause);
}

void proc_violation(struct worker_proc *w, const char *msg, const char *state,
		    const char *why)
{
	char ids[16], pids[16];

	snprintf(ids, sizeof(ids), "%u", w->id);
	snprintf(pids, sizeof(pids), "%d", (int)w->pid);
	log_event(LM_WORKER_IPC_REFUSED, ids, pids, msg, state, why);
	end_worker(w);
}

/* A message the table does not allow now: a protocol violation. */
static void refuse(struct worker_proc *w, unsigned type, enum ipc_state st,
		   enum ipc_verdict v)
{
	proc_violation(w, type < IPC__COUNT ? ipc_msgs[type].name : "unknown message",
		       ipc_state_name(st), ipc_verdict_name(v));
}

/* Generated from msgs.def: each IPC_W2M row calls its handler (a worker
 * sends no descriptor: an IPC_W2M row with IPC_FD_ONE does not compile
 * until main has handlers for one). */
#define MAIN_CALL_IPC_FD_NONE(fn) fn(w, buf, h->len)
#define MAIN_CASE_IPC_W2M(name, fn, fdp) case IPC_##name: MAIN_CALL_##fdp(fn); break;
#define MAIN_CASE_IPC_M2W(name, fn, fdp)
#define MAIN_CASE_IPC_M2S(name, fn, fdp)
#define MAIN_CASE_IPC_S2M(name, fn, fdp)
#define MAIN_CASE_IPC_W2S(name, fn, fdp)
#define MAIN_CASE_IPC_S2W(name, fn, fdp)

static void dispatch(struct worker_proc *w, const struct ipc_hdr *h,
		     const uint8_t *buf)
{
	enum ipc_state st = w->ready ? IPC_ST_READY : IPC_ST_STARTING;
	enum ipc_verdict v = ipc_admit(ipc_msgs, IPC_W2M, st, w->ipc_seen, h->type);

	if (v != IPC_ADMIT) {
		refuse(w, h->type, st, v);
		return;
	}
	ipc_seen_note(ipc_msgs, &w->ipc_seen, h->type);
	switch (h->type) {
#define IPCMSG(name, low, dir, max, fd, body, st, fl, fn) MAIN_CASE_##dir(name, fn, fd)
#include "sslvpnd/msgs.def"
#undef IPCMSG
	default: proc_kill(w, "unexpected message"); break;  /* ipc_admit refused it */
	}
}

static void on_worker_msg_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker_proc *w = io->data;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

	/* What it logged before this message comes first in the log. */
	mlog_drain(&w->log);
	/* Bounded per wake-up so one chatty worker cannot starve the others. */
	for (int i = 0; i < 64 && w->sock >= 0; i++) {
		int r = ipc_recv(w->sock, IPC_W2M, &h, buf, sizeof(buf), &fd);

		if (r == 0 && errno == 0) {
			close_channel(w);  /* EOF: SIGCHLD does the rest */
			return;
		}
		if (r == 0)
			return;
		if (r < 0) {
			proc_kill(w, errno == EPROTO ? "IPC protocol violation"
						     : "IPC receive error");
			return;
		}
		dispatch(w, &h, buf);
	}
}
