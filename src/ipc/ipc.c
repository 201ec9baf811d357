/* IPC transport: SOCK_SEQPACKET datagrams with one optional descriptor,
 * checked against the message table before anything decodes them. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sslvpnd/buf.h"
#include "sslvpnd/ipc.h"

const struct ipc_msg_info ipc_msgs[IPC__COUNT] = {
	[IPC__NONE] = { "NONE", 0, 0, IPC_FD_NONE, 0, 0 },
#define IPCMSG(name, low, dir, max, fd, body, st, fl, h)                      \
	[IPC_##name] = { #name, dir, max, fd, st, fl },
#include "sslvpnd/msgs.def"
#undef IPCMSG
};

enum ipc_verdict ipc_admit(const struct ipc_msg_info *tab, enum ipc_dir receiver,
			   enum ipc_state state, ipc_seen_t seen, unsigned type)
{
	if (type <= IPC__NONE || type >= IPC__COUNT || tab[type].dir != receiver)
		return IPC_REFUSE_DIR;
	if (!(tab[type].states & state))
		return IPC_REFUSE_STATE;
	if ((tab[type].flags & IPC_ONCE) && (seen & ((ipc_seen_t)1 << type)))
		return IPC_REFUSE_AGAIN;
	return IPC_ADMIT;
}

void ipc_seen_note(const struct ipc_msg_info *tab, ipc_seen_t *seen, unsigned type)
{
	if (type > IPC__NONE && type < IPC__COUNT && (tab[type].flags & IPC_ONCE))
		*seen |= (ipc_seen_t)1 << type;
}

const char *ipc_state_name(enum ipc_state state)
{
	return state == IPC_ST_STARTING ? "starting" :
	       state == IPC_ST_READY ? "ready" : "unknown";
}

const char *ipc_verdict_name(enum ipc_verdict v)
{
	static const char *const names[] = {
		[IPC_ADMIT] = "admitted",
		[IPC_REFUSE_DIR] = "not a message for this receiver",
		[IPC_REFUSE_STATE] = "not allowed in this state",
		[IPC_REFUSE_AGAIN] = "allowed once, sent again",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "refused";
}

static int permitted(enum ipc_type type, enum ipc_dir dir, size_t len, int has_fd)
{
	if (type <= IPC__NONE || type >= IPC__COUNT)
		return 0;
	const struct ipc_msg_info *mi = &ipc_msgs[type];

	return mi->dir == dir && len <= mi->max_len &&
	       (mi->fd == IPC_FD_ONE) == (has_fd != 0);
}

int ipc_send(int sock, enum ipc_type type, uint32_t seq, const void *payload,
	     size_t len, int fd)
{
	uint8_t hdr[IPC_HDR_LEN];
	struct wbuf w;

	if (type <= IPC__NONE || type >= IPC__COUNT ||
	    !permitted(type, ipc_msgs[type].dir, len, fd >= 0)) {
		errno = EPROTO;
		return -1;
	}
	wbuf_init(&w, hdr, sizeof(hdr));
	wbuf_put_u16(&w, (uint16_t)type);
	wbuf_put_u16(&w, 0);
	wbuf_put_u32(&w, (uint32_t)len);
	wbuf_put_u32(&w, seq);

	struct iovec iov[2] = { { hdr, sizeof(hdr) },
				{ (void *)(uintptr_t)payload, len } };
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;

	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* Pull the one descriptor out of the control data; any extra descriptors
 * (a confused or hostile peer) are closed so they cannot leak. */
static int take_fd(struct msghdr *mh)
{
	int fd = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < n; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = f;
			else
				close(f);
		}
	}
	return fd;
}

int ipc_recv(int sock, enum ipc_dir receiver, struct ipc_hdr *hdr, void *buf,
	     size_t cap, int *fd)
{
	uint8_t raw[IPC_MAX_MSG];
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct iovec iov = { raw, sizeof(raw) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = 0;
		return 0;
	}
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	*fd = take_fd(&mh);

	struct rbuf r;

	rbuf_init(&r, raw, (size_t)n);
	rbuf_get_u16(&r, &hdr->type);
	rbuf_get_u16(&r, &hdr->flags);
	rbuf_get_u32(&r, &hdr->len);
	rbuf_get_u32(&r, &hdr->seq);
	if (rbuf_ok(&r) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    hdr->len != rbuf_left(&r) || hdr->len > cap ||
	    !permitted((enum ipc_type)hdr->type, receiver, hdr->len, *fd >= 0)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		explicit_bzero(raw, (size_t)n);
		errno = EPROTO;
		return -1;
	}
	memcpy(buf, raw + IPC_HDR_LEN, hdr->len);
	/* it may hold a password (AUTH_REQ, PASSWD_REQ): the caller wipes
	 * its copy, this one is ours */
	explicit_bzero(raw, (size_t)n);
	return 1;
}

void ipc_frame_hdr(uint8_t out[IPC_HDR_LEN], enum ipc_type type, uint32_t len)
{
	struct wbuf w;

	wbuf_init(&w, out, IPC_HDR_LEN);
	wbuf_put_u16(&w, (uint16_t)type);
	wbuf_put_u16(&w, 0);
	wbuf_put_u32(&w, len);
	wbuf_put_u32(&w, 0);
}

int ipc_frame_next(struct rbuf *r, enum ipc_dir receiver, struct ipc_hdr *hdr,
		   const uint8_t **payload)
{
	if (rbuf_left(r) == 0 && rbuf_ok(r) == 0)
		return 0;
	rbuf_get_u16(r, &hdr->type);
	rbuf_get_u16(r, &hdr->flags);
	rbuf_get_u32(r, &hdr->len);
	rbuf_get_u32(r, &hdr->seq);
	if (rbuf_ok(r) || hdr->len > rbuf_left(r) ||
	    !permitted((enum ipc_type)hdr->type, receiver, hdr->len, 0))
		return -1;
	*payload = rbuf_peek(r, hdr->len);
	return *payload || hdr->len == 0 ? 1 : -1;
}
