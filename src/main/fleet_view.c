/* One view of the fleet (S16): what sslvpnctl shows and does across every
 * node, read from the fleet's Redis (fleet.c) rather than asked of each
 * node, so a dead node's sessions still show (its records outlive it until
 * another node takes them over or they expire).
 *
 *   show fleet                         this node, its Redis, every node of
 *                                      sslvpnd:nodes with its record and
 *                                      SCARD sslvpnd:node-sess:<node>
 *   show vpn-sessiondb ... --fleet     the registry's sessions of every node
 *                                      (sslvpnd:sess:<hash>), a Node column
 *   vpn-sessiondb logoff ... --fleet   the registry's count per node, this
 *                                      node's logoff, "logoff" published
 *
 * The nodes come from fleet_nodes.c (the one reader of the node records,
 * which certhash --fleet and doctor --fleet use too); the rest of the
 * registry is read here with pipelined commands on fleet.c's connection
 * (SCARD, SMEMBERS, HGETALL: one round trip per level, never KEYS) and the
 * control socket's answer is deferred until the last reply (ctl.c).  Every
 * command gets a reply or NULL when the link drops, so a job always ends;
 * a lost link is an error naming Redis, and the local views need no Redis. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ctl.h"
#include "fleet.h"
#include "fleet_nodes.h"
#include "fleet_view.h"
#include "main.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/sessfile.h"
#include "sslvpnd/util.h"

enum {
	FV_ID_BIT = 0x40000000u,  /* deferred ids of fleet commands (aaa
				   * tests: 0x80000000) */
	FV_MAX_SESSIONS = 100000, /* a bound on what one view holds */
};

struct fv_node {
	struct fleet_node_rec rec;
	long long sessions;       /* SCARD of its session set; -1 unknown */
};

struct fv_sess {
	char node[64];
	char user[SESSFILE_USER_MAX];
	char addr[48];
	char pool[CFG_NAME_MAX];
	char id[16];
	int tunnel;
};

enum fv_kind { FV_SHOW_FLEET, FV_SESSIONS, FV_LOGOFF };

/* what a listing keeps of its filter (the request is gone by the reply) */
enum fv_filter { FVF_NONE, FVF_NAME, FVF_ADDR, FVF_UNSUPPORTED };

struct fv_job {
	struct mainctx *m;
	uint32_t id;
	enum fv_kind kind;
	int json, detail;
	enum fv_filter fk;
	char fv[SESSFILE_USER_MAX];
	struct session_selector sel;  /* FV_LOGOFF; sel.name points to fv */
	char what[96];                /* FV_LOGOFF: the ASA's " with name ..." */
	char body[SESSFILE_USER_MAX + 32]; /* FV_LOGOFF: the published body */
	int pending, lost, truncated;
	char why[160];                /* the node read's failure, if any */
	struct fv_node nodes[FLEET_NODES_MAX];
	size_t n_nodes;
	struct fv_sess *sess;
	size_t n_sess, cap_sess;
};

struct fv_call {
	struct fv_job *j;
	size_t node;              /* index in j->nodes */
	int what;                 /* enum below */
};

enum { C_COUNT, C_MEMBERS, C_SESS };

static void job_done(struct fv_job *j);

static void issue(struct fv_job *j, int what, size_t node, const char *cmd, const char *key);

/* HGETALL's answer: the value of field, or NULL. */
static const char *hfield(const redisReply *r, const char *field)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING &&
		    !strcmp(r->element[i]->str, field))
			return r->element[i + 1]->str;
	return NULL;
}

static void copy_field(char *dst, size_t len, const redisReply *r, const char *field)
{
	const char *v = hfield(r, field);

	util_strlcpy(dst, v ? v : "", len);
}

/* fleet_nodes_fn: every node of sslvpnd:nodes (dead ones too: their
 * sessions still show), then per node its session set. */
