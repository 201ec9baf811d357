/* main's end of the sandboxed processes' log sockets (S14): each worker and
 * secmod gets one SOCK_SEQPACKET pair at spawn (its end is fd
 * LOG_FWD_WORKER_FD / LOG_FWD_SECMOD_FD); main relays every record to the
 * local log, the buffer and the logging hosts (log_relay).  The channel's
 * handler drains the log socket first, so a line a process wrote before a
 * message to main is logged before what main logs for that message; the
 * child handler drains it before logging the death. */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "main.h"
#include "sslvpnd/log.h"
#include "sslvpnd/util.h"

/* Records read per drain: one wake-up stays bounded, and the sender's
 * buffer (MLOG_SNDBUF) holds fewer than this many short lines anyway. */
enum { MLOG_READS = 512, MLOG_SNDBUF = 1 << 20 };

int mlog_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* the child's end queues this much before it drops lines */
	(void)util_sndbuf(sv[1], MLOG_SNDBUF);
	util_nonblock(sv[0]);
	return 0;
}

void mlog_drain(struct mlog *l)
{
	unsigned char rec[LOG_FWD_MAX];

	for (int i = 0; i < MLOG_READS && l->fd >= 0; i++) {
		ssize_t n = recv(l->fd, rec, sizeof(rec), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EINTR)) {
			if (n == 0 && l->loop)
				ev_io_stop(l->loop, &l->io);  /* EOF: the child handler closes */
			return;
		}
		if (n > 0 && log_relay(l->ident, l->pid, rec, (size_t)n) < 0)
			log_warnx("%s[%d]: malformed log record (%zd bytes) dropped", l->ident,
				  l->pid, n);
	}
}

static void on_log_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	mlog_drain(io->data);
}

void mlog_start(struct ev_loop *loop, struct mlog *l, int fd, const char *ident, pid_t pid)
{
	l->fd = fd;
	l->loop = loop;
	l->ident = ident;
	l->pid = (int)pid;
	ev_io_init(&l->io, on_log_cb, fd, EV_READ);
	l->io.data = l;
	ev_io_start(loop, &l->io);
}

void mlog_stop(struct mlog *l)
{
	if (l->fd < 0 || !l->loop)  /* never started (a zeroed slot) or stopped */
		return;
	mlog_drain(l);
	if (l->loop)
		ev_io_stop(l->loop, &l->io);
	close(l->fd);
	l->fd = -1;
}

/* main's stderr lines are gathered per loop iteration (log_batch) and
 * written here, just before the loop sleeps: one write() for the ~14 lines
 * of a login instead of one each.  Lowest priority: every other prepare
 * watcher has logged by then. */
static ev_prepare batch_prepare;

static void on_batch_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	log_flush();
}

void mlog_batch_start(struct ev_loop *loop)
{
	ev_prepare_init(&batch_prepare, on_batch_prepare);
	ev_set_priority(&batch_prepare, EV_MINPRI);
	ev_prepare_start(loop, &batch_prepare);
	ev_unref(loop);  /* it alone must not keep the loop running */
	log_batch(1);
}

/* After the loop: the shutdown's lines go out one by one again. */
void mlog_batch_stop(struct ev_loop *loop)
{
	log_batch(0);
	if (ev_is_active(&batch_prepare)) {
		ev_ref(loop);
		ev_prepare_stop(loop, &batch_prepare);
	}
}
