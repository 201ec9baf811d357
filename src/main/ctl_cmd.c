/* The control socket's commands: every command sslvpnctl can send is
 * declared once, word by word, in include/sslvpnd/ctlgram.def -- each
 * word's help, the handler of the word a command ends at, and whether it
 * changes state (logged as 111008 rather than 111009).  The dispatcher
 * parses with the grammar (src/common/ctlgram.c: unique abbreviations, the
 * ASA's errors) and hands the handler the words spelled out; "help",
 * sslvpnctl's usage, `?`, completion and the man page read the same table. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fleet_nodes.h"
#include "fleet_view.h"
#include "main.h"
#include "mban.h"
#include "sslvpnd/ctlgram.h"
#include "sslvpnd/doctor.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

void ctl_invalid(struct request *r, int at)
{
	if (at < r->argc)
		snprintf(r->err, sizeof(r->err), "%% Invalid input detected at '%.60s'",
			 r->argv[at]);
	else
		snprintf(r->err, sizeof(r->err), "%% Incomplete command");
}

/* vpn-sessiondb logoff name U | index N | tunnel-group T | all [noconfirm]
 * [--fleet] (the grammar checked the words; noconfirm: sslvpnctl never
 * asks; --fleet: every node, fleet_view.c) */
static void cmd_logoff(struct request *r)
{
	struct session_selector sel = { .kind = SESSION_SEL_ALL };
	char what[96] = "";
	unsigned long v;
	int n;

	switch (r->node[2]) {
	case CTLG_VPNS_LOGOFF_NAME:
		sel.kind = SESSION_SEL_NAME;
		sel.name = r->argv[3];
		snprintf(what, sizeof(what), " with name \"%.60s\"", sel.name);
		break;
	case CTLG_VPNS_LOGOFF_INDEX:
		v = strtoul(r->argv[3], NULL, 10);
		if (v == 0 || v > UINT32_MAX) {
			ctl_invalid(r, 3);
			return;
		}
		sel.kind = SESSION_SEL_INDEX;
		sel.index = (uint32_t)v;
		snprintf(what, sizeof(what), " with index \"%lu\"", v);
		break;
	case CTLG_VPNS_LOGOFF_TG:
		sel.kind = SESSION_SEL_TUNNEL_GROUP;
		sel.name = r->argv[3];
		snprintf(what, sizeof(what), " from TunnelGroup \"%.60s\"", sel.name);
		break;
	default: /* all */
		break;
	}
	if (r->node[r->argc - 1] == CTLG_VPNS_LOGOFF_FLEET) {
		ctl_fleet_logoff(r, &sel, what);
		return;
	}
	n = sessions_logoff(r->ctl->m, &sel);
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "logged_off", n);
		json_obj_end(r->j);
	} else {
		ctl_printf(r->t, "INFO: Number of sessions%s logged off : %d\n", what, n);
	}
}

/* reload: the configuration file again, as SIGHUP (reload.c).  On errors
 * the reply is ERR with every file:line error as its body. */
static void cmd_reload(struct request *r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (r->argc != 1) {
		ctl_invalid(r, 1);
		return;
	}
	if (!(fp = open_memstream(&out, &len))) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	rc = main_reload(r->ctl->m, fp);
	fclose(fp);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "configuration reload failed; the running "
			 "configuration stays");
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "reloaded", rc == 0);
		json_key(r->j, "output");
		json_strn(r->j, out ? out : "", out ? len : 0);
		json_obj_end(r->j);
	} else if (out) {
		ctl_printf(r->t, "%s", out);
	}
	free(out);
}

/* ------------------------------------------------ debug classes */

void ctl_send_log_levels(struct worker_proc *w)
{
	struct ipc_log_levels l = { .levels_len = LOGC__COUNT };
	uint8_t buf[IPC_MAX_MSG];
	int n;

	for (int c = 0; c < LOGC__COUNT; c++)
		l.levels[c] = (uint8_t)log_class_get((enum log_class)c);
	n = ipc_enc_log_levels(&l, buf, sizeof(buf));
	if (n > 0 && w->sock >= 0 && w->ready)
		proc_send(w, IPC_LOG_LEVELS, buf, n, -1);
}