static void got_nodes(struct mainctx *m, const struct fleet_nodes *set, const char *err,
		      void *arg)
{
	struct fv_job *j = arg;
	char key[96];

	(void)m;
	if (err) {
		j->lost = 1;
		util_strlcpy(j->why, err, sizeof(j->why));
	}
	for (size_t i = 0; set && i < set->n; i++) {
		struct fv_node *n = &j->nodes[j->n_nodes];

		n->rec = set->rec[i];
		n->sessions = -1;
		snprintf(key, sizeof(key), "node-sess:%s", n->rec.name);
		issue(j, C_COUNT, j->n_nodes, "SCARD", key);
		if (j->kind != FV_SHOW_FLEET)
			issue(j, C_MEMBERS, j->n_nodes, "SMEMBERS", key);
		j->n_nodes++;
	}
	j->truncated |= set && set->truncated;
	if (--j->pending == 0)
		job_done(j);
}

static void got_members(struct fv_job *j, size_t node, const redisReply *r)
{
	char key[128];

	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING) {
			snprintf(key, sizeof(key), "sess:%s", r->element[i]->str);
			issue(j, C_SESS, node, "HGETALL", key);
		}
}

static void got_sess(struct fv_job *j, size_t node, const redisReply *r)
{
	struct fv_sess *s;
	const char *owner = hfield(r, "node"), *tunnel = hfield(r, "tunnel");

	if (!r->elements)  /* ended between SMEMBERS and HGETALL */
		return;
	if (j->n_sess == j->cap_sess) {
		size_t cap = j->cap_sess ? j->cap_sess * 2 : 16;
		struct fv_sess *p = cap <= FV_MAX_SESSIONS ? realloc(j->sess, cap * sizeof(*p)) : NULL;

		if (!p) {
			j->truncated = 1;
			return;
		}
		j->sess = p;
		j->cap_sess = cap;
	}
	s = &j->sess[j->n_sess++];
	/* the record's owner wins over the set it was found in (a move
	 * updates both, not atomically) */
	util_strlcpy(s->node, owner ? owner : j->nodes[node].rec.name, sizeof(s->node));
	copy_field(s->user, sizeof(s->user), r, "user");
	copy_field(s->addr, sizeof(s->addr), r, "addr");
	copy_field(s->pool, sizeof(s->pool), r, "pool");
	copy_field(s->id, sizeof(s->id), r, "id");
	s->tunnel = tunnel && !strcmp(tunnel, "1");
}

static void reply_cb(struct mainctx *m, struct redisReply *r, void *arg)
{
	struct fv_call *c = arg;
	struct fv_job *j = c->j;
	int want_array = c->what != C_COUNT;

	(void)m;
	if (!r || (want_array ? r->type != REDIS_REPLY_ARRAY : r->type != REDIS_REPLY_INTEGER)) {
		j->lost = 1;
	} else if (!j->lost) {
		switch (c->what) {
		case C_COUNT: j->nodes[c->node].sessions = r->integer; break;
		case C_MEMBERS: got_members(j, c->node, r); break;
		case C_SESS: got_sess(j, c->node, r); break;
		}
	}
	free(c);
	if (--j->pending == 0)
		job_done(j);
}

/* One command of the job: cmd on the key FLEET_PREFIX key (NULL: cmd
 * alone names it). */
static void issue(struct fv_job *j, int what, size_t node, const char *cmd, const char *key)
{
	struct fv_call *c = malloc(sizeof(*c));
	char k[256];
	const char *argv[2] = { cmd, k };
	size_t lens[2] = { strlen(cmd), 0 };

	if (!c) {
		j->lost = 1;
		return;
	}
	*c = (struct fv_call){ j, node, what };
	lens[1] = (size_t)snprintf(k, sizeof(k), FLEET_PREFIX "%s", key);
	j->pending++;
	if (lens[1] >= sizeof(k) || fleet_cmdargv(j->m, reply_cb, c, 2, argv, lens) < 0) {
		j->pending--;
		j->lost = 1;
		free(c);
	}
}

