/* secmod's TLS session ticket keys (S11, ssl session-resumption): made
 * here from getrandom(2), rotated every lifetime/2 (the previous key
 * still opens tickets for the rest of its lifetime, tkeys.h), and sent to
 * main (TICKET_KEYS), which keeps them in <state-dir>/ticket-keys across a
 * restart and hands them to the workers.  secmod is the clock: main and
 * the workers only use what it last sent. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "secmod.h"
#include "sslvpnd/log.h"
#include "sslvpnd/tkeys.h"
#include "sslvpnd/util.h"

static struct {
	struct ev_loop *loop;
	int ipc;
	uint32_t lifetime;       /* 0: off */
	struct tkeys keys;
	ev_timer timer;
	int timer_init;
} tk;

static void send_keys(void)
{
	static struct ipc_ticket_keys m;
	int n = tkeys_encode(&tk.keys, m.keys, sizeof(m.keys));

	m.keys_len = (uint16_t)(n < 0 ? 0 : n);
	if (IPC_SEND(tk.ipc, IPC_TICKET_KEYS, ticket_keys, &m, 0, -1) < 0 && errno != EAGAIN)
		fatal("secmod: cannot send the ticket keys to main");
	explicit_bzero(&m, sizeof(m));
}

static void on_rotate_cb(struct ev_loop *loop, ev_timer *t, int revents);

/* Rotate if due, tell main when anything changed (or always), and wake
 * at the next change. */
static void rotate(int tell)
{
	struct tkey fresh;
	int64_t now = (int64_t)time(NULL), next;
	unsigned before = tk.keys.n;

	util_random(fresh.name, sizeof(fresh.name));
	util_random(fresh.aes, sizeof(fresh.aes));
	util_random(fresh.hmac, sizeof(fresh.hmac));
	if (tkeys_rotate(&tk.keys, now, tk.lifetime, &fresh) || tk.keys.n != before)
		tell = 1;
	explicit_bzero(&fresh, sizeof(fresh));
	if (tell)
		send_keys();
	next = tkeys_next(&tk.keys, tk.lifetime);
	ev_timer_stop(tk.loop, &tk.timer);
	ev_timer_set(&tk.timer, next > now ? (double)(next - now) : 1., 0.);
	ev_timer_start(tk.loop, &tk.timer);
}

static void on_rotate_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)t;
	(void)revents;
	if (tk.lifetime)
		rotate(0);
}

void smtickets_on_conf(struct ev_loop *loop, int ipc, const struct ipc_secmod_tickets *m)
{
	struct tkeys kept;

	if (!tk.timer_init) {
		ev_timer_init(&tk.timer, on_rotate_cb, 1., 0.);
		tk.timer_init = 1;
	}
	tk.loop = loop;
	tk.ipc = ipc;
	tk.lifetime = m->lifetime;
	if (!tk.lifetime) {
		ev_timer_stop(loop, &tk.timer);
		explicit_bzero(&tk.keys, sizeof(tk.keys));
		return;
	}
	if (!tk.keys.n && tkeys_decode(&kept, m->keys, m->keys_len) == 0)
		tk.keys = kept;
	explicit_bzero(&kept, sizeof(kept));
	rotate(1);
}
