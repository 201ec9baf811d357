/* Certificate-to-tunnel-group map rules (ASA `crypto ca certificate map`
 * + `webvpn certificate-group-map`): parsing one rule and matching a client
 * certificate's subject / issuer against it.  Pure; the parser is linked
 * into the config library (src/policy/certmap.c). */
#ifndef SSLVPND_CERTMAP_H
#define SSLVPND_CERTMAP_H

#include <stddef.h>

enum {
	CERTMAP_MAX_RULES = 8,     /* rules of one map (all must match) */
	CERTMAP_VALUE_MAX = 128,
	CERTMAP_ATTR_MAX = 24,
	CERTMAP_TEXT_MAX = 200,
};

enum certmap_field { CERTMAP_SUBJECT = 1, CERTMAP_ISSUER = 2 };
enum certmap_op { CERTMAP_EQ = 1, CERTMAP_NE, CERTMAP_CO, CERTMAP_NC };

struct certmap_rule {
	int field;                   /* enum certmap_field */
	char attr[CERTMAP_ATTR_MAX]; /* ASA attribute name ("cn"); "" = whole name */
	int op;                      /* enum certmap_op */
	char value[CERTMAP_VALUE_MAX];
};

/* certmap_parse_rule: "subject-name|issuer-name [attr ATTR] eq|ne|co|nc VALUE"
 * (VALUE is the rest of the line; ATTR one of cn o ou c st l ea dc uid
 * serialnumber t sn gn i).  0, or -1 with *why. */
int certmap_parse_rule(const char *text, struct certmap_rule *out, const char **why);

/* certmap_format_rule: the canonical text; its length or -1. */
int certmap_format_rule(const struct certmap_rule *r, char *buf, size_t len);

/* certmap_match_rule: does the rule hold for a certificate whose subject
 * and issuer are RFC 2253 strings ("CN=a,O=b\, c")?  Comparisons ignore
 * case, as the ASA's.  eq / co hold when some instance of the attribute
 * equals / contains the value; ne / nc when none does.  Without attr the
 * whole name is compared. */
int certmap_match_rule(const struct certmap_rule *r, const char *subject,
		       const char *issuer);

#endif