uint32_t fleet_view_req_id(void)
{
	static uint32_t seq;

	if (++seq >= FV_ID_BIT)
		seq = 1;
	return FV_ID_BIT | seq;
}

/* The error of a view that needs Redis when it is not there. */
static int need_redis(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	char st[160];

	if (fleet_up(m))
		return 0;
	fleet_status(m, st, sizeof(st));
	if (!fleet_enabled(m))
		snprintf(r->err, sizeof(r->err), "--fleet needs the fleet: fleet.redis is not set "
			 "(this node is alone; drop --fleet)");
	else
		snprintf(r->err, sizeof(r->err), "the fleet's Redis is not reachable (%.70s); "
			 "without --fleet this node's own view works", st);
	return -1;
}

static struct fv_job *job_start(struct request *r, enum fv_kind kind)
{
	struct fv_job *j;

	if (need_redis(r) < 0)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return NULL;
	}
	j->m = r->ctl->m;
	j->kind = kind;
	j->json = r->json;
	j->id = fleet_view_req_id();
	return j;
}

/* After the job's parameters are set: the first command; the control
 * socket waits for job_done. */
static void job_run(struct request *r, struct fv_job *j)
{
	j->pending = 1; /* the node read, until got_nodes */
	if (fleet_nodes_read(j->m, FLEET_NODES_ALL, got_nodes, j, r->err, sizeof(r->err)) < 0) {
		free(j);
		return;
	}
	r->deferred = j->id;
	/* fleet.c drops a link silent for two heartbeats, which can exceed
	 * the client's wait when fleet.heartbeat is long */
	r->deferred_timeout = "ERROR: the fleet's Redis did not answer in time: try again "
			      "(without --fleet this node's own view works)";
}

/* ---------------------------------------------------------- show fleet */

static void text_nodes(struct fv_job *j, struct text *t)
{
	time_t now = time(NULL);

	ctl_printf(t, "%-16s %-5s %-10s %-8s %s\n", "Node", "Alive", "Last Seen", "Sessions",
		   "URL");
	for (size_t i = 0; i < j->n_nodes; i++) {
		const struct fleet_node_rec *n = &j->nodes[i].rec;
		char seen[24], cnt[24];

		if (n->alive && n->seen)
			snprintf(seen, sizeof(seen), "%llds ago", (long long)(now - n->seen));
		else
			util_strlcpy(seen, "-", sizeof(seen));
		snprintf(cnt, sizeof(cnt), "%lld", j->nodes[i].sessions);
		ctl_printf(t, "%-16s %-5s %-10s %-8s %s\n", n->name, n->alive ? "yes" : "no", seen,
			   cnt, n->url[0] ? n->url : "-");
	}
}

static void json_nodes(struct fv_job *j, struct json *js)
{
	json_key(js, "nodes");
	json_arr_begin(js);
	for (size_t i = 0; i < j->n_nodes; i++) {
		const struct fleet_node_rec *n = &j->nodes[i].rec;

		json_obj_begin(js);
		json_kv_str(js, "name", n->name);
		json_kv_bool(js, "alive", n->alive);
		json_kv_str(js, "url", n->url);
		json_kv_int(js, "seen", n->seen);
		json_kv_int(js, "sessions", j->nodes[i].sessions);
		json_obj_end(js);
	}
	json_arr_end(js);
}

/* The fleet's own lines: this node and its link (without Redis too). */
static void fleet_head(struct mainctx *m, struct text *t, struct json *js)
{
	const struct cfg_fleet *f = &m->cfg->fleet;
	char st[160];

	fleet_status(m, st, sizeof(st));
	if (js) {
		json_kv_str(js, "node", fleet_node(m));
		json_kv_str(js, "status", st);
		json_kv_bool(js, "up", fleet_up(m));
		json_kv_int(js, "slice", f->slice);
		json_kv_int(js, "slices", f->slices);
		return;
	}
	ctl_printf(t, "Fleet        : %s\n", st);
	if (fleet_enabled(m))
		ctl_printf(t, "This node    : %s, pool slice %d of %d, url %s\n", fleet_node(m),
			   f->slice, f->slices, f->url[0] ? f->url : "-");
}