static void levels_to_workers(struct mainctx *m)
{
	for (size_t i = 0; i < MAIN_MAX_WORKERS; i++)
		if (m->workers[i].pid > 0)
			ctl_send_log_levels(&m->workers[i]);
}

/* debug CLASS [LEVEL] (level 1 when omitted, as on the ASA) | undebug all |
 * undebug CLASS | no debug all | no debug CLASS.  argv[from..] are the
 * words after "debug"/"undebug". */
static void cmd_debug(struct request *r, int from, int off)
{
	const char *const *words = (const char *const *)&r->argv[from];
	int n = r->argc - from, level = 1, c;

	if (off && r->node[from] == CTLG_UNDEBUG_ALL) {
		for (c = 0; c < LOGC__COUNT; c++)
			log_class_set((enum log_class)c, 0);
	} else {
		if (!off && r->node[r->argc - 1] == CTLG_LEVEL) {
			long v = strtol(words[n - 1], NULL, 10);

			if (v < 1 || v > 255) {
				snprintf(r->err, sizeof(r->err), "%% Invalid level %.20s (1-255)",
					 words[n - 1]);
				return;
			}
			level = (int)v;
			n--;
		}
		c = n > 0 ? log_class_lookup(words, n) : -1;
		if (c < 0) {
			ctl_invalid(r, n > 0 ? from : r->argc);
			return;
		}
		log_class_set((enum log_class)c, off ? 0 : level);
	}
	levels_to_workers(r->ctl->m);
	ctl_view_debug(r);
}

/* show crypto ca certificates|expiry, crypto ca enroll|export, certhash
 * (src/tls/tpcli.c) on the running configuration.  authenticate needs a
 * PEM on stdin: `sslvpnd --crypto crypto ca authenticate TP < ca.pem`. */
static void cmd_crypto(struct request *r)
{
	char *buf = NULL, err[512];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int rc;

	if (!out) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	rc = tls_ca_command(r->ctl->m->cfg, r->argc, r->argv, out, NULL, err, sizeof(err));
	fclose(out);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "%.150s", err);
	else if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "output", buf ? buf : "");
		json_obj_end(r->j);
	} else {
		ctl_printf(r->t, "%s", buf ? buf : "");
	}
	free(buf);
}

/* certhash --fleet [--tunnel-group NAME]: the records come from Redis, so
 * the answer is deferred (ctl_deferred_end) until fleet_nodes.c has them;
 * fleet unset or Redis down fail at once.  The deferred id comes from
 * fleet_view_req_id (one sequence with the fleet views). */

struct certhash_fleet {
	uint32_t id;
	int json;
	char tg[CFG_NAME_MAX];
};

static void certhash_fleet_reply(struct mainctx *m, struct certhash_fleet *q, const char *err,
				 const char *text)
{
	struct json j;
	const char *body = text;
	size_t len;

	if (!m->ctl)
		return;
	json_init(&j, CTL_REPLY_MAX);
	if (!err && q->json) {
		json_obj_begin(&j);
		json_kv_str(&j, "output", text);
		json_obj_end(&j);
		body = json_result(&j, &len);
	}
	ctl_deferred_end(m->ctl, q->id, err, 0, err ? "" : body ? body : "");
	json_free(&j);
}

static void certhash_fleet_done(struct mainctx *m, const struct fleet_nodes *set,
				const char *err, void *arg)
{
	struct certhash_fleet *q = arg;
	struct tls_fleet_node nodes[FLEET_NODES_MAX];
	const struct fleet_node_rec *rec = set ? set->rec : NULL;
	size_t n = set ? set->n : 0;
	char *buf = NULL, why[256];
	size_t len = 0;
	FILE *out;

	for (size_t i = 0; !err && i < n; i++)
		nodes[i] = (struct tls_fleet_node){ rec[i].name, rec[i].url, rec[i].certhash,
						    rec[i].slice };
	if (!err && !(out = open_memstream(&buf, &len)))
		err = "out of memory";
	if (!err) {
		int rc = tls_certhash_fleet(m->cfg, q->tg[0] ? q->tg : NULL, nodes, n, out, why,
					    sizeof(why));

		fclose(out);
		if (rc < 0)
			err = why;
	}
	certhash_fleet_reply(m, q, err, buf ? buf : "");
	free(buf);
	free(q);
}

