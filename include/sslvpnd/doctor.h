/* doctor: the seeds' failure modes found in a configuration before a phone
 * meets them (issue 16 item 2).
 *
 * Pure: a table of checks over the configuration snapshot and the facts
 * main gathered about the certificate files (tls_doctor_facts, src/tls:
 * main is the only reader of files).  Each finding has a severity, the
 * check that made it, the seed section it comes from, what is wrong and the
 * exact fix in sslvpnd.conf syntax (or the commands to run).
 *
 * Users: `sslvpnctl doctor` (the running configuration), `sslvpnd --doctor
 * -c FILE` (offline), `sslvpnd -t` (errors fail the check, warnings are
 * printed). */
#ifndef SSLVPND_DOCTOR_H
#define SSLVPND_DOCTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sslvpnd/config.h"

enum doc_sev { DOC_NOTICE = 1, DOC_WARNING, DOC_ERROR };

enum {
	DOC_MAX_CERTS = 64,
	DOC_MAX_NAMES = 8,       /* SANs of each kind kept per certificate */
	DOC_MAX_FINDINGS = 64,
	DOC_EXPIRY_DAYS = 60,    /* an identity closer to its end than this: rollover */
	DOC_FIX_MAX = 1280,      /* a fix may quote a whole cipher list */
};

/* One certificate of a trustpoint: the identity's leaf, or each CA
 * certificate of a terminal trustpoint. */
struct doc_cert {
	char tp[CFG_NAME_MAX];
	int ca;                  /* from a terminal (CA) trustpoint */
	int ec;                  /* EC key (else RSA) */
	char sig[16];            /* signature digest: "sha1", "sha256", ... */
	int64_t not_before, not_after; /* seconds since the epoch */
	char subject[256];       /* RFC 2253 */
	char cn[128];
	size_t n_dns, n_ip;
	char dns[DOC_MAX_NAMES][128];  /* lower case */
	char ip[DOC_MAX_NAMES][46];    /* text form */
};

/* A trustpoint whose files could not be read (the reason). */
struct doc_unread {
	char tp[CFG_NAME_MAX];
	char why[256];
};

struct doc_facts {
	int64_t now;             /* seconds since the epoch */
	size_t n;
	struct doc_cert c[DOC_MAX_CERTS];
	size_t n_unread;
	struct doc_unread unread[8];
};

struct doc_finding {
	enum doc_sev sev;
	const char *check;       /* the check's name (doctor_checks) */
	const char *seed;        /* "seed 000: DTLS connection failure" */
	char object[96];         /* "tunnel group vpn-phone-group" */
	char what[512];
	char fix[DOC_FIX_MAX];
};

struct doc_report {
	size_t n, dropped;
	enum doc_sev worst;      /* 0 when there is no finding */
	struct doc_finding f[DOC_MAX_FINDINGS];
};

/* doctor_run: every check of the table on cfg and facts (facts may be NULL:
 * the certificate checks are then skipped).  Fills *out. */
void doctor_run(const struct sslvpnd_config *cfg, const struct doc_facts *facts,
		struct doc_report *out);

/* doctor_exit: the exit status of a report: 0 nothing or notices only,
 * 1 warnings, 2 errors. */
int doctor_exit(const struct doc_report *r);

/* doctor_print: the findings of severity min and above as text, one block
 * each:  "SEVERITY check (seed ...): object: what\n    fix: ...\n". */
void doctor_print(FILE *fp, const struct doc_report *r, enum doc_sev min);

struct json;
/* doctor_json: { "worst": "...", "exit": N, "findings": [ {...} ] }. */
void doctor_json(struct json *j, const struct doc_report *r);

const char *doctor_sev_name(enum doc_sev s);

/* The checks in table order: their count and names (tests, man page). */
size_t doctor_n_checks(void);
const char *doctor_check_name(size_t i);

/* ---- the fleet check (S16): `sslvpnctl doctor --fleet FILE` */
enum { DOC_HASH_B64 = 32 };
/* One live node of the fleet (its record in Redis). */
struct doc_fleet_node {
	const char *name, *url;
	const char *certhash;    /* comma-separated SHA-1 hex */
};
/* doctor_vpngroup_hashes: the certHash1..certHash10 of a CUCM vpnGroup
 * (SEP<MAC>.cnf.xml, or what certhash --fleet printed), base64 or 40 hex
 * digits each, into out as base64.  Count, or -1 with why. */
int doctor_vpngroup_hashes(const char *xml, char out[][DOC_HASH_B64], int max, char *why,
			   size_t wlen);
/* doctor_fleet: check fleet-certhash: an error per live node's hash that is
 * not in pins (the phones' list, read from file), naming node and hash. */
void doctor_fleet(struct doc_report *rep, const struct doc_fleet_node *nodes, size_t n,
		  char pins[][DOC_HASH_B64], int npins, const char *file);

/* doctor_phone_group: 1 when tg serves phones as the checks assume:
 * certificate authentication, without-csd, or "phone" in its name. */
int doctor_phone_group(const struct cfg_tunnel_group *tg);

#endif