/* show fleet */
void ctl_view_fleet(struct request *r)
{
	struct mainctx *m = r->ctl->m;
	struct fv_job *j;

	if (!fleet_up(m)) {
		/* this node's part answers without Redis; the error says why
		 * the rest is missing */
		if (r->json) {
			json_obj_begin(r->j);
			fleet_head(m, NULL, r->j);
			json_obj_end(r->j);
		} else {
			fleet_head(m, r->t, NULL);
		}
		if (fleet_enabled(m))
			snprintf(r->err, sizeof(r->err), "the fleet's Redis is not reachable: "
				 "the other nodes cannot be read");
		return;
	}
	if ((j = job_start(r, FV_SHOW_FLEET)))
		job_run(r, j);
}

/* ------------------------------------------------- sessions of the fleet */

static int sess_match(const struct fv_job *j, const struct fv_sess *s)
{
	switch (j->fk) {
	case FVF_NAME: return !strcmp(s->user, j->fv);
	case FVF_ADDR: return !strcmp(s->addr, j->fv);
	default: return 1;
	}
}

static void text_sess(struct text *t, const struct fv_sess *s)
{
	ctl_printf(t, "%-13s: %-22s %-13s: %s\n", "Username", s->user, "Index", s->id);
	ctl_printf(t, "%-13s: %-22s %-13s: %s\n", "Assigned IP", s->addr[0] ? s->addr : "0.0.0.0",
		   "Node", s->node);
	ctl_printf(t, "%-13s: %-22s %-13s: %s\n\n", "Tunnel State",
		   s->tunnel ? "Active" : "Inactive", "Pool", s->pool[0] ? s->pool : "-");
}

static void json_sess(struct json *js, const struct fv_sess *s)
{
	json_obj_begin(js);
	json_kv_str(js, "username", s->user);
	json_kv_str(js, "index", s->id);
	json_kv_str(js, "node", s->node);
	json_key(js, "assigned_ip");
	if (s->addr[0])
		json_str(js, s->addr);
	else
		json_null(js);
	json_kv_str(js, "pool", s->pool);
	json_kv_str(js, "state", s->tunnel ? "active" : "inactive");
	json_obj_end(js);
}

static void render_sessions(struct fv_job *j, struct text *t, struct json *js)
{
	size_t shown = 0;

	if (js) {
		json_key(js, "sessions");
		json_arr_begin(js);
	}
	for (size_t i = 0; i < j->n_sess; i++) {
		if (!sess_match(j, &j->sess[i]))
			continue;
		if (js) {
			json_sess(js, &j->sess[i]);
		} else {
			if (!shown)
				ctl_printf(t, "\nSession Type: AnyConnect%s (fleet: %zu nodes)\n\n",
					   j->detail ? " Detailed" : "", j->n_nodes);
			text_sess(t, &j->sess[i]);
		}
		shown++;
	}
	if (js)
		json_arr_end(js);
	else if (!shown)
		ctl_printf(t, "INFO: There are presently no active sessions in the fleet "
			   "(%zu nodes)\n", j->n_nodes);
}

/* show vpn-sessiondb [detail] anyconnect [filter ...] --fleet (from
 * ctl_view_anyconnect): filter_node is the grammar's filter word. */
