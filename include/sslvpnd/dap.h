/* Dynamic access policies (ASA `dynamic-access-policy-record`): records
 * with a priority, selection criteria on the session's AAA and endpoint
 * attributes, and an action.  Pure: parsing one criterion (linked into the
 * config library, like certmap.c), describing a session as DAP attributes,
 * and evaluating every record of a configuration snapshot for it.
 *
 * Semantics reproduced from the ASA (asa-behaviour.md section 7):
 * - every record whose criteria hold is selected; none selected means
 *   DfltAccessPolicy is;
 * - within a record each attribute class (aaa, endpoint) combines its
 *   criteria with ANY / ALL / NONE, and the classes must both hold; a class
 *   without criteria holds for everyone;
 * - actions combine: terminate wins over quarantine, quarantine over
 *   continue;
 * - a higher priority number is a higher priority (ASA, unlike FTD); the
 *   selected records and their network ACLs are ordered by it;
 * - network ACLs of the selected records replace the group policy's
 *   vpn-filter; several lists are evaluated as one with every deny entry
 *   before any permit entry (the ASA's DAP ACL aggregation).
 */
#ifndef SSLVPND_DAP_H
#define SSLVPND_DAP_H

#include <stddef.h>
#include <stdio.h>

enum {
	DAP_MAX_CRITERIA = 16,   /* per attribute class of one record */
	DAP_VALUE_MAX = 128,     /* a criterion's value */
	DAP_ATTR_MAX = 256,      /* a session attribute's value */
	DAP_TEXT_MAX = 200,      /* a criterion as text */
	DAP_MESSAGE_MAX = 256,   /* user-message (also the AUTH_REP message) */
	DAP_MAX_RECORDS = 128,   /* records of one configuration */
	DAP_NAMES_MAX = 1024,    /* "A, B, C" of the 734001/734002 lines */
	DAP_FILTER_MAX = 512,    /* space separated ACL names (IPC_FILTER_MAX) */
	DAP_LINE_MAX = DAP_ATTR_MAX + 64, /* "attr = value" of a 734003 line */
};

#define DAP_DFLT_NAME "DfltAccessPolicy"
#define DAP_CONNECTION "AnyConnect"  /* the Connection of 734001 for SSL clients */

enum dap_action { DAP_CONTINUE = 1, DAP_TERMINATE, DAP_QUARANTINE };
enum dap_match { DAP_MATCH_ANY = 1, DAP_MATCH_ALL, DAP_MATCH_NONE };
enum dap_class { DAP_CLASS_AAA = 1, DAP_CLASS_ENDPOINT };

/* The session attributes a criterion can test, in the order the 734003
 * lines list them (aaa.cisco.grouppolicy first, as in seed 001). */
enum dap_attr {
	DAP_AAA_GROUPPOLICY,
	DAP_AAA_USERNAME,
	DAP_AAA_TUNNELGROUP,
	DAP_AAA_CERT_SUBJECT_CN,
	DAP_AAA_CERT_SUBJECT_O,
	DAP_AAA_CERT_SUBJECT_OU,
	DAP_AAA_CERT_ISSUER_CN,
	DAP_AAA_CERT_ISSUER_O,
	DAP_AAA_CERT_ISSUER_OU,
	DAP_AAA_CERT_SERIAL,
	DAP_EP_CLIENTTYPE,
	DAP_EP_PLATFORM,
	DAP_EP_DEVICETYPE,
	/* S15: what an AAA server returned, by name: aaa.radius.N (RADIUS
	 * attribute number N, as the ASA names them) and aaa.ldap.NAME (LDAP
	 * attribute NAME); the criterion holds the name (key) */
	DAP_AAA_SERVER,
	DAP_ATTR__COUNT
};

enum { DAP_KEY_MAX = 64, DAP_SERVER_ATTRS_MAX = 3072 };

struct dap_criterion {
	int attr;                    /* enum dap_attr */
	int negate;                  /* "!=" */
	char value[DAP_VALUE_MAX];
	char key[DAP_KEY_MAX];       /* DAP_AAA_SERVER: "aaa.radius.25" */
};

/* One attribute class of a record: its combinator and criteria. */
struct dap_criteria {
	int match;                   /* enum dap_match */
	size_t n;
	struct dap_criterion c[DAP_MAX_CRITERIA];
};

/* dap_attr_name: "aaa.cisco.tunnelgroup", ...; NULL out of range. */
const char *dap_attr_name(int attr);

/* dap_attr_class: DAP_CLASS_AAA or DAP_CLASS_ENDPOINT. */
enum dap_class dap_attr_class(int attr);

/* dap_parse_criterion: "ATTRIBUTE = VALUE" or "ATTRIBUTE != VALUE" (blanks
 * around the operator optional, VALUE the rest of the line) for an
 * attribute of class cls.  0, or -1 with *why (a static text naming the
 * problem: unknown attribute, attribute of the other class, no operator,
 * empty or too long value). */
