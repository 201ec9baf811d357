/* DTLS negotiation at CONNECT (contract and rules in dtlsneg.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sslvpnd/dtlsneg.h"
#include "sslvpnd/util.h"

#define PSK_NAME "PSK-NEGOTIATE"

/* The only suites the DTLS 0.9 record layer implements. */
static const struct {
	const char *name;
	uint16_t id;
} suites09[] = {
	{ "AES256-SHA", 0x0035 },
	{ "AES128-SHA", 0x002f },
};

/* openconnect/ocserv names for DTLS 1.2 RSA-GCM resumption in the legacy
 * header, and the OpenSSL suite each means. */
static const struct {
	const char *alias, *name;
} aliases12[] = {
	{ "OC-DTLS1_2-AES256-GCM", "AES256-GCM-SHA384" },
	{ "OC-DTLS1_2-AES128-GCM", "AES128-GCM-SHA256" },
};

/* Copies the next list element into name (trimmed) and returns a pointer
 * past it, or NULL at the end of the list. */
static const char *next_name(const char *p, char *name, size_t cap)
{
	while (*p == ':' || *p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	size_t n = strcspn(p, ":");
	size_t len = n;

	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len >= cap)
		len = 0;  /* over-long: no suite is named like that */
	memcpy(name, p, len);
	name[len] = '\0';
	return p + n;
}

int dtls_list_has(const char *list, const char *name)
{
	char cur[DTLSNEG_SUITE_MAX];

	if (!list || !name || !*name)
		return 0;
	for (const char *p = list; (p = next_name(p, cur, sizeof(cur)));)
		if (!strcmp(cur, name))
			return 1;
	return 0;
}

const char *dtls_mode_name(enum dtls_mode m)
{
	switch (m) {
	case DTLS_MODE_09:
		return "DTLSv0.9";
	case DTLS_MODE_12:
		return "DTLSv1.2";
	case DTLS_MODE_PSK:
		return "PSK-NEGOTIATE";
	default:
		return "none";
	}
}

static uint16_t id09(const char *name)
{
	for (size_t i = 0; i < sizeof(suites09) / sizeof(suites09[0]); i++)
		if (!strcmp(suites09[i].name, name))
			return suites09[i].id;
	return 0;
}

/* The name under which offer lists the OpenSSL suite name, or NULL: the
 * name itself, or (legacy header, DTLS 1.2) its openconnect alias. */
static const char *offered_as(const char *offer, const char *name, int alias_ok)
{
	if (dtls_list_has(offer, name))
		return name;
	for (size_t i = 0; alias_ok && i < sizeof(aliases12) / sizeof(aliases12[0]); i++)
		if (!strcmp(aliases12[i].name, name) && dtls_list_has(offer, aliases12[i].alias))
			return aliases12[i].alias;
	return NULL;
}

enum pick_kind { PICK_09, PICK_12, PICK_12_LEGACY };

/* A name of the headend's list that the client offered and this mode can
 * serve; the TLS twin first.  Returns 1 and fills ch, else 0. */
static int pick(const char *offer, const char *list, enum pick_kind kind,
		const struct dtls_policy *pol, struct dtls_choice *ch)
{
	char cur[DTLSNEG_SUITE_MAX];
	const char *tls = pol->tls_suite ? pol->tls_suite : "", *as;
	int mode12 = kind != PICK_09;

	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = list; p && (p = next_name(p, cur, sizeof(cur)));) {
			if (pass == 0 && strcmp(cur, tls))
				continue;
			/* In the legacy header only GCM names mean DTLS 1.2:
			 * AES256-SHA there is DTLS 0.9. */
			if (kind == PICK_12_LEGACY && !strstr(cur, "-GCM-"))
				continue;
			if (!(as = offered_as(offer, cur, kind == PICK_12_LEGACY)))
				continue;
			if (mode12 ? (pol->suite12_ok && !pol->suite12_ok(pol->suite12_arg, cur))
				   : !id09(cur))
				continue;
			snprintf(ch->suite, sizeof(ch->suite), "%s", cur);
			snprintf(ch->reply, sizeof(ch->reply), "%s", as);
			ch->suite_id = mode12 ? 0 : id09(cur);
			ch->twin = pass == 0;
			ch->legacy_header = kind == PICK_12_LEGACY;
			return 1;
		}
	}
	return 0;
}

/* What the ASA offers when the client's DTLS 0.9 offer shares nothing with
 * its dtlsv1 list: the list's first suite all the same. */
static int asa_first09(const char *list, struct dtls_choice *ch)
{
	char cur[DTLSNEG_SUITE_MAX];

	for (const char *p = list; p && (p = next_name(p, cur, sizeof(cur)));) {
		if (!id09(cur))
			continue;
		snprintf(ch->suite, sizeof(ch->suite), "%s", cur);
		snprintf(ch->reply, sizeof(ch->reply), "%s", cur);
		ch->suite_id = id09(cur);
		ch->asa_compat = 1;
		return 1;
	}
	return 0;
}

static enum dtls_mode none(struct dtls_choice *ch, const char *why)
{
	memset(ch->master, 0, sizeof(ch->master));
	ch->mode = DTLS_MODE_NONE;
	snprintf(ch->why, sizeof(ch->why), "%s", why);
	return DTLS_MODE_NONE;
}

enum dtls_mode dtls_negotiate(const struct dtls_offer *offer,
			      const struct dtls_policy *pol,
			      struct dtls_choice *ch)
{
	memset(ch, 0, sizeof(*ch));
	if (!offer->master_secret)
		return none(ch, "");
	if (!pol->enabled)
		return none(ch, "DTLS disabled by the group policy (anyconnect ssl dtls none)");
	if (util_unhex(ch->master, DTLSNEG_MASTER_LEN, offer->master_secret,
		       strlen(offer->master_secret)) < 0)
		return none(ch, "malformed X-DTLS-Master-Secret (want 96 hex digits)");
	if (pol->psk && dtls_list_has(offer->suites, PSK_NAME)) {
		snprintf(ch->suite, sizeof(ch->suite), PSK_NAME);
		snprintf(ch->reply, sizeof(ch->reply), PSK_NAME);
		ch->mode = DTLS_MODE_PSK;
		return ch->mode;
	}
	if (offer->suites12 && pick(offer->suites12, pol->list12, PICK_12, pol, ch)) {
		ch->mode = DTLS_MODE_12;
		return ch->mode;
	}
	if (offer->suites && pick(offer->suites, pol->list12, PICK_12_LEGACY, pol, ch)) {
		ch->mode = DTLS_MODE_12;
		return ch->mode;
	}
	if (offer->suites && pick(offer->suites, pol->list09, PICK_09, pol, ch)) {
		if (pol->no09)
			return none(ch, "the client offers only DTLS 0.9 and ssl "
					"server-version asks for dtlsv1.2");
		ch->mode = DTLS_MODE_09;
		return ch->mode;
	}
	if (offer->suites && pol->asa_offer09 && asa_first09(pol->list09, ch)) {
		ch->mode = DTLS_MODE_09;
		return ch->mode;
	}
	return none(ch, "no common DTLS cipher suite (ssl cipher dtlsv1 / dtlsv1.2)");
}