void ctl_fleet_sessions(struct request *r, int detail, int filter_node, const char *fv)
{
	struct fv_job *j;

	if (filter_node == CTLG_SHOW_VPNS_AC_F_TG || filter_node == CTLG_SHOW_VPNS_AC_F_PIP) {
		snprintf(r->err, sizeof(r->err), "the fleet's registry holds no %s: filter by "
			 "name or address with --fleet",
			 filter_node == CTLG_SHOW_VPNS_AC_F_TG ? "tunnel groups" : "public addresses");
		return;
	}
	if (!(j = job_start(r, FV_SESSIONS)))
		return;
	j->detail = detail;
	if (filter_node) {
		j->fk = filter_node == CTLG_SHOW_VPNS_AC_F_NAME ? FVF_NAME : FVF_ADDR;
		util_strlcpy(j->fv, fv, sizeof(j->fv));
	}
	job_run(r, j);
}

/* ------------------------------------------------------ logoff --fleet */

/* The registry's count per node: "2 (n1 1, n2 1)". */
static void logoff_counts(struct fv_job *j, char *out, size_t len)
{
	size_t total = 0, o;

	for (size_t i = 0; i < j->n_sess; i++)
		total += sess_match(j, &j->sess[i]);
	o = (size_t)snprintf(out, len, "%zu", total);
	for (size_t k = 0; k < j->n_nodes && o < len; k++) {
		size_t n = 0;

		for (size_t i = 0; i < j->n_sess; i++)
			n += sess_match(j, &j->sess[i]) && !strcmp(j->sess[i].node, j->nodes[k].rec.name);
		o += (size_t)snprintf(out + o, len - o, "%s%s %zu", k ? ", " : " (", j->nodes[k].rec.name,
				      n);
	}
	if (j->n_nodes && o < len)
		snprintf(out + o, len - o, ")");
}

static void logoff_done(struct fv_job *j, struct text *t, struct json *js)
{
	char counts[512];
	int n, published;

	logoff_counts(j, counts, sizeof(counts));
	n = sessions_logoff(j->m, &j->sel);
	published = fleet_publish(j->m, NULL, "logoff", j->body) == 0;
	if (js) {
		json_kv_int(js, "logged_off", n);
		json_kv_str(js, "registry", j->sel.kind == SESSION_SEL_TUNNEL_GROUP ? "" : counts);
		json_kv_bool(js, "published", published);
		return;
	}
	ctl_printf(t, "INFO: Number of sessions%s logged off : %d (this node %s)\n", j->what, n,
		   fleet_node(j->m));
	if (j->sel.kind == SESSION_SEL_TUNNEL_GROUP)
		ctl_printf(t, "INFO: fleet: the registry holds no tunnel groups; ");
	else
		ctl_printf(t, "INFO: fleet: the registry showed %s; ", counts);
	ctl_printf(t, "%s\n", published ? "logoff published to every node"
					: "ERROR: Redis went away, the other nodes were not told");
}

/* vpn-sessiondb logoff name U | tunnel-group T | all [noconfirm] --fleet
 * (from cmd_logoff, with its selector and the ASA's words for it) */
void ctl_fleet_logoff(struct request *r, const struct session_selector *sel, const char *what)
{
	struct fv_job *j;

	if (sel->kind == SESSION_SEL_INDEX) {
		snprintf(r->err, sizeof(r->err), "a session index is this node's own: log off by "
			 "name, tunnel-group or all with --fleet");
		return;
	}
	if (!(j = job_start(r, FV_LOGOFF)))
		return;
	j->sel = *sel;
	util_strlcpy(j->what, what, sizeof(j->what));
	if (sel->name) {
		util_strlcpy(j->fv, sel->name, sizeof(j->fv));
		j->sel.name = j->fv;
	}
	j->fk = sel->kind == SESSION_SEL_NAME ? FVF_NAME : FVF_NONE;
	snprintf(j->body, sizeof(j->body), "%s%s%s",
		 sel->kind == SESSION_SEL_NAME ? "name" :
		 sel->kind == SESSION_SEL_TUNNEL_GROUP ? "tunnel-group" : "all",
		 sel->name ? " " : "", sel->name ? sel->name : "");
	job_run(r, j);
}