int dap_parse_criterion(const char *text, enum dap_class cls,
			struct dap_criterion *out, const char **why);

/* dap_format_criterion: the canonical text "attr = value"; length or -1. */
int dap_format_criterion(const struct dap_criterion *c, char *buf, size_t len);

/* What the headend knows about a session when DAP runs (after
 * authentication and the group-policy checks).  Any field may be NULL or
 * "": the attribute is then absent and only "!=" criteria hold for it. */
struct dap_input {
	const char *group_policy;
	const char *tunnel_group;
	const char *username;
	const char *cert_subject;    /* RFC 2253, only of a verified certificate */
	const char *cert_issuer;
	const char *cert_serial;
	const char *user_agent;
	/* "aaa.radius.N=VALUE\n" / "aaa.ldap.NAME=VALUE\n" lines from the AAA
	 * server (S15); NULL = none */
	const char *server_attrs;
};

struct dap_session {
	char v[DAP_ATTR__COUNT][DAP_ATTR_MAX];
	char server[DAP_SERVER_ATTRS_MAX];  /* dap_input.server_attrs */
};

/* dap_session_init: the DAP attributes of a session.  Certificate fields
 * come from the subject / issuer names (first instance of CN, O, OU);
 * endpoint.application.clienttype from the User-Agent (IPPhone for the
 * phones' "Cisco SVC IPPhone Client", OpenConnect (its "Open AnyConnect
 * VPN Agent" too), AnyConnect, else
 * Unknown); endpoint.anyconnect.platform from the User-Agent (win,
 * mac-intel, linux, linux-64, android, apple-ios) when it names one;
 * endpoint.anyconnect.devicetype is the phone model of a manufacturing
 * certificate's CN ("CP-7962G" of "CP-7962G-SEP8CB64F576113"). */
void dap_session_init(struct dap_session *s, const struct dap_input *in);

struct cfg_dap;
struct sslvpnd_config;

struct dap_result {
	int action;                          /* enum dap_action */
	int dflt;                            /* no record matched: DfltAccessPolicy */
	size_t n_selected;                   /* in priority order */
	const struct cfg_dap *selected[DAP_MAX_RECORDS];
	char records[DAP_NAMES_MAX];         /* 734001: "A, B" */
	char terminated_by[DAP_NAMES_MAX];   /* 734002: the terminating records */
	char message[DAP_MESSAGE_MAX];       /* user-messages of the deciding records */
	char filter[DAP_FILTER_MAX];         /* network ACLs, space separated; "" = keep vpn-filter */
	int deny_first;                      /* filter aggregates two or more lists */
	size_t n_attrs;                      /* 734003 lines, in dap_attr order */
	char attrs[DAP_ATTR__COUNT][DAP_LINE_MAX];
};

/* dap_active: 1 when the configuration declares any DAP record (the
 * DfltAccessPolicy included); with none, sslvpnd behaves as before DAP
 * existed: no evaluation, no 734xxx lines. */
int dap_active(const struct sslvpnd_config *cfg);

/* dap_evaluate: select the records of cfg whose criteria hold for s and
 * combine them into *out (see the top of this file).  Returns 0, or -1 when
 * the network ACL names of the deciding records do not fit DAP_FILTER_MAX:
 * then the action is DAP_TERMINATE (fail closed) and message says why. */
int dap_evaluate(const struct sslvpnd_config *cfg, const struct dap_session *s,
		 struct dap_result *out);

/* dap_login_events: the catalogue events (log.h) DAP logs at login, in
 * the ASA's order (seed 001): one 734003 per session attribute, then, when
 * the connection is terminated, 734001 naming the selected records and
 * 734002 naming the terminating ones.  (Otherwise 734001 is logged when
 * the tunnel comes up, after 722051.)  emit gets each event with its
 * string arguments; user and addr as in the 716038 line. */
typedef void (*dap_emit_fn)(void *arg, int event, const char *const *args);
void dap_login_events(const struct dap_result *r, const char *user, const char *addr,
		      dap_emit_fn emit, void *arg);

/* dap_showrun: `show running-config dynamic-access-policy-record [NAME]`
 * in ASA syntax (description, network-acl, priority, user-message,
 * action), the criteria (dap.xml on an ASA) as "!" comment lines after
 * each record; NAME NULL prints every record, DfltAccessPolicy first.
 * Returns 0, or -1 for an unknown name. */
int dap_showrun(FILE *fp, const struct sslvpnd_config *cfg, const char *name);

/* dap_record_matches: do the criteria of one record hold for s? */
int dap_record_matches(const struct cfg_dap *r, const struct dap_session *s);

#endif
