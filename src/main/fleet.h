/* fleet.c: this node's link to the fleet's Redis (S16).  Two connections
 * (hiredis on main's libev loop, so nothing blocks main): one for commands,
 * one subscribed to this node's channel and the fleet's.  Everything that
 * shares state (sessions, address claims, bans, views) goes through here;
 * the registry's keys are named in DESIGN.md "As built (S16 ...)".
 *
 * When fleet.redis is "" every call is a no-op and fleet_up() is 0: a node
 * alone behaves exactly as before.  While Redis is away, fleet_cmd() refuses
 * (-1) and callers carry on with their local state; when it returns, the
 * FLEET_ON_UP hooks write that state again (reconcile). */
#ifndef SSLVPND_FLEET_H
#define SSLVPND_FLEET_H

#include <stddef.h>

struct mainctx;
struct redisReply;

/* The prefix of every key and channel of the fleet. */
#define FLEET_PREFIX "sslvpnd:"

/* fleet_reply_fn: the answer to a fleet_cmd; r is NULL when the connection
 * went away before the answer (treat as "unknown", never as "absent"). */
typedef void fleet_reply_fn(struct mainctx *m, struct redisReply *r, void *arg);
/* fleet_msg_fn: a message published to this node or to all; from is the
 * sender's node name, body the rest of the payload ("" when none). */
typedef void fleet_msg_fn(struct mainctx *m, const char *from, const char *body);

/* fleet_start: connect when fleet.redis is set (read at start only).
 * 0, or -1 when the loop cannot take it (no memory).  An unreachable
 * Redis is not an error: the node retries and serves meanwhile. */
int fleet_start(struct mainctx *m);
void fleet_stop(struct mainctx *m);
/* fleet_enabled: fleet.redis set.  fleet_up: both connections ready. */
int fleet_enabled(const struct mainctx *m);
int fleet_up(const struct mainctx *m);
/* fleet_node: this node's name ("" when alone). */
const char *fleet_node(const struct mainctx *m);
/* fleet_cmd: a Redis command (hiredis format: %s a C string, %b a buffer
 * and its length); fn (may be NULL) gets the reply.  -1 when not up:
 * fn is not called then. */
int fleet_cmd(struct mainctx *m, fleet_reply_fn *fn, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* fleet_cmdargv: the same from an argument vector (lens: each length). */
int fleet_cmdargv(struct mainctx *m, fleet_reply_fn *fn, void *arg, int argc,
		  const char **argv, const size_t *lens);
/* fleet_publish: "VERB FROM BODY" to node's channel (NULL: every node but
 * this one).  -1 when not up. */
int fleet_publish(struct mainctx *m, const char *node, const char *verb, const char *body);
/* fleet_status: one line for show commands ("up", "down since ...", "off"). */
void fleet_status(const struct mainctx *m, char *buf, size_t len);

#endif
