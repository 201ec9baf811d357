/* show aaa-server [NAME] and test aaa-server (S15), as the ASA words them.
 * The hosts' states and counters live in sslvpnd-secmod, which talks to the
 * servers: it reports each host that changed once a second (AAA_STATS) and
 * main answers from that copy.  A test is an AAA_REQ (op IPC_AAA_TEST) for
 * one host whose answer comes to the waiting control client later
 * (ctl_deferred_reply): main's loop never waits for a server. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ctl.h"
#include "main.h"
#include "sslvpnd/json.h"
#include "sslvpnd/util.h"

enum { AAA_STATS_MAX = 1024, TEST_ID_BIT = 0x80000000u };

static struct ipc_aaa_stats stats[AAA_STATS_MAX];
static size_t n_stats;
static uint32_t test_seq;

void ctl_aaa_stats(const struct ipc_aaa_stats *st)
{
	size_t i;

	for (i = 0; i < n_stats; i++)
		if (!strcmp(stats[i].group, st->group) && !strcmp(stats[i].address, st->address))
			break;
	if (i == n_stats && n_stats == AAA_STATS_MAX)
		return;
	if (i == n_stats)
		n_stats++;
	stats[i] = *st;
}

static const struct ipc_aaa_stats *stats_of(const char *group, const char *address)
{
	static const struct ipc_aaa_stats none;

	for (size_t i = 0; i < n_stats; i++)
		if (!strcmp(stats[i].group, group) && !strcmp(stats[i].address, address))
			return &stats[i];
	return &none;
}

static const char *proto(const struct cfg_aaa_server *as)
{
	return as->protocol == CFG_AAA_LDAP ? "ldap" : "radius";
}

static void host_text(struct text *t, const struct cfg_aaa_server *as,
		      const struct cfg_aaa_host *h, const struct ipc_aaa_stats *st)
{
	static const struct { const char *label; size_t off; } rows[] = {
		{ "Number of authentication requests", offsetof(struct ipc_aaa_stats, requests) },
		{ "Number of accounting requests", offsetof(struct ipc_aaa_stats, acct_requests) },
		{ "Number of retransmissions", offsetof(struct ipc_aaa_stats, retransmits) },
		{ "Number of accepts", offsetof(struct ipc_aaa_stats, accepts) },
		{ "Number of rejects", offsetof(struct ipc_aaa_stats, rejects) },
		{ "Number of challenges", offsetof(struct ipc_aaa_stats, challenges) },
		{ "Number of bad authenticators", offsetof(struct ipc_aaa_stats, bad_replies) },
		{ "Number of timeouts", offsetof(struct ipc_aaa_stats, timeouts) },
		{ "Number of accounting responses", offsetof(struct ipc_aaa_stats, acct_responses) },
	};

	ctl_printf(t, "Server Group:    %s\nServer Protocol: %s\nServer Address:  %s\n",
		   as->name, proto(as), h->address);
	if (as->protocol == CFG_AAA_RADIUS)
		ctl_printf(t, "Server port:     %d(authentication), %d(accounting)\n",
			   h->authentication_port, h->accounting_port);
	else
		ctl_printf(t, "Server port:     %d\n", h->authentication_port);
	if (st->state)
		ctl_printf(t, "Server status:   FAILED, failed %u seconds ago%s\n", st->failed_s,
			   as->reactivation_mode == CFG_AAA_DEPLETION ? " (reactivation-mode depletion)"
								   : " (reactivation-mode timed)");
	else
		ctl_printf(t, "Server status:   ACTIVE\n");
	ctl_printf(t, "%-40s%u\n%-40s%ums\n", "Number of pending requests", st->pending,
		   "Average round trip time", st->rtt_ms);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		uint64_t v;

		memcpy(&v, (const char *)st + rows[i].off, sizeof(v));
		ctl_printf(t, "%-40s%llu\n", rows[i].label, (unsigned long long)v);
	}
	ctl_printf(t, "\n");
}

static void host_json(struct json *j, const struct cfg_aaa_server *as,
		      const struct cfg_aaa_host *h, const struct ipc_aaa_stats *st)
{
	json_obj_begin(j);
	json_kv_str(j, "group", as->name);
	json_kv_str(j, "protocol", proto(as));
	json_kv_str(j, "address", h->address);
	json_kv_str(j, "status", st->state ? "FAILED" : "ACTIVE");
	json_kv_int(j, "failed_seconds", st->failed_s);
	json_kv_int(j, "pending", st->pending);
	json_kv_int(j, "rtt_ms", st->rtt_ms);
	json_kv_int(j, "requests", (long long)st->requests);
	json_kv_int(j, "accounting_requests", (long long)st->acct_requests);
	json_kv_int(j, "retransmissions", (long long)st->retransmits);
	json_kv_int(j, "accepts", (long long)st->accepts);
	json_kv_int(j, "rejects", (long long)st->rejects);
	json_kv_int(j, "challenges", (long long)st->challenges);
	json_kv_int(j, "bad_authenticators", (long long)st->bad_replies);
	json_kv_int(j, "timeouts", (long long)st->timeouts);
	json_obj_end(j);
}

/* show aaa-server [NAME] */
void ctl_view_aaa(struct request *r)
{
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;
	const char *name = r->argc > 2 ? r->argv[2] : NULL;
	size_t shown = 0;

	if (name && !config_aaa_server(cfg, name)) {
		snprintf(r->err, sizeof(r->err), "aaa-server %.64s does not exist", name);
		return;
	}
	if (r->json)
		json_arr_begin(r->j);
	for (size_t g = 0; g < cfg->n_aaa_servers; g++) {
		const struct cfg_aaa_server *as = &cfg->aaa_servers[g];

		if (name && strcmp(name, as->name))
			continue;
		for (size_t h = 0; h < as->n_hosts; h++, shown++) {
			const struct ipc_aaa_stats *st = stats_of(as->name, as->hosts[h].address);

			if (r->json)
				host_json(r->j, as, &as->hosts[h], st);
			else
				host_text(r->t, as, &as->hosts[h], st);
		}
	}
	if (r->json)
		json_arr_end(r->j);
	else if (!shown)
		ctl_printf(r->t, "No aaa-server groups are configured.\n");
}

