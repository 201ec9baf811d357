/* TCP listeners: accept and hand each connection to the least-loaded
 * worker.  main reads no byte of the connection, so per-source limits
 * (preauth.c) and bans (mban.c) apply before any TLS parsing. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "main.h"
#include "mban.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

int listen_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

enum { LISTEN_BACKLOG = 65535 };

static int open_listener(const struct cfg_interface *ifc)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	if (listen_parse_addr(ifc->address, ifc->port, &ss, &sl) < 0) {
		log_warnx("interface %s: bad address %s", ifc->name, ifc->address);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		log_warn("interface %s: socket", ifc->name);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* The kernel caps the backlog at net.core.somaxconn: ask for the most
	 * so a reconnect storm (10,000 phones within a second after a restart)
	 * is bounded by the administrator's sysctl, not by a constant here. */
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		log_warn("interface %s: cannot listen on %s port %u", ifc->name,
			 ifc->address, ifc->port);
		close(fd);
		return -1;
	}
	return fd;
}

/* Keeps a copy of fd until w confirms it (CONN_TAKEN): a worker can die
 * with the CONN_NEW unread in its channel (the send succeeded), which would
 * close the client's connection.  Without room or a descriptor, no copy
 * (the connection then depends on that worker, as before). */
static void track(struct worker_proc *w, struct listener *l, int fd, uint32_t conn_id,
		  const struct sockaddr *peer)
{
	struct held_conn *h;
	int copy;

	if (w->n_inflight == WORKER_INFLIGHT_MAX)
		return;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (copy < 0)
		return;
	h = &w->inflight[w->n_inflight++];
	h->fd = copy;
	h->conn_id = conn_id;
	h->l = l;
	memset(&h->peer, 0, sizeof(h->peer));
	memcpy(&h->peer, peer, peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							    : sizeof(struct sockaddr_in));
}

/* Sends fd to the least loaded ready worker.  Returns 0 when a worker has
 * it, -1 when none is ready (or the only ones just died: proc_send closes
 * a dead worker's channel, so the next one is tried), -2 when it cannot be
 * sent for another reason (logged by proc_send). */
static int hand_over(struct listener *l, int fd, const struct sockaddr *peer)
{
	struct mainctx *m = l->m;
	struct ipc_conn_new c = { 0 };
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	uint8_t buf[IPC_MAX_MSG];

	util_strlcpy(c.iface, l->ifc->name, sizeof(c.iface));
	util_sockaddr_str(peer, c.peer, sizeof(c.peer), &c.peer_port);
	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0)
		util_sockaddr_str((struct sockaddr *)&local, c.local,
				  sizeof(c.local), &c.local_port);
	/* Bounded: each failed try closes a channel or ends the loop. */
	for (size_t tries = 0; tries <= MAIN_MAX_WORKERS; tries++) {
		struct worker_proc *w = proc_least_loaded(m);

		if (!w)
			return -1;
		c.conn_id = ++m->next_conn_id;
		int n = ipc_enc_conn_new(&c, buf, sizeof(buf));

		msecmod_conn(m, w->id, c.conn_id);  /* its handshake may sign */
		if (proc_send(w, IPC_CONN_NEW, buf, n, fd) == 0) {
			w->conns++;
			track(w, l, fd, c.conn_id, peer);
			preauth_add(w, &c, peer);
			return 0;
		}
		if (w->sock >= 0)
			return -2;
	}
	return -1;
}

/* No worker is ready (the only one crashed and its successor is still
 * loading, or all of them): stop accepting instead of dropping.  The
 * kernel completes the handshakes and queues the connections (backlog
 * 1024); a client that reconnected at once -- openconnect retries
 * immediately once, then only after 10 s -- is served as soon as a worker
 * reports ready (listen_resume_all). */
static void pause_listener(struct listener *l)
{
	ev_io_stop(l->m->loop, &l->io);
	l->paused = 1;
	log_warnx("interface %s: no worker ready; new connections wait in the "
		  "accept queue", l->ifc->name);
}

/* A connection whose worker turned out dead (its death not yet read, or it
 * never read the CONN_NEW): main keeps it like the kernel keeps the
 * unaccepted ones.  Returns 0 when kept (the caller must not close fd), -1
 * when full. */