/* "logoff all | name U | tunnel-group T" from another node */
void fleet_view_logoff_msg(struct mainctx *m, const char *from, const char *body)
{
	struct session_selector sel = { .kind = SESSION_SEL_ALL };
	char n[16];

	if (!strncmp(body, "name ", 5)) {
		sel.kind = SESSION_SEL_NAME;
		sel.name = body + 5;
	} else if (!strncmp(body, "tunnel-group ", 13)) {
		sel.kind = SESSION_SEL_TUNNEL_GROUP;
		sel.name = body + 13;
	} else if (strcmp(body, "all")) {
		log_debug("fleet: logoff \"%s\" from node %s is not one this node knows", body,
			  from);
		return;
	}
	snprintf(n, sizeof(n), "%d", sessions_logoff(m, &sel));
	log_event(LM_FLEET_LOGOFF, from, body, n);
}

/* ------------------------------------------------------------ the reply */

/* Replies come in Redis's set order: nodes by name, sessions by node and
 * index, so two views of one fleet read alike. */
static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fv_node *)a)->rec.name, ((const struct fv_node *)b)->rec.name);
}

static int sess_cmp(const void *a, const void *b)
{
	const struct fv_sess *x = a, *y = b;
	int c = strcmp(x->node, y->node);

	return c ? c : (int)(strtoul(x->id, NULL, 10) > strtoul(y->id, NULL, 10)) -
			       (int)(strtoul(x->id, NULL, 10) < strtoul(y->id, NULL, 10));
}

static void job_render(struct fv_job *j, struct text *t, struct json *js)
{
	qsort(j->nodes, j->n_nodes, sizeof(j->nodes[0]), node_cmp);
	if (j->n_sess)
		qsort(j->sess, j->n_sess, sizeof(j->sess[0]), sess_cmp);
	if (js)
		json_obj_begin(js);
	switch (j->kind) {
	case FV_SHOW_FLEET:
		fleet_head(j->m, t, js);
		if (js)
			json_nodes(j, js);
		else
			text_nodes(j, t);
		break;
	case FV_SESSIONS:
		render_sessions(j, t, js);
		break;
	case FV_LOGOFF:
		logoff_done(j, t, js);
		break;
	}
	if (js)
		json_obj_end(js);
	if (j->truncated && !js)
		ctl_printf(t, "WARNING: the fleet holds more than this view shows (at most %d "
			   "nodes, %d sessions)\n", FLEET_NODES_MAX, FV_MAX_SESSIONS);
}

static void job_done(struct fv_job *j)
{
	struct mainctx *m = j->m;
	struct text t = { 0 };
	struct json js;
	char *out = NULL;

	json_init(&js, CTL_REPLY_MAX);
	if (!m->ctl || m->stopping) {
		/* nobody to answer */
	} else if (j->lost) {
		char msg[256];

		snprintf(msg, sizeof(msg), "ERROR: %s: try again (without --fleet this node's own "
			 "view works)", j->why[0] ? j->why : "the fleet's Redis went away before it "
			 "answered");
		ctl_deferred_fail(m->ctl, j->id, msg);
	} else {
		size_t len = 0;
		const char *body;

		job_render(j, &t, j->json ? &js : NULL);
		body = j->json ? json_result(&js, &len) : (t.err ? NULL : (t.p ? t.p : ""));
		if (body && j->json && (out = malloc(len + 2))) {
			memcpy(out, body, len);
			memcpy(out + len, "\n", 2);
			body = out;
		}
		if (body)
			ctl_deferred_reply(m->ctl, j->id, body);
		else
			ctl_deferred_fail(m->ctl, j->id, "ERROR: reply too large or out of memory");
	}
	free(out);
	free(t.p);
	json_free(&js);
	free(j->sess);
	free(j);
}