/* test aaa-server authentication NAME host ADDR username U password P */
void ctl_cmd_test_aaa(struct request *r)
{
	static struct ipc_aaa_req a;
	const struct sslvpnd_config *cfg = r->ctl->m->cfg;
	const struct cfg_aaa_server *as;
	int rc;

	/* the grammar: test aaa-server authentication NAME host ADDR
	 * username U password P, ten words */
	if (!(as = config_aaa_server(cfg, r->argv[3]))) {
		snprintf(r->err, sizeof(r->err), "aaa-server %.64s does not exist", r->argv[3]);
		return;
	}
	memset(&a, 0, sizeof(a));
	if (++test_seq >= TEST_ID_BIT)
		test_seq = 1;
	a.req_id = TEST_ID_BIT | test_seq;
	a.op = IPC_AAA_TEST;
	util_strlcpy(a.group, as->name, sizeof(a.group));
	util_strlcpy(a.host, r->argv[5], sizeof(a.host));
	util_strlcpy(a.user, r->argv[7], sizeof(a.user));
	util_strlcpy(a.password, r->argv[9], sizeof(a.password));
	util_strlcpy(a.peer, "sslvpnctl", sizeof(a.peer));
	rc = msecmod_aaa(r->ctl->m, &a);
	OPENSSL_cleanse(&a, sizeof(a));
	OPENSSL_cleanse(r->argv[9], strlen(r->argv[9]));
	if (rc < 0) {
		snprintf(r->err, sizeof(r->err), "the security module is not available");
		return;
	}
	r->deferred = TEST_ID_BIT | test_seq;
}

int ctl_aaa_test_done(struct mainctx *m, const struct ipc_aaa_rep *rp)
{
	char text[512];

	if (!(rp->req_id & TEST_ID_BIT))
		return -1;
	switch (rp->result) {
	case IPC_AAA_ACCEPT:
		snprintf(text, sizeof(text), "INFO: Attempting Authentication test to IP address "
			 "(%s)\nINFO: Authentication Successful\n", rp->host);
		break;
	case IPC_AAA_REJECT:
		snprintf(text, sizeof(text), "INFO: Attempting Authentication test to IP address "
			 "(%s)\nERROR: Authentication Rejected: %s\n", rp->host,
			 rp->reply_message[0] ? rp->reply_message : "AAA failure");
		break;
	case IPC_AAA_CHALLENGE:
		snprintf(text, sizeof(text), "INFO: Attempting Authentication test to IP address "
			 "(%s)\nERROR: Authentication Challenged: %s\n", rp->host,
			 rp->reply_message);
		break;
	case IPC_AAA_UNREACHABLE:
		snprintf(text, sizeof(text), "ERROR: Authentication Server not responding: %s\n",
			 rp->reason);
		break;
	default:
		snprintf(text, sizeof(text), "ERROR: %s\n", rp->reason[0] ? rp->reason : "failed");
		break;
	}
	if (m->ctl)
		ctl_deferred_reply(m->ctl, rp->req_id, text);
	return 0;
}
