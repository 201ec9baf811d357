/* Bans of the main process (S10): per-source scores from the pure table of
 * src/policy/ban.c, the events that feed it, the refusal at accept and at
 * the DTLS hello, and what sslvpnctl shows and clears.  Private to
 * src/main.  Parameters (bans.threshold, window, duration) are read from
 * the current configuration at each event, so a reload applies at once. */
#ifndef SSLVPND_MBAN_H
#define SSLVPND_MBAN_H

#include <stdint.h>
#include <sys/socket.h>

#include "sslvpnd/ban.h"

struct mainctx;

enum mban_proto { MBAN_TCP = 0, MBAN_DTLS = 1 };

/* mban_start: the table (fixed size) and its once-a-second sweep that
 * logs expired bans (100721).  0, or -1 on ENOMEM (logged).  mban_stop
 * frees it; safe when mban_start failed or never ran. */
int mban_start(struct mainctx *m);
void mban_stop(struct mainctx *m);

/* mban_event: cause's points for peer (address text; anything else is
 * ignored); logs 100720 when this bans it. */
void mban_event(struct mainctx *m, const char *peer, enum ban_cause cause);

/* mban_login_ok: a successful login from peer: its score goes to 0. */
void mban_login_ok(const char *peer);

/* mban_refuse: 1 when the source of sa is banned (the caller drops the
 * connection or datagram; counted, 100723 rate-limited), else 0. */
int mban_refuse(enum mban_proto proto, const struct sockaddr *sa);

/* mban_refused_total: connections / hellos refused since start. */
uint64_t mban_refused_total(enum mban_proto proto);

/* One ban as sslvpnctl shows it. */
struct mban_view {
	const char *addr;
	unsigned score;
	const char *cause;        /* bancause.def key of the last point */
	uint64_t remaining;       /* seconds */
	uint64_t refused;         /* connections refused during the ban */
};

/* mban_foreach: cb for every address banned now. */
void mban_foreach(void (*cb)(const struct mban_view *v, void *arg), void *arg);

/* mban_clear: lifts the ban of peer (NULL: all), logging 100722 with who
 * for each.  Returns the number lifted, -1 when peer is no address. */
int mban_clear(const char *peer, const char *who);

/* The fleet (S16): bans shared through Redis (sslvpnd:ban:<addr>).
 * mban_fleet_ban / _unban: the verbs "ban" and "unban" another node
 * published; mban_fleet_reconcile (on_up): this node's bans written,
 * everybody's read; mban_fleet_cleared: clear ip ban [ADDR] here (peer
 * NULL: all), so the key goes and every node lifts it too. */
void mban_fleet_ban(struct mainctx *m, const char *from, const char *body);
void mban_fleet_unban(struct mainctx *m, const char *from, const char *body);
void mban_fleet_reconcile(struct mainctx *m);
void mban_fleet_cleared(struct mainctx *m, const char *peer);

#endif