static void cmd_certhash_fleet(struct request *r)
{
	struct certhash_fleet *q = calloc(1, sizeof(*q));

	if (!q) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	q->id = fleet_view_req_id();
	q->json = r->json;
	if (r->argc == 4)
		util_strlcpy(q->tg, r->argv[3], sizeof(q->tg));
	if (fleet_nodes_read(r->ctl->m, FLEET_NODES_LIVE, certhash_fleet_done, q, r->err, sizeof(r->err)) < 0) {
		free(q);
		return;
	}
	r->deferred = q->id;
}

/* doctor: main reads the certificate files of the running configuration
 * (doctor.h); the verdict is sslvpnctl's exit status. */
static void cmd_doctor(struct request *r)
{
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;
	struct doc_report *rep = main_doctor(cfg);
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	if (!rep) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	r->exit_code = doctor_exit(rep);
	if (r->json) {
		doctor_json(r->j, rep);
	} else if (!rep->n) {
		ctl_printf(r->t, "%s: no findings\n", cfg->source);
	} else if ((out = open_memstream(&buf, &len))) {
		doctor_print(out, rep, DOC_NOTICE);
		fclose(out);
		ctl_printf(r->t, "%s", buf ? buf : "");
		free(buf);
	} else {
		snprintf(r->err, sizeof(r->err), "out of memory");
	}
	free(rep);
}

/* doctor --fleet FILE: the table's checks, then fleet-certhash on every
 * live node's record (deferred until Redis answered).  The phones' list is
 * the vpnGroup the operator gave CUCM, read here (main reads files). */
enum { VPNGROUP_MAX = 1 << 16 };

struct doctor_fleet_q {
	uint32_t id;
	int json;
	char file[CFG_PATH_MAX];
	char pins[10][DOC_HASH_B64];
	int npins;
};

static int read_vpngroup(const char *path, struct doctor_fleet_q *q, char *err, size_t errlen)
{
	char *buf = malloc(VPNGROUP_MAX + 1), why[160];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (!buf || !fp) {
		snprintf(err, errlen, "cannot read the phones' vpnGroup %.80s: %s", path,
			 buf ? strerror(errno) : "out of memory");
		free(buf);
		if (fp)
			fclose(fp);
		return -1;
	}
	n = fread(buf, 1, VPNGROUP_MAX, fp);
	fclose(fp);
	buf[n] = 0;
	q->npins = doctor_vpngroup_hashes(buf, q->pins, 10, why, sizeof(why));
	free(buf);
	if (q->npins < 0) {
		snprintf(err, errlen, "%.80s: %.70s", path, why);
		return -1;
	}
	return 0;
}

static void doctor_fleet_done(struct mainctx *m, const struct fleet_nodes *set,
			      const char *err, void *arg)
{
	struct doctor_fleet_q *q = arg;
	struct doc_fleet_node nodes[FLEET_NODES_MAX];
	const struct fleet_node_rec *rec = set ? set->rec : NULL;
	size_t n = set ? set->n : 0;
	struct doc_report *rep = err ? NULL : main_doctor(m->cfg);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = NULL;
	struct json j;

	json_init(&j, CTL_REPLY_MAX);
	if (!err && !rep)
		err = "out of memory";
	for (size_t i = 0; !err && i < n; i++)
		nodes[i] = (struct doc_fleet_node){ rec[i].name, rec[i].url, rec[i].certhash };
	if (!err) {
		doctor_fleet(rep, nodes, n, q->pins, q->npins, q->file);
		if (q->json)
			doctor_json(&j, rep);
		else if ((out = open_memstream(&buf, &len)))
			doctor_print(out, rep, DOC_NOTICE);
		else
			err = "out of memory";
		if (out)
			fclose(out);
	}
	if (m->ctl)
		ctl_deferred_end(m->ctl, q->id, err, rep ? doctor_exit(rep) : 0,
				 err ? "" : q->json ? json_result(&j, &len) : buf ? buf : "");
	json_free(&j);
	free(buf);
	free(rep);
	free(q);
}

static void cmd_doctor_fleet(struct request *r)
{
	struct doctor_fleet_q *q = calloc(1, sizeof(*q));

	if (!q) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return;
	}
	util_strlcpy(q->file, r->argv[2], sizeof(q->file));
	q->json = r->json;
	if (read_vpngroup(q->file, q, r->err, sizeof(r->err)) < 0 ||
	    fleet_nodes_read(r->ctl->m, FLEET_NODES_LIVE, doctor_fleet_done, q, r->err, sizeof(r->err)) < 0) {
		free(q);
		return;
	}
	q->id = fleet_view_req_id();
	r->deferred = q->id;
}

