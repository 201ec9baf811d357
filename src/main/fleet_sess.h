/* fleet_sess.c (S16): the fleet's session registry on Redis, so that any
 * node accepts any node's cookie.  Keys (DESIGN.md "As built (S16: sessions
 * across nodes)"): sslvpnd:sess:<cookie-sha256-hex> a hash (node, id, rec,
 * user, addr, pool, tunnel, moved, acct) and sslvpnd:node-sess:<node> the set
 * of the cookie hashes a node owns.  Every call is a no-op while the fleet
 * is off or down: the reconcile (fleet_sess_reconcile, on every (re)connect)
 * writes the table again. */
#ifndef SSLVPND_FLEET_SESS_H
#define SSLVPND_FLEET_SESS_H

#include <stdint.h>

struct mainctx;
struct session;
struct worker_proc;
struct ipc_tunnel_req;

/* fleet_sess_put: s entered the table (login, restore, moved here): its
 * record written, unless the registry names another owner: then s moved
 * while this node was not told and leaves here (100871).
 * fleet_sess_update: the same when its tunnel came up or went down, but a
 * record that is gone stays gone. */
void fleet_sess_put(struct mainctx *m, const struct session *s);
void fleet_sess_update(struct mainctx *m, const struct session *s);
/* fleet_sess_gone: s left the table (end, timeout, logoff, expiry): its
 * record is deleted if this node still owns it (compare-and-delete). */
void fleet_sess_gone(struct mainctx *m, const struct session *s);
/* fleet_sess_tick: once a second (sessions_tick); the records' TTLs are
 * refreshed every FLEET_SESS_REFRESH_S. */
void fleet_sess_tick(struct mainctx *m, uint64_t now_ms);
/* fleet_sess_reconcile: fleet.c's on_up: every local session written again
 * (those another node took meanwhile leave here), and this node's records
 * that are no longer in its table deleted. */
void fleet_sess_reconcile(struct mainctx *m);
/* fleet_sess_on_kick: the "kick <cookie-hash-hex>" verb: the session moved
 * to node from; it ends here without giving its address back. */
void fleet_sess_on_kick(struct mainctx *m, const char *from, const char *body);
/* fleet_sess_claim: rq carries a well-formed cookie that names no local
 * session.  1: the registry is asked and rq answered later (the session
 * moved here, or refused: mauth_tunnel_answer); 0: the fleet is off or
 * down, the caller refuses as always. */
int fleet_sess_claim(struct worker_proc *w, const struct ipc_tunnel_req *rq);
/* fleet_sess_sticky: the first CONNECT of s (a login: no address yet).
 * With the fleet up, the address its user last held in its first pool on
 * any node (fleet_lease_sticky) is adopted when free, so a phone that
 * failed over to another node and logged in again keeps its address;
 * 1: rq is answered then (mauth_tunnel_answer), 0: the caller goes on. */
int fleet_sess_sticky(struct worker_proc *w, struct session *s,
		      const struct ipc_tunnel_req *rq);

#endif
