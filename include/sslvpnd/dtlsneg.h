/* DTLS negotiation at CONNECT: which DTLS (if any) a tunnel gets.
 *
 * Input: the client's X-DTLS-* request headers, the suite the CSTP TLS
 * session chose, and the headend's configured lists (ssl cipher dtlsv1 and
 * dtlsv1.2, server preference order).  Output: one mode and one suite.
 *
 * Rules (anyconnect-protocol.md 4.4, asa-behaviour.md 5):
 * - no X-DTLS-Master-Secret, or DTLS off by policy -> no DTLS;
 * - a master secret that is not exactly 96 hex digits -> no DTLS, with a
 *   reason for the log (the tunnel still comes up over TLS);
 * - PSK-NEGOTIATE when the client lists it in X-DTLS-CipherSuite and the
 *   headend allows it (openconnect's default; keyed by the TLS exporter);
 * - else Cisco DTLS 1.2 when X-DTLS12-CipherSuite shares a suite with the
 *   dtlsv1.2 list;
 * - else DTLS 1.2 named in the legacy X-DTLS-CipherSuite: newer phone
 *   firmware asks for ECDHE-RSA-AES*-GCM there, openconnect for
 *   OC-DTLS1_2-AES*-GCM (= AES*-GCM-SHA*); the answer then goes back in
 *   X-DTLS-CipherSuite under the client's own name (phones.md 3.1);
 * - else DTLS 0.9 when X-DTLS-CipherSuite shares a suite with the dtlsv1
 *   list (AES256-SHA, AES128-SHA only);
 * - within a mode, the twin of the TLS suite wins when the client offered
 *   it (TLS AES256-SHA and an offer AES256-SHA:AES128-SHA -> AES256-SHA:
 *   old phones retry DTLS forever when the suites differ); otherwise the
 *   first suite of the headend's list that the client offered.
 * Pure logic: no I/O, no allocation.
 */
#ifndef SSLVPND_DTLSNEG_H
#define SSLVPND_DTLSNEG_H

#include <stddef.h>
#include <stdint.h>

enum dtls_mode {
	DTLS_MODE_NONE = 0,
	DTLS_MODE_09 = 1,   /* Cisco DTLS 0.9 (X-DTLS-Session-ID + X-DTLS-CipherSuite) */
	DTLS_MODE_12 = 2,   /* Cisco DTLS 1.2 (X-DTLS-Session-ID + X-DTLS12-CipherSuite) */
	DTLS_MODE_PSK = 3,  /* PSK-NEGOTIATE (X-DTLS-App-ID) */
};

enum { DTLSNEG_MASTER_LEN = 48, DTLSNEG_SUITE_MAX = 64 };

/* What the client sent; NULL for an absent header. */
struct dtls_offer {
	const char *master_secret; /* X-DTLS-Master-Secret */
	const char *suites;        /* X-DTLS-CipherSuite */
	const char *suites12;      /* X-DTLS12-CipherSuite */
};

/* What the headend allows. */
struct dtls_policy {
	int enabled;             /* group policy anyconnect ssl dtls */
	int psk;                 /* PSK-NEGOTIATE allowed */
	const char *tls_suite;   /* OpenSSL name of the CSTP suite ("" if unknown) */
	const char *list09;      /* ssl cipher dtlsv1, ':' separated */
	const char *list12;      /* ssl cipher dtlsv1.2, ':' separated */
	int no09;                /* ssl server-version ... dtlsv1.2: no DTLS 0.9 */
	/* Filters names of list12 the DTLS 1.2 server can really serve
	 * (dtls12_suite_id); NULL accepts every name. */
	uint16_t (*suite12_ok)(const void *arg, const char *name);
	const void *suite12_arg;
	/* asa-compat dtls-cipher: when nothing above matches, offer the first
	 * DTLS 0.9 suite of list09 although the client did not offer it, as
	 * the ASA does (seed 000: the phone then retries DTLS for ever). */
	int asa_offer09;
};

struct dtls_choice {
	enum dtls_mode mode;
	char suite[DTLSNEG_SUITE_MAX];  /* OpenSSL name; "PSK-NEGOTIATE" for PSK */
	uint16_t suite_id;              /* IANA id for 0.9 (0x0035/0x002f) */
	uint8_t master[DTLSNEG_MASTER_LEN]; /* decoded master secret (09/12) */
	int twin;                       /* suite equals the TLS suite */
	int legacy_header;              /* DTLS 1.2 answered in X-DTLS-CipherSuite */
	int asa_compat;                 /* chosen by asa_offer09: the client did not offer it */
	char reply[DTLSNEG_SUITE_MAX];  /* the name to answer with */
	char why[128];                  /* DTLS_MODE_NONE: the reason */
};

/*
 * dtls_negotiate: fills ch from offer and pol following the rules above.
 * Always returns ch->mode (DTLS_MODE_NONE with ch->why set when no DTLS).
 * "no DTLS requested" (no master secret) is distinguishable by
 * ch->why[0] == '\0' so that callers do not log it.
 */
enum dtls_mode dtls_negotiate(const struct dtls_offer *offer,
			      const struct dtls_policy *pol,
			      struct dtls_choice *ch);

/* dtls_list_has: 1 when the ':'-separated list (whitespace around names
 * ignored, case-sensitive as OpenSSL names are) holds name, else 0. */
int dtls_list_has(const char *list, const char *name);

/* dtls_mode_name: "none", "DTLSv0.9", "DTLSv1.2", "PSK-NEGOTIATE". */
const char *dtls_mode_name(enum dtls_mode m);

#endif
