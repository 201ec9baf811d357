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
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/util.h"

enum { WORKER_TUN_MTU = 1500, RESTART_BACKOFF_MS = 1000 };

static void on_worker_msg_cb(struct ev_loop *loop, ev_io *io, int revents);
static void on_child_cb(struct ev_loop *loop, ev_child *cw, int revents);

static size_t worker_count(const struct sslvpnd_config *cfg)
{
	long n = cfg->general.workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > MAIN_MAX_WORKERS ? MAIN_MAX_WORKERS : (size_t)n;
}

static void exec_worker(struct mainctx *m, struct worker_proc *w, int sock)
{
	char id[16], dbg[16];
	const char *argv[16];
	int a = 0;

	/* The channel becomes fd 3 in the worker; nothing else is inherited
	 * (every other descriptor of ours is close-on-exec). */
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(127);
	} else {
		fcntl(3, F_SETFD, 0);
	}
	snprintf(id, sizeof(id), "%u", w->id);
	snprintf(dbg, sizeof(dbg), "%d", m->debug);
	argv[a++] = "sslvpnd-worker";
	argv[a++] = "--id";
	argv[a++] = id;
	if (m->config_path) {
		argv[a++] = "-c";
		argv[a++] = m->config_path;
	}
	argv[a++] = "--state-dir";
	argv[a++] = m->cfg->general.state_dir;
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

static int spawn(struct mainctx *m, struct worker_proc *w)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("worker %u: socketpair", w->id);
		return -1;
	}
	pid_t pid = fork();

	if (pid < 0) {
		log_warn("worker %u: fork", w->id);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		exec_worker(m, w, sv[1]);
	}
	close(sv[1]);
	util_nonblock(sv[0]);
	w->pid = pid;
	w->sock = sv[0];
	w->ready = 0;
	w->conns = 0;
	w->started_ms = util_now_ms();
	ev_io_init(&w->io, on_worker_msg_cb, w->sock, EV_READ);
	w->io.data = w;
	ev_io_start(m->loop, &w->io);
	ev_child_init(&w->child, on_child_cb, pid, 0);
	w->child.data = w;
	ev_child_start(m->loop, &w->child);

	struct ipc_tun_fd t = { .mtu = WORKER_TUN_MTU };

	util_strlcpy(t.ifname, w->tun_name, sizeof(t.ifname));
	if (IPC_SEND(w->sock, IPC_TUN_FD, tun_fd, &t, 0, w->tun_fd) < 0)
		log_warn("worker %u: cannot hand over %s", w->id, w->tun_name);
	return 0;
}

static void on_restart_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker_proc *w = t->data;

	if (!w->m->stopping && w->pid == 0)
		spawn(w->m, w);
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
	snprintf(w->tun_name, sizeof(w->tun_name), "sslvpn%u", id);
	w->tun_fd = net_tun_create(m->net, w->tun_name, WORKER_TUN_MTU,
				   &w->tun_ifindex);
	if (w->tun_fd < 0)
		return -1;
	snprintf(idstr, sizeof(idstr), "%u", id);
	log_event(LM_TUN_CREATED, w->tun_name, idstr);
	return spawn(m, w);
}

int proc_start_all(struct mainctx *m)
{
	m->n_workers = worker_count(m->cfg);
	for (size_t i = 0; i < m->n_workers; i++)
		if (start_one(m, (uint32_t)i) < 0)
			return -1;
	return 0;
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

void proc_kill(struct worker_proc *w, const char *why)
{
	log_warnx("worker %u (pid %d): %s; killing it", w->id, (int)w->pid, why);
	close_channel(w);
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
}

void proc_stop_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		ev_timer_stop(m->loop, &w->restart);
		ev_child_stop(m->loop, &w->child);
		close_channel(w);
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
	}
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
}

static void on_child_cb(struct ev_loop *loop, ev_child *cw, int revents)
{
	struct worker_proc *w = cw->data;
	struct mainctx *m = w->m;
	char why[96], ids[16], pids[16];

	ev_child_stop(loop, cw);
	describe_status(cw->rstatus, why, sizeof(why));
	snprintf(ids, sizeof(ids), "%u", w->id);
	snprintf(pids, sizeof(pids), "%d", (int)w->pid);
	close_channel(w);
	w->pid = 0;
	sessions_on_worker_lost(w);
	if (m->stopping)
		return;
	log_event(LM_WORKER_DIED, ids, pids, why);
	/* A worker that dies at once (bad binary, bad config) must not
	 * turn main into a fork loop: respawn it a second later. */
	w->restarts++;
	if (util_now_ms() - w->started_ms < RESTART_BACKOFF_MS) {
		ev_timer_stop(loop, &w->restart);
		ev_timer_set(&w->restart, RESTART_BACKOFF_MS / 1000.0, 0.);
		ev_timer_start(loop, &w->restart);
		return;
	}
	spawn(m, w);
}

struct worker_proc *proc_least_loaded(struct mainctx *m)
{
	struct worker_proc *best = NULL;

	for (size_t i = 0; i < m->n_workers; i++) {
		struct worker_proc *w = &m->workers[i];

		if (w->sock >= 0 && w->ready && (!best || w->conns < best->conns))
			best = w;
	}
	return best;
}

int proc_send(struct worker_proc *w, enum ipc_type type, const uint8_t *buf,
	      int len, int fd)
{
	if (w->sock < 0 || len < 0)
		return -1;
	if (ipc_send(w->sock, type, 0, buf, (size_t)len, fd) < 0) {
		log_warn("worker %u: cannot send %s", w->id, ipc_msgs[type].name);
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
		if (!m->workers[i].ready)
			return;
	m->listening = 1;
	/* UDP first: once the TCP listeners log 100007, DTLS works too. */
	if (udp_start_all(m) < 0 || listen_start_all(m) < 0) {
		log_warnx("cannot open the listeners: stopping");
		m->failed = 1;
		m->stopping = 1;
		ev_break(m->loop, EVBREAK_ALL);
	}
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
	snprintf(ids, sizeof(ids), "%u", w->id);
	snprintf(pids, sizeof(pids), "%d", (int)w->pid);
	log_event(LM_WORKER_STARTED, ids, pids);
	maybe_listen(w->m);
}

static void on_conn_done(struct worker_proc *w, const uint8_t *buf, size_t len)
{
	struct ipc_conn_done d;

	if (ipc_dec_conn_done(&d, buf, len) < 0) {
		proc_kill(w, "bad CONN_DONE");
		return;
	}
	if (w->conns)
		w->conns--;
}

static void dispatch(struct worker_proc *w, const struct ipc_hdr *h,
		     const uint8_t *buf)
{
	switch (h->type) {
	case IPC_WORKER_READY: on_ready(w, buf, h->len); break;
	case IPC_CONN_DONE: on_conn_done(w, buf, h->len); break;
	case IPC_AUTH_REQ: mauth_on_auth_req(w, buf, h->len); break;
	case IPC_TUNNEL_REQ: mauth_on_tunnel_req(w, buf, h->len); break;
	case IPC_TUNNEL_CLOSED: sessions_on_tunnel_closed(w, buf, h->len); break;
	case IPC_TUNNEL_STATS: sessions_on_tunnel_stats(w, buf, h->len); break;
	default: proc_kill(w, "unexpected message"); break;
	}
}

static void on_worker_msg_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker_proc *w = io->data;
	uint8_t buf[IPC_MAX_MSG];
	struct ipc_hdr h;
	int fd;

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