static void cmd_debug_on(struct request *r)
{
	cmd_debug(r, 1, 0);
}

/* undebug CLASS | no debug CLASS (the grammar spelled argv[0] out) */
static void cmd_undebug(struct request *r)
{
	cmd_debug(r, strcmp(r->argv[0], "no") ? 1 : 2, 1);
}

static void cmd_show_ip(struct request *r)
{
	ctl_view_pool(r, 4);
}

static void cmd_show_ipv6(struct request *r)
{
	ctl_view_pool(r, 6);
}

/* clear ip ban [ADDR]: lifts one ban or all (100722 each). */
static void cmd_clear_ban(struct request *r)
{
	const char *addr = r->argc == 4 ? r->argv[3] : NULL;
	int n = mban_clear(addr, r->who);

	if (n < 0) {
		snprintf(r->err, sizeof(r->err), "%.60s is not an IP address", addr);
		return;
	}
	mban_fleet_cleared(r->ctl->m, addr);  /* every node's too (S16) */
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "cleared", n);
		json_obj_end(r->j);
	} else {
		ctl_printf(r->t, "INFO: %d ban(s) cleared\n", n);
	}
}

static void cmd_help(struct request *r);

/* Main's handler of each command of include/sslvpnd/ctlgram.def, by the
 * node of its last word; NULL for words no command ends at and for
 * sslvpnctl's own (LOCAL) commands. */
static void (*const runs[CTLG__COUNT])(struct request *r) = {
#define CTLN(id, parent, link, word, type, flags, run, help) [CTLG_##id] = run,
#include "sslvpnd/ctlgram.def"
#undef CTLN
};

static void help_line(const char *syntax, const char *help, void *arg)
{
	struct request *r = arg;
	char line[600];

	if (r->json) {
		json_obj_begin(r->j);
		json_kv_str(r->j, "syntax", syntax);
		json_kv_str(r->j, "help", help);
		json_obj_end(r->j);
		return;
	}
	ctlg_help_line(line, sizeof(line), syntax, help);
	ctl_printf(r->t, "%s\n", line);
}

/* help: every command of the grammar with its help, as sslvpnctl's usage */
static void cmd_help(struct request *r)
{
	if (r->json) {
		json_obj_begin(r->j);
		json_key(r->j, "commands");
		json_arr_begin(r->j);
	}
	ctlg_commands(0, help_line, r);
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	}
}

/* The grammar's verdict in words naming the culprit: over the socket
 * there is no line to put a caret under (sslvpnctl puts one itself). */
static void parse_error(struct request *r, const struct ctlg_parse *p)
{
	if (p->status == CTLG_INVALID)
		ctl_invalid(r, p->at);
	else
		ctlg_message(p, r->argc, r->argv, r->err, sizeof(r->err));
}

int ctl_cmd_check(void)
{
	int bad = 0;

	for (int i = 0; i < CTLG__COUNT; i++) {
		unsigned f = ctlg_nodes[i].flags;

		if ((f & CTLG_F_END) && !(f & CTLG_F_LOCAL) && !runs[i]) {
			log_warnx("control commands: \"%s\" ends a command without a handler",
				  ctlg_nodes[i].word);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

_Static_assert((int)CTL_MAX_WORDS == (int)CTLG_MAX_WORDS, "request.node[] holds the parser's nodes");

void ctl_cmd_dispatch(struct request *r)
{
	struct ctlg_parse p;

	ctlg_parse(CTLG_ROOT, r->argc, r->argv, 1, &p);
	memcpy(r->node, p.node, sizeof(r->node));
	r->changes = (p.flags & CTLG_F_CHANGES) != 0;
	if (p.status != CTLG_OK) {
		parse_error(r, &p);
		return;
	}
	if (!runs[p.last]) {
		r->changes = 0;
		snprintf(r->err, sizeof(r->err), "'%.40s' is a command of sslvpnctl's command "
			 "line, not of the daemon", r->argv[0]);
		return;
	}
	runs[p.last](r);
}
