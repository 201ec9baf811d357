/* TCP listeners: accept and hand each connection to the least-loaded
 * worker.  main reads no byte of the connection, so per-source limits and
 * bans (later) apply before any TLS parsing. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "main.h"
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
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1024) < 0) {
		log_warn("interface %s: cannot listen on %s port %u", ifc->name,
			 ifc->address, ifc->port);
		close(fd);
		return -1;
	}
	return fd;
}

static void hand_over(struct listener *l, int fd, const struct sockaddr *peer)
{
	struct mainctx *m = l->m;
	struct worker_proc *w = proc_least_loaded(m);
	struct ipc_conn_new c = { 0 };
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);

	if (!w)   /* on_accept_cb checked; a send failure below drops too */
		return;
	c.conn_id = ++m->next_conn_id;
	util_strlcpy(c.iface, l->ifc->name, sizeof(c.iface));
	util_sockaddr_str(peer, c.peer, sizeof(c.peer), &c.peer_port);
	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0)
		util_sockaddr_str((struct sockaddr *)&local, c.local,
				  sizeof(c.local), &c.local_port);
	uint8_t buf[IPC_MAX_MSG];
	int n = ipc_enc_conn_new(&c, buf, sizeof(buf));

	if (proc_send(w, IPC_CONN_NEW, buf, n, fd) == 0)
		w->conns++;
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

void listen_resume_all(struct mainctx *m)
{
	for (size_t i = 0; i < m->n_listeners; i++) {
		struct listener *l = &m->listeners[i];

		if (!l->paused)
			continue;
		l->paused = 0;
		ev_io_start(m->loop, &l->io);
		log_info("interface %s: a worker is ready; accepting again", l->ifc->name);
	}
}

static void on_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct listener *l = io->data;

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
		hand_over(l, fd, (struct sockaddr *)&peer);
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
		ev_io_stop(m->loop, &m->listeners[i].io);
		close(m->listeners[i].fd);
	}
	m->n_listeners = 0;
}