static int hold(struct listener *l, int fd, const struct sockaddr_storage *peer)
{
	if (l->n_held == LISTEN_HELD_MAX) {
		log_warnx("interface %s: no worker ready and %d connections already "
			  "waiting: dropping connection", l->ifc->name, LISTEN_HELD_MAX);
		return -1;
	}
	l->held[l->n_held].fd = fd;
	l->held[l->n_held].peer = *peer;
	l->n_held++;
	return 0;
}

/* Hands the held connections over, oldest first; those no worker takes
 * stay (or are dropped when another error prevents it). */
static void release_held(struct listener *l)
{
	size_t kept = 0;

	for (size_t i = 0; i < l->n_held; i++) {
		struct held_conn *h = &l->held[i];
		int r = hand_over(l, h->fd, (struct sockaddr *)&h->peer);

		if (r == -1) {
			l->held[kept++] = *h;
			continue;
		}
		close(h->fd);
	}
	l->n_held = kept;
}

void listen_resume_all(struct mainctx *m)
{
	if (!proc_least_loaded(m))
		return;
	for (size_t i = 0; i < m->n_listeners; i++) {
		struct listener *l = &m->listeners[i];

		release_held(l);
		if (!l->paused)
			continue;
		l->paused = 0;
		ev_io_start(m->loop, &l->io);
		log_info("interface %s: a worker is ready; accepting again", l->ifc->name);
	}
}

void listen_taken(struct worker_proc *w, uint32_t conn_id)
{
	for (size_t i = 0; i < w->n_inflight; i++) {
		if (w->inflight[i].conn_id != conn_id)
			continue;
		close(w->inflight[i].fd);
		w->inflight[i] = w->inflight[--w->n_inflight];
		return;
	}
}

void listen_take_back(struct worker_proc *w)
{
	struct mainctx *m = w->m;
	size_t n = w->n_inflight;

	preauth_worker_gone(w);
	if (!n)
		return;
	for (size_t i = 0; i < w->n_inflight; i++) {
		struct held_conn *h = &w->inflight[i];

		if (m->stopping || hold(h->l, h->fd, &h->peer) < 0)
			close(h->fd);
	}
	w->n_inflight = 0;
	if (m->stopping)
		return;
	log_warnx("worker %u died before taking %zu connection(s): they go to the next "
		  "ready worker", w->id, n);
	listen_resume_all(m);
}

static void on_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct listener *l = io->data;

	(void)loop;
	(void)revents;
	/* Bounded per wake-up; the rest waits for the next loop turn. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;

		if (!proc_least_loaded(l->m)) {
			pause_listener(l);
			return;
		}
		socklen_t pl = sizeof(peer);
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &pl,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("interface %s: accept", l->ifc->name);
			return;
		}
		/* A banned source: closed before any byte is read. */
		if (mban_refuse(MBAN_TCP, (struct sockaddr *)&peer)) {
			close(fd);
			continue;
		}
		if (preauth_admit(l->m, l, (struct sockaddr *)&peer) < 0) {
			close(fd);  /* before any TLS byte */
			continue;
		}
		int r = hand_over(l, fd, (struct sockaddr *)&peer);

		if (r == -1 && hold(l, fd, &peer) == 0) {
			pause_listener(l);
			return;
		}
		close(fd);
	}
}

int listen_start_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->cfg->n_interfaces && i < MAIN_MAX_LISTENERS; i++) {
		const struct cfg_interface *ifc = &m->cfg->interfaces[i];
		struct listener *l = &m->listeners[m->n_listeners];
		char port[8];

		l->fd = open_listener(ifc);
		if (l->fd < 0)
			return -1;
		l->m = m;
		l->ifc = ifc;
		l->paused = 0;
		l->n_held = 0;
		ev_io_init(&l->io, on_accept_cb, l->fd, EV_READ);
		l->io.data = l;
		ev_io_start(m->loop, &l->io);
		m->n_listeners++;
		snprintf(port, sizeof(port), "%u", ifc->port);
		log_event(LM_LISTENING, ifc->name, ifc->address, port);
	}
	return 0;
}

void listen_stop_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_listeners; i++) {
		struct listener *l = &m->listeners[i];

		ev_io_stop(m->loop, &l->io);
		close(l->fd);
		for (size_t j = 0; j < l->n_held; j++)
			close(l->held[j].fd);
		l->n_held = 0;
	}
	m->n_listeners = 0;
}
